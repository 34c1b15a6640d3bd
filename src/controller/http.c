/* http: evhttp glue of the REST API.  See http.h. */
#include "controller/http.h"

#include <assert.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "controller/api.h"
#include "controller/nb.h"
#include "controller/ui.h"
#include "lib/list.h"
#include "lib/log.h"
#include "lib/util.h"
#include "ovsdb/client.h"

LOG_MODULE(http);

/* The most writes waiting for their turn; more are answered 503. */
#define HTTP_MAX_QUEUED 1000

/* The longest request line, and the most bytes of headers, of a request:
 * without a bound evhttp buffers a line until it ends.  Neutron's is 16 KiB
 * a line (max_header_line); a list filtered by many ids needs a long line. */
#define HTTP_MAX_HEADERS_SIZE (64 * 1024)

/* A write waiting for its turn, or in flight. */
struct pending {
    struct list node;               /* In 'server->queue'. */
    struct http_server *server;
    struct evhttp_request *req;
    char *method, *path, *query, *body, *project;
    char *base_url;                 /* scheme://Host of the request. */
    size_t body_size;
    struct api_result res;
    struct ovsdb_client_txn *txn;   /* While committing. */
    bool committed;                 /* Waiting for the replica to show it. */
};

struct http_server {
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    SSL_CTX *ssl_ctx;
    struct nb *nb;
    const struct api_config *api;
    api_port_known_func *port_known;
    void *port_known_aux;
    char *token;
    char *base_url;
    int port;
    struct list queue;              /* "struct pending"s, head in flight. */
    size_t n_queued;                /* Length of 'queue'. */
    bool busy;                      /* The head is committing. */
    struct event *kick;             /* Runs the queue from the loop. */
    struct event *wait_timer;       /* Bounds the wait for the replica. */
    struct event *accept_retry;     /* Re-enables the listener, see on_accept_error(). */
    bool accept_paused;             /* Since accept() failed, until requests */
    struct event *accept_settle;    /* have come for HTTP_ACCEPT_SETTLE_MS. */
    struct list all_node;           /* In 'all_servers'. */
};

/* Every server, so that on_accept_error() finds its own: libevent calls it
 * with the listener's user data, which evhttp keeps for itself. */
static struct list all_servers = LIST_INITIALIZER(&all_servers);

/* How long a committed write waits for the replica to show it before it is
 * answered anyway. */
#define HTTP_VISIBLE_WAIT_MS 5000

/* How long the listener rests after accept() failed (out of file
 * descriptors, typically), in msec. */
#define HTTP_ACCEPT_RETRY_MS 100
#define HTTP_ACCEPT_SETTLE_MS 500

static const char *
reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status < 300 ? "OK" : status < 500 ? "Bad Request" : "Error";
    }
}

/* Sends 'body' (taken; NULL for none) with 'status'. */
static void
send_json(struct evhttp_request *req, int status, json_t *body)
{
    struct evbuffer *buf = evbuffer_new();
    if (body) {
        char *s = json_dumps(body, JSON_COMPACT);
        evbuffer_add(buf, s, strlen(s));
        free(s);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                          "application/json");
        json_decref(body);
    }
    evhttp_send_reply(req, status, reason(status), buf);
    evbuffer_free(buf);
}

static void
send_error(struct evhttp_request *req, int status, const char *type, const char *msg)
{
    send_json(req, status, api_error_body(type, msg));
}

static void
pending_destroy(struct pending *p)
{
    if (p) {
        ovsdb_client_txn_destroy(p->txn);
        api_result_destroy(&p->res);
        free(p->method);
        free(p->path);
        free(p->query);
        free(p->body);
        free(p->project);
        free(p->base_url);
        free(p);
    }
}

static void
fill_request(const struct http_server *s, const struct pending *p,
             struct api_request *r)
{
    *r = (struct api_request) {
        .method = p->method, .path = p->path, .query = p->query,
        .body = p->body, .body_size = p->body_size, .project_id = p->project,
        .base_url = p->base_url ? p->base_url : s->base_url,
        .now_ms = time_wall_msec(),
        .port_known = s->port_known, .port_known_aux = s->port_known_aux,
    };
}

static void run_queue(struct http_server *);

/* Answers the head of the queue, 'p', and lets the next write go. */
static void
answer_head(struct http_server *s, struct pending *p)
{
    send_json(p->req, p->res.status, json_incref(p->res.body));
    list_remove(&p->node);
    s->n_queued--;
    s->busy = false;
    event_del(s->wait_timer);
    pending_destroy(p);
    event_active(s->kick, 0, 0);
}

static void
finish_committed(struct http_server *s, struct pending *p)
{
    api_finish(nb_get_db(s->nb), &p->res, NULL);
    answer_head(s, p);
}

static void
on_wait_timeout(evutil_socket_t fd, short what, void *s_)
{
    struct http_server *s = s_;
    if (s->busy && !list_is_empty(&s->queue)) {
        struct pending *p = container_of(s->queue.next, struct pending, node);
        if (p->committed) {
            log_warn("%s %s: committed, but the NB replica did not show it within "
                     "%d ms", p->method, p->path, HTTP_VISIBLE_WAIT_MS);
            finish_committed(s, p);
        }
    }
}

void
http_server_nb_changed(struct http_server *s)
{
    if (s && s->busy && !list_is_empty(&s->queue)) {
        struct pending *p = container_of(s->queue.next, struct pending, node);
        if (p->committed && api_result_visible(nb_get_db(s->nb), &p->res)) {
            finish_committed(s, p);
        }
    }
}

static void
on_txn_done(void *p_, struct ovsdb_client_txn *txn)
{
    struct pending *p = p_;
    struct http_server *s = p->server;
    enum ovsdb_client_txn_status st = ovsdb_client_txn_get_status(txn);

    if (st == OVSDB_CLIENT_TXN_SUCCESS) {
        if (!api_result_visible(nb_get_db(s->nb), &p->res)) {
            p->committed = true;
            struct timeval tv = { HTTP_VISIBLE_WAIT_MS / 1000,
                                  HTTP_VISIBLE_WAIT_MS % 1000 * 1000 };
            event_add(s->wait_timer, &tv);
            return;
        }
        api_finish(nb_get_db(s->nb), &p->res, NULL);
    } else if (st == OVSDB_CLIENT_TXN_TRY_AGAIN) {
        api_result_destroy(&p->res);
        p->res.status = 503;
        p->res.body = api_error_body("ServiceUnavailable", "The northbound database "
                                     "connection was lost during the request; it may "
                                     "or may not have been applied.");
    } else {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        const char *e = ovsdb_client_txn_get_error(txn);
        log_warn_rl(&rl, "%s %s: NB transaction failed: %s", p->method, p->path,
                    e ? e : "?");
        api_finish(nb_get_db(s->nb), &p->res, e ? e : "error");
    }
    answer_head(s, p);      /* Destroys 'txn' too: the library allows it here. */
}

/* Handles queued writes until one is committing. */
static void
run_queue(struct http_server *s)
{
    while (!s->busy && !list_is_empty(&s->queue)) {
        struct pending *p = container_of(s->queue.next, struct pending, node);
        if (!nb_is_synced(s->nb)) {
            send_error(p->req, 503, "ServiceUnavailable", "The northbound database is "
                       "not connected.");
            list_remove(&p->node);
            s->n_queued--;
            pending_destroy(p);
            continue;
        }
        struct api_request r;
        fill_request(s, p, &r);
        api_handle(s->api, nb_get_db(s->nb), &r, &p->res);
        if (!p->res.ops) {
            send_json(p->req, p->res.status, json_incref(p->res.body));
            list_remove(&p->node);
            s->n_queued--;
            pending_destroy(p);
            continue;
        }
        p->txn = ovsdb_client_txn_create(nb_get_client(s->nb));
        size_t i;
        json_t *op;
        json_array_foreach (p->res.ops, i, op) {
            ovsdb_client_txn_add_op(p->txn, json_incref(op));
        }
        char *comment = xasprintf("seamd: %s %s", p->method, p->path);
        ovsdb_client_txn_add_comment(p->txn, comment);
        free(comment);
        s->busy = true;
        int err = ovsdb_client_txn_commit(p->txn, on_txn_done, p);
        if (err) {
            s->busy = false;
            send_error(p->req, 503, "ServiceUnavailable", "The northbound database "
                       "is not connected.");
            list_remove(&p->node);
            s->n_queued--;
            pending_destroy(p);
        }
    }
}

static void
on_kick(evutil_socket_t fd, short what, void *s)
{
    run_queue(s);
}

static bool
token_ok(const struct http_server *s, struct evhttp_request *req)
{
    if (!s->token) {
        return true;
    }
    const char *got = evhttp_find_header(evhttp_request_get_input_headers(req),
                                         "X-Auth-Token");
    size_t n = strlen(s->token);
    /* Constant time over the configured token's length. */
    return got && strlen(got) == n && !CRYPTO_memcmp(got, s->token, n);
}

static void
controller_status(struct http_server *s, struct evhttp_request *req)
{
    const char *remote = nb_get_remote(s->nb);
    send_json(req, 200, json_pack("{s:{s:b,s:b,s:o}}", "controller",
                                  "active", nb_is_active(s->nb),
                                  "nb_synced", nb_is_synced(s->nb),
                                  "nb_remote", remote ? json_string(remote)
                                                      : json_null()));
}

static const char *
method_name(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PATCH: return "PATCH";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    default: return "OTHER";
    }
}

static void
on_request(struct evhttp_request *req, void *s_)
{
    struct http_server *s = s_;
    if (s->accept_paused && !evtimer_pending(s->accept_settle, NULL)) {
        struct timeval tv = { 0, HTTP_ACCEPT_SETTLE_MS * 1000 };
        evtimer_add(s->accept_settle, &tv);
    }
    if (ui_serve(req, s->nb, s->token)) {
        return;                 /* The page and its data (ui.h: own auth). */
    }
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
    /* Version discovery is open, as in neutron-server's paste pipeline. */
    bool versions = evhttp_request_get_command(req) == EVHTTP_REQ_GET
                    && (!raw_path || !*raw_path || !strcmp(raw_path, "/"));
    if (!versions && !token_ok(s, req)) {
        send_json(req, 401, json_pack("{s:{s:i,s:s,s:s}}", "error", "code", 401,
                                      "title", "Unauthorized", "message",
                                      "The request you have made requires "
                                      "authentication."));
        return;
    }
    char *path = evhttp_uridecode(raw_path && *raw_path ? raw_path : "/", 0, NULL);
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    const char *method = method_name(evhttp_request_get_command(req));
    log_debug("%s %s%s%s", method, path, query ? "?" : "", query ? query : "");

    if (!strcmp(path, "/v2.0/seam/controller") && !strcmp(method, "GET")) {
        controller_status(s, req);
        free(path);
        return;
    }
    struct pending *p = xzalloc(sizeof *p);
    p->server = s;
    p->req = req;
    p->method = xstrdup(strcmp(method, "HEAD") ? method : "GET");
    p->path = path;
    p->query = query ? xstrdup(query) : NULL;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    p->body_size = evbuffer_get_length(in);
    p->body = xmalloc(p->body_size + 1);
    evbuffer_remove(in, p->body, p->body_size);
    p->body[p->body_size] = '\0';
    const char *project = evhttp_find_header(evhttp_request_get_input_headers(req),
                                             "X-Project-Id");
    p->project = project ? xstrdup(project) : NULL;
    /* Links name the host the client asked for, as Neutron's do. */
    const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
    if (host && *host && !strpbrk(host, "/?#@ \"")) {
        p->base_url = xasprintf("%s://%s", s->ssl_ctx ? "https" : "http", host);
    }

    if (!strcmp(p->method, "GET")) {
        /* Reads never write: answer from the replica now. */
        if (!nb_get_db(s->nb)) {
            send_error(req, 503, "ServiceUnavailable", "The northbound database is "
                       "not connected.");
        } else {
            struct api_request r;
            fill_request(s, p, &r);
            api_handle(s->api, nb_get_db(s->nb), &r, &p->res);
            send_json(req, p->res.status, json_incref(p->res.body));
        }
        pending_destroy(p);
        return;
    }
    if (s->n_queued >= HTTP_MAX_QUEUED) {
        send_error(req, 503, "ServiceUnavailable", "Too many requests are waiting; "
                   "try again later.");
        pending_destroy(p);
        return;
    }
    list_push_back(&s->queue, &p->node);
    s->n_queued++;
    run_queue(s);
}

/* accept() failed with an error libevent does not retry (EMFILE, ENFILE,
 * ENOBUFS, ENOMEM): the pending connection stays in the backlog, so the
 * listening socket stays readable and libevent would call accept() again at
 * once, forever.  Stop listening for HTTP_ACCEPT_RETRY_MS instead, and say
 * so once per episode (it ends once requests have been served for
 * HTTP_ACCEPT_SETTLE_MS without running out again). */
static void
on_accept_error(struct evconnlistener *listener, void *http)
{
    int err = EVUTIL_SOCKET_ERROR();
    struct http_server *s = NULL, *iter;
    LIST_FOR_EACH (iter, all_node, &all_servers) {
        if (iter->bound && evhttp_bound_socket_get_listener(iter->bound) == listener) {
            s = iter;
            break;
        }
    }
    assert(s);

    evconnlistener_disable(listener);
    evtimer_del(s->accept_settle);      /* Not over yet. */
    if (!s->accept_paused) {
        s->accept_paused = true;
        log_warn("REST API on %s: cannot accept a connection (%s): retrying "
                 "every %d ms", s->base_url, strerror(err), HTTP_ACCEPT_RETRY_MS);
    }
    struct timeval tv = { 0, HTTP_ACCEPT_RETRY_MS * 1000 };
    event_add(s->accept_retry, &tv);
}

static void
on_accept_settle(evutil_socket_t fd, short what, void *s_)
{
    struct http_server *s = s_;
    if (s->accept_paused) {
        s->accept_paused = false;
        log_info("REST API: accepting connections again");
    }
}

static void
on_accept_retry(evutil_socket_t fd, short what, void *s_)
{
    struct http_server *s = s_;
    evconnlistener_enable(evhttp_bound_socket_get_listener(s->bound));
}

static struct bufferevent *
on_new_bev(struct event_base *base, void *s_)
{
    struct http_server *s = s_;
    return bufferevent_openssl_socket_new(base, -1, SSL_new(s->ssl_ctx),
                                          BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE);
}

static SSL_CTX *
make_ssl_ctx(const char *cert, const char *key, char **errorp)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        *errorp = xstrdup("cannot create an SSL context");
        return NULL;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        *errorp = xasprintf("%s: cannot load certificate: %s", cert,
                            ERR_reason_error_string(ERR_get_error()));
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        *errorp = xasprintf("%s: cannot load private key: %s", key,
                            ERR_reason_error_string(ERR_get_error()));
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        *errorp = xasprintf("%s does not match %s", key, cert);
    } else {
        return ctx;
    }
    SSL_CTX_free(ctx);
    return NULL;
}

struct http_server *
http_server_create(struct event_base *base, const struct http_options *o,
                   struct nb *nb, const struct api_config *api, char **errorp)
{
    struct http_server *s = xzalloc(sizeof *s);
    s->base = base;
    s->nb = nb;
    s->api = api;
    s->token = o->token ? xstrdup(o->token) : NULL;
    list_init(&s->queue);
    list_push_back(&all_servers, &s->all_node);
    s->kick = event_new(base, -1, 0, on_kick, s);
    s->wait_timer = evtimer_new(base, on_wait_timeout, s);
    s->accept_retry = evtimer_new(base, on_accept_retry, s);
    s->accept_settle = evtimer_new(base, on_accept_settle, s);
    s->http = evhttp_new(base);
    evhttp_set_max_body_size(s->http, o->max_body_size);
    evhttp_set_max_headers_size(s->http, HTTP_MAX_HEADERS_SIZE);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST
                               | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD
                               | EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
    evhttp_set_gencb(s->http, on_request, s);
    if (o->cert_file && o->key_file) {
        s->ssl_ctx = make_ssl_ctx(o->cert_file, o->key_file, errorp);
        if (!s->ssl_ctx) {
            goto error;
        }
        evhttp_set_bevcb(s->http, on_new_bev, s);
    }
    s->bound = evhttp_bind_socket_with_handle(s->http, o->host, o->port);
    if (!s->bound) {
        *errorp = xasprintf("cannot listen on %s:%d: %s", o->host, o->port,
                            strerror(errno));
        goto error;
    }
    evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(s->bound),
                                on_accept_error);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    s->port = o->port;
    if (!getsockname(evhttp_bound_socket_get_fd(s->bound), (struct sockaddr *) &ss,
                     &len)) {
        s->port = ntohs(ss.ss_family == AF_INET6
                        ? ((struct sockaddr_in6 *) &ss)->sin6_port
                        : ((struct sockaddr_in *) &ss)->sin_port);
    }
    bool v6 = strchr(o->host, ':') != NULL;
    s->base_url = xasprintf("%s://%s%s%s:%d", s->ssl_ctx ? "https" : "http",
                            v6 ? "[" : "", o->host, v6 ? "]" : "", s->port);
    log_info("REST API on %s%s", s->base_url, s->token ? " (token required)" : "");
    return s;

error:
    http_server_destroy(s);
    return NULL;
}

void
http_server_set_port_known(struct http_server *s, api_port_known_func *fn, void *aux)
{
    s->port_known = fn;
    s->port_known_aux = aux;
}

void
http_server_destroy(struct http_server *s)
{
    if (!s) {
        return;
    }
    while (!list_is_empty(&s->queue)) {
        struct pending *p = container_of(list_pop_front(&s->queue), struct pending, node);
        send_error(p->req, 503, "ServiceUnavailable", "seamd is stopping.");
        pending_destroy(p);
    }
    list_remove(&s->all_node);
    evhttp_free(s->http);
    event_free(s->kick);
    event_free(s->wait_timer);
    event_free(s->accept_retry);
    event_free(s->accept_settle);
    SSL_CTX_free(s->ssl_ctx);
    free(s->token);
    free(s->base_url);
    free(s);
}

int
http_server_get_port(const struct http_server *s)
{
    return s->port;
}
