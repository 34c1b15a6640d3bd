/* vtep dp: seam-vtep's datapath thread.  It polls the physical ports
 * (port_io) and the VXLAN endpoint (vxlan_io), runs each burst of up to 32
 * frames through the forwarding pipeline (pipeline.h) against the snapshot
 * the control thread published, and sends the resulting actions in bursts.
 * It also ages learned MACs and counts traffic per (port, VLAN) for the
 * Logical_Binding_Stats the control thread writes.
 *
 * Port indexes are those of the snapshot's configuration: the control
 * thread builds its configurations with each port at the index of the slot
 * it gave it (vtep_dp_set_port()).
 *
 * A port whose socket breaks (its interface deleted: the kernel reports
 * POLLERR for ever after) is taken out of the poll set at once, so that a
 * vanished interface costs no CPU; the control thread, which follows the
 * interfaces through netlink, replaces or empties the slot. */
#ifndef SEAM_VTEP_DP_H
#define SEAM_VTEP_DP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "lib/util.h"

struct vtep_dp;
struct vtep_fwd_publisher;
struct vtep_ring;
struct vtep_pipeline_stats;

/* Physical ports are slots 0 .. VTEP_DP_MAX_PORTS - 1, filled and emptied
 * by the control thread while the datapath runs (an interface that
 * vanishes and comes back, a tap that Nova creates).  A slot's index is the
 * port index of the snapshots' configurations. */
#define VTEP_DP_MAX_PORTS 1024

struct vtep_dp_options {
    struct in_addr tunnel_ip;           /* Bound for VXLAN RX. */
    uint16_t vxlan_port;                /* Host order; 0: 4789. */
    uint32_t max_macs;                  /* Learned MACs; 0: 65536. */
    bool routed_tx;                     /* VXLAN TX through the kernel's IPv4
                                         * routing only (no direct Ethernet
                                         * TX to a cached neighbour). */
};

/* Opens the VXLAN endpoint; returns 0 and a new datapath in '*dpp' (no
 * ports, not running yet), or -errno with a message logged. */
int vtep_dp_create(const struct vtep_dp_options *, struct vtep_fwd_publisher *,
                   struct vtep_dp **dpp) WARN_UNUSED;
/* Starts the thread.  Returns 0 or -errno. */
int vtep_dp_start(struct vtep_dp *) WARN_UNUSED;
/* Stops and joins the thread, then closes every port and frees everything
 * (NULL is a no-op). */
void vtep_dp_destroy(struct vtep_dp *);

/* Control thread: makes 'port' (a port_io.h port, taken; NULL: none) the
 * port of slot 'slot' (< VTEP_DP_MAX_PORTS); if 'fresh', it is not the port
 * the slot had before (its traffic counters start from 0).  The datapath thread takes it
 * at its next turn (woken if asleep); the port it replaces is closed by
 * the control thread in a later vtep_dp_run(), once the datapath let go.
 * Frames queued to an empty slot are dropped. */
struct port_io;
void vtep_dp_set_port(struct vtep_dp *, size_t slot, struct port_io *port,
                      bool fresh);
/* Control thread: the port last set in 'slot' (borrowed, valid until the
 * next vtep_dp_set_port() of that slot), or NULL. */
struct port_io *vtep_dp_get_port(const struct vtep_dp *, size_t slot);
/* Control thread: closes the ports the datapath thread has let go of;
 * returns how many still wait for it. */
size_t vtep_dp_run(struct vtep_dp *);
/* Whether the datapath thread found the socket of 'slot' broken (the
 * interface went away: POLLERR) and stopped polling it until the slot is
 * set again. */
bool vtep_dp_port_is_broken(const struct vtep_dp *, size_t slot);

/* LLDP (lldp_agent.h): frames received to the LLDP group address
 * 01:80:c2:00:00:0e are never forwarded; the datapath thread hands them to
 * the control thread over this ring (it pops them; a full ring drops and
 * counts).  vtep_dp_lldp_send() queues a frame (copied) to send out of the
 * port of 'slot' and wakes the datapath thread; false if the ring is full.
 * vtep_dp_destroy() sends what is still queued before it closes the ports
 * (the shutdown LLDPDUs of a clean exit). */
struct lldp_ring;
struct lldp_ring *vtep_dp_lldp_rx(struct vtep_dp *);
bool vtep_dp_lldp_send(struct vtep_dp *, size_t slot, const void *frame,
                       size_t size);

/* The pipeline's learn-event ring (the control thread pops it). */
struct vtep_ring *vtep_dp_ring(struct vtep_dp *);
/* Counters, readable from another thread (slightly stale). */
const struct vtep_pipeline_stats *vtep_dp_pipeline_stats(const struct vtep_dp *);

/* Traffic of the binding (port, vlan) since start: frames/bytes received on
 * the port ("from local") and sent to it ("to local"). */
struct vtep_dp_binding_counts {
    uint64_t packets_from_local, bytes_from_local;
    uint64_t packets_to_local, bytes_to_local;
};
/* Appends the datapath's counters to 'out' as text (ovs-appctl's dp/show):
 * the pipeline's, with its drops by reason, each port's and the VXLAN
 * endpoint's.  Control thread only (it folds in the kernel's ring drop
 * counts); the figures are read while the datapath runs. */
struct ds;
void vtep_dp_format_stats(struct vtep_dp *, struct ds *out);

void vtep_dp_binding_counts(const struct vtep_dp *, size_t port, uint16_t vlan,
                            struct vtep_dp_binding_counts *);

#endif /* vtep/dp.h */
