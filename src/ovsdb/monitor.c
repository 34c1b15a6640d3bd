/* ovsdb monitor: see monitor.h. */
#include "ovsdb/monitor.h"

#include <stdlib.h>
#include <string.h>
#include "lib/list.h"
#include "lib/log.h"
#include "ovsdb/condition.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/jsonrpc.h"
#include "ovsdb/txn.h"

LOG_MODULE(monitor);

/* The history keeps at most this many transactions, and at most as many
 * changed rows as the larger of HISTORY_MIN_ROWS and the database's rows. */
#define HISTORY_MAX_TXNS 100
#define HISTORY_MIN_ROWS 10000

struct monitor_table {
    struct ovsdb_table *table;
    const struct ovsdb_column **columns;    /* Monitored, in order. */
    size_t n_columns;
    bool initial, insert, delete, modify;   /* "select". */
    struct ovsdb_condition cond;            /* V2/V3 only. */
};

struct ovsdb_monitor {
    struct list node;                   /* In db->monitors. */
    struct ovsdb_db *db;
    enum ovsdb_monitor_version version;
    json_t *id;
    struct monitor_table **by_index;    /* Per db table, or NULL. */
    ovsdb_monitor_send_func *send;
    void *aux;
};

struct hist_change {
    struct ovsdb_table *table;
    struct ovsdb_row *old, *new;        /* Held references, or NULL. */
};

struct hist_txn {
    struct list node;                   /* In history->txns, oldest first. */
    struct uuid id;
    struct hist_change *changes;
    size_t n_changes;
};

struct ovsdb_history {
    struct list txns;
    size_t n_txns;
    size_t n_changes;
};

/* Row JSON. */

static json_t *
row_json(const struct monitor_table *mt, const struct ovsdb_row *row,
         bool skip_defaults)
{
    json_t *j = json_object();
    for (size_t i = 0; i < mt->n_columns; i++) {
        const struct ovsdb_column *c = mt->columns[i];
        const struct ovsdb_datum *d = &row->fields[c->index];
        if (skip_defaults && ovsdb_datum_is_default(d, &c->type)) {
            continue;
        }
        json_object_set_new(j, c->name, ovsdb_datum_to_json(d, &c->type));
    }
    return j;
}

static json_t *
elements_json(const struct ovsdb_datum *d, const unsigned int *idx, size_t n,
              const struct ovsdb_type *type, const bool *from_old,
              const struct ovsdb_datum *old)
{
    bool is_map = ovsdb_type_is_map(type);
    json_t *elems = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct ovsdb_datum *src = from_old[i] ? old : d;
        json_t *key = ovsdb_atom_to_json(&src->keys[idx[i]], type->key.type);
        if (is_map) {
            json_t *pair = json_array();
            json_array_append_new(pair, key);
            json_array_append_new(pair, ovsdb_atom_to_json(&src->values[idx[i]],
                                                           type->value.type));
            json_array_append_new(elems, pair);
        } else {
            json_array_append_new(elems, key);
        }
    }
    if (!is_map && n == 1) {
        json_t *atom = json_incref(json_array_get(elems, 0));
        json_decref(elems);
        return atom;
    }
    return json_pack("[s o]", is_map ? "map" : "set", elems);
}

/* The update2 "modify" value of one column (ovsdb-server(7)): the new value
 * for a column of at most one element that is not a map; for a set, the
 * elements added or removed; for a map, the pairs removed (with their old
 * value), added, or whose value changed (with the new value). */
static json_t *
datum_diff_json(const struct ovsdb_datum *old, const struct ovsdb_datum *new,
                const struct ovsdb_type *type)
{
    if (type->n_max == 1 && !ovsdb_type_is_map(type)) {
        return ovsdb_datum_to_json(new, type);
    }
    bool is_map = ovsdb_type_is_map(type);
    size_t cap = old->n + new->n;
    unsigned int *idx = xmalloc((cap ? cap : 1) * sizeof *idx);
    bool *from_old = xmalloc((cap ? cap : 1) * sizeof *from_old);
    size_t n = 0;
    unsigned int i = 0, j = 0;
    while (i < old->n || j < new->n) {
        int cmp = i >= old->n ? 1 : j >= new->n ? -1
                  : ovsdb_atom_compare_3way(&old->keys[i], &new->keys[j],
                                            type->key.type);
        if (cmp < 0) {
            idx[n] = i++;
            from_old[n++] = true;
        } else if (cmp > 0) {
            idx[n] = j++;
            from_old[n++] = false;
        } else {
            if (is_map && !ovsdb_atom_equals(&old->values[i], &new->values[j],
                                             type->value.type)) {
                idx[n] = j;
                from_old[n++] = false;
            }
            i++;
            j++;
        }
    }
    json_t *j_out = elements_json(new, idx, n, type, from_old, old);
    free(idx);
    free(from_old);
    return j_out;
}

/* Returns the update of one row for 'mt', or NULL if it selects none. */
static json_t *
row_update(const struct monitor_table *mt, enum ovsdb_monitor_version version,
           const struct ovsdb_row *old, const struct ovsdb_row *new)
{
    bool v1 = version == OVSDB_MONITOR_V1;
    bool old_match = old && (v1 || ovsdb_condition_match_any(old, &mt->cond));
    bool new_match = new && (v1 || ovsdb_condition_match_any(new, &mt->cond));

    if (!old_match && !new_match) {
        return NULL;
    } else if (!old_match) {
        if (!mt->insert) {
            return NULL;
        }
        return v1 ? json_pack("{s o}", "new", row_json(mt, new, false))
                  : json_pack("{s o}", "insert", row_json(mt, new, true));
    } else if (!new_match) {
        if (!mt->delete) {
            return NULL;
        }
        return v1 ? json_pack("{s o}", "old", row_json(mt, old, false))
                  : json_pack("{s n}", "delete");
    }
    if (!mt->modify) {
        return NULL;
    }
    json_t *changes = NULL;
    for (size_t i = 0; i < mt->n_columns; i++) {
        const struct ovsdb_column *c = mt->columns[i];
        const struct ovsdb_datum *o = &old->fields[c->index];
        const struct ovsdb_datum *n = &new->fields[c->index];
        if (ovsdb_datum_equals(o, n, &c->type)) {
            continue;
        }
        if (!changes) {
            changes = json_object();
        }
        json_object_set_new(changes, c->name, v1 ? ovsdb_datum_to_json(o, &c->type)
                                                 : datum_diff_json(o, n, &c->type));
    }
    if (!changes) {
        return NULL;
    }
    return v1 ? json_pack("{s o s o}", "old", changes, "new", row_json(mt, new, false))
              : json_pack("{s o}", "modify", changes);
}

static void
add_update(json_t **updates, const struct monitor_table *mt,
           const struct uuid *uuid, json_t *update)
{
    if (!*updates) {
        *updates = json_object();
    }
    const char *name = mt->table->schema->name;
    json_t *table = json_object_get(*updates, name);
    if (!table) {
        table = json_object();
        json_object_set_new(*updates, name, table);
    }
    char s[UUID_LEN + 1];
    uuid_to_string(uuid, s);
    json_object_set_new(table, s, update);
}

static json_t *
initial_updates(const struct ovsdb_monitor *m)
{
    json_t *updates = json_object();
    for (size_t t = 0; t < m->db->schema->n_tables; t++) {
        const struct monitor_table *mt = m->by_index[t];
        if (!mt || !mt->initial) {
            continue;
        }
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &mt->table->rows) {
            json_t *u;
            if (m->version == OVSDB_MONITOR_V1) {
                u = json_pack("{s o}", "new", row_json(mt, row, false));
            } else if (ovsdb_condition_match_any(row, &mt->cond)) {
                u = json_pack("{s o}", "initial", row_json(mt, row, true));
            } else {
                continue;
            }
            add_update(&updates, mt, ovsdb_row_get_uuid(row), u);
        }
    }
    return updates;
}

/* Requests. */

static void
monitor_table_destroy(struct monitor_table *mt)
{
    if (mt) {
        free(mt->columns);
        ovsdb_condition_destroy(&mt->cond);
        free(mt);
    }
}

static bool
has_column(const struct monitor_table *mt, const struct ovsdb_column *c)
{
    for (size_t i = 0; i < mt->n_columns; i++) {
        if (mt->columns[i] == c) {
            return true;
        }
    }
    return false;
}

static struct ovsdb_error *
parse_select(const json_t *select, struct monitor_table *mt, bool first)
{
    static const char *const names[] = { "initial", "insert", "delete", "modify" };
    bool *flags[] = { &mt->initial, &mt->insert, &mt->delete, &mt->modify };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        const json_t *v = select ? json_object_get(select, names[i]) : NULL;
        bool value = true;
        if (v) {
            if (!json_is_boolean(v)) {
                return ovsdb_syntax_error(select, NULL,
                                          "Type mismatch for member '%s'.", names[i]);
            }
            value = json_is_true(v);
        }
        *flags[i] = first ? value : (*flags[i] || value);
    }
    return NULL;
}

static struct ovsdb_error *
parse_table_request(struct ovsdb_monitor *m, struct monitor_table *mt,
                    const json_t *req, bool first)
{
    const struct ovsdb_table_schema *ts = mt->table->schema;
    const char *key;
    json_t *value;

    if (!json_is_object(req)) {
        return ovsdb_syntax_error(req, NULL, "Object expected.");
    }
    json_object_foreach ((json_t *) req, key, value) {
        if (strcmp(key, "columns") && strcmp(key, "select")
            && (strcmp(key, "where") || m->version == OVSDB_MONITOR_V1)) {
            return ovsdb_syntax_error(req, NULL,
                                      "Member '%s' is present but not allowed here.", key);
        }
    }
    const json_t *select = json_object_get(req, "select");
    if (select && !json_is_object(select)) {
        return ovsdb_syntax_error(req, NULL, "Type mismatch for member 'select'.");
    }
    struct ovsdb_error *error = parse_select(select, mt, first);
    if (error) {
        return error;
    }

    const json_t *columns = json_object_get(req, "columns");
    if (columns) {
        if (!json_is_array(columns)) {
            return ovsdb_syntax_error(req, NULL, "Type mismatch for member 'columns'.");
        }
        size_t i;
        json_t *name;
        mt->columns = xrealloc(mt->columns, (mt->n_columns + json_array_size(columns) + 1)
                                            * sizeof *mt->columns);
        json_array_foreach (columns, i, name) {
            const struct ovsdb_column *c = json_is_string(name)
                ? ovsdb_table_schema_find_column(ts, json_string_value(name)) : NULL;
            if (!c) {
                return ovsdb_syntax_error(columns, NULL, "%s is not a valid column name",
                                          json_is_string(name) ? json_string_value(name)
                                                               : "(non-string)");
            }
            if (has_column(mt, c)) {
                if (first) {
                    return ovsdb_syntax_error(columns, NULL,
                                              "column %s mentioned more than once",
                                              c->name);
                }
                continue;
            }
            mt->columns[mt->n_columns++] = c;
        }
    } else {
        mt->columns = xrealloc(mt->columns, (mt->n_columns + ts->n_columns)
                                            * sizeof *mt->columns);
        for (size_t i = 0; i < ts->n_columns; i++) {
            const struct ovsdb_column *c = ts->columns[i];
            if (c->index != OVSDB_COL_UUID && !has_column(mt, c)) {
                mt->columns[mt->n_columns++] = c;
            }
        }
    }

    const json_t *where = json_object_get(req, "where");
    if (where) {
        struct ovsdb_condition cond;
        error = ovsdb_condition_from_json(ts, where, NULL, &cond);
        if (error) {
            return error;
        }
        ovsdb_condition_destroy(&mt->cond);
        mt->cond = cond;
    }
    return NULL;
}

static struct ovsdb_error *
parse_requests(struct ovsdb_monitor *m, const json_t *requests)
{
    const char *table_name;
    json_t *value;

    if (!json_is_object(requests)) {
        return ovsdb_syntax_error(requests, NULL, "monitor-requests must be an object");
    }
    json_object_foreach ((json_t *) requests, table_name, value) {
        struct ovsdb_table *table = ovsdb_db_find_table(m->db, table_name);
        if (!table) {
            return ovsdb_syntax_error(requests, NULL, "no table named %s", table_name);
        }
        struct monitor_table *mt = xzalloc(sizeof *mt);
        mt->table = table;
        ovsdb_condition_init_empty(&mt->cond);
        m->by_index[table->schema->index] = mt;

        struct ovsdb_error *error = NULL;
        if (json_is_array(value)) {
            size_t i;
            json_t *req;
            json_array_foreach (value, i, req) {
                error = parse_table_request(m, mt, req, i == 0);
                if (error) {
                    break;
                }
            }
        } else {
            error = parse_table_request(m, mt, value, true);
        }
        if (error) {
            return error;
        }
    }
    return NULL;
}

/* Monitors. */

static json_t *
since_updates(const struct ovsdb_monitor *m, const struct uuid *last, bool *found)
{
    struct ovsdb_history *h = m->db->history;
    struct hist_txn *ht, *start = NULL;

    *found = false;
    if (uuid_equals(last, &m->db->last_txn_id)) {
        *found = true;
        return json_object();
    }
    LIST_FOR_EACH (ht, node, &h->txns) {
        if (uuid_equals(&ht->id, last)) {
            start = ht;
            break;
        }
    }
    if (!start) {
        return NULL;
    }
    *found = true;

    /* Collapse the changes of every later transaction: first old, last new. */
    struct merged {
        struct hmap_node node;
        struct ovsdb_table *table;
        struct uuid uuid;
        const struct ovsdb_row *old, *new;
    };
    struct hmap rows;
    struct list *e;
    hmap_init(&rows);
    for (e = start->node.next; e != &h->txns; e = e->next) {
        ht = container_of(e, struct hist_txn, node);
        for (size_t i = 0; i < ht->n_changes; i++) {
            const struct hist_change *c = &ht->changes[i];
            const struct uuid *u = ovsdb_row_get_uuid(c->old ? c->old : c->new);
            struct merged *mr, *found_mr = NULL;
            HMAP_FOR_EACH_WITH_HASH (mr, node, uuid_hash(u), &rows) {
                if (mr->table == c->table && uuid_equals(&mr->uuid, u)) {
                    found_mr = mr;
                    break;
                }
            }
            if (!found_mr) {
                found_mr = xmalloc(sizeof *found_mr);
                found_mr->table = c->table;
                found_mr->uuid = *u;
                found_mr->old = c->old;
                hmap_insert(&rows, &found_mr->node, uuid_hash(u));
            }
            found_mr->new = c->new;
        }
    }
    json_t *updates = json_object();
    struct merged *mr;
    HMAP_FOR_EACH_POP (mr, node, &rows) {
        const struct monitor_table *mt = m->by_index[mr->table->schema->index];
        json_t *u = mt ? row_update(mt, m->version, mr->old, mr->new) : NULL;
        if (u) {
            add_update(&updates, mt, &mr->uuid, u);
        }
        free(mr);
    }
    hmap_destroy(&rows);
    return updates;
}

struct ovsdb_error *
ovsdb_monitor_create(struct ovsdb_db *db, enum ovsdb_monitor_version version,
                     const json_t *monitor_id, const json_t *requests,
                     const struct uuid *last_txn_id,
                     ovsdb_monitor_send_func *send, void *aux,
                     struct ovsdb_monitor **monitorp, json_t **resultp)
{
    struct ovsdb_monitor *m = xzalloc(sizeof *m);
    m->db = db;
    m->version = version;
    m->id = json_deep_copy(monitor_id);
    m->by_index = xcalloc(db->schema->n_tables ? db->schema->n_tables : 1,
                          sizeof *m->by_index);
    m->send = send;
    m->aux = aux;
    list_init(&m->node);

    *monitorp = NULL;
    *resultp = NULL;
    struct ovsdb_error *error = parse_requests(m, requests);
    if (error) {
        ovsdb_monitor_destroy(m);
        return error;
    }
    if (version == OVSDB_MONITOR_V3) {
        bool found = false;
        json_t *updates = last_txn_id ? since_updates(m, last_txn_id, &found) : NULL;
        if (!updates) {
            updates = initial_updates(m);
        }
        char s[UUID_LEN + 1];
        uuid_to_string(&db->last_txn_id, s);
        *resultp = json_pack("[b s o]", found, s, updates);
    } else {
        *resultp = initial_updates(m);
    }
    list_push_back(&db->monitors, &m->node);
    *monitorp = m;
    return NULL;
}

void
ovsdb_monitor_destroy(struct ovsdb_monitor *m)
{
    if (!m) {
        return;
    }
    list_remove(&m->node);
    for (size_t i = 0; i < m->db->schema->n_tables; i++) {
        monitor_table_destroy(m->by_index[i]);
    }
    free(m->by_index);
    json_decref(m->id);
    free(m);
}

const json_t *ovsdb_monitor_get_id(const struct ovsdb_monitor *m) { return m->id; }
struct ovsdb_db *ovsdb_monitor_get_db(const struct ovsdb_monitor *m) { return m->db; }

static void
send_updates(struct ovsdb_monitor *m, json_t *updates)
{
    json_t *params;
    const char *method;
    if (m->version == OVSDB_MONITOR_V3) {
        char s[UUID_LEN + 1];
        uuid_to_string(&m->db->last_txn_id, s);
        params = json_pack("[O s o]", m->id, s, updates);
        method = "update3";
    } else {
        params = json_pack("[O o]", m->id, updates);
        method = m->version == OVSDB_MONITOR_V2 ? "update2" : "update";
    }
    m->send(m->aux, jsonrpc_create_notify(method, params));
}

struct ovsdb_error *
ovsdb_monitor_cond_change(struct ovsdb_monitor *m, const json_t *new_id,
                          const json_t *requests)
{
    const char *table_name;
    json_t *value;

    if (m->version == OVSDB_MONITOR_V1) {
        return ovsdb_error("syntax error", "monitor_cond_change on a plain monitor");
    }
    if (!json_is_object(requests)) {
        return ovsdb_syntax_error(requests, NULL, "monitor-requests must be an object");
    }
    /* Validate every condition first, so that a bad one changes nothing. */
    json_object_foreach ((json_t *) requests, table_name, value) {
        struct ovsdb_table *table = ovsdb_db_find_table(m->db, table_name);
        const struct monitor_table *mt = table ? m->by_index[table->schema->index] : NULL;
        if (!mt) {
            return ovsdb_syntax_error(requests, NULL, "no table named %s", table_name);
        }
        const json_t *req = json_is_array(value) ? json_array_get(value, 0) : value;
        const json_t *where = req ? json_object_get(req, "where") : NULL;
        if (where) {
            struct ovsdb_condition cond;
            struct ovsdb_error *error = ovsdb_condition_from_json(table->schema, where,
                                                                  NULL, &cond);
            if (error) {
                return error;
            }
            ovsdb_condition_destroy(&cond);
        }
    }

    json_t *updates = NULL;
    json_object_foreach ((json_t *) requests, table_name, value) {
        struct ovsdb_table *table = ovsdb_db_find_table(m->db, table_name);
        struct monitor_table *mt = m->by_index[table->schema->index];
        const json_t *req = json_is_array(value) ? json_array_get(value, 0) : value;
        const json_t *where = req ? json_object_get(req, "where") : NULL;
        struct ovsdb_condition cond;
        if (!where) {
            continue;
        }
        if (ovsdb_condition_from_json(table->schema, where, NULL, &cond)) {
            continue;           /* Checked above. */
        }
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &table->rows) {
            bool was = ovsdb_condition_match_any(row, &mt->cond);
            bool is = ovsdb_condition_match_any(row, &cond);
            if (was == is) {
                continue;
            }
            json_t *u = is ? json_pack("{s o}", "insert", row_json(mt, row, true))
                           : json_pack("{s n}", "delete");
            add_update(&updates, mt, ovsdb_row_get_uuid(row), u);
        }
        ovsdb_condition_destroy(&mt->cond);
        mt->cond = cond;
    }
    if (new_id && !json_is_null(new_id)) {
        json_decref(m->id);
        m->id = json_deep_copy(new_id);
    }
    if (updates) {
        send_updates(m, updates);
    }
    return NULL;
}

/* History. */

struct ovsdb_history *
ovsdb_history_create(void)
{
    struct ovsdb_history *h = xzalloc(sizeof *h);
    list_init(&h->txns);
    return h;
}

static void
hist_txn_destroy(struct hist_txn *ht)
{
    for (size_t i = 0; i < ht->n_changes; i++) {
        ovsdb_row_unref(ht->changes[i].old);
        ovsdb_row_unref(ht->changes[i].new);
    }
    free(ht->changes);
    free(ht);
}

void
ovsdb_history_destroy(struct ovsdb_history *h)
{
    if (h) {
        struct hist_txn *ht;
        LIST_FOR_EACH_POP (ht, node, &h->txns) {
            hist_txn_destroy(ht);
        }
        free(h);
    }
}

static void
history_add(struct ovsdb_db *db, const struct ovsdb_txn *txn, const struct uuid *id)
{
    struct ovsdb_history *h = db->history;
    struct hist_txn *ht = xzalloc(sizeof *ht);
    size_t n = 0;
    struct ovsdb_txn_table *tt;

    ht->id = *id;
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        n += tt->n_modified;
    }
    ht->changes = xcalloc(n ? n : 1, sizeof *ht->changes);
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        struct ovsdb_txn_row *tr;
        LIST_FOR_EACH (tr, list_node, &tt->rows) {
            if (tr->modified && (tr->old || tr->new)) {
                struct hist_change *c = &ht->changes[ht->n_changes++];
                c->table = tt->table;
                c->old = tr->old ? ovsdb_row_ref(tr->old) : NULL;
                c->new = tr->new ? ovsdb_row_ref(tr->new) : NULL;
            }
        }
    }
    list_push_back(&h->txns, &ht->node);
    h->n_txns++;
    h->n_changes += ht->n_changes;

    size_t max_rows = MAX(HISTORY_MIN_ROWS, ovsdb_db_count_rows(db));
    while (h->n_txns > HISTORY_MAX_TXNS
           || (h->n_txns > 1 && h->n_changes > max_rows)) {
        struct hist_txn *old = container_of(list_pop_front(&h->txns),
                                            struct hist_txn, node);
        h->n_txns--;
        h->n_changes -= old->n_changes;
        hist_txn_destroy(old);
    }
}

void
ovsdb_monitor_commit(struct ovsdb_db *db, const struct ovsdb_txn *txn,
                     const struct uuid *txn_id)
{
    struct ovsdb_monitor *m;
    LIST_FOR_EACH (m, node, &db->monitors) {
        json_t *updates = NULL;
        struct ovsdb_txn_table *tt;
        LIST_FOR_EACH (tt, list_node, &txn->tables) {
            const struct monitor_table *mt = m->by_index[tt->table->schema->index];
            if (!mt || !tt->n_modified) {
                continue;
            }
            struct ovsdb_txn_row *tr;
            LIST_FOR_EACH (tr, list_node, &tt->rows) {
                if (!tr->modified) {
                    continue;
                }
                json_t *u = row_update(mt, m->version, tr->old, tr->new);
                if (u) {
                    add_update(&updates, mt, &tr->uuid, u);
                }
            }
        }
        if (updates) {
            /* update3 carries the id of this transaction. */
            struct uuid saved = db->last_txn_id;
            db->last_txn_id = *txn_id;
            send_updates(m, updates);
            db->last_txn_id = saved;
        }
    }
    history_add(db, txn, txn_id);
    log_debug("%s: transaction "UUID_FMT" recorded", db->schema->name,
              UUID_ARGS(txn_id));
}
