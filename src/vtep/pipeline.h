/* vtep pipeline: seam-vtep's forwarding core, sans I/O (RFC 7348 VTEP
 * semantics, vtep(5) tables).
 *
 * One pipeline per datapath thread.  The I/O layer hands it bursts of up
 * to VTEP_BURST_MAX frames, either received on a physical port (Ethernet,
 * untagged or 802.1Q-tagged) or received on the VXLAN UDP socket (the UDP
 * payload: VXLAN header + inner Ethernet frame), and gets back a batch of
 * actions, each a finished frame for one destination:
 *   - VTEP_ACTION_TO_PORT: send 'data' out physical port 'port'; the bytes
 *     already carry the binding's tag ('vlan', none for VLAN 0);
 *   - VTEP_ACTION_TO_TUNNEL: send 'data' (VXLAN header with 'vni' + inner
 *     frame, inner tag stripped) as the payload of a UDP datagram from
 *     'udp_src_port' (a hash of the inner flow, 49152..65535) to 'dst' port
 *     vxlan_port.  The I/O layer adds outer IPv4/UDP (or the kernel does).
 *
 * Rules (issue "seam-vtep"):
 *   from (port, VLAN) -> its switch -> learn the source -> destination
 *     remote unicast (tunnel to its locator; a controller-set remote entry
 *     wins over a learned MAC, as a static entry does), learned local (out
 *     that binding), or broadcast/unknown/multicast: every other local binding
 *     of the switch + the multicast MAC's locator set or the unknown-dst
 *     set (source-node replication), or one of them chosen by flow hash
 *     (service-node replication);
 *   from a tunnel: VNI -> switch -> learned local destination, else every
 *     local binding of the switch; never tunnel to tunnel (split horizon);
 *   never back out of the ingress binding;
 *   ARP suppression (per switch): an ARP request for an IPv4 address that a
 *     remote MAC entry carries is answered out of the ingress binding;
 *   malformed, truncated, double-tagged (no binding is QinQ), unbound VLAN,
 *     unknown VNI, inner-tagged VXLAN (RFC 7348 §6.1), too big for the
 *     tunnel MTU: dropped and counted by reason.
 *
 * Buffers: each input frame lives in a caller-owned buffer with at least
 * VTEP_PIPELINE_HEADROOM writable bytes before 'data' and may be rewritten
 * in place (tag pushed/popped, VXLAN header prepended).  Flooding needs
 * more than one version of a frame: the extra versions are written into
 * buffers taken from the caller's 'struct vtep_pool'; versions with the
 * same bytes share one buffer (all tunnel copies share one).  Actions point
 * into the input buffers and the pool: both must stay untouched until the
 * caller has sent the actions; then the caller resets the pool and batch.
 *
 * Cost: no malloc, lock, log or syscall per packet.  Time comes from the
 * caller (vtep_pipeline_set_time(), once per burst).  Counters live in the
 * pipeline, on their own cache lines; learned/moved/aged MACs go to the
 * control thread through a single-producer ring (ring.h). */
#ifndef SEAM_VTEP_PIPELINE_H
#define SEAM_VTEP_PIPELINE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct vtep_fwd_publisher;
struct vtep_ring;

#define VTEP_BURST_MAX 32
#define VTEP_PIPELINE_HEADROOM 8        /* Bytes before each input frame. */
#define VTEP_FRAME_MAX 9216             /* Longest frame accepted (no FCS). */
/* A pool buffer this large holds any version of any accepted frame. */
#define VTEP_POOL_BUF_MIN (VTEP_FRAME_MAX + 8)

/* An input frame: 'size' bytes at 'data'. */
struct vtep_frame {
    uint8_t *data;
    uint32_t size;
};

enum vtep_action_kind {
    VTEP_ACTION_TO_PORT,
    VTEP_ACTION_TO_TUNNEL
};

/* What happened to the 802.1Q tag on the way to a port (informational:
 * the bytes at 'data' are final). */
enum vtep_vlan_op {
    VTEP_VLAN_KEEP,                     /* Same tag (or none) as received. */
    VTEP_VLAN_PUSH,                     /* Tag added. */
    VTEP_VLAN_STRIP,                    /* Tag removed (VLAN 0 binding). */
    VTEP_VLAN_SET                       /* Tag's VID rewritten, PCP kept. */
};

struct vtep_action {
    uint8_t *data;                      /* Borrowed: input buffer or pool. */
    uint32_t size;
    uint8_t kind;                       /* enum vtep_action_kind. */
    uint8_t vlan_op;                    /* enum vtep_vlan_op (to port). */
    uint16_t vlan;                      /* To port: binding VLAN, 0 untagged. */
    uint32_t port;                      /* To port: port index. */
    struct in_addr dst;                 /* To tunnel: locator (net order). */
    uint32_t vni;                       /* To tunnel. */
    uint16_t udp_src_port;              /* To tunnel, host order. */
    uint16_t frame;                     /* Index of the input frame. */
};

/* The output batch: the caller provides 'capacity' actions (a flood makes
 * one action per copy: size it for a burst of floods, e.g. 32 x (local
 * bindings + locators)); actions beyond it are dropped (OUT_FULL). */
struct vtep_out {
    struct vtep_action *actions;
    size_t n;
    size_t capacity;
};

/* Caller-provided buffers for flood copies: 'n_bufs' buffers of 'buf_size'
 * bytes (at least VTEP_POOL_BUF_MIN for jumbo frames) at 'mem'.  The
 * pipeline takes them in order from 'n_used'; the caller sets 'n_used' back
 * to 0 once the actions are sent. */
struct vtep_pool {
    uint8_t *mem;
    size_t buf_size;
    size_t n_bufs;
    size_t n_used;
};

enum vtep_drop_reason {
    VTEP_DROP_MALFORMED,                /* Runt, truncated, oversize, VID
                                         * 4095, multicast/zero source. */
    VTEP_DROP_DOUBLE_TAG,               /* 0x88a8, or two tags. */
    VTEP_DROP_UNBOUND,                  /* (port, VLAN) bound to no switch. */
    VTEP_DROP_NO_CONFIG,                /* No snapshot published yet. */
    VTEP_DROP_BAD_VXLAN,                /* Short VXLAN header, I flag clear. */
    VTEP_DROP_UNKNOWN_VNI,
    VTEP_DROP_INNER_TAG,                /* Tagged inner frame (§6.1). */
    VTEP_DROP_MTU,                      /* Per tunnel copy: too big. */
    VTEP_DROP_SAME_BINDING,             /* Destination is the ingress
                                         * binding (hairpin). */
    VTEP_DROP_NO_DEST,                  /* Flood with nowhere to go. */
    VTEP_DROP_NO_BUFFER,                /* Per copy: pool exhausted. */
    VTEP_DROP_OUT_FULL,                 /* Per copy: batch full. */
    VTEP_DROP_N
};

/* Per-pipeline (= per-thread) counters; only the owning thread writes. */
struct vtep_pipeline_stats {
    uint64_t rx_port;                   /* Frames received on ports. */
    uint64_t rx_tunnel;                 /* VXLAN datagrams received. */
    uint64_t tx_port;                   /* Actions to ports. */
    uint64_t tx_tunnel;                 /* Actions to tunnels. */
    uint64_t flood_copies;              /* Actions made by flooding. */
    uint64_t arp_replies;               /* ARP requests answered locally. */
    uint64_t learned, moved, aged;      /* Learn events. */
    uint64_t learn_full;                /* MACs not learned: table full. */
    uint64_t drops[VTEP_DROP_N];
};

struct vtep_pipeline_params {
    uint32_t fdb_max_entries;           /* Learned MACs (default 65536). */
    uint32_t ring_size;                 /* Learn events (default 4096). */
};

/* Returns a new pipeline reading snapshots from 'pub' and registered with it
 * as a datapath thread (online); 'params' may be NULL for the defaults.
 * Free it with vtep_pipeline_destroy() (NULL is a no-op) before 'pub'. */
struct vtep_pipeline *vtep_pipeline_create(
    struct vtep_fwd_publisher *pub, const struct vtep_pipeline_params *params)
    __attribute__((warn_unused_result));
void vtep_pipeline_destroy(struct vtep_pipeline *);

/* Sets the pipeline's clock (monotonic msec), for learning and aging. */
void vtep_pipeline_set_time(struct vtep_pipeline *, uint64_t now_ms);

/* Processes 'frames[0 .. n)' (n capped at VTEP_BURST_MAX) received on
 * physical port 'port', appending actions to 'out' and taking copy buffers
 * from 'pool'.  Returns the number of frames handled. */
size_t vtep_pipeline_run_from_port(struct vtep_pipeline *, uint32_t port,
                                   struct vtep_frame frames[], size_t n,
                                   struct vtep_pool *pool,
                                   struct vtep_out *out);

/* Same for VXLAN UDP payloads, from any remote VTEPs: which one sent a
 * frame does not matter (remote MACs come from the database, not from
 * learning on tunnels). */
size_t vtep_pipeline_run_from_tunnel(struct vtep_pipeline *,
                                     struct vtep_frame frames[], size_t n,
                                     struct vtep_pool *pool,
                                     struct vtep_out *out);

/* Ages learned MACs: visits up to 'budget' table slots (an incremental
 * sweep; call it periodically, e.g. every second with a budget of a few
 * thousand) and removes MACs idle for the snapshot's mac_aging_s, pushing
 * an AGED event for each.  Returns the number removed. */
size_t vtep_pipeline_age(struct vtep_pipeline *, size_t budget);

/* The datapath thread is about to block (poll) / is back: see fwd.h. */
void vtep_pipeline_offline(struct vtep_pipeline *);
void vtep_pipeline_online(struct vtep_pipeline *);

/* The learn event ring; the control thread is its consumer.  Borrowed,
 * valid until vtep_pipeline_destroy(). */
struct vtep_ring *vtep_pipeline_ring(struct vtep_pipeline *);

/* The counters; borrowed, valid until vtep_pipeline_destroy().  Read from
 * another thread they may be slightly stale. */
const struct vtep_pipeline_stats *vtep_pipeline_stats(
    const struct vtep_pipeline *);

/* Name of drop reason 'r' ("malformed", "double_tag", ...). */
const char *vtep_drop_reason_name(enum vtep_drop_reason r);

#endif /* vtep/pipeline.h */
