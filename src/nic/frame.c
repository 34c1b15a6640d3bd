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
