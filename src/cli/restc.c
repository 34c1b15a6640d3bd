/* restc: a blocking REST client over libevent's evhttp (see restc.h). */
#include "cli/restc.h"

#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include "lib/ds.h"

#define RESTC_MAX_BODY_SIZE (64 * 1024 * 1024)   /* Largest reply read. */

struct restc {
    char *url;                  /* As given, for messages. */
    char *host;                 /* Without brackets for IPv6. */
    int port;
    bool https;
    char *prefix;               /* Path prefix, without a trailing '/'. */
    char *token;                /* NULL: no X-Auth-Token. */
    int timeout_ms;
    bool debug;
    struct event_base *base;
    SSL_CTX *ssl_ctx;           /* NULL for http. */
};

/* The state of one request while its loop runs. */
struct restc_call {
    struct restc *restc;
    bool done;
    int error;                  /* 0 or -EIO when no reply came. */
    enum evhttp_request_error req_error;
    bool have_req_error;
    int status;
    struct ds body;
};

static SSL_CTX *restc_ssl_ctx_create(const struct restc_options *,
                                     char **errorp);
static void restc_request_done(struct evhttp_request *, void *call_);
static void restc_request_error(enum evhttp_request_error, void *call_);
static char *restc_ssl_error(struct bufferevent *, SSL *);
static int restc_probe(const struct restc *, char **errorp);

int
restc_create(const struct restc_options *options, struct restc **restcp,
             char **errorp)
{
    struct evhttp_uri *uri = evhttp_uri_parse(options->url);
    const char *scheme, *host, *path;
    struct restc *restc;

    *restcp = NULL;
    if (!uri) {
        *errorp = xasprintf("%s: not a URL (want http://HOST:PORT or "
                            "https://HOST:PORT)", options->url);
        return -EINVAL;
    }
    scheme = evhttp_uri_get_scheme(uri);
    host = evhttp_uri_get_host(uri);
    if (!scheme || (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
        *errorp = xasprintf("%s: the URL's scheme must be http or https",
                            options->url);
        goto out_free_uri;
    }
    if (!host || !host[0]) {
        *errorp = xasprintf("%s: the URL has no host", options->url);
        goto out_free_uri;
    }
    if (evhttp_uri_get_query(uri) || evhttp_uri_get_fragment(uri)) {
        *errorp = xasprintf("%s: the URL must not have a query or fragment",
                            options->url);
        goto out_free_uri;
    }

    restc = xzalloc(sizeof *restc);
    restc->url = xstrdup(options->url);
    restc->https = !strcmp(scheme, "https");
    if (host[0] == '[') {
        restc->host = xstrndup(host + 1, strlen(host) - 2);
    } else {
        restc->host = xstrdup(host);
    }
    restc->port = evhttp_uri_get_port(uri);
    if (restc->port < 0) {
        restc->port = restc->https ? 443 : 80;
    }
    path = evhttp_uri_get_path(uri);
    restc->prefix = xstrdup(path ? path : "");
    for (size_t n = strlen(restc->prefix); n && restc->prefix[n - 1] == '/';
         n--) {
        restc->prefix[n - 1] = '\0';
    }
    restc->token = (options->token && options->token[0]
                    ? xstrdup(options->token) : NULL);
    restc->timeout_ms = options->timeout_ms > 0 ? options->timeout_ms : 30000;
    restc->debug = options->debug;
    evhttp_uri_free(uri);

    restc->base = event_base_new();
    if (!restc->base) {
        util_abort("event_base_new failed");
    }
    if (restc->https) {
        restc->ssl_ctx = restc_ssl_ctx_create(options, errorp);
        if (!restc->ssl_ctx) {
            restc_destroy(restc);
            return -EINVAL;
        }
    }
    *restcp = restc;
    return 0;

out_free_uri:
    evhttp_uri_free(uri);
    return -EINVAL;
}

void
restc_destroy(struct restc *restc)
{
    if (!restc) {
        return;
    }
    if (restc->ssl_ctx) {
        SSL_CTX_free(restc->ssl_ctx);
    }
    if (restc->base) {
        event_base_free(restc->base);
    }
    free(restc->url);
    free(restc->host);
    free(restc->prefix);
    free(restc->token);
    free(restc);
}

const char *
restc_url(const struct restc *restc)
{
    return restc->url;
}

static enum evhttp_cmd_type
restc_method(const char *method)
{
    return (!strcmp(method, "POST") ? EVHTTP_REQ_POST
            : !strcmp(method, "PUT") ? EVHTTP_REQ_PUT
            : !strcmp(method, "DELETE") ? EVHTTP_REQ_DELETE
            : EVHTTP_REQ_GET);
}

/* Makes the bufferevent for one connection: plain, or TLS with SNI and
 * host name verification.  Sets '*sslp' to the SSL object (owned by the
 * bufferevent) for https, NULL for http. */
static struct bufferevent *
restc_bufferevent(struct restc *restc, SSL **sslp)
{
    int flags = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
    struct bufferevent *bev;
    SSL *ssl;

    *sslp = NULL;
    if (!restc->https) {
        return bufferevent_socket_new(restc->base, -1, flags);
    }
    ssl = SSL_new(restc->ssl_ctx);
    if (!ssl) {
        util_abort("SSL_new failed");
    }
    SSL_set_tlsext_host_name(ssl, restc->host);
    if (SSL_CTX_get_verify_mode(restc->ssl_ctx) != SSL_VERIFY_NONE) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param,
                                        X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (!X509_VERIFY_PARAM_set1_ip_asc(param, restc->host)) {
            X509_VERIFY_PARAM_set1_host(param, restc->host, 0);
        }
    }
    bev = bufferevent_openssl_socket_new(restc->base, -1, ssl,
                                         BUFFEREVENT_SSL_CONNECTING, flags);
    if (bev) {
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
        *sslp = ssl;
    }
    return bev;
}

int
restc_request(struct restc *restc, const char *method, const char *path,
              const char *body, struct restc_reply *reply, char **errorp)
{
    struct restc_call call = { .restc = restc, .body = DS_EMPTY_INITIALIZER };
    struct evhttp_connection *conn;
    struct evhttp_request *req;
    struct evkeyvalq *headers;
    struct bufferevent *bev;
    struct timeval tv;
    char *uri;
    SSL *ssl;
    int error;

    memset(reply, 0, sizeof *reply);
    *errorp = NULL;
    bev = restc_bufferevent(restc, &ssl);
    if (!bev) {
        *errorp = xasprintf("%s: cannot create a connection", restc->url);
        return -ENOMEM;
    }
    conn = evhttp_connection_base_bufferevent_new(restc->base, NULL, bev,
                                                  restc->host, restc->port);
    if (!conn) {
        bufferevent_free(bev);
        *errorp = xasprintf("%s: cannot create a connection", restc->url);
        return -ENOMEM;
    }
    tv.tv_sec = restc->timeout_ms / 1000;
    tv.tv_usec = (restc->timeout_ms % 1000) * 1000;
    evhttp_connection_set_timeout_tv(conn, &tv);
    evhttp_connection_set_retries(conn, 0);
    evhttp_connection_set_max_body_size(conn, RESTC_MAX_BODY_SIZE);

    req = evhttp_request_new(restc_request_done, &call);
    evhttp_request_set_error_cb(req, restc_request_error);
    headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Host", restc->host);
    evhttp_add_header(headers, "User-Agent", "seamctl");
    evhttp_add_header(headers, "Accept", "application/json");
    evhttp_add_header(headers, "Connection", "close");
    if (restc->token) {
        evhttp_add_header(headers, "X-Auth-Token", restc->token);
    }
    if (body) {
        evhttp_add_header(headers, "Content-Type", "application/json");
        evbuffer_add(evhttp_request_get_output_buffer(req), body,
                     strlen(body));
    }
    uri = xasprintf("%s%s", restc->prefix, path);
    if (restc->debug) {
        fprintf(stderr, "REQ: %s %s%s%s\n", method, restc->url, path,
                restc->token ? " (X-Auth-Token set)" : "");
        if (body) {
            fprintf(stderr, "REQ BODY: %s\n", body);
        }
    }
    /* evhttp_make_request() frees 'req' on failure, and after its
     * callback has run on success. */
    if (evhttp_make_request(conn, req, restc_method(method), uri)) {
        call.done = true;
        call.error = -ENOMEM;
    }
    free(uri);
    while (!call.done) {
        if (event_base_loop(restc->base, EVLOOP_ONCE) < 0) {
            call.error = -EIO;
            break;
        }
    }

    error = call.error;
    if (error) {
        char *tls = ssl ? restc_ssl_error(bev, ssl) : NULL;
        if (tls) {
            error = -EPROTO;
            *errorp = xasprintf("%s: TLS failed: %s", restc->url, tls);
            free(tls);
        } else if (call.have_req_error
                   && call.req_error == EVREQ_HTTP_TIMEOUT) {
            error = -ETIMEDOUT;
            *errorp = xasprintf("%s: no reply within %d ms", restc->url,
                                restc->timeout_ms);
        } else if (call.have_req_error
                   && call.req_error == EVREQ_HTTP_DATA_TOO_LONG) {
            error = -EFBIG;
            *errorp = xasprintf("%s: the reply is larger than %d MiB",
                                restc->url, RESTC_MAX_BODY_SIZE >> 20);
        } else if (restc_probe(restc, errorp)) {
            error = -ECONNREFUSED;
        } else {
            *errorp = xasprintf("%s: the connection closed without a "
                                "complete HTTP reply", restc->url);
        }
        ds_destroy(&call.body);
    } else {
        reply->status = call.status;
        reply->body_size = call.body.length;
        ds_cstr(&call.body);
        reply->body = ds_steal_cstr(&call.body);
        if (restc->debug) {
            fprintf(stderr, "RESP: %d %s\n", reply->status, reply->body);
        }
    }
    evhttp_connection_free(conn);
    return error;
}

void
restc_reply_destroy(struct restc_reply *reply)
{
    if (reply) {
        free(reply->body);
        reply->body = NULL;
    }
}

static void
restc_request_done(struct evhttp_request *req, void *call_)
{
    struct restc_call *call = call_;
    int code = req ? evhttp_request_get_response_code(req) : 0;

    call->done = true;
    if (!code) {
        /* No reply: a refused or reset connection, a timeout, a TLS
         * failure.  libevent does not say which (restc_request() finds
         * out). */
        call->error = -EIO;
        return;
    }
    call->status = code;
    struct evbuffer *buf = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(buf);
    ds_reserve(&call->body, n);
    evbuffer_remove(buf, call->body.s, n);
    call->body.length = n;
    call->body.s[n] = '\0';
}

static void
restc_request_error(enum evhttp_request_error error, void *call_)
{
    struct restc_call *call = call_;

    call->req_error = error;
    call->have_req_error = true;
}

/* After a request got no reply, tells why if the reason is that the
 * server cannot be reached: libevent does not keep the socket's error
 * (evhttp shuts the socket down before calling back), so this connects
 * once more, blocking, to see it.  Returns 0 if the server can be reached
 * now, otherwise -errno and sets '*errorp'. */
static int
restc_probe(const struct restc *restc, char **errorp)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
    struct addrinfo *res, *ai;
    char port[16];
    int error = -ECONNREFUSED, gai;

    snprintf(port, sizeof port, "%d", restc->port);
    gai = getaddrinfo(restc->host, port, &hints, &res);
    if (gai) {
        *errorp = xasprintf("cannot reach %s: %s: %s", restc->url,
                            restc->host, gai_strerror(gai));
        return -ENOENT;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        struct timeval tv = { .tv_sec = restc->timeout_ms / 1000,
                              .tv_usec = restc->timeout_ms % 1000 * 1000 };
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            error = -errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (!connect(fd, ai->ai_addr, ai->ai_addrlen)) {
            close(fd);
            freeaddrinfo(res);
            return 0;
        }
        error = errno == EINPROGRESS ? -ETIMEDOUT : -errno;
        close(fd);
    }
    freeaddrinfo(res);
    *errorp = xasprintf("cannot reach %s: %s", restc->url, strerror(-error));
    return error;
}

/* Returns a new string describing why TLS failed on 'bev', or NULL if it
 * did not. */
static char *
restc_ssl_error(struct bufferevent *bev, SSL *ssl)
{
    long verify = SSL_get_verify_result(ssl);
    unsigned long err;
    char buf[256];

    if (verify != X509_V_OK) {
        return xasprintf("certificate verify failed: %s",
                         X509_verify_cert_error_string(verify));
    }
    err = bufferevent_get_openssl_error(bev);
    if (err) {
        ERR_error_string_n(err, buf, sizeof buf);
        return xstrdup(buf);
    }
    return NULL;
}

static SSL_CTX *
restc_ssl_ctx_create(const struct restc_options *options, char **errorp)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (!ctx) {
        util_abort("SSL_CTX_new failed");
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (options->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return ctx;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (options->ca_file && options->ca_file[0]) {
        if (SSL_CTX_load_verify_locations(ctx, options->ca_file, NULL) != 1) {
            char buf[256];
            ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
            *errorp = xasprintf("%s: cannot load CA certificates: %s",
                                options->ca_file, buf);
            SSL_CTX_free(ctx);
            return NULL;
        }
    } else {
        SSL_CTX_set_default_verify_paths(ctx);
    }
    return ctx;
}
