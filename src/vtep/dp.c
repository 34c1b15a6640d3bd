/* vtep dp: see dp.h. */
#include "vtep/dp.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "lib/log.h"
#include "vtep/fwd.h"
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

enum { C_PKT_FROM, C_BYTES_FROM, C_PKT_TO, C_BYTES_TO, N_COUNTS };

struct vtep_dp {
    pthread_t thread;
    bool started;
    atomic_bool stop;
    struct vtep_pipeline *pl;
    struct port_io **ports;
    size_t n_ports;
    struct vxlan_io *vx;
    uint64_t *counts;               /* [port][vlan][N_COUNTS]. */

    /* Per burst (datapath thread only). */
    struct vtep_action actions[MAX_ACTIONS];
    uint8_t *pool_mem;
    struct port_io_frame *port_tx;  /* [n_ports][MAX_ACTIONS] */
    size_t *n_port_tx;
    struct vxlan_io_tx tunnel_tx[MAX_ACTIONS];
};

static inline uint64_t *
counts_of(const struct vtep_dp *dp, size_t port, uint16_t vlan)
{
    return &dp->counts[((port * VTEP_FWD_VLANS) + (vlan & VLAN_VID_MASK)) * N_COUNTS];
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
    dp->ports = xcalloc(o->n_ports ? o->n_ports : 1, sizeof *dp->ports);
    for (size_t i = 0; i < o->n_ports; i++) {
        err = port_io_open(o->ports[i], NULL, &dp->ports[i]);
        if (err) {
            log_err("%s: cannot open port (%s)", o->ports[i], strerror(-err));
            goto error;
        }
        dp->n_ports++;
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
    dp->counts = xcalloc((size_t) (dp->n_ports ? dp->n_ports : 1) * VTEP_FWD_VLANS
                         * N_COUNTS, sizeof *dp->counts);
    dp->pool_mem = xmalloc((size_t) POOL_BUFS * POOL_STRIDE);
    dp->port_tx = xcalloc((dp->n_ports ? dp->n_ports : 1) * MAX_ACTIONS,
                          sizeof *dp->port_tx);
    dp->n_port_tx = xcalloc(dp->n_ports ? dp->n_ports : 1, sizeof *dp->n_port_tx);
    *dpp = dp;
    return 0;

error:
    vtep_dp_destroy(dp);
    return err;
}

/* Sends the actions of one burst: per port, then all tunnel copies. */
static void
transmit(struct vtep_dp *dp, const struct vtep_out *out)
{
    size_t n_tunnel = 0;
    for (size_t i = 0; i < out->n; i++) {
        const struct vtep_action *a = &out->actions[i];
        if (a->kind == VTEP_ACTION_TO_PORT) {
            if (a->port >= dp->n_ports) {
                continue;
            }
            struct port_io_frame *f = &dp->port_tx[a->port * MAX_ACTIONS
                                                   + dp->n_port_tx[a->port]++];
            f->data = a->data;
            f->size = a->size;
            uint64_t *c = counts_of(dp, a->port, a->vlan);
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
    for (size_t p = 0; p < dp->n_ports; p++) {
        if (dp->n_port_tx[p]) {
            port_io_tx_burst(dp->ports[p], &dp->port_tx[p * MAX_ACTIONS],
                             dp->n_port_tx[p]);
            dp->n_port_tx[p] = 0;
        }
    }
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

static bool
poll_port(struct vtep_dp *dp, size_t p)
{
    struct port_io_frame in[VTEP_BURST_MAX];
    struct vtep_frame frames[VTEP_BURST_MAX];
    size_t n = port_io_rx_burst(dp->ports[p], in, VTEP_BURST_MAX);
    if (!n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        frames[i].data = in[i].data;
        frames[i].size = in[i].size;
        uint64_t *c = counts_of(dp, p, frame_vlan(in[i].data, in[i].size));
        c[C_PKT_FROM]++;
        c[C_BYTES_FROM] += in[i].size;
    }
    struct vtep_out out;
    struct vtep_pool pool;
    out_init(dp, &out, &pool);
    vtep_pipeline_run_from_port(dp->pl, p, frames, n, &pool, &out);
    transmit(dp, &out);
    port_io_rx_release(dp->ports[p]);
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

static void *
dp_main(void *dp_)
{
    struct vtep_dp *dp = dp_;
    size_t n_fds = dp->n_ports + 1;
    struct pollfd *fds = xcalloc(n_fds, sizeof *fds);
    long long next_age = time_msec() + AGE_INTERVAL_MS;

    for (size_t i = 0; i < dp->n_ports; i++) {
        fds[i].fd = port_io_fd(dp->ports[i]);
        fds[i].events = POLLIN;
    }
    fds[dp->n_ports].fd = vxlan_io_fd(dp->vx);
    fds[dp->n_ports].events = POLLIN;

    while (!atomic_load_explicit(&dp->stop, memory_order_relaxed)) {
        bool busy = false;
        long long now = time_msec();
        vtep_pipeline_set_time(dp->pl, now);
        for (size_t p = 0; p < dp->n_ports; p++) {
            busy |= poll_port(dp, p);
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
            poll(fds, n_fds, 100);
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
        pthread_join(dp->thread, NULL);
    }
    vtep_pipeline_destroy(dp->pl);
    for (size_t i = 0; i < dp->n_ports; i++) {
        port_io_close(dp->ports[i]);
    }
    vxlan_io_close(dp->vx);
    free(dp->ports);
    free(dp->counts);
    free(dp->pool_mem);
    free(dp->port_tx);
    free(dp->n_port_tx);
    free(dp);
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

bool
vtep_dp_port_is_up(const struct vtep_dp *dp, size_t port)
{
    return port < dp->n_ports && port_io_is_up(dp->ports[port]);
}

void
vtep_dp_binding_counts(const struct vtep_dp *dp, size_t port, uint16_t vlan,
                       struct vtep_dp_binding_counts *bc)
{
    memset(bc, 0, sizeof *bc);
    if (port >= dp->n_ports) {
        return;
    }
    const uint64_t *c = counts_of(dp, port, vlan);
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

    for (size_t i = 0; i < dp->n_ports; i++) {
        struct port_io_stats st;
        port_io_get_stats(dp->ports[i], &st);
        ds_put_format(out, "port %s (%s):\n"
                      "  rx: packets %"PRIu64", bytes %"PRIu64", ring drops %"PRIu64
                      ", truncated %"PRIu64"\n"
                      "  tx: packets %"PRIu64", bytes %"PRIu64", errors %"PRIu64"\n",
                      port_io_name(dp->ports[i]),
                      port_io_is_up(dp->ports[i]) ? "up" : "down",
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
