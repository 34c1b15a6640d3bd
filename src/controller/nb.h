/* nb: seamd's northbound database connection.  By default seamd embeds
 * seam's OVSDB server serving the NB file (<state_dir>/seam_nb.db, created
 * from the schema when absent) on a unix socket in the run dir
 * (<run_dir>/seamd-nb.sock, plus any --nb-remote), and its own client
 * connects to that socket: one code path for the embedded and the
 * external (--nb=REMOTES, e.g. a Raft cluster of ovsdb-server) cases.
 *
 * The client asks for the OVSDB lock "seamd": the seamd holding it is the
 * active one (nb_is_active()); the others are standbys that take over when
 * the lock is released (the holder's session dies).
 *
 * Errors: nb_create() returns NULL with a new message in '*errorp'. */
#ifndef SEAM_CONTROLLER_NB_H
#define SEAM_CONTROLLER_NB_H 1

#include <stdbool.h>
#include "lib/util.h"

struct event_base;
struct nb;
struct ovsdb_client;
struct ovsdb_db;
struct seamd_config;

struct nb_callbacks {
    void (*changed)(void *aux);             /* The replica changed. */
    void (*active)(void *aux, bool active); /* Got or lost the lock. */
};

/* Returns a new NB connection on 'base' for 'cfg' (borrowed for the call);
 * free it with nb_destroy(). */
struct nb *nb_create(struct event_base *base, const struct seamd_config *cfg,
                     const struct nb_callbacks *, void *aux, char **errorp)
    WARN_UNUSED;
void nb_destroy(struct nb *);

/* Borrowed, valid for the nb's life. */
struct ovsdb_client *nb_get_client(const struct nb *);
/* The replica (borrowed; NULL until the schema is known). */
const struct ovsdb_db *nb_get_db(const struct nb *);
bool nb_is_synced(const struct nb *);
bool nb_is_active(const struct nb *);
/* The remote the client uses, or NULL. */
const char *nb_get_remote(const struct nb *);

#endif /* controller/nb.h */
