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
#include "lib/util.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/execution.h"
#include "ovsdb/schema.h"

/* ---- normalisation (mirrors regen.py) ---- */

struct norm {
    char (*uuids)[37];
    size_t n, allocated;
};

static bool
is_uuid_at(const char *s)
{
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

static long
norm_find(const struct norm *n, const char *u)
{
    for (size_t i = 0; i < n->n; i++) {
        if (!memcmp(n->uuids[i], u, 36)) {
            return (long) i;
        }
    }
    return -1;
}

/* Returns 's' with each UUID replaced by "<N>"; unknown UUIDs get a new
 * number if 'assign', otherwise become "<?>". */
static char *
norm_string(struct norm *n, const char *s, bool assign)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    size_t len = strlen(s);
    for (size_t i = 0; i < len; ) {
        if (len - i >= 36 && is_uuid_at(s + i)) {
            long k = norm_find(n, s + i);
            if (k < 0 && assign) {
                n->uuids = xgrow(n->uuids, &n->allocated, n->n + 1,
                                 sizeof *n->uuids);
                memcpy(n->uuids[n->n], s + i, 36);
                n->uuids[n->n][36] = '\0';
                k = (long) n->n++;
            }
            if (k < 0) {
                ds_put_cstr(&out, "<?>");
            } else {
                ds_put_format(&out, "<%ld>", k);
            }
            i += 36;
        } else {
            ds_put_char(&out, s[i++]);
        }
    }
    ds_cstr(&out);
    return ds_steal_cstr(&out);
}

/* Canonical text, for sorting only: sorted keys, unescaped strings,
 * integral numbers as integers, others as %.17g. */
static int
cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static const char **
sorted_keys(const json_t *obj, size_t *np)
{
    size_t n = json_object_size(obj), i = 0;
    const char **keys = xcalloc(n + 1, sizeof *keys);
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *) obj, key, v) {
        keys[i++] = key;
    }
    qsort(keys, n, sizeof *keys, cmp_cstr);
    *np = n;
    return keys;
}

static void
canon(struct ds *ds, const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t n;
        const char **keys = sorted_keys(j, &n);
        ds_put_char(ds, '{');
        for (size_t i = 0; i < n; i++) {
            ds_put_format(ds, "%s\"%s\":", i ? "," : "", keys[i]);
            canon(ds, json_object_get(j, keys[i]));
        }
        ds_put_char(ds, '}');
        free(keys);
        break;
    }
    case JSON_ARRAY:
        ds_put_char(ds, '[');
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i) {
                ds_put_char(ds, ',');
            }
            canon(ds, json_array_get(j, i));
        }
        ds_put_char(ds, ']');
        break;
    case JSON_STRING:
        ds_put_format(ds, "\"%s\"", json_string_value(j));
        break;
    case JSON_INTEGER:
        ds_put_format(ds, "%lld", (long long) json_integer_value(j));
        break;
    case JSON_REAL: {
        double d = json_real_value(j);
        if (d == (double) (long long) d) {
            ds_put_format(ds, "%lld", (long long) d);
        } else {
            ds_put_format(ds, "%.17g", d);
        }
        break;
    }
    case JSON_TRUE:
        ds_put_cstr(ds, "true");
        break;
    case JSON_FALSE:
        ds_put_cstr(ds, "false");
        break;
    case JSON_NULL:
        ds_put_cstr(ds, "null");
        break;
    }
}

static json_t *norm_json(struct norm *, const json_t *, bool assign);

struct keyed {
    char *key;
    const json_t *row;
};

static int
cmp_keyed(const void *a_, const void *b_)
{
    const struct keyed *a = a_, *b = b_;
    return strcmp(a->key, b->key);
}

/* Returns a copy of array 'a' with its elements in canonical text order. */
static json_t *
sort_canon(const json_t *a)
{
    size_t k = json_array_size(a);
    struct keyed *v = xcalloc(k + 1, sizeof *v);
    for (size_t i = 0; i < k; i++) {
        struct ds ds = DS_EMPTY_INITIALIZER;
        canon(&ds, json_array_get(a, i));
        ds_cstr(&ds);
        v[i].key = ds_steal_cstr(&ds);
        v[i].row = json_array_get(a, i);
    }
    qsort(v, k, sizeof *v, cmp_keyed);
    json_t *out = json_array();
    for (size_t i = 0; i < k; i++) {
        json_array_append(out, (json_t *) v[i].row);
        free(v[i].key);
    }
    free(v);
    return out;
}

static json_t *
norm_rows(struct norm *n, const json_t *rows, bool assign)
{
    size_t k = json_array_size(rows);
    struct keyed *v = xcalloc(k + 1, sizeof *v);
    for (size_t i = 0; i < k; i++) {
        json_t *peek = norm_json(n, json_array_get(rows, i), false);
        struct ds ds = DS_EMPTY_INITIALIZER;
        canon(&ds, peek);
        json_decref(peek);
        ds_cstr(&ds);
        v[i].key = ds_steal_cstr(&ds);
        v[i].row = json_array_get(rows, i);
    }
    qsort(v, k, sizeof *v, cmp_keyed);
    json_t *out = json_array();
    for (size_t i = 0; i < k; i++) {
        json_array_append_new(out, norm_json(n, v[i].row, assign));
        free(v[i].key);
    }
    free(v);
    return out;
}

static json_t *
norm_json(struct norm *n, const json_t *j, bool assign)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t k;
        const char **keys = sorted_keys(j, &k);
        json_t *out = json_object();
        for (size_t i = 0; i < k; i++) {
            const json_t *v = json_object_get(j, keys[i]);
            /* An error's members number no new UUIDs (see regen.py). */
            bool sub_assign = assign
                              && !json_is_string(json_object_get(j, "error"));
            json_object_set_new(out, keys[i],
                                !strcmp(keys[i], "rows") && json_is_array(v)
                                ? norm_rows(n, v, sub_assign)
                                : norm_json(n, v, sub_assign));
        }
        free(keys);
        return out;
    }
    case JSON_ARRAY: {
        json_t *out = json_array();
        for (size_t i = 0; i < json_array_size(j); i++) {
            json_array_append_new(out, norm_json(n, json_array_get(j, i), assign));
        }
        const char *tag = json_string_value(json_array_get(out, 0));
        if (json_array_size(out) == 2 && tag
            && (!strcmp(tag, "set") || !strcmp(tag, "map"))
            && json_is_array(json_array_get(out, 1))) {
            json_array_set_new(out, 1, sort_canon(json_array_get(out, 1)));
        }
        return out;
    }
    case JSON_STRING: {
        char *s = norm_string(n, json_string_value(j), assign);
        json_t *out = json_string(s);
        free(s);
        return out;
    }
    default:
        return json_deep_copy(j);
    }
}

/* ---- comparison ---- */

static char *
dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* Numbers compare by value (jansson tells 1 from 1.0; OVSDB does not). */
static bool
json_same(const json_t *a, const json_t *b)
{
    if (!a || !b) {
        return a == b;
    }
    if (json_is_number(a) && json_is_number(b)) {
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b)) {
        return false;
    }
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b)) {
            return false;
        }
        for (size_t i = 0; i < json_array_size(a); i++) {
            if (!json_same(json_array_get(a, i), json_array_get(b, i))) {
                return false;
            }
        }
        return true;
    }
    if (json_is_object(a)) {
        const char *key;
        json_t *v;
        if (json_object_size(a) != json_object_size(b)) {
            return false;
        }
        json_object_foreach ((json_t *) a, key, v) {
            json_t *w = json_object_get(b, key);
            if (!w || !json_same(v, w)) {
                return false;
            }
        }
        return true;
    }
    return json_equal((json_t *) a, (json_t *) b);
}

struct known {
    char case_[64], member[32];
    int txn, op;
    bool seen;
};

static struct known *knowns;
static size_t n_knowns;

static char *
data_path(const char *fmt, ...) PRINTF_FMT(1, 2);

static char *
data_path(const char *fmt, ...)
{
    const char *srcdir = getenv("SEAM_SRCDIR");
    va_list args;
    va_start(args, fmt);
    char *rel = xvasprintf(fmt, args);
    va_end(args);
    char *path = xasprintf("%s/tests/unit/data/ovsdb/%s",
                           srcdir ? srcdir : ".", rel);
    free(rel);
    return path;
}

static void
load_knowns(void)
{
    char *path = data_path("known-differences.txt");
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
    if (json_same(e, a)) {
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
        if (json_same(exp, act)) {
            return true;
        }
        char *e = dump(exp), *a = dump(act);
        print_error("%s: txn %d op %d:\n  expected %s\n  got      %s\n",
                    name, txn, op, e, a);
        free(e);
        free(a);
        return false;
    }
    if (!json_equal((json_t *) etag, json_object_get(act, "error"))) {
        char *e = dump(exp), *a = dump(act);
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
            char *e = ev ? dump(ev) : xstrdup("(absent)");
            char *a = av ? dump(av) : xstrdup("(absent)");
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

static json_t *
load_json(const char *path)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, JSON_DECODE_ANY, &jerr);
    if (!j) {
        fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
    }
    return j;
}

/* ---- the test ---- */

static void
run_case(void **state)
{
    const char *name = *state;
    char *schema_path = data_path("%s/schema.json", name);
    struct stat st;
    if (stat(schema_path, &st)) {
        free(schema_path);
        schema_path = data_path("vtep.ovsschema");
    }
    char *txns_path = data_path("%s/txns.json", name);
    char *expect_path = data_path("%s/expect.json", name);
    json_t *txns = load_json(txns_path);
    json_t *expect = load_json(expect_path);
    free(txns_path);
    free(expect_path);

    struct ovsdb_schema *schema;
    struct ovsdb_error *error = ovsdb_schema_from_file(schema_path, &schema);
    if (error) {
        fail_msg("%s: %s", schema_path, ovsdb_error_to_string(error));
    }
    free(schema_path);
    struct ovsdb_db *db = ovsdb_db_create(schema);

    struct norm norm = { NULL, 0, 0 };
    const json_t *exp_results = json_object_get(expect, "results");
    const json_t *exp_dump = json_object_get(expect, "dump");
    assert_non_null(exp_results);
    assert_non_null(exp_dump);
    assert_int_equal(json_array_size(exp_results), json_array_size(txns));
    bool ok = true;

    for (size_t t = 0; t < json_array_size(txns); t++) {
        json_t *result = NULL;
        long long timeout = 0;
        if (!ovsdb_execute(db, NULL, json_array_get(txns, t), 0, &timeout,
                           &result)) {
            fail_msg("%s: txn %zu: still waiting (timeout %lld)", name, t,
                     timeout);
        }
        json_t *nresult = norm_json(&norm, result, true);
        const json_t *exp = json_array_get(exp_results, t);
        if (json_array_size(nresult) != json_array_size(exp)) {
            char *e = dump(exp), *a = dump(nresult);
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
        json_t *rows = norm_json(&norm, json_array_get(result, i), true);
        const json_t *exp = json_object_get(exp_dump, table);
        if (!json_same(json_object_get(rows, "rows"), exp)) {
            char *e = dump(exp), *a = dump(json_object_get(rows, "rows"));
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
    free(norm.uuids);
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
    char *dir_path = data_path(".");
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
        char *p = data_path("%s/txns.json", de->d_name);
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

    struct CMUnitTest *tests = xcalloc(n + 1, sizeof *tests);
    for (size_t i = 0; i < n; i++) {
        tests[i].name = names[i];
        tests[i].test_func = run_case;
        tests[i].initial_state = names[i];
    }
    int failed = _cmocka_run_group_tests("execution", tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    free(tests);
    free(knowns);
    return failed;
}
