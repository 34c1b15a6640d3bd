/* nexthop: where an IPv4 packet to a remote VTEP leaves this host, as the
 * kernel would send it, asked of the kernel over rtnetlink (libmnl):
 *
 *   1. RTM_GETROUTE for the destination (and our source, so that policy
 *      routing by source applies): route type, output interface, gateway,
 *      preferred source address;
 *   2. RTM_GETLINK for that interface: link type and MAC;
 *   3. RTM_GETNEIGH for the next hop (the gateway, else the destination) on
 *      that interface: its MAC and NUD state.
 *
 * vxlan_io uses the answer to write the Ethernet header itself and send the
 * packet on the interface with AF_PACKET, instead of going through the
 * kernel's IPv4 output (a route lookup per packet).  Anything it cannot send
 * that way (a local or non-unicast route, a non-Ethernet interface, a
 * neighbour not resolved yet) is reported as such and goes the routed way.
 *
 * Costs: three netlink round trips (a few microseconds each) per call; the
 * caller caches.  Errors: functions return 0 or -errno.  A resolver is used
 * by one thread. */
#ifndef SEAM_VTEP_NEXTHOP_H
#define SEAM_VTEP_NEXTHOP_H 1

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "lib/util.h"

struct vtep_nexthop_resolver;

enum vtep_nexthop_state {
    VTEP_NEXTHOP_REACHABLE,             /* Ethernet neighbour known and
                                         * confirmed (or permanent). */
    VTEP_NEXTHOP_STALE,                 /* Ethernet neighbour known, not
                                         * confirmed lately (STALE, DELAY,
                                         * PROBE): usable, but the kernel
                                         * should see traffic to check it. */
    VTEP_NEXTHOP_UNRESOLVED,            /* Ethernet, neighbour not known
                                         * (none, INCOMPLETE, FAILED). */
    VTEP_NEXTHOP_ROUTED,                /* Not for direct Ethernet TX: local,
                                         * broadcast, blackhole... route,
                                         * non-Ethernet interface. */
};

struct vtep_nexthop {
    enum vtep_nexthop_state state;
    int ifindex;                        /* Output interface (0 if ROUTED
                                         * without a route). */
    uint8_t src_mac[6];                 /* The interface's MAC. */
    uint8_t dst_mac[6];                 /* The next hop's MAC (REACHABLE,
                                         * STALE). */
    struct in_addr src_ip;              /* The route's preferred source
                                         * (0: none given). */
    struct in_addr gateway;             /* 0: the destination is on link. */
    uint32_t mtu;                       /* The interface's MTU (IPv4 bytes). */
};

/* Opens a resolver (a NETLINK_ROUTE socket in the calling thread's network
 * namespace).  Returns 0 and a new resolver in '*rp' (free it with
 * vtep_nexthop_resolver_close()), or -errno. */
int vtep_nexthop_resolver_open(struct vtep_nexthop_resolver **rp) WARN_UNUSED;
void vtep_nexthop_resolver_close(struct vtep_nexthop_resolver *);

/* Resolves the next hop of packets from 'src' (0: any) to 'dst' into
 * '*nh'.  Returns 0 (with any state, ROUTED included) or -errno for a
 * netlink failure ('*nh' is then ROUTED too). */
int vtep_nexthop_resolve(struct vtep_nexthop_resolver *, struct in_addr dst,
                         struct in_addr src, struct vtep_nexthop *nh);

const char *vtep_nexthop_state_to_string(enum vtep_nexthop_state);

#endif /* vtep/nexthop.h */
