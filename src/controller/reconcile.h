/* reconcile: seamd's southbound.  Turns the intent in the northbound
 * database (seam_nb, see schemas/seam_nb.ovsschema and docs/seamd.md) into
 * hardware_vtep rows on every VTEP, and the VTEPs' state (sessions, learned
 * MACs, refused transactions) back into the northbound status columns.
 *
 * One southbound session per VTEP row of the NB: active (seamd dials the
 * VTEP row's 'target', "tcp:"/"ssl:") or passive (seamd listens on the
 * configured "ptcp:"/"pssl:" remotes; a VTEP whose Manager dials in is
 * matched to its NB row by Physical_Switch name).  Each session keeps a
 * client-library replica of that VTEP's hardware_vtep (sb.c).  For each VTEP
 * the reconciler computes the desired rows and sends only the difference
 * (reconcile.c).
 *
 * The reconciler owns the change tracking of the NB client it is given
 * (it calls ovsdb_client_get_changes()/ovsdb_client_clear_changes());
 * nobody else may clear it.
 *
 * Errors: functions that can fail return 0 or -errno. */
#ifndef SEAM_CONTROLLER_RECONCILE_H
#define SEAM_CONTROLLER_RECONCILE_H 1

#include <stdbool.h>
#include "lib/util.h"

struct event_base;
struct ovsdb_client;
struct reconcile;
struct topo_mappings;
typedef struct ssl_ctx_st SSL_CTX;

struct reconcile_options {
    /* Passive southbound remotes ("ptcp:6640", "pssl:6640:IP"),
     * NULL-terminated; NULL or empty for none. */
    const char *const *listen;
    SSL_CTX *ssl_server;            /* For pssl: (borrowed, may be NULL). */
    SSL_CTX *ssl_client;            /* For ssl: targets (borrowed). */
    int probe_ms;                   /* Inactivity probe per session; 0 off. */
    /* NIC -> physical network per host, for the host links seamd derives
     * from the VTEPs' LLDP neighbours (topo.h); borrowed, NULL: none. */
    const struct topo_mappings *device_mappings;
};

/* Returns a new reconciler working from 'nb' (a synced or syncing client of
 * the seam_nb database, borrowed: it must outlive the reconciler), or NULL
 * after logging why (a listener that cannot open).  It starts inactive:
 * nothing is dialed, listened or written until reconcile_set_active(). */
struct reconcile *reconcile_create(struct event_base *, struct ovsdb_client *nb,
                                   const struct reconcile_options *) WARN_UNUSED;
/* Closes every session and listener and frees 'r'.  NULL is a no-op. */
void reconcile_destroy(struct reconcile *r);

/* seamd is (or stops being) the active controller (it holds the NB lock,
 * or runs alone).  Only the active one opens sessions and writes. */
void reconcile_set_active(struct reconcile *r, bool active);

/* Whether VTEP 'vtep' has Physical_Port 'port', as its session knows: 1
 * yes, 0 no, -1 unknown (not active, no session or not synced, or its
 * database serves no Physical_Switch of that name).  The shape of
 * api_port_known_func (api.h), 'r' being its aux. */
int reconcile_port_known(void *r, const char *vtep, const char *port);

/* The NB replica changed: call from the NB client's 'changed' callback. */
void reconcile_nb_changed(struct reconcile *r);

#endif /* controller/reconcile.h */
