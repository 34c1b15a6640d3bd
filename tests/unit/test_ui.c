/* Unit tests of the live page's data, ui_topology() (src/controller/ui.c):
 * an in-memory NB (schemas/seam_nb.ovsschema) filled with insert ops, and
 * the document checked member by member. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/testlib.h"

#include <stdlib.h>
#include <string.h>

#include "controller/ui.h"
#include "lib/util.h"
#include "ovsdb/db.h"
#include "ovsdb/execution.h"

#define NET1 "11111111-1111-4111-8111-111111111111"
#define SUB1 "44444444-4444-4444-8444-444444444444"
#define PVM "55555555-5555-4555-8555-555555555555"      /* VM on hv1. */
#define PSR "66666666-6666-4666-8666-666666666666"      /* VF on server2. */
#define PSR2 "66666666-6666-4666-8666-666666666667"     /* Another, same host. */
#define PSR3 "88888888-8888-4888-8888-888888888888"     /* VF on server3. */
#define PBAD "99999999-9999-4999-8999-999999999990"     /* No host link. */
#define GW "99999999-9999-4999-8999-999999999999"
#define CONN "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"

static void
run_text(struct ovsdb_db *db, const char *text)
{
    json_t *ops = testlib_parse(text), *result = NULL;
    long long timeout = 0;
    assert_true(ovsdb_execute(db, NULL, ops, 0, &timeout, &result));
    for (size_t i = 0; i < json_array_size(ops); i++) {
        const json_t *r = json_array_get(result, i);
        if (!r || json_object_get(r, "error")) {
            char *rt = testlib_dump(result);
            fail_msg("ops %s failed: %s", text, rt);
        }
    }
    json_decref(result);
    json_decref(ops);
}

static void
ins(struct ovsdb_db *db, const char *table, const char *uuid, const char *row)
{
    char *text = uuid ? xasprintf("[{\"op\":\"insert\",\"table\":\"%s\",\"uuid\":\"%s\","
                                  "\"row\":%s}]", table, uuid, row)
                      : xasprintf("[{\"op\":\"insert\",\"table\":\"%s\",\"row\":%s}]",
                                  table, row);
    run_text(db, text);
    free(text);
}

static void
port(struct ovsdb_db *db, const char *uuid, const char *mac, const char *host,
     const char *vnic, const char *created)
{
    char *row = xasprintf("{\"network\":[\"uuid\",\"" NET1 "\"],\"name\":\"p-%.4s\","
                          "\"mac_address\":\"%s\",\"binding_host_id\":\"%s\","
                          "\"binding_vnic_type\":\"%s\",\"created_at\":\"%s\","
                          "\"status\":\"ACTIVE\"}", uuid, mac, host, vnic, created);
    ins(db, "Port", uuid, row);
    free(row);
}

/* Returns a new, empty NB database (schemas/seam_nb.ovsschema of
 * $SEAM_SRCDIR, else of "."); free it with ovsdb_db_destroy(). */
static struct ovsdb_db *
nb_db_create(void)
{
    const char *src = getenv("SEAM_SRCDIR");
    char *path = xasprintf("%s/schemas/seam_nb.ovsschema", src ? src : ".");
    struct ovsdb_db *db = ovsdb_db_create(testlib_load_schema(path));
    free(path);
    return db;
}

/* Three VTEPs (tor1, tor2, hv1), network NET1 (VNI 5000, vlan 2901 on
 * physnet1, vlan 2900 on physnet2), a VM on hv1, two VFs on server2 (tor1
 * p1), one on server3 (tor2 p3), a port whose host has no link, and an L2
 * gateway connection on tor2 p5 VLAN 100. */
static int
setup(void **state)
{
    struct ovsdb_db *db = nb_db_create();

    ins(db, "VTEP", NULL, "{\"name\":\"tor2\",\"role\":\"tor\",\"tunnel_ip\":\"10.0.0.2\","
        "\"connection_state\":\"connected\",\"in_sync\":true}");
    ins(db, "VTEP", NULL, "{\"name\":\"tor1\",\"role\":\"tor\",\"tunnel_ip\":\"10.0.0.1\","
        "\"target\":\"tcp:127.0.0.1:1\",\"connection_state\":\"connecting\"}");
    ins(db, "VTEP", NULL, "{\"name\":\"hv1\",\"role\":\"hypervisor\","
        "\"tunnel_ip\":\"10.0.0.3\"}");
    ins(db, "Network", NET1, "{\"name\":\"n1\",\"vni\":5000,\"status\":\"ACTIVE\"}");
    ins(db, "Segment", NULL, "{\"network\":[\"uuid\",\"" NET1 "\"],\"network_type\":"
        "\"vlan\",\"physical_network\":\"physnet2\",\"segmentation_id\":2900,"
        "\"segment_index\":2}");
    ins(db, "Segment", NULL, "{\"network\":[\"uuid\",\"" NET1 "\"],\"network_type\":"
        "\"vxlan\",\"segmentation_id\":5000,\"segment_index\":0}");
    ins(db, "Segment", NULL, "{\"network\":[\"uuid\",\"" NET1 "\"],\"network_type\":"
        "\"vlan\",\"physical_network\":\"physnet1\",\"segmentation_id\":2901,"
        "\"segment_index\":1}");
    ins(db, "Subnet", SUB1, "{\"network\":[\"uuid\",\"" NET1 "\"],"
        "\"cidr\":\"192.168.10.0/24\",\"ip_version\":4}");
    ins(db, "Host_Link", NULL, "{\"host\":\"server2\",\"physical_network\":\"physnet1\","
        "\"vtep\":\"tor1\",\"port\":\"p1\",\"source\":\"static\"}");
    ins(db, "Host_Link", NULL, "{\"host\":\"server3\",\"physical_network\":\"physnet2\","
        "\"vtep\":\"tor2\",\"port\":\"p3\",\"source\":\"lldp\"}");
    ins(db, "Host_Link", NULL, "{\"host\":\"server9\",\"physical_network\":\"physnet1\","
        "\"vtep\":\"tor2\",\"port\":\"p9\",\"source\":\"static\"}");
    port(db, PVM, "fa:16:3e:00:00:01", "hv1", "normal", "2026-01-01T00:00:01Z");
    port(db, PSR, "fa:16:3e:00:00:02", "server2", "direct", "2026-01-01T00:00:02Z");
    port(db, PSR2, "fa:16:3e:00:00:03", "server2", "direct", "2026-01-01T00:00:03Z");
    port(db, PSR3, "fa:16:3e:00:00:04", "server3", "direct", "2026-01-01T00:00:04Z");
    port(db, PBAD, "fa:16:3e:00:00:05", "nowhere", "direct", "2026-01-01T00:00:05Z");
    run_text(db, "[{\"op\":\"update\",\"table\":\"Port\",\"where\":[[\"_uuid\",\"==\","
             "[\"uuid\",\"" PBAD "\"]]],\"row\":{\"status\":\"DOWN\"}}]");
    ins(db, "L2_Gateway", GW, "{\"name\":\"gw\"}");
    ins(db, "L2_Gateway_Interface", NULL, "{\"gateway\":[\"uuid\",\"" GW "\"],"
        "\"device_name\":\"tor2\",\"interface_name\":\"p5\","
        "\"segmentation_ids\":[\"set\",[100]]}");
    ins(db, "L2_Gateway_Connection", CONN, "{\"gateway\":[\"uuid\",\"" GW "\"],"
        "\"network\":[\"uuid\",\"" NET1 "\"]}");
    *state = db;
    return 0;
}

static int
teardown(void **state)
{
    ovsdb_db_destroy(*state);
    return 0;
}

/* Member 'key' of the element of 'array' whose "name" is 'name'. */
static json_t *
named(json_t *array, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach (array, i, e) {
        if (!strcmp(json_string_value(json_object_get(e, "name")), name)) {
            return e;
        }
    }
    fail_msg("no %s in %s", name, testlib_dump(array));
    return NULL;
}

static void
test_empty(void **state)
{
    struct ovsdb_db *db = nb_db_create();
    json_t *t = ui_topology(db);
    testlib_assert_json_text(t, "{\"vteps\":[],\"tunnels\":[],\"networks\":[],"
                             "\"ports\":[]}");
    json_decref(t);
    ovsdb_db_destroy(db);
}

static void
test_vteps(void **state)
{
    json_t *t = ui_topology(*state);
    json_t *vteps = json_object_get(t, "vteps");

    assert_int_equal(json_array_size(vteps), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(vteps, 0),
                                                          "name")), "hv1");
    json_t *tor1 = named(vteps, "tor1");
    testlib_assert_json_text(json_object_get(tor1, "ports"),
        "[{\"name\":\"p1\",\"bindings\":[{\"vlan\":2901,\"network_id\":\"" NET1 "\","
        "\"source\":\"port\",\"source_id\":\"" PSR "\",\"source_name\":\"p-6666\","
        "\"status\":\"ACTIVE\"}],"
        "\"host_links\":[{\"host\":\"server2\",\"physical_network\":\"physnet1\","
        "\"source\":\"static\"}]}]");
    assert_string_equal(json_string_value(json_object_get(tor1, "connection_state")),
                        "connecting");
    assert_false(json_is_true(json_object_get(tor1, "in_sync")));
    assert_string_equal(json_string_value(json_object_get(tor1, "target")),
                        "tcp:127.0.0.1:1");
    /* Both VFs of server2 sit behind p1. */
    assert_int_equal(json_integer_value(json_object_get(tor1, "n_local_ports")), 2);
    assert_int_equal(json_integer_value(json_object_get(tor1, "n_bindings")), 1);
    /* Remote MACs on tor1: the VM on hv1 and server3's VF on tor2. */
    assert_int_equal(json_integer_value(json_object_get(tor1, "n_remote_macs")), 2);

    json_t *tor2 = named(vteps, "tor2");
    assert_true(json_is_true(json_object_get(tor2, "in_sync")));
    assert_true(json_is_null(json_object_get(tor2, "target")));
    testlib_assert_json_text(json_object_get(tor2, "ports"),
        "[{\"name\":\"p3\",\"bindings\":[{\"vlan\":2900,\"network_id\":\"" NET1 "\","
        "\"source\":\"port\",\"source_id\":\"" PSR3 "\",\"source_name\":\"p-8888\","
        "\"status\":\"ACTIVE\"}],"
        "\"host_links\":[{\"host\":\"server3\",\"physical_network\":\"physnet2\","
        "\"source\":\"lldp\"}]},"
        "{\"name\":\"p5\",\"bindings\":[{\"vlan\":100,\"network_id\":\"" NET1 "\","
        "\"source\":\"l2gw_connection\",\"source_id\":\"" CONN "\","
        "\"source_name\":\"gw\",\"status\":\"DOWN\"}],\"host_links\":[]},"
        "{\"name\":\"p9\",\"bindings\":[],\"host_links\":[{\"host\":\"server9\","
        "\"physical_network\":\"physnet1\",\"source\":\"static\"}]}]");
    assert_string_equal(json_string_value(json_object_get(named(vteps, "hv1"), "role")),
                        "hypervisor");
    json_decref(t);
}

static void
test_tunnels_networks_ports(void **state)
{
    json_t *t = ui_topology(*state);

    testlib_assert_json_text(json_object_get(t, "tunnels"),
        "[{\"vteps\":[\"hv1\",\"tor1\"],\"networks\":[\"" NET1 "\"],\"vnis\":[5000]},"
        "{\"vteps\":[\"hv1\",\"tor2\"],\"networks\":[\"" NET1 "\"],\"vnis\":[5000]},"
        "{\"vteps\":[\"tor1\",\"tor2\"],\"networks\":[\"" NET1 "\"],\"vnis\":[5000]}]");

    json_t *n = named(json_object_get(t, "networks"), "n1");
    assert_int_equal(json_integer_value(json_object_get(n, "vni")), 5000);
    json_t *segs = json_object_get(n, "segments");
    assert_int_equal(json_array_size(segs), 3);
    for (int i = 0; i < 3; i++) {
        static const int ids[] = { 5000, 2901, 2900 };
        assert_int_equal(json_integer_value(json_object_get(json_array_get(segs, i),
                                                            "segmentation_id")), ids[i]);
    }
    assert_true(json_is_null(json_object_get(json_array_get(segs, 0),
                                             "physical_network")));
    testlib_assert_json_text(json_object_get(n, "vteps"), "[\"hv1\",\"tor1\",\"tor2\"]");
    testlib_assert_json_text(json_object_get(n, "port_status"),
                             "{\"ACTIVE\":4,\"DOWN\":1}");
    assert_int_equal(json_integer_value(json_object_get(n, "n_ports")), 5);
    assert_int_equal(json_integer_value(json_object_get(n, "n_macs")), 5);
    assert_string_equal(json_string_value(json_object_get(
        json_array_get(json_object_get(n, "subnets"), 0), "cidr")), "192.168.10.0/24");

    json_t *ports = json_object_get(t, "ports");
    assert_int_equal(json_array_size(ports), 5);
    /* By creation time. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(ports, 0), "id")),
                        PVM);
    json_t *vm = named(ports, "p-5555");
    const char *vm_port = json_string_value(json_object_get(
        json_array_get(json_object_get(vm, "bound"), 0), "port"));
    assert_string_equal(vm_port, "tap55555555-55");
    /* The second VF shares the first one's binding. */
    testlib_assert_json_text(json_object_get(named(ports, "p-6666"), "bound"),
                             "[{\"vtep\":\"tor1\",\"port\":\"p1\",\"vlan\":2901}]");
    json_t *bad = json_array_get(ports, 4);
    assert_string_equal(json_string_value(json_object_get(bad, "id")), PBAD);
    assert_string_equal(json_string_value(json_object_get(bad, "status")), "DOWN");
    testlib_assert_json_text(json_object_get(bad, "bound"), "[]");
    assert_non_null(strstr(json_string_value(json_object_get(bad, "problem")),
                           "no host link for host nowhere"));
    json_decref(t);
}

/* Equal databases give equal documents (the page redraws only on a
 * change). */
static void
test_stable(void **state)
{
    json_t *a = ui_topology(*state), *b = ui_topology(*state);
    char *ta = json_dumps(a, JSON_COMPACT), *tb = json_dumps(b, JSON_COMPACT);
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
    json_decref(a);
    json_decref(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test_setup_teardown(test_vteps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tunnels_networks_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
