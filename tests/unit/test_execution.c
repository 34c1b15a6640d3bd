/* Unit tests for src/ovsdb/execution.c (and through it txn.c, condition.c,
 * mutation.c, db.c): the "transact" operations against Open vSwitch 3.1's
 * ovsdb-server, table-driven from files (OVS OVSDB_CHECK_EXECUTION).
 *
 * Each directory tests/unit/data/ovsdb/<case>/ with a txns.json is a case:
 *   schema.json  the schema (optional; default ../vtep.ovsschema);
 *   txns.json    an array of transactions, each the array of operations
 *                that follows the database name in "transact";
 *   expect.json  {"results": [...], "dump": {table: rows}}: what the real
 *                ovsdb-server answered to each transaction, and every table
 *                selected at the end, written by regen.py (same directory).
 * The test runs the transactions through ovsdb_execute() on a fresh
 * in-memory database, dumps the tables the same way, normalises both as
 * regen.py does (rows of "rows" and elements of sets and maps sorted,
 * UUIDs numbered "<N>" in order of first appearance; see regen.py) and
 * compares.  Numbers compare by value.
 *
 * Error objects: "error" must match exactly.  Their other members
 * ("details", "syntax") must match too, except where the difference is
 * listed in data/ovsdb/known-differences.txt ("<case> <txn> <op> <member>",
 * 0-based); a listed difference that no longer occurs fails the test, so
 * the list stays exact.  SEAM_RECORD_KNOWN=1 prints the lines for the
 * unlisted ones on stdout.  An index violation's two rows may come in
 * either order (ovsdb-server's hash order). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/ds.h"
#include "lib/testlib.h"
#include "lib/util.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/execution.h"
#include "ovsdb/schema.h"

struct known {
    char case_[64], member[32];
    int txn, op;
    bool seen;
};

static struct known *knowns;
static size_t n_knowns;

static void
load_knowns(void)
{
    char *path = testlib_data_path("ovsdb/known-differences.txt");
    FILE *f = fopen(path, "r");
    char line[256];
    free(path);
    while (f && fgets(line, sizeof line, f)) {
        struct known k;
        memset(&k, 0, sizeof k);
        if (line[0] == '#'
            || sscanf(line, "%63s %d %d %31s", k.case_, &k.txn, &k.op,
                      k.member) != 4) {
            continue;
        }
        knowns = xrealloc(knowns, (n_knowns + 1) * sizeof *knowns);
        knowns[n_knowns++] = k;
    }
    if (f) {
        fclose(f);
    }
}

static struct known *
find_known(const char *name, int txn, int op, const char *member)
{
    for (size_t i = 0; i < n_knowns; i++) {
        struct known *k = &knowns[i];
        if (!strcmp(k->case_, name) && k->txn == txn && k->op == op
            && !strcmp(k->member, member)) {
            return k;
        }
    }
    return NULL;
}

/* An index violation names two rows, "First row, with UUID ... Second row,
 * with UUID ...", in ovsdb-server's hash order, which changes from run to
 * run: returns 'details' with the two sentences swapped (or NULL). */
static char *
swap_index_rows(const char *details)
{
    const char *first = strstr(details, "  First row, with UUID ");
    const char *second = first ? strstr(first, "  Second row, with UUID ") : NULL;
    if (!second) {
        return NULL;
    }
    const char *b1 = first + strlen("  First row, ");
    const char *b2 = second + strlen("  Second row, ");
    return xasprintf("%.*s  First row, %s  Second row, %.*s",
                     (int) (first - details), details, b2, (int) (second - b1), b1);
}

static bool
details_same(const json_t *e, const json_t *a)
{
    if (testlib_json_same(e, a)) {
        return true;
    }
    if (!json_is_string(e) || !json_is_string(a)) {
        return false;
    }
    char *swapped = swap_index_rows(json_string_value(e));
    bool same = swapped && !strcmp(swapped, json_string_value(a));
    free(swapped);
    return same;
}

/* Compares one operation result; returns false (after printing why) on a
 * difference that is not a listed one. */
static bool
compare_op(const char *name, int txn, int op, const json_t *exp,
           const json_t *act)
{
    const json_t *etag = json_object_get(exp, "error");
    if (!etag || !json_is_object(act) || !json_object_get(act, "error")) {
        if (testlib_json_same(exp, act)) {
            return true;
        }
        char *e = testlib_dump(exp), *a = testlib_dump(act);
        print_error("%s: txn %d op %d:\n  expected %s\n  got      %s\n",
                    name, txn, op, e, a);
        free(e);
        free(a);
        return false;
    }
    if (!json_equal((json_t *) etag, json_object_get(act, "error"))) {
        char *e = testlib_dump(exp), *a = testlib_dump(act);
        print_error("%s: txn %d op %d: error tag differs:\n  expected %s\n"
                    "  got      %s\n", name, txn, op, e, a);
        free(e);
        free(a);
        return false;
    }
    /* Other members: each of the union of both objects' keys. */
    bool ok = true;
    json_t *keys = json_object();
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *) exp, key, v) {
        json_object_set_new(keys, key, json_true());
    }
    json_object_foreach ((json_t *) act, key, v) {
        json_object_set_new(keys, key, json_true());
    }
    json_object_foreach (keys, key, v) {
        if (!strcmp(key, "error")) {
            continue;
        }
        const json_t *ev = json_object_get(exp, key);
        const json_t *av = json_object_get(act, key);
        bool same = details_same(ev, av);
        struct known *k = find_known(name, txn, op, key);
        if (k) {
            k->seen = true;
        }
        if (same && k) {
            print_error("%s: txn %d op %d: %s now matches; remove it from "
                        "known-differences.txt\n", name, txn, op, key);
            ok = false;
        } else if (!same) {
            char *e = ev ? testlib_dump(ev) : xstrdup("(absent)");
            char *a = av ? testlib_dump(av) : xstrdup("(absent)");
            print_error("%s: %s txn %d op %d: \"%s\" differs (error \"%s\"):\n"
                        "  ovsdb-server %s\n  seam         %s\n",
                        k ? "known difference" : "FAIL", name, txn, op, key,
                        json_string_value(etag), e, a);
            free(e);
            free(a);
            ok = ok && k;
            if (!k && getenv("SEAM_RECORD_KNOWN")) {
                /* Prints the line to add to known-differences.txt. */
                printf("%s %d %d %s\n", name, txn, op, key);
            }
        }
    }
    json_decref(keys);
    return ok;
}

/* ---- the test ---- */

/* Runs 'ops' as "transact" does: with ovsdb_execute(), or (as_text) with
 * ovsdb_execute_text() on the operations' texts, as a big request is run;
 * returns the result array (new), or NULL if it waits. */
static json_t *
execute(struct ovsdb_db *db, const json_t *ops, bool as_text, long long *timeout)
{
    json_t *result = NULL;
    if (!as_text) {
        return ovsdb_execute(db, NULL, ops, 0, timeout, &result) ? result : NULL;
    }
    json_t *texts = json_array();
    for (size_t i = 0; i < json_array_size(ops); i++) {
        char *s = json_dumps(json_array_get(ops, i), JSON_COMPACT | JSON_ENCODE_ANY);
        json_array_append_new(texts, json_string(s));
        free(s);
    }
    struct ds out = DS_EMPTY_INITIALIZER;
    if (ovsdb_execute_text(db, NULL, texts, true, 0, timeout, &out)) {
        json_error_t jerr;
        result = json_loads(ds_cstr(&out), 0, &jerr);
        assert_non_null(result);
    }
    ds_destroy(&out);
    json_decref(texts);
    return result;
}

/* A case runs twice: "NAME" through ovsdb_execute(), "text:NAME" through
 * ovsdb_execute_text() with operations as text; the answers are the same. */
static void
run_case(void **state)
{
    const char *name = *state;
    bool as_text = !strncmp(name, "text:", 5);
    name += as_text ? 5 : 0;
    char *schema_path = testlib_data_path("ovsdb/%s/schema.json", name);
    struct stat st;
    if (stat(schema_path, &st)) {
        free(schema_path);
        schema_path = testlib_data_path("ovsdb/vtep.ovsschema");
    }
    char *txns_path = testlib_data_path("ovsdb/%s/txns.json", name);
    char *expect_path = testlib_data_path("ovsdb/%s/expect.json", name);
    json_t *txns = testlib_load_json(txns_path);
    json_t *expect = testlib_load_json(expect_path);
    free(txns_path);
    free(expect_path);

    struct ovsdb_schema *schema = testlib_load_schema(schema_path);
    free(schema_path);
    struct ovsdb_db *db = ovsdb_db_create(schema);

    struct testlib_norm norm = { 0 };
    const json_t *exp_results = json_object_get(expect, "results");
    const json_t *exp_dump = json_object_get(expect, "dump");
    assert_non_null(exp_results);
    assert_non_null(exp_dump);
    assert_int_equal(json_array_size(exp_results), json_array_size(txns));
    bool ok = true;

    for (size_t t = 0; t < json_array_size(txns); t++) {
        long long timeout = 0;
        json_t *result = execute(db, json_array_get(txns, t), as_text, &timeout);
        if (!result) {
            fail_msg("%s: txn %zu: still waiting (timeout %lld)", name, t,
                     timeout);
        }
        json_t *nresult = testlib_norm_json(&norm, result, true);
        const json_t *exp = json_array_get(exp_results, t);
        if (json_array_size(nresult) != json_array_size(exp)) {
            char *e = testlib_dump(exp), *a = testlib_dump(nresult);
            print_error("%s: txn %zu: %zu results, expected %zu:\n"
                        "  expected %s\n  got      %s\n", name, t,
                        json_array_size(nresult), json_array_size(exp), e, a);
            free(e);
            free(a);
            ok = false;
        } else {
            for (size_t i = 0; i < json_array_size(exp); i++) {
                ok &= compare_op(name, (int) t, (int) i, json_array_get(exp, i),
                                 json_array_get(nresult, i));
            }
        }
        json_decref(result);
        json_decref(nresult);
    }

    /* The final dump: every table, in name order, as regen.py does. */
    json_t *ops = json_array();
    for (size_t i = 0; i < schema->n_tables; i++) {
        json_array_append_new(ops, json_pack("{s:s, s:s, s:[]}", "op", "select",
                                             "table", schema->tables[i]->name,
                                             "where"));
    }
    json_t *result = NULL;
    long long timeout = 0;
    assert_true(ovsdb_execute(db, NULL, ops, 0, &timeout, &result));
    assert_int_equal(json_array_size(result), schema->n_tables);
    for (size_t i = 0; i < schema->n_tables; i++) {
        const char *table = schema->tables[i]->name;
        json_t *rows = testlib_norm_json(&norm, json_array_get(result, i),
                                         true);
        const json_t *exp = json_object_get(exp_dump, table);
        if (!testlib_json_same(json_object_get(rows, "rows"), exp)) {
            char *e = testlib_dump(exp);
            char *a = testlib_dump(json_object_get(rows, "rows"));
            print_error("%s: final dump of %s:\n  expected %s\n  got      %s\n",
                        name, table, e, a);
            free(e);
            free(a);
            ok = false;
        }
        json_decref(rows);
    }
    json_decref(ops);
    json_decref(result);

    for (size_t i = 0; i < n_knowns; i++) {
        if (!strcmp(knowns[i].case_, name) && !knowns[i].seen) {
            print_error("%s: known difference txn %d op %d %s did not occur\n",
                        name, knowns[i].txn, knowns[i].op, knowns[i].member);
            ok = false;
        }
    }

    ovsdb_db_destroy(db);
    json_decref(txns);
    json_decref(expect);
    testlib_norm_destroy(&norm);
    if (!ok) {
        fail_msg("%s: differs from ovsdb-server", name);
    }
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
main(void)
{
    char *dir_path = testlib_data_path("ovsdb/.");
    DIR *dir = opendir(dir_path);
    if (!dir) {
        fprintf(stderr, "%s: cannot open (set SEAM_SRCDIR)\n", dir_path);
        return 1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        /* SEAM_CASE=<name> runs one case. */
        if (de->d_name[0] == '.'
            || (getenv("SEAM_CASE") && strcmp(getenv("SEAM_CASE"), de->d_name))) {
            continue;
        }
        char *p = testlib_data_path("ovsdb/%s/txns.json", de->d_name);
        struct stat st;
        if (!stat(p, &st)) {
            names = xrealloc(names, (n + 1) * sizeof *names);
            names[n++] = xstrdup(de->d_name);
        }
        free(p);
    }
    closedir(dir);
    free(dir_path);
    qsort(names, n, sizeof *names, cmp_names);
    load_knowns();

    struct CMUnitTest *tests = xcalloc(2 * n + 1, sizeof *tests);
    char **text_names = xcalloc(n + 1, sizeof *text_names);
    for (size_t i = 0; i < n; i++) {
        text_names[i] = xasprintf("text:%s", names[i]);
        tests[2 * i].name = names[i];
        tests[2 * i].test_func = run_case;
        tests[2 * i].initial_state = names[i];
        tests[2 * i + 1].name = text_names[i];
        tests[2 * i + 1].test_func = run_case;
        tests[2 * i + 1].initial_state = text_names[i];
    }
    int failed = _cmocka_run_group_tests("execution", tests, 2 * n, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        free(text_names[i]);
    }
    free(text_names);
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    free(tests);
    free(knowns);
    return failed;
}
