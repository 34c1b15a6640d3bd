/* vtep dp: seam-vtep's datapath thread.  It polls the physical ports
 * (port_io) and the VXLAN endpoint (vxlan_io), runs each burst of up to 32
 * frames through the forwarding pipeline (pipeline.h) against the snapshot
 * the control thread published, and sends the resulting actions in bursts.
 * It also ages learned MACs and counts traffic per (port, VLAN) for the
 * Logical_Binding_Stats the control thread writes.
 *
 * Port indexes are those of the snapshot's configuration: the control
 * thread builds its configurations with the ports in the order given to
 * vtep_dp_create() (see vtep_dp_port_names()). */
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

struct vtep_dp_options {
    const char *const *ports;           /* Interface names. */
    size_t n_ports;
    struct in_addr tunnel_ip;           /* Bound for VXLAN RX. */
    uint16_t vxlan_port;                /* Host order; 0: 4789. */
    uint32_t max_macs;                  /* Learned MACs; 0: 65536. */
    bool routed_tx;                     /* VXLAN TX through the kernel's IPv4
                                         * routing only (no direct Ethernet
                                         * TX to a cached neighbour). */
};

/* Opens the ports and the VXLAN endpoint; returns 0 and a new datapath in
 * '*dpp' (not running yet), or -errno with a message logged. */
int vtep_dp_create(const struct vtep_dp_options *, struct vtep_fwd_publisher *,
                   struct vtep_dp **dpp) WARN_UNUSED;
/* Starts the thread.  Returns 0 or -errno. */
int vtep_dp_start(struct vtep_dp *) WARN_UNUSED;
/* Stops and joins the thread, then frees everything (NULL is a no-op). */
void vtep_dp_destroy(struct vtep_dp *);

/* The pipeline's learn-event ring (the control thread pops it). */
struct vtep_ring *vtep_dp_ring(struct vtep_dp *);
/* Counters, readable from another thread (slightly stale). */
const struct vtep_pipeline_stats *vtep_dp_pipeline_stats(const struct vtep_dp *);
bool vtep_dp_port_is_up(const struct vtep_dp *, size_t port);

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
