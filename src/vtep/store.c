/* vtep store: embedded or external hardware_vtep database (see store.h). */
#include "vtep/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "lib/log.h"
#include "ovsdb/client.h"
#include "ovsdb/daemon.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/execution.h"
#include "ovsdb/monitor.h"
#include "ovsdb/schema.h"
#include "ovsdb/server.h"
#include "vtep/db.h"

LOG_MODULE(vtep);

#define MANAGERS_REMOTE "db:hardware_vtep,Global,managers"

struct vtep_store {
    struct vtep_store_callbacks cbs;
    void *aux;

    /* Embedded. */
    struct ovsdb_server *server;
    struct ovsdb_db *edb;
    struct ovsdb_monitor *monitor;      /* Internal: reports changes. */

    /* External. */
    struct ovsdb_client *client;
};

static void
changed(struct vtep_store *s)
{
    s->cbs.changed(s->aux);
}

/* ---- embedded ---- */

/* The internal monitor's requests: every column but those the datapath's
 * own writes change (db.h, vtep_db_is_datapath_output()). */
static json_t *
monitor_requests(const struct ovsdb_schema *schema)
{
    json_t *requests = json_object();
    for (size_t i = 0; i < schema->n_tables; i++) {
        const struct ovsdb_table_schema *ts = schema->tables[i];
        if (vtep_db_is_datapath_output(ts->name, NULL)) {
            continue;
        }
        json_t *columns = json_array();
        for (size_t c = 0; c < ts->n_columns; c++) {
            const char *name = ts->columns[c]->name;
            if (name[0] != '_' && !vtep_db_is_datapath_output(ts->name, name)) {
                json_array_append_new(columns, json_string(name));
            }
        }
        json_object_set_new(requests, ts->name, json_pack("{so}", "columns", columns));
    }
    return requests;
}

/* The internal monitor's updates only say "something changed". */
static void
on_monitor_update(void *s_, char *text, size_t len)
{
    changed(s_);
    free(text);
}

int
vtep_store_open_embedded(struct event_base *base, const char *path,
                         const char *schema, const char *const *remotes,
                         size_t n_remotes, const struct daemon_ssl *ssl,
                         const struct vtep_store_callbacks *cbs, void *aux,
                         struct vtep_store **storep)
{
    struct vtep_store *s = xzalloc(sizeof *s);
    int err;

    *storep = NULL;
    s->cbs = *cbs;
    s->aux = aux;
    if ((err = daemon_db_open(path, schema, &s->edb))) {
        goto error;
    }
    s->server = ovsdb_server_create(base);
    if ((err = ovsdb_server_add_db(s->server, s->edb))) {
        log_err("%s: cannot serve this database: %s", path, strerror(-err));
        daemon_db_close(s->edb);
        s->edb = NULL;
        goto error;
    }
    for (size_t i = 0; i < n_remotes; i++) {
        if ((err = daemon_server_add_remote(s->server, remotes[i], ssl))) {
            goto error;
        }
    }
    if ((err = daemon_server_add_remote(s->server, MANAGERS_REMOTE, ssl))) {
        goto error;
    }
    json_t *requests = monitor_requests(s->edb->schema);
    json_t *id = json_string("seam-vtep");
    struct ds ignored = DS_EMPTY_INITIALIZER;
    struct ovsdb_error *error = ovsdb_monitor_create(s->edb, OVSDB_MONITOR_V2, id,
                                                     requests, NULL,
                                                     on_monitor_update, s,
                                                     &s->monitor, &ignored);
    ds_destroy(&ignored);
    json_decref(id);
    json_decref(requests);
    if (daemon_log_error(error, "internal monitor")) {
        err = -EINVAL;
        goto error;
    }
    *storep = s;
    return 0;

error:
    vtep_store_destroy(s);
    return err;
}

/* ---- external ---- */

static void
note_change(void *dirty_, enum ovsdb_client_change_kind kind,
            const struct ovsdb_row *row, const unsigned long *changed_columns)
{
    bool *dirty = dirty_;
    const struct ovsdb_table_schema *ts = row->table->schema;
    if (kind != OVSDB_CLIENT_MODIFIED) {
        *dirty = true;
        return;
    }
    for (size_t c = 0; c < ts->n_columns && !*dirty; c++) {
        *dirty = bitmap_is_set(changed_columns, c)
                 && !vtep_db_is_datapath_output(ts->name, ts->columns[c]->name);
    }
}

/* The replica changed: a change unless only the datapath's own outputs did
 * (as the embedded server's monitor, which leaves them out). */
static void
on_client_changed(void *s_)
{
    struct vtep_store *s = s_;
    const struct ovsdb_db *db = vtep_store_db(s);
    bool dirty = false;
    for (size_t i = 0; db && !dirty && i < db->schema->n_tables; i++) {
        const char *name = db->schema->tables[i]->name;
        if (!vtep_db_is_datapath_output(name, NULL)) {
            ovsdb_client_get_changes(s->client, name, note_change, &dirty);
        }
    }
    ovsdb_client_clear_changes(s->client);
    if (dirty) {
        changed(s);
    }
}

static void
on_client_state(void *s_, bool synced)
{
    struct vtep_store *s = s_;
    if (synced) {
        s->cbs.resynced(s->aux);
    }
}

int
vtep_store_open_external(struct event_base *base, const char *remote,
                         const struct daemon_ssl *ssl,
                         const struct vtep_store_callbacks *cbs, void *aux,
                         struct vtep_store **storep)
{
    struct vtep_store *s = xzalloc(sizeof *s);
    s->cbs = *cbs;
    s->aux = aux;

    const char *remotes[] = { remote, NULL };
    struct ovsdb_client_options o;
    ovsdb_client_options_init(&o);
    o.db_name = "hardware_vtep";
    o.remotes = remotes;
    o.ssl_ctx = ssl->client;
    struct ovsdb_client_callbacks ccbs = {
        .changed = on_client_changed, .state = on_client_state,
    };
    s->client = ovsdb_client_create(base, &o, &ccbs, s);
    *storep = s;
    return 0;
}

void
vtep_store_destroy(struct vtep_store *s)
{
    if (!s) {
        return;
    }
    ovsdb_monitor_destroy(s->monitor);
    if (s->server) {
        ovsdb_server_destroy(s->server);    /* Closes 'edb' too. */
    } else {
        daemon_db_close(s->edb);
    }
    ovsdb_client_destroy(s->client);
    free(s);
}

const struct ovsdb_db *
vtep_store_db(const struct vtep_store *s)
{
    return s->edb ? s->edb : s->client ? ovsdb_client_get_db(s->client) : NULL;
}

/* ---- writing ---- */

/* A transaction through the client library is answered: log a failure
 * (a TRY_AGAIN is redone from the resynced replica by the next rebuild). */
static void
on_txn_done(void *s_, struct ovsdb_client_txn *txn)
{
    struct vtep_store *s = s_;
    enum ovsdb_client_txn_status st = ovsdb_client_txn_get_status(txn);
    if (st != OVSDB_CLIENT_TXN_SUCCESS) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        const char *e = ovsdb_client_txn_get_error(txn);
        log_warn_rl(&rl, "transaction to the external database: %s%s%s",
                    ovsdb_client_txn_status_to_string(st), e ? ": " : "", e ? e : "");
        changed(s);                     /* Compute the rows again. */
    }
    ovsdb_client_txn_destroy(txn);
}

void
vtep_store_run_ops(struct vtep_store *s, json_t *ops, const char *what)
{
    if (!json_array_size(ops)) {
        json_decref(ops);
        return;
    }
    if (s->edb) {
        long long timeout;
        json_t *result;
        if (ovsdb_execute(s->edb, NULL, ops, 0, &timeout, &result)) {
            size_t i;
            json_t *r;
            json_array_foreach (result, i, r) {
                if (json_object_get(r, "error")) {
                    static struct log_rl rl = LOG_RL_INIT(5, 5);
                    char *text = json_dumps(r, JSON_COMPACT);
                    log_warn_rl(&rl, "%s: transaction failed: %s", what, text);
                    free(text);
                    changed(s);         /* Compute the rows again. */
                    break;
                }
            }
            json_decref(result);
        }
        /* A commit reaches the internal monitor, which reports a change if
         * it changed what the configuration is built from. */
    } else if (s->client && ovsdb_client_is_synced(s->client)) {
        /* Asynchronous: this runs inside the event loop, which a blocking
         * commit would have to run again. */
        struct ovsdb_client_txn *txn = ovsdb_client_txn_create(s->client);
        size_t i;
        json_t *op;
        json_array_foreach (ops, i, op) {
            ovsdb_client_txn_add_op(txn, json_incref(op));
        }
        ovsdb_client_txn_commit(txn, on_txn_done, s);
    }
    json_decref(ops);
}
