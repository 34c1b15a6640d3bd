/* Unit tests for ovsdb/jsonrpc: message shapes, serialization, framing. */
#include "ovsdb/jsonrpc.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Feeds all of 'data' in pieces of at most 'chunk' bytes; collects the
 * messages serialized, one per line, into a new string in '*outp'.  Returns
 * 0 or the first error from jsonrpc_parser_take(). */
static int
feed_all(struct jsonrpc_parser *p, const char *data, size_t n, size_t chunk,
         char **outp)
{
    size_t out_len = 0;
    char *out = calloc(1, 1);
    int error = 0;

    while (n > 0 || jsonrpc_parser_is_done(p)) {
        if (jsonrpc_parser_is_done(p)) {
            struct jsonrpc_msg *msg;
            char *err;
            error = jsonrpc_parser_take(p, &msg, &err);
            if (error) {
                assert_non_null(err);
                assert_null(msg);
                free(err);
                break;
            }
            size_t size;
            char *s = jsonrpc_msg_to_string(msg, &size);
            out = realloc(out, out_len + size + 2);
            memcpy(out + out_len, s, size);
            out_len += size;
            out[out_len++] = '\n';
            out[out_len] = '\0';
            free(s);
            jsonrpc_msg_destroy(msg);
            continue;
        }
        size_t used = jsonrpc_parser_feed(p, data, MIN(n, chunk));
        data += used;
        n -= used;
    }
    *outp = out;
    return error;
}

static int
parse_string(const char *s, size_t chunk, char **outp)
{
    struct jsonrpc_parser *p = jsonrpc_parser_create(0, 0);
    int error = feed_all(p, s, strlen(s), chunk, outp);
    jsonrpc_parser_destroy(p);
    return error;
}

static void
expect_parse(const char *in, const char *out)
{
    char *got;
    assert_int_equal(parse_string(in, SIZE_MAX, &got), 0);
    assert_string_equal(got, out);
    free(got);
}

static void
expect_error(const char *in, int error, size_t max_size,
             unsigned int max_depth)
{
    struct jsonrpc_parser *p = jsonrpc_parser_create(max_size, max_depth);
    char *got;
    assert_int_equal(feed_all(p, in, strlen(in), SIZE_MAX, &got), error);
    free(got);

    /* Sticky: the parser stays failed and consumes nothing more. */
    assert_true(jsonrpc_parser_is_done(p));
    assert_int_equal(jsonrpc_parser_feed(p, "{}", 2), 0);
    struct jsonrpc_msg *msg;
    char *err;
    assert_int_equal(jsonrpc_parser_take(p, &msg, &err), error);
    assert_null(msg);
    free(err);
    jsonrpc_parser_destroy(p);
}

static const char stream[] =
    "  {\"id\":1,\"method\":\"transact\",\"params\":[\"db\",{\"op\":\"insert\","
    "\"row\":{\"name\":\"a}b{c\\\"d\\\\\",\"x\":\"[[[\"}}]}\n"
    "{\"method\":\"update\",\"params\":[null,{}],\"id\":null}\r\n\t"
    "{\"result\":{\"k\":[\"\\u00e9\\\\\",\"]\"]},\"error\":null,\"id\":\"echo\"}"
    "{\"error\":{\"error\":\"bad\"},\"id\":[1,2],\"result\":null}"
    "{\"id\":\"x\",\"method\":\"m\",\"params\":[]}  ";

static const char stream_out[] =
    "{\"id\":1,\"method\":\"transact\",\"params\":[\"db\",{\"op\":\"insert\","
    "\"row\":{\"name\":\"a}b{c\\\"d\\\\\",\"x\":\"[[[\"}}]}\n"
    "{\"id\":null,\"method\":\"update\",\"params\":[null,{}]}\n"
    "{\"error\":null,\"id\":\"echo\",\"result\":{\"k\":[\"\xc3\xa9\\\\\",\"]\"]}}\n"
    "{\"error\":{\"error\":\"bad\"},\"id\":[1,2]}\n"
    "{\"id\":\"x\",\"method\":\"m\",\"params\":[]}\n";

static void
test_several_in_one_buffer(void **state)
{
    expect_parse(stream, stream_out);
}

static void
test_split_at_every_boundary(void **state)
{
    size_t n = strlen(stream);

    /* Every chunk size... */
    for (size_t chunk = 1; chunk <= n; chunk++) {
        char *got;
        assert_int_equal(parse_string(stream, chunk, &got), 0);
        assert_string_equal(got, stream_out);
        free(got);
    }
    /* ...and every single split point into two feeds. */
    for (size_t split = 0; split <= n; split++) {
        struct jsonrpc_parser *p = jsonrpc_parser_create(0, 0);
        char *a, *b;
        assert_int_equal(feed_all(p, stream, split, SIZE_MAX, &a), 0);
        assert_int_equal(feed_all(p, stream + split, n - split, SIZE_MAX,
                                  &b), 0);
        char *both = malloc(strlen(a) + strlen(b) + 1);
        strcpy(both, a);
        strcat(both, b);
        assert_string_equal(both, stream_out);
        free(both);
        free(a);
        free(b);
        jsonrpc_parser_destroy(p);
    }
}

static void
test_feed_stops_after_value(void **state)
{
    struct jsonrpc_parser *p = jsonrpc_parser_create(0, 0);
    const char *s = "{\"id\":1,\"method\":\"a\",\"params\":[]}{\"x\":";
    size_t n = strlen(s);

    size_t used = jsonrpc_parser_feed(p, s, n);
    assert_int_equal(used, strlen("{\"id\":1,\"method\":\"a\",\"params\":[]}"));
    assert_true(jsonrpc_parser_is_done(p));
    assert_int_equal(jsonrpc_parser_feed(p, s + used, n - used), 0);

    struct jsonrpc_msg *msg;
    char *err;
    assert_int_equal(jsonrpc_parser_take(p, &msg, &err), 0);
    assert_int_equal(msg->type, JSONRPC_REQUEST);
    assert_string_equal(msg->method, "a");
    assert_int_equal(json_integer_value(msg->id), 1);
    jsonrpc_msg_destroy(msg);

    assert_int_equal(jsonrpc_parser_feed(p, s + used, n - used), n - used);
    assert_false(jsonrpc_parser_is_done(p));
    assert_int_equal(jsonrpc_parser_buffered(p), n - used);
    assert_int_equal(jsonrpc_parser_take(p, &msg, &err), -EAGAIN);
    jsonrpc_parser_destroy(p);
}

static void
test_whitespace_only(void **state)
{
    struct jsonrpc_parser *p = jsonrpc_parser_create(0, 0);
    assert_int_equal(jsonrpc_parser_feed(p, " \n\r\t ", 5), 5);
    assert_false(jsonrpc_parser_is_done(p));
    assert_int_equal(jsonrpc_parser_buffered(p), 0);
    jsonrpc_parser_destroy(p);
}

static void
test_bad_json(void **state)
{
    expect_error("{\"id\":1,}", -EPROTO, 0, 0);
    expect_error("{\"id\" 1}", -EPROTO, 0, 0);
    expect_error("{]", -EPROTO, 0, 0);
    expect_error("{\"a\":[}]}", -EPROTO, 0, 0);
    expect_error("{\"a\":tru}", -EPROTO, 0, 0);
    expect_error("123", -EPROTO, 0, 0);
    expect_error("\"str\"", -EPROTO, 0, 0);
    expect_error("  x{}", -EPROTO, 0, 0);
    expect_error("{\"a\":\"\\u0000\"}", -EPROTO, 0, 0);
    /* A good message, then garbage: the first is still delivered. */
    char *got;
    assert_int_equal(parse_string("{\"id\":1,\"method\":\"m\",\"params\":[]}"
                                  "}", SIZE_MAX, &got), -EPROTO);
    assert_string_equal(got, "{\"id\":1,\"method\":\"m\",\"params\":[]}\n");
    free(got);
}

static void
test_invalid_utf8(void **state)
{
    expect_error("{\"method\":\"a\xff\",\"params\":[],\"id\":1}", -EPROTO, 0, 0);
    expect_error("{\"method\":\"a\xc3\",\"params\":[],\"id\":1}", -EPROTO, 0, 0);
    expect_error("{\"method\":\"\xed\xa0\x80\",\"params\":[],\"id\":1}",
                 -EPROTO, 0, 0);
}

static void
test_too_big(void **state)
{
    /* Exactly at the limit is fine. */
    const char *ok = "{\"id\":1,\"method\":\"m\",\"params\":[]}";
    struct jsonrpc_parser *p = jsonrpc_parser_create(strlen(ok), 0);
    char *got;
    assert_int_equal(feed_all(p, ok, strlen(ok), 3, &got), 0);
    free(got);
    jsonrpc_parser_destroy(p);

    expect_error("{\"id\":1,\"method\":\"m\",\"params\":[12]}", -EMSGSIZE,
                 strlen(ok), 0);

    /* 100 MB that never ends is cut off at the limit, fed in 64 KB reads,
     * without buffering more than the limit. */
    p = jsonrpc_parser_create(1 << 20, 0);
    static char block[65536];
    memset(block, ' ', sizeof block);
    block[0] = '[';
    block[1] = '"';
    size_t total = 0;
    for (int i = 0; i < 1600 && !jsonrpc_parser_is_done(p); i++) {
        size_t used = jsonrpc_parser_feed(p, block + (i ? 2 : 0),
                                          sizeof block - (i ? 2 : 0));
        total += used;
        assert_true(jsonrpc_parser_buffered(p) <= 1 << 20);
    }
    assert_true(jsonrpc_parser_is_done(p));
    assert_true(total <= (1 << 20) + 65536);
    struct jsonrpc_msg *msg;
    char *err;
    assert_int_equal(jsonrpc_parser_take(p, &msg, &err), -EMSGSIZE);
    free(err);
    jsonrpc_parser_destroy(p);
}

static void
test_too_deep(void **state)
{
    char *s = malloc(1000001);
    memset(s, '[', 1000000);
    s[1000000] = '\0';
    expect_error(s, -ELOOP, 0, 0);

    /* Exactly max_depth levels parse (then fail the shape check). */
    memset(s, '[', 10);
    memset(s + 10, ']', 10);
    s[20] = '\0';
    expect_error(s, -EPROTO, 0, 10);
    strcpy(s, "{\"a\":[[[[[[[[[]]]]]]]]]}");
    expect_error(s, -ELOOP, 0, 9);
    /* Brackets inside strings do not count. */
    strcpy(s, "{\"id\":1,\"method\":\"[[[[[[[[[[[[\",\"params\":[]}");
    char *got;
    struct jsonrpc_parser *p = jsonrpc_parser_create(0, 2);
    assert_int_equal(feed_all(p, s, strlen(s), 1, &got), 0);
    free(got);
    jsonrpc_parser_destroy(p);
    free(s);
}

static void
test_bad_shapes(void **state)
{
    static const char *const bad[] = {
        "[]",
        "[1,2]",
        "{}",
        "{\"method\":1,\"params\":[],\"id\":1}",
        "{\"method\":\"m\",\"id\":1}",
        "{\"method\":\"m\",\"params\":{},\"id\":1}",
        "{\"method\":\"m\",\"params\":\"x\",\"id\":1}",
        "{\"method\":\"m\",\"params\":[],\"id\":1,\"result\":1}",
        "{\"method\":\"m\",\"params\":[],\"id\":1,\"extra\":1}",
        "{\"result\":1,\"error\":null}",
        "{\"result\":1,\"error\":\"e\",\"id\":1}",
        "{\"result\":1,\"id\":1,\"params\":[]}",
        "{\"error\":\"e\",\"result\":null}",
        "{\"error\":\"e\",\"id\":1,\"method\":\"m\"}",
        "{\"id\":1}",
        "{\"id\":1,\"params\":[]}",
        "{\"result\":null,\"error\":null,\"id\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        expect_error(bad[i], -EPROTO, 0, 0);
    }
}

static void
test_good_shapes(void **state)
{
    /* A missing or null id makes a notification (OVS). */
    expect_parse("{\"method\":\"m\",\"params\":[1]}",
                 "{\"id\":null,\"method\":\"m\",\"params\":[1]}\n");
    /* Error with no result member; reply with no error member.  An error
     * reply is written as ovsdb-server writes it: no "result". */
    expect_parse("{\"error\":\"e\",\"id\":2}",
                 "{\"error\":\"e\",\"id\":2}\n");
    expect_parse("{\"result\":[],\"id\":2}",
                 "{\"error\":null,\"id\":2,\"result\":[]}\n");
    expect_parse("{\"result\":false,\"error\":null,\"id\":{\"a\":1}}",
                 "{\"error\":null,\"id\":{\"a\":1},\"result\":false}\n");
}

static void
check_round_trip(struct jsonrpc_msg *msg, const char *expect)
{
    size_t size;
    char *s = jsonrpc_msg_to_string(msg, &size);
    assert_string_equal(s, expect);
    assert_int_equal(size, strlen(expect));

    char *again;
    assert_int_equal(parse_string(s, 7, &again), 0);
    assert_int_equal(strlen(again), size + 1);
    assert_memory_equal(again, s, size);

    struct jsonrpc_msg *copy;
    json_t *json = jsonrpc_msg_to_json(msg);
    assert_null(jsonrpc_msg_from_json(json, &copy));
    assert_int_equal(copy->type, msg->type);
    jsonrpc_msg_destroy(copy);

    free(again);
    free(s);
    jsonrpc_msg_destroy(msg);
}

static void
test_round_trip(void **state)
{
    check_round_trip(jsonrpc_create_request("transact",
                                            json_pack("[s,{s:s}]", "db",
                                                      "op", "select"),
                                            json_integer(42)),
                     "{\"id\":42,\"method\":\"transact\","
                     "\"params\":[\"db\",{\"op\":\"select\"}]}");
    check_round_trip(jsonrpc_create_notify("update",
                                           json_pack("[n,{}]")),
                     "{\"id\":null,\"method\":\"update\","
                     "\"params\":[null,{}]}");

    json_t *id = json_string("echo");
    check_round_trip(jsonrpc_create_reply(json_pack("[s]", "x"), id),
                     "{\"error\":null,\"id\":\"echo\",\"result\":[\"x\"]}");
    check_round_trip(jsonrpc_create_error(json_pack("{s:s,s:s}", "error",
                                                    "unknown database",
                                                    "details", "no db"),
                                          id),
                     "{\"error\":{\"error\":\"unknown database\","
                     "\"details\":\"no db\"},\"id\":\"echo\"}");
    json_decref(id);

    /* Non-ASCII and escapes survive. */
    check_round_trip(jsonrpc_create_request("m", json_pack("[s]",
                                                           "\xc3\xa9\"\\\n"),
                                            json_integer(1)),
                     "{\"id\":1,\"method\":\"m\","
                     "\"params\":[\"\xc3\xa9\\\"\\\\\\n\"]}");
}

static void
test_from_json_not_object(void **state)
{
    struct jsonrpc_msg *msg = (void *) 1;
    char *error = jsonrpc_msg_from_json(json_integer(1), &msg);
    assert_non_null(error);
    assert_null(msg);
    free(error);
}

static void
test_big_message(void **state)
{
    /* A 30 KB transaction split into 4 KB reads, many times: the scan is
     * incremental, so this stays linear. */
    json_t *rows = json_array();
    for (int i = 0; i < 300; i++) {
        json_array_append_new(rows, json_pack("{s:s,s:{s:s,s:i}}", "op",
                                              "insert", "row", "name",
                                              "port-with-a-long-name", "tag",
                                              i));
    }
    struct jsonrpc_msg *msg = jsonrpc_create_request("transact", rows,
                                                     json_integer(7));
    size_t size;
    char *s = jsonrpc_msg_to_string(msg, &size);
    assert_true(size > 10000);
    jsonrpc_msg_destroy(msg);

    struct jsonrpc_parser *p = jsonrpc_parser_create(0, 0);
    for (int round = 0; round < 200; round++) {
        char *got;
        assert_int_equal(feed_all(p, s, size, 4096, &got), 0);
        assert_int_equal(strlen(got), size + 1);
        free(got);
    }
    jsonrpc_parser_destroy(p);
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_several_in_one_buffer),
        cmocka_unit_test(test_split_at_every_boundary),
        cmocka_unit_test(test_feed_stops_after_value),
        cmocka_unit_test(test_whitespace_only),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_too_deep),
        cmocka_unit_test(test_bad_shapes),
        cmocka_unit_test(test_good_shapes),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_from_json_not_object),
        cmocka_unit_test(test_big_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
