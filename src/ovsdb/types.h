/* ovsdb types: the OVSDB type system of RFC 7047 §3.2 (<type>, <base-type>,
 * <atomic-type>) with every constraint: enum, minInteger/maxInteger,
 * minReal/maxReal, minLength/maxLength, refTable/refType, min/max. */
#ifndef SEAM_OVSDB_TYPES_H
#define SEAM_OVSDB_TYPES_H 1

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "lib/util.h"

struct ovsdb_datum;
struct ovsdb_error;
struct ovsdb_table_schema;

enum ovsdb_atomic_type {
    OVSDB_TYPE_VOID,            /* No value: a set's "value", a missing type. */
    OVSDB_TYPE_INTEGER,
    OVSDB_TYPE_REAL,
    OVSDB_TYPE_BOOLEAN,
    OVSDB_TYPE_STRING,
    OVSDB_TYPE_UUID,
    OVSDB_N_TYPES
};

enum ovsdb_ref_type {
    OVSDB_REF_STRONG,
    OVSDB_REF_WEAK
};

struct ovsdb_base_type {
    enum ovsdb_atomic_type type;
    /* Allowed values, or NULL.  A set of atoms of 'type': n_min 0,
     * n_max UINT_MAX, no value (owned). */
    struct ovsdb_datum *enum_;
    union {
        struct {
            int64_t min;        /* INT64_MIN if unconstrained. */
            int64_t max;        /* INT64_MAX if unconstrained. */
        } integer;
        struct {
            double min;         /* -DBL_MAX if unconstrained. */
            double max;         /* DBL_MAX if unconstrained. */
        } real;
        struct {
            unsigned int min_len;   /* In UTF-8 characters; 0 if none. */
            unsigned int max_len;   /* UINT_MAX if unconstrained. */
        } string;
        struct {
            char *ref_table_name;   /* NULL if not a reference (owned). */
            /* Resolved by ovsdb_schema_from_json(); borrowed. */
            struct ovsdb_table_schema *ref_table;
            enum ovsdb_ref_type ref_type;
        } uuid;
    };
};

struct ovsdb_type {
    struct ovsdb_base_type key;
    struct ovsdb_base_type value;   /* OVSDB_TYPE_VOID unless a map. */
    unsigned int n_min;             /* 0 or 1. */
    unsigned int n_max;             /* >= 1; UINT_MAX means "unlimited". */
};

const char *ovsdb_atomic_type_to_string(enum ovsdb_atomic_type);
/* Returns false if 's' names no atomic type ("void" is not accepted). */
bool ovsdb_atomic_type_from_string(const char *s, enum ovsdb_atomic_type *);

/* Initializes 'base' to an unconstrained base type of 'type'. */
void ovsdb_base_type_init(struct ovsdb_base_type *base, enum ovsdb_atomic_type);
void ovsdb_base_type_clone(struct ovsdb_base_type *dst,
                           const struct ovsdb_base_type *src);
void ovsdb_base_type_destroy(struct ovsdb_base_type *);
bool ovsdb_base_type_has_constraints(const struct ovsdb_base_type *);
static inline bool
ovsdb_base_type_is_ref(const struct ovsdb_base_type *b)
{
    return b->type == OVSDB_TYPE_UUID && b->uuid.ref_table_name;
}
static inline bool
ovsdb_base_type_is_strong_ref(const struct ovsdb_base_type *b)
{
    return ovsdb_base_type_is_ref(b) && b->uuid.ref_type == OVSDB_REF_STRONG;
}
static inline bool
ovsdb_base_type_is_weak_ref(const struct ovsdb_base_type *b)
{
    return ovsdb_base_type_is_ref(b) && b->uuid.ref_type == OVSDB_REF_WEAK;
}

/* Parses RFC 7047 <type> JSON into 'type' (which the caller then owns and
 * frees with ovsdb_type_destroy()).  On error 'type' is left destroyed. */
struct ovsdb_error *ovsdb_type_from_json(struct ovsdb_type *type,
                                         const json_t *json) WARN_UNUSED;
/* Returns new JSON in the form Open vSwitch writes it: a bare atomic type
 * name when the type is a scalar without constraints. */
json_t *ovsdb_type_to_json(const struct ovsdb_type *);
void ovsdb_type_clone(struct ovsdb_type *dst, const struct ovsdb_type *src);
/* Returns the type in the words of ovsdb-server's errors: "string", "set of
 * integers", "set of up to 3 strings", "map of (string, string) pairs".
 * Free it with free(). */
char *ovsdb_type_to_english(const struct ovsdb_type *);
void ovsdb_type_destroy(struct ovsdb_type *);
/* Initializes 'type' to a scalar of 'key' without constraints. */
void ovsdb_type_init_scalar(struct ovsdb_type *type, enum ovsdb_atomic_type key);

static inline bool ovsdb_type_is_map(const struct ovsdb_type *t)
{ return t->value.type != OVSDB_TYPE_VOID; }
static inline bool ovsdb_type_is_scalar(const struct ovsdb_type *t)
{ return t->n_min == 1 && t->n_max == 1 && !ovsdb_type_is_map(t); }
static inline bool ovsdb_type_is_optional(const struct ovsdb_type *t)
{ return t->n_min == 0 && t->n_max == 1; }
static inline bool ovsdb_type_is_set(const struct ovsdb_type *t)
{ return !ovsdb_type_is_map(t) && (t->n_min != 1 || t->n_max != 1); }

#endif /* ovsdb/types.h */
