/* ovsdb schema: see schema.h.
 *
 * Validation and defaults follow Open vSwitch 3.1 (ovsdb/ovsdb.c, table.c,
 * column.c), with the same error details:
 *   - "name" must be an <id>; "version", if present, "x.y.z"; table and
 *     column names are <id>s not beginning with "_";
 *   - a table has at least one column; "maxRows" >= 1 (larger than UINT_MAX
 *     means unlimited); "mutable" defaults to true, "isRoot" to false, but a
 *     schema with no root table at all makes every table a root (schemas
 *     older than garbage collection);
 *   - an index names distinct, known, non-ephemeral columns (_uuid is
 *     allowed, _version is ephemeral);
 *   - every refTable names a table of the schema; a strong reference to a
 *     non-root table is never ephemeral; a weak reference is always
 *     mutable.
 * ovsdb_schema_to_json() writes the normalized form ovsdb-server's
 * get_schema returns. */
#include "ovsdb/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/uuid.h"
#include "ovsdb/error.h"
#include "ovsdb/parser.h"

#define syntax_error(...) ovsdb_error("syntax error", __VA_ARGS__)

/* Columns. */

static struct ovsdb_column *
column_create(const char *name, const struct ovsdb_type *type,
              bool mutable_, bool ephemeral)
{
    struct ovsdb_column *column = xzalloc(sizeof *column);
    column->name = xstrdup(name);
    ovsdb_type_clone(&column->type, type);
    column->mutable_ = mutable_;
    column->ephemeral = ephemeral;
    return column;
}

static void
column_destroy(struct ovsdb_column *column)
{
    if (column) {
        ovsdb_type_destroy(&column->type);
        free(column->name);
        free(column);
    }
}

static struct ovsdb_error *
column_from_json(const json_t *json, const char *name,
                 struct ovsdb_column **columnp)
{
    struct ovsdb_parser p;
    struct ovsdb_error *error;
    struct ovsdb_type type;

    *columnp = NULL;
    ovsdb_parser_init(&p, json, "schema for column %s", name);
    const json_t *mutable_json = ovsdb_parser_member(&p, "mutable",
                                           OP_BOOLEAN | OP_OPTIONAL);
    const json_t *ephemeral = ovsdb_parser_member(&p, "ephemeral",
                                        OP_BOOLEAN | OP_OPTIONAL);
    const json_t *type_json = ovsdb_parser_member(&p, "type", OP_STRING | OP_OBJECT);
    error = ovsdb_parser_finish(&p);
    if (error) {
        return error;
    }

    error = ovsdb_type_from_json(&type, type_json);
    if (error) {
        return error;
    }

    /* A weak reference changes when its target is deleted. */
    bool mutable_ = (!mutable_json || json_is_true(mutable_json)
                     || ovsdb_base_type_is_weak_ref(&type.key)
                     || ovsdb_base_type_is_weak_ref(&type.value));
    *columnp = column_create(name, &type, mutable_,
                             ephemeral && json_is_true(ephemeral));
    ovsdb_type_destroy(&type);
    return NULL;
}

static json_t *
column_to_json(const struct ovsdb_column *column)
{
    json_t *json = json_object();
    if (!column->mutable_) {
        json_object_set_new(json, "mutable", json_false());
    }
    if (column->ephemeral) {
        json_object_set_new(json, "ephemeral", json_true());
    }
    json_object_set_new(json, "type", ovsdb_type_to_json(&column->type));
    return json;
}

/* Tables. */

static struct ovsdb_table_schema *
table_create(const char *name, size_t n_user_columns)
{
    struct ovsdb_table_schema *ts = xzalloc(sizeof *ts);
    struct ovsdb_type uuid_type;

    ts->name = xstrdup(name);
    ts->columns = xcalloc(OVSDB_N_INTERNAL_COLUMNS + n_user_columns,
                          sizeof *ts->columns);
    ts->max_rows = UINT_MAX;
    ts->mutable_ = true;

    ovsdb_type_init_scalar(&uuid_type, OVSDB_TYPE_UUID);
    ts->columns[OVSDB_COL_UUID] = column_create("_uuid", &uuid_type,
                                                false, false);
    ts->columns[OVSDB_COL_VERSION] = column_create("_version", &uuid_type,
                                                   false, true);
    ts->n_columns = OVSDB_N_INTERNAL_COLUMNS;
    for (size_t i = 0; i < ts->n_columns; i++) {
        ts->columns[i]->index = i;
    }
    return ts;
}

static void
table_destroy(struct ovsdb_table_schema *ts)
{
    if (!ts) {
        return;
    }
    for (size_t i = 0; i < ts->n_indexes; i++) {
        free(ts->indexes[i].columns);
    }
    free(ts->indexes);
    for (size_t i = 0; i < ts->n_columns; i++) {
        column_destroy(ts->columns[i]);
    }
    free(ts->columns);
    free(ts->name);
    free(ts);
}

static int
compare_names(const void *a_, const void *b_)
{
    const char *const *a = a_, *const *b = b_;
    return strcmp(*a, *b);
}

/* Returns the names of the members of object 'json', sorted; free the array
 * (not the names, borrowed from 'json') with free(). */
static const char **
sorted_member_names(const json_t *json, size_t *n)
{
    const char **names = xcalloc(json_object_size(json) + 1, sizeof *names);
    const char *key;
    const json_t *value;

    *n = 0;
    json_object_foreach ((json_t *) json, key, value) {
        names[(*n)++] = key;
    }
    qsort(names, *n, sizeof *names, compare_names);
    return names;
}

static struct ovsdb_error *
check_name(const char *name)
{
    if (name[0] == '_') {
        return syntax_error("names beginning with \"_\" are reserved");
    } else if (!ovsdb_id_is_valid(name)) {
        return syntax_error("name must be a valid id");
    }
    return NULL;
}

static struct ovsdb_error *
index_from_json(const json_t *json, const struct ovsdb_table_schema *ts,
                struct ovsdb_index_schema *index)
{
    index->columns = NULL;
    index->n_columns = 0;
    if (!json_is_array(json)) {
        return syntax_error("array of distinct column names expected");
    }

    size_t n = json_array_size(json);
    index->columns = xcalloc(n + 1, sizeof *index->columns);
    for (size_t i = 0; i < n; i++) {
        const json_t *elem = json_array_get(json, i);
        if (!json_is_string(elem)) {
            return syntax_error("array of distinct column names expected");
        }
        const char *s = json_string_value(elem);
        struct ovsdb_column *column = ovsdb_table_schema_find_column(ts, s);
        if (!column) {
            return syntax_error("%s is not a valid column name", s);
        }
        for (size_t j = 0; j < index->n_columns; j++) {
            if (index->columns[j] == column) {
                return syntax_error("array of distinct column names "
                                    "expected");
            }
        }
        index->columns[index->n_columns++] = column;
    }
    return NULL;
}

static struct ovsdb_error *
table_from_json(const json_t *json, const char *name,
                struct ovsdb_table_schema **tsp)
{
    struct ovsdb_parser p;
    struct ovsdb_error *error;

    *tsp = NULL;
    ovsdb_parser_init(&p, json, "table schema for table %s", name);
    const json_t *columns = ovsdb_parser_member(&p, "columns", OP_OBJECT);
    const json_t *mutable_ = ovsdb_parser_member(&p, "mutable",
                                       OP_BOOLEAN | OP_OPTIONAL);
    const json_t *max_rows = ovsdb_parser_member(&p, "maxRows",
                                       OP_INTEGER | OP_OPTIONAL);
    const json_t *is_root = ovsdb_parser_member(&p, "isRoot", OP_BOOLEAN | OP_OPTIONAL);
    const json_t *indexes = ovsdb_parser_member(&p, "indexes", OP_ARRAY | OP_OPTIONAL);
    error = ovsdb_parser_finish(&p);
    if (error) {
        return error;
    }

    long long n_max_rows = UINT_MAX;
    if (max_rows) {
        n_max_rows = ovsdb_json_integral_value(max_rows);
        if (n_max_rows <= 0) {
            return syntax_error("maxRows must be at least 1");
        }
    }
    if (!json_object_size(columns)) {
        return syntax_error("table must have at least one column");
    }

    size_t n_names;
    const char **names = sorted_member_names(columns, &n_names);
    struct ovsdb_table_schema *ts = table_create(name, n_names);
    ts->max_rows = n_max_rows > UINT_MAX ? UINT_MAX : n_max_rows;
    ts->mutable_ = !mutable_ || json_is_true(mutable_);
    ts->is_root = is_root && json_is_true(is_root);

    for (size_t i = 0; i < n_names; i++) {
        struct ovsdb_column *column;

        error = check_name(names[i]);
        if (!error) {
            error = column_from_json(json_object_get(columns, names[i]),
                                     names[i], &column);
        }
        if (error) {
            goto out_free_table;
        }
        column->index = ts->n_columns;
        ts->columns[ts->n_columns++] = column;
    }

    if (indexes) {
        size_t n = json_array_size(indexes);
        ts->indexes = xcalloc(n + 1, sizeof *ts->indexes);
        for (size_t i = 0; i < n; i++) {
            struct ovsdb_index_schema *index = &ts->indexes[i];

            error = index_from_json(json_array_get(indexes, i), ts, index);
            ts->n_indexes++;
            if (error) {
                goto out_free_table;
            }
            if (!index->n_columns) {
                error = syntax_error("index must have at least one column");
                goto out_free_table;
            }
            for (size_t j = 0; j < index->n_columns; j++) {
                if (index->columns[j]->ephemeral) {
                    error = syntax_error("ephemeral columns (such as %s) may "
                                         "not be indexed",
                                         index->columns[j]->name);
                    goto out_free_table;
                }
            }
        }
    }

    free(names);
    *tsp = ts;
    return NULL;

out_free_table:
    free(names);
    table_destroy(ts);
    return error;
}

static json_t *
table_to_json(const struct ovsdb_table_schema *ts, bool default_is_root)
{
    json_t *json = json_object();
    if (!ts->mutable_) {
        json_object_set_new(json, "mutable", json_false());
    }
    if (ts->is_root != default_is_root) {
        json_object_set_new(json, "isRoot", json_boolean(ts->is_root));
    }

    json_t *columns = json_object();
    for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
        json_object_set_new(columns, ts->columns[i]->name,
                            column_to_json(ts->columns[i]));
    }
    json_object_set_new(json, "columns", columns);

    if (ts->max_rows != UINT_MAX) {
        json_object_set_new(json, "maxRows", json_integer(ts->max_rows));
    }
    if (ts->n_indexes) {
        json_t *indexes = json_array();
        for (size_t i = 0; i < ts->n_indexes; i++) {
            json_t *index = json_array();
            for (size_t j = 0; j < ts->indexes[i].n_columns; j++) {
                json_array_append_new(
                    index, json_string(ts->indexes[i].columns[j]->name));
            }
            json_array_append_new(indexes, index);
        }
        json_object_set_new(json, "indexes", indexes);
    }
    return json;
}

/* Schemas. */

/* Is 's' "x.y.z" as Open vSwitch's ovsdb_parse_version() reads it (with
 * scanf's %u, so leading blanks and zeros are accepted)? */
static bool
version_is_valid(const char *s)
{
    unsigned int x, y, z;
    int n = -1;
    return sscanf(s, "%u.%u.%u%n", &x, &y, &z, &n) == 3 && n != -1
           && s[n] == '\0';
}

static struct ovsdb_error *
resolve_ref(struct ovsdb_schema *schema, struct ovsdb_column *column,
            struct ovsdb_base_type *base, const char *which)
{
    if (!ovsdb_base_type_is_ref(base)) {
        return NULL;
    }
    struct ovsdb_table_schema *ref = ovsdb_schema_find_table(
        schema, base->uuid.ref_table_name);
    if (!ref) {
        return syntax_error("column %s %s refers to undefined table %s",
                            column->name, which, base->uuid.ref_table_name);
    }
    base->uuid.ref_table = ref;
    if (base->uuid.ref_type == OVSDB_REF_STRONG && !ref->is_root) {
        /* Replaying the log must not lose the only reference to a row. */
        column->ephemeral = false;
    }
    return NULL;
}

static struct ovsdb_error *
schema_from_json__(const json_t *json, struct ovsdb_schema *schema)
{
    struct ovsdb_parser p;
    struct ovsdb_error *error;

    ovsdb_parser_init(&p, json, "database schema");
    const json_t *name = ovsdb_parser_member(&p, "name", OP_ID);
    const json_t *version = ovsdb_parser_member(&p, "version", OP_STRING | OP_OPTIONAL);
    const json_t *cksum = ovsdb_parser_member(&p, "cksum", OP_STRING | OP_OPTIONAL);
    const json_t *tables = ovsdb_parser_member(&p, "tables", OP_OBJECT);
    error = ovsdb_parser_finish(&p);
    if (error) {
        return error;
    }

    if (version && !version_is_valid(json_string_value(version))) {
        return syntax_error("schema version \"%s\" not in format x.y.z",
                            json_string_value(version));
    }
    schema->name = xstrdup(json_string_value(name));
    schema->version = version ? xstrdup(json_string_value(version)) : NULL;
    schema->cksum = cksum ? xstrdup(json_string_value(cksum)) : NULL;

    size_t n_names;
    const char **names = sorted_member_names(tables, &n_names);
    schema->tables = xcalloc(n_names + 1, sizeof *schema->tables);
    for (size_t i = 0; i < n_names; i++) {
        struct ovsdb_table_schema *ts;

        error = check_name(names[i]);
        if (!error) {
            error = table_from_json(json_object_get(tables, names[i]),
                                    names[i], &ts);
        }
        if (error) {
            free(names);
            return error;
        }
        ts->index = schema->n_tables;
        schema->tables[schema->n_tables++] = ts;
    }
    free(names);

    /* Before garbage collection there was no "isRoot": then all are roots. */
    size_t n_root = 0;
    for (size_t i = 0; i < schema->n_tables; i++) {
        n_root += schema->tables[i]->is_root;
    }
    if (!n_root) {
        for (size_t i = 0; i < schema->n_tables; i++) {
            schema->tables[i]->is_root = true;
        }
    }

    for (size_t i = 0; i < schema->n_tables; i++) {
        struct ovsdb_table_schema *ts = schema->tables[i];
        for (size_t j = 0; j < ts->n_columns; j++) {
            struct ovsdb_column *column = ts->columns[j];
            error = resolve_ref(schema, column, &column->type.key, "key");
            if (!error) {
                error = resolve_ref(schema, column, &column->type.value,
                                    "value");
            }
            if (error) {
                return error;
            }
        }
    }
    return NULL;
}

struct ovsdb_error *
ovsdb_schema_from_json(const json_t *json, struct ovsdb_schema **schemap)
{
    struct ovsdb_schema *schema = xzalloc(sizeof *schema);
    struct ovsdb_error *error = schema_from_json__(json, schema);
    if (error) {
        ovsdb_schema_destroy(schema);
        schema = NULL;
    }
    *schemap = schema;
    return error;
}

struct ovsdb_error *
ovsdb_schema_from_file(const char *path, struct ovsdb_schema **schemap)
{
    json_error_t jerr;

    *schemap = NULL;
    json_t *json = json_load_file(path, 0, &jerr);
    if (!json) {
        return ovsdb_error("failed to read schema",
                           "\"%s\" could not be read as JSON (%s)",
                           path, jerr.text);
    }

    struct ovsdb_error *error = ovsdb_schema_from_json(json, schemap);
    json_decref(json);
    if (error) {
        const char *details = ovsdb_error_get_details(error);
        struct ovsdb_error *wrapped = ovsdb_error(
            ovsdb_error_get_tag(error), "failed to parse \"%s\" as ovsdb "
            "schema%s%s", path, details ? ": " : "", details ? details : "");
        ovsdb_error_destroy(error);
        return wrapped;
    }
    return NULL;
}

json_t *
ovsdb_schema_to_json(const struct ovsdb_schema *schema)
{
    json_t *json = json_object();

    json_object_set_new(json, "name", json_string(schema->name));
    if (schema->version && schema->version[0]) {
        json_object_set_new(json, "version", json_string(schema->version));
    }
    if (schema->cksum && schema->cksum[0]) {
        json_object_set_new(json, "cksum", json_string(schema->cksum));
    }

    /* If every table is a root, "isRoot" is left out, so that the schema
     * still reads the same in tools older than garbage collection. */
    bool all_root = true;
    for (size_t i = 0; i < schema->n_tables; i++) {
        all_root = all_root && schema->tables[i]->is_root;
    }

    json_t *tables = json_object();
    for (size_t i = 0; i < schema->n_tables; i++) {
        json_object_set_new(tables, schema->tables[i]->name,
                            table_to_json(schema->tables[i], all_root));
    }
    json_object_set_new(json, "tables", tables);
    return json;
}

void
ovsdb_schema_destroy(struct ovsdb_schema *schema)
{
    if (!schema) {
        return;
    }
    for (size_t i = 0; i < schema->n_tables; i++) {
        table_destroy(schema->tables[i]);
    }
    free(schema->tables);
    free(schema->name);
    free(schema->version);
    free(schema->cksum);
    free(schema);
}

static void
clone_ref(struct ovsdb_base_type *base, const struct ovsdb_schema *new)
{
    if (ovsdb_base_type_is_ref(base) && base->uuid.ref_table) {
        base->uuid.ref_table = new->tables[base->uuid.ref_table->index];
    }
}

struct ovsdb_schema *
ovsdb_schema_clone(const struct ovsdb_schema *old)
{
    struct ovsdb_schema *new = xzalloc(sizeof *new);

    new->name = xstrdup(old->name);
    new->version = old->version ? xstrdup(old->version) : NULL;
    new->cksum = old->cksum ? xstrdup(old->cksum) : NULL;
    new->n_tables = old->n_tables;
    new->tables = xcalloc(old->n_tables + 1, sizeof *new->tables);

    for (size_t i = 0; i < old->n_tables; i++) {
        const struct ovsdb_table_schema *ots = old->tables[i];
        struct ovsdb_table_schema *ts = xzalloc(sizeof *ts);

        *ts = *ots;
        ts->name = xstrdup(ots->name);
        ts->columns = xcalloc(ots->n_columns, sizeof *ts->columns);
        for (size_t j = 0; j < ots->n_columns; j++) {
            const struct ovsdb_column *oc = ots->columns[j];
            ts->columns[j] = column_create(oc->name, &oc->type, oc->mutable_,
                                           oc->ephemeral);
            ts->columns[j]->index = oc->index;
        }
        ts->indexes = xcalloc(ots->n_indexes + 1, sizeof *ts->indexes);
        for (size_t j = 0; j < ots->n_indexes; j++) {
            const struct ovsdb_index_schema *oi = &ots->indexes[j];
            struct ovsdb_index_schema *ni = &ts->indexes[j];

            ni->n_columns = oi->n_columns;
            ni->columns = xcalloc(oi->n_columns + 1, sizeof *ni->columns);
            for (size_t k = 0; k < oi->n_columns; k++) {
                ni->columns[k] = ts->columns[oi->columns[k]->index];
            }
        }
        new->tables[i] = ts;
    }

    /* Point references at the new tables. */
    for (size_t i = 0; i < new->n_tables; i++) {
        struct ovsdb_table_schema *ts = new->tables[i];
        for (size_t j = 0; j < ts->n_columns; j++) {
            clone_ref(&ts->columns[j]->type.key, new);
            clone_ref(&ts->columns[j]->type.value, new);
        }
    }
    return new;
}

struct ovsdb_table_schema *
ovsdb_schema_find_table(const struct ovsdb_schema *schema, const char *name)
{
    size_t low = 0, high = schema->n_tables;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int cmp = strcmp(name, schema->tables[mid]->name);
        if (cmp < 0) {
            high = mid;
        } else if (cmp > 0) {
            low = mid + 1;
        } else {
            return schema->tables[mid];
        }
    }
    return NULL;
}

struct ovsdb_column *
ovsdb_table_schema_find_column(const struct ovsdb_table_schema *ts,
                               const char *name)
{
    if (name[0] == '_') {
        for (size_t i = 0; i < OVSDB_N_INTERNAL_COLUMNS; i++) {
            if (!strcmp(name, ts->columns[i]->name)) {
                return ts->columns[i];
            }
        }
        return NULL;
    }

    size_t low = OVSDB_N_INTERNAL_COLUMNS, high = ts->n_columns;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int cmp = strcmp(name, ts->columns[mid]->name);
        if (cmp < 0) {
            high = mid;
        } else if (cmp > 0) {
            low = mid + 1;
        } else {
            return ts->columns[mid];
        }
    }
    return NULL;
}
