/* ipam: IPv4 and IPv6 addresses, prefixes and allocation pools as
 * Neutron's subnets use them, and MAC addresses.  Pure functions, no
 * allocation except where said.
 *
 * An address is kept as a 128-bit number with its version: an IPv4
 * address is its 32-bit value. */
#ifndef SEAM_CONTROLLER_IPAM_H
#define SEAM_CONTROLLER_IPAM_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 ipam_u128;

struct ipam_addr {
    int version;                /* 4 or 6. */
    ipam_u128 value;
};

struct ipam_prefix {
    struct ipam_addr addr;      /* The network address (host bits zero). */
    unsigned int plen;          /* Prefix length. */
};

/* Parses an address in either family; false if 's' is neither. */
bool ipam_addr_parse(const char *s, struct ipam_addr *);
/* Writes the canonical text form (inet_ntop's) into 'buf'. */
void ipam_addr_format(const struct ipam_addr *, char buf[64]);
/* Parses "ADDR/LEN" (LEN optional: a host prefix); host bits are cleared,
 * as Neutron does.  False on a bad address or length. */
bool ipam_prefix_parse(const char *s, struct ipam_prefix *);
void ipam_prefix_format(const struct ipam_prefix *, char buf[80]);
bool ipam_prefix_contains(const struct ipam_prefix *, const struct ipam_addr *);
bool ipam_prefix_overlaps(const struct ipam_prefix *, const struct ipam_prefix *);
/* The last address of the prefix. */
struct ipam_addr ipam_prefix_last(const struct ipam_prefix *);
/* Neutron's defaults: gateway = first host (IPv4) or the network address
 * itself (IPv6, the subnet-router anycast address); pool = every address
 * after the network address (IPv4: up to the broadcast address,
 * excluded); the caller takes the gateway out of it. */
struct ipam_addr ipam_default_gateway(const struct ipam_prefix *);
void ipam_default_pool(const struct ipam_prefix *, struct ipam_addr *start,
                       struct ipam_addr *end);
int ipam_addr_compare(const struct ipam_addr *, const struct ipam_addr *);

/* MAC addresses "aa:bb:cc:dd:ee:ff" (case-insensitive in, lowercase out). */
bool ipam_mac_parse(const char *s, uint8_t mac[6]);
void ipam_mac_format(const uint8_t mac[6], char buf[18]);
/* A random MAC from Neutron's 'base_mac': its first 3 bytes kept, and the
 * 4th too when it is not zero; the rest random. */
void ipam_mac_random(const uint8_t base[6], uint8_t mac[6]);

#endif /* controller/ipam.h */
