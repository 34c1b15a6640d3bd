/* Unit tests for src/ovsdb/schema.c.
 *
 * Every rejection is checked with the exact tag and details Open vSwitch
 * 3.1's ovsdb-tool reports for it.  ovsdb_schema_to_json() is compared with
 * what a real ovsdb-server's get_schema returned for the same schema files:
 * tests/unit/data/schema/<name>.ovsschema and <name>.get_schema.json (the
 * latter written by `ovsdb-client get-schema`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/testlib.h"
#include "ovsdb/error.h"
#include "ovsdb/schema.h"

static void
assert_json_same(const json_t *actual, const json_t *expected,
                 const char *what)
{
    if (!testlib_json_same(actual, expected)) {
        char *a = json_dumps(actual, JSON_COMPACT | JSON_SORT_KEYS);
        char *e = json_dumps(expected, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("%s:\n got      %s\n expected %s", what, a, e);
    }
}

/* Rejections. */

struct reject_case {
    const char *json;
    const char *tag;
    const char *details;
};

#define TABLES_OK "\"tables\":{\"A\":{\"columns\":{\"c\":{\"type\":\"integer\"}}}}"
#define WITH_TABLE(T) "{\"name\":\"X\",\"tables\":{\"A\":" T "}}"
#define WITH_COLUMN(C) WITH_TABLE("{\"columns\":{\"c\":" C "}}")
#define WITH_TYPE(T) WITH_COLUMN("{\"type\":" T "}")

static const struct reject_case reject_cases[] = {
    { "[]", "syntax error",
      "Parsing database schema failed: Object expected." },
    { "{\"name\":\"X\",\"version\":\"1.2\"," TABLES_OK "}", "syntax error",
      "schema version \"1.2\" not in format x.y.z" },
    { "{\"name\":\"X\",\"version\":\"1.2.3.4\"," TABLES_OK "}", "syntax error",
      "schema version \"1.2.3.4\" not in format x.y.z" },
    { "{\"name\":\"X\",\"version\":\"1.2.x\"," TABLES_OK "}", "syntax error",
      "schema version \"1.2.x\" not in format x.y.z" },
    { "{\"name\":\"X\",\"version\":1," TABLES_OK "}", "syntax error",
      "Parsing database schema failed: Type mismatch for member 'version'." },
    { "{\"name\":\"X\",\"foo\":1," TABLES_OK "}", "syntax error",
      "Parsing database schema failed: Member 'foo' is present but not "
      "allowed here." },
    { "{\"name\":\"X\",\"foo\":1,\"bar\":2," TABLES_OK "}", "syntax error",
      "Parsing database schema failed: Member 'foo' and 1 other member are "
      "present but not allowed here." },
    { "{\"name\":\"1X\"," TABLES_OK "}", "syntax error",
      "Parsing database schema failed: Type mismatch for member 'name'." },
    { "{" TABLES_OK "}", "syntax error",
      "Parsing database schema failed: Required 'name' member is missing." },
    { "{\"name\":\"X\",\"version\":\"1.2.3\"}", "syntax error",
      "Parsing database schema failed: Required 'tables' member is missing." },
    { "{\"name\":\"X\",\"tables\":[]}", "syntax error",
      "Parsing database schema failed: Type mismatch for member 'tables'." },
    { "{\"name\":\"X\",\"tables\":{\"_A\":{\"columns\":{\"c\":"
      "{\"type\":\"integer\"}}}}}", "syntax error",
      "names beginning with \"_\" are reserved" },
    { "{\"name\":\"X\",\"tables\":{\"A-b\":{\"columns\":{\"c\":"
      "{\"type\":\"integer\"}}}}}", "syntax error",
      "name must be a valid id" },
    { "{\"name\":\"X\",\"tables\":{\"A\":1}}", "syntax error",
      "Parsing table schema for table A failed: Object expected." },
    { WITH_TABLE("{}"), "syntax error", "Parsing table schema for table A "
      "failed: Required 'columns' member is missing." },
    { WITH_TABLE("{\"columns\":{}}"), "syntax error",
      "table must have at least one column" },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\"}},\"x\":1}"),
      "syntax error", "Parsing table schema for table A failed: Member 'x' "
      "is present but not allowed here." },
    { WITH_TABLE("{\"columns\":{\"_c\":{\"type\":\"integer\"}}}"),
      "syntax error", "names beginning with \"_\" are reserved" },
    { WITH_TABLE("{\"columns\":{\"c d\":{\"type\":\"integer\"}}}"),
      "syntax error", "name must be a valid id" },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\"}},\"maxRows\":0}"),
      "syntax error", "maxRows must be at least 1" },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\"}},"
                 "\"maxRows\":\"1\"}"), "syntax error",
      "Parsing table schema for table A failed: Type mismatch for member "
      "'maxRows'." },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\"}},"
                 "\"isRoot\":1}"), "syntax error",
      "Parsing table schema for table A failed: Type mismatch for member "
      "'isRoot'." },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\"}},"
                 "\"indexes\":[[\"d\"]]}"), "syntax error",
      "d is not a valid column name" },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\"}},"
                 "\"indexes\":[[]]}"), "syntax error",
      "index must have at least one column" },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\"}},"
                 "\"indexes\":[[\"c\",\"c\"]]}"), "syntax error",
      "array of distinct column names expected" },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\"}},"
                 "\"indexes\":[\"c\"]}"), "syntax error",
      "array of distinct column names expected" },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\"}},"
                 "\"indexes\":[[1]]}"), "syntax error",
      "array of distinct column names expected" },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\"}},"
                 "\"indexes\":[[\"_version\"]]}"), "syntax error",
      "ephemeral columns (such as _version) may not be indexed" },
    { WITH_TABLE("{\"columns\":{\"c\":{\"type\":\"integer\","
                 "\"ephemeral\":true}},\"indexes\":[[\"c\"]]}"),
      "syntax error", "ephemeral columns (such as c) may not be indexed" },
    { WITH_COLUMN("{}"), "syntax error", "Parsing schema for column c "
      "failed: Required 'type' member is missing." },
    { WITH_COLUMN("{\"type\":1}"), "syntax error", "Parsing schema for "
      "column c failed: Type mismatch for member 'type'." },
    { WITH_COLUMN("{\"type\":\"integer\",\"mutable\":\"no\"}"),
      "syntax error", "Parsing schema for column c failed: Type mismatch "
      "for member 'mutable'." },
    { WITH_COLUMN("{\"type\":\"integer\",\"default\":1}"), "syntax error",
      "Parsing schema for column c failed: Member 'default' is present but "
      "not allowed here." },
    { WITH_TYPE("\"int\""), "syntax error", "\"int\" is not an atomic-type" },
    { WITH_TYPE("{\"key\":\"integer\",\"min\":2}"), "syntax error",
      "ovsdb type fails constraint checks" },
    { WITH_TYPE("{\"key\":{\"type\":\"uuid\",\"refTable\":\"B\"}}"),
      "syntax error", "column c key refers to undefined table B" },
    { WITH_TYPE("{\"key\":\"integer\",\"value\":{\"type\":\"uuid\","
                "\"refTable\":\"B\"}}"),
      "syntax error", "column c value refers to undefined table B" },
    { WITH_TYPE("{\"key\":{\"type\":\"uuid\",\"refTable\":\"A\","
                "\"refType\":\"medium\"}}"), "syntax error",
      "refType must be \"strong\" or \"weak\" (not \"medium\")" },
};

static void
test_reject(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(reject_cases); i++) {
        const struct reject_case *c = &reject_cases[i];
        struct ovsdb_schema *schema = (void *) 1;
        json_t *j = testlib_parse(c->json);

        struct ovsdb_error *error = ovsdb_schema_from_json(j, &schema);
        if (!error) {
            fail_msg("%s: accepted, expected \"%s\"", c->json, c->details);
        }
        if (strcmp(ovsdb_error_get_tag(error), c->tag)
            || strcmp(ovsdb_error_get_details(error), c->details)) {
            fail_msg("%s:\n got      %s: %s\n expected %s: %s", c->json,
                     ovsdb_error_get_tag(error),
                     ovsdb_error_get_details(error), c->tag, c->details);
        }
        assert_null(schema);
        ovsdb_error_destroy(error);
        json_decref(j);
    }
}

static void
test_accept_odd_versions(void **state)
{
    /* ovsdb-tool reads versions with scanf's %u. */
    static const char *versions[] = { "1.2.3", "01.2.3", " 1.2.3", "0.0.0" };
    for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
        char *text = xasprintf("{\"name\":\"X\",\"version\":\"%s\","
                               TABLES_OK "}", versions[i]);
        json_t *j = testlib_parse(text);
        struct ovsdb_schema *schema;
        assert_null(ovsdb_schema_from_json(j, &schema));
        assert_string_equal(schema->version, versions[i]);
        ovsdb_schema_destroy(schema);
        json_decref(j);
        free(text);
    }
}

/* get_schema equivalence. */

static struct ovsdb_schema *
load(const char *name)
{
    char *path = testlib_data_path("schema/%s", name);
    struct ovsdb_schema *schema = testlib_load_schema(path);
    free(path);
    return schema;
}

static void
check_get_schema(const char *name)
{
    char *schema_file = xasprintf("%s.ovsschema", name);
    char *expected_path = testlib_data_path("schema/%s.get_schema.json",
                                            name);
    json_error_t err;
    json_t *expected = json_load_file(expected_path, 0, &err);
    assert_non_null(expected);

    struct ovsdb_schema *schema = load(schema_file);
    json_t *actual = ovsdb_schema_to_json(schema);
    assert_json_same(actual, expected, schema_file);

    /* Reading back what we wrote gives the same schema. */
    struct ovsdb_schema *again;
    assert_null(ovsdb_schema_from_json(actual, &again));
    json_t *actual2 = ovsdb_schema_to_json(again);
    assert_json_same(actual2, expected, "reparsed");

    /* So does a clone. */
    struct ovsdb_schema *clone = ovsdb_schema_clone(schema);
    json_t *actual3 = ovsdb_schema_to_json(clone);
    assert_json_same(actual3, expected, "clone");

    json_decref(actual3);
    json_decref(actual2);
    json_decref(actual);
    json_decref(expected);
    ovsdb_schema_destroy(clone);
    ovsdb_schema_destroy(again);
    ovsdb_schema_destroy(schema);
    free(expected_path);
    free(schema_file);
}

static void
test_get_schema_vtep(void **state)
{
    check_get_schema("vtep");
}

static void
test_get_schema_vswitch(void **state)
{
    check_get_schema("vswitch");
}

static void
test_get_schema_misc(void **state)
{
    check_get_schema("misc");
    check_get_schema("m2");
}

/* Structure. */

static void
check_structure(const struct ovsdb_schema *schema)
{
    for (size_t i = 0; i < schema->n_tables; i++) {
        const struct ovsdb_table_schema *ts = schema->tables[i];

        assert_int_equal(ts->index, i);
        if (i) {
            assert_true(strcmp(schema->tables[i - 1]->name, ts->name) < 0);
        }
        assert_ptr_equal(ovsdb_schema_find_table(schema, ts->name), ts);
        assert_string_equal(ts->columns[OVSDB_COL_UUID]->name, "_uuid");
        assert_string_equal(ts->columns[OVSDB_COL_VERSION]->name, "_version");
        for (size_t j = 0; j < ts->n_columns; j++) {
            const struct ovsdb_column *c = ts->columns[j];
            assert_int_equal(c->index, j);
            if (j > OVSDB_N_INTERNAL_COLUMNS) {
                assert_true(strcmp(ts->columns[j - 1]->name, c->name) < 0);
            }
            assert_ptr_equal(ovsdb_table_schema_find_column(ts, c->name), c);
            for (int k = 0; k < 2; k++) {
                const struct ovsdb_base_type *b = k ? &c->type.value
                                                    : &c->type.key;
                if (ovsdb_base_type_is_ref(b)) {
                    assert_non_null(b->uuid.ref_table);
                    assert_ptr_equal(b->uuid.ref_table,
                                     ovsdb_schema_find_table(
                                         schema, b->uuid.ref_table_name));
                }
            }
        }
        for (size_t j = 0; j < ts->n_indexes; j++) {
            for (size_t k = 0; k < ts->indexes[j].n_columns; k++) {
                const struct ovsdb_column *c = ts->indexes[j].columns[k];
                assert_ptr_equal(ts->columns[c->index], c);
            }
        }
    }
}

static void
test_structure(void **state)
{
    struct ovsdb_schema *schema = load("vtep.ovsschema");

    assert_string_equal(schema->name, "hardware_vtep");
    assert_non_null(schema->version);
    assert_string_equal(schema->cksum, "353943336 11434");
    check_structure(schema);

    struct ovsdb_schema *clone = ovsdb_schema_clone(schema);
    check_structure(clone);
    assert_ptr_not_equal(clone->tables[0], schema->tables[0]);

    const struct ovsdb_table_schema *ps = ovsdb_schema_find_table(
        schema, "Physical_Switch");
    assert_non_null(ps);
    assert_false(ps->is_root);
    assert_true(ovsdb_schema_find_table(schema, "Global")->is_root);
    assert_int_equal(ps->max_rows, UINT_MAX);
    assert_true(ps->mutable_);
    assert_int_equal(ps->n_indexes, 1);
    assert_string_equal(ps->indexes[0].columns[0]->name, "name");

    const struct ovsdb_column *ports = ovsdb_table_schema_find_column(
        ps, "ports");
    assert_non_null(ports);
    assert_true(ovsdb_base_type_is_strong_ref(&ports->type.key));
    assert_string_equal(ports->type.key.uuid.ref_table->name,
                        "Physical_Port");
    assert_null(ovsdb_table_schema_find_column(ps, "nope"));
    assert_null(ovsdb_table_schema_find_column(ps, "_nope"));
    assert_null(ovsdb_schema_find_table(schema, "Nope"));

    const struct ovsdb_column *uuid = ps->columns[OVSDB_COL_UUID];
    assert_false(uuid->mutable_);
    assert_false(uuid->ephemeral);
    assert_true(ps->columns[OVSDB_COL_VERSION]->ephemeral);

    /* Physical_Port.vlan_stats is "ephemeral" in the file, but a strong
     * reference to a non-root table never is. */
    const struct ovsdb_table_schema *pp = ovsdb_schema_find_table(
        schema, "Physical_Port");
    const struct ovsdb_column *vs = ovsdb_table_schema_find_column(
        pp, "vlan_stats");
    assert_false(vs->ephemeral);
    assert_false(ovsdb_schema_find_table(schema, "Logical_Binding_Stats")
                 ->is_root);

    ovsdb_schema_destroy(clone);
    ovsdb_schema_destroy(schema);
}

static void
test_defaults(void **state)
{
    json_t *j = testlib_parse(
        "{\"name\":\"D\",\"tables\":{"
        "\"B\":{\"columns\":{\"w\":{\"type\":{\"key\":{\"type\":\"uuid\","
        "\"refTable\":\"A\",\"refType\":\"weak\"}},\"mutable\":false},"
        "\"e\":{\"type\":\"string\",\"ephemeral\":true},"
        "\"i\":{\"type\":\"integer\",\"mutable\":false}},"
        "\"maxRows\":99999999999,\"mutable\":false},"
        "\"A\":{\"columns\":{\"n\":{\"type\":\"integer\"}},\"maxRows\":3}}}");
    struct ovsdb_schema *schema;

    assert_null(ovsdb_schema_from_json(j, &schema));
    assert_null(schema->version);
    assert_null(schema->cksum);
    assert_int_equal(schema->n_tables, 2);
    assert_string_equal(schema->tables[0]->name, "A");

    /* No table says isRoot: every table is a root. */
    const struct ovsdb_table_schema *a = schema->tables[0];
    const struct ovsdb_table_schema *b = schema->tables[1];
    assert_true(a->is_root && b->is_root);
    assert_int_equal(a->max_rows, 3);
    assert_int_equal(b->max_rows, UINT_MAX);
    assert_false(b->mutable_);

    /* A weak reference is always mutable. */
    assert_true(ovsdb_table_schema_find_column(b, "w")->mutable_);
    assert_false(ovsdb_table_schema_find_column(b, "i")->mutable_);
    assert_true(ovsdb_table_schema_find_column(b, "e")->ephemeral);
    assert_string_equal(b->columns[2]->name, "e");
    assert_string_equal(b->columns[3]->name, "i");
    assert_string_equal(b->columns[4]->name, "w");

    json_t *out = ovsdb_schema_to_json(schema);
    json_t *expected = testlib_parse(
        "{\"name\":\"D\",\"tables\":{"
        "\"A\":{\"columns\":{\"n\":{\"type\":\"integer\"}},\"maxRows\":3},"
        "\"B\":{\"mutable\":false,\"columns\":{"
        "\"e\":{\"ephemeral\":true,\"type\":\"string\"},"
        "\"i\":{\"mutable\":false,\"type\":\"integer\"},"
        "\"w\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"A\","
        "\"refType\":\"weak\"}}}}}}}");
    assert_json_same(out, expected, "defaults");

    json_decref(expected);
    json_decref(out);
    ovsdb_schema_destroy(schema);
    json_decref(j);
}

static void
test_is_root_output(void **state)
{
    /* With some roots, non-root tables are left without "isRoot" and
     * roots say "isRoot": true. */
    json_t *j = testlib_parse(
        "{\"name\":\"R\",\"tables\":{"
        "\"A\":{\"columns\":{\"n\":{\"type\":\"integer\"}},\"isRoot\":true},"
        "\"B\":{\"columns\":{\"n\":{\"type\":\"integer\"}},\"isRoot\":false}}}");
    struct ovsdb_schema *schema;
    assert_null(ovsdb_schema_from_json(j, &schema));
    json_t *out = ovsdb_schema_to_json(schema);
    json_t *expected = testlib_parse(
        "{\"name\":\"R\",\"tables\":{"
        "\"A\":{\"columns\":{\"n\":{\"type\":\"integer\"}},\"isRoot\":true},"
        "\"B\":{\"columns\":{\"n\":{\"type\":\"integer\"}}}}}");
    assert_json_same(out, expected, "isRoot");
    json_decref(expected);
    json_decref(out);
    ovsdb_schema_destroy(schema);
    json_decref(j);
}

static void
test_from_file_errors(void **state)
{
    struct ovsdb_schema *schema = (void *) 1;
    struct ovsdb_error *error;

    error = ovsdb_schema_from_file("/nonexistent/x.ovsschema", &schema);
    assert_non_null(error);
    assert_string_equal(ovsdb_error_get_tag(error), "failed to read schema");
    assert_non_null(strstr(ovsdb_error_get_details(error),
                           "\"/nonexistent/x.ovsschema\" could not be read "
                           "as JSON"));
    assert_null(schema);
    ovsdb_error_destroy(error);

    char path[] = "/tmp/seam-test-schema-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"name\":\"X\",\"version\":\"1.2\"," TABLES_OK "}", f);
    fclose(f);
    error = ovsdb_schema_from_file(path, &schema);
    unlink(path);
    assert_non_null(error);
    assert_string_equal(ovsdb_error_get_tag(error), "syntax error");
    char *expected = xasprintf("failed to parse \"%s\" as ovsdb schema: "
                               "schema version \"1.2\" not in format x.y.z",
                               path);
    assert_string_equal(ovsdb_error_get_details(error), expected);
    free(expected);
    assert_null(schema);
    ovsdb_error_destroy(error);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reject),
        cmocka_unit_test(test_accept_odd_versions),
        cmocka_unit_test(test_get_schema_vtep),
        cmocka_unit_test(test_get_schema_vswitch),
        cmocka_unit_test(test_get_schema_misc),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_is_root_output),
        cmocka_unit_test(test_from_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
