/* jsonrpc: JSON-RPC 1.0 messages and stream framing (RFC 7047 §4).
 *
 * Messages follow OVS lib/jsonrpc.c: a JSON null "id", "params", "result"
 * or "error" counts as absent, the message type follows from which members
 * are present, and any other member is an error.  Serialization is compact
 * with the top-level keys in sorted order, which is what OVS writes.
 *
 * Framing: RFC 7047 sends JSON objects back to back with no delimiter.  The
 * parser copies bytes of the value in progress into a buffer while a small
 * state machine tracks strings, escapes and bracket depth, so it knows where
 * the value ends without parsing it, and can enforce the size and depth
 * limits before anything big is buffered or anything deep is recursed into.
 * The scan state survives between feeds, so every byte is looked at once.
 * Only the complete value is handed to jansson (which also validates UTF-8
 * and the grammar). */
#include "ovsdb/jsonrpc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ovsdb/jsonarena.h"
#include "ovsdb/jsonparse.h"

#define JSONRPC_DEFAULT_MAX_SIZE ((size_t) 64 << 20)
#define JSONRPC_DEFAULT_MAX_DEPTH 1000u

/* Keep at most this much buffer allocated between messages, so one big
 * message does not pin its buffer for the life of the connection. */
#define JSONRPC_KEEP_ALLOC ((size_t) 1 << 20)

/* Messages. */

static struct jsonrpc_msg *
jsonrpc_msg_alloc(enum jsonrpc_msg_type type)
{
    struct jsonrpc_msg *msg = xzalloc(sizeof *msg);
    msg->type = type;
    return msg;
}

/* Returns a new request.  Takes ownership of 'params' (NULL means an empty
 * array) and 'id'.  Free the result with jsonrpc_msg_destroy(). */
struct jsonrpc_msg *
jsonrpc_create_request(const char *method, json_t *params, json_t *id)
{
    struct jsonrpc_msg *msg = jsonrpc_msg_alloc(JSONRPC_REQUEST);
    msg->method = xstrdup(method);
    msg->params = params ? params : json_array();
    msg->id = id ? id : json_null();
    return msg;
}

/* Returns a new notification (id null).  Takes ownership of 'params' (NULL
 * means an empty array). */
struct jsonrpc_msg *
jsonrpc_create_notify(const char *method, json_t *params)
{
    struct jsonrpc_msg *msg = jsonrpc_msg_alloc(JSONRPC_NOTIFY);
    msg->method = xstrdup(method);
    msg->params = params ? params : json_array();
    msg->id = json_null();
    return msg;
}

/* Returns a new reply to the request with 'id' (copied).  Takes ownership of
 * 'result' (NULL means JSON null). */
struct jsonrpc_msg *
jsonrpc_create_reply(json_t *result, const json_t *id)
{
    struct jsonrpc_msg *msg = jsonrpc_msg_alloc(JSONRPC_REPLY);
    msg->result = result ? result : json_null();
    msg->id = id ? json_deep_copy(id) : json_null();
    return msg;
}

/* Returns a new error reply to the request with 'id' (copied).  Takes
 * ownership of 'error' (NULL means the string "error"). */
struct jsonrpc_msg *
jsonrpc_create_error(json_t *error, const json_t *id)
{
    struct jsonrpc_msg *msg = jsonrpc_msg_alloc(JSONRPC_ERROR);
    msg->error = error ? error : json_string("error");
    msg->id = id ? json_deep_copy(id) : json_null();
    return msg;
}

/* Frees 'msg' and every JSON value it owns.  NULL is a no-op. */
void
jsonrpc_msg_destroy(struct jsonrpc_msg *msg)
{
    if (msg) {
        free(msg->method);
        if (msg->arena) {
            /* Everything is in the arena, but deferred row updates are
             * heap strings: walk the trees only then. */
            if (msg->rows_deferred) {
                json_decref(msg->params);
                json_decref(msg->result);
            }
            jsonarena_destroy(msg->arena);
        } else {
            json_decref(msg->params);
            json_decref(msg->result);
            json_decref(msg->error);
            json_decref(msg->id);
        }
        free(msg);
    }
}

static const char *
jsonrpc_msg_type_to_string(enum jsonrpc_msg_type type)
{
    switch (type) {
    case JSONRPC_REQUEST:
        return "request";
    case JSONRPC_NOTIFY:
        return "notification";
    case JSONRPC_REPLY:
        return "reply";
    case JSONRPC_ERROR:
        return "error";
    }
    return "(unknown)";
}

/* Removes 'key' from 'object' and returns a reference to its value, or NULL
 * if it is absent or JSON null. */
static json_t *
take_member(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    if (!value) {
        return NULL;
    }
    json_incref(value);
    json_object_del(object, key);
    if (json_is_null(value)) {
        json_decref(value);
        return NULL;
    }
    return value;
}

/* Validates 'json' as a JSON-RPC message (see jsonrpc.h).  Takes ownership
 * of 'json'. */
char *
jsonrpc_msg_from_json(json_t *json, struct jsonrpc_msg **msgp)
{
    struct jsonrpc_msg *msg = NULL;
    json_t *method = NULL;
    char *error = NULL;

    *msgp = NULL;
    if (!json_is_object(json)) {
        error = xstrdup("message is not a JSON object");
        goto out;
    }

    method = take_member(json, "method");
    if (method && !json_is_string(method)) {
        error = xstrdup("method is not a JSON string");
        goto out;
    }

    msg = xzalloc(sizeof *msg);
    msg->method = method ? xstrdup(json_string_value(method)) : NULL;
    msg->params = take_member(json, "params");
    msg->result = take_member(json, "result");
    msg->error = take_member(json, "error");
    msg->id = take_member(json, "id");
    msg->type = (msg->result ? JSONRPC_REPLY
                 : msg->error ? JSONRPC_ERROR
                 : msg->id ? JSONRPC_REQUEST
                 : JSONRPC_NOTIFY);

    if (json_object_size(json)) {
        const char *key = json_object_iter_key(json_object_iter(json));
        error = xasprintf("message has unexpected member \"%s\"", key);
        goto out;
    }
    if (msg->params && !json_is_array(msg->params)) {
        error = xstrdup("\"params\" must be JSON array");
        goto out;
    }

    /* Which members each type must have: method, params, result, error, id. */
    static const bool patterns[4][5] = {
        [JSONRPC_REQUEST] = { true,  true,  false, false, true  },
        [JSONRPC_NOTIFY]  = { true,  true,  false, false, false },
        [JSONRPC_REPLY]   = { false, false, true,  false, true  },
        [JSONRPC_ERROR]   = { false, false, false, true,  true  },
    };
    static const char *const names[5] = {
        "method", "params", "result", "error", "id"
    };
    const bool have[5] = {
        msg->method != NULL, msg->params != NULL, msg->result != NULL,
        msg->error != NULL, msg->id != NULL
    };
    for (size_t i = 0; i < 5; i++) {
        if (have[i] != patterns[msg->type][i]) {
            error = xasprintf("%s must%s have \"%s\"",
                              jsonrpc_msg_type_to_string(msg->type),
                              patterns[msg->type][i] ? "" : " not",
                              names[i]);
            goto out;
        }
    }
    if (!msg->id) {
        msg->id = json_null();
    }

out:
    json_decref(method);
    json_decref(json);
    if (error) {
        jsonrpc_msg_destroy(msg);
        msg = NULL;
    }
    *msgp = msg;
    return error;
}

static json_t *
ref_or_null(json_t *json)
{
    return json ? json_incref(json) : json_null();
}

/* Returns new JSON for 'msg' (the members are shared by reference). */
json_t *
jsonrpc_msg_to_json(const struct jsonrpc_msg *msg)
{
    json_t *json = json_object();

    /* Inserted in sorted order: jansson keeps insertion order, and OVS
     * writes its keys sorted. */
    switch (msg->type) {
    case JSONRPC_REQUEST:
    case JSONRPC_NOTIFY:
        json_object_set_new(json, "id", msg->type == JSONRPC_REQUEST
                                        ? ref_or_null(msg->id)
                                        : json_null());
        json_object_set_new(json, "method",
                            json_string(msg->method ? msg->method : ""));
        json_object_set_new(json, "params", msg->params
                                            ? json_incref(msg->params)
                                            : json_array());
        break;

    case JSONRPC_REPLY:
        json_object_set_new(json, "error", json_null());
        json_object_set_new(json, "id", ref_or_null(msg->id));
        json_object_set_new(json, "result", ref_or_null(msg->result));
        break;

    case JSONRPC_ERROR:
        /* ovsdb-server sends only "error" and "id" in an error reply. */
        json_object_set_new(json, "error", ref_or_null(msg->error));
        json_object_set_new(json, "id", ref_or_null(msg->id));
        break;
    }
    return json;
}

/* Returns the compact serialization of 'msg' in a new buffer (NUL
 * terminated, free it with free()); its size without the NUL in '*sizep'. */
char *
jsonrpc_msg_to_string(const struct jsonrpc_msg *msg, size_t *sizep)
{
    json_t *json = jsonrpc_msg_to_json(msg);
    char *s = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    if (!s) {
        util_abort("jsonrpc: cannot serialize %s message",
                   jsonrpc_msg_type_to_string(msg->type));
    }
    if (sizep) {
        *sizep = strlen(s);
    }
    return s;
}

/* Framing parser. */

enum jsonrpc_scan_state {
    SCAN_IDLE,                  /* Skipping whitespace before a value. */
    SCAN_VALUE,                 /* Inside a value, outside strings. */
    SCAN_STRING,                /* Inside a string. */
    SCAN_ESCAPE,                /* Just after a backslash in a string. */
    SCAN_DONE,                  /* A whole value is buffered. */
    SCAN_ERROR                  /* Sticky failure. */
};

struct jsonrpc_parser {
    enum jsonrpc_scan_state state;
    unsigned int depth;         /* Open brackets in the value in progress. */
    size_t max_size;            /* In bytes, per message. */
    unsigned int max_depth;     /* Nesting levels. */

    char *buf;                  /* The value in progress. */
    size_t len;                 /* Bytes in 'buf'. */
    size_t alloc;               /* Bytes allocated for 'buf'. */

    int error;                  /* Negative errno once in SCAN_ERROR. */
    char *error_msg;            /* Description, until taken. */
    bool use_arena;             /* Parse into a jsonarena. */
};

void
jsonrpc_parser_use_arena(struct jsonrpc_parser *p, bool use)
{
    p->use_arena = use;
}

/* Returns a new parser; free it with jsonrpc_parser_destroy().  0 for
 * 'max_size' or 'max_depth' picks the default (64 MiB, 1000). */
struct jsonrpc_parser *
jsonrpc_parser_create(size_t max_size, unsigned int max_depth)
{
    struct jsonrpc_parser *p = xzalloc(sizeof *p);
    p->state = SCAN_IDLE;
    p->max_size = max_size ? max_size : JSONRPC_DEFAULT_MAX_SIZE;
    p->max_depth = max_depth ? max_depth : JSONRPC_DEFAULT_MAX_DEPTH;
    return p;
}

void
jsonrpc_parser_destroy(struct jsonrpc_parser *p)
{
    if (p) {
        free(p->buf);
        free(p->error_msg);
        free(p);
    }
}

static void
parser_fail(struct jsonrpc_parser *p, int error, char *msg)
{
    p->state = SCAN_ERROR;
    p->error = error;
    free(p->error_msg);
    p->error_msg = msg;
    free(p->buf);
    p->buf = NULL;
    p->len = p->alloc = 0;
}

static void
parser_append(struct jsonrpc_parser *p, const char *data, size_t n)
{
    if (p->len + n > p->alloc) {
        size_t want = MAX(p->len + n, MAX(p->alloc * 2, (size_t) 4096));
        p->alloc = MIN(want, MAX(p->max_size, p->len + n));
        p->buf = xrealloc(p->buf, p->alloc);
    }
    memcpy(p->buf + p->len, data, n);
    p->len += n;
}

static bool
is_json_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Scans 'data[0..n)' starting in the current state.  Returns how many bytes
 * belong to the value in progress (all of them, or up to and including its
 * last byte once the state becomes SCAN_DONE). */
static size_t
parser_scan(struct jsonrpc_parser *p, const unsigned char *data, size_t n)
{
    size_t i = 0;

    while (i < n) {
        switch (p->state) {
        case SCAN_STRING:
            /* The hot path: skip plain string bytes quickly. */
            while (i < n && data[i] != '"' && data[i] != '\\') {
                i++;
            }
            if (i < n) {
                p->state = data[i] == '"' ? SCAN_VALUE : SCAN_ESCAPE;
                i++;
            }
            break;

        case SCAN_ESCAPE:
            /* One byte is enough: "\uXXXX" has no quote or backslash. */
            p->state = SCAN_STRING;
            i++;
            break;

        case SCAN_VALUE:
            for (; i < n; i++) {
                unsigned char c = data[i];
                if (c == '"') {
                    p->state = SCAN_STRING;
                    i++;
                    break;
                } else if (c == '{' || c == '[') {
                    if (++p->depth > p->max_depth) {
                        parser_fail(p, -ELOOP, xasprintf(
                                        "message nests deeper than %u levels",
                                        p->max_depth));
                        return i;
                    }
                } else if (c == '}' || c == ']') {
                    if (--p->depth == 0) {
                        p->state = SCAN_DONE;
                        return i + 1;
                    }
                }
            }
            break;

        case SCAN_IDLE:
        case SCAN_DONE:
        case SCAN_ERROR:
        default:
            abort();
        }
    }
    return i;
}

/* Feeds bytes (see jsonrpc.h).  Whitespace between values is skipped; a
 * value that does not start with '{' or '[' is a sticky -EPROTO. */
size_t
jsonrpc_parser_feed(struct jsonrpc_parser *p, const char *data, size_t n)
{
    size_t used = 0;

    if (p->state == SCAN_DONE || p->state == SCAN_ERROR) {
        return 0;
    }
    if (p->state == SCAN_IDLE) {
        while (used < n && is_json_space(data[used])) {
            used++;
        }
        if (used == n) {
            return used;
        }
        unsigned char c = data[used];
        if (c != '{' && c != '[') {
            parser_fail(p, -EPROTO,
                        isprint(c)
                        ? xasprintf("syntax error: unexpected '%c' between "
                                    "messages", c)
                        : xasprintf("syntax error: unexpected byte 0x%02x "
                                    "between messages", c));
            return used;
        }
        p->state = SCAN_VALUE;
    }

    /* Never look further than the size limit allows, so an oversized
     * message is rejected after max_size bytes, whatever the read size. */
    size_t rem = n - used;
    size_t avail = p->max_size - p->len;
    size_t scanned = parser_scan(p, (const unsigned char *) data + used,
                                 MIN(rem, avail));
    if (p->state == SCAN_ERROR) {
        return used + scanned;
    }
    if (p->state != SCAN_DONE && rem > avail) {
        parser_fail(p, -EMSGSIZE,
                    xasprintf("message exceeds maximum size %zu bytes",
                              p->max_size));
        return used + scanned;
    }
    parser_append(p, data + used, scanned);
    return used + scanned;
}

bool
jsonrpc_parser_is_done(const struct jsonrpc_parser *p)
{
    return p->state == SCAN_DONE || p->state == SCAN_ERROR;
}

/* Takes the completed value (see jsonrpc.h).  Returns -EAGAIN, with NULL
 * in both outputs, if no value or error is waiting. */
/* Is 'json' a request ({"method": ..., "id": non-null, ...})? */
static bool
is_request(const json_t *json)
{
    const json_t *id = json_object_get(json, "id");
    return json_object_get(json, "method") && id && !json_is_null(id);
}

/* Is 'json' {"method": "transact", "id": non-null, ...}? */
static bool
is_transact_request(const json_t *json)
{
    const json_t *method = json_object_get(json, "method");
    const json_t *id = json_object_get(json, "id");
    return (json_is_string(method) && !strcmp(json_string_value(method), "transact")
            && id && !json_is_null(id));
}

int
jsonrpc_parser_take(struct jsonrpc_parser *p, struct jsonrpc_msg **msgp,
                    char **errorp)
{
    *msgp = NULL;
    *errorp = NULL;

    if (p->state == SCAN_ERROR) {
        *errorp = p->error_msg ? p->error_msg
                               : xstrdup("connection already failed");
        p->error_msg = NULL;
        return p->error;
    }
    if (p->state != SCAN_DONE) {
        return -EAGAIN;
    }

    char *parse_error;
    unsigned int deferred = 0;
    struct jsonarena *arena = p->use_arena ? jsonarena_begin() : NULL;
    json_t *json = (p->len >= JSONRPC_DEFER_MIN_SIZE
                    ? jsonparse_deferred(p->buf, p->len, p->max_depth,
                                         JSONPARSE_DEFER_PARAMS | JSONPARSE_DEFER_ROWS,
                                         &deferred, &parse_error)
                    : jsonparse(p->buf, p->len, p->max_depth, &parse_error));
    if (deferred) {
        /* Only a "transact" request takes its params as text, only replies
         * and notifications their row updates: parse again if needed. */
        unsigned int want = (is_transact_request(json) ? JSONPARSE_DEFER_PARAMS
                             : is_request(json) ? 0 : JSONPARSE_DEFER_ROWS);
        if (deferred & ~want) {
            json_decref(json);
            jsonarena_destroy(arena);
            arena = p->use_arena ? jsonarena_begin() : NULL;
            json = jsonparse_deferred(p->buf, p->len, p->max_depth, want, &deferred,
                                      &parse_error);
        }
    }
    jsonarena_end(arena);
    if (!json) {
        jsonarena_destroy(arena);
        parser_fail(p, -EPROTO, xasprintf("syntax error: %s", parse_error));
        free(parse_error);
        return jsonrpc_parser_take(p, msgp, errorp);
    }

    p->len = 0;
    p->depth = 0;
    p->state = SCAN_IDLE;
    if (p->alloc > JSONRPC_KEEP_ALLOC) {
        free(p->buf);
        p->buf = NULL;
        p->alloc = 0;
    }

    char *error = jsonrpc_msg_from_json(json, msgp);
    if (*msgp) {
        (*msgp)->arena = arena;
        (*msgp)->params_deferred = (deferred & JSONPARSE_DEFER_PARAMS) != 0;
        (*msgp)->rows_deferred = (deferred & JSONPARSE_DEFER_ROWS) != 0;
    } else {
        jsonarena_destroy(arena);
    }
    if (error) {
        parser_fail(p, -EPROTO, error);
        return jsonrpc_parser_take(p, msgp, errorp);
    }
    return 0;
}

size_t
jsonrpc_parser_buffered(const struct jsonrpc_parser *p)
{
    return p->len;
}
