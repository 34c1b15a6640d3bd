/* Unit tests for jsonparse: it must accept and build exactly what jansson's
 * json_loadb() does, value for value, and refuse what it refuses. */
#include "ovsdb/jsonparse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_big_integer),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_error_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
