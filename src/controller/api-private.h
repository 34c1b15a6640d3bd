/* api internals shared by api.c and the resource files api_*.c.
 *
 * A resource (networks, ports, ...) is a 'struct api_resource': its paths,
 * its NB table, the attributes it accepts, and four functions.  api.c does
 * what every resource shares (routing, body parsing, the generic attribute
 * checks neutron-server's API layer does, filters, fields, errors); the
 * resource functions do the rest and append operations to 'ctx->ops'.
 *
 * Errors: the resource functions return false after api_error() when the
 * request is refused; nothing is then committed. */
#ifndef SEAM_CONTROLLER_API_PRIVATE_H
#define SEAM_CONTROLLER_API_PRIVATE_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "controller/api.h"
#include "lib/hmap.h"
#include "lib/util.h"
#include "ovsdb/db.h"
#include "lib/uuid.h"


/* One request being handled. */
struct api_ctx {
    const struct api_config *cfg;
    const struct ovsdb_db *db;
    const struct api_request *req;
    json_t *ops;                /* Operations of the transaction. */
    int status;                 /* Of the error, when 'error' is set. */
    json_t *error;              /* A NeutronError body, or NULL. */
    char now[24];               /* "2026-12-03T17:55:35Z". */
    const char *project_id;
};

/* Generic attribute checks (neutron's RESOURCE_ATTRIBUTE_MAP). */
enum api_attr_flags {
    API_POST = 1 << 0,          /* Allowed in POST. */
    API_PUT = 1 << 1,           /* Allowed in PUT. */
    API_REQUIRED = 1 << 2,      /* Required in POST. */
};
enum api_attr_type {
    API_T_ANY,                  /* Checked by the resource. */
    API_T_STRING,               /* A string ("'5' is not a valid string"). */
    API_T_STRING_NULL,          /* A string or null. */
    API_T_BOOL,                 /* Converted to true/false. */
    API_T_UUID,                 /* A UUID string. */
    API_T_DICT,                 /* An object. */
    API_T_LIST,                 /* An array. */
};
struct api_attr {
    const char *name;
    unsigned int flags;
    enum api_attr_type type;
};

/* Neutron's standard attributes, read-only, that networks, subnets and
 * ports carry: the last entries of their api_attr tables. */
#define API_STANDARD_ATTRS                      \
    { "tags", 0, API_T_ANY },                   \
    { "created_at", 0, API_T_ANY },             \
    { "updated_at", 0, API_T_ANY },             \
    { "revision_number", 0, API_T_ANY }

struct api_resource {
    const char *collection;     /* Path and plural key: "networks". */
    const char *member;         /* Singular key: "network". */
    const char *plural_key;     /* Key of the list body: "networks". */
    const char *table;          /* NB table: "Network". */
    const char *not_found;      /* "NetworkNotFound". */
    const char *noun;           /* "Network" in "Network X could not be found." */
    const struct api_attr *attrs;   /* Terminated by a NULL name. */
    /* Returns a new JSON object: the resource as GET shows it. */
    json_t *(*render)(struct api_ctx *, const struct ovsdb_row *);
    /* Validates 'attrs' (generic checks done) and appends the operations
     * that create the resource with id 'id'. */
    bool (*create)(struct api_ctx *, json_t *attrs, const struct uuid *id);
    bool (*update)(struct api_ctx *, const struct ovsdb_row *, json_t *attrs);
    bool (*remove)(struct api_ctx *, const struct ovsdb_row *);
};

extern const struct api_resource api_network_resource;
extern const struct api_resource api_segment_resource;
extern const struct api_resource api_subnet_resource;
extern const struct api_resource api_port_resource;
extern const struct api_resource api_l2gw_resource;
extern const struct api_resource api_l2gw_conn_resource;
extern const struct api_resource api_vtep_resource;
extern const struct api_resource api_host_link_resource;

/* Errors.  Sets the request's error (the first one wins) and returns
 * false, so that resource code can "return api_error(...)". */
bool api_error(struct api_ctx *, int status, const char *type,
               const char *fmt, ...) PRINTF_FMT(4, 5);
/* InvalidInput, 400: "Invalid input for operation: MSG." */
bool api_invalid(struct api_ctx *, const char *fmt, ...) PRINTF_FMT(2, 3);
/* HTTPBadRequest, 400: "Invalid input for ATTR. Reason: MSG." */
bool api_bad_attr(struct api_ctx *, const char *attr, const char *fmt, ...)
    PRINTF_FMT(3, 4);
bool api_not_found(struct api_ctx *, const struct api_resource *, const char *id);
/* Python's str() of a JSON value, as Neutron's messages print it; returns
 * a new string (free()). */
char *api_pystr(const json_t *);

/* Attribute conversions as neutron-lib's converters do them.  Each returns
 * false after an error naming 'attr'. */
bool api_to_int(struct api_ctx *, const char *attr, const json_t *, long long *out);
bool api_to_bool(struct api_ctx *, const json_t *, bool *out);

/* Operations. */
json_t *api_where_uuid(const struct uuid *);
/* Appends an insert of 'row' (taken) into 'table' with UUID 'id'. */
void api_op_insert(struct api_ctx *, const char *table, const struct uuid *id,
                   json_t *row);
void api_op_update(struct api_ctx *, const char *table, const struct uuid *id,
                   json_t *row);
void api_op_delete(struct api_ctx *, const char *table, const struct uuid *id);
/* Appends an update of 'row' of 'table' with the columns of 'cols' (taken),
 * plus what every update of a Neutron resource carries: revision_number
 * one up and updated_at now. */
void api_op_revise(struct api_ctx *, const char *table, const struct ovsdb_row *row,
                   json_t *cols);
json_t *api_uuid_json(const struct uuid *);
/* ["map", [[k, v], ...]] / ["set", [...]] from what follows. */
json_t *api_map_json(json_t *pairs);
json_t *api_set_json(json_t *elems);

/* Reading rows of the NB.  Column names are looked up in the row's table;
 * a missing column reads as the empty/zero value. */
const struct ovsdb_table *api_table(const struct api_ctx *, const char *name);
const struct ovsdb_row *api_get_row(const struct api_ctx *, const char *table,
                                    const struct uuid *);
/* Looks up the row by the text form of its UUID; NULL if 'id' is not a UUID
 * or no such row exists. */
const struct ovsdb_row *api_find_row(const struct api_ctx *, const char *table,
                                     const char *id);
const struct ovsdb_datum *api_datum(const struct ovsdb_row *, const char *column);
const char *api_str(const struct ovsdb_row *, const char *column);
/* The optional string column's value, or NULL if empty. */
const char *api_opt_str(const struct ovsdb_row *, const char *column);
long long api_int(const struct ovsdb_row *, const char *column);
bool api_has(const struct ovsdb_row *, const char *column);
bool api_bool(const struct ovsdb_row *, const char *column);
const struct uuid *api_ref(const struct ovsdb_row *, const char *column);
/* The value of 'key' in the string map 'column', or NULL. */
const char *api_map_get(const struct ovsdb_row *, const char *column, const char *key);
void api_uuid_str(const struct ovsdb_row *, char buf[UUID_LEN + 1]);
json_t *api_id_json(const struct ovsdb_row *);
/* Does row 'row' of its table reference 'id' in 'column'? */
bool api_refers(const struct ovsdb_row *, const char *column, const struct uuid *id);

/* Iterates over the rows of 'TABLE' (may be NULL), in no particular
 * order: API_FOR_EACH_ROW (row, t) { ... } with 'row' a const row pointer. */
#define API_FOR_EACH_ROW(ROW, TABLE) \
    for (const struct ovsdb_table *t_##ROW = (TABLE); t_##ROW; t_##ROW = NULL) \
        HMAP_FOR_EACH (ROW, hmap_node, &t_##ROW->rows)

/* Shared between resources. */
json_t *api_render_network_provider(struct api_ctx *, const struct ovsdb_row *net,
                                    json_t *obj);
/* Does network 'net' have a port using IP 'ip' of subnet 'subnet'? */
bool api_ip_in_use(struct api_ctx *, const struct uuid *subnet, const char *ip);
/* Checks and normalizes a segmentation id of 'type' ("vxlan", "vlan",
 * "flat") on 'physnet' (NULL for none): the checks of ML2's type drivers
 * for provider networks.  '*seg_id' is -1 when absent: then one is
 * allocated. */
bool api_segment_validate(struct api_ctx *, const char *type, const char *physnet,
                          long long *seg_id, bool for_network);
/* The lowest VNI of the configured ranges no network uses, or 0. */
uint32_t api_alloc_vni(struct api_ctx *, const json_t *taken);
/* Parses and checks one segment's attributes (names prefixed by 'prefix':
 * "provider:" in a network, "" for /v2.0/segments) into a new
 * [type, physnet or null, id] array, allocating an absent id; 'taken_vxlan'
 * and 'taken_vlan' hold what earlier segments of the request took.  NULL
 * after an error. */
json_t *api_segment_parse(struct api_ctx *, const json_t *attrs, const char *prefix,
                          bool for_network, json_t *taken_vxlan, json_t *taken_vlan);
/* Appends the insert of the Segment row for 'seg' (as parsed above) of
 * network 'net'; 'id' NULL for a fresh one. */
void api_segment_insert(struct api_ctx *, const struct uuid *net, const json_t *seg,
                        long long index, const char *name, const char *description,
                        const struct uuid *id);
/* Allocates the lowest free address of subnet 'subnet''s pools that no
 * port and no string of 'taken' holds, into 'out'; false if none is left. */
bool api_subnet_alloc_ip(struct api_ctx *, const struct ovsdb_row *subnet,
                         const json_t *taken, char out[64]);
int api_compare_ll(const void *, const void *);
void api_ts_now(json_t *row, const struct api_ctx *, bool created);

#endif /* controller/api-private.h */
