/* libFuzzer target for the JSON-RPC framing parser (ovsdb/jsonrpc.c).
 *
 * The first byte seeds the split points: the rest of the input is fed in
 * pieces of pseudo-random sizes, as reads from a socket would cut it.
 * Every message taken is serialized, parsed again with a fresh parser and
 * serialized again: both strings must be identical (OVS
 * tests/oss-fuzz/json_parser_target.c does the same round trip).  Small
 * limits make the size and depth checks reachable. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ovsdb/jsonrpc.h"

#define FUZZ_MAX_INPUT 65536
#define FUZZ_MAX_SIZE 16384
#define FUZZ_MAX_DEPTH 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trip(const struct jsonrpc_msg *msg)
{
    size_t n1, n2;
    char *s1 = jsonrpc_msg_to_string(msg, &n1);

    struct jsonrpc_parser *p = jsonrpc_parser_create(0, 0);
    size_t used = jsonrpc_parser_feed(p, s1, n1);
    if (used != n1 || !jsonrpc_parser_is_done(p)) {
        abort();
    }
    struct jsonrpc_msg *copy;
    char *error;
    if (jsonrpc_parser_take(p, &copy, &error)) {
        abort();
    }
    if (copy->type != msg->type) {
        abort();
    }
    char *s2 = jsonrpc_msg_to_string(copy, &n2);
    if (n1 != n2 || memcmp(s1, s2, n1)) {
        abort();
    }
    free(s2);
    jsonrpc_msg_destroy(copy);
    jsonrpc_parser_destroy(p);
    free(s1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FUZZ_MAX_INPUT) {
        return 0;
    }
    uint32_t seed = data[0] * 2654435761u + 1;
    const char *in = (const char *) data + 1;
    size_t n = size - 1;

    struct jsonrpc_parser *p = jsonrpc_parser_create(FUZZ_MAX_SIZE,
                                                     FUZZ_MAX_DEPTH);
    for (;;) {
        if (jsonrpc_parser_is_done(p)) {
            struct jsonrpc_msg *msg;
            char *error;
            int retval = jsonrpc_parser_take(p, &msg, &error);
            if (retval) {
                if (!error || msg || (retval != -EPROTO
                                      && retval != -EMSGSIZE
                                      && retval != -ELOOP)) {
                    abort();
                }
                free(error);
                break;
            }
            check_round_trip(msg);
            jsonrpc_msg_destroy(msg);
            continue;
        }
        if (!n) {
            break;
        }
        seed = seed * 1103515245u + 12345u;
        size_t chunk = 1 + (seed >> 16) % 64;
        if (seed & 0x80000000u) {
            chunk = n;
        }
        chunk = chunk < n ? chunk : n;
        size_t used = jsonrpc_parser_feed(p, in, chunk);
        if (used > chunk || jsonrpc_parser_buffered(p) > FUZZ_MAX_SIZE) {
            abort();
        }
        if (!used && !jsonrpc_parser_is_done(p)) {
            abort();
        }
        in += used;
        n -= used;
    }
    jsonrpc_parser_destroy(p);
    return 0;
}
