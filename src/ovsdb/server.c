/* ovsdb server: see server.h. */
#include "ovsdb/server.h"

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "lib/hmap.h"
#include "lib/list.h"
#include "lib/log.h"
#include "ovsdb/conn.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/execution.h"
#include "ovsdb/jsonarena.h"
#include "ovsdb/jsonrpc.h"
#include "ovsdb/jsonw.h"
#include "ovsdb/monitor.h"
#include "ovsdb/schema.h"
#include "ovsdb/storage.h"
#include "ovsdb/txn.h"

LOG_MODULE(server);

/* The schema of the "_Server" database, as ovsdb-server 3.1 reports it. */
static const char server_schema_json[] =
    "{\"name\":\"_Server\",\"version\":\"1.2.0\",\"cksum\":\"3009684573 744\","
    "\"tables\":{\"Database\":{\"columns\":{"
    "\"name\":{\"type\":\"string\"},"
    "\"model\":{\"type\":{\"key\":{\"type\":\"string\",\"enum\":[\"set\","
    "[\"clustered\",\"relay\",\"standalone\"]]}}},"
    "\"connected\":{\"type\":\"boolean\"},"
    "\"leader\":{\"type\":\"boolean\"},"
    "\"schema\":{\"type\":{\"key\":\"string\",\"min\":0}},"
    "\"cid\":{\"type\":{\"key\":\"uuid\",\"min\":0}},"
    "\"sid\":{\"type\":{\"key\":\"uuid\",\"min\":0}},"
    "\"index\":{\"type\":{\"key\":\"integer\",\"min\":0}}}}}}";

#define DEFAULT_MAX_BACKLOG (128 * 1024 * 1024)

struct served_db {
    struct ovsdb_db *db;
    const char *name;           /* db->schema->name. */
    unsigned long long seen_txns;   /* db->n_txns when its triggers last ran. */
};

struct lock_waiter {
    struct list lock_node;      /* In lock->waiters; the front owns it. */
    struct list session_node;   /* In session->waiters. */
    struct ovsdb_lock *lock;
    struct ovsdb_session *session;
};

struct ovsdb_lock {
    struct hmap_node node;      /* In server->locks, by name. */
    char *name;
    struct list waiters;
};

struct trigger {
    struct list node;           /* In session->triggers. */
    struct ovsdb_session *session;
    struct served_db *sdb;
    json_t *id;
    json_t *ops;
    bool ops_are_text;          /* See ovsdb_execute_text(). */
    long long created_ms;
    struct event *timer;
};

struct ovsdb_session {
    struct list node;           /* In server->sessions. */
    struct ovsdb_server *server;
    char *name;
    ovsdb_session_send_func *send;
    ovsdb_session_send_raw_func *send_raw;
    void *aux;
    struct list monitors;       /* "struct session_monitor"s. */
    struct list waiters;        /* "struct lock_waiter"s. */
    struct list triggers;       /* "struct trigger"s. */
    struct conn *conn;          /* When attached to a connection. */
    struct remote *remote;      /* The active remote that dialed it, or NULL. */
};

struct session_monitor {
    struct list node;
    struct ovsdb_monitor *monitor;
};

/* A remote: passive (a listener) or active (a connection this server
 * dials, and dials again with backoff when it drops). */
struct remote {
    struct list node;               /* In server->remotes. */
    struct ovsdb_server *server;
    char *name;
    SSL_CTX *ssl_ctx;               /* Borrowed. */
    bool from_db;                   /* From a "db:" remote's column. */
    bool seen;                      /* Still listed (during a refresh). */
    struct listener *listener;      /* Passive. */
    struct conn *connecting;        /* Active, not yet connected. */
    struct ovsdb_session *session;  /* Active, connected. */
    struct event *timer;            /* Active: the next attempt. */
    int backoff_ms;
    int last_error;                 /* Active: errno of the last failure. */
};

/* "db:DB,TABLE,COLUMN": remotes named by a column of a database. */
struct db_remote {
    struct list node;
    char *db, *table, *column;
};

struct ovsdb_server {
    struct event_base *base;
    struct served_db *dbs;
    size_t n_dbs;
    struct ovsdb_db *server_db;     /* "_Server". */
    struct hmap locks;
    struct list sessions;
    struct list remotes;
    struct list db_remotes;         /* "struct db_remote"s. */
    SSL_CTX *db_remote_ssl;         /* For pssl: targets of db remotes. */
    SSL_CTX *db_remote_ssl_client;  /* For ssl: targets of db remotes. */
    struct event *status_timer;     /* Writes the db remotes' status. */
    struct event *commit_event;     /* Runs process_commits() (NULL without
                                     * an event base). */
    bool committed;                 /* A served db committed since the last
                                     * process_commits(). */
    bool processing;                /* In process_commits(). */
    struct uuid server_id;
    size_t max_backlog;
    int probe_ms;
};

static void run_triggers(struct ovsdb_server *, struct served_db *);
static void refresh_db_remotes(struct ovsdb_server *);
static void process_commits(struct ovsdb_server *);
static void on_db_commit(void *server_);
static void commit_event_cb(evutil_socket_t, short, void *server_);

/* _Server. */

static void
server_db_add_row(struct ovsdb_server *server, const struct ovsdb_db *db)
{
    struct ovsdb_table *table = ovsdb_db_find_table(server->server_db, "Database");
    json_t *schema = ovsdb_schema_to_json(db->schema);
    char *schema_s = json_dumps(schema, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(schema);

    json_t *row_json = json_pack("{s s s s s b s b s s}", "name", db->schema->name,
                                 "model", "standalone", "connected", 1,
                                 "leader", 1, "schema", schema_s);
    free(schema_s);
    struct ovsdb_txn *txn = ovsdb_txn_create(server->server_db);
    struct ovsdb_row *row = ovsdb_row_create(table);
    uuid_generate(&row->fields[OVSDB_COL_UUID].keys[0].uuid);
    struct ovsdb_error *error = ovsdb_row_from_json(row, row_json, NULL, NULL);
    json_decref(row_json);
    if (!error) {
        ovsdb_txn_row_insert(txn, row);
        error = ovsdb_db_commit_txn(server->server_db, txn);
    } else {
        ovsdb_row_destroy(row);
        ovsdb_txn_abort(txn);
    }
    if (error) {
        char *s = ovsdb_error_to_string(error);
        log_err("cannot describe database %s in _Server: %s", db->schema->name, s);
        free(s);
        ovsdb_error_destroy(error);
    }
}

struct ovsdb_server *
ovsdb_server_create(struct event_base *base)
{
    struct ovsdb_server *server = xzalloc(sizeof *server);
    static bool raised;
    if (base && !raised) {
        raised = true;
        int err = conn_raise_fd_limit();
        if (err) {
            log_warn("cannot raise the open-file limit: %s", strerror(-err));
        }
    }
    server->base = base;
    hmap_init(&server->locks);
    list_init(&server->sessions);
    list_init(&server->remotes);
    list_init(&server->db_remotes);
    uuid_generate(&server->server_id);
    server->max_backlog = DEFAULT_MAX_BACKLOG;
    if (base) {
        server->commit_event = event_new(base, -1, 0, commit_event_cb, server);
    }

    json_t *json = json_loads(server_schema_json, 0, NULL);
    struct ovsdb_schema *schema;
    struct ovsdb_error *error = ovsdb_schema_from_json(json, &schema);
    json_decref(json);
    if (error) {
        util_abort("built-in _Server schema does not parse");
    }
    server->server_db = ovsdb_db_create(schema);
    server->server_db->read_only = true;
    server->dbs = xcalloc(1, sizeof *server->dbs);
    server->dbs[0].db = server->server_db;
    server->dbs[0].name = "_Server";
    server->n_dbs = 1;
    server_db_add_row(server, server->server_db);
    return server;
}

int
ovsdb_server_add_db(struct ovsdb_server *server, struct ovsdb_db *db)
{
    for (size_t i = 0; i < server->n_dbs; i++) {
        if (!strcmp(server->dbs[i].name, db->schema->name)) {
            return -EEXIST;
        }
    }
    /* Keep _Server last, as ovsdb-server lists it. */
    server->dbs = xrealloc(server->dbs, (server->n_dbs + 1) * sizeof *server->dbs);
    server->dbs[server->n_dbs] = server->dbs[server->n_dbs - 1];
    server->dbs[server->n_dbs - 1].db = db;
    server->dbs[server->n_dbs - 1].name = db->schema->name;
    server->dbs[server->n_dbs - 1].seen_txns = db->n_txns;
    server->n_dbs++;
    /* Every commit, whoever makes it (a session, the embedder, the status
     * of db: remotes), wakes triggers and db: remotes. */
    db->on_commit = on_db_commit;
    db->on_commit_aux = server;
    /* Sessions hold pointers into 'dbs' only through triggers and monitors,
     * and databases are added before any session exists. */
    server_db_add_row(server, db);
    return 0;
}

void ovsdb_server_set_max_backlog(struct ovsdb_server *s, size_t bytes) { s->max_backlog = bytes; }
void ovsdb_server_set_probe_interval(struct ovsdb_server *s, int msec) { s->probe_ms = msec; }
size_t ovsdb_server_n_sessions(const struct ovsdb_server *s) { return list_size(&s->sessions); }

static struct served_db *
find_db(struct ovsdb_server *server, const char *name)
{
    for (size_t i = 0; i < server->n_dbs; i++) {
        if (!strcmp(server->dbs[i].name, name)) {
            return &server->dbs[i];
        }
    }
    return NULL;
}

/* Sessions. */

struct ovsdb_session *
ovsdb_session_create(struct ovsdb_server *server, ovsdb_session_send_func *send,
                     void *aux, const char *name)
{
    struct ovsdb_session *s = xzalloc(sizeof *s);
    s->server = server;
    s->name = xstrdup(name);
    s->send = send;
    s->aux = aux;
    list_init(&s->monitors);
    list_init(&s->waiters);
    list_init(&s->triggers);
    list_push_back(&server->sessions, &s->node);
    return s;
}

static void send_raw(struct ovsdb_session *, char *text, size_t len);

/* Replies 'result' (takes ownership) to request 'id'. */
static void
reply(struct ovsdb_session *s, json_t *result, const json_t *id)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&out, "{\"id\":");
    jsonw_json(&out, id);
    ds_put_cstr(&out, ",\"result\":");
    jsonw_json(&out, result);
    ds_put_cstr(&out, ",\"error\":null}");
    json_decref(result);
    size_t len = out.length;
    send_raw(s, ds_steal_cstr(&out), len);
}

static void
reply_error(struct ovsdb_session *s, struct ovsdb_error *error, const json_t *id)
{
    s->send(s->aux, jsonrpc_create_error(ovsdb_error_to_json(error), id));
    ovsdb_error_destroy(error);
}

/* Sends serialized message 'text' (takes ownership). */
static void
send_raw(struct ovsdb_session *s, char *text, size_t len)
{
    if (s->send_raw) {
        s->send_raw(s->aux, text, len);
        return;
    }
    json_error_t jerr;
    json_t *json = json_loadb(text, len, 0, &jerr);
    struct jsonrpc_msg *msg = NULL;
    char *error = json ? jsonrpc_msg_from_json(json, &msg) : xstrdup(jerr.text);
    if (error) {
        log_err("%s: internal error: bad message (%s)", s->name, error);
        free(error);
    } else {
        s->send(s->aux, msg);
    }
    free(text);
}

void
ovsdb_session_set_send_raw(struct ovsdb_session *s, ovsdb_session_send_raw_func *f)
{
    s->send_raw = f;
}

static void
notify(struct ovsdb_session *s, const char *method, json_t *params)
{
    s->send(s->aux, jsonrpc_create_notify(method, params));
}

/* Locks. */

static struct lock_waiter *
find_waiter(struct ovsdb_session *s, const char *name)
{
    struct lock_waiter *w;
    LIST_FOR_EACH (w, session_node, &s->waiters) {
        if (!strcmp(w->lock->name, name)) {
            return w;
        }
    }
    return NULL;
}

static bool
waiter_is_owner(const struct lock_waiter *w)
{
    return w->lock->waiters.next == &w->lock_node;
}

static struct ovsdb_lock *
get_lock(struct ovsdb_server *server, const char *name)
{
    uint32_t hash = hash_string(name, 0);
    struct ovsdb_lock *lock;
    HMAP_FOR_EACH_WITH_HASH (lock, node, hash, &server->locks) {
        if (!strcmp(lock->name, name)) {
            return lock;
        }
    }
    lock = xzalloc(sizeof *lock);
    lock->name = xstrdup(name);
    list_init(&lock->waiters);
    hmap_insert(&server->locks, &lock->node, hash);
    return lock;
}

/* Removes 'w'; if it owned its lock, the next waiter gets it. */
static void
waiter_remove(struct ovsdb_server *server, struct lock_waiter *w)
{
    struct ovsdb_lock *lock = w->lock;
    bool was_owner = waiter_is_owner(w);
    list_remove(&w->lock_node);
    list_remove(&w->session_node);
    free(w);
    if (list_is_empty(&lock->waiters)) {
        hmap_remove(&server->locks, &lock->node);
        free(lock->name);
        free(lock);
    } else if (was_owner) {
        struct lock_waiter *next = container_of(lock->waiters.next,
                                                struct lock_waiter, lock_node);
        notify(next->session, "locked", json_pack("[s]", lock->name));
    }
}

static bool
session_has_lock(void *aux, const char *name)
{
    struct lock_waiter *w = find_waiter(aux, name);
    return w && waiter_is_owner(w);
}

static void
handle_lock(struct ovsdb_session *s, const struct jsonrpc_msg *req, int mode)
{
    /* mode: 0 lock, 1 steal, 2 unlock. */
    const json_t *name_json = json_array_get(req->params, 0);
    /* Errors in ovsdb-server's words (ovsdb/jsonrpc-server.c). */
    if (json_array_size(req->params) != 1 || !json_is_string(name_json)
        || !ovsdb_id_is_valid(json_string_value(name_json))) {
        reply_error(s, ovsdb_syntax_error(req->params, NULL, "%s request params must be "
                                   "<id>", req->method), req->id);
        return;
    }
    const char *name = json_string_value(name_json);
    struct lock_waiter *w = find_waiter(s, name);

    if (mode == 2) {
        if (!w) {
            reply_error(s, ovsdb_syntax_error(req->params, NULL, "unlock: \"unlock\" "
                                       "without \"lock\" or \"steal\""), req->id);
            return;
        }
        waiter_remove(s->server, w);
        reply(s, json_object(), req->id);
        return;
    }
    if (w) {
        /* Like ovsdb-server, "steal" as well as "lock" needs an "unlock"
         * first, even when the session already owns the lock. */
        reply_error(s, ovsdb_syntax_error(req->params, NULL, "must issue \"unlock\" "
                                   "before new \"%s\"", req->method), req->id);
        return;
    }
    if (w && waiter_is_owner(w)) {
        reply(s, json_pack("{s b}", "locked", 1), req->id);
        return;
    }
    if (w) {
        list_remove(&w->lock_node);
        list_remove(&w->session_node);
        free(w);
    }
    struct ovsdb_lock *lock = get_lock(s->server, name);
    w = xzalloc(sizeof *w);
    w->lock = lock;
    w->session = s;
    list_push_back(&s->waiters, &w->session_node);
    if (mode == 1) {
        struct lock_waiter *victim = list_is_empty(&lock->waiters) ? NULL
            : container_of(lock->waiters.next, struct lock_waiter, lock_node);
        list_push_front(&lock->waiters, &w->lock_node);
        if (victim) {
            notify(victim->session, "stolen", json_pack("[s]", name));
        }
    } else {
        list_push_back(&lock->waiters, &w->lock_node);
    }
    reply(s, json_pack("{s b}", "locked", waiter_is_owner(w)), req->id);
}

/* Transactions and triggers. */

static void
trigger_destroy(struct trigger *t)
{
    list_remove(&t->node);
    if (t->timer) {
        event_free(t->timer);
    }
    json_decref(t->id);
    json_decref(t->ops);
    free(t);
}

/* Runs 'ops' for the trigger or request; returns true if it completed (and
 * was answered).  'arena' is the request's (NULL for a trigger): the result
 * is built in it too, since it dies as soon as it is sent. */
static bool
try_transact(struct ovsdb_session *s, struct served_db *sdb, const json_t *ops,
             bool ops_are_text, const json_t *id, long long elapsed_ms,
             long long *timeout_msp, struct jsonarena *arena)
{
    struct ovsdb_exec_env env = { session_has_lock, s };
    struct ds out = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&out, "{\"id\":");
    jsonw_json(&out, id);
    ds_put_cstr(&out, ",\"result\":");
    jsonarena_resume(arena);
    bool done = ovsdb_execute_text(sdb->db, &env, ops, ops_are_text, elapsed_ms,
                                   timeout_msp, &out);
    jsonarena_end(arena);
    if (!done) {
        ds_destroy(&out);
        return false;
    }
    ds_put_cstr(&out, ",\"error\":null}");
    size_t len = out.length;
    send_raw(s, ds_steal_cstr(&out), len);
    /* Now, after the reply, as ovsdb-server answers waits it unblocked. */
    process_commits(s->server);
    return true;
}

static void trigger_timer_cb(evutil_socket_t fd, short what, void *t_);

static void
trigger_arm(struct trigger *t, long long timeout_ms)
{
    struct event_base *base = t->session->server->base;
    if (!base || timeout_ms == LLONG_MAX) {
        return;
    }
    if (!t->timer) {
        t->timer = evtimer_new(base, trigger_timer_cb, t);
    }
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    evtimer_add(t->timer, &tv);
}

static bool
trigger_run(struct trigger *t)
{
    long long timeout_ms;
    if (try_transact(t->session, t->sdb, t->ops, t->ops_are_text, t->id,
                     time_msec() - t->created_ms, &timeout_ms, NULL)) {
        return true;
    }
    trigger_arm(t, timeout_ms);
    return false;
}

static void
trigger_timer_cb(evutil_socket_t fd, short what, void *t_)
{
    struct trigger *t = t_;
    if (trigger_run(t)) {
        trigger_destroy(t);
    }
}

/* What follows a commit on a served database: its "wait" triggers run
 * again and the db: remotes are re-read.  Runs after a session's
 * transaction (once it is answered) and, for commits made outside any
 * session (the embedder's, the status of db: remotes), from the event loop
 * right after them. */
static void
process_commits(struct ovsdb_server *server)
{
    if (!server->committed || server->processing) {
        return;                 /* Nothing new, or the outer call sees it. */
    }
    server->processing = true;
    for (size_t i = 0; i < server->n_dbs; i++) {
        struct served_db *sdb = &server->dbs[i];
        if (sdb->db->n_txns != sdb->seen_txns) {
            run_triggers(server, sdb);
            sdb->seen_txns = sdb->db->n_txns;
        }
    }
    refresh_db_remotes(server);
    server->committed = false;
    server->processing = false;
}

static void
on_db_commit(void *server_)
{
    struct ovsdb_server *server = server_;
    server->committed = true;
    if (server->commit_event) {
        event_active(server->commit_event, EV_TIMEOUT, 0);
    }
}

static void
commit_event_cb(evutil_socket_t fd, short what, void *server_)
{
    process_commits(server_);
}

/* Re-executes every trigger on 'sdb' after a commit on it. */
static void
run_triggers(struct ovsdb_server *server, struct served_db *sdb)
{
    static int depth;
    if (depth) {
        return;                 /* The outer run loops until no commit. */
    }
    depth++;
    unsigned long long seen;
    do {
        seen = sdb->db->n_txns;
        struct ovsdb_session *s;
        LIST_FOR_EACH (s, node, &server->sessions) {
            struct trigger *t;
            LIST_FOR_EACH (t, node, &s->triggers) {
                if (t->sdb == sdb && trigger_run(t)) {
                    trigger_destroy(t);
                }
            }
        }
    } while (sdb->db->n_txns != seen);
    depth--;
}

static void
handle_transact(struct ovsdb_session *s, const struct jsonrpc_msg *req)
{
    const json_t *db_name = json_array_get(req->params, 0);
    if (!json_is_string(db_name)) {
        reply_error(s, ovsdb_syntax_error(req->params, NULL, "transact request params "
                                   "must begin with <db-name>"), req->id);
        return;
    }
    struct served_db *sdb = find_db(s->server, json_string_value(db_name));
    if (!sdb) {
        reply_error(s, ovsdb_syntax_error(req->params, "unknown database", "transact request "
                                   "specifies unknown database %s",
                                   json_string_value(db_name)), req->id);
        return;
    }
    json_t *ops = json_array();
    for (size_t i = 1; i < json_array_size(req->params); i++) {
        json_array_append(ops, json_array_get(req->params, i));
    }
    long long timeout_ms;
    if (try_transact(s, sdb, ops, req->params_deferred, req->id, 0, &timeout_ms,
                     req->arena)) {
        json_decref(ops);
        return;
    }
    struct trigger *t = xzalloc(sizeof *t);
    t->session = s;
    t->sdb = sdb;
    t->id = json_deep_copy(req->id);
    t->ops = json_deep_copy(ops);     /* The request's JSON dies with it. */
    t->ops_are_text = req->params_deferred;
    json_decref(ops);
    t->created_ms = time_msec();
    list_push_back(&s->triggers, &t->node);
    trigger_arm(t, timeout_ms);
}

static void
handle_cancel(struct ovsdb_session *s, const struct jsonrpc_msg *req)
{
    const json_t *id = json_array_get(req->params, 0);
    struct trigger *t;
    LIST_FOR_EACH (t, node, &s->triggers) {
        if (id && json_equal(t->id, id)) {
            s->send(s->aux, jsonrpc_create_error(json_string("canceled"), t->id));
            trigger_destroy(t);
            return;
        }
    }
}

/* Monitors. */

static void
monitor_send(void *aux, char *text, size_t len)
{
    send_raw(aux, text, len);
}

static struct session_monitor *
find_monitor(struct ovsdb_session *s, const json_t *id)
{
    struct session_monitor *sm;
    LIST_FOR_EACH (sm, node, &s->monitors) {
        if (json_equal((json_t *) ovsdb_monitor_get_id(sm->monitor), (json_t *) id)) {
            return sm;
        }
    }
    return NULL;
}

static void
handle_monitor(struct ovsdb_session *s, const struct jsonrpc_msg *req,
               enum ovsdb_monitor_version version)
{
    size_t n = json_array_size(req->params);
    size_t want = version == OVSDB_MONITOR_V3 ? 4 : 3;
    const json_t *db_name = json_array_get(req->params, 0);
    /* ovsdb-server ignores parameters after the third of "monitor". */
    if ((version == OVSDB_MONITOR_V1 ? n < want : n != want)
        || !json_is_string(db_name)) {
        /* ovsdb-server's wording (its "monitor" aborts here instead). */
        reply_error(s, ovsdb_syntax_error(req->params, NULL, "invalid parameters"),
                    req->id);
        return;
    }
    struct served_db *sdb = find_db(s->server, json_string_value(db_name));
    if (!sdb) {
        reply_error(s, ovsdb_syntax_error(req->params, "unknown database", "monitor request "
                                   "specifies unknown database %s",
                                   json_string_value(db_name)), req->id);
        return;
    }
    const json_t *id = json_array_get(req->params, 1);
    if (find_monitor(s, id)) {
        reply_error(s, ovsdb_syntax_error(id, NULL, "duplicate monitor ID"),
                    req->id);
        return;
    }
    const json_t *requests = n >= 3 ? json_array_get(req->params, 2) : NULL;
    struct uuid last, *lastp = NULL;
    if (version == OVSDB_MONITOR_V3) {
        const json_t *l = json_array_get(req->params, 3);
        if (!json_is_string(l) || !uuid_from_string(&last, json_string_value(l))) {
            reply_error(s, ovsdb_syntax_error(l, NULL, "last-txn-id must be UUID "
                                              "format."), req->id);
            return;
        }
        lastp = &last;
    }
    json_t *empty = NULL;
    if (!requests) {
        requests = empty = json_object();
    }
    struct ovsdb_monitor *m;
    struct ds out = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&out, "{\"id\":");
    jsonw_json(&out, req->id);
    ds_put_cstr(&out, ",\"result\":");
    struct ovsdb_error *error = ovsdb_monitor_create(sdb->db, version, id, requests,
                                                     lastp, monitor_send, s, &m,
                                                     &out);
    json_decref(empty);
    if (error) {
        ds_destroy(&out);
        reply_error(s, error, req->id);
        return;
    }
    struct session_monitor *sm = xmalloc(sizeof *sm);
    sm->monitor = m;
    list_push_back(&s->monitors, &sm->node);
    ds_put_cstr(&out, ",\"error\":null}");
    size_t len = out.length;
    send_raw(s, ds_steal_cstr(&out), len);
}

static void
handle_monitor_cond_change(struct ovsdb_session *s, const struct jsonrpc_msg *req)
{
    if (json_array_size(req->params) != 3) {
        reply_error(s, ovsdb_syntax_error(req->params, NULL, "invalid parameters"),
                    req->id);
        return;
    }
    const json_t *id = json_array_get(req->params, 0);
    const json_t *new_id = json_array_get(req->params, 1);
    struct session_monitor *sm = find_monitor(s, id);
    if (!sm) {
        reply_error(s, ovsdb_syntax_error(id, NULL, "unknown monitor session"),
                    req->id);
        return;
    }
    if (!json_equal((json_t *) id, (json_t *) new_id) && find_monitor(s, new_id)) {
        reply_error(s, ovsdb_syntax_error(new_id, NULL, "duplicate monitor ID"), req->id);
        return;
    }
    /* Answer first: the updates that follow belong to the new condition. */
    struct ovsdb_error *error = ovsdb_monitor_cond_change(sm->monitor, new_id,
                                                          json_array_get(req->params, 2));
    if (error) {
        reply_error(s, error, req->id);
        return;
    }
    reply(s, json_object(), req->id);
}

static void
handle_monitor_cancel(struct ovsdb_session *s, const struct jsonrpc_msg *req)
{
    if (json_array_size(req->params) != 1) {
        s->send(s->aux, jsonrpc_create_error(json_string("invalid parameters"),
                                             req->id));
        return;
    }
    struct session_monitor *sm = find_monitor(s, json_array_get(req->params, 0));
    if (!sm) {
        /* ovsdb-server's error here is the bare string "unknown monitor". */
        s->send(s->aux, jsonrpc_create_error(json_string("unknown monitor"),
                                             req->id));
        return;
    }
    list_remove(&sm->node);
    ovsdb_monitor_destroy(sm->monitor);
    free(sm);
    reply(s, json_object(), req->id);
}

/* Dispatch. */

void
ovsdb_session_handle(struct ovsdb_session *s, struct jsonrpc_msg *msg)
{
    static struct log_rl rl = LOG_RL_INIT(5, 5);

    if (msg->type == JSONRPC_NOTIFY) {
        if (!strcmp(msg->method, "cancel")) {
            handle_cancel(s, msg);
        }
        jsonrpc_msg_destroy(msg);
        return;
    } else if (msg->type != JSONRPC_REQUEST) {
        /* A client has no business sending replies (echo replies are taken
         * by the connection layer): ovsdb-server drops such a client. */
        log_warn_rl(&rl, "%s: received unexpected %s message, closing", s->name,
                    msg->type == JSONRPC_REPLY ? "reply" : "error");
        jsonrpc_msg_destroy(msg);
        if (s->conn) {
            conn_close(s->conn);
        }
        return;
    }
    const char *m = msg->method;
    if (!strcmp(m, "transact")) {
        handle_transact(s, msg);
    } else if (!strcmp(m, "monitor_cond_since")) {
        handle_monitor(s, msg, OVSDB_MONITOR_V3);
    } else if (!strcmp(m, "monitor_cond")) {
        handle_monitor(s, msg, OVSDB_MONITOR_V2);
    } else if (!strcmp(m, "monitor")) {
        handle_monitor(s, msg, OVSDB_MONITOR_V1);
    } else if (!strcmp(m, "monitor_cond_change")) {
        handle_monitor_cond_change(s, msg);
    } else if (!strcmp(m, "monitor_cancel")) {
        handle_monitor_cancel(s, msg);
    } else if (!strcmp(m, "list_dbs")) {
        json_t *names = json_array();
        for (size_t i = 0; i < s->server->n_dbs; i++) {
            json_array_append_new(names, json_string(s->server->dbs[i].name));
        }
        reply(s, names, msg->id);
    } else if (!strcmp(m, "get_schema")) {
        const json_t *name = json_array_get(msg->params, 0);
        struct served_db *sdb = json_is_string(name)
            ? find_db(s->server, json_string_value(name)) : NULL;
        if (!json_is_string(name)) {
            reply_error(s, ovsdb_syntax_error(msg->params, NULL, "get_schema "
                                              "request params must begin with "
                                              "<db-name>"), msg->id);
        } else if (sdb) {
            reply(s, ovsdb_schema_to_json(sdb->db->schema), msg->id);
        } else {
            reply_error(s, ovsdb_syntax_error(msg->params, "unknown database",
                                              "get_schema request specifies "
                                              "unknown database %s",
                                              json_string_value(name)), msg->id);
        }
    } else if (!strcmp(m, "echo")) {
        reply(s, json_deep_copy(msg->params), msg->id);
    } else if (!strcmp(m, "lock")) {
        handle_lock(s, msg, 0);
    } else if (!strcmp(m, "steal")) {
        handle_lock(s, msg, 1);
    } else if (!strcmp(m, "unlock")) {
        handle_lock(s, msg, 2);
    } else if (!strcmp(m, "set_db_change_aware")) {
        if (json_array_size(msg->params) != 1
            || !json_is_boolean(json_array_get(msg->params, 0))) {
            reply_error(s, ovsdb_syntax_error(msg->params, NULL, "set_db_change_aware: "
                                              "true or false parameter expected"),
                        msg->id);
        } else {
            reply(s, json_object(), msg->id);
        }
    } else if (!strcmp(m, "get_server_id")) {
        char id[UUID_LEN + 1];
        uuid_to_string(&s->server->server_id, id);
        reply(s, json_string(id), msg->id);
    } else {
        log_info_rl(&rl, "%s: unknown method \"%s\"", s->name, m);
        s->send(s->aux, jsonrpc_create_error(json_string("unknown method"), msg->id));
    }
    jsonrpc_msg_destroy(msg);
}

void
ovsdb_session_destroy(struct ovsdb_session *s)
{
    if (!s) {
        return;
    }
    struct session_monitor *sm;
    LIST_FOR_EACH_POP (sm, node, &s->monitors) {
        ovsdb_monitor_destroy(sm->monitor);
        free(sm);
    }
    struct trigger *t;
    LIST_FOR_EACH (t, node, &s->triggers) {
        trigger_destroy(t);
    }
    struct lock_waiter *w;
    LIST_FOR_EACH (w, session_node, &s->waiters) {
        waiter_remove(s->server, w);
    }
    list_remove(&s->node);
    free(s->name);
    free(s);
}

/* Connections. */

static void
conn_session_send(void *aux, struct jsonrpc_msg *msg)
{
    struct ovsdb_session *s = aux;
    if (s->conn) {
        conn_send(s->conn, msg);
    } else {
        jsonrpc_msg_destroy(msg);
    }
}

static void
on_msg(struct conn *conn, struct jsonrpc_msg *msg, void *aux)
{
    ovsdb_session_handle(aux, msg);
}

static void remote_schedule(struct remote *);

static void
on_closed(struct conn *conn, int error, void *aux)
{
    struct ovsdb_session *s = aux;
    struct remote *r = s->remote;
    if (error) {
        log_info("%s: connection closed (%s)", s->name, strerror(error));
    } else {
        log_debug("%s: connection closed", s->name);
    }
    s->conn = NULL;
    ovsdb_session_destroy(s);
    if (r) {
        r->last_error = error ? error : ECONNRESET;
        r->session = NULL;
        remote_schedule(r);
    }
}

static const struct conn_callbacks session_callbacks = {
    .on_msg = on_msg,
    .on_closed = on_closed,
};

static void
conn_session_send_raw(void *aux, char *text, size_t len)
{
    struct ovsdb_session *s = aux;
    if (s->conn) {
        conn_send_raw_owned(s->conn, text, len);
    } else {
        free(text);
    }
}

/* Makes 'conn' (accepted, or dialed and now up) a session of 'server'. */
static struct ovsdb_session *
session_for_conn(struct ovsdb_server *server, struct conn *conn)
{
    struct ovsdb_session *s = ovsdb_session_create(server, conn_session_send, NULL,
                                                   conn_get_name(conn));
    s->aux = s;
    s->conn = conn;
    s->send_raw = conn_session_send_raw;
    conn_set_max_backlog(conn, server->max_backlog);
    conn_use_arena(conn, true);
    conn_set_probe_interval(conn, server->probe_ms);
    conn_set_callbacks(conn, &session_callbacks, s);
    log_debug("%s: new session", s->name);
    return s;
}

static void
on_accept(struct conn *conn, void *aux)
{
    session_for_conn(aux, conn);
}

/* Active remotes. */

static void
remote_on_connected(struct conn *conn, void *aux)
{
    struct remote *r = aux;
    r->connecting = NULL;
    r->backoff_ms = 0;
    r->session = session_for_conn(r->server, conn);
    r->session->remote = r;
    r->last_error = 0;
    /* A dialled connection always probes its peer (5 s unless set), as
     * ovsdb-server's do: a controller that vanished is dialled again. */
    conn_set_probe_interval(conn, r->server->probe_ms ? r->server->probe_ms : 5000);
    log_info("%s: connected", r->name);
}

static void
remote_on_closed(struct conn *conn, int error, void *aux)
{
    struct remote *r = aux;
    static struct log_rl rl = LOG_RL_INIT(5, 5);
    log_info_rl(&rl, "%s: connection failed (%s)", r->name,
                error ? strerror(error) : "closed");
    r->last_error = error ? error : ECONNRESET;
    r->connecting = NULL;
    remote_schedule(r);
}

static const struct conn_callbacks remote_callbacks = {
    .on_connected = remote_on_connected,
    .on_closed = remote_on_closed,
};

static void
remote_dial(evutil_socket_t fd, short what, void *aux)
{
    struct remote *r = aux;
    struct conn *conn;
    int err = conn_open(r->server->base, r->name, r->ssl_ctx, &remote_callbacks, r,
                        &conn);
    if (err) {
        log_warn("%s: cannot connect (%s)", r->name, strerror(-err));
        r->last_error = -err;
        remote_schedule(r);
        return;
    }
    r->connecting = conn;
}

/* Dials again after a backoff of 1 s doubling up to 8 s. */
static void
remote_schedule(struct remote *r)
{
    r->backoff_ms = r->backoff_ms ? MIN(r->backoff_ms * 2, 8000) : 1000;
    struct timeval tv = { r->backoff_ms / 1000, (r->backoff_ms % 1000) * 1000 };
    evtimer_add(r->timer, &tv);
}

static bool
is_passive(const char *name)
{
    return !strncmp(name, "punix:", 6) || !strncmp(name, "ptcp:", 5)
           || !strncmp(name, "pssl:", 5);
}

static void
remote_close(struct remote *r)
{
    list_remove(&r->node);
    listener_close(r->listener);
    if (r->timer) {
        event_free(r->timer);
    }
    static const struct conn_callbacks no_callbacks;
    if (r->connecting) {
        conn_set_callbacks(r->connecting, &no_callbacks, NULL);
        conn_close(r->connecting);
    }
    if (r->session) {
        struct conn *conn = r->session->conn;
        r->session->remote = NULL;
        r->session->conn = NULL;
        ovsdb_session_destroy(r->session);
        if (conn) {
            conn_set_callbacks(conn, &no_callbacks, NULL);
            conn_close(conn);
        }
    }
    free(r->name);
    free(r);
}

static int
remote_add(struct ovsdb_server *server, const char *name, SSL_CTX *ctx, bool from_db,
           struct remote **rp)
{
    struct remote *r = xzalloc(sizeof *r);
    r->server = server;
    r->name = xstrdup(name);
    r->ssl_ctx = ctx;
    r->from_db = from_db;
    r->seen = true;
    if (is_passive(name)) {
        int err = listener_open(server->base, name, ctx, on_accept, server, &r->listener);
        if (err) {
            free(r->name);
            free(r);
            return err;
        }
        log_info("listening on %s", listener_get_name(r->listener));
    } else if (!strncmp(name, "tcp:", 4) || !strncmp(name, "ssl:", 4)
               || !strncmp(name, "unix:", 5)) {
        if (!server->base) {
            free(r->name);
            free(r);
            return -EINVAL;
        }
        r->timer = evtimer_new(server->base, remote_dial, r);
        remote_dial(0, 0, r);
    } else {
        free(r->name);
        free(r);
        return -EINVAL;
    }
    list_push_back(&server->remotes, &r->node);
    if (rp) {
        *rp = r;
    }
    return 0;
}

int
ovsdb_server_add_remote(struct ovsdb_server *server, const char *name, SSL_CTX *ctx)
{
    return remote_add(server, name, ctx, false, NULL);
}

/* Remotes named by database contents (ovsdb-server's "db:" remotes). */

/* Appends to 'targets' the remote names that 'col' of 'row' gives: strings,
 * or references to rows with a string column "target" (Manager). */
static void
collect_targets(const struct ovsdb_db *db, const struct ovsdb_row *row,
                const struct ovsdb_column *col, json_t *targets)
{
    const struct ovsdb_datum *d = &row->fields[col->index];
    const struct ovsdb_base_type *key = &col->type.key;
    for (unsigned int i = 0; i < d->n; i++) {
        if (key->type == OVSDB_TYPE_STRING) {
            json_array_append_new(targets, json_string(d->keys[i].string));
        } else if (ovsdb_base_type_is_ref(key)) {
            const struct ovsdb_table *t = &db->tables[key->uuid.ref_table->index];
            const struct ovsdb_row *ref = ovsdb_table_get_row(t, &d->keys[i].uuid);
            const struct ovsdb_column *target =
                ovsdb_table_schema_find_column(t->schema, "target");
            if (ref && target && target->type.key.type == OVSDB_TYPE_STRING) {
                const struct ovsdb_datum *td = &ref->fields[target->index];
                for (unsigned int j = 0; j < td->n; j++) {
                    json_array_append_new(targets, json_string(td->keys[j].string));
                }
            }
        }
    }
}

/* Opens the remotes the "db:" columns name now and closes those they no
 * longer name. */
static void
refresh_db_remotes(struct ovsdb_server *server)
{
    if (list_is_empty(&server->db_remotes)) {
        return;
    }
    json_t *targets = json_array();
    struct db_remote *dr;
    LIST_FOR_EACH (dr, node, &server->db_remotes) {
        struct served_db *sdb = find_db(server, dr->db);
        struct ovsdb_table *t = sdb ? ovsdb_db_find_table(sdb->db, dr->table) : NULL;
        const struct ovsdb_column *col = t
            ? ovsdb_table_schema_find_column(t->schema, dr->column) : NULL;
        if (!col) {
            continue;
        }
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            collect_targets(sdb->db, row, col, targets);
        }
    }
    struct remote *r;
    LIST_FOR_EACH (r, node, &server->remotes) {
        r->seen = !r->from_db;
    }
    size_t i;
    json_t *name;
    json_array_foreach (targets, i, name) {
        const char *n = json_string_value(name);
        bool found = false;
        LIST_FOR_EACH (r, node, &server->remotes) {
            if (r->from_db && !strcmp(r->name, n)) {
                r->seen = found = true;
            }
        }
        if (!found) {
            SSL_CTX *ctx = !strncmp(n, "pssl:", 5) ? server->db_remote_ssl
                           : !strncmp(n, "ssl:", 4) ? server->db_remote_ssl_client
                           : NULL;
            bool needs_ssl = !strncmp(n, "pssl:", 5) || !strncmp(n, "ssl:", 4);
            int err = needs_ssl && !ctx ? -EINVAL
                      : remote_add(server, n, ctx, true, NULL);
            if (err) {
                static struct log_rl rl = LOG_RL_INIT(5, 5);
                log_warn_rl(&rl, "%s: cannot use this remote from the database "
                            "(%s)", n, needs_ssl && !ctx
                            ? "no SSL configuration" : strerror(-err));
            }
        }
    }
    LIST_FOR_EACH (r, node, &server->remotes) {
        if (!r->seen) {
            log_info("%s: no longer configured", r->name);
            remote_close(r);
        }
    }
    json_decref(targets);
}

/* Returns the datum of 'row' in column 'name' if the column exists with
 * 'key' keys and 'value' values (OVSDB_TYPE_VOID: a set), else NULL. */
static const struct ovsdb_datum *
typed_field(const struct ovsdb_row *row, const struct ovsdb_table *t, const char *name,
            enum ovsdb_atomic_type key, enum ovsdb_atomic_type value)
{
    const struct ovsdb_column *c = ovsdb_table_schema_find_column(t->schema, name);
    return c && c->type.key.type == key && c->type.value.type == value
           ? &row->fields[c->index] : NULL;
}

/* Returns the value of string map 'map' for 'key', or NULL. */
static const char *
status_value(const struct ovsdb_datum *map, const char *key)
{
    for (unsigned int i = 0; i < map->n; i++) {
        if (!strcmp(map->keys[i].string, key)) {
            return map->values[i].string;
        }
    }
    return NULL;
}

/* As ovsdb-server does for "db:" remotes: the rows that name an active
 * remote by "target" get "is_connected" and "status" (state and
 * last_error) kept true, where their table has those columns (Manager in
 * hardware_vtep and Open_vSwitch).  Written only when they change. */
static void
update_remote_status(struct ovsdb_server *server)
{
    struct db_remote *dr;
    LIST_FOR_EACH (dr, node, &server->db_remotes) {
        struct served_db *sdb = find_db(server, dr->db);
        struct ovsdb_table *t = sdb ? ovsdb_db_find_table(sdb->db, dr->table) : NULL;
        const struct ovsdb_column *col = t
            ? ovsdb_table_schema_find_column(t->schema, dr->column) : NULL;
        if (!col || !ovsdb_base_type_is_ref(&col->type.key)) {
            continue;
        }
        const struct ovsdb_table *rt = &sdb->db->tables[col->type.key.uuid.ref_table->index];
        json_t *ops = json_array();
        const struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &rt->rows) {
            const struct ovsdb_datum *target = typed_field(row, rt, "target",
                                                           OVSDB_TYPE_STRING, OVSDB_TYPE_VOID);
            const struct ovsdb_datum *conn_d = typed_field(row, rt, "is_connected",
                                                           OVSDB_TYPE_BOOLEAN, OVSDB_TYPE_VOID);
            const struct ovsdb_datum *status = typed_field(row, rt, "status",
                                                           OVSDB_TYPE_STRING, OVSDB_TYPE_STRING);
            if (!target || target->n != 1 || !conn_d || conn_d->n != 1 || !status) {
                continue;
            }
            struct remote *r, *found = NULL;
            LIST_FOR_EACH (r, node, &server->remotes) {
                if (r->from_db && !r->listener && !strcmp(r->name, target->keys[0].string)) {
                    found = r;
                }
            }
            if (!found) {
                continue;
            }
            bool connected = found->session != NULL;
            const char *state = connected ? "ACTIVE" : found->connecting ? "CONNECTING"
                                : "BACKOFF";
            const char *error = !connected && found->last_error
                                ? strerror(found->last_error) : NULL;
            const char *old_state = status_value(status, "state");
            const char *old_error = status_value(status, "last_error");
            if (conn_d->keys[0].boolean == connected && status->n == 1u + !!error
                && old_state && !strcmp(old_state, state)
                && (!error || (old_error && !strcmp(old_error, error)))) {
                continue;
            }
            json_t *pairs = json_pack("[[s s]]", "state", state);
            if (error) {
                json_array_append_new(pairs, json_pack("[s s]", "last_error", error));
            }
            char uuid_s[UUID_LEN + 1];
            uuid_to_string(&row->fields[OVSDB_COL_UUID].keys[0].uuid, uuid_s);
            json_array_append_new(ops, json_pack(
                "{s s s s s [[s s [s s]]] s {s b s [s o]}}", "op", "update",
                "table", rt->schema->name, "where", "_uuid", "==", "uuid", uuid_s,
                "row", "is_connected", connected, "status", "map", pairs));
        }
        if (json_array_size(ops)) {
            long long timeout;
            json_t *result = NULL;
            if (ovsdb_execute(sdb->db, NULL, ops, 0, &timeout, &result)) {
                json_decref(result);
            }
        }
        json_decref(ops);
    }
}

static void
status_timer_cb(evutil_socket_t fd, short what, void *server)
{
    update_remote_status(server);
}

int
ovsdb_server_add_db_remote(struct ovsdb_server *server, const char *spec,
                           SSL_CTX *ssl_server, SSL_CTX *ssl_client)
{
    if (strncmp(spec, "db:", 3)) {
        return -EINVAL;
    }
    char *copy = xstrdup(spec + 3);
    char *table = strchr(copy, ',');
    char *column = table ? strchr(table + 1, ',') : NULL;
    if (!table || !column) {
        free(copy);
        return -EINVAL;
    }
    *table++ = '\0';
    *column++ = '\0';
    struct db_remote *dr = xzalloc(sizeof *dr);
    dr->db = xstrdup(copy);
    dr->table = xstrdup(table);
    dr->column = xstrdup(column);
    free(copy);
    list_push_back(&server->db_remotes, &dr->node);
    server->db_remote_ssl = ssl_server;
    server->db_remote_ssl_client = ssl_client;
    refresh_db_remotes(server);
    if (server->base && !server->status_timer) {
        /* ovsdb-server's interval. */
        server->status_timer = event_new(server->base, -1, EV_PERSIST, status_timer_cb,
                                         server);
        struct timeval tv = { 2, 500000 };
        evtimer_add(server->status_timer, &tv);
    }
    return 0;
}

void
ovsdb_server_destroy(struct ovsdb_server *server)
{
    if (!server) {
        return;
    }
    struct remote *r;
    LIST_FOR_EACH (r, node, &server->remotes) {
        remote_close(r);
    }
    if (server->status_timer) {
        event_free(server->status_timer);
    }
    if (server->commit_event) {
        event_free(server->commit_event);
    }
    struct db_remote *dr;
    LIST_FOR_EACH_POP (dr, node, &server->db_remotes) {
        free(dr->db);
        free(dr->table);
        free(dr->column);
        free(dr);
    }
    struct ovsdb_session *s;
    LIST_FOR_EACH (s, node, &server->sessions) {
        struct conn *conn = s->conn;
        s->conn = NULL;
        ovsdb_session_destroy(s);
        if (conn) {
            static const struct conn_callbacks no_callbacks;
            conn_set_callbacks(conn, &no_callbacks, NULL);
            conn_close(conn);
        }
    }
    for (size_t i = 0; i < server->n_dbs; i++) {
        ovsdb_storage_close(server->dbs[i].db);
        ovsdb_db_destroy(server->dbs[i].db);
    }
    free(server->dbs);
    hmap_destroy(&server->locks);
    free(server);
}
