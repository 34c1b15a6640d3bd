/* nic_dp: AF_PACKET burst I/O of seam-sriov-nic (see dp.h). packet(7). */
#include "nic/dp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "nic/frame.h"
#include "nic/switch.h"

LOG_MODULE(nic_dp);

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define CMSG_BYTES CMSG_SPACE(sizeof (struct tpacket_auxdata))
#define SOCK_BUF_BYTES (4 * 1024 * 1024)

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
    struct tx_queue *txq;               /* Per port. */
    uint64_t *tx_pending;               /* Bitmap of ports with a queue. */

    /* The receive burst, set up once. */
    uint8_t *rx_buf;                    /* NIC_DP_BURST * frame_max. */
    struct mmsghdr rx_msgs[NIC_DP_BURST];
    struct iovec rx_iov[NIC_DP_BURST];
    struct sockaddr_ll rx_addr[NIC_DP_BURST];
    uint8_t rx_cmsg[NIC_DP_BURST][CMSG_BYTES] __attribute__((aligned(8)));
};

static int
open_port(int ifindex)
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
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
                      sizeof one) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
                      sizeof mr) < 0
        || bind(fd, (struct sockaddr *) &sll, sizeof sll) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    /* Best effort: our own transmissions are also skipped by pkttype. */
    (void) setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
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
    dp->txq = xcalloc(dp->n_ports, sizeof *dp->txq);
    dp->tx_pending = xcalloc((dp->n_ports + 63) / 64, sizeof *dp->tx_pending);
    dp->rx_buf = xmalloc((size_t) NIC_DP_BURST * dp->frame_max);
    for (unsigned int p = 0; p < dp->n_ports; p++) {
        dp->fds[p] = -1;
    }
    for (unsigned int p = 0; p < dp->n_ports; p++) {
        int ifindex = p < n_vfs ? vf_ifindex[p] : pf_ifindex;
        int fd = open_port(ifindex);
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
    for (unsigned int i = 0; i < NIC_DP_BURST; i++) {
        struct msghdr *h = &dp->rx_msgs[i].msg_hdr;
        dp->rx_iov[i].iov_base = dp->rx_buf + (size_t) i * dp->frame_max;
        dp->rx_iov[i].iov_len = dp->frame_max;
        h->msg_iov = &dp->rx_iov[i];
        h->msg_iovlen = 1;
        h->msg_name = &dp->rx_addr[i];
        h->msg_namelen = sizeof dp->rx_addr[i];
        h->msg_control = dp->rx_cmsg[i];
        h->msg_controllen = CMSG_BYTES;
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
        if (dp->fds[p] >= 0) {
            close(dp->fds[p]);
        }
    }
    free(dp->fds);
    free(dp->txq);
    free(dp->tx_pending);
    free(dp->rx_buf);
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

/* The tag the kernel moved out of message 'h''s frame, if any. */
static bool
rx_aux_tag(struct msghdr *h, uint16_t *tpid, uint16_t *tci)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA
            && c->cmsg_len >= CMSG_LEN(sizeof (struct tpacket_auxdata))) {
            struct tpacket_auxdata aux;
            memcpy(&aux, CMSG_DATA(c), sizeof aux);
            if (!(aux.tp_status & TP_STATUS_VLAN_VALID) && !aux.tp_vlan_tci) {
                return false;
            }
            *tci = aux.tp_vlan_tci;
            *tpid = aux.tp_status & TP_STATUS_VLAN_TPID_VALID
                    ? aux.tp_vlan_tpid : NIC_ETH_TYPE_VLAN;
            return true;
        }
    }
    return false;
}

static void
forward_burst(struct nic_dp *dp, unsigned int port, unsigned int n,
              uint64_t now_ns)
{
    struct nic_switch *sw = dp->sw;
    unsigned int n_vfs = dp->n_ports - 1;
    for (unsigned int i = 0; i < n; i++) {
        struct msghdr *h = &dp->rx_msgs[i].msg_hdr;
        struct nic_counters *in_c = port < n_vfs ? &sw->vfs[port].c : &sw->pf;
        if (dp->rx_addr[i].sll_pkttype == PACKET_OUTGOING) {
            continue;
        }
        uint16_t tpid = 0, tci = 0;
        bool aux = rx_aux_tag(h, &tpid, &tci);
        struct nic_frame f;
        if ((h->msg_flags & MSG_TRUNC)
            || nic_frame_parse(&f, dp->rx_iov[i].iov_base, dp->rx_msgs[i].msg_len,
                               aux, tpid, tci)) {
            in_c->drops[NIC_DROP_MALFORMED]++;
            continue;
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
}

unsigned int
nic_dp_run_port(struct nic_dp *dp, unsigned int port, unsigned int max_bursts)
{
    unsigned int total = 0;
    for (unsigned int b = 0; b < max_bursts; b++) {
        for (unsigned int i = 0; i < NIC_DP_BURST; i++) {
            dp->rx_msgs[i].msg_hdr.msg_controllen = CMSG_BYTES;
            dp->rx_msgs[i].msg_hdr.msg_namelen = sizeof dp->rx_addr[i];
            dp->rx_msgs[i].msg_hdr.msg_flags = 0;
        }
        int n = recvmmsg(dp->fds[port], dp->rx_msgs, NIC_DP_BURST,
                         MSG_DONTWAIT, NULL);
        if (n <= 0) {
            /* EAGAIN: drained; ENETDOWN: the interface went down (the
             * error is reported once and cleared by this read). */
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        forward_burst(dp, port, (unsigned int) n,
                      (uint64_t) ts.tv_sec * 1000000000ULL
                      + (uint64_t) ts.tv_nsec);
        tx_flush(dp);
        total += (unsigned int) n;
        if (n < NIC_DP_BURST) {
            break;
        }
    }
    return total;
}
