/* ovsdb txn: see txn.h. */
#include "ovsdb/txn.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "lib/log.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"

LOG_MODULE(txn);

struct ovsdb_txn *
ovsdb_txn_create(struct ovsdb_db *db)
{
    struct ovsdb_txn *txn = xzalloc(sizeof *txn);
    txn->db = db;
    list_init(&txn->tables);
    txn->by_index = xcalloc(db->schema->n_tables ? db->schema->n_tables : 1,
                            sizeof *txn->by_index);
    return txn;
}

static struct ovsdb_txn_table *
get_txn_table(struct ovsdb_txn *txn, struct ovsdb_table *table)
{
    struct ovsdb_txn_table **slot = &txn->by_index[table->schema->index];
    if (!*slot) {
        struct ovsdb_txn_table *tt = xzalloc(sizeof *tt);
        tt->table = table;
        hmap_init(&tt->txn_rows);
        list_init(&tt->rows);
        list_push_back(&txn->tables, &tt->list_node);
        *slot = tt;
    }
    return *slot;
}

static struct ovsdb_txn_row *
new_txn_row(struct ovsdb_txn *txn, struct ovsdb_table *table,
            struct ovsdb_row *old, struct ovsdb_row *new)
{
    struct ovsdb_txn_table *tt = get_txn_table(txn, table);
    struct ovsdb_txn_row *tr = xzalloc(sizeof *tr);
    tr->uuid = *ovsdb_row_get_uuid(old ? old : new);
    tr->old = old;
    tr->new = new;
    tr->n_refs = old ? old->n_refs : 0;
    if (old) {
        old->txn_row = tr;
    }
    if (new) {
        new->txn_row = tr;
    }
    hmap_insert(&tt->txn_rows, &tr->hmap_node, uuid_hash(&tr->uuid));
    list_push_back(&tt->rows, &tr->list_node);
    return tr;
}

static struct ovsdb_txn_row *
find_txn_row(const struct ovsdb_txn *txn, const struct ovsdb_table *table,
             const struct uuid *uuid)
{
    const struct ovsdb_txn_table *tt = txn->by_index[table->schema->index];
    struct ovsdb_txn_row *tr;
    if (!tt) {
        return NULL;
    }
    HMAP_FOR_EACH_WITH_HASH (tr, hmap_node, uuid_hash(uuid), &tt->txn_rows) {
        if (uuid_equals(&tr->uuid, uuid)) {
            return tr;
        }
    }
    return NULL;
}

void
ovsdb_txn_row_insert(struct ovsdb_txn *txn, struct ovsdb_row *row)
{
    hmap_insert(&row->table->rows, &row->hmap_node,
                uuid_hash(ovsdb_row_get_uuid(row)));
    new_txn_row(txn, row->table, NULL, row);
}

struct ovsdb_row *
ovsdb_txn_row_modify(struct ovsdb_txn *txn, struct ovsdb_row *row)
{
    struct ovsdb_txn_row *tr = row->txn_row;
    if (tr && tr->new != tr->old) {
        return row;             /* Already the transaction's own copy. */
    }
    struct ovsdb_row *clone = ovsdb_row_clone(row);
    hmap_replace(&row->table->rows, &row->hmap_node, &clone->hmap_node);
    if (tr) {
        tr->new = clone;
        clone->txn_row = tr;
    } else {
        new_txn_row(txn, row->table, row, clone);
    }
    return clone;
}

void
ovsdb_txn_row_delete(struct ovsdb_txn *txn, struct ovsdb_row *row)
{
    struct ovsdb_txn_row *tr = row->txn_row;
    hmap_remove(&row->table->rows, &row->hmap_node);
    if (!tr) {
        tr = new_txn_row(txn, row->table, row, NULL);
    } else {
        if (tr->new != tr->old) {
            ovsdb_row_destroy(tr->new);
        }
        tr->new = NULL;
    }
    tr->new = NULL;
}

void
ovsdb_txn_add_comment(struct ovsdb_txn *txn, const char *comment)
{
    if (txn->comment) {
        char *joined = xasprintf("%s\n%s", txn->comment, comment);
        free(txn->comment);
        txn->comment = joined;
    } else {
        txn->comment = xstrdup(comment);
    }
}

static void
txn_free(struct ovsdb_txn *txn)
{
    struct ovsdb_txn_table *tt;
    LIST_FOR_EACH_POP (tt, list_node, &txn->tables) {
        struct ovsdb_txn_row *tr;
        LIST_FOR_EACH_POP (tr, list_node, &tt->rows) {
            free(tr->changed);
            free(tr);
        }
        hmap_destroy(&tt->txn_rows);
        free(tt);
    }
    free(txn->by_index);
    free(txn->comment);
    free(txn);
}

void
ovsdb_txn_abort(struct ovsdb_txn *txn)
{
    if (!txn) {
        return;
    }
    struct ovsdb_txn_table *tt;
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        struct hmap *rows = &tt->table->rows;
        /* Newest first, so that a row's committed version goes back last. */
        for (struct list *e = tt->rows.prev; e != &tt->rows; e = e->prev) {
            struct ovsdb_txn_row *tr = container_of(e, struct ovsdb_txn_row,
                                                    list_node);
            if (tr->new && tr->old) {
                hmap_replace(rows, &tr->new->hmap_node, &tr->old->hmap_node);
            } else if (tr->new) {
                hmap_remove(rows, &tr->new->hmap_node);
            } else if (tr->old) {
                hmap_insert(rows, &tr->old->hmap_node, uuid_hash(&tr->uuid));
            }
            if (tr->new && tr->new != tr->old) {
                ovsdb_row_destroy(tr->new);
            }
            if (tr->old) {
                tr->old->txn_row = NULL;
            }
        }
    }
    txn_free(txn);
}

/* Changes. */

static unsigned long *
tr_changed(struct ovsdb_txn_row *tr, size_t n_columns)
{
    if (!tr->changed) {
        tr->changed = xcalloc(bitmap_n_longs(n_columns), sizeof(unsigned long));
    }
    return tr->changed;
}

static void
determine_changes(struct ovsdb_txn_row *tr)
{
    const struct ovsdb_row *any = tr->old ? tr->old : tr->new;
    if (!any) {
        tr->modified = false;
        return;
    }
    const struct ovsdb_table_schema *ts = any->table->schema;
    unsigned long *changed = tr_changed(tr, ts->n_columns);
    memset(changed, 0, bitmap_n_longs(ts->n_columns) * sizeof *changed);
    tr->modified = false;
    if (tr->old == tr->new) {
        return;
    }
    for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
        if (!tr->old || !tr->new
            || !ovsdb_datum_equals(&tr->old->fields[i], &tr->new->fields[i],
                                   &ts->columns[i]->type)) {
            bitmap_set1(changed, i);
            tr->modified = true;
        }
    }
    if (!tr->old || !tr->new) {
        tr->modified = true;
    }
}

/* Strong reference counting. */

static struct ovsdb_error *
adjust_one_ref(struct ovsdb_txn *txn, const struct ovsdb_base_type *base,
               const struct uuid *dst, int delta,
               const struct ovsdb_row *src, const struct ovsdb_column *column)
{
    struct ovsdb_table *dst_table = &txn->db->tables[base->uuid.ref_table->index];
    struct ovsdb_row *row;
    struct ovsdb_txn_row *tr;

    if (dst_table == src->table && uuid_equals(dst, ovsdb_row_get_uuid(src))) {
        /* A row's references to itself do not keep it alive (ovsdb-server
         * does the same, but also skips a reference to the same UUID in
         * another table, which lets a dangling reference through). */
        return NULL;
    }
    row = ovsdb_table_get_row(dst_table, dst);
    if (row) {
        tr = row->txn_row ? row->txn_row : new_txn_row(txn, dst_table, row, row);
    } else {
        /* A row deleted by this transaction still counts the reference, so
         * that the deletion fails with "cannot delete ... because of N
         * remaining reference(s)", as in ovsdb-server. */
        tr = find_txn_row(txn, dst_table, dst);
        if (!tr || !tr->old) {
            /* Never existed, or inserted and deleted again by this
             * transaction. */
            return ovsdb_error("referential integrity violation",
                               "Table %s column %s row "UUID_FMT" references "
                               "nonexistent row "UUID_FMT" in table %s.",
                               src->table->schema->name, column->name,
                               UUID_ARGS(ovsdb_row_get_uuid(src)),
                               UUID_ARGS(dst), dst_table->schema->name);
        }
    }
    if (delta < 0) {
        if (tr->n_refs == 0) {
            return ovsdb_internal_error("reference count underflow");
        }
        tr->n_refs--;
    } else {
        tr->n_refs++;
    }
    return NULL;
}

static struct ovsdb_error *
adjust_refs(struct ovsdb_txn *txn, const struct ovsdb_row *row, int delta,
            const unsigned long *changed)
{
    const struct ovsdb_table_schema *ts = row->table->schema;
    for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
        const struct ovsdb_column *c = ts->columns[i];
        bool key_ref = ovsdb_base_type_is_strong_ref(&c->type.key);
        bool value_ref = ovsdb_base_type_is_strong_ref(&c->type.value);
        if ((!key_ref && !value_ref) || (changed && !bitmap_is_set(changed, i))) {
            continue;
        }
        const struct ovsdb_datum *d = &row->fields[i];
        for (unsigned int j = 0; j < d->n; j++) {
            struct ovsdb_error *error;
            if (key_ref) {
                error = adjust_one_ref(txn, &c->type.key, &d->keys[j].uuid,
                                       delta, row, c);
                if (error) {
                    return error;
                }
            }
            if (value_ref) {
                error = adjust_one_ref(txn, &c->type.value, &d->values[j].uuid,
                                       delta, row, c);
                if (error) {
                    return error;
                }
            }
        }
    }
    return NULL;
}

static struct ovsdb_error *
update_ref_counts(struct ovsdb_txn *txn)
{
    struct ovsdb_txn_table *tt;
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        /* Rows appended while walking only change reference counts. */
        for (struct list *e = tt->rows.next; e != &tt->rows; e = e->next) {
            struct ovsdb_txn_row *tr = container_of(e, struct ovsdb_txn_row,
                                                    list_node);
            if (!tr->modified) {
                continue;
            }
            struct ovsdb_error *error;
            if (tr->old) {
                error = adjust_refs(txn, tr->old, -1, tr->changed);
                if (error) {
                    return error;
                }
            }
            if (tr->new) {
                error = adjust_refs(txn, tr->new, +1, tr->changed);
                if (error) {
                    return error;
                }
            }
        }
    }
    return NULL;
}

/* 'ts' is the row's table schema: passed in because a row inserted by this
 * transaction and then garbage collected has neither 'old' nor 'new' left
 * to find it from. */
static void
mark_deleted(struct ovsdb_txn_row *tr, const struct ovsdb_table_schema *ts)
{
    unsigned long *changed = tr_changed(tr, ts->n_columns);
    for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
        bitmap_set1(changed, i);
    }
    tr->modified = tr->old != NULL;
}

static struct ovsdb_error *
collect_garbage(struct ovsdb_txn *txn)
{
    bool progress;
    do {
        progress = false;
        struct ovsdb_txn_table *tt;
        LIST_FOR_EACH (tt, list_node, &txn->tables) {
            if (tt->table->schema->is_root) {
                continue;
            }
            for (struct list *e = tt->rows.next; e != &tt->rows; e = e->next) {
                struct ovsdb_txn_row *tr = container_of(e, struct ovsdb_txn_row,
                                                        list_node);
                if (!tr->new || tr->n_refs) {
                    continue;
                }
                struct ovsdb_row *row = tr->new;
                struct ovsdb_error *error = adjust_refs(txn, row, -1, NULL);
                if (error) {
                    return error;
                }
                hmap_remove(&tt->table->rows, &row->hmap_node);
                if (row != tr->old) {
                    ovsdb_row_destroy(row);
                }
                tr->new = NULL;
                mark_deleted(tr, tt->table->schema);
                progress = true;
            }
        }
    } while (progress);
    return NULL;
}

static struct ovsdb_error *
check_ref_counts(struct ovsdb_txn *txn)
{
    struct ovsdb_txn_table *tt;
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        struct ovsdb_txn_row *tr;
        LIST_FOR_EACH (tr, list_node, &tt->rows) {
            if (tr->old && !tr->new && tr->n_refs) {
                return ovsdb_error("referential integrity violation",
                                   "cannot delete %s row "UUID_FMT" because "
                                   "of %zu remaining reference(s)",
                                   tt->table->schema->name,
                                   UUID_ARGS(&tr->uuid), tr->n_refs);
            }
        }
    }
    return NULL;
}

/* Weak references. */

static bool
table_has_weak_columns(const struct ovsdb_table_schema *ts)
{
    for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
        const struct ovsdb_type *t = &ts->columns[i]->type;
        if (ovsdb_base_type_is_weak_ref(&t->key)
            || ovsdb_base_type_is_weak_ref(&t->value)) {
            return true;
        }
    }
    return false;
}

/* Removes from column 'c' of 'row' every element whose weak reference
 * points to a row absent from the current view.  Returns how many; sets
 * '*zerop' if one of them was the all-zeros UUID (a default value). */
static unsigned int
remove_dangling(struct ovsdb_db *db, struct ovsdb_row *row,
                const struct ovsdb_column *c, bool *zerop)
{
    struct ovsdb_datum *d = &row->fields[c->index];
    bool key_weak = ovsdb_base_type_is_weak_ref(&c->type.key);
    bool value_weak = ovsdb_base_type_is_weak_ref(&c->type.value);
    unsigned int n_removed = 0;

    for (unsigned int j = 0; j < d->n; ) {
        bool dangling = false;
        if (key_weak) {
            struct ovsdb_table *t = &db->tables[c->type.key.uuid.ref_table->index];
            dangling = !ovsdb_table_get_row(t, &d->keys[j].uuid);
        }
        if (!dangling && value_weak) {
            struct ovsdb_table *t = &db->tables[c->type.value.uuid.ref_table->index];
            dangling = !ovsdb_table_get_row(t, &d->values[j].uuid);
        }
        if (dangling) {
            *zerop = *zerop || (key_weak && uuid_is_zero(&d->keys[j].uuid))
                     || (value_weak && uuid_is_zero(&d->values[j].uuid));
            ovsdb_datum_remove(d, j, &c->type);
            n_removed++;
        } else {
            j++;
        }
    }
    return n_removed;
}

/* 'inserted': the row is new in this transaction; 'zero': an all-zeros
 * UUID was removed.  The wording is ovsdb-server's, typo included. */
static struct ovsdb_error *
check_weak_min(const struct ovsdb_row *row, const struct ovsdb_column *c,
               unsigned int n_removed, bool inserted, bool zero)
{
    if (row->fields[c->index].n >= c->type.n_min) {
        return NULL;
    }
    if (zero && inserted) {
        return ovsdb_error("constraint violation",
                           "Weak reference column \"%s\" in \"%s\" row "
                           UUID_FMT" (inserted within this transaction) "
                           "contained all-zeros UUID (probably as the default "
                           "value for this column) but deleting this value "
                           "caused a constraint volation because this column "
                           "is not allowed to be empty.", c->name,
                           row->table->schema->name,
                           UUID_ARGS(ovsdb_row_get_uuid(row)));
    }
    return ovsdb_error("constraint violation",
                       "Deletion of %u weak reference(s) to deleted (or "
                       "never-existing) rows from column \"%s\" in \"%s\" "
                       "row "UUID_FMT" %scaused this column to become empty, "
                       "but constraints on this column disallow an empty "
                       "column.", n_removed, c->name, row->table->schema->name,
                       UUID_ARGS(ovsdb_row_get_uuid(row)),
                       inserted ? "(inserted within this transaction) " : "");
}

static struct ovsdb_error *
assess_weak_refs(struct ovsdb_txn *txn)
{
    struct ovsdb_db *db = txn->db;
    struct ovsdb_txn_table *tt;

    /* New references must point to existing rows: drop the others. */
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        const struct ovsdb_table_schema *ts = tt->table->schema;
        if (!table_has_weak_columns(ts)) {
            continue;
        }
        struct ovsdb_txn_row *tr;
        LIST_FOR_EACH (tr, list_node, &tt->rows) {
            if (!tr->new || !tr->modified) {
                continue;
            }
            for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
                const struct ovsdb_column *c = ts->columns[i];
                if (!bitmap_is_set(tr->changed, i)
                    || (!ovsdb_base_type_is_weak_ref(&c->type.key)
                        && !ovsdb_base_type_is_weak_ref(&c->type.value))) {
                    continue;
                }
                bool zero = false;
                unsigned int n = remove_dangling(db, tr->new, c, &zero);
                if (n) {
                    struct ovsdb_error *error = check_weak_min(tr->new, c, n,
                                                               !tr->old, zero);
                    if (error) {
                        return error;
                    }
                }
            }
            determine_changes(tr);
        }
    }

    /* Rows that referred weakly to deleted rows lose those references. */
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        if (hmap_is_empty(&tt->table->weak_refs)) {
            continue;
        }
        struct ovsdb_txn_row *tr;
        LIST_FOR_EACH (tr, list_node, &tt->rows) {
            if (!tr->old || tr->new) {
                continue;
            }
            struct ovsdb_weak_ref *ref;
            HMAP_FOR_EACH_WITH_HASH (ref, node, uuid_hash(&tr->uuid),
                                     &tt->table->weak_refs) {
                if (!uuid_equals(&ref->dst, &tr->uuid)) {
                    continue;
                }
                struct ovsdb_row *src = ovsdb_table_get_row(ref->src_table, &ref->src);
                if (!src) {
                    continue;
                }
                src = ovsdb_txn_row_modify(txn, src);
                bool zero = false;
                unsigned int n = remove_dangling(db, src, ref->column, &zero);
                if (n) {
                    struct ovsdb_error *error = check_weak_min(
                        src, ref->column, n, !src->txn_row->old, zero);
                    if (error) {
                        return error;
                    }
                }
                determine_changes(src->txn_row);
            }
        }
    }
    return NULL;
}

static void
weak_refs_update(struct ovsdb_db *db, const struct ovsdb_row *row, bool add)
{
    const struct ovsdb_table_schema *ts = row->table->schema;
    const struct uuid *src = ovsdb_row_get_uuid(row);
    for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
        const struct ovsdb_column *c = ts->columns[i];
        for (int kv = 0; kv < 2; kv++) {
            const struct ovsdb_base_type *base = kv ? &c->type.value : &c->type.key;
            if (!ovsdb_base_type_is_weak_ref(base)) {
                continue;
            }
            struct ovsdb_table *dst_table = &db->tables[base->uuid.ref_table->index];
            const struct ovsdb_datum *d = &row->fields[i];
            for (unsigned int j = 0; j < d->n; j++) {
                const struct uuid *dst = kv ? &d->values[j].uuid : &d->keys[j].uuid;
                uint32_t hash = uuid_hash(dst);
                if (add) {
                    struct ovsdb_weak_ref *ref = xmalloc(sizeof *ref);
                    ref->dst = *dst;
                    ref->src = *src;
                    ref->src_table = row->table;
                    ref->column = c;
                    hmap_insert(&dst_table->weak_refs, &ref->node, hash);
                } else {
                    struct ovsdb_weak_ref *ref;
                    HMAP_FOR_EACH_WITH_HASH (ref, node, hash, &dst_table->weak_refs) {
                        if (uuid_equals(&ref->dst, dst) && uuid_equals(&ref->src, src)
                            && ref->column == c) {
                            hmap_remove(&dst_table->weak_refs, &ref->node);
                            free(ref);
                            break;
                        }
                    }
                }
            }
        }
    }
}

/* maxRows and indexes. */

static struct ovsdb_error *
check_max_rows(struct ovsdb_txn *txn)
{
    struct ovsdb_txn_table *tt;
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        const struct ovsdb_table_schema *ts = tt->table->schema;
        size_t n = hmap_count(&tt->table->rows);
        if (n > ts->max_rows) {
            return ovsdb_error("constraint violation",
                               "transaction causes \"%s\" table to contain %zu "
                               "rows, greater than the schema-defined limit of "
                               "%u row(s)", ts->name, n, ts->max_rows);
        }
    }
    return NULL;
}

static void
put_series(struct ds *out, size_t i, size_t n)
{
    if (i == 0) {
        return;
    }
    ds_put_cstr(out, n == 2 ? " and " : i == n - 1 ? ", and " : ", ");
}

/* Appends the values of the columns of 'index' in 'row', as ovsdb-server
 * lists them ("a, b, and c"). */
static void
put_index_values(struct ds *out, const struct ovsdb_row *row,
                 const struct ovsdb_index_schema *index)
{
    for (size_t i = 0; i < index->n_columns; i++) {
        const struct ovsdb_column *c = index->columns[i];
        put_series(out, i, index->n_columns);
        ovsdb_datum_to_text(out, &row->fields[c->index], &c->type);
    }
}

static void
describe_row(struct ds *out, const struct ovsdb_row *row,
             const struct ovsdb_index_schema *index)
{
    const struct ovsdb_txn_row *tr = row->txn_row;
    if (!tr || !tr->modified) {
        ds_put_cstr(out, "existed in the database before this transaction and "
                    "was not modified by the transaction");
        return;
    }
    if (!tr->old) {
        ds_put_cstr(out, "was inserted by this transaction");
        return;
    }
    for (size_t i = 0; i < index->n_columns; i++) {
        if (bitmap_is_set(tr->changed, index->columns[i]->index)) {
            ds_put_cstr(out, "had the following index values before the "
                        "transaction: ");
            put_index_values(out, tr->old, index);
            return;
        }
    }
    ds_put_cstr(out, "existed in the database before this transaction, which "
                "modified some of the row's columns but not any columns in "
                "this index");
}

static struct ovsdb_error *
duplicate_index_error(const struct ovsdb_table_schema *ts,
                      const struct ovsdb_index_schema *index,
                      const struct ovsdb_row *first, const struct ovsdb_row *second)
{
    struct ds values = DS_EMPTY_INITIALIZER, columns = DS_EMPTY_INITIALIZER;
    struct ds first_s = DS_EMPTY_INITIALIZER, second_s = DS_EMPTY_INITIALIZER;
    put_index_values(&values, second, index);
    for (size_t i = 0; i < index->n_columns; i++) {
        put_series(&columns, i, index->n_columns);
        ds_put_format(&columns, "\"%s\"", index->columns[i]->name);
    }
    describe_row(&first_s, first, index);
    describe_row(&second_s, second, index);
    struct ovsdb_error *error = ovsdb_error(
        "constraint violation",
        "Transaction causes multiple rows in \"%s\" table to have identical "
        "values (%s) for index on column%s %s.  First row, with UUID "UUID_FMT", "
        "%s.  Second row, with UUID "UUID_FMT", %s.",
        ts->name, ds_cstr(&values), index->n_columns > 1 ? "s" : "",
        ds_cstr(&columns), UUID_ARGS(ovsdb_row_get_uuid(first)),
        ds_cstr(&first_s), UUID_ARGS(ovsdb_row_get_uuid(second)),
        ds_cstr(&second_s));
    ds_destroy(&values);
    ds_destroy(&columns);
    ds_destroy(&first_s);
    ds_destroy(&second_s);
    return error;
}

struct index_entry {
    struct hmap_node node;
    const struct ovsdb_row *row;
};

static struct ovsdb_error *
check_indexes(struct ovsdb_txn *txn)
{
    struct ovsdb_txn_table *tt;
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        struct ovsdb_table *table = tt->table;
        const struct ovsdb_table_schema *ts = table->schema;
        for (size_t i = 0; i < ts->n_indexes; i++) {
            const struct ovsdb_index_schema *index = &ts->indexes[i];
            struct hmap local;
            struct index_entry *entries = NULL;
            size_t n_entries = 0, n_alloc = 0;
            struct ovsdb_error *error = NULL;
            struct ovsdb_txn_row *tr;

            hmap_init(&local);
            LIST_FOR_EACH (tr, list_node, &tt->rows) {
                if (tr->new && tr->modified) {
                    n_alloc++;
                }
            }
            entries = xcalloc(n_alloc ? n_alloc : 1, sizeof *entries);
            hmap_reserve(&local, n_alloc);
            LIST_FOR_EACH (tr, list_node, &tt->rows) {
                if (!tr->new || !tr->modified) {
                    continue;
                }
                const struct ovsdb_row *row = tr->new;
                uint32_t hash = ovsdb_row_hash_columns(row, index, 0);
                struct index_entry *e;
                HMAP_FOR_EACH_WITH_HASH (e, node, hash, &local) {
                    if (ovsdb_row_equal_columns(e->row, row, index)) {
                        error = duplicate_index_error(ts, index, e->row, row);
                        goto out;
                    }
                }
                struct ovsdb_index_node *in;
                HMAP_FOR_EACH_WITH_HASH (in, node, hash, &table->indexes[i]) {
                    const struct ovsdb_row *old = in->row;
                    if (old->txn_row && old->txn_row->modified) {
                        continue;   /* Its new version is checked above. */
                    }
                    if (ovsdb_row_equal_columns(old, row, index)) {
                        error = duplicate_index_error(ts, index, old, row);
                        goto out;
                    }
                }
                e = &entries[n_entries++];
                e->row = row;
                hmap_insert_fast(&local, &e->node, hash);
            }
out:
            hmap_destroy(&local);
            free(entries);
            if (error) {
                return error;
            }
        }
    }
    return NULL;
}

struct ovsdb_error *
ovsdb_txn_precommit(struct ovsdb_txn *txn)
{
    struct ovsdb_txn_table *tt;
    struct ovsdb_error *error;

    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        struct ovsdb_txn_row *tr;
        LIST_FOR_EACH (tr, list_node, &tt->rows) {
            determine_changes(tr);
        }
    }
    /* ovsdb-server's order: referential integrity first (a deleted row
     * still referenced fails even if only garbage would refer to it), then
     * garbage collection, maxRows, weak references, index uniqueness. */
    if ((error = update_ref_counts(txn))
        || (error = check_ref_counts(txn))
        || (error = collect_garbage(txn))
        || (error = check_max_rows(txn))
        || (error = assess_weak_refs(txn))
        || (error = check_indexes(txn))) {
        return error;
    }

    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        struct ovsdb_txn_row *tr;
        tt->n_modified = 0;
        LIST_FOR_EACH (tr, list_node, &tt->rows) {
            if (tr->modified) {
                tt->n_modified++;
                /* An inserted row keeps the _version it got at insert, which
                 * a select in the same transaction has already shown. */
                if (tr->new && tr->old) {
                    struct ovsdb_datum *v = &tr->new->fields[OVSDB_COL_VERSION];
                    uuid_generate(&v->keys[0].uuid);
                }
            }
        }
    }
    return NULL;
}

bool
ovsdb_txn_is_modifying(const struct ovsdb_txn *txn)
{
    struct ovsdb_txn_table *tt;
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        if (tt->n_modified) {
            return true;
        }
    }
    return false;
}

static void
index_insert(struct ovsdb_table *table, struct ovsdb_row *row)
{
    const struct ovsdb_table_schema *ts = table->schema;
    for (size_t i = 0; i < ts->n_indexes; i++) {
        hmap_insert(&table->indexes[i], &row->index_nodes[i].node,
                    ovsdb_row_hash_columns(row, &ts->indexes[i], 0));
    }
}

static void
index_remove(struct ovsdb_table *table, struct ovsdb_row *row)
{
    for (size_t i = 0; i < table->schema->n_indexes; i++) {
        hmap_remove(&table->indexes[i], &row->index_nodes[i].node);
    }
}

void
ovsdb_txn_commit(struct ovsdb_txn *txn)
{
    struct ovsdb_txn_table *tt;
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        struct ovsdb_table *table = tt->table;
        bool weak = !hmap_is_empty(&table->weak_refs)
                    || table_has_weak_columns(table->schema);
        struct ovsdb_txn_row *tr;
        LIST_FOR_EACH (tr, list_node, &tt->rows) {
            struct ovsdb_row *old = tr->old, *new = tr->new;
            if (old && old != new) {
                index_remove(table, old);
                if (weak) {
                    weak_refs_update(txn->db, old, false);
                }
            }
            if (new) {
                new->n_refs = tr->n_refs;
                new->txn_row = NULL;
                if (new != old) {
                    index_insert(table, new);
                    if (weak) {
                        weak_refs_update(txn->db, new, true);
                    }
                }
            }
            if (old && old != new) {
                old->txn_row = NULL;
                ovsdb_row_unref(old);
            }
        }
    }
    txn_free(txn);
}

/* Loading from a file. */

struct ovsdb_error *
ovsdb_txn_apply_record(struct ovsdb_txn *txn, const json_t *record)
{
    struct ovsdb_db *db = txn->db;
    const char *table_name;
    json_t *table_json;

    if (!json_is_object(record)) {
        return ovsdb_syntax_error(record, NULL, "transaction record is not an object");
    }
    bool is_diff = json_is_true(json_object_get(record, "_is_diff"));
    json_object_foreach ((json_t *) record, table_name, table_json) {
        if (table_name[0] == '_') {
            continue;
        }
        struct ovsdb_table *table = ovsdb_db_find_table(db, table_name);
        if (!table) {
            return ovsdb_syntax_error(record, "unknown table",
                                      "No table named %s.", table_name);
        }
        if (!json_is_object(table_json)) {
            return ovsdb_syntax_error(table_json, NULL, "object expected");
        }
        const char *uuid_s;
        json_t *row_json;
        json_object_foreach (table_json, uuid_s, row_json) {
            struct uuid uuid;
            if (!uuid_from_string(&uuid, uuid_s)) {
                return ovsdb_syntax_error(table_json, NULL, "bad row UUID %s", uuid_s);
            }
            struct ovsdb_row *row = ovsdb_table_get_row(table, &uuid);
            struct ovsdb_error *error;
            if (json_is_null(row_json)) {
                if (row) {
                    ovsdb_txn_row_delete(txn, row);
                }
                continue;
            }
            if (!json_is_object(row_json)) {
                return ovsdb_syntax_error(row_json, NULL, "row object expected");
            }
            if (!row) {
                error = ovsdb_row_create_from_json(table, row_json, NULL, &row);
                if (error) {
                    return error;
                }
                row->fields[OVSDB_COL_UUID].keys[0].uuid = uuid;
                ovsdb_txn_row_insert(txn, row);
                continue;
            }
            row = ovsdb_txn_row_modify(txn, row);
            if (!is_diff) {
                error = ovsdb_row_from_json(row, row_json, NULL, NULL);
                if (error) {
                    return error;
                }
                continue;
            }
            const char *col_name;
            json_t *value;
            json_object_foreach (row_json, col_name, value) {
                const struct ovsdb_column *c =
                    ovsdb_table_schema_find_column(table->schema, col_name);
                if (!c || c->index < OVSDB_N_INTERNAL_COLUMNS) {
                    return ovsdb_syntax_error(row_json, "unknown column",
                                              "No column %s in table %s.",
                                              col_name, table_name);
                }
                struct ovsdb_datum diff;
                error = ovsdb_datum_from_json_unbounded(&diff, &c->type, value, NULL);
                if (error) {
                    return error;
                }
                ovsdb_datum_apply_diff(&row->fields[c->index], &diff, &c->type);
                ovsdb_datum_destroy(&diff, &c->type);
            }
        }
    }
    return NULL;
}

void
ovsdb_txn_precommit_trusted(struct ovsdb_txn *txn)
{
    struct ovsdb_txn_table *tt;
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        struct ovsdb_txn_row *tr;
        tt->n_modified = 0;
        LIST_FOR_EACH (tr, list_node, &tt->rows) {
            determine_changes(tr);
            if (tr->modified) {
                tt->n_modified++;
                if (tr->new) {
                    uuid_generate(&tr->new->fields[OVSDB_COL_VERSION].keys[0].uuid);
                }
            }
        }
    }
}

struct ovsdb_error *
ovsdb_db_rebuild_refs(struct ovsdb_db *db)
{
    for (size_t t = 0; t < db->schema->n_tables; t++) {
        struct ovsdb_table *table = &db->tables[t];
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &table->rows) {
            row->n_refs = 0;
        }
        struct ovsdb_weak_ref *ref;
        HMAP_FOR_EACH_POP (ref, node, &table->weak_refs) {
            free(ref);
        }
        for (size_t i = 0; i < table->schema->n_indexes; i++) {
            hmap_clear(&table->indexes[i]);
        }
    }
    for (size_t t = 0; t < db->schema->n_tables; t++) {
        struct ovsdb_table *table = &db->tables[t];
        const struct ovsdb_table_schema *ts = table->schema;
        bool weak = table_has_weak_columns(ts);
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &table->rows) {
            for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
                const struct ovsdb_column *c = ts->columns[i];
                const struct ovsdb_datum *d = &row->fields[i];
                for (int kv = 0; kv < 2; kv++) {
                    const struct ovsdb_base_type *base = kv ? &c->type.value
                                                            : &c->type.key;
                    if (!ovsdb_base_type_is_strong_ref(base)) {
                        continue;
                    }
                    struct ovsdb_table *dst_table = &db->tables[base->uuid.ref_table->index];
                    for (unsigned int j = 0; j < d->n; j++) {
                        const struct uuid *u = kv ? &d->values[j].uuid : &d->keys[j].uuid;
                        if (dst_table == table && uuid_equals(u, ovsdb_row_get_uuid(row))) {
                            continue;       /* Self-references don't count. */
                        }
                        struct ovsdb_row *dst = ovsdb_table_get_row(dst_table, u);
                        if (!dst) {
                            return ovsdb_error("referential integrity violation",
                                               "Table %s column %s row "UUID_FMT" "
                                               "references nonexistent row "UUID_FMT
                                               " in table %s.", ts->name, c->name,
                                               UUID_ARGS(ovsdb_row_get_uuid(row)),
                                               UUID_ARGS(u), dst_table->schema->name);
                        }
                        dst->n_refs++;
                    }
                }
            }
            if (weak) {
                weak_refs_update(db, row, true);
            }
        }
    }
    for (size_t t = 0; t < db->schema->n_tables; t++) {
        struct ovsdb_table *table = &db->tables[t];
        const struct ovsdb_table_schema *ts = table->schema;
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &table->rows) {
            for (size_t i = 0; i < ts->n_indexes; i++) {
                const struct ovsdb_index_schema *index = &ts->indexes[i];
                uint32_t hash = ovsdb_row_hash_columns(row, index, 0);
                struct ovsdb_index_node *in;
                HMAP_FOR_EACH_WITH_HASH (in, node, hash, &table->indexes[i]) {
                    if (ovsdb_row_equal_columns(in->row, row, index)) {
                        return duplicate_index_error(ts, index, in->row, row);
                    }
                }
                hmap_insert(&table->indexes[i], &row->index_nodes[i].node, hash);
            }
        }
    }
    log_debug("rebuilt references of %zu rows", ovsdb_db_count_rows(db));
    return NULL;
}
