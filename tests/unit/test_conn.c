/* Unit tests for ovsdb/conn: real libevent loops over unix sockets, TCP and
 * SSL on 127.0.0.1.  Every wait is "run the loop until X", bounded by a
 * generous deadline that only trips if something is broken. */
#include "ovsdb/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "ovsdb/jsonrpc.h"

#define DEADLINE_SEC 20
#define MAX_SERVERS 4

struct peer {
    struct conn *conn;
    bool connected;
    bool closed;
    int close_error;
    json_t *msgs;               /* Every message received, as JSON. */
    bool close_on_msg;          /* Reply "bye", then conn_close(). */
    bool msg_before_connected;  /* on_msg ran before on_connected. */
};

struct fixture {
    struct event_base *base;
    char dir[64];
    char path[128];             /* A unix socket path in 'dir'. */
    struct listener *listener;
    struct peer servers[MAX_SERVERS];
    int n_servers;
    struct peer client;
    bool timed_out;
    struct event *deadline;
    int server_probe_ms;
    size_t server_max_backlog;
};

static void
peer_on_msg(struct conn *conn, struct jsonrpc_msg *msg, void *peer_)
{
    struct peer *peer = peer_;

    if (!peer->connected) {
        peer->msg_before_connected = true;
    }
    json_array_append_new(peer->msgs, jsonrpc_msg_to_json(msg));
    if (peer->close_on_msg) {
        conn_send(conn, jsonrpc_create_reply(json_string("bye"), msg->id));
        conn_close(conn);
        /* Closed conns refuse more output. */
        assert_int_equal(conn_send(conn, jsonrpc_create_notify("x", NULL)),
                         -EPIPE);
        assert_false(conn_is_connected(conn));
    }
    jsonrpc_msg_destroy(msg);
}

static void
peer_on_connected(struct conn *conn, void *peer_)
{
    struct peer *peer = peer_;
    peer->connected = true;
}

static void
peer_on_closed(struct conn *conn, int error, void *peer_)
{
    struct peer *peer = peer_;
    assert_false(peer->closed);
    peer->closed = true;
    peer->close_error = error;
    peer->conn = NULL;
}

static const struct conn_callbacks peer_cbs = {
    .on_msg = peer_on_msg,
    .on_connected = peer_on_connected,
    .on_closed = peer_on_closed,
};

static void
peer_init(struct peer *peer)
{
    memset(peer, 0, sizeof *peer);
    peer->msgs = json_array();
}

static void
on_accept(struct conn *conn, void *f_)
{
    struct fixture *f = f_;
    assert_true(f->n_servers < MAX_SERVERS);
    struct peer *peer = &f->servers[f->n_servers++];
    peer->conn = conn;
    peer->connected = conn_is_connected(conn);
    conn_set_callbacks(conn, &peer_cbs, peer);
    if (f->server_probe_ms) {
        conn_set_probe_interval(conn, f->server_probe_ms);
    }
    if (f->server_max_backlog) {
        conn_set_max_backlog(conn, f->server_max_backlog);
    }
}

static void
deadline_cb(evutil_socket_t fd, short what, void *f_)
{
    struct fixture *f = f_;
    f->timed_out = true;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->base = event_base_new();
    strcpy(f->dir, "/tmp/seam-test-conn-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/db.sock", f->dir);
    for (int i = 0; i < MAX_SERVERS; i++) {
        peer_init(&f->servers[i]);
    }
    peer_init(&f->client);
    f->deadline = evtimer_new(f->base, deadline_cb, f);
    struct timeval tv = { DEADLINE_SEC, 0 };
    evtimer_add(f->deadline, &tv);
    *state = f;
    return 0;
}

static void
run_once(struct fixture *f)
{
    event_base_loop(f->base, EVLOOP_ONCE);
    assert_false(f->timed_out);
}

#define RUN_UNTIL(F, COND)                      \
    do {                                        \
        while (!(COND)) {                       \
            event_base_loop((F)->base, EVLOOP_ONCE); \
            assert_false((F)->timed_out);       \
        }                                       \
    } while (0)

static int
teardown(void **state)
{
    struct fixture *f = *state;

    /* Close what is left and let the loop reap it. */
    if (f->client.conn) {
        conn_close(f->client.conn);
    }
    for (int i = 0; i < f->n_servers; i++) {
        if (f->servers[i].conn) {
            conn_close(f->servers[i].conn);
        }
    }
    for (int i = 0; i < 10; i++) {
        event_base_loop(f->base, EVLOOP_NONBLOCK);
    }
    listener_close(f->listener);
    assert_null(f->client.conn);
    for (int i = 0; i < MAX_SERVERS; i++) {
        assert_null(f->servers[i].conn);
        json_decref(f->servers[i].msgs);
    }
    json_decref(f->client.msgs);
    event_free(f->deadline);
    event_base_free(f->base);
    char *cmd;
    assert_true(asprintf(&cmd, "rm -rf '%s'", f->dir) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(f);
    return 0;
}

/* Listens on "punix:" in the fixture's directory and connects a client. */
static void
connect_unix(struct fixture *f)
{
    char *name;
    assert_true(asprintf(&name, "punix:%s", f->path) > 0);
    assert_int_equal(listener_open(f->base, name, NULL, on_accept, f,
                                   &f->listener), 0);
    assert_string_equal(listener_get_name(f->listener), name);
    free(name);

    assert_true(asprintf(&name, "unix:%s", f->path) > 0);
    assert_int_equal(conn_open(f->base, name, NULL, &peer_cbs, &f->client,
                               &f->client.conn), 0);
    assert_string_equal(conn_get_name(f->client.conn), name);
    free(name);
    RUN_UNTIL(f, f->client.connected && f->n_servers == 1);
    assert_true(conn_is_connected(f->client.conn));
}

/* A raw, blocking unix socket connected to the fixture's listener. */
static int
raw_unix_client(struct fixture *f)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int n_servers = f->n_servers;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    strcpy(sun.sun_path, f->path);
    assert_int_equal(connect(fd, (struct sockaddr *) &sun, sizeof sun), 0);
    RUN_UNTIL(f, f->n_servers == n_servers + 1);
    return fd;
}

static void
listen_unix(struct fixture *f)
{
    char *name;
    assert_true(asprintf(&name, "punix:%s", f->path) > 0);
    assert_int_equal(listener_open(f->base, name, NULL, on_accept, f,
                                   &f->listener), 0);
    free(name);
}

/* A peer that speaks as soon as it accepts our dial (a controller whose
 * VTEP dials it): its bytes may be readable in the same loop turn that
 * completes the connect.  The owner must hear of the connection first, and
 * get the message: a dialing server registers no on_msg until then. */
static void
test_peer_speaks_first(void **state)
{
    struct fixture *f = *state;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sin;
    assert_true(lfd >= 0);
    assert_int_equal(bind(lfd, (struct sockaddr *) &sin, sizeof sin), 0);
    assert_int_equal(listen(lfd, 64), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *) &sin, &len), 0);

    for (int i = 0; i < 20; i++) {
        char *name;
        assert_true(asprintf(&name, "tcp:127.0.0.1:%u", ntohs(sin.sin_port)) > 0);
        json_decref(f->client.msgs);
        peer_init(&f->client);
        assert_int_equal(conn_open(f->base, name, NULL, &peer_cbs, &f->client,
                                   &f->client.conn), 0);
        free(name);
        int fd = accept(lfd, NULL, NULL);     /* Loopback: already there. */
        assert_true(fd >= 0);
        static const char hello[] = "{\"method\":\"hello\",\"params\":[],\"id\":null}";
        assert_int_equal(write(fd, hello, strlen(hello)), (ssize_t) strlen(hello));
        RUN_UNTIL(f, json_array_size(f->client.msgs) == 1);
        assert_true(f->client.connected);
        assert_false(f->client.msg_before_connected);
        conn_close(f->client.conn);
        RUN_UNTIL(f, f->client.closed);
        close(fd);
    }
    close(lfd);
}

static void
test_echo(void **state)
{
    struct fixture *f = *state;
    connect_unix(f);

    /* The server's conn answers echo itself, with params as result. */
    conn_send(f->client.conn,
              jsonrpc_create_request("echo", json_pack("[s,i]", "hi", 3),
                                     json_integer(7)));
    RUN_UNTIL(f, json_array_size(f->client.msgs) == 1);
    json_t *reply = json_array_get(f->client.msgs, 0);
    json_t *expect = json_pack("{s:n,s:i,s:[s,i]}", "error", "id", 7,
                               "result", "hi", 3);
    assert_true(json_equal(reply, expect));
    json_decref(expect);

    /* A reply to our own probe is swallowed; what follows is delivered. */
    const char *raw = "{\"id\":\"echo\",\"result\":[],\"error\":null}"
                      "{\"id\":null,\"method\":\"after\",\"params\":[]}";
    assert_int_equal(conn_send_raw(f->client.conn, raw, strlen(raw)), 0);
    RUN_UNTIL(f, json_array_size(f->servers[0].msgs) == 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(f->servers[0].msgs, 0),
                            "method")), "after");

    /* Closing the client is seen as a clean EOF by the server. */
    conn_close(f->client.conn);
    RUN_UNTIL(f, f->client.closed && f->servers[0].closed);
    assert_int_equal(f->client.close_error, 0);
    assert_int_equal(f->servers[0].close_error, 0);
    assert_int_equal(json_array_size(f->servers[0].msgs), 1);
}

/* 500 notifications sent at once arrive in order, at most 50 per loop
 * turn, and some turn hits the limit (so the rest were re-armed). */
static void
test_order_and_batches(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(listener_open(f->base, "ptcp:0:127.0.0.1", NULL,
                                   on_accept, f, &f->listener), 0);
    const char *lname = listener_get_name(f->listener);
    unsigned int port;
    assert_int_equal(sscanf(lname, "ptcp:%u:127.0.0.1", &port), 1);
    assert_true(port > 0);
    char name[64];
    snprintf(name, sizeof name, "tcp:127.0.0.1:%u", port);
    assert_int_equal(conn_open(f->base, name, NULL, &peer_cbs, &f->client,
                               &f->client.conn), 0);
    RUN_UNTIL(f, f->client.connected && f->n_servers == 1);
    assert_true(!strncmp(conn_get_name(f->servers[0].conn), "tcp:127.0.0.1:",
                         14));

    enum { N = 500 };
    for (int i = 0; i < N; i++) {
        assert_int_equal(conn_send(f->client.conn,
                                   jsonrpc_create_notify(
                                       "n", json_pack("[i]", i))), 0);
    }
    size_t max_per_turn = 0;
    while (json_array_size(f->servers[0].msgs) < N) {
        size_t before = json_array_size(f->servers[0].msgs);
        run_once(f);
        size_t got = json_array_size(f->servers[0].msgs) - before;
        assert_true(got <= CONN_MAX_MSGS_PER_WAKE);
        max_per_turn = MAX(max_per_turn, got);
    }
    assert_int_equal(max_per_turn, CONN_MAX_MSGS_PER_WAKE);
    for (int i = 0; i < N; i++) {
        json_t *params = json_object_get(json_array_get(f->servers[0].msgs,
                                                        i), "params");
        assert_int_equal(json_integer_value(json_array_get(params, 0)), i);
    }
}

/* A peer that writes many messages and closes at once still has all of
 * them delivered before on_closed. */
static void
test_eof_after_burst(void **state)
{
    struct fixture *f = *state;
    listen_unix(f);
    int fd = raw_unix_client(f);

    enum { N = 120 };
    char *buf = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&buf, &size);
    for (int i = 0; i < N; i++) {
        fprintf(stream, "{\"id\":null,\"method\":\"n\",\"params\":[%d]}\n", i);
    }
    fclose(stream);
    assert_int_equal(write(fd, buf, size), (ssize_t) size);
    close(fd);
    free(buf);

    RUN_UNTIL(f, f->servers[0].closed);
    assert_int_equal(f->servers[0].close_error, 0);
    assert_int_equal(json_array_size(f->servers[0].msgs), N);
}

/* Garbage closes that peer with EPROTO; another peer is untouched. */
static void
test_garbage_closes_peer(void **state)
{
    struct fixture *f = *state;
    connect_unix(f);
    int fd = raw_unix_client(f);

    assert_int_equal(write(fd, "{\"id\":1,]", 9), 9);
    RUN_UNTIL(f, f->servers[1].closed);
    assert_int_equal(f->servers[1].close_error, EPROTO);
    char c;
    assert_int_equal(read(fd, &c, 1), 0);
    close(fd);

    conn_send(f->client.conn, jsonrpc_create_request("echo", NULL,
                                                     json_integer(1)));
    RUN_UNTIL(f, json_array_size(f->client.msgs) == 1);
    assert_false(f->servers[0].closed);

    /* A truncated message at EOF is a protocol error too. */
    fd = raw_unix_client(f);
    assert_int_equal(write(fd, "{\"id\":1,", 8), 8);
    close(fd);
    RUN_UNTIL(f, f->servers[2].closed);
    assert_int_equal(f->servers[2].close_error, EPROTO);
}

/* conn_close() from inside on_msg: the reply queued just before is still
 * flushed, and the conn is freed later, once. */
static void
test_close_in_callback(void **state)
{
    struct fixture *f = *state;
    connect_unix(f);
    f->servers[0].close_on_msg = true;

    conn_send(f->client.conn, jsonrpc_create_request("quit", NULL,
                                                     json_integer(5)));
    RUN_UNTIL(f, f->client.closed);
    assert_true(f->servers[0].closed);
    assert_int_equal(f->servers[0].close_error, 0);
    assert_int_equal(f->client.close_error, 0);
    assert_int_equal(json_array_size(f->client.msgs), 1);
    json_t *expect = json_pack("{s:n,s:i,s:s}", "error", "id", 5, "result",
                               "bye");
    assert_true(json_equal(json_array_get(f->client.msgs, 0), expect));
    json_decref(expect);
}

static void
sender_cb(evutil_socket_t fd, short what, void *f_)
{
    struct fixture *f = f_;
    static char big[16384];

    if (f->servers[0].conn) {
        memset(big, 'x', sizeof big - 1);
        conn_send(f->servers[0].conn,
                  jsonrpc_create_notify("update",
                                        json_pack("[s]", big)));
    }
}

/* A client that never reads is disconnected once the server's unsent
 * output passes the limit, instead of growing without bound. */
static void
test_backlog_limit(void **state)
{
    struct fixture *f = *state;
    f->server_max_backlog = 256 * 1024;
    listen_unix(f);
    int fd = raw_unix_client(f);

    struct event *sender = event_new(f->base, -1, EV_PERSIST, sender_cb, f);
    struct timeval tv = { 0, 1000 };
    event_add(sender, &tv);
    while (!f->servers[0].closed) {
        if (f->servers[0].conn) {
            assert_true(conn_get_backlog(f->servers[0].conn)
                        <= 256 * 1024 + 20000);
        }
        run_once(f);
    }
    event_free(sender);
    assert_int_equal(f->servers[0].close_error, ENOBUFS);
    close(fd);
}

/* A silent peer gets an echo probe after the interval and is disconnected
 * after another. */
static void
test_probe_closes_silent_peer(void **state)
{
    struct fixture *f = *state;
    f->server_probe_ms = 30;
    listen_unix(f);
    int fd = raw_unix_client(f);

    RUN_UNTIL(f, f->servers[0].closed);
    assert_int_equal(f->servers[0].close_error, ETIMEDOUT);

    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "{\"id\":\"echo\",\"method\":\"echo\","
                        "\"params\":[]}");
    close(fd);
}

struct prober {
    int fd;
    int n_probes;
};

static void
answer_probes_cb(evutil_socket_t fd, short what, void *p_)
{
    struct prober *p = p_;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0) {
        return;
    }
    buf[n] = '\0';
    static const char probe[] = "{\"id\":\"echo\",\"method\":\"echo\","
                                "\"params\":[]}";
    static const char reply[] = "{\"id\":\"echo\",\"result\":[],"
                                "\"error\":null}";
    for (char *s = strstr(buf, probe); s; s = strstr(s + 1, probe)) {
        p->n_probes++;
        assert_int_equal(write(fd, reply, strlen(reply)),
                         (ssize_t) strlen(reply));
    }
}

/* A peer that answers each probe stays connected, and the answers are
 * swallowed rather than handed to the owner. */
static void
test_probe_answered(void **state)
{
    struct fixture *f = *state;
    f->server_probe_ms = 100;
    listen_unix(f);
    struct prober p = { .fd = raw_unix_client(f) };
    fcntl(p.fd, F_SETFL, O_NONBLOCK);
    struct event *ev = event_new(f->base, p.fd, EV_READ | EV_PERSIST,
                                 answer_probes_cb, &p);
    event_add(ev, NULL);

    RUN_UNTIL(f, p.n_probes >= 3 || f->servers[0].closed);
    assert_false(f->servers[0].closed);
    assert_int_equal(json_array_size(f->servers[0].msgs), 0);
    event_free(ev);
    close(p.fd);
    RUN_UNTIL(f, f->servers[0].closed);
}

static void
test_names(void **state)
{
    struct fixture *f = *state;
    struct conn *conn;
    struct listener *l;
    char name[256];

    assert_int_equal(conn_open(f->base, "bogus:x", NULL, &peer_cbs, NULL,
                               &conn), -EINVAL);
    assert_null(conn);
    assert_int_equal(conn_open(f->base, "tcp:not-an-ip:1", NULL, &peer_cbs,
                               NULL, &conn), -EINVAL);
    assert_int_equal(conn_open(f->base, "ssl:127.0.0.1:1", NULL, &peer_cbs,
                               NULL, &conn), -EINVAL);
    snprintf(name, sizeof name, "unix:%s/none", f->dir);
    assert_int_equal(conn_open(f->base, name, NULL, &peer_cbs, NULL, &conn),
                     -ENOENT);
    assert_int_equal(listener_open(f->base, "ptcp:99999", NULL, on_accept,
                                   f, &l), -EINVAL);
    assert_int_equal(listener_open(f->base, "ptcp:1:nowhere", NULL,
                                   on_accept, f, &l), -EINVAL);
    assert_int_equal(listener_open(f->base, "pssl:0", NULL, on_accept, f,
                                   &l), -EINVAL);
    assert_null(l);

    /* IPv6 loopback, if the host has it. */
    if (!listener_open(f->base, "ptcp:0:[::1]", NULL, on_accept, f, &l)) {
        unsigned int port;
        assert_int_equal(sscanf(listener_get_name(l), "ptcp:%u:[::1]",
                                &port), 1);
        snprintf(name, sizeof name, "tcp:[::1]:%u", port);
        assert_int_equal(conn_open(f->base, name, NULL, &peer_cbs,
                                   &f->client, &f->client.conn), 0);
        RUN_UNTIL(f, f->client.connected && f->n_servers == 1);
        listener_close(l);
    }
}

/* A socket file left by a dead process is replaced; a live one is not;
 * listener_close() removes the file. */
static void
test_punix_stale_socket(void **state)
{
    struct fixture *f = *state;
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    strcpy(sun.sun_path, f->path);
    assert_int_equal(bind(fd, (struct sockaddr *) &sun, sizeof sun), 0);
    close(fd);

    char name[256];
    struct listener *l2;
    snprintf(name, sizeof name, "punix:%s", f->path);
    assert_int_equal(listener_open(f->base, name, NULL, on_accept, f,
                                   &f->listener), 0);
    assert_int_equal(listener_open(f->base, name, NULL, on_accept, f, &l2),
                     -EADDRINUSE);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    listener_close(f->listener);
    f->listener = NULL;
    assert_int_equal(stat(f->path, &st), -1);
}

/* SSL. */

static char ssl_dir[64];

static int sh(const char *fmt, ...) PRINTF_FMT(1, 2);

static int
sh(const char *fmt, ...)
{
    va_list args;
    char *cmd;
    va_start(args, fmt);
    assert_true(vasprintf(&cmd, fmt, args) > 0);
    va_end(args);
    int status = system(cmd);
    free(cmd);
    return status;
}

static void
make_cert(const char *name, const char *ca)
{
    const char *newkey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                         "-nodes";
    if (!ca) {
        assert_int_equal(sh("cd %s && openssl req -x509 %s -keyout %s.key "
                            "-out %s.crt -days 2 -subj /CN=%s "
                            ">/dev/null 2>&1", ssl_dir, newkey, name, name,
                            name), 0);
    } else {
        assert_int_equal(sh("cd %s && openssl req %s -keyout %s.key "
                            "-out %s.csr -subj /CN=%s >/dev/null 2>&1 && "
                            "openssl x509 -req -in %s.csr -CA %s.crt "
                            "-CAkey %s.key -CAcreateserial -out %s.crt "
                            "-days 2 >/dev/null 2>&1", ssl_dir, newkey,
                            name, name, name, name, ca, ca, name), 0);
    }
}

static int
ssl_group_setup(void **state)
{
    strcpy(ssl_dir, "/tmp/seam-test-ssl-XXXXXX");
    assert_non_null(mkdtemp(ssl_dir));
    make_cert("ca", NULL);
    make_cert("server", "ca");
    make_cert("client", "ca");
    make_cert("rogueca", NULL);
    make_cert("rogue", "rogueca");
    return 0;
}

static int
ssl_group_teardown(void **state)
{
    return sh("rm -rf '%s'", ssl_dir);
}

static SSL_CTX *
ssl_ctx(const char *key, const char *cert, const char *ca, bool server)
{
    char k[128], c[128], a[128];
    snprintf(k, sizeof k, "%s/%s.key", ssl_dir, key ? key : "");
    snprintf(c, sizeof c, "%s/%s.crt", ssl_dir, cert ? cert : "");
    snprintf(a, sizeof a, "%s/%s.crt", ssl_dir, ca);
    SSL_CTX *ctx;
    char *error = conn_ssl_ctx_create(key ? k : NULL, cert ? c : NULL, a,
                                      server, &ctx);
    if (error) {
        fail_msg("%s", error);
    }
    return ctx;
}

/* Starts a pssl listener and an ssl client with 'client_ctx'; returns when
 * the client is closed or has its echo answered. */
static void
ssl_exchange(struct fixture *f, SSL_CTX *server_ctx, SSL_CTX *client_ctx)
{
    assert_int_equal(listener_open(f->base, "pssl:0:127.0.0.1", server_ctx,
                                   on_accept, f, &f->listener), 0);
    unsigned int port;
    assert_int_equal(sscanf(listener_get_name(f->listener),
                            "pssl:%u:127.0.0.1", &port), 1);
    char name[64];
    snprintf(name, sizeof name, "ssl:127.0.0.1:%u", port);
    assert_int_equal(conn_open(f->base, name, client_ctx, &peer_cbs,
                               &f->client, &f->client.conn), 0);
    conn_send(f->client.conn, jsonrpc_create_request("echo", NULL,
                                                     json_integer(9)));
    RUN_UNTIL(f, f->client.closed || json_array_size(f->client.msgs) == 1);
}

static void
test_ssl_ok(void **state)
{
    struct fixture *f = *state;
    SSL_CTX *sctx = ssl_ctx("server", "server", "ca", true);
    SSL_CTX *cctx = ssl_ctx("client", "client", "ca", false);

    ssl_exchange(f, sctx, cctx);
    assert_false(f->client.closed);
    assert_true(f->client.connected);
    assert_int_equal(json_array_size(f->client.msgs), 1);

    /* A bigger exchange than one TLS record, both ways. */
    enum { N = 200 };
    for (int i = 0; i < N; i++) {
        conn_send(f->client.conn,
                  jsonrpc_create_notify("n", json_pack("[i,s]", i,
                                        "padding padding padding padding")));
    }
    RUN_UNTIL(f, json_array_size(f->servers[0].msgs) == N);
    conn_close(f->client.conn);
    RUN_UNTIL(f, f->client.closed && f->servers[0].closed);
    assert_int_equal(f->servers[0].close_error, 0);

    listener_close(f->listener);
    f->listener = NULL;
    conn_ssl_ctx_destroy(sctx);
    conn_ssl_ctx_destroy(cctx);
}

static void
expect_refused(struct fixture *f, SSL_CTX *sctx, SSL_CTX *cctx)
{
    ssl_exchange(f, sctx, cctx);
    assert_true(f->client.closed);
    assert_int_equal(json_array_size(f->client.msgs), 0);
    RUN_UNTIL(f, f->n_servers == 0 || f->servers[0].closed);
    assert_int_equal(json_array_size(f->servers[0].msgs), 0);
    if (f->n_servers) {
        assert_int_not_equal(f->servers[0].close_error, 0);
    }
    listener_close(f->listener);
    f->listener = NULL;
    conn_ssl_ctx_destroy(sctx);
    conn_ssl_ctx_destroy(cctx);
}

static void
test_ssl_client_without_cert(void **state)
{
    expect_refused(*state, ssl_ctx("server", "server", "ca", true),
                   ssl_ctx(NULL, NULL, "ca", false));
}

static void
test_ssl_client_other_ca(void **state)
{
    expect_refused(*state, ssl_ctx("server", "server", "ca", true),
                   ssl_ctx("rogue", "rogue", "ca", false));
}

static void
test_ssl_server_untrusted(void **state)
{
    /* The client trusts only the rogue CA: it refuses the server. */
    struct fixture *f = *state;
    expect_refused(f, ssl_ctx("server", "server", "ca", true),
                   ssl_ctx("client", "client", "rogueca", false));
    assert_false(f->client.connected);
}

static void
test_ssl_ctx_errors(void **state)
{
    SSL_CTX *ctx;
    char *error = conn_ssl_ctx_create("/nonexistent.key", "/nonexistent.crt",
                                      "/nonexistent.ca", true, &ctx);
    assert_non_null(error);
    assert_null(ctx);
    free(error);

    char k[128], c[128], a[128];
    snprintf(k, sizeof k, "%s/client.key", ssl_dir);
    snprintf(c, sizeof c, "%s/server.crt", ssl_dir);
    snprintf(a, sizeof a, "%s/ca.crt", ssl_dir);
    error = conn_ssl_ctx_create(k, c, a, true, &ctx);
    assert_non_null(error);     /* Key does not match certificate. */
    free(error);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_speaks_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_and_batches, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_eof_after_burst, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_garbage_closes_peer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_close_in_callback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_backlog_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_closes_silent_peer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_probe_answered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_punix_stale_socket, setup,
                                        teardown),
    };
    const struct CMUnitTest ssl_tests[] = {
        cmocka_unit_test_setup_teardown(test_ssl_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssl_client_without_cert, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ssl_client_other_ca, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ssl_server_untrusted, setup,
                                        teardown),
        cmocka_unit_test(test_ssl_ctx_errors),
    };
    int failures = cmocka_run_group_tests(tests, NULL, NULL);
    failures += cmocka_run_group_tests_name("ssl", ssl_tests,
                                            ssl_group_setup,
                                            ssl_group_teardown);
    return failures;
}
