/* Unit tests for src/vtep/lldp.c (the LLDP codec): what the encoder
 * writes decodes to what went in, a frame lldpd 1.0.16 sent decodes to
 * what tshark showed, every rejection of the decoder with its reason, and
 * the text forms of IDs; src/vtep/lldp_agent.c (when it sends, what it
 * remembers and forgets); src/vtep/lldp_db.c (the other_config keys, run
 * on an in-memory hardware_vtep database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "lib/ds.h"
#include "lib/testlib.h"
#include "lib/util.h"
#include "ovsdb/datum.h"
#include "ovsdb/db.h"
#include "ovsdb/execution.h"
#include "ovsdb/schema.h"
#include "vtep/config.h"
#include "vtep/db.h"
#include "vtep/lldp.h"
#include "vtep/lldp_agent.h"
#include "vtep/lldp_db.h"

/* ---- building LLDPDUs by hand ---- */

struct buf {
    uint8_t data[2048];
    size_t size;
};

static void
tlv(struct buf *b, unsigned int type, const void *value, size_t len)
{
    b->data[b->size++] = (uint8_t) ((type << 1) | (len >> 8));
    b->data[b->size++] = (uint8_t) len;
    if (len) {
        memcpy(b->data + b->size, value, len);
    }
    b->size += len;
}

static const uint8_t chassis_mac[] = { 4, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t port_ifname[] = { 5, 'p', '0' };
static const uint8_t ttl120[] = { 0, 120 };

/* Chassis ID, Port ID, TTL: the mandatory three. */
static void
mandatory(struct buf *b)
{
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_TTL, ttl120, sizeof ttl120);
}

static void
end(struct buf *b)
{
    tlv(b, LLDP_TLV_END, NULL, 0);
}

static struct lldp_pdu
full_pdu(void)
{
    struct lldp_pdu pdu;
    memset(&pdu, 0, sizeof pdu);
    struct eth_addr mac = testlib_mac("02:5e:a0:00:00:01");
    assert_int_equal(lldp_id_set(&pdu.chassis, LLDP_CHASSIS_MAC, mac.ea, 6), 0);
    assert_int_equal(lldp_id_set(&pdu.port, LLDP_PORT_IFNAME, "p1", 2), 0);
    pdu.ttl_s = 120;
    lldp_string_set(pdu.port_descr, "seam-vtep port p1");
    lldp_string_set(pdu.system_name, "tor1");
    lldp_string_set(pdu.system_descr, "seam-vtep 0.1.0 VLAN-VXLAN VTEP");
    pdu.caps = pdu.caps_enabled = LLDP_CAP_BRIDGE;
    pdu.mgmt_ipv4 = testlib_ipv4("10.0.0.1");
    inet_pton(AF_INET6, "2001:db8::1", &pdu.mgmt_ipv6);
    pdu.mgmt_ifindex = 7;
    pdu.has = (LLDP_HAS_PORT_DESCR | LLDP_HAS_SYSTEM_NAME
               | LLDP_HAS_SYSTEM_DESCR | LLDP_HAS_SYSTEM_CAPS
               | LLDP_HAS_MGMT_IPV4 | LLDP_HAS_MGMT_IPV6);
    return pdu;
}

static void
assert_pdu_equal(const struct lldp_pdu *a, const struct lldp_pdu *b)
{
    assert_int_equal(a->chassis.subtype, b->chassis.subtype);
    assert_int_equal(a->chassis.size, b->chassis.size);
    assert_memory_equal(a->chassis.value, b->chassis.value, a->chassis.size);
    assert_int_equal(a->port.subtype, b->port.subtype);
    assert_int_equal(a->port.size, b->port.size);
    assert_memory_equal(a->port.value, b->port.value, a->port.size);
    assert_int_equal(a->ttl_s, b->ttl_s);
    assert_int_equal(a->has, b->has);
    assert_string_equal(a->port_descr, b->port_descr);
    assert_string_equal(a->system_name, b->system_name);
    assert_string_equal(a->system_descr, b->system_descr);
    assert_int_equal(a->caps, b->caps);
    assert_int_equal(a->caps_enabled, b->caps_enabled);
    assert_int_equal(a->mgmt_ipv4.s_addr, b->mgmt_ipv4.s_addr);
    assert_memory_equal(&a->mgmt_ipv6, &b->mgmt_ipv6, 16);
}

/* ---- encoder -> decoder ---- */

static void
test_roundtrip_full(void **state)
{
    struct lldp_pdu in = full_pdu(), out;
    uint8_t buf[LLDP_FRAME_MAX];
    struct eth_addr src = testlib_mac("02:5e:a0:00:00:09"), got_src;
    int n = lldp_frame_encode(&src, &in, buf, sizeof buf);
    assert_true(n >= LLDP_FRAME_MIN);
    static const uint8_t dst[] = LLDP_MULTICAST_MAC;
    assert_memory_equal(buf, dst, 6);
    assert_int_equal(buf[12], 0x88);
    assert_int_equal(buf[13], 0xcc);
    assert_int_equal(lldp_frame_decode(buf, (size_t) n, &got_src, &out), LLDP_OK);
    assert_memory_equal(got_src.ea, src.ea, 6);
    assert_pdu_equal(&in, &out);
    assert_int_equal(out.mgmt_ifindex, 7);
}

static void
test_roundtrip_minimal_padded(void **state)
{
    struct lldp_pdu in, out;
    memset(&in, 0, sizeof in);
    assert_int_equal(lldp_id_set(&in.chassis, LLDP_CHASSIS_LOCAL, "c", 1), 0);
    assert_int_equal(lldp_id_set(&in.port, LLDP_PORT_LOCAL, "1", 1), 0);
    in.ttl_s = 0;                       /* Shutdown. */
    uint8_t buf[LLDP_FRAME_MAX];
    struct eth_addr src = testlib_mac("02:00:00:00:00:01");
    int n = lldp_frame_encode(&src, &in, buf, sizeof buf);
    /* 14 + 3 + 3 + 4 + 2 = 26 bytes, padded to 60 with zeros: the padding
     * reads as End TLVs and is ignored. */
    assert_int_equal(n, LLDP_FRAME_MIN);
    assert_int_equal(lldp_frame_decode(buf, (size_t) n, NULL, &out), LLDP_OK);
    assert_pdu_equal(&in, &out);
}

static void
test_roundtrip_long_strings(void **state)
{
    struct lldp_pdu in = full_pdu(), out;
    char s[400];
    memset(s, 'x', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    lldp_string_set(in.system_descr, s);     /* Cut to 255. */
    assert_int_equal(strlen(in.system_descr), LLDP_STRING_MAX);
    uint8_t id[LLDP_ID_MAX];
    memset(id, 'i', sizeof id);
    assert_int_equal(lldp_id_set(&in.port, LLDP_PORT_LOCAL, id, sizeof id), 0);
    uint8_t buf[LLDP_FRAME_MAX];
    int n = lldp_encode(&in, buf, sizeof buf);
    assert_true(n > 0);
    assert_int_equal(lldp_decode(buf, (size_t) n, &out), LLDP_OK);
    assert_pdu_equal(&in, &out);
}

static void
test_encode_errors(void **state)
{
    struct lldp_pdu pdu = full_pdu();
    uint8_t buf[LLDP_FRAME_MAX];
    struct eth_addr src = testlib_mac("02:00:00:00:00:01");
    /* Too small, at every size below what it needs. */
    int need = lldp_encode(&pdu, buf, sizeof buf);
    assert_true(need > 0);
    for (int size = 0; size < need; size++) {
        assert_int_equal(lldp_encode(&pdu, buf, (size_t) size), -ENOSPC);
    }
    assert_int_equal(lldp_frame_encode(&src, &pdu, buf, 10), -ENOSPC);
    /* No chassis ID. */
    pdu.chassis.size = 0;
    assert_int_equal(lldp_encode(&pdu, buf, sizeof buf), -EINVAL);
    assert_int_equal(lldp_id_set(&pdu.chassis, 4, buf, 0), -EINVAL);
    assert_int_equal(lldp_id_set(&pdu.chassis, 4, buf, 256), -EINVAL);
}

/* ---- a frame from lldpd ---- */

/* What lldpd 1.0.16 (Debian 12) sent from a namespace, captured with
 * tshark: hostname "server2", interface ens1f0, tx-interval 1, `-S "Debian
 * lab1" -m 10.99.0.2`; tshark decoded Chassis ID MAC 3e:c7:a6:25:ad:25,
 * Port ID MAC (lldpd's default port ID subtype) 3e:c7:a6:25:ad:25, TTL 4,
 * System Name server2, Capabilities 0x009c/0x0080, Management Address
 * 10.99.0.2 ifIndex 2, Port Description ens1f0, two 802.3 TLVs, End. */
static const uint8_t lldpd_frame[] = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, 0x3e, 0xc7, 0xa6, 0x25, 0xad, 0x25,
    0x88, 0xcc, 0x02, 0x07, 0x04, 0x3e, 0xc7, 0xa6, 0x25, 0xad, 0x25, 0x04,
    0x07, 0x03, 0x3e, 0xc7, 0xa6, 0x25, 0xad, 0x25, 0x06, 0x02, 0x00, 0x04,
    0x0a, 0x07, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0x32, 0x0c, 0x0b, 0x44,
    0x65, 0x62, 0x69, 0x61, 0x6e, 0x20, 0x6c, 0x61, 0x62, 0x31, 0x0e, 0x04,
    0x00, 0x9c, 0x00, 0x80, 0x10, 0x0c, 0x05, 0x01, 0x0a, 0x63, 0x00, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x08, 0x06, 0x65, 0x6e, 0x73, 0x31,
    0x66, 0x30, 0xfe, 0x09, 0x00, 0x12, 0x0f, 0x03, 0x01, 0x00, 0x00, 0x00,
    0x00, 0xfe, 0x09, 0x00, 0x12, 0x0f, 0x01, 0x00, 0x80, 0x00, 0x00, 0x36,
    0x00, 0x00,
};

static void
test_decode_lldpd_frame(void **state)
{
    struct lldp_pdu pdu;
    struct eth_addr src;
    assert_int_equal(lldp_frame_decode(lldpd_frame, sizeof lldpd_frame, &src,
                                       &pdu), LLDP_OK);
    char text[LLDP_ID_TEXT_MAX];
    lldp_id_format(&pdu.chassis, true, text, sizeof text);
    assert_string_equal(text, "3e:c7:a6:25:ad:25");
    assert_memory_equal(src.ea, pdu.chassis.value, 6);
    lldp_id_format(&pdu.port, false, text, sizeof text);
    assert_string_equal(text, "3e:c7:a6:25:ad:25");
    assert_int_equal(pdu.port.subtype, LLDP_PORT_MAC);
    assert_int_equal(pdu.ttl_s, 4);
    assert_string_equal(pdu.system_name, "server2");
    assert_string_equal(pdu.system_descr, "Debian lab1");
    assert_string_equal(pdu.port_descr, "ens1f0");
    assert_true(pdu.has & LLDP_HAS_MGMT_IPV4);
    assert_false(pdu.has & LLDP_HAS_MGMT_IPV6);
    testlib_assert_ipv4(pdu.mgmt_ipv4, "10.99.0.2");
    assert_int_equal(pdu.mgmt_ifindex, 2);
    assert_int_equal(pdu.caps, 0x9c);
    assert_int_equal(pdu.caps_enabled, 0x80);
}

/* ---- every rejection ---- */

struct reject_case {
    const char *name;
    void (*build)(struct buf *);
    enum lldp_error expect;
};

static void b_empty(struct buf *b) { (void) b; }
static void b_only_end(struct buf *b) { end(b); }
static void b_one_byte(struct buf *b) { b->data[b->size++] = 0x02; }
static void
b_truncated_header(struct buf *b)
{
    mandatory(b);
    b->data[b->size++] = 0x0a;          /* Half a TLV header. */
}
static void
b_overrun(struct buf *b)
{
    mandatory(b);
    tlv(b, LLDP_TLV_SYSTEM_NAME, "server2", 7);
    b->data[b->size - 8] = 0x20;        /* Length 32, 7 bytes there. */
}
static void
b_overrun_chassis(struct buf *b)
{
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    b->size--;
}
static void
b_first_port(struct buf *b)
{
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
    end(b);
}
static void
b_no_port(struct buf *b)
{
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    end(b);
}
static void
b_ttl_before_port(struct buf *b)
{
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    end(b);
}
static void
b_no_ttl(struct buf *b)
{
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    end(b);
}
static void
b_name_before_ttl(struct buf *b)
{
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_SYSTEM_NAME, "x", 1);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
    end(b);
}
static void
b_chassis_len1(struct buf *b)
{
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, 1);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
}
static void
b_chassis_subtype0(struct buf *b)
{
    static const uint8_t c[] = { 0, 'x' };
    tlv(b, LLDP_TLV_CHASSIS_ID, c, sizeof c);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
}
static void
b_chassis_subtype8(struct buf *b)
{
    static const uint8_t c[] = { 8, 'x' };
    tlv(b, LLDP_TLV_CHASSIS_ID, c, sizeof c);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
}
static void
b_chassis_short_mac(struct buf *b)
{
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, 5);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
}
static void
b_chassis_bad_ipv4(struct buf *b)
{
    static const uint8_t c[] = { 5, 1, 10, 0, 0 };
    tlv(b, LLDP_TLV_CHASSIS_ID, c, sizeof c);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
}
static void
b_chassis_too_long(struct buf *b)
{
    uint8_t c[257];
    memset(c, 'a', sizeof c);
    c[0] = 7;
    tlv(b, LLDP_TLV_CHASSIS_ID, c, sizeof c);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
}
static void
b_port_len1(struct buf *b)
{
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, 1);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
}
static void
b_port_mac_7(struct buf *b)
{
    static const uint8_t p[] = { 3, 1, 2, 3, 4, 5, 6, 7 };
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    tlv(b, LLDP_TLV_PORT_ID, p, sizeof p);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
}
static void
b_ttl_len3(struct buf *b)
{
    static const uint8_t t[] = { 0, 0, 120 };
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_TTL, t, sizeof t);
}
static void
b_second_chassis_late(struct buf *b)
{
    mandatory(b);
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    end(b);
}
static void
b_second_chassis_early(struct buf *b)
{
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    tlv(b, LLDP_TLV_CHASSIS_ID, chassis_mac, sizeof chassis_mac);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
}
static void
b_second_port(struct buf *b)
{
    mandatory(b);
    tlv(b, LLDP_TLV_PORT_ID, port_ifname, sizeof port_ifname);
}
static void
b_second_ttl(struct buf *b)
{
    mandatory(b);
    tlv(b, LLDP_TLV_TTL, ttl120, 2);
}
static void
b_second_port_descr(struct buf *b)
{
    mandatory(b);
    tlv(b, LLDP_TLV_PORT_DESCR, "a", 1);
    tlv(b, LLDP_TLV_PORT_DESCR, "b", 1);
}
static void
b_second_name(struct buf *b)
{
    mandatory(b);
    tlv(b, LLDP_TLV_SYSTEM_NAME, "a", 1);
    tlv(b, LLDP_TLV_SYSTEM_NAME, "b", 1);
}
static void
b_second_descr(struct buf *b)
{
    mandatory(b);
    tlv(b, LLDP_TLV_SYSTEM_DESCR, "a", 1);
    tlv(b, LLDP_TLV_SYSTEM_DESCR, "b", 1);
}
static void
b_second_caps(struct buf *b)
{
    static const uint8_t c[] = { 0, 4, 0, 4 };
    mandatory(b);
    tlv(b, LLDP_TLV_SYSTEM_CAPS, c, 4);
    tlv(b, LLDP_TLV_SYSTEM_CAPS, c, 4);
}
static void
b_caps_len3(struct buf *b)
{
    static const uint8_t c[] = { 0, 4, 0 };
    mandatory(b);
    tlv(b, LLDP_TLV_SYSTEM_CAPS, c, 3);
}
static void
b_mgmt_short(struct buf *b)
{
    static const uint8_t m[] = { 5, 1, 10, 0, 0, 1, 1, 0 };
    mandatory(b);
    tlv(b, LLDP_TLV_MGMT_ADDR, m, sizeof m);
}
static void
b_mgmt_alen_past(struct buf *b)
{
    static const uint8_t m[] = { 30, 1, 10, 0, 0, 1, 1, 0, 0, 0, 0, 0 };
    mandatory(b);
    tlv(b, LLDP_TLV_MGMT_ADDR, m, sizeof m);
}
static void
b_mgmt_ipv4_3bytes(struct buf *b)
{
    static const uint8_t m[] = { 4, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0 };
    mandatory(b);
    tlv(b, LLDP_TLV_MGMT_ADDR, m, sizeof m);
}
static void
b_mgmt_oid_past(struct buf *b)
{
    static const uint8_t m[] = { 5, 1, 10, 0, 0, 1, 1, 0, 0, 0, 0, 9 };
    mandatory(b);
    tlv(b, LLDP_TLV_MGMT_ADDR, m, sizeof m);
}
static void
b_mgmt_trailing(struct buf *b)
{
    static const uint8_t m[] = { 5, 1, 10, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0xee };
    mandatory(b);
    tlv(b, LLDP_TLV_MGMT_ADDR, m, sizeof m);
}
static void
b_org_short(struct buf *b)
{
    static const uint8_t o[] = { 0x00, 0x12, 0x0f };
    mandatory(b);
    tlv(b, LLDP_TLV_ORG, o, sizeof o);
}
static void
b_end_with_length(struct buf *b)
{
    mandatory(b);
    tlv(b, LLDP_TLV_END, "x", 1);
}

static const struct reject_case reject_cases[] = {
    { "empty", b_empty, LLDP_ERR_NO_CHASSIS_ID },
    { "only End", b_only_end, LLDP_ERR_NO_CHASSIS_ID },
    { "one byte", b_one_byte, LLDP_ERR_TRUNCATED_TLV },
    { "truncated header", b_truncated_header, LLDP_ERR_TRUNCATED_TLV },
    { "length past the end", b_overrun, LLDP_ERR_TLV_OVERRUN },
    { "chassis ID past the end", b_overrun_chassis, LLDP_ERR_TLV_OVERRUN },
    { "port ID first", b_first_port, LLDP_ERR_NO_CHASSIS_ID },
    { "no port ID", b_no_port, LLDP_ERR_NO_PORT_ID },
    { "TTL before port ID", b_ttl_before_port, LLDP_ERR_NO_PORT_ID },
    { "no TTL", b_no_ttl, LLDP_ERR_NO_TTL },
    { "system name before TTL", b_name_before_ttl, LLDP_ERR_NO_TTL },
    { "chassis ID of 1 byte", b_chassis_len1, LLDP_ERR_BAD_CHASSIS_ID },
    { "chassis ID subtype 0", b_chassis_subtype0, LLDP_ERR_BAD_CHASSIS_ID },
    { "chassis ID subtype 8", b_chassis_subtype8, LLDP_ERR_BAD_CHASSIS_ID },
    { "chassis ID MAC of 5 bytes", b_chassis_short_mac,
      LLDP_ERR_BAD_CHASSIS_ID },
    { "chassis ID IPv4 of 3 bytes", b_chassis_bad_ipv4,
      LLDP_ERR_BAD_CHASSIS_ID },
    { "chassis ID of 256 bytes", b_chassis_too_long, LLDP_ERR_BAD_CHASSIS_ID },
    { "port ID of 1 byte", b_port_len1, LLDP_ERR_BAD_PORT_ID },
    { "port ID MAC of 7 bytes", b_port_mac_7, LLDP_ERR_BAD_PORT_ID },
    { "TTL of 3 bytes", b_ttl_len3, LLDP_ERR_BAD_TTL },
    { "second chassis ID after TTL", b_second_chassis_late,
      LLDP_ERR_DUP_CHASSIS_ID },
    { "second chassis ID before port ID", b_second_chassis_early,
      LLDP_ERR_DUP_CHASSIS_ID },
    { "second port ID", b_second_port, LLDP_ERR_DUP_PORT_ID },
    { "second TTL", b_second_ttl, LLDP_ERR_DUP_TTL },
    { "second port description", b_second_port_descr,
      LLDP_ERR_DUP_PORT_DESCR },
    { "second system name", b_second_name, LLDP_ERR_DUP_SYSTEM_NAME },
    { "second system description", b_second_descr,
      LLDP_ERR_DUP_SYSTEM_DESCR },
    { "second capabilities", b_second_caps, LLDP_ERR_DUP_SYSTEM_CAPS },
    { "capabilities of 3 bytes", b_caps_len3, LLDP_ERR_BAD_SYSTEM_CAPS },
    { "management address TLV of 8 bytes", b_mgmt_short,
      LLDP_ERR_BAD_MGMT_ADDR },
    { "management address length past the TLV", b_mgmt_alen_past,
      LLDP_ERR_BAD_MGMT_ADDR },
    { "management IPv4 of 3 bytes", b_mgmt_ipv4_3bytes,
      LLDP_ERR_BAD_MGMT_ADDR },
    { "management OID past the TLV", b_mgmt_oid_past, LLDP_ERR_BAD_MGMT_ADDR },
    { "management address with a trailing byte", b_mgmt_trailing,
      LLDP_ERR_BAD_MGMT_ADDR },
    { "org-specific of 3 bytes", b_org_short, LLDP_ERR_BAD_ORG },
    { "End with a length", b_end_with_length, LLDP_ERR_BAD_END },
};

static void
test_rejections(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(reject_cases); i++) {
        const struct reject_case *c = &reject_cases[i];
        struct buf b = { .size = 0 };
        c->build(&b);
        struct lldp_pdu pdu;
        enum lldp_error got = lldp_decode(b.data, b.size, &pdu);
        if (got != c->expect) {
            fail_msg("%s: got \"%s\", expected \"%s\"", c->name,
                     lldp_error_string(got), lldp_error_string(c->expect));
        }
    }
    /* Every reason has a text, and each case above is a distinct reason
     * test (all but OK and NOT_LLDP are covered). */
    bool seen[LLDP_N_ERRORS] = { false };
    for (size_t i = 0; i < ARRAY_SIZE(reject_cases); i++) {
        seen[reject_cases[i].expect] = true;
    }
    for (int e = LLDP_ERR_NOT_LLDP + 1; e < LLDP_N_ERRORS; e++) {
        if (!seen[e]) {
            fail_msg("no rejection test for \"%s\"", lldp_error_string(e));
        }
    }
    assert_string_equal(lldp_error_string(LLDP_ERR_DUP_CHASSIS_ID),
                        "a second Chassis ID TLV");
    assert_string_equal(lldp_error_string(LLDP_N_ERRORS), "?");
}

static void
test_frame_not_lldp(void **state)
{
    uint8_t frame[60];
    memcpy(frame, lldpd_frame, sizeof frame);
    frame[12] = 0x08;
    frame[13] = 0x00;
    struct lldp_pdu pdu;
    assert_int_equal(lldp_frame_decode(frame, sizeof frame, NULL, &pdu),
                     LLDP_ERR_NOT_LLDP);
    assert_int_equal(lldp_frame_decode(frame, 13, NULL, &pdu),
                     LLDP_ERR_NOT_LLDP);
    /* Cut anywhere before the TTL ends: refused, never read past. */
    for (size_t n = 14; n < 14 + 9 + 9 + 4; n++) {
        assert_int_not_equal(lldp_frame_decode(lldpd_frame, n, NULL, &pdu),
                             LLDP_OK);
    }
}

/* What is accepted without a fuss: no End, reserved types, long strings
 * cut, a second management address of the same family ignored. */
static void
test_accepted(void **state)
{
    struct buf b = { .size = 0 };
    mandatory(&b);
    tlv(&b, 42, "reserved", 8);
    static const uint8_t org[] = { 0x00, 0x80, 0xc2, 0x01, 0x00, 0x01 };
    tlv(&b, LLDP_TLV_ORG, org, sizeof org);
    static const uint8_t m1[] = { 5, 1, 10, 0, 0, 1, 2, 0, 0, 0, 3, 0 };
    static const uint8_t m2[] = { 5, 1, 10, 0, 0, 2, 1, 0, 0, 0, 0, 0 };
    static const uint8_t m3[] = { 7, 6, 1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 0, 0 };
    tlv(&b, LLDP_TLV_MGMT_ADDR, m1, sizeof m1);
    tlv(&b, LLDP_TLV_MGMT_ADDR, m2, sizeof m2);
    tlv(&b, LLDP_TLV_MGMT_ADDR, m3, sizeof m3);  /* 802 MAC: skipped. */
    char longname[300];
    memset(longname, 'n', sizeof longname);
    tlv(&b, LLDP_TLV_SYSTEM_NAME, longname, sizeof longname);
    struct lldp_pdu pdu;
    assert_int_equal(lldp_decode(b.data, b.size, &pdu), LLDP_OK);
    testlib_assert_ipv4(pdu.mgmt_ipv4, "10.0.0.1");
    assert_int_equal(pdu.mgmt_ifindex, 3);
    assert_int_equal(strlen(pdu.system_name), LLDP_STRING_MAX);
    assert_int_equal(pdu.ttl_s, 120);
    /* After End, anything goes (padding). */
    end(&b);
    b.data[b.size++] = 0xff;
    assert_int_equal(lldp_decode(b.data, b.size, &pdu), LLDP_OK);
}

static void
test_id_format(void **state)
{
    struct lldp_id id;
    char text[LLDP_ID_TEXT_MAX];
    static const uint8_t mac[] = { 0x02, 0x5e, 0xa0, 0, 0, 0x0a };
    assert_int_equal(lldp_id_set(&id, LLDP_CHASSIS_MAC, mac, 6), 0);
    lldp_id_format(&id, true, text, sizeof text);
    assert_string_equal(text, "02:5e:a0:00:00:0a");
    /* Port subtype 4 is "network address", not MAC: printable -> text. */
    assert_int_equal(lldp_id_set(&id, LLDP_PORT_MAC, mac, 6), 0);
    lldp_id_format(&id, false, text, sizeof text);
    assert_string_equal(text, "02:5e:a0:00:00:0a");
    static const uint8_t ip4[] = { 1, 192, 0, 2, 1 };
    assert_int_equal(lldp_id_set(&id, LLDP_CHASSIS_NETADDR, ip4, 5), 0);
    lldp_id_format(&id, true, text, sizeof text);
    assert_string_equal(text, "192.0.2.1");
    assert_int_equal(lldp_id_set(&id, LLDP_PORT_IFNAME, "ens1f0", 6), 0);
    lldp_id_format(&id, false, text, sizeof text);
    assert_string_equal(text, "ens1f0");
    static const uint8_t bin[] = { 'a', 0, 0xff };
    assert_int_equal(lldp_id_set(&id, LLDP_PORT_LOCAL, bin, 3), 0);
    lldp_id_format(&id, false, text, sizeof text);
    assert_string_equal(text, "61:00:ff");
    /* Cut to fit, always terminated. */
    char small[6];
    lldp_id_format(&id, false, small, sizeof small);
    assert_string_equal(small, "61:00");
    uint8_t big[LLDP_ID_MAX];
    memset(big, 0xab, sizeof big);
    assert_int_equal(lldp_id_set(&id, LLDP_PORT_LOCAL, big, sizeof big), 0);
    lldp_id_format(&id, false, text, sizeof text);
    assert_int_equal(strlen(text), LLDP_ID_MAX * 3 - 1);
}


/* ---- the agent ---- */

static struct lldp_agent *
new_agent(unsigned int interval_s, unsigned int hold)
{
    struct lldp_agent_options o = {
        .chassis_mac = testlib_mac("02:5e:a0:00:00:01"),
        .system_name = "tor1",
        .system_descr = "seam-vtep test",
        .mgmt_ip = testlib_ipv4("10.0.0.1"),
        .interval_s = interval_s,
        .hold = hold,
    };
    return lldp_agent_create(&o);
}

/* A frame from a host: chassis MAC 02:..:0b, port 'port_id', 'ttl_s'. */
static size_t
host_frame(uint8_t *buf, const char *sysname, const char *port_id,
           uint16_t ttl_s)
{
    struct lldp_pdu pdu;
    memset(&pdu, 0, sizeof pdu);
    struct eth_addr mac = testlib_mac("02:00:00:00:00:0b");
    assert_int_equal(lldp_id_set(&pdu.chassis, LLDP_CHASSIS_MAC, mac.ea, 6), 0);
    assert_int_equal(lldp_id_set(&pdu.port, LLDP_PORT_IFNAME, port_id,
                                 strlen(port_id)), 0);
    pdu.ttl_s = ttl_s;
    lldp_string_set(pdu.system_name, sysname);
    pdu.has = LLDP_HAS_SYSTEM_NAME;
    int n = lldp_frame_encode(&mac, &pdu, buf, LLDP_FRAME_MAX);
    assert_true(n > 0);
    return (size_t) n;
}

static void
test_agent_tx(void **state)
{
    struct lldp_agent *a = new_agent(30, 4);
    uint8_t buf[LLDP_FRAME_MAX];
    size_t slot = 99;
    struct eth_addr pmac = testlib_mac("02:00:00:00:01:00");

    assert_int_equal(lldp_agent_next_tx(a, 0, &slot, buf, sizeof buf), 0);
    /* Down: nothing; up: at once. */
    lldp_agent_set_port(a, 2, "p2", 7, &pmac, false, 1000);
    assert_int_equal(lldp_agent_next_tx(a, 1000, &slot, buf, sizeof buf), 0);
    lldp_agent_set_port(a, 2, "p2", 7, &pmac, true, 1000);
    assert_int_equal(lldp_agent_next_deadline(a), 1000);
    size_t n = lldp_agent_next_tx(a, 1000, &slot, buf, sizeof buf);
    assert_true(n >= LLDP_FRAME_MIN);
    assert_int_equal(slot, 2);
    assert_int_equal(lldp_agent_next_tx(a, 1000, &slot, buf, sizeof buf), 0);

    struct lldp_pdu pdu;
    struct eth_addr src;
    assert_int_equal(lldp_frame_decode(buf, n, &src, &pdu), LLDP_OK);
    assert_memory_equal(src.ea, pmac.ea, 6);
    char text[LLDP_ID_TEXT_MAX];
    lldp_id_format(&pdu.chassis, true, text, sizeof text);
    assert_string_equal(text, "02:5e:a0:00:00:01");
    assert_int_equal(pdu.port.subtype, LLDP_PORT_IFNAME);
    lldp_id_format(&pdu.port, false, text, sizeof text);
    assert_string_equal(text, "p2");
    assert_int_equal(pdu.ttl_s, 120);
    assert_string_equal(pdu.system_name, "tor1");
    assert_string_equal(pdu.port_descr, "seam-vtep port p2");
    assert_string_equal(pdu.system_descr, "seam-vtep test");
    testlib_assert_ipv4(pdu.mgmt_ipv4, "10.0.0.1");
    assert_int_equal(pdu.caps_enabled, LLDP_CAP_BRIDGE);

    /* Every 30 s after. */
    assert_int_equal(lldp_agent_next_deadline(a), 31000);
    assert_int_equal(lldp_agent_next_tx(a, 30999, &slot, buf, sizeof buf), 0);
    assert_true(lldp_agent_next_tx(a, 31000, &slot, buf, sizeof buf) > 0);
    /* Down and up again: at once. */
    lldp_agent_set_port(a, 2, "p2", 7, &pmac, false, 32000);
    lldp_agent_set_port(a, 2, "p2", 7, &pmac, true, 32500);
    assert_true(lldp_agent_next_tx(a, 32500, &slot, buf, sizeof buf) > 0);
    /* Shutdown: TTL 0. */
    n = lldp_agent_shutdown_frame(a, 2, buf, sizeof buf);
    assert_int_equal(lldp_frame_decode(buf, n, NULL, &pdu), LLDP_OK);
    assert_int_equal(pdu.ttl_s, 0);
    assert_int_equal(lldp_agent_shutdown_frame(a, 3, buf, sizeof buf), 0);
    assert_int_equal(lldp_agent_stats(a)->tx, 4);
    lldp_agent_destroy(a);

    /* TTL = interval x hold, capped at 65535. */
    a = new_agent(3600, 100);
    lldp_agent_set_port(a, 0, "p0", 1, &pmac, true, 0);
    n = lldp_agent_next_tx(a, 0, &slot, buf, sizeof buf);
    assert_int_equal(lldp_frame_decode(buf, n, NULL, &pdu), LLDP_OK);
    assert_int_equal(pdu.ttl_s, 65535);
    lldp_agent_destroy(a);
    lldp_agent_destroy(NULL);
}

static void
test_agent_rx(void **state)
{
    struct lldp_agent *a = new_agent(1, 3);
    struct eth_addr pmac = testlib_mac("02:00:00:00:01:00");
    uint8_t buf[LLDP_FRAME_MAX];
    size_t n;

    lldp_agent_set_port(a, 0, "p0", 5, &pmac, true, 0);
    assert_false(lldp_agent_take_changed(a));
    assert_null(lldp_agent_neighbor(a, 0));

    /* Learned; the same LLDPDU again changes nothing but the deadline. */
    n = host_frame(buf, "server2", "ens1f0", 4);
    assert_int_equal(lldp_agent_receive(a, 0, buf, n, 1000), LLDP_OK);
    assert_true(lldp_agent_take_changed(a));
    const struct lldp_neighbor *nb = lldp_agent_neighbor(a, 0);
    assert_non_null(nb);
    assert_string_equal(nb->pdu.system_name, "server2");
    assert_int_equal(nb->expires_ms, 5000);
    assert_int_equal(lldp_agent_receive(a, 0, buf, n, 2000), LLDP_OK);
    assert_false(lldp_agent_take_changed(a));
    assert_int_equal(lldp_agent_neighbor(a, 0)->expires_ms, 6000);

    /* A malformed LLDPDU: counted, nothing changes. */
    uint8_t bad[LLDP_FRAME_MAX];
    memcpy(bad, buf, n);
    bad[14] = 0x04;                     /* First TLV: a port ID. */
    assert_int_equal(lldp_agent_receive(a, 0, bad, n, 2500),
                     LLDP_ERR_NO_CHASSIS_ID);
    assert_false(lldp_agent_take_changed(a));
    assert_int_equal(lldp_agent_neighbor(a, 0)->expires_ms, 6000);
    assert_int_equal(lldp_agent_stats(a)->drops[LLDP_ERR_NO_CHASSIS_ID], 1);

    /* The TTL runs out. */
    lldp_agent_expire(a, 5999);
    assert_non_null(lldp_agent_neighbor(a, 0));
    lldp_agent_expire(a, 6000);
    assert_null(lldp_agent_neighbor(a, 0));
    assert_true(lldp_agent_take_changed(a));
    assert_int_equal(lldp_agent_stats(a)->expired, 1);

    /* TTL 0 removes at once. */
    assert_int_equal(lldp_agent_receive(a, 0, buf, n, 7000), LLDP_OK);
    assert_non_null(lldp_agent_neighbor(a, 0));
    n = host_frame(buf, "server2", "ens1f0", 0);
    assert_int_equal(lldp_agent_receive(a, 0, buf, n, 7100), LLDP_OK);
    assert_null(lldp_agent_neighbor(a, 0));
    assert_int_equal(lldp_agent_stats(a)->shutdowns, 1);

    /* Another host on the port replaces the first; link down forgets. */
    n = host_frame(buf, "server2", "ens1f0", 4);
    assert_int_equal(lldp_agent_receive(a, 0, buf, n, 8000), LLDP_OK);
    n = host_frame(buf, "server3", "ens2f0", 4);
    lldp_agent_take_changed(a);
    assert_int_equal(lldp_agent_receive(a, 0, buf, n, 8100), LLDP_OK);
    assert_true(lldp_agent_take_changed(a));
    assert_string_equal(lldp_agent_neighbor(a, 0)->pdu.system_name, "server3");
    lldp_agent_set_port(a, 0, "p0", 5, &pmac, false, 8200);
    assert_null(lldp_agent_neighbor(a, 0));
    assert_true(lldp_agent_take_changed(a));
    /* Received while down, or on no port: ignored. */
    assert_int_equal(lldp_agent_receive(a, 0, buf, n, 8300), LLDP_OK);
    assert_int_equal(lldp_agent_receive(a, 9, buf, n, 8300), LLDP_OK);
    assert_null(lldp_agent_neighbor(a, 0));

    /* Another interface under the same name forgets too. */
    lldp_agent_set_port(a, 0, "p0", 5, &pmac, true, 9000);
    assert_int_equal(lldp_agent_receive(a, 0, buf, n, 9000), LLDP_OK);
    lldp_agent_set_port(a, 0, "p0", 6, &pmac, true, 9100);
    assert_null(lldp_agent_neighbor(a, 0));

    struct ds s;
    ds_init(&s);
    lldp_agent_format_stats(a, &s);
    assert_non_null(strstr(ds_cstr(&s), "drops: no_chassis_id 1"));
    ds_destroy(&s);
    lldp_agent_destroy(a);
}

/* ---- the database keys ---- */

static struct ovsdb_db *
vtep_db_with_ports(void)
{
    char *path = testlib_data_path("ovsdb/vtep.ovsschema");
    struct ovsdb_db *db = ovsdb_db_create(testlib_load_schema(path));
    free(path);
    static const char *const ports[] = { "p0", "p1" };
    static const char *const ids[] = { "port-uuid-0", NULL };
    static const char *const ips[] = { "10.0.0.1" };
    struct vtep_db_identity id = {
        .ps_name = "tor1", .ports = ports, .n_ports = 2, .iface_ids = ids,
        .management_ips = ips, .n_management_ips = 1,
        .tunnel_ips = ips, .n_tunnel_ips = 1,
    };
    json_t *ops = vtep_db_startup_ops(db, &id), *result = NULL;
    long long timeout = 0;
    assert_true(ovsdb_execute(db, NULL, ops, 0, &timeout, &result));
    json_decref(ops);
    json_decref(result);
    return db;
}


/* other_config of the row of 'table' named 'name', as "k=v;k=v;". */
static char *
other_config(struct ovsdb_db *db, const char *table, const char *name)
{
    const struct ovsdb_table *t = ovsdb_db_find_table(db, table);
    const struct ovsdb_column *nc
        = ovsdb_table_schema_find_column(t->schema, "name");
    const struct ovsdb_column *oc
        = ovsdb_table_schema_find_column(t->schema, "other_config");
    const struct ovsdb_row *row;
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        if (!strcmp(row->fields[nc->index].keys[0].string, name)) {
            struct ds s;
            ds_init(&s);
            const struct ovsdb_datum *d = &row->fields[oc->index];
            for (unsigned int i = 0; i < d->n; i++) {
                ds_put_format(&s, "%s=%s;", d->keys[i].string,
                              d->values[i].string);
            }
            return ds_steal_cstr(&s);
        }
    }
    fail_msg("no %s %s", table, name);
    return NULL;
}

static void
assert_other_config(struct ovsdb_db *db, const char *table, const char *name,
                    const char *expect)
{
    char *got = other_config(db, table, name);
    if (strcmp(got, expect)) {
        fail_msg("%s %s: other_config \"%s\", expected \"%s\"", table, name,
                 got, expect);
    }
    free(got);
}

static void
test_db_keys(void **state)
{
    struct ovsdb_db *db = vtep_db_with_ports();
    struct lldp_neighbor nb;
    memset(&nb, 0, sizeof nb);
    uint8_t buf[LLDP_FRAME_MAX];
    size_t n = host_frame(buf, "server2", "ens1f0", 120);
    assert_int_equal(lldp_frame_decode(buf, n, &nb.src, &nb.pdu), LLDP_OK);
    lldp_string_set(nb.pdu.port_descr, "Intel X710 port 0");
    nb.pdu.mgmt_ipv4 = testlib_ipv4("192.0.2.12");
    nb.pdu.has |= LLDP_HAS_PORT_DESCR | LLDP_HAS_MGMT_IPV4;

    struct lldp_db_port ports[] = { { "p0", &nb }, { "p1", NULL },
                                    { "nope", &nb } };
    json_t *ops = lldp_db_ops(db, "tor1", "02:5e:a0:00:00:01", ports, 3);
    assert_int_equal(json_array_size(ops), 2);   /* Switch, p0. */
    testlib_execute_ok(db, ops);
    assert_other_config(db, "Physical_Port", "p0",
                        "iface-id=port-uuid-0;"
                        "lldp:chassis_id=02:00:00:00:00:0b;"
                        "lldp:mgmt_ip=192.0.2.12;"
                        "lldp:port_description=Intel X710 port 0;"
                        "lldp:port_id=ens1f0;"
                        "lldp:system_name=server2;"
                        "lldp:ttl=120;");
    assert_other_config(db, "Physical_Port", "p1", "");
    assert_other_config(db, "Physical_Switch", "tor1",
                        "lldp:chassis_id=02:5e:a0:00:00:01;");
    /* Idempotent. */
    ops = lldp_db_ops(db, "tor1", "02:5e:a0:00:00:01", ports, 3);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    /* Fewer TLVs: the keys it no longer sends go. */
    nb.pdu.has &= ~(LLDP_HAS_PORT_DESCR | LLDP_HAS_MGMT_IPV4);
    testlib_execute_ok(db, lldp_db_ops(db, "tor1", NULL, ports, 1));
    assert_other_config(db, "Physical_Port", "p0",
                        "iface-id=port-uuid-0;"
                        "lldp:chassis_id=02:00:00:00:00:0b;"
                        "lldp:port_id=ens1f0;"
                        "lldp:system_name=server2;"
                        "lldp:ttl=120;");
    /* No neighbour: every lldp: key goes, iface-id stays. */
    ports[0].neighbor = NULL;
    testlib_execute_ok(db, lldp_db_ops(db, "tor1", NULL, ports, 1));
    assert_other_config(db, "Physical_Port", "p0", "iface-id=port-uuid-0;");
    /* Another switch name: nothing. */
    ops = lldp_db_ops(db, "tor9", "x", ports, 1);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);
    ovsdb_db_destroy(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_full),
        cmocka_unit_test(test_roundtrip_minimal_padded),
        cmocka_unit_test(test_roundtrip_long_strings),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_decode_lldpd_frame),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_frame_not_lldp),
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_id_format),
        cmocka_unit_test(test_agent_tx),
        cmocka_unit_test(test_agent_rx),
        cmocka_unit_test(test_db_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
