/* vtep ifmon: links and IPv4 addresses through rtnetlink (see ifmon.h). */
#include "vtep/ifmon.h"

#include <errno.h>
#include <event2/event.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include "lib/log.h"

LOG_MODULE(ifmon);

#define IFMON_RCVBUF (4 << 20)          /* Room for a burst of taps. */
#define IFMON_DUMP_TIMEOUT_S 2
#define IFMON_MAX_MSGS_PER_WAKE 64      /* Datagrams read per callback. */

struct ifmon_addr {
    int ifindex;
    struct in_addr addr;
    bool stale;                         /* Not in the dump (yet). */
};

struct ifmon_link {
    struct vtep_ifmon_link pub;
    bool stale;
};

struct vtep_ifmon {
    vtep_ifmon_changed_cb *changed;
    void *aux;

    struct ifmon_link *table;
    size_t n_links, allocated_links;
    struct ifmon_addr *addrs;
    size_t n_addrs, allocated_addrs;

    struct mnl_socket *nl;
    struct event *ev;
    unsigned int seq;
    bool dirty;                         /* Changed since the callback ran. */
};

static void ifmon_on_readable(evutil_socket_t, short, void *);
static int ifmon_dump(struct vtep_ifmon *);

struct vtep_ifmon *
vtep_ifmon_create(vtep_ifmon_changed_cb *changed, void *aux)
{
    struct vtep_ifmon *m = xzalloc(sizeof *m);
    m->changed = changed;
    m->aux = aux;
    return m;
}

int
vtep_ifmon_open(struct vtep_ifmon *m, struct event_base *base)
{
    int err;
    m->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!m->nl) {
        return -errno;
    }
    if (mnl_socket_bind(m->nl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR,
                        MNL_SOCKET_AUTOPID) < 0) {
        err = -errno;
        goto out_close;
    }
    int fd = mnl_socket_get_fd(m->nl);
    int rcvbuf = IFMON_RCVBUF;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0) {
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    struct timeval tv = { IFMON_DUMP_TIMEOUT_S, 0 };
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    m->seq = (unsigned int) time(NULL);
    if ((err = ifmon_dump(m))) {
        goto out_close;
    }
    m->ev = event_new(base, fd, EV_READ | EV_PERSIST, ifmon_on_readable, m);
    event_add(m->ev, NULL);
    return 0;

out_close:
    mnl_socket_close(m->nl);
    m->nl = NULL;
    return err;
}

void
vtep_ifmon_destroy(struct vtep_ifmon *m)
{
    if (!m) {
        return;
    }
    if (m->ev) {
        event_free(m->ev);
    }
    if (m->nl) {
        mnl_socket_close(m->nl);
    }
    free(m->table);
    free(m->addrs);
    free(m);
}

/* ---- the table ---- */

static struct ifmon_link *
find_link(const struct vtep_ifmon *m, int ifindex)
{
    for (size_t i = 0; i < m->n_links; i++) {
        if (m->table[i].pub.ifindex == ifindex) {
            return &m->table[i];
        }
    }
    return NULL;
}

static void
remove_addrs_of(struct vtep_ifmon *m, int ifindex)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_addrs; i++) {
        if (m->addrs[i].ifindex != ifindex) {
            m->addrs[n++] = m->addrs[i];
        } else {
            m->dirty = true;
        }
    }
    m->n_addrs = n;
}

static void
remove_link(struct vtep_ifmon *m, struct ifmon_link *l)
{
    remove_addrs_of(m, l->pub.ifindex);
    *l = m->table[--m->n_links];
    m->dirty = true;
}

static void
update_link(struct vtep_ifmon *m, const struct vtep_ifmon_link *in)
{
    struct ifmon_link *l = find_link(m, in->ifindex);
    if (!l) {
        m->table = xgrow(m->table, &m->allocated_links, m->n_links + 1,
                         sizeof *m->table);
        l = &m->table[m->n_links++];
        memset(l, 0, sizeof *l);
        m->dirty = true;
    } else if (memcmp(&l->pub, in, sizeof *in)) {
        m->dirty = true;
    }
    l->pub = *in;
    l->stale = false;
}

static struct ifmon_addr *
find_addr(const struct vtep_ifmon *m, int ifindex, struct in_addr a)
{
    for (size_t i = 0; i < m->n_addrs; i++) {
        if (m->addrs[i].ifindex == ifindex && m->addrs[i].addr.s_addr == a.s_addr) {
            return &m->addrs[i];
        }
    }
    return NULL;
}

/* ---- parsing ---- */

struct link_attrs {
    const char *name;
    const char *alias;
};

static int
link_attr_cb(const struct nlattr *attr, void *la_)
{
    struct link_attrs *la = la_;
    switch (mnl_attr_get_type(attr)) {
    case IFLA_IFNAME:
        if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
            la->name = mnl_attr_get_str(attr);
        }
        break;
    case IFLA_IFALIAS:
        if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
            la->alias = mnl_attr_get_str(attr);
        }
        break;
    }
    return MNL_CB_OK;
}

static void
parse_link(struct vtep_ifmon *m, const struct nlmsghdr *nlh)
{
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof (struct ifinfomsg)) {
        return;
    }
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    if (nlh->nlmsg_type == RTM_DELLINK) {
        struct ifmon_link *l = find_link(m, ifi->ifi_index);
        if (l) {
            remove_link(m, l);
        }
        return;
    }
    struct link_attrs la = { NULL, NULL };
    mnl_attr_parse(nlh, sizeof *ifi, link_attr_cb, &la);
    if (!la.name || strlen(la.name) >= IF_NAMESIZE || ifi->ifi_index <= 0) {
        return;
    }
    struct vtep_ifmon_link l;
    memset(&l, 0, sizeof l);
    l.ifindex = ifi->ifi_index;
    l.flags = ifi->ifi_flags;
    strcpy(l.name, la.name);
    if (la.alias) {
        snprintf(l.alias, sizeof l.alias, "%s", la.alias);
    }
    update_link(m, &l);
}

static int
addr_attr_cb(const struct nlattr *attr, void *addr_)
{
    const struct nlattr **tb = addr_;
    int type = mnl_attr_get_type(attr);
    if ((type == IFA_LOCAL || type == IFA_ADDRESS)
        && mnl_attr_get_payload_len(attr) == 4) {
        tb[type] = attr;
    }
    return MNL_CB_OK;
}

static void
parse_addr(struct vtep_ifmon *m, const struct nlmsghdr *nlh)
{
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof (struct ifaddrmsg)) {
        return;
    }
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    if (ifa->ifa_family != AF_INET) {
        return;
    }
    const struct nlattr *tb[IFA_MAX + 1] = { NULL };
    mnl_attr_parse(nlh, sizeof *ifa, addr_attr_cb, tb);
    const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    if (!a) {
        return;
    }
    struct in_addr addr;
    memcpy(&addr, mnl_attr_get_payload(a), 4);
    int ifindex = (int) ifa->ifa_index;
    struct ifmon_addr *e = find_addr(m, ifindex, addr);
    if (nlh->nlmsg_type == RTM_DELADDR) {
        if (e) {
            *e = m->addrs[--m->n_addrs];
            m->dirty = true;
        }
    } else if (e) {
        e->stale = false;
    } else {
        m->addrs = xgrow(m->addrs, &m->allocated_addrs, m->n_addrs + 1,
                         sizeof *m->addrs);
        m->addrs[m->n_addrs++] = (struct ifmon_addr) { ifindex, addr, false };
        m->dirty = true;
    }
}

static int
msg_cb(const struct nlmsghdr *nlh, void *m_)
{
    struct vtep_ifmon *m = m_;
    switch (nlh->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
        parse_link(m, nlh);
        break;
    case RTM_NEWADDR:
    case RTM_DELADDR:
        parse_addr(m, nlh);
        break;
    }
    return MNL_CB_OK;
}

/* Parses without running the callback; MNL_CB_STOP at NLMSG_DONE,
 * MNL_CB_ERROR for an error message. */
static int
ifmon_parse(struct vtep_ifmon *m, const void *buf, size_t size)
{
    return mnl_cb_run(buf, size, 0, 0, msg_cb, m);
}

static void
ifmon_notify(struct vtep_ifmon *m)
{
    if (m->dirty) {
        m->dirty = false;
        if (m->changed) {
            m->changed(m->aux);
        }
    }
}

bool
vtep_ifmon_feed(struct vtep_ifmon *m, const void *buf, size_t size)
{
    ifmon_parse(m, buf, size);
    bool changed = m->dirty;
    ifmon_notify(m);
    return changed;
}

/* ---- the socket ---- */

/* Sends a dump request of 'type' and reads until its NLMSG_DONE; the
 * notifications read meanwhile are taken too. */
static int
dump_one(struct vtep_ifmon *m, int type, size_t hdr_size, uint8_t *buf, size_t size)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = ++m->seq;
    struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, hdr_size);
    g->rtgen_family = type == RTM_GETADDR ? AF_INET : AF_UNSPEC;
    if (mnl_socket_sendto(m->nl, nlh, nlh->nlmsg_len) < 0) {
        return -errno;
    }
    unsigned int portid = mnl_socket_get_portid(m->nl);
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(m->nl, buf, size);
        if (n < 0) {
            return -errno;
        }
        /* Only our dump's messages carry our port id and sequence. */
        bool done = false;
        int len = (int) n;
        for (const struct nlmsghdr *h = (const void *) buf; mnl_nlmsg_ok(h, len);
             h = mnl_nlmsg_next(h, &len)) {
            if (h->nlmsg_pid == portid && h->nlmsg_seq == m->seq) {
                if (h->nlmsg_type == NLMSG_DONE) {
                    done = true;
                } else if (h->nlmsg_type == NLMSG_ERROR) {
                    const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
                    return e->error ? e->error : -EIO;
                }
            }
            msg_cb(h, m);
        }
        if (done) {
            return 0;
        }
    }
}

/* Fills the table again from dumps: what the dumps do not list is gone. */
static int
ifmon_dump(struct vtep_ifmon *m)
{
    size_t size = MNL_SOCKET_BUFFER_SIZE * 4;
    uint8_t *buf = xmalloc(size);
    for (size_t i = 0; i < m->n_links; i++) {
        m->table[i].stale = true;
    }
    for (size_t i = 0; i < m->n_addrs; i++) {
        m->addrs[i].stale = true;
    }
    int err = dump_one(m, RTM_GETLINK, sizeof (struct ifinfomsg), buf, size);
    if (!err) {
        err = dump_one(m, RTM_GETADDR, sizeof (struct ifaddrmsg), buf, size);
    }
    free(buf);
    if (err) {
        return err;
    }
    for (size_t i = 0; i < m->n_links; ) {
        if (m->table[i].stale) {
            remove_link(m, &m->table[i]);
        } else {
            i++;
        }
    }
    for (size_t i = 0; i < m->n_addrs; ) {
        if (m->addrs[i].stale) {
            m->addrs[i] = m->addrs[--m->n_addrs];
            m->dirty = true;
        } else {
            i++;
        }
    }
    ifmon_notify(m);
    return 0;
}

static void
ifmon_on_readable(evutil_socket_t fd, short what, void *m_)
{
    struct vtep_ifmon *m = m_;
    uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
    bool resync = false;

    for (int i = 0; i < IFMON_MAX_MSGS_PER_WAKE; i++) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == ENOBUFS) {
                resync = true;          /* Notifications lost. */
                continue;
            }
            break;                      /* EAGAIN: all read. */
        }
        ifmon_parse(m, buf, (size_t) n);
    }
    if (resync) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        log_warn_rl(&rl, "netlink notifications lost: reading every interface again");
        int err = ifmon_dump(m);
        if (err) {
            log_warn_rl(&rl, "netlink dump failed (%s): trying again at the "
                        "next notification", strerror(-err));
        }
    }
    ifmon_notify(m);
}

/* ---- queries ---- */

const struct vtep_ifmon_link *
vtep_ifmon_find(const struct vtep_ifmon *m, const char *name)
{
    for (size_t i = 0; i < m->n_links; i++) {
        if (!strcmp(m->table[i].pub.name, name)) {
            return &m->table[i].pub;
        }
    }
    return NULL;
}

const struct vtep_ifmon_link *
vtep_ifmon_find_index(const struct vtep_ifmon *m, int ifindex)
{
    const struct ifmon_link *l = find_link(m, ifindex);
    return l ? &l->pub : NULL;
}

size_t
vtep_ifmon_n_links(const struct vtep_ifmon *m)
{
    return m->n_links;
}

const struct vtep_ifmon_link *
vtep_ifmon_link_at(const struct vtep_ifmon *m, size_t i)
{
    return &m->table[i].pub;
}

int
vtep_ifmon_addr_ifindex(const struct vtep_ifmon *m, struct in_addr addr)
{
    for (size_t i = 0; i < m->n_addrs; i++) {
        if (m->addrs[i].addr.s_addr == addr.s_addr) {
            return m->addrs[i].ifindex;
        }
    }
    return 0;
}

bool
vtep_ifmon_link_is_up(const struct vtep_ifmon_link *l)
{
    return (l->flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
}
