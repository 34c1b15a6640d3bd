/* nic_nl: rtnetlink (libmnl) and ethtool work of seam-sriov-nic (see
 * netlink.h).  rtnetlink(7), veth(4), Documentation/networking/ethtool. */
#include "nic/netlink.h"

#include <dirent.h>
#include <errno.h>
#include <net/if_arp.h>
#include <sched.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/net_namespace.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

LOG_MODULE(nic_nl);

struct nic_nl {
    struct mnl_socket *req;             /* Requests. */
    struct mnl_socket *mon;             /* RTMGRP_LINK events. */
    unsigned int req_portid;
    unsigned int seq;
};

struct nic_nl *
nic_nl_create(void)
{
    struct nic_nl *nl = xzalloc(sizeof *nl);
    nl->req = mnl_socket_open(NETLINK_ROUTE);
    nl->mon = mnl_socket_open(NETLINK_ROUTE);
    if (!nl->req || !nl->mon
        || mnl_socket_bind(nl->req, 0, MNL_SOCKET_AUTOPID) < 0
        || mnl_socket_bind(nl->mon, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
        log_err("rtnetlink: cannot open a socket: %s", strerror(errno));
        nic_nl_destroy(nl);
        return NULL;
    }
    int fl = fcntl(mnl_socket_get_fd(nl->mon), F_GETFL);
    (void) fcntl(mnl_socket_get_fd(nl->mon), F_SETFL, fl | O_NONBLOCK);
    nl->req_portid = mnl_socket_get_portid(nl->req);
    nl->seq = (unsigned int) time(NULL);
    return nl;
}

void
nic_nl_destroy(struct nic_nl *nl)
{
    if (nl) {
        if (nl->req) {
            mnl_socket_close(nl->req);
        }
        if (nl->mon) {
            mnl_socket_close(nl->mon);
        }
        free(nl);
    }
}

/* Sends 'nlh' and reads the answer, calling 'cb' on data messages (may be
 * NULL).  Returns 0 or -errno (the kernel's ack error). */
static int
nl_talk(struct nic_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    nlh->nlmsg_seq = ++nl->seq;
    nlh->nlmsg_flags |= NLM_F_ACK;
    if (mnl_socket_sendto(nl->req, nlh, nlh->nlmsg_len) < 0) {
        return -errno;
    }
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->req, buf, sizeof buf);
        if (n < 0) {
            return -errno;
        }
        int r = mnl_cb_run(buf, (size_t) n, nl->seq, nl->req_portid, cb,
                           data);
        if (r < 0) {
            return -errno;
        }
        if (r == MNL_CB_STOP) {
            return 0;
        }
    }
}

static struct nlmsghdr *
link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    return nlh;
}

int
nic_nl_veth_create(struct nic_nl *nl, const char *name, const char *peer)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK,
                                    NLM_F_CREATE | NLM_F_EXCL, 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    struct nlattr *pinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof *pifi);
    pifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
    mnl_attr_nest_end(nlh, pinfo);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
    return nl_talk(nl, nlh, NULL, NULL);
}

int
nic_nl_link_del(struct nic_nl *nl, const char *name)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nl_talk(nl, nlh, NULL, NULL);
}

static int
link_attr_cb(const struct nlattr *attr, void *data)
{
    const struct nlattr **tb = data;
    int type = mnl_attr_get_type(attr);
    if (mnl_attr_type_valid(attr, IFLA_MAX) >= 0) {
        tb[type] = attr;
    }
    return MNL_CB_OK;
}

static int
link_get_cb(const struct nlmsghdr *nlh, void *data)
{
    struct nic_nl_link *link = data;
    const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    mnl_attr_parse(nlh, sizeof *ifi, link_attr_cb, tb);
    link->ifindex = ifi->ifi_index;
    link->flags = ifi->ifi_flags;
    if (tb[IFLA_LINK] && mnl_attr_get_payload_len(tb[IFLA_LINK]) >= 4) {
        link->peer_ifindex = (int) mnl_attr_get_u32(tb[IFLA_LINK]);
    }
    if (tb[IFLA_LINK_NETNSID]
        && mnl_attr_get_payload_len(tb[IFLA_LINK_NETNSID]) >= 4) {
        link->peer_netnsid = (int) mnl_attr_get_u32(tb[IFLA_LINK_NETNSID]);
    }
    return MNL_CB_OK;
}

int
nic_nl_link_get(struct nic_nl *nl, const char *name, struct nic_nl_link *link)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    memset(link, 0, sizeof *link);
    link->peer_netnsid = -1;
    struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    int err = nl_talk(nl, nlh, link_get_cb, link);
    return err ? err : link->ifindex ? 0 : -ENODEV;
}

int
nic_nl_link_set_up(struct nic_nl *nl, int ifindex, bool up)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_SETLINK, 0, ifindex);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    return nl_talk(nl, nlh, NULL, NULL);
}

static int
nsid_cb(const struct nlmsghdr *nlh, void *data)
{
    int *nsid = data;
    struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, sizeof (struct rtgenmsg)) {
        if (mnl_attr_get_type(attr) == NETNSA_NSID
            && mnl_attr_get_payload_len(attr) >= 4) {
            *nsid = (int) mnl_attr_get_u32(attr);
        }
    }
    return MNL_CB_OK;
}

/* The id our namespace gives the namespace of 'fd', or -1. */
static int
netns_id(struct nic_nl *nl, int fd)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETNSID;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->rtgen_family = AF_UNSPEC;
    mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t) fd);
    int nsid = -1;
    return nl_talk(nl, nlh, nsid_cb, &nsid) ? -1 : nsid;
}

/* Opens the named namespace (ip netns, /run/netns) whose id is 'netnsid';
 * returns its fd or -ENOENT.  rtnetlink cannot set a link's attributes in
 * another namespace by id (IFLA_TARGET_NETNSID is for get and delete). */
static int
open_netns_by_id(struct nic_nl *nl, int netnsid)
{
    DIR *dir = opendir("/run/netns");
    if (!dir) {
        return -ENOENT;
    }
    int found = -ENOENT;
    struct dirent *de;
    while (found < 0 && (de = readdir(dir))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        int fd = openat(dirfd(dir), de->d_name, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        if (netns_id(nl, fd) == netnsid) {
            found = fd;
        } else {
            close(fd);
        }
    }
    closedir(dir);
    return found;
}

static int
set_mac_ioctl(int ifindex, const uint8_t mac[6])
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_ifindex = ifindex;
    int err = 0;
    if (ioctl(fd, SIOCGIFNAME, &ifr) < 0) {
        err = -errno;
    } else {
        ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
        memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
        if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0) {
            err = -errno;
        }
    }
    close(fd);
    return err;
}

int
nic_nl_link_set_mac(struct nic_nl *nl, int ifindex, int netnsid,
                    const uint8_t mac[6])
{
    if (netnsid < 0) {
        return set_mac_ioctl(ifindex, mac);
    }
    int target = open_netns_by_id(nl, netnsid);
    if (target < 0) {
        return target;
    }
    int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int err;
    if (home < 0) {
        err = -errno;
    } else if (setns(target, CLONE_NEWNET) < 0) {
        err = -errno;
    } else {
        err = set_mac_ioctl(ifindex, mac);
        if (setns(home, CLONE_NEWNET) < 0) {
            util_abort("cannot return to our network namespace: %s",
                       strerror(errno));
        }
    }
    if (home >= 0) {
        close(home);
    }
    close(target);
    return err;
}

int
nic_nl_tx_csum_off(const char *name)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    ifr.ifr_data = (void *) &ev;
    int err = ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
    close(fd);
    return err;
}

int
nic_nl_ipv6_off(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
             name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    int err = write(fd, "1\n", 2) == 2 ? 0 : -errno;
    close(fd);
    return err;
}

int
nic_nl_monitor_fd(const struct nic_nl *nl)
{
    return mnl_socket_get_fd(nl->mon);
}

struct monitor_aux {
    void (*cb)(int ifindex, unsigned int flags, void *aux);
    void *aux;
};

static int
monitor_cb(const struct nlmsghdr *nlh, void *data)
{
    struct monitor_aux *m = data;
    if (nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK) {
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        m->cb(ifi->ifi_index,
              nlh->nlmsg_type == RTM_NEWLINK ? ifi->ifi_flags : 0, m->aux);
    }
    return MNL_CB_OK;
}

int
nic_nl_monitor_run(struct nic_nl *nl,
                   void (*cb)(int ifindex, unsigned int flags, void *aux),
                   void *aux)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct monitor_aux m = { cb, aux };
    for (int i = 0; i < 64; i++) {
        ssize_t n = recv(mnl_socket_get_fd(nl->mon), buf, sizeof buf,
                         MSG_DONTWAIT);
        if (n < 0) {
            return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        }
        (void) mnl_cb_run(buf, (size_t) n, 0, 0, monitor_cb, &m);
    }
    return 0;
}
