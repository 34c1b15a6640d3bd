/* lldp: the Link Layer Discovery Protocol codec (IEEE 802.1AB-2016), with
 * no I/O, no allocation and no globals: LLDPDUs in and out as bytes and a
 * fixed-size struct, so that seam-vtep's control thread, the unit tests and
 * the fuzzer drive it the same way.
 *
 * What it speaks (802.1AB-2016 clause 8):
 *   - §8.5.2 Chassis ID, §8.5.3 Port ID, §8.5.4 Time To Live: mandatory,
 *     first, in that order (§8.2), exactly once;
 *   - §8.5.5 Port Description, §8.5.6 System Name, §8.5.7 System
 *     Description, §8.5.8 System Capabilities: optional, at most once;
 *   - §8.5.9 Management Address: optional, repeatable; the first IPv4 and
 *     the first IPv6 address are kept;
 *   - §8.5.1 End of LLDPDU (optional since -2016; what follows it, such as
 *     Ethernet padding, is ignored); organizationally specific (type 127)
 *     and reserved types (9..126) are checked for framing and skipped.
 *
 * The decoder is strict: anything the standard says a receiver shall
 * discard (§9.2.7.7.1: missing or misplaced mandatory TLVs, a second
 * Chassis ID, Port ID or TTL, a TLV whose length runs past the LLDPDU, an
 * ID shorter than 2 bytes, an End TLV with a length) is refused with a
 * reason (enum lldp_error, lldp_error_string()), and the caller counts it.
 *
 * Errors: decoders return an enum lldp_error (LLDP_OK = 0); encoders
 * return the bytes written or -errno. */
#ifndef SEAM_VTEP_LLDP_H
#define SEAM_VTEP_LLDP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "lib/util.h"

struct eth_addr;

#define LLDP_ETH_TYPE 0x88cc
/* The nearest-bridge group address (802.1AB §7.1, table 7-1): frames to it
 * are never forwarded by a bridge (802.1Q's reserved range). */
#define LLDP_MULTICAST_MAC { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e }
#define LLDP_FRAME_MAX 1514             /* Ethernet header + LLDPDU, bytes. */
#define LLDP_FRAME_MIN 60               /* Padded up to this, bytes. */

enum lldp_tlv_type {
    LLDP_TLV_END = 0,
    LLDP_TLV_CHASSIS_ID = 1,
    LLDP_TLV_PORT_ID = 2,
    LLDP_TLV_TTL = 3,
    LLDP_TLV_PORT_DESCR = 4,
    LLDP_TLV_SYSTEM_NAME = 5,
    LLDP_TLV_SYSTEM_DESCR = 6,
    LLDP_TLV_SYSTEM_CAPS = 7,
    LLDP_TLV_MGMT_ADDR = 8,
    LLDP_TLV_ORG = 127
};

/* Chassis ID subtypes (§8.5.2.2, table 8-2); 0 and 8..255 are reserved. */
enum lldp_chassis_subtype {
    LLDP_CHASSIS_COMPONENT = 1,
    LLDP_CHASSIS_IFALIAS = 2,
    LLDP_CHASSIS_PORT = 3,
    LLDP_CHASSIS_MAC = 4,
    LLDP_CHASSIS_NETADDR = 5,
    LLDP_CHASSIS_IFNAME = 6,
    LLDP_CHASSIS_LOCAL = 7
};

/* Port ID subtypes (§8.5.3.2, table 8-3); 0 and 8..255 are reserved. */
enum lldp_port_subtype {
    LLDP_PORT_IFALIAS = 1,
    LLDP_PORT_COMPONENT = 2,
    LLDP_PORT_MAC = 3,
    LLDP_PORT_NETADDR = 4,
    LLDP_PORT_IFNAME = 5,
    LLDP_PORT_CIRCUIT = 6,
    LLDP_PORT_LOCAL = 7
};

/* IANA address families, as the Management Address TLV and the network
 * address ID subtypes carry them. */
enum lldp_af {
    LLDP_AF_IPV4 = 1,
    LLDP_AF_IPV6 = 2
};

/* System capabilities bits (§8.5.8.1, table 8-4). */
#define LLDP_CAP_BRIDGE 0x0004
#define LLDP_CAP_ROUTER 0x0010
#define LLDP_CAP_STATION 0x0080

/* A chassis or port ID: a subtype and 1..255 bytes. */
#define LLDP_ID_MAX 255
struct lldp_id {
    uint8_t subtype;
    uint8_t size;                       /* Bytes of 'value', 1..255. */
    uint8_t value[LLDP_ID_MAX];
};

/* The strings (port description, system name and description) are
 * 0..255 bytes on the wire; kept NUL-terminated (a NUL inside one cuts it
 * there). */
#define LLDP_STRING_MAX 255

/* What an LLDPDU says.  Mandatory fields are always there in a decoded
 * one; the 'has' bits say which optional ones are. */
enum lldp_has {
    LLDP_HAS_PORT_DESCR = 1 << 0,
    LLDP_HAS_SYSTEM_NAME = 1 << 1,
    LLDP_HAS_SYSTEM_DESCR = 1 << 2,
    LLDP_HAS_SYSTEM_CAPS = 1 << 3,
    LLDP_HAS_MGMT_IPV4 = 1 << 4,
    LLDP_HAS_MGMT_IPV6 = 1 << 5
};

struct lldp_pdu {
    struct lldp_id chassis;
    struct lldp_id port;
    uint16_t ttl_s;                     /* Seconds; 0 = shutdown (§9.2.7.7.3). */
    unsigned int has;                   /* LLDP_HAS_* bits. */
    char port_descr[LLDP_STRING_MAX + 1];
    char system_name[LLDP_STRING_MAX + 1];
    char system_descr[LLDP_STRING_MAX + 1];
    uint16_t caps;                      /* LLDP_CAP_* the system has ... */
    uint16_t caps_enabled;              /* ... and those turned on. */
    struct in_addr mgmt_ipv4;           /* First IPv4 management address. */
    struct in6_addr mgmt_ipv6;          /* First IPv6 management address. */
    uint32_t mgmt_ifindex;              /* Encoded with the addresses (ifIndex
                                         * subtype); 0 = unknown. */
};

/* Decoder verdicts, listed once (X-macro): name, short name (dp/show),
 * reason text. */
#define LLDP_ERRORS                                                           \
    LLDP_ERR(OK, "ok", "ok")                                                  \
    LLDP_ERR(NOT_LLDP, "not_lldp", "not an LLDP frame (ethertype is not 0x88cc)") \
    LLDP_ERR(TRUNCATED_TLV, "truncated_tlv", "TLV header cut short by the end of the frame") \
    LLDP_ERR(TLV_OVERRUN, "tlv_overrun", "TLV length runs past the end of the LLDPDU") \
    LLDP_ERR(NO_CHASSIS_ID, "no_chassis_id", "missing Chassis ID TLV (must be first)") \
    LLDP_ERR(NO_PORT_ID, "no_port_id", "missing Port ID TLV (must be second)") \
    LLDP_ERR(NO_TTL, "no_ttl", "missing Time To Live TLV (must be third)")    \
    LLDP_ERR(BAD_CHASSIS_ID, "bad_chassis_id", "Chassis ID TLV with a bad length or subtype") \
    LLDP_ERR(BAD_PORT_ID, "bad_port_id", "Port ID TLV with a bad length or subtype") \
    LLDP_ERR(BAD_TTL, "bad_ttl", "Time To Live TLV length is not 2")          \
    LLDP_ERR(DUP_CHASSIS_ID, "dup_chassis_id", "a second Chassis ID TLV")     \
    LLDP_ERR(DUP_PORT_ID, "dup_port_id", "a second Port ID TLV")              \
    LLDP_ERR(DUP_TTL, "dup_ttl", "a second Time To Live TLV")                 \
    LLDP_ERR(DUP_PORT_DESCR, "dup_port_descr", "a second Port Description TLV") \
    LLDP_ERR(DUP_SYSTEM_NAME, "dup_system_name", "a second System Name TLV")  \
    LLDP_ERR(DUP_SYSTEM_DESCR, "dup_system_descr", "a second System Description TLV") \
    LLDP_ERR(DUP_SYSTEM_CAPS, "dup_system_caps", "a second System Capabilities TLV") \
    LLDP_ERR(BAD_SYSTEM_CAPS, "bad_system_caps", "System Capabilities TLV length is not 4") \
    LLDP_ERR(BAD_MGMT_ADDR, "bad_mgmt_addr", "malformed Management Address TLV") \
    LLDP_ERR(BAD_ORG, "bad_org", "organizationally specific TLV shorter than 4") \
    LLDP_ERR(BAD_END, "bad_end", "End of LLDPDU TLV with a non-zero length")

enum lldp_error {
#define LLDP_ERR(NAME, SHORT, TEXT) LLDP_ERR_##NAME,
    LLDP_ERRORS
#undef LLDP_ERR
    LLDP_N_ERRORS
};
/* Keep LLDP_OK readable. */
#define LLDP_OK LLDP_ERR_OK

/* The reason text of 'e' (a static string). */
const char *lldp_error_string(enum lldp_error e);
/* The short name of 'e' ("dup_chassis_id"; a static string). */
const char *lldp_error_name(enum lldp_error e);

/* Decodes the LLDPDU (the TLVs, no Ethernet header) of 'size' bytes at
 * 'data' into '*pdu'.  Returns LLDP_OK, or why it was refused ('*pdu' is
 * then partly written and must not be used). */
enum lldp_error lldp_decode(const uint8_t *data, size_t size,
                            struct lldp_pdu *pdu) WARN_UNUSED;

/* Decodes an untagged Ethernet frame of 'size' bytes at 'frame' carrying an
 * LLDPDU (any destination MAC: the caller chose which it takes).  Stores
 * the source MAC in '*src' if 'src' is not NULL. */
enum lldp_error lldp_frame_decode(const uint8_t *frame, size_t size,
                                  struct eth_addr *src,
                                  struct lldp_pdu *pdu) WARN_UNUSED;

/* Writes the LLDPDU of '*pdu' (mandatory TLVs, the optional ones its 'has'
 * bits name, End) into 'buf' of 'size' bytes.  Returns the bytes written,
 * -EINVAL if an ID is empty, -ENOSPC if 'buf' is too small. */
int lldp_encode(const struct lldp_pdu *pdu, uint8_t *buf, size_t size)
    WARN_UNUSED;

/* Writes a whole frame: to the nearest-bridge address from 'src', type
 * 0x88cc, the LLDPDU, padded to LLDP_FRAME_MIN.  Returns the frame's bytes
 * or -errno as lldp_encode(). */
int lldp_frame_encode(const struct eth_addr *src, const struct lldp_pdu *pdu,
                      uint8_t *buf, size_t size) WARN_UNUSED;

/* Sets '*id' to 'subtype' and the 'size' bytes at 'value' (size 1..255).
 * Returns 0 or -EINVAL. */
int lldp_id_set(struct lldp_id *id, uint8_t subtype, const void *value,
                size_t size) WARN_UNUSED;

/* Writes the text form of a chassis ID ('is_chassis') or port ID into 'buf'
 * of 'size' bytes (NUL-terminated, cut to fit): MAC subtypes as
 * "aa:bb:cc:dd:ee:ff" (Ironic's switch_id), network address subtypes as
 * IPv4/IPv6 text, the other subtypes as the string when every byte is
 * printable ASCII, else the bytes as colon-separated hex.  LLDP_ID_TEXT_MAX
 * is always enough. */
#define LLDP_ID_TEXT_MAX (LLDP_ID_MAX * 3 + 1)
void lldp_id_format(const struct lldp_id *id, bool is_chassis, char *buf,
                    size_t size);

/* Copies 'src' into one of struct lldp_pdu's strings, cut to
 * LLDP_STRING_MAX bytes. */
void lldp_string_set(char dst[LLDP_STRING_MAX + 1], const char *src);

#endif /* vtep/lldp.h */
