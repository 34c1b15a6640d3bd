/* libFuzzer target: the LLDP decoder (src/vtep/lldp.h) on arbitrary
 * frames, and the encoder on what it accepted.
 *
 * Input: an Ethernet frame (the bytes a port hands the LLDP agent).
 * Besides crashes and sanitizer reports, it aborts if an accepted LLDPDU
 * does not survive a round trip: encoded again and decoded, it must say
 * the same thing (IDs, TTL, strings, capabilities, addresses), and the
 * text forms of its IDs must be terminated within their bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vtep/config.h"
#include "vtep/lldp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bound the input as lldpd's fuzzer does: nothing bigger than a frame. */
#define MAX_INPUT LLDP_FRAME_MAX

static void
check_same(const struct lldp_pdu *a, const struct lldp_pdu *b)
{
    if (a->chassis.subtype != b->chassis.subtype
        || a->chassis.size != b->chassis.size
        || memcmp(a->chassis.value, b->chassis.value, a->chassis.size)
        || a->port.subtype != b->port.subtype || a->port.size != b->port.size
        || memcmp(a->port.value, b->port.value, a->port.size)
        || a->ttl_s != b->ttl_s || a->has != b->has
        || strcmp(a->port_descr, b->port_descr)
        || strcmp(a->system_name, b->system_name)
        || strcmp(a->system_descr, b->system_descr)
        || a->caps != b->caps || a->caps_enabled != b->caps_enabled
        || a->mgmt_ipv4.s_addr != b->mgmt_ipv4.s_addr
        || memcmp(&a->mgmt_ipv6, &b->mgmt_ipv6, sizeof a->mgmt_ipv6)) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lldp_pdu pdu, again;
    static uint8_t buf[LLDP_FRAME_MAX + 64];
    static char text[LLDP_ID_TEXT_MAX];

    if (size > MAX_INPUT) {
        return 0;
    }
    struct eth_addr src;
    if (lldp_frame_decode(data, size, &src, &pdu) != LLDP_OK) {
        return 0;
    }
    lldp_id_format(&pdu.chassis, true, text, sizeof text);
    if (strlen(text) >= sizeof text) {
        abort();
    }
    lldp_id_format(&pdu.port, false, text, sizeof text);

    int n = lldp_frame_encode(&src, &pdu, buf, sizeof buf);
    if (n < 0) {
        /* Our own fields always fit a buffer this big. */
        abort();
    }
    if (lldp_frame_decode(buf, (size_t) n, NULL, &again) != LLDP_OK) {
        abort();
    }
    check_same(&pdu, &again);
    return 0;
}
