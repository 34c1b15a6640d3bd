/* Unit tests of the reconciler's sans-I/O core: src/controller/desired.c
 * (NB intent -> rows each VTEP should hold) and src/controller/vtepdiff.c
 * (desired rows vs a VTEP's database -> RFC 7047 ops).
 *
 * The NB is an in-memory database of schemas/seam_nb.ovsschema filled with
 * insert ops (fixed UUIDs); each VTEP an in-memory hardware_vtep database
 * (tests/unit/data/ovsdb/vtep.ovsschema) with its Physical_Switch and ports.
 * Every ops array is run with ovsdb_execute() and then diffed again: a
 * second diff must be empty (idempotence), and rows that were right must
 * keep their _uuid (no delete and re-insert). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/dbrow.h"
#include "controller/desired.h"
#include "controller/vtepdiff.h"
#include "lib/util.h"
#include "ovsdb/db.h"
#include "ovsdb/execution.h"

/* ---- fixtures ---- */

#define NET1 "11111111-1111-4111-8111-111111111111"
#define NET2 "22222222-2222-4222-8222-222222222222"
#define SEGV "33333333-3333-4333-8333-333333333333"
#define SEGV2 "33333333-3333-4333-8333-333333333334"
#define SUB1 "44444444-4444-4444-8444-444444444444"
#define PVM "55555555-5555-4555-8555-555555555555"     /* VM on hv1. */
#define PSR "66666666-6666-4666-8666-666666666666"     /* SR-IOV on server2. */
#define PDH "77777777-7777-4777-8777-777777777777"     /* DHCP on hv2. */
#define PSR2 "88888888-8888-4888-8888-888888888888"    /* SR-IOV on server3. */
#define VTAP "tap55555555-55"

struct fx {
    struct ovsdb_db *nb;
    struct ovsdb_db *tor;           /* VTEP "tor1", tunnel IP 10.0.0.1. */
    struct ovsdb_db *hv1;           /* "hv1", 10.0.0.2, hypervisor. */
    struct ovsdb_db *hv2;           /* "hv2", 10.0.0.3, hypervisor. */
    bool hv1_synced;
};

static struct ovsdb_schema *
nb_schema(void)
{
    const char *src = getenv("SEAM_SRCDIR");
    char *path = xasprintf("%s/schemas/seam_nb.ovsschema", src ? src : ".");
    struct ovsdb_schema *s = testlib_load_schema(path);
    free(path);
    return s;
}


static void
run_text(struct ovsdb_db *db, const char *text)
{
    testlib_execute_ok(db, testlib_parse(text));
}

/* Has VTEP database 'db' learn 'mac' (with address 'ipaddr' unless NULL)
 * behind tunnel IP 'dst_ip' on the Logical_Switch of NET1: a new
 * Ucast_Macs_Local row and its locator. */
static void
learn_mac(struct ovsdb_db *db, const char *mac, const char *ipaddr,
          const char *dst_ip)
{
    const struct ovsdb_row *ls = dbrow_find_str(db, "Logical_Switch", "name", NET1);
    char u[UUID_LEN + 1];
    uuid_to_string(ovsdb_row_get_uuid(ls), u);
    char *ip = ipaddr ? xasprintf("\"ipaddr\":\"%s\",", ipaddr) : xstrdup("");
    char *text = xasprintf(
        "[{\"op\":\"insert\",\"table\":\"Physical_Locator\",\"uuid-name\":\"l\","
        "\"row\":{\"encapsulation_type\":\"vxlan_over_ipv4\",\"dst_ip\":\"%s\"}},"
        "{\"op\":\"insert\",\"table\":\"Ucast_Macs_Local\",\"row\":{\"MAC\":"
        "\"%s\",%s\"logical_switch\":[\"uuid\",\"%s\"],"
        "\"locator\":[\"named-uuid\",\"l\"]}}]", dst_ip, mac, ip, u);
    run_text(db, text);
    free(text);
    free(ip);
}

static struct ovsdb_db *
vtep_db(const char *name, const char *ip, const char *ports)
{
    char *path = testlib_data_path("ovsdb/vtep.ovsschema");
    struct ovsdb_db *db = ovsdb_db_create(testlib_load_schema(path));
    free(path);
    char *text = xasprintf(
        "[{\"op\":\"insert\",\"table\":\"Global\",\"row\":{\"switches\":"
        "[\"named-uuid\",\"ps\"]}},"
        "{\"op\":\"insert\",\"table\":\"Physical_Switch\",\"uuid-name\":\"ps\","
        "\"row\":{\"name\":\"%s\",\"tunnel_ips\":\"%s\",\"ports\":[\"set\",[%s]]}}",
        name, ip, "");
    /* Ports: "a,b" -> inserts. */
    struct ds_ { char *s; } out = { xstrdup(text) };
    free(text);
    char *list = xstrdup(ports), *save = NULL, *refs = xstrdup("");
    int i = 0;
    for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save), i++) {
        char *o = out.s;
        out.s = xasprintf("%s,{\"op\":\"insert\",\"table\":\"Physical_Port\","
                          "\"uuid-name\":\"p%d\",\"row\":{\"name\":\"%s\"}}", o, i, p);
        free(o);
        char *r = refs;
        refs = xasprintf("%s%s[\"named-uuid\",\"p%d\"]", r, r[0] ? "," : "", i);
        free(r);
    }
    char *o = out.s;
    out.s = xasprintf("%s,{\"op\":\"mutate\",\"table\":\"Physical_Switch\",\"where\":[],"
                      "\"mutations\":[[\"ports\",\"insert\",[\"set\",[%s]]]]}]", o, refs);
    free(o);
    free(refs);
    free(list);
    run_text(db, out.s);
    free(out.s);
    return db;
}

static void
nb_ins(struct fx *f, const char *table, const char *uuid, const char *row)
{
    char *text = xasprintf("[{\"op\":\"insert\",\"table\":\"%s\",\"uuid\":\"%s\","
                           "\"row\":%s}]", table, uuid, row);
    run_text(f->nb, text);
    free(text);
}

static void
nb_ins_auto(struct fx *f, const char *table, const char *row)
{
    char *text = xasprintf("[{\"op\":\"insert\",\"table\":\"%s\",\"row\":%s}]", table, row);
    run_text(f->nb, text);
    free(text);
}

/* The intent of use case 3 plus a DHCP port: network NET1 (VNI 5000, vlan
 * 2901 on physnet1), a VM on hv1, an SR-IOV VM on server2 (host link to
 * tor1 p1), a DHCP port on hv2. */
static int
setup(void **state)
{
    struct fx *f = xzalloc(sizeof *f);
    f->nb = ovsdb_db_create(nb_schema());
    f->tor = vtep_db("tor1", "10.0.0.1", "p1,p2");
    f->hv1 = vtep_db("hv1", "10.0.0.2", VTAP);
    f->hv2 = vtep_db("hv2", "10.0.0.3", "tap77777777-77");
    f->hv1_synced = true;

    nb_ins_auto(f, "VTEP", "{\"name\":\"tor1\",\"target\":\"tcp:127.0.0.1:1\","
                "\"tunnel_ip\":\"10.0.0.1\",\"role\":\"tor\"}");
    nb_ins_auto(f, "VTEP", "{\"name\":\"hv1\",\"role\":\"hypervisor\","
                "\"tunnel_ip\":\"10.0.0.2\"}");
    nb_ins_auto(f, "VTEP", "{\"name\":\"hv2\",\"role\":\"hypervisor\"}");
    nb_ins(f, "Network", NET1, "{\"name\":\"n1\",\"vni\":5000}");
    nb_ins(f, "Segment", SEGV, "{\"network\":[\"uuid\",\"" NET1 "\"],"
           "\"network_type\":\"vlan\",\"physical_network\":\"physnet1\","
           "\"segmentation_id\":2901,\"segment_index\":1}");
    nb_ins(f, "Subnet", SUB1, "{\"network\":[\"uuid\",\"" NET1 "\"],"
           "\"cidr\":\"192.168.10.0/24\",\"ip_version\":4}");
    nb_ins_auto(f, "Host_Link", "{\"host\":\"server2\",\"physical_network\":"
                "\"physnet1\",\"vtep\":\"tor1\",\"port\":\"p1\",\"source\":\"static\"}");
    nb_ins(f, "Port", PVM, "{\"network\":[\"uuid\",\"" NET1 "\"],"
           "\"mac_address\":\"FA:16:3E:00:00:01\",\"binding_host_id\":\"hv1\","
           "\"binding_vnic_type\":\"normal\",\"fixed_ips\":[\"map\",[[\"192.168.10.11\","
           "[\"uuid\",\"" SUB1 "\"]]]]}");
    nb_ins(f, "Port", PSR, "{\"network\":[\"uuid\",\"" NET1 "\"],"
           "\"mac_address\":\"fa:16:3e:00:00:02\",\"binding_host_id\":\"server2\","
           "\"binding_vnic_type\":\"direct\",\"binding_profile\":"
           "\"{\\\"physical_network\\\": \\\"physnet1\\\"}\","
           "\"fixed_ips\":[\"map\",[[\"192.168.10.12\",[\"uuid\",\"" SUB1 "\"]]]]}");
    nb_ins(f, "Port", PDH, "{\"network\":[\"uuid\",\"" NET1 "\"],"
           "\"mac_address\":\"fa:16:3e:00:00:03\",\"binding_host_id\":\"hv2\","
           "\"device_owner\":\"network:dhcp\",\"binding_vnic_type\":\"normal\","
           "\"fixed_ips\":[\"map\",[[\"192.168.10.2\",[\"uuid\",\"" SUB1 "\"]]]]}");
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    ovsdb_db_destroy(f->nb);
    ovsdb_db_destroy(f->tor);
    ovsdb_db_destroy(f->hv1);
    ovsdb_db_destroy(f->hv2);
    free(f);
    return 0;
}

static void
info(void *f_, const char *name, struct desired_vtep_info *vi)
{
    struct fx *f = f_;
    vi->db = !strcmp(name, "tor1") ? f->tor
             : !strcmp(name, "hv1") ? (f->hv1_synced ? f->hv1 : NULL)
             : !strcmp(name, "hv2") ? f->hv2 : NULL;
    vi->tunnel_ip = NULL;
}

static struct ovsdb_db *
db_of(struct fx *f, const char *name)
{
    return !strcmp(name, "tor1") ? f->tor : !strcmp(name, "hv1") ? f->hv1 : f->hv2;
}

/* Diffs VTEP 'name' against the intent; returns the number of row changes
 * and applies them. */
static size_t
sync_one(struct fx *f, const char *name, const char *const *keep, size_t n_keep)
{
    struct desired *d = desired_compute(f->nb, info, f);
    struct vtepdiff_result r;
    vtepdiff_compute(db_of(f, name), name, desired_find_vtep(d, name), keep, n_keep, NULL, &r);
    size_t n = r.n_changes;
    if (json_array_size(r.ops)) {
        testlib_execute_ok(db_of(f, name), json_incref(r.ops));
    }
    vtepdiff_result_destroy(&r);
    desired_destroy(d);
    return n;
}

static void
sync_all(struct fx *f)
{
    sync_one(f, "tor1", NULL, 0);
    sync_one(f, "hv1", NULL, 0);
    sync_one(f, "hv2", NULL, 0);
}

/* The rows of 'table' of 'db' as a JSON array (release it). */
static json_t *
rows(struct ovsdb_db *db, const char *table)
{
    json_t *result = NULL;
    long long timeout = 0;
    json_t *ops = json_pack("[{ss ss s[]}]", "op", "select", "table", table, "where");
    assert_true(ovsdb_execute(db, NULL, ops, 0, &timeout, &result));
    json_decref(ops);
    json_t *r = json_incref(json_object_get(json_array_get(result, 0), "rows"));
    json_decref(result);
    return r;
}

static size_t
n_rows(struct ovsdb_db *db, const char *table)
{
    json_t *r = rows(db, table);
    size_t n = json_array_size(r);
    json_decref(r);
    return n;
}

/* The remote MAC 'mac' of 'db' ("locator ip|ipaddr"), or NULL; free it. */
static char *
remote_mac(struct ovsdb_db *db, const char *mac)
{
    const struct ovsdb_table *t = dbrow_table(db, "Ucast_Macs_Remote");
    const struct ovsdb_row *row;
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        if (!strcmp(dbrow_str(row, "MAC"), mac)) {
            const struct ovsdb_row *loc = dbrow_get(db, "Physical_Locator",
                                                    dbrow_uuid(row, "locator"));
            return xasprintf("%s|%s", loc ? dbrow_str(loc, "dst_ip") : "?",
                             dbrow_str(row, "ipaddr"));
        }
    }
    return NULL;
}

static void
assert_remote(struct ovsdb_db *db, const char *mac, const char *expect)
{
    char *got = remote_mac(db, mac);
    if (!expect) {
        if (got) {
            fail_msg("remote MAC %s: got %s, expected none", mac, got);
        }
        return;
    }
    if (!got || strcmp(got, expect)) {
        fail_msg("remote MAC %s: got %s, expected %s", mac, got ? got : "none", expect);
    }
    free(got);
}

/* The flood list of switch 'ls' on 'db': sorted IPs joined by ','. */
static char *
flood_of(struct ovsdb_db *db, const char *ls)
{
    const struct ovsdb_row *sw = dbrow_find_str(db, "Logical_Switch", "name", ls);
    const struct ovsdb_table *t = dbrow_table(db, "Mcast_Macs_Remote");
    const struct ovsdb_row *row;
    assert_non_null(sw);
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        if (uuid_equals(dbrow_uuid(row, "logical_switch"), ovsdb_row_get_uuid(sw))) {
            const struct ovsdb_row *set = dbrow_get(db, "Physical_Locator_Set",
                                                    dbrow_uuid(row, "locator_set"));
            const struct ovsdb_datum *locs = dbrow_datum(set, "locators");
            char *ips[8];
            size_t n = 0;
            for (unsigned int i = 0; i < locs->n && n < 8; i++) {
                ips[n++] = (char *) dbrow_str(dbrow_get(db, "Physical_Locator",
                                                        &locs->keys[i].uuid), "dst_ip");
            }
            for (size_t i = 0; i < n; i++) {        /* Sort (tiny). */
                for (size_t j = i + 1; j < n; j++) {
                    if (strcmp(ips[j], ips[i]) < 0) {
                        char *x = ips[i]; ips[i] = ips[j]; ips[j] = x;
                    }
                }
            }
            char *s = xstrdup("");
            for (size_t i = 0; i < n; i++) {
                char *o = s;
                s = xasprintf("%s%s%s", o, i ? "," : "", ips[i]);
                free(o);
            }
            return s;
        }
    }
    return xstrdup("none");
}

static void
assert_flood(struct ovsdb_db *db, const char *ls, const char *expect)
{
    char *got = flood_of(db, ls);
    if (strcmp(got, expect)) {
        fail_msg("flood of %s: got %s, expected %s", ls, got, expect);
    }
    free(got);
}

/* The binding of (port, vlan) on 'db': the switch name, or NULL. */
static const char *
binding_of(struct ovsdb_db *db, const char *port, int vlan)
{
    const struct ovsdb_row *p = dbrow_find_str(db, "Physical_Port", "name", port);
    const struct ovsdb_datum *vb = p ? dbrow_datum(p, "vlan_bindings") : NULL;
    for (unsigned int i = 0; vb && i < vb->n; i++) {
        if (vb->keys[i].integer == vlan) {
            const struct ovsdb_row *ls = dbrow_get(db, "Logical_Switch", &vb->values[i].uuid);
            return ls ? dbrow_str(ls, "name") : "?";
        }
    }
    return NULL;
}

static char *
dump(struct ovsdb_db *db)
{
    json_t *all = json_object();
    for (size_t i = 0; i < db->schema->n_tables; i++) {
        const char *name = db->schema->tables[i]->name;
        json_t *r = rows(db, name);
        json_object_set_new(all, name, testlib_sort_canon(r));
        json_decref(r);
    }
    char *text = testlib_dump(all);
    json_decref(all);
    return text;
}

/* ---- tests ---- */

/* The desired state of use case 3 + DHCP, as computed. */
static void
test_desired_usecase3(void **state)
{
    struct fx *f = *state;
    struct desired *d = desired_compute(f->nb, info, f);
    struct desired_vtep *tor = desired_find_vtep(d, "tor1");
    struct desired_vtep *hv1 = desired_find_vtep(d, "hv1");
    struct desired_vtep *hv2 = desired_find_vtep(d, "hv2");

    assert_non_null(tor);
    assert_non_null(hv1);
    /* hv2 has no tunnel_ip in the NB: read from its Physical_Switch. */
    assert_string_equal(hv2->tunnel_ip, "10.0.0.3");

    struct desired_ls *ls = desired_find_ls(tor, NET1);
    assert_non_null(ls);
    assert_int_equal(ls->tunnel_key, 5000);
    assert_int_equal(ls->n_flood, 2);
    assert_string_equal(ls->flood[0], "10.0.0.2");
    assert_string_equal(ls->flood[1], "10.0.0.3");   /* The DHCP port's VTEP. */

    struct desired_binding *b = desired_find_binding(tor, "p1", 2901);
    assert_non_null(b);
    assert_string_equal(b->ls, NET1);
    assert_non_null(desired_find_binding(hv1, VTAP, 0));
    assert_non_null(desired_find_binding(hv2, "tap77777777-77", 0));

    /* Port MACs elsewhere, lower case, with their IPv4. */
    struct desired_mac *m = desired_find_mac(ls, "fa:16:3e:00:00:01");
    assert_non_null(m);
    assert_string_equal(m->locator, "10.0.0.2");
    assert_string_equal(m->ipaddr, "192.168.10.11");
    assert_null(desired_find_mac(ls, "fa:16:3e:00:00:02"));    /* Its own. */
    m = desired_find_mac(desired_find_ls(hv1, NET1), "fa:16:3e:00:00:02");
    assert_non_null(m);
    assert_string_equal(m->locator, "10.0.0.1");

    struct desired_port *p = desired_find_port(d, &(struct uuid) { { 0 } });
    assert_null(p);
    struct uuid u;
    assert_true(uuid_from_string(&u, PSR));
    p = desired_find_port(d, &u);
    assert_non_null(p);
    assert_int_equal(p->n_vteps, 1);            /* Bound on tor1, */
    assert_string_equal(p->vteps[0], "tor1");
    assert_non_null(p->net);                    /* its MAC on all three. */
    assert_int_equal(p->net->n_members, 3);
    assert_null(p->problem);
    desired_destroy(d);
}

/* Applying the diff gives the rows; a second diff is empty. */
static void
test_diff_apply_idempotent(void **state)
{
    struct fx *f = *state;
    assert_true(sync_one(f, "tor1", NULL, 0) > 0);
    assert_string_equal(binding_of(f->tor, "p1", 2901), NET1);
    assert_null(binding_of(f->tor, "p2", 0));
    assert_remote(f->tor, "fa:16:3e:00:00:01", "10.0.0.2|192.168.10.11");
    assert_remote(f->tor, "fa:16:3e:00:00:03", "10.0.0.3|192.168.10.2");
    assert_remote(f->tor, "fa:16:3e:00:00:02", NULL);
    assert_flood(f->tor, NET1, "10.0.0.2,10.0.0.3");
    const struct ovsdb_row *ls = dbrow_find_str(f->tor, "Logical_Switch", "name", NET1);
    assert_int_equal(dbrow_int(ls, "tunnel_key", 0), 5000);
    assert_string_equal(dbrow_str(ls, "replication_mode"), "source_node");
    assert_string_equal(dbrow_map_str(ls, "other_config", VTEPDIFF_OWNER_KEY), NET1);
    assert_string_equal(dbrow_map_str(ls, "other_config", "arp-suppress"), "true");

    char *before = dump(f->tor);
    assert_int_equal(sync_one(f, "tor1", NULL, 0), 0);
    char *after = dump(f->tor);
    assert_string_equal(before, after);
    free(before);
    free(after);

    sync_one(f, "hv1", NULL, 0);
    assert_string_equal(binding_of(f->hv1, VTAP, 0), NET1);
    assert_remote(f->hv1, "fa:16:3e:00:00:02", "10.0.0.1|192.168.10.12");
    assert_flood(f->hv1, NET1, "10.0.0.1,10.0.0.3");
    assert_int_equal(sync_one(f, "hv1", NULL, 0), 0);
}

/* Learned MACs of one VTEP become remote MACs on the others; a change of
 * location is an update in place (the row keeps its _uuid). */
static void
test_learned_macs(void **state)
{
    struct fx *f = *state;
    sync_all(f);
    learn_mac(f->hv1, "02:00:00:00:00:99", "192.168.10.99", "10.0.0.2");
    assert_int_equal(sync_one(f, "tor1", NULL, 0), 1);
    assert_remote(f->tor, "02:00:00:00:00:99", "10.0.0.2|192.168.10.99");
    assert_remote(f->hv1, "02:00:00:00:00:99", NULL);

    /* The VM port moves to hv2: updated in place on tor1. */
    json_t *before = rows(f->tor, "Ucast_Macs_Remote");
    run_text(f->nb, "[{\"op\":\"update\",\"table\":\"Port\",\"where\":[[\"_uuid\",\"==\","
             "[\"uuid\",\"" PVM "\"]]],\"row\":{\"binding_host_id\":\"hv2\"}}]");
    sync_one(f, "tor1", NULL, 0);
    assert_remote(f->tor, "fa:16:3e:00:00:01", "10.0.0.3|192.168.10.11");
    json_t *after = rows(f->tor, "Ucast_Macs_Remote");
    /* hv1 left the network: its learned MAC went; the two port MACs stay
     * the same rows. */
    assert_int_equal(json_array_size(before), 3);
    assert_int_equal(json_array_size(after), 2);
    assert_remote(f->tor, "02:00:00:00:00:99", NULL);
    size_t same_uuid = 0;
    for (size_t i = 0; i < json_array_size(before); i++) {
        for (size_t j = 0; j < json_array_size(after); j++) {
            if (json_equal(json_object_get(json_array_get(before, i), "_uuid"),
                           json_object_get(json_array_get(after, j), "_uuid"))) {
                same_uuid++;
            }
        }
    }
    assert_int_equal(same_uuid, 2);
    json_decref(before);
    json_decref(after);
    /* hv1 no longer has a port of NET1: its switch goes, with the local MAC. */
    sync_one(f, "hv1", NULL, 0);
    assert_null(dbrow_find_str(f->hv1, "Logical_Switch", "name", NET1));
    assert_int_equal(n_rows(f->hv1, "Ucast_Macs_Local"), 0);
    assert_int_equal(n_rows(f->hv1, "Ucast_Macs_Remote"), 0);
    assert_int_equal(n_rows(f->hv1, "Mcast_Macs_Remote"), 0);
    assert_null(binding_of(f->hv1, VTAP, 0));
    assert_int_equal(sync_one(f, "hv1", NULL, 0), 0);
}

/* Use case 2: a second SR-IOV node on another physnet, tag 2900: one VNI,
 * two VLANs, on two TOR ports. */
static void
test_two_physnets(void **state)
{
    struct fx *f = *state;
    nb_ins(f, "Segment", SEGV2, "{\"network\":[\"uuid\",\"" NET1 "\"],"
           "\"network_type\":\"vlan\",\"physical_network\":\"physnet2\","
           "\"segmentation_id\":2900,\"segment_index\":2}");
    nb_ins_auto(f, "Host_Link", "{\"host\":\"server3\",\"physical_network\":"
                "\"physnet2\",\"vtep\":\"tor1\",\"port\":\"p2\",\"source\":\"lldp\"}");
    nb_ins(f, "Port", PSR2, "{\"network\":[\"uuid\",\"" NET1 "\"],"
           "\"mac_address\":\"fa:16:3e:00:00:04\",\"binding_host_id\":\"server3\","
           "\"binding_vnic_type\":\"direct\"}");
    sync_one(f, "tor1", NULL, 0);
    assert_string_equal(binding_of(f->tor, "p1", 2901), NET1);
    assert_string_equal(binding_of(f->tor, "p2", 2900), NET1);
    assert_remote(f->tor, "fa:16:3e:00:00:04", NULL);        /* Local to tor1. */
    assert_int_equal(sync_one(f, "tor1", NULL, 0), 0);
    /* A static link wins over lldp. */
    nb_ins_auto(f, "Host_Link", "{\"host\":\"server3\",\"physical_network\":"
                "\"physnet2\",\"vtep\":\"tor1\",\"port\":\"p1\",\"source\":\"static\"}");
    sync_one(f, "tor1", NULL, 0);
    assert_string_equal(binding_of(f->tor, "p1", 2900), NET1);
    assert_null(binding_of(f->tor, "p2", 2900));
}

/* Rows seamd did not create stay; a VLAN bound to a foreign switch is a
 * problem for the port, never overwritten. */
static void
test_foreign_rows_left_alone(void **state)
{
    struct fx *f = *state;
    run_text(f->tor,
             "[{\"op\":\"insert\",\"table\":\"Logical_Switch\",\"uuid-name\":\"ls\","
             "\"row\":{\"name\":\"theirs\",\"tunnel_key\":77}},"
             "{\"op\":\"insert\",\"table\":\"Physical_Locator\",\"uuid-name\":\"l\","
             "\"row\":{\"encapsulation_type\":\"vxlan_over_ipv4\",\"dst_ip\":\"10.9.9.9\"}},"
             "{\"op\":\"insert\",\"table\":\"Ucast_Macs_Remote\",\"row\":{\"MAC\":"
             "\"02:00:00:00:00:77\",\"logical_switch\":[\"named-uuid\",\"ls\"],"
             "\"locator\":[\"named-uuid\",\"l\"]}},"
             "{\"op\":\"mutate\",\"table\":\"Physical_Port\",\"where\":[[\"name\",\"==\",\"p1\"]],"
             "\"mutations\":[[\"vlan_bindings\",\"insert\",[\"map\",[[2901,[\"named-uuid\","
             "\"ls\"]],[5,[\"named-uuid\",\"ls\"]]]]]]}]");
    struct desired *d = desired_compute(f->nb, info, f);
    struct vtepdiff_result r;
    vtepdiff_compute(f->tor, "tor1", desired_find_vtep(d, "tor1"), NULL, 0, NULL, &r);
    assert_int_equal(r.n_problems, 1);
    assert_non_null(strstr(r.problems[0].text, "VLAN 2901 of port p1"));
    testlib_execute_ok(f->tor, json_incref(r.ops));
    vtepdiff_result_destroy(&r);
    desired_destroy(d);
    assert_string_equal(binding_of(f->tor, "p1", 2901), "theirs");
    assert_string_equal(binding_of(f->tor, "p1", 5), "theirs");
    assert_remote(f->tor, "02:00:00:00:00:77", "10.9.9.9|");
    assert_non_null(dbrow_find_str(f->tor, "Logical_Switch", "name", "theirs"));
    /* With nothing desired at all, still nothing of theirs goes. */
    vtepdiff_compute(f->tor, "tor1", NULL, NULL, 0, NULL, &r);
    testlib_execute_ok(f->tor, json_incref(r.ops));
    vtepdiff_result_destroy(&r);
    assert_non_null(dbrow_find_str(f->tor, "Logical_Switch", "name", "theirs"));
    assert_null(dbrow_find_str(f->tor, "Logical_Switch", "name", NET1));
    assert_remote(f->tor, "02:00:00:00:00:77", "10.9.9.9|");
}

/* A controller restart, or another controller's rows: a switch named like
 * the network is adopted, right rows are kept as they are. */
static void
test_adopt_existing(void **state)
{
    struct fx *f = *state;
    run_text(f->tor,
             "[{\"op\":\"insert\",\"table\":\"Logical_Switch\",\"uuid-name\":\"ls\","
             "\"row\":{\"name\":\"" NET1 "\",\"tunnel_key\":5000}},"
             "{\"op\":\"insert\",\"table\":\"Physical_Locator\",\"uuid-name\":\"l\","
             "\"row\":{\"encapsulation_type\":\"vxlan_over_ipv4\",\"dst_ip\":\"10.0.0.2\"}},"
             "{\"op\":\"insert\",\"table\":\"Ucast_Macs_Remote\",\"row\":{\"MAC\":"
             "\"fa:16:3e:00:00:01\",\"ipaddr\":\"192.168.10.11\",\"logical_switch\":"
             "[\"named-uuid\",\"ls\"],\"locator\":[\"named-uuid\",\"l\"]}}]");
    json_t *before = rows(f->tor, "Ucast_Macs_Remote");
    sync_one(f, "tor1", NULL, 0);
    json_t *after = rows(f->tor, "Ucast_Macs_Remote");
    /* The right row kept its uuid; the DHCP port's MAC was added. */
    const json_t *u = json_object_get(json_array_get(before, 0), "_uuid");
    bool found = false;
    for (size_t i = 0; i < json_array_size(after); i++) {
        found |= json_equal(u, json_object_get(json_array_get(after, i), "_uuid"));
    }
    assert_true(found);
    assert_int_equal(json_array_size(after), 2);
    json_decref(before);
    json_decref(after);
    assert_int_equal(n_rows(f->tor, "Logical_Switch"), 1);
    assert_int_equal(sync_one(f, "tor1", NULL, 0), 0);
}

/* MACs learned on a VTEP whose session is down are not removed elsewhere
 * (its MACs are unknown, not gone). */
static void
test_keep_unknown_vtep(void **state)
{
    struct fx *f = *state;
    sync_all(f);
    learn_mac(f->hv2, "02:00:00:00:00:55", NULL, "10.0.0.3");
    sync_one(f, "hv1", NULL, 0);
    assert_remote(f->hv1, "02:00:00:00:00:55", "10.0.0.3|");
    /* hv2's session is lost: its learned MAC is unknown now (no replica
     * known at all), and the reconciler keeps its locator. */
    const char *keep[] = { "10.0.0.3" };
    struct vtepdiff_result r;
    struct desired *d = desired_compute(f->nb, NULL, NULL);
    vtepdiff_compute(f->hv1, "hv1", desired_find_vtep(d, "hv1"), keep, 1, NULL, &r);
    if (json_array_size(r.ops)) {
        testlib_execute_ok(f->hv1, json_incref(r.ops));
    }
    vtepdiff_result_destroy(&r);
    desired_destroy(d);
    assert_remote(f->hv1, "02:00:00:00:00:55", "10.0.0.3|");
    /* Without 'keep' it goes. */
    d = desired_compute(f->nb, NULL, NULL);
    vtepdiff_compute(f->hv1, "hv1", desired_find_vtep(d, "hv1"), NULL, 0, NULL, &r);
    testlib_execute_ok(f->hv1, json_incref(r.ops));
    vtepdiff_result_destroy(&r);
    desired_destroy(d);
    assert_remote(f->hv1, "02:00:00:00:00:55", NULL);
}

/* L2 gateway connections: interface VLANs, or the connection's VLAN. */
static void
test_l2gw(void **state)
{
    struct fx *f = *state;
    nb_ins(f, "L2_Gateway", "99999999-9999-4999-8999-999999999999", "{\"name\":\"gw\"}");
    nb_ins_auto(f, "L2_Gateway_Interface", "{\"gateway\":[\"uuid\","
                "\"99999999-9999-4999-8999-999999999999\"],\"device_name\":\"tor1\","
                "\"interface_name\":\"p2\",\"segmentation_ids\":[\"set\",[100,101]]}");
    nb_ins(f, "L2_Gateway_Connection", "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
           "{\"gateway\":[\"uuid\",\"99999999-9999-4999-8999-999999999999\"],"
           "\"network\":[\"uuid\",\"" NET1 "\"]}");
    sync_one(f, "tor1", NULL, 0);
    assert_string_equal(binding_of(f->tor, "p2", 100), NET1);
    assert_string_equal(binding_of(f->tor, "p2", 101), NET1);
    run_text(f->nb, "[{\"op\":\"update\",\"table\":\"L2_Gateway_Connection\",\"where\":[],"
             "\"row\":{\"segmentation_id\":300}}]");
    sync_one(f, "tor1", NULL, 0);
    assert_null(binding_of(f->tor, "p2", 100));
    assert_string_equal(binding_of(f->tor, "p2", 300), NET1);
    assert_int_equal(sync_one(f, "tor1", NULL, 0), 0);
}

/* Two networks want VLAN 2901 of tor1 p1 (the SR-IOV port PSR of NET1 by
 * its host link, an L2 gateway connection of NET2): the network the VTEP
 * binds it to keeps it, whichever of the two the NB holds, and the other
 * gets a conflict for its status; when the holder goes, the other gets the
 * VLAN. */
#define CONN2 "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaab"

static void
test_binding_clash(void **state)
{
    struct fx *f = *state;
    struct uuid psr, conn;
    assert_true(uuid_from_string(&psr, PSR));
    assert_true(uuid_from_string(&conn, CONN2));
    sync_one(f, "tor1", NULL, 0);
    assert_string_equal(binding_of(f->tor, "p1", 2901), NET1);

    nb_ins(f, "Network", NET2, "{\"name\":\"n2\",\"vni\":5001}");
    nb_ins(f, "L2_Gateway", "99999999-9999-4999-8999-999999999999", "{\"name\":\"gw\"}");
    nb_ins_auto(f, "L2_Gateway_Interface", "{\"gateway\":[\"uuid\","
                "\"99999999-9999-4999-8999-999999999999\"],\"device_name\":\"tor1\","
                "\"interface_name\":\"p1\"}");
    nb_ins(f, "L2_Gateway_Connection", CONN2,
           "{\"gateway\":[\"uuid\",\"99999999-9999-4999-8999-999999999999\"],"
           "\"network\":[\"uuid\",\"" NET2 "\"],\"segmentation_id\":2901}");
    struct desired *d = desired_compute(f->nb, info, f);
    const char *why = desired_conflict(d, &conn);
    assert_non_null(why);
    assert_non_null(strstr(why, "VLAN 2901 of port p1 on VTEP tor1 is bound to network "
                                NET1));
    assert_null(desired_conflict(d, &psr));
    desired_destroy(d);
    assert_int_equal(sync_one(f, "tor1", NULL, 0) > 0, 1);     /* NET2's switch. */
    assert_string_equal(binding_of(f->tor, "p1", 2901), NET1);
    assert_int_equal(sync_one(f, "tor1", NULL, 0), 0);

    /* The port goes: the connection gets the VLAN, and no conflict. */
    run_text(f->nb, "[{\"op\":\"delete\",\"table\":\"Port\",\"where\":[[\"_uuid\","
             "\"==\",[\"uuid\",\"" PSR "\"]]]}]");
    sync_one(f, "tor1", NULL, 0);
    assert_string_equal(binding_of(f->tor, "p1", 2901), NET2);
    d = desired_compute(f->nb, info, f);
    assert_null(desired_conflict(d, &conn));
    desired_destroy(d);

    /* The port again: now the connection holds the VLAN, the port lacks it. */
    nb_ins(f, "Port", PSR, "{\"network\":[\"uuid\",\"" NET1 "\"],"
           "\"mac_address\":\"fa:16:3e:00:00:02\",\"binding_host_id\":\"server2\","
           "\"binding_vnic_type\":\"direct\"}");
    d = desired_compute(f->nb, info, f);
    why = desired_conflict(d, &psr);
    assert_non_null(why);
    assert_non_null(strstr(why, "bound to network " NET2));
    assert_null(desired_conflict(d, &conn));
    desired_destroy(d);
    sync_one(f, "tor1", NULL, 0);           /* NET1's switch is back on tor1. */
    assert_string_equal(binding_of(f->tor, "p1", 2901), NET2);
    assert_int_equal(sync_one(f, "tor1", NULL, 0), 0);
}

/* Problems: a missing tap, an unknown host link; bare metal untagged. */
static void
test_problems_and_baremetal(void **state)
{
    struct fx *f = *state;
    nb_ins_auto(f, "Port", "{\"network\":[\"uuid\",\"" NET1 "\"],"
                "\"mac_address\":\"fa:16:3e:00:00:10\",\"binding_host_id\":\"nowhere\","
                "\"binding_vnic_type\":\"direct\"}");
    nb_ins_auto(f, "Port", "{\"network\":[\"uuid\",\"" NET1 "\"],"
                "\"mac_address\":\"fa:16:3e:00:00:11\",\"binding_vnic_type\":\"baremetal\","
                "\"binding_profile\":\"{\\\"local_link_information\\\": [{\\\"switch_info\\\":"
                " \\\"tor1\\\", \\\"port_id\\\": \\\"p2\\\", \\\"switch_id\\\": "
                "\\\"aa:bb:cc:dd:ee:ff\\\"}]}\"}");
    run_text(f->nb, "[{\"op\":\"update\",\"table\":\"Port\",\"where\":[[\"_uuid\",\"==\","
             "[\"uuid\",\"" PDH "\"]]],\"row\":{\"binding_host_id\":\"hv1\"}}]");
    struct desired *d = desired_compute(f->nb, info, f);
    size_t n_problem = 0;
    struct desired_port *p;
    HMAP_FOR_EACH (p, node, &d->ports) {
        if (p->problem) {
            n_problem++;
            assert_non_null(strstr(p->problem, "no host link for host nowhere"));
        }
    }
    assert_int_equal(n_problem, 1);
    assert_non_null(desired_find_binding(desired_find_vtep(d, "tor1"), "p2", 0));
    struct vtepdiff_result r;
    vtepdiff_compute(f->hv1, "hv1", desired_find_vtep(d, "hv1"), NULL, 0, NULL, &r);
    assert_int_equal(r.n_problems, 1);      /* tap77777777-77 is not on hv1. */
    assert_non_null(strstr(r.problems[0].text, "has no port tap77777777-77"));
    vtepdiff_result_destroy(&r);
    desired_destroy(d);
}

/* A scoped diff touches only the switches of its scope; fingerprints
 * change with what a switch's rows depend on, and only then. */
static void
test_scope_and_fingerprints(void **state)
{
    struct fx *f = *state;
    nb_ins(f, "Network", NET2, "{\"name\":\"n2\",\"vni\":5001}");
    nb_ins_auto(f, "Port", "{\"network\":[\"uuid\",\"" NET2 "\"],"
                "\"mac_address\":\"fa:16:3e:00:02:01\",\"binding_host_id\":\"hv1\","
                "\"binding_vnic_type\":\"normal\"}");
    nb_ins_auto(f, "Port", "{\"network\":[\"uuid\",\"" NET2 "\"],"
                "\"mac_address\":\"fa:16:3e:00:02:02\",\"binding_host_id\":\"hv2\","
                "\"binding_vnic_type\":\"normal\"}");
    sync_all(f);
    struct desired *d1 = desired_compute(f->nb, info, f);
    uint64_t n1 = desired_find_ls(desired_find_vtep(d1, "hv1"), NET1)->fingerprint;
    uint64_t n2 = desired_find_ls(desired_find_vtep(d1, "hv1"), NET2)->fingerprint;

    /* A port of NET2 moves to another MAC: NET2's fingerprint changes. */
    run_text(f->nb, "[{\"op\":\"update\",\"table\":\"Port\",\"where\":[[\"mac_address\","
             "\"==\",\"fa:16:3e:00:02:02\"]],\"row\":{\"mac_address\":\"fa:16:3e:00:02:03\"}}]");
    /* And a port of NET1 too, but the diff is scoped to NET2. */
    run_text(f->nb, "[{\"op\":\"update\",\"table\":\"Port\",\"where\":[[\"_uuid\",\"==\","
             "[\"uuid\",\"" PDH "\"]]],\"row\":{\"mac_address\":\"fa:16:3e:00:00:33\"}}]");
    struct desired *d2 = desired_compute(f->nb, info, f);
    struct desired_vtep *hv1 = desired_find_vtep(d2, "hv1");
    assert_int_not_equal(desired_find_ls(hv1, NET2)->fingerprint, n2);
    assert_int_not_equal(desired_find_ls(hv1, NET1)->fingerprint, n1);
    /* Same intent, same fingerprints. */
    struct desired *d3 = desired_compute(f->nb, info, f);
    assert_int_equal(desired_find_ls(desired_find_vtep(d3, "hv1"), NET2)->fingerprint,
                     desired_find_ls(hv1, NET2)->fingerprint);
    desired_destroy(d3);

    const char *names[] = { NET2 };
    struct vtepdiff_scope scope = { names, 1 };
    struct vtepdiff_result r;
    vtepdiff_compute(f->hv1, "hv1", hv1, NULL, 0, &scope, &r);
    testlib_execute_ok(f->hv1, json_incref(r.ops));
    vtepdiff_result_destroy(&r);
    assert_remote(f->hv1, "fa:16:3e:00:02:03", "10.0.0.3|");
    assert_remote(f->hv1, "fa:16:3e:00:02:02", NULL);
    assert_remote(f->hv1, "fa:16:3e:00:00:03", "10.0.0.3|192.168.10.2");  /* Not in scope. */
    assert_remote(f->hv1, "fa:16:3e:00:00:33", NULL);
    /* The rest, unscoped. */
    vtepdiff_compute(f->hv1, "hv1", hv1, NULL, 0, NULL, &r);
    assert_int_equal(r.n_changes, 2);       /* The old MAC out, the new one in. */
    testlib_execute_ok(f->hv1, json_incref(r.ops));
    vtepdiff_result_destroy(&r);
    assert_remote(f->hv1, "fa:16:3e:00:00:33", "10.0.0.3|192.168.10.2");
    desired_destroy(d1);
    desired_destroy(d2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_desired_usecase3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff_apply_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_learned_macs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_physnets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_rows_left_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adopt_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep_unknown_vtep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_l2gw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binding_clash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_problems_and_baremetal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_and_fingerprints, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
