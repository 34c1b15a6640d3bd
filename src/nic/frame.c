/* nic_frame: Ethernet / 802.1Q codec of seam-sriov-nic (see frame.h). */
#include "nic/frame.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static inline uint16_t
get_be16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

int
nic_frame_parse(struct nic_frame *f, const uint8_t *data, uint32_t size,
                bool aux_tagged, uint16_t aux_tpid, uint16_t aux_tci)
{
    if (size < NIC_ETH_HEADER_LEN) {
        return -EINVAL;
    }
    f->data = data;
    f->size = size;
    f->dst = data;
    f->src = data + NIC_ETH_ADDR_LEN;
    f->tag_in_bytes = false;
    f->wire_size = size;
    if (aux_tagged) {
        /* The kernel took the outer tag out; whatever is in the bytes now
         * is an inner tag or the ethertype. */
        f->tagged = true;
        f->tpid = aux_tpid ? aux_tpid : NIC_ETH_TYPE_VLAN;
        f->tci = aux_tci;
        f->rest = data + NIC_ETH_MACS_LEN;
        f->wire_size += NIC_VLAN_HEADER_LEN;
    } else {
        uint16_t type = get_be16(data + NIC_ETH_MACS_LEN);
        if (type == NIC_ETH_TYPE_VLAN || type == NIC_ETH_TYPE_QINQ) {
            if (size < NIC_ETH_HEADER_LEN + NIC_VLAN_HEADER_LEN) {
                return -EINVAL;
            }
            f->tagged = true;
            f->tag_in_bytes = true;
            f->tpid = type;
            f->tci = get_be16(data + NIC_ETH_MACS_LEN + 2);
            f->rest = data + NIC_ETH_MACS_LEN + NIC_VLAN_HEADER_LEN;
        } else {
            f->tagged = false;
            f->tpid = 0;
            f->tci = 0;
            f->rest = data + NIC_ETH_MACS_LEN;
        }
    }
    f->rest_size = size - (uint32_t) (f->rest - data);
    return 0;
}

/* Adds the big-endian 16-bit words of 'n' bytes at 'p' to 'sum'. */
static uint32_t
csum_add(const uint8_t *p, uint32_t n, uint32_t sum)
{
    uint32_t i;
    for (i = 0; i + 1 < n; i += 2) {
        sum += (uint32_t) (p[i] << 8 | p[i + 1]);
        if (sum & 0x80000000u) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
    }
    if (i < n) {
        sum += (uint32_t) p[i] << 8;
    }
    return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t) ~sum;
}

int
nic_frame_complete_csum(uint8_t *p, uint32_t size)
{
    if (size < 2) {
        return -EINVAL;
    }
    uint16_t type = get_be16(p);
    uint8_t *ip = p + 2;
    uint32_t l3_size = size - 2;
    uint32_t sum, l4_len;
    uint8_t proto;
    uint8_t *l4;

    if (type == 0x0800) {
        if (l3_size < 20) {
            return -EINVAL;
        }
        uint32_t ihl = (ip[0] & 0xfu) * 4;
        uint32_t tot = get_be16(ip + 2);
        if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || tot > l3_size
            || (ip[6] & 0x3f) || ip[7]) {
            return -EINVAL;             /* Bad, or a fragment. */
        }
        proto = ip[9];
        l4 = ip + ihl;
        l4_len = tot - ihl;
        sum = csum_add(ip + 12, 8, 0);  /* Source, destination. */
    } else if (type == 0x86dd) {
        if (l3_size < 40) {
            return -EINVAL;
        }
        uint32_t plen = get_be16(ip + 4);
        if ((ip[0] >> 4) != 6 || 40 + plen > l3_size) {
            return -EINVAL;
        }
        proto = ip[6];
        l4 = ip + 40;
        l4_len = plen;
        sum = csum_add(ip + 8, 32, 0);
    } else {
        return -EINVAL;
    }
    uint32_t csum_ofs;
    if (proto == 6 && l4_len >= 20) {
        csum_ofs = 16;
    } else if (proto == 17 && l4_len >= 8) {
        csum_ofs = 6;
    } else {
        return -EINVAL;
    }
    l4[csum_ofs] = l4[csum_ofs + 1] = 0;
    sum += proto + (l4_len & 0xffff) + (l4_len >> 16);
    uint16_t csum = csum_fold(csum_add(l4, l4_len, sum));
    if (proto == 17 && !csum) {
        csum = 0xffff;
    }
    l4[csum_ofs] = (uint8_t) (csum >> 8);
    l4[csum_ofs + 1] = (uint8_t) csum;
    return 0;
}

void
nic_frame_put_tag(uint8_t out[NIC_VLAN_HEADER_LEN], uint16_t tpid,
                  uint16_t tci)
{
    out[0] = (uint8_t) (tpid >> 8);
    out[1] = (uint8_t) tpid;
    out[2] = (uint8_t) (tci >> 8);
    out[3] = (uint8_t) tci;
}

bool
nic_mac_is_zero(const uint8_t *mac)
{
    static const uint8_t zero[NIC_ETH_ADDR_LEN];
    return !memcmp(mac, zero, NIC_ETH_ADDR_LEN);
}

int
nic_mac_from_string(const char *s, uint8_t mac[NIC_ETH_ADDR_LEN])
{
    unsigned int b[NIC_ETH_ADDR_LEN];
    char tail;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
               &b[4], &b[5], &tail) != NIC_ETH_ADDR_LEN
        || strlen(s) != 17) {
        return -EINVAL;
    }
    for (int i = 0; i < NIC_ETH_ADDR_LEN; i++) {
        mac[i] = (uint8_t) b[i];
    }
    return 0;
}
