/* Unit tests of src/vtep/db.c: the hardware_vtep database read into a
 * vtep_config and written through RFC 7047 ops.
 *
 * Databases: tests/unit/data/vtep/vtepctl.db was written by Open vSwitch's
 * ovsdb-server as the real vtep-ctl configured it (regen.sh); other cases
 * start from an empty database of tests/unit/data/ovsdb/vtep.ovsschema.
 * Every ops array is run with ovsdb_execute() and checked by select. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "ovsdb/db.h"
#include "ovsdb/execution.h"
#include "ovsdb/storage.h"
#include "vtep/config.h"
#include "vtep/db.h"
#include "vtep/ring.h"

/* ---- helpers ---- */

struct fixture {
    struct ovsdb_db *db;
    char dir[64];
    char path[96];
};

/* A copy of vtepctl.db, opened read-write in a private temp dir. */
static int
setup_vtepctl(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);
    char *src = testlib_data_path("vtep/vtepctl.db");
    char cmd[512];
    struct ovsdb_error *error;

    snprintf(f->dir, sizeof f->dir, "/tmp/test_vtep_db.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/vtep.db", f->dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, f->path);
    assert_int_equal(system(cmd), 0);
    free(src);
    error = ovsdb_storage_open(f->path, false, &f->db);
    assert_null(error);
    *state = f;
    return 0;
}

/* Returns a new empty in-memory hardware_vtep database. */
static struct ovsdb_db *
empty_db(void)
{
    char *path = testlib_data_path("ovsdb/vtep.ovsschema");
    struct ovsdb_db *db = ovsdb_db_create(testlib_load_schema(path));

    free(path);
    return db;
}

static int
setup_empty(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);

    f->db = empty_db();
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    if (f->db->storage) {
        ovsdb_storage_close(f->db);
    }
    ovsdb_db_destroy(f->db);
    if (f->dir[0]) {
        unlink(f->path);
        char lock[128];
        snprintf(lock, sizeof lock, "%s/.vtep.db.~lock~", f->dir);
        unlink(lock);
        rmdir(f->dir);
    }
    free(f);
    return 0;
}

/* Runs 'ops' (takes them) on 'db' and returns the result array (release
 * it); fails the test if the transaction is left waiting. */
static json_t *
run(struct ovsdb_db *db, json_t *ops)
{
    json_t *result = NULL;
    long long timeout = 0;

    assert_true(ovsdb_execute(db, NULL, ops, 0, &timeout, &result));
    json_decref(ops);
    return result;
}


static void
run_text(struct ovsdb_db *db, const char *text)
{
    testlib_execute_ok(db, testlib_parse(text));
}

/* The rows of 'table' matching the JSON 'where' text (borrowed from the
 * returned value; release it). */
static json_t *
select_rows(struct ovsdb_db *db, const char *table, const char *where)
{
    json_t *ops = json_pack("[{ss ss so}]", "op", "select", "table", table,
                            "where", testlib_parse(where));
    json_t *result = run(db, ops);
    json_t *rows = json_incref(json_object_get(json_array_get(result, 0), "rows"));

    assert_non_null(rows);
    json_decref(result);
    return rows;
}

static size_t
count_rows(struct ovsdb_db *db, const char *table)
{
    json_t *rows = select_rows(db, table, "[]");
    size_t n = json_array_size(rows);
    json_decref(rows);
    return n;
}

/* Every table's rows, sorted, as compact text (free it): two dumps of a
 * database are equal only if no row, _uuid or _version changed. */
static char *
dump_db(struct ovsdb_db *db)
{
    json_t *all = json_object();

    for (size_t i = 0; i < db->schema->n_tables; i++) {
        const char *name = db->schema->tables[i]->name;
        json_t *rows = select_rows(db, name, "[]");
        json_object_set_new(all, name, testlib_sort_canon(rows));
        json_decref(rows);
    }
    char *text = testlib_dump(all);
    json_decref(all);
    return text;
}

static void
assert_mac(const struct eth_addr *m, const char *s)
{
    struct eth_addr e = testlib_mac(s);
    assert_memory_equal(m->ea, e.ea, 6);
}

static int
cmp_loc(const void *a_, const void *b_)
{
    const struct vtep_locator *a = a_, *b = b_;
    uint32_t x = ntohl(a->ip.s_addr), y = ntohl(b->ip.s_addr);
    return x < y ? -1 : x > y;
}

/* Checks that the 'n' locators are the addresses in the NULL-terminated
 * list (in any order). */
static void
assert_locators(struct vtep_locator *locs, size_t n, ...)
{
    va_list args;
    size_t i = 0;
    const char *s;

    qsort(locs, n, sizeof *locs, cmp_loc);
    va_start(args, n);
    while ((s = va_arg(args, const char *))) {
        assert_true(i < n);
        testlib_assert_ipv4(locs[i++].ip, s);
    }
    va_end(args);
    assert_int_equal(i, n);
}

static const struct vtep_switch *
find_switch(const struct vtep_config *c, const char *name)
{
    for (size_t i = 0; i < c->n_switches; i++) {
        if (!strcmp(c->switches[i].name, name)) {
            return &c->switches[i];
        }
    }
    fail_msg("no switch %s in config", name);
    return NULL;
}

static const char *const ps0_ports[] = { "p0", "p1" };
static const char *const ps0_tunnel_ips[] = { "10.0.0.1" };
static const char *const mgmt_ips[] = { "192.0.2.1" };

static const struct vtep_db_identity ps0_identity = {
    .ps_name = "ps0",
    .description = "seam-test",
    .tunnel_ips = ps0_tunnel_ips, .n_tunnel_ips = 1,
    .ports = ps0_ports, .n_ports = 2,
};

/* ---- 2. build_config ---- */

static void
test_config_from_vtepctl(void **state)
{
    struct fixture *f = *state;
    struct vtep_config c;
    const struct vtep_switch *ls0, *ls1;

    assert_int_equal(vtep_db_build_config(f->db, "ps0", &c), 0);
    testlib_assert_ipv4(c.tunnel_ip, "10.0.0.1");
    assert_int_equal(c.vxlan_port, 4789);
    assert_int_equal(c.n_ports, 2);
    assert_string_equal(c.ports[0].name, "p0");
    assert_string_equal(c.ports[1].name, "p1");

    /* (p1, 200, ls2) waits for a tunnel_key: not a fault. */
    assert_int_equal(c.ports[0].n_invalid_bindings + c.ports[1].n_invalid_bindings, 0);
    assert_int_equal(c.ports[0].n_acl_bindings + c.ports[1].n_acl_bindings, 0);

    /* ls2 has no tunnel_key, ls3 is bound to the other switch only. */
    assert_int_equal(c.n_switches, 2);
    assert_string_equal(c.switches[0].name, "ls0");
    assert_string_equal(c.switches[1].name, "ls1");
    ls0 = &c.switches[0];
    ls1 = &c.switches[1];
    assert_int_equal(ls0->vni, 5000);
    assert_int_equal(ls0->replication, VTEP_REPL_SERVICE_NODE);   /* default */
    assert_false(ls0->arp_suppress);
    assert_int_equal(ls1->vni, 5001);
    assert_int_equal(ls1->replication, VTEP_REPL_SOURCE_NODE);
    assert_true(ls1->arp_suppress);

    /* (p0, 0, ls0) (p0, 100, ls1) (p1, 100, ls0); (p1, 200, ls2) left out. */
    assert_int_equal(c.n_bindings, 3);
    assert_int_equal(c.bindings[0].port, 0);
    assert_int_equal(c.bindings[0].vlan, 0);
    assert_int_equal(c.bindings[0].sw, 0);
    assert_int_equal(c.bindings[1].port, 0);
    assert_int_equal(c.bindings[1].vlan, 100);
    assert_int_equal(c.bindings[1].sw, 1);
    assert_int_equal(c.bindings[2].port, 1);
    assert_int_equal(c.bindings[2].vlan, 100);
    assert_int_equal(c.bindings[2].sw, 0);

    assert_int_equal(ls0->n_ucast, 2);
    assert_mac(&ls0->ucast[0].mac, "00:11:22:33:44:55");
    assert_false(ls0->ucast[0].has_ip);
    assert_locators(ls0->ucast[0].locators, ls0->ucast[0].n_locators,
                    "10.0.0.2", NULL);
    assert_mac(&ls0->ucast[1].mac, "00:11:22:33:44:66");
    assert_true(ls0->ucast[1].has_ip);
    testlib_assert_ipv4(ls0->ucast[1].ip, "192.168.1.66");
    assert_locators(ls0->ucast[1].locators, ls0->ucast[1].n_locators,
                    "10.0.0.3", NULL);
    assert_int_equal(ls0->n_mcast, 0);
    assert_locators(ls0->unknown_dst, ls0->n_unknown_dst,
                    "10.0.0.2", "10.0.0.3", NULL);

    assert_int_equal(ls1->n_ucast, 1);
    assert_mac(&ls1->ucast[0].mac, "aa:bb:cc:dd:ee:ff");    /* upper case */
    assert_locators(ls1->ucast[0].locators, 1, "10.0.0.3", NULL);
    assert_int_equal(ls1->n_mcast, 1);
    assert_mac(&ls1->mcast[0].mac, "01:00:5e:00:00:01");
    assert_locators(ls1->mcast[0].locators, ls1->mcast[0].n_locators,
                    "10.0.0.2", "10.0.0.4", NULL);
    assert_locators(ls1->unknown_dst, ls1->n_unknown_dst, "10.0.0.4", NULL);
    vtep_config_destroy(&c);

    /* The other switch of the same database. */
    assert_int_equal(vtep_db_build_config(f->db, "other", &c), 0);
    assert_int_equal(c.tunnel_ip.s_addr, 0);
    assert_int_equal(c.n_switches, 1);
    assert_string_equal(c.switches[0].name, "ls3");
    assert_int_equal(c.switches[0].vni, 7000);
    assert_int_equal(c.switches[0].replication, VTEP_REPL_SERVICE_NODE);
    assert_int_equal(c.n_bindings, 1);
    assert_int_equal(c.bindings[0].vlan, 5);
    assert_int_equal(c.switches[0].n_ucast, 1);
    assert_int_equal(c.switches[0].n_unknown_dst, 0);
    vtep_config_destroy(&c);

    assert_int_equal(vtep_db_build_config(f->db, "nope", &c), -ENOENT);
    assert_int_equal(c.n_switches, 0);
    vtep_config_destroy(&c);
}

/* Bad rows are skipped one by one and counted; the good ones stay. */
static void
test_config_bad_rows(void **state)
{
    struct fixture *f = *state;
    struct vtep_config c;
    const struct vtep_switch *good;

    run_text(f->db, "["
        "{\"op\":\"insert\",\"table\":\"Logical_Switch\",\"uuid-name\":\"good\","
        " \"row\":{\"name\":\"good\",\"tunnel_key\":100}},"
        "{\"op\":\"insert\",\"table\":\"Logical_Switch\",\"uuid-name\":\"big\","
        " \"row\":{\"name\":\"big\",\"tunnel_key\":16777216}},"
        "{\"op\":\"insert\",\"table\":\"Logical_Switch\",\"uuid-name\":\"neg\","
        " \"row\":{\"name\":\"neg\",\"tunnel_key\":-1}},"
        "{\"op\":\"insert\",\"table\":\"Logical_Switch\",\"uuid-name\":\"twin\","
        " \"row\":{\"name\":\"twin\",\"tunnel_key\":100}},"
        "{\"op\":\"insert\",\"table\":\"Logical_Switch\",\"uuid-name\":\"max\","
        " \"row\":{\"name\":\"max\",\"tunnel_key\":16777215}},"
        "{\"op\":\"insert\",\"table\":\"Logical_Switch\",\"uuid-name\":\"unset\","
        " \"row\":{\"name\":\"unset\"}},"
        "{\"op\":\"insert\",\"table\":\"ACL_entry\",\"uuid-name\":\"ace\","
        " \"row\":{\"sequence\":1,\"action\":\"permit\",\"direction\":\"ingress\"}},"
        "{\"op\":\"insert\",\"table\":\"ACL\",\"uuid-name\":\"acl\","
        " \"row\":{\"acl_name\":\"acl1\",\"acl_entries\":[\"named-uuid\",\"ace\"]}},"
        "{\"op\":\"insert\",\"table\":\"Physical_Port\",\"uuid-name\":\"p1\","
        " \"row\":{\"name\":\"p1\",\"acl_bindings\":[\"map\",[[0,[\"named-uuid\",\"acl\"]]]],"
        "   \"vlan_bindings\":[\"map\",[[7,[\"named-uuid\",\"unset\"]]]]}},"
        "{\"op\":\"insert\",\"table\":\"Physical_Port\",\"uuid-name\":\"p0\","
        " \"row\":{\"name\":\"p0\",\"vlan_bindings\":[\"map\",["
        "   [0,[\"named-uuid\",\"good\"]],[1,[\"named-uuid\",\"big\"]],"
        "   [2,[\"named-uuid\",\"neg\"]],[3,[\"named-uuid\",\"twin\"]],"
        "   [4094,[\"named-uuid\",\"max\"]],[4095,[\"named-uuid\",\"good\"]]]]}},"
        "{\"op\":\"insert\",\"table\":\"Physical_Switch\",\"uuid-name\":\"ps\","
        " \"row\":{\"name\":\"ps0\",\"ports\":[\"set\",[[\"named-uuid\",\"p0\"],"
        "   [\"named-uuid\",\"p1\"]]],"
        "   \"tunnel_ips\":[\"set\",[\"fe80::1\",\"10.1.1.1\"]]}},"
        "{\"op\":\"insert\",\"table\":\"Global\","
        " \"row\":{\"switches\":[\"named-uuid\",\"ps\"]}},"
        "{\"op\":\"insert\",\"table\":\"Physical_Locator\",\"uuid-name\":\"l1\","
        " \"row\":{\"encapsulation_type\":\"vxlan_over_ipv4\",\"dst_ip\":\"10.0.0.2\"}},"
        "{\"op\":\"insert\",\"table\":\"Physical_Locator\",\"uuid-name\":\"lbad\","
        " \"row\":{\"encapsulation_type\":\"vxlan_over_ipv4\",\"dst_ip\":\"not-an-ip\"}},"
        "{\"op\":\"insert\",\"table\":\"Physical_Locator_Set\",\"uuid-name\":\"s\","
        " \"row\":{\"locators\":[\"set\",[[\"named-uuid\",\"l1\"],[\"named-uuid\",\"lbad\"]]]}},"
        /* Ucast: 1 good, bad MAC, bad ipaddr, bad locator, duplicate MAC. */
        "{\"op\":\"insert\",\"table\":\"Ucast_Macs_Remote\",\"row\":{\"MAC\":\"00:00:00:00:00:01\","
        " \"logical_switch\":[\"named-uuid\",\"good\"],\"locator\":[\"named-uuid\",\"l1\"],"
        " \"ipaddr\":\"192.168.0.1\"}},"
        "{\"op\":\"insert\",\"table\":\"Ucast_Macs_Remote\",\"row\":{\"MAC\":\"zz:00:00:00:00:02\","
        " \"logical_switch\":[\"named-uuid\",\"good\"],\"locator\":[\"named-uuid\",\"l1\"]}},"
        "{\"op\":\"insert\",\"table\":\"Ucast_Macs_Remote\",\"row\":{\"MAC\":\"00:00:00:00:00:03\","
        " \"logical_switch\":[\"named-uuid\",\"good\"],\"locator\":[\"named-uuid\",\"l1\"],"
        " \"ipaddr\":\"192.168.0\"}},"
        "{\"op\":\"insert\",\"table\":\"Ucast_Macs_Remote\",\"row\":{\"MAC\":\"00:00:00:00:00:04\","
        " \"logical_switch\":[\"named-uuid\",\"good\"],\"locator\":[\"named-uuid\",\"lbad\"]}},"
        "{\"op\":\"insert\",\"table\":\"Ucast_Macs_Remote\",\"row\":{\"MAC\":\"00:00:00:00:00:01\","
        " \"logical_switch\":[\"named-uuid\",\"good\"],\"locator\":[\"named-uuid\",\"l1\"]}},"
        /* Ucast on a switch left out: ignored, not counted. */
        "{\"op\":\"insert\",\"table\":\"Ucast_Macs_Remote\",\"row\":{\"MAC\":\"bad\","
        " \"logical_switch\":[\"named-uuid\",\"big\"],\"locator\":[\"named-uuid\",\"l1\"]}},"
        /* Mcast: unknown-dst with one bad locator; a unicast MAC. */
        "{\"op\":\"insert\",\"table\":\"Mcast_Macs_Remote\",\"row\":{\"MAC\":\"unknown-dst\","
        " \"logical_switch\":[\"named-uuid\",\"good\"],\"locator_set\":[\"named-uuid\",\"s\"]}},"
        "{\"op\":\"insert\",\"table\":\"Mcast_Macs_Remote\",\"row\":{\"MAC\":\"00:00:00:00:00:05\","
        " \"logical_switch\":[\"named-uuid\",\"good\"],\"locator_set\":[\"named-uuid\",\"s\"]}}"
        "]");

    /* VLAN 4095, big, neg, twin, bad MAC, bad ipaddr, bad locator,
     * duplicate MAC (the one with an ipaddr is kept), the bad locator of
     * the unknown-dst set, unicast MAC in Mcast_Macs_Remote. */
    assert_int_equal(vtep_db_build_config(f->db, "ps0", &c), 10);
    testlib_assert_ipv4(c.tunnel_ip, "10.1.1.1");
    assert_int_equal(c.n_switches, 2);
    good = find_switch(&c, "good");
    assert_int_equal(find_switch(&c, "max")->vni, VTEP_VNI_MAX);
    assert_int_equal(good->vni, 100);
    assert_int_equal(c.n_bindings, 2);
    assert_int_equal(c.bindings[0].vlan, 0);
    assert_int_equal(c.bindings[1].vlan, 4094);
    /* p0's faults: VLAN 4095, big, neg and twin cannot be instantiated;
     * p1's binding to a switch without tunnel_key is not a fault (not
     * configured yet), its ACL binding is counted. */
    assert_int_equal(c.n_ports, 2);
    assert_int_equal(c.ports[0].n_invalid_bindings, 4);
    assert_int_equal(c.ports[0].n_acl_bindings, 0);
    assert_int_equal(c.ports[1].n_invalid_bindings, 0);
    assert_int_equal(c.ports[1].n_acl_bindings, 1);
    assert_int_equal(good->n_ucast, 1);
    assert_mac(&good->ucast[0].mac, "00:00:00:00:00:01");
    assert_true(good->ucast[0].has_ip);
    testlib_assert_ipv4(good->ucast[0].ip, "192.168.0.1");
    assert_locators(good->unknown_dst, good->n_unknown_dst, "10.0.0.2", NULL);
    assert_int_equal(good->n_mcast, 0);
    vtep_config_destroy(&c);
}

/* ---- 1. start-up ---- */

static void
test_startup_empty_db(void **state)
{
    struct fixture *f = *state;
    struct vtep_db_identity id = ps0_identity;
    json_t *rows, *ops;
    char *before, *after;

    id.management_ips = mgmt_ips;
    id.n_management_ips = 1;
    testlib_execute_ok(f->db, vtep_db_startup_ops(f->db, &id));

    assert_int_equal(count_rows(f->db, "Global"), 1);
    rows = select_rows(f->db, "Physical_Switch", "[]");
    assert_int_equal(json_array_size(rows), 1);
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "name"), "\"ps0\"");
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "description"),
                             "\"seam-test\"");
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "tunnel_ips"),
                             "\"10.0.0.1\"");
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "management_ips"),
                             "\"192.0.2.1\"");
    assert_int_equal(json_array_size(json_array_get(json_object_get(
        json_array_get(rows, 0), "ports"), 1)), 2);
    json_decref(rows);
    assert_int_equal(count_rows(f->db, "Physical_Port"), 2);

    /* Idempotent: nothing more to do... */
    ops = vtep_db_startup_ops(f->db, &id);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    /* ...and the same ops sent twice (a stale replica) change nothing:
     * their guards fail the transaction. */
    ovsdb_db_destroy(f->db);
    f->db = empty_db();
    ops = vtep_db_startup_ops(f->db, &id);
    testlib_execute_ok(f->db, json_incref(ops));
    before = dump_db(f->db);
    json_t *result = run(f->db, ops);
    char *rtext = testlib_dump(result);
    assert_non_null(strstr(rtext, "timed out"));
    free(rtext);
    json_decref(result);
    after = dump_db(f->db);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* The iface-id of a port's row ("other_config":{"iface-id": ...}) as JSON
 * text, "null" if none, "absent" without such a port (new). */
static char *
port_iface_id(struct ovsdb_db *db, const char *name)
{
    char *where = xasprintf("[[\"name\",\"==\",\"%s\"]]", name);
    json_t *rows = select_rows(db, "Physical_Port", where);
    free(where);
    char *s;
    if (!json_array_size(rows)) {
        s = xstrdup("absent");
    } else {
        json_t *oc = json_object_get(json_array_get(rows, 0), "other_config");
        json_t *pairs = json_array_get(oc, 1);
        s = xstrdup("null");
        for (size_t i = 0; i < json_array_size(pairs); i++) {
            json_t *pair = json_array_get(pairs, i);
            if (!strcmp(json_string_value(json_array_get(pair, 0)), "iface-id")) {
                free(s);
                s = xstrdup(json_string_value(json_array_get(pair, 1)));
            }
        }
    }
    json_decref(rows);
    return s;
}

static void
assert_iface_id(struct ovsdb_db *db, const char *name, const char *want)
{
    char *got = port_iface_id(db, name);
    assert_string_equal(got, want);
    free(got);
}

/* Ports that come and go (--port-match): rows with their iface-id, the
 * iface-id rewritten when it changes, rows of matching names that are not
 * named any more removed; a port of another name is left alone. */
static void
test_startup_port_patterns(void **state)
{
    struct fixture *f = *state;
    struct vtep_db_identity id = ps0_identity;
    const char *legacy[] = { "legacy" };
    id.ports = legacy;
    id.n_ports = 1;
    testlib_execute_ok(f->db, vtep_db_startup_ops(f->db, &id));

    const char *ports[] = { "p0", "tapa", "tapb" };
    const char *ids[] = { NULL, "port-a", NULL };
    const char *patterns[] = { "tap*" };
    id.ports = ports;
    id.n_ports = 3;
    id.iface_ids = ids;
    id.port_patterns = patterns;
    id.n_port_patterns = 1;
    testlib_execute_ok(f->db, vtep_db_startup_ops(f->db, &id));
    assert_int_equal(count_rows(f->db, "Physical_Port"), 4);
    assert_iface_id(f->db, "tapa", "port-a");
    assert_iface_id(f->db, "tapb", "null");
    json_t *ops = vtep_db_startup_ops(f->db, &id);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    const char *ids2[] = { NULL, "port-a2", "port-b" };
    id.iface_ids = ids2;
    testlib_execute_ok(f->db, vtep_db_startup_ops(f->db, &id));
    assert_iface_id(f->db, "tapa", "port-a2");
    assert_iface_id(f->db, "tapb", "port-b");
    ops = vtep_db_startup_ops(f->db, &id);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    /* tapa gone: its row too; "legacy" and p0 stay. */
    const char *ports3[] = { "p0", "tapb" };
    const char *ids3[] = { NULL, "port-b" };
    id.ports = ports3;
    id.n_ports = 2;
    id.iface_ids = ids3;
    testlib_execute_ok(f->db, vtep_db_startup_ops(f->db, &id));
    assert_int_equal(count_rows(f->db, "Physical_Port"), 3);
    assert_iface_id(f->db, "tapa", "absent");
    assert_iface_id(f->db, "legacy", "null");
    assert_iface_id(f->db, "tapb", "port-b");
    ops = vtep_db_startup_ops(f->db, &id);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);
}

static void
test_startup_vtepctl_db(void **state)
{
    struct fixture *f = *state;
    static const char *const ports[] = { "p0", "p1", "p2", "p2" };
    struct vtep_db_identity id = ps0_identity;
    char *before, *after;
    json_t *ops, *rows;

    /* vtep-ctl made ps0 with p0, p1 and the same tunnel IP and description:
     * only the new port and the management IP are written. */
    id.ports = ports;
    id.n_ports = 4;
    id.management_ips = mgmt_ips;
    id.n_management_ips = 1;
    ops = vtep_db_startup_ops(f->db, &id);
    assert_int_equal(json_array_size(ops), 3);     /* insert, update, mutate */
    testlib_execute_ok(f->db, ops);
    rows = select_rows(f->db, "Physical_Port", "[[\"name\",\"==\",\"p2\"]]");
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);
    assert_int_equal(count_rows(f->db, "Global"), 1);
    assert_int_equal(count_rows(f->db, "Physical_Switch"), 2);

    before = dump_db(f->db);
    ops = vtep_db_startup_ops(f->db, &id);
    assert_int_equal(json_array_size(ops), 0);
    testlib_execute_ok(f->db, ops);
    after = dump_db(f->db);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* The bindings vtep-ctl made are still there. */
    struct vtep_config c;
    assert_int_equal(vtep_db_build_config(f->db, "ps0", &c), 0);
    assert_int_equal(c.n_ports, 3);
    assert_int_equal(c.n_bindings, 3);
    vtep_config_destroy(&c);
}

/* --manager: a Manager row per target, referred to by Global.managers;
 * idempotent, and a row vtep-ctl set-manager made is reused. */
static void
test_startup_managers(void **state)
{
    struct fixture *f = *state;
    static const char *const managers[] = {
        "tcp:192.0.2.10:6640", "ssl:192.0.2.11:6640", "tcp:192.0.2.10:6640",
    };
    struct vtep_db_identity id = ps0_identity;
    json_t *ops, *rows;

    id.managers = managers;
    id.n_managers = 3;
    testlib_execute_ok(f->db, vtep_db_startup_ops(f->db, &id));     /* Empty database. */
    assert_int_equal(count_rows(f->db, "Manager"), 2);
    rows = select_rows(f->db, "Global", "[]");
    assert_int_equal(json_array_size(rows), 1);
    assert_int_equal(json_array_size(json_array_get(json_object_get(
        json_array_get(rows, 0), "managers"), 1)), 2);
    json_decref(rows);
    ops = vtep_db_startup_ops(f->db, &id);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    /* A Global row without them, one target already a Manager row of
     * another name's making: only the missing row is created. */
    ovsdb_db_destroy(f->db);
    f->db = empty_db();
    run_text(f->db, "[{\"op\":\"insert\",\"table\":\"Manager\",\"uuid-name\":\"m\","
             "\"row\":{\"target\":\"ssl:192.0.2.11:6640\",\"inactivity_probe\":7}},"
             "{\"op\":\"insert\",\"table\":\"Global\","
             "\"row\":{\"managers\":[\"named-uuid\",\"m\"]}}]");
    id.managers = managers;
    id.n_managers = 1;
    testlib_execute_ok(f->db, vtep_db_startup_ops(f->db, &id));
    assert_int_equal(count_rows(f->db, "Manager"), 2);
    id.n_managers = 2;
    ops = vtep_db_startup_ops(f->db, &id);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);
    rows = select_rows(f->db, "Manager", "[[\"target\",\"==\",\"ssl:192.0.2.11:6640\"]]");
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "inactivity_probe"),
                             "7");
    json_decref(rows);
    rows = select_rows(f->db, "Global", "[]");
    assert_int_equal(json_array_size(json_array_get(json_object_get(
        json_array_get(rows, 0), "managers"), 1)), 2);
    json_decref(rows);
}

static void
test_fault_ops(void **state)
{
    struct fixture *f = *state;
    static const char *const sw_faults[] = { "unspecified_fault" };
    static const char *const p_faults[] = { "invalid_vlan_map" };
    struct vtep_db_port_faults pf[] = {
        { .name = "p1", .faults = p_faults, .n_faults = 1 },
        { .name = "nope", .faults = p_faults, .n_faults = 1 },
    };
    json_t *ops, *rows;

    ops = vtep_db_fault_ops(f->db, "ps0", sw_faults, 1, pf, 2);
    assert_int_equal(json_array_size(ops), 2);
    testlib_execute_ok(f->db, ops);
    rows = select_rows(f->db, "Physical_Port", "[[\"name\",\"==\",\"p1\"]]");
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "port_fault_status"),
                             "\"invalid_vlan_map\"");
    json_decref(rows);
    rows = select_rows(f->db, "Physical_Switch", "[[\"name\",\"==\",\"ps0\"]]");
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "switch_fault_status"),
                             "\"unspecified_fault\"");
    json_decref(rows);

    ops = vtep_db_fault_ops(f->db, "ps0", sw_faults, 1, pf, 2);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    /* Cleared. */
    pf[0].n_faults = 0;
    testlib_execute_ok(f->db, vtep_db_fault_ops(f->db, "ps0", NULL, 0, pf, 1));
    rows = select_rows(f->db, "Physical_Port", "[[\"name\",\"==\",\"p1\"]]");
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "port_fault_status"),
                             "[\"set\",[]]");
    json_decref(rows);
    ops = vtep_db_fault_ops(f->db, "nope", NULL, 0, NULL, 0);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);
}

/* ---- 3. local MACs ---- */

static json_t *
local_macs(struct ovsdb_db *db)
{
    return select_rows(db, "Ucast_Macs_Local", "[]");
}

static void
test_local_macs(void **state)
{
    struct fixture *f = *state;
    struct in_addr tip = testlib_ipv4("10.0.0.1");
    struct vtep_db_mac_event ev[] = {
        { .ls_name = "ls0", .mac = testlib_mac("00:00:00:00:0a:01"),
          .kind = VTEP_DB_MAC_LEARNED },
        { .ls_name = "ls1", .mac = testlib_mac("00:00:00:00:0b:01"), .has_ip = true,
          .ip = testlib_ipv4("192.168.5.1"), .kind = VTEP_DB_MAC_LEARNED },
        { .ls_name = "nope", .mac = testlib_mac("00:00:00:00:0c:01"),
          .kind = VTEP_DB_MAC_LEARNED },
    };
    size_t skipped = 99;
    json_t *ops, *rows;
    char *before, *after;

    ops = vtep_db_local_mac_ops(f->db, tip, ev, 3, &skipped);
    assert_int_equal(skipped, 1);
    testlib_execute_ok(f->db, ops);
    rows = local_macs(f->db);
    assert_int_equal(json_array_size(rows), 2);
    json_decref(rows);
    rows = select_rows(f->db, "Ucast_Macs_Local",
                       "[[\"MAC\",\"==\",\"00:00:00:00:0b:01\"]]");
    assert_int_equal(json_array_size(rows), 1);
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "ipaddr"),
                             "\"192.168.5.1\"");
    /* The locator is this VTEP's, created once for both rows. */
    json_t *loc = json_object_get(json_array_get(rows, 0), "locator");
    json_t *locs = select_rows(f->db, "Physical_Locator",
                               "[[\"dst_ip\",\"==\",\"10.0.0.1\"]]");
    assert_int_equal(json_array_size(locs), 1);
    assert_true(json_equal(loc, json_object_get(json_array_get(locs, 0), "_uuid")));
    json_decref(locs);
    json_decref(rows);

    /* The same events again, and a move: nothing to write. */
    ops = vtep_db_local_mac_ops(f->db, tip, ev, 3, NULL);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);
    ev[0].kind = VTEP_DB_MAC_MOVED;
    ops = vtep_db_local_mac_ops(f->db, tip, ev, 1, NULL);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    /* Learned again with an IP: only ipaddr is written. */
    ev[0].kind = VTEP_DB_MAC_LEARNED;
    ev[0].has_ip = true;
    ev[0].ip = testlib_ipv4("192.168.5.2");
    ops = vtep_db_local_mac_ops(f->db, tip, ev, 1, NULL);
    assert_int_equal(json_array_size(ops), 1);
    testlib_assert_json_text(json_object_get(json_array_get(ops, 0), "op"), "\"update\"");
    testlib_execute_ok(f->db, ops);
    rows = select_rows(f->db, "Ucast_Macs_Local",
                       "[[\"MAC\",\"==\",\"00:00:00:00:0a:01\"]]");
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "ipaddr"),
                             "\"192.168.5.2\"");
    json_decref(rows);

    /* Aged: deleted; the locator goes with the last row that used it. */
    ev[1].kind = VTEP_DB_MAC_AGED;
    testlib_execute_ok(f->db, vtep_db_local_mac_ops(f->db, tip, &ev[1], 1, NULL));
    rows = local_macs(f->db);
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);
    ev[0].kind = VTEP_DB_MAC_AGED;
    testlib_execute_ok(f->db, vtep_db_local_mac_ops(f->db, tip, ev, 1, NULL));
    assert_int_equal(count_rows(f->db, "Ucast_Macs_Local"), 0);
    rows = select_rows(f->db, "Physical_Locator", "[[\"dst_ip\",\"==\",\"10.0.0.1\"]]");
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);
    /* Aging what is not there writes nothing. */
    ops = vtep_db_local_mac_ops(f->db, tip, ev, 1, NULL);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    /* In one batch the last event of a MAC wins: learned then aged is
     * nothing; aged then learned is a row. */
    struct vtep_db_mac_event batch[] = {
        { .ls_name = "ls0", .mac = testlib_mac("00:00:00:00:0d:01"), .kind = VTEP_DB_MAC_LEARNED },
        { .ls_name = "ls0", .mac = testlib_mac("00:00:00:00:0e:01"), .kind = VTEP_DB_MAC_AGED },
        { .ls_name = "ls0", .mac = testlib_mac("00:00:00:00:0d:01"), .kind = VTEP_DB_MAC_AGED },
        { .ls_name = "ls0", .mac = testlib_mac("00:00:00:00:0e:01"), .kind = VTEP_DB_MAC_LEARNED },
        { .ls_name = "ls1", .mac = testlib_mac("00:00:00:00:0f:01"), .kind = VTEP_DB_MAC_LEARNED },
    };
    testlib_execute_ok(f->db, vtep_db_local_mac_ops(f->db, tip, batch, 5, NULL));
    rows = local_macs(f->db);
    assert_int_equal(json_array_size(rows), 2);
    json_decref(rows);
    rows = select_rows(f->db, "Ucast_Macs_Local", "[[\"MAC\",\"==\",\"00:00:00:00:0e:01\"]]");
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);

    /* A learn computed on a stale view (the row exists by now) fails its
     * guard instead of adding a duplicate. */
    struct vtep_db_mac_event fresh = {
        .ls_name = "ls0", .mac = testlib_mac("00:00:00:00:10:01"), .kind = VTEP_DB_MAC_LEARNED
    };
    ops = vtep_db_local_mac_ops(f->db, tip, &fresh, 1, NULL);
    testlib_execute_ok(f->db, json_incref(ops));
    before = dump_db(f->db);
    json_decref(run(f->db, ops));
    after = dump_db(f->db);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void
test_event_from_learn(void **state)
{
    struct fixture *f = *state;
    struct vtep_config c;
    struct vtep_db_mac_event out;
    struct vtep_learn_event in = {
        .sw = 7, .vni = 5001, .mac = testlib_mac("00:00:00:00:00:aa"),
        .kind = VTEP_LEARN_AGED, .has_ip = true, .ip = testlib_ipv4("1.2.3.4"),
    };

    assert_int_equal(vtep_db_build_config(f->db, "ps0", &c), 0);
    assert_true(vtep_db_mac_event_from_learn(&c, &in, &out));
    assert_string_equal(out.ls_name, "ls1");
    assert_int_equal(out.kind, VTEP_DB_MAC_AGED);
    assert_mac(&out.mac, "00:00:00:00:00:aa");
    assert_true(out.has_ip);
    testlib_assert_ipv4(out.ip, "1.2.3.4");
    in.vni = 1;
    assert_false(vtep_db_mac_event_from_learn(&c, &in, &out));
    vtep_config_destroy(&c);
}

static void
test_mcast_local(void **state)
{
    struct fixture *f = *state;
    struct in_addr tip = testlib_ipv4("10.0.0.1");
    json_t *ops, *rows, *sets;

    /* ls0, ls1 and ls2 are bound to ps0's ports (ls3 to "other"). */
    testlib_execute_ok(f->db, vtep_db_mcast_local_ops(f->db, "ps0", tip));
    rows = select_rows(f->db, "Mcast_Macs_Local", "[[\"MAC\",\"==\",\"unknown-dst\"]]");
    assert_int_equal(json_array_size(rows), 3);
    json_decref(rows);
    /* One shared set of this VTEP's locator alone. */
    sets = select_rows(f->db, "Physical_Locator_Set", "[]");
    assert_int_equal(json_array_size(sets), 4);     /* + vtep-ctl's 3 */
    json_decref(sets);

    ops = vtep_db_mcast_local_ops(f->db, "ps0", tip);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    /* Unbind ls2: its row goes. */
    run_text(f->db, "[{\"op\":\"mutate\",\"table\":\"Physical_Port\","
             "\"where\":[[\"name\",\"==\",\"p1\"]],"
             "\"mutations\":[[\"vlan_bindings\",\"delete\",[\"set\",[200]]]]}]");
    testlib_execute_ok(f->db, vtep_db_mcast_local_ops(f->db, "ps0", tip));
    assert_int_equal(count_rows(f->db, "Mcast_Macs_Local"), 2);

    /* A new tunnel IP: the rows are rewritten with the new locator. */
    testlib_execute_ok(f->db, vtep_db_mcast_local_ops(f->db, "ps0", testlib_ipv4("10.0.0.99")));
    assert_int_equal(count_rows(f->db, "Mcast_Macs_Local"), 2);
    rows = select_rows(f->db, "Physical_Locator", "[[\"dst_ip\",\"==\",\"10.0.0.99\"]]");
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);
    ops = vtep_db_mcast_local_ops(f->db, "ps0", testlib_ipv4("10.0.0.99"));
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);
}

/* ---- 4. tunnels and stats ---- */

static void
test_tunnels(void **state)
{
    struct fixture *f = *state;
    struct in_addr local = testlib_ipv4("10.0.0.1");
    struct in_addr r1[] = { testlib_ipv4("10.0.0.2"), testlib_ipv4("10.0.0.3"), testlib_ipv4("10.0.0.2") };
    struct in_addr r2[] = { testlib_ipv4("10.0.0.3"), testlib_ipv4("10.0.0.50") };
    json_t *ops, *rows;

    testlib_execute_ok(f->db, vtep_db_tunnel_ops(f->db, "ps0", local, r1, 3));
    assert_int_equal(count_rows(f->db, "Tunnel"), 2);
    ops = vtep_db_tunnel_ops(f->db, "ps0", local, r1, 3);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    testlib_execute_ok(f->db, vtep_db_tunnel_ops(f->db, "ps0", local, r2, 2));
    assert_int_equal(count_rows(f->db, "Tunnel"), 2);
    rows = select_rows(f->db, "Physical_Locator", "[[\"dst_ip\",\"==\",\"10.0.0.50\"]]");
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);
    rows = select_rows(f->db, "Physical_Switch", "[[\"name\",\"==\",\"ps0\"]]");
    assert_int_equal(json_array_size(json_array_get(json_object_get(
        json_array_get(rows, 0), "tunnels"), 1)), 2);
    json_decref(rows);

    testlib_execute_ok(f->db, vtep_db_tunnel_ops(f->db, "ps0", local, NULL, 0));
    assert_int_equal(count_rows(f->db, "Tunnel"), 0);
    ops = vtep_db_tunnel_ops(f->db, "nope", local, r1, 1);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);
}

static void
test_stats(void **state)
{
    struct fixture *f = *state;
    struct vtep_db_binding_stats st[] = {
        { .port = "p0", .vlan = 0, .bytes_from_local = 1000,
          .packets_from_local = 10, .bytes_to_local = 2000, .packets_to_local = 20 },
        { .port = "p0", .vlan = 100, .bytes_from_local = UINT64_MAX },
        { .port = "p1", .vlan = 999, .bytes_from_local = 5 },     /* not bound */
        { .port = "zz", .vlan = 0, .bytes_from_local = 5 },       /* no port */
    };
    json_t *ops, *rows;

    testlib_execute_ok(f->db, vtep_db_stats_ops(f->db, "ps0", st, 4));
    assert_int_equal(count_rows(f->db, "Logical_Binding_Stats"), 2);
    rows = select_rows(f->db, "Logical_Binding_Stats",
                       "[[\"bytes_from_local\",\"==\",1000]]");
    assert_int_equal(json_array_size(rows), 1);
    testlib_assert_json_text(json_object_get(json_array_get(rows, 0), "packets_to_local"), "20");
    json_decref(rows);
    rows = select_rows(f->db, "Logical_Binding_Stats",
                       "[[\"bytes_from_local\",\"==\",9223372036854775807]]");
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);

    ops = vtep_db_stats_ops(f->db, "ps0", st, 4);
    assert_int_equal(json_array_size(ops), 0);
    json_decref(ops);

    st[0].packets_from_local = 11;
    ops = vtep_db_stats_ops(f->db, "ps0", st, 1);
    assert_int_equal(json_array_size(ops), 1);
    testlib_execute_ok(f->db, ops);
    rows = select_rows(f->db, "Logical_Binding_Stats",
                       "[[\"packets_from_local\",\"==\",11]]");
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);

    /* Unbinding VLAN 100 drops its stats row. */
    run_text(f->db, "[{\"op\":\"mutate\",\"table\":\"Physical_Port\","
             "\"where\":[[\"name\",\"==\",\"p0\"]],"
             "\"mutations\":[[\"vlan_bindings\",\"delete\",[\"set\",[100]]]]}]");
    testlib_execute_ok(f->db, vtep_db_stats_ops(f->db, "ps0", NULL, 0));
    assert_int_equal(count_rows(f->db, "Logical_Binding_Stats"), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_from_vtepctl, setup_vtepctl, teardown),
        cmocka_unit_test_setup_teardown(test_config_bad_rows, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_startup_empty_db, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_startup_vtepctl_db, setup_vtepctl, teardown),
        cmocka_unit_test_setup_teardown(test_startup_managers, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_startup_port_patterns, setup_empty,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_ops, setup_vtepctl, teardown),
        cmocka_unit_test_setup_teardown(test_local_macs, setup_vtepctl, teardown),
        cmocka_unit_test_setup_teardown(test_event_from_learn, setup_vtepctl, teardown),
        cmocka_unit_test_setup_teardown(test_mcast_local, setup_vtepctl, teardown),
        cmocka_unit_test_setup_teardown(test_tunnels, setup_vtepctl, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup_vtepctl, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
