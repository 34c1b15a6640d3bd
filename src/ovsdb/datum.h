/* ovsdb datum: atoms and datums, the values of OVSDB columns (RFC 7047
 * §5.1 <value>, <atom>, <set>, <map>): parsing from and writing to JSON,
 * constraint checks, comparison, hashing, and the set operations the
 * transaction engine needs.
 *
 * A datum is a sorted array of unique keys (and for a map, a parallel array
 * of values), exactly like Open vSwitch's 'struct ovsdb_datum'.  A scalar is
 * a datum with n == 1.  Datums do not know their type: every function that
 * must free or compare takes the 'struct ovsdb_type' (or base type).
 *
 * Errors follow error.h: NULL on success, else a new 'struct ovsdb_error'
 * tagged as RFC 7047 and ovsdb-server do ("syntax error", "constraint
 * violation", "ovsdb error", ...). */
#ifndef SEAM_OVSDB_DATUM_H
#define SEAM_OVSDB_DATUM_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "lib/hmap.h"
#include "lib/uuid.h"
#include "ovsdb/types.h"

struct ovsdb_error;

union ovsdb_atom {
    int64_t integer;
    double real;
    bool boolean;
    char *string;               /* Owned, NUL-terminated, valid UTF-8. */
    struct uuid uuid;
};

struct ovsdb_datum {
    unsigned int n;             /* Number of elements. */
    union ovsdb_atom *keys;     /* 'n' keys, sorted ascending, unique. */
    union ovsdb_atom *values;   /* 'n' values for a map, else NULL. */
};

/* Named UUIDs of one transaction (RFC 7047 §5.1 <named-uuid>): "uuid-name"
 * of an insert defines a symbol; ["named-uuid", name] anywhere in the same
 * transaction refers to it.  A reference seen before its definition creates
 * the symbol with a fresh UUID, so forward references work too. */
struct ovsdb_symbol {
    struct hmap_node node;      /* In 'symtab->symbols', by name hash. */
    char *name;
    struct uuid uuid;
    bool created;               /* Defined by an insert's "uuid-name". */
    bool strong_ref;            /* Referred to from a strong reference. */
    bool weak_ref;              /* Referred to from a weak reference. */
};

struct ovsdb_symbol_table {
    struct hmap symbols;
};

void ovsdb_symbol_table_init(struct ovsdb_symbol_table *);
void ovsdb_symbol_table_destroy(struct ovsdb_symbol_table *);
/* Borrowed pointer or NULL. */
struct ovsdb_symbol *ovsdb_symbol_table_find(const struct ovsdb_symbol_table *,
                                             const char *name);
/* Returns the symbol 'name', creating it (with a new random UUID) if absent;
 * borrowed, valid until the table is destroyed. */
struct ovsdb_symbol *ovsdb_symbol_table_insert(struct ovsdb_symbol_table *,
                                               const char *name);

/* Atoms.  'type' is never OVSDB_TYPE_VOID. */
void ovsdb_atom_init_default(union ovsdb_atom *, enum ovsdb_atomic_type);
bool ovsdb_atom_is_default(const union ovsdb_atom *, enum ovsdb_atomic_type);
void ovsdb_atom_clone(union ovsdb_atom *dst, const union ovsdb_atom *src,
                      enum ovsdb_atomic_type);
void ovsdb_atom_destroy(union ovsdb_atom *, enum ovsdb_atomic_type);
uint32_t ovsdb_atom_hash(const union ovsdb_atom *, enum ovsdb_atomic_type,
                         uint32_t basis);
int ovsdb_atom_compare_3way(const union ovsdb_atom *, const union ovsdb_atom *,
                            enum ovsdb_atomic_type);
static inline bool
ovsdb_atom_equals(const union ovsdb_atom *a, const union ovsdb_atom *b,
                  enum ovsdb_atomic_type type)
{
    return !ovsdb_atom_compare_3way(a, b, type);
}
/* Parses an atom of 'base->type' from 'json'.  ["named-uuid", NAME] is
 * accepted only when 'symtab' is nonnull (then the symbol is inserted and
 * marked strong_ref/weak_ref per 'base').  Does not check constraints. */
struct ovsdb_error *ovsdb_atom_from_json(union ovsdb_atom *,
                                         const struct ovsdb_base_type *base,
                                         const json_t *json,
                                         struct ovsdb_symbol_table *symtab)
    WARN_UNUSED;
/* Returns new JSON: integer, real, true/false, string, ["uuid", "..."]. */
json_t *ovsdb_atom_to_json(const union ovsdb_atom *, enum ovsdb_atomic_type);
/* Checks enum, integer/real range and string length of 'base'
 * ("constraint violation" with ovsdb-server's wording). */
struct ovsdb_error *ovsdb_atom_check_constraints(const union ovsdb_atom *,
                                                 const struct ovsdb_base_type *)
    WARN_UNUSED;

/* The text forms of ovsdb-server's messages and ovs-vsctl (strings bare
 * when they can be, a set "[a, b]", a map "{k=v}"), appended to 'out'. */
struct ds;
void ovsdb_atom_to_text(struct ds *out, const union ovsdb_atom *,
                        enum ovsdb_atomic_type);
void ovsdb_datum_to_text(struct ds *out, const struct ovsdb_datum *,
                         const struct ovsdb_type *);

/* Datums. */
void ovsdb_datum_init_empty(struct ovsdb_datum *);
/* The column default of RFC 7047 §5.1: n_min default atoms (0 or 1). */
void ovsdb_datum_init_default(struct ovsdb_datum *, const struct ovsdb_type *);
bool ovsdb_datum_is_default(const struct ovsdb_datum *, const struct ovsdb_type *);
/* Datum with one key (and value, if 'value' nonnull); takes ownership of
 * the atoms' contents. */
void ovsdb_datum_init_single(struct ovsdb_datum *, union ovsdb_atom *key,
                             union ovsdb_atom *value);
void ovsdb_datum_clone(struct ovsdb_datum *dst, const struct ovsdb_datum *src,
                       const struct ovsdb_type *);
void ovsdb_datum_destroy(struct ovsdb_datum *, const struct ovsdb_type *);
void ovsdb_datum_swap(struct ovsdb_datum *, struct ovsdb_datum *);

/* Parses <value> JSON of 'type': an atom, ["set", [...]] or ["map",
 * [[k, v], ...]].  Checks n_min/n_max, every atom's constraints, sorts, and
 * rejects duplicate keys.  On error '*datum' is left empty. */
struct ovsdb_error *ovsdb_datum_from_json(struct ovsdb_datum *,
                                          const struct ovsdb_type *,
                                          const json_t *json,
                                          struct ovsdb_symbol_table *symtab)
    WARN_UNUSED;
/* Like ovsdb_datum_from_json() but without the n_min/n_max check (the
 * argument of a set/map mutation, RFC 7047 §5.1). */
struct ovsdb_error *ovsdb_datum_from_json_unbounded(struct ovsdb_datum *,
                                                    const struct ovsdb_type *,
                                                    const json_t *json,
                                                    struct ovsdb_symbol_table *)
    WARN_UNUSED;
/* Returns new JSON as ovsdb-server writes it: a bare atom for a datum of
 * exactly one element of a type that is not a map (whatever its n_max), else
 * ["set", [...]] / ["map", [...]]. */
json_t *ovsdb_datum_to_json(const struct ovsdb_datum *, const struct ovsdb_type *);

/* Sorts keys (and values along), then fails with "constraint violation"
 * naming the duplicate if two keys are equal; used after mutations. */
struct ovsdb_error *ovsdb_datum_sort(struct ovsdb_datum *,
                                     const struct ovsdb_type *) WARN_UNUSED;
/* Like ovsdb_datum_sort() but drops duplicate keys (for a map, keeps the
 * first).  Never fails. */
void ovsdb_datum_sort_unique(struct ovsdb_datum *, const struct ovsdb_type *);
/* Checks every atom's constraints. */
struct ovsdb_error *ovsdb_datum_check_constraints(const struct ovsdb_datum *,
                                                  const struct ovsdb_type *)
    WARN_UNUSED;

int ovsdb_datum_compare_3way(const struct ovsdb_datum *, const struct ovsdb_datum *,
                             const struct ovsdb_type *);
bool ovsdb_datum_equals(const struct ovsdb_datum *, const struct ovsdb_datum *,
                        const struct ovsdb_type *);
uint32_t ovsdb_datum_hash(const struct ovsdb_datum *, const struct ovsdb_type *,
                          uint32_t basis);

/* Index of 'key' in 'datum' (binary search), or UINT_MAX. */
unsigned int ovsdb_datum_find_key(const struct ovsdb_datum *,
                                  const union ovsdb_atom *key,
                                  enum ovsdb_atomic_type key_type);
/* Index of the element equal to key/value ('value' ignored for sets). */
unsigned int ovsdb_datum_find_key_value(const struct ovsdb_datum *,
                                        const union ovsdb_atom *key,
                                        enum ovsdb_atomic_type key_type,
                                        const union ovsdb_atom *value,
                                        enum ovsdb_atomic_type value_type);
/* Does 'a' contain every element (key and value) of 'b'? */
bool ovsdb_datum_includes_all(const struct ovsdb_datum *a,
                              const struct ovsdb_datum *b,
                              const struct ovsdb_type *);
/* Does 'a' contain no element of 'b'? */
bool ovsdb_datum_excludes_all(const struct ovsdb_datum *a,
                              const struct ovsdb_datum *b,
                              const struct ovsdb_type *);
/* Adds to 'a' each element of 'b' whose key is not in 'a' (RFC 7047 map
 * "insert": existing keys keep their values).  'a' stays sorted. */
void ovsdb_datum_union(struct ovsdb_datum *a, const struct ovsdb_datum *b,
                       const struct ovsdb_type *);
/* Removes from 'a' each element of 'b'.  If 'b_type' is a set of keys and
 * 'a_type' a map, removes by key; otherwise by key and value. */
void ovsdb_datum_subtract(struct ovsdb_datum *a, const struct ovsdb_type *a_type,
                          const struct ovsdb_datum *b,
                          const struct ovsdb_type *b_type);
/* Applies 'diff' to 'dst' as update2 "modify" and "_is_diff" file records
 * mean it (ovsdb-server(7)): for a column of at most one element that is
 * not a map, 'diff' is the new value; for a set, each element of 'diff' is
 * added if absent, removed if present; for a map, a key absent is added, a
 * key with another value gets the new value, a key with the same value is
 * removed. */
void ovsdb_datum_apply_diff(struct ovsdb_datum *dst, const struct ovsdb_datum *diff,
                            const struct ovsdb_type *);
/* Removes element 'idx' of 'datum', freeing it; order is kept. */
void ovsdb_datum_remove(struct ovsdb_datum *, unsigned int idx,
                        const struct ovsdb_type *);

#endif /* ovsdb/datum.h */
