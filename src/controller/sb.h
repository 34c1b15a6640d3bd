/* sb: seamd's southbound sessions, one per VTEP, each a client-library
 * replica (ovsdb/client.h) of that VTEP's hardware_vtep database.
 *
 * A VTEP with a target ("tcp:IP:PORT", "ssl:IP:PORT") is dialed, and dialed
 * again after a loss (backoff capped at 0.5 s, so that a restarted VTEP is
 * reprogrammed quickly).  A VTEP without one is passive: seamd listens on
 * the configured remotes ("ptcp:6640", "pssl:6640:IP"), and a VTEP whose
 * Manager row dials in is matched to its session, once its replica is
 * synced, by the name of a Physical_Switch it holds.  A connection that
 * matches no VTEP yet is kept (and matched when the VTEP row appears); a new
 * connection of the same VTEP replaces the old one.
 *
 * Everything runs in the event loop given to sb_create(); the 'changed'
 * callback tells the owner (the reconciler) that a replica or a session's
 * state changed.  Replicas may be read between two callbacks.  The
 * sessions do no writes of their own.
 *
 * Errors: 0 or -errno. */
#ifndef SEAM_CONTROLLER_SB_H
#define SEAM_CONTROLLER_SB_H 1

#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"

struct event_base;
struct ovsdb_client;
struct ovsdb_db;
struct sb;
struct sb_session;
typedef struct ssl_ctx_st SSL_CTX;

struct sb_options {
    const char *const *listen;      /* Passive remotes, NULL-terminated. */
    SSL_CTX *ssl_server;            /* For pssl: (borrowed). */
    SSL_CTX *ssl_client;            /* For ssl: targets (borrowed). */
    int probe_ms;                   /* Inactivity probe; 0 off. */
};

/* What changed about a session (a bitmap). */
enum {
    SB_CHANGED_STATE = 1 << 0,      /* Synced, lost, replaced. */
    SB_CHANGED_DESIRED = 1 << 1,    /* Rows desired.c reads (learned MACs,
                                     * ports, tunnel IPs, switches). */
    SB_CHANGED_OWNED = 1 << 2       /* Rows of the tables seamd writes. */
};

struct sb_callbacks {
    /* Something changed about the session of VTEP 'vtep': 'what' is a
     * bitmap of SB_CHANGED_*. */
    void (*changed)(void *aux, const char *vtep, unsigned int what);
};

/* Whether the rows of hardware_vtep table 'table' of a VTEP feed the
 * desired state of others (learned MACs, tunnel IPs, port names). */
bool sb_table_feeds_desired(const char *table);

/* One VTEP the sessions should follow. */
struct sb_vtep {
    const char *name;               /* Its Physical_Switch name. */
    const char *target;             /* NULL or "": it dials in. */
};

/* Opens the listeners of 'opts' and returns 0 and a new sb in '*sbp' (free
 * it with sb_destroy()), or -EINVAL after logging which remote name is bad.
 * A listener that cannot open (address in use: the seamd that was active
 * before, on the same host) is logged and tried again every second. */
int sb_create(struct event_base *, const struct sb_options *,
              const struct sb_callbacks *, void *aux, struct sb **sbp) WARN_UNUSED;
/* Closes every session and listener.  NULL is a no-op. */
void sb_destroy(struct sb *);

/* Makes the sessions those of the 'n' VTEPs of 'vteps': new VTEPs get a
 * session, removed ones lose theirs, a changed target reconnects. */
void sb_set_vteps(struct sb *, const struct sb_vtep *vteps, size_t n);

/* The session of VTEP 'name', or NULL (borrowed, valid until the next
 * sb_set_vteps()). */
struct sb_session *sb_find(const struct sb *, const char *name);

/* The session's replica if it is synced, else NULL (borrowed, valid until
 * the next callback). */
const struct ovsdb_db *sb_session_db(const struct sb_session *);
/* The client to write through (synced sessions), else NULL. */
struct ovsdb_client *sb_session_client(const struct sb_session *);
bool sb_session_is_synced(const struct sb_session *);
/* "connected" (synced), "connecting" or "disconnected" (a passive session
 * that nobody dialed). */
const char *sb_session_state(const struct sb_session *);
/* Why the session is not synced ("tcp:IP:PORT: Connection refused"), or
 * NULL; borrowed, valid until the next callback. */
const char *sb_session_error(const struct sb_session *);
/* The peer's address ("tcp:10.0.0.1:6640"), or NULL. */
const char *sb_session_remote(const struct sb_session *);
/* The target it dials (as given to sb_set_vteps()), or NULL if passive. */
const char *sb_session_target(const struct sb_session *);

#endif /* controller/sb.h */
