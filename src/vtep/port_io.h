/* port_io: packet I/O on one physical port of seam-vtep, with no
 * forwarding logic.
 *
 * A port is an AF_PACKET socket bound to one interface:
 *   - RX through a TPACKET_V3 memory-mapped ring (block based: the kernel
 *     fills a block, retires it when full or after 'block_timeout_ms', and
 *     hands it to us; packet(7), Documentation/networking/packet_mmap.rst).
 *     rx_burst() reads the ring with no syscall.  Frames the socket saw
 *     going out of the interface (PACKET_OUTGOING) are ignored.
 *   - The kernel strips an 802.1Q/802.1ad tag into skb metadata before any
 *     packet socket sees the frame (skb_vlan_untag(); veth does it too).
 *     port_io writes the tag back into the frame, in the ring, in the
 *     headroom it reserves (PACKET_RESERVE), so upper layers always see the
 *     tag in the bytes.  PACKET_AUXDATA is also set, for recvmsg() users of
 *     the same socket; the ring carries the same metadata in its headers.
 *   - Locally generated frames may arrive with a partial L4 checksum
 *     (TP_STATUS_CSUMNOTREADY: the pseudo-header sum only, the sender's
 *     NIC was to finish it).  For IPv4 TCP/UDP port_io completes the
 *     checksum in software, so a frame that leaves over VXLAN is valid.
 *   - TX bypasses the qdisc (PACKET_QDISC_BYPASS) and goes either through
 *     sendmmsg() batches on the RX socket (the default: on veth, 64-byte
 *     frames in bursts of 32, about 880k frames/s against 835k for the
 *     ring, a small margin; test_port_tx_rate prints both) or a TPACKET_V2
 *     TX ring on a second socket.
 *
 * Errors: functions that do system work return 0 or -errno; burst
 * functions return counts.  Not thread safe: one datapath thread per port
 * (is_up() and get_stats() may be called by the same thread only). */
#ifndef SEAM_VTEP_PORT_IO_H
#define SEAM_VTEP_PORT_IO_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

struct port_io;

#define PORT_IO_BURST 32                /* Recommended burst size. */
/* Writable bytes guaranteed before the data of every frame rx_burst()
 * returns (after the tag is restored): room to pop/push a tag or to build
 * an outer IPv4 + UDP + VXLAN header (36 bytes) in place. */
#define PORT_IO_RX_HEADROOM 40

enum port_io_tx_mode {
    PORT_IO_TX_SENDMMSG,                /* sendmmsg() batches (default). */
    PORT_IO_TX_RING                     /* TPACKET_V2 TX ring + send(). */
};

struct port_io_options {
    uint32_t block_size;                /* RX ring block, bytes; a multiple
                                         * of the page size, >= the largest
                                         * frame + 128.  0: 128 KiB. */
    uint32_t n_blocks;                  /* RX ring blocks; 0: 32. */
    uint32_t block_timeout_ms;          /* Retire a partly filled block
                                         * after this long; 0: 1 ms. */
    enum port_io_tx_mode tx_mode;
    uint32_t n_tx_frames;               /* TX ring slots (2 KiB each) for
                                         * PORT_IO_TX_RING; 0: 512. */
};

/* A frame: 'size' bytes at 'data', starting with the destination MAC, no
 * FCS. */
struct port_io_frame {
    uint8_t *data;
    uint32_t size;                      /* In bytes. */
};

struct port_io_stats {
    uint64_t rx_packets;                /* Returned by rx_burst(). */
    uint64_t rx_bytes;
    uint64_t rx_ring_drops;             /* Lost to a full ring (kernel's
                                         * PACKET_STATISTICS tp_drops). */
    uint64_t rx_truncated;              /* Bigger than a block: dropped. */
    uint64_t rx_csum_fixed;             /* Partial checksums completed. */
    uint64_t tx_packets;                /* Accepted by the kernel. */
    uint64_t tx_bytes;
    uint64_t tx_errors;                 /* Refused (e.g. too big): dropped. */
};

/* Opens the interface 'ifname' in the calling thread's network namespace,
 * with 'opts' (NULL: all defaults).  On success stores a new port in
 * '*portp' (free it with port_io_close()) and returns 0; else returns
 * -errno ('-ENODEV': no such interface, '-EPERM': not CAP_NET_RAW,
 * '-EINVAL': bad options). */
int port_io_open(const char *ifname, const struct port_io_options *opts,
                 struct port_io **portp) WARN_UNUSED;

/* Closes 'port' and unmaps its rings; frames lent by rx_burst() become
 * invalid.  port_io_close(NULL) is a no-op. */
void port_io_close(struct port_io *port);

/* Fills 'frames' with up to 'max' received frames and returns how many.
 * Never blocks, makes no syscall.  The frames are borrowed: they point
 * into the RX ring, are writable (with PORT_IO_RX_HEADROOM bytes before
 * each), and stay valid until the next port_io_rx_release(); call it after
 * every burst, or the ring fills up and the kernel drops. */
size_t port_io_rx_burst(struct port_io *port, struct port_io_frame *frames,
                        size_t max);

/* Gives back to the kernel the ring space of the frames of every
 * rx_burst() since the last release. */
void port_io_rx_release(struct port_io *port);

/* Sends the 'n' frames 'frames' out of the port, in order.  Copies them:
 * the caller keeps ownership.  Returns the number of frames consumed from
 * the front of 'frames': sent, or refused by the kernel for themselves
 * (counted in tx_errors).  A return below 'n' means the socket or the TX
 * ring is full: frames[ret..n) were not tried; retry later or drop them. */
size_t port_io_tx_burst(struct port_io *port,
                        const struct port_io_frame *frames, size_t n);

/* The descriptor to poll for POLLIN (a block is ready) or POLLOUT. */
int port_io_fd(const struct port_io *port);

/* True if the interface is administratively up and has carrier (operstate
 * up), for Physical_Port port_fault_status.  One ioctl. */
bool port_io_is_up(const struct port_io *port);

/* The interface index and name given to port_io_open(). */
int port_io_ifindex(const struct port_io *port);
const char *port_io_name(const struct port_io *port);

/* Stores the port's counters (since open) in '*stats'; reads the kernel's
 * ring drop counter (one getsockopt). */
void port_io_get_stats(struct port_io *port, struct port_io_stats *stats);

#endif /* vtep/port_io.h */
