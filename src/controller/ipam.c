/* ipam: addresses, prefixes, pools and MACs for the REST API. */
#include "controller/ipam.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static ipam_u128
bits_mask(int version, unsigned int plen)
{
    unsigned int width = version == 4 ? 32 : 128;
    ipam_u128 all = version == 4 ? (ipam_u128) 0xffffffffu : ~(ipam_u128) 0;
    if (plen == 0) {
        return 0;
    }
    return (all << (width - plen)) & all;
}

bool
ipam_addr_parse(const char *s, struct ipam_addr *a)
{
    uint8_t b[16];
    if (strchr(s, ':')) {
        if (inet_pton(AF_INET6, s, b) != 1) {
            return false;
        }
        a->version = 6;
        a->value = 0;
        for (int i = 0; i < 16; i++) {
            a->value = (a->value << 8) | b[i];
        }
        return true;
    }
    if (inet_pton(AF_INET, s, b) != 1) {
        return false;
    }
    a->version = 4;
    a->value = ((uint32_t) b[0] << 24) | ((uint32_t) b[1] << 16)
               | ((uint32_t) b[2] << 8) | b[3];
    return true;
}

void
ipam_addr_format(const struct ipam_addr *a, char buf[64])
{
    uint8_t b[16];
    if (a->version == 4) {
        uint32_t v = (uint32_t) a->value;
        b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v;
        inet_ntop(AF_INET, b, buf, 64);
    } else {
        ipam_u128 v = a->value;
        for (int i = 15; i >= 0; i--) {
            b[i] = (uint8_t) v;
            v >>= 8;
        }
        inet_ntop(AF_INET6, b, buf, 64);
    }
}

bool
ipam_prefix_parse(const char *s, struct ipam_prefix *p)
{
    char buf[80];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t) (slash - s) : strlen(s);
    if (n >= sizeof buf) {
        return false;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!ipam_addr_parse(buf, &p->addr)) {
        return false;
    }
    unsigned int width = p->addr.version == 4 ? 32 : 128;
    if (slash) {
        const char *l = slash + 1;
        if (!*l || strlen(l) > 3) {
            return false;
        }
        for (const char *c = l; *c; c++) {
            if (!isdigit((unsigned char) *c)) {
                return false;
            }
        }
        p->plen = atoi(l);
        if (p->plen > width) {
            return false;
        }
    } else {
        p->plen = width;
    }
    p->addr.value &= bits_mask(p->addr.version, p->plen);
    return true;
}

void
ipam_prefix_format(const struct ipam_prefix *p, char buf[80])
{
    char a[64];
    ipam_addr_format(&p->addr, a);
    snprintf(buf, 80, "%s/%u", a, p->plen);
}

bool
ipam_prefix_contains(const struct ipam_prefix *p, const struct ipam_addr *a)
{
    return p->addr.version == a->version
        && (a->value & bits_mask(a->version, p->plen)) == p->addr.value;
}

bool
ipam_prefix_overlaps(const struct ipam_prefix *a, const struct ipam_prefix *b)
{
    if (a->addr.version != b->addr.version) {
        return false;
    }
    unsigned int plen = a->plen < b->plen ? a->plen : b->plen;
    ipam_u128 m = bits_mask(a->addr.version, plen);
    return (a->addr.value & m) == (b->addr.value & m);
}

struct ipam_addr
ipam_prefix_last(const struct ipam_prefix *p)
{
    ipam_u128 all = p->addr.version == 4 ? (ipam_u128) 0xffffffffu : ~(ipam_u128) 0;
    struct ipam_addr a = p->addr;
    a.value |= all & ~bits_mask(p->addr.version, p->plen);
    return a;
}

struct ipam_addr
ipam_default_gateway(const struct ipam_prefix *p)
{
    struct ipam_addr a = p->addr;
    if (a.version == 4 && p->plen < 32) {
        a.value++;
    }
    return a;
}

void
ipam_default_pool(const struct ipam_prefix *p, struct ipam_addr *start,
                  struct ipam_addr *end)
{
    *start = p->addr;
    *end = ipam_prefix_last(p);
    if (p->addr.version == 4) {
        if (p->plen <= 30) {
            start->value += 1;      /* The network address. */
            end->value -= 1;        /* Broadcast. */
        }
    } else if (p->plen < 128) {
        start->value += 1;          /* The subnet-router anycast address. */
    }
}

int
ipam_addr_compare(const struct ipam_addr *a, const struct ipam_addr *b)
{
    if (a->version != b->version) {
        return a->version < b->version ? -1 : 1;
    }
    return a->value < b->value ? -1 : a->value > b->value;
}

bool
ipam_mac_parse(const char *s, uint8_t mac[6])
{
    unsigned int b[6];
    char end;
    if (strlen(s) != 17
        || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
                  &b[4], &b[5], &end) != 6) {
        return false;
    }
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char) s[i])) {
            return false;
        }
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = b[i];
    }
    return true;
}

void
ipam_mac_format(const uint8_t mac[6], char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void
ipam_mac_random(const uint8_t base[6], uint8_t mac[6])
{
    uint8_t r[6];
    if (getrandom(r, sizeof r, 0) != (ssize_t) sizeof r) {
        for (int i = 0; i < 6; i++) {
            r[i] = (uint8_t) random();
        }
    }
    memcpy(mac, base, 3);
    mac[3] = base[3] ? base[3] : r[3];
    mac[4] = r[4];
    mac[5] = r[5];
}
