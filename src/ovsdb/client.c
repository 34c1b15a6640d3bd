/* ovsdb client: see client.h.
 *
 * The session runs as a small state machine on one connection:
 *   BACKOFF -> CONNECTING -> SERVER (leader check through "_Server", only
 *   with leader_only) -> SCHEMA (get_schema) -> MONITOR (monitor request
 *   sent, waiting for the initial contents) -> SYNCED.
 * Any failure closes the connection and goes back to BACKOFF, moving on to
 * the next remote; the backoff doubles up to max_backoff_ms and is reset by
 * a sync.  Requests in flight are tracked by id; transactions in flight when
 * the connection goes end in TRY_AGAIN and are never sent again. */
#include "ovsdb/client.h"

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hmap.h"
#include "lib/list.h"
#include "lib/log.h"
#include "ovsdb/conn.h"
#include "ovsdb/datum.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/jsonarena.h"
#include "ovsdb/jsonparse.h"
#include "ovsdb/jsonrpc.h"
#include "ovsdb/schema.h"

LOG_MODULE(client);

/* Logs at 'LEVEL' (info or warn) the first time, at debug while the remote
 * keeps failing (see 'n_failures'). */
#define log_attempt(C, LEVEL, ...)                      \
    do {                                                \
        if ((C)->n_failures) {                          \
            log_debug(__VA_ARGS__);                     \
        } else {                                        \
            LEVEL(__VA_ARGS__);                         \
        }                                               \
    } while (0)

struct ovsdb_client;
static void set_last_error(struct ovsdb_client *, const char *format, ...)
    PRINTF_FMT(2, 3);

enum client_state {
    S_BACKOFF,          /* Waiting before the next connection attempt. */
    S_CONNECTING,       /* conn_open() in progress. */
    S_SERVER,           /* Waiting for the _Server monitor reply. */
    S_SCHEMA,           /* Waiting for get_schema. */
    S_MONITOR,          /* Waiting for the monitor reply. */
    S_SYNCED
};

enum request_kind {
    R_SERVER_MONITOR, R_SCHEMA, R_MONITOR, R_COND_CHANGE, R_TRANSACT, R_LOCK,
    R_UNLOCK, R_CANCEL
};

/* A request in flight, by id. */
struct pending {
    struct hmap_node node;
    long long id;
    enum request_kind kind;
    struct ovsdb_client_txn *txn;   /* R_TRANSACT. */
    char *lock_name;                /* R_LOCK. */
};

struct table_req {
    char *name;
    bool named;                     /* Asked for by ovsdb_client_add_table(). */
    bool in_monitor;                /* Part of the monitor last sent. */
    char **columns;                 /* NULL: all. */
    size_t n_columns;
    json_t *condition;              /* NULL: all rows. */
};

/* What changed in one row since the program last cleared the changes. */
struct change {
    struct hmap_node node;          /* In client->changes[table], by uuid. */
    struct uuid uuid;
    enum ovsdb_client_change_kind kind;
    unsigned long *columns;         /* OVSDB_CLIENT_MODIFIED. */
    struct ovsdb_row *old;          /* OVSDB_CLIENT_DELETED: owned. */
};

struct client_lock {
    struct list node;
    char *name;
    bool steal;
    bool held;
};

struct ovsdb_client {
    struct event_base *base;
    char *db_name;
    char **remotes;
    size_t n_remotes;
    SSL_CTX *ssl_ctx;
    int probe_ms, min_backoff_ms, max_backoff_ms;
    bool leader_only;
    /* Connections that ended before a sync since the last sync: while it is
     * nonzero the remote is known to be failing, and each new attempt's
     * lines go to debug, so an outage is logged once, not per retry. */
    unsigned int n_failures;
    char *last_error;           /* Why the last attempt failed, or NULL. */
    struct ovsdb_client_callbacks cbs;
    void *aux;

    struct table_req *reqs;
    size_t n_reqs;
    size_t n_named;                 /* Reqs with 'named'. */

    enum client_state state;
    struct conn *conn;
    size_t remote_idx;              /* Remote of 'conn' or of the next try. */
    int backoff_ms;
    struct event *timer;
    long long next_id;
    struct hmap pending;            /* "struct pending"s. */

    struct ovsdb_db *db;            /* The replica, or NULL. */
    struct hmap *changes;           /* One per table of 'db'. */
    unsigned long generation;       /* For full resyncs (see resync_begin). */
    int method;                     /* 3, 2 or 1: monitor method in use. */
    int best_method;                /* What the server may still support. */
    char *monitor_id;
    char *old_monitor_id;           /* Until a monitor_cond_change is
                                     * answered, updates under the previous
                                     * id may still arrive. */
    unsigned long long monitor_seq;
    struct uuid last_txn_id;
    bool have_last_txn_id;

    struct list locks;              /* "struct client_lock"s. */
    struct list txns;               /* Committed, unanswered. */
    struct ovsdb_client_stats stats;

    /* A passive session (ovsdb_client_create_accepted()): no reconnection;
     * 'closed' once its connection is gone. */
    bool passive;
    bool closed;
};

struct ovsdb_client_txn {
    struct list node;               /* In client->txns while in flight. */
    struct ovsdb_client *client;
    json_t *ops;
    size_t n_inserts;
    char **insert_names;
    size_t *insert_ops;             /* Op index of each insert. */
    struct uuid *insert_uuids;
    enum ovsdb_client_txn_status status;
    char *error;
    bool in_flight;
    ovsdb_client_txn_done_func *done;
    void *done_aux;
};

static void client_connect(struct ovsdb_client *);
static void client_disconnect(struct ovsdb_client *, const char *why);
static void send_monitor(struct ovsdb_client *);
static void monitor_again(struct ovsdb_client *);
static void txn_finish(struct ovsdb_client_txn *, enum ovsdb_client_txn_status,
                       const char *error);

void
ovsdb_client_options_init(struct ovsdb_client_options *o)
{
    memset(o, 0, sizeof *o);
    o->probe_ms = 5000;
    o->min_backoff_ms = 100;
    o->max_backoff_ms = 8000;
    o->leader_only = true;
}

static const char *const method_names[] = {
    [1] = "monitor", [2] = "monitor_cond", [3] = "monitor_cond_since"
};

/* Requests. */

static long long
send_request(struct ovsdb_client *c, const char *method, json_t *params,
             enum request_kind kind, struct ovsdb_client_txn *txn,
             const char *lock_name)
{
    struct pending *p = xzalloc(sizeof *p);
    p->id = ++c->next_id;
    p->kind = kind;
    p->txn = txn;
    p->lock_name = lock_name ? xstrdup(lock_name) : NULL;
    hmap_insert(&c->pending, &p->node, hash_uint64(p->id, 0));
    conn_send(c->conn, jsonrpc_create_request(method, params, json_integer(p->id)));
    return p->id;
}

static struct pending *
take_pending(struct ovsdb_client *c, const json_t *id)
{
    if (!json_is_integer(id)) {
        return NULL;
    }
    long long n = json_integer_value(id);
    struct pending *p;
    HMAP_FOR_EACH_WITH_HASH (p, node, hash_uint64(n, 0), &c->pending) {
        if (p->id == n) {
            hmap_remove(&c->pending, &p->node);
            return p;
        }
    }
    return NULL;
}

static void
pending_destroy(struct pending *p)
{
    free(p->lock_name);
    free(p);
}

/* Change tracking. */

static struct change *
find_change(struct ovsdb_client *c, const struct ovsdb_table *t, const struct uuid *u)
{
    struct change *ch;
    HMAP_FOR_EACH_WITH_HASH (ch, node, uuid_hash(u), &c->changes[t->schema->index]) {
        if (uuid_equals(&ch->uuid, u)) {
            return ch;
        }
    }
    return NULL;
}

static void
change_destroy(struct change *ch)
{
    free(ch->columns);
    if (ch->old) {
        ovsdb_row_destroy(ch->old);
    }
    free(ch);
}

/* Records that 'row' of 't' was inserted, modified (columns in 'changed')
 * or deleted ('row' then belongs to the change record). */
static void
track(struct ovsdb_client *c, const struct ovsdb_table *t, struct ovsdb_row *row,
      enum ovsdb_client_change_kind kind, const unsigned long *changed)
{
    const struct uuid *u = ovsdb_row_get_uuid(row);
    struct change *ch = find_change(c, t, u);
    size_t n_longs = bitmap_n_longs(t->schema->n_columns);

    if (!ch) {
        ch = xzalloc(sizeof *ch);
        ch->uuid = *u;
        ch->kind = kind;
        hmap_insert(&c->changes[t->schema->index], &ch->node, uuid_hash(u));
        if (kind == OVSDB_CLIENT_MODIFIED) {
            ch->columns = xmemdup(changed, n_longs * sizeof *changed);
        } else if (kind == OVSDB_CLIENT_DELETED) {
            ch->old = row;
        }
        return;
    }
    switch (kind) {
    case OVSDB_CLIENT_INSERTED:
        /* Deleted then inserted again: a modification of every column. */
        if (ch->old) {
            ovsdb_row_destroy(ch->old);
            ch->old = NULL;
        }
        ch->kind = OVSDB_CLIENT_MODIFIED;
        free(ch->columns);
        ch->columns = xcalloc(n_longs, sizeof *ch->columns);
        for (size_t i = 0; i < t->schema->n_columns; i++) {
            bitmap_set1(ch->columns, i);
        }
        break;
    case OVSDB_CLIENT_MODIFIED:
        if (ch->kind == OVSDB_CLIENT_MODIFIED) {
            for (size_t i = 0; i < n_longs; i++) {
                ch->columns[i] |= changed[i];
            }
        }
        break;
    case OVSDB_CLIENT_DELETED:
        if (ch->kind == OVSDB_CLIENT_INSERTED) {
            hmap_remove(&c->changes[t->schema->index], &ch->node);
            change_destroy(ch);
            ovsdb_row_destroy(row);
        } else {
            ch->kind = OVSDB_CLIENT_DELETED;
            free(ch->columns);
            ch->columns = NULL;
            ch->old = row;
        }
        break;
    }
}

size_t
ovsdb_client_get_changes(const struct ovsdb_client *c, const char *table,
                         ovsdb_client_change_func *func, void *aux)
{
    const struct ovsdb_table *t = ovsdb_client_get_table(c, table);
    size_t n = 0;
    if (!t) {
        return 0;
    }
    struct change *ch;
    HMAP_FOR_EACH (ch, node, &c->changes[t->schema->index]) {
        const struct ovsdb_row *row = ch->old ? ch->old
                                              : ovsdb_table_get_row(t, &ch->uuid);
        if (row) {
            func(aux, ch->kind, row, ch->columns);
            n++;
        }
    }
    return n;
}

void
ovsdb_client_clear_changes(struct ovsdb_client *c)
{
    if (!c->db) {
        return;
    }
    for (size_t i = 0; i < c->db->schema->n_tables; i++) {
        struct change *ch;
        HMAP_FOR_EACH_POP (ch, node, &c->changes[i]) {
            change_destroy(ch);
        }
    }
}

/* The replica. */

static void
replica_destroy(struct ovsdb_client *c)
{
    if (c->db) {
        ovsdb_client_clear_changes(c);
        for (size_t i = 0; i < c->db->schema->n_tables; i++) {
            hmap_destroy(&c->changes[i]);
        }
        free(c->changes);
        c->changes = NULL;
        ovsdb_db_destroy(c->db);
        c->db = NULL;
    }
}

static struct ovsdb_error *
replica_create(struct ovsdb_client *c, const json_t *schema_json)
{
    struct ovsdb_schema *schema;
    struct ovsdb_error *error = ovsdb_schema_from_json(schema_json, &schema);
    if (error) {
        return error;
    }
    if (c->db) {
        /* Keep the replica if the schema did not change. */
        json_t *old = ovsdb_schema_to_json(c->db->schema);
        json_t *new = ovsdb_schema_to_json(schema);
        bool same = json_equal(old, new);
        json_decref(old);
        json_decref(new);
        if (same) {
            ovsdb_schema_destroy(schema);
            return NULL;
        }
        log_info("%s: schema changed; replicating again", c->db_name);
        replica_destroy(c);
        c->have_last_txn_id = false;
    }
    c->db = ovsdb_db_create(schema);
    c->changes = xcalloc(schema->n_tables, sizeof *c->changes);
    for (size_t i = 0; i < schema->n_tables; i++) {
        hmap_init(&c->changes[i]);
    }
    return NULL;
}

/* Replica rows count no references: 'n_refs' holds the generation of the
 * last full sync that saw the row, so that a resync can tell stale rows. */
static void
mark_seen(struct ovsdb_client *c, struct ovsdb_row *row)
{
    row->n_refs = c->generation;
}

static struct ovsdb_error *
row_insert(struct ovsdb_client *c, struct ovsdb_table *t, const struct uuid *u,
           const json_t *json)
{
    struct ovsdb_row *row = ovsdb_row_create(t);
    row->fields[OVSDB_COL_UUID].keys[0].uuid = *u;
    struct ovsdb_error *error = ovsdb_row_from_json(row, json, NULL, NULL);
    if (error) {
        ovsdb_row_destroy(row);
        return error;
    }
    mark_seen(c, row);
    hmap_insert(&t->rows, &row->hmap_node, uuid_hash(u));
    track(c, t, row, OVSDB_CLIENT_INSERTED, NULL);
    return NULL;
}

/* Replaces the columns of 'row' named in 'json' (full values, or diffs when
 * 'is_diff'), tracking those that really changed. */
static struct ovsdb_error *
row_modify(struct ovsdb_client *c, struct ovsdb_table *t, struct ovsdb_row *row,
           const json_t *json, bool is_diff)
{
    const struct ovsdb_table_schema *ts = t->schema;
    unsigned long changed_small[4] = { 0, 0, 0, 0 };
    unsigned long *changed = ts->n_columns <= 256 ? changed_small
        : xcalloc(bitmap_n_longs(ts->n_columns), sizeof *changed);
    struct ovsdb_error *error = NULL;
    bool any = false;
    const char *name;
    json_t *value;

    if (!json_is_object(json)) {
        error = ovsdb_syntax_error(json, NULL, "row update is not an object");
        goto out;
    }
    json_object_foreach ((json_t *) json, name, value) {
        const struct ovsdb_column *col = ovsdb_table_schema_find_column(ts, name);
        if (!col || col->index == OVSDB_COL_UUID) {
            error = ovsdb_syntax_error(json, "unknown column",
                                       "No column %s in table %s.", name, ts->name);
            goto out;
        }
        struct ovsdb_datum d;
        error = is_diff
                ? ovsdb_datum_from_json_unbounded(&d, &col->type, value, NULL)
                : ovsdb_datum_from_json(&d, &col->type, value, NULL);
        if (error) {
            goto out;
        }
        struct ovsdb_datum *field = &row->fields[col->index];
        if (is_diff) {
            ovsdb_datum_apply_diff(field, &d, &col->type);
            ovsdb_datum_destroy(&d, &col->type);
        } else if (!ovsdb_datum_equals(field, &d, &col->type)) {
            ovsdb_datum_swap(field, &d);
            ovsdb_datum_destroy(&d, &col->type);
        } else {
            ovsdb_datum_destroy(&d, &col->type);
            continue;
        }
        bitmap_set1(changed, col->index);
        any = true;
    }
out:
    if (!error && any) {
        track(c, t, row, OVSDB_CLIENT_MODIFIED, changed);
    }
    if (changed != changed_small) {
        free(changed);
    }
    return error;
}

static void
row_delete(struct ovsdb_client *c, struct ovsdb_table *t, struct ovsdb_row *row)
{
    hmap_remove(&t->rows, &row->hmap_node);
    track(c, t, row, OVSDB_CLIENT_DELETED, NULL);
}

/* Applies one row update of any version.  'initial' rows of a full resync
 * may already exist (they are then compared). */
static struct ovsdb_error *
apply_row(struct ovsdb_client *c, struct ovsdb_table *t, const struct uuid *u,
          const json_t *update, int version)
{
    struct ovsdb_row *row = ovsdb_table_get_row(t, u);
    c->stats.rows_received++;

    if (version == 1) {
        const json_t *new = json_object_get(update, "new");
        if (!new) {
            if (!row) {
                return ovsdb_error("unknown row", "delete of unknown row "UUID_FMT
                                   " in table %s", UUID_ARGS(u), t->schema->name);
            }
            row_delete(c, t, row);
            return NULL;
        }
        if (row) {
            mark_seen(c, row);
            return row_modify(c, t, row, new, false);
        }
        return row_insert(c, t, u, new);
    }

    const char *key = NULL;
    json_t *value = NULL;
    if (!json_is_object(update) || json_object_size(update) != 1) {
        return ovsdb_syntax_error(update, NULL, "bad row update");
    }
    json_object_foreach ((json_t *) update, key, value) {
        break;
    }
    if (!strcmp(key, "initial") || !strcmp(key, "insert")) {
        if (row) {
            if (!strcmp(key, "insert")) {
                return ovsdb_error("unknown row", "insert of existing row "UUID_FMT
                                   " in table %s", UUID_ARGS(u), t->schema->name);
            }
            /* A full resync: the row as it is now, defaults included. */
            struct ovsdb_row *fresh = ovsdb_row_create(t);
            struct ovsdb_error *error = ovsdb_row_from_json(fresh, value, NULL, NULL);
            if (!error) {
                json_t *all = json_object();
                for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < t->schema->n_columns; i++) {
                    const struct ovsdb_column *col = t->schema->columns[i];
                    json_object_set_new(all, col->name,
                                        ovsdb_datum_to_json(&fresh->fields[i], &col->type));
                }
                mark_seen(c, row);
                error = row_modify(c, t, row, all, false);
                json_decref(all);
            }
            ovsdb_row_destroy(fresh);
            return error;
        }
        return row_insert(c, t, u, value);
    } else if (!strcmp(key, "modify")) {
        if (!row) {
            return ovsdb_error("unknown row", "modify of unknown row "UUID_FMT
                               " in table %s", UUID_ARGS(u), t->schema->name);
        }
        return row_modify(c, t, row, value, true);
    } else if (!strcmp(key, "delete")) {
        if (!row) {
            return ovsdb_error("unknown row", "delete of unknown row "UUID_FMT
                               " in table %s", UUID_ARGS(u), t->schema->name);
        }
        row_delete(c, t, row);
        return NULL;
    }
    return ovsdb_syntax_error(update, NULL, "unknown row update \"%s\"", key);
}

static struct ovsdb_error *apply_updates__(struct ovsdb_client *, const json_t *updates,
                                           int version, struct jsonarena **);

/* A <row-update> kept as text (see jsonrpc_msg's 'rows_deferred'): parses
 * it into '*arenap' (created on first use, reset for each row) so that a
 * big initial reply holds one row's tree at a time.  Returns the value
 * (json_decref() it when '*arenap' is NULL: arenas not installed), or NULL
 * if it does not parse. */
static json_t *
parse_row_text(const json_t *text, struct jsonarena **arenap)
{
    struct jsonarena *outer = jsonarena_suspend();
    if (!*arenap) {
        *arenap = jsonarena_begin();
    } else {
        jsonarena_reset(*arenap);
        jsonarena_resume(*arenap);
    }
    char *error;
    json_t *json = jsonparse(json_string_value(text), json_string_length(text), 0,
                             &error);
    jsonarena_end(*arenap);
    jsonarena_resume(outer);
    free(error);
    return json;
}

static struct ovsdb_error *
apply_updates(struct ovsdb_client *c, const json_t *updates, int version)
{
    struct jsonarena *arena = NULL;
    struct ovsdb_error *error = apply_updates__(c, updates, version, &arena);
    jsonarena_destroy(arena);
    return error;
}

static struct ovsdb_error *
apply_updates__(struct ovsdb_client *c, const json_t *updates, int version,
                struct jsonarena **arenap)
{
    const char *table_name;
    json_t *rows;

    if (!json_is_object(updates)) {
        return ovsdb_syntax_error(updates, NULL, "table-updates is not an object");
    }
    json_object_foreach ((json_t *) updates, table_name, rows) {
        struct ovsdb_table *t = ovsdb_db_find_table(c->db, table_name);
        if (!t || !json_is_object(rows)) {
            return ovsdb_syntax_error(updates, NULL, "update for unknown table %s",
                                      table_name);
        }
        const char *uuid_s;
        json_t *update;
        json_object_foreach (rows, uuid_s, update) {
            struct uuid u;
            if (!uuid_from_string(&u, uuid_s)) {
                return ovsdb_syntax_error(rows, NULL, "bad row UUID %s", uuid_s);
            }
            json_t *parsed = NULL;
            if (json_is_string(update)) {
                update = parsed = parse_row_text(update, arenap);
                if (!update) {
                    return ovsdb_syntax_error(NULL, NULL, "bad row update text");
                }
            }
            struct ovsdb_error *error = apply_row(c, t, &u, update, version);
            if (!*arenap) {
                json_decref(parsed);
            }
            if (parsed) {
                /* Applied: free its text now, so that the replica grows
                 * while the message shrinks (the message is ours). */
                json_object_iter_set_new(rows, json_object_key_to_iter(uuid_s),
                                         json_null());
            }
            if (error) {
                return error;
            }
        }
    }
    return NULL;
}

/* A full resync starts: every row present is stale until the initial
 * contents show it again. */
static void
resync_begin(struct ovsdb_client *c)
{
    c->generation++;
}

static void
resync_end(struct ovsdb_client *c)
{
    for (size_t i = 0; i < c->db->schema->n_tables; i++) {
        struct ovsdb_table *t = &c->db->tables[i];
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            if (row->n_refs != c->generation) {
                row_delete(c, t, row);
            }
        }
    }
}

/* Monitor requests. */

static const struct table_req *
find_req(const struct ovsdb_client *c, const char *table)
{
    for (size_t i = 0; i < c->n_reqs; i++) {
        if (!strcmp(c->reqs[i].name, table)) {
            return &c->reqs[i];
        }
    }
    return NULL;
}

static json_t *
table_request(const struct ovsdb_client *c, const struct table_req *req,
              const struct ovsdb_table_schema *ts, int version)
{
    json_t *columns = json_array();
    if (req && req->columns) {
        for (size_t i = 0; i < req->n_columns; i++) {
            json_array_append_new(columns, json_string(req->columns[i]));
        }
    } else {
        for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
            json_array_append_new(columns, json_string(ts->columns[i]->name));
        }
    }
    json_t *r = json_pack("{s o}", "columns", columns);
    if (version >= 2 && req && req->condition) {
        json_object_set(r, "where", req->condition);
    }
    return version >= 2 ? json_pack("[o]", r) : r;
}

static json_t *
monitor_requests(struct ovsdb_client *c, int version)
{
    json_t *requests = json_object();
    for (size_t i = 0; i < c->n_reqs; i++) {
        c->reqs[i].in_monitor = false;
    }
    for (size_t i = 0; i < c->db->schema->n_tables; i++) {
        const struct ovsdb_table_schema *ts = c->db->schema->tables[i];
        struct table_req *req = (struct table_req *) find_req(c, ts->name);
        if (c->n_named && !(req && req->named)) {
            continue;
        }
        if (req) {
            req->in_monitor = true;
        }
        json_object_set_new(requests, ts->name, table_request(c, req, ts, version));
    }
    return requests;
}

/* Drops the current monitor and monitors again from scratch: the next reply
 * is a full resync. */
static void
monitor_again(struct ovsdb_client *c)
{
    send_request(c, "monitor_cancel", json_pack("[s]", c->monitor_id),
                 R_CANCEL, NULL, NULL);
    c->have_last_txn_id = false;
    free(c->old_monitor_id);
    c->old_monitor_id = NULL;
    send_monitor(c);
}

static void
send_monitor(struct ovsdb_client *c)
{
    int version = c->best_method;
    free(c->monitor_id);
    c->monitor_id = xasprintf("seam-%llu", ++c->monitor_seq);
    json_t *params = json_pack("[s s o]", c->db_name, c->monitor_id,
                               monitor_requests(c, version));
    if (version == 3) {
        char s[UUID_LEN + 1];
        struct uuid zero;
        uuid_zero(&zero);
        uuid_to_string(c->have_last_txn_id ? &c->last_txn_id : &zero, s);
        json_array_append_new(params, json_string(s));
    }
    c->method = version;
    c->state = S_MONITOR;
    send_request(c, method_names[version], params, R_MONITOR, NULL, NULL);
}

/* Locks. */

static struct client_lock *
find_lock(const struct ovsdb_client *c, const char *name)
{
    struct client_lock *l;
    LIST_FOR_EACH (l, node, &c->locks) {
        if (!strcmp(l->name, name)) {
            return l;
        }
    }
    return NULL;
}

static void
set_lock_held(struct ovsdb_client *c, struct client_lock *l, bool held)
{
    if (l->held != held) {
        l->held = held;
        log_info("%s: lock %s %s", c->db_name, l->name, held ? "held" : "lost");
        if (c->cbs.lock) {
            c->cbs.lock(c->aux, l->name, held);
        }
    }
}

static void
send_lock(struct ovsdb_client *c, struct client_lock *l)
{
    send_request(c, l->steal ? "steal" : "lock", json_pack("[s]", l->name),
                 R_LOCK, NULL, l->name);
}

/* Connection life cycle. */

static void
set_synced(struct ovsdb_client *c)
{
    c->state = S_SYNCED;
    c->backoff_ms = 0;
    c->stats.n_syncs++;
    log_info("%s: synced with %s (%s, %zu rows)", c->db_name,
             conn_get_name(c->conn), method_names[c->method],
             ovsdb_db_count_rows(c->db));
    if (c->n_failures) {
        log_info("%s: %s is back after %u failed attempts", c->db_name,
                 conn_get_name(c->conn), c->n_failures);
        c->n_failures = 0;
    }
    free(c->last_error);
    c->last_error = NULL;
    struct client_lock *l;
    LIST_FOR_EACH (l, node, &c->locks) {
        send_lock(c, l);
    }
    if (c->cbs.state) {
        c->cbs.state(c->aux, true);
    }
}

static void
handle_monitor_reply(struct ovsdb_client *c, const json_t *result)
{
    struct ovsdb_error *error;
    bool full = true;

    if (c->method == 3) {
        const json_t *found = json_array_get(result, 0);
        const json_t *last = json_array_get(result, 1);
        const json_t *updates = json_array_get(result, 2);
        struct uuid u;
        if (json_array_size(result) != 3 || !json_is_boolean(found)
            || !json_is_string(last) || !uuid_from_string(&u, json_string_value(last))) {
            client_disconnect(c, "bad monitor_cond_since reply");
            return;
        }
        full = !json_is_true(found);
        if (!full) {
            c->stats.n_resumed++;
        } else {
            resync_begin(c);
        }
        error = apply_updates(c, updates, 3);
        c->last_txn_id = u;
        c->have_last_txn_id = true;
    } else {
        resync_begin(c);
        error = apply_updates(c, result, c->method);
    }
    if (!error && full) {
        resync_end(c);
    }
    if (error) {
        char *s = ovsdb_error_to_string(error);
        log_warn("%s: bad monitor reply from %s (%s); reconnecting", c->db_name,
                 conn_get_name(c->conn), s);
        free(s);
        ovsdb_error_destroy(error);
        c->have_last_txn_id = false;
        client_disconnect(c, "bad monitor reply");
        return;
    }
    set_synced(c);
    if (c->cbs.changed) {
        c->cbs.changed(c->aux);
    }
}

/* Is this _Server Database row fit to serve our database? */
static bool
server_row_ok(struct ovsdb_client *c, const json_t *row)
{
    const char *model = json_string_value(json_object_get(row, "model"));
    if (!model || strcmp(model, "clustered")) {
        return true;
    }
    bool connected = json_is_true(json_object_get(row, "connected"));
    bool leader = json_is_true(json_object_get(row, "leader"));
    return connected && (leader || !c->leader_only);
}

static void
handle_server_rows(struct ovsdb_client *c, const json_t *updates, bool initial)
{
    const json_t *rows = json_object_get(updates, "Database");
    const char *uuid_s;
    json_t *update;
    bool seen = false;

    json_object_foreach ((json_t *) rows, uuid_s, update) {
        const char *key;
        json_t *row;
        json_object_foreach (update, key, row) {
            if (!json_is_object(row)) {
                continue;       /* "delete". */
            }
            seen = true;
            if (json_object_get(row, "model") && !server_row_ok(c, row)) {
                log_info("%s: %s is not the cluster leader; trying another "
                         "server", c->db_name, conn_get_name(c->conn));
                client_disconnect(c, NULL);
                return;
            }
            /* In a modify, "leader" alone may change. */
            const json_t *leader = json_object_get(row, "leader");
            if (!initial && c->leader_only && leader && !json_is_true(leader)) {
                log_info("%s: %s lost the cluster leadership", c->db_name,
                         conn_get_name(c->conn));
                client_disconnect(c, NULL);
                return;
            }
        }
    }
    if (initial && !seen) {
        log_attempt(c, log_warn, "%s: %s does not serve database %s", c->db_name,
                    conn_get_name(c->conn), c->db_name);
        client_disconnect(c, "database not served");
    }
}

static const char *
error_text(const json_t *error)
{
    if (json_is_string(error)) {
        return json_string_value(error);
    }
    const json_t *tag = json_object_get(error, "error");
    return json_is_string(tag) ? json_string_value(tag) : "error";
}

static void
handle_reply(struct ovsdb_client *c, struct jsonrpc_msg *msg)
{
    struct pending *p = take_pending(c, msg->id);
    bool is_error = msg->type == JSONRPC_ERROR;
    if (!p) {
        return;
    }
    switch (p->kind) {
    case R_SERVER_MONITOR:
        if (is_error) {
            /* No _Server (an old server): no leader to follow. */
            log_debug("%s: no _Server database: %s", c->db_name, error_text(msg->error));
        } else {
            handle_server_rows(c, msg->result, true);
        }
        if (c->state == S_SERVER) {
            c->state = S_SCHEMA;
            send_request(c, "get_schema", json_pack("[s]", c->db_name), R_SCHEMA,
                         NULL, NULL);
        }
        break;
    case R_SCHEMA: {
        struct ovsdb_error *error = is_error
            ? ovsdb_error(error_text(msg->error), "get_schema failed (database %s)", c->db_name)
            : replica_create(c, msg->result);
        if (error) {
            char *s = ovsdb_error_to_string(error);
            log_attempt(c, log_warn, "%s: %s: %s", c->db_name, conn_get_name(c->conn), s);
            set_last_error(c, "%s: %s", conn_get_name(c->conn), s);
            free(s);
            ovsdb_error_destroy(error);
            client_disconnect(c, NULL);
            break;
        }
        send_monitor(c);
        break;
    }
    case R_MONITOR:
        if (is_error) {
            const char *e = error_text(msg->error);
            if (!strcmp(e, "unknown method") && c->best_method > 1) {
                c->best_method--;
                log_info("%s: %s has no %s; using %s", c->db_name,
                         conn_get_name(c->conn), method_names[c->best_method + 1],
                         method_names[c->best_method]);
                send_monitor(c);
            } else {
                log_warn("%s: monitor refused by %s: %s", c->db_name,
                         conn_get_name(c->conn), e);
                client_disconnect(c, NULL);
            }
            break;
        }
        handle_monitor_reply(c, msg->result);
        break;
    case R_COND_CHANGE:
        free(c->old_monitor_id);
        c->old_monitor_id = NULL;
        if (is_error) {
            log_warn("%s: monitor_cond_change refused: %s; monitoring again",
                     c->db_name, error_text(msg->error));
            monitor_again(c);
        }
        break;
    case R_TRANSACT:
        if (p->txn) {
            struct ovsdb_client_txn *txn = p->txn;
            if (is_error) {
                char *s = json_dumps(msg->error, JSON_COMPACT | JSON_ENCODE_ANY);
                txn_finish(txn, OVSDB_CLIENT_TXN_ERROR, s);
                free(s);
            } else {
                const json_t *result = msg->result;
                enum ovsdb_client_txn_status status = OVSDB_CLIENT_TXN_SUCCESS;
                char *text = NULL;
                size_t i;
                json_t *r;
                json_array_foreach (result, i, r) {
                    const json_t *e = json_object_get(r, "error");
                    if (!e) {
                        continue;
                    }
                    const char *tag = json_string_value(e);
                    const char *details = json_string_value(json_object_get(r, "details"));
                    if (tag && !strcmp(tag, "timed out")) {
                        status = OVSDB_CLIENT_TXN_TRY_AGAIN;
                    } else {
                        status = OVSDB_CLIENT_TXN_ERROR;
                    }
                    text = xasprintf("%s%s%s", tag ? tag : "error",
                                     details ? ": " : "", details ? details : "");
                    break;
                }
                if (status == OVSDB_CLIENT_TXN_SUCCESS) {
                    for (size_t k = 0; k < txn->n_inserts; k++) {
                        const json_t *u = json_array_get(json_object_get(
                            json_array_get(result, txn->insert_ops[k]), "uuid"), 1);
                        if (json_is_string(u)) {
                            uuid_from_string(&txn->insert_uuids[k], json_string_value(u));
                        }
                    }
                }
                txn_finish(txn, status, text);
                free(text);
            }
        }
        break;
    case R_LOCK: {
        struct client_lock *l = find_lock(c, p->lock_name);
        if (l && !is_error) {
            set_lock_held(c, l, json_is_true(json_object_get(msg->result, "locked")));
        } else if (l) {
            log_warn("%s: lock %s refused: %s", c->db_name, l->name,
                     error_text(msg->error));
        }
        break;
    }
    case R_UNLOCK:
    case R_CANCEL:
        break;
    }
    pending_destroy(p);
}

static void
handle_notify(struct ovsdb_client *c, struct jsonrpc_msg *msg)
{
    const char *m = msg->method;
    const json_t *params = msg->params;

    if (!strcmp(m, "update") || !strcmp(m, "update2") || !strcmp(m, "update3")) {
        const json_t *id = json_array_get(params, 0);
        int version = m[6] ? m[6] - '0' : 1;
        if (json_is_array(id) && json_is_string(json_array_get(id, 0))
            && !strcmp(json_string_value(json_array_get(id, 0)), "server-mon")) {
            handle_server_rows(c, json_array_get(params, 1), false);
            return;
        }
        const char *ids = json_string_value(id);
        if (!ids || !c->db || !c->monitor_id
            || (strcmp(ids, c->monitor_id)
                && (!c->old_monitor_id || strcmp(ids, c->old_monitor_id)))) {
            return;             /* A cancelled monitor's update. */
        }
        const json_t *updates = json_array_get(params, version == 3 ? 2 : 1);
        struct ovsdb_error *error = apply_updates(c, updates, version);
        if (!error && version == 3) {
            const json_t *last = json_array_get(params, 1);
            struct uuid u;
            if (json_is_string(last) && uuid_from_string(&u, json_string_value(last))) {
                c->last_txn_id = u;
                c->have_last_txn_id = true;
            }
        }
        if (error) {
            char *s = ovsdb_error_to_string(error);
            log_warn("%s: bad update from %s (%s); resynchronizing", c->db_name,
                     conn_get_name(c->conn), s);
            free(s);
            ovsdb_error_destroy(error);
            c->have_last_txn_id = false;
            client_disconnect(c, "bad update");
            return;
        }
        if (c->cbs.changed) {
            c->cbs.changed(c->aux);
        }
    } else if (!strcmp(m, "locked") || !strcmp(m, "stolen")) {
        const json_t *name = json_array_get(params, 0);
        struct client_lock *l = json_is_string(name)
                                ? find_lock(c, json_string_value(name)) : NULL;
        if (l) {
            set_lock_held(c, l, !strcmp(m, "locked"));
        }
    }
}

static void
on_msg(struct conn *conn, struct jsonrpc_msg *msg, void *aux)
{
    struct ovsdb_client *c = aux;
    if (conn != c->conn) {
        jsonrpc_msg_destroy(msg);
        return;
    }
    if (msg->type == JSONRPC_REPLY || msg->type == JSONRPC_ERROR) {
        handle_reply(c, msg);
    } else if (msg->type == JSONRPC_NOTIFY) {
        handle_notify(c, msg);
    } else {
        /* Servers send no requests but echo, which conn answers. */
        log_debug("%s: ignoring request %s", c->db_name, msg->method);
    }
    jsonrpc_msg_destroy(msg);
}

static void
on_connected(struct conn *conn, void *aux)
{
    struct ovsdb_client *c = aux;
    c->stats.n_connects++;
    c->best_method = 3;         /* Each server is asked anew. */
    log_attempt(c, log_info, "%s: connected to %s", c->db_name, conn_get_name(conn));
    if (c->leader_only) {
        c->state = S_SERVER;
        json_t *req = json_pack("{s [{s [s s s s s s] s [[s s s]]}]}", "Database",
                                "columns", "name", "model", "connected", "leader",
                                "cid", "index", "where", "name", "==", c->db_name);
        send_request(c, "monitor_cond",
                     json_pack("[s [s] o]", "_Server", "server-mon", req),
                     R_SERVER_MONITOR, NULL, NULL);
    } else {
        c->state = S_SCHEMA;
        send_request(c, "get_schema", json_pack("[s]", c->db_name), R_SCHEMA,
                     NULL, NULL);
    }
}

/* A passive session's timer: first the start, on the next loop turn
 * (PASSIVE_START_MS); then a deadline for the sync (PASSIVE_SYNC_MS), after
 * which the connection is dropped and the server dials again, so that a peer
 * that lost our first requests (a server that does not yet know its dial
 * completed, as seam's conn.c did before test_peer_speaks_first) cannot hold
 * a dead session. */
#define PASSIVE_START_MS 0
#define PASSIVE_SYNC_MS 3000

static void
passive_timer(struct ovsdb_client *c)
{
    if (!c->conn) {
        return;
    }
    if (c->state == S_CONNECTING) {
        struct timeval tv = { PASSIVE_SYNC_MS / 1000, (PASSIVE_SYNC_MS % 1000) * 1000 };
        on_connected(c->conn, c);
        evtimer_add(c->timer, &tv);
    } else if (c->state != S_SYNCED) {
        client_disconnect(c, "the server did not answer in time");
    }
}

static void
on_timer(evutil_socket_t fd, short what, void *aux)
{
    struct ovsdb_client *c = aux;
    if (c->passive) {
        passive_timer(c);
        return;
    }
    client_connect(aux);
}

/* Remembers why the current attempt failed, for
 * ovsdb_client_get_last_error(). */
static void
set_last_error(struct ovsdb_client *c, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    free(c->last_error);
    c->last_error = xvasprintf(format, args);
    va_end(args);
}

static void
schedule_reconnect(struct ovsdb_client *c)
{
    c->state = S_BACKOFF;
    if (c->passive) {
        return;                 /* The peer dials again, not us. */
    }
    c->backoff_ms = c->backoff_ms ? MIN(c->backoff_ms * 2, c->max_backoff_ms)
                                  : c->min_backoff_ms;
    struct timeval tv = { c->backoff_ms / 1000, (c->backoff_ms % 1000) * 1000 };
    evtimer_add(c->timer, &tv);
}

/* Everything that depended on the connection ends. */
static void
connection_lost(struct ovsdb_client *c)
{
    bool was_synced = c->state == S_SYNCED;
    if (!was_synced && !c->passive) {
        c->n_failures++;
        if (c->n_failures == 1) {
            log_info("%s: %s keeps failing; retrying every %d ms at most, "
                     "logged again once it syncs", c->db_name,
                     c->remotes[c->remote_idx], c->max_backoff_ms);
            if (c->cbs.state && !c->stats.n_syncs) {
                /* Never synced, so never told of a loss: say it once. */
                c->cbs.state(c->aux, false);
            }
        }
    }
    struct pending *p;
    HMAP_FOR_EACH_POP (p, node, &c->pending) {
        pending_destroy(p);
    }
    struct ovsdb_client_txn *txn;
    LIST_FOR_EACH (txn, node, &c->txns) {
        txn_finish(txn, OVSDB_CLIENT_TXN_TRY_AGAIN, "connection lost before the "
                   "answer: the transaction may or may not have committed");
    }
    struct client_lock *l;
    LIST_FOR_EACH (l, node, &c->locks) {
        set_lock_held(c, l, false);
    }
    c->conn = NULL;
    free(c->old_monitor_id);
    c->old_monitor_id = NULL;
    c->remote_idx = (c->remote_idx + 1) % c->n_remotes;
    if (c->passive) {
        c->closed = true;
        was_synced = true;      /* The owner is told even before a sync. */
    }
    if (was_synced && c->cbs.state) {
        c->cbs.state(c->aux, false);
    }
}

static void
on_closed(struct conn *conn, int error, void *aux)
{
    struct ovsdb_client *c = aux;
    if (conn != c->conn) {
        return;                 /* Already given up on by client_disconnect(). */
    }
    log_attempt(c, log_info, "%s: connection to %s closed (%s)", c->db_name,
                conn_get_name(conn), error ? strerror(error) : "end of stream");
    set_last_error(c, "%s: %s", conn_get_name(conn),
                   error ? strerror(error) : "closed by the peer");
    connection_lost(c);
    schedule_reconnect(c);
}

static const struct conn_callbacks client_conn_callbacks = {
    .on_msg = on_msg,
    .on_connected = on_connected,
    .on_closed = on_closed,
};

static void
client_connect(struct ovsdb_client *c)
{
    const char *remote = c->remotes[c->remote_idx];
    struct conn *conn;
    int err = conn_open(c->base, remote, c->ssl_ctx, &client_conn_callbacks, c, &conn);
    if (err) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        log_warn_rl(&rl, "%s: cannot connect to %s (%s)", c->db_name, remote,
                    strerror(-err));
        set_last_error(c, "%s: %s", remote, strerror(-err));
        c->remote_idx = (c->remote_idx + 1) % c->n_remotes;
        schedule_reconnect(c);
        return;
    }
    c->conn = conn;
    c->state = S_CONNECTING;
    /* Nothing keeps a message's JSON past its handling (the replica copies
     * what it needs), so messages may be parsed into arenas: a big initial
     * reply then costs no per-node malloc and is freed in one piece. */
    conn_use_arena(conn, true);
    if (c->probe_ms > 0) {
        conn_set_probe_interval(conn, c->probe_ms);
    }
}

/* Drops the connection and reconnects after the backoff ('why' is logged
 * when nonnull). */
static void
client_disconnect(struct ovsdb_client *c, const char *why)
{
    struct conn *conn = c->conn;
    if (!conn) {
        return;
    }
    if (why) {
        log_attempt(c, log_warn, "%s: dropping %s: %s", c->db_name,
                    conn_get_name(conn), why);
        set_last_error(c, "%s: %s", conn_get_name(conn), why);
    }
    connection_lost(c);
    conn_close(conn);
    schedule_reconnect(c);
}

/* Returns a new client with the settings of 'o' but its remotes, its SSL
 * context and its connection; ovsdb_client_create() and
 * ovsdb_client_create_accepted() fill those. */
static struct ovsdb_client *
client_alloc(struct event_base *base, const struct ovsdb_client_options *o,
             const struct ovsdb_client_callbacks *cbs, void *aux)
{
    struct ovsdb_client *c = xzalloc(sizeof *c);
    c->base = base;
    c->db_name = xstrdup(o->db_name);
    c->probe_ms = o->probe_ms;
    c->min_backoff_ms = MAX(o->min_backoff_ms, 1);
    c->max_backoff_ms = MAX(o->max_backoff_ms, c->min_backoff_ms);
    c->leader_only = o->leader_only;
    if (cbs) {
        c->cbs = *cbs;
    }
    c->aux = aux;
    c->best_method = 3;
    hmap_init(&c->pending);
    list_init(&c->locks);
    list_init(&c->txns);
    c->timer = evtimer_new(base, on_timer, c);
    return c;
}

struct ovsdb_client *
ovsdb_client_create(struct event_base *base, const struct ovsdb_client_options *o,
                    const struct ovsdb_client_callbacks *cbs, void *aux)
{
    struct ovsdb_client *c = client_alloc(base, o, cbs, aux);
    for (const char *const *r = o->remotes; r && *r; r++) {
        c->remotes = xrealloc(c->remotes, (c->n_remotes + 1) * sizeof *c->remotes);
        c->remotes[c->n_remotes++] = xstrdup(*r);
    }
    if (!c->n_remotes) {
        util_abort("ovsdb_client_create: no remote");
    }
    c->ssl_ctx = o->ssl_ctx;
    client_connect(c);
    return c;
}

struct ovsdb_client *
ovsdb_client_create_accepted(struct event_base *base, struct conn *conn,
                             const struct ovsdb_client_options *o,
                             const struct ovsdb_client_callbacks *cbs, void *aux)
{
    struct ovsdb_client *c = client_alloc(base, o, cbs, aux);
    c->remotes = xmalloc(sizeof *c->remotes);
    c->remotes[0] = xstrdup(conn_get_name(conn));
    c->n_remotes = 1;
    c->passive = true;
    c->conn = conn;
    conn_set_callbacks(conn, &client_conn_callbacks, c);
    conn_use_arena(conn, true);
    if (c->probe_ms > 0) {
        conn_set_probe_interval(conn, c->probe_ms);
    }
    c->state = S_CONNECTING;
    struct timeval tv = { 0, PASSIVE_START_MS * 1000 };
    evtimer_add(c->timer, &tv);
    return c;
}

bool
ovsdb_client_is_closed(const struct ovsdb_client *c)
{
    return c->closed;
}

const char *
ovsdb_client_get_last_error(const struct ovsdb_client *c)
{
    return c->last_error;
}

void
ovsdb_client_destroy(struct ovsdb_client *c)
{
    if (!c) {
        return;
    }
    if (c->passive) {
        c->cbs.state = NULL;    /* Not told of its own end. */
    }
    struct conn *conn = c->conn;
    connection_lost(c);
    if (conn) {
        static const struct conn_callbacks none;
        conn_set_callbacks(conn, &none, NULL);
        conn_close(conn);
    }
    struct ovsdb_client_txn *txn;
    LIST_FOR_EACH (txn, node, &c->txns) {
        list_remove(&txn->node);
        txn->in_flight = false;
        txn->client = NULL;
    }
    struct client_lock *l;
    LIST_FOR_EACH_POP (l, node, &c->locks) {
        free(l->name);
        free(l);
    }
    replica_destroy(c);
    hmap_destroy(&c->pending);
    for (size_t i = 0; i < c->n_reqs; i++) {
        struct table_req *r = &c->reqs[i];
        free(r->name);
        for (size_t j = 0; j < r->n_columns; j++) {
            free(r->columns[j]);
        }
        free(r->columns);
        json_decref(r->condition);
    }
    free(c->reqs);
    for (size_t i = 0; i < c->n_remotes; i++) {
        free(c->remotes[i]);
    }
    free(c->remotes);
    free(c->monitor_id);
    free(c->old_monitor_id);
    free(c->last_error);
    free(c->db_name);
    event_free(c->timer);
    free(c);
}

static struct table_req *
get_req(struct ovsdb_client *c, const char *table)
{
    for (size_t i = 0; i < c->n_reqs; i++) {
        if (!strcmp(c->reqs[i].name, table)) {
            return &c->reqs[i];
        }
    }
    c->reqs = xrealloc(c->reqs, (c->n_reqs + 1) * sizeof *c->reqs);
    struct table_req *r = &c->reqs[c->n_reqs++];
    memset(r, 0, sizeof *r);
    r->name = xstrdup(table);
    return r;
}

static bool
table_known(const struct ovsdb_client *c, const char *table)
{
    return !c->db || ovsdb_db_find_table(c->db, table);
}

int
ovsdb_client_add_table(struct ovsdb_client *c, const char *table,
                       const char *const *columns)
{
    if (!table_known(c, table)) {
        return -EINVAL;
    }
    struct table_req *r = get_req(c, table);
    if (!r->named) {
        r->named = true;
        c->n_named++;
    }
    for (size_t j = 0; j < r->n_columns; j++) {
        free(r->columns[j]);
    }
    free(r->columns);
    r->columns = NULL;
    r->n_columns = 0;
    for (const char *const *col = columns; col && *col; col++) {
        r->columns = xrealloc(r->columns, (r->n_columns + 1) * sizeof *r->columns);
        r->columns[r->n_columns++] = xstrdup(*col);
    }
    if (c->state == S_SYNCED) {
        monitor_again(c);       /* A new monitor replaces the old one. */
    }
    return 0;
}

int
ovsdb_client_set_condition(struct ovsdb_client *c, const char *table,
                           const json_t *condition)
{
    if (!table_known(c, table) || (condition && !json_is_array(condition))) {
        return -EINVAL;
    }
    struct table_req *r = get_req(c, table);
    json_decref(r->condition);
    r->condition = condition ? json_deep_copy(condition) : NULL;
    if (c->state != S_SYNCED) {
        return 0;
    }
    if (!r->in_monitor) {
        if (!c->n_named) {
            /* Replicating every table, this one too: a new monitor. */
            monitor_again(c);
        }
        /* Else the table is not replicated: the condition waits for
         * ovsdb_client_add_table(). */
        return 0;
    }
    if (c->method == 1) {
        log_warn("%s: %s has no conditional monitors; replicating all rows",
                 c->db_name, conn_get_name(c->conn));
        return 0;
    }
    /* Rows entering or leaving the condition arrive as ordinary updates. */
    char *new_id = xasprintf("seam-%llu", ++c->monitor_seq);
    json_t *where = condition ? json_deep_copy(condition) : json_pack("[b]", 1);
    json_t *params = json_pack("[s s {s [{s o}]}]", c->monitor_id, new_id,
                               table, "where", where);
    free(c->old_monitor_id);
    c->old_monitor_id = c->monitor_id;
    c->monitor_id = new_id;
    send_request(c, "monitor_cond_change", params, R_COND_CHANGE, NULL, NULL);
    return 0;
}

bool
ovsdb_client_is_synced(const struct ovsdb_client *c)
{
    return c->state == S_SYNCED;
}

const char *
ovsdb_client_get_remote(const struct ovsdb_client *c)
{
    return c->conn ? conn_get_name(c->conn) : NULL;
}

const struct ovsdb_db *
ovsdb_client_get_db(const struct ovsdb_client *c)
{
    return c->db;
}

const struct ovsdb_table *
ovsdb_client_get_table(const struct ovsdb_client *c, const char *name)
{
    return c->db ? ovsdb_db_find_table(c->db, name) : NULL;
}

const struct ovsdb_row *
ovsdb_client_get_row(const struct ovsdb_client *c, const char *table,
                     const struct uuid *u)
{
    const struct ovsdb_table *t = ovsdb_client_get_table(c, table);
    return t ? ovsdb_table_get_row(t, u) : NULL;
}

void
ovsdb_client_get_stats(const struct ovsdb_client *c, struct ovsdb_client_stats *s)
{
    *s = c->stats;
    s->method = c->method ? method_names[c->method] : "none";
}

/* Transactions. */

const char *
ovsdb_client_txn_status_to_string(enum ovsdb_client_txn_status s)
{
    switch (s) {
    case OVSDB_CLIENT_TXN_INCOMPLETE: return "incomplete";
    case OVSDB_CLIENT_TXN_SUCCESS: return "success";
    case OVSDB_CLIENT_TXN_TRY_AGAIN: return "try again";
    case OVSDB_CLIENT_TXN_ERROR: return "error";
    }
    return "unknown";
}

struct ovsdb_client_txn *
ovsdb_client_txn_create(struct ovsdb_client *c)
{
    struct ovsdb_client_txn *txn = xzalloc(sizeof *txn);
    txn->client = c;
    txn->ops = json_array();
    list_init(&txn->node);
    return txn;
}

void
ovsdb_client_txn_destroy(struct ovsdb_client_txn *txn)
{
    if (!txn) {
        return;
    }
    if (txn->in_flight && txn->client) {
        list_remove(&txn->node);
        /* Its answer, if any comes, finds no transaction. */
        struct pending *p;
        HMAP_FOR_EACH (p, node, &txn->client->pending) {
            if (p->txn == txn) {
                p->txn = NULL;
            }
        }
    }
    json_decref(txn->ops);
    for (size_t i = 0; i < txn->n_inserts; i++) {
        free(txn->insert_names[i]);
    }
    free(txn->insert_names);
    free(txn->insert_ops);
    free(txn->insert_uuids);
    free(txn->error);
    free(txn);
}

static json_t *
where_uuid(const struct uuid *u)
{
    char s[UUID_LEN + 1];
    uuid_to_string(u, s);
    return json_pack("[[s s [s s]]]", "_uuid", "==", "uuid", s);
}

const char *
ovsdb_client_txn_insert(struct ovsdb_client_txn *txn, const char *table, json_t *row)
{
    size_t n = txn->n_inserts++;
    txn->insert_names = xrealloc(txn->insert_names, txn->n_inserts * sizeof(char *));
    txn->insert_ops = xrealloc(txn->insert_ops, txn->n_inserts * sizeof(size_t));
    txn->insert_uuids = xrealloc(txn->insert_uuids, txn->n_inserts * sizeof(struct uuid));
    txn->insert_names[n] = xasprintf("row%zu", n);
    txn->insert_ops[n] = json_array_size(txn->ops);
    uuid_zero(&txn->insert_uuids[n]);
    json_array_append_new(txn->ops, json_pack("{s s s s s o s s}", "op", "insert",
                                              "table", table, "row",
                                              row ? row : json_object(),
                                              "uuid-name", txn->insert_names[n]));
    return txn->insert_names[n];
}

int
ovsdb_client_txn_update(struct ovsdb_client_txn *txn, const char *table,
                        const struct uuid *u, json_t *row)
{
    json_array_append_new(txn->ops, json_pack("{s s s s s o s o}", "op", "update",
                                              "table", table, "where", where_uuid(u),
                                              "row", row));
    return 0;
}

int
ovsdb_client_txn_mutate(struct ovsdb_client_txn *txn, const char *table,
                        const struct uuid *u, const char *column, bool add,
                        json_t *value)
{
    json_array_append_new(txn->ops, json_pack("{s s s s s o s [[s s o]]}", "op",
                                              "mutate", "table", table, "where",
                                              where_uuid(u), "mutations", column,
                                              add ? "insert" : "delete", value));
    return 0;
}

int
ovsdb_client_txn_delete(struct ovsdb_client_txn *txn, const char *table,
                        const struct uuid *u)
{
    json_array_append_new(txn->ops, json_pack("{s s s s s o}", "op", "delete",
                                              "table", table, "where", where_uuid(u)));
    return 0;
}

static bool
column_replicated(const struct ovsdb_client *c, const char *table, const char *column)
{
    const struct table_req *req = find_req(c, table);
    if (c->n_named && !(req && req->named)) {
        return false;
    }
    if (!req || !req->columns) {
        return true;
    }
    for (size_t i = 0; i < req->n_columns; i++) {
        if (!strcmp(req->columns[i], column)) {
            return true;
        }
    }
    return false;
}

int
ovsdb_client_txn_verify(struct ovsdb_client_txn *txn, const char *table,
                        const struct uuid *u, const char *column)
{
    const struct ovsdb_client *c = txn->client;
    const struct ovsdb_table *t = ovsdb_client_get_table(c, table);
    const struct ovsdb_row *row = t ? ovsdb_table_get_row(t, u) : NULL;
    if (!row) {
        return t ? -ENOENT : -EINVAL;
    }
    json_t *columns = json_array(), *expect = json_object();
    if (column) {
        const struct ovsdb_column *col = ovsdb_table_schema_find_column(t->schema, column);
        if (!col || !column_replicated(c, table, column)) {
            /* A column not replicated has no value to verify. */
            json_decref(columns);
            json_decref(expect);
            return -EINVAL;
        }
        json_array_append_new(columns, json_string(column));
        json_object_set_new(expect, column,
                            ovsdb_datum_to_json(&row->fields[col->index], &col->type));
    }
    json_array_append_new(txn->ops, json_pack("{s s s s s o s i s o s s s [o]}", "op",
                                              "wait", "table", table, "where",
                                              where_uuid(u), "timeout", 0, "columns",
                                              columns, "until", "==", "rows", expect));
    return 0;
}

void
ovsdb_client_txn_add_op(struct ovsdb_client_txn *txn, json_t *op)
{
    json_array_append_new(txn->ops, op);
}

void
ovsdb_client_txn_add_comment(struct ovsdb_client_txn *txn, const char *comment)
{
    json_array_append_new(txn->ops, json_pack("{s s s s}", "op", "comment",
                                              "comment", comment));
}

static void
txn_finish(struct ovsdb_client_txn *txn, enum ovsdb_client_txn_status status,
           const char *error)
{
    if (txn->in_flight) {
        list_remove(&txn->node);
        txn->in_flight = false;
    }
    txn->status = status;
    free(txn->error);
    txn->error = error ? xstrdup(error) : NULL;
    if (txn->done) {
        txn->done(txn->done_aux, txn);
    }
}

int
ovsdb_client_txn_commit(struct ovsdb_client_txn *txn,
                        ovsdb_client_txn_done_func *done, void *aux)
{
    struct ovsdb_client *c = txn->client;
    txn->done = done;
    txn->done_aux = aux;
    if (!c || c->state != S_SYNCED) {
        txn_finish(txn, OVSDB_CLIENT_TXN_TRY_AGAIN, "not connected");
        return -ENOTCONN;
    }
    json_t *params = json_array();
    json_array_append_new(params, json_string(c->db_name));
    json_array_extend(params, txn->ops);
    txn->status = OVSDB_CLIENT_TXN_INCOMPLETE;
    txn->in_flight = true;
    list_push_back(&c->txns, &txn->node);
    send_request(c, "transact", params, R_TRANSACT, txn, NULL);
    return 0;
}

enum ovsdb_client_txn_status
ovsdb_client_txn_get_status(const struct ovsdb_client_txn *txn)
{
    return txn->status;
}

const char *
ovsdb_client_txn_get_error(const struct ovsdb_client_txn *txn)
{
    return txn->error;
}

bool
ovsdb_client_txn_get_insert_uuid(const struct ovsdb_client_txn *txn,
                                 const char *name, struct uuid *u)
{
    for (size_t i = 0; i < txn->n_inserts; i++) {
        if (!strcmp(txn->insert_names[i], name)) {
            *u = txn->insert_uuids[i];
            return txn->status == OVSDB_CLIENT_TXN_SUCCESS;
        }
    }
    return false;
}

enum ovsdb_client_txn_status
ovsdb_client_txn_commit_block(struct ovsdb_client_txn *txn)
{
    struct ovsdb_client *c = txn->client;
    if (ovsdb_client_txn_commit(txn, NULL, NULL)) {
        return txn->status;
    }
    while (txn->status == OVSDB_CLIENT_TXN_INCOMPLETE) {
        event_base_loop(c->base, EVLOOP_ONCE);
    }
    return txn->status;
}

static void
on_wait_timeout(evutil_socket_t fd, short what, void *flag)
{
    *(bool *) flag = true;
}

bool
ovsdb_client_wait_synced(struct ovsdb_client *c, int timeout_ms)
{
    bool expired = false;
    struct event *timer = evtimer_new(c->base, on_wait_timeout, &expired);
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    evtimer_add(timer, &tv);
    while (c->state != S_SYNCED && !expired) {
        event_base_loop(c->base, EVLOOP_ONCE);
    }
    event_free(timer);
    return c->state == S_SYNCED;
}

enum ovsdb_client_txn_status
ovsdb_client_transact_retry(struct ovsdb_client *c, ovsdb_client_txn_build_func *build,
                            ovsdb_client_txn_done_func *done, void *aux,
                            int max_tries, char **errorp)
{
    enum ovsdb_client_txn_status status = OVSDB_CLIENT_TXN_TRY_AGAIN;
    if (errorp) {
        *errorp = NULL;
    }
    for (int i = 0; i < max_tries && status == OVSDB_CLIENT_TXN_TRY_AGAIN; i++) {
        if (!ovsdb_client_wait_synced(c, 10000)) {
            continue;
        }
        struct ovsdb_client_txn *txn = ovsdb_client_txn_create(c);
        if (!build(aux, txn)) {
            ovsdb_client_txn_destroy(txn);
            return OVSDB_CLIENT_TXN_SUCCESS;
        }
        status = ovsdb_client_txn_commit_block(txn);
        if (errorp) {
            free(*errorp);
            *errorp = txn->error ? xstrdup(txn->error) : NULL;
        }
        if (done && status != OVSDB_CLIENT_TXN_TRY_AGAIN) {
            done(aux, txn);
        }
        ovsdb_client_txn_destroy(txn);
    }
    return status;
}

/* Locks. */

int
ovsdb_client_lock(struct ovsdb_client *c, const char *name, bool steal)
{
    if (!ovsdb_id_is_valid(name)) {
        return -EINVAL;
    }
    struct client_lock *l = find_lock(c, name);
    if (!l) {
        l = xzalloc(sizeof *l);
        l->name = xstrdup(name);
        list_push_back(&c->locks, &l->node);
    } else if (l->held) {
        return 0;
    }
    l->steal = steal;
    if (c->state == S_SYNCED) {
        send_lock(c, l);
    }
    return 0;
}

int
ovsdb_client_unlock(struct ovsdb_client *c, const char *name)
{
    struct client_lock *l = find_lock(c, name);
    if (!l) {
        return -ENOENT;
    }
    if (c->state == S_SYNCED) {
        send_request(c, "unlock", json_pack("[s]", name), R_UNLOCK, NULL, NULL);
    }
    set_lock_held(c, l, false);
    list_remove(&l->node);
    free(l->name);
    free(l);
    return 0;
}

bool
ovsdb_client_has_lock(const struct ovsdb_client *c, const char *name)
{
    const struct client_lock *l = find_lock(c, name);
    return l && l->held;
}
