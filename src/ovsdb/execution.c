/* ovsdb execution: see execution.h. */
#include "ovsdb/execution.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "lib/log.h"
#include "ovsdb/condition.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/parser.h"
#include "ovsdb/jsonarena.h"
#include "ovsdb/jsonparse.h"
#include "ovsdb/jsonw.h"
#include "ovsdb/monitor.h"
#include "ovsdb/mutation.h"
#include "ovsdb/storage.h"
#include "ovsdb/txn.h"

LOG_MODULE(execution);

struct exec_ctx {
    struct ovsdb_db *db;
    struct ovsdb_txn *txn;
    struct ovsdb_symbol_table symtab;
    const struct ovsdb_exec_env *env;
    long long elapsed_ms;
    long long timeout_ms;       /* Smallest remaining "wait" timeout. */
    bool durable;
};

static struct ovsdb_table *
parse_table(struct ovsdb_parser *p, struct exec_ctx *x)
{
    const json_t *name = ovsdb_parser_member(p, "table", OP_STRING);
    if (!name) {
        return NULL;
    }
    struct ovsdb_table *table = ovsdb_db_find_table(x->db, json_string_value(name));
    if (!table) {
        /* ovsdb-server: "syntax error", "Parsing ovsdb operation 1 of 1
         * failed: No table named Nope.", not "unknown table". */
        ovsdb_parser_raise(p, "No table named %s.", json_string_value(name));
    }
    return table;
}

/* The error an operation reports: its parser's first, as in ovsdb-server,
 * else 'error'. */
static struct ovsdb_error *
op_error(struct ovsdb_error *perror, struct ovsdb_error *error)
{
    if (perror) {
        ovsdb_error_destroy(error);
        return perror;
    }
    return error;
}

static struct ovsdb_error *
parse_where(struct ovsdb_parser *p, struct exec_ctx *x, struct ovsdb_table *table,
            struct ovsdb_condition *cond)
{
    const json_t *where = ovsdb_parser_member(p, "where", OP_ARRAY);
    ovsdb_condition_init_empty(cond);
    if (!where) {
        return NULL;
    }
    return ovsdb_condition_from_json(table->schema, where, &x->symtab, cond);
}

/* Reads the "table" and "where" members most operations start with; 'cond'
 * is initialized in any case.  Returns the table, or NULL with an error
 * pending in 'p'; a bad condition is returned in '*errorp'. */
static struct ovsdb_table *
parse_table_where(struct ovsdb_parser *p, struct exec_ctx *x,
                  struct ovsdb_condition *cond, struct ovsdb_error **errorp)
{
    struct ovsdb_table *table = parse_table(p, x);
    ovsdb_condition_init_empty(cond);
    *errorp = table ? parse_where(p, x, table, cond) : NULL;
    return table;
}

/* Calls 'cb' for each row of 'table' that matches 'cond' (all clauses).
 * 'cb' may replace or delete the row it is given. */
typedef struct ovsdb_error *row_cb(struct exec_ctx *, struct ovsdb_row *, void *aux);

#define MAX_INDEX_LOOKUP_COLUMNS 8

/* If 'cond' has an "==" clause on each column of an index of 'ts', returns
 * the index and stores the clauses' values, in the index's column order,
 * in 'args'; else returns NULL. */
static const struct ovsdb_index_schema *
find_index(const struct ovsdb_table_schema *ts, const struct ovsdb_condition *cond,
           const struct ovsdb_datum *args[MAX_INDEX_LOOKUP_COLUMNS])
{
    for (size_t i = 0; i < ts->n_indexes; i++) {
        const struct ovsdb_index_schema *index = &ts->indexes[i];
        size_t j;
        if (index->n_columns > MAX_INDEX_LOOKUP_COLUMNS) {
            continue;
        }
        for (j = 0; j < index->n_columns; j++) {
            args[j] = NULL;
            for (size_t k = 0; k < cond->n_clauses && !args[j]; k++) {
                const struct ovsdb_clause *c = &cond->clauses[k];
                if (c->function == OVSDB_F_EQ && c->column == index->columns[j]) {
                    args[j] = &c->arg;
                }
            }
            if (!args[j]) {
                break;
            }
        }
        if (j == index->n_columns) {
            return index;
        }
    }
    return NULL;
}

/* The rows of the transaction's view of 'table' whose 'index' columns hold
 * 'args' and that match 'cond': the committed rows from the index that the
 * transaction has not touched (the index is updated only at commit), and
 * the rows the transaction inserted or changed.  Returns them in a new
 * array (free it), their number in '*np'. */
static struct ovsdb_row **
index_lookup(struct exec_ctx *x, struct ovsdb_table *table,
             const struct ovsdb_index_schema *index,
             const struct ovsdb_datum *args[], const struct ovsdb_condition *cond,
             size_t *np)
{
    const struct ovsdb_table_schema *ts = table->schema;
    size_t i = index - ts->indexes, n = 0, allocated = 4;
    struct ovsdb_row **rows = xmalloc(allocated * sizeof *rows);
    uint32_t hash = 0;
    for (size_t j = 0; j < index->n_columns; j++) {
        hash = ovsdb_datum_hash(args[j], &index->columns[j]->type, hash);
    }
    struct ovsdb_index_node *in;
    HMAP_FOR_EACH_WITH_HASH (in, node, hash, &table->indexes[i]) {
        if (!in->row->txn_row && ovsdb_condition_match_all(in->row, cond)) {
            if (n == allocated) {
                allocated *= 2;
                rows = xrealloc(rows, allocated * sizeof *rows);
            }
            rows[n++] = in->row;
        }
    }
    const struct ovsdb_txn_table *tt = x->txn->by_index[ts->index];
    if (tt) {
        const struct ovsdb_txn_row *tr;
        LIST_FOR_EACH (tr, list_node, &tt->rows) {
            if (tr->new && ovsdb_condition_match_all(tr->new, cond)) {
                if (n == allocated) {
                    allocated *= 2;
                rows = xrealloc(rows, allocated * sizeof *rows);
                }
                rows[n++] = tr->new;
            }
        }
    }
    *np = n;
    return rows;
}

/* Finds the matching rows without a scan when it can: one hash lookup for
 * "_uuid == U", an index lookup for "==" on the columns of a schema index
 * (as the IDLs and seamd query: by name, by MAC); other conditions scan. */
static struct ovsdb_error *
for_each_match(struct exec_ctx *x, struct ovsdb_table *table,
               const struct ovsdb_condition *cond, row_cb *cb, void *aux)
{
    const struct uuid *uuid = ovsdb_condition_get_uuid(cond);
    if (uuid) {
        struct ovsdb_row *row = ovsdb_table_get_row(table, uuid);
        return row && ovsdb_condition_match_all(row, cond) ? cb(x, row, aux) : NULL;
    }
    const struct ovsdb_datum *args[MAX_INDEX_LOOKUP_COLUMNS];
    const struct ovsdb_index_schema *index = find_index(table->schema, cond, args);
    if (index) {
        /* Collected first: 'cb' may add transaction rows. */
        size_t n;
        struct ovsdb_row **rows = index_lookup(x, table, index, args, cond, &n);
        struct ovsdb_error *error = NULL;
        for (size_t i = 0; i < n && !error; i++) {
            error = cb(x, rows[i], aux);
        }
        free(rows);
        return error;
    }
    struct ovsdb_row *row;
    HMAP_FOR_EACH (row, hmap_node, &table->rows) {
        if (ovsdb_condition_match_all(row, cond)) {
            struct ovsdb_error *error = cb(x, row, aux);
            if (error) {
                return error;
            }
        }
    }
    return NULL;
}

static struct ovsdb_error *
parse_columns(const json_t *json, const struct ovsdb_table_schema *ts,
              const struct ovsdb_column ***columnsp, size_t *np)
{
    *columnsp = NULL;
    *np = 0;
    if (!json) {
        return NULL;
    }
    /* ovsdb-server's ovsdb_column_set_from_json(): a syntax error for an
     * unknown name, and "array of distinct column names expected" for a
     * non-string or a repeated name. */
    size_t n = json_array_size(json), i;
    const struct ovsdb_column **columns = xcalloc(n ? n : 1, sizeof *columns);
    json_t *name;
    json_array_foreach (json, i, name) {
        const struct ovsdb_column *c = json_is_string(name)
            ? ovsdb_table_schema_find_column(ts, json_string_value(name)) : NULL;
        if (json_is_string(name) && !c) {
            free(columns);
            return ovsdb_syntax_error(json, NULL, "%s is not a valid column name",
                                      json_string_value(name));
        }
        for (size_t j = 0; c && j < i; j++) {
            if (columns[j] == c) {
                c = NULL;
            }
        }
        if (!c) {
            free(columns);
            return ovsdb_syntax_error(json, NULL, "array of distinct column names "
                                      "expected");
        }
        columns[i] = c;
    }
    *columnsp = columns;
    *np = n;
    return NULL;
}

/* Operations. */

/* Writes to a read-only database (the server's own "_Server") fail once the
 * operation has parsed, with ovsdb-server's words. */
static struct ovsdb_error *
reserved_db_error(const char *op, const struct ovsdb_db *db)
{
    return ovsdb_error("not allowed", "%s operation not allowed on table in "
                       "reserved database %s", op, db->schema->name);
}

static struct ovsdb_error *
execute_insert(struct ovsdb_parser *p, struct exec_ctx *x, json_t **resultp)
{
    struct ovsdb_error *error = NULL;
    struct ovsdb_table *table = parse_table(p, x);
    /* "row" is required (RFC 7047 5.2.1, and ovsdb-server). */
    const json_t *row_json = ovsdb_parser_member(p, "row", OP_OBJECT);
    const json_t *uuid_name = ovsdb_parser_member(p, "uuid-name", OP_STRING | OP_OPTIONAL);
    /* ovsdb-server parses "uuid-name" as an <id>: a bad one is a type
     * mismatch of the member. */
    if (uuid_name && !ovsdb_id_is_valid(json_string_value(uuid_name))) {
        ovsdb_parser_raise(p, "Type mismatch for member 'uuid-name'.");
    }
    const json_t *uuid_json = ovsdb_parser_member(p, "uuid", OP_STRING | OP_OPTIONAL);
    struct ovsdb_error *perror = ovsdb_parser_finish(p);
    if (perror || error) {
        /* Free 'error' only if 'perror' is returned instead (it used to be
         * freed and then returned: a use after free). */
        ovsdb_error_destroy(perror ? error : NULL);
        return perror ? perror : error;
    }

    struct uuid uuid;
    if (uuid_json) {
        if (!uuid_from_string(&uuid, json_string_value(uuid_json))) {
            return ovsdb_syntax_error(uuid_json, NULL, "bad uuid");
        }
    } else {
        uuid_generate(&uuid);
    }
    if (uuid_name) {
        const char *name = json_string_value(uuid_name);
        if (!ovsdb_id_is_valid(name)) {
            return ovsdb_syntax_error(uuid_name, NULL, "%s is not a valid <id>", name);
        }
        struct ovsdb_symbol *symbol = ovsdb_symbol_table_insert(&x->symtab, name);
        if (symbol->created) {
            return ovsdb_syntax_error(uuid_name, "duplicate uuid-name",
                                      "This \"uuid-name\" appeared on an earlier "
                                      "\"insert\" operation.");
        }
        symbol->created = true;
        if (uuid_json) {
            symbol->uuid = uuid;
        } else {
            uuid = symbol->uuid;
        }
    }
    if (uuid_json && ovsdb_table_get_row(table, &uuid)) {
        return ovsdb_syntax_error(uuid_json, "duplicate uuid",
                                  "This UUID would duplicate a UUID already present "
                                  "within the table or deleted within the same "
                                  "transaction.");
    }

    struct ovsdb_row *row;
    error = ovsdb_row_create_from_json(table, row_json, &x->symtab, &row);
    if (error) {
        return error;
    }
    row->fields[OVSDB_COL_UUID].keys[0].uuid = uuid;
    uuid_generate(&row->fields[OVSDB_COL_VERSION].keys[0].uuid);
    /* The columns left at their defaults must satisfy the constraints too:
     * a one-element default (e.g. "" for an enum) may not.  Like
     * ovsdb-server, check every datum of exactly one element. */
    for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < table->schema->n_columns; i++) {
        if (row->fields[i].n == 1) {
            error = ovsdb_datum_check_constraints(&row->fields[i],
                                                  &table->schema->columns[i]->type);
            if (error) {
                ovsdb_row_destroy(row);
                return error;
            }
        }
    }
    if (x->db->read_only) {
        ovsdb_row_destroy(row);
        return reserved_db_error("insert", x->db);
    }
    ovsdb_txn_row_insert(x->txn, row);

    char s[UUID_LEN + 1];
    uuid_to_string(&uuid, s);
    *resultp = json_pack("{s [s s]}", "uuid", "uuid", s);
    return NULL;
}

struct select_aux {
    json_t *rows;
    const struct ovsdb_column **columns;
    size_t n_columns;
    bool distinct;              /* "columns" without _uuid. */
    struct hmap seen;           /* "struct seen_row"s, when 'distinct'. */
};

struct seen_row {
    struct hmap_node node;
    const struct ovsdb_row *row;
};

static bool
rows_equal_columns(const struct ovsdb_row *, const struct ovsdb_row *,
                   const struct ovsdb_column **, size_t);

static struct ovsdb_error *
select_cb(struct exec_ctx *x, struct ovsdb_row *row, void *aux_)
{
    struct select_aux *aux = aux_;
    /* With "columns" that leave out _uuid, ovsdb-server returns distinct
     * rows only (ovsdb_query_distinct()): a hash of the projection finds
     * the duplicates. */
    if (aux->distinct) {
        uint32_t hash = 0;
        for (size_t i = 0; i < aux->n_columns; i++) {
            const struct ovsdb_column *c = aux->columns[i];
            hash = ovsdb_datum_hash(&row->fields[c->index], &c->type, hash);
        }
        struct seen_row *sr;
        HMAP_FOR_EACH_WITH_HASH (sr, node, hash, &aux->seen) {
            if (rows_equal_columns(sr->row, row, aux->columns, aux->n_columns)) {
                return NULL;
            }
        }
        sr = xmalloc(sizeof *sr);
        sr->row = row;
        hmap_insert(&aux->seen, &sr->node, hash);
    }
    json_array_append_new(aux->rows, ovsdb_row_to_json(row, aux->columns,
                                                       aux->n_columns));
    return NULL;
}

static struct ovsdb_error *
execute_select(struct ovsdb_parser *p, struct exec_ctx *x, json_t **resultp)
{
    struct ovsdb_error *error;
    struct ovsdb_condition cond;
    struct ovsdb_table *table = parse_table_where(p, x, &cond, &error);
    const json_t *columns = ovsdb_parser_member(p, "columns", OP_ARRAY | OP_OPTIONAL);
    struct ovsdb_error *perror = ovsdb_parser_finish(p);
    struct select_aux aux;
    memset(&aux, 0, sizeof aux);
    hmap_init(&aux.seen);
    if (perror || error) {
        goto out;
    }
    error = parse_columns(columns, table->schema, &aux.columns, &aux.n_columns);
    if (error) {
        goto out;
    }
    aux.rows = json_array();
    if (!columns) {
        aux.columns = NULL;
        aux.n_columns = 0;
    }
    for (size_t i = 0; i < aux.n_columns; i++) {
        aux.distinct = aux.distinct || aux.columns[i]->index == OVSDB_COL_UUID;
    }
    aux.distinct = aux.columns && !aux.distinct;
    error = for_each_match(x, table, &cond, select_cb, &aux);
    if (!error) {
        *resultp = json_pack("{s o}", "rows", aux.rows);
        aux.rows = NULL;
    }
out:
    json_decref(aux.rows);
    free(aux.columns);
    struct seen_row *sr;
    HMAP_FOR_EACH_POP (sr, node, &aux.seen) {
        free(sr);
    }
    hmap_destroy(&aux.seen);
    ovsdb_condition_destroy(&cond);
    return op_error(perror, error);
}

struct update_aux {
    const struct ovsdb_row *values;
    const unsigned long *changed;
    const struct ovsdb_mutation_set *mutations;
    size_t count;
};

static struct ovsdb_error *
update_cb(struct exec_ctx *x, struct ovsdb_row *row, void *aux_)
{
    struct update_aux *aux = aux_;
    const struct ovsdb_table_schema *ts = row->table->schema;
    struct ovsdb_row *w = ovsdb_txn_row_modify(x->txn, row);
    for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
        if (bitmap_is_set(aux->changed, i)) {
            const struct ovsdb_type *type = &ts->columns[i]->type;
            ovsdb_datum_destroy(&w->fields[i], type);
            ovsdb_datum_clone(&w->fields[i], &aux->values->fields[i], type);
        }
    }
    aux->count++;
    return NULL;
}

static struct ovsdb_error *
execute_update(struct ovsdb_parser *p, struct exec_ctx *x, json_t **resultp)
{
    struct ovsdb_error *error;
    struct ovsdb_condition cond;
    struct ovsdb_row *values = NULL;
    unsigned long *changed = NULL;
    /* ovsdb-server reads "row" before "where": of two faults, the row's
     * is reported. */
    struct ovsdb_table *table = parse_table(p, x);
    const json_t *where = ovsdb_parser_member(p, "where", OP_ARRAY);
    const json_t *row_json = ovsdb_parser_member(p, "row", OP_OBJECT);
    struct ovsdb_error *perror = ovsdb_parser_finish(p);
    ovsdb_condition_init_empty(&cond);
    error = NULL;
    if (perror) {
        goto out;
    }
    const struct ovsdb_table_schema *ts = table->schema;
    values = ovsdb_row_create(table);
    changed = xcalloc(bitmap_n_longs(ts->n_columns), sizeof *changed);
    error = ovsdb_row_from_json(values, row_json, &x->symtab, changed);
    if (error) {
        goto out;
    }
    /* From column 0: _uuid and _version are immutable columns. */
    for (size_t i = 0; i < ts->n_columns; i++) {
        if (bitmap_is_set(changed, i) && !ts->columns[i]->mutable_) {
            error = ovsdb_syntax_error(p->syntax, "constraint violation",
                                       "Cannot update immutable column %s in "
                                       "table %s.", ts->columns[i]->name, ts->name);
            goto out;
        }
    }
    error = ovsdb_condition_from_json(ts, where, &x->symtab, &cond);
    if (error) {
        goto out;
    }
    struct update_aux aux = { values, changed, NULL, 0 };
    error = x->db->read_only ? reserved_db_error("update", x->db)
            : for_each_match(x, table, &cond, update_cb, &aux);
    if (!error) {
        *resultp = json_pack("{s I}", "count", (json_int_t) aux.count);
    }
out:
    ovsdb_row_destroy(values);
    free(changed);
    ovsdb_condition_destroy(&cond);
    return op_error(perror, error);
}

static struct ovsdb_error *
mutate_cb(struct exec_ctx *x, struct ovsdb_row *row, void *aux_)
{
    struct update_aux *aux = aux_;
    struct ovsdb_row *w = ovsdb_txn_row_modify(x->txn, row);
    aux->count++;
    return ovsdb_mutation_set_execute(w, aux->mutations);
}

static struct ovsdb_error *
execute_mutate(struct ovsdb_parser *p, struct exec_ctx *x, json_t **resultp)
{
    struct ovsdb_error *error;
    struct ovsdb_condition cond;
    struct ovsdb_mutation_set mutations = { NULL, 0 };
    /* "mutations" before "where", as in ovsdb-server. */
    struct ovsdb_table *table = parse_table(p, x);
    const json_t *where = ovsdb_parser_member(p, "where", OP_ARRAY);
    const json_t *mutations_json = ovsdb_parser_member(p, "mutations", OP_ARRAY);
    struct ovsdb_error *perror = ovsdb_parser_finish(p);
    ovsdb_condition_init_empty(&cond);
    error = NULL;
    if (perror) {
        goto out;
    }
    error = ovsdb_mutation_set_from_json(table->schema, mutations_json, &x->symtab,
                                         &mutations);
    if (!error) {
        error = ovsdb_condition_from_json(table->schema, where, &x->symtab, &cond);
    }
    if (error) {
        goto out;
    }
    struct update_aux aux = { NULL, NULL, &mutations, 0 };
    error = x->db->read_only ? reserved_db_error("mutate", x->db)
            : for_each_match(x, table, &cond, mutate_cb, &aux);
    if (!error) {
        *resultp = json_pack("{s I}", "count", (json_int_t) aux.count);
    }
out:
    ovsdb_mutation_set_destroy(&mutations);
    ovsdb_condition_destroy(&cond);
    return op_error(perror, error);
}

static struct ovsdb_error *
delete_cb(struct exec_ctx *x, struct ovsdb_row *row, void *aux_)
{
    struct update_aux *aux = aux_;
    ovsdb_txn_row_delete(x->txn, row);
    aux->count++;
    return NULL;
}

static struct ovsdb_error *
execute_delete(struct ovsdb_parser *p, struct exec_ctx *x, json_t **resultp)
{
    struct ovsdb_error *error;
    struct ovsdb_condition cond;
    struct ovsdb_table *table = parse_table_where(p, x, &cond, &error);
    struct ovsdb_error *perror = ovsdb_parser_finish(p);
    if (!perror && !error) {
        struct update_aux aux = { NULL, NULL, NULL, 0 };
        error = x->db->read_only ? reserved_db_error("delete", x->db)
                : for_each_match(x, table, &cond, delete_cb, &aux);
        if (!error) {
            *resultp = json_pack("{s I}", "count", (json_int_t) aux.count);
        }
    }
    ovsdb_condition_destroy(&cond);
    return op_error(perror, error);
}

/* "wait" compares the rows as sets, as ovsdb-server does: the distinct
 * projections (on "columns") of the rows "where" selects against the
 * distinct rows of "rows". */
struct wait_row {
    struct hmap_node node;          /* In 'wait_aux->expected', by projection. */
    struct ovsdb_row *row;
    bool matched;                   /* Some selected row equals it. */
};

struct wait_aux {
    struct hmap expected;           /* Distinct "struct wait_row"s. */
    const struct ovsdb_column **columns;
    size_t n_columns;
    bool mismatch;                  /* A selected row is not in "rows". */
};

static uint32_t
hash_columns(const struct ovsdb_row *row, const struct ovsdb_column **columns, size_t n)
{
    uint32_t hash = 0;
    for (size_t i = 0; i < n; i++) {
        hash = ovsdb_datum_hash(&row->fields[columns[i]->index], &columns[i]->type, hash);
    }
    return hash;
}

static bool
rows_equal_columns(const struct ovsdb_row *a, const struct ovsdb_row *b,
                   const struct ovsdb_column **columns, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct ovsdb_column *c = columns[i];
        if (!ovsdb_datum_equals(&a->fields[c->index], &b->fields[c->index], &c->type)) {
            return false;
        }
    }
    return true;
}

static struct wait_row *
wait_find(const struct wait_aux *aux, const struct ovsdb_row *row, uint32_t hash)
{
    struct wait_row *wr;
    HMAP_FOR_EACH_WITH_HASH (wr, node, hash, &aux->expected) {
        if (rows_equal_columns(wr->row, row, aux->columns, aux->n_columns)) {
            return wr;
        }
    }
    return NULL;
}

static void
wait_aux_destroy(struct wait_aux *aux)
{
    struct wait_row *wr;
    HMAP_FOR_EACH_POP (wr, node, &aux->expected) {
        ovsdb_row_destroy(wr->row);
        free(wr);
    }
    hmap_destroy(&aux->expected);
}

static struct ovsdb_error *
wait_cb(struct exec_ctx *x, struct ovsdb_row *row, void *aux_)
{
    struct wait_aux *aux = aux_;
    struct wait_row *wr = wait_find(aux, row, hash_columns(row, aux->columns,
                                                           aux->n_columns));
    if (wr) {
        wr->matched = true;
    } else {
        aux->mismatch = true;
    }
    return NULL;
}

static struct ovsdb_error *
execute_wait(struct ovsdb_parser *p, struct exec_ctx *x, json_t **resultp)
{
    struct ovsdb_error *error = NULL;
    struct ovsdb_table *table = parse_table(p, x);
    struct ovsdb_condition cond;
    struct wait_aux aux;

    memset(&aux, 0, sizeof aux);
    hmap_init(&aux.expected);
    ovsdb_condition_init_empty(&cond);
    if (!error && table) {
        error = parse_where(p, x, table, &cond);
    }
    const json_t *columns = ovsdb_parser_member(p, "columns", OP_ARRAY | OP_OPTIONAL);
    const json_t *until = ovsdb_parser_member(p, "until", OP_STRING);
    const json_t *rows = ovsdb_parser_member(p, "rows", OP_ARRAY);
    const json_t *timeout = ovsdb_parser_member(p, "timeout", OP_INTEGER | OP_OPTIONAL);
    struct ovsdb_error *perror = ovsdb_parser_finish(p);
    if (perror || error) {
        goto out;
    }
    const char *until_s = json_string_value(until);
    bool want_equal = !strcmp(until_s, "==");
    if (!want_equal && strcmp(until_s, "!=")) {
        error = ovsdb_syntax_error(until, NULL, "\"until\" must be \"==\" or \"!=\"");
        goto out;
    }
    long long timeout_ms = timeout ? ovsdb_json_integral_value(timeout) : LLONG_MAX;
    if (timeout_ms < 0) {
        error = ovsdb_syntax_error(timeout, NULL, "timeout must be nonnegative");
        goto out;
    }
    error = parse_columns(columns, table->schema, &aux.columns, &aux.n_columns);
    if (error) {
        goto out;
    }
    if (!columns) {
        const struct ovsdb_table_schema *ts = table->schema;
        aux.columns = xcalloc(ts->n_columns, sizeof *aux.columns);
        for (size_t i = 0; i < ts->n_columns; i++) {
            aux.columns[i] = ts->columns[i];
        }
        aux.n_columns = ts->n_columns;
    }
    for (size_t i = 0; i < json_array_size(rows); i++) {
        struct ovsdb_row *r = ovsdb_row_create(table);
        error = ovsdb_row_from_json(r, json_array_get(rows, i), &x->symtab, NULL);
        /* Columns of "rows" not in "columns" are parsed but not compared
         * (ovsdb-server does not reject them). */
        if (error) {
            ovsdb_row_destroy(r);
            goto out;
        }
        uint32_t hash = hash_columns(r, aux.columns, aux.n_columns);
        if (wait_find(&aux, r, hash)) {
            ovsdb_row_destroy(r);
            continue;
        }
        struct wait_row *wr = xzalloc(sizeof *wr);
        wr->row = r;
        hmap_insert(&aux.expected, &wr->node, hash);
    }
    error = for_each_match(x, table, &cond, wait_cb, &aux);
    if (error) {
        goto out;
    }
    bool equal = !aux.mismatch;
    struct wait_row *wr;
    HMAP_FOR_EACH (wr, node, &aux.expected) {
        equal = equal && wr->matched;
    }
    if (equal == want_equal) {
        *resultp = json_object();
    } else if (x->elapsed_ms >= timeout_ms) {
        error = timeout_ms ? ovsdb_error("timed out", "\"wait\" timed out after "
                                         "%lld ms", x->elapsed_ms)
                           : ovsdb_error("timed out", "\"where\" clause test failed");
    } else {
        /* Not yet: the caller will try the whole transaction again. */
        long long left = timeout_ms == LLONG_MAX ? LLONG_MAX : timeout_ms - x->elapsed_ms;
        x->timeout_ms = MIN(x->timeout_ms, left);
        *resultp = NULL;
    }
out:
    wait_aux_destroy(&aux);
    free(aux.columns);
    ovsdb_condition_destroy(&cond);
    return op_error(perror, error);
}

static struct ovsdb_error *
execute_commit(struct ovsdb_parser *p, struct exec_ctx *x, json_t **resultp)
{
    const json_t *durable = ovsdb_parser_member(p, "durable", OP_BOOLEAN);
    struct ovsdb_error *error = ovsdb_parser_finish(p);
    if (!error) {
        x->durable = x->durable || json_is_true(durable);
        *resultp = json_object();
    }
    return error;
}

static struct ovsdb_error *
execute_abort(struct ovsdb_parser *p, struct exec_ctx *x, json_t **resultp)
{
    struct ovsdb_error *error = ovsdb_parser_finish(p);
    return error ? error : ovsdb_error("aborted", "aborted by request");
}

static struct ovsdb_error *
execute_comment(struct ovsdb_parser *p, struct exec_ctx *x, json_t **resultp)
{
    const json_t *comment = ovsdb_parser_member(p, "comment", OP_STRING);
    struct ovsdb_error *error = ovsdb_parser_finish(p);
    if (!error) {
        ovsdb_txn_add_comment(x->txn, json_string_value(comment));
        *resultp = json_object();
    }
    return error;
}

static struct ovsdb_error *
execute_assert(struct ovsdb_parser *p, struct exec_ctx *x, json_t **resultp)
{
    const json_t *lock = ovsdb_parser_member(p, "lock", OP_STRING);
    /* ovsdb-server parses "lock" as an <id>. */
    if (lock && !ovsdb_id_is_valid(json_string_value(lock))) {
        ovsdb_parser_raise(p, "Type mismatch for member 'lock'.");
    }
    struct ovsdb_error *error = ovsdb_parser_finish(p);
    if (error) {
        return error;
    }
    const char *name = json_string_value(lock);
    if (!x->env || !x->env->has_lock || !x->env->has_lock(x->env->aux, name)) {
        return ovsdb_error("not owner", "Asserted lock %s not held.", name);
    }
    *resultp = json_object();
    return NULL;
}

typedef struct ovsdb_error *op_func(struct ovsdb_parser *, struct exec_ctx *, json_t **);

static const struct {
    const char *name;
    op_func *func;
    bool writes;
} operations[] = {
    { "insert", execute_insert, true },
    { "select", execute_select, false },
    { "update", execute_update, true },
    { "mutate", execute_mutate, true },
    { "delete", execute_delete, true },
    { "wait", execute_wait, false },
    { "commit", execute_commit, false },
    { "abort", execute_abort, false },
    { "comment", execute_comment, false },
    { "assert", execute_assert, false },
};

/* Where results go: a JSON array, or (text mode) the text of one. */
struct results {
    json_t *array;              /* Or NULL in text mode. */
    struct ds *text;            /* Text mode: "[r1,r2" so far. */
    size_t n;
};

static void
results_add(struct results *r, json_t *result)
{
    if (r->array) {
        json_array_append_new(r->array, result);
    } else {
        ds_put_char(r->text, r->n ? ',' : '[');
        jsonw_json(r->text, result);
        if (!jsonarena_is_active()) {
            json_decref(result);    /* Else it goes with its arena. */
        }
    }
    r->n++;
}

/* Parses operation text 'op' (see ovsdb_execute_text()) into an arena of
 * its own, '*arenap' (created on first use, reset for each operation), if
 * the caller has an arena active, else on the heap: a big transaction holds
 * one operation's tree at a time. */
static json_t *
parse_op_text(const json_t *op, struct jsonarena **arenap)
{
    struct jsonarena *outer = jsonarena_suspend();
    if (!outer) {
        *arenap = NULL;
    } else if (!*arenap) {
        *arenap = jsonarena_begin();
    } else {
        jsonarena_reset(*arenap);
        jsonarena_resume(*arenap);
    }
    char *error;
    json_t *json = jsonparse(json_string_value(op), json_string_length(op), 0, &error);
    if (!json) {
        /* The text was validated when the request was read. */
        log_err("operation text does not parse (%s)", error);
        free(error);
        json = json_null();
    }
    return json;
}

static bool
execute__(struct ovsdb_db *db, const struct ovsdb_exec_env *env,
          const json_t *ops, bool ops_are_text, long long elapsed_ms,
          long long *timeout_msp, struct results *results)
{
    struct exec_ctx x;
    size_t n_ops = json_array_size(ops);
    struct ovsdb_error *error = NULL;
    bool waiting = false;
    struct jsonarena *outer = NULL;
    struct jsonarena *op_arena = NULL;      /* Reused by each operation. */

    memset(&x, 0, sizeof x);
    x.db = db;
    x.txn = ovsdb_txn_create(db);
    x.env = env;
    x.elapsed_ms = elapsed_ms;
    x.timeout_ms = LLONG_MAX;
    ovsdb_symbol_table_init(&x.symtab);

    for (size_t i = 0; i < n_ops && !error && !waiting; i++) {
        const json_t *op = json_array_get(ops, i);
        json_t *parsed = NULL;
        json_t *result = NULL;
        struct ovsdb_parser p;

        if (ops_are_text) {
            outer = jsonarena_suspend();
            jsonarena_resume(outer);
            op = parsed = parse_op_text(op, &op_arena);
            if (!results->array) {
                /* Its result is written out before the arena goes. */
                jsonarena_resume(op_arena);
            } else {
                jsonarena_end(op_arena);
                jsonarena_resume(outer);
            }
        }
        if (!json_is_object(op)) {
            /* ovsdb-server's parser wording. */
            error = ovsdb_error("syntax error", "Parsing ovsdb operation %zu of "
                                "%zu failed: Object expected.", i + 1, n_ops);
        } else {
            ovsdb_parser_init(&p, op, "ovsdb operation %zu of %zu", i + 1, n_ops);
            const json_t *name = ovsdb_parser_member(&p, "op", OP_STRING);
            size_t j = ARRAY_SIZE(operations);
            if (name) {
                for (j = 0; j < ARRAY_SIZE(operations); j++) {
                    if (!strcmp(operations[j].name, json_string_value(name))) {
                        break;
                    }
                }
                if (j == ARRAY_SIZE(operations)) {
                    /* ovsdb-server reports it as a parse error. */
                    ovsdb_parser_raise(&p, "No operation \"%s\"",
                                       json_string_value(name));
                }
            }
            if (j == ARRAY_SIZE(operations)) {
                error = ovsdb_parser_finish(&p);
            } else {
                error = operations[j].func(&p, &x, &result);
                if (!error && !result) {
                    waiting = true;
                }
            }
        }
        if (result) {
            results_add(results, result);
        }
        if (ops_are_text) {
            jsonarena_end(op_arena);
            if (!op_arena) {
                json_decref(parsed);
            }
            jsonarena_resume(outer);
        }
    }
    jsonarena_destroy(op_arena);

    if (waiting) {
        ovsdb_txn_abort(x.txn);
        ovsdb_symbol_table_destroy(&x.symtab);
        *timeout_msp = x.timeout_ms;
        return false;
    }
    if (error) {
        results_add(results, ovsdb_error_to_json(error));
        ovsdb_error_destroy(error);
        ovsdb_txn_abort(x.txn);
    } else {
        x.txn->durable = x.durable;
        error = ovsdb_db_commit_txn(db, x.txn);
        if (error) {
            results_add(results, ovsdb_error_to_json(error));
            ovsdb_error_destroy(error);
        }
    }
    while (results->n < n_ops) {
        results_add(results, json_null());
    }
    ovsdb_symbol_table_destroy(&x.symtab);
    return true;
}

bool
ovsdb_execute(struct ovsdb_db *db, const struct ovsdb_exec_env *env,
              const json_t *ops, long long elapsed_ms, long long *timeout_msp,
              json_t **resultp)
{
    struct results results = { json_array(), NULL, 0 };
    if (!execute__(db, env, ops, false, elapsed_ms, timeout_msp, &results)) {
        json_decref(results.array);
        *resultp = NULL;
        return false;
    }
    *resultp = results.array;
    return true;
}

bool
ovsdb_execute_text(struct ovsdb_db *db, const struct ovsdb_exec_env *env,
                   const json_t *ops, bool ops_are_text, long long elapsed_ms,
                   long long *timeout_msp, struct ds *out)
{
    size_t start = out->length;
    struct results results = { NULL, out, 0 };
    if (!execute__(db, env, ops, ops_are_text, elapsed_ms, timeout_msp, &results)) {
        out->length = start;
        ds_cstr(out);
        return false;
    }
    ds_put_cstr(out, results.n ? "]" : "[]");
    return true;
}

static struct ovsdb_error *commit_txn__(struct ovsdb_db *, struct ovsdb_txn *);

struct ovsdb_error *
ovsdb_db_commit_txn(struct ovsdb_db *db, struct ovsdb_txn *txn)
{
    /* Storage, monitors and history keep or free what they make: no
     * request arena (see jsonarena.h) may be active meanwhile. */
    struct jsonarena *arena = jsonarena_suspend();
    struct ovsdb_error *error = commit_txn__(db, txn);
    jsonarena_resume(arena);
    return error;
}

static struct ovsdb_error *
commit_txn__(struct ovsdb_db *db, struct ovsdb_txn *txn)
{
    struct ovsdb_error *error = ovsdb_txn_precommit(txn);
    if (error) {
        ovsdb_txn_abort(txn);
        return error;
    }
    if (!ovsdb_txn_is_modifying(txn)) {
        ovsdb_txn_abort(txn);
        return NULL;
    }
    struct uuid txn_id;
    uuid_generate(&txn_id);
    if (db->storage) {
        bool written = false;
        error = ovsdb_storage_write_txn(db->storage, txn, &written);
        if (error) {
            ovsdb_txn_abort(txn);
            return error;
        }
        if (written) {
            /* The record's digest names the transaction (storage.h). */
            ovsdb_storage_last_txn_id(db->storage, &txn_id);
        }
    }
    ovsdb_monitor_commit(db, txn, &txn_id);
    db->last_txn_id = txn_id;
    db->n_txns++;
    ovsdb_txn_commit(txn);
    if (db->storage) {
        ovsdb_storage_maybe_compact(db);
    }
    if (db->on_commit) {
        db->on_commit(db->on_commit_aux);
    }
    return NULL;
}
