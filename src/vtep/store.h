/* vtep store: the hardware_vtep database seam-vtep works on, one of
 *   - embedded: a database file served by seam's OVSDB server (server.h)
 *     on the --remote listeners and the remotes of Global.managers, watched
 *     by an internal monitor;
 *   - external: a client replica (client.h) of an ovsdb-server at
 *     --db-remote.
 * Either way the control thread reads a 'struct ovsdb_db' and writes with
 * vtep_store_run_ops(); the store says when something that the forwarding
 * configuration is built from changed (not the datapath's own outputs:
 * db.h's vtep_db_is_datapath_output()), and when the rows this VTEP keeps
 * must be checked again (a replica resynced).
 *
 * Errors: creators return 0 or -errno after logging why.  One thread. */
#ifndef SEAM_VTEP_STORE_H
#define SEAM_VTEP_STORE_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"

struct daemon_ssl;
struct event_base;
struct ovsdb_db;
struct vtep_store;

struct vtep_store_callbacks {
    /* The configuration's rows changed (or a transaction failed: compute
     * the rows again). */
    void (*changed)(void *aux);
    /* The replica (re)synced: rows this VTEP keeps may be missing. */
    void (*resynced)(void *aux);
};

/* Opens (creating it from 'schema' if missing) the database file 'path'
 * and serves it on 'remotes' ('n_remotes' names: punix:, ptcp:, pssl:,
 * tcp:, ssl:) and on the remotes Global.managers names, with 'ssl's
 * contexts (borrowed, must outlive the store).  Returns 0 and a new store
 * in '*storep' (free it with vtep_store_destroy()), or -errno. */
int vtep_store_open_embedded(struct event_base *, const char *path,
                             const char *schema, const char *const *remotes,
                             size_t n_remotes, const struct daemon_ssl *ssl,
                             const struct vtep_store_callbacks *, void *aux,
                             struct vtep_store **storep) WARN_UNUSED;
/* Follows the hardware_vtep database of the ovsdb-server at 'remote'. */
int vtep_store_open_external(struct event_base *, const char *remote,
                             const struct daemon_ssl *ssl,
                             const struct vtep_store_callbacks *, void *aux,
                             struct vtep_store **storep) WARN_UNUSED;
/* Closes everything.  NULL is a no-op. */
void vtep_store_destroy(struct vtep_store *);

/* The database now (borrowed, valid until the loop runs again), or NULL
 * while an external replica has not synced. */
const struct ovsdb_db *vtep_store_db(const struct vtep_store *);

/* Runs the operations 'ops' (taken) as one transaction: at once on the
 * embedded database, asynchronously through the client (dropped while it
 * is not synced).  A failure is logged (rate limited, naming 'what') and
 * reported as a change, so that the caller computes its rows again. */
void vtep_store_run_ops(struct vtep_store *, json_t *ops, const char *what);

#endif /* vtep/store.h */
