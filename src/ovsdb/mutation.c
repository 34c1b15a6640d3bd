/* ovsdb mutation: see mutation.h. */
#include "ovsdb/mutation.h"

#include <math.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/schema.h"

static const char *const mutator_names[] = {
    [OVSDB_M_ADD] = "+=", [OVSDB_M_SUB] = "-=", [OVSDB_M_MUL] = "*=",
    [OVSDB_M_DIV] = "/=", [OVSDB_M_MOD] = "%=",
    [OVSDB_M_INSERT] = "insert", [OVSDB_M_DELETE] = "delete",
};

static struct ovsdb_error *
type_mismatch(const json_t *json, const char *mutator, const struct ovsdb_column *c)
{
    char *s = ovsdb_type_to_english(&c->type);
    struct ovsdb_error *error = ovsdb_syntax_error(
        json, NULL, "Type mismatch: \"%s\" operator may not be applied to "
        "column %s of type %s.", mutator, c->name, s);
    free(s);
    return error;
}

static struct ovsdb_error *
mutation_from_json(const struct ovsdb_table_schema *ts, const json_t *json,
                   struct ovsdb_symbol_table *symtab, struct ovsdb_mutation *m)
{
    if (!json_is_array(json) || json_array_size(json) != 3
        || !json_is_string(json_array_get(json, 0))
        || !json_is_string(json_array_get(json, 1))) {
        return ovsdb_syntax_error(json, NULL, "Parse error in mutation.");
    }
    const char *column_name = json_string_value(json_array_get(json, 0));
    const struct ovsdb_column *c = ovsdb_table_schema_find_column(ts, column_name);
    if (!c) {
        return ovsdb_syntax_error(json, "unknown column",
                                  "No column %s in table %s.", column_name, ts->name);
    }
    if (c->index < OVSDB_N_INTERNAL_COLUMNS || !c->mutable_) {
        return ovsdb_syntax_error(json, "constraint violation",
                                  "Cannot mutate immutable column %s in table %s.",
                                  column_name, ts->name);
    }
    const char *name = json_string_value(json_array_get(json, 1));
    size_t i;
    for (i = 0; i < ARRAY_SIZE(mutator_names); i++) {
        if (!strcmp(name, mutator_names[i])) {
            break;
        }
    }
    if (i == ARRAY_SIZE(mutator_names)) {
        return ovsdb_error("unknown mutator", "No mutator named %s.", name);
    }
    m->mutator = i;
    m->column = c;
    const json_t *arg = json_array_get(json, 2);
    struct ovsdb_error *error;

    ovsdb_type_clone(&m->type, &c->type);
    switch (m->mutator) {
    case OVSDB_M_ADD: case OVSDB_M_SUB: case OVSDB_M_MUL:
    case OVSDB_M_DIV: case OVSDB_M_MOD:
        if (ovsdb_type_is_map(&c->type)
            || (c->type.key.type != OVSDB_TYPE_INTEGER
                && (c->type.key.type != OVSDB_TYPE_REAL || m->mutator == OVSDB_M_MOD))) {
            ovsdb_type_destroy(&m->type);
            return type_mismatch(json, name, c);
        }
        /* The argument is one atom, free of the column's constraints. */
        ovsdb_type_destroy(&m->type);
        ovsdb_type_init_scalar(&m->type, c->type.key.type);
        error = ovsdb_datum_from_json(&m->arg, &m->type, arg, symtab);
        break;
    case OVSDB_M_INSERT: case OVSDB_M_DELETE:
        if (!ovsdb_type_is_set(&c->type) && !ovsdb_type_is_map(&c->type)) {
            ovsdb_type_destroy(&m->type);
            return type_mismatch(json, name, c);
        }
        /* As ovsdb-server: the argument of "insert" keeps the column's
         * maximum size (too many elements is a syntax error), that of
         * "delete" has none. */
        m->type.n_min = 0;
        if (m->mutator == OVSDB_M_DELETE) {
            m->type.n_max = UINT_MAX;
        }
        error = ovsdb_datum_from_json(&m->arg, &m->type, arg, symtab);
        if (error && m->mutator == OVSDB_M_DELETE && ovsdb_type_is_map(&c->type)) {
            /* "delete" from a map also takes a set of keys; if that fails
             * too, ovsdb-server reports the second error. */
            ovsdb_error_destroy(error);
            ovsdb_base_type_destroy(&m->type.value);
            ovsdb_base_type_init(&m->type.value, OVSDB_TYPE_VOID);
            error = ovsdb_datum_from_json(&m->arg, &m->type, arg, symtab);
        }
        break;
    default:
        error = ovsdb_internal_error("bad mutator");
    }
    if (error) {
        ovsdb_type_destroy(&m->type);
    }
    return error;
}

struct ovsdb_error *
ovsdb_mutation_set_from_json(const struct ovsdb_table_schema *ts, const json_t *json,
                             struct ovsdb_symbol_table *symtab,
                             struct ovsdb_mutation_set *set)
{
    set->mutations = NULL;
    set->n_mutations = 0;
    if (!json_is_array(json)) {
        return ovsdb_syntax_error(json, NULL, "Array of mutations expected.");
    }
    size_t n = json_array_size(json);
    set->mutations = xcalloc(n ? n : 1, sizeof *set->mutations);
    for (size_t i = 0; i < n; i++) {
        struct ovsdb_error *error = mutation_from_json(ts, json_array_get(json, i),
                                                       symtab, &set->mutations[i]);
        if (error) {
            ovsdb_mutation_set_destroy(set);
            return error;
        }
        set->n_mutations++;
    }
    return NULL;
}

void
ovsdb_mutation_set_destroy(struct ovsdb_mutation_set *set)
{
    for (size_t i = 0; i < set->n_mutations; i++) {
        struct ovsdb_mutation *m = &set->mutations[i];
        ovsdb_datum_destroy(&m->arg, &m->type);
        ovsdb_type_destroy(&m->type);
    }
    free(set->mutations);
    set->mutations = NULL;
    set->n_mutations = 0;
}

static struct ovsdb_error *
range_error(const char *mutator)
{
    return ovsdb_error("range error", "Result of \"%s\" operation is out of range.",
                       mutator);
}

static struct ovsdb_error *
mutate_integer(int64_t *x, int64_t y, enum ovsdb_mutator op)
{
    int64_t r;
    switch (op) {
    case OVSDB_M_ADD:
        if (__builtin_add_overflow(*x, y, &r)) {
            return range_error("+=");
        }
        break;
    case OVSDB_M_SUB:
        if (__builtin_sub_overflow(*x, y, &r)) {
            return range_error("-=");
        }
        break;
    case OVSDB_M_MUL:
        if (__builtin_mul_overflow(*x, y, &r)) {
            return range_error("*=");
        }
        break;
    case OVSDB_M_DIV:
        if (!y) {
            return ovsdb_error("domain error", "Division by zero.");
        }
        if (*x == INT64_MIN && y == -1) {
            return range_error("/=");
        }
        r = *x / y;
        break;
    case OVSDB_M_MOD:
        if (!y) {
            return ovsdb_error("domain error", "Division by zero.");
        }
        r = (*x == INT64_MIN && y == -1) ? 0 : *x % y;
        break;
    default:
        return ovsdb_internal_error("bad mutator");
    }
    *x = r;
    return NULL;
}

static struct ovsdb_error *
mutate_real(double *x, double y, enum ovsdb_mutator op)
{
    double r;
    switch (op) {
    case OVSDB_M_ADD: r = *x + y; break;
    case OVSDB_M_SUB: r = *x - y; break;
    case OVSDB_M_MUL: r = *x * y; break;
    case OVSDB_M_DIV:
        if (y == 0) {
            return ovsdb_error("domain error", "Division by zero.");
        }
        r = *x / y;
        break;
    default:
        return ovsdb_internal_error("bad mutator");
    }
    if (!isfinite(r)) {
        return range_error(mutator_names[op]);
    }
    *x = r;
    return NULL;
}

static struct ovsdb_error *
check_count(const struct ovsdb_datum *d, const struct ovsdb_column *c)
{
    if (d->n < c->type.n_min || d->n > c->type.n_max) {
        /* ovsdb-server's wording: "... in set of up to 3 strings." */
        char *s = ovsdb_type_to_english(&c->type);
        struct ovsdb_error *error = ovsdb_error(
            "constraint violation", "Attempted to store %u elements in %s.",
            d->n, s);
        free(s);
        return error;
    }
    return NULL;
}

static struct ovsdb_error *
execute_one(struct ovsdb_row *row, const struct ovsdb_mutation *m)
{
    const struct ovsdb_column *c = m->column;
    struct ovsdb_datum *d = &row->fields[c->index];
    struct ovsdb_error *error;

    switch (m->mutator) {
    case OVSDB_M_ADD: case OVSDB_M_SUB: case OVSDB_M_MUL:
    case OVSDB_M_DIV: case OVSDB_M_MOD:
        for (unsigned int i = 0; i < d->n; i++) {
            error = c->type.key.type == OVSDB_TYPE_INTEGER
                    ? mutate_integer(&d->keys[i].integer, m->arg.keys[0].integer,
                                     m->mutator)
                    : mutate_real(&d->keys[i].real, m->arg.keys[0].real, m->mutator);
            if (!error) {
                error = ovsdb_atom_check_constraints(&d->keys[i], &c->type.key);
            }
            if (error) {
                return error;
            }
        }
        if (d->n > 1) {
            /* Arithmetic may reorder a set, or make two elements equal
             * (reported in ovsdb-server's words). */
            error = ovsdb_datum_sort(d, &c->type);
            if (error) {
                ovsdb_error_destroy(error);
                return ovsdb_error("constraint violation", "Result of \"%s\" "
                                   "operation contains duplicates.",
                                   mutator_names[m->mutator]);
            }
        }
        return NULL;
    case OVSDB_M_INSERT:
        error = ovsdb_datum_check_constraints(&m->arg, &c->type);
        if (error) {
            return error;
        }
        ovsdb_datum_union(d, &m->arg, &c->type);
        return check_count(d, c);
    case OVSDB_M_DELETE:
        ovsdb_datum_subtract(d, &c->type, &m->arg, &m->type);
        return check_count(d, c);
    }
    return ovsdb_internal_error("bad mutator");
}

struct ovsdb_error *
ovsdb_mutation_set_execute(struct ovsdb_row *row, const struct ovsdb_mutation_set *set)
{
    for (size_t i = 0; i < set->n_mutations; i++) {
        struct ovsdb_error *error = execute_one(row, &set->mutations[i]);
        if (error) {
            return error;
        }
    }
    return NULL;
}
