/* ovsdb condition: see condition.h. */
#include "ovsdb/condition.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/schema.h"

static const struct {
    const char *name;
    enum ovsdb_function function;
} functions[] = {
    { "==", OVSDB_F_EQ }, { "!=", OVSDB_F_NE },
    { "<", OVSDB_F_LT }, { "<=", OVSDB_F_LE },
    { ">", OVSDB_F_GT }, { ">=", OVSDB_F_GE },
    { "includes", OVSDB_F_INCLUDES }, { "excludes", OVSDB_F_EXCLUDES },
};

static const char *
function_name(enum ovsdb_function f)
{
    for (size_t i = 0; i < ARRAY_SIZE(functions); i++) {
        if (functions[i].function == f) {
            return functions[i].name;
        }
    }
    return f == OVSDB_F_TRUE ? "true" : "false";
}

void
ovsdb_condition_init_empty(struct ovsdb_condition *cond)
{
    cond->clauses = NULL;
    cond->n_clauses = 0;
}

static void
clause_destroy(struct ovsdb_clause *c)
{
    if (c->column) {
        ovsdb_datum_destroy(&c->arg, &c->type);
        ovsdb_type_destroy(&c->type);
    }
}

void
ovsdb_condition_destroy(struct ovsdb_condition *cond)
{
    for (size_t i = 0; i < cond->n_clauses; i++) {
        clause_destroy(&cond->clauses[i]);
    }
    free(cond->clauses);
    ovsdb_condition_init_empty(cond);
}

static struct ovsdb_error *
clause_from_json(const struct ovsdb_table_schema *ts, const json_t *json,
                 struct ovsdb_symbol_table *symtab, struct ovsdb_clause *clause)
{
    memset(clause, 0, sizeof *clause);
    if (json_is_boolean(json)) {
        clause->function = json_is_true(json) ? OVSDB_F_TRUE : OVSDB_F_FALSE;
        return NULL;
    }
    if (!json_is_array(json) || json_array_size(json) != 3
        || !json_is_string(json_array_get(json, 0))
        || !json_is_string(json_array_get(json, 1))) {
        return ovsdb_syntax_error(json, NULL, "Parse error in condition.");
    }
    const char *column_name = json_string_value(json_array_get(json, 0));
    const struct ovsdb_column *column = ovsdb_table_schema_find_column(ts, column_name);
    if (!column) {
        return ovsdb_syntax_error(json, "unknown column",
                                  "No column %s in table %s.", column_name, ts->name);
    }
    const char *fname = json_string_value(json_array_get(json, 1));
    size_t i;
    for (i = 0; i < ARRAY_SIZE(functions); i++) {
        if (!strcmp(functions[i].name, fname)) {
            break;
        }
    }
    if (i == ARRAY_SIZE(functions)) {
        return ovsdb_error("unknown function",
                                  "No function named %s.", fname);
    }
    enum ovsdb_function f = functions[i].function;
    struct ovsdb_type type;
    ovsdb_type_clone(&type, &column->type);

    switch (f) {
    case OVSDB_F_LT: case OVSDB_F_LE: case OVSDB_F_GT: case OVSDB_F_GE:
        if (type.n_max != 1 || ovsdb_type_is_map(&type)
            || (type.key.type != OVSDB_TYPE_INTEGER
                && type.key.type != OVSDB_TYPE_REAL)) {
            char *s = ovsdb_type_to_english(&column->type);
            struct ovsdb_error *error = ovsdb_syntax_error(
                json, NULL, "Type mismatch: \"%s\" operator may not be "
                "applied to column %s of type %s.", fname, column->name, s);
            free(s);
            ovsdb_type_destroy(&type);
            return error;
        }
        type.n_min = 1;
        break;
    case OVSDB_F_INCLUDES:
        /* RFC 7047 relaxes only the minimum, and ovsdb-server only for a
         * column that is not a scalar. */
        if (!ovsdb_type_is_scalar(&type)) {
            type.n_min = 0;
        }
        break;
    case OVSDB_F_EXCLUDES:
        if (!ovsdb_type_is_scalar(&type)) {
            type.n_min = 0;
            type.n_max = UINT_MAX;
        }
        break;
    case OVSDB_F_EQ: case OVSDB_F_NE:
    case OVSDB_F_TRUE: case OVSDB_F_FALSE:
        break;
    }
    /* As ovsdb-server: the element count is checked first, then each atom
     * (with the column's constraints), then duplicates. */
    struct ovsdb_error *error = ovsdb_datum_from_json(
        &clause->arg, &type, json_array_get(json, 2), symtab);
    if (error) {
        ovsdb_type_destroy(&type);
        return error;
    }
    clause->function = f;
    clause->column = column;
    clause->type = type;
    return NULL;
}

struct ovsdb_error *
ovsdb_condition_from_json(const struct ovsdb_table_schema *ts, const json_t *json,
                          struct ovsdb_symbol_table *symtab,
                          struct ovsdb_condition *cond)
{
    ovsdb_condition_init_empty(cond);
    if (!json_is_array(json)) {
        return ovsdb_syntax_error(json, NULL, "Parse error in condition.");
    }
    size_t n = json_array_size(json);
    cond->clauses = xcalloc(n ? n : 1, sizeof *cond->clauses);
    for (size_t i = 0; i < n; i++) {
        struct ovsdb_error *error = clause_from_json(ts, json_array_get(json, i),
                                                     symtab, &cond->clauses[i]);
        if (error) {
            ovsdb_condition_destroy(cond);
            return error;
        }
        cond->n_clauses++;
    }
    return NULL;
}

json_t *
ovsdb_condition_to_json(const struct ovsdb_condition *cond)
{
    json_t *array = json_array();
    for (size_t i = 0; i < cond->n_clauses; i++) {
        const struct ovsdb_clause *c = &cond->clauses[i];
        if (!c->column) {
            json_array_append_new(array, json_boolean(c->function == OVSDB_F_TRUE));
        } else {
            json_array_append_new(array, json_pack(
                "[s s o]", c->column->name, function_name(c->function),
                ovsdb_datum_to_json(&c->arg, &c->type)));
        }
    }
    return array;
}

static bool
clause_match(const struct ovsdb_row *row, const struct ovsdb_clause *c)
{
    if (!c->column) {
        return c->function == OVSDB_F_TRUE;
    }
    const struct ovsdb_datum *field = &row->fields[c->column->index];
    const struct ovsdb_type *type = &c->column->type;
    int cmp;

    switch (c->function) {
    case OVSDB_F_EQ:
        return ovsdb_datum_equals(field, &c->arg, type);
    case OVSDB_F_NE:
        return !ovsdb_datum_equals(field, &c->arg, type);
    case OVSDB_F_INCLUDES:
        return ovsdb_datum_includes_all(field, &c->arg, type);
    case OVSDB_F_EXCLUDES:
        return ovsdb_datum_excludes_all(field, &c->arg, type);
    case OVSDB_F_LT: case OVSDB_F_LE: case OVSDB_F_GT: case OVSDB_F_GE:
        if (!field->n || !c->arg.n) {
            return false;
        }
        cmp = ovsdb_atom_compare_3way(&field->keys[0], &c->arg.keys[0], type->key.type);
        return c->function == OVSDB_F_LT ? cmp < 0
             : c->function == OVSDB_F_LE ? cmp <= 0
             : c->function == OVSDB_F_GT ? cmp > 0 : cmp >= 0;
    case OVSDB_F_TRUE:
        return true;
    case OVSDB_F_FALSE:
        return false;
    }
    return false;
}

bool
ovsdb_condition_match_all(const struct ovsdb_row *row, const struct ovsdb_condition *cond)
{
    for (size_t i = 0; i < cond->n_clauses; i++) {
        if (!clause_match(row, &cond->clauses[i])) {
            return false;
        }
    }
    return true;
}

bool
ovsdb_condition_match_any(const struct ovsdb_row *row, const struct ovsdb_condition *cond)
{
    if (!cond->n_clauses) {
        return true;
    }
    for (size_t i = 0; i < cond->n_clauses; i++) {
        if (clause_match(row, &cond->clauses[i])) {
            return true;
        }
    }
    return false;
}

const struct uuid *
ovsdb_condition_get_uuid(const struct ovsdb_condition *cond)
{
    for (size_t i = 0; i < cond->n_clauses; i++) {
        const struct ovsdb_clause *c = &cond->clauses[i];
        if (c->column && c->column->index == OVSDB_COL_UUID
            && c->function == OVSDB_F_EQ && c->arg.n == 1) {
            return &c->arg.keys[0].uuid;
        }
    }
    return NULL;
}

bool
ovsdb_condition_is_true(const struct ovsdb_condition *cond)
{
    if (!cond->n_clauses) {
        return true;
    }
    for (size_t i = 0; i < cond->n_clauses; i++) {
        if (cond->clauses[i].function == OVSDB_F_TRUE) {
            return true;
        }
    }
    return false;
}

bool
ovsdb_condition_is_false(const struct ovsdb_condition *cond)
{
    for (size_t i = 0; i < cond->n_clauses; i++) {
        if (cond->clauses[i].function != OVSDB_F_FALSE) {
            return false;
        }
    }
    return cond->n_clauses > 0;
}

bool
ovsdb_condition_uses_column(const struct ovsdb_condition *cond, unsigned int index)
{
    for (size_t i = 0; i < cond->n_clauses; i++) {
        if (cond->clauses[i].column && cond->clauses[i].column->index == index) {
            return true;
        }
    }
    return false;
}
