/* ovsdb client: a live replica of one database on an OVSDB server (seam's
 * or Open vSwitch's, standalone or a Raft cluster), with transactions,
 * locks and reconnection: seam's equivalent of Open vSwitch's IDL.
 *
 * A client is attached to a libevent loop.  It connects to one of its
 * remotes ("unix:PATH", "tcp:IP:PORT", "ssl:IP:PORT"), fetches the schema,
 * and monitors the tables and columns the program asked for, with the best
 * method the server has: monitor_cond_since (after a reconnection only what
 * was missed crosses the wire), else monitor_cond, else monitor.  When the
 * connection fails it tries the next remote, with exponential backoff, and
 * an inactivity probe detects a dead peer.  With 'leader_only' (the
 * default), it reads the server's "_Server" database and moves on from a
 * cluster member that is not the leader, so writes always go to the leader.
 *
 * The replica is a 'struct ovsdb_db' (db.h) built from the server's schema;
 * unmonitored columns keep their defaults.  It changes only inside the
 * event loop; between two callbacks the program may read it freely.  What
 * changed since the program last looked is kept per table (inserted,
 * modified with the columns, deleted with the last contents) until
 * ovsdb_client_clear_changes(), so that a reconciler works incrementally.
 *
 * Transactions are built against the replica (insert, update of single
 * columns, set/map element add and remove, delete), with optimistic
 * concurrency: ovsdb_client_txn_verify() adds a "wait" that the column is
 * still what the replica says.  A commit ends in SUCCESS, TRY_AGAIN (a
 * verify failed, or the connection went away before the answer: the
 * transaction may or may not have committed, which the replica will show
 * once resynced) or ERROR with the server's text.  Nothing is ever sent
 * twice by the library.
 *
 * Errors: functions that can fail return 0 or -errno (-EINVAL for an unknown
 * table or column, -ENOTCONN when not synced). */
#ifndef SEAM_OVSDB_CLIENT_H
#define SEAM_OVSDB_CLIENT_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"
#include "lib/uuid.h"

struct conn;
struct event_base;
struct ovsdb_client;
struct ovsdb_client_txn;
struct ovsdb_db;
struct ovsdb_row;
struct ovsdb_table;
typedef struct ssl_ctx_st SSL_CTX;

struct ovsdb_client_options {
    const char *db_name;            /* e.g. "hardware_vtep". */
    const char *const *remotes;     /* Tried in order; NULL-terminated. */
    SSL_CTX *ssl_ctx;               /* For "ssl:" remotes (borrowed). */
    int probe_ms;                   /* Inactivity probe; 0 = off. */
    int min_backoff_ms;             /* First wait before reconnecting. */
    int max_backoff_ms;             /* Cap of the doubling. */
    bool leader_only;               /* Follow the Raft leader. */
};

/* Fills 'opts' with the defaults: probe 5000 ms, backoff 100..8000 ms,
 * leader_only true. */
void ovsdb_client_options_init(struct ovsdb_client_options *opts);

/* Callbacks, all optional, all run from the event loop. */
struct ovsdb_client_callbacks {
    /* The replica changed (a batch of updates was applied). */
    void (*changed)(void *aux);
    /* Connected and synced, or lost the connection ('synced' false); also
     * called with 'synced' false once when the first attempt of a client
     * that never synced fails (not for each retry). */
    void (*state)(void *aux, bool synced);
    /* The lock 'name' is now held, or was lost ('held' false). */
    void (*lock)(void *aux, const char *name, bool held);
};

/* Returns a new client (connecting starts at once); free it with
 * ovsdb_client_destroy().  Copies what 'opts' points to. */
struct ovsdb_client *ovsdb_client_create(struct event_base *,
                                         const struct ovsdb_client_options *opts,
                                         const struct ovsdb_client_callbacks *,
                                         void *aux);
void ovsdb_client_destroy(struct ovsdb_client *);

/* A passive session: returns a new client over 'conn', a connection that a
 * listener accepted (conn.h listener_open()), e.g. an OVSDB server that
 * dials its controller as a hardware VTEP's Manager row says.  Takes
 * ownership of 'conn'.  Of 'opts' only 'db_name', 'probe_ms' and
 * 'leader_only' count (no remotes, no SSL: the connection exists).  The
 * client never reconnects: when the connection ends (or a protocol error
 * drops it) the 'state' callback runs with 'synced' false, even if it never
 * synced, and ovsdb_client_is_closed() becomes true; the owner then
 * destroys it, from outside that callback.  The first request waits 50 ms
 * (a server that dialed may not know yet that its connection is up) and a
 * session not synced 3 s later is dropped (the server dials again).  Free
 * it with
 * ovsdb_client_destroy() (which does not call 'state'). */
struct ovsdb_client *ovsdb_client_create_accepted(
    struct event_base *, struct conn *conn, const struct ovsdb_client_options *opts,
    const struct ovsdb_client_callbacks *, void *aux);
/* A passive client whose connection is gone (always false for others). */
bool ovsdb_client_is_closed(const struct ovsdb_client *);

/* What to replicate: 'columns' (NULL-terminated names, NULL for all) of
 * 'table'.  Call before the first sync, or at any time (the monitor is then
 * set up again: a full resync).  Tables never named are not replicated; if
 * no table is named at all, every table and column is. */
int ovsdb_client_add_table(struct ovsdb_client *, const char *table,
                           const char *const *columns);
/* Replicate only the rows of 'table' that match 'condition' (a JSON array of
 * clauses, as in monitor_cond; NULL for all rows).  Takes effect at once
 * through monitor_cond_change when connected; rows that leave the condition
 * are removed from the replica (and reported as deleted).  Setting a
 * condition does not make a table replicated: for a table that is not, it
 * waits for ovsdb_client_add_table(). */
int ovsdb_client_set_condition(struct ovsdb_client *, const char *table,
                               const json_t *condition);

/* State. */
bool ovsdb_client_is_synced(const struct ovsdb_client *);
/* The remote in use ("tcp:127.0.0.1:6641"), or NULL when not connected;
 * borrowed, valid until the next callback. */
const char *ovsdb_client_get_remote(const struct ovsdb_client *);
/* Why the last connection attempt failed ("tcp:IP:PORT: Connection
 * refused"), or NULL once synced; borrowed, valid until the next callback. */
const char *ovsdb_client_get_last_error(const struct ovsdb_client *);
/* Borrowed; NULL until the schema is known. */
const struct ovsdb_db *ovsdb_client_get_db(const struct ovsdb_client *);
const struct ovsdb_table *ovsdb_client_get_table(const struct ovsdb_client *,
                                                 const char *name);
/* The row with 'uuid' in 'table', or NULL (borrowed, valid until the next
 * callback of the loop). */
const struct ovsdb_row *ovsdb_client_get_row(const struct ovsdb_client *,
                                             const char *table,
                                             const struct uuid *);

struct ovsdb_client_stats {
    unsigned long long n_connects;      /* Successful connections. */
    unsigned long long n_syncs;         /* Initial syncs completed. */
    unsigned long long rows_received;   /* Row updates received, all kinds. */
    unsigned long long n_resumed;       /* Resyncs that monitor_cond_since
                                         * answered with found=true. */
    const char *method;                 /* "monitor_cond_since", ... */
};
void ovsdb_client_get_stats(const struct ovsdb_client *, struct ovsdb_client_stats *);

/* Change tracking. */
enum ovsdb_client_change_kind {
    OVSDB_CLIENT_INSERTED,
    OVSDB_CLIENT_MODIFIED,
    OVSDB_CLIENT_DELETED
};
/* 'row' is the current row, or for a deletion its last contents (valid until
 * ovsdb_client_clear_changes()).  'changed' is a bitmap of column indexes
 * (see db.h) for a modification, else NULL. */
typedef void ovsdb_client_change_func(void *aux, enum ovsdb_client_change_kind,
                                      const struct ovsdb_row *row,
                                      const unsigned long *changed);
/* Calls 'func' for each row of 'table' changed since the last clear (an
 * insert then a modify is one insert; an insert then a delete is nothing).
 * Returns how many. */
size_t ovsdb_client_get_changes(const struct ovsdb_client *, const char *table,
                                ovsdb_client_change_func *func, void *aux);
void ovsdb_client_clear_changes(struct ovsdb_client *);

/* Transactions. */
enum ovsdb_client_txn_status {
    OVSDB_CLIENT_TXN_INCOMPLETE,    /* Not answered yet. */
    OVSDB_CLIENT_TXN_SUCCESS,
    OVSDB_CLIENT_TXN_TRY_AGAIN,
    OVSDB_CLIENT_TXN_ERROR
};
const char *ovsdb_client_txn_status_to_string(enum ovsdb_client_txn_status);

/* Returns a new, empty transaction; free it with ovsdb_client_txn_destroy()
 * (which also forgets a commit in flight: its answer is then ignored). */
struct ovsdb_client_txn *ovsdb_client_txn_create(struct ovsdb_client *);
void ovsdb_client_txn_destroy(struct ovsdb_client_txn *);
/* Inserts a row of 'table' with the columns of 'row' (an RFC 7047 <row>
 * object; taken).  Returns the row's NAME (borrowed, valid while 'txn'
 * lives): refer to the row as ["named-uuid", NAME] within the transaction,
 * and ovsdb_client_txn_get_insert_uuid() gives its UUID once committed. */
const char *ovsdb_client_txn_insert(struct ovsdb_client_txn *, const char *table,
                                    json_t *row);
/* Sets the columns of 'row' (taken) in the row 'uuid' of 'table'. */
int ovsdb_client_txn_update(struct ovsdb_client_txn *, const char *table,
                            const struct uuid *, json_t *row);
/* Adds ('add' true) or removes elements of set or map column 'column':
 * 'value' (taken) is a <set> or <map>, or for a removal from a map also a
 * set of keys. */
int ovsdb_client_txn_mutate(struct ovsdb_client_txn *, const char *table,
                            const struct uuid *, const char *column, bool add,
                            json_t *value);
int ovsdb_client_txn_delete(struct ovsdb_client_txn *, const char *table,
                            const struct uuid *);
/* The commit is to fail with TRY_AGAIN unless 'column' of the row is still
 * what the replica holds now (or the row exists at all, when 'column' is
 * NULL).  -EINVAL for a column that is not replicated, -ENOENT for a row
 * not in the replica. */
int ovsdb_client_txn_verify(struct ovsdb_client_txn *, const char *table,
                            const struct uuid *, const char *column);
void ovsdb_client_txn_add_comment(struct ovsdb_client_txn *, const char *comment);
/* Appends any RFC 7047 operation 'op' (taken), for callers that compute
 * their operations themselves. */
void ovsdb_client_txn_add_op(struct ovsdb_client_txn *, json_t *op);
/* Sends the transaction.  'done' (optional) runs once it is answered. */
typedef void ovsdb_client_txn_done_func(void *aux, struct ovsdb_client_txn *);
int ovsdb_client_txn_commit(struct ovsdb_client_txn *,
                            ovsdb_client_txn_done_func *done, void *aux);
enum ovsdb_client_txn_status ovsdb_client_txn_get_status(const struct ovsdb_client_txn *);
/* The server's error ("constraint violation: ..."), or NULL; borrowed. */
const char *ovsdb_client_txn_get_error(const struct ovsdb_client_txn *);
/* The UUID the server gave to the row inserted as 'name' (after SUCCESS). */
bool ovsdb_client_txn_get_insert_uuid(const struct ovsdb_client_txn *,
                                      const char *name, struct uuid *);

/* Runs the event loop until 'txn' is answered (blocking helper for tools
 * and tests) and returns its status. */
enum ovsdb_client_txn_status ovsdb_client_txn_commit_block(struct ovsdb_client_txn *);
/* Runs the loop until the client is synced or 'timeout_ms' passes. */
bool ovsdb_client_wait_synced(struct ovsdb_client *, int timeout_ms);

/* The retry helper: calls 'build' to fill a new transaction from the
 * replica, commits it, and on TRY_AGAIN waits for the replica to be synced
 * and does it again, up to 'max_tries' times.  'build' returns false to give
 * up (nothing to do).  'done' (optional) sees the last transaction before it
 * is freed, unless it ended in TRY_AGAIN (to read inserted UUIDs).  Returns
 * the last status (SUCCESS if 'build' gave up).  If 'errorp' is nonnull it
 * gets a copy of the error text (free it). */
typedef bool ovsdb_client_txn_build_func(void *aux, struct ovsdb_client_txn *);
enum ovsdb_client_txn_status ovsdb_client_transact_retry(
    struct ovsdb_client *, ovsdb_client_txn_build_func *build,
    ovsdb_client_txn_done_func *done, void *aux, int max_tries, char **errorp);

/* Locks (RFC 7047 §4.1.8-10): asks for lock 'name' ('steal' takes it from
 * its owner); the 'lock' callback says when it is held or lost.  Locks are
 * asked for again after a reconnection. */
int ovsdb_client_lock(struct ovsdb_client *, const char *name, bool steal);
int ovsdb_client_unlock(struct ovsdb_client *, const char *name);
bool ovsdb_client_has_lock(const struct ovsdb_client *, const char *name);

#endif /* ovsdb/client.h */
