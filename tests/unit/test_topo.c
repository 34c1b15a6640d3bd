/* Unit tests for src/controller/topo.c (seamd's host links from LLDP),
 * sans I/O: an in-memory NB (schemas/seam_nb.ovsschema) and an in-memory
 * hardware_vtep database of VTEP tor1 whose Physical_Port other_config
 * keys the tests set as seam-vtep's LLDP agent would (docs/lldp.md); every
 * ops array topo_run() returns is run on the NB, and the Host_Link rows
 * are read back.  The device mappings' parser and its refusals too, and
 * the chassis ID match of a bare-metal port's switch_id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "controller/dbrow.h"
#include "controller/topo.h"
#include "lib/ds.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/testlib.h"
#include "lib/util.h"
#include "ovsdb/db.h"

/* ---- databases ---- */


static struct ovsdb_db *
nb_db(void)
{
    const char *src = getenv("SEAM_SRCDIR");
    char *path = xasprintf("%s/schemas/seam_nb.ovsschema", src ? src : ".");
    struct ovsdb_db *db = ovsdb_db_create(testlib_load_schema(path));
    free(path);
    testlib_execute_ok(db, testlib_parse(
        "[{\"op\":\"insert\",\"table\":\"VTEP\",\"row\":{\"name\":\"tor1\",\"role\":\"tor\"}},"
        " {\"op\":\"insert\",\"table\":\"Network\",\"uuid-name\":\"n\","
        "  \"row\":{\"vni\":5000}},"
        " {\"op\":\"insert\",\"table\":\"Port\",\"row\":"
        "   {\"network\":[\"named-uuid\",\"n\"],\"binding_host_id\":\"server2\",\"mac_address\":\"fa:16:3e:00:00:02\","
        "    \"binding_vnic_type\":\"direct\"}},"
        " {\"op\":\"insert\",\"table\":\"Port\",\"row\":"
        "   {\"network\":[\"named-uuid\",\"n\"],\"binding_host_id\":\"server1\",\"mac_address\":\"fa:16:3e:00:00:01\","
        "    \"binding_vnic_type\":\"direct\"}}]"));
    return db;
}

/* tor1 with ports p1, p2, p3 and no LLDP keys. */
static struct ovsdb_db *
tor_db(void)
{
    char *path = testlib_data_path("ovsdb/vtep.ovsschema");
    struct ovsdb_db *db = ovsdb_db_create(testlib_load_schema(path));
    free(path);
    testlib_execute_ok(db, testlib_parse(
        "[{\"op\":\"insert\",\"table\":\"Global\",\"row\":{\"switches\":"
        "   [\"named-uuid\",\"ps\"]}},"
        " {\"op\":\"insert\",\"table\":\"Physical_Switch\",\"uuid-name\":\"ps\","
        "  \"row\":{\"name\":\"tor1\",\"ports\":[\"set\",[[\"named-uuid\",\"a\"],"
        "   [\"named-uuid\",\"b\"],[\"named-uuid\",\"c\"]]]}},"
        " {\"op\":\"insert\",\"table\":\"Physical_Port\",\"uuid-name\":\"a\","
        "  \"row\":{\"name\":\"p1\"}},"
        " {\"op\":\"insert\",\"table\":\"Physical_Port\",\"uuid-name\":\"b\","
        "  \"row\":{\"name\":\"p2\"}},"
        " {\"op\":\"insert\",\"table\":\"Physical_Port\",\"uuid-name\":\"c\","
        "  \"row\":{\"name\":\"p3\"}}]"));
    return db;
}

/* Sets the other_config of tor1's port 'port' to the map 'json' ("[]":
 * none). */
static void
set_keys(struct ovsdb_db *db, const char *port, const char *json)
{
    char *text = xasprintf("[{\"op\":\"update\",\"table\":\"Physical_Port\","
                           "\"where\":[[\"name\",\"==\",\"%s\"]],"
                           "\"row\":{\"other_config\":[\"map\",%s]}}]", port, json);
    testlib_execute_ok(db, testlib_parse(text));
    free(text);
}

/* The Host_Link rows as "host/physnet>vtep:port(source)" sorted, joined
 * with spaces. */
static char *
host_links(struct ovsdb_db *nb)
{
    const struct ovsdb_table *t = dbrow_table(nb, "Host_Link");
    char *items[16];
    size_t n = 0;
    const struct ovsdb_row *row;
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        assert_true(n < ARRAY_SIZE(items));
        items[n++] = xasprintf("%s/%s>%s:%s(%s)", dbrow_str(row, "host"),
                               dbrow_str(row, "physical_network"),
                               dbrow_str(row, "vtep"), dbrow_str(row, "port"),
                               dbrow_str(row, "source"));
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (strcmp(items[j], items[i]) < 0) {
                char *x = items[i];
                items[i] = items[j];
                items[j] = x;
            }
        }
    }
    struct ds s;
    ds_init(&s);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&s, "%s%s", i ? " " : "", items[i]);
        free(items[i]);
    }
    return ds_steal_cstr(&s);
}

struct fx {
    struct ovsdb_db *nb, *tor;
    bool tor_up;                        /* Its session is synced. */
    struct topo_mappings *maps;
    struct topo *topo;
};

static const struct ovsdb_db *
get_vtep_db(void *fx_, const char *name)
{
    struct fx *f = fx_;
    return f->tor_up && !strcmp(name, "tor1") ? f->tor : NULL;
}

/* Runs topo at 'now_ms', applies its ops, returns how many there were;
 * '*next' gets its deadline. */
static size_t
pass(struct fx *f, long long now_ms, long long *next)
{
    long long dummy;
    json_t *ops = topo_run(f->topo, f->nb, get_vtep_db, f, now_ms,
                           next ? next : &dummy);
    size_t n = json_array_size(ops);
    testlib_execute_ok(f->nb, ops);
    return n;
}

static void
assert_links(struct fx *f, const char *expect)
{
    char *got = host_links(f->nb);
    if (strcmp(got, expect)) {
        fail_msg("host links \"%s\", expected \"%s\"", got, expect);
    }
    free(got);
}

static int
setup(void **state)
{
    struct fx *f = xzalloc(sizeof *f);
    f->nb = nb_db();
    f->tor = tor_db();
    f->tor_up = true;
    char *err = NULL;
    assert_int_equal(topo_mappings_parse(&f->maps, NULL,
                                         "physnet1:ens1f0, physnet3:ens1f0", &err), 0);
    assert_int_equal(topo_mappings_parse(&f->maps, "server2",
                                         "physnet2:ens2f0", &err), 0);
    f->topo = topo_create(f->maps);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    topo_destroy(f->topo);
    topo_mappings_destroy(f->maps);
    ovsdb_db_destroy(f->nb);
    ovsdb_db_destroy(f->tor);
    free(f);
    return 0;
}

/* ---- tests ---- */

static void
count_cb(void *n_, const char *physnet)
{
    (*(size_t *) n_)++;
}

static void
test_mappings(void **state)
{
    struct fx *f = *state;
    size_t n = 0;
    /* Common mappings for every host; a NIC on two physnets. */
    assert_int_equal(topo_mappings_lookup(f->maps, "server1", "ens1f0",
                                          count_cb, &n), 2);
    /* server2 has its own: the common ones do not apply to it. */
    assert_int_equal(topo_mappings_lookup(f->maps, "server2", "ens1f0",
                                          count_cb, &n), 0);
    assert_int_equal(topo_mappings_lookup(f->maps, "server2", "ens2f0",
                                          count_cb, &n), 1);
    assert_int_equal(topo_mappings_lookup(NULL, "server2", "ens2f0",
                                          count_cb, &n), 0);

    static const char *const bad[] = {
        "physnet1", ":ens1f0", "physnet1:", "a:b:c", "physnet1:ens1f0,x",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct topo_mappings *m = NULL;
        char *err = NULL;
        assert_int_equal(topo_mappings_parse(&m, NULL, bad[i], &err), -EINVAL);
        assert_non_null(strstr(err, "is not PHYSICAL_NETWORK:NIC"));
        free(err);
        topo_mappings_destroy(m);
    }
    /* Given again for the same host: replaced. */
    char *err = NULL;
    assert_int_equal(topo_mappings_parse(&f->maps, "server2", "physnet9:eth9",
                                         &err), 0);
    n = 0;
    assert_int_equal(topo_mappings_lookup(f->maps, "server2", "ens2f0",
                                          count_cb, &n), 0);
    assert_int_equal(topo_mappings_lookup(f->maps, "server2", "eth9",
                                          count_cb, &n), 1);
}

static void
test_links_follow_neighbours(void **state)
{
    struct fx *f = *state;
    long long next;

    /* Nothing heard: nothing. */
    assert_int_equal(pass(f, 0, &next), 0);
    assert_int_equal(next, LLONG_MAX);
    assert_links(f, "");

    /* server2's ens2f0 on p2 (port ID), server1's ens1f0 on p1 (port
     * description only: lldpd's default port ID is a MAC). */
    set_keys(f->tor, "p2", "[[\"lldp:system_name\",\"server2\"],"
             "[\"lldp:port_id\",\"ens2f0\"],[\"lldp:ttl\",\"4\"]]");
    set_keys(f->tor, "p1", "[[\"lldp:system_name\",\"server1\"],"
             "[\"lldp:port_id\",\"52:54:00:00:00:01\"],"
             "[\"lldp:port_description\",\"ens1f0\"],[\"lldp:ttl\",\"120\"]]");
    assert_int_equal(pass(f, 1000, NULL), 3);
    assert_links(f, "server1/physnet1>tor1:p1(lldp) server1/physnet3>tor1:p1(lldp) "
                 "server2/physnet2>tor1:p2(lldp)");
    assert_int_equal(pass(f, 1100, NULL), 0);         /* Idempotent. */

    /* An unknown host, an unmapped NIC: nothing. */
    set_keys(f->tor, "p3", "[[\"lldp:system_name\",\"stranger\"],"
             "[\"lldp:port_id\",\"ens1f0\"]]");
    assert_int_equal(pass(f, 1200, NULL), 0);
    set_keys(f->tor, "p3", "[[\"lldp:system_name\",\"server2\"],"
             "[\"lldp:port_id\",\"eth7\"]]");
    assert_int_equal(pass(f, 1300, NULL), 0);

    /* The cable moves: p2 loses server2, p3 hears it: one update. */
    set_keys(f->tor, "p2", "[]");
    set_keys(f->tor, "p3", "[[\"lldp:system_name\",\"server2\"],"
             "[\"lldp:port_id\",\"ens2f0\"],[\"lldp:ttl\",\"4\"]]");
    assert_int_equal(pass(f, 2000, NULL), 1);
    assert_links(f, "server1/physnet1>tor1:p1(lldp) server1/physnet3>tor1:p1(lldp) "
                 "server2/physnet2>tor1:p3(lldp)");

    /* server2 goes silent: kept for its TTL (4 s) from when it went. */
    set_keys(f->tor, "p3", "[]");
    assert_int_equal(pass(f, 3000, &next), 0);
    assert_int_equal(next, 7000);
    assert_int_equal(pass(f, 6999, &next), 0);
    assert_links(f, "server1/physnet1>tor1:p1(lldp) server1/physnet3>tor1:p1(lldp) "
                 "server2/physnet2>tor1:p3(lldp)");
    /* Back before it expired: kept, no deadline. */
    set_keys(f->tor, "p3", "[[\"lldp:system_name\",\"server2\"],"
             "[\"lldp:port_id\",\"ens2f0\"],[\"lldp:ttl\",\"4\"]]");
    assert_int_equal(pass(f, 6999, &next), 0);
    assert_int_equal(next, LLONG_MAX);
    set_keys(f->tor, "p3", "[]");
    assert_int_equal(pass(f, 8000, &next), 0);
    assert_int_equal(next, 12000);
    assert_int_equal(pass(f, 12000, &next), 1);       /* The delete. */
    assert_links(f, "server1/physnet1>tor1:p1(lldp) server1/physnet3>tor1:p1(lldp)");
}

static void
test_static_and_unknown_vtep(void **state)
{
    struct fx *f = *state;
    set_keys(f->tor, "p2", "[[\"lldp:system_name\",\"server2\"],"
             "[\"lldp:port_id\",\"ens2f0\"],[\"lldp:ttl\",\"4\"]]");
    testlib_execute_ok(f->nb, testlib_parse(
        "[{\"op\":\"insert\",\"table\":\"Host_Link\",\"row\":{\"host\":\"server2\","
        "  \"physical_network\":\"physnet2\",\"vtep\":\"tor1\",\"port\":\"p1\","
        "  \"source\":\"static\"}}]"));
    assert_int_equal(pass(f, 0, NULL), 1);
    /* The static row is left as it is, beside the lldp one. */
    assert_links(f, "server2/physnet2>tor1:p1(static) server2/physnet2>tor1:p2(lldp)");

    /* The VTEP's session goes down: nothing is known, nothing changes, even
     * long after the TTL. */
    f->tor_up = false;
    set_keys(f->tor, "p2", "[]");
    assert_int_equal(pass(f, 1000, NULL), 0);
    assert_int_equal(pass(f, 100000, NULL), 0);
    assert_links(f, "server2/physnet2>tor1:p1(static) server2/physnet2>tor1:p2(lldp)");
    /* Back, without the neighbour: kept for the TTL, then gone. */
    f->tor_up = true;
    assert_int_equal(pass(f, 200000, NULL), 0);
    assert_int_equal(pass(f, 204000, NULL), 1);
    assert_links(f, "server2/physnet2>tor1:p1(static)");

    /* An lldp row nobody hears (written by a seamd before a restart) on a
     * VTEP whose replica is here: removed; on an unknown VTEP: left. */
    testlib_execute_ok(f->nb, testlib_parse(
        "[{\"op\":\"insert\",\"table\":\"Host_Link\",\"row\":{\"host\":\"server1\","
        "  \"physical_network\":\"physnet1\",\"vtep\":\"tor1\",\"port\":\"p3\","
        "  \"source\":\"lldp\"}}]"));
    f->tor_up = false;
    assert_int_equal(pass(f, 205000, NULL), 0);
    f->tor_up = true;
    assert_int_equal(pass(f, 205100, NULL), 1);
    assert_links(f, "server2/physnet2>tor1:p1(static)");
}

static void
test_first_port_wins(void **state)
{
    struct fx *f = *state;
    /* server1's ens1f0 heard on p3 and p1 (a hub, a loop): p1, whatever
     * the order of the rows. */
    set_keys(f->tor, "p3", "[[\"lldp:system_name\",\"server1\"],"
             "[\"lldp:port_id\",\"ens1f0\"]]");
    set_keys(f->tor, "p1", "[[\"lldp:system_name\",\"server1\"],"
             "[\"lldp:port_id\",\"ens1f0\"]]");
    assert_int_equal(pass(f, 0, NULL), 2);
    assert_links(f, "server1/physnet1>tor1:p1(lldp) server1/physnet3>tor1:p1(lldp)");
    assert_int_equal(pass(f, 10, NULL), 0);
}

/* A hypervisor VTEP's ports are VM taps: what a tenant sends there in LLDP
 * never makes a host link. */
static void
test_hypervisor_ignored(void **state)
{
    struct fx *f = *state;
    testlib_execute_ok(f->nb, testlib_parse(
        "[{\"op\":\"update\",\"table\":\"VTEP\",\"where\":[],"
        "  \"row\":{\"role\":\"hypervisor\"}}]"));
    set_keys(f->tor, "p2", "[[\"lldp:system_name\",\"server2\"],"
             "[\"lldp:port_id\",\"ens2f0\"],[\"lldp:ttl\",\"4\"]]");
    assert_int_equal(pass(f, 0, NULL), 0);
    assert_links(f, "");
}

static void
test_chassis_id(void **state)
{
    struct fx *f = *state;
    assert_false(topo_vtep_has_chassis_id(f->tor, "tor1", "02:5e:a0:00:00:01"));
    testlib_execute_ok(f->tor, testlib_parse(
        "[{\"op\":\"update\",\"table\":\"Physical_Switch\",\"where\":[],"
        "  \"row\":{\"other_config\":[\"map\",[[\"lldp:chassis_id\","
        "   \"02:5e:a0:00:00:01\"]]]}}]"));
    assert_true(topo_vtep_has_chassis_id(f->tor, "tor1", "02:5e:a0:00:00:01"));
    assert_true(topo_vtep_has_chassis_id(f->tor, "tor1", "02:5E:A0:00:00:01"));
    assert_false(topo_vtep_has_chassis_id(f->tor, "tor1", "02:5e:a0:00:00:02"));
    assert_false(topo_vtep_has_chassis_id(f->tor, "tor1", "tor1"));
    assert_false(topo_vtep_has_chassis_id(NULL, "tor1", "02:5e:a0:00:00:01"));
}

int
main(void)
{
    log_set_level(LOG_LEVEL_WARN);      /* topo's info lines per link. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mappings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_follow_neighbours, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_static_and_unknown_vtep, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_first_port_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hypervisor_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chassis_id, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
