/* Unit tests for jsonparse: it must accept and build exactly what jansson's
 * json_loadb() does, value for value, and refuse what it refuses. */
#include "ovsdb/jsonparse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Parses 'text' both ways; both must agree on validity and value. */
static void
check_same(const char *text, size_t len)
{
    json_error_t jerr;
    char *error = NULL;
    json_t *ours = jsonparse(text, len, 0, &error);
    json_t *theirs = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (!ours != !theirs) {
        print_error("disagree on %.*s: seam %s, jansson %s\n", (int) len, text,
                    ours ? "accepts" : error, theirs ? "accepts" : jerr.text);
        fail();
    }
    if (ours) {
        assert_true(json_equal(ours, theirs));
        assert_null(error);
    } else {
        assert_non_null(error);
    }
    json_decref(ours);
    json_decref(theirs);
    free(error);
}

static void
check_str(const char *text)
{
    check_same(text, strlen(text));
}

#define TRANSACT                                                             \
    "{\"id\":1,\"method\":\"transact\",\"params\":[\"hardware_vtep\","           \
    "{\"op\":\"insert\",\"table\":\"Logical_Switch\",\"row\":{\"name\":\"ls{0}\"}}]}"

static void
test_valid(void **state)
{
    static const char *const cases[] = {
        "{}", "[]", " { } ", "\n[ 1 ,2,3]\t", "null", "true", "false", "0", "-0",
        "12345678901234", "-9223372036854775808", "9223372036854775807",
        "1.5", "-1.5e10", "1E-5", "0.000001", "1e308",
        "\"\"", "\"abc\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\u00e9\\u4e2d\\ud83d\\ude00\"", "\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\"",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
        "{\"a\":1,\"a\":2}",
        "[\"uuid\",\"550e8400-e29b-41d4-a716-446655440000\"]",
        TRANSACT,
        "[[[[[[[[[[1]]]]]]]]]]",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_str(cases[i]);
    }
}

static void
test_invalid(void **state)
{
    static const char *const cases[] = {
        "", " ", "{", "[", "]", "}", "{\"a\"}", "{\"a\":}", "{a:1}", "[1,]",
        "[1 2]", "{\"a\":1,}", "01", "1.", ".5", "-", "+1", "1e", "1e+",
        "tru", "nul", "True", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u0000\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "1e400",
        "\"\x01\"", "\"\xc3\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
        "\"\xf5\x80\x80\x80\"", "\"\xff\"", "\"\xe4\xb8\"", "{} {}", "[] x",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_str(cases[i]);
    }
    /* An embedded NUL byte outside a string is garbage. */
    check_same("[1]\0", 4);
    check_same("\"a\0b\"", 5);
}

/* Beyond 64 bits an integer is read as a real, as ovsdb-server does. */
static void
test_big_integer(void **state)
{
    char *error = NULL;
    json_t *json = jsonparse("[9223372036854775808,-9223372036854775809]", 42, 0, &error);
    assert_non_null(json);
    assert_true(json_is_real(json_array_get(json, 0)));
    assert_true(json_real_value(json_array_get(json, 0)) > 9.2e18);
    assert_true(json_real_value(json_array_get(json, 1)) < -9.2e18);
    json_decref(json);

    /* Beyond a double too (310 digits, then garbage): an error, not a
     * NULL without one (found by fuzz_jsonparse). */
    char huge[400];
    memset(huge, '4', 310);
    memcpy(huge + 310, "\"x", 3);
    for (size_t len = 310; len <= 312; len += 2) {
        json = jsonparse(huge, len, 0, &error);
        assert_null(json);
        assert_non_null(error);
        assert_string_equal(error, "real number overflow at byte 0");
        free(error);
        error = NULL;
    }
}

static void
test_depth(void **state)
{
    char buf[2100];
    for (int i = 0; i < 1000; i++) {
        buf[i] = '[';
        buf[1999 - i] = ']';
    }
    char *error = NULL;
    json_t *json = jsonparse(buf, 2000, 1000, &error);
    assert_non_null(json);
    json_decref(json);

    json = jsonparse(buf, 2000, 999, &error);
    assert_null(json);
    assert_non_null(strstr(error, "depth"));
    free(error);
}

static void
test_error_position(void **state)
{
    char *error = NULL;
    assert_null(jsonparse("[1, 2, x]", 9, 0, &error));
    assert_non_null(strstr(error, "byte 7"));
    free(error);
}

/* jsonparse_deferred(): the deferred values are the exact texts of what
 * jsonparse() builds, and a text is refused exactly when jsonparse()
 * refuses it. */
static void
test_deferred_params(void **state)
{
    const char *text = "{\"id\":1,\"method\":\"transact\",\"params\":[\"db\", "
                       "{\"op\" : \"a\", \"x\":[1,{}]} ,[1,2],\"s\",5,null]}";
    char *error = NULL;
    unsigned int deferred = 0;
    json_t *full = jsonparse(text, strlen(text), 0, &error);
    json_t *json = jsonparse_deferred(text, strlen(text), 0,
                                      JSONPARSE_DEFER_PARAMS | JSONPARSE_DEFER_ROWS,
                                      &deferred, &error);
    assert_non_null(full);
    assert_non_null(json);
    assert_int_equal(deferred, JSONPARSE_DEFER_PARAMS);
    const json_t *params = json_object_get(json, "params");
    const json_t *full_params = json_object_get(full, "params");
    assert_string_equal(json_string_value(json_array_get(params, 0)), "db");
    assert_string_equal(json_string_value(json_array_get(params, 1)),
                        "{\"op\" : \"a\", \"x\":[1,{}]}");
    for (size_t i = 1; i < json_array_size(full_params); i++) {
        const json_t *t = json_array_get(params, i);
        assert_true(json_is_string(t));
        json_t *v = jsonparse(json_string_value(t), json_string_length(t), 0, &error);
        assert_non_null(v);
        assert_true(json_equal(v, json_array_get(full_params, i)));
        json_decref(v);
    }
    json_decref(json);
    json_decref(full);

    /* Without the mode, or for other members, nothing is deferred. */
    json = jsonparse_deferred(text, strlen(text), 0, JSONPARSE_DEFER_ROWS, &deferred,
                              &error);
    assert_int_equal(deferred, 0);
    assert_true(json_is_object(json_array_get(json_object_get(json, "params"), 1)));
    json_decref(json);
}

static void
test_deferred_invalid(void **state)
{
    static const char *const bad[] = {
        "{", "[1,]", "tru", "\"\\x\"", "\"\xff\"", "1e400", "01", "{\"a\":}",
        "\"\\ud800\"", "{\"a\" 1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "{\"method\":\"transact\",\"params\":[\"db\",{},%s],"
                 "\"id\":1}", bad[i]);
        char *e1 = NULL, *e2 = NULL;
        unsigned int deferred;
        json_t *a = jsonparse(text, strlen(text), 0, &e1);
        json_t *b = jsonparse_deferred(text, strlen(text), 0, JSONPARSE_DEFER_PARAMS,
                                       &deferred, &e2);
        assert_null(a);
        assert_null(b);
        assert_string_equal(e1, e2);    /* The same error, at the same byte. */
        free(e1);
        free(e2);
    }
    /* The depth limit counts the levels of a deferred element too. */
    char deep[2200];
    int n = snprintf(deep, sizeof deep, "{\"params\":[0,");
    for (int i = 0; i < 999; i++) {
        deep[n++] = '[';
    }
    for (int i = 0; i < 999; i++) {
        deep[n++] = ']';
    }
    n += snprintf(deep + n, sizeof deep - n, "]}");
    char *error = NULL;
    unsigned int deferred;
    assert_null(jsonparse_deferred(deep, n, 1000, JSONPARSE_DEFER_PARAMS, &deferred,
                                   &error));
    assert_non_null(strstr(error, "depth"));
    free(error);
    json_t *ok = jsonparse_deferred(deep, n, 1001, JSONPARSE_DEFER_PARAMS, &deferred,
                                    &error);
    assert_non_null(ok);
    assert_int_equal(deferred, JSONPARSE_DEFER_PARAMS);
    json_decref(ok);
}

#define U1 "01234567-89ab-cdef-0123-456789abcdef"

static void
test_deferred_rows(void **state)
{
    const char *text = "{\"id\":1,\"error\":null,\"result\":{\"T\":{"
                       "\"" U1 "\": {\"insert\":{\"a\":[\"set\",[1]]}},"
                       "\"not-a-uuid\":{\"insert\":{}}},"
                       "\"" U1 "\":{\"x\":1}}}";
    char *error = NULL;
    unsigned int deferred = 0;
    json_t *json = jsonparse_deferred(text, strlen(text), 0, JSONPARSE_DEFER_ROWS,
                                      &deferred, &error);
    assert_non_null(json);
    assert_int_equal(deferred, JSONPARSE_DEFER_ROWS);
    const json_t *result = json_object_get(json, "result");
    const json_t *table = json_object_get(result, "T");
    /* A row update (3 levels deep, named by a UUID) is its text. */
    assert_string_equal(json_string_value(json_object_get(table, U1)),
                        "{\"insert\":{\"a\":[\"set\",[1]]}}");
    assert_true(json_is_object(json_object_get(table, "not-a-uuid")));
    /* 2 levels deep: a table named like a UUID is not a row. */
    assert_true(json_is_object(json_object_get(result, U1)));
    json_decref(json);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_big_integer),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_deferred_params),
        cmocka_unit_test(test_deferred_invalid),
        cmocka_unit_test(test_deferred_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
