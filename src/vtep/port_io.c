/* port_io: AF_PACKET TPACKET_V3 RX ring and sendmmsg/TX ring transmit on one
 * interface (see port_io.h). */
#include "vtep/port_io.h"

#include <assert.h>
#include <errno.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/util.h"
#include "vtep/pkt.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* PACKET_RESERVE: the kernel leaves this many more bytes before each
 * frame; with the 14+ bytes it leaves anyway, PORT_IO_RX_HEADROOM stay
 * after a tag is written back. */
#define PORT_IO_RESERVE 32
#define PORT_IO_FRAME_ALIGN 2048        /* tpacket_req3 tp_frame_size. */
#define PORT_IO_TX_FRAME_SIZE 2048
#define PORT_IO_TX_CHUNK 64             /* sendmmsg() vector length. */
/* Where the kernel's sockaddr_ll ends in a V3 RX frame: the headroom
 * starts there. */
#define PORT_IO_V3_SLL_END (TPACKET_ALIGN(sizeof (struct tpacket3_hdr)) \
                            + sizeof (struct sockaddr_ll))

struct port_io {
    int fd;                             /* RX (and sendmmsg TX) socket. */
    int tx_fd;                          /* TX ring socket, or -1. */
    int ifindex;
    char name[IF_NAMESIZE];

    /* RX ring. */
    uint8_t *rx_map;
    size_t rx_map_size;
    uint32_t block_size;
    uint32_t n_blocks;
    uint32_t cur;                       /* Block being read, or next one. */
    bool in_block;                      /* 'cur' is ours and being read. */
    uint32_t left;                      /* Packets left in 'cur'. */
    uint8_t *next;                      /* Next packet header in 'cur'. */
    uint32_t n_done;                    /* Finished, unreleased blocks
                                         * before 'cur'. */

    /* TX ring (PORT_IO_TX_RING). */
    uint8_t *tx_map;
    size_t tx_map_size;
    uint32_t n_tx_frames;
    uint32_t tx_head;                   /* Next slot to fill. */

    struct port_io_stats stats;
};

static int port_io_setopt(int fd, int name, const void *val, socklen_t len);
static void port_io_fix_csum(uint8_t *f, uint32_t size,
                             struct port_io_stats *);
static size_t port_io_tx_mmsg(struct port_io *,
                              const struct port_io_frame *, size_t n);
static size_t port_io_tx_ring(struct port_io *,
                              const struct port_io_frame *, size_t n);
static int port_io_open_tx_ring(struct port_io *, uint32_t n_frames);

int
port_io_open(const char *ifname, const struct port_io_options *opts_,
             struct port_io **portp)
{
    struct port_io_options opts = opts_ ? *opts_ : (struct port_io_options) {0};
    long page = sysconf(_SC_PAGESIZE);
    int err;

    *portp = NULL;
    if (!opts.block_size) {
        opts.block_size = 128 * 1024;
    }
    if (!opts.n_blocks) {
        opts.n_blocks = 32;
    }
    if (!opts.block_timeout_ms) {
        opts.block_timeout_ms = 1;
    }
    if (!opts.n_tx_frames) {
        opts.n_tx_frames = 512;
    }
    if (opts.block_size % page || opts.block_size < PORT_IO_FRAME_ALIGN
        || opts.n_blocks < 2 || strlen(ifname) >= IF_NAMESIZE
        || (opts.tx_mode != PORT_IO_TX_SENDMMSG
            && opts.tx_mode != PORT_IO_TX_RING)) {
        return -EINVAL;
    }
    unsigned int ifindex = if_nametoindex(ifname);
    if (!ifindex) {
        return -ENODEV;
    }

    struct port_io *port = xzalloc(sizeof *port);
    port->tx_fd = -1;
    port->ifindex = (int) ifindex;
    strcpy(port->name, ifname);
    port->block_size = opts.block_size;
    port->n_blocks = opts.n_blocks;

    /* Protocol 0: nothing is queued before bind() names the interface. */
    port->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (port->fd < 0) {
        err = -errno;
        goto out_free;
    }
    int version = TPACKET_V3, one = 1, reserve = PORT_IO_RESERVE;
    if ((err = port_io_setopt(port->fd, PACKET_VERSION, &version,
                              sizeof version))
        || (err = port_io_setopt(port->fd, PACKET_RESERVE, &reserve,
                                 sizeof reserve))
        || (err = port_io_setopt(port->fd, PACKET_AUXDATA, &one, sizeof one))
        || (err = port_io_setopt(port->fd, PACKET_QDISC_BYPASS, &one,
                                 sizeof one))) {
        goto out_close;
    }
    /* Kernels before 4.20 lack it: sll_pkttype still filters below. */
    (void) port_io_setopt(port->fd, PACKET_IGNORE_OUTGOING, &one, sizeof one);

    struct tpacket_req3 req = {
        .tp_block_size = opts.block_size,
        .tp_block_nr = opts.n_blocks,
        .tp_frame_size = PORT_IO_FRAME_ALIGN,
        .tp_frame_nr = opts.block_size / PORT_IO_FRAME_ALIGN * opts.n_blocks,
        .tp_retire_blk_tov = opts.block_timeout_ms,
    };
    if ((err = port_io_setopt(port->fd, PACKET_RX_RING, &req, sizeof req))) {
        goto out_close;
    }
    port->rx_map_size = (size_t) opts.block_size * opts.n_blocks;
    port->rx_map = mmap(NULL, port->rx_map_size, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_LOCKED, port->fd, 0);
    if (port->rx_map == MAP_FAILED) {
        /* MAP_LOCKED fails past RLIMIT_MEMLOCK: map unlocked then. */
        port->rx_map = mmap(NULL, port->rx_map_size, PROT_READ | PROT_WRITE,
                            MAP_SHARED, port->fd, 0);
        if (port->rx_map == MAP_FAILED) {
            err = -errno;
            port->rx_map = NULL;
            goto out_close;
        }
    }

    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = (int) ifindex,
    };
    if (bind(port->fd, (struct sockaddr *) &sll, sizeof sll) < 0) {
        err = -errno;
        goto out_close;
    }
    if (opts.tx_mode == PORT_IO_TX_RING
        && (err = port_io_open_tx_ring(port, opts.n_tx_frames))) {
        goto out_close;
    }
    *portp = port;
    return 0;

out_close:
    port_io_close(port);
    return err;
out_free:
    free(port);
    return err;
}

void
port_io_close(struct port_io *port)
{
    if (!port) {
        return;
    }
    if (port->rx_map) {
        munmap(port->rx_map, port->rx_map_size);
    }
    if (port->tx_map) {
        munmap(port->tx_map, port->tx_map_size);
    }
    if (port->tx_fd >= 0) {
        close(port->tx_fd);
    }
    close(port->fd);
    free(port);
}

static inline struct tpacket_block_desc *
port_io_block(const struct port_io *port, uint32_t i)
{
    return (struct tpacket_block_desc *) (void *)
           (port->rx_map + (size_t) i * port->block_size);
}

size_t
port_io_rx_burst(struct port_io *port, struct port_io_frame *frames,
                 size_t max)
{
    size_t n = 0;
    uint64_t bytes = 0;

    while (n < max) {
        if (!port->in_block) {
            struct tpacket_block_desc *bd = port_io_block(port, port->cur);
            /* Every block held: 'cur' is the oldest one, still ours. */
            if (port->n_done == port->n_blocks
                || !(__atomic_load_n(&bd->hdr.bh1.block_status,
                                     __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
                break;
            }
            port->in_block = true;
            port->left = bd->hdr.bh1.num_pkts;
            port->next = (uint8_t *) bd + bd->hdr.bh1.offset_to_first_pkt;
        }
        if (!port->left) {
            port->in_block = false;
            port->n_done++;
            port->cur = port->cur + 1 == port->n_blocks ? 0 : port->cur + 1;
            continue;
        }

        struct tpacket3_hdr *h = (struct tpacket3_hdr *) (void *) port->next;
        port->next += h->tp_next_offset;
        port->left--;

        const struct sockaddr_ll *sll = (const struct sockaddr_ll *)
            (const void *) ((uint8_t *) h
                            + TPACKET_ALIGN(sizeof (struct tpacket3_hdr)));
        if (unlikely(sll->sll_pkttype == PACKET_OUTGOING)) {
            continue;
        }
        if (unlikely(h->tp_snaplen < h->tp_len)) {
            port->stats.rx_truncated++;
            continue;
        }
        uint8_t *data = (uint8_t *) h + h->tp_mac;
        uint32_t size = h->tp_snaplen;
        uint32_t status = h->tp_status;
        if (status & TP_STATUS_VLAN_VALID) {
            /* The kernel moved the outer tag into metadata: put it back. */
            uint16_t tpid = status & TP_STATUS_VLAN_TPID_VALID
                            ? h->hv1.tp_vlan_tpid : ETH_P_8021Q;
            uint16_t tci = (uint16_t) h->hv1.tp_vlan_tci;
            assert(h->tp_mac >= PORT_IO_V3_SLL_END + 4 + PORT_IO_RX_HEADROOM);
            if (unlikely(size < 12)) {
                continue;
            }
            memmove(data - 4, data, 12);
            data -= 4;
            size += 4;
            data[12] = (uint8_t) (tpid >> 8);
            data[13] = (uint8_t) tpid;
            data[14] = (uint8_t) (tci >> 8);
            data[15] = (uint8_t) tci;
        }
        if (status & TP_STATUS_CSUMNOTREADY) {
            port_io_fix_csum(data, size, &port->stats);
        }
        frames[n].data = data;
        frames[n].size = size;
        bytes += size;
        n++;
    }
    port->stats.rx_packets += n;
    port->stats.rx_bytes += bytes;
    return n;
}

void
port_io_rx_release(struct port_io *port)
{
    uint32_t i = (port->cur + port->n_blocks - port->n_done) % port->n_blocks;

    for (; port->n_done; port->n_done--) {
        struct tpacket_block_desc *bd = port_io_block(port, i);
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
                         __ATOMIC_RELEASE);
        i = i + 1 == port->n_blocks ? 0 : i + 1;
    }
    if (port->in_block && !port->left) {
        struct tpacket_block_desc *bd = port_io_block(port, port->cur);
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
                         __ATOMIC_RELEASE);
        port->in_block = false;
        port->cur = port->cur + 1 == port->n_blocks ? 0 : port->cur + 1;
    }
}

size_t
port_io_tx_burst(struct port_io *port, const struct port_io_frame *frames,
                 size_t n)
{
    return port->tx_map ? port_io_tx_ring(port, frames, n)
                        : port_io_tx_mmsg(port, frames, n);
}

int
port_io_fd(const struct port_io *port)
{
    return port->fd;
}

bool
port_io_is_up(const struct port_io *port)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, port->name, sizeof port->name);
    if (ioctl(port->fd, SIOCGIFFLAGS, &ifr) < 0) {
        return false;
    }
    return (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
}

int
port_io_ifindex(const struct port_io *port)
{
    return port->ifindex;
}

const char *
port_io_name(const struct port_io *port)
{
    return port->name;
}

void
port_io_get_stats(struct port_io *port, struct port_io_stats *stats)
{
    struct tpacket_stats_v3 st;
    socklen_t len = sizeof st;

    /* The kernel's counters reset on each read: fold them in. */
    if (!getsockopt(port->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len)) {
        port->stats.rx_ring_drops += st.tp_drops;
    }
    *stats = port->stats;
}

/* ---- helpers ---- */

static int
port_io_setopt(int fd, int name, const void *val, socklen_t len)
{
    return setsockopt(fd, SOL_PACKET, name, val, len) < 0 ? -errno : 0;
}

/* Completes the partial TCP or UDP checksum of the IPv4 frame 'f' (one
 * tag at most).  Anything else is left as it is. */
static void
port_io_fix_csum(uint8_t *f, uint32_t size, struct port_io_stats *stats)
{
    uint32_t l3 = 14;
    uint16_t type = pkt_get_be16(f + 12);

    if (type == ETH_P_8021Q || type == ETH_P_8021AD) {
        if (size < 18) {
            return;
        }
        type = pkt_get_be16(f + 16);
        l3 = 18;
    }
    if (type != ETH_P_IP || size < l3 + 20) {
        return;
    }
    const uint8_t *ip = f + l3;
    uint32_t ihl = (ip[0] & 0xf) * 4u;
    uint32_t tot = pkt_get_be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || l3 + tot > size
        || (ip[6] & 0x3f) || ip[7]) {   /* Fragment: no L4 to fix. */
        return;
    }
    uint32_t l4_len = tot - ihl;
    uint32_t csum_ofs;
    if (ip[9] == 6 && l4_len >= 20) {
        csum_ofs = 16;
    } else if (ip[9] == 17 && l4_len >= 8) {
        csum_ofs = 6;
    } else {
        return;
    }
    uint8_t *l4 = f + l3 + ihl;
    l4[csum_ofs] = l4[csum_ofs + 1] = 0;
    uint32_t sum = pkt_csum_add(ip + 12, 8, 0);  /* Source, destination. */
    sum += ip[9] + l4_len;
    uint16_t csum = pkt_csum_fold(pkt_csum_add(l4, l4_len, sum));
    if (ip[9] == 17 && !csum) {
        csum = 0xffff;                  /* RFC 768: 0 means "none". */
    }
    pkt_put_be16(l4 + csum_ofs, csum);
    stats->rx_csum_fixed++;
}

/* Errors that concern the socket (try later), not one frame. */
static bool
port_io_tx_busy(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS
           || err == EINTR || err == ENETDOWN || err == ENXIO;
}

static size_t
port_io_tx_mmsg(struct port_io *port, const struct port_io_frame *frames,
                size_t n)
{
    struct mmsghdr msgs[PORT_IO_TX_CHUNK];
    struct iovec iovs[PORT_IO_TX_CHUNK];
    size_t done = 0;

    while (done < n) {
        unsigned int k = (unsigned int) MIN(n - done, PORT_IO_TX_CHUNK);
        for (unsigned int i = 0; i < k; i++) {
            iovs[i].iov_base = frames[done + i].data;
            iovs[i].iov_len = frames[done + i].size;
            msgs[i].msg_hdr = (struct msghdr) {
                .msg_iov = &iovs[i], .msg_iovlen = 1,
            };
        }
        int r = sendmmsg(port->fd, msgs, k, MSG_DONTWAIT);
        if (r < 0) {
            if (port_io_tx_busy(errno)) {
                break;
            }
            /* The first frame itself is refused (too big...): drop it. */
            port->stats.tx_errors++;
            done++;
            continue;
        }
        for (int i = 0; i < r; i++) {
            port->stats.tx_bytes += frames[done + (size_t) i].size;
        }
        port->stats.tx_packets += (uint64_t) r;
        done += (size_t) r;
        if (r == 0) {
            break;
        }
    }
    return done;
}

static int
port_io_open_tx_ring(struct port_io *port, uint32_t n_frames)
{
    int version = TPACKET_V2, one = 1, err;

    port->tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         0);
    if (port->tx_fd < 0) {
        return -errno;
    }
    struct tpacket_req req = {
        .tp_block_size = PORT_IO_TX_FRAME_SIZE * 32,
        .tp_block_nr = (n_frames + 31) / 32,
        .tp_frame_size = PORT_IO_TX_FRAME_SIZE,
        .tp_frame_nr = (n_frames + 31) / 32 * 32,
    };
    if ((err = port_io_setopt(port->tx_fd, PACKET_VERSION, &version,
                              sizeof version))
        || (err = port_io_setopt(port->tx_fd, PACKET_QDISC_BYPASS, &one,
                                 sizeof one))
        || (err = port_io_setopt(port->tx_fd, PACKET_TX_RING, &req,
                                 sizeof req))) {
        return err;
    }
    port->n_tx_frames = req.tp_frame_nr;
    port->tx_map_size = (size_t) req.tp_block_size * req.tp_block_nr;
    port->tx_map = mmap(NULL, port->tx_map_size, PROT_READ | PROT_WRITE,
                        MAP_SHARED, port->tx_fd, 0);
    if (port->tx_map == MAP_FAILED) {
        port->tx_map = NULL;
        return -errno;
    }
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = 0,              /* Send only. */
        .sll_ifindex = port->ifindex,
    };
    return bind(port->tx_fd, (struct sockaddr *) &sll, sizeof sll) < 0
           ? -errno : 0;
}

static size_t
port_io_tx_ring(struct port_io *port, const struct port_io_frame *frames,
                size_t n)
{
    const size_t data_ofs = TPACKET2_HDRLEN - sizeof (struct sockaddr_ll);
    size_t queued = 0;

    for (; queued < n; queued++) {
        struct tpacket2_hdr *h = (struct tpacket2_hdr *) (void *)
            (port->tx_map + (size_t) port->tx_head * PORT_IO_TX_FRAME_SIZE);
        uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
        if (status == TP_STATUS_WRONG_FORMAT) {
            port->stats.tx_errors++;    /* Refused earlier: reclaim. */
        } else if (status != TP_STATUS_AVAILABLE) {
            break;                      /* Ring full. */
        }
        const struct port_io_frame *f = &frames[queued];
        if (unlikely(f->size > PORT_IO_TX_FRAME_SIZE - data_ofs)) {
            port->stats.tx_errors++;
            continue;
        }
        memcpy((uint8_t *) h + data_ofs, f->data, f->size);
        h->tp_len = f->size;
        __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
                         __ATOMIC_RELEASE);
        port->tx_head = port->tx_head + 1 == port->n_tx_frames
                        ? 0 : port->tx_head + 1;
        port->stats.tx_packets++;
        port->stats.tx_bytes += f->size;
    }
    if (queued) {
        /* One syscall sends every SEND_REQUEST slot; MSG_DONTWAIT: do not
         * wait for their completion (slots come back as AVAILABLE). */
        if (send(port->tx_fd, NULL, 0, MSG_DONTWAIT) < 0
            && !port_io_tx_busy(errno)) {
            port->stats.tx_errors++;
        }
    }
    return queued;
}
