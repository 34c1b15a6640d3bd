/* ovsdb mutation: the "mutations" of RFC 7047 §5.1 (<mutation>,
 * <mutator>): arithmetic on integer/real scalars and sets, insert and
 * delete on sets and maps, with the RFC's "domain error", "range error"
 * and "constraint violation" results. */
#ifndef SEAM_OVSDB_MUTATION_H
#define SEAM_OVSDB_MUTATION_H 1

#include <jansson.h>
#include <stddef.h>
#include "ovsdb/datum.h"

struct ovsdb_column;
struct ovsdb_error;
struct ovsdb_row;
struct ovsdb_table_schema;

enum ovsdb_mutator {
    OVSDB_M_ADD, OVSDB_M_SUB, OVSDB_M_MUL, OVSDB_M_DIV, OVSDB_M_MOD,
    OVSDB_M_INSERT, OVSDB_M_DELETE
};

struct ovsdb_mutation {
    enum ovsdb_mutator mutator;
    const struct ovsdb_column *column;
    struct ovsdb_type type;         /* Of 'arg'. */
    struct ovsdb_datum arg;
};

struct ovsdb_mutation_set {
    struct ovsdb_mutation *mutations;
    size_t n_mutations;
};

struct ovsdb_error *ovsdb_mutation_set_from_json(const struct ovsdb_table_schema *,
                                                 const json_t *json,
                                                 struct ovsdb_symbol_table *,
                                                 struct ovsdb_mutation_set *)
    WARN_UNUSED;
void ovsdb_mutation_set_destroy(struct ovsdb_mutation_set *);
/* Applies every mutation to 'row' (a writable row); on error 'row' may be
 * partly changed, and the caller aborts the transaction. */
struct ovsdb_error *ovsdb_mutation_set_execute(struct ovsdb_row *row,
                                               const struct ovsdb_mutation_set *)
    WARN_UNUSED;

#endif /* ovsdb/mutation.h */
