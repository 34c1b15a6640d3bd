/* pkt: the wire formats seam-vtep forwards, as byte offsets and inline
 * helpers: Ethernet II, IEEE 802.1Q tags (TPID 0x8100; 0x88a8, the 802.1ad
 * S-tag, is recognised so that double-tagged frames can be refused), ARP
 * over Ethernet/IPv4 (RFC 826), IPv4 (RFC 791), UDP (RFC 768) and the VXLAN
 * header (RFC 7348 §5: flags with the I bit, 24-bit VNI).
 *
 * Frames are plain byte arrays: every multi-byte field is read and written
 * through pkt_get_be16()/pkt_put_be16() and friends, so there is no
 * alignment or byte-order assumption anywhere.  "be" = network order on
 * the wire; every value these helpers return or take is in host order.
 *
 * Nothing here allocates or checks more than it says: callers check
 * lengths first (the pipeline validates each frame once, at the edge). */
#ifndef SEAM_VTEP_PKT_H
#define SEAM_VTEP_PKT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vtep/config.h"

/* ---- Ethernet ---- */
#define ETH_ADDR_LEN 6
#define ETH_HEADER_LEN 14               /* dst, src, ethertype. */
#define ETH_MACS_LEN 12                 /* dst + src: what a tag follows. */
#define ETH_TYPE_OFS 12

#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_VLAN 0x8100            /* 802.1Q C-tag. */
#define ETH_TYPE_VLAN_8021AD 0x88a8     /* 802.1ad S-tag (QinQ outer). */

/* ---- 802.1Q ---- */
#define VLAN_HEADER_LEN 4               /* TPID + TCI. */
#define VLAN_VID_MASK 0x0fff
#define VLAN_PCP_DEI_MASK 0xf000

/* ---- ARP (Ethernet/IPv4 only) ---- */
#define ARP_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_HTYPE_ETH 1
/* Offsets inside the ARP payload. */
#define ARP_HTYPE_OFS 0
#define ARP_PTYPE_OFS 2
#define ARP_HLEN_OFS 4
#define ARP_PLEN_OFS 5
#define ARP_OP_OFS 6
#define ARP_SHA_OFS 8
#define ARP_SPA_OFS 14
#define ARP_THA_OFS 18
#define ARP_TPA_OFS 24

/* ---- IPv4 / UDP / TCP ---- */
#define IPV4_MIN_HEADER_LEN 20
#define IPV4_PROTO_TCP 6
#define IPV4_PROTO_UDP 17
#define UDP_HEADER_LEN 8

/* ---- VXLAN (RFC 7348 §5) ---- */
#define VXLAN_HEADER_LEN 8
#define VXLAN_FLAG_I 0x08               /* First byte: "VNI valid". */
#define VXLAN_DEFAULT_PORT 4789
/* An encapsulated frame costs this much of the underlay IPv4 MTU on top
 * of the inner Ethernet frame (without FCS): IPv4 + UDP + VXLAN. */
#define VXLAN_OVERHEAD_IPV4 (IPV4_MIN_HEADER_LEN + UDP_HEADER_LEN \
                             + VXLAN_HEADER_LEN)
/* RFC 7348 §5: the outer UDP source port comes from a hash of the inner
 * frame, in the dynamic/private range 49152..65535. */
#define VXLAN_SRC_PORT_MIN 49152

static inline uint16_t
pkt_get_be16(const uint8_t *p)
{
    return (uint16_t) ((p[0] << 8) | p[1]);
}

static inline void
pkt_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) (v >> 8);
    p[1] = (uint8_t) v;
}

static inline uint32_t
pkt_get_be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | p[3];
}

static inline void
pkt_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

/* ---- Internet checksum (RFC 1071) ---- */

/* Adds the 'size' bytes at 'p', as big-endian 16-bit words (an odd last
 * byte padded with zero), to the running 'sum'. */
static inline uint32_t
pkt_csum_add(const uint8_t *p, size_t size, uint32_t sum)
{
    for (; size > 1; p += 2, size -= 2) {
        sum += pkt_get_be16(p);
    }
    if (size) {
        sum += (uint32_t) p[0] << 8;
    }
    return sum;
}

/* The checksum of a running 'sum': folded to 16 bits and complemented. */
static inline uint16_t
pkt_csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t) ~sum;
}

/* ---- MAC addresses ---- */

static inline bool
eth_addr_is_multicast(const uint8_t *mac)
{
    return mac[0] & 1;                  /* Broadcast included. */
}

static inline bool
eth_addr_is_zero(const uint8_t *mac)
{
    return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/* The 48 bits of 'mac' as an integer (for hashing and comparing). */
static inline uint64_t
eth_addr_to_u64(const uint8_t *mac)
{
    return ((uint64_t) mac[0] << 40) | ((uint64_t) mac[1] << 32)
           | ((uint64_t) mac[2] << 24) | ((uint64_t) mac[3] << 16)
           | ((uint64_t) mac[4] << 8) | mac[5];
}

static inline void
eth_addr_from_u64(uint64_t x, uint8_t *mac)
{
    for (int i = 5; i >= 0; i--) {
        mac[i] = (uint8_t) x;
        x >>= 8;
    }
}

/* ---- 802.1Q parse/push/pop ---- */

static inline bool
eth_type_is_vlan(uint16_t type)
{
    return type == ETH_TYPE_VLAN || type == ETH_TYPE_VLAN_8021AD;
}

/* The tag of an Ethernet frame, as eth_parse_vlan() found it. */
struct eth_vlan_info {
    bool tagged;                        /* One 802.1Q tag (0x8100). */
    bool double_tagged;                 /* 0x88a8 outer, or a second tag. */
    uint16_t tci;                       /* Whole TCI, host order. */
    uint16_t vid;                       /* 0 if untagged or priority-tagged. */
    uint16_t l3_ofs;                    /* Offset of the payload. */
    uint16_t eth_type;                  /* Ethertype after the tag(s). */
};

/* Parses the header of the 'size'-byte Ethernet frame 'f'.  Returns false
 * if it is truncated (shorter than its header and tags). */
static inline bool
eth_parse_vlan(const uint8_t *f, size_t size, struct eth_vlan_info *vi)
{
    if (size < ETH_HEADER_LEN) {
        return false;
    }
    uint16_t type = pkt_get_be16(f + ETH_TYPE_OFS);
    vi->tagged = vi->double_tagged = false;
    vi->tci = vi->vid = 0;
    vi->l3_ofs = ETH_HEADER_LEN;
    vi->eth_type = type;
    if (!eth_type_is_vlan(type)) {
        return true;
    }
    if (size < ETH_HEADER_LEN + VLAN_HEADER_LEN) {
        return false;
    }
    vi->tci = pkt_get_be16(f + ETH_TYPE_OFS + 2);
    vi->vid = vi->tci & VLAN_VID_MASK;
    vi->eth_type = pkt_get_be16(f + ETH_TYPE_OFS + VLAN_HEADER_LEN);
    vi->l3_ofs = ETH_HEADER_LEN + VLAN_HEADER_LEN;
    if (type == ETH_TYPE_VLAN_8021AD || eth_type_is_vlan(vi->eth_type)) {
        vi->double_tagged = true;
    } else {
        vi->tagged = true;
    }
    return true;
}

/* Pushes an 802.1Q tag with 'tci' onto the untagged frame at '*data'
 * ('*size' bytes), in place: the frame grows by 4 bytes towards the front,
 * so 4 bytes of headroom must precede '*data'.  Updates both. */
static inline void
eth_push_vlan(uint8_t **data, size_t *size, uint16_t tci)
{
    uint8_t *f = *data - VLAN_HEADER_LEN;
    memmove(f, *data, ETH_MACS_LEN);
    pkt_put_be16(f + ETH_TYPE_OFS, ETH_TYPE_VLAN);
    pkt_put_be16(f + ETH_TYPE_OFS + 2, tci);
    *data = f;
    *size += VLAN_HEADER_LEN;
}

/* Pops the one tag of the tagged frame at '*data' ('*size' bytes, at least
 * 18), in place: the frame starts 4 bytes later.  Updates both. */
static inline void
eth_pop_vlan(uint8_t **data, size_t *size)
{
    memmove(*data + VLAN_HEADER_LEN, *data, ETH_MACS_LEN);
    *data += VLAN_HEADER_LEN;
    *size -= VLAN_HEADER_LEN;
}

/* ---- VXLAN ---- */

/* Writes a VXLAN header for 'vni' (< 2^24) at 'h' (8 bytes). */
static inline void
vxlan_put_header(uint8_t *h, uint32_t vni)
{
    pkt_put_be32(h, (uint32_t) VXLAN_FLAG_I << 24);
    pkt_put_be32(h + 4, vni << 8);
}

/* Reads the VXLAN header at 'h' (8 bytes): false if the I flag is clear
 * (RFC 7348 §5: the other flag and reserved bits are ignored on receipt),
 * else stores the VNI in '*vni'. */
static inline bool
vxlan_get_header(const uint8_t *h, uint32_t *vni)
{
    if (!(h[0] & VXLAN_FLAG_I)) {
        return false;
    }
    *vni = pkt_get_be32(h + 4) >> 8;
    return true;
}

/* ---- ARP ---- */

/* True if the 'size' bytes at 'arp' are an Ethernet/IPv4 ARP packet. */
static inline bool
arp_is_eth_ipv4(const uint8_t *arp, size_t size)
{
    return size >= ARP_LEN
           && pkt_get_be16(arp + ARP_HTYPE_OFS) == ARP_HTYPE_ETH
           && pkt_get_be16(arp + ARP_PTYPE_OFS) == ETH_TYPE_IPV4
           && arp[ARP_HLEN_OFS] == ETH_ADDR_LEN && arp[ARP_PLEN_OFS] == 4;
}

#endif /* vtep/pkt.h */
