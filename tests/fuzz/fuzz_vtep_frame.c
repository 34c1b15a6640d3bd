/* libFuzzer target: arbitrary frames through both entry points of the
 * seam-vtep pipeline (src/vtep/pipeline.h) with a small config.
 *
 * Input: byte 0 picks the entry (bit 7: from a tunnel, else from port
 * byte0 % 4, one past the last port included), byte 1 the burst size
 * (1..4, the rest of the input is split evenly); the rest are the frames.
 * Besides crashes and sanitizer reports, it aborts if an action breaks the
 * rules: a tunnel action from a tunnel (split horizon), an action outside
 * the frame buffers and the pool, a VXLAN payload without the I flag or
 * with an inner tag, a port frame whose tag disagrees with its binding, a
 * frame back out of its ingress binding other than an ARP reply. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib/util.h"
#include "vtep/config.h"
#include "vtep/fwd.h"
#include "vtep/pipeline.h"
#include "vtep/pkt.h"
#include "vtep/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD 16
#define SLOT (HEAD + VTEP_FRAME_MAX + 16)
#define N_POOL 8

static struct vtep_fwd_publisher *pub;
static struct vtep_pipeline *pl;
static uint8_t slots[4][SLOT];
static uint8_t pool_mem[N_POOL][VTEP_POOL_BUF_MIN];

static struct vtep_locator *
loc(uint32_t ip)
{
    struct vtep_locator *l = xcalloc(1, sizeof *l);
    l->ip.s_addr = htonl(ip);
    return l;
}

static void
init(void)
{
    struct vtep_config c;
    vtep_config_init(&c);
    c.n_ports = 3;
    c.ports = xcalloc(3, sizeof *c.ports);
    c.ports[0].name = xstrdup("p0");
    c.ports[1].name = xstrdup("p1");
    c.ports[2].name = xstrdup("p2");
    c.n_switches = 2;
    c.switches = xcalloc(2, sizeof *c.switches);
    for (int i = 0; i < 2; i++) {
        struct vtep_switch *s = &c.switches[i];
        s->name = xstrdup(i ? "ls1" : "ls0");
        s->vni = i ? 6000 : 5000;
        s->replication = i ? VTEP_REPL_SERVICE_NODE : VTEP_REPL_SOURCE_NODE;
        s->arp_suppress = true;
        s->n_ucast = 1;
        s->ucast = xcalloc(1, sizeof *s->ucast);
        eth_addr_from_string(i ? "00:00:00:00:0e:02" : "00:00:00:00:0e:01",
                             &s->ucast[0].mac);
        s->ucast[0].has_ip = true;
        s->ucast[0].ip.s_addr = htonl(0xc0a80064 + (uint32_t) i);
        s->ucast[0].locators = loc(0x0a000002);
        s->ucast[0].n_locators = 1;
        s->unknown_dst = xcalloc(2, sizeof *s->unknown_dst);
        s->unknown_dst[0].ip.s_addr = htonl(0x0a000002);
        s->unknown_dst[1].ip.s_addr = htonl(0x0a000003);
        s->n_unknown_dst = 2;
    }
    static const struct vtep_binding b[] = {
        { 0, 100, 0 }, { 1, 0, 0 }, { 2, 200, 0 }, { 0, 300, 1 }, { 2, 0, 1 },
    };
    c.n_bindings = ARRAY_SIZE(b);
    c.bindings = xmemdup(b, sizeof b);
    pub = vtep_fwd_publisher_create(vtep_fwd_create(&c));
    vtep_config_destroy(&c);
    pl = vtep_pipeline_create(pub, NULL);
}

static bool
inside(const uint8_t *p, size_t n, const uint8_t *base, size_t base_size)
{
    return p >= base && p + n <= base + base_size;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pl) {
        init();
    }
    if (size < 2 || size > 4 * VTEP_FRAME_MAX) {
        return 0;
    }
    bool tunnel = data[0] & 0x80;
    uint32_t port = data[0] % 4;
    size_t n = data[1] % 4 + 1;
    data += 2;
    size -= 2;
    struct vtep_frame frames[4];
    size_t each = size / n;
    for (size_t i = 0; i < n; i++) {
        size_t len = i == n - 1 ? size - each * i : each;
        if (len > SLOT - HEAD) {
            len = SLOT - HEAD;
        }
        memcpy(slots[i] + HEAD, data + each * i, len);
        frames[i] = (struct vtep_frame) { slots[i] + HEAD, (uint32_t) len };
    }
    struct vtep_action acts[64];
    struct vtep_out out = { acts, 0, 64 };
    struct vtep_pool pool = { &pool_mem[0][0], VTEP_POOL_BUF_MIN, N_POOL, 0 };
    /* Time moves on and MACs age, so learning keeps changing. */
    static uint64_t now;
    vtep_pipeline_set_time(pl, now += 1000);
    if (tunnel) {
        vtep_pipeline_run_from_tunnel(pl, frames, n, &pool, &out);
    } else {
        vtep_pipeline_run_from_port(pl, port, frames, n, &pool, &out);
    }
    vtep_pipeline_age(pl, 64);

    for (size_t i = 0; i < out.n; i++) {
        const struct vtep_action *a = &acts[i];
        if (a->frame >= n || !a->data
            || !(inside(a->data, a->size, slots[a->frame], SLOT)
                 || inside(a->data, a->size, &pool_mem[0][0],
                           sizeof pool_mem))) {
            abort();
        }
        struct eth_vlan_info vi;
        if (a->kind == VTEP_ACTION_TO_TUNNEL) {
            uint32_t vni;
            if (tunnel || a->size < VXLAN_HEADER_LEN
                || !vxlan_get_header(a->data, &vni) || vni != a->vni
                || !eth_parse_vlan(a->data + 8, a->size - 8, &vi)
                || vi.tagged || vi.double_tagged) {
                abort();
            }
        } else {
            if (!eth_parse_vlan(a->data, a->size, &vi) || vi.double_tagged
                || (a->vlan ? !vi.tagged || vi.vid != a->vlan
                            : vi.tagged)) {
                abort();
            }
            if (!tunnel && a->port == port && vi.eth_type != ETH_TYPE_ARP) {
                /* Out of the ingress port only for another binding. */
                struct eth_vlan_info in;
                if (eth_parse_vlan(data + each * a->frame, each, &in)
                    && in.vid == a->vlan) {
                    abort();
                }
            }
        }
    }
    struct vtep_learn_event ev;
    while (vtep_ring_pop(vtep_pipeline_ring(pl), &ev)) {
        continue;
    }
    return 0;
}
