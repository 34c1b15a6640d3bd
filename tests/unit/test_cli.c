/* Unit tests of seamctl's pure modules: src/cli/resource.c (the parsers of
 * --segment, --device and KEY=VALUE lists, each a table of vectors: the
 * text, and the JSON it must give or the exact error), src/cli/table.c
 * (cell text of JSON values; tables drawn into a memory stream) and
 * src/cli/output.c (-f and -c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/testlib.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "cli/resource.h"
#include "cli/table.h"
#include "lib/util.h"

typedef int parse_func(const char *, json_t **, char **);

struct vector {
    const char *text;
    const char *expect;         /* JSON, or NULL if an error. */
    const char *error;          /* The error, if 'expect' is NULL. */
};

/* Runs 'parse' on each of 'vectors'. */
static void
check_vectors(parse_func *parse, const struct vector *vectors, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct vector *v = &vectors[i];
        json_t *got = NULL;
        char *error = NULL;
        int rc = parse(v->text, &got, &error);

        if (v->expect) {
            json_t *expect = json_loads(v->expect, 0, NULL);
            assert_non_null(expect);
            if (rc || !json_equal(got, expect)) {
                char *text = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
                fail_msg("\"%s\": got %s (%s), want %s", v->text,
                         text ? text : "nothing", error ? error : "no error",
                         v->expect);
            }
            json_decref(expect);
        } else {
            assert_int_equal(rc, -EINVAL);
            assert_null(got);
            assert_non_null(error);
            assert_string_equal(error, v->error);
        }
        json_decref(got);
        free(error);
    }
}

static void
test_parse_kv(void **state)
{
    static const struct vector vectors[] = {
        { "a=1", "{\"a\": \"1\"}", NULL },
        { "ip-address=10.0.0.1,subnet=s1",
          "{\"ip_address\": \"10.0.0.1\", \"subnet\": \"s1\"}", NULL },
        { "k=", "{\"k\": \"\"}", NULL },
        { "k=a=b", "{\"k\": \"a=b\"}", NULL },
        { "", "{}", NULL },
        { "a", NULL, "\"a\": want KEY=VALUE[,KEY=VALUE...], not \"a\"" },
        { "a=1,=2", NULL, "\"a=1,=2\": want KEY=VALUE[,KEY=VALUE...], "
          "not \"=2\"" },
    };
    check_vectors(resource_parse_kv, vectors, ARRAY_SIZE(vectors));
}

static void
test_parse_segment(void **state)
{
    static const struct vector vectors[] = {
        { "vxlan", "{\"provider:network_type\": \"vxlan\"}", NULL },
        { "vxlan:5000", "{\"provider:network_type\": \"vxlan\", "
          "\"provider:segmentation_id\": 5000}", NULL },
        { "vlan:physnet1:2901", "{\"provider:network_type\": \"vlan\", "
          "\"provider:physical_network\": \"physnet1\", "
          "\"provider:segmentation_id\": 2901}", NULL },
        { "flat:physnet2", "{\"provider:network_type\": \"flat\", "
          "\"provider:physical_network\": \"physnet2\"}", NULL },
        /* Range checks are the server's: 4095 goes through. */
        { "vlan:physnet1:4095", "{\"provider:network_type\": \"vlan\", "
          "\"provider:physical_network\": \"physnet1\", "
          "\"provider:segmentation_id\": 4095}", NULL },
        { "network_type=vlan,physical_network=p,segmentation_id=7",
          "{\"provider:network_type\": \"vlan\", "
          "\"provider:physical_network\": \"p\", "
          "\"provider:segmentation_id\": 7}", NULL },
        { "network-type=vxlan,segment=9", "{\"provider:network_type\": "
          "\"vxlan\", \"provider:segmentation_id\": 9}", NULL },
        { "vlan:a:1:2", NULL, "\"vlan:a:1:2\": want TYPE, TYPE:ID, "
          "TYPE:PHYSNET:ID, TYPE:PHYSNET or KEY=VALUE,..." },
        { ":5", NULL, "\":5\": want TYPE, TYPE:ID, TYPE:PHYSNET:ID, "
          "TYPE:PHYSNET or KEY=VALUE,..." },
        { "vlan:physnet1:x", NULL, "\"vlan:physnet1:x\": "
          "provider:segmentation_id \"x\" is not an integer" },
        { "network_type=vlan,segmentation_id=1x", NULL,
          "\"network_type=vlan,segmentation_id=1x\": "
          "provider:segmentation_id \"1x\" is not an integer" },
    };
    check_vectors(resource_parse_segment, vectors, ARRAY_SIZE(vectors));
}

static void
test_parse_device(void **state)
{
    static const struct vector vectors[] = {
        { "name=tor1,interface_names=p1",
          "{\"device_name\": \"tor1\", \"interfaces\": [{\"name\": \"p1\"}]}",
          NULL },
        { "name=tor1,interface_names=p1|100#101;p2|5;p3",
          "{\"device_name\": \"tor1\", \"interfaces\": ["
          "{\"name\": \"p1\", \"segmentation_id\": [\"100\", \"101\"]}, "
          "{\"name\": \"p2\", \"segmentation_id\": [\"5\"]}, "
          "{\"name\": \"p3\"}]}", NULL },
        { "name=tor1", "{\"device_name\": \"tor1\", \"interfaces\": []}",
          NULL },
        { "name=t,port=p", NULL,
          "\"name=t,port=p\": a device has only name= and interface_names=" },
        { "tor1", NULL, "\"tor1\": want KEY=VALUE[,KEY=VALUE...], not "
          "\"tor1\"" },
    };
    check_vectors(resource_parse_device, vectors, ARRAY_SIZE(vectors));
}

static void
test_parse_int(void **state)
{
    long long n;

    assert_true(resource_parse_int("2901", &n));
    assert_int_equal(n, 2901);
    assert_true(resource_parse_int("-1", &n));
    assert_int_equal(n, -1);
    assert_false(resource_parse_int("", &n));
    assert_false(resource_parse_int("12a", &n));
    assert_false(resource_parse_int("99999999999999999999", &n));
}

static void
test_resources_are_consistent(void **state)
{
    size_t n = 0;

    for (const struct resource *r = resources; r->command; r++, n++) {
        assert_ptr_equal(resource_find(r->command), r);
        assert_true(r->path[0] == '/');
        assert_non_null(r->columns[0].attr);
        /* Flags are unique within a resource. */
        for (const struct resource_opt *a = r->opts; a->flag; a++) {
            assert_true((a->kind == RESOURCE_OPT_TRUE
                         || a->kind == RESOURCE_OPT_FALSE) == !a->metavar);
            assert_true(a->kind != RESOURCE_OPT_REF
                        || resource_find(a->ref));
            for (const struct resource_opt *b = a + 1; b->flag; b++) {
                if (!strcmp(a->flag, b->flag)) {
                    assert_true(!(a->actions & b->actions));
                }
            }
        }
    }
    assert_int_equal(n, 8);
    assert_null(resource_find("nosuch"));
}

/* Fails unless table_cell_from_json() of JSON 'json' is 'expect'. */
static void
check_cell(const char *json, const char *expect)
{
    json_t *value = json_loads(json, JSON_DECODE_ANY, NULL);
    char *cell;

    assert_non_null(value);
    cell = table_cell_from_json(value);
    assert_string_equal(cell, expect);
    free(cell);
    json_decref(value);
}

static void
test_cells(void **state)
{
    check_cell("\"text\"", "text");
    check_cell("null", "");
    check_cell("true", "true");
    check_cell("false", "false");
    check_cell("2901", "2901");
    check_cell("[]", "");
    check_cell("[\"a\", \"b\", 3]", "a, b, 3");
    check_cell("{\"b\": 1, \"a\": \"x\", \"c\": null, \"d\": [1]}",
               "a='x', b=1, c=null, d=[1]");
    check_cell("[{\"subnet_id\": \"s\", \"ip_address\": \"10.0.0.2\"}, "
               "{\"ip_address\": \"10.0.0.3\"}]",
               "ip_address='10.0.0.2', subnet_id='s'\n"
               "ip_address='10.0.0.3'");
    char *cell = table_cell_from_json(NULL);
    assert_string_equal(cell, "");
    free(cell);
}

/* Returns a new string: 'table' as table_print() draws it. */
static char *
print_table(const struct table *table)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    assert_non_null(out);
    table_print(table, out);
    fclose(out);
    return text;
}

static void
test_table(void **state)
{
    static const char *const headers[] = { "ID", "Name" };
    struct table *table = table_create(2, headers);
    char *text;

    text = print_table(table);
    assert_string_equal(text, "");       /* No rows, nothing. */
    free(text);

    table_add_cell(table, xstrdup("1"));
    table_add_cell(table, xstrdup("ünïcode"));
    table_add_cell(table, xstrdup("22"));
    table_add_cell(table, xstrdup("two\nlines"));
    table_add_cell(table, NULL);
    assert_int_equal(table_n_rows(table), 2);   /* The third is not whole. */
    table_add_cell(table, NULL);
    assert_int_equal(table_n_rows(table), 3);
    text = print_table(table);
    assert_string_equal(text,
                        "+----+---------+\n"
                        "| ID | Name    |\n"
                        "+----+---------+\n"
                        "| 1  | ünïcode |\n"
                        "| 22 | two     |\n"
                        "|    | lines   |\n"
                        "|    |         |\n"
                        "+----+---------+\n");
    free(text);
    table_destroy(table);
    table_destroy(NULL);
}

static const struct resource_column columns[] = {
    { "id", "ID" },
    { "name", "Name" },
    { NULL, NULL },
};

/* Returns a new string: what output_object() ('list' false) or
 * output_list() print of JSON 'json' with 'format' and -c 'cols'. */
static char *
print_output(enum output_format format, char **cols, size_t n_cols,
             bool list, const char *json)
{
    struct output output = { format, cols, n_cols };
    json_t *value = json_loads(json, 0, NULL);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    assert_non_null(value);
    assert_non_null(out);
    if (list) {
        output_list(&output, columns, value, out);
    } else {
        output_object(&output, columns, value, out);
    }
    fclose(out);
    json_decref(value);
    return text;
}

static void
check_output(enum output_format format, char **cols, size_t n_cols, bool list,
             const char *json, const char *expect)
{
    char *text = print_output(format, cols, n_cols, list, json);

    assert_string_equal(text, expect);
    free(text);
}

static void
test_output(void **state)
{
    static const char object[] = "{\"name\": \"n1\", \"id\": \"1\", "
                                 "\"mtu\": 1450}";
    static const char list[] = "[{\"name\": \"n1\", \"id\": \"1\", "
                               "\"mtu\": 1450}, {\"id\": \"2\"}]";
    char *id_mtu[] = { "ID", "mtu" };
    char *nosuch[] = { "nosuch" };

    check_output(OUTPUT_TABLE, NULL, 0, false, object,
                 "+-------+-------+\n"
                 "| Field | Value |\n"
                 "+-------+-------+\n"
                 "| id    | 1     |\n"
                 "| mtu   | 1450  |\n"
                 "| name  | n1    |\n"
                 "+-------+-------+\n");
    check_output(OUTPUT_VALUE, id_mtu, 2, false, object, "1\n1450\n");
    check_output(OUTPUT_JSON, id_mtu, 2, false, object,
                 "{\n  \"id\": \"1\",\n  \"mtu\": 1450\n}\n");
    check_output(OUTPUT_VALUE, nosuch, 1, false, object, "");
    check_output(OUTPUT_TABLE, NULL, 0, true, list,
                 "+----+------+\n"
                 "| ID | Name |\n"
                 "+----+------+\n"
                 "| 1  | n1   |\n"
                 "| 2  |      |\n"
                 "+----+------+\n");
    check_output(OUTPUT_TABLE, id_mtu, 2, true, list,
                 "+----+------+\n"
                 "| ID | mtu  |\n"
                 "+----+------+\n"
                 "| 1  | 1450 |\n"
                 "| 2  |      |\n"
                 "+----+------+\n");
    check_output(OUTPUT_VALUE, NULL, 0, true, list, "1 n1\n2 \n");
    check_output(OUTPUT_JSON, NULL, 0, true, "[]", "[]\n");
    check_output(OUTPUT_JSON, id_mtu, 2, true, list,
                 "[\n  {\n    \"id\": \"1\",\n    \"mtu\": 1450\n  },\n"
                 "  {\n    \"id\": \"2\"\n  }\n]\n");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_kv),
        cmocka_unit_test(test_parse_segment),
        cmocka_unit_test(test_parse_device),
        cmocka_unit_test(test_parse_int),
        cmocka_unit_test(test_resources_are_consistent),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_output),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
