/* Unit tests for src/vtep/ifmon.c (the interface table fed with rtnetlink
 * messages built here, no socket) and src/vtep/ports.c (which ports exist
 * and which sockets to open, with fake ops in place of port_io and the
 * datapath): a named port's interface deleted and back under another
 * index, taps matched and removed, slots reused, a failed open retried, a
 * broken socket reopened, an alias as the iface-id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testlib.h"
#include "lib/util.h"
#include "vtep/ifmon.h"
#include "vtep/ports.h"

#define UP (IFF_UP | IFF_RUNNING)

/* ---- netlink messages ---- */

static size_t
put_link(uint8_t *buf, int type, int ifindex, const char *name, unsigned int flags,
         const char *alias)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    ifi->ifi_flags = flags;
    if (name) {
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    }
    if (alias) {
        mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
    }
    return nlh->nlmsg_len;
}

static size_t
put_addr(uint8_t *buf, int type, int ifindex, const char *ip)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = 24;
    ifa->ifa_index = (unsigned int) ifindex;
    struct in_addr a = testlib_ipv4(ip);
    mnl_attr_put(nlh, IFA_LOCAL, 4, &a);
    mnl_attr_put(nlh, IFA_ADDRESS, 4, &a);
    return nlh->nlmsg_len;
}

static int n_changed;

static void
count_changed(void *aux)
{
    n_changed++;
}

static bool
add_link(struct vtep_ifmon *m, int ifindex, const char *name, unsigned int flags,
     const char *alias)
{
    uint8_t buf[1024];
    return vtep_ifmon_feed(m, buf, put_link(buf, RTM_NEWLINK, ifindex, name,
                                            flags, alias));
}

static bool
unlink_(struct vtep_ifmon *m, int ifindex, const char *name)
{
    uint8_t buf[1024];
    return vtep_ifmon_feed(m, buf, put_link(buf, RTM_DELLINK, ifindex, name, 0, NULL));
}

static void
test_ifmon_table(void **state)
{
    struct vtep_ifmon *m = vtep_ifmon_create(count_changed, NULL);
    n_changed = 0;

    /* Two messages in one datagram: one callback. */
    uint8_t buf[2048];
    size_t n = put_link(buf, RTM_NEWLINK, 5, "p0", UP, "port-1");
    n += put_link(buf + n, RTM_NEWLINK, 7, "ul0", UP, NULL);
    assert_true(vtep_ifmon_feed(m, buf, n));
    assert_int_equal(n_changed, 1);
    assert_int_equal(vtep_ifmon_n_links(m), 2);
    const struct vtep_ifmon_link *l = vtep_ifmon_find(m, "p0");
    assert_non_null(l);
    assert_int_equal(l->ifindex, 5);
    assert_string_equal(l->alias, "port-1");
    assert_true(vtep_ifmon_link_is_up(l));
    assert_string_equal(vtep_ifmon_find_index(m, 7)->name, "ul0");
    assert_string_equal(vtep_ifmon_find(m, "ul0")->alias, "");

    /* The same again: no change, no callback. */
    assert_false(add_link(m, 5, "p0", UP, "port-1"));
    assert_int_equal(n_changed, 1);

    /* Down (no carrier), then renamed. */
    assert_true(add_link(m, 5, "p0", IFF_UP, "port-1"));
    assert_false(vtep_ifmon_link_is_up(vtep_ifmon_find(m, "p0")));
    assert_true(add_link(m, 5, "p0-old", IFF_UP, NULL));
    assert_null(vtep_ifmon_find(m, "p0"));
    assert_string_equal(vtep_ifmon_find(m, "p0-old")->alias, "");

    /* Addresses, and a link's deletion takes its addresses. */
    assert_true(vtep_ifmon_feed(m, buf, put_addr(buf, RTM_NEWADDR, 7, "10.99.0.1")));
    assert_int_equal(vtep_ifmon_addr_ifindex(m, testlib_ipv4("10.99.0.1")), 7);
    assert_int_equal(vtep_ifmon_addr_ifindex(m, testlib_ipv4("10.99.0.2")), 0);
    assert_true(unlink_(m, 7, "ul0"));
    assert_null(vtep_ifmon_find(m, "ul0"));
    assert_int_equal(vtep_ifmon_addr_ifindex(m, testlib_ipv4("10.99.0.1")), 0);
    assert_true(vtep_ifmon_feed(m, buf, put_addr(buf, RTM_NEWADDR, 9, "10.99.0.1")));
    assert_true(vtep_ifmon_feed(m, buf, put_addr(buf, RTM_DELADDR, 9, "10.99.0.1")));
    assert_int_equal(vtep_ifmon_addr_ifindex(m, testlib_ipv4("10.99.0.1")), 0);

    /* Deleting what is not there, and malformed messages: no change. */
    assert_false(unlink_(m, 42, "x"));
    assert_false(vtep_ifmon_feed(m, buf, put_link(buf, RTM_NEWLINK, 8, NULL, UP, NULL)));
    assert_false(vtep_ifmon_feed(m, buf, 10));
    assert_int_equal(vtep_ifmon_n_links(m), 1);
    vtep_ifmon_destroy(m);
    vtep_ifmon_destroy(NULL);
}

/* ---- ports with fake sockets ---- */

struct fake {
    struct port_io *slots[16];          /* What each slot holds. */
    bool fresh[16];                     /* The last set of the slot. */
    bool broken[16];
    int n_open, n_set;
    const char *fail;                   /* Name whose open fails. */
    uintptr_t next;                     /* Fake port_io pointers. */
};

static int
fake_open(void *f_, const char *name, int ifindex, struct port_io **portp)
{
    struct fake *f = f_;
    f->n_open++;
    if (f->fail && !strcmp(name, f->fail)) {
        *portp = NULL;
        return -EPERM;
    }
    *portp = (struct port_io *) (++f->next * 16);
    return 0;
}

static void
fake_set(void *f_, size_t slot, struct port_io *port, bool fresh)
{
    struct fake *f = f_;
    assert_true(slot < ARRAY_SIZE(f->slots));
    assert_true(port != f->slots[slot] || !port);
    f->slots[slot] = port;
    f->fresh[slot] = fresh;
    f->broken[slot] = false;
    f->n_set++;
}

static bool
fake_is_broken(void *f_, size_t slot)
{
    struct fake *f = f_;
    return f->broken[slot];
}

static const struct vtep_ports_ops fake_ops = { fake_open, fake_set, fake_is_broken };

static void
test_named_port_gone_and_back(void **state)
{
    struct fake f = { .next = 0 };
    struct vtep_ifmon *m = vtep_ifmon_create(NULL, NULL);
    const char *names[] = { "p0", "p1", "p0" };
    struct vtep_ports *p = vtep_ports_create(names, 3, NULL, 0, 16, &fake_ops, &f);
    assert_int_equal(vtep_ports_n_slots(p), 2);        /* p0 once. */

    add_link(m, 5, "p0", UP, NULL);
    add_link(m, 6, "p1", UP, NULL);
    assert_false(vtep_ports_reconcile(p, m));          /* Rows as they were. */
    assert_non_null(f.slots[0]);
    assert_non_null(f.slots[1]);
    assert_int_equal(vtep_ports_get(p, 0)->ifindex, 5);
    assert_true(vtep_ports_is_healthy(p, 0));

    /* Nothing changed: nothing opened again. */
    assert_false(vtep_ports_reconcile(p, m));
    assert_int_equal(f.n_open, 2);

    /* p0 deleted: its socket let go, the port (and its row) stays. */
    unlink_(m, 5, "p0");
    assert_false(vtep_ports_reconcile(p, m));
    assert_null(f.slots[0]);
    assert_string_equal(vtep_ports_get(p, 0)->name, "p0");
    assert_false(vtep_ports_get(p, 0)->present);
    assert_false(vtep_ports_is_healthy(p, 0));
    assert_true(vtep_ports_is_healthy(p, 1));
    int n_set = f.n_set;
    assert_false(vtep_ports_reconcile(p, m));
    assert_int_equal(f.n_set, n_set);                  /* Once. */

    /* Back under another index: a new socket, same slot, same counters. */
    add_link(m, 9, "p0", UP, NULL);
    assert_false(vtep_ports_reconcile(p, m));
    assert_non_null(f.slots[0]);
    assert_false(f.fresh[0]);
    assert_int_equal(vtep_ports_get(p, 0)->ifindex, 9);
    assert_true(vtep_ports_is_healthy(p, 0));

    /* Down: not healthy, socket kept. */
    add_link(m, 9, "p0", IFF_UP, NULL);
    vtep_ports_reconcile(p, m);
    assert_false(vtep_ports_is_healthy(p, 0));
    assert_non_null(f.slots[0]);

    /* A broken socket on a link that is still there: opened again. */
    add_link(m, 9, "p0", UP, NULL);
    struct port_io *old = f.slots[0];
    f.broken[0] = true;
    assert_false(vtep_ports_is_healthy(p, 0));
    vtep_ports_reconcile(p, m);
    assert_ptr_not_equal(f.slots[0], old);
    assert_true(vtep_ports_is_healthy(p, 0));

    vtep_ports_destroy(p);
    vtep_ports_destroy(NULL);
    vtep_ifmon_destroy(m);
}

static void
test_matched_ports(void **state)
{
    struct fake f = { .next = 0 };
    struct vtep_ifmon *m = vtep_ifmon_create(NULL, NULL);
    const char *names[] = { "p0" };
    const char *patterns[] = { "tap*", "vnet?" };
    struct vtep_ports *p = vtep_ports_create(names, 1, patterns, 2, 4, &fake_ops, &f);
    assert_true(vtep_ports_match(p, "tap123"));
    assert_true(vtep_ports_match(p, "vnet1"));
    assert_false(vtep_ports_match(p, "vnet12"));
    assert_false(vtep_ports_match(p, "eth0"));

    add_link(m, 5, "p0", UP, NULL);
    add_link(m, 6, "tapa", UP, "port-a");
    add_link(m, 7, "eth0", UP, NULL);
    assert_true(vtep_ports_reconcile(p, m));
    assert_int_equal(vtep_ports_n_slots(p), 2);
    const struct vtep_port_info *tapa = vtep_ports_get(p, 1);
    assert_string_equal(tapa->name, "tapa");
    assert_true(tapa->matched);
    assert_string_equal(tapa->iface_id, "port-a");
    assert_true(f.fresh[1]);
    assert_false(vtep_ports_reconcile(p, m));

    /* The alias changes, then goes. */
    add_link(m, 6, "tapa", UP, "port-a2");
    assert_true(vtep_ports_reconcile(p, m));
    assert_string_equal(vtep_ports_get(p, 1)->iface_id, "port-a2");
    add_link(m, 6, "tapa", UP, NULL);
    assert_true(vtep_ports_reconcile(p, m));
    assert_null(vtep_ports_get(p, 1)->iface_id);

    /* Two more; the first of them goes; the next one takes its slot. */
    add_link(m, 8, "tapb", UP, NULL);
    add_link(m, 9, "vnet3", UP, NULL);
    assert_true(vtep_ports_reconcile(p, m));
    assert_int_equal(vtep_ports_n_slots(p), 4);
    size_t slot_b = !strcmp(vtep_ports_get(p, 2)->name, "tapb") ? 2 : 3;
    unlink_(m, 8, "tapb");
    assert_true(vtep_ports_reconcile(p, m));
    assert_null(vtep_ports_get(p, slot_b)->name);
    assert_null(f.slots[slot_b]);
    assert_false(vtep_ports_is_healthy(p, slot_b));
    add_link(m, 10, "tapc", UP, NULL);
    assert_true(vtep_ports_reconcile(p, m));
    assert_string_equal(vtep_ports_get(p, slot_b)->name, "tapc");
    assert_true(f.fresh[slot_b]);

    /* All 4 slots taken: a fifth tap is not a port (logged). */
    add_link(m, 11, "tapd", UP, NULL);
    assert_false(vtep_ports_reconcile(p, m));
    assert_int_equal(vtep_ports_n_slots(p), 4);

    /* The last slot freed: the slot count shrinks. */
    size_t last = 3;
    int last_index = !strcmp(vtep_ports_get(p, last)->name, "vnet3") ? 9 : 10;
    unlink_(m, last_index, vtep_ports_get(p, last)->name);
    unlink_(m, 11, "tapd");
    assert_true(vtep_ports_reconcile(p, m));
    assert_int_equal(vtep_ports_n_slots(p), 3);

    vtep_ports_destroy(p);
    vtep_ifmon_destroy(m);
}

static void
test_open_failure_retried(void **state)
{
    struct fake f = { .fail = "tapx" };
    struct vtep_ifmon *m = vtep_ifmon_create(NULL, NULL);
    const char *patterns[] = { "tap*" };
    struct vtep_ports *p = vtep_ports_create(NULL, 0, patterns, 1, 4, &fake_ops, &f);
    add_link(m, 5, "tapx", UP, NULL);
    assert_true(vtep_ports_reconcile(p, m));        /* A port, not open. */
    assert_int_equal(vtep_ports_get(p, 0)->ifindex, 0);
    assert_false(vtep_ports_is_healthy(p, 0));
    assert_null(f.slots[0]);
    f.fail = NULL;
    assert_false(vtep_ports_reconcile(p, m));       /* Retried. */
    assert_int_equal(vtep_ports_get(p, 0)->ifindex, 5);
    assert_true(vtep_ports_is_healthy(p, 0));
    assert_true(f.fresh[0]);
    vtep_ports_destroy(p);
    vtep_ifmon_destroy(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ifmon_table),
        cmocka_unit_test(test_named_port_gone_and_back),
        cmocka_unit_test(test_matched_ports),
        cmocka_unit_test(test_open_failure_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
