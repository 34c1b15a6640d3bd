/* http: the libevent evhttp glue of seamd's REST API.  Parses each HTTP
 * request into an api_request (api.h, the sans-I/O core), checks the token
 * (X-Auth-Token, compared in constant time), answers reads at once from the
 * NB replica, and queues writes: one at a time, each committed as one NB
 * transaction, answered once the transaction is (the replica then shows
 * the rows).  Bodies over the configured size get 413 from evhttp itself.
 * HTTPS when a certificate and key are configured.
 *
 * Also answers GET /v2.0/seam/controller: this seamd's NB state (synced,
 * remote, active). */
#ifndef SEAM_CONTROLLER_HTTP_H
#define SEAM_CONTROLLER_HTTP_H 1

#include <stddef.h>
#include "controller/api.h"
#include "lib/util.h"

struct api_config;
struct event_base;
struct http_server;
struct nb;

struct http_options {
    const char *host;           /* Listen address. */
    int port;                   /* 0: any free port. */
    const char *token;          /* NULL: no authentication. */
    const char *cert_file;      /* Both set: HTTPS. */
    const char *key_file;
    size_t max_body_size;       /* In bytes. */
};

/* Returns a new server, or NULL with a new message in '*errorp'.  'nb' and
 * 'api' are borrowed and must outlive it. */
struct http_server *http_server_create(struct event_base *, const struct http_options *,
                                       struct nb *nb, const struct api_config *api,
                                       char **errorp) WARN_UNUSED;
/* Answers every queued request with 503 and frees 'server'.  NULL is a
 * no-op. */
void http_server_destroy(struct http_server *);
int http_server_get_port(const struct http_server *);
/* The NB replica changed: a committed write waiting to see its rows may be
 * answered now.  NULL is a no-op. */
void http_server_nb_changed(struct http_server *);
/* Requests ask 'fn' (with 'aux') whether a VTEP has a port (api.h). */
void http_server_set_port_known(struct http_server *, api_port_known_func *fn, void *aux);

#endif /* controller/http.h */
