/* Unit tests of seam-sriov-nic's sans-I/O core: the 802.1Q codec
 * (src/nic/frame.c), the NIC's decisions (src/nic/switch.c: VST push and
 * strip, VLAN isolation, spoof check, trust, link state, max_tx_rate, the
 * embedded switch) and ip link's vf syntax, including every rejection with
 * its message and proof that nothing changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/testlib.h"

#include <errno.h>
#include <string.h>

#include "nic/frame.h"
#include "nic/switch.h"

#define MAC1 "02:00:00:00:00:01"
#define MAC2 "02:00:00:00:00:02"
#define MAC3 "02:00:00:00:00:03"
#define MACT "02:00:00:00:00:99"        /* The TOR, behind the wire. */
#define BCAST "ff:ff:ff:ff:ff:ff"
#define NS 1000000000ULL

/* ---- frames ---- */

struct tframe {
    uint8_t b[1600];
    uint32_t size;
};

static void
put_mac(uint8_t *p, const char *s)
{
    assert_int_equal(nic_mac_from_string(s, p), 0);
}

/* An IPv4-ish frame dst <- src of 'size' bytes, with an outer tag in the
 * bytes when 'tpid' is nonzero. */
static struct tframe
mk(const char *dst, const char *src, uint16_t tpid, uint16_t tci,
   uint32_t size)
{
    struct tframe f;
    memset(&f, 0xab, sizeof f);
    put_mac(f.b, dst);
    put_mac(f.b + 6, src);
    uint32_t o = 12;
    if (tpid) {
        nic_frame_put_tag(f.b + o, tpid, tci);
        o += 4;
    }
    f.b[o] = 0x08;
    f.b[o + 1] = 0x00;
    f.size = size;
    return f;
}

static struct nic_frame
parse(const struct tframe *t)
{
    struct nic_frame f;
    assert_int_equal(nic_frame_parse(&f, t->b, t->size, false, 0, 0), 0);
    return f;
}

static void
test_parse_untagged(void **state)
{
    struct tframe t = mk(MAC2, MAC1, 0, 0, 60);
    struct nic_frame f = parse(&t);
    assert_false(f.tagged);
    assert_ptr_equal(f.rest, t.b + 12);
    assert_int_equal(f.rest_size, 48);
    assert_int_equal(f.wire_size, 60);
    assert_int_equal(nic_frame_vid(&f), 0);
}

static void
test_parse_tag_in_bytes(void **state)
{
    struct tframe t = mk(MAC2, MAC1, 0x8100, nic_frame_tci(2901, 3), 64);
    struct nic_frame f = parse(&t);
    assert_true(f.tagged);
    assert_true(f.tag_in_bytes);
    assert_int_equal(f.tpid, 0x8100);
    assert_int_equal(f.tci, 0x6000 | 2901);
    assert_int_equal(nic_frame_vid(&f), 2901);
    assert_ptr_equal(f.rest, t.b + 16);
    assert_int_equal(f.rest_size, 48);
    assert_int_equal(f.wire_size, 64);
}

static void
test_parse_tag_in_aux(void **state)
{
    /* veth's RX VLAN offload: the tag is metadata, the bytes untagged. */
    struct tframe t = mk(MAC2, MAC1, 0, 0, 60);
    struct nic_frame f;
    assert_int_equal(nic_frame_parse(&f, t.b, t.size, true, 0,
                                     nic_frame_tci(100, 7)), 0);
    assert_true(f.tagged);
    assert_false(f.tag_in_bytes);
    assert_int_equal(f.tpid, 0x8100);     /* TPID unknown: a C-tag. */
    assert_int_equal(nic_frame_vid(&f), 100);
    assert_ptr_equal(f.rest, t.b + 12);
    assert_int_equal(f.wire_size, 64);
    /* 802.1ad outer tag from aux, an inner C-tag left in the bytes. */
    struct tframe q = mk(MAC2, MAC1, 0x8100, 5, 64);
    assert_int_equal(nic_frame_parse(&f, q.b, q.size, true, 0x88a8, 7), 0);
    assert_int_equal(f.tpid, 0x88a8);
    assert_int_equal(nic_frame_vid(&f), 7);
    assert_ptr_equal(f.rest, q.b + 12);   /* The C-tag is payload. */
}

static void
test_parse_qinq_and_priority(void **state)
{
    struct tframe t = mk(MAC2, MAC1, 0x88a8, 10, 64);
    struct nic_frame f = parse(&t);
    assert_int_equal(f.tpid, 0x88a8);
    assert_int_equal(nic_frame_vid(&f), 10);
    struct tframe p = mk(MAC2, MAC1, 0x8100, nic_frame_tci(0, 5), 64);
    f = parse(&p);
    assert_true(f.tagged);
    assert_int_equal(nic_frame_vid(&f), 0);
}

static void
test_parse_runts(void **state)
{
    struct tframe t = mk(MAC2, MAC1, 0x8100, 5, 64);
    struct nic_frame f;
    assert_int_equal(nic_frame_parse(&f, t.b, 13, false, 0, 0), -EINVAL);
    assert_int_equal(nic_frame_parse(&f, t.b, 17, false, 0, 0), -EINVAL);
    assert_int_equal(nic_frame_parse(&f, t.b, 18, false, 0, 0), 0);
    assert_int_equal(f.rest_size, 2);
    assert_int_equal(nic_frame_parse(&f, t.b, 14, true, 0, 5), 0);
    assert_int_equal(nic_frame_parse(&f, t.b, 0, true, 0, 5), -EINVAL);
}

static void
test_put_tag_and_macs(void **state)
{
    uint8_t tag[4];
    nic_frame_put_tag(tag, 0x8100, nic_frame_tci(2901, 3));
    const uint8_t want[4] = { 0x81, 0x00, 0x6b, 0x55 };
    assert_memory_equal(tag, want, 4);
    assert_int_equal(nic_frame_tci(4095 + 2, 9), (1 << 13) | 1);
    uint8_t m[6];
    assert_int_equal(nic_mac_from_string("02:aB:00:00:00:0f", m), 0);
    assert_int_equal(m[1], 0xab);
    assert_int_equal(nic_mac_from_string("02:ab:00:00:00", m), -EINVAL);
    assert_int_equal(nic_mac_from_string("02:ab:00:00:00:0f:", m), -EINVAL);
    assert_int_equal(nic_mac_from_string("02:ab:00:00:00:0g", m), -EINVAL);
    assert_true(nic_mac_is_group((const uint8_t *) "\x01\0\0\0\0\0"));
    assert_true(nic_mac_is_zero((const uint8_t *) "\0\0\0\0\0\0"));
}

/* ---- checksum completion ----
 *
 * Frames from the ethertype on, checksums computed by scapy. */
static const struct {
    const char *name;
    const char *hex;
    uint32_t csum_at;                   /* Offset of the L4 checksum. */
} csum_cases[] = {
    { "UDP4", "080045000026000100004011638e0a1d01010a1d01fe004400430012cf45"
              "68656c6c6f207365616d", 2 + 20 + 6 },
    { "TCP4", "08004500002b00020000400663930a1d01010a1d01fe9c40005000000007"
              "000000005002200008ab00006f6464", 2 + 20 + 16 },
    { "UDP6", "86dd6000000000091140fe800000000000000000000000000001fe800000"
              "0000000000000000000000020001000200098ad478", 2 + 40 + 6 },
};

static uint32_t
unhex(const char *hex, uint8_t *out)
{
    uint32_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned int b;
        sscanf(hex, "%2x", &b);
        out[n++] = (uint8_t) b;
    }
    return n;
}

static void
test_complete_csum(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(csum_cases); i++) {
        uint8_t want[128], got[128];
        uint32_t n = unhex(csum_cases[i].hex, want);
        memcpy(got, want, n);
        /* A partial checksum: whatever the sender's stack left there. */
        got[csum_cases[i].csum_at] = 0x12;
        got[csum_cases[i].csum_at + 1] = 0x34;
        assert_int_equal(nic_frame_complete_csum(got, n), 0);
        if (memcmp(got, want, n)) {
            fail_msg("%s: checksum %02x%02x, want %02x%02x", csum_cases[i].name,
                     got[csum_cases[i].csum_at], got[csum_cases[i].csum_at + 1],
                     want[csum_cases[i].csum_at],
                     want[csum_cases[i].csum_at + 1]);
        }
    }
    /* Not TCP/UDP over IP, truncated, or a fragment: untouched. */
    uint8_t b[128], before[128];
    uint32_t n = unhex(csum_cases[0].hex, b);
    memcpy(before, b, n);
    assert_int_equal(nic_frame_complete_csum(b, n - 1), -EINVAL);
    assert_int_equal(nic_frame_complete_csum(b, 21), -EINVAL);
    b[2 + 6] = 0x20;                    /* More fragments. */
    assert_int_equal(nic_frame_complete_csum(b, n), -EINVAL);
    b[2 + 6] = 0;
    b[0] = 0x08, b[1] = 0x06;           /* ARP */
    assert_int_equal(nic_frame_complete_csum(b, n), -EINVAL);
    b[0] = 0x08, b[1] = 0x00;
    assert_memory_equal(b, before, n);
    assert_int_equal(nic_frame_complete_csum(b, 1), -EINVAL);
}

/* ---- the switch ----
 *
 * VF0 MAC1 vlan 2901 qos 3, VF1 MAC2 vlan 2901, VF2 MAC3 vlan 2900; all
 * spoofchk on; the PF's carrier up. */

static void
vf_set(struct nic_switch *sw, unsigned int vf, const char *args)
{
    struct nic_vf_config cfgs[NIC_MAX_VFS];
    char *argv[32], buf[256], err[256];
    int argc = 0;
    for (unsigned int i = 0; i < sw->n_vfs; i++) {
        cfgs[i] = sw->vfs[i].cfg;
    }
    snprintf(buf, sizeof buf, "%u %s", vf, args);
    for (char *save, *w = strtok_r(buf, " ", &save); w;
         w = strtok_r(NULL, " ", &save)) {
        argv[argc++] = w;
    }
    int r = nic_vf_config_parse(argc, argv, cfgs, sw->n_vfs, err, sizeof err);
    if (r != (int) vf) {
        fail_msg("vf %u %s: %s", vf, args, err);
    }
    nic_switch_set_vf(sw, vf, &cfgs[vf]);
}

static void
setup3(struct nic_switch *sw)
{
    nic_switch_init(sw, 3);
    nic_switch_set_pf_carrier(sw, true);
    vf_set(sw, 0, "mac " MAC1 " vlan 2901 qos 3");
    vf_set(sw, 1, "mac " MAC2 " vlan 2901");
    vf_set(sw, 2, "mac " MAC3 " vlan 2900");
}

static void
from_vf(struct nic_switch *sw, unsigned int vf, const struct tframe *t,
        uint64_t now, struct nic_verdict *v)
{
    struct nic_frame f = parse(t);
    nic_switch_from_vf(sw, vf, &f, now, v);
}

static void
from_wire(struct nic_switch *sw, const struct tframe *t, struct nic_verdict *v)
{
    struct nic_frame f = parse(t);
    nic_switch_from_wire(sw, &f, v);
}

static void
test_vst_egress_pushes_tag_with_pcp(void **state)
{
    struct nic_switch sw;
    struct nic_verdict v;
    setup3(&sw);
    struct tframe t = mk(MACT, MAC1, 0, 0, 60);
    from_vf(&sw, 0, &t, NS, &v);
    assert_true(v.to_wire);
    assert_int_equal(v.vf_mask, 0);
    assert_true(v.tagged);
    assert_int_equal(v.tpid, 0x8100);
    assert_int_equal(v.tci, (3 << 13) | 2901);
    assert_int_equal(sw.vfs[0].c.tx_packets, 1);
    assert_int_equal(sw.vfs[0].c.tx_bytes, 60);
    assert_int_equal(sw.pf.tx_packets, 1);
    assert_int_equal(sw.pf.tx_bytes, 64);
}

static void
test_vst_tagged_by_vm_dropped(void **state)
{
    struct nic_switch sw;
    struct nic_verdict v;
    setup3(&sw);
    struct tframe t = mk(MACT, MAC1, 0x8100, 2901, 64);
    from_vf(&sw, 0, &t, NS, &v);
    assert_false(v.to_wire);
    assert_int_equal(v.vf_mask, 0);
    assert_int_equal(sw.vfs[0].c.drops[NIC_DROP_VLAN], 1);
    assert_int_equal(sw.vfs[0].c.tx_packets, 0);
}

static void
test_vst_ingress_strips_and_isolates(void **state)
{
    struct nic_switch sw;
    struct nic_verdict v;
    setup3(&sw);
    /* Unicast to VF1 on its VLAN: VF1 only, untagged (VST). */
    struct tframe t = mk(MAC2, MACT, 0x8100, nic_frame_tci(2901, 5), 64);
    from_wire(&sw, &t, &v);
    assert_int_equal(v.vf_mask, 1 << 1);
    assert_false(nic_switch_vf_keeps_tag(&sw, 1));
    assert_int_equal(sw.vfs[1].c.rx_packets, 1);
    assert_int_equal(sw.vfs[1].c.rx_bytes, 60);
    /* The same MAC on another VLAN: dropped, counted on VF1. */
    t = mk(MAC2, MACT, 0x8100, 2902, 64);
    from_wire(&sw, &t, &v);
    assert_int_equal(v.vf_mask, 0);
    assert_int_equal(sw.vfs[1].c.drops[NIC_DROP_VLAN], 1);
    /* Untagged for VF1: not its VLAN either. */
    t = mk(MAC2, MACT, 0, 0, 60);
    from_wire(&sw, &t, &v);
    assert_int_equal(v.vf_mask, 0);
    assert_int_equal(sw.vfs[1].c.drops[NIC_DROP_VLAN], 2);
    /* Broadcast on 2901: VF0 and VF1, not VF2 (2900). */
    t = mk(BCAST, MACT, 0x8100, 2901, 64);
    from_wire(&sw, &t, &v);
    assert_int_equal(v.vf_mask, 0x3);
    /* Broadcast on a VLAN no VF has: a PF vlan drop. */
    t = mk(BCAST, MACT, 0x8100, 77, 64);
    from_wire(&sw, &t, &v);
    assert_int_equal(v.vf_mask, 0);
    assert_int_equal(sw.pf.drops[NIC_DROP_VLAN], 1);
    /* Unknown unicast on a VF's VLAN: no_dst. */
    t = mk(MACT, MACT, 0x8100, 2900, 64);
    from_wire(&sw, &t, &v);
    assert_int_equal(v.vf_mask, 0);
    assert_int_equal(sw.pf.drops[NIC_DROP_NO_DST], 1);
    assert_int_equal(sw.pf.rx_packets, 6);
    /* An 802.1ad tag with the right VID is another VLAN for a C-tag VF. */
    t = mk(MAC2, MACT, 0x88a8, 2901, 64);
    from_wire(&sw, &t, &v);
    assert_int_equal(v.vf_mask, 0);
}

static void
test_veb_same_vlan_stays_inside(void **state)
{
    struct nic_switch sw;
    struct nic_verdict v;
    setup3(&sw);
    struct tframe t = mk(MAC2, MAC1, 0, 0, 98);
    from_vf(&sw, 0, &t, NS, &v);
    assert_false(v.to_wire);
    assert_int_equal(v.vf_mask, 1 << 1);
    assert_int_equal(sw.pf.tx_packets, 0);
    assert_int_equal(sw.vfs[1].c.rx_packets, 1);
    assert_int_equal(sw.vfs[1].c.rx_bytes, 98);
    /* Broadcast: the wire (tagged) and VF1, not VF2 nor the sender. */
    t = mk(BCAST, MAC1, 0, 0, 60);
    from_vf(&sw, 0, &t, NS, &v);
    assert_true(v.to_wire);
    assert_int_equal(v.vf_mask, 1 << 1);
    assert_int_equal(v.tci, (3 << 13) | 2901);
    /* VF2's MAC from VF0: another VLAN, so it goes to the wire. */
    t = mk(MAC3, MAC1, 0, 0, 60);
    from_vf(&sw, 0, &t, NS, &v);
    assert_true(v.to_wire);
    assert_int_equal(v.vf_mask, 0);
    assert_int_equal(sw.vfs[2].c.rx_packets, 0);
}

static void
test_veb_learns_unset_mac(void **state)
{
    struct nic_switch sw;
    struct nic_verdict v;
    setup3(&sw);
    vf_set(&sw, 1, "mac 00:00:00:00:00:00");
    /* Nobody knows VF1's MAC yet: unicast to it goes to the wire. */
    struct tframe t = mk("02:00:00:00:00:42", MAC1, 0, 0, 60);
    from_vf(&sw, 0, &t, NS, &v);
    assert_true(v.to_wire);
    /* VF1 sends from it (no admin MAC: no spoof check) and is learnt. */
    t = mk(BCAST, "02:00:00:00:00:42", 0, 0, 60);
    from_vf(&sw, 1, &t, NS, &v);
    assert_int_equal(sw.vfs[1].c.drops[NIC_DROP_SPOOF], 0);
    t = mk("02:00:00:00:00:42", MAC1, 0, 0, 60);
    from_vf(&sw, 0, &t, NS, &v);
    assert_false(v.to_wire);
    assert_int_equal(v.vf_mask, 1 << 1);
}

static void
test_spoofchk(void **state)
{
    struct nic_switch sw;
    struct nic_verdict v;
    setup3(&sw);
    struct tframe t = mk(MACT, "02:00:00:00:00:66", 0, 0, 60);
    from_vf(&sw, 0, &t, NS, &v);
    assert_false(v.to_wire);
    assert_int_equal(sw.vfs[0].c.drops[NIC_DROP_SPOOF], 1);
    assert_int_equal(sw.vfs[0].c.tx_packets, 0);
    vf_set(&sw, 0, "spoofchk off");
    from_vf(&sw, 0, &t, NS, &v);
    assert_true(v.to_wire);
    assert_int_equal(sw.vfs[0].c.drops[NIC_DROP_SPOOF], 1);
    /* The VLAN settings were kept by "spoofchk off". */
    assert_int_equal(v.tci, (3 << 13) | 2901);
}

static void
test_trust_gets_unknown_unicast(void **state)
{
    struct nic_switch sw;
    struct nic_verdict v;
    setup3(&sw);
    struct tframe t = mk("02:00:00:00:00:77", MACT, 0x8100, 2901, 64);
    from_wire(&sw, &t, &v);
    assert_int_equal(v.vf_mask, 0);
    vf_set(&sw, 1, "trust on");
    from_wire(&sw, &t, &v);
    assert_int_equal(v.vf_mask, 1 << 1);
    /* From VF0 to an unknown MAC: the wire and the trusted VF1. */
    t = mk("02:00:00:00:00:77", MAC1, 0, 0, 60);
    from_vf(&sw, 0, &t, NS, &v);
    assert_true(v.to_wire);
    assert_int_equal(v.vf_mask, 1 << 1);
}

static void
test_link_state(void **state)
{
    struct nic_switch sw;
    struct nic_verdict v;
    setup3(&sw);
    vf_set(&sw, 1, "state disable");
    assert_false(nic_switch_vf_link_up(&sw, 1));
    struct tframe t = mk(MAC2, MAC1, 0, 0, 60);
    from_vf(&sw, 0, &t, NS, &v);
    assert_int_equal(v.vf_mask, 0);
    assert_false(v.to_wire);
    assert_int_equal(sw.vfs[1].c.drops[NIC_DROP_LINK_DOWN], 1);
    t = mk(MAC1, MAC2, 0, 0, 60);
    from_vf(&sw, 1, &t, NS, &v);
    assert_int_equal(v.vf_mask, 0);
    assert_int_equal(sw.vfs[1].c.drops[NIC_DROP_LINK_DOWN], 2);
    /* auto follows the PF's carrier; enable does not. */
    vf_set(&sw, 1, "state enable");
    nic_switch_set_pf_carrier(&sw, false);
    assert_false(nic_switch_vf_link_up(&sw, 0));
    assert_true(nic_switch_vf_link_up(&sw, 1));
    nic_switch_set_pf_carrier(&sw, true);
    assert_true(nic_switch_vf_link_up(&sw, 0));
    /* A vanished VF stays down whatever its settings say. */
    nic_switch_set_vf_gone(&sw, 0);
    assert_false(nic_switch_vf_link_up(&sw, 0));
    vf_set(&sw, 0, "state enable");
    assert_false(nic_switch_vf_link_up(&sw, 0));
}

static void
test_max_tx_rate(void **state)
{
    struct nic_switch sw;
    struct nic_verdict v;
    setup3(&sw);
    vf_set(&sw, 0, "max_tx_rate 1");           /* 125000 bytes/s. */
    struct tframe t = mk(MACT, MAC1, 0, 0, 1000);
    unsigned int passed = 0;
    /* The bucket holds 3000 bytes (10 ms of 1 Mbit/s is less). */
    for (int i = 0; i < 10; i++) {
        from_vf(&sw, 0, &t, NS, &v);
        passed += v.to_wire;
    }
    assert_int_equal(passed, 3);
    assert_int_equal(sw.vfs[0].c.drops[NIC_DROP_RATE], 7);
    /* The shaper's question: 1000 bytes at 125000 B/s with the bucket at
     * 0 is an 8 ms wait; half of it later, 4 ms; after it, none. */
    assert_int_equal(nic_switch_vf_tx_wait_ns(&sw, 0, 1000, NS), 8000000);
    assert_int_equal(nic_switch_vf_tx_wait_ns(&sw, 0, 1000, NS + 4000000),
                     4000000);
    assert_int_equal(nic_switch_vf_tx_wait_ns(&sw, 0, 1000, NS + 8000000), 0);
    /* Asking takes nothing: the frame then passes. */
    from_vf(&sw, 0, &t, NS + 8000000, &v);
    assert_true(v.to_wire);
    assert_int_equal(nic_switch_vf_tx_wait_ns(&sw, 0, 1000, NS + 8000000),
                     8000000);
    /* A frame bigger than the bucket passes when the bucket is full. */
    assert_int_equal(nic_switch_vf_tx_wait_ns(&sw, 0, 9000, NS + 8000000),
                     24000000);
    assert_int_equal(nic_switch_vf_tx_wait_ns(&sw, 1, 9000, NS), 0);
    /* One second later: a full bucket again (not 125 frames' worth). */
    passed = 0;
    for (int i = 0; i < 10; i++) {
        from_vf(&sw, 0, &t, 2 * NS, &v);
        passed += v.to_wire;
    }
    assert_int_equal(passed, 3);
    /* Over 10 s at one frame per ms (8 Mbit/s offered): ~125000 B/s. */
    passed = 0;
    for (uint64_t ms = 0; ms < 10000; ms++) {
        from_vf(&sw, 0, &t, 3 * NS + ms * 1000000, &v);
        passed += v.to_wire;
    }
    assert_in_range(passed, 1245, 1255);
    /* VLAN settings survive; 0 lifts the limit. */
    vf_set(&sw, 0, "max_tx_rate 0");
    for (int i = 0; i < 10; i++) {
        from_vf(&sw, 0, &t, 20 * NS, &v);
        assert_true(v.to_wire);
    }
}

static void
test_vgt_passes_tags(void **state)
{
    struct nic_switch sw;
    struct nic_verdict v;
    setup3(&sw);
    vf_set(&sw, 2, "vlan 0");
    assert_true(nic_switch_vf_keeps_tag(&sw, 2));
    struct tframe t = mk(MACT, MAC3, 0x8100, 300, 64);
    from_vf(&sw, 2, &t, NS, &v);
    assert_true(v.to_wire);
    assert_true(v.tagged);
    assert_int_equal(v.tci, 300);
    t = mk(MAC3, MACT, 0x8100, 300, 64);
    from_wire(&sw, &t, &v);
    assert_int_equal(v.vf_mask, 1 << 2);
    assert_true(v.tagged);
    /* A VGT VF sending with VLAN 2901 reaches VST VF1 in the NIC. */
    t = mk(MAC2, MAC3, 0x8100, 2901, 64);
    from_vf(&sw, 2, &t, NS, &v);
    assert_false(v.to_wire);
    assert_int_equal(v.vf_mask, 1 << 1);
}

/* ---- ip link's vf syntax ---- */

static int
parse_line(struct nic_vf_config *cfgs, unsigned int n, const char *line,
           char *err)
{
    char buf[256], *argv[32];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *save, *w = strtok_r(buf, " ", &save); w;
         w = strtok_r(NULL, " ", &save)) {
        argv[argc++] = w;
    }
    return nic_vf_config_parse(argc, argv, cfgs, n, err, 256);
}

static void
test_parse_vf_syntax(void **state)
{
    struct nic_vf_config cfgs[2];
    char err[256];
    nic_vf_config_default(&cfgs[0]);
    nic_vf_config_default(&cfgs[1]);
    assert_int_equal(parse_line(cfgs, 2, "1 mac 02:aa:00:00:00:01 vlan 2901 "
                                "qos 3 spoofchk off trust on state disable "
                                "max_tx_rate 100", err), 1);
    const struct nic_vf_config *c = &cfgs[1];
    assert_int_equal(c->mac[1], 0xaa);
    assert_int_equal(c->vlan, 2901);
    assert_int_equal(c->qos, 3);
    assert_int_equal(c->vlan_proto, 0x8100);
    assert_false(c->spoofchk);
    assert_true(c->trust);
    assert_int_equal(c->link_state, NIC_LINK_DISABLE);
    assert_int_equal(c->max_tx_rate, 100);
    /* "vlan" alone resets qos, as ip link does; proto 802.1ad. */
    assert_int_equal(parse_line(cfgs, 2, "1 vlan 5 proto 802.1ad", err), 1);
    assert_int_equal(c->qos, 0);
    assert_int_equal(c->vlan_proto, 0x88a8);
    assert_int_equal(parse_line(cfgs, 2, "1 rate 7 state auto", err), 1);
    assert_int_equal(c->max_tx_rate, 7);
    assert_int_equal(c->link_state, NIC_LINK_AUTO);
    assert_int_equal(cfgs[0].vlan, 0);           /* Untouched. */
}

static void
test_parse_vf_rejections(void **state)
{
    static const struct {
        const char *line;
        const char *msg;
    } cases[] = {
        { "", "vf: expected a VF number, got \"\"" },
        { "x mac 02:00:00:00:00:01", "vf: expected a VF number, got \"x\"" },
        { "2 trust on", "vf 2: no such VF (this PF has 2: 0..1)" },
        { "1", "vf 1: nothing to set" },
        { "1 mac", "vf 1: \"mac\" needs a value" },
        { "1 mac 01:00:00:00:00:01",
          "vf 1: invalid MAC \"01:00:00:00:00:01\" (a unicast "
          "xx:xx:xx:xx:xx:xx)" },
        { "1 vlan 4095", "vf 1: invalid vlan \"4095\" (0 to clear, or 1 "
          "through 4094)" },
        { "1 vlan -1", "vf 1: invalid vlan \"-1\" (0 to clear, or 1 through "
          "4094)" },
        { "1 vlan 10 qos 8", "vf 1: invalid qos \"8\" (0 through 7)" },
        { "1 vlan 0 qos 1", "vf 1: qos needs a vlan" },
        { "1 qos 3", "vf 1: \"qos\" must follow \"vlan VID\" (as in ip link)" },
        { "1 vlan 10 proto 802.1x", "vf 1: invalid proto \"802.1x\" (802.1Q "
          "or 802.1ad)" },
        { "1 max_tx_rate 0.5", "vf 1: invalid max_tx_rate \"0.5\" (Mbit/s, 0 "
          "= unlimited; a VF cannot be limited in kbit/s)" },
        { "1 min_tx_rate 10", "vf 1: min_tx_rate is not supported (only 0)" },
        { "1 spoofchk yes", "vf 1: spoofchk takes on or off, not \"yes\"" },
        { "1 state up", "vf 1: state takes auto, enable or disable, not "
          "\"up\"" },
        { "1 node_guid 1", "vf 1: unknown or unsupported setting "
          "\"node_guid\"" },
        /* A bad word after good ones changes nothing. */
        { "1 trust on vlan 5000", "vf 1: invalid vlan \"5000\" (0 to clear, "
          "or 1 through 4094)" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct nic_vf_config cfgs[2], before[2];
        char err[256] = "";
        nic_vf_config_default(&cfgs[0]);
        nic_vf_config_default(&cfgs[1]);
        memcpy(before, cfgs, sizeof cfgs);
        int r = parse_line(cfgs, 2, cases[i].line, err);
        assert_true(r < 0);
        assert_string_equal(err, cases[i].msg);
        assert_memory_equal(cfgs, before, sizeof cfgs);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_untagged),
        cmocka_unit_test(test_parse_tag_in_bytes),
        cmocka_unit_test(test_parse_tag_in_aux),
        cmocka_unit_test(test_parse_qinq_and_priority),
        cmocka_unit_test(test_parse_runts),
        cmocka_unit_test(test_put_tag_and_macs),
        cmocka_unit_test(test_complete_csum),
        cmocka_unit_test(test_vst_egress_pushes_tag_with_pcp),
        cmocka_unit_test(test_vst_tagged_by_vm_dropped),
        cmocka_unit_test(test_vst_ingress_strips_and_isolates),
        cmocka_unit_test(test_veb_same_vlan_stays_inside),
        cmocka_unit_test(test_veb_learns_unset_mac),
        cmocka_unit_test(test_spoofchk),
        cmocka_unit_test(test_trust_gets_unknown_unicast),
        cmocka_unit_test(test_link_state),
        cmocka_unit_test(test_max_tx_rate),
        cmocka_unit_test(test_vgt_passes_tags),
        cmocka_unit_test(test_parse_vf_syntax),
        cmocka_unit_test(test_parse_vf_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
