/* bench/pktgen.c: a minimal AF_PACKET frame generator for vtep-bench.sh.
 *
 * Builds NDST Ethernet frames once (optionally 802.1Q-tagged), IPv4/UDP
 * with a valid IP header checksum and UDP checksum 0, and sends them round
 * robin on IFACE with sendmmsg() bursts of 64, bypassing the qdisc, for
 * SECONDS.  Destination MAC i is DST + i * STRIDE (48-bit arithmetic), so
 * the frames walk a range of a big MAC table.  SIZE is the untagged frame
 * length without FCS (60..1514); a tag adds 4 bytes on the wire.
 *
 *   pktgen IFACE SIZE VLAN SECONDS SRCMAC DSTMAC NDST STRIDE SRCIP DSTIP
 *          [VNI OUTER_SRCMAC OUTER_DSTMAC OUTER_SRCIP OUTER_DSTIP]
 *
 * With the five last arguments each frame is sent VXLAN-encapsulated
 * (RFC 7348: outer Ethernet, IPv4, UDP to 4789 with checksum 0, VXLAN
 * header with VNI): what a remote VTEP would put on the underlay, without
 * the cost of a kernel vxlan device's encapsulation in the generator.
 *
 * VLAN 0 sends untagged frames.  Prints one JSON line: frames sent,
 * send errors (ENOBUFS etc., retried), seconds, frames/s.
 * Built by vtep-bench.sh with "cc -O2". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BURST 64

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
parse_mac(const char *s)
{
    unsigned int b[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
        fprintf(stderr, "pktgen: bad MAC %s\n", s);
        exit(2);
    }
    uint64_t m = 0;
    for (int i = 0; i < 6; i++) {
        m = (m << 8) | (b[i] & 0xff);
    }
    return m;
}

static void
put_mac(uint8_t *p, uint64_t m)
{
    for (int i = 5; i >= 0; i--) {
        p[i] = m & 0xff;
        m >>= 8;
    }
}

static uint16_t
ip_csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i < n; i += 2) {
        s += (p[i] << 8) | p[i + 1];
    }
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return ~s & 0xffff;
}

/* Writes a 20-byte IPv4 header for a UDP datagram of 'len' bytes in all,
 * DF set, TTL 64, with its checksum. */
static void
put_udp_ipv4(uint8_t *ip, int len, struct in_addr sip, struct in_addr dip)
{
    ip[0] = 0x45;
    ip[2] = len >> 8; ip[3] = len & 0xff;
    ip[6] = 0x40;
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, &sip, 4);
    memcpy(ip + 16, &dip, 4);
    uint16_t c = ip_csum(ip, 20);
    ip[10] = c >> 8; ip[11] = c & 0xff;
}

int
main(int argc, char **argv)
{
    if (argc != 11 && argc != 16) {
        fprintf(stderr, "usage: pktgen IFACE SIZE VLAN SECONDS SRCMAC DSTMAC NDST STRIDE SRCIP DSTIP"
                " [VNI OUTER_SRCMAC OUTER_DSTMAC OUTER_SRCIP OUTER_DSTIP]\n");
        return 2;
    }
    const char *ifname = argv[1];
    int size = atoi(argv[2]), vlan = atoi(argv[3]);
    double secs = atof(argv[4]);
    uint64_t src = parse_mac(argv[5]), dst = parse_mac(argv[6]);
    long ndst = atol(argv[7]);
    uint64_t stride = strtoull(argv[8], NULL, 0);
    struct in_addr sip, dip;
    if (size < 60 || size > 1514 || ndst < 1 || vlan < 0 || vlan > 4095
        || !inet_aton(argv[9], &sip) || !inet_aton(argv[10], &dip)) {
        fprintf(stderr, "pktgen: bad arguments\n");
        return 2;
    }

    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        perror("pktgen: socket");
        return 1;
    }
    struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = if_nametoindex(ifname) };
    if (!sll.sll_ifindex) {
        fprintf(stderr, "pktgen: no interface %s\n", ifname);
        return 1;
    }
    if (bind(fd, (struct sockaddr *) &sll, sizeof sll) < 0) {
        perror("pktgen: bind");
        return 1;
    }
    int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

    int encap = argc == 16 ? 50 : 0;
    int len = encap + size + (vlan ? 4 : 0);
    uint8_t *frames = calloc(ndst, len);
    for (long i = 0; i < ndst; i++) {
        uint8_t *f = frames + (size_t) i * len, *p = f;
        if (encap) {
            struct in_addr osip, odip;
            if (!inet_aton(argv[14], &osip) || !inet_aton(argv[15], &odip)) {
                fprintf(stderr, "pktgen: bad outer IP\n");
                return 2;
            }
            uint32_t vni = strtoul(argv[11], NULL, 0);
            put_mac(p, parse_mac(argv[13]));
            put_mac(p + 6, parse_mac(argv[12]));
            p[12] = 0x08; p[13] = 0x00;
            uint8_t *oip = p + 14;
            int olen = len - 14;
            put_udp_ipv4(oip, olen, osip, odip);
            uint8_t *ou = oip + 20;
            uint16_t sport = 49152 + (i & 0x3fff);
            ou[0] = sport >> 8; ou[1] = sport & 0xff;
            ou[2] = 4789 >> 8; ou[3] = 4789 & 0xff;
            ou[4] = (olen - 20) >> 8; ou[5] = (olen - 20) & 0xff;
            uint8_t *vx = ou + 8;
            vx[0] = 0x08;
            vx[4] = vni >> 16; vx[5] = vni >> 8; vx[6] = vni & 0xff;
            p += encap;
        }
        put_mac(p, (dst + (uint64_t) i * stride) & 0xffffffffffffULL);
        put_mac(p + 6, src);
        p += 12;
        if (vlan) {
            p[0] = 0x81; p[1] = 0x00; p[2] = vlan >> 8; p[3] = vlan & 0xff;
            p += 4;
        }
        p[0] = 0x08; p[1] = 0x00;
        p += 2;
        int iplen = size - 14;
        uint8_t *ip = p;
        put_udp_ipv4(ip, iplen, sip, dip);
        uint8_t *udp = ip + 20;
        int ulen = iplen - 20;
        udp[0] = 0x9c; udp[1] = 0x40;        /* 40000 */
        udp[2] = 0x00; udp[3] = 0x09;        /* discard */
        udp[4] = ulen >> 8; udp[5] = ulen & 0xff;
    }

    struct mmsghdr msgs[BURST];
    struct iovec iov[BURST];
    memset(msgs, 0, sizeof msgs);
    long next = 0;
    unsigned long long sent = 0, errors = 0;
    double t0 = now(), t1 = t0, end = t0 + secs;
    for (unsigned iter = 0;; iter++) {
        if ((iter & 15) == 0) {
            t1 = now();
            if (t1 >= end) {
                break;
            }
        }
        for (int i = 0; i < BURST; i++) {
            iov[i].iov_base = frames + (size_t) next * len;
            iov[i].iov_len = len;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            if (++next == ndst) {
                next = 0;
            }
        }
        int n = sendmmsg(fd, msgs, BURST, 0);
        if (n < 0) {
            if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
                perror("pktgen: sendmmsg");
                return 1;
            }
            errors++;
            continue;
        }
        sent += n;
        if (n < BURST) {
            errors++;
        }
    }
    printf("{\"sent\": %llu, \"send_errors\": %llu, \"seconds\": %.3f, \"fps\": %.0f}\n",
           sent, errors, t1 - t0, sent / (t1 - t0));
    return 0;
}
