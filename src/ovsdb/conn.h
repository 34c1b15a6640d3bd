/* conn: a JSON-RPC connection over a libevent bufferevent (unix, tcp or
 * ssl), the "stream + jsonrpc session" of OVS in one object, plus listeners.
 *
 * Names of remotes follow ovsdb-server: active "unix:PATH", "tcp:IP:PORT",
 * "ssl:IP:PORT"; passive "punix:PATH", "ptcp:PORT[:IP]", "pssl:PORT[:IP]"
 * (IP defaults to 0.0.0.0; IPv6 in brackets).
 *
 * A conn reads with a jsonrpc_parser and delivers whole messages to its
 * owner's callback, at most CONN_MAX_MSGS_PER_WAKE per event-loop turn (the
 * rest are picked up on the next turn, so one busy peer cannot starve the
 * others).  It answers "echo" requests itself and swallows echo replies.
 * With an inactivity probe it sends an echo request after 'probe_ms' of
 * silence and closes the connection after another 'probe_ms'.  Output is
 * buffered by libevent; past 'max_backlog' bytes of unsent output the
 * connection is closed (a client that never reads cannot make us grow).
 *
 * Closing: conn_close() from anywhere (including a callback of this conn)
 * marks it and frees it from the event loop later; the owner's 'closed'
 * callback runs exactly once, before the free. */
#ifndef SEAM_OVSDB_CONN_H
#define SEAM_OVSDB_CONN_H 1

#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"

struct event_base;
struct jsonrpc_msg;
struct conn;
struct listener;
typedef struct ssl_ctx_st SSL_CTX;

#define CONN_MAX_MSGS_PER_WAKE 50

struct conn_callbacks {
    /* A message arrived; takes ownership of 'msg'. */
    void (*on_msg)(struct conn *, struct jsonrpc_msg *msg, void *aux);
    /* The connection is up (active connections only; passive ones are up
     * when accepted). */
    void (*on_connected)(struct conn *, void *aux);
    /* The connection ended: 'error' is 0 for EOF or conn_close(), else a
     * positive errno-like code; the conn is freed right after this. */
    void (*on_closed)(struct conn *, int error, void *aux);
};

/* SSL configuration, as ovsdb-server's --private-key, --certificate and
 * --ca-cert.  Returns a new context in '*ctxp' or a new error string. */
char *conn_ssl_ctx_create(const char *private_key, const char *certificate,
                          const char *ca_cert, bool server, SSL_CTX **ctxp)
    WARN_UNUSED;
void conn_ssl_ctx_destroy(SSL_CTX *);

/* Starts an active connection to 'name'.  Returns 0 and a new conn in
 * '*connp' (owned by the caller until on_closed runs), or -errno/-EINVAL.
 * 'ssl_ctx' is required for "ssl:" names and borrowed. */
int conn_open(struct event_base *, const char *name, SSL_CTX *ssl_ctx,
              const struct conn_callbacks *, void *aux, struct conn **connp);

/* Sends 'msg' (takes ownership, even on failure).  Returns 0, or -EPIPE if
 * the connection is closing. */
int conn_send(struct conn *, struct jsonrpc_msg *msg);
/* Sends already-serialized bytes of one message. */
int conn_send_raw(struct conn *, const char *data, size_t n);
/* Same, without a copy: takes ownership of 'data' (malloc'd), even on
 * failure, and free()s it once sent. */
int conn_send_raw_owned(struct conn *, char *data, size_t n);
void conn_set_probe_interval(struct conn *, int probe_ms);   /* 0 = off. */
void conn_set_max_backlog(struct conn *, size_t bytes);
/* Parse incoming messages into jsonarenas (see jsonrpc_parser_use_arena()):
 * the owner's on_msg must then copy whatever JSON it keeps. */
void conn_use_arena(struct conn *, bool);
size_t conn_get_backlog(const struct conn *);
void conn_close(struct conn *);
/* "unix:PATH", "tcp:1.2.3.4:5678", ...: borrowed, valid for the conn's life. */
const char *conn_get_name(const struct conn *);
bool conn_is_connected(const struct conn *);
void conn_set_aux(struct conn *, void *aux);

/* Listens on passive 'name'.  Each accepted connection is a new conn handed
 * to 'accept_cb' (which must set its callbacks with conn_set_callbacks()).
 * Returns 0 and a new listener, or -errno / -EINVAL for a bad name. */
typedef void conn_accept_func(struct conn *, void *aux);
int listener_open(struct event_base *, const char *name, SSL_CTX *ssl_ctx,
                  conn_accept_func *accept_cb, void *aux,
                  struct listener **listenerp);
void conn_set_callbacks(struct conn *, const struct conn_callbacks *, void *aux);
/* The bound name, e.g. "ptcp:43211:127.0.0.1" after "ptcp:0:127.0.0.1". */
const char *listener_get_name(const struct listener *);
void listener_close(struct listener *);

/* Raises this process's soft open-file limit to its hard limit (a server
 * holds a descriptor per client).  Returns 0 or -errno. */
int conn_raise_fd_limit(void);

#endif /* ovsdb/conn.h */
