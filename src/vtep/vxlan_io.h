/* vxlan_io: the VXLAN tunnel endpoint's packet I/O (RFC 7348 over IPv4),
 * with no forwarding logic.
 *
 *   - RX: a UDP socket bound to local_ip:port (4789 by default), read with
 *     recvmmsg() bursts into buffers allocated once at open.  Each packet
 *     is handed up as its UDP payload (VXLAN header + inner frame) with the
 *     sender's address; the VXLAN header is not checked here (pkt.h's
 *     vxlan_get_header() does it in the pipeline).
 *   - TX, direct (the default): for a remote VTEP whose next hop is an
 *     Ethernet neighbour the kernel has resolved (nexthop.h asks the kernel:
 *     route, interface, neighbour), vxlan_io writes the Ethernet, IPv4 and
 *     UDP headers itself and sends the packet on that interface with one
 *     AF_PACKET socket (sendmmsg(), PACKET_QDISC_BYPASS): no route lookup
 *     per packet.  The answers are cached per remote VTEP for 1 s (100 ms
 *     while the neighbour is unresolved), at most 4096 VTEPs, at most 8
 *     look-ups per burst.  While the kernel's entry is STALE, the first
 *     packet after each look-up goes the routed way, so that the kernel
 *     probes the neighbour again and a MAC change is seen.
 *   - TX, routed: everything else (no route, local or non-unicast route,
 *     non-Ethernet interface, neighbour not resolved yet, cache full,
 *     look-up budget spent), and everything with 'routed_only': a raw IPv4
 *     socket (IPPROTO_RAW, so IP_HDRINCL) and sendmmsg(); the kernel routes
 *     and resolves neighbours.  IP_HDRINCL never fragments: a packet bigger
 *     than the route's MTU is refused (EMSGSIZE) and counted in tx_errors,
 *     whatever DF says.
 *     Direct TX skips what the kernel's IPv4 output would apply: netfilter
 *     (OUTPUT/POSTROUTING), IPsec policies and the egress qdisc; an
 *     underlay that relies on them wants 'routed_only'.
 *     Either way the caller gives per packet the destination, the UDP
 *     source port (RFC 7348 §5: a hash of the inner flow,
 *     vxlan_io_src_port()) and the payload, which is not written to
 *     (several packets may share one payload, as the copies of a flood
 *     do); vxlan_io builds the outer headers apart (TTL 64, DF per the
 *     options, IPv4 checksum computed, id from a per-socket counter) and
 *     sends them with an iovec.
 *
 * Checksums: the UDP checksum is sent as 0 (RFC 7348 §5 allows it for
 * IPv4) and never verified by us.  On receive, IPv4 UDP with checksum 0 is
 * accepted by the kernel, so kernel vxlan peers configured with
 * "noudpcsum" work with nothing more to set (IPv6 would need
 * UDP_NO_CHECK6_RX).  A peer that sends a non-zero checksum gets it
 * verified by the kernel UDP stack: on veth a partial (offloaded) checksum
 * arrives as CHECKSUM_PARTIAL and is accepted, but a wrong one crossing a
 * real wire is dropped by the kernel (UDP InCsumErrors), not by us.
 *
 * Errors: open returns 0 or -errno; bursts return counts and count
 * failures in the statistics.  Not thread safe: one datapath thread. */
#ifndef SEAM_VTEP_VXLAN_IO_H
#define SEAM_VTEP_VXLAN_IO_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "lib/util.h"

struct vxlan_io;

#define VXLAN_IO_BURST 32               /* rx_burst() returns at most this
                                         * many (its buffer count). */
/* Bytes of outer IPv4 (20) + UDP (8) headers before each TX payload. */
#define VXLAN_IO_TX_HEADROOM 28
/* Writable bytes before each RX payload (e.g. to push a tag once the
 * VXLAN header is stripped). */
#define VXLAN_IO_RX_HEADROOM 32

struct vxlan_io_options {
    struct in_addr local_ip;            /* Network order; bound for RX and
                                         * the source of TX (0: any / the
                                         * kernel picks per route). */
    uint16_t port;                      /* UDP port, host order; 0: 4789. */
    bool df;                            /* Set DF on sent packets. */
    uint32_t max_payload;               /* Biggest UDP payload received,
                                         * bytes; 0: 2016 (an underlay MTU
                                         * of 2044).  Bigger ones are
                                         * dropped (rx_truncated). */
    uint32_t sock_buf_bytes;            /* SO_RCVBUF/SO_SNDBUF; 0: 4 MiB
                                         * (capped by net.core.*mem_max). */
    bool routed_only;                   /* No direct TX: all through the
                                         * kernel's IPv4 output. */
};

/* A received packet: borrowed, valid until the next rx_burst() or
 * vxlan_io_close(). */
struct vxlan_io_rx {
    uint8_t *data;                      /* UDP payload: VXLAN header... */
    uint32_t size;                      /* In bytes. */
    struct in_addr src;                 /* Sender, network order. */
    uint16_t src_port;                  /* Sender's UDP port, host order. */
};

/* A packet to send: 'size' bytes at 'data' (VXLAN header + inner frame);
 * 'data' is only read. */
struct vxlan_io_tx {
    uint8_t *data;
    uint32_t size;                      /* In bytes. */
    struct in_addr dst;                 /* Remote VTEP, network order. */
    uint16_t src_port;                  /* UDP source port, host order. */
};

struct vxlan_io_stats {
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t rx_truncated;              /* Bigger than max_payload. */
    uint64_t rx_drops;                  /* Dropped by the kernel for a full
                                         * socket buffer (SO_RXQ_OVFL). */
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t tx_direct;                 /* Of tx_packets: sent direct. */
    uint64_t tx_errors;                 /* Refused: too big, no route... */
    uint64_t tx_drops;                  /* Socket buffer full. */
    uint64_t nexthop_lookups;           /* Asked of the kernel. */
    uint64_t nexthop_errors;            /* Netlink failed (sent routed). */
};

/* Opens the endpoint with 'opts' in the calling thread's network
 * namespace.  On success stores a new endpoint in '*vxp' (free it with
 * vxlan_io_close()) and returns 0; else -errno ('-EADDRINUSE': the port is
 * taken, e.g. by a kernel vxlan device; '-EPERM': no CAP_NET_RAW). */
int vxlan_io_open(const struct vxlan_io_options *opts, struct vxlan_io **vxp)
    WARN_UNUSED;

/* Closes 'vx'; vxlan_io_close(NULL) is a no-op. */
void vxlan_io_close(struct vxlan_io *vx);

/* Receives up to MIN('max', VXLAN_IO_BURST) packets into 'pkts' and returns
 * how many.  Never blocks; one recvmmsg() call.  The payloads are
 * borrowed: valid (and writable, with VXLAN_IO_RX_HEADROOM bytes before
 * each) until the next rx_burst(). */
size_t vxlan_io_rx_burst(struct vxlan_io *vx, struct vxlan_io_rx *pkts,
                         size_t max);

/* Sends the 'n' packets 'pkts' (their payloads stay the caller's) and
 * returns how many were sent.  The others were refused for themselves
 * (too big, no route: tx_errors) or found the socket buffer full
 * (tx_drops); none is kept for later. */
size_t vxlan_io_tx_burst(struct vxlan_io *vx, const struct vxlan_io_tx *pkts,
                         size_t n);

/* The RX descriptor to poll for POLLIN. */
int vxlan_io_fd(const struct vxlan_io *vx);

/* Stores the endpoint's counters (since open) in '*stats'. */
void vxlan_io_get_stats(const struct vxlan_io *vx,
                        struct vxlan_io_stats *stats);

/* A UDP source port for the inner-flow hash 'hash': in 49152..65535
 * (RFC 7348 §5, the dynamic/private range). */
static inline uint16_t
vxlan_io_src_port(uint32_t hash)
{
    return (uint16_t) (49152 + (hash & 0x3fff));
}

#endif /* vtep/vxlan_io.h */
