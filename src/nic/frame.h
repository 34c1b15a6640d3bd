/* nic_frame: the Ethernet / IEEE 802.1Q codec of seam-sriov-nic, with no I/O.
 *
 * A frame as the NIC sees it is its bytes plus, possibly, a tag the kernel
 * moved out of the bytes into packet metadata (veth's RX VLAN offload:
 * skb_vlan_untag(); AF_PACKET reports it through PACKET_AUXDATA,
 * tp_vlan_tci / tp_vlan_tpid with TP_STATUS_VLAN_VALID).  nic_frame_parse()
 * merges both into one view: the outer tag (802.1Q C-tag 0x8100 or 802.1ad
 * S-tag 0x88a8, IEEE 802.1Q-2018 §9.6), and where the rest of the frame
 * (from the ethertype after the tag) begins, so that the datapath can emit
 * the frame untagged or with any tag by scatter-gather (dst+src, a 4-byte
 * tag, the rest) without moving a byte.
 *
 * Only the outer tag is looked at: an inner tag of a double-tagged frame
 * is payload.  Byte order: every value here is in host order; the tag
 * written by nic_frame_put_tag() is in network order.
 *
 * Errors: nic_frame_parse() returns 0, or -EINVAL for a runt (shorter than
 * dst+src+ethertype, or a tag with no ethertype after it). */
#ifndef SEAM_NIC_FRAME_H
#define SEAM_NIC_FRAME_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NIC_ETH_ADDR_LEN 6
#define NIC_ETH_MACS_LEN 12             /* dst + src: what a tag follows. */
#define NIC_ETH_HEADER_LEN 14
#define NIC_VLAN_HEADER_LEN 4           /* TPID + TCI. */
#define NIC_ETH_TYPE_VLAN 0x8100        /* 802.1Q C-tag. */
#define NIC_ETH_TYPE_QINQ 0x88a8        /* 802.1ad S-tag. */
#define NIC_VLAN_VID_MASK 0x0fff
#define NIC_VLAN_PCP_SHIFT 13

/* A parsed frame: pointers into the caller's bytes (borrowed, valid as
 * long as they are). */
struct nic_frame {
    const uint8_t *data;                /* dst MAC first, no FCS. */
    uint32_t size;                      /* Bytes at 'data'. */
    const uint8_t *dst;                 /* == data. */
    const uint8_t *src;                 /* == data + 6. */
    const uint8_t *rest;                /* Ethertype after the outer tag (or
                                         * the only ethertype). */
    uint32_t rest_size;                 /* Bytes from 'rest' to the end. */
    bool tagged;                        /* An outer tag, in bytes or aux. */
    bool tag_in_bytes;                  /* It was in 'data' (not metadata). */
    uint16_t tpid;                      /* Outer tag's TPID (if 'tagged'). */
    uint16_t tci;                       /* Outer tag's TCI (PCP, DEI, VID). */
    uint32_t wire_size;                 /* Frame size with the tag counted
                                         * wherever it was. */
};

/* Parses 'size' bytes at 'data' into '*f'.  'aux_tagged' says the kernel
 * took a tag out of the frame: 'aux_tpid' (0 = unknown: 0x8100) and
 * 'aux_tci' are then the tag's.  Returns 0 or -EINVAL (runt). */
int nic_frame_parse(struct nic_frame *f, const uint8_t *data, uint32_t size,
                    bool aux_tagged, uint16_t aux_tpid, uint16_t aux_tci);

/* The VLAN ID of 'f' for classification: the outer tag's VID, or 0 for an
 * untagged or priority-tagged (VID 0) frame. */
static inline uint16_t
nic_frame_vid(const struct nic_frame *f)
{
    return f->tagged ? (uint16_t) (f->tci & NIC_VLAN_VID_MASK) : 0;
}

/* A TCI from a VID (1..4094) and a priority (PCP, 0..7). */
static inline uint16_t
nic_frame_tci(uint16_t vid, uint8_t pcp)
{
    return (uint16_t) (((unsigned) (pcp & 7) << NIC_VLAN_PCP_SHIFT)
                       | (vid & NIC_VLAN_VID_MASK));
}

/* Writes the 4 bytes of a tag ('tpid', 'tci', network order) to 'out'. */
void nic_frame_put_tag(uint8_t out[NIC_VLAN_HEADER_LEN], uint16_t tpid,
                       uint16_t tci);

/* Completes the partial TCP or UDP checksum of a frame whose ethertype
 * (after the outer tag, if any) is at 'p', 'size' bytes to the end of the
 * frame: IPv4 (not a fragment) or IPv6 (no extension header), the checksum
 * recomputed from scratch over the pseudo-header and the segment (RFC 793,
 * RFC 768: a UDP result of 0 is sent as 0xffff; RFC 8200 §8.1).  A VM's
 * kernel leaves it partial when its netdev offers transmit checksum offload
 * (the ring says TP_STATUS_CSUMNOTREADY).  Returns 0, or -EINVAL when the
 * frame is none of those (left as it is). */
int nic_frame_complete_csum(uint8_t *p, uint32_t size);

/* Whether 'mac' is a group (multicast or broadcast) address. */
static inline bool
nic_mac_is_group(const uint8_t *mac)
{
    return mac[0] & 1;
}

/* Whether 'mac' is 00:00:00:00:00:00 (a VF MAC that is not set). */
bool nic_mac_is_zero(const uint8_t *mac);

/* Parses "xx:xx:xx:xx:xx:xx" into 'mac'; returns 0 or -EINVAL. */
int nic_mac_from_string(const char *s, uint8_t mac[NIC_ETH_ADDR_LEN]);

#define NIC_MAC_FMT "%02x:%02x:%02x:%02x:%02x:%02x"
#define NIC_MAC_ARGS(m) (m)[0], (m)[1], (m)[2], (m)[3], (m)[4], (m)[5]

#endif /* nic/frame.h */
