/* lldp: the LLDP codec (IEEE 802.1AB-2016 clause 8); see lldp.h. */
#include "vtep/lldp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vtep/config.h"
#include "vtep/pkt.h"

#define TLV_HEADER_LEN 2
#define TLV_LEN_MAX 511                 /* 9 bits. */
#define MGMT_ADDR_MAX 31
#define MGMT_OID_MAX 128
#define MGMT_IF_IFINDEX 2               /* Interface numbering: ifIndex. */
#define MGMT_IF_UNKNOWN 1

static const char *const error_strings[] = {
#define LLDP_ERR(NAME, SHORT, TEXT) [LLDP_ERR_##NAME] = TEXT,
    LLDP_ERRORS
#undef LLDP_ERR
};

static const char *const error_names[] = {
#define LLDP_ERR(NAME, SHORT, TEXT) [LLDP_ERR_##NAME] = SHORT,
    LLDP_ERRORS
#undef LLDP_ERR
};

const char *
lldp_error_string(enum lldp_error e)
{
    return (unsigned int) e < LLDP_N_ERRORS ? error_strings[e] : "?";
}

const char *
lldp_error_name(enum lldp_error e)
{
    return (unsigned int) e < LLDP_N_ERRORS ? error_names[e] : "?";
}

/* ---- Decoding ---- */

/* A chassis or port ID TLV's value: a subtype in 1..7 and 1..255 bytes;
 * the MAC subtypes take 6 bytes, the network address ones an address of
 * the size its family says. */
static bool
decode_id(const uint8_t *v, size_t len, uint8_t mac_subtype,
          uint8_t netaddr_subtype, struct lldp_id *id)
{
    if (len < 2 || len > LLDP_ID_MAX + 1 || v[0] < 1 || v[0] > 7) {
        return false;
    }
    size_t size = len - 1;
    if (v[0] == mac_subtype && size != ETH_ADDR_LEN) {
        return false;
    }
    if (v[0] == netaddr_subtype
        && ((v[1] == LLDP_AF_IPV4 && size != 5)
            || (v[1] == LLDP_AF_IPV6 && size != 17) || size < 2)) {
        return false;
    }
    id->subtype = v[0];
    id->size = (uint8_t) size;
    memcpy(id->value, v + 1, size);
    return true;
}

static void
decode_string(const uint8_t *v, size_t len, char *dst)
{
    /* 'len' <= 511 here: keep the first LLDP_STRING_MAX bytes; the
     * standard caps these strings at 255, a longer one is cut, not an
     * error (lldpd does the same). */
    size_t n = MIN(len, (size_t) LLDP_STRING_MAX);
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* §8.5.9: addr string length (subtype + address, 2..32), subtype,
 * address, interface numbering subtype, interface number (4), OID length
 * (0..128), OID.  Keeps the first IPv4 and the first IPv6 address. */
static bool
decode_mgmt(const uint8_t *v, size_t len, struct lldp_pdu *pdu)
{
    if (len < 9) {
        return false;
    }
    size_t alen = v[0];
    if (alen < 2 || alen > MGMT_ADDR_MAX + 1 || len < 1 + alen + 5 + 1) {
        return false;
    }
    uint8_t family = v[1];
    const uint8_t *addr = v + 2;
    size_t addr_size = alen - 1;
    const uint8_t *p = v + 1 + alen;   /* Interface numbering subtype. */
    size_t oid_len = p[5];
    if (oid_len > MGMT_OID_MAX || 1 + alen + 6 + oid_len != len) {
        return false;
    }
    if (family == LLDP_AF_IPV4) {
        if (addr_size != 4) {
            return false;
        }
        if (!(pdu->has & LLDP_HAS_MGMT_IPV4)) {
            memcpy(&pdu->mgmt_ipv4, addr, 4);
            pdu->has |= LLDP_HAS_MGMT_IPV4;
            pdu->mgmt_ifindex = ((uint32_t) p[1] << 24) | (p[2] << 16)
                                | (p[3] << 8) | p[4];
        }
    } else if (family == LLDP_AF_IPV6) {
        if (addr_size != 16) {
            return false;
        }
        if (!(pdu->has & LLDP_HAS_MGMT_IPV6)) {
            memcpy(&pdu->mgmt_ipv6, addr, 16);
            pdu->has |= LLDP_HAS_MGMT_IPV6;
        }
    }
    return true;
}

/* One optional TLV (type >= 4) of 'len' bytes at 'v'. */
static enum lldp_error
decode_optional(unsigned int type, const uint8_t *v, size_t len,
                struct lldp_pdu *pdu)
{
    switch (type) {
    case LLDP_TLV_CHASSIS_ID:
        return LLDP_ERR_DUP_CHASSIS_ID;
    case LLDP_TLV_PORT_ID:
        return LLDP_ERR_DUP_PORT_ID;
    case LLDP_TLV_TTL:
        return LLDP_ERR_DUP_TTL;
    case LLDP_TLV_PORT_DESCR:
        if (pdu->has & LLDP_HAS_PORT_DESCR) {
            return LLDP_ERR_DUP_PORT_DESCR;
        }
        decode_string(v, len, pdu->port_descr);
        pdu->has |= LLDP_HAS_PORT_DESCR;
        return LLDP_OK;
    case LLDP_TLV_SYSTEM_NAME:
        if (pdu->has & LLDP_HAS_SYSTEM_NAME) {
            return LLDP_ERR_DUP_SYSTEM_NAME;
        }
        decode_string(v, len, pdu->system_name);
        pdu->has |= LLDP_HAS_SYSTEM_NAME;
        return LLDP_OK;
    case LLDP_TLV_SYSTEM_DESCR:
        if (pdu->has & LLDP_HAS_SYSTEM_DESCR) {
            return LLDP_ERR_DUP_SYSTEM_DESCR;
        }
        decode_string(v, len, pdu->system_descr);
        pdu->has |= LLDP_HAS_SYSTEM_DESCR;
        return LLDP_OK;
    case LLDP_TLV_SYSTEM_CAPS:
        if (pdu->has & LLDP_HAS_SYSTEM_CAPS) {
            return LLDP_ERR_DUP_SYSTEM_CAPS;
        }
        if (len != 4) {
            return LLDP_ERR_BAD_SYSTEM_CAPS;
        }
        pdu->caps = pkt_get_be16(v);
        pdu->caps_enabled = pkt_get_be16(v + 2);
        pdu->has |= LLDP_HAS_SYSTEM_CAPS;
        return LLDP_OK;
    case LLDP_TLV_MGMT_ADDR:
        return decode_mgmt(v, len, pdu) ? LLDP_OK : LLDP_ERR_BAD_MGMT_ADDR;
    case LLDP_TLV_ORG:
        /* OUI (3) + subtype (1) at least; the content is not ours. */
        return len >= 4 ? LLDP_OK : LLDP_ERR_BAD_ORG;
    default:
        /* Reserved types 9..126: framing checked, content skipped. */
        return LLDP_OK;
    }
}

enum lldp_error
lldp_decode(const uint8_t *data, size_t size, struct lldp_pdu *pdu)
{
    memset(pdu, 0, sizeof *pdu);
    size_t ofs = 0;
    unsigned int index = 0;             /* TLVs seen so far. */
    while (ofs < size) {
        if (size - ofs < TLV_HEADER_LEN) {
            return LLDP_ERR_TRUNCATED_TLV;
        }
        uint16_t hdr = pkt_get_be16(data + ofs);
        unsigned int type = hdr >> 9;
        size_t len = hdr & TLV_LEN_MAX;
        const uint8_t *v = data + ofs + TLV_HEADER_LEN;
        if (len > size - ofs - TLV_HEADER_LEN) {
            return LLDP_ERR_TLV_OVERRUN;
        }
        ofs += TLV_HEADER_LEN + len;

        enum lldp_error err = LLDP_OK;
        if (type == LLDP_TLV_END) {
            if (len) {
                return LLDP_ERR_BAD_END;
            }
            break;
        } else if (index == 0) {
            if (type != LLDP_TLV_CHASSIS_ID) {
                return LLDP_ERR_NO_CHASSIS_ID;
            }
            if (!decode_id(v, len, LLDP_CHASSIS_MAC, LLDP_CHASSIS_NETADDR,
                           &pdu->chassis)) {
                return LLDP_ERR_BAD_CHASSIS_ID;
            }
        } else if (index == 1) {
            if (type != LLDP_TLV_PORT_ID) {
                return (type == LLDP_TLV_CHASSIS_ID ? LLDP_ERR_DUP_CHASSIS_ID
                        : LLDP_ERR_NO_PORT_ID);
            }
            if (!decode_id(v, len, LLDP_PORT_MAC, LLDP_PORT_NETADDR,
                           &pdu->port)) {
                return LLDP_ERR_BAD_PORT_ID;
            }
        } else if (index == 2) {
            if (type != LLDP_TLV_TTL) {
                return (type == LLDP_TLV_CHASSIS_ID ? LLDP_ERR_DUP_CHASSIS_ID
                        : type == LLDP_TLV_PORT_ID ? LLDP_ERR_DUP_PORT_ID
                        : LLDP_ERR_NO_TTL);
            }
            /* -2005 allowed a longer TTL TLV; -2009 and later say 2. */
            if (len != 2) {
                return LLDP_ERR_BAD_TTL;
            }
            pdu->ttl_s = pkt_get_be16(v);
        } else {
            err = decode_optional(type, v, len, pdu);
        }
        if (err != LLDP_OK) {
            return err;
        }
        index++;
    }
    return (index == 0 ? LLDP_ERR_NO_CHASSIS_ID
            : index == 1 ? LLDP_ERR_NO_PORT_ID
            : index == 2 ? LLDP_ERR_NO_TTL
            : LLDP_OK);
}

enum lldp_error
lldp_frame_decode(const uint8_t *frame, size_t size, struct eth_addr *src,
                  struct lldp_pdu *pdu)
{
    if (size < ETH_HEADER_LEN
        || pkt_get_be16(frame + ETH_TYPE_OFS) != LLDP_ETH_TYPE) {
        return LLDP_ERR_NOT_LLDP;
    }
    if (src) {
        memcpy(src->ea, frame + ETH_ADDR_LEN, ETH_ADDR_LEN);
    }
    return lldp_decode(frame + ETH_HEADER_LEN, size - ETH_HEADER_LEN, pdu);
}

/* ---- Encoding ---- */

struct writer {
    uint8_t *buf;
    size_t size;
    size_t ofs;
    bool overflow;
};

/* Opens a TLV of 'type' with 'len' bytes of value; returns where the value
 * goes, or NULL (and marks the overflow) when it does not fit. */
static uint8_t *
put_tlv(struct writer *w, unsigned int type, size_t len)
{
    if (w->overflow || len > TLV_LEN_MAX
        || w->size - w->ofs < TLV_HEADER_LEN + len) {
        w->overflow = true;
        return NULL;
    }
    pkt_put_be16(w->buf + w->ofs, (uint16_t) ((type << 9) | len));
    uint8_t *v = w->buf + w->ofs + TLV_HEADER_LEN;
    w->ofs += TLV_HEADER_LEN + len;
    return v;
}

static void
put_id(struct writer *w, unsigned int type, const struct lldp_id *id)
{
    uint8_t *v = put_tlv(w, type, 1 + (size_t) id->size);
    if (v) {
        v[0] = id->subtype;
        memcpy(v + 1, id->value, id->size);
    }
}

static void
put_string(struct writer *w, unsigned int type, const char *s)
{
    size_t n = strnlen(s, LLDP_STRING_MAX);
    uint8_t *v = put_tlv(w, type, n);
    if (v) {
        memcpy(v, s, n);
    }
}

static void
put_mgmt(struct writer *w, uint8_t family, const void *addr, size_t addr_size,
         uint32_t ifindex)
{
    uint8_t *v = put_tlv(w, LLDP_TLV_MGMT_ADDR, 1 + 1 + addr_size + 5 + 1);
    if (v) {
        v[0] = (uint8_t) (1 + addr_size);
        v[1] = family;
        memcpy(v + 2, addr, addr_size);
        uint8_t *p = v + 2 + addr_size;
        p[0] = ifindex ? MGMT_IF_IFINDEX : MGMT_IF_UNKNOWN;
        p[1] = (uint8_t) (ifindex >> 24);
        p[2] = (uint8_t) (ifindex >> 16);
        p[3] = (uint8_t) (ifindex >> 8);
        p[4] = (uint8_t) ifindex;
        p[5] = 0;                       /* No OID. */
    }
}

int
lldp_encode(const struct lldp_pdu *pdu, uint8_t *buf, size_t size)
{
    if (!pdu->chassis.size || !pdu->port.size) {
        return -EINVAL;
    }
    struct writer w = { .buf = buf, .size = size };
    put_id(&w, LLDP_TLV_CHASSIS_ID, &pdu->chassis);
    put_id(&w, LLDP_TLV_PORT_ID, &pdu->port);
    uint8_t *v = put_tlv(&w, LLDP_TLV_TTL, 2);
    if (v) {
        pkt_put_be16(v, pdu->ttl_s);
    }
    if (pdu->has & LLDP_HAS_PORT_DESCR) {
        put_string(&w, LLDP_TLV_PORT_DESCR, pdu->port_descr);
    }
    if (pdu->has & LLDP_HAS_SYSTEM_NAME) {
        put_string(&w, LLDP_TLV_SYSTEM_NAME, pdu->system_name);
    }
    if (pdu->has & LLDP_HAS_SYSTEM_DESCR) {
        put_string(&w, LLDP_TLV_SYSTEM_DESCR, pdu->system_descr);
    }
    if (pdu->has & LLDP_HAS_SYSTEM_CAPS) {
        v = put_tlv(&w, LLDP_TLV_SYSTEM_CAPS, 4);
        if (v) {
            pkt_put_be16(v, pdu->caps);
            pkt_put_be16(v + 2, pdu->caps_enabled);
        }
    }
    if (pdu->has & LLDP_HAS_MGMT_IPV4) {
        put_mgmt(&w, LLDP_AF_IPV4, &pdu->mgmt_ipv4, 4, pdu->mgmt_ifindex);
    }
    if (pdu->has & LLDP_HAS_MGMT_IPV6) {
        put_mgmt(&w, LLDP_AF_IPV6, &pdu->mgmt_ipv6, 16, pdu->mgmt_ifindex);
    }
    put_tlv(&w, LLDP_TLV_END, 0);
    return w.overflow ? -ENOSPC : (int) w.ofs;
}

int
lldp_frame_encode(const struct eth_addr *src, const struct lldp_pdu *pdu,
                  uint8_t *buf, size_t size)
{
    static const uint8_t dst[ETH_ADDR_LEN] = LLDP_MULTICAST_MAC;
    if (size < ETH_HEADER_LEN) {
        return -ENOSPC;
    }
    int n = lldp_encode(pdu, buf + ETH_HEADER_LEN, size - ETH_HEADER_LEN);
    if (n < 0) {
        return n;
    }
    memcpy(buf, dst, ETH_ADDR_LEN);
    memcpy(buf + ETH_ADDR_LEN, src->ea, ETH_ADDR_LEN);
    pkt_put_be16(buf + ETH_TYPE_OFS, LLDP_ETH_TYPE);
    size_t total = ETH_HEADER_LEN + (size_t) n;
    if (total < LLDP_FRAME_MIN) {
        if (size < LLDP_FRAME_MIN) {
            return -ENOSPC;
        }
        memset(buf + total, 0, LLDP_FRAME_MIN - total);
        total = LLDP_FRAME_MIN;
    }
    return (int) total;
}

/* ---- Helpers ---- */

int
lldp_id_set(struct lldp_id *id, uint8_t subtype, const void *value,
            size_t size)
{
    if (size < 1 || size > LLDP_ID_MAX) {
        return -EINVAL;
    }
    id->subtype = subtype;
    id->size = (uint8_t) size;
    memcpy(id->value, value, size);
    return 0;
}

static bool
is_printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

static void
format_hex(const uint8_t *p, size_t n, char *buf, size_t size)
{
    size_t ofs = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t need = (i ? 3 : 2) + 1;  /* [":"] "xx" NUL. */
        if (ofs + need > size) {
            break;
        }
        ofs += (size_t) snprintf(buf + ofs, size - ofs, i ? ":%02x" : "%02x",
                                 p[i]);
    }
}

void
lldp_id_format(const struct lldp_id *id, bool is_chassis, char *buf,
               size_t size)
{
    uint8_t mac = is_chassis ? LLDP_CHASSIS_MAC : LLDP_PORT_MAC;
    uint8_t netaddr = is_chassis ? LLDP_CHASSIS_NETADDR : LLDP_PORT_NETADDR;
    if (!size) {
        return;
    }
    if (id->subtype == netaddr && id->size >= 2
        && ((id->value[0] == LLDP_AF_IPV4 && id->size == 5)
            || (id->value[0] == LLDP_AF_IPV6 && id->size == 17))) {
        char text[INET6_ADDRSTRLEN];
        inet_ntop(id->value[0] == LLDP_AF_IPV4 ? AF_INET : AF_INET6,
                  id->value + 1, text, sizeof text);
        snprintf(buf, size, "%s", text);
    } else if (id->subtype != mac && is_printable(id->value, id->size)) {
        snprintf(buf, size, "%.*s", (int) id->size, (const char *) id->value);
    } else {
        format_hex(id->value, id->size, buf, size);
    }
}

void
lldp_string_set(char dst[LLDP_STRING_MAX + 1], const char *src)
{
    snprintf(dst, LLDP_STRING_MAX + 1, "%s", src);
}
