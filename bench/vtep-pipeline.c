/* vtep-pipeline: ns per packet of seam-vtep's forwarding core alone (no
 * I/O): src/vtep/pipeline.c fed bursts of 32 frames from memory.
 *
 * Config: 2 ports, one logical switch (VNI 5000) bound to (p0, VLAN 100)
 * and (p1, untagged), 100,000 remote unicast MACs spread over 1,000
 * locators, 4 unknown-dst locators (source-node replication), 1,000 MACs
 * learned on p0/100, tunnel MTU 9000.
 *
 * Cases, each at 64 and 1500 byte input frames:
 *   vlan->vxlan  tagged frames from p0 to the 100,000 remote MACs in turn
 *                (tag popped, VXLAN header prepended, in place);
 *   vxlan->vlan  VXLAN payloads to the 1,000 learned MACs in turn (tag
 *                pushed, in place);
 *   flood        broadcast from p0: 1 copy to p1 (untagged, into a pool
 *                buffer) + 4 tunnel actions sharing one in-place version.
 * Each burst first rewrites the 18-22 header bytes the previous run moved
 * (what a NIC's fresh receive would give), which is included in the time.
 *
 * Build and run: bash bench/vtep-pipeline.sh */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "vtep/config.h"
#include "vtep/fwd.h"
#include "vtep/pipeline.h"
#include "vtep/pkt.h"
#include "vtep/ring.h"

#define N_REMOTE 100000
#define N_LOCAL 1000
#define HEAD 64
#define SLOT (HEAD + 2048)

static uint8_t slots[VTEP_BURST_MAX][SLOT];
static uint8_t pool_mem[VTEP_BURST_MAX * 2][VTEP_POOL_BUF_MIN];
static struct vtep_action acts[VTEP_BURST_MAX * 8];

static double
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
put_mac(uint8_t *p, uint64_t m)
{
    eth_addr_from_u64(m, p);
}

static struct vtep_pipeline *
setup(struct vtep_fwd_publisher **pubp)
{
    struct vtep_config c;
    vtep_config_init(&c);
    c.tunnel_mtu = 9000;
    c.n_ports = 2;
    c.ports = xcalloc(2, sizeof *c.ports);
    c.ports[0].name = xstrdup("p0");
    c.ports[1].name = xstrdup("p1");
    c.n_switches = 1;
    c.switches = xcalloc(1, sizeof *c.switches);
    struct vtep_switch *s = &c.switches[0];
    s->name = xstrdup("ls0");
    s->vni = 5000;
    s->n_ucast = N_REMOTE;
    s->ucast = xcalloc(N_REMOTE, sizeof *s->ucast);
    for (uint32_t i = 0; i < N_REMOTE; i++) {
        eth_addr_from_u64(0x020000000000ULL + i, s->ucast[i].mac.ea);
        s->ucast[i].locators = xcalloc(1, sizeof *s->ucast[i].locators);
        s->ucast[i].locators[0].ip.s_addr = htonl(0x0a010000 + i % 1000);
        s->ucast[i].n_locators = 1;
    }
    s->n_unknown_dst = 4;
    s->unknown_dst = xcalloc(4, sizeof *s->unknown_dst);
    for (uint32_t i = 0; i < 4; i++) {
        s->unknown_dst[i].ip.s_addr = htonl(0x0a000002 + i);
    }
    c.n_bindings = 2;
    c.bindings = xcalloc(2, sizeof *c.bindings);
    c.bindings[0] = (struct vtep_binding) { 0, 100, 0 };
    c.bindings[1] = (struct vtep_binding) { 1, 0, 0 };
    *pubp = vtep_fwd_publisher_create(vtep_fwd_create(&c));
    vtep_config_destroy(&c);
    struct vtep_pipeline_params pp = {
        .fdb_max_entries = getenv("FDB") ? (uint32_t) atoi(getenv("FDB")) : 0,
    };
    return vtep_pipeline_create(*pubp, &pp);
}

enum bench_case { VLAN_TO_VXLAN, VXLAN_TO_VLAN, FLOOD };

/* Writes frame 'i' of a burst for 'bc' (header only unless 'full'). */
static void
fill(enum bench_case bc, struct vtep_frame *fr, uint8_t *slot, size_t size,
     uint64_t seq, bool full)
{
    uint8_t *p = slot + HEAD;
    uint8_t *eth = p;
    size_t hdr;
    if (bc == VXLAN_TO_VLAN) {
        vxlan_put_header(p, 5000);
        eth = p + 8;
        put_mac(eth, 0x040000000000ULL + seq % N_LOCAL);
        put_mac(eth + 6, 0x020000000000ULL + seq % N_REMOTE);
        pkt_put_be16(eth + 12, ETH_TYPE_IPV4);
        hdr = 8 + 14;
        fr->size = (uint32_t) (size + 8);
    } else {
        put_mac(eth, bc == FLOOD ? 0xffffffffffffULL
                                 : 0x020000000000ULL + seq % N_REMOTE);
        put_mac(eth + 6, 0x040000000000ULL + seq % N_LOCAL);
        pkt_put_be16(eth + 12, ETH_TYPE_VLAN);
        pkt_put_be16(eth + 14, 100);
        pkt_put_be16(eth + 16, ETH_TYPE_IPV4);
        hdr = 18;
        fr->size = (uint32_t) size;
    }
    if (full) {
        uint8_t *ip = p + hdr;
        memset(ip, 0, size - (hdr - (bc == VXLAN_TO_VLAN ? 8 : 0)));
        ip[0] = 0x45;
        ip[9] = IPV4_PROTO_UDP;
    }
    uint8_t *ip = p + hdr;
    pkt_put_be32(ip + 12, 0x0a000000 + (uint32_t) (seq & 0xffff));
    fr->data = p;
}

static void
run(struct vtep_pipeline *pl, const char *name, enum bench_case bc,
    size_t size, size_t n_frames)
{
    struct vtep_frame frames[VTEP_BURST_MAX];
    struct vtep_pool pool = { &pool_mem[0][0], VTEP_POOL_BUF_MIN,
                              VTEP_BURST_MAX * 2, 0 };
    struct vtep_out out = { acts, 0, ARRAY_SIZE(acts) };
    for (size_t i = 0; i < VTEP_BURST_MAX; i++) {
        fill(bc, &frames[i], slots[i], size, i, true);
    }
    uint64_t seq = 0, n_out = 0;
    double t0 = now_ns();
    for (size_t done = 0; done < n_frames; done += VTEP_BURST_MAX) {
        for (size_t i = 0; i < VTEP_BURST_MAX; i++) {
            fill(bc, &frames[i], slots[i], size, seq++, false);
        }
        out.n = 0;
        pool.n_used = 0;
        if (bc == VXLAN_TO_VLAN) {
            vtep_pipeline_run_from_tunnel(pl, frames, VTEP_BURST_MAX, &pool,
                                          &out);
        } else {
            vtep_pipeline_run_from_port(pl, 0, frames, VTEP_BURST_MAX, &pool,
                                        &out);
        }
        n_out += out.n;
    }
    double ns = (now_ns() - t0) / (double) n_frames;
    printf("%-12s %5zu B  %6.1f ns/packet  %5.1f Mpps  %4.2f actions/packet\n",
           name, size, ns, 1e3 / ns, (double) n_out / (double) n_frames);
}

int
main(int argc, char *argv[])
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 4000000;
    struct vtep_fwd_publisher *pub;
    struct vtep_pipeline *pl = setup(&pub);

    /* Learn the 1,000 local MACs on p0/100 (they send to a remote MAC). */
    struct vtep_frame frames[VTEP_BURST_MAX];
    struct vtep_pool pool = { &pool_mem[0][0], VTEP_POOL_BUF_MIN,
                              VTEP_BURST_MAX * 2, 0 };
    struct vtep_out out = { acts, 0, ARRAY_SIZE(acts) };
    for (uint64_t seq = 0; seq < N_LOCAL; seq += VTEP_BURST_MAX) {
        for (size_t i = 0; i < VTEP_BURST_MAX; i++) {
            fill(VLAN_TO_VXLAN, &frames[i], slots[i], 64, seq + i, true);
        }
        out.n = 0;
        vtep_pipeline_run_from_port(pl, 0, frames, VTEP_BURST_MAX, &pool,
                                    &out);
    }
    struct vtep_learn_event ev;
    while (vtep_ring_pop(vtep_pipeline_ring(pl), &ev)) {
        continue;
    }

    printf("seam-vtep pipeline, bursts of %d, %d remote MACs, %zu frames "
           "per case\n", VTEP_BURST_MAX, N_REMOTE, n);
    static const size_t sizes[] = { 64, 1500 };
    for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
        if (!s) {                       /* Warm the caches, not printed. */
            FILE *saved = stdout;
            stdout = fopen("/dev/null", "w");
            run(pl, "warm-up", VLAN_TO_VXLAN, 64, n / 4);
            fclose(stdout);
            stdout = saved;
        }
        run(pl, "vlan->vxlan", VLAN_TO_VXLAN, sizes[s], n);
        run(pl, "vxlan->vlan", VXLAN_TO_VLAN, sizes[s], n);
        run(pl, "flood", FLOOD, sizes[s], n);
    }
    const struct vtep_pipeline_stats *st = vtep_pipeline_stats(pl);
    uint64_t dropped = 0;
    for (int r = 0; r < VTEP_DROP_N; r++) {
        dropped += st->drops[r];
    }
    printf("drops: %llu\n", (unsigned long long) dropped);
    vtep_pipeline_destroy(pl);
    vtep_fwd_publisher_destroy(pub);
    return dropped != 0;
}
