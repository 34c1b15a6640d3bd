/* ovsdb execution: the "transact" method of RFC 7047 §4.1.3 and the
 * operations of §5.2 (insert, select, update, mutate, delete, wait, commit,
 * abort, comment, assert), executed atomically on one database, and the
 * commit path every transaction takes (precommit, storage, monitors).
 * No I/O of its own: the result is JSON, and waiting is the caller's. */
#ifndef SEAM_OVSDB_EXECUTION_H
#define SEAM_OVSDB_EXECUTION_H 1

#include <jansson.h>
#include <stdbool.h>
#include "lib/util.h"

struct ovsdb_db;
struct ovsdb_error;
struct ovsdb_txn;

struct ovsdb_exec_env {
    /* For "assert": does the session hold the lock 'name'?  NULL: no. */
    bool (*has_lock)(void *aux, const char *name);
    void *aux;
};

/* Executes the operations 'ops' (the params of "transact" after the
 * database name) on 'db', 'elapsed_ms' after the request arrived.  Returns
 * true when done, with a new result array in '*resultp' (one element per
 * operation as RFC 7047 §4.1.3 says, plus one for an error at commit).
 * Returns false when a "wait" is not yet satisfied and has not timed out:
 * nothing was changed, and '*timeout_msp' holds how many more msec it may
 * wait (LLONG_MAX for ever); execute again after the next commit or then. */
bool ovsdb_execute(struct ovsdb_db *, const struct ovsdb_exec_env *,
                   const json_t *ops, long long elapsed_ms,
                   long long *timeout_msp, json_t **resultp);

/* The same, writing the result array's JSON text to 'out' (nothing when it
 * returns false).  With 'ops_are_text', each element of 'ops' is a string
 * holding one operation's JSON text (a big request read by
 * jsonparse_request()), parsed just before it runs, and each result is
 * written out as soon as it is made: a transaction of 100,000 operations
 * never holds more than one operation's JSON tree. */
struct ds;
bool ovsdb_execute_text(struct ovsdb_db *, const struct ovsdb_exec_env *,
                        const json_t *ops, bool ops_are_text, long long elapsed_ms,
                        long long *timeout_msp, struct ds *out);

/* Commits 'txn' (takes it): precommit checks, writes it to the database's
 * storage (if any; durably if asked), notifies monitors, and applies it.
 * On error, aborts it and returns the error. */
struct ovsdb_error *ovsdb_db_commit_txn(struct ovsdb_db *, struct ovsdb_txn *txn)
    WARN_UNUSED;

#endif /* ovsdb/execution.h */
