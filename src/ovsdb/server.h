/* ovsdb server: the RFC 7047 server side: databases, sessions and every
 * method ovsdb-server answers (list_dbs, get_schema, transact, cancel,
 * echo, monitor, monitor_cond, monitor_cond_change, monitor_cond_since,
 * monitor_cancel, lock, steal, unlock, set_db_change_aware,
 * get_server_id), the built-in read-only "_Server" database that Open
 * vSwitch's IDLs read on connect, "wait" triggers, and locks.
 *
 * The core is sans-I/O: a session takes messages in and hands replies and
 * notifications to a send callback, so tests and fuzzers drive it
 * directly.  ovsdb_server_add_remote() glues sessions to conn.h
 * connections on a libevent loop. */
#ifndef SEAM_OVSDB_SERVER_H
#define SEAM_OVSDB_SERVER_H 1

#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"

struct event_base;
struct jsonrpc_msg;
struct ovsdb_db;
struct ovsdb_server;
struct ovsdb_session;
typedef struct ssl_ctx_st SSL_CTX;

/* Returns a new server whose triggers use 'base' (may be NULL: then "wait"
 * with a timeout only fires on later commits); free with
 * ovsdb_server_destroy(), which closes every session and database. */
struct ovsdb_server *ovsdb_server_create(struct event_base *base);
void ovsdb_server_destroy(struct ovsdb_server *);
/* Serves 'db' (takes ownership).  Returns 0, or -EEXIST if a database of
 * that name is already served.  From then on every commit to 'db', through
 * a session or by the embedder's own ovsdb_execute(), re-runs the "wait"
 * requests on it and re-reads the db: remotes (db.h's on_commit). */
int ovsdb_server_add_db(struct ovsdb_server *, struct ovsdb_db *db) WARN_UNUSED;
/* Serves on remote 'name': passive (punix:, ptcp:, pssl:) listens; active
 * (unix:, tcp:, ssl:) dials out and serves that connection, dialing again
 * with a backoff of 1 to 8 s when it fails or drops (how a hardware VTEP
 * reaches its controller).  'ssl_ctx' is borrowed, required for pssl:/ssl:.
 * Returns 0 or -errno (-EINVAL for an unknown kind). */
int ovsdb_server_add_remote(struct ovsdb_server *, const char *name,
                            SSL_CTX *ssl_ctx) WARN_UNUSED;
/* "db:DB,TABLE,COLUMN" (as ovsdb-server's --remote): serves on every remote
 * that the column names, in any row: strings, or references to rows whose
 * "target" column holds them (hardware_vtep's Global.managers -> Manager).
 * Re-read after each commit: new names are opened, vanished ones closed.
 * 'ssl_server' and 'ssl_client' (borrowed, may be NULL) are for the pssl:
 * and ssl: names among them. */
int ovsdb_server_add_db_remote(struct ovsdb_server *, const char *spec,
                               SSL_CTX *ssl_server, SSL_CTX *ssl_client) WARN_UNUSED;
/* Per-connection limits for new sessions. */
void ovsdb_server_set_max_backlog(struct ovsdb_server *, size_t bytes);
void ovsdb_server_set_probe_interval(struct ovsdb_server *, int msec);
size_t ovsdb_server_n_sessions(const struct ovsdb_server *);

/* The sans-I/O session API. */
typedef void ovsdb_session_send_func(void *aux, struct jsonrpc_msg *msg);
/* Returns a new session; 'send' takes ownership of each message. */
struct ovsdb_session *ovsdb_session_create(struct ovsdb_server *,
                                          ovsdb_session_send_func *send,
                                          void *aux, const char *name);
/* Optional: a callback for messages the server has already serialized
 * (monitor updates and replies); takes ownership of 'text' (free()).
 * Without it, such messages are parsed back and given to 'send'. */
typedef void ovsdb_session_send_raw_func(void *aux, char *text, size_t len);
void ovsdb_session_set_send_raw(struct ovsdb_session *, ovsdb_session_send_raw_func *);
/* Handles one message from the peer (takes ownership). */
void ovsdb_session_handle(struct ovsdb_session *, struct jsonrpc_msg *msg);
void ovsdb_session_destroy(struct ovsdb_session *);

#endif /* ovsdb/server.h */
