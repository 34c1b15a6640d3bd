/* nic_dp: AF_PACKET burst I/O of seam-sriov-nic (see dp.h).  packet(7),
 * Documentation/networking/packet_mmap.rst (TPACKET_V2). */
#include "nic/dp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "nic/frame.h"
#include "nic/switch.h"

LOG_MODULE(nic_dp);

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define SOCK_BUF_BYTES (4 * 1024 * 1024)
#define RING_BLOCK_BYTES (64 * 1024)    /* A multiple of the page size. */
#define RING_BLOCKS_VF 16               /* Per VF port ... */
#define RING_BLOCKS_PF 32               /* ... and for the PF. */
/* Where the frame's data starts in a ring slot: the header, then the
 * sockaddr_ll, aligned (what the kernel puts at tp_mac without
 * PACKET_RESERVE). */
#define RING_HDR_BYTES (TPACKET_ALIGN(sizeof (struct tpacket2_hdr)) \
                        + TPACKET_ALIGN(sizeof (struct sockaddr_ll)) + 16)

/* One port's TPACKET_V2 receive ring: 'n_slots' slots of 'slot_size'
 * bytes; the kernel fills them in order, we read from 'head'. */
struct rx_ring {
    uint8_t *mem;                       /* mmap()ed; 'size' bytes. */
    size_t size;
    uint32_t slot_size;
    uint32_t block_size;                /* Slots do not straddle blocks. */
    uint32_t slots_per_block;
    uint32_t n_slots;
    uint32_t head;                      /* Next slot to read. */
};

/* One frame to send: up to three pieces (dst+src, tag, rest). */
struct tx_msg {
    struct iovec iov[3];
    uint8_t tag[NIC_VLAN_HEADER_LEN];
};

/* What is queued for one output port during a burst. */
struct tx_queue {
    unsigned int n;
    struct mmsghdr msgs[NIC_DP_BURST];
    struct tx_msg m[NIC_DP_BURST];
};

struct nic_dp {
    struct nic_switch *sw;              /* Borrowed. */
    unsigned int n_ports;               /* n_vfs + 1; the PF is last. */
    uint32_t frame_max;
    int *fds;                           /* Per port. */
    struct rx_ring *rings;              /* Per port. */
    struct tx_queue *txq;               /* Per port. */
    uint64_t *tx_pending;               /* Bitmap of ports with a queue. */
};

/* Sets up the TPACKET_V2 receive ring of 'fd' in 'r', with slots for
 * frames of up to 'frame_max' bytes.  Returns 0 or -errno. */
static int
open_ring(int fd, struct rx_ring *r, uint32_t frame_max, uint32_t n_blocks)
{
    int version = TPACKET_V2;
    uint32_t slot = TPACKET_ALIGN(RING_HDR_BYTES + frame_max);
    uint32_t block = RING_BLOCK_BYTES;
    while (block < slot) {
        block *= 2;
    }
    struct tpacket_req req = {
        .tp_block_size = block,
        .tp_block_nr = n_blocks,
        .tp_frame_size = slot,
        .tp_frame_nr = (block / slot) * n_blocks,
    };
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version,
                   sizeof version) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
        return -errno;
    }
    r->size = (size_t) block * n_blocks;
    r->mem = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (r->mem == MAP_FAILED) {
        r->mem = NULL;
        return -errno;
    }
    r->slot_size = slot;
    r->block_size = block;
    r->slots_per_block = block / slot;
    r->n_slots = req.tp_frame_nr;
    r->head = 0;
    return 0;
}

static int
open_port(int ifindex, struct rx_ring *ring, uint32_t frame_max,
          uint32_t n_blocks)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1, buf = SOCK_BUF_BYTES;
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = ifindex,
    };
    struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC };
    int err;
    /* The ring's slot headers carry what PACKET_AUXDATA gives recvmsg()
     * users (tp_vlan_tci, tp_vlan_tpid, TP_STATUS_VLAN_VALID); set it
     * anyway, for any recvmsg() on this socket. */
    if ((err = open_ring(fd, ring, frame_max, n_blocks))) {
        close(fd);
        return err;
    }
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
                      sizeof one) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
                      sizeof mr) < 0
        || bind(fd, (struct sockaddr *) &sll, sizeof sll) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    /* Best effort: our own transmissions are also skipped by pkttype. */
    (void) setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    /* Room for bursts: past rmem_max/wmem_max if we may (CAP_NET_ADMIN). */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) < 0) {
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    }
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) < 0) {
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    }
    return fd;
}

struct nic_dp *
nic_dp_create(struct nic_switch *sw, int pf_ifindex, const int *vf_ifindex,
              unsigned int n_vfs, uint32_t frame_max)
{
    struct nic_dp *dp = xzalloc(sizeof *dp);
    dp->sw = sw;
    dp->n_ports = n_vfs + 1;
    dp->frame_max = frame_max ? frame_max : NIC_DP_FRAME_MAX_DEFAULT;
    dp->fds = xcalloc(dp->n_ports, sizeof *dp->fds);
    dp->rings = xcalloc(dp->n_ports, sizeof *dp->rings);
    dp->txq = xcalloc(dp->n_ports, sizeof *dp->txq);
    dp->tx_pending = xcalloc((dp->n_ports + 63) / 64, sizeof *dp->tx_pending);
    for (unsigned int p = 0; p < dp->n_ports; p++) {
        dp->fds[p] = -1;
    }
    for (unsigned int p = 0; p < dp->n_ports; p++) {
        int ifindex = p < n_vfs ? vf_ifindex[p] : pf_ifindex;
        int fd = open_port(ifindex, &dp->rings[p], dp->frame_max,
                           p < n_vfs ? RING_BLOCKS_VF : RING_BLOCKS_PF);
        if (fd < 0) {
            log_err("port %u (ifindex %d): cannot open a packet socket: %s",
                    p, ifindex, strerror(-fd));
            nic_dp_destroy(dp);
            return NULL;
        }
        dp->fds[p] = fd;
        struct tx_queue *q = &dp->txq[p];
        for (unsigned int i = 0; i < NIC_DP_BURST; i++) {
            q->msgs[i].msg_hdr.msg_iov = q->m[i].iov;
        }
    }
    return dp;
}

void
nic_dp_destroy(struct nic_dp *dp)
{
    if (!dp) {
        return;
    }
    for (unsigned int p = 0; p < dp->n_ports; p++) {
        if (dp->rings[p].mem) {
            munmap(dp->rings[p].mem, dp->rings[p].size);
        }
        if (dp->fds[p] >= 0) {
            close(dp->fds[p]);
        }
    }
    free(dp->fds);
    free(dp->rings);
    free(dp->txq);
    free(dp->tx_pending);
    free(dp);
}

int
nic_dp_port_fd(const struct nic_dp *dp, unsigned int port)
{
    return dp->fds[port];
}

/* Queues 'f' on port 'port', with tag ('tpid', 'tci') when 'tagged'. */
static void
tx_enqueue(struct nic_dp *dp, unsigned int port, const struct nic_frame *f,
           bool tagged, uint16_t tpid, uint16_t tci)
{
    struct tx_queue *q = &dp->txq[port];
    if (!q->n) {
        dp->tx_pending[port / 64] |= UINT64_C(1) << (port % 64);
    }
    struct tx_msg *m = &q->m[q->n];
    struct msghdr *h = &q->msgs[q->n].msg_hdr;
    unsigned int n_iov = 0;
    m->iov[n_iov].iov_base = (void *) f->data;
    m->iov[n_iov++].iov_len = NIC_ETH_MACS_LEN;
    if (tagged) {
        nic_frame_put_tag(m->tag, tpid, tci);
        m->iov[n_iov].iov_base = m->tag;
        m->iov[n_iov++].iov_len = NIC_VLAN_HEADER_LEN;
    }
    m->iov[n_iov].iov_base = (void *) f->rest;
    m->iov[n_iov++].iov_len = f->rest_size;
    h->msg_iovlen = n_iov;
    q->n++;
}

/* Sends every queued frame: one sendmmsg() per port (more only when the
 * kernel refuses one frame, which is counted and skipped). */
static void
tx_flush(struct nic_dp *dp)
{
    unsigned int n_vfs = dp->n_ports - 1;
    for (unsigned int w = 0; w < (dp->n_ports + 63) / 64; w++) {
        while (dp->tx_pending[w]) {
            unsigned int port = w * 64 + (unsigned int) __builtin_ctzll(
                dp->tx_pending[w]);
            dp->tx_pending[w] &= dp->tx_pending[w] - 1;
            struct tx_queue *q = &dp->txq[port];
            unsigned int done = 0;
            while (done < q->n) {
                int r = sendmmsg(dp->fds[port], q->msgs + done, q->n - done,
                                 MSG_DONTWAIT);
                if (r <= 0) {
                    /* The first one of the rest was refused: drop it. */
                    struct nic_counters *c = port < n_vfs
                                             ? &dp->sw->vfs[port].c
                                             : &dp->sw->pf;
                    c->drops[NIC_DROP_TX_ERROR]++;
                    r = 1;
                }
                done += (unsigned int) r;
            }
            q->n = 0;
        }
    }
}

static inline struct tpacket2_hdr *
ring_slot(const struct rx_ring *r, uint32_t i)
{
    return (struct tpacket2_hdr *) (void *) (
        r->mem + (size_t) (i / r->slots_per_block) * r->block_size
        + (size_t) (i % r->slots_per_block) * r->slot_size);
}

/* Forwards the frames in the 'n' slots of port 'port''s ring from 'first'
 * on (all ready), then sends what they produced.  Returns how many were
 * consumed: fewer than 'n' when a VF's frame must wait for its rate
 * ('*wait_ns' is then set). */
static unsigned int
forward_burst(struct nic_dp *dp, unsigned int port, uint32_t first,
              unsigned int n, uint64_t now_ns, uint64_t *wait_ns)
{
    struct nic_switch *sw = dp->sw;
    struct rx_ring *r = &dp->rings[port];
    unsigned int n_vfs = dp->n_ports - 1;
    struct nic_counters *in_c = port < n_vfs ? &sw->vfs[port].c : &sw->pf;
    for (unsigned int i = 0; i < n; i++) {
        struct tpacket2_hdr *h = ring_slot(r, (first + i) % r->n_slots);
        const struct sockaddr_ll *sll = (const void *) ((uint8_t *) h
            + TPACKET_ALIGN(sizeof *h));
        if (sll->sll_pkttype == PACKET_OUTGOING) {
            continue;
        }
        bool aux = h->tp_status & TP_STATUS_VLAN_VALID;
        uint16_t tpid = h->tp_status & TP_STATUS_VLAN_TPID_VALID
                        ? h->tp_vlan_tpid : NIC_ETH_TYPE_VLAN;
        struct nic_frame f;
        if (h->tp_snaplen < h->tp_len
            || h->tp_mac + h->tp_snaplen > r->slot_size
            || nic_frame_parse(&f, (uint8_t *) h + h->tp_mac, h->tp_snaplen,
                               aux, tpid, h->tp_vlan_tci)) {
            in_c->drops[NIC_DROP_MALFORMED]++;
            continue;
        }
        if (port < n_vfs && sw->vfs[port].cfg.max_tx_rate
            && nic_switch_vf_link_up(sw, port)) {
            uint64_t w = nic_switch_vf_tx_wait_ns(sw, port, f.wire_size,
                                                  now_ns);
            if (w) {
                *wait_ns = w;
                n = i;                  /* This one and the rest wait. */
                break;
            }
        }
        if (unlikely(h->tp_status & TP_STATUS_CSUMNOTREADY)
            && !nic_frame_complete_csum((uint8_t *) f.rest, f.rest_size)) {
            in_c->csum_fixed++;
        }
        struct nic_verdict v;
        if (port < n_vfs) {
            nic_switch_from_vf(sw, port, &f, now_ns, &v);
        } else {
            nic_switch_from_wire(sw, &f, &v);
        }
        if (v.to_wire) {
            tx_enqueue(dp, n_vfs, &f, v.tagged, v.tpid, v.tci);
        }
        for (uint64_t m = v.vf_mask; m; m &= m - 1) {
            unsigned int j = (unsigned int) __builtin_ctzll(m);
            bool keep = nic_switch_vf_keeps_tag(sw, j) && v.tagged;
            tx_enqueue(dp, j, &f, keep, v.tpid, v.tci);
        }
    }
    tx_flush(dp);
    return n;
}

unsigned int
nic_dp_run_port(struct nic_dp *dp, unsigned int port, unsigned int max_bursts,
                uint64_t *wait_ns)
{
    struct rx_ring *r = &dp->rings[port];
    unsigned int total = 0;
    *wait_ns = 0;
    for (unsigned int b = 0; b < max_bursts; b++) {
        uint32_t first = r->head;
        unsigned int n = 0;
        while (n < NIC_DP_BURST) {
            struct tpacket2_hdr *h = ring_slot(r, (first + n) % r->n_slots);
            if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE)
                  & TP_STATUS_USER)) {
                break;
            }
            n++;
        }
        if (!n) {
            if (!total) {
                /* Woken for nothing: an error (ENETDOWN when the interface
                 * went down) makes the socket readable until it is read. */
                int err;
                socklen_t len = sizeof err;
                (void) getsockopt(dp->fds[port], SOL_SOCKET, SO_ERROR, &err,
                                  &len);
            }
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        unsigned int ready = n;
        n = forward_burst(dp, port, first, n,
                          (uint64_t) ts.tv_sec * 1000000000ULL
                          + (uint64_t) ts.tv_nsec, wait_ns);
        /* Sent (sendmmsg() copied them): the slots go back to the kernel. */
        for (unsigned int i = 0; i < n; i++) {
            __atomic_store_n(&ring_slot(r, (first + i) % r->n_slots)->tp_status,
                             TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        }
        r->head = (first + n) % r->n_slots;
        total += n;
        if (n < NIC_DP_BURST || n < ready) {
            break;
        }
    }
    return total;
}

uint64_t
nic_dp_take_ring_drops(struct nic_dp *dp, unsigned int port)
{
    struct tpacket_stats st;
    socklen_t len = sizeof st;
    if (getsockopt(dp->fds[port], SOL_PACKET, PACKET_STATISTICS, &st,
                   &len) < 0) {
        return 0;
    }
    return st.tp_drops;
}
