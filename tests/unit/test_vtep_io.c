/* Tests of seam-vtep's packet I/O (port_io, vxlan_io) against the kernel:
 * veth pairs and a kernel vxlan device in network namespaces named with
 * the test's PID ("sio<pid>a", "sio<pid>b"), created by each test's setup
 * and deleted by its teardown (which cmocka runs on failure too) and at
 * exit.  The test process enters a namespace with setns() only to open a
 * socket there (sockets keep their namespace), then returns to its own.
 *
 * Needs root and ip(8); skips otherwise.  Test frames come from the MAC
 * TEST_SRC, so that anything else on the links (IPv6 noise) is ignored. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "vtep/nexthop.h"
#include "vtep/pkt.h"
#include "vtep/port_io.h"
#include "vtep/vxlan_io.h"

static const uint8_t TEST_SRC[6] = { 0x02, 0x53, 0x49, 0x4f, 0x00, 0x01 };
static const uint8_t TEST_DST[6] = { 0x02, 0x53, 0x49, 0x4f, 0x00, 0x02 };
#define TEST_ETHERTYPE 0x88b5           /* IEEE local experimental. */
#define MAX_FRAME 1600

static bool env_ok;                     /* Root and ip(8). */
static int home_ns = -1;                /* Our own netns. */
static char ns_a[32], ns_b[32];
static bool ns_a_made, ns_b_made;

/* ---- namespace plumbing ---- */

static int PRINTF_FMT(1, 2)
run(const char *fmt, ...)
{
    char cmd[512];
    va_list args;

    va_start(args, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, args);
    va_end(args);
    return system(cmd);
}

#define RUN_OK(...) assert_int_equal(run(__VA_ARGS__), 0)

static void
ns_enter(const char *ns)
{
    char path[64];

    snprintf(path, sizeof path, "/run/netns/%s", ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(setns(fd, CLONE_NEWNET), 0);
    close(fd);
}

static void
ns_leave(void)
{
    if (home_ns >= 0) {
        setns(home_ns, CLONE_NEWNET);
    }
}

static void
ns_delete_all(void)
{
    ns_leave();
    if (ns_a_made) {
        run("ip netns del %s 2>/dev/null", ns_a);
        ns_a_made = false;
    }
    if (ns_b_made) {
        run("ip netns del %s 2>/dev/null", ns_b);
        ns_b_made = false;
    }
}

static void
ns_make(char *name, bool *made)
{
    RUN_OK("ip netns add %s", name);
    *made = true;
    /* No IPv6 chatter (router solicitations, MLD) on test links. */
    run("ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
        "net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1", name);
}

static int
group_setup(void **state)
{
    env_ok = geteuid() == 0 && !run("command -v ip >/dev/null 2>&1");
    if (env_ok) {
        home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        env_ok = home_ns >= 0;
    }
    snprintf(ns_a, sizeof ns_a, "sio%da", (int) getpid());
    snprintf(ns_b, sizeof ns_b, "sio%db", (int) getpid());
    atexit(ns_delete_all);
    return 0;
}

static int
group_teardown(void **state)
{
    ns_delete_all();
    if (home_ns >= 0) {
        close(home_ns);
    }
    return 0;
}

/* One namespace A with a veth p0 <-> p1, both up. */
static int
setup_port(void **state)
{
    if (!env_ok) {
        return 0;
    }
    ns_make(ns_a, &ns_a_made);
    RUN_OK("ip -n %s link add p0 type veth peer name p1", ns_a);
    RUN_OK("ip -n %s link set p0 up && ip -n %s link set p1 up", ns_a, ns_a);
    return 0;
}

/* Namespaces A (10.99.0.1, a0) and B (10.99.0.2, b0) joined by a veth with
 * MTU 1600; in B a kernel vxlan vx0 (VNI 5000) towards A, noudpcsum. */
static int
setup_vxlan(void **state)
{
    if (!env_ok) {
        return 0;
    }
    ns_make(ns_a, &ns_a_made);
    ns_make(ns_b, &ns_b_made);
    RUN_OK("ip -n %s link add a0 mtu 1600 type veth peer name b0 mtu 1600 "
           "netns %s", ns_a, ns_b);
    RUN_OK("ip -n %s addr add 10.99.0.1/24 dev a0 && ip -n %s link set a0 up"
           " && ip -n %s link set lo up", ns_a, ns_a, ns_a);
    RUN_OK("ip -n %s addr add 10.99.0.2/24 dev b0 && ip -n %s link set b0 up"
           " && ip -n %s link set lo up", ns_b, ns_b, ns_b);
    RUN_OK("ip -n %s link add vx0 type vxlan id 5000 local 10.99.0.2 "
           "remote 10.99.0.1 dstport 4789 noudpcsum", ns_b);
    RUN_OK("ip -n %s link set vx0 up", ns_b);
    return 0;
}

static int
teardown_ns(void **state)
{
    ns_delete_all();
    return 0;
}

#define SKIP_UNLESS_ENV() do { if (!env_ok) { skip(); } } while (0)

/* ---- frames and the peer's raw sockets ---- */

static long long
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Writes a 'size'-byte test frame to 'f': tagged with 'tci' if 'tagged',
 * sequence number 'seq' after the ethertype, then a pattern. */
static void
make_frame(uint8_t *f, size_t size, bool tagged, uint16_t tci, uint32_t seq)
{
    size_t o = 12;

    memcpy(f, TEST_DST, 6);
    memcpy(f + 6, TEST_SRC, 6);
    if (tagged) {
        pkt_put_be16(f + o, ETH_TYPE_VLAN);
        pkt_put_be16(f + o + 2, tci);
        o += 4;
    }
    pkt_put_be16(f + o, TEST_ETHERTYPE);
    pkt_put_be32(f + o + 2, seq);
    for (size_t i = o + 6; i < size; i++) {
        f[i] = (uint8_t) (i * 7 + seq);
    }
}

/* A raw AF_PACKET socket on 'ifname' in 'ns', with PACKET_AUXDATA. */
static int
peer_open(const char *ns, const char *ifname)
{
    int one = 1;

    ns_enter(ns);
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    unsigned int ifindex = if_nametoindex(ifname);
    ns_leave();
    assert_true(fd >= 0);
    assert_true(ifindex > 0);
    assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one,
                                sizeof one), 0);
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = (int) ifindex,
    };
    assert_int_equal(bind(fd, (struct sockaddr *) &sll, sizeof sll), 0);
    return fd;
}

static void
peer_send(int fd, const uint8_t *f, size_t size)
{
    assert_int_equal(send(fd, f, size, 0), (ssize_t) size);
}

/* Receives one incoming frame from TEST_SRC (or any source if !filter)
 * into 'f', with the tag the kernel stripped written back; returns its
 * size, or 0 after 'timeout_ms'. */
static size_t
peer_recv(int fd, uint8_t *f, size_t cap, int timeout_ms, bool filter)
{
    long long deadline = now_ms() + timeout_ms;

    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (left <= 0 || poll(&pfd, 1, (int) left) <= 0) {
            return 0;
        }
        uint8_t cbuf[CMSG_SPACE(sizeof (struct tpacket_auxdata))];
        struct sockaddr_ll sll;
        struct iovec iov = { .iov_base = f + 4, .iov_len = cap - 4 };
        struct msghdr mh = {
            .msg_name = &sll, .msg_namelen = sizeof sll,
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = cbuf, .msg_controllen = sizeof cbuf,
        };
        ssize_t r = recvmsg(fd, &mh, MSG_DONTWAIT);
        if (r < 14 || sll.sll_pkttype == PACKET_OUTGOING) {
            continue;
        }
        size_t size = (size_t) r;
        memmove(f, f + 4, size);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
             c = CMSG_NXTHDR(&mh, c)) {
            struct tpacket_auxdata aux;
            if (c->cmsg_level != SOL_PACKET
                || c->cmsg_type != PACKET_AUXDATA) {
                continue;
            }
            memcpy(&aux, CMSG_DATA(c), sizeof aux);
            if (aux.tp_status & TP_STATUS_VLAN_VALID) {
                uint16_t tpid = aux.tp_status & TP_STATUS_VLAN_TPID_VALID
                                ? aux.tp_vlan_tpid : ETH_P_8021Q;
                memmove(f + 16, f + 12, size - 12);
                pkt_put_be16(f + 12, tpid);
                pkt_put_be16(f + 14, aux.tp_vlan_tci);
                size += 4;
            }
        }
        if (!filter || !memcmp(f + 6, TEST_SRC, 6)) {
            return size;
        }
    }
}

static struct port_io *
port_open_in(const char *ns, const char *ifname,
             const struct port_io_options *opts)
{
    struct port_io *port;

    ns_enter(ns);
    int err = port_io_open(ifname, opts, &port);
    ns_leave();
    assert_int_equal(err, 0);
    return port;
}

/* Reads frames from TEST_SRC off 'port' into 'out' (n_want slots of
 * MAX_FRAME bytes, sizes in 'sizes') until 'n_want' or 'timeout_ms'. */
static size_t
port_collect(struct port_io *port, uint8_t *out, size_t *sizes,
             size_t n_want, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    size_t n = 0;

    while (n < n_want && now_ms() < deadline) {
        struct port_io_frame frames[PORT_IO_BURST];
        size_t k = port_io_rx_burst(port, frames, PORT_IO_BURST);
        for (size_t i = 0; i < k && n < n_want; i++) {
            if (frames[i].size < 12 || memcmp(frames[i].data + 6, TEST_SRC, 6)) {
                continue;
            }
            assert_true(frames[i].size <= MAX_FRAME);
            memcpy(out + n * MAX_FRAME, frames[i].data, frames[i].size);
            sizes[n++] = frames[i].size;
        }
        port_io_rx_release(port);
        if (!k) {
            struct pollfd pfd = { .fd = port_io_fd(port), .events = POLLIN };
            poll(&pfd, 1, 5);
        }
    }
    return n;
}

/* ---- port_io ---- */

static void
test_port_open_errors(void **state)
{
    struct port_io *port = (struct port_io *) 1;
    struct port_io_options bad = { .block_size = 1000 };

    assert_int_equal(port_io_open("no-such-if0", NULL, &port), -ENODEV);
    assert_null(port);
    assert_int_equal(port_io_open("lo", &bad, &port), -EINVAL);
    assert_null(port);
    port_io_close(NULL);
}

/* Tagged (VLAN 100, and with priority bits), untagged full-size and
 * minimum frames from the peer arrive byte-exact, tags in the bytes. */
static void
test_port_rx_exact(void **state)
{
    SKIP_UNLESS_ENV();
    struct port_io *port = port_open_in(ns_a, "p0", NULL);
    int peer = peer_open(ns_a, "p1");
    static const struct { size_t size; bool tagged; uint16_t tci; } cases[] = {
        { 64, true, 100 },
        { 1518, true, 100 },
        { 1514, false, 0 },
        { 60, false, 0 },
        { 60, true, 0x6000 | 100 },     /* PCP 3. */
        { 1000, true, 4094 },
    };
    enum { N = ARRAY_SIZE(cases) };
    uint8_t sent[N][MAX_FRAME];
    uint8_t *got = xmalloc(N * MAX_FRAME);
    size_t sizes[N];

    for (size_t i = 0; i < N; i++) {
        make_frame(sent[i], cases[i].size, cases[i].tagged, cases[i].tci,
                   (uint32_t) i);
        peer_send(peer, sent[i], cases[i].size);
    }
    assert_int_equal(port_collect(port, got, sizes, N, 2000), N);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(sizes[i], cases[i].size);
        assert_memory_equal(got + i * MAX_FRAME, sent[i], cases[i].size);
    }
    struct port_io_stats st;
    port_io_get_stats(port, &st);
    assert_true(st.rx_packets >= N);
    assert_int_equal(st.rx_ring_drops, 0);
    free(got);
    close(peer);
    port_io_close(port);
}

/* What tx_burst() sends arrives at the peer byte-exact, in both modes. */
static void
test_port_tx_exact(void **state)
{
    SKIP_UNLESS_ENV();
    for (int mode = 0; mode < 2; mode++) {
        struct port_io_options opts = {
            .tx_mode = mode ? PORT_IO_TX_RING : PORT_IO_TX_SENDMMSG,
        };
        struct port_io *port = port_open_in(ns_a, "p0", &opts);
        int peer = peer_open(ns_a, "p1");
        static const struct { size_t size; bool tagged; } cases[] = {
            { 60, false }, { 1514, false }, { 64, true }, { 1518, true },
        };
        enum { N = ARRAY_SIZE(cases) };
        uint8_t sent[N][MAX_FRAME], got[MAX_FRAME];
        struct port_io_frame frames[N];

        for (size_t i = 0; i < N; i++) {
            make_frame(sent[i], cases[i].size, cases[i].tagged, 100,
                       (uint32_t) i);
            frames[i] = (struct port_io_frame) { sent[i],
                                                 (uint32_t) cases[i].size };
        }
        assert_int_equal(port_io_tx_burst(port, frames, N), N);
        for (size_t i = 0; i < N; i++) {
            size_t size = peer_recv(peer, got, sizeof got, 2000, true);
            assert_int_equal(size, cases[i].size);
            assert_memory_equal(got, sent[i], size);
        }
        /* Our own frames are not seen coming back in. */
        struct port_io_frame in[PORT_IO_BURST];
        usleep(20 * 1000);
        size_t k = port_io_rx_burst(port, in, PORT_IO_BURST);
        for (size_t i = 0; i < k; i++) {
            assert_false(in[i].size >= 12
                         && !memcmp(in[i].data + 6, TEST_SRC, 6));
        }
        port_io_rx_release(port);
        struct port_io_stats st;
        port_io_get_stats(port, &st);
        assert_int_equal(st.tx_packets, N);
        assert_int_equal(st.tx_errors, 0);
        close(peer);
        port_io_close(port);
    }
}

/* 1000 frames below the ring's capacity: none lost, in order. */
static void
test_port_burst_1000(void **state)
{
    SKIP_UNLESS_ENV();
    enum { N = 1000, SIZE = 1000 };
    struct port_io *port = port_open_in(ns_a, "p0", NULL);  /* 4 MiB. */
    int peer = peer_open(ns_a, "p1");
    uint8_t f[MAX_FRAME];
    uint8_t *got = xmalloc((size_t) N * MAX_FRAME);
    size_t *sizes = xmalloc(N * sizeof *sizes);

    for (uint32_t i = 0; i < N; i++) {
        make_frame(f, SIZE, i & 1, 100, i);
        peer_send(peer, f, SIZE);
    }
    assert_int_equal(port_collect(port, got, sizes, N, 3000), N);
    for (uint32_t i = 0; i < N; i++) {
        make_frame(f, SIZE, i & 1, 100, i);
        assert_int_equal(sizes[i], SIZE);
        assert_memory_equal(got + (size_t) i * MAX_FRAME, f, SIZE);
    }
    struct port_io_stats st;
    port_io_get_stats(port, &st);
    assert_int_equal(st.rx_ring_drops, 0);
    free(sizes);
    free(got);
    close(peer);
    port_io_close(port);
}

/* A ring of 4 x 8 KiB overrun by 1000 unread frames: the kernel drops,
 * the ring-drop counter counts every frame that did not arrive. */
static void
test_port_ring_overrun(void **state)
{
    SKIP_UNLESS_ENV();
    enum { N = 1000, SIZE = 1000 };
    struct port_io_options opts = { .block_size = 8192, .n_blocks = 4 };
    struct port_io *port = port_open_in(ns_a, "p0", &opts);
    int peer = peer_open(ns_a, "p1");
    uint8_t f[MAX_FRAME];
    uint8_t *got = xmalloc((size_t) N * MAX_FRAME);
    size_t *sizes = xmalloc(N * sizeof *sizes);

    for (uint32_t i = 0; i < N; i++) {
        make_frame(f, SIZE, false, 0, i);
        peer_send(peer, f, SIZE);
    }
    size_t n = port_collect(port, got, sizes, N, 300);
    struct port_io_stats st;
    port_io_get_stats(port, &st);
    print_message("ring overrun: %zu received, %llu ring drops\n", n,
                  (unsigned long long) st.rx_ring_drops);
    assert_true(n > 0 && n < 100);
    assert_int_equal(n + st.rx_ring_drops, N);
    /* What did arrive is the first frames, intact. */
    for (uint32_t i = 0; i < n; i++) {
        make_frame(f, SIZE, false, 0, i);
        assert_memory_equal(got + (size_t) i * MAX_FRAME, f, SIZE);
    }
    free(sizes);
    free(got);
    close(peer);
    port_io_close(port);
}

/* is_up() follows the carrier: down when the peer end is down. */
static void
test_port_is_up(void **state)
{
    SKIP_UNLESS_ENV();
    struct port_io *port = port_open_in(ns_a, "p0", NULL);
    long long deadline = now_ms() + 2000;

    while (!port_io_is_up(port) && now_ms() < deadline) {
        usleep(10 * 1000);
    }
    assert_true(port_io_is_up(port));
    RUN_OK("ip -n %s link set p1 down", ns_a);
    deadline = now_ms() + 2000;
    while (port_io_is_up(port) && now_ms() < deadline) {
        usleep(10 * 1000);
    }
    assert_false(port_io_is_up(port));
    RUN_OK("ip -n %s link set p1 up", ns_a);
    deadline = now_ms() + 2000;
    while (!port_io_is_up(port) && now_ms() < deadline) {
        usleep(10 * 1000);
    }
    assert_true(port_io_is_up(port));
    RUN_OK("ip -n %s link set p0 down", ns_a);
    assert_false(port_io_is_up(port));
    port_io_close(port);
}

/* A UDP datagram sent by the stack of the peer leaves with a partial
 * checksum (veth offloads it): port_io completes it. */
static void
test_port_partial_csum(void **state)
{
    SKIP_UNLESS_ENV();
    struct port_io *port = port_open_in(ns_a, "p0", NULL);
    RUN_OK("ip -n %s addr add 10.77.0.2/24 dev p1 && ip -n %s neigh add "
           "10.77.0.1 lladdr 02:53:49:4f:00:02 dev p1", ns_a, ns_a);
    ns_enter(ns_a);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ns_leave();
    assert_true(s >= 0);
    struct sockaddr_in dst = {
        .sin_family = AF_INET, .sin_port = htons(9999),
        .sin_addr.s_addr = htonl(0x0a4d0001),
    };
    char msg[300];
    memset(msg, 'x', sizeof msg);
    assert_int_equal(sendto(s, msg, sizeof msg, 0, (struct sockaddr *) &dst,
                            sizeof dst), (ssize_t) sizeof msg);

    long long deadline = now_ms() + 2000;
    bool found = false;
    while (!found && now_ms() < deadline) {
        struct port_io_frame fr[PORT_IO_BURST];
        size_t k = port_io_rx_burst(port, fr, PORT_IO_BURST);
        for (size_t i = 0; i < k; i++) {
            const uint8_t *p = fr[i].data;
            if (fr[i].size < 42 + sizeof msg
                || pkt_get_be16(p + 12) != ETH_TYPE_IPV4 || p[23] != 17
                || pkt_get_be16(p + 36) != 9999) {
                continue;
            }
            /* Verify: the one's complement sum over pseudo header and
             * UDP must be 0xffff. */
            uint32_t sum = 0;
            for (int j = 26; j < 34; j += 2) {
                sum += pkt_get_be16(p + j);
            }
            sum += 17 + pkt_get_be16(p + 38);
            for (size_t j = 34; j + 1 < 34 + 8 + sizeof msg; j += 2) {
                sum += pkt_get_be16(p + j);
            }
            while (sum >> 16) {
                sum = (sum & 0xffff) + (sum >> 16);
            }
            assert_int_equal(sum, 0xffff);
            found = true;
        }
        port_io_rx_release(port);
        usleep(2000);
    }
    assert_true(found);
    struct port_io_stats st;
    port_io_get_stats(port, &st);
    print_message("partial checksums completed: %llu\n",
                  (unsigned long long) st.rx_csum_fixed);
    close(s);
    port_io_close(port);
}

/* Which TX method is faster on veth: frames per second through each. */
static void
test_port_tx_rate(void **state)
{
    SKIP_UNLESS_ENV();
    enum { N = 200000, SIZE = 64 };
    uint8_t buf[PORT_IO_BURST][SIZE];
    struct port_io_frame frames[PORT_IO_BURST];
    double pps[2];

    for (int i = 0; i < PORT_IO_BURST; i++) {
        make_frame(buf[i], SIZE, false, 0, (uint32_t) i);
        frames[i] = (struct port_io_frame) { buf[i], SIZE };
    }
    for (int mode = 0; mode < 2; mode++) {
        struct port_io_options opts = {
            .tx_mode = mode ? PORT_IO_TX_RING : PORT_IO_TX_SENDMMSG,
        };
        struct port_io *port = port_open_in(ns_a, "p0", &opts);
        long long t0 = now_ms();
        size_t sent = 0;
        while (sent < N) {
            size_t k = port_io_tx_burst(port, frames, PORT_IO_BURST);
            if (!k) {
                struct pollfd pfd = { .fd = port_io_fd(port),
                                      .events = POLLOUT };
                poll(&pfd, 1, 1);
            }
            sent += k;
        }
        long long ms = now_ms() - t0;
        pps[mode] = sent * 1000.0 / (double) (ms ? ms : 1);
        struct port_io_stats st;
        port_io_get_stats(port, &st);
        assert_int_equal(st.tx_errors, 0);
        port_io_close(port);
    }
    print_message("tx %d x %d-byte frames on veth: sendmmsg %.0f pps, "
                  "TPACKET_V2 ring %.0f pps\n", N, SIZE, pps[0], pps[1]);
}

/* ---- vxlan_io ---- */

static struct vxlan_io *
vxlan_open_in(const char *ns, const char *local, uint16_t port, bool routed_only)
{
    struct vxlan_io_options opts = {
        .port = port, .df = true, .routed_only = routed_only,
    };
    struct vxlan_io *vx;

    inet_pton(AF_INET, local, &opts.local_ip);
    ns_enter(ns);
    int err = vxlan_io_open(&opts, &vx);
    ns_leave();
    assert_int_equal(err, 0);
    return vx;
}

/* Reads frames from 'fd' (the underlay, b0) into 'got' until an IPv4/UDP
 * one, skipping ARP; checks its IPv4 header checksum and returns a pointer
 * to its IPv4 header. */
static const uint8_t *
recv_outer(int fd, uint8_t *got, size_t cap)
{
    for (;;) {
        size_t size = peer_recv(fd, got, cap, 3000, false);
        assert_true(size > 0);
        if (size < 50 || pkt_get_be16(got + 12) != ETH_TYPE_IPV4
            || got[23] != 17) {
            continue;                   /* ARP. */
        }
        const uint8_t *ip = got + 14;
        uint32_t sum = 0;
        for (int j = 0; j < 20; j += 2) {
            sum += pkt_get_be16(ip + j);
        }
        while (sum >> 16) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        assert_int_equal(sum, 0xffff);
        return ip;
    }
}

static void
test_vxlan_open_errors(void **state)
{
    SKIP_UNLESS_ENV();
    struct vxlan_io *vx = vxlan_open_in(ns_a, "10.99.0.1", 4789, false);
    struct vxlan_io_options opts = { .port = 4789 };
    struct vxlan_io *vx2 = (struct vxlan_io *) 1;

    inet_pton(AF_INET, "10.99.0.1", &opts.local_ip);
    ns_enter(ns_a);
    int err = vxlan_io_open(&opts, &vx2);
    ns_leave();
    assert_int_equal(err, -EADDRINUSE);
    assert_null(vx2);
    vxlan_io_close(vx);
    vxlan_io_close(NULL);
}

/* Our packets reach the kernel vxlan device: the inner frames appear on
 * vx0 byte-exact; the outer headers (read on b0) carry our UDP source
 * ports, TTL 64, DF, a valid IPv4 checksum and UDP checksum 0. */
static void
test_vxlan_tx_to_kernel(void **state)
{
    SKIP_UNLESS_ENV();
    struct vxlan_io *vx = vxlan_open_in(ns_a, "10.99.0.1", 4789, false);
    int on_vx0 = peer_open(ns_b, "vx0");
    int on_b0 = peer_open(ns_b, "b0");
    static const size_t sizes[] = { 60, 1514, 64, 200 };
    enum { N = ARRAY_SIZE(sizes) };
    static uint8_t bufs[N][VXLAN_IO_TX_HEADROOM + 8 + MAX_FRAME];
    struct vxlan_io_tx pkts[N];
    struct in_addr remote;

    inet_pton(AF_INET, "10.99.0.2", &remote);
    for (size_t i = 0; i < N; i++) {
        uint8_t *p = bufs[i] + VXLAN_IO_TX_HEADROOM;
        vxlan_put_header(p, 5000);
        make_frame(p + 8, sizes[i], i == 2, 100, (uint32_t) i);
        pkts[i] = (struct vxlan_io_tx) {
            .data = p, .size = (uint32_t) (8 + sizes[i]), .dst = remote,
            .src_port = (uint16_t) (50001 + i),
        };
    }
    assert_int_equal(vxlan_io_tx_burst(vx, pkts, N), N);

    uint8_t got[2048];
    for (size_t i = 0; i < N; i++) {
        size_t size = peer_recv(on_vx0, got, sizeof got, 3000, true);
        assert_int_equal(size, sizes[i]);
        assert_memory_equal(got, bufs[i] + VXLAN_IO_TX_HEADROOM + 8, size);
    }
    for (size_t i = 0; i < N; i++) {
        const uint8_t *ip = recv_outer(on_b0, got, sizeof got), *udp = ip + 20;
        assert_int_equal(ip[8], 64);
        assert_int_equal(pkt_get_be16(ip + 6) & 0x4000, 0x4000);
        assert_int_equal(pkt_get_be16(udp), 50001 + i);
        assert_int_equal(pkt_get_be16(udp + 2), 4789);
        assert_int_equal(pkt_get_be16(udp + 4), 8 + 8 + sizes[i]);
        assert_int_equal(pkt_get_be16(udp + 6), 0);
    }
    struct vxlan_io_stats st;
    vxlan_io_get_stats(vx, &st);
    assert_int_equal(st.tx_packets, N);
    assert_int_equal(st.tx_errors, 0);

    /* Too big for the 1600-byte underlay: refused, counted, skipped. */
    static uint8_t big[VXLAN_IO_TX_HEADROOM + 2000];
    struct vxlan_io_tx two[2] = {
        { .data = big + VXLAN_IO_TX_HEADROOM, .size = 1700, .dst = remote,
          .src_port = 50000 },
        pkts[0],
    };
    vxlan_put_header(big + VXLAN_IO_TX_HEADROOM, 5000);
    assert_int_equal(vxlan_io_tx_burst(vx, two, 2), 1);
    vxlan_io_get_stats(vx, &st);
    assert_int_equal(st.tx_errors, 1);
    assert_int_equal(st.tx_packets, N + 1);
    assert_int_equal(peer_recv(on_vx0, got, sizeof got, 3000, true), 60);

    close(on_vx0);
    close(on_b0);
    vxlan_io_close(vx);
}

/* The MAC of 'dev' in namespace 'ns', from sysfs as seen inside it. */
static void
read_mac(const char *ns, const char *dev, uint8_t mac[6])
{
    char cmd[160], line[64];
    unsigned int m[6];

    snprintf(cmd, sizeof cmd, "ip netns exec %s cat /sys/class/net/%s/address",
             ns, dev);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    pclose(f);
    assert_int_equal(sscanf(line, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2],
                            &m[3], &m[4], &m[5]), 6);
    for (int i = 0; i < 6; i++) {
        mac[i] = (uint8_t) m[i];
    }
}

/* The next hop as the kernel gives it: on link (the neighbour's MAC once
 * ARP has run), through a gateway, local, and unroutable. */
static void
test_nexthop_resolve(void **state)
{
    SKIP_UNLESS_ENV();
    struct vtep_nexthop_resolver *r;
    struct vtep_nexthop nh;
    struct in_addr any = { 0 }, local, peer, far, none, lo;
    uint8_t a0_mac[6], b0_mac[6];

    inet_pton(AF_INET, "10.99.0.1", &local);
    inet_pton(AF_INET, "10.99.0.2", &peer);
    inet_pton(AF_INET, "10.98.0.5", &far);
    inet_pton(AF_INET, "10.200.0.1", &none);
    inet_pton(AF_INET, "127.0.0.1", &lo);
    read_mac(ns_a, "a0", a0_mac);
    read_mac(ns_b, "b0", b0_mac);
    RUN_OK("ip -n %s route add 10.98.0.0/24 via 10.99.0.2", ns_a);
    ns_enter(ns_a);
    int err = vtep_nexthop_resolver_open(&r);
    ns_leave();
    assert_int_equal(err, 0);

    /* No ARP yet: known interface, unresolved neighbour. */
    assert_int_equal(vtep_nexthop_resolve(r, peer, local, &nh), 0);
    assert_int_equal(nh.state, VTEP_NEXTHOP_UNRESOLVED);
    assert_int_equal(nh.ifindex > 0, true);
    assert_memory_equal(nh.src_mac, a0_mac, 6);
    assert_int_equal(nh.mtu, 1600);
    assert_int_equal(nh.gateway.s_addr, 0);

    RUN_OK("ip netns exec %s ping -c1 -W2 10.99.0.2 >/dev/null", ns_a);
    assert_int_equal(vtep_nexthop_resolve(r, peer, any, &nh), 0);
    assert_int_equal(nh.state, VTEP_NEXTHOP_REACHABLE);
    assert_memory_equal(nh.dst_mac, b0_mac, 6);
    assert_int_equal(nh.src_ip.s_addr, local.s_addr);

    /* Through the gateway: its MAC, not the destination's. */
    assert_int_equal(vtep_nexthop_resolve(r, far, local, &nh), 0);
    assert_int_equal(nh.state, VTEP_NEXTHOP_REACHABLE);
    assert_int_equal(nh.gateway.s_addr, peer.s_addr);
    assert_memory_equal(nh.dst_mac, b0_mac, 6);

    /* A STALE entry is usable, but reported as such. */
    RUN_OK("ip -n %s neigh change 10.99.0.2 lladdr %02x:%02x:%02x:%02x:%02x:%02x "
           "nud stale dev a0", ns_a, b0_mac[0], b0_mac[1], b0_mac[2], b0_mac[3],
           b0_mac[4], b0_mac[5]);
    assert_int_equal(vtep_nexthop_resolve(r, peer, local, &nh), 0);
    assert_int_equal(nh.state, VTEP_NEXTHOP_STALE);
    assert_memory_equal(nh.dst_mac, b0_mac, 6);

    /* Local, loopback and unroutable: for the kernel to handle. */
    assert_int_equal(vtep_nexthop_resolve(r, local, any, &nh), 0);
    assert_int_equal(nh.state, VTEP_NEXTHOP_ROUTED);
    assert_int_equal(vtep_nexthop_resolve(r, lo, any, &nh), 0);
    assert_int_equal(nh.state, VTEP_NEXTHOP_ROUTED);
    assert_int_equal(vtep_nexthop_resolve(r, none, local, &nh), 0);
    assert_int_equal(nh.state, VTEP_NEXTHOP_ROUTED);
    vtep_nexthop_resolver_close(r);
    vtep_nexthop_resolver_close(NULL);
}

/* Sends the 'n' 64-byte inner frames numbered from 'seq' to 'dst' with
 * 'vx' and checks that they come out of the kernel's vx0 byte-exact; the
 * Ethernet headers seen on b0 go from 'src_mac' to 'dst_mac' when given. */
static void
vxlan_send_and_check(struct vxlan_io *vx, const char *dst, size_t n,
                     uint32_t seq, int on_vx0, int on_b0,
                     const uint8_t *src_mac, const uint8_t *dst_mac)
{
    static uint8_t bufs[8][VXLAN_IO_TX_HEADROOM + 8 + 64];
    struct vxlan_io_tx pkts[8];
    struct in_addr remote;
    uint8_t got[2048];

    assert_true(n <= 8);
    inet_pton(AF_INET, dst, &remote);
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = bufs[i] + VXLAN_IO_TX_HEADROOM;
        vxlan_put_header(p, 5000);
        make_frame(p + 8, 64, false, 0, seq + (uint32_t) i);
        pkts[i] = (struct vxlan_io_tx) {
            .data = p, .size = 8 + 64, .dst = remote,
            .src_port = (uint16_t) (50001 + i),
        };
    }
    assert_int_equal(vxlan_io_tx_burst(vx, pkts, n), n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(peer_recv(on_vx0, got, sizeof got, 3000, true), 64);
        assert_memory_equal(got, bufs[i] + VXLAN_IO_TX_HEADROOM + 8, 64);
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *ip = recv_outer(on_b0, got, sizeof got);
        if (dst_mac) {
            assert_memory_equal(got, dst_mac, 6);
            assert_memory_equal(got + 6, src_mac, 6);
        }
        assert_memory_equal(ip + 12, "\x0a\x63\x00\x01", 4);
        assert_int_equal(pkt_get_be16(ip + 20), 50001 + i);
    }
}

/* Once the kernel knows the neighbour, packets go direct (AF_PACKET) with
 * the right Ethernet header and arrive as before; with 'routed_only' they
 * all go through the kernel's routing; a remote VTEP behind a gateway is
 * reached through the gateway's MAC. */
static void
test_vxlan_tx_direct(void **state)
{
    SKIP_UNLESS_ENV();
    struct vxlan_io *vx = vxlan_open_in(ns_a, "10.99.0.1", 4789, false);
    int on_vx0 = peer_open(ns_b, "vx0");
    int on_b0 = peer_open(ns_b, "b0");
    uint8_t a0_mac[6], b0_mac[6];
    struct vxlan_io_stats st;

    read_mac(ns_a, "a0", a0_mac);
    read_mac(ns_b, "b0", b0_mac);
    /* First packet: no neighbour yet, so routed (the kernel ARPs). */
    vxlan_send_and_check(vx, "10.99.0.2", 1, 0, on_vx0, on_b0, NULL, NULL);
    vxlan_io_get_stats(vx, &st);
    assert_int_equal(st.tx_direct, 0);
    assert_int_equal(st.nexthop_lookups, 1);

    /* After the 100 ms an unresolved entry lives: direct. */
    usleep(150 * 1000);
    vxlan_send_and_check(vx, "10.99.0.2", 6, 1, on_vx0, on_b0, a0_mac, b0_mac);
    vxlan_io_get_stats(vx, &st);
    assert_int_equal(st.tx_packets, 7);
    assert_int_equal(st.tx_direct, 6);
    assert_int_equal(st.nexthop_lookups, 2);
    assert_int_equal(st.tx_errors + st.tx_drops + st.nexthop_errors, 0);

    /* Behind a gateway (B's own 10.98.0.5, routed in A via 10.99.0.2). */
    RUN_OK("ip -n %s addr add 10.98.0.5/32 dev lo", ns_b);
    RUN_OK("ip -n %s route add 10.98.0.0/24 via 10.99.0.2", ns_a);
    vxlan_send_and_check(vx, "10.98.0.5", 3, 7, on_vx0, on_b0, a0_mac, b0_mac);
    vxlan_io_get_stats(vx, &st);
    assert_int_equal(st.tx_direct, 9);

    /* 5,000 unroutable VTEPs, 8 look-ups per burst: the cache fills (4,096),
     * starts again, and every packet is refused by the kernel (routed). */
    static uint8_t one[VXLAN_IO_TX_HEADROOM + 8 + 64];
    vxlan_put_header(one + VXLAN_IO_TX_HEADROOM, 5000);
    uint64_t lookups = st.nexthop_lookups, errors = st.tx_errors;
    for (uint32_t i = 0; i < 5000; i++) {
        struct vxlan_io_tx t = {
            .data = one + VXLAN_IO_TX_HEADROOM, .size = 8 + 64,
            .dst.s_addr = htonl(0x0ac80000 + i), .src_port = 50000,
        };
        assert_int_equal(vxlan_io_tx_burst(vx, &t, 1), 0);
    }
    vxlan_io_get_stats(vx, &st);
    assert_int_equal(st.nexthop_lookups - lookups, 5000);
    assert_int_equal(st.tx_errors - errors, 5000);
    assert_int_equal(st.nexthop_errors, 0);
    /* The known VTEP is looked up again after the reset, and goes direct. */
    vxlan_send_and_check(vx, "10.99.0.2", 2, 20, on_vx0, on_b0, a0_mac, b0_mac);
    vxlan_io_get_stats(vx, &st);
    assert_int_equal(st.tx_direct, 11);
    vxlan_io_close(vx);

    /* Routed only: the same packets, none direct. */
    vx = vxlan_open_in(ns_a, "10.99.0.1", 4789, true);
    vxlan_send_and_check(vx, "10.99.0.2", 4, 10, on_vx0, on_b0, a0_mac, b0_mac);
    vxlan_io_get_stats(vx, &st);
    assert_int_equal(st.tx_packets, 4);
    assert_int_equal(st.tx_direct + st.nexthop_lookups, 0);
    close(on_vx0);
    close(on_b0);
    vxlan_io_close(vx);
}

/* Frames the kernel vxlan device sends (written to vx0) come out of
 * rx_burst() with VNI 5000, the sender's address and the inner frame. */
static void
test_vxlan_rx_from_kernel(void **state)
{
    SKIP_UNLESS_ENV();
    struct vxlan_io *vx = vxlan_open_in(ns_a, "10.99.0.1", 4789, false);
    int on_vx0 = peer_open(ns_b, "vx0");
    static const size_t sizes[] = { 60, 1514, 64 };
    enum { N = ARRAY_SIZE(sizes) };
    uint8_t sent[N][MAX_FRAME];

    for (size_t i = 0; i < N; i++) {
        make_frame(sent[i], sizes[i], i == 2, 100, (uint32_t) i);
        peer_send(on_vx0, sent[i], sizes[i]);
    }
    size_t n = 0;
    long long deadline = now_ms() + 3000;
    while (n < N && now_ms() < deadline) {
        struct vxlan_io_rx pkts[VXLAN_IO_BURST];
        size_t k = vxlan_io_rx_burst(vx, pkts, VXLAN_IO_BURST);
        for (size_t i = 0; i < k; i++) {
            uint32_t vni;
            char src[INET_ADDRSTRLEN];
            assert_true(pkts[i].size >= 8);
            assert_true(vxlan_get_header(pkts[i].data, &vni));
            assert_int_equal(vni, 5000);
            inet_ntop(AF_INET, &pkts[i].src, src, sizeof src);
            assert_string_equal(src, "10.99.0.2");
            if (pkts[i].size - 8 < 12
                || memcmp(pkts[i].data + 8 + 6, TEST_SRC, 6)) {
                continue;
            }
            assert_true(n < N);
            assert_int_equal(pkts[i].size - 8, sizes[n]);
            assert_memory_equal(pkts[i].data + 8, sent[n], sizes[n]);
            n++;
        }
        if (!k) {
            struct pollfd pfd = { .fd = vxlan_io_fd(vx), .events = POLLIN };
            poll(&pfd, 1, 10);
        }
    }
    assert_int_equal(n, N);
    close(on_vx0);
    vxlan_io_close(vx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_open_errors),
        cmocka_unit_test_setup_teardown(test_port_rx_exact, setup_port,
                                        teardown_ns),
        cmocka_unit_test_setup_teardown(test_port_tx_exact, setup_port,
                                        teardown_ns),
        cmocka_unit_test_setup_teardown(test_port_burst_1000, setup_port,
                                        teardown_ns),
        cmocka_unit_test_setup_teardown(test_port_ring_overrun, setup_port,
                                        teardown_ns),
        cmocka_unit_test_setup_teardown(test_port_is_up, setup_port,
                                        teardown_ns),
        cmocka_unit_test_setup_teardown(test_port_partial_csum, setup_port,
                                        teardown_ns),
        cmocka_unit_test_setup_teardown(test_port_tx_rate, setup_port,
                                        teardown_ns),
        cmocka_unit_test_setup_teardown(test_vxlan_open_errors, setup_vxlan,
                                        teardown_ns),
        cmocka_unit_test_setup_teardown(test_vxlan_tx_to_kernel, setup_vxlan,
                                        teardown_ns),
        cmocka_unit_test_setup_teardown(test_vxlan_rx_from_kernel,
                                        setup_vxlan, teardown_ns),
        cmocka_unit_test_setup_teardown(test_nexthop_resolve, setup_vxlan,
                                        teardown_ns),
        cmocka_unit_test_setup_teardown(test_vxlan_tx_direct, setup_vxlan,
                                        teardown_ns),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
