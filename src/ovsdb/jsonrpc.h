/* jsonrpc: JSON-RPC 1.0 messages and stream framing (RFC 7047 §4), with
 * no I/O.  The byte stream carries JSON values back to back with no
 * delimiter; the parser finds each value's end (tracking strings, escapes
 * and nesting), bounds its size and depth, and hands it to jansson.
 *
 * Layering (after OVS): jsonrpc (this: messages, framing) -> conn (a
 * libevent connection that moves bytes and answers echo) -> server/client. */
#ifndef SEAM_OVSDB_JSONRPC_H
#define SEAM_OVSDB_JSONRPC_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"

enum jsonrpc_msg_type {
    JSONRPC_REQUEST,            /* method, params, id (not null). */
    JSONRPC_NOTIFY,             /* method, params, id null. */
    JSONRPC_REPLY,              /* result, id; error null. */
    JSONRPC_ERROR               /* error, id; result null. */
};

struct jsonarena;

struct jsonrpc_msg {
    enum jsonrpc_msg_type type;
    char *method;               /* Request and notify (owned). */
    json_t *params;             /* Request and notify: an array (owned). */
    json_t *result;             /* Reply (owned). */
    json_t *error;              /* Error (owned). */
    json_t *id;                 /* Owned; json_null() for a notify. */
    struct jsonarena *arena;    /* Holds the JSON members, or NULL. */
    /* A big "transact" request: params[1...] are strings holding each
     * operation's JSON text, already validated (jsonparse_request()). */
    bool params_deferred;
    /* A big reply or notification: its <row-update>s (members named by a
     * UUID, 3 levels deep or more) may be strings holding their JSON text
     * (see jsonparse_deferred()). */
    bool rows_deferred;
};

/* Constructors: take ownership of every json_t argument. */
struct jsonrpc_msg *jsonrpc_create_request(const char *method, json_t *params,
                                           json_t *id);
struct jsonrpc_msg *jsonrpc_create_notify(const char *method, json_t *params);
struct jsonrpc_msg *jsonrpc_create_reply(json_t *result, const json_t *id);
struct jsonrpc_msg *jsonrpc_create_error(json_t *error, const json_t *id);
void jsonrpc_msg_destroy(struct jsonrpc_msg *);

/* Validates a parsed JSON value as a message (RFC 7047 §4 shapes).  Takes
 * ownership of 'json'.  On success returns NULL and a new message in
 * '*msgp'; on failure returns a new string saying what is wrong (free it)
 * and stores NULL. */
char *jsonrpc_msg_from_json(json_t *json, struct jsonrpc_msg **msgp) WARN_UNUSED;
/* Returns new JSON for 'msg' (does not consume it). */
json_t *jsonrpc_msg_to_json(const struct jsonrpc_msg *);
/* Appends the compact serialization of 'msg' to a new malloc'd buffer;
 * stores its size in '*sizep'.  Free with free(). */
char *jsonrpc_msg_to_string(const struct jsonrpc_msg *, size_t *sizep);

/* Framing parser. */
struct jsonrpc_parser;

/* Limits: 'max_size' bytes per message (OVS has none; we default to
 * 64 MiB), 'max_depth' nesting levels (default 1000). */
struct jsonrpc_parser *jsonrpc_parser_create(size_t max_size, unsigned int max_depth);
void jsonrpc_parser_destroy(struct jsonrpc_parser *);

/* Feeds 'n' bytes.  Returns how many were consumed: it stops after the end
 * of one complete JSON value (or at an error), so call jsonrpc_parser_take()
 * and then feed the rest.  Never fails. */
size_t jsonrpc_parser_feed(struct jsonrpc_parser *, const char *data, size_t n);
/* Is a complete value (or a sticky error) waiting? */
bool jsonrpc_parser_is_done(const struct jsonrpc_parser *);
/* Messages at least this big keep the operations of a "transact", or the
 * row updates of a reply or notification, as text (see 'params_deferred',
 * 'rows_deferred'). */
#define JSONRPC_DEFER_MIN_SIZE (256 * 1024)

/* Takes the completed value: returns 0 and stores a new message in '*msgp',
 * or returns -EPROTO (bad JSON, not a message, invalid UTF-8), -EMSGSIZE
 * (too big) or -ELOOP (too deep), storing a new description in '*errorp'.
 * After an error the parser stays failed: the stream cannot resync, so the
 * connection must be closed. */
int jsonrpc_parser_take(struct jsonrpc_parser *, struct jsonrpc_msg **msgp,
                        char **errorp);
/* Parses messages into a jsonarena (see jsonarena.h) when arenas are
 * installed: a message's JSON members then live only until
 * jsonrpc_msg_destroy(), and whoever keeps any of it must copy it. */
void jsonrpc_parser_use_arena(struct jsonrpc_parser *, bool);
/* Bytes buffered for the value in progress. */
size_t jsonrpc_parser_buffered(const struct jsonrpc_parser *);

#endif /* ovsdb/jsonrpc.h */
