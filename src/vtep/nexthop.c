/* nexthop: the next hop to a remote VTEP from rtnetlink (see nexthop.h). */
#include "vtep/nexthop.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

/* Room for one reply: a link message without statistics is a few KiB. */
#define NEXTHOP_BUF_SIZE 32768
#define NEXTHOP_TIMEOUT_US 200000       /* No answer in 200 ms: an error. */

struct vtep_nexthop_resolver {
    struct mnl_socket *nl;
    uint32_t portid;
    uint32_t seq;
    uint8_t buf[NEXTHOP_BUF_SIZE];
};

int
vtep_nexthop_resolver_open(struct vtep_nexthop_resolver **rp)
{
    struct vtep_nexthop_resolver *r = xzalloc(sizeof *r);
    int err;

    *rp = NULL;
    r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!r->nl) {
        err = -errno;
        goto out_free;
    }
    if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        err = -errno;
        goto out_close;
    }
    struct timeval tv = { 0, NEXTHOP_TIMEOUT_US };
    (void) setsockopt(mnl_socket_get_fd(r->nl), SOL_SOCKET, SO_RCVTIMEO,
                      &tv, sizeof tv);
    int one = 1;
    /* Errors come back with only the header of our request. */
    (void) mnl_socket_setsockopt(r->nl, NETLINK_CAP_ACK, &one, sizeof one);
    r->portid = mnl_socket_get_portid(r->nl);
    r->seq = 1;
    *rp = r;
    return 0;

out_close:
    mnl_socket_close(r->nl);
out_free:
    free(r);
    return err;
}

void
vtep_nexthop_resolver_close(struct vtep_nexthop_resolver *r)
{
    if (r) {
        mnl_socket_close(r->nl);
        free(r);
    }
}

/* Sends the request 'nlh' (built in r->buf) and runs 'cb' on each message
 * of the answer up to the kernel's acknowledgement.  Returns 0 or -errno
 * (the kernel's error for the request, e.g. -ENOENT, -ENETUNREACH). */
static int
nexthop_request(struct vtep_nexthop_resolver *r, struct nlmsghdr *nlh,
                mnl_cb_t cb, void *data)
{
    uint32_t seq = nlh->nlmsg_seq = r->seq++;
    int fd = mnl_socket_get_fd(r->nl);
    uint8_t junk[256];

    /* Drop what an earlier request left behind (one that timed out). */
    while (recv(fd, junk, sizeof junk, MSG_DONTWAIT) >= 0) {
        continue;
    }
    if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0) {
        return -errno;
    }
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(r->nl, r->buf, sizeof r->buf);
        if (n < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
        }
        int ret = mnl_cb_run(r->buf, (size_t) n, seq, r->portid, cb, data);
        if (ret < 0) {
            return errno ? -errno : -EPROTO;
        }
        if (ret == MNL_CB_STOP) {
            return 0;
        }
    }
}

static struct nlmsghdr *
nexthop_put_header(struct vtep_nexthop_resolver *r, uint16_t type)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    return nlh;
}

/* RTM_NEWROUTE answer: type, output interface, gateway, source. */
struct route_reply {
    bool seen;
    uint8_t type;
    uint32_t oif;
    uint32_t gateway, prefsrc;          /* Network order. */
};

static int
route_attr_cb(const struct nlattr *attr, void *data)
{
    struct route_reply *rr = data;
    uint16_t type = mnl_attr_get_type(attr);

    if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0) {
        return MNL_CB_OK;               /* Not one of ours. */
    }
    if (type == RTA_OIF) {
        rr->oif = mnl_attr_get_u32(attr);
    } else if (type == RTA_GATEWAY) {
        rr->gateway = mnl_attr_get_u32(attr);
    } else if (type == RTA_PREFSRC) {
        rr->prefsrc = mnl_attr_get_u32(attr);
    }
    return MNL_CB_OK;
}

static int
route_cb(const struct nlmsghdr *nlh, void *data)
{
    struct route_reply *rr = data;
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

    if (nlh->nlmsg_type != RTM_NEWROUTE
        || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof *rtm) {
        return MNL_CB_OK;
    }
    rr->seen = true;
    rr->type = rtm->rtm_type;
    return mnl_attr_parse(nlh, sizeof *rtm, route_attr_cb, rr);
}

/* RTM_NEWLINK answer: link type and address. */
struct link_reply {
    bool seen;
    uint16_t type;
    bool has_mac;
    uint8_t mac[6];
    uint32_t mtu;
};

static int
link_attr_cb(const struct nlattr *attr, void *data)
{
    struct link_reply *lr = data;

    if (mnl_attr_get_type(attr) == IFLA_ADDRESS
        && mnl_attr_get_payload_len(attr) == 6) {
        memcpy(lr->mac, mnl_attr_get_payload(attr), 6);
        lr->has_mac = true;
    } else if (mnl_attr_get_type(attr) == IFLA_MTU
               && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) {
        lr->mtu = mnl_attr_get_u32(attr);
    }
    return MNL_CB_OK;
}

static int
link_cb(const struct nlmsghdr *nlh, void *data)
{
    struct link_reply *lr = data;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

    if (nlh->nlmsg_type != RTM_NEWLINK
        || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof *ifi) {
        return MNL_CB_OK;
    }
    lr->seen = true;
    lr->type = ifi->ifi_type;
    return mnl_attr_parse(nlh, sizeof *ifi, link_attr_cb, lr);
}

/* RTM_NEWNEIGH answer: NUD state and link-layer address. */
struct neigh_reply {
    bool seen;
    uint16_t state;
    bool has_mac;
    uint8_t mac[6];
};

static int
neigh_attr_cb(const struct nlattr *attr, void *data)
{
    struct neigh_reply *nr = data;

    if (mnl_attr_get_type(attr) == NDA_LLADDR
        && mnl_attr_get_payload_len(attr) == 6) {
        memcpy(nr->mac, mnl_attr_get_payload(attr), 6);
        nr->has_mac = true;
    }
    return MNL_CB_OK;
}

static int
neigh_cb(const struct nlmsghdr *nlh, void *data)
{
    struct neigh_reply *nr = data;
    const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

    if (nlh->nlmsg_type != RTM_NEWNEIGH
        || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof *ndm) {
        return MNL_CB_OK;
    }
    nr->seen = true;
    nr->state = ndm->ndm_state;
    return mnl_attr_parse(nlh, sizeof *ndm, neigh_attr_cb, nr);
}

int
vtep_nexthop_resolve(struct vtep_nexthop_resolver *r, struct in_addr dst,
                     struct in_addr src, struct vtep_nexthop *nh)
{
    struct nlmsghdr *nlh;
    int err;

    memset(nh, 0, sizeof *nh);
    nh->state = VTEP_NEXTHOP_ROUTED;

    /* 1. The route, as an output lookup from 'src' to 'dst'. */
    nlh = nexthop_put_header(r, RTM_GETROUTE);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = 32;
    mnl_attr_put_u32(nlh, RTA_DST, dst.s_addr);
    if (src.s_addr) {
        rtm->rtm_src_len = 32;
        mnl_attr_put_u32(nlh, RTA_SRC, src.s_addr);
    }
    struct route_reply rr = { .seen = false };
    err = nexthop_request(r, nlh, route_cb, &rr);
    if (err == -ENETUNREACH || err == -EHOSTUNREACH || err == -EINVAL) {
        return 0;                       /* No usable route: ROUTED. */
    }
    if (err || !rr.seen) {
        return err ? err : -EPROTO;
    }
    if (rr.type != RTN_UNICAST || !rr.oif) {
        return 0;
    }
    nh->ifindex = (int) rr.oif;
    nh->gateway.s_addr = rr.gateway;
    nh->src_ip.s_addr = rr.prefsrc;

    /* 2. The output interface: Ethernet, and its MAC. */
    nlh = nexthop_put_header(r, RTM_GETLINK);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = (int) rr.oif;
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    struct link_reply lr = { .seen = false };
    err = nexthop_request(r, nlh, link_cb, &lr);
    if (err || !lr.seen) {
        return err ? err : -EPROTO;
    }
    if (lr.type != ARPHRD_ETHER || !lr.has_mac) {
        return 0;
    }
    memcpy(nh->src_mac, lr.mac, 6);
    nh->mtu = lr.mtu;

    /* 3. The neighbour: the gateway, else the destination itself. */
    nlh = nexthop_put_header(r, RTM_GETNEIGH);
    struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof *ndm);
    ndm->ndm_family = AF_INET;
    ndm->ndm_ifindex = (int) rr.oif;
    mnl_attr_put_u32(nlh, NDA_DST, rr.gateway ? rr.gateway : dst.s_addr);
    struct neigh_reply nr = { .seen = false };
    err = nexthop_request(r, nlh, neigh_cb, &nr);
    nh->state = VTEP_NEXTHOP_UNRESOLVED;
    if (err == -ENOENT) {
        return 0;
    }
    if (err || !nr.seen) {
        nh->state = VTEP_NEXTHOP_ROUTED;
        return err ? err : -EPROTO;
    }
    if (!nr.has_mac) {
        return 0;
    }
    if (nr.state & (NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP)) {
        nh->state = VTEP_NEXTHOP_REACHABLE;
    } else if (nr.state & (NUD_STALE | NUD_DELAY | NUD_PROBE)) {
        nh->state = VTEP_NEXTHOP_STALE;
    } else {
        return 0;                       /* INCOMPLETE, FAILED, NONE. */
    }
    memcpy(nh->dst_mac, nr.mac, 6);
    return 0;
}

const char *
vtep_nexthop_state_to_string(enum vtep_nexthop_state state)
{
    switch (state) {
    case VTEP_NEXTHOP_REACHABLE: return "reachable";
    case VTEP_NEXTHOP_STALE: return "stale";
    case VTEP_NEXTHOP_UNRESOLVED: return "unresolved";
    case VTEP_NEXTHOP_ROUTED: return "routed";
    }
    return "?";
}
