/* Unit tests of seam-vtep's forwarding core: pkt.h helpers, config.c, the
 * fwd snapshot and its publication (with a real reader thread), the fdb,
 * the learn ring and the pipeline rules, with frames compared byte for
 * byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/testlib.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "vtep/config.h"
#include "vtep/fdb.h"
#include "vtep/fwd.h"
#include "vtep/pipeline.h"
#include "vtep/pkt.h"
#include "vtep/ring.h"

/* ---- fixture: a config of 3 ports, 2 switches ----
 *
 *   ls0 VNI 5000, source node: (p0,100) (p1,0) (p2,200)
 *       unknown-dst {10.0.0.2, 10.0.0.3}; remote R1 -> 10.0.0.2 (ip
 *       192.168.0.100); mcast 01:00:5e:00:00:01 -> {10.0.0.4}
 *   ls1 VNI 6000, service node, ARP suppression: (p0,300) (p1,301)
 *       unknown-dst {10.0.0.5, 10.0.0.6, 10.0.0.7}; remote R2 -> 10.0.0.5
 *       (ip 192.168.1.100) */
#define MAC_A "00:00:00:00:0a:01"
#define MAC_B "00:00:00:00:0b:01"
#define MAC_R1 "00:00:00:00:0e:01"
#define MAC_R2 "00:00:00:00:0e:02"
#define MAC_BCAST "ff:ff:ff:ff:ff:ff"
#define MAC_MCAST "01:00:5e:00:00:01"

static struct vtep_locator *
locators(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    struct vtep_locator *l = xcalloc(n, sizeof *l);
    for (int i = 0; i < n; i++) {
        l[i].ip = testlib_ipv4(va_arg(ap, const char *));
    }
    va_end(ap);
    return l;
}

static void
fixture_config(struct vtep_config *c)
{
    vtep_config_init(c);
    c->tunnel_ip = testlib_ipv4("10.0.0.1");
    c->n_ports = 3;
    c->ports = xcalloc(3, sizeof *c->ports);
    c->ports[0].name = xstrdup("p0");
    c->ports[1].name = xstrdup("p1");
    c->ports[2].name = xstrdup("p2");
    c->n_switches = 2;
    c->switches = xcalloc(2, sizeof *c->switches);

    struct vtep_switch *s = &c->switches[0];
    s->name = xstrdup("ls0");
    s->vni = 5000;
    s->replication = VTEP_REPL_SOURCE_NODE;
    s->n_ucast = 1;
    s->ucast = xcalloc(1, sizeof *s->ucast);
    s->ucast[0].mac = testlib_mac(MAC_R1);
    s->ucast[0].has_ip = true;
    s->ucast[0].ip = testlib_ipv4("192.168.0.100");
    s->ucast[0].locators = locators(1, "10.0.0.2");
    s->ucast[0].n_locators = 1;
    s->n_mcast = 1;
    s->mcast = xcalloc(1, sizeof *s->mcast);
    s->mcast[0].mac = testlib_mac(MAC_MCAST);
    s->mcast[0].locators = locators(1, "10.0.0.4");
    s->mcast[0].n_locators = 1;
    s->unknown_dst = locators(2, "10.0.0.2", "10.0.0.3");
    s->n_unknown_dst = 2;

    s = &c->switches[1];
    s->name = xstrdup("ls1");
    s->vni = 6000;
    s->replication = VTEP_REPL_SERVICE_NODE;
    s->arp_suppress = true;
    s->n_ucast = 1;
    s->ucast = xcalloc(1, sizeof *s->ucast);
    s->ucast[0].mac = testlib_mac(MAC_R2);
    s->ucast[0].has_ip = true;
    s->ucast[0].ip = testlib_ipv4("192.168.1.100");
    s->ucast[0].locators = locators(1, "10.0.0.5");
    s->ucast[0].n_locators = 1;
    s->unknown_dst = locators(3, "10.0.0.5", "10.0.0.6", "10.0.0.7");
    s->n_unknown_dst = 3;

    static const struct vtep_binding bindings[] = {
        { 0, 100, 0 }, { 1, 0, 0 }, { 2, 200, 0 }, { 0, 300, 1 }, { 1, 301, 1 },
    };
    c->n_bindings = ARRAY_SIZE(bindings);
    c->bindings = xmemdup(bindings, sizeof bindings);
}

#define SLOT_SIZE (16 + VTEP_FRAME_MAX + 64)
#define N_POOL 64
#define N_ACTIONS 256

struct harness {
    struct vtep_fwd_publisher *pub;
    struct vtep_pipeline *pl;
    uint8_t slots[VTEP_BURST_MAX + 8][SLOT_SIZE];
    struct vtep_frame frames[VTEP_BURST_MAX + 8];
    uint8_t *pool_mem;
    struct vtep_pool pool;
    struct vtep_action actions[N_ACTIONS];
    struct vtep_out out;
};

static struct harness *
harness_create(const struct vtep_config *c)
{
    struct harness *h = xzalloc(sizeof *h);
    h->pub = vtep_fwd_publisher_create(vtep_fwd_create(c));
    h->pl = vtep_pipeline_create(h->pub, NULL);
    h->pool_mem = xmalloc((size_t) N_POOL * VTEP_POOL_BUF_MIN);
    h->pool = (struct vtep_pool) { h->pool_mem, VTEP_POOL_BUF_MIN, N_POOL, 0 };
    h->out = (struct vtep_out) { h->actions, 0, N_ACTIONS };
    return h;
}

static int
setup(void **state)
{
    struct vtep_config c;
    fixture_config(&c);
    *state = harness_create(&c);
    vtep_config_destroy(&c);
    return 0;
}

static int
teardown(void **state)
{
    struct harness *h = *state;
    vtep_pipeline_destroy(h->pl);
    vtep_fwd_publisher_destroy(h->pub);
    free(h->pool_mem);
    free(h);
    return 0;
}

/* Writes an Ethernet frame: 'tci' < 0 for untagged, else one 802.1Q tag;
 * 'n_payload' bytes of pattern after the ethertype. */
static size_t
mk_eth(uint8_t *p, const char *dst, const char *src, int tci, uint16_t type,
       size_t n_payload)
{
    size_t n = 0;
    struct eth_addr d = testlib_mac(dst), s = testlib_mac(src);
    memcpy(p, d.ea, 6);
    memcpy(p + 6, s.ea, 6);
    n = 12;
    if (tci >= 0) {
        pkt_put_be16(p + n, ETH_TYPE_VLAN);
        pkt_put_be16(p + n + 2, (uint16_t) tci);
        n += 4;
    }
    pkt_put_be16(p + n, type);
    n += 2;
    for (size_t i = 0; i < n_payload; i++) {
        p[n + i] = (uint8_t) (i * 7 + 3);
    }
    return n + n_payload;
}

/* Writes a VXLAN payload: header with 'vni' + the frame of mk_eth(). */
static size_t
mk_vxlan(uint8_t *p, uint32_t vni, const char *dst, const char *src, int tci,
         uint16_t type, size_t n_payload)
{
    vxlan_put_header(p, vni);
    return VXLAN_HEADER_LEN + mk_eth(p + 8, dst, src, tci, type, n_payload);
}

static void
set_frame(struct harness *h, size_t i, const uint8_t *bytes, size_t n)
{
    memset(h->slots[i], 0xee, SLOT_SIZE);
    h->frames[i].data = h->slots[i] + 16;
    h->frames[i].size = (uint32_t) n;
    memcpy(h->frames[i].data, bytes, n);
}

static void
reset_out(struct harness *h)
{
    h->out.n = 0;
    h->pool.n_used = 0;
}

static size_t
run_port(struct harness *h, uint32_t port, size_t n)
{
    reset_out(h);
    return vtep_pipeline_run_from_port(h->pl, port, h->frames, n, &h->pool,
                                       &h->out);
}

static size_t
run_tunnel(struct harness *h, size_t n)
{
    reset_out(h);
    return vtep_pipeline_run_from_tunnel(h->pl, h->frames, n, &h->pool, &h->out);
}

/* Sends one frame 'bytes' in on 'port' and returns the action count. */
static size_t
send_port(struct harness *h, uint32_t port, const uint8_t *bytes, size_t n)
{
    set_frame(h, 0, bytes, n);
    assert_int_equal(run_port(h, port, 1), 1);
    return h->out.n;
}

static size_t
send_tunnel(struct harness *h, const uint8_t *bytes, size_t n)
{
    set_frame(h, 0, bytes, n);
    assert_int_equal(run_tunnel(h, 1), 1);
    return h->out.n;
}

static const struct vtep_action *
find_port_action(const struct harness *h, uint32_t port, uint16_t vlan)
{
    for (size_t i = 0; i < h->out.n; i++) {
        const struct vtep_action *a = &h->out.actions[i];
        if (a->kind == VTEP_ACTION_TO_PORT && a->port == port
            && a->vlan == vlan) {
            return a;
        }
    }
    return NULL;
}

static const struct vtep_action *
find_tunnel_action(const struct harness *h, const char *dst)
{
    struct in_addr d = testlib_ipv4(dst);
    for (size_t i = 0; i < h->out.n; i++) {
        const struct vtep_action *a = &h->out.actions[i];
        if (a->kind == VTEP_ACTION_TO_TUNNEL && a->dst.s_addr == d.s_addr) {
            return a;
        }
    }
    return NULL;
}

static size_t
count_kind(const struct harness *h, enum vtep_action_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < h->out.n; i++) {
        n += h->out.actions[i].kind == kind;
    }
    return n;
}

static void
assert_bytes(const struct vtep_action *a, const uint8_t *want, size_t n)
{
    assert_non_null(a);
    assert_int_equal(a->size, n);
    assert_memory_equal(a->data, want, n);
}

static uint64_t
drops(const struct harness *h, enum vtep_drop_reason r)
{
    return vtep_pipeline_stats(h->pl)->drops[r];
}

static size_t
drain(struct harness *h, struct vtep_learn_event *evs, size_t max)
{
    size_t n = 0;
    struct vtep_learn_event ev;
    while (vtep_ring_pop(vtep_pipeline_ring(h->pl), &ev)) {
        if (n < max) {
            evs[n] = ev;
        }
        n++;
    }
    return n;
}

/* ---- pkt.h and config.c ---- */

static void
test_eth_addr_from_string(void **state)
{
    (void) state;
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        { "00:11:22:33:44:55", true }, { "AA:bb:Cc:dD:ee:FF", true },
        { "00:11:22:33:44", false }, { "00:11:22:33:44:55:", false },
        { "00:11:22:33:44:5", false }, { "0:11:22:33:44:55", false },
        { "00-11-22-33-44-55", false }, { "00:11:22:33:44:5g", false },
        { "", false },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct eth_addr ea = { { 9, 9, 9, 9, 9, 9 } };
        assert_int_equal(eth_addr_from_string(cases[i].s, &ea), cases[i].ok);
        if (!cases[i].ok) {
            assert_int_equal(ea.ea[0], 9);      /* Untouched on failure. */
        }
    }
    struct eth_addr ea;
    assert_true(eth_addr_from_string("AA:bb:Cc:dD:ee:0F", &ea));
    static const uint8_t want[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x0f };
    assert_memory_equal(ea.ea, want, 6);

    struct vtep_config c;
    vtep_config_init(&c);
    assert_int_equal(c.vxlan_port, 4789);
    assert_int_equal(c.mac_aging_s, 300);
    assert_int_equal(c.tunnel_mtu, 1500);
    vtep_config_destroy(&c);
    vtep_config_destroy(NULL);
}

static void
test_pkt_vlan_push_pop(void **state)
{
    (void) state;
    uint8_t buf[64], want[64];
    uint8_t *data = buf + 8;
    size_t size = mk_eth(data, MAC_A, MAC_B, -1, ETH_TYPE_IPV4, 10);
    eth_push_vlan(&data, &size, 0x2064);
    assert_int_equal(data, buf + 4);
    size_t n = mk_eth(want, MAC_A, MAC_B, 0x2064, ETH_TYPE_IPV4, 10);
    assert_int_equal(size, n);
    assert_memory_equal(data, want, n);

    struct eth_vlan_info vi;
    assert_true(eth_parse_vlan(data, size, &vi));
    assert_true(vi.tagged);
    assert_int_equal(vi.vid, 100);
    assert_int_equal(vi.eth_type, ETH_TYPE_IPV4);

    eth_pop_vlan(&data, &size);
    n = mk_eth(want, MAC_A, MAC_B, -1, ETH_TYPE_IPV4, 10);
    assert_int_equal(size, n);
    assert_memory_equal(data, want, n);

    /* Double tags, and truncation. */
    n = mk_eth(want, MAC_A, MAC_B, 100, ETH_TYPE_VLAN, 10);
    assert_true(eth_parse_vlan(want, n, &vi));
    assert_true(vi.double_tagged);
    n = mk_eth(want, MAC_A, MAC_B, -1, ETH_TYPE_VLAN_8021AD, 10);
    assert_true(eth_parse_vlan(want, n, &vi));
    assert_true(vi.double_tagged);
    assert_false(eth_parse_vlan(want, 13, &vi));
    n = mk_eth(want, MAC_A, MAC_B, 100, ETH_TYPE_IPV4, 0);
    assert_false(eth_parse_vlan(want, 17, &vi));

    uint8_t vx[8];
    uint32_t vni;
    vxlan_put_header(vx, 0xabcdef);
    static const uint8_t vx_want[8] = { 0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0 };
    assert_memory_equal(vx, vx_want, 8);
    assert_true(vxlan_get_header(vx, &vni));
    assert_int_equal(vni, 0xabcdef);
    vx[0] = 0;
    assert_false(vxlan_get_header(vx, &vni));
}

/* ---- rejections ---- */

static void
test_rejected_frames(void **state)
{
    struct harness *h = *state;
    uint8_t f[VTEP_FRAME_MAX + 64];
    static const struct {
        const char *name;
        uint32_t port;
        const char *src;
        int tci;
        uint16_t type;
        size_t payload;
        size_t cut;                     /* Truncate to this size if > 0. */
        enum vtep_drop_reason reason;
    } cases[] = {
        { "unbound VLAN", 0, MAC_A, 101, ETH_TYPE_IPV4, 46, 0, VTEP_DROP_UNBOUND },
        { "untagged on p0", 0, MAC_A, -1, ETH_TYPE_IPV4, 46, 0, VTEP_DROP_UNBOUND },
        { "unknown port", 7, MAC_A, -1, ETH_TYPE_IPV4, 46, 0, VTEP_DROP_UNBOUND },
        { "runt", 1, MAC_A, -1, ETH_TYPE_IPV4, 0, 13, VTEP_DROP_MALFORMED },
        { "empty", 1, MAC_A, -1, ETH_TYPE_IPV4, 0, 0, VTEP_DROP_MALFORMED },
        { "cut tag", 0, MAC_A, 100, ETH_TYPE_IPV4, 0, 17, VTEP_DROP_MALFORMED },
        { "VID 4095", 0, MAC_A, 4095, ETH_TYPE_IPV4, 46, 0, VTEP_DROP_MALFORMED },
        { "mcast src", 1, MAC_MCAST, -1, ETH_TYPE_IPV4, 46, 0, VTEP_DROP_MALFORMED },
        { "zero src", 1, "00:00:00:00:00:00", -1, ETH_TYPE_IPV4, 46, 0,
          VTEP_DROP_MALFORMED },
        { "oversize", 1, MAC_A, -1, ETH_TYPE_IPV4, VTEP_FRAME_MAX, 0,
          VTEP_DROP_MALFORMED },
        { "QinQ 8100", 0, MAC_A, 100, ETH_TYPE_VLAN, 46, 0, VTEP_DROP_DOUBLE_TAG },
        { "QinQ 88a8", 1, MAC_A, -1, ETH_TYPE_VLAN_8021AD, 46, 0,
          VTEP_DROP_DOUBLE_TAG },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        size_t n = mk_eth(f, MAC_BCAST, cases[i].src, cases[i].tci,
                          cases[i].type, cases[i].payload);
        if (cases[i].type == ETH_TYPE_VLAN) {
            pkt_put_be16(f + 18, 100);  /* Inner TCI. */
        }
        if (cases[i].cut || !strcmp(cases[i].name, "empty")) {
            n = cases[i].cut;
        }
        uint64_t before = drops(h, cases[i].reason);
        if (send_port(h, cases[i].port, f, n) != 0) {
            fail_msg("%s: %zu actions", cases[i].name, h->out.n);
        }
        if (drops(h, cases[i].reason) != before + 1) {
            fail_msg("%s: not counted as %s", cases[i].name,
                     vtep_drop_reason_name(cases[i].reason));
        }
        /* The input was not touched. */
        assert_memory_equal(h->frames[0].data, f, n);
    }
    struct vtep_learn_event ev;
    assert_int_equal(drain(h, &ev, 1), 0);      /* Nothing learned. */
    assert_int_equal(vtep_pipeline_stats(h->pl)->rx_port, ARRAY_SIZE(cases));
}

static void
test_rejected_tunnel_frames(void **state)
{
    struct harness *h = *state;
    uint8_t f[VTEP_FRAME_MAX + 64];
    size_t n;

    n = mk_vxlan(f, 5000, MAC_BCAST, MAC_R1, -1, ETH_TYPE_IPV4, 46);
    f[0] = 0;                                   /* I flag clear. */
    assert_int_equal(send_tunnel(h, f, n), 0);
    assert_int_equal(drops(h, VTEP_DROP_BAD_VXLAN), 1);
    assert_int_equal(send_tunnel(h, f, 7), 0);  /* Short header. */
    assert_int_equal(drops(h, VTEP_DROP_BAD_VXLAN), 2);

    n = mk_vxlan(f, 5001, MAC_BCAST, MAC_R1, -1, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_tunnel(h, f, n), 0);
    assert_int_equal(drops(h, VTEP_DROP_UNKNOWN_VNI), 1);

    n = mk_vxlan(f, 5000, MAC_BCAST, MAC_R1, 100, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_tunnel(h, f, n), 0);
    assert_int_equal(drops(h, VTEP_DROP_INNER_TAG), 1);

    n = mk_vxlan(f, 5000, MAC_BCAST, MAC_R1, -1, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_tunnel(h, f, 8 + 13), 0);
    assert_int_equal(drops(h, VTEP_DROP_MALFORMED), 1);

    n = mk_vxlan(f, 5000, MAC_BCAST, MAC_MCAST, -1, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_tunnel(h, f, n), 0);
    assert_int_equal(drops(h, VTEP_DROP_MALFORMED), 2);
}

/* ---- from a port ---- */

static void
test_flood_from_port(void **state)
{
    struct harness *h = *state;
    uint8_t f[2048], want[2048];
    size_t n = mk_eth(f, MAC_BCAST, MAC_A, 0x6064, ETH_TYPE_IPV4, 100);
    assert_int_equal(send_port(h, 0, f, n), 4);
    assert_null(find_port_action(h, 0, 100));   /* Not back in. */

    size_t wn = mk_eth(want, MAC_BCAST, MAC_A, -1, ETH_TYPE_IPV4, 100);
    assert_bytes(find_port_action(h, 1, 0), want, wn);
    assert_int_equal(find_port_action(h, 1, 0)->vlan_op, VTEP_VLAN_STRIP);
    wn = mk_eth(want, MAC_BCAST, MAC_A, 0x60c8, ETH_TYPE_IPV4, 100);
    assert_bytes(find_port_action(h, 2, 200), want, wn);  /* PCP kept. */
    assert_int_equal(find_port_action(h, 2, 200)->vlan_op, VTEP_VLAN_SET);

    wn = mk_vxlan(want, 5000, MAC_BCAST, MAC_A, -1, ETH_TYPE_IPV4, 100);
    const struct vtep_action *t2 = find_tunnel_action(h, "10.0.0.2");
    const struct vtep_action *t3 = find_tunnel_action(h, "10.0.0.3");
    assert_bytes(t2, want, wn);
    assert_bytes(t3, want, wn);
    assert_int_equal(t2->vni, 5000);
    assert_ptr_equal(t2->data, t3->data);       /* One copy for tunnels. */
    assert_true(t2->udp_src_port >= 49152);
    assert_int_equal(t2->udp_src_port, t3->udp_src_port);
    assert_int_equal(vtep_pipeline_stats(h->pl)->flood_copies, 4);

    struct vtep_learn_event ev[4];
    assert_int_equal(drain(h, ev, 4), 1);
    assert_int_equal(ev[0].kind, VTEP_LEARN_LEARNED);
    assert_int_equal(ev[0].sw, 0);
    assert_int_equal(ev[0].vni, 5000);
    assert_int_equal(ev[0].port, 0);
    assert_int_equal(ev[0].vlan, 100);
    assert_false(ev[0].has_ip);
    assert_memory_equal(ev[0].mac.ea, testlib_mac(MAC_A).ea, 6);

    /* Same again: refreshed, no new event. */
    n = mk_eth(f, MAC_BCAST, MAC_A, 0x6064, ETH_TYPE_IPV4, 100);
    assert_int_equal(send_port(h, 0, f, n), 4);
    assert_int_equal(drain(h, ev, 4), 0);
}

static void
test_flood_untagged_and_multicast(void **state)
{
    struct harness *h = *state;
    uint8_t f[2048], want[2048];

    /* Untagged in on p1: tag pushed for p0 and p2. */
    size_t n = mk_eth(f, MAC_BCAST, MAC_B, -1, ETH_TYPE_IPV4, 60);
    assert_int_equal(send_port(h, 1, f, n), 4);
    size_t wn = mk_eth(want, MAC_BCAST, MAC_B, 100, ETH_TYPE_IPV4, 60);
    assert_bytes(find_port_action(h, 0, 100), want, wn);
    assert_int_equal(find_port_action(h, 0, 100)->vlan_op, VTEP_VLAN_PUSH);
    wn = mk_eth(want, MAC_BCAST, MAC_B, 200, ETH_TYPE_IPV4, 60);
    assert_bytes(find_port_action(h, 2, 200), want, wn);
    wn = mk_vxlan(want, 5000, MAC_BCAST, MAC_B, -1, ETH_TYPE_IPV4, 60);
    assert_bytes(find_tunnel_action(h, "10.0.0.2"), want, wn);

    /* A listed multicast MAC goes to its own locator set. */
    n = mk_eth(f, MAC_MCAST, MAC_B, -1, ETH_TYPE_IPV4, 60);
    assert_int_equal(send_port(h, 1, f, n), 3);
    assert_int_equal(count_kind(h, VTEP_ACTION_TO_TUNNEL), 1);
    wn = mk_vxlan(want, 5000, MAC_MCAST, MAC_B, -1, ETH_TYPE_IPV4, 60);
    assert_bytes(find_tunnel_action(h, "10.0.0.4"), want, wn);

    /* An unlisted one, and unknown unicast, to unknown-dst. */
    n = mk_eth(f, "01:00:5e:00:00:02", MAC_B, -1, ETH_TYPE_IPV4, 60);
    assert_int_equal(send_port(h, 1, f, n), 4);
    assert_non_null(find_tunnel_action(h, "10.0.0.3"));
    n = mk_eth(f, "00:00:00:00:99:99", MAC_B, -1, ETH_TYPE_IPV4, 60);
    assert_int_equal(send_port(h, 1, f, n), 4);
    assert_non_null(find_tunnel_action(h, "10.0.0.2"));
    assert_non_null(find_tunnel_action(h, "10.0.0.3"));

    /* A priority-tagged frame (VID 0) belongs to the untagged binding. */
    n = mk_eth(f, MAC_BCAST, MAC_B, 0xa000, ETH_TYPE_IPV4, 60);
    assert_int_equal(send_port(h, 1, f, n), 4);
    wn = mk_eth(want, MAC_BCAST, MAC_B, 0xa064, ETH_TYPE_IPV4, 60);
    assert_bytes(find_port_action(h, 0, 100), want, wn);
}

static void
test_unicast_remote(void **state)
{
    struct harness *h = *state;
    uint8_t f[2048], want[2048];
    size_t n = mk_eth(f, MAC_R1, MAC_A, 100, ETH_TYPE_IPV4, 200);
    assert_int_equal(send_port(h, 0, f, n), 1);
    size_t wn = mk_vxlan(want, 5000, MAC_R1, MAC_A, -1, ETH_TYPE_IPV4, 200);
    const struct vtep_action *a = find_tunnel_action(h, "10.0.0.2");
    assert_bytes(a, want, wn);
    static const uint8_t hdr[8] = { 0x08, 0, 0, 0, 0x00, 0x13, 0x88, 0 };
    assert_memory_equal(a->data, hdr, 8);       /* VNI 5000 = 0x001388. */
    assert_int_equal(a->vni, 5000);
    /* Done in place, in the input buffer's headroom. */
    assert_true(a->data >= h->slots[0] && a->data < h->frames[0].data);
    assert_int_equal(h->pool.n_used, 0);
    uint16_t sport = a->udp_src_port;
    assert_true(sport >= 49152);

    /* Same flow, same port; untagged input needs the whole headroom. */
    n = mk_eth(f, MAC_R1, MAC_A, 100, ETH_TYPE_IPV4, 200);
    assert_int_equal(send_port(h, 0, f, n), 1);
    assert_int_equal(h->out.actions[0].udp_src_port, sport);
    n = mk_eth(f, MAC_R1, MAC_B, -1, ETH_TYPE_IPV4, 200);
    assert_int_equal(send_port(h, 1, f, n), 1);
    wn = mk_vxlan(want, 5000, MAC_R1, MAC_B, -1, ETH_TYPE_IPV4, 200);
    assert_bytes(&h->out.actions[0], want, wn);
    assert_ptr_equal(h->out.actions[0].data,
                     h->frames[0].data - VTEP_PIPELINE_HEADROOM);

    /* Different IPv4 flows spread over source ports. */
    uint16_t seen_first = 0;
    bool differ = false;
    for (int i = 0; i < 16; i++) {
        n = mk_eth(f, MAC_R1, MAC_B, -1, ETH_TYPE_IPV4, 40);
        f[14] = 0x45;
        f[14 + 9] = IPV4_PROTO_UDP;
        pkt_put_be32(f + 14 + 12, 0x0a000000 + (uint32_t) i);
        assert_int_equal(send_port(h, 1, f, n), 1);
        uint16_t p = h->out.actions[0].udp_src_port;
        assert_true(p >= 49152);
        if (i == 0) {
            seen_first = p;
        } else if (p != seen_first) {
            differ = true;
        }
    }
    assert_true(differ);
}

static void
test_unicast_local_learned(void **state)
{
    struct harness *h = *state;
    uint8_t f[2048], want[2048];
    /* B speaks on p1 (untagged), A on p0/100. */
    size_t n = mk_eth(f, MAC_BCAST, MAC_B, -1, ETH_TYPE_IPV4, 46);
    send_port(h, 1, f, n);
    n = mk_eth(f, MAC_B, MAC_A, 0x0064, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_port(h, 0, f, n), 1);
    size_t wn = mk_eth(want, MAC_B, MAC_A, -1, ETH_TYPE_IPV4, 46);
    assert_bytes(find_port_action(h, 1, 0), want, wn);
    assert_int_equal(h->pool.n_used, 0);        /* Popped in place. */

    n = mk_eth(f, MAC_A, MAC_B, -1, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_port(h, 1, f, n), 1);
    wn = mk_eth(want, MAC_A, MAC_B, 100, ETH_TYPE_IPV4, 46);
    assert_bytes(find_port_action(h, 0, 100), want, wn);

    /* A frame for a MAC learned on the ingress binding goes nowhere. */
    n = mk_eth(f, MAC_A, "00:00:00:00:0c:01", 100, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_port(h, 0, f, n), 0);
    assert_int_equal(drops(h, VTEP_DROP_SAME_BINDING), 1);

    /* A learned in ls0 is unknown in ls1 (p0/300). */
    n = mk_eth(f, MAC_A, MAC_B, 301, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_port(h, 1, f, n), 2); /* p0/300 + 1 service node. */
}

/* A remote entry set by the controller wins over a learned MAC. */
static void
test_remote_wins_over_learned(void **state)
{
    struct harness *h = *state;
    uint8_t f[256];
    size_t n = mk_eth(f, MAC_BCAST, MAC_R1, -1, ETH_TYPE_IPV4, 46);
    send_port(h, 1, f, n);                      /* R1 "learned" on p1. */
    n = mk_eth(f, MAC_R1, MAC_A, 100, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_port(h, 0, f, n), 1);
    assert_non_null(find_tunnel_action(h, "10.0.0.2"));
}

static void
test_mac_move(void **state)
{
    struct harness *h = *state;
    uint8_t f[2048], want[2048];
    struct vtep_learn_event ev[4];
    size_t n = mk_eth(f, MAC_BCAST, MAC_B, -1, ETH_TYPE_IPV4, 46);
    send_port(h, 1, f, n);
    assert_int_equal(drain(h, ev, 4), 1);

    n = mk_eth(f, MAC_BCAST, MAC_B, 200, ETH_TYPE_IPV4, 46);
    send_port(h, 2, f, n);
    assert_int_equal(drain(h, ev, 4), 1);
    assert_int_equal(ev[0].kind, VTEP_LEARN_MOVED);
    assert_int_equal(ev[0].port, 2);
    assert_int_equal(ev[0].vlan, 200);
    assert_int_equal(vtep_pipeline_stats(h->pl)->moved, 1);

    n = mk_eth(f, MAC_B, MAC_A, 100, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_port(h, 0, f, n), 1);
    size_t wn = mk_eth(want, MAC_B, MAC_A, 200, ETH_TYPE_IPV4, 46);
    assert_bytes(find_port_action(h, 2, 200), want, wn);
}

static void
test_aging(void **state)
{
    struct harness *h = *state;
    uint8_t f[2048];
    struct vtep_learn_event ev[4];
    vtep_pipeline_set_time(h->pl, 1000);
    size_t n = mk_eth(f, MAC_BCAST, MAC_B, -1, ETH_TYPE_IPV4, 46);
    send_port(h, 1, f, n);
    drain(h, ev, 4);

    vtep_pipeline_set_time(h->pl, 1000 + 299999);
    assert_int_equal(vtep_pipeline_age(h->pl, SIZE_MAX), 0);
    n = mk_eth(f, MAC_B, MAC_A, 100, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_port(h, 0, f, n), 1);         /* Still known. */

    /* A seen again at +299999 (learned then); B ages at +300000. */
    drain(h, ev, 4);
    vtep_pipeline_set_time(h->pl, 1000 + 300000);
    assert_int_equal(vtep_pipeline_age(h->pl, SIZE_MAX), 1);
    assert_int_equal(drain(h, ev, 4), 1);
    assert_int_equal(ev[0].kind, VTEP_LEARN_AGED);
    assert_memory_equal(ev[0].mac.ea, testlib_mac(MAC_B).ea, 6);
    assert_int_equal(ev[0].port, 1);
    assert_int_equal(ev[0].sw, 0);
    assert_int_equal(vtep_pipeline_stats(h->pl)->aged, 1);

    /* B unknown now: flooded (p1, p2, two tunnels). */
    n = mk_eth(f, MAC_B, MAC_A, 100, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_port(h, 0, f, n), 4);
}

static void
test_aging_configurable(void **state)
{
    (void) state;
    struct vtep_config c;
    fixture_config(&c);
    c.mac_aging_s = 5;
    struct harness *h = harness_create(&c);
    vtep_config_destroy(&c);
    uint8_t f[128];
    size_t n = mk_eth(f, MAC_BCAST, MAC_B, -1, ETH_TYPE_IPV4, 46);
    send_port(h, 1, f, n);
    vtep_pipeline_set_time(h->pl, 4999);
    assert_int_equal(vtep_pipeline_age(h->pl, SIZE_MAX), 0);
    vtep_pipeline_set_time(h->pl, 5000);
    assert_int_equal(vtep_pipeline_age(h->pl, SIZE_MAX), 1);
    void *s = h;
    teardown(&s);
}

/* ---- from a tunnel ---- */

static void
test_from_tunnel(void **state)
{
    struct harness *h = *state;
    uint8_t f[2048], want[2048];

    /* Broadcast: every local binding, never a tunnel. */
    size_t n = mk_vxlan(f, 5000, MAC_BCAST, MAC_R1, -1, ETH_TYPE_IPV4, 80);
    assert_int_equal(send_tunnel(h, f, n), 3);
    assert_int_equal(count_kind(h, VTEP_ACTION_TO_TUNNEL), 0);
    size_t wn = mk_eth(want, MAC_BCAST, MAC_R1, 100, ETH_TYPE_IPV4, 80);
    assert_bytes(find_port_action(h, 0, 100), want, wn);
    assert_int_equal(find_port_action(h, 0, 100)->vlan_op, VTEP_VLAN_PUSH);
    wn = mk_eth(want, MAC_BCAST, MAC_R1, -1, ETH_TYPE_IPV4, 80);
    assert_bytes(find_port_action(h, 1, 0), want, wn);
    wn = mk_eth(want, MAC_BCAST, MAC_R1, 200, ETH_TYPE_IPV4, 80);
    assert_bytes(find_port_action(h, 2, 200), want, wn);
    struct vtep_learn_event ev;
    assert_int_equal(drain(h, &ev, 1), 0);      /* Remote MACs not learned. */

    /* To a learned local MAC: only its binding, tag pushed in place. */
    n = mk_eth(f, MAC_BCAST, MAC_A, 200, ETH_TYPE_IPV4, 46);
    send_port(h, 2, f, n);
    n = mk_vxlan(f, 5000, MAC_A, MAC_R1, -1, ETH_TYPE_IPV4, 80);
    assert_int_equal(send_tunnel(h, f, n), 1);
    wn = mk_eth(want, MAC_A, MAC_R1, 200, ETH_TYPE_IPV4, 80);
    assert_bytes(find_port_action(h, 2, 200), want, wn);
    assert_int_equal(h->pool.n_used, 0);

    /* To an unknown (or remote) unicast MAC: flood locally only. */
    n = mk_vxlan(f, 5000, MAC_R2, MAC_R1, -1, ETH_TYPE_IPV4, 80);
    assert_int_equal(send_tunnel(h, f, n), 3);
    assert_int_equal(count_kind(h, VTEP_ACTION_TO_TUNNEL), 0);

    /* VNI 6000 goes to ls1's bindings only. */
    n = mk_vxlan(f, 6000, MAC_BCAST, MAC_R2, -1, ETH_TYPE_ARP, 28);
    assert_int_equal(send_tunnel(h, f, n), 2);
    assert_non_null(find_port_action(h, 0, 300));
    assert_non_null(find_port_action(h, 1, 301));
}

/* ---- MTU ---- */

static void
test_tunnel_mtu(void **state)
{
    struct harness *h = *state;
    static uint8_t f[VTEP_FRAME_MAX];
    /* MTU 1500: inner frames up to 1464 bytes fit. */
    size_t n = mk_eth(f, MAC_R1, MAC_B, -1, ETH_TYPE_IPV4, 1464 - 14);
    assert_int_equal(send_port(h, 1, f, n), 1);
    assert_int_equal(h->out.actions[0].size, 1464 + 8);
    n = mk_eth(f, MAC_R1, MAC_B, -1, ETH_TYPE_IPV4, 1465 - 14);
    assert_int_equal(send_port(h, 1, f, n), 0);
    assert_int_equal(drops(h, VTEP_DROP_MTU), 1);
    /* The tag does not count. */
    n = mk_eth(f, MAC_R1, MAC_A, 100, ETH_TYPE_IPV4, 1464 - 14);
    assert_int_equal(send_port(h, 0, f, n), 1);

    /* A flood too big to tunnel still reaches the local bindings. */
    n = mk_eth(f, MAC_BCAST, MAC_B, -1, ETH_TYPE_IPV4, 4000);
    assert_int_equal(send_port(h, 1, f, n), 2);
    assert_int_equal(count_kind(h, VTEP_ACTION_TO_TUNNEL), 0);
    assert_int_equal(drops(h, VTEP_DROP_MTU), 3);
    size_t wn;
    static uint8_t want[VTEP_FRAME_MAX];
    wn = mk_eth(want, MAC_BCAST, MAC_B, 200, ETH_TYPE_IPV4, 4000);
    assert_bytes(find_port_action(h, 2, 200), want, wn);
}

/* ---- replication ---- */

static void
test_service_node(void **state)
{
    struct harness *h = *state;
    uint8_t f[256];
    int hits[3] = { 0, 0, 0 };
    static const char *const nodes[3] = { "10.0.0.5", "10.0.0.6", "10.0.0.7" };
    for (uint32_t i = 0; i < 64; i++) {
        size_t n = mk_eth(f, MAC_BCAST, MAC_A, 300, ETH_TYPE_IPV4, 46);
        uint8_t *ip = f + 18;
        ip[0] = 0x45;
        ip[9] = IPV4_PROTO_UDP;
        pkt_put_be32(ip + 12, 0xc0a80100 + i);
        pkt_put_be32(ip + 16, 0xc0a801ff);
        assert_int_equal(send_port(h, 0, f, n), 2);
        assert_int_equal(count_kind(h, VTEP_ACTION_TO_TUNNEL), 1);
        assert_non_null(find_port_action(h, 1, 301));
        int which = -1;
        for (int k = 0; k < 3; k++) {
            if (find_tunnel_action(h, nodes[k])) {
                which = k;
            }
        }
        assert_true(which >= 0);
        hits[which]++;
        /* The same flow picks the same node. */
        send_port(h, 0, f, n);
        assert_non_null(find_tunnel_action(h, nodes[which]));
    }
    assert_true(hits[0] && hits[1] && hits[2]);
}

/* ---- ARP suppression ---- */

static size_t
mk_arp(uint8_t *p, int tci, uint16_t op, const char *sha, const char *spa,
       const char *tha, const char *tpa, const char *eth_dst)
{
    size_t n = mk_eth(p, eth_dst, sha, tci, ETH_TYPE_ARP, ARP_LEN);
    uint8_t *a = p + n - ARP_LEN;
    pkt_put_be16(a + ARP_HTYPE_OFS, ARP_HTYPE_ETH);
    pkt_put_be16(a + ARP_PTYPE_OFS, ETH_TYPE_IPV4);
    a[ARP_HLEN_OFS] = 6;
    a[ARP_PLEN_OFS] = 4;
    pkt_put_be16(a + ARP_OP_OFS, op);
    memcpy(a + ARP_SHA_OFS, testlib_mac(sha).ea, 6);
    struct in_addr s = testlib_ipv4(spa), t = testlib_ipv4(tpa);
    memcpy(a + ARP_SPA_OFS, &s, 4);
    memcpy(a + ARP_THA_OFS, testlib_mac(tha).ea, 6);
    memcpy(a + ARP_TPA_OFS, &t, 4);
    return n;
}

static void
test_arp_suppression(void **state)
{
    struct harness *h = *state;
    uint8_t f[256], want[256];
    struct vtep_learn_event ev[4];

    /* ls1 has it on: a request for R2's address is answered out p0/300. */
    size_t n = mk_arp(f, 300, ARP_OP_REQUEST, MAC_A, "192.168.1.1",
                      "00:00:00:00:00:00", "192.168.1.100", MAC_BCAST);
    assert_int_equal(send_port(h, 0, f, n), 1);
    size_t wn = mk_arp(want, 300, ARP_OP_REPLY, MAC_R2, "192.168.1.100",
                       MAC_A, "192.168.1.1", MAC_A);
    assert_bytes(find_port_action(h, 0, 300), want, wn);
    assert_int_equal(vtep_pipeline_stats(h->pl)->arp_replies, 1);
    assert_int_equal(drain(h, ev, 4), 1);
    assert_true(ev[0].has_ip);                  /* Learned with its IP. */
    assert_int_equal(ev[0].ip.s_addr, testlib_ipv4("192.168.1.1").s_addr);
    assert_int_equal(ev[0].sw, 1);

    /* An address no remote entry carries: flooded as usual. */
    n = mk_arp(f, 300, ARP_OP_REQUEST, MAC_A, "192.168.1.1",
               "00:00:00:00:00:00", "192.168.1.77", MAC_BCAST);
    assert_int_equal(send_port(h, 0, f, n), 2);
    /* Gratuitous ARP is never answered. */
    n = mk_arp(f, 300, ARP_OP_REQUEST, MAC_A, "192.168.1.100",
               "00:00:00:00:00:00", "192.168.1.100", MAC_BCAST);
    assert_int_equal(send_port(h, 0, f, n), 2);
    /* Replies are forwarded, not answered. */
    n = mk_arp(f, 300, ARP_OP_REPLY, MAC_A, "192.168.1.1",
               MAC_R2, "192.168.1.100", MAC_R2);
    assert_int_equal(send_port(h, 0, f, n), 1);
    assert_non_null(find_tunnel_action(h, "10.0.0.5"));
    /* The gratuitous ARP and the reply each changed A's IP in ls1. */
    assert_int_equal(drain(h, ev, 4), 2);

    /* ls0 has it off (the default): R1's address is flooded. */
    n = mk_arp(f, 100, ARP_OP_REQUEST, MAC_A, "192.168.0.1",
               "00:00:00:00:00:00", "192.168.0.100", MAC_BCAST);
    assert_int_equal(send_port(h, 0, f, n), 4);
    assert_int_equal(vtep_pipeline_stats(h->pl)->arp_replies, 1);
    /* A new IP for a known MAC is reported. */
    assert_int_equal(drain(h, ev, 4), 1);
    n = mk_arp(f, 100, ARP_OP_REQUEST, MAC_A, "192.168.0.2",
               "00:00:00:00:00:00", "192.168.0.100", MAC_BCAST);
    send_port(h, 0, f, n);
    assert_int_equal(drain(h, ev, 4), 1);
    assert_int_equal(ev[0].kind, VTEP_LEARN_LEARNED);
    assert_int_equal(ev[0].ip.s_addr, testlib_ipv4("192.168.0.2").s_addr);
}

/* ---- bursts and resources ---- */

static void
test_burst(void **state)
{
    struct harness *h = *state;
    uint8_t f[256];
    for (size_t i = 0; i < VTEP_BURST_MAX + 8; i++) {
        size_t n = mk_eth(f, MAC_R1, MAC_B, -1, ETH_TYPE_IPV4, 46 + i);
        set_frame(h, i, f, n);
    }
    assert_int_equal(run_port(h, 1, VTEP_BURST_MAX + 8), VTEP_BURST_MAX);
    assert_int_equal(h->out.n, VTEP_BURST_MAX);
    for (size_t i = 0; i < h->out.n; i++) {
        assert_int_equal(h->out.actions[i].frame, i);
        assert_int_equal(h->out.actions[i].size, 8 + 14 + 46 + i);
    }
    assert_int_equal(vtep_pipeline_stats(h->pl)->rx_port, VTEP_BURST_MAX);
}

static void
test_pool_and_batch_exhausted(void **state)
{
    struct harness *h = *state;
    uint8_t f[256], want[256];
    /* No pool buffer: the in-place version still goes (the tunnels), the
     * copies are dropped and counted. */
    size_t n = mk_eth(f, MAC_BCAST, MAC_A, 100, ETH_TYPE_IPV4, 46);
    set_frame(h, 0, f, n);
    reset_out(h);
    h->pool.n_bufs = 0;
    vtep_pipeline_run_from_port(h->pl, 0, h->frames, 1, &h->pool, &h->out);
    h->pool.n_bufs = N_POOL;
    assert_int_equal(h->out.n, 2);
    assert_int_equal(count_kind(h, VTEP_ACTION_TO_TUNNEL), 2);
    assert_int_equal(drops(h, VTEP_DROP_NO_BUFFER), 2);
    size_t wn = mk_vxlan(want, 5000, MAC_BCAST, MAC_A, -1, ETH_TYPE_IPV4, 46);
    assert_bytes(&h->out.actions[0], want, wn);

    /* A batch with room for 1 action. */
    set_frame(h, 0, f, n);
    reset_out(h);
    h->out.capacity = 1;
    vtep_pipeline_run_from_port(h->pl, 0, h->frames, 1, &h->pool, &h->out);
    h->out.capacity = N_ACTIONS;
    assert_int_equal(h->out.n, 1);
    assert_int_equal(drops(h, VTEP_DROP_OUT_FULL), 3);
    assert_non_null(h->out.actions[0].data);
}

static void
test_flood_nowhere(void **state)
{
    (void) state;
    struct vtep_config c;
    vtep_config_init(&c);
    c.n_ports = 1;
    c.ports = xcalloc(1, sizeof *c.ports);
    c.ports[0].name = xstrdup("p0");
    c.n_switches = 1;
    c.switches = xcalloc(1, sizeof *c.switches);
    c.switches[0].name = xstrdup("lonely");
    c.switches[0].vni = 1;
    c.n_bindings = 1;
    c.bindings = xcalloc(1, sizeof *c.bindings);
    struct harness *h = harness_create(&c);
    vtep_config_destroy(&c);
    uint8_t f[128];
    size_t n = mk_eth(f, MAC_BCAST, MAC_A, -1, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_port(h, 0, f, n), 0);
    assert_int_equal(drops(h, VTEP_DROP_NO_DEST), 1);
    void *s = h;
    teardown(&s);
}

static void
test_no_config(void **state)
{
    (void) state;
    struct vtep_fwd_publisher *pub = vtep_fwd_publisher_create(NULL);
    struct vtep_pipeline *pl = vtep_pipeline_create(pub, NULL);
    uint8_t buf[128];
    struct vtep_frame fr = { buf + 16, (uint32_t) mk_eth(buf + 16, MAC_BCAST,
                                                        MAC_A, -1,
                                                        ETH_TYPE_IPV4, 46) };
    struct vtep_action acts[4];
    struct vtep_out out = { acts, 0, 4 };
    struct vtep_pool pool = { NULL, 0, 0, 0 };
    assert_int_equal(vtep_pipeline_run_from_port(pl, 0, &fr, 1, &pool, &out),
                     1);
    assert_int_equal(out.n, 0);
    assert_int_equal(vtep_pipeline_stats(pl)->drops[VTEP_DROP_NO_CONFIG], 1);
    vtep_pipeline_destroy(pl);
    vtep_fwd_publisher_destroy(pub);
}

/* ---- fwd snapshot ---- */

static void
test_fwd_large_table(void **state)
{
    (void) state;
    struct vtep_config c;
    fixture_config(&c);
    struct vtep_switch *s = &c.switches[0];
    size_t n = 100000;
    s->ucast = xrealloc(s->ucast, n * sizeof *s->ucast);
    for (size_t i = 1; i < n; i++) {
        struct vtep_remote_mac *m = &s->ucast[i];
        memset(m, 0, sizeof *m);
        eth_addr_from_u64(0x020000000000ULL + i, m->mac.ea);
        m->locators = xcalloc(1, sizeof *m->locators);
        m->locators[0].ip.s_addr = htonl(0x0a010000 + (uint32_t) (i % 1000));
        m->n_locators = 1;
    }
    s->n_ucast = n;
    struct vtep_fwd *f = vtep_fwd_create(&c);
    vtep_config_destroy(&c);
    assert_int_equal(f->ucast.n, n + 1);     /* + ls1's R2. */
    for (size_t i = 1; i < n; i++) {
        const struct vtep_fwd_entry *e =
            vtep_fwd_table_find(&f->ucast, 0, 0x020000000000ULL + i);
        assert_non_null(e);
        assert_int_equal(e->value, htonl(0x0a010000 + (uint32_t) (i % 1000)));
        assert_null(vtep_fwd_table_find(&f->ucast, 1,
                                        0x020000000000ULL + i));
    }
    assert_int_equal(vtep_fwd_lookup_vni(f, 5000), 0);
    assert_int_equal(vtep_fwd_lookup_vni(f, 6000), 1);
    assert_int_equal(vtep_fwd_lookup_vni(f, 7000), VTEP_FWD_NO_SWITCH);
    assert_int_equal(vtep_fwd_lookup_binding(f, 0, 100), 0);
    assert_int_equal(vtep_fwd_lookup_binding(f, 0, 300), 1);
    assert_int_equal(vtep_fwd_lookup_binding(f, 0, 0), VTEP_FWD_NO_SWITCH);
    assert_int_equal(vtep_fwd_lookup_binding(f, 3, 0), VTEP_FWD_NO_SWITCH);
    assert_int_equal(f->switches[0].n_locals, 3);
    assert_int_equal(f->switches[1].n_locals, 2);
    vtep_fwd_destroy(f);
}

static void
test_fwd_bad_bindings_skipped(void **state)
{
    (void) state;
    struct vtep_config c;
    fixture_config(&c);
    static const struct vtep_binding bad[] = {
        { 0, 100, 1 },                  /* Duplicate of (p0,100): first wins. */
        { 9, 5, 0 },                    /* No such port. */
        { 1, 5, 9 },                    /* No such switch. */
        { 1, 4095, 0 },                 /* Not a VLAN. */
    };
    c.bindings = xrealloc(c.bindings,
                          (c.n_bindings + ARRAY_SIZE(bad)) * sizeof *c.bindings);
    memcpy(&c.bindings[c.n_bindings], bad, sizeof bad);
    c.n_bindings += ARRAY_SIZE(bad);
    struct vtep_fwd *f = vtep_fwd_create(&c);
    vtep_config_destroy(&c);
    assert_int_equal(vtep_fwd_lookup_binding(f, 0, 100), 0);
    assert_int_equal(vtep_fwd_lookup_binding(f, 1, 5), VTEP_FWD_NO_SWITCH);
    assert_int_equal(f->switches[0].n_locals, 3);
    assert_int_equal(f->switches[1].n_locals, 2);
    vtep_fwd_destroy(f);
}

/* A port whose name changes (a tap gone, another in its slot) loses its
 * learned MACs; those of the other ports stay. */
static void
test_port_change_forgets_its_macs(void **state)
{
    struct harness *h = *state;
    uint8_t f[128];
    size_t n = mk_eth(f, MAC_BCAST, MAC_B, -1, ETH_TYPE_IPV4, 46);
    send_port(h, 1, f, n);
    n = mk_eth(f, MAC_B, MAC_A, 100, ETH_TYPE_IPV4, 46);
    assert_int_equal(send_port(h, 0, f, n), 1);

    struct vtep_config c;
    fixture_config(&c);
    free(c.ports[1].name);
    c.ports[1].name = xstrdup("p1-renamed");
    vtep_fwd_publish(h->pub, vtep_fwd_create(&c));
    vtep_config_destroy(&c);
    n = mk_eth(f, MAC_B, MAC_A, 100, ETH_TYPE_IPV4, 46);
    struct vtep_learn_event ev[4];
    assert_int_equal(drain(h, ev, 4), 2);       /* B and A learned. */
    assert_int_equal(send_port(h, 0, f, n), 4);  /* B unknown again. */
    /* B (on p1) was reported aged; A (on p0) is still known: no event. */
    assert_int_equal(drain(h, ev, 4), 1);
    assert_int_equal(ev[0].kind, VTEP_LEARN_AGED);
    assert_int_equal(ev[0].port, 1);
    vtep_fwd_synchronize(h->pub);
}

/* ---- publication with a real reader thread ---- */

struct reader {
    struct vtep_fwd_publisher *pub;
    atomic_bool stop;
    atomic_ulong bursts;
    atomic_ulong bad;
};

static void *
reader_main(void *arg)
{
    struct reader *r = arg;
    struct vtep_pipeline *pl = vtep_pipeline_create(r->pub, NULL);
    static uint8_t slot[256];
    static uint8_t pool_mem[8][VTEP_POOL_BUF_MIN];
    struct vtep_action acts[32];
    unsigned long i = 0;
    while (!atomic_load(&r->stop)) {
        uint8_t *data = slot + 16;
        struct vtep_frame fr = {
            data, (uint32_t) mk_eth(data, MAC_BCAST, MAC_A, 100,
                                    ETH_TYPE_IPV4, 46)
        };
        struct vtep_out out = { acts, 0, 32 };
        struct vtep_pool pool = { &pool_mem[0][0], VTEP_POOL_BUF_MIN, 8, 0 };
        /* Read the snapshot directly too, touching every part of it. */
        const struct vtep_fwd *f = vtep_fwd_get(r->pub);
        if (f && (f->n_ports != 3 || f->switches[0].vni != 5000
                  || f->switches[0].n_locals != 3)) {
            atomic_fetch_add(&r->bad, 1);
        }
        vtep_pipeline_run_from_port(pl, 0, &fr, 1, &pool, &out);
        if (out.n != 4) {
            atomic_fetch_add(&r->bad, 1);
        }
        atomic_fetch_add(&r->bursts, 1);
        if (++i % 64 == 0) {
            vtep_pipeline_offline(pl);  /* As if blocking in poll. */
            vtep_pipeline_online(pl);
        }
    }
    vtep_pipeline_destroy(pl);
    return NULL;
}

static void
test_publish_with_reader_thread(void **state)
{
    (void) state;
    struct vtep_config c;
    fixture_config(&c);
    struct reader r = { .pub = vtep_fwd_publisher_create(vtep_fwd_create(&c)) };
    atomic_init(&r.stop, false);
    atomic_init(&r.bursts, 0);
    atomic_init(&r.bad, 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
    for (int i = 0; i < 300; i++) {
        /* A new snapshot each time; every old one freed after the reader
         * moves on (ASan reports any use after free). */
        c.switches[0].ucast[0].ip.s_addr = htonl(0xc0a80000 + (uint32_t) i);
        vtep_fwd_publish(r.pub, vtep_fwd_create(&c));
        if (i % 50 == 0) {
            vtep_fwd_synchronize(r.pub);
            assert_int_equal(vtep_fwd_reclaim(r.pub), 0);
        }
    }
    unsigned long before = atomic_load(&r.bursts);
    while (atomic_load(&r.bursts) < before + 100) {
        sched_yield();
    }
    vtep_fwd_synchronize(r.pub);
    atomic_store(&r.stop, true);
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&r.bad), 0);
    assert_int_equal(vtep_fwd_reclaim(r.pub), 0);
    vtep_fwd_publisher_destroy(r.pub);
    vtep_config_destroy(&c);
}

static void
test_qsbr_waits_for_reader(void **state)
{
    (void) state;
    struct vtep_config c;
    fixture_config(&c);
    struct vtep_fwd_publisher *pub = vtep_fwd_publisher_create(vtep_fwd_create(&c));
    struct vtep_fwd_thread *t = vtep_fwd_thread_register(pub);
    const struct vtep_fwd *held = vtep_fwd_get(pub);
    vtep_fwd_publish(pub, vtep_fwd_create(&c));
    /* 't' has not quiesced: the old snapshot stays. */
    assert_int_equal(vtep_fwd_reclaim(pub), 1);
    assert_int_equal(held->switches[0].vni, 5000);
    vtep_fwd_quiesce(t);
    assert_int_equal(vtep_fwd_reclaim(pub), 0);
    /* Offline threads do not hold anything back. */
    vtep_fwd_thread_offline(t);
    vtep_fwd_publish(pub, vtep_fwd_create(&c));
    assert_int_equal(vtep_fwd_reclaim(pub), 0);
    vtep_fwd_thread_unregister(t);
    vtep_fwd_publisher_destroy(pub);
    vtep_config_destroy(&c);
}

/* ---- fdb and ring ---- */

static void
test_fdb_against_reference(void **state)
{
    (void) state;
    /* A small table with many collisions, against a plain array. */
    enum { N = 200 };
    struct vtep_fdb *fdb = vtep_fdb_create(N);
    bool present[N] = { false };
    uint32_t port_of[N];
    unsigned int seed = 7;
    for (int round = 0; round < 20000; round++) {
        seed = seed * 1103515245 + 12345;
        int k = (seed >> 8) % N;
        uint64_t m = 0x001122000000ULL + (uint64_t) k * 0x10001;
        uint32_t vni = 100 + (k & 1);
        if ((seed >> 20) & 1) {
            enum vtep_fdb_result res = vtep_fdb_learn(fdb, vni, m,
                                                      (uint32_t) round, 1, 0,
                                                      (uint64_t) round);
            assert_int_equal(res, present[k] ? VTEP_FDB_MOVED : VTEP_FDB_NEW);
            present[k] = true;
            port_of[k] = (uint32_t) round;
        } else {
            assert_int_equal(vtep_fdb_remove(fdb, vni, m), present[k]);
            present[k] = false;
        }
        if (round % 997 == 0) {
            size_t count = 0;
            for (int j = 0; j < N; j++) {
                uint64_t mj = 0x001122000000ULL + (uint64_t) j * 0x10001;
                struct vtep_fdb_entry *e =
                    vtep_fdb_lookup(fdb, 100 + (j & 1), mj);
                assert_int_equal(e != NULL, present[j]);
                if (e) {
                    assert_int_equal(e->port, port_of[j]);
                    count++;
                }
            }
            assert_int_equal(count, fdb->n);
        }
    }
    /* Full table refuses. */
    vtep_fdb_flush(fdb);
    for (uint64_t i = 0; i < N; i++) {
        assert_int_equal(vtep_fdb_learn(fdb, 1, i + 1, 0, 0, 0, 0),
                         VTEP_FDB_NEW);
    }
    assert_int_equal(vtep_fdb_learn(fdb, 1, 9999, 0, 0, 0, 0), VTEP_FDB_FULL);
    /* Incremental aging: a small budget needs several calls. */
    size_t removed = 0;
    for (int i = 0; i < 1000 && fdb->n; i++) {
        removed += vtep_fdb_age(fdb, 1000, 10, 7, NULL, NULL);
    }
    assert_int_equal(removed, N);
    vtep_fdb_destroy(fdb);
}

static void
test_ring(void **state)
{
    (void) state;
    struct vtep_ring *r = vtep_ring_create(5);  /* Rounded up to 8. */
    struct vtep_learn_event ev = { .port = 0 }, got;
    assert_false(vtep_ring_pop(r, &got));
    for (uint32_t i = 0; i < 10; i++) {
        ev.port = i;
        assert_int_equal(vtep_ring_push(r, &ev), i < 8);
    }
    assert_int_equal(vtep_ring_drops(r), 2);
    for (uint32_t i = 0; i < 8; i++) {
        assert_true(vtep_ring_pop(r, &got));
        assert_int_equal(got.port, i);
    }
    assert_false(vtep_ring_pop(r, &got));
    vtep_ring_destroy(r);
}

struct ring_arg {
    struct vtep_ring *r;
    uint32_t n;
};

static void *
ring_producer(void *arg)
{
    struct ring_arg *a = arg;
    struct vtep_learn_event ev = { .port = 0 };
    for (uint32_t i = 0; i < a->n; i++) {
        ev.port = i;
        while (!vtep_ring_push(a->r, &ev)) {
            sched_yield();
        }
    }
    return NULL;
}

static void
test_ring_threads(void **state)
{
    (void) state;
    struct ring_arg a = { vtep_ring_create(64), 200000 };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, ring_producer, &a), 0);
    struct vtep_learn_event got;
    for (uint32_t i = 0; i < a.n; i++) {
        while (!vtep_ring_pop(a.r, &got)) {
            sched_yield();
        }
        assert_int_equal(got.port, i);
    }
    pthread_join(th, NULL);
    vtep_ring_destroy(a.r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eth_addr_from_string),
        cmocka_unit_test(test_pkt_vlan_push_pop),
        cmocka_unit_test_setup_teardown(test_rejected_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_tunnel_frames, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flood_from_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood_untagged_and_multicast,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_unicast_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unicast_local_learned, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_remote_wins_over_learned, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mac_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aging, setup, teardown),
        cmocka_unit_test(test_aging_configurable),
        cmocka_unit_test_setup_teardown(test_from_tunnel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tunnel_mtu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_suppression, setup, teardown),
        cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_and_batch_exhausted, setup,
                                        teardown),
        cmocka_unit_test(test_flood_nowhere),
        cmocka_unit_test(test_no_config),
        cmocka_unit_test(test_fwd_large_table),
        cmocka_unit_test(test_fwd_bad_bindings_skipped),
        cmocka_unit_test_setup_teardown(test_port_change_forgets_its_macs, setup,
                                        teardown),
        cmocka_unit_test(test_publish_with_reader_thread),
        cmocka_unit_test(test_qsbr_waits_for_reader),
        cmocka_unit_test(test_fdb_against_reference),
        cmocka_unit_test(test_ring),
        cmocka_unit_test(test_ring_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
