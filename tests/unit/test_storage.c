/* Unit tests for src/ovsdb/storage.c: a database kept in an Open vSwitch
 * standalone file.  Transactions written and reloaded give the same
 * contents (every table selected, _version left out: it is not stored),
 * as do compaction and a torn tail (half a record appended, as after a
 * crash mid-write: ignored on reopen, every earlier transaction kept).
 * The files must be readable by Open vSwitch's own ovsdb-tool (show-log,
 * query); those checks are skipped when it is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/ds.h"
#include "lib/testlib.h"
#include "lib/util.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/execution.h"
#include "ovsdb/schema.h"
#include "ovsdb/storage.h"

struct fixture {
    char dir[64];
    char *path;
};

static int
setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);
    strcpy(f->dir, "/tmp/seam-storage-XXXXXX");
    if (!mkdtemp(f->dir)) {
        return -1;
    }
    f->path = xasprintf("%s/vtep.db", f->dir);
    char *schema = testlib_data_path("ovsdb/vtep.ovsschema");
    struct ovsdb_error *error = ovsdb_storage_create(f->path, schema);
    free(schema);
    if (error) {
        fprintf(stderr, "%s\n", ovsdb_error_to_string(error));
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char *cmd = xasprintf("rm -rf '%s'", f->dir);
    if (system(cmd)) {
        fprintf(stderr, "cannot remove %s\n", f->dir);
    }
    free(cmd);
    free(f->path);
    free(f);
    return 0;
}

static struct ovsdb_db *
open_db(const char *path)
{
    struct ovsdb_db *db;
    struct ovsdb_error *error = ovsdb_storage_open(path, false, &db);
    if (error) {
        fail_msg("open %s: %s", path, ovsdb_error_to_string(error));
    }
    return db;
}

static void
close_db(struct ovsdb_db *db)
{
    ovsdb_storage_close(db);
    ovsdb_db_destroy(db);
}

/* Executes 'ops' (JSON text) and checks that no result is an error. */
static void
transact(struct ovsdb_db *db, const char *ops_text)
{
    json_error_t jerr;
    json_t *ops = json_loads(ops_text, 0, &jerr);
    if (!ops) {
        fail_msg("bad test JSON %s: %s", ops_text, jerr.text);
    }
    json_t *result = NULL;
    long long timeout;
    assert_true(ovsdb_execute(db, NULL, ops, 0, &timeout, &result));
    size_t i;
    json_t *r;
    json_array_foreach (result, i, r) {
        if (json_object_get(r, "error")) {
            char *s = json_dumps(result, JSON_COMPACT);
            fail_msg("%s -> %s", ops_text, s);
        }
    }
    json_decref(ops);
    json_decref(result);
}

/* Every table's rows, keyed by table then _uuid, without _version and the
 * other ephemeral columns (not stored) unless 'ephemeral', as a canonical
 * JSON text (new). */
static char *
dump__(struct ovsdb_db *db, bool ephemeral)
{
    json_t *ops = json_array();
    for (size_t i = 0; i < db->schema->n_tables; i++) {
        json_array_append_new(ops, json_pack("{s:s, s:s, s:[]}", "op", "select",
                                             "table", db->schema->tables[i]->name,
                                             "where"));
    }
    json_t *result = NULL;
    long long timeout;
    assert_true(ovsdb_execute(db, NULL, ops, 0, &timeout, &result));
    json_t *out = json_object();
    for (size_t i = 0; i < db->schema->n_tables; i++) {
        json_t *rows = json_object_get(json_array_get(result, i), "rows");
        json_t *by_uuid = json_object();
        size_t j;
        json_t *row;
        json_array_foreach (rows, j, row) {
            const struct ovsdb_table_schema *ts = db->schema->tables[i];
            for (size_t c = 0; c < ts->n_columns; c++) {
                if (ts->columns[c]->ephemeral && !ephemeral) {
                    json_object_del(row, ts->columns[c]->name);
                }
            }
            json_object_del(row, "_version");
            const char *uuid = json_string_value(
                json_array_get(json_object_get(row, "_uuid"), 1));
            json_object_set(by_uuid, uuid, row);
        }
        json_object_set_new(out, db->schema->tables[i]->name, by_uuid);
    }
    char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(out);
    json_decref(ops);
    json_decref(result);
    return s;
}

static char *
dump(struct ovsdb_db *db)
{
    return dump__(db, false);
}

static const char *const txns[] = {
    "[{\"op\": \"insert\", \"table\": \"Logical_Switch\", \"uuid-name\": \"ls\","
    "  \"row\": {\"name\": \"ls0\", \"tunnel_key\": 5000,"
    "           \"other_config\": [\"map\", [[\"k\", \"v\"]]]}},"
    " {\"op\": \"insert\", \"table\": \"Physical_Locator\", \"uuid-name\": \"l\","
    "  \"row\": {\"encapsulation_type\": \"vxlan_over_ipv4\", \"dst_ip\": \"10.0.0.1\"}},"
    " {\"op\": \"insert\", \"table\": \"Ucast_Macs_Remote\","
    "  \"row\": {\"MAC\": \"00:11:22:33:44:55\", \"logical_switch\": [\"named-uuid\", \"ls\"],"
    "           \"locator\": [\"named-uuid\", \"l\"]}}]",
    "[{\"op\": \"insert\", \"table\": \"Physical_Switch\", \"uuid-name\": \"s\","
    "  \"row\": {\"name\": \"ps0\", \"ports\": [\"named-uuid\", \"p\"],"
    "           \"management_ips\": [\"set\", [\"1.1.1.1\", \"2.2.2.2\"]]}},"
    " {\"op\": \"insert\", \"table\": \"Physical_Port\", \"uuid-name\": \"p\","
    "  \"row\": {\"name\": \"eth0\", \"description\": \"caf\\u00e9\"}},"
    " {\"op\": \"insert\", \"table\": \"Global\", \"row\": {\"switches\": [\"named-uuid\", \"s\"]}}]",
    "[{\"op\": \"update\", \"table\": \"Logical_Switch\", \"where\": [],"
    "  \"row\": {\"description\": \"updated\"}},"
    " {\"op\": \"comment\", \"comment\": \"a comment\"}]",
    "[{\"op\": \"mutate\", \"table\": \"Physical_Switch\", \"where\": [],"
    "  \"mutations\": [[\"management_ips\", \"delete\", \"1.1.1.1\"],"
    "                  [\"tunnel_ips\", \"insert\", \"3.3.3.3\"]]}]",
    "[{\"op\": \"insert\", \"table\": \"Logical_Switch\", \"row\": {\"name\": \"ls1\"}},"
    " {\"op\": \"delete\", \"table\": \"Ucast_Macs_Remote\", \"where\": []}]",
    "[{\"op\": \"insert\", \"table\": \"Manager\", \"uuid-name\": \"m\","
    "  \"row\": {\"target\": \"ptcp:6640\", \"is_connected\": true}},"
    " {\"op\": \"mutate\", \"table\": \"Global\", \"where\": [],"
    "  \"mutations\": [[\"managers\", \"insert\", [\"named-uuid\", \"m\"]]]},"
    " {\"op\": \"commit\", \"durable\": true}]",
};

static void
run_txns(struct ovsdb_db *db)
{
    for (size_t i = 0; i < ARRAY_SIZE(txns); i++) {
        transact(db, txns[i]);
    }
}

static void
test_reload(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_db *db = open_db(f->path);
    run_txns(db);
    char *before = dump(db);
    char *eph = dump__(db, true);
    assert_non_null(strstr(eph, "\"is_connected\":true"));
    free(eph);
    close_db(db);

    db = open_db(f->path);
    char *after = dump(db);
    assert_string_equal(before, after);
    /* Ephemeral columns are not stored: is_connected is back to false. */
    eph = dump__(db, true);
    assert_non_null(strstr(eph, "\"is_connected\":false"));
    free(eph);
    close_db(db);
    free(before);
    free(after);
}

static void
test_compact(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_db *db = open_db(f->path);
    run_txns(db);
    for (int i = 0; i < 50; i++) {
        char *ops = xasprintf("[{\"op\": \"update\", \"table\": \"Logical_Switch\","
                              " \"where\": [[\"name\", \"==\", \"ls0\"]],"
                              " \"row\": {\"description\": \"round %d\"}}]", i);
        transact(db, ops);
        free(ops);
    }
    char *before = dump(db);
    off_t size = testlib_file_size(f->path);
    struct ovsdb_error *error = ovsdb_storage_compact(db);
    if (error) {
        fail_msg("compact: %s", ovsdb_error_to_string(error));
    }
    assert_true(testlib_file_size(f->path) < size);
    /* Still writable after compaction, and both parts reload. */
    transact(db, "[{\"op\": \"insert\", \"table\": \"Logical_Switch\","
             " \"row\": {\"name\": \"after-compact\"}}]");
    char *before2 = dump(db);
    assert_string_not_equal(before, before2);
    close_db(db);

    db = open_db(f->path);
    char *after = dump(db);
    assert_string_equal(before2, after);
    close_db(db);
    free(before);
    free(before2);
    free(after);
}

static void
test_torn_tail(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_db *db = open_db(f->path);
    run_txns(db);
    char *before = dump(db);
    close_db(db);

    /* Half of a plausible record: a header and part of its body. */
    off_t good = testlib_file_size(f->path);
    const char body[] = "{\"Logical_Switch\":{\"0b6b3b49-0000-4000-8000-"
                        "000000000001\":{\"name\":\"torn\"}}}";
    char *tail = xasprintf("OVSDB JSON %zu 0123456789abcdef0123456789abcdef"
                           "01234567\n%.*s", strlen(body),
                           (int) (strlen(body) / 2), body);
    int fd = open(f->path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, tail, strlen(tail)), (ssize_t) strlen(tail));
    close(fd);
    free(tail);

    db = open_db(f->path);
    char *after = dump(db);
    assert_string_equal(before, after);
    /* New transactions go after the last good record... */
    transact(db, "[{\"op\": \"insert\", \"table\": \"Logical_Switch\","
             " \"row\": {\"name\": \"after-tear\"}}]");
    char *before2 = dump(db);
    close_db(db);
    assert_true(testlib_file_size(f->path) > good);

    /* ...so everything reloads. */
    db = open_db(f->path);
    char *after2 = dump(db);
    assert_string_equal(before2, after2);
    assert_non_null(strstr(after2, "after-tear"));
    assert_null(strstr(after2, "torn"));
    close_db(db);
    free(before);
    free(after);
    free(before2);
    free(after2);
}

static bool
have_ovsdb_tool(void)
{
    return !access("/usr/bin/ovsdb-tool", X_OK);
}

/* Runs 'cmd' and returns its standard output (new), or NULL if it fails. */
static char *
run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct ds out = DS_EMPTY_INITIALIZER;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
        ds_put_buffer(&out, buf, n);
    }
    int status = pclose(p);
    ds_cstr(&out);
    if (status) {
        print_error("%s: exit status %d, output:\n%s\n", cmd, status, out.s);
        ds_destroy(&out);
        return NULL;
    }
    return ds_steal_cstr(&out);
}

static void
test_ovsdb_tool_reads(void **state)
{
    struct fixture *f = *state;
    if (!have_ovsdb_tool()) {
        skip();
    }
    struct ovsdb_db *db = open_db(f->path);
    run_txns(db);
    close_db(db);

    /* show-log: the schema record plus one per transaction. */
    char *cmd = xasprintf("ovsdb-tool show-log '%s' 2>&1", f->path);
    char *out = run(cmd);
    free(cmd);
    assert_non_null(out);
    char *want = xasprintf("record %zu:", ARRAY_SIZE(txns));
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "a comment"));
    free(want);
    free(out);

    /* query: OVS reads the same rows back. */
    cmd = xasprintf("ovsdb-tool query '%s' '[\"hardware_vtep\", {\"op\": "
                    "\"select\", \"table\": \"Logical_Switch\", \"where\": [],"
                    " \"columns\": [\"name\", \"description\", \"tunnel_key\"]}]'"
                    " 2>&1", f->path);
    out = run(cmd);
    free(cmd);
    assert_non_null(out);
    json_error_t jerr;
    json_t *result = json_loads(out, 0, &jerr);
    assert_non_null(result);
    json_t *rows = json_object_get(json_array_get(result, 0), "rows");
    assert_int_equal(json_array_size(rows), 2);
    char *text = json_dumps(rows, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(strstr(text, "{\"description\":\"updated\",\"name\":\"ls0\","
                           "\"tunnel_key\":5000}"));
    assert_non_null(strstr(text, "\"name\":\"ls1\""));
    free(text);
    json_decref(result);
    free(out);

    /* And after compaction too. */
    db = open_db(f->path);
    struct ovsdb_error *error = ovsdb_storage_compact(db);
    assert_null(error);
    close_db(db);
    cmd = xasprintf("ovsdb-tool query '%s' '[\"hardware_vtep\", {\"op\": "
                    "\"select\", \"table\": \"Physical_Port\", \"where\": [],"
                    " \"columns\": [\"description\"]}]' 2>&1", f->path);
    out = run(cmd);
    free(cmd);
    assert_non_null(out);
    assert_non_null(strstr(out, "caf\xc3\xa9"));
    free(out);
}

/* The file seam creates is the one ovsdb-tool creates: OVS can open it
 * before any transaction, and seam opens one made by ovsdb-tool. */
static void
test_interchange(void **state)
{
    struct fixture *f = *state;
    if (!have_ovsdb_tool()) {
        skip();
    }
    char *cmd = xasprintf("ovsdb-tool db-name '%s'", f->path);
    char *out = run(cmd);
    free(cmd);
    assert_non_null(out);
    assert_string_equal(out, "hardware_vtep\n");
    free(out);

    char *ovs_path = xasprintf("%s/ovs.db", f->dir);
    char *schema = testlib_data_path("ovsdb/vtep.ovsschema");
    cmd = xasprintf("ovsdb-tool create '%s' '%s' && ovsdb-tool transact '%s' "
                    "'[\"hardware_vtep\", {\"op\": \"insert\", \"table\": "
                    "\"Logical_Switch\", \"row\": {\"name\": \"from-ovs\"}}]'",
                    ovs_path, schema, ovs_path);
    out = run(cmd);
    free(cmd);
    free(schema);
    assert_non_null(out);
    free(out);
    struct ovsdb_db *db = open_db(ovs_path);
    char *d = dump(db);
    assert_non_null(strstr(d, "\"name\":\"from-ovs\""));
    run_txns(db);
    close_db(db);
    free(d);
    cmd = xasprintf("ovsdb-tool show-log '%s' >/dev/null", ovs_path);
    out = run(cmd);
    assert_non_null(out);
    free(out);
    free(cmd);
    free(ovs_path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ovsdb_tool_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interchange, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
