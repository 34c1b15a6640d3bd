/* conn: JSON-RPC connections and listeners over libevent bufferevents.
 *
 * Each conn owns a bufferevent (socket or OpenSSL) and a jsonrpc_parser.
 * Input: the read callback feeds the bufferevent's input buffer into the
 * parser in place (no copy out of libevent's chunks except into the parser's
 * message buffer) and delivers at most CONN_MAX_MSGS_PER_WAKE messages.  If
 * more is buffered it stops reading from the socket (so a flooding peer is
 * held back by TCP instead of by our memory) and arms 'wake' with a zero
 * timeout, which runs on the next loop turn after other peers' I/O.
 *
 * Closing is always deferred: conn_fail() marks the conn and activates
 * 'wake'; the wake callback, which is nobody's callback, calls on_closed and
 * frees.  A graceful close with output still queued hands the bufferevent to
 * a short "linger" that flushes it and then frees it.
 *
 * Inactivity probe (OVS reconnect.c): after 'probe_ms' without receiving a
 * byte, send {"method":"echo","params":[],"id":"echo"}; if still nothing
 * after another 'probe_ms', disconnect with ETIMEDOUT. */
#include "ovsdb/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lib/log.h"
#include "ovsdb/jsonrpc.h"

LOG_MODULE(conn);

/* OVS's IANA port for OVSDB, used when a name gives none. */
#define CONN_DEFAULT_PORT 6640

/* Unsent output allowed before a peer is considered stuck, unless changed
 * with conn_set_max_backlog(). */
#define CONN_DEFAULT_MAX_BACKLOG ((size_t) 256 << 20)

/* How long a graceful close waits to flush queued output, in msec. */
#define CONN_LINGER_MS 5000

enum conn_kind { CONN_UNIX, CONN_TCP, CONN_SSL };

struct conn {
    struct event_base *base;
    struct bufferevent *bev;
    enum conn_kind kind;
    char *name;
    struct conn_callbacks cbs;
    void *aux;

    struct jsonrpc_parser *parser;
    struct event *wake;         /* More input to process, or reap. */
    struct event *probe;        /* Inactivity probe timer. */

    int probe_ms;               /* Probe interval in msec, 0 = off. */
    long long last_rx_ms;       /* Monotonic time of the last byte read. */
    long long probe_sent_ms;    /* When the pending probe went out. */
    bool probe_sent;            /* Echo sent, no byte received since. */

    size_t max_backlog;         /* In bytes of unsent output, 0 = no limit. */
    bool connected;
    bool throttled;             /* Reading paused until input is drained. */
    bool eof;                   /* Peer closed; close once input is done. */
    int eof_error;              /* Positive errno to report at EOF. */
    bool closing;               /* Marked; 'wake' will reap. */
    int close_error;            /* Positive errno for on_closed. */
};

struct listener {
    struct event_base *base;
    struct evconnlistener *evl;
    enum conn_kind kind;
    SSL_CTX *ssl_ctx;           /* Borrowed. */
    char *name;                 /* Bound name. */
    char *unix_path;            /* To unlink on close, or NULL. */
    conn_accept_func *accept_cb;
    void *aux;

    /* Out of descriptors: accepting pauses for ACCEPT_PAUSE_MS at a time
     * (instead of libevent retrying at once, forever) until accepting has
     * worked for ACCEPT_SETTLE_MS; one warning and one "again" per such
     * episode (a backlog drained after clients left may run out again for
     * a moment: the same episode). */
    struct event *resume;       /* Re-enables accepting. */
    struct event *settle;       /* Ends the episode. */
    bool starved;               /* In an episode. */
    long long starved_since_ms; /* When it began (monotonic). */
    long long last_starved_ms;  /* The last time out of descriptors. */
    unsigned long long n_pauses;    /* Pauses in this episode. */
};

#define ACCEPT_PAUSE_MS 100
#define ACCEPT_SETTLE_MS 500

static struct log_rl rl = LOG_RL_INIT(5, 5);
static const struct timeval tv_zero = { 0, 0 };

static void conn_read_cb(struct bufferevent *, void *);
static void conn_event_cb(struct bufferevent *, short, void *);
static void conn_wake_cb(evutil_socket_t, short, void *);
static void conn_probe_cb(evutil_socket_t, short, void *);
static void conn_fail(struct conn *, int error);
static void conn_process(struct conn *);

static void
ignore_sigpipe(void)
{
    static bool done;
    if (!done) {
        /* Writes to a reset socket must fail with EPIPE, not kill us. */
        signal(SIGPIPE, SIG_IGN);
        done = true;
    }
}

/* SSL. */

static char *
ssl_error_string(const char *what, const char *file)
{
    unsigned long e = ERR_get_error();
    char buf[256];

    if (e) {
        ERR_error_string_n(e, buf, sizeof buf);
    } else {
        snprintf(buf, sizeof buf, "unknown error");
    }
    ERR_clear_error();
    return xasprintf("%s %s: %s", what, file ? file : "", buf);
}

/* Returns a new SSL context (see conn.h).  For a client, 'private_key' and
 * 'certificate' may be NULL to connect without a certificate.  A server
 * requires a client certificate signed by 'ca_cert'; a client requires the
 * server's certificate to be signed by 'ca_cert' (no host name check, as
 * OVS). */
char *
conn_ssl_ctx_create(const char *private_key, const char *certificate,
                    const char *ca_cert, bool server, SSL_CTX **ctxp)
{
    SSL_CTX *ctx;
    char *error = NULL;

    *ctxp = NULL;
    ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx) {
        return ssl_error_string("SSL_CTX_new", NULL);
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                          | SSL_MODE_ENABLE_PARTIAL_WRITE);
    /* A peer that closes without close_notify is an EOF, as with TCP
     * (OpenSSL 3 reports it as an error that libevent 2.1 does not know). */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);

    if (server && (!private_key || !certificate)) {
        error = xstrdup("an SSL server needs a private key and certificate");
        goto out_free_ctx;
    }
    if (!ca_cert) {
        error = xstrdup("SSL needs a CA certificate");
        goto out_free_ctx;
    }
    if (certificate
        && SSL_CTX_use_certificate_chain_file(ctx, certificate) != 1) {
        error = ssl_error_string("cannot load certificate", certificate);
        goto out_free_ctx;
    }
    if (private_key
        && SSL_CTX_use_PrivateKey_file(ctx, private_key,
                                       SSL_FILETYPE_PEM) != 1) {
        error = ssl_error_string("cannot load private key", private_key);
        goto out_free_ctx;
    }
    if (private_key && certificate && SSL_CTX_check_private_key(ctx) != 1) {
        error = ssl_error_string("private key does not match certificate",
                                 certificate);
        goto out_free_ctx;
    }
    if (SSL_CTX_load_verify_locations(ctx, ca_cert, NULL) != 1) {
        error = ssl_error_string("cannot load CA certificate", ca_cert);
        goto out_free_ctx;
    }
    if (server) {
        STACK_OF(X509_NAME) *cas = SSL_load_client_CA_file(ca_cert);
        if (cas) {
            SSL_CTX_set_client_CA_list(ctx, cas);
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER
                                | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    *ctxp = ctx;
    return NULL;

out_free_ctx:
    SSL_CTX_free(ctx);
    return error;
}

void
conn_ssl_ctx_destroy(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

/* Names. */

static int
parse_unix(const char *path, struct sockaddr_storage *ss, socklen_t *lenp)
{
    struct sockaddr_un *sun = (struct sockaddr_un *) ss;
    size_t n = strlen(path);

    if (!n) {
        return -EINVAL;
    }
    if (n >= sizeof sun->sun_path) {
        return -ENAMETOOLONG;
    }
    memset(ss, 0, sizeof *ss);
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, path, n + 1);
    *lenp = offsetof(struct sockaddr_un, sun_path) + n + 1;
    return 0;
}

static void
set_port(struct sockaddr_storage *ss, unsigned int port)
{
    if (ss->ss_family == AF_INET) {
        ((struct sockaddr_in *) ss)->sin_port = htons(port);
    } else {
        ((struct sockaddr_in6 *) ss)->sin6_port = htons(port);
    }
}

static unsigned int
get_port(const struct sockaddr_storage *ss)
{
    return ntohs(ss->ss_family == AF_INET
                 ? ((const struct sockaddr_in *) ss)->sin_port
                 : ((const struct sockaddr_in6 *) ss)->sin6_port);
}

/* "IP:PORT" or "[IPv6]:PORT"; PORT defaults to 6640. */
static int
parse_active_inet(const char *s, struct sockaddr_storage *ss,
                  socklen_t *lenp)
{
    int len = sizeof *ss;

    memset(ss, 0, sizeof *ss);
    if (evutil_parse_sockaddr_port(s, (struct sockaddr *) ss, &len)) {
        return -EINVAL;
    }
    if (!get_port(ss)) {
        set_port(ss, CONN_DEFAULT_PORT);
    }
    *lenp = len;
    return 0;
}

/* "[PORT][:IP]", IPv6 in brackets; PORT defaults to 6640 (0 = any), IP to
 * 0.0.0.0. */
static int
parse_passive_inet(const char *s, struct sockaddr_storage *ss,
                   socklen_t *lenp)
{
    const char *colon = strchr(s, ':');
    unsigned long port = CONN_DEFAULT_PORT;
    char ip[INET6_ADDRSTRLEN + 2];

    memset(ss, 0, sizeof *ss);
    if (colon != s && *s) {
        char *end;
        errno = 0;
        port = strtoul(s, &end, 10);
        if (errno || port > 65535 || (*end && *end != ':')) {
            return -EINVAL;
        }
    }
    const char *host = colon ? colon + 1 : "0.0.0.0";
    size_t n = strlen(host);
    if (n >= sizeof ip) {
        return -EINVAL;
    }
    if (host[0] == '[') {
        if (n < 2 || host[n - 1] != ']') {
            return -EINVAL;
        }
        memcpy(ip, host + 1, n - 2);
        ip[n - 2] = '\0';
    } else {
        memcpy(ip, host, n + 1);
    }

    struct sockaddr_in *sin = (struct sockaddr_in *) ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;
    if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        *lenp = sizeof *sin;
    } else if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        *lenp = sizeof *sin6;
    } else {
        return -EINVAL;
    }
    set_port(ss, port);
    return 0;
}

/* "tcp:1.2.3.4:5" or "ptcp:5:1.2.3.4" style text for 'ss'. */
static char *
inet_name(const char *prefix, const struct sockaddr_storage *ss,
          bool passive)
{
    char ip[INET6_ADDRSTRLEN];
    const void *addr = (ss->ss_family == AF_INET
                        ? (const void *) &((const struct sockaddr_in *) ss)->sin_addr
                        : (const void *) &((const struct sockaddr_in6 *) ss)->sin6_addr);
    bool v6 = ss->ss_family == AF_INET6;

    if (!inet_ntop(ss->ss_family, addr, ip, sizeof ip)) {
        snprintf(ip, sizeof ip, "?");
    }
    if (passive) {
        return xasprintf("%s:%u:%s%s%s", prefix, get_port(ss),
                         v6 ? "[" : "", ip, v6 ? "]" : "");
    }
    return xasprintf("%s:%s%s%s:%u", prefix, v6 ? "[" : "", ip,
                     v6 ? "]" : "", get_port(ss));
}

static void
set_nodelay(evutil_socket_t fd)
{
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/* Connections. */

static struct conn *
conn_create(struct event_base *base, struct bufferevent *bev,
            enum conn_kind kind, char *name)
{
    struct conn *c = xzalloc(sizeof *c);

    c->base = base;
    c->bev = bev;
    c->kind = kind;
    c->name = name;
    c->parser = jsonrpc_parser_create(0, 0);
    c->wake = evtimer_new(base, conn_wake_cb, c);
    c->probe = evtimer_new(base, conn_probe_cb, c);
    if (!c->wake || !c->probe) {
        util_abort("conn: out of memory for events");
    }
    c->max_backlog = CONN_DEFAULT_MAX_BACKLOG;
    c->last_rx_ms = time_msec();
    if (kind == CONN_SSL) {
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    }
    bufferevent_setcb(bev, conn_read_cb, NULL, conn_event_cb, c);
    /* Read and write in large pieces: a transaction of 100 rows is about
     * 30 kB, which libevent's default of 16 kB per read splits in two. */
    bufferevent_set_max_single_read(bev, 256 * 1024);
    bufferevent_set_max_single_write(bev, 256 * 1024);
    return c;
}

static void
conn_destroy(struct conn *c)
{
    event_free(c->wake);
    event_free(c->probe);
    jsonrpc_parser_destroy(c->parser);
    free(c->name);
    free(c);
}

/* Starts an active connection (see conn.h). */
int
conn_open(struct event_base *base, const char *name, SSL_CTX *ssl_ctx,
          const struct conn_callbacks *cbs, void *aux, struct conn **connp)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    enum conn_kind kind;
    int error;

    *connp = NULL;
    ignore_sigpipe();
    if (!strncmp(name, "unix:", 5)) {
        kind = CONN_UNIX;
        error = parse_unix(name + 5, &ss, &len);
    } else if (!strncmp(name, "tcp:", 4)) {
        kind = CONN_TCP;
        error = parse_active_inet(name + 4, &ss, &len);
    } else if (!strncmp(name, "ssl:", 4)) {
        kind = CONN_SSL;
        error = ssl_ctx ? parse_active_inet(name + 4, &ss, &len) : -EINVAL;
    } else {
        error = -EINVAL;
    }
    if (error) {
        return error;
    }

    evutil_socket_t fd = socket(ss.ss_family,
                                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (kind != CONN_UNIX) {
        set_nodelay(fd);
    }
    if (connect(fd, (struct sockaddr *) &ss, len) && errno != EINPROGRESS) {
        error = -errno;
        goto out_close;
    }

    struct bufferevent *bev;
    if (kind == CONN_SSL) {
        SSL *ssl = SSL_new(ssl_ctx);
        if (!ssl) {
            error = -ENOMEM;
            goto out_close;
        }
        bev = bufferevent_openssl_socket_new(base, fd, ssl,
                                             BUFFEREVENT_SSL_CONNECTING,
                                             BEV_OPT_CLOSE_ON_FREE);
        if (!bev) {
            SSL_free(ssl);
            error = -ENOMEM;
            goto out_close;
        }
    } else {
        bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
        if (!bev) {
            error = -ENOMEM;
            goto out_close;
        }
        /* With no address, libevent waits for the connect in progress
         * (or done) and reports BEV_EVENT_CONNECTED or an error. */
        if (bufferevent_socket_connect(bev, NULL, 0)) {
            bufferevent_free(bev);
            return -ECONNREFUSED;
        }
    }

    struct conn *c = conn_create(base, bev, kind, xstrdup(name));
    conn_set_callbacks(c, cbs, aux);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    *connp = c;
    return 0;

out_close:
    close(fd);
    return error;
}

static void
free_string(const void *data, size_t size, void *aux)
{
    free((void *) data);
}

static int
conn_check_backlog(struct conn *c)
{
    size_t backlog = conn_get_backlog(c);
    if (c->max_backlog && backlog > c->max_backlog) {
        log_warn_rl(&rl, "%s: %zu bytes of unsent output exceed the limit "
                    "of %zu, disconnecting", c->name, backlog,
                    c->max_backlog);
        conn_fail(c, ENOBUFS);
        return -EPIPE;
    }
    return 0;
}

/* Sends 'msg' (see conn.h).  Takes ownership of 'msg', even on failure. */
int
conn_send(struct conn *c, struct jsonrpc_msg *msg)
{
    if (c->closing) {
        jsonrpc_msg_destroy(msg);
        return -EPIPE;
    }

    size_t size;
    char *s = jsonrpc_msg_to_string(msg, &size);
    jsonrpc_msg_destroy(msg);
    if (evbuffer_add_reference(bufferevent_get_output(c->bev), s, size,
                               free_string, NULL)) {
        free(s);
        conn_fail(c, ENOMEM);
        return -EPIPE;
    }
    return conn_check_backlog(c);
}

/* Sends 'n' bytes at 'data' (copied), which must be one whole message. */
int
conn_send_raw(struct conn *c, const char *data, size_t n)
{
    if (c->closing) {
        return -EPIPE;
    }
    if (evbuffer_add(bufferevent_get_output(c->bev), data, n)) {
        conn_fail(c, ENOMEM);
        return -EPIPE;
    }
    return conn_check_backlog(c);
}

static void
probe_arm(struct conn *c, long long delay_ms)
{
    struct timeval tv = { delay_ms / 1000, (delay_ms % 1000) * 1000 };
    evtimer_add(c->probe, &tv);
}

static void
free_cleanup(const void *data, size_t len, void *aux)
{
    free((void *) data);
}

int
conn_send_raw_owned(struct conn *c, char *data, size_t n)
{
    if (c->closing) {
        free(data);
        return -EPIPE;
    }
    if (evbuffer_add_reference(bufferevent_get_output(c->bev), data, n,
                               free_cleanup, NULL)) {
        free(data);
        conn_fail(c, ENOMEM);
        return -EPIPE;
    }
    return conn_check_backlog(c);
}

void
conn_use_arena(struct conn *c, bool use)
{
    jsonrpc_parser_use_arena(c->parser, use);
}

/* Sets the inactivity probe interval, in msec; 0 turns probing off. */
void
conn_set_probe_interval(struct conn *c, int probe_ms)
{
    c->probe_ms = MAX(probe_ms, 0);
    c->probe_sent = false;
    c->last_rx_ms = time_msec();
    if (c->probe_ms && !c->closing) {
        probe_arm(c, c->probe_ms);
    } else {
        evtimer_del(c->probe);
    }
}

/* Sets the unsent output allowed, in bytes; 0 means no limit.  The default
 * is 256 MiB. */
void
conn_set_max_backlog(struct conn *c, size_t bytes)
{
    c->max_backlog = bytes;
    if (!c->closing) {
        conn_check_backlog(c);
    }
}

size_t
conn_get_backlog(const struct conn *c)
{
    return evbuffer_get_length(bufferevent_get_output(c->bev));
}

void
conn_close(struct conn *c)
{
    if (c) {
        conn_fail(c, 0);
    }
}

const char *
conn_get_name(const struct conn *c)
{
    return c->name;
}

bool
conn_is_connected(const struct conn *c)
{
    return c->connected && !c->closing;
}

void
conn_set_aux(struct conn *c, void *aux)
{
    c->aux = aux;
}

void
conn_set_callbacks(struct conn *c, const struct conn_callbacks *cbs,
                   void *aux)
{
    if (cbs) {
        c->cbs = *cbs;
    } else {
        memset(&c->cbs, 0, sizeof c->cbs);
    }
    c->aux = aux;
}

/* Marks 'c' to be closed with positive errno 'error' (0 = clean) and freed
 * from the event loop.  Safe from any callback; later calls are no-ops. */
static void
conn_fail(struct conn *c, int error)
{
    if (c->closing) {
        return;
    }
    c->closing = true;
    c->close_error = error;
    bufferevent_disable(c->bev, EV_READ);
    evtimer_del(c->probe);
    event_del(c->wake);
    event_active(c->wake, EV_TIMEOUT, 0);
}

/* Frees 'bev'; for SSL first tries to send close_notify, so the peer sees
 * a clean EOF. */
static void
bev_free(struct bufferevent *bev, bool clean)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    if (ssl && clean && SSL_is_init_finished(ssl)) {
        SSL_shutdown(ssl);
        ERR_clear_error();
    }
    bufferevent_free(bev);
}

static void
linger_free_cb(struct bufferevent *bev, void *aux)
{
    bev_free(bev, true);
}

static void
linger_event_cb(struct bufferevent *bev, short what, void *aux)
{
    bev_free(bev, false);
}

/* Frees 'bev', first flushing its queued output (best effort, bounded by
 * CONN_LINGER_MS) when 'flush'. */
static void
conn_release_bev(struct bufferevent *bev, bool flush)
{
    if (!flush || !evbuffer_get_length(bufferevent_get_output(bev))) {
        bev_free(bev, flush);
        return;
    }
    struct timeval tv = { CONN_LINGER_MS / 1000, 0 };
    bufferevent_disable(bev, EV_READ);
    bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
    bufferevent_set_timeouts(bev, NULL, &tv);
    bufferevent_setcb(bev, NULL, linger_free_cb, linger_event_cb, NULL);
    bufferevent_enable(bev, EV_WRITE);
}

static void
conn_reap(struct conn *c)
{
    if (c->close_error) {
        log_debug("%s: connection closed (%s)", c->name,
                  strerror(c->close_error));
    } else {
        log_debug("%s: connection closed", c->name);
    }
    if (c->cbs.on_closed) {
        c->cbs.on_closed(c, c->close_error, c->aux);
    }
    conn_release_bev(c->bev, c->close_error == 0 && c->connected);
    conn_destroy(c);
}

static void
conn_wake_cb(evutil_socket_t fd, short what, void *c_)
{
    struct conn *c = c_;

    if (c->closing) {
        conn_reap(c);
    } else {
        conn_process(c);
    }
}

static bool
is_echo_id(const json_t *id)
{
    return json_is_string(id) && !strcmp(json_string_value(id), "echo");
}

static void
conn_dispatch(struct conn *c, struct jsonrpc_msg *msg)
{
    if (msg->type == JSONRPC_REQUEST && !strcmp(msg->method, "echo")) {
        conn_send(c, jsonrpc_create_reply(json_incref(msg->params),
                                          msg->id));
        jsonrpc_msg_destroy(msg);
    } else if (msg->type == JSONRPC_REPLY && is_echo_id(msg->id)) {
        /* The answer to our inactivity probe. */
        jsonrpc_msg_destroy(msg);
    } else if (c->cbs.on_msg) {
        c->cbs.on_msg(c, msg, c->aux);
    } else {
        jsonrpc_msg_destroy(msg);
    }
}

/* Delivers up to CONN_MAX_MSGS_PER_WAKE messages from the input buffer. */
static void
conn_process(struct conn *c)
{
    struct evbuffer *input = bufferevent_get_input(c->bev);
    unsigned int n_msgs = 0;

    while (!c->closing) {
        if (jsonrpc_parser_is_done(c->parser)) {
            if (n_msgs >= CONN_MAX_MSGS_PER_WAKE) {
                break;
            }

            struct jsonrpc_msg *msg;
            char *error_msg;
            int error = jsonrpc_parser_take(c->parser, &msg, &error_msg);
            if (error) {
                log_warn_rl(&rl, "%s: received bad JSON-RPC message (%s), "
                            "disconnecting", c->name, error_msg);
                free(error_msg);
                conn_fail(c, -error);
                return;
            }
            n_msgs++;
            conn_dispatch(c, msg);
            continue;
        }

        struct evbuffer_iovec vecs[8];
        int n_vecs = evbuffer_peek(input, -1, NULL, vecs, ARRAY_SIZE(vecs));
        size_t used = 0;
        n_vecs = MIN(n_vecs, (int) ARRAY_SIZE(vecs));
        for (int i = 0; i < n_vecs && !jsonrpc_parser_is_done(c->parser);
             i++) {
            used += jsonrpc_parser_feed(c->parser, vecs[i].iov_base,
                                        vecs[i].iov_len);
        }
        if (!used && !jsonrpc_parser_is_done(c->parser)) {
            break;
        }
        evbuffer_drain(input, used);
    }
    if (c->closing) {
        return;
    }

    bool more = (jsonrpc_parser_is_done(c->parser)
                 || evbuffer_get_length(input) > 0);
    if (more) {
        /* Hold the socket back and finish on the next loop turn. */
        if (!c->throttled) {
            c->throttled = true;
            bufferevent_disable(c->bev, EV_READ);
        }
        evtimer_add(c->wake, &tv_zero);
    } else if (c->eof) {
        if (jsonrpc_parser_buffered(c->parser) && !c->eof_error) {
            log_warn_rl(&rl, "%s: connection closed in the middle of a "
                        "message", c->name);
            conn_fail(c, EPROTO);
        } else {
            conn_fail(c, c->eof_error);
        }
    } else if (c->throttled) {
        c->throttled = false;
        bufferevent_enable(c->bev, EV_READ);
    }
}

/* An active connection is up: tells the owner, once. */
static void
conn_set_connected(struct conn *c)
{
    if (!c->connected) {
        c->connected = true;
        log_debug("%s: connected", c->name);
        if (c->cbs.on_connected) {
            c->cbs.on_connected(c, c->aux);
        }
    }
}

static void
conn_read_cb(struct bufferevent *bev, void *c_)
{
    struct conn *c = c_;

    /* Bytes from the peer prove the connection is up, and libevent may
     * report them before BEV_EVENT_CONNECTED when the peer speaks first
     * (a controller that accepted our dial sends at once): the owner must
     * hear of the connection before its first message. */
    conn_set_connected(c);
    if (c->closing) {
        return;
    }
    c->last_rx_ms = time_msec();
    c->probe_sent = false;
    conn_process(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *c_)
{
    struct conn *c = c_;

    if (c->closing) {
        return;
    }
    if (what & BEV_EVENT_CONNECTED) {
        conn_set_connected(c);
        return;
    }

    int error = 0;
    if (what & BEV_EVENT_ERROR) {
        error = EVUTIL_SOCKET_ERROR();
        if (c->kind == CONN_SSL) {
            unsigned long e;
            bool any = false;
            while ((e = bufferevent_get_openssl_error(bev)) != 0) {
                char buf[256];
                ERR_error_string_n(e, buf, sizeof buf);
                log_warn_rl(&rl, "%s: SSL error: %s", c->name, buf);
                any = true;
            }
            if (any) {
                error = EPROTO;
            }
        }
        if (!error) {
            error = c->connected ? EIO : ECONNREFUSED;
        }
        log_debug("%s: connection error (%s)", c->name, strerror(error));
        conn_fail(c, error);
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)) {
        /* Messages already received are still delivered, then we close. */
        c->eof = true;
        c->eof_error = what & BEV_EVENT_TIMEOUT ? ETIMEDOUT : 0;
        if (!c->throttled) {
            conn_process(c);
        }
    }
}

static void
conn_probe_cb(evutil_socket_t fd, short what, void *c_)
{
    struct conn *c = c_;
    long long now = time_msec();

    if (c->closing || !c->probe_ms) {
        return;
    }
    long long idle = now - c->last_rx_ms;
    if (idle < c->probe_ms) {
        probe_arm(c, c->probe_ms - idle);
    } else if (!c->probe_sent) {
        log_debug("%s: idle %lld ms, sending inactivity probe", c->name,
                  idle);
        c->probe_sent = true;
        c->probe_sent_ms = now;
        conn_send(c, jsonrpc_create_request("echo", json_array(),
                                            json_string("echo")));
        if (!c->closing) {
            probe_arm(c, c->probe_ms);
        }
    } else if (now - c->probe_sent_ms >= c->probe_ms) {
        log_warn_rl(&rl, "%s: no response to inactivity probe after %.3g "
                    "seconds, disconnecting", c->name,
                    (now - c->last_rx_ms) / 1000.0);
        conn_fail(c, ETIMEDOUT);
    } else {
        probe_arm(c, c->probe_ms - (now - c->probe_sent_ms));
    }
}

/* Listeners. */

/* Removes a socket file at 'path' left by a process that is gone.  Returns
 * -EADDRINUSE if something still listens there. */
static int
unlink_stale_socket(const struct sockaddr_storage *ss, socklen_t len)
{
    const char *path = ((const struct sockaddr_un *) ss)->sun_path;
    struct stat st;

    if (lstat(path, &st) || !S_ISSOCK(st.st_mode)) {
        return 0;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int error = connect(fd, (const struct sockaddr *) ss, len) ? errno : 0;
    close(fd);
    if (!error) {
        return -EADDRINUSE;
    }
    if (error == ECONNREFUSED && unlink(path) && errno != ENOENT) {
        return -errno;
    }
    return 0;
}

static void
listener_accept_cb(struct evconnlistener *evl, evutil_socket_t fd,
                   struct sockaddr *sa, int socklen, void *l_)
{
    static unsigned int unix_seq;
    struct listener *l = l_;
    struct bufferevent *bev;
    char *name;

    if (l->kind == CONN_UNIX) {
        name = xasprintf("unix#%u", ++unix_seq);
    } else {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        memcpy(&ss, sa, MIN((size_t) socklen, sizeof ss));
        name = inet_name(l->kind == CONN_SSL ? "ssl" : "tcp", &ss, false);
        set_nodelay(fd);
    }

    if (l->kind == CONN_SSL) {
        SSL *ssl = SSL_new(l->ssl_ctx);
        bev = (ssl
               ? bufferevent_openssl_socket_new(l->base, fd, ssl,
                                                BUFFEREVENT_SSL_ACCEPTING,
                                                BEV_OPT_CLOSE_ON_FREE)
               : NULL);
        if (!bev) {
            SSL_free(ssl);
        }
    } else {
        bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    if (!bev) {
        log_err("%s: cannot set up accepted connection %s, dropping it",
                l->name, name);
        free(name);
        close(fd);
        return;
    }

    if (l->starved && !evtimer_pending(l->settle, NULL)) {
        struct timeval tv = { 0, ACCEPT_SETTLE_MS * 1000 };
        evtimer_add(l->settle, &tv);
    }
    struct conn *c = conn_create(l->base, bev, l->kind, name);
    c->connected = true;
    log_debug("%s: accepted %s", l->name, name);
    l->accept_cb(c, l->aux);
    if (!c->closing) {
        bufferevent_enable(bev, EV_READ | EV_WRITE);
    }
}

static void
listener_resume_cb(evutil_socket_t fd, short what, void *l_)
{
    struct listener *l = l_;
    evconnlistener_enable(l->evl);
}

static void
listener_settle_cb(evutil_socket_t fd, short what, void *l_)
{
    struct listener *l = l_;
    if (l->starved) {
        log_info("%s: accepting connections again after %lld ms without "
                 "file descriptors (%llu pauses)", l->name,
                 l->last_starved_ms - l->starved_since_ms + ACCEPT_PAUSE_MS, l->n_pauses);
        l->starved = false;
    }
}

static void
listener_error_cb(struct evconnlistener *evl, void *l_)
{
    struct listener *l = l_;
    int error = EVUTIL_SOCKET_ERROR();

    if (error != EMFILE && error != ENFILE && error != ENOBUFS && error != ENOMEM) {
        log_err_rl(&rl, "%s: accept failed (%s)", l->name, strerror(error));
        return;
    }
    /* The pending connection stays in the backlog, so the socket stays
     * readable: retrying now would spin.  Wait for descriptors to free. */
    if (!l->starved) {
        struct rlimit rlim;
        unsigned long long limit = getrlimit(RLIMIT_NOFILE, &rlim) ? 0 : rlim.rlim_cur;
        log_warn("%s: cannot accept connections: %s (open-file limit %llu); "
                 "retrying every %d ms until descriptors free up", l->name,
                 strerror(error), limit, ACCEPT_PAUSE_MS);
        l->starved = true;
        l->starved_since_ms = time_msec();
        l->n_pauses = 0;
    }
    evtimer_del(l->settle);     /* Not over yet. */
    l->last_starved_ms = time_msec();
    l->n_pauses++;
    evconnlistener_disable(l->evl);
    struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };
    evtimer_add(l->resume, &tv);
}

int
conn_raise_fd_limit(void)
{
    struct rlimit rlim;
    if (getrlimit(RLIMIT_NOFILE, &rlim)) {
        return -errno;
    }
    rlim_t old = rlim.rlim_cur;
    if (rlim.rlim_cur == rlim.rlim_max) {
        return 0;
    }
    rlim.rlim_cur = rlim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rlim)) {
        /* An unlimited hard limit is above the kernel's nr_open. */
        rlim.rlim_cur = MAX(old, (rlim_t) 1 << 20);
        while (rlim.rlim_cur > old && setrlimit(RLIMIT_NOFILE, &rlim)) {
            rlim.rlim_cur /= 2;
        }
        if (rlim.rlim_cur <= old) {
            return -errno;
        }
    }
    log_info("raised the open-file limit from %llu to %llu",
             (unsigned long long) old, (unsigned long long) rlim.rlim_cur);
    return 0;
}

/* Listens on 'name' (see conn.h). */
int
listener_open(struct event_base *base, const char *name, SSL_CTX *ssl_ctx,
              conn_accept_func *accept_cb, void *aux,
              struct listener **listenerp)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    enum conn_kind kind;
    int error;

    *listenerp = NULL;
    ignore_sigpipe();
    if (!strncmp(name, "punix:", 6)) {
        kind = CONN_UNIX;
        error = parse_unix(name + 6, &ss, &len);
        if (!error) {
            error = unlink_stale_socket(&ss, len);
        }
    } else if (!strncmp(name, "ptcp:", 5)) {
        kind = CONN_TCP;
        error = parse_passive_inet(name + 5, &ss, &len);
    } else if (!strncmp(name, "pssl:", 5)) {
        kind = CONN_SSL;
        error = ssl_ctx ? parse_passive_inet(name + 5, &ss, &len) : -EINVAL;
    } else {
        error = -EINVAL;
    }
    if (error) {
        return error;
    }

    struct listener *l = xzalloc(sizeof *l);
    l->base = base;
    l->kind = kind;
    l->ssl_ctx = ssl_ctx;
    l->accept_cb = accept_cb;
    l->aux = aux;
    unsigned int flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;
    if (kind != CONN_UNIX) {
        flags |= LEV_OPT_REUSEABLE;
    }
    errno = 0;
    l->evl = evconnlistener_new_bind(base, listener_accept_cb, l, flags, -1,
                                     (struct sockaddr *) &ss, len);
    if (!l->evl) {
        error = errno ? -errno : -EADDRINUSE;
        free(l);
        return error;
    }
    evconnlistener_set_error_cb(l->evl, listener_error_cb);
    l->resume = evtimer_new(base, listener_resume_cb, l);
    l->settle = evtimer_new(base, listener_settle_cb, l);

    if (kind == CONN_UNIX) {
        l->unix_path = xstrdup(name + 6);
        l->name = xstrdup(name);
    } else {
        struct sockaddr_storage bound;
        socklen_t blen = sizeof bound;
        if (getsockname(evconnlistener_get_fd(l->evl),
                        (struct sockaddr *) &bound, &blen)) {
            bound = ss;
        }
        l->name = inet_name(kind == CONN_SSL ? "pssl" : "ptcp", &bound,
                            true);
    }
    log_debug("%s: listening", l->name);
    *listenerp = l;
    return 0;
}

const char *
listener_get_name(const struct listener *l)
{
    return l->name;
}

/* Stops listening and frees 'l'; connections it accepted live on.  Removes
 * a punix socket file.  NULL is a no-op. */
void
listener_close(struct listener *l)
{
    if (l) {
        evconnlistener_free(l->evl);
        event_free(l->resume);
        event_free(l->settle);
        if (l->unix_path) {
            unlink(l->unix_path);
            free(l->unix_path);
        }
        free(l->name);
        free(l);
    }
}
