/* vxlan_io: UDP recvmmsg() RX; direct AF_PACKET or raw IPv4 sendmmsg() TX
 * of VXLAN packets (see vxlan_io.h). */
#include "vtep/vxlan_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "vtep/nexthop.h"
#include "vtep/pkt.h"

LOG_MODULE(vxlan_io);

#define VXLAN_IO_DEFAULT_PORT 4789
#define VXLAN_IO_TTL 64
#define VXLAN_IO_CMSG_SPACE CMSG_SPACE(sizeof (uint32_t))
#define VXLAN_IO_ETH_HEADER 14

/* The next-hop cache: open addressing by remote VTEP address. */
#define VXLAN_IO_NH_SLOTS 8192          /* Power of two. */
#define VXLAN_IO_NH_MAX 4096            /* Entries; full: start again. */
#define VXLAN_IO_NH_TTL_MS 1000         /* Resolved, routed, or error. */
#define VXLAN_IO_NH_UNRESOLVED_TTL_MS 100
#define VXLAN_IO_NH_BUDGET 8            /* Look-ups per tx_burst(). */

struct vxlan_io_nh {
    uint32_t dst;                       /* Network order; 0: free slot. */
    bool nudge;                         /* STALE: next packet goes routed. */
    long long expires_ms;
    struct vtep_nexthop nh;
    uint8_t eth[VXLAN_IO_ETH_HEADER];   /* Ready-made Ethernet header. */
};

struct vxlan_io {
    int rx_fd;                          /* UDP, bound to local:port. */
    int tx_fd;                          /* Raw IPv4, IP_HDRINCL. */
    int pkt_fd;                         /* AF_PACKET for direct TX, or -1. */
    struct vtep_nexthop_resolver *resolver;
    struct vxlan_io_nh *nh;             /* VXLAN_IO_NH_SLOTS, or NULL. */
    size_t n_nh;
    struct in_addr local_ip;            /* Network order. */
    uint16_t port;                      /* Host order. */
    bool df;
    uint16_t ip_id;                     /* Next IPv4 id. */
    uint32_t buf_size;                  /* Headroom + max payload. */
    uint8_t *bufs;                      /* VXLAN_IO_BURST x buf_size. */

    /* recvmmsg() vectors, set up once. */
    struct mmsghdr rx_msgs[VXLAN_IO_BURST];
    struct iovec rx_iovs[VXLAN_IO_BURST];
    struct sockaddr_in rx_addrs[VXLAN_IO_BURST];
    uint8_t rx_cmsgs[VXLAN_IO_BURST][VXLAN_IO_CMSG_SPACE];

    struct vxlan_io_stats stats;
};

static void vxlan_io_set_bufs(int fd, uint32_t bytes);

/* Sets up direct TX; on failure logs why and leaves 'vx' routed only. */
static void
vxlan_io_open_direct(struct vxlan_io *vx, uint32_t sock_buf_bytes)
{
    int one = 1, err;

    /* Protocol 0: this socket receives nothing. */
    vx->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (vx->pkt_fd < 0) {
        err = -errno;
        goto fail;
    }
    (void) setsockopt(vx->pkt_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
                      sizeof one);
    vxlan_io_set_bufs(vx->pkt_fd, sock_buf_bytes);
    err = vtep_nexthop_resolver_open(&vx->resolver);
    if (err) {
        goto fail;
    }
    vx->nh = xcalloc(VXLAN_IO_NH_SLOTS, sizeof *vx->nh);
    return;

fail:
    log_warn("direct VXLAN TX unavailable (%s): all through IPv4 routing",
             strerror(-err));
    if (vx->pkt_fd >= 0) {
        close(vx->pkt_fd);
        vx->pkt_fd = -1;
    }
}

int
vxlan_io_open(const struct vxlan_io_options *opts, struct vxlan_io **vxp)
{
    uint32_t max_payload = opts->max_payload ? opts->max_payload : 2016;
    int one = 1, err;

    *vxp = NULL;
    if (max_payload > 65507) {
        return -EINVAL;
    }
    struct vxlan_io *vx = xzalloc(sizeof *vx);
    vx->local_ip = opts->local_ip;
    vx->port = opts->port ? opts->port : VXLAN_IO_DEFAULT_PORT;
    vx->df = opts->df;
    vx->ip_id = 1;
    vx->tx_fd = -1;
    vx->pkt_fd = -1;
    vx->buf_size = (VXLAN_IO_RX_HEADROOM + max_payload + 63) & ~63u;

    vx->rx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (vx->rx_fd < 0) {
        err = -errno;
        goto out_free;
    }
    vxlan_io_set_bufs(vx->rx_fd, opts->sock_buf_bytes);
    /* Cumulative kernel drop count in each message's control data. */
    (void) setsockopt(vx->rx_fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_port = htons(vx->port),
        .sin_addr = vx->local_ip,
    };
    if (bind(vx->rx_fd, (struct sockaddr *) &sin, sizeof sin) < 0) {
        err = -errno;
        goto out_close;
    }

    vx->tx_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       IPPROTO_RAW);
    if (vx->tx_fd < 0) {
        err = -errno;
        goto out_close;
    }
    vxlan_io_set_bufs(vx->tx_fd, opts->sock_buf_bytes);
    if (!opts->routed_only) {
        vxlan_io_open_direct(vx, opts->sock_buf_bytes);
    }

    vx->bufs = xmalloc((size_t) VXLAN_IO_BURST * vx->buf_size);
    for (size_t i = 0; i < VXLAN_IO_BURST; i++) {
        vx->rx_iovs[i].iov_base = vx->bufs + i * vx->buf_size
                                  + VXLAN_IO_RX_HEADROOM;
        vx->rx_iovs[i].iov_len = max_payload;
    }
    *vxp = vx;
    return 0;

out_close:
    vxlan_io_close(vx);
    return err;
out_free:
    free(vx);
    return err;
}

void
vxlan_io_close(struct vxlan_io *vx)
{
    if (!vx) {
        return;
    }
    if (vx->tx_fd >= 0) {
        close(vx->tx_fd);
    }
    if (vx->pkt_fd >= 0) {
        close(vx->pkt_fd);
    }
    vtep_nexthop_resolver_close(vx->resolver);
    free(vx->nh);
    close(vx->rx_fd);
    free(vx->bufs);
    free(vx);
}

size_t
vxlan_io_rx_burst(struct vxlan_io *vx, struct vxlan_io_rx *pkts, size_t max)
{
    unsigned int k = (unsigned int) MIN(max, VXLAN_IO_BURST);

    for (unsigned int i = 0; i < k; i++) {
        vx->rx_msgs[i].msg_hdr = (struct msghdr) {
            .msg_name = &vx->rx_addrs[i],
            .msg_namelen = sizeof vx->rx_addrs[i],
            .msg_iov = &vx->rx_iovs[i],
            .msg_iovlen = 1,
            .msg_control = vx->rx_cmsgs[i],
            .msg_controllen = VXLAN_IO_CMSG_SPACE,
        };
    }
    int r = recvmmsg(vx->rx_fd, vx->rx_msgs, k, MSG_DONTWAIT, NULL);
    if (r <= 0) {
        return 0;
    }

    size_t n = 0;
    uint64_t bytes = 0;
    for (int i = 0; i < r; i++) {
        struct msghdr *mh = &vx->rx_msgs[i].msg_hdr;
        if (mh->msg_controllen) {
            struct cmsghdr *c = CMSG_FIRSTHDR(mh);
            if (c && c->cmsg_level == SOL_SOCKET
                && c->cmsg_type == SO_RXQ_OVFL) {
                uint32_t drops;
                memcpy(&drops, CMSG_DATA(c), sizeof drops);
                vx->stats.rx_drops = drops;
            }
        }
        if (unlikely(mh->msg_flags & MSG_TRUNC)) {
            vx->stats.rx_truncated++;
            continue;
        }
        pkts[n].data = vx->rx_iovs[i].iov_base;
        pkts[n].size = vx->rx_msgs[i].msg_len;
        pkts[n].src = vx->rx_addrs[i].sin_addr;
        pkts[n].src_port = ntohs(vx->rx_addrs[i].sin_port);
        bytes += pkts[n].size;
        n++;
    }
    vx->stats.rx_packets += n;
    vx->stats.rx_bytes += bytes;
    return n;
}

/* Writes the IPv4 + UDP headers of 'p', from 'src', at 'ip'. */
static void
vxlan_io_push_headers(struct vxlan_io *vx, const struct vxlan_io_tx *p,
                      struct in_addr src, uint8_t *ip)
{
    uint8_t *udp = ip + 20;
    uint16_t udp_len = (uint16_t) (p->size + 8);

    ip[0] = 0x45;                       /* Version 4, 5 words. */
    ip[1] = 0;                          /* DSCP/ECN. */
    pkt_put_be16(ip + 2, (uint16_t) (udp_len + 20));
    pkt_put_be16(ip + 4, vx->ip_id);  /* Non-zero: the kernel keeps it. */
    vx->ip_id = vx->ip_id == UINT16_MAX ? 1 : vx->ip_id + 1;
    pkt_put_be16(ip + 6, vx->df ? 0x4000 : 0);
    ip[8] = VXLAN_IO_TTL;
    ip[9] = IPPROTO_UDP;
    ip[10] = ip[11] = 0;
    memcpy(ip + 12, &src, 4);
    memcpy(ip + 16, &p->dst, 4);
    pkt_put_be16(ip + 10, pkt_csum_fold(pkt_csum_add(ip, 20, 0)));

    pkt_put_be16(udp, p->src_port);
    pkt_put_be16(udp + 2, vx->port);
    pkt_put_be16(udp + 4, udp_len);
    udp[6] = udp[7] = 0;                /* No checksum (RFC 7348 §5). */
}

static bool
vxlan_io_tx_busy(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS
           || err == EINTR;
}

/* The cache entry for 'dst', looked up again in the kernel if it has
 * expired and the burst's '*budget' allows; NULL if there is none. */
static struct vxlan_io_nh *
vxlan_io_nexthop(struct vxlan_io *vx, struct in_addr dst, long long now,
                 int *budget)
{
    uint32_t h = (uint32_t) ((dst.s_addr * 0x9e3779b97f4a7c15ull) >> 32);
    struct vxlan_io_nh *e;

    for (;; h++) {
        e = &vx->nh[h & (VXLAN_IO_NH_SLOTS - 1)];
        if (e->dst == dst.s_addr || !e->dst) {
            break;
        }
    }
    if (e->dst && now < e->expires_ms) {
        return e;
    }
    if (!*budget) {
        return e->dst ? e : NULL;       /* Expired, but the best we know. */
    }
    (*budget)--;
    if (!e->dst) {
        if (vx->n_nh >= VXLAN_IO_NH_MAX) {
            /* Full of VTEPs we may no longer send to: start again. */
            memset(vx->nh, 0, VXLAN_IO_NH_SLOTS * sizeof *vx->nh);
            vx->n_nh = 0;
            e = &vx->nh[h & (VXLAN_IO_NH_SLOTS - 1)];
        }
        e->dst = dst.s_addr;
        vx->n_nh++;
    }

    vx->stats.nexthop_lookups++;
    int err = vtep_nexthop_resolve(vx->resolver, dst, vx->local_ip, &e->nh);
    if (err) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        char name[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &dst, name, sizeof name);
        log_warn_rl(&rl, "next hop of %s: %s", name, strerror(-err));
        vx->stats.nexthop_errors++;
    }
    e->expires_ms = now + (e->nh.state == VTEP_NEXTHOP_UNRESOLVED
                           ? VXLAN_IO_NH_UNRESOLVED_TTL_MS : VXLAN_IO_NH_TTL_MS);
    e->nudge = e->nh.state == VTEP_NEXTHOP_STALE;
    memcpy(e->eth, e->nh.dst_mac, 6);
    memcpy(e->eth + 6, e->nh.src_mac, 6);
    pkt_put_be16(e->eth + 12, ETH_P_IP);
    return e;
}

/* Whether the next packet to the VTEP of 'e' (NULL: unknown) goes direct
 * from 'vx'. */
static bool
vxlan_io_goes_direct(const struct vxlan_io *vx, struct vxlan_io_nh *e)
{
    if (!e || (e->nh.state != VTEP_NEXTHOP_REACHABLE
               && e->nh.state != VTEP_NEXTHOP_STALE)
        || (!vx->local_ip.s_addr && !e->nh.src_ip.s_addr)) {
        return false;
    }
    if (e->nudge) {
        e->nudge = false;               /* This one tells the kernel. */
        return false;
    }
    return true;
}

/* One sendmmsg() batch: the messages and their payload sizes. */
struct vxlan_io_batch {
    struct mmsghdr msgs[VXLAN_IO_BURST];
    struct iovec iovs[VXLAN_IO_BURST][2];
    uint32_t sizes[VXLAN_IO_BURST];
    unsigned int n;
};

/* Sends 'b' on 'fd'; returns how many were sent. */
static unsigned int
vxlan_io_send(struct vxlan_io *vx, int fd, struct vxlan_io_batch *b)
{
    unsigned int i = 0, sent = 0;

    while (i < b->n) {
        int r = sendmmsg(fd, b->msgs + i, b->n - i, MSG_DONTWAIT);
        if (r <= 0) {
            if (r == 0 || vxlan_io_tx_busy(errno)) {
                vx->stats.tx_drops += b->n - i;
                break;
            }
            /* Refused for itself (EMSGSIZE, no route...): drop it. */
            vx->stats.tx_errors++;
            i++;
            continue;
        }
        for (int j = 0; j < r; j++) {
            vx->stats.tx_bytes += b->sizes[i + (unsigned int) j];
        }
        i += (unsigned int) r;
        sent += (unsigned int) r;
    }
    vx->stats.tx_packets += sent;
    return sent;
}

size_t
vxlan_io_tx_burst(struct vxlan_io *vx, const struct vxlan_io_tx *pkts,
                  size_t n)
{
    /* Each message gets its own outer headers, apart from its payload:
     * the copies of a flood to several VTEPs share one payload buffer. */
    uint8_t hdrs[VXLAN_IO_BURST][VXLAN_IO_ETH_HEADER + VXLAN_IO_TX_HEADROOM];
    struct sockaddr_in dsts[VXLAN_IO_BURST];
    struct sockaddr_ll lls[VXLAN_IO_BURST];
    struct vxlan_io_batch routed, direct;
    long long now = vx->nh ? time_msec() : 0;
    int budget = VXLAN_IO_NH_BUDGET;
    size_t sent = 0;

    for (size_t done = 0; done < n; ) {
        unsigned int k = (unsigned int) MIN(n - done, VXLAN_IO_BURST);
        routed.n = direct.n = 0;
        for (unsigned int i = 0; i < k; i++) {
            const struct vxlan_io_tx *p = &pkts[done + i];
            if (p->size > 65507) {
                vx->stats.tx_errors++;
                continue;
            }
            struct vxlan_io_nh *e = vx->nh && p->dst.s_addr
                                   ? vxlan_io_nexthop(vx, p->dst, now, &budget)
                                   : NULL;
            bool go_direct = vxlan_io_goes_direct(vx, e);
            if (go_direct && e->nh.mtu
                && p->size + VXLAN_IO_TX_HEADROOM > e->nh.mtu) {
                vx->stats.tx_errors++;  /* As the routed way would say. */
                continue;
            }
            /* A zero source is filled in by the kernel only when it
             * routes: going direct, it is the route's. */
            uint8_t *ip = hdrs[i] + VXLAN_IO_ETH_HEADER;
            vxlan_io_push_headers(vx, p, go_direct && !vx->local_ip.s_addr
                                         ? e->nh.src_ip : vx->local_ip, ip);
            struct vxlan_io_batch *b = go_direct ? &direct : &routed;
            struct mmsghdr *m = &b->msgs[b->n];
            struct iovec *iov = b->iovs[b->n];
            if (go_direct) {
                memcpy(hdrs[i], e->eth, VXLAN_IO_ETH_HEADER);
                lls[i] = (struct sockaddr_ll) {
                    .sll_family = AF_PACKET,
                    .sll_protocol = htons(ETH_P_IP),
                    .sll_ifindex = e->nh.ifindex,
                };
                iov[0].iov_base = hdrs[i];
                iov[0].iov_len = VXLAN_IO_ETH_HEADER + VXLAN_IO_TX_HEADROOM;
                m->msg_hdr = (struct msghdr) {
                    .msg_name = &lls[i], .msg_namelen = sizeof lls[i],
                    .msg_iov = iov, .msg_iovlen = 2,
                };
            } else {
                dsts[i] = (struct sockaddr_in) {
                    .sin_family = AF_INET, .sin_addr = p->dst,
                };
                iov[0].iov_base = ip;
                iov[0].iov_len = VXLAN_IO_TX_HEADROOM;
                m->msg_hdr = (struct msghdr) {
                    .msg_name = &dsts[i], .msg_namelen = sizeof dsts[i],
                    .msg_iov = iov, .msg_iovlen = 2,
                };
            }
            iov[1].iov_base = p->data;
            iov[1].iov_len = p->size;
            b->sizes[b->n++] = p->size;
        }
        /* Routed first: a STALE neighbour's nudge is its flow's first. */
        if (routed.n) {
            sent += vxlan_io_send(vx, vx->tx_fd, &routed);
        }
        if (direct.n) {
            unsigned int d = vxlan_io_send(vx, vx->pkt_fd, &direct);
            vx->stats.tx_direct += d;
            sent += d;
        }
        done += k;
    }
    return sent;
}

int
vxlan_io_fd(const struct vxlan_io *vx)
{
    return vx->rx_fd;
}

void
vxlan_io_get_stats(const struct vxlan_io *vx, struct vxlan_io_stats *stats)
{
    *stats = vx->stats;
}

static void
vxlan_io_set_bufs(int fd, uint32_t bytes)
{
    int size = (int) (bytes ? bytes : 4u << 20);

    /* Best effort: the kernel caps at net.core.rmem_max/wmem_max. */
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}
