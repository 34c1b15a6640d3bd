/* api: seamd's northbound REST API, sans-I/O.
 *
 * The REST resources are shaped as neutron-server answers them (Neutron
 * v2.0 with the provider, multi-provider, segment, binding and
 * networking-l2gw extensions), plus seam's own /v2.0/seam/vteps and
 * /v2.0/seam/host-links; see docs/seamd.md.
 *
 * This core does no I/O.  api_handle() takes one parsed HTTP request and a
 * read-only view of the northbound database (the client replica of
 * seam_nb, or any 'struct ovsdb_db' of that schema), validates it, and
 * either answers at once (reads, errors) or returns the OVSDB operations of
 * one transaction to commit.  Once that transaction is answered the caller
 * calls api_finish() with the replica, which by then holds the committed
 * rows, to get the reply.  The HTTP glue is http.c; the fuzzer drives this
 * core directly.
 *
 * Writes that allocate (VNIs, VLANs, MACs, IP addresses) choose from what
 * the replica shows: the caller commits one write at a time (http.c queues
 * them), and the database's unique indexes catch a race with another seamd.
 */
#ifndef SEAM_CONTROLLER_API_H
#define SEAM_CONTROLLER_API_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/uuid.h"

struct ovsdb_db;
struct api_resource;

/* A range of VNIs or VLAN ids, inclusive. */
struct api_range {
    uint32_t min;
    uint32_t max;
};

/* One entry of ML2's network_vlan_ranges: a physical network with an
 * optional range of VLANs that tenant networks may be given. */
struct api_physnet {
    char *name;                 /* Owned. */
    bool has_range;
    struct api_range range;
};

struct api_config {
    struct api_range *vni_ranges;       /* Owned; allocation pool of VNIs. */
    size_t n_vni_ranges;
    struct api_physnet *physnets;       /* Owned; known physical networks. */
    size_t n_physnets;
    uint8_t base_mac[6];                /* Neutron's base_mac. */
    char *default_project_id;           /* Owned; when no X-Project-Id. */
};

/* Fills 'cfg' with seamd's defaults: VNIs 1:16777215, no physical
 * networks, base MAC fa:16:3e:00:00:00, project "seam". */
void api_config_init(struct api_config *);
void api_config_destroy(struct api_config *);
void api_config_clone(struct api_config *dst, const struct api_config *src);

/* What the running southbound knows of a VTEP's ports: 1 if VTEP 'vtep'
 * (a VTEP row's name) has Physical_Port 'port', 0 if its session is synced
 * and it has not, -1 if unknown (no session or not synced yet, or a
 * standby seamd). */
typedef int api_port_known_func(void *aux, const char *vtep, const char *port);

struct api_request {
    const char *method;         /* "GET", "POST", "PUT", "DELETE", ... */
    const char *path;           /* Decoded path, without the query. */
    const char *query;          /* Raw query string after '?', or NULL. */
    const char *body;           /* Request body (need not be NUL-ended). */
    size_t body_size;           /* In bytes. */
    const char *project_id;     /* X-Project-Id, or NULL. */
    const char *base_url;       /* "http://127.0.0.1:9696", for links. */
    long long now_ms;           /* Wall clock, for created_at/updated_at. */
    api_port_known_func *port_known;    /* NULL: nothing is known. */
    void *port_known_aux;
};

/* What to do with a request.  With 'ops' NULL, reply with 'status' and
 * 'body' (NULL: no body) at once.  With 'ops' nonnull, commit 'ops' (an
 * array of RFC 7047 operations on database "seam_nb", borrowed) as one
 * transaction, then call api_finish(), then reply. */
struct api_result {
    int status;                 /* HTTP status. */
    json_t *body;               /* Owned by the result. */
    json_t *ops;                /* Owned by the result. */
    /* Private to api.c: what to answer once committed. */
    const struct api_resource *resource_;
    struct uuid uuid_;
    json_t *ids_;               /* A bulk create's ids (strings), or NULL. */
    int ok_status_;
};

/* Handles 'req' against 'db' (read-only here) with 'cfg'; fills 'res'
 * (free with api_result_destroy()). */
void api_handle(const struct api_config *cfg, const struct ovsdb_db *db,
                const struct api_request *req, struct api_result *res);
/* Completes 'res' after its transaction: 'error' is NULL if it committed
 * (then 'db' must show the committed rows), else the OVSDB error text.
 * Clears 'res->ops'. */
void api_finish(const struct ovsdb_db *db, struct api_result *res, const char *error);
void api_result_destroy(struct api_result *);
/* Does 'db' show what the committed transaction of 'res' did (the created
 * or updated rows present, a deleted row gone)?  A replica normally does
 * by the time the transaction is answered (the server sends the update
 * first); the caller waits for the next change if not. */
bool api_result_visible(const struct ovsdb_db *db, const struct api_result *res);

/* Returns a new NeutronError body {"NeutronError": {"type", "message",
 * "detail": ""}}. */
json_t *api_error_body(const char *type, const char *message);

#endif /* controller/api.h */
