/* testlib: helpers shared by the cmocka unit tests; see testlib.h. */
#include "lib/testlib.h"
#include <arpa/inet.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/ds.h"
#include "lib/util.h"
#include "ovsdb/error.h"
#include "ovsdb/execution.h"
#include "ovsdb/schema.h"
#include "vtep/config.h"

/* ---- test data ---- */

char *
testlib_data_path(const char *fmt, ...)
{
    const char *srcdir = getenv("SEAM_SRCDIR");
    va_list args;
    va_start(args, fmt);
    char *rel = xvasprintf(fmt, args);
    va_end(args);
    char *path = xasprintf("%s/tests/unit/data/%s", srcdir ? srcdir : ".",
                           rel);
    free(rel);
    return path;
}

json_t *
testlib_load_json(const char *path)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, JSON_DECODE_ANY, &jerr);
    if (!j) {
        fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
    }
    return j;
}

struct ovsdb_schema *
testlib_load_schema(const char *path)
{
    struct ovsdb_schema *schema;
    struct ovsdb_error *error = ovsdb_schema_from_file(path, &schema);
    if (error) {
        fail_msg("%s: %s", path, ovsdb_error_to_string(error));
    }
    return schema;
}

off_t
testlib_file_size(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* ---- JSON ---- */

json_t *
testlib_parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
    if (!j) {
        fail_msg("bad test JSON %s: %s", text, err.text);
    }
    return j;
}

char *
testlib_dump(const json_t *json)
{
    return json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

void
testlib_execute_ok(struct ovsdb_db *db, json_t *ops)
{
    json_t *result = NULL;
    long long timeout = 0;
    char *text = testlib_dump(ops);

    assert_true(ovsdb_execute(db, NULL, ops, 0, &timeout, &result));
    bool ok = json_array_size(result) >= json_array_size(ops);
    for (size_t i = 0; ok && i < json_array_size(result); i++) {
        const json_t *r = json_array_get(result, i);
        ok = r && !json_object_get(r, "error");
    }
    if (!ok) {
        char *rt = testlib_dump(result);
        fail_msg("ops %s failed: %s", text, rt);
    }
    free(text);
    json_decref(result);
    json_decref(ops);
}

bool
testlib_json_same(const json_t *a, const json_t *b)
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
            if (!testlib_json_same(json_array_get(a, i),
                                   json_array_get(b, i))) {
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
            if (!w || !testlib_json_same(v, w)) {
                return false;
            }
        }
        return true;
    }
    return json_equal((json_t *) a, (json_t *) b);
}

void
testlib_assert_json_text(const json_t *actual, const char *expected_text)
{
    json_t *expected = testlib_parse(expected_text);
    if (!actual || !testlib_json_same(actual, expected)) {
        char *a = actual ? testlib_dump(actual) : xstrdup("(null)");
        fail_msg("got %s, expected %s", a, expected_text);
    }
    json_decref(expected);
}

/* ---- normalisation ---- */

void
testlib_norm_destroy(struct testlib_norm *norm)
{
    free(norm->uuids);
    norm->uuids = NULL;
    norm->n = norm->allocated = 0;
}

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
norm_find(const struct testlib_norm *n, const char *u)
{
    for (size_t i = 0; i < n->n; i++) {
        if (!memcmp(n->uuids[i], u, 36)) {
            return (long) i;
        }
    }
    return -1;
}

/* Returns 's' with each UUID replaced by "<N>"; unknown UUIDs get a new
 * number if 'assign', otherwise become "<?>".  Free it with free(). */
static char *
norm_string(struct testlib_norm *n, const char *s, bool assign)
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

static int
cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Returns the keys of object 'obj', sorted, in a new array (free it with
 * free(); the keys are borrowed from 'obj'); their number in '*np'. */
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

/* Appends the canonical text of 'j' to 'ds', for sorting only: sorted
 * keys, unescaped strings, integral numbers as integers, others as
 * %.17g. */
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

/* Returns the canonical text of 'j' (see canon()); free it with free(). */
static char *
canon_cstr(const json_t *j)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    canon(&ds, j);
    ds_cstr(&ds);
    return ds_steal_cstr(&ds);
}

/* An array element with its sort key. */
struct keyed {
    char *key;                  /* Canonical text; owned. */
    const json_t *row;          /* Borrowed from the array. */
};

static int
cmp_keyed(const void *a_, const void *b_)
{
    const struct keyed *a = a_, *b = b_;
    return strcmp(a->key, b->key);
}

json_t *
testlib_sort_canon(const json_t *a)
{
    size_t k = json_array_size(a);
    struct keyed *v = xcalloc(k + 1, sizeof *v);
    for (size_t i = 0; i < k; i++) {
        v[i].key = canon_cstr(json_array_get(a, i));
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

/* Returns a new array: the rows of 'rows' normalised, in the order of
 * their normalised canonical text (UUIDs not yet numbered sort as "<?>",
 * so the order does not depend on them). */
static json_t *
norm_rows(struct testlib_norm *n, const json_t *rows, bool assign)
{
    size_t k = json_array_size(rows);
    struct keyed *v = xcalloc(k + 1, sizeof *v);
    for (size_t i = 0; i < k; i++) {
        json_t *peek = testlib_norm_json(n, json_array_get(rows, i), false);
        v[i].key = canon_cstr(peek);
        json_decref(peek);
        v[i].row = json_array_get(rows, i);
    }
    qsort(v, k, sizeof *v, cmp_keyed);
    json_t *out = json_array();
    for (size_t i = 0; i < k; i++) {
        json_array_append_new(out, testlib_norm_json(n, v[i].row, assign));
        free(v[i].key);
    }
    free(v);
    return out;
}

json_t *
testlib_norm_json(struct testlib_norm *n, const json_t *j, bool assign)
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
            char *key = (n->keys ? norm_string(n, keys[i], assign)
                         : xstrdup(keys[i]));
            json_object_set_new(out, key,
                                !strcmp(keys[i], "rows") && json_is_array(v)
                                ? norm_rows(n, v, sub_assign)
                                : testlib_norm_json(n, v, sub_assign));
            free(key);
        }
        free(keys);
        return out;
    }
    case JSON_ARRAY: {
        json_t *out = json_array();
        for (size_t i = 0; i < json_array_size(j); i++) {
            const json_t *e = json_array_get(j, i);
            json_array_append_new(out, testlib_norm_json(n, e, assign));
        }
        const char *tag = json_string_value(json_array_get(out, 0));
        if (json_array_size(out) == 2 && tag
            && (!strcmp(tag, "set") || !strcmp(tag, "map"))
            && json_is_array(json_array_get(out, 1))) {
            json_array_set_new(out, 1,
                               testlib_sort_canon(json_array_get(out, 1)));
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

struct in_addr
testlib_ipv4(const char *s)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return a;
}

struct eth_addr
testlib_mac(const char *s)
{
    struct eth_addr m;
    assert_true(eth_addr_from_string(s, &m));
    return m;
}

void
testlib_assert_ipv4(struct in_addr a, const char *s)
{
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    assert_string_equal(buf, s);
}
