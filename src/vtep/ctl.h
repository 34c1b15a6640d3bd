/* vtep ctl: seam-vtep's control thread, everything but the datapath.
 *
 * It owns the database side (store.h: embedded server or client replica),
 * the datapath (dp.h), the ports and the interfaces they follow (ports.h,
 * ifmon.h) and the ovs-appctl commands, and does, when due:
 *   - rebuild: the database changed -> a configuration (db.c), a snapshot
 *     published to the datapath (fwd.c), and the rows that follow from it
 *     (Mcast_Macs_Local unknown-dst, Tunnel); at most every 20 ms;
 *   - ports: the interfaces changed (netlink) -> sockets reopened on
 *     interfaces that came back, closed on those gone, taps added and
 *     removed (Physical_Port rows);
 *   - learned MACs from the datapath's ring -> Ucast_Macs_Local, every 50 ms;
 *   - statistics and faults -> Logical_Binding_Stats, port_fault_status,
 *     switch_fault_status, every 3 s.
 *
 * The caller's loop (main.c), as ovs-vswitchd's:
 *     while (!exiting) {
 *         vtep_ctl_run(ctl);           -- the work that is due
 *         vtep_ctl_wait(ctl);          -- a wake-up at the next deadline
 *         event_base_loop(base, EVLOOP_ONCE);   -- sockets, timers, signals
 *     }
 * Callbacks of the loop only record what happened; run() acts on it.
 *
 * Errors: vtep_ctl_create() returns 0 or -errno after logging why. */
#ifndef SEAM_VTEP_CTL_H
#define SEAM_VTEP_CTL_H 1

#include <stdbool.h>
#include "lib/util.h"

struct daemon_ssl;
struct event_base;
struct vtep_ctl;
struct vtep_options;

/* Opens the datapath (the VXLAN endpoint and a socket per port), the
 * database ('opts->db' served embedded, or 'opts->db_remote' followed),
 * the interface monitor and the control socket 'opts->unixctl', on 'base',
 * and starts the datapath thread.  'opts' and 'ssl' are borrowed and must
 * outlive the control thread.  Returns 0 and a new one in '*ctlp' (free it
 * with vtep_ctl_destroy()), or -errno. */
int vtep_ctl_create(struct event_base *base, const struct vtep_options *opts,
                    const struct daemon_ssl *ssl, struct vtep_ctl **ctlp)
    WARN_UNUSED;
/* Stops the datapath thread and frees everything.  NULL is a no-op. */
void vtep_ctl_destroy(struct vtep_ctl *);

/* Does the work that is due (see above). */
void vtep_ctl_run(struct vtep_ctl *);
/* Arms a wake-up of the loop for the next thing due. */
void vtep_ctl_wait(struct vtep_ctl *);
/* Whether "ovs-appctl exit" asked the daemon to stop. */
bool vtep_ctl_exiting(const struct vtep_ctl *);

#endif /* vtep/ctl.h */
