/* ovsdb monitor: see monitor.h. */
#include "ovsdb/monitor.h"

#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "lib/list.h"
#include "lib/log.h"
#include "ovsdb/condition.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/jsonw.h"
#include "ovsdb/txn.h"

LOG_MODULE(monitor);

/* The history keeps at most this many transactions, and at most as many
 * changed rows as the larger of HISTORY_MIN_ROWS and the database's rows. */
#define HISTORY_MAX_TXNS 100
#define HISTORY_MIN_ROWS 10000

/* The kinds of change a request's "select" reports. */
enum {
    SEL_INITIAL = 1 << 0,
    SEL_INSERT = 1 << 1,
    SEL_DELETE = 1 << 2,
    SEL_MODIFY = 1 << 3,
};

/* A table's requests, merged as ovsdb-server merges them: each column
 * belongs to one request and is reported for the kinds of change that
 * request selects; a row is reported for the kinds any request selects;
 * the first request's "where" is the table's condition. */
struct monitor_table {
    struct ovsdb_table *table;
    const struct ovsdb_column **columns;    /* Monitored, in order. */
    unsigned char *selects;                 /* SEL_* of each column. */
    size_t n_columns;
    bool initial, insert, delete, modify;   /* Union of the "select"s. */
    struct ovsdb_condition cond;            /* V2/V3 only. */
};

struct ovsdb_monitor {
    struct list node;                   /* In db->monitors. */
    struct ovsdb_db *db;
    enum ovsdb_monitor_version version;
    json_t *id;
    char *id_text;                      /* 'id' as compact JSON. */
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

/* Row JSON, written as text (see jsonw.h). */

/* Writes the columns of 'row' that 'mt' reports for changes of kind 'sel'. */
static void
put_row(struct ds *out, const struct monitor_table *mt, const struct ovsdb_row *row,
        bool skip_defaults, unsigned int sel)
{
    bool first = true;
    ds_put_char(out, '{');
    for (size_t i = 0; i < mt->n_columns; i++) {
        const struct ovsdb_column *c = mt->columns[i];
        const struct ovsdb_datum *d = &row->fields[c->index];
        if (!(mt->selects[i] & sel)
            || (skip_defaults && ovsdb_datum_is_default(d, &c->type))) {
            continue;
        }
        if (!first) {
            ds_put_char(out, ',');
        }
        first = false;
        jsonw_string(out, c->name);
        ds_put_char(out, ':');
        jsonw_datum(out, d, &c->type);
    }
    ds_put_char(out, '}');
}

/* The update2 "modify" value of one column (ovsdb-server(7)): the new value
 * for a column of at most one element that is not a map; for a set, the
 * elements added or removed; for a map, the pairs removed (with their old
 * value), added, or whose value changed (with the new value). */
static void
put_datum_diff(struct ds *out, const struct ovsdb_datum *old,
               const struct ovsdb_datum *new, const struct ovsdb_type *type)
{
    if (type->n_max == 1 && !ovsdb_type_is_map(type)) {
        jsonw_datum(out, new, type);
        return;
    }
    bool is_map = ovsdb_type_is_map(type);
    struct ovsdb_datum diff = { 0, NULL, NULL };
    size_t cap = old->n + new->n;
    diff.keys = xmalloc((cap ? cap : 1) * sizeof *diff.keys);
    if (is_map) {
        diff.values = xmalloc((cap ? cap : 1) * sizeof *diff.values);
    }
    unsigned int i = 0, j = 0;
    while (i < old->n || j < new->n) {
        int cmp = i >= old->n ? 1 : j >= new->n ? -1
                  : ovsdb_atom_compare_3way(&old->keys[i], &new->keys[j],
                                            type->key.type);
        const struct ovsdb_datum *src = NULL;
        unsigned int k = 0;
        if (cmp < 0) {
            src = old, k = i++;
        } else if (cmp > 0) {
            src = new, k = j++;
        } else {
            if (is_map && !ovsdb_atom_equals(&old->values[i], &new->values[j],
                                             type->value.type)) {
                src = new, k = j;
            }
            i++;
            j++;
        }
        if (src) {
            /* Shallow copies: 'diff' borrows the atoms and is not destroyed. */
            diff.keys[diff.n] = src->keys[k];
            if (is_map) {
                diff.values[diff.n] = src->values[k];
            }
            diff.n++;
        }
    }
    struct ovsdb_type set_type = *type;
    set_type.n_max = UINT_MAX;
    jsonw_datum(out, &diff, &set_type);
    free(diff.keys);
    free(diff.values);
}

/* Appends the update of one row for 'mt' to 'out' and returns true, or
 * returns false (appending nothing) if 'mt' selects no change of it. */
static bool
put_row_update(struct ds *out, const struct monitor_table *mt,
               enum ovsdb_monitor_version version,
               const struct ovsdb_row *old, const struct ovsdb_row *new)
{
    bool v1 = version == OVSDB_MONITOR_V1;
    bool old_match = old && (v1 || ovsdb_condition_match_any(old, &mt->cond));
    bool new_match = new && (v1 || ovsdb_condition_match_any(new, &mt->cond));

    if (!old_match && !new_match) {
        return false;
    } else if (!old_match) {
        if (!mt->insert) {
            return false;
        }
        ds_put_cstr(out, v1 ? "{\"new\":" : "{\"insert\":");
        put_row(out, mt, new, !v1, SEL_INSERT);
        ds_put_char(out, '}');
        return true;
    } else if (!new_match) {
        if (!mt->delete) {
            return false;
        }
        if (v1) {
            ds_put_cstr(out, "{\"old\":");
            put_row(out, mt, old, false, SEL_DELETE);
            ds_put_char(out, '}');
        } else {
            ds_put_cstr(out, "{\"delete\":null}");
        }
        return true;
    }
    if (!mt->modify) {
        return false;
    }
    /* A change to any monitored column makes a "modify"; it shows the
     * columns whose request selects "modify" (possibly none, as in
     * ovsdb-server). */
    size_t start = out->length;
    bool any = false, first = true;
    ds_put_cstr(out, v1 ? "{\"old\":{" : "{\"modify\":{");
    for (size_t i = 0; i < mt->n_columns; i++) {
        const struct ovsdb_column *c = mt->columns[i];
        const struct ovsdb_datum *o = &old->fields[c->index];
        const struct ovsdb_datum *n = &new->fields[c->index];
        if (ovsdb_datum_equals(o, n, &c->type)) {
            continue;
        }
        any = true;
        if (!(mt->selects[i] & SEL_MODIFY)) {
            continue;
        }
        if (!first) {
            ds_put_char(out, ',');
        }
        first = false;
        jsonw_string(out, c->name);
        ds_put_char(out, ':');
        if (v1) {
            jsonw_datum(out, o, &c->type);
        } else {
            put_datum_diff(out, o, n, &c->type);
        }
    }
    if (!any) {
        out->length = start;
        ds_cstr(out);
        return false;
    }
    ds_put_char(out, '}');
    if (v1) {
        ds_put_cstr(out, ",\"new\":");
        put_row(out, mt, new, false, SEL_MODIFY);
    }
    ds_put_char(out, '}');
    return true;
}

/* Builds a <table-updates> object text: tables, then rows within each. */
struct updates_writer {
    struct ds *out;
    const struct monitor_table *table;  /* Open table, or NULL. */
    bool any;                           /* Some table written. */
    bool table_any;                     /* Some row in the open table. */
};

static void
uw_init(struct updates_writer *w, struct ds *out)
{
    w->out = out;
    w->table = NULL;
    w->any = w->table_any = false;
    ds_put_char(out, '{');
}

/* Starts the update of row 'uuid' of 'mt' (opening the table if needed),
 * leaving 'out' ready for the update object; returns the length to roll
 * back to if no update follows. */
static size_t
uw_begin_row(struct updates_writer *w, const struct monitor_table *mt,
             const struct uuid *uuid)
{
    size_t mark = w->out->length;
    if (w->table != mt) {
        if (w->table) {
            ds_put_char(w->out, '}');
        }
        if (w->any) {
            ds_put_char(w->out, ',');
        }
        jsonw_string(w->out, mt->table->schema->name);
        ds_put_cstr(w->out, ":{");
        w->table = mt;
        w->any = true;
        w->table_any = false;
    } else if (w->table_any) {
        ds_put_char(w->out, ',');
    }
    ds_put_char(w->out, '"');
    jsonw_uuid_chars(w->out, uuid);
    ds_put_cstr(w->out, "\":");
    return mark;
}

static void
uw_end_row(struct updates_writer *w, bool written, size_t mark,
           const struct monitor_table *prev_table, bool prev_any, bool prev_table_any)
{
    if (written) {
        w->table_any = true;
    } else {
        w->out->length = mark;
        w->table = prev_table;
        w->any = prev_any;
        w->table_any = prev_table_any;
    }
}

static bool
uw_row_update(struct updates_writer *w, const struct monitor_table *mt,
              enum ovsdb_monitor_version version, const struct uuid *uuid,
              const struct ovsdb_row *old, const struct ovsdb_row *new)
{
    const struct monitor_table *prev_table = w->table;
    bool prev_any = w->any, prev_table_any = w->table_any;
    size_t mark = uw_begin_row(w, mt, uuid);
    bool written = put_row_update(w->out, mt, version, old, new);
    uw_end_row(w, written, mark, prev_table, prev_any, prev_table_any);
    return written;
}

static void
uw_initial(struct updates_writer *w, const struct monitor_table *mt,
           enum ovsdb_monitor_version version, const struct ovsdb_row *row)
{
    uw_begin_row(w, mt, ovsdb_row_get_uuid(row));
    bool v1 = version == OVSDB_MONITOR_V1;
    ds_put_cstr(w->out, v1 ? "{\"new\":" : "{\"initial\":");
    put_row(w->out, mt, row, !v1, SEL_INITIAL);
    ds_put_char(w->out, '}');
    w->table_any = true;
}

/* Closes the object; returns true if it holds any update. */
static bool
uw_finish(struct updates_writer *w)
{
    if (w->table) {
        ds_put_char(w->out, '}');
    }
    ds_put_char(w->out, '}');
    return w->any;
}

static void
put_initial_updates(struct ds *out, const struct ovsdb_monitor *m)
{
    struct updates_writer w;
    uw_init(&w, out);
    for (size_t t = 0; t < m->db->schema->n_tables; t++) {
        const struct monitor_table *mt = m->by_index[t];
        if (!mt || !mt->initial) {
            continue;
        }
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &mt->table->rows) {
            if (m->version == OVSDB_MONITOR_V1
                || ovsdb_condition_match_any(row, &mt->cond)) {
                uw_initial(&w, mt, m->version, row);
            }
        }
    }
    uw_finish(&w);
}

/* Requests. */

static void
monitor_table_destroy(struct monitor_table *mt)
{
    if (mt) {
        free(mt->columns);
        free(mt->selects);
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

/* Parses a request's "select" into '*selp' (SEL_* bits). */
static struct ovsdb_error *
parse_select(const json_t *select, const struct monitor_table *mt, unsigned int *selp)
{
    static const char *const names[] = { "initial", "insert", "delete", "modify" };
    const char *table = mt->table->schema->name;
    if (select) {
        const char *key;
        json_t *value;
        json_object_foreach ((json_t *) select, key, value) {
            bool known = false;
            for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                known = known || !strcmp(key, names[i]);
            }
            if (!known) {
                return ovsdb_syntax_error(select, NULL, "Parsing table %s select "
                                          "failed: Member '%s' is present but not "
                                          "allowed here.", table, key);
            }
        }
    }
    *selp = 0;
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        const json_t *v = select ? json_object_get(select, names[i]) : NULL;
        if (v && !json_is_boolean(v)) {
            return ovsdb_syntax_error(select, NULL, "Parsing table %s select "
                                      "failed: Type mismatch for member '%s'.",
                                      table, names[i]);
        }
        if (!v || json_is_true(v)) {
            *selp |= 1u << i;
        }
    }
    return NULL;
}

static void
add_column(struct monitor_table *mt, const struct ovsdb_column *c, unsigned int sel)
{
    mt->columns[mt->n_columns] = c;
    mt->selects[mt->n_columns] = sel;
    mt->n_columns++;
}

static struct ovsdb_error *
parse_table_request(struct ovsdb_monitor *m, struct monitor_table *mt,
                    const json_t *req, bool first)
{
    const struct ovsdb_table_schema *ts = mt->table->schema;
    const char *key;
    json_t *value;

    if (!json_is_object(req)) {
        return ovsdb_syntax_error(NULL, NULL, "Parsing table %s failed: Object "
                                  "expected.", ts->name);
    }
    json_object_foreach ((json_t *) req, key, value) {
        if (strcmp(key, "columns") && strcmp(key, "select")
            && (strcmp(key, "where") || m->version == OVSDB_MONITOR_V1)) {
            return ovsdb_syntax_error(req, NULL, "Parsing table %s failed: Member "
                                      "'%s' is present but not allowed here.",
                                      ts->name, key);
        }
    }
    const json_t *select = json_object_get(req, "select");
    if (select && !json_is_object(select)) {
        return ovsdb_syntax_error(req, NULL, "Parsing table %s failed: Type "
                                  "mismatch for member 'select'.", ts->name);
    }
    const json_t *columns_json = json_object_get(req, "columns");
    if (columns_json && !json_is_array(columns_json)) {
        return ovsdb_syntax_error(req, NULL, "Parsing table %s failed: Type "
                                  "mismatch for member 'columns'.", ts->name);
    }
    unsigned int sel = 0;
    struct ovsdb_error *error = parse_select(select, mt, &sel);
    if (error) {
        return error;
    }
    mt->initial = mt->initial || (sel & SEL_INITIAL);
    mt->insert = mt->insert || (sel & SEL_INSERT);
    mt->delete = mt->delete || (sel & SEL_DELETE);
    mt->modify = mt->modify || (sel & SEL_MODIFY);

    /* A column may belong to one request only (ovsdb-server: "column X
     * mentioned more than once"). */
    const json_t *columns = json_object_get(req, "columns");
    size_t n_max = mt->n_columns + (columns ? json_array_size(columns) : ts->n_columns);
    mt->columns = xrealloc(mt->columns, (n_max ? n_max : 1) * sizeof *mt->columns);
    mt->selects = xrealloc(mt->selects, n_max ? n_max : 1);
    if (columns) {
        size_t i;
        json_t *name;
        json_array_foreach (columns, i, name) {
            const struct ovsdb_column *c = json_is_string(name)
                ? ovsdb_table_schema_find_column(ts, json_string_value(name)) : NULL;
            if (!c) {
                return ovsdb_syntax_error(columns, NULL, "%s is not a valid column name",
                                          json_is_string(name) ? json_string_value(name)
                                                               : "(non-string)");
            }
            if (has_column(mt, c)) {
                return ovsdb_syntax_error(columns, NULL,
                                          "column %s mentioned more than once", c->name);
            }
            add_column(mt, c, sel);
        }
    } else {
        /* ovsdb-server names the first repeated column in its hash order;
         * the alphabetically first one is as good and stable. */
        const struct ovsdb_column *dup = NULL;
        for (size_t i = 0; i < ts->n_columns; i++) {
            const struct ovsdb_column *c = ts->columns[i];
            if (c->index == OVSDB_COL_UUID) {
                continue;
            }
            if (!has_column(mt, c)) {
                add_column(mt, c, sel);
            } else if (!dup || (c->index >= OVSDB_N_INTERNAL_COLUMNS
                                && (dup->index < OVSDB_N_INTERNAL_COLUMNS
                                    || strcmp(c->name, dup->name) < 0))) {
                dup = c;
            }
        }
        if (dup) {
            return ovsdb_syntax_error(NULL, NULL, "column %s mentioned more than once",
                                      dup->name);
        }
    }

    /* Every request's "where" is checked; the first one's applies. */
    const json_t *where = json_object_get(req, "where");
    if (where) {
        struct ovsdb_condition cond;
        error = ovsdb_condition_from_json(ts, where, NULL, &cond);
        if (error) {
            return error;
        }
        if (first) {
            ovsdb_condition_destroy(&mt->cond);
            mt->cond = cond;
        } else {
            ovsdb_condition_destroy(&cond);
        }
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
            return ovsdb_error("syntax error", "no table named %s", table_name);
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

static char *
json_to_text(const json_t *json)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    jsonw_json(&out, json);
    return ds_steal_cstr(&out);
}

/* Appends to 'out' the updates since 'last' and returns true, or returns
 * false (appending nothing) if 'last' is not in the history. */
static bool
put_since_updates(struct ds *out, const struct ovsdb_monitor *m,
                  const struct uuid *last)
{
    struct ovsdb_history *h = m->db->history;
    struct hist_txn *ht, *start = NULL;
    struct updates_writer w;

    if (uuid_equals(last, &m->db->last_txn_id)) {
        ds_put_cstr(out, "{}");
        return true;
    }
    LIST_FOR_EACH (ht, node, &h->txns) {
        if (uuid_equals(&ht->id, last)) {
            start = ht;
            break;
        }
    }
    if (!start) {
        return false;
    }

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
            struct merged *mr, *found = NULL;
            HMAP_FOR_EACH_WITH_HASH (mr, node, uuid_hash(u), &rows) {
                if (mr->table == c->table && uuid_equals(&mr->uuid, u)) {
                    found = mr;
                    break;
                }
            }
            if (!found) {
                found = xmalloc(sizeof *found);
                found->table = c->table;
                found->uuid = *u;
                found->old = c->old;
                hmap_insert(&rows, &found->node, uuid_hash(u));
            }
            found->new = c->new;
        }
    }
    uw_init(&w, out);
    for (size_t t = 0; t < m->db->schema->n_tables; t++) {
        const struct monitor_table *mt = m->by_index[t];
        struct merged *mr;
        if (!mt) {
            continue;
        }
        HMAP_FOR_EACH (mr, node, &rows) {
            if (mr->table == mt->table) {
                uw_row_update(&w, mt, m->version, &mr->uuid, mr->old, mr->new);
            }
        }
    }
    uw_finish(&w);
    struct merged *mr;
    HMAP_FOR_EACH_POP (mr, node, &rows) {
        free(mr);
    }
    hmap_destroy(&rows);
    return true;
}

struct ovsdb_error *
ovsdb_monitor_create(struct ovsdb_db *db, enum ovsdb_monitor_version version,
                     const json_t *monitor_id, const json_t *requests,
                     const struct uuid *last_txn_id,
                     ovsdb_monitor_send_func *send, void *aux,
                     struct ovsdb_monitor **monitorp, struct ds *result)
{
    struct ovsdb_monitor *m = xzalloc(sizeof *m);
    m->db = db;
    m->version = version;
    m->id = json_deep_copy(monitor_id);
    m->id_text = json_to_text(monitor_id);
    m->by_index = xcalloc(db->schema->n_tables ? db->schema->n_tables : 1,
                          sizeof *m->by_index);
    m->send = send;
    m->aux = aux;
    list_init(&m->node);

    *monitorp = NULL;
    struct ovsdb_error *error = parse_requests(m, requests);
    if (error) {
        ovsdb_monitor_destroy(m);
        return error;
    }
    if (version == OVSDB_MONITOR_V3) {
        size_t start = result->length;
        ds_put_cstr(result, "[true,\"");
        jsonw_uuid_chars(result, &db->last_txn_id);
        ds_put_cstr(result, "\",");
        if (!last_txn_id || !put_since_updates(result, m, last_txn_id)) {
            result->length = start;
            ds_put_cstr(result, "[false,\"");
            jsonw_uuid_chars(result, &db->last_txn_id);
            ds_put_cstr(result, "\",");
            put_initial_updates(result, m);
        }
        ds_put_char(result, ']');
    } else {
        put_initial_updates(result, m);
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
    free(m->id_text);
    free(m);
}

const json_t *ovsdb_monitor_get_id(const struct ovsdb_monitor *m) { return m->id; }
struct ovsdb_db *ovsdb_monitor_get_db(const struct ovsdb_monitor *m) { return m->db; }

/* Starts a notification for 'm' in 'out', up to the table-updates. */
static void
begin_notification(struct ds *out, const struct ovsdb_monitor *m,
                   const struct uuid *txn_id)
{
    static const char *const methods[] = {
        [OVSDB_MONITOR_V1] = "update", [OVSDB_MONITOR_V2] = "update2",
        [OVSDB_MONITOR_V3] = "update3",
    };
    ds_put_format(out, "{\"id\":null,\"method\":\"%s\",\"params\":[%s,",
                  methods[m->version], m->id_text);
    if (m->version == OVSDB_MONITOR_V3) {
        ds_put_char(out, '"');
        jsonw_uuid_chars(out, txn_id);
        ds_put_cstr(out, "\",");
    }
}

static void
end_notification(struct ds *out, struct ovsdb_monitor *m)
{
    ds_put_cstr(out, "]}");
    size_t len = out->length;
    m->send(m->aux, ds_steal_cstr(out), len);
}

/* Checks one <monitor-cond-change-request> of 'ts' and returns its
 * "where" (borrowed), as ovsdb-server parses it, except that a missing
 * "where" is an error here (ovsdb-server 3.1 crashes on it). */
static struct ovsdb_error *
parse_cond_change_request(const struct ovsdb_table_schema *ts, const json_t *req,
                          const json_t **wherep)
{
    const char *key;
    json_t *value;

    if (!json_is_object(req)) {
        return ovsdb_syntax_error(NULL, NULL, "Parsing table %s failed: Object "
                                  "expected.", ts->name);
    }
    json_object_foreach ((json_t *) req, key, value) {
        if (strcmp(key, "columns") && strcmp(key, "where")) {
            return ovsdb_syntax_error(req, NULL, "Parsing table %s failed: Member "
                                      "'%s' is present but not allowed here.",
                                      ts->name, key);
        }
    }
    const json_t *columns = json_object_get(req, "columns");
    const json_t *where = json_object_get(req, "where");
    if ((columns && !json_is_array(columns)) || (where && !json_is_array(where))) {
        return ovsdb_syntax_error(req, NULL, "Parsing table %s failed: Type "
                                  "mismatch for member '%s'.", ts->name,
                                  columns && !json_is_array(columns) ? "columns"
                                                                     : "where");
    }
    if (columns) {
        return ovsdb_syntax_error(req, NULL, "changing columns is unsupported");
    }
    if (!where) {
        return ovsdb_syntax_error(req, NULL, "Parsing table %s failed: Required "
                                  "'where' member is missing.", ts->name);
    }
    *wherep = where;
    return NULL;
}

/* Parses the new conditions of 'requests' into 'conds' (indexed by table,
 * NULL where unchanged; the last request of a table wins, as in
 * ovsdb-server).  Changes nothing in 'm'. */
static struct ovsdb_error *
parse_cond_changes(const struct ovsdb_monitor *m, const json_t *requests,
                   struct ovsdb_condition **conds)
{
    const char *table_name;
    json_t *value;

    if (!json_is_object(requests)) {
        return ovsdb_syntax_error(requests, NULL, "monitor-requests must be an object");
    }
    json_object_foreach ((json_t *) requests, table_name, value) {
        struct ovsdb_table *table = ovsdb_db_find_table(m->db, table_name);
        if (!table) {
            return ovsdb_syntax_error(NULL, NULL, "no table named %s", table_name);
        }
        size_t t = table->schema->index;
        if (!m->by_index[t]) {
            return ovsdb_syntax_error(NULL, NULL, "no table named %s in monitor "
                                      "session", table_name);
        }
        if (!json_is_array(value)) {
            return ovsdb_syntax_error(NULL, NULL, "table %s no monitor-cond-change "
                                      "JSON array", table_name);
        }
        size_t i;
        json_t *req;
        json_array_foreach (value, i, req) {
            const json_t *where = NULL;
            struct ovsdb_condition cond;
            struct ovsdb_error *error = parse_cond_change_request(table->schema, req,
                                                                  &where);
            if (!error) {
                error = ovsdb_condition_from_json(table->schema, where, NULL, &cond);
            }
            if (error) {
                return error;
            }
            if (!conds[t]) {
                conds[t] = xmalloc(sizeof *conds[t]);
            } else {
                ovsdb_condition_destroy(conds[t]);
            }
            *conds[t] = cond;
        }
    }
    return NULL;
}

struct ovsdb_error *
ovsdb_monitor_cond_change(struct ovsdb_monitor *m, const json_t *new_id,
                          const json_t *requests)
{
    size_t n_tables = m->db->schema->n_tables;
    struct ovsdb_condition **conds = xcalloc(n_tables ? n_tables : 1, sizeof *conds);
    struct ovsdb_error *error = parse_cond_changes(m, requests, conds);
    if (!error && new_id && !json_is_null(new_id)) {
        json_decref(m->id);
        free(m->id_text);
        m->id = json_deep_copy(new_id);
        m->id_text = json_to_text(new_id);
    }

    /* A plain "monitor" has no condition: ovsdb-server accepts the change
     * (and the new id) and reports nothing. */
    struct ds out = DS_EMPTY_INITIALIZER;
    struct updates_writer w;
    begin_notification(&out, m, &m->db->last_txn_id);
    uw_init(&w, &out);
    for (size_t t = 0; t < n_tables; t++) {
        struct monitor_table *mt = m->by_index[t];
        if (!conds[t]) {
            continue;
        }
        if (!error && m->version != OVSDB_MONITOR_V1) {
            struct ovsdb_row *row;
            HMAP_FOR_EACH (row, hmap_node, &mt->table->rows) {
                bool was = ovsdb_condition_match_any(row, &mt->cond);
                bool is = ovsdb_condition_match_any(row, conds[t]);
                if (was == is || !(is ? mt->insert : mt->delete)) {
                    continue;
                }
                uw_begin_row(&w, mt, ovsdb_row_get_uuid(row));
                if (is) {
                    ds_put_cstr(&out, "{\"insert\":");
                    put_row(&out, mt, row, true, SEL_INSERT);
                    ds_put_char(&out, '}');
                } else {
                    ds_put_cstr(&out, "{\"delete\":null}");
                }
                w.table_any = true;
            }
            ovsdb_condition_destroy(&mt->cond);
            mt->cond = *conds[t];
        } else {
            ovsdb_condition_destroy(conds[t]);
        }
        free(conds[t]);
    }
    free(conds);
    if (uw_finish(&w) && !error) {
        end_notification(&out, m);
    }
    ds_destroy(&out);
    return error;
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
    struct ds out = DS_EMPTY_INITIALIZER;
    LIST_FOR_EACH (m, node, &db->monitors) {
        struct updates_writer w;
        struct ovsdb_txn_table *tt;

        ds_clear(&out);
        begin_notification(&out, m, txn_id);
        uw_init(&w, &out);
        LIST_FOR_EACH (tt, list_node, &txn->tables) {
            const struct monitor_table *mt = m->by_index[tt->table->schema->index];
            if (!mt || !tt->n_modified) {
                continue;
            }
            struct ovsdb_txn_row *tr;
            LIST_FOR_EACH (tr, list_node, &tt->rows) {
                if (tr->modified) {
                    uw_row_update(&w, mt, m->version, &tr->uuid, tr->old, tr->new);
                }
            }
        }
        if (uw_finish(&w)) {
            end_notification(&out, m);
        }
    }
    ds_destroy(&out);
    history_add(db, txn, txn_id);
    log_debug("%s: transaction "UUID_FMT" recorded", db->schema->name,
              UUID_ARGS(txn_id));
}
