/* libFuzzer target for the server side of OVSDB (ovsdb/server.c and, below
 * it, execution, transactions, conditions, mutations, monitors, locks):
 * the input is a byte stream of JSON-RPC messages, framed by jsonrpc_parser
 * as a connection would be, and handled by sessions of one server that
 * serves the vtep schema from memory.
 *
 * The server is created once; every input gets two fresh sessions (the
 * first byte of each message picks which one handles it, so locks, steals
 * and cross-session waits and monitors are reachable), destroyed at the
 * end, which must release their monitors, waits and locks.  When the
 * database has grown past MAX_ROWS the server is made again, so memory
 * stays bounded.  Inputs are bounded too (OVS and lldpd do the same). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/jsonrpc.h"
#include "ovsdb/schema.h"
#include "ovsdb/server.h"

#define FUZZ_MAX_INPUT 65536
#define MAX_ROWS 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ovsdb_schema *schema;
static struct ovsdb_server *server;
static struct ovsdb_db *db;

static void
load_schema(void)
{
    const char *srcdir = getenv("SEAM_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/unit/data/ovsdb/vtep.ovsschema",
             srcdir ? srcdir : ".");
    if (access(path, R_OK)) {
        snprintf(path, sizeof path, "/usr/share/openvswitch/vtep.ovsschema");
    }
    struct ovsdb_error *error = ovsdb_schema_from_file(path, &schema);
    if (error) {
        fprintf(stderr, "%s: %s\n", path, ovsdb_error_to_string(error));
        abort();
    }
}

static void
make_server(void)
{
    if (server) {
        ovsdb_server_destroy(server);
    }
    server = ovsdb_server_create(NULL);
    db = ovsdb_db_create(ovsdb_schema_clone(schema));
    if (ovsdb_server_add_db(server, db)) {
        abort();
    }
}

/* Replies and notifications: serialize them, as a connection would. */
static void
sink(void *aux, struct jsonrpc_msg *msg)
{
    size_t n;
    free(jsonrpc_msg_to_string(msg, &n));
    jsonrpc_msg_destroy(msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }
    if (!server) {
        load_schema();
        make_server();
    }
    struct ovsdb_session *sessions[2] = {
        ovsdb_session_create(server, sink, NULL, "fuzz0"),
        ovsdb_session_create(server, sink, NULL, "fuzz1"),
    };
    struct jsonrpc_parser *parser = jsonrpc_parser_create(FUZZ_MAX_INPUT, 64);
    const char *in = (const char *) data;
    size_t n = size;
    while (n > 0) {
        /* The byte before a message chooses its session. */
        int which = *in & 1;
        size_t used = jsonrpc_parser_feed(parser, in, n);
        in += used;
        n -= used;
        if (!jsonrpc_parser_is_done(parser)) {
            break;
        }
        struct jsonrpc_msg *msg;
        char *error;
        if (jsonrpc_parser_take(parser, &msg, &error)) {
            free(error);
            break;              /* The stream cannot resync. */
        }
        ovsdb_session_handle(sessions[which], msg);
    }
    jsonrpc_parser_destroy(parser);
    ovsdb_session_destroy(sessions[0]);
    ovsdb_session_destroy(sessions[1]);
    if (ovsdb_db_count_rows(db) > MAX_ROWS) {
        make_server();
    }
    return 0;
}
