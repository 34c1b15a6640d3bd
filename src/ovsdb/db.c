/* ovsdb db: see db.h. */
#include "ovsdb/db.h"

#include <stdlib.h>
#include <string.h>
#include "ovsdb/error.h"
#include "ovsdb/monitor.h"

struct ovsdb_db *
ovsdb_db_create(struct ovsdb_schema *schema)
{
    struct ovsdb_db *db = xzalloc(sizeof *db);
    db->schema = schema;
    db->tables = xcalloc(schema->n_tables, sizeof *db->tables);
    for (size_t i = 0; i < schema->n_tables; i++) {
        struct ovsdb_table *t = &db->tables[i];
        t->schema = schema->tables[i];
        t->db = db;
        hmap_init(&t->rows);
        hmap_init(&t->weak_refs);
        t->indexes = xcalloc(t->schema->n_indexes ? t->schema->n_indexes : 1,
                             sizeof *t->indexes);
        for (size_t j = 0; j < t->schema->n_indexes; j++) {
            hmap_init(&t->indexes[j]);
        }
    }
    list_init(&db->monitors);
    list_init(&db->triggers);
    db->history = ovsdb_history_create();
    uuid_generate(&db->last_txn_id);
    return db;
}

void
ovsdb_db_destroy(struct ovsdb_db *db)
{
    if (!db) {
        return;
    }
    ovsdb_history_destroy(db->history);
    for (size_t i = 0; i < db->schema->n_tables; i++) {
        struct ovsdb_table *t = &db->tables[i];
        struct ovsdb_row *row;
        HMAP_FOR_EACH_POP (row, hmap_node, &t->rows) {
            ovsdb_row_unref(row);
        }
        hmap_destroy(&t->rows);
        struct ovsdb_weak_ref *ref;
        HMAP_FOR_EACH_POP (ref, node, &t->weak_refs) {
            free(ref);
        }
        hmap_destroy(&t->weak_refs);
        for (size_t j = 0; j < t->schema->n_indexes; j++) {
            hmap_destroy(&t->indexes[j]);
        }
        free(t->indexes);
    }
    free(db->tables);
    ovsdb_schema_destroy(db->schema);
    free(db);
}

struct ovsdb_table *
ovsdb_db_find_table(const struct ovsdb_db *db, const char *name)
{
    const struct ovsdb_table_schema *ts = ovsdb_schema_find_table(db->schema, name);
    return ts ? &db->tables[ts->index] : NULL;
}

size_t
ovsdb_db_count_rows(const struct ovsdb_db *db)
{
    size_t n = 0;
    for (size_t i = 0; i < db->schema->n_tables; i++) {
        n += hmap_count(&db->tables[i].rows);
    }
    return n;
}

static struct ovsdb_row *
row_alloc(struct ovsdb_table *table)
{
    const struct ovsdb_table_schema *ts = table->schema;
    size_t fields_size = ts->n_columns * sizeof(struct ovsdb_datum);
    struct ovsdb_row *row = xmalloc(sizeof *row + fields_size
                                    + ts->n_indexes * sizeof(struct ovsdb_index_node));
    row->table = table;
    row->txn_row = NULL;
    row->n_refs = 0;
    row->refcnt = 1;
    row->index_nodes = (struct ovsdb_index_node *) ((char *) row->fields + fields_size);
    for (size_t i = 0; i < ts->n_indexes; i++) {
        row->index_nodes[i].row = row;
    }
    return row;
}

struct ovsdb_row *
ovsdb_row_create(struct ovsdb_table *table)
{
    struct ovsdb_row *row = row_alloc(table);
    const struct ovsdb_table_schema *ts = table->schema;
    for (size_t i = 0; i < ts->n_columns; i++) {
        ovsdb_datum_init_default(&row->fields[i], &ts->columns[i]->type);
    }
    return row;
}

struct ovsdb_row *
ovsdb_row_clone(const struct ovsdb_row *old)
{
    struct ovsdb_row *row = row_alloc(old->table);
    const struct ovsdb_table_schema *ts = old->table->schema;
    for (size_t i = 0; i < ts->n_columns; i++) {
        ovsdb_datum_clone(&row->fields[i], &old->fields[i], &ts->columns[i]->type);
    }
    row->n_refs = old->n_refs;
    return row;
}

void
ovsdb_row_destroy(struct ovsdb_row *row)
{
    if (row) {
        const struct ovsdb_table_schema *ts = row->table->schema;
        for (size_t i = 0; i < ts->n_columns; i++) {
            ovsdb_datum_destroy(&row->fields[i], &ts->columns[i]->type);
        }
        free(row);
    }
}

void
ovsdb_row_unref(struct ovsdb_row *row)
{
    if (row && !--row->refcnt) {
        ovsdb_row_destroy(row);
    }
}

struct ovsdb_row *
ovsdb_table_get_row(const struct ovsdb_table *table, const struct uuid *uuid)
{
    struct ovsdb_row *row;
    HMAP_FOR_EACH_WITH_HASH (row, hmap_node, uuid_hash(uuid), &table->rows) {
        if (uuid_equals(ovsdb_row_get_uuid(row), uuid)) {
            return row;
        }
    }
    return NULL;
}

struct ovsdb_error *
ovsdb_row_from_json(struct ovsdb_row *row, const json_t *json,
                    struct ovsdb_symbol_table *symtab, unsigned long *changed)
{
    const struct ovsdb_table_schema *ts = row->table->schema;
    const char *name;
    json_t *value;

    if (!json_is_object(json)) {
        return ovsdb_syntax_error(json, NULL, "Object expected.");
    }
    json_object_foreach ((json_t *) json, name, value) {
        const struct ovsdb_column *column = ovsdb_table_schema_find_column(ts, name);
        if (!column) {
            return ovsdb_syntax_error(json, "unknown column",
                                      "No column %s in table %s.", name, ts->name);
        }
        /* _uuid and _version parse like other columns, as in ovsdb-server:
         * "insert" then overwrites both, "update" rejects them as immutable
         * and "wait" compares them. */
        struct ovsdb_datum datum;
        struct ovsdb_error *error = ovsdb_datum_from_json(&datum, &column->type,
                                                          value, symtab);
        if (error) {
            return error;
        }
        ovsdb_datum_swap(&row->fields[column->index], &datum);
        ovsdb_datum_destroy(&datum, &column->type);
        if (changed) {
            bitmap_set1(changed, column->index);
        }
    }
    return NULL;
}

struct ovsdb_error *
ovsdb_row_create_from_json(struct ovsdb_table *table, const json_t *json,
                           struct ovsdb_symbol_table *symtab,
                           struct ovsdb_row **rowp)
{
    const struct ovsdb_table_schema *ts = table->schema;
    unsigned long set_small[4] = { 0, 0, 0, 0 };
    unsigned long *set = ts->n_columns <= 256 ? set_small
                         : xcalloc(bitmap_n_longs(ts->n_columns), sizeof *set);
    struct ovsdb_row *row = row_alloc(table);
    struct ovsdb_error *error = NULL;
    const char *name;
    json_t *value;

    *rowp = NULL;
    if (json && !json_is_object(json)) {
        error = ovsdb_syntax_error(json, NULL, "Object expected.");
        goto out;
    }
    json_object_foreach ((json_t *) json, name, value) {
        const struct ovsdb_column *column = ovsdb_table_schema_find_column(ts, name);
        if (!column) {
            error = ovsdb_syntax_error(json, "unknown column",
                                       "No column %s in table %s.", name, ts->name);
            goto out;
        }
        /* ovsdb-server accepts "_uuid" and "_version" in an inserted row
         * (they must parse) and then ignores them: the caller overwrites
         * both. */
        error = ovsdb_datum_from_json(&row->fields[column->index], &column->type,
                                      value, symtab);
        if (error) {
            goto out;
        }
        bitmap_set1(set, column->index);
    }
out:
    for (size_t i = 0; i < ts->n_columns; i++) {
        if (!bitmap_is_set(set, i)) {
            ovsdb_datum_init_default(&row->fields[i], &ts->columns[i]->type);
        }
    }
    if (set != set_small) {
        free(set);
    }
    if (error) {
        ovsdb_row_destroy(row);
        return error;
    }
    *rowp = row;
    return NULL;
}

json_t *
ovsdb_row_to_json(const struct ovsdb_row *row,
                  const struct ovsdb_column *const *columns, size_t n)
{
    const struct ovsdb_table_schema *ts = row->table->schema;
    json_t *j = json_object();
    if (!columns) {
        for (size_t i = 0; i < ts->n_columns; i++) {
            const struct ovsdb_column *c = ts->columns[i];
            json_object_set_new(j, c->name,
                                ovsdb_datum_to_json(&row->fields[i], &c->type));
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const struct ovsdb_column *c = columns[i];
            json_object_set_new(j, c->name,
                                ovsdb_datum_to_json(&row->fields[c->index], &c->type));
        }
    }
    return j;
}

uint32_t
ovsdb_row_hash_columns(const struct ovsdb_row *row,
                       const struct ovsdb_index_schema *index, uint32_t basis)
{
    uint32_t hash = basis;
    for (size_t i = 0; i < index->n_columns; i++) {
        const struct ovsdb_column *c = index->columns[i];
        hash = ovsdb_datum_hash(&row->fields[c->index], &c->type, hash);
    }
    return hash;
}

bool
ovsdb_row_equal_columns(const struct ovsdb_row *a, const struct ovsdb_row *b,
                        const struct ovsdb_index_schema *index)
{
    for (size_t i = 0; i < index->n_columns; i++) {
        const struct ovsdb_column *c = index->columns[i];
        if (!ovsdb_datum_equals(&a->fields[c->index], &b->fields[c->index], &c->type)) {
            return false;
        }
    }
    return true;
}
