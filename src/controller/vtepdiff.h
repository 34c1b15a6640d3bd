/* vtepdiff: the difference between what one VTEP should hold (a
 * 'struct desired_vtep', desired.h) and what its hardware_vtep database
 * holds (a client replica), as the RFC 7047 operations of one transaction,
 * sans I/O.
 *
 * What seamd owns on a VTEP, and so may change or delete:
 *  - Logical_Switch rows that carry other_config:seam-network (set on every
 *    switch seamd creates), and switches named like a desired network,
 *    which are adopted (marked) rather than created twice;
 *  - in those switches: every Ucast_Macs_Remote, the Mcast_Macs_Remote
 *    "unknown-dst", and the Physical_Port.vlan_bindings that point to them;
 *  - when such a switch is no longer desired, also its Ucast/Mcast_Macs_Local
 *    rows (the VTEP's own, which would otherwise keep it alive).
 * Everything else is left alone: a binding of a VLAN to a switch seamd does
 * not own is reported as a conflict, never overwritten.
 *
 * Rows that are right are never touched: a switch, a remote MAC or a
 * binding is updated in place (tunnel_key, locator, ipaddr) rather than
 * deleted and inserted again, so that a controller restart or a resync
 * costs no traffic.  Remote MACs whose locator is one of the 'keep' tunnel
 * IPs (VTEPs whose learned MACs are not known right now, e.g. their session
 * is down) are not deleted.
 *
 * Physical_Locator and Physical_Locator_Set rows are reused when the
 * replica has them (same IP; same set of IPs) and created in the same
 * transaction otherwise; both are non-root and vanish when unreferenced. */
#ifndef SEAM_CONTROLLER_VTEPDIFF_H
#define SEAM_CONTROLLER_VTEPDIFF_H 1

#include <jansson.h>
#include <stddef.h>

struct desired_binding;
struct desired_vtep;
struct ovsdb_db;

/* The other_config key that marks seamd's Logical_Switch rows. */
#define VTEPDIFF_OWNER_KEY "seam-network"
/* seamd's switches answer ARP for the IPs of their remote MACs locally
 * (seam-vtep's other_config:arp-suppress; other VTEPs ignore the key).  A
 * value an operator set is left as it is. */
#define VTEPDIFF_ARP_SUPPRESS_KEY "arp-suppress"

/* A desired binding that cannot be applied. */
struct vtepdiff_problem {
    const struct desired_binding *binding;  /* Borrowed from the desired. */
    char *text;                             /* Owned. */
};

struct vtepdiff_result {
    json_t *ops;                    /* RFC 7047 operations; [] if in sync. */
    size_t n_changes;               /* Rows inserted, updated or deleted. */
    struct vtepdiff_problem *problems;
    size_t n_problems;
};

/* Limits a diff to the switches named in 'names' (of seamd's, desired or
 * not): their rows, remote MACs, flooding and the bindings to them.  A
 * diff without a scope covers every switch. */
struct vtepdiff_scope {
    const char *const *names;
    size_t n;
};

/* Computes what turns 'vtep' (the hardware_vtep database of the VTEP named
 * 'vtep_name') into 'want' (NULL: the VTEP should hold nothing of seamd's)
 * into 'result' (free its contents with vtepdiff_result_destroy()).
 * 'keep' holds 'n_keep' tunnel IPs whose remote MACs must not be deleted.
 * 'scope' (NULL: all) limits it to some switches. */
void vtepdiff_compute(const struct ovsdb_db *vtep, const char *vtep_name,
                      const struct desired_vtep *want,
                      const char *const *keep, size_t n_keep,
                      const struct vtepdiff_scope *scope,
                      struct vtepdiff_result *result);
void vtepdiff_result_destroy(struct vtepdiff_result *);

#endif /* controller/vtepdiff.h */
