/* vtep dp: see dp.h. */
#include "vtep/dp.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "lib/ds.h"
#include "lib/log.h"
#include "vtep/fwd.h"
#include "vtep/lldp_ring.h"
#include "vtep/pkt.h"
#include "vtep/pipeline.h"
#include "vtep/port_io.h"
#include "vtep/vxlan_io.h"

LOG_MODULE(dp);

#define AGE_INTERVAL_MS 1000
#define AGE_BUDGET 8192
/* A flood copies a frame once per local binding and locator: room for a
 * whole burst of floods to 32 destinations. */
#define MAX_ACTIONS (VTEP_BURST_MAX * 32)
#define POOL_BUFS (VTEP_BURST_MAX * 4)
#define POOL_STRIDE ((VTEP_POOL_BUF_MIN + 63) & ~63)
#define LLDP_RX_SLOTS 64                /* LLDPDUs to the control thread. */
#define LLDP_TX_SLOTS 256               /* LLDPDUs from it. */

enum { C_PKT_FROM, C_BYTES_FROM, C_PKT_TO, C_BYTES_TO, N_COUNTS };

/* One port slot.  Allocated by the control thread the first time the slot
 * is set and kept until vtep_dp_destroy(), so that counters survive an
 * interface that goes and comes back. */
struct dp_port {
    /* Datapath thread only. */
    struct port_io *io;             /* NULL: empty slot. */
    bool broken;                    /* POLLERR seen: not polled any more. */
    struct port_io_frame tx[MAX_ACTIONS];   /* Queued this burst. */
    size_t n_tx;

    /* Written by the datapath thread, read by the control thread. */
    _Atomic bool broken_seen;       /* 'broken', for the control thread. */
    uint64_t counts[VTEP_FWD_VLANS * N_COUNTS];   /* [vlan][N_COUNTS]. */

    /* Control thread only. */
    struct port_io *ctl_io;         /* Last set: what the datapath holds or
                                     * will hold. */
};

/* A change of slot for the datapath thread. */
struct dp_cmd {
    size_t slot;
    struct port_io *io;
    bool fresh;                     /* Counters from 0. */
};

struct vtep_dp {
    pthread_t thread;
    bool started;
    atomic_bool stop;
    struct vtep_pipeline *pl;
    struct dp_port *ports[VTEP_DP_MAX_PORTS];   /* Control thread's: set
                                                 * under 'mutex'. */
    struct vxlan_io *vx;
    int wake_fd;                    /* eventfd: commands (or LLDPDUs to
                                     * send) are waiting. */
    struct lldp_ring *lldp_rx;      /* Frames to the LLDP group address,
                                     * never forwarded: to the control
                                     * thread. */
    struct lldp_ring *lldp_tx;      /* LLDPDUs the control thread sends. */

    /* Control thread -> datapath thread, under 'mutex'. */
    pthread_mutex_t mutex;
    _Atomic size_t n_cmds;          /* Read without the mutex, each turn. */
    struct dp_cmd *cmds;
    size_t allocated_cmds;
    struct port_io **retired;       /* Let go of by the datapath thread:
                                     * the control thread closes them. */
    size_t n_retired, allocated_retired;

    /* Datapath thread only. */
    struct dp_port *dp_ports[VTEP_DP_MAX_PORTS];    /* 'ports' as of the
                                                     * last commands. */
    size_t active[VTEP_DP_MAX_PORTS];   /* Slots with a working port. */
    size_t n_active;
    size_t touched[VTEP_DP_MAX_PORTS];  /* Slots with frames queued. */
    size_t n_touched;
    bool poll_changed;              /* Rebuild the poll set. */

    /* Per burst (datapath thread only). */
    struct vtep_action actions[MAX_ACTIONS];
    uint8_t *pool_mem;
    struct vxlan_io_tx tunnel_tx[MAX_ACTIONS];
};

static inline uint64_t *
counts_of(struct dp_port *port, uint16_t vlan)
{
    return &port->counts[(vlan & VLAN_VID_MASK) * N_COUNTS];
}

/* The VLAN a received frame is counted under (0: untagged).  The pipeline
 * validates the frame; this only reads the first tag, for the counters. */
static inline uint16_t
frame_vlan(const uint8_t *data, uint32_t size)
{
    if (size >= ETH_MACS_LEN + VLAN_HEADER_LEN
        && pkt_get_be16(data + ETH_TYPE_OFS) == ETH_TYPE_VLAN) {
        return pkt_get_be16(data + ETH_TYPE_OFS + 2) & VLAN_VID_MASK;
    }
    return 0;
}

int
vtep_dp_create(const struct vtep_dp_options *o, struct vtep_fwd_publisher *pub,
               struct vtep_dp **dpp)
{
    struct vtep_dp *dp = xzalloc(sizeof *dp);
    int err = 0;

    *dpp = NULL;
    atomic_init(&dp->stop, false);
    atomic_init(&dp->n_cmds, 0);
    pthread_mutex_init(&dp->mutex, NULL);
    dp->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (dp->wake_fd < 0) {
        err = -errno;
        log_err("cannot create an eventfd (%s)", strerror(-err));
        goto error;
    }
    struct vxlan_io_options vo = {
        .local_ip = o->tunnel_ip,
        .port = o->vxlan_port,
        .routed_only = o->routed_tx,
    };
    err = vxlan_io_open(&vo, &dp->vx);
    if (err) {
        log_err("cannot open the VXLAN endpoint (%s)", strerror(-err));
        goto error;
    }
    struct vtep_pipeline_params pp = { .fdb_max_entries = o->max_macs };
    dp->pl = vtep_pipeline_create(pub, &pp);
    dp->lldp_rx = lldp_ring_create(LLDP_RX_SLOTS);
    dp->lldp_tx = lldp_ring_create(LLDP_TX_SLOTS);
    dp->pool_mem = xmalloc((size_t) POOL_BUFS * POOL_STRIDE);
    *dpp = dp;
    return 0;

error:
    vtep_dp_destroy(dp);
    return err;
}

void
vtep_dp_set_port(struct vtep_dp *dp, size_t slot, struct port_io *io, bool fresh)
{
    assert(slot < VTEP_DP_MAX_PORTS);
    pthread_mutex_lock(&dp->mutex);
    if (!dp->ports[slot]) {
        dp->ports[slot] = xzalloc(sizeof *dp->ports[slot]);
    }
    dp->ports[slot]->ctl_io = io;
    size_t n = atomic_load(&dp->n_cmds);
    dp->cmds = xgrow(dp->cmds, &dp->allocated_cmds, n + 1, sizeof *dp->cmds);
    dp->cmds[n] = (struct dp_cmd) { slot, io, fresh };
    atomic_store(&dp->n_cmds, n + 1);
    pthread_mutex_unlock(&dp->mutex);
    uint64_t one = 1;
    if (write(dp->wake_fd, &one, sizeof one) < 0) {
        /* The counter is full, so the thread is being woken anyway. */
    }
}

struct port_io *
vtep_dp_get_port(const struct vtep_dp *dp, size_t slot)
{
    return slot < VTEP_DP_MAX_PORTS && dp->ports[slot] ? dp->ports[slot]->ctl_io : NULL;
}

size_t
vtep_dp_run(struct vtep_dp *dp)
{
    pthread_mutex_lock(&dp->mutex);
    struct port_io **retired = dp->retired;
    size_t n = dp->n_retired;
    dp->retired = NULL;
    dp->n_retired = dp->allocated_retired = 0;
    size_t waiting = atomic_load(&dp->n_cmds);
    pthread_mutex_unlock(&dp->mutex);
    for (size_t i = 0; i < n; i++) {
        port_io_close(retired[i]);
    }
    free(retired);
    return waiting;
}

bool
vtep_dp_port_is_broken(const struct vtep_dp *dp, size_t slot)
{
    return (slot < VTEP_DP_MAX_PORTS && dp->ports[slot]
            && atomic_load_explicit(&dp->ports[slot]->broken_seen,
                                    memory_order_relaxed));
}

/* Datapath thread: applies the control thread's slot changes. */
static void
take_commands(struct vtep_dp *dp)
{
    uint64_t n_wakes;
    if (read(dp->wake_fd, &n_wakes, sizeof n_wakes) < 0) {
        /* Nothing to read: the commands came before the write. */
    }
    pthread_mutex_lock(&dp->mutex);
    size_t n = atomic_load(&dp->n_cmds);
    for (size_t i = 0; i < n; i++) {
        struct dp_port *port = dp->ports[dp->cmds[i].slot];
        dp->dp_ports[dp->cmds[i].slot] = port;
        if (port->io) {
            dp->retired = xgrow(dp->retired, &dp->allocated_retired,
                                dp->n_retired + 1, sizeof *dp->retired);
            dp->retired[dp->n_retired++] = port->io;
        }
        port->io = dp->cmds[i].io;
        port->broken = false;
        if (dp->cmds[i].fresh) {
            memset(port->counts, 0, sizeof port->counts);
        }
        atomic_store_explicit(&port->broken_seen, false, memory_order_relaxed);
    }
    atomic_store(&dp->n_cmds, 0);
    pthread_mutex_unlock(&dp->mutex);

    dp->n_active = 0;
    for (size_t s = 0; s < VTEP_DP_MAX_PORTS; s++) {
        if (dp->dp_ports[s] && dp->dp_ports[s]->io && !dp->dp_ports[s]->broken) {
            dp->active[dp->n_active++] = s;
        }
    }
    dp->poll_changed = true;
}

/* Sends the actions of one burst: per port, then all tunnel copies. */
static void
transmit(struct vtep_dp *dp, const struct vtep_out *out)
{
    size_t n_tunnel = 0;
    for (size_t i = 0; i < out->n; i++) {
        const struct vtep_action *a = &out->actions[i];
        if (a->kind == VTEP_ACTION_TO_PORT) {
            struct dp_port *port = (a->port < VTEP_DP_MAX_PORTS
                                    ? dp->dp_ports[a->port] : NULL);
            if (!port || !port->io || port->broken) {
                continue;
            }
            if (!port->n_tx) {
                dp->touched[dp->n_touched++] = a->port;
            }
            struct port_io_frame *f = &port->tx[port->n_tx++];
            f->data = a->data;
            f->size = a->size;
            uint64_t *c = counts_of(port, a->vlan);
            c[C_PKT_TO]++;
            c[C_BYTES_TO] += a->size;
        } else {
            struct vxlan_io_tx *t = &dp->tunnel_tx[n_tunnel++];
            t->data = a->data;
            t->size = a->size;
            t->dst = a->dst;
            t->src_port = a->udp_src_port;
        }
    }
    for (size_t i = 0; i < dp->n_touched; i++) {
        struct dp_port *port = dp->dp_ports[dp->touched[i]];
        port_io_tx_burst(port->io, port->tx, port->n_tx);
        port->n_tx = 0;
    }
    dp->n_touched = 0;
    if (n_tunnel) {
        vxlan_io_tx_burst(dp->vx, dp->tunnel_tx, n_tunnel);
    }
}

static void
out_init(struct vtep_dp *dp, struct vtep_out *out, struct vtep_pool *pool)
{
    out->actions = dp->actions;
    out->n = 0;
    out->capacity = MAX_ACTIONS;
    pool->mem = dp->pool_mem;
    pool->buf_size = POOL_STRIDE;
    pool->n_bufs = POOL_BUFS;
    pool->n_used = 0;
}

/* Whether a frame goes to the LLDP nearest-bridge group address
 * (01:80:c2:00:00:0e, 802.1AB §7.1): a bridge never forwards it. */
static inline bool
is_lldp(const uint8_t *data, uint32_t size)
{
    static const uint8_t lldp_mac[ETH_ADDR_LEN] = LLDP_MULTICAST_MAC;
    return size >= ETH_HEADER_LEN && !memcmp(data, lldp_mac, ETH_ADDR_LEN);
}

/* Sends the LLDPDUs the control thread queued (one at a time: a handful
 * per port and interval). */
static void
lldp_tx_run(struct vtep_dp *dp)
{
    uint64_t n_wakes;
    if (read(dp->wake_fd, &n_wakes, sizeof n_wakes) < 0) {
        /* Already read. */
    }
    const struct lldp_ring_slot *s;
    while ((s = lldp_ring_peek(dp->lldp_tx))) {
        struct dp_port *port = (s->port < VTEP_DP_MAX_PORTS
                                ? dp->dp_ports[s->port] : NULL);
        if (port && port->io && !port->broken) {
            struct port_io_frame f = { (uint8_t *) s->data, s->size };
            port_io_tx_burst(port->io, &f, 1);
        }
        lldp_ring_consume(dp->lldp_tx);
    }
}

static bool
poll_port(struct vtep_dp *dp, size_t p)
{
    struct dp_port *port = dp->dp_ports[p];
    struct port_io_frame in[VTEP_BURST_MAX];
    struct vtep_frame frames[VTEP_BURST_MAX];
    size_t n_in = port_io_rx_burst(port->io, in, VTEP_BURST_MAX);
    if (!n_in) {
        return false;
    }
    size_t n = 0;
    for (size_t i = 0; i < n_in; i++) {
        if (is_lldp(in[i].data, in[i].size)) {
            /* Link-local: to the control thread, never to a switch. */
            lldp_ring_push(dp->lldp_rx, (uint32_t) p, in[i].data, in[i].size);
            continue;
        }
        frames[n].data = in[i].data;
        frames[n].size = in[i].size;
        n++;
        uint64_t *c = counts_of(port, frame_vlan(in[i].data, in[i].size));
        c[C_PKT_FROM]++;
        c[C_BYTES_FROM] += in[i].size;
    }
    if (!n) {
        port_io_rx_release(port->io);
        return true;
    }
    struct vtep_out out;
    struct vtep_pool pool;
    out_init(dp, &out, &pool);
    vtep_pipeline_run_from_port(dp->pl, p, frames, n, &pool, &out);
    transmit(dp, &out);
    port_io_rx_release(port->io);
    return true;
}

static bool
poll_tunnel(struct vtep_dp *dp)
{
    struct vxlan_io_rx in[VTEP_BURST_MAX];
    struct vtep_frame frames[VTEP_BURST_MAX];
    size_t n = vxlan_io_rx_burst(dp->vx, in, VTEP_BURST_MAX);
    if (!n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        frames[i].data = in[i].data;
        frames[i].size = in[i].size;
    }
    struct vtep_out out;
    struct vtep_pool pool;
    out_init(dp, &out, &pool);
    vtep_pipeline_run_from_tunnel(dp->pl, frames, n, &pool, &out);
    transmit(dp, &out);
    return true;
}

/* The poll set: the wake-up eventfd, the VXLAN socket, then the working
 * ports in 'active' order. */
enum { FD_WAKE, FD_TUNNEL, FD_PORTS };

static size_t
build_poll_set(struct vtep_dp *dp, struct pollfd *fds)
{
    fds[FD_WAKE] = (struct pollfd) { .fd = dp->wake_fd, .events = POLLIN };
    fds[FD_TUNNEL] = (struct pollfd) { .fd = vxlan_io_fd(dp->vx), .events = POLLIN };
    for (size_t i = 0; i < dp->n_active; i++) {
        fds[FD_PORTS + i] = (struct pollfd) {
            .fd = port_io_fd(dp->dp_ports[dp->active[i]]->io), .events = POLLIN,
        };
    }
    dp->poll_changed = false;
    return FD_PORTS + dp->n_active;
}

/* A port socket's pending error (ENETDOWN when its interface goes down or
 * away) makes poll() return at once, every time, until it is read: read
 * it.  The socket works again if the interface comes up; if the interface
 * is gone, the control thread learns it from netlink and replaces the
 * socket.  A socket that keeps reporting an error with none to read, or
 * hangs up, leaves the poll set. */
static void
drop_broken(struct vtep_dp *dp, const struct pollfd *fds)
{
    size_t n = 0;
    for (size_t i = 0; i < dp->n_active; i++) {
        struct dp_port *port = dp->dp_ports[dp->active[i]];
        short revents = fds[FD_PORTS + i].revents;
        if (revents & POLLERR && !(revents & (POLLHUP | POLLNVAL))) {
            int err = 0;
            socklen_t len = sizeof err;
            if (!getsockopt(fds[FD_PORTS + i].fd, SOL_SOCKET, SO_ERROR, &err, &len)
                && err) {
                revents &= ~POLLERR;        /* Read: it will not come back. */
            }
        }
        if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
            port->broken = true;
            atomic_store_explicit(&port->broken_seen, true, memory_order_relaxed);
            dp->poll_changed = true;
        } else {
            dp->active[n++] = dp->active[i];
        }
    }
    dp->n_active = n;
}

static void *
dp_main(void *dp_)
{
    struct vtep_dp *dp = dp_;
    struct pollfd *fds = xcalloc(FD_PORTS + VTEP_DP_MAX_PORTS, sizeof *fds);
    size_t n_fds = build_poll_set(dp, fds);
    long long next_age = time_msec() + AGE_INTERVAL_MS;

    while (!atomic_load_explicit(&dp->stop, memory_order_relaxed)) {
        if (atomic_load_explicit(&dp->n_cmds, memory_order_acquire)) {
            take_commands(dp);
        }
        if (dp->poll_changed) {
            n_fds = build_poll_set(dp, fds);
        }
        if (!lldp_ring_is_empty(dp->lldp_tx)) {
            lldp_tx_run(dp);
        }
        bool busy = false;
        long long now = time_msec();
        vtep_pipeline_set_time(dp->pl, now);
        for (size_t i = 0; i < dp->n_active; i++) {
            busy |= poll_port(dp, dp->active[i]);
        }
        busy |= poll_tunnel(dp);
        if (now >= next_age) {
            vtep_pipeline_age(dp->pl, AGE_BUDGET);
            next_age = now + AGE_INTERVAL_MS;
        }
        if (!busy) {
            /* Nothing to do: sleep in poll(), offline for the snapshot
             * publisher so that it need not wait for us. */
            vtep_pipeline_offline(dp->pl);
            if (poll(fds, n_fds, 100) > 0) {
                drop_broken(dp, fds);
            }
            vtep_pipeline_online(dp->pl);
        }
    }
    free(fds);
    return NULL;
}

int
vtep_dp_start(struct vtep_dp *dp)
{
    int err = pthread_create(&dp->thread, NULL, dp_main, dp);
    if (err) {
        return -err;
    }
    dp->started = true;
    return 0;
}

void
vtep_dp_destroy(struct vtep_dp *dp)
{
    if (!dp) {
        return;
    }
    if (dp->started) {
        atomic_store(&dp->stop, true);
        uint64_t one = 1;
        if (write(dp->wake_fd, &one, sizeof one) < 0) {
            /* Woken anyway: the counter is full. */
        }
        pthread_join(dp->thread, NULL);
    }
    vtep_pipeline_destroy(dp->pl);
    /* The thread is gone: apply what it did not take, so that every port
     * is either in its slot or let go of, once. */
    if (dp->wake_fd >= 0 && atomic_load(&dp->n_cmds)) {
        take_commands(dp);
    }
    if (dp->lldp_tx && dp->wake_fd >= 0) {
        lldp_tx_run(dp);                /* The shutdown LLDPDUs. */
    }
    vtep_dp_run(dp);
    for (size_t s = 0; s < VTEP_DP_MAX_PORTS; s++) {
        if (dp->ports[s]) {
            port_io_close(dp->ports[s]->io);
            free(dp->ports[s]);
        }
    }
    vxlan_io_close(dp->vx);
    if (dp->wake_fd >= 0) {
        close(dp->wake_fd);
    }
    pthread_mutex_destroy(&dp->mutex);
    free(dp->cmds);
    free(dp->retired);
    free(dp->pool_mem);
    lldp_ring_destroy(dp->lldp_rx);
    lldp_ring_destroy(dp->lldp_tx);
    free(dp);
}

struct lldp_ring *
vtep_dp_lldp_rx(struct vtep_dp *dp)
{
    return dp->lldp_rx;
}

bool
vtep_dp_lldp_send(struct vtep_dp *dp, size_t slot, const void *frame,
                  size_t size)
{
    if (!lldp_ring_push(dp->lldp_tx, (uint32_t) slot, frame, size)) {
        return false;
    }
    uint64_t one = 1;
    if (write(dp->wake_fd, &one, sizeof one) < 0) {
        /* The counter is full, so the thread is being woken anyway. */
    }
    return true;
}

struct vtep_ring *
vtep_dp_ring(struct vtep_dp *dp)
{
    return vtep_pipeline_ring(dp->pl);
}

const struct vtep_pipeline_stats *
vtep_dp_pipeline_stats(const struct vtep_dp *dp)
{
    return vtep_pipeline_stats(dp->pl);
}

void
vtep_dp_binding_counts(const struct vtep_dp *dp, size_t port, uint16_t vlan,
                       struct vtep_dp_binding_counts *bc)
{
    memset(bc, 0, sizeof *bc);
    if (port >= VTEP_DP_MAX_PORTS || !dp->ports[port]) {
        return;
    }
    const uint64_t *c = counts_of(dp->ports[port], vlan);
    bc->packets_from_local = __atomic_load_n(&c[C_PKT_FROM], __ATOMIC_RELAXED);
    bc->bytes_from_local = __atomic_load_n(&c[C_BYTES_FROM], __ATOMIC_RELAXED);
    bc->packets_to_local = __atomic_load_n(&c[C_PKT_TO], __ATOMIC_RELAXED);
    bc->bytes_to_local = __atomic_load_n(&c[C_BYTES_TO], __ATOMIC_RELAXED);
}

/* A counter of the datapath thread, read from another thread. */
#define DP_READ(X) __atomic_load_n(&(X), __ATOMIC_RELAXED)

void
vtep_dp_format_stats(struct vtep_dp *dp, struct ds *out)
{
    const struct vtep_pipeline_stats *ps = vtep_pipeline_stats(dp->pl);

    ds_put_format(out, "pipeline:\n"
                  "  rx: port %"PRIu64", tunnel %"PRIu64"\n"
                  "  tx: port %"PRIu64", tunnel %"PRIu64" (flood copies %"PRIu64")\n"
                  "  arp replies %"PRIu64"\n"
                  "  macs: learned %"PRIu64", moved %"PRIu64", aged %"PRIu64
                  ", not learned (table full) %"PRIu64"\n  drops:",
                  DP_READ(ps->rx_port), DP_READ(ps->rx_tunnel),
                  DP_READ(ps->tx_port), DP_READ(ps->tx_tunnel),
                  DP_READ(ps->flood_copies), DP_READ(ps->arp_replies),
                  DP_READ(ps->learned), DP_READ(ps->moved), DP_READ(ps->aged),
                  DP_READ(ps->learn_full));
    uint64_t total = 0;
    for (int r = 0; r < VTEP_DROP_N; r++) {
        uint64_t n = DP_READ(ps->drops[r]);
        if (n) {
            ds_put_format(out, " %s %"PRIu64, vtep_drop_reason_name(r), n);
        }
        total += n;
    }
    ds_put_cstr(out, total ? "\n" : " none\n");

    for (size_t s = 0; s < VTEP_DP_MAX_PORTS; s++) {
        struct port_io *io = vtep_dp_get_port(dp, s);
        if (!io) {
            continue;
        }
        struct port_io_stats st;
        port_io_get_stats(io, &st);
        ds_put_format(out, "port %s (%s):\n"
                      "  rx: packets %"PRIu64", bytes %"PRIu64", ring drops %"PRIu64
                      ", truncated %"PRIu64"\n"
                      "  tx: packets %"PRIu64", bytes %"PRIu64", errors %"PRIu64"\n",
                      port_io_name(io),
                      vtep_dp_port_is_broken(dp, s) ? "gone"
                      : port_io_is_up(io) ? "up" : "down",
                      st.rx_packets, st.rx_bytes, st.rx_ring_drops,
                      st.rx_truncated, st.tx_packets, st.tx_bytes, st.tx_errors);
    }

    struct vxlan_io_stats vs;
    vxlan_io_get_stats(dp->vx, &vs);
    ds_put_format(out, "tunnel:\n"
                  "  rx: packets %"PRIu64", bytes %"PRIu64", socket drops %"PRIu64
                  ", truncated %"PRIu64"\n"
                  "  tx: packets %"PRIu64" (direct %"PRIu64"), bytes %"PRIu64
                  ", errors %"PRIu64", drops %"PRIu64"\n"
                  "  next hops: look-ups %"PRIu64", errors %"PRIu64"\n",
                  vs.rx_packets, vs.rx_bytes, vs.rx_drops, vs.rx_truncated,
                  vs.tx_packets, vs.tx_direct, vs.tx_bytes, vs.tx_errors,
                  vs.tx_drops, vs.nexthop_lookups, vs.nexthop_errors);
}
