/* vxlan_io: UDP recvmmsg() RX and raw IPv4 sendmmsg() TX of VXLAN packets
 * (see vxlan_io.h). */
#include "vtep/vxlan_io.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/util.h"

#define VXLAN_IO_DEFAULT_PORT 4789
#define VXLAN_IO_TTL 64
#define VXLAN_IO_CMSG_SPACE CMSG_SPACE(sizeof (uint32_t))

struct vxlan_io {
    int rx_fd;                          /* UDP, bound to local:port. */
    int tx_fd;                          /* Raw IPv4, IP_HDRINCL. */
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

/* The IPv4 header checksum of the 20 bytes at 'h' (RFC 791, RFC 1071). */
static uint16_t
vxlan_io_ip_csum(const uint8_t *h)
{
    uint32_t sum = 0;

    for (int i = 0; i < 20; i += 2) {
        sum += (uint32_t) (h[i] << 8 | h[i + 1]);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t) ~sum;
}

static inline void
vxlan_io_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) (v >> 8);
    p[1] = (uint8_t) v;
}

/* Writes the IPv4 + UDP headers of 'p' before its payload. */
static void
vxlan_io_push_headers(struct vxlan_io *vx, const struct vxlan_io_tx *p, uint8_t *ip)
{
    uint8_t *udp = ip + 20;
    uint16_t udp_len = (uint16_t) (p->size + 8);

    ip[0] = 0x45;                       /* Version 4, 5 words. */
    ip[1] = 0;                          /* DSCP/ECN. */
    vxlan_io_put16(ip + 2, (uint16_t) (udp_len + 20));
    vxlan_io_put16(ip + 4, vx->ip_id);  /* Non-zero: the kernel keeps it. */
    vx->ip_id = vx->ip_id == UINT16_MAX ? 1 : vx->ip_id + 1;
    vxlan_io_put16(ip + 6, vx->df ? 0x4000 : 0);
    ip[8] = VXLAN_IO_TTL;
    ip[9] = IPPROTO_UDP;
    ip[10] = ip[11] = 0;
    memcpy(ip + 12, &vx->local_ip, 4);
    memcpy(ip + 16, &p->dst, 4);
    vxlan_io_put16(ip + 10, vxlan_io_ip_csum(ip));

    vxlan_io_put16(udp, p->src_port);
    vxlan_io_put16(udp + 2, vx->port);
    vxlan_io_put16(udp + 4, udp_len);
    udp[6] = udp[7] = 0;                /* No checksum (RFC 7348 §5). */
}

static bool
vxlan_io_tx_busy(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS
           || err == EINTR;
}

size_t
vxlan_io_tx_burst(struct vxlan_io *vx, const struct vxlan_io_tx *pkts,
                  size_t n)
{
    struct mmsghdr msgs[VXLAN_IO_BURST];
    /* Each message gets its own outer headers, apart from its payload:
     * the copies of a flood to several VTEPs share one payload buffer. */
    uint8_t hdrs[VXLAN_IO_BURST][VXLAN_IO_TX_HEADROOM];
    struct iovec iovs[VXLAN_IO_BURST][2];
    struct sockaddr_in dsts[VXLAN_IO_BURST];
    size_t done = 0;

    while (done < n) {
        unsigned int k = (unsigned int) MIN(n - done, VXLAN_IO_BURST);
        for (unsigned int i = 0; i < k; i++) {
            const struct vxlan_io_tx *p = &pkts[done + i];
            if (p->size > 65507) {
                k = i;                  /* Sent alone below: refused. */
                break;
            }
            vxlan_io_push_headers(vx, p, hdrs[i]);
            iovs[i][0].iov_base = hdrs[i];
            iovs[i][0].iov_len = VXLAN_IO_TX_HEADROOM;
            iovs[i][1].iov_base = p->data;
            iovs[i][1].iov_len = p->size;
            dsts[i] = (struct sockaddr_in) {
                .sin_family = AF_INET, .sin_addr = p->dst,
            };
            msgs[i].msg_hdr = (struct msghdr) {
                .msg_name = &dsts[i], .msg_namelen = sizeof dsts[i],
                .msg_iov = iovs[i], .msg_iovlen = 2,
            };
        }
        if (!k) {
            vx->stats.tx_errors++;
            done++;
            continue;
        }
        int r = sendmmsg(vx->tx_fd, msgs, k, MSG_DONTWAIT);
        if (r < 0) {
            if (vxlan_io_tx_busy(errno)) {
                break;
            }
            /* Refused for itself (EMSGSIZE, no route...): drop it. */
            vx->stats.tx_errors++;
            done++;
            continue;
        }
        for (int i = 0; i < r; i++) {
            vx->stats.tx_bytes += pkts[done + (size_t) i].size;
        }
        vx->stats.tx_packets += (uint64_t) r;
        done += (size_t) r;
        if (r == 0) {
            break;
        }
    }
    return done;
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
