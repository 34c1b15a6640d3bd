/* ovsdb condition: "where" clauses of RFC 7047 §5.1 (<condition>,
 * <function>) and the monitor_cond conditions of the Open vSwitch
 * extension (clauses may also be the booleans true and false). */
#ifndef SEAM_OVSDB_CONDITION_H
#define SEAM_OVSDB_CONDITION_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "ovsdb/datum.h"

struct ovsdb_column;
struct ovsdb_error;
struct ovsdb_row;
struct ovsdb_table_schema;

enum ovsdb_function {
    OVSDB_F_FALSE, OVSDB_F_TRUE,
    OVSDB_F_EQ, OVSDB_F_NE, OVSDB_F_LT, OVSDB_F_LE, OVSDB_F_GT, OVSDB_F_GE,
    OVSDB_F_INCLUDES, OVSDB_F_EXCLUDES
};

struct ovsdb_clause {
    enum ovsdb_function function;
    const struct ovsdb_column *column;  /* NULL for true/false. */
    struct ovsdb_type type;             /* Of 'arg' (relaxed column type). */
    struct ovsdb_datum arg;
};

struct ovsdb_condition {
    struct ovsdb_clause *clauses;
    size_t n_clauses;
};

/* Parses 'json' (an array of clauses) for a table of 'ts'.  On success
 * initializes 'cond' (free with ovsdb_condition_destroy()); on failure
 * leaves it empty. */
struct ovsdb_error *ovsdb_condition_from_json(const struct ovsdb_table_schema *ts,
                                              const json_t *json,
                                              struct ovsdb_symbol_table *symtab,
                                              struct ovsdb_condition *cond)
    WARN_UNUSED;
json_t *ovsdb_condition_to_json(const struct ovsdb_condition *);
void ovsdb_condition_init_empty(struct ovsdb_condition *);
void ovsdb_condition_destroy(struct ovsdb_condition *);
/* RFC 7047 "where": every clause holds (true for no clauses). */
bool ovsdb_condition_match_all(const struct ovsdb_row *, const struct ovsdb_condition *);
/* monitor_cond: some clause holds, or there are no clauses. */
bool ovsdb_condition_match_any(const struct ovsdb_row *, const struct ovsdb_condition *);
/* If a clause is "_uuid == U", returns a borrowed pointer to U, so that
 * the caller looks up one row instead of scanning the table. */
const struct uuid *ovsdb_condition_get_uuid(const struct ovsdb_condition *);
/* Is this condition the constant true (no clauses, or a clause "true")? */
bool ovsdb_condition_is_true(const struct ovsdb_condition *);
/* Is this condition the constant false ([false] or no clause at all)? */
bool ovsdb_condition_is_false(const struct ovsdb_condition *);
/* Does some clause of 'cond' use column number 'index'? */
bool ovsdb_condition_uses_column(const struct ovsdb_condition *, unsigned int index);

#endif /* ovsdb/condition.h */
