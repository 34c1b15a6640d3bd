/* ovsdb types: see types.h.
 *
 * Parsing follows Open vSwitch 3.1 (lib/ovsdb-types.c) closely enough that
 * every rejection carries the same tag and details as ovsdb-server's, e.g.
 * "Parsing ovsdb type failed: Member 'foo' is present but not allowed
 * here." or "minInteger exceeds maxInteger".  Details never embed the JSON
 * (ovsdb-server sends it apart, as "syntax"). */
#include "ovsdb/types.h"

#include "lib/ds.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "ovsdb/datum.h"
#include "ovsdb/error.h"
#include "ovsdb/parser.h"

/* A syntax error with exactly ovsdb-server's details. */
#define syntax_error(...) ovsdb_error("syntax error", __VA_ARGS__)

/* Atomic types. */

const char *
ovsdb_atomic_type_to_string(enum ovsdb_atomic_type type)
{
    switch (type) {
    case OVSDB_TYPE_VOID: return "void";
    case OVSDB_TYPE_INTEGER: return "integer";
    case OVSDB_TYPE_REAL: return "real";
    case OVSDB_TYPE_BOOLEAN: return "boolean";
    case OVSDB_TYPE_STRING: return "string";
    case OVSDB_TYPE_UUID: return "uuid";
    case OVSDB_N_TYPES:
    default: return "<invalid>";
    }
}

bool
ovsdb_atomic_type_from_string(const char *s, enum ovsdb_atomic_type *type)
{
    for (enum ovsdb_atomic_type t = OVSDB_TYPE_INTEGER; t < OVSDB_N_TYPES;
         t++) {
        if (!strcmp(s, ovsdb_atomic_type_to_string(t))) {
            *type = t;
            return true;
        }
    }
    return false;
}

static struct ovsdb_error *
atomic_type_from_json(enum ovsdb_atomic_type *type, const json_t *json)
{
    if (!json_is_string(json)) {
        return syntax_error("atomic-type expected");
    }
    const char *s = json_string_value(json);
    if (!ovsdb_atomic_type_from_string(s, type)) {
        return syntax_error("\"%s\" is not an atomic-type", s);
    }
    return NULL;
}

/* Base types. */

void
ovsdb_base_type_init(struct ovsdb_base_type *base, enum ovsdb_atomic_type type)
{
    memset(base, 0, sizeof *base);
    base->type = type;
    base->enum_ = NULL;
    switch (type) {
    case OVSDB_TYPE_INTEGER:
        base->integer.min = INT64_MIN;
        base->integer.max = INT64_MAX;
        break;
    case OVSDB_TYPE_REAL:
        base->real.min = -DBL_MAX;
        base->real.max = DBL_MAX;
        break;
    case OVSDB_TYPE_STRING:
        base->string.min_len = 0;
        base->string.max_len = UINT_MAX;
        break;
    case OVSDB_TYPE_UUID:
        base->uuid.ref_table_name = NULL;
        base->uuid.ref_table = NULL;
        base->uuid.ref_type = OVSDB_REF_STRONG;
        break;
    case OVSDB_TYPE_VOID:
    case OVSDB_TYPE_BOOLEAN:
    case OVSDB_N_TYPES:
    default:
        break;
    }
}

/* The type of a base type's "enum": a set of one or more atoms of 'atomic',
 * unconstrained.  Owns no memory, so it needs no destruction. */
static void
enum_type_init(struct ovsdb_type *type, enum ovsdb_atomic_type atomic)
{
    ovsdb_base_type_init(&type->key, atomic);
    ovsdb_base_type_init(&type->value, OVSDB_TYPE_VOID);
    type->n_min = 1;
    type->n_max = UINT_MAX;
}

void
ovsdb_base_type_clone(struct ovsdb_base_type *dst,
                      const struct ovsdb_base_type *src)
{
    *dst = *src;
    if (src->enum_) {
        struct ovsdb_type et;
        enum_type_init(&et, src->type);
        dst->enum_ = xmalloc(sizeof *dst->enum_);
        ovsdb_datum_clone(dst->enum_, src->enum_, &et);
    }
    if (src->type == OVSDB_TYPE_UUID && src->uuid.ref_table_name) {
        dst->uuid.ref_table_name = xstrdup(src->uuid.ref_table_name);
    }
}

void
ovsdb_base_type_destroy(struct ovsdb_base_type *base)
{
    if (!base) {
        return;
    }
    if (base->enum_) {
        struct ovsdb_type et;
        enum_type_init(&et, base->type);
        ovsdb_datum_destroy(base->enum_, &et);
        free(base->enum_);
        base->enum_ = NULL;
    }
    if (base->type == OVSDB_TYPE_UUID) {
        free(base->uuid.ref_table_name);
        base->uuid.ref_table_name = NULL;
    }
}

bool
ovsdb_base_type_has_constraints(const struct ovsdb_base_type *base)
{
    if (base->enum_) {
        return true;
    }
    switch (base->type) {
    case OVSDB_TYPE_INTEGER:
        return base->integer.min != INT64_MIN || base->integer.max != INT64_MAX;
    case OVSDB_TYPE_REAL:
        return base->real.min != -DBL_MAX || base->real.max != DBL_MAX;
    case OVSDB_TYPE_STRING:
        return base->string.min_len != 0 || base->string.max_len != UINT_MAX;
    case OVSDB_TYPE_UUID:
        return base->uuid.ref_table_name != NULL;
    case OVSDB_TYPE_VOID:
    case OVSDB_TYPE_BOOLEAN:
    case OVSDB_N_TYPES:
    default:
        return false;
    }
}

static struct ovsdb_error *
parse_optional_uint(struct ovsdb_parser *p, const char *member, unsigned int *uint)
{
    const json_t *j = ovsdb_parser_member(p, member, OP_INTEGER | OP_OPTIONAL);
    if (j) {
        int64_t v = ovsdb_json_integral_value(j);
        if (v < 0 || v > UINT_MAX) {
            return syntax_error("%s out of valid range 0 to %u",
                                member, UINT_MAX);
        }
        *uint = v;
    }
    return NULL;
}

/* Parses <base-type> 'json' into 'base'.  On error, 'base' is left a
 * VOID base type that owns nothing. */
static struct ovsdb_error *
base_type_from_json(struct ovsdb_base_type *base, const json_t *json)
{
    struct ovsdb_error *error = NULL;
    enum ovsdb_atomic_type atomic;

    ovsdb_base_type_init(base, OVSDB_TYPE_VOID);
    if (json_is_string(json)) {
        error = atomic_type_from_json(&atomic, json);
        if (!error) {
            ovsdb_base_type_init(base, atomic);
        }
        return error;
    }

    struct ovsdb_parser p;
    ovsdb_parser_init(&p, json, "ovsdb type");
    const json_t *type = ovsdb_parser_member(&p, "type", OP_STRING);
    if (p.error) {
        return ovsdb_parser_finish(&p);
    }
    error = atomic_type_from_json(&atomic, type);
    if (error) {
        return error;
    }
    ovsdb_base_type_init(base, atomic);

    const json_t *enum_ = ovsdb_parser_member(&p, "enum", OP_ANY | OP_OPTIONAL);
    if (enum_) {
        struct ovsdb_type et;
        enum_type_init(&et, atomic);
        base->enum_ = xmalloc(sizeof *base->enum_);
        error = ovsdb_datum_from_json(base->enum_, &et, enum_, NULL);
        if (error) {
            free(base->enum_);
            base->enum_ = NULL;
        }
    } else if (atomic == OVSDB_TYPE_INTEGER) {
        const json_t *min = ovsdb_parser_member(&p, "minInteger",
                                      OP_INTEGER | OP_OPTIONAL);
        const json_t *max = ovsdb_parser_member(&p, "maxInteger",
                                      OP_INTEGER | OP_OPTIONAL);
        base->integer.min = min ? ovsdb_json_integral_value(min) : INT64_MIN;
        base->integer.max = max ? ovsdb_json_integral_value(max) : INT64_MAX;
        if (base->integer.min > base->integer.max) {
            error = syntax_error("minInteger exceeds maxInteger");
        }
    } else if (atomic == OVSDB_TYPE_REAL) {
        const json_t *min = ovsdb_parser_member(&p, "minReal", OP_NUMBER | OP_OPTIONAL);
        const json_t *max = ovsdb_parser_member(&p, "maxReal", OP_NUMBER | OP_OPTIONAL);
        base->real.min = min ? json_number_value(min) : -DBL_MAX;
        base->real.max = max ? json_number_value(max) : DBL_MAX;
        if (base->real.min > base->real.max) {
            error = syntax_error("minReal exceeds maxReal");
        }
    } else if (atomic == OVSDB_TYPE_STRING) {
        error = parse_optional_uint(&p, "minLength", &base->string.min_len);
        if (!error) {
            error = parse_optional_uint(&p, "maxLength",
                                        &base->string.max_len);
        }
        if (!error && base->string.min_len > base->string.max_len) {
            error = syntax_error("minLength exceeds maxLength");
        }
    } else if (atomic == OVSDB_TYPE_UUID) {
        const json_t *ref_table = ovsdb_parser_member(&p, "refTable",
                                            OP_ID | OP_OPTIONAL);
        if (ref_table) {
            base->uuid.ref_table_name = xstrdup(json_string_value(ref_table));
            const json_t *ref_type = ovsdb_parser_member(&p, "refType",
                                               OP_ID | OP_OPTIONAL);
            const char *s = ref_type ? json_string_value(ref_type) : "strong";
            if (!strcmp(s, "strong")) {
                base->uuid.ref_type = OVSDB_REF_STRONG;
            } else if (!strcmp(s, "weak")) {
                base->uuid.ref_type = OVSDB_REF_WEAK;
            } else {
                error = syntax_error("refType must be \"strong\" or \"weak\" "
                                     "(not \"%s\")", s);
            }
        }
    }

    if (error) {
        ovsdb_error_destroy(ovsdb_parser_finish(&p));
    } else {
        error = ovsdb_parser_finish(&p);
    }
    if (error) {
        ovsdb_base_type_destroy(base);
        ovsdb_base_type_init(base, OVSDB_TYPE_VOID);
    }
    return error;
}

static json_t *
base_type_to_json(const struct ovsdb_base_type *base)
{
    const char *name = ovsdb_atomic_type_to_string(base->type);
    if (!ovsdb_base_type_has_constraints(base)) {
        return json_string(name);
    }

    json_t *json = json_object();
    json_object_set_new(json, "type", json_string(name));
    if (base->enum_) {
        struct ovsdb_type et;
        enum_type_init(&et, base->type);
        json_object_set_new(json, "enum", ovsdb_datum_to_json(base->enum_, &et));
    }
    switch (base->type) {
    case OVSDB_TYPE_INTEGER:
        if (base->integer.min != INT64_MIN) {
            json_object_set_new(json, "minInteger",
                                json_integer(base->integer.min));
        }
        if (base->integer.max != INT64_MAX) {
            json_object_set_new(json, "maxInteger",
                                json_integer(base->integer.max));
        }
        break;
    case OVSDB_TYPE_REAL:
        if (base->real.min != -DBL_MAX) {
            json_object_set_new(json, "minReal", json_real(base->real.min));
        }
        if (base->real.max != DBL_MAX) {
            json_object_set_new(json, "maxReal", json_real(base->real.max));
        }
        break;
    case OVSDB_TYPE_STRING:
        if (base->string.min_len != 0) {
            json_object_set_new(json, "minLength",
                                json_integer(base->string.min_len));
        }
        if (base->string.max_len != UINT_MAX) {
            json_object_set_new(json, "maxLength",
                                json_integer(base->string.max_len));
        }
        break;
    case OVSDB_TYPE_UUID:
        if (base->uuid.ref_table_name) {
            json_object_set_new(json, "refTable",
                                json_string(base->uuid.ref_table_name));
            if (base->uuid.ref_type == OVSDB_REF_WEAK) {
                json_object_set_new(json, "refType", json_string("weak"));
            }
        }
        break;
    case OVSDB_TYPE_VOID:
    case OVSDB_TYPE_BOOLEAN:
    case OVSDB_N_TYPES:
    default:
        break;
    }
    return json;
}

/* Types. */

void
ovsdb_type_init_scalar(struct ovsdb_type *type, enum ovsdb_atomic_type key)
{
    ovsdb_base_type_init(&type->key, key);
    ovsdb_base_type_init(&type->value, OVSDB_TYPE_VOID);
    type->n_min = 1;
    type->n_max = 1;
}

void
ovsdb_type_clone(struct ovsdb_type *dst, const struct ovsdb_type *src)
{
    ovsdb_base_type_clone(&dst->key, &src->key);
    ovsdb_base_type_clone(&dst->value, &src->value);
    dst->n_min = src->n_min;
    dst->n_max = src->n_max;
}

void
ovsdb_type_destroy(struct ovsdb_type *type)
{
    if (type) {
        ovsdb_base_type_destroy(&type->key);
        ovsdb_base_type_destroy(&type->value);
    }
}

static struct ovsdb_error *
n_from_json(const json_t *json, unsigned int *n)
{
    if (!json) {
        return NULL;
    }
    if (ovsdb_json_is_integral(json)) {
        int64_t v = ovsdb_json_integral_value(json);
        if (v >= 0 && v < UINT_MAX) {
            *n = v;
            return NULL;
        }
    }
    return syntax_error("bad min or max value");
}

static struct ovsdb_error *
type_from_json__(struct ovsdb_type *type, const json_t *json)
{
    struct ovsdb_error *error;

    if (json_is_string(json)) {
        return base_type_from_json(&type->key, json);
    }
    if (!json_is_object(json)) {
        return syntax_error("ovsdb type expected");
    }

    struct ovsdb_parser p;
    ovsdb_parser_init(&p, json, "ovsdb type");
    const json_t *key = ovsdb_parser_member(&p, "key", OP_STRING | OP_OBJECT);
    const json_t *value = ovsdb_parser_member(&p, "value",
                                    OP_STRING | OP_OBJECT | OP_OPTIONAL);
    const json_t *min = ovsdb_parser_member(&p, "min", OP_INTEGER | OP_OPTIONAL);
    const json_t *max = ovsdb_parser_member(&p, "max",
                                  OP_INTEGER | OP_STRING | OP_OPTIONAL);
    error = ovsdb_parser_finish(&p);
    if (error) {
        return error;
    }

    error = base_type_from_json(&type->key, key);
    if (!error && value) {
        error = base_type_from_json(&type->value, value);
    }
    if (!error) {
        error = n_from_json(min, &type->n_min);
    }
    if (!error) {
        if (max && json_is_string(max)
            && !strcmp(json_string_value(max), "unlimited")) {
            type->n_max = UINT_MAX;
        } else {
            error = n_from_json(max, &type->n_max);
        }
    }
    if (!error && (type->n_min > 1 || type->n_max < 1)) {
        error = syntax_error("ovsdb type fails constraint checks");
    }
    return error;
}

struct ovsdb_error *
ovsdb_type_from_json(struct ovsdb_type *type, const json_t *json)
{
    ovsdb_type_init_scalar(type, OVSDB_TYPE_VOID);
    struct ovsdb_error *error = type_from_json__(type, json);
    if (error) {
        ovsdb_type_destroy(type);
        ovsdb_type_init_scalar(type, OVSDB_TYPE_VOID);
    }
    return error;
}

json_t *
ovsdb_type_to_json(const struct ovsdb_type *type)
{
    if (ovsdb_type_is_scalar(type)
        && !ovsdb_base_type_has_constraints(&type->key)) {
        return base_type_to_json(&type->key);
    }

    json_t *json = json_object();
    json_object_set_new(json, "key", base_type_to_json(&type->key));
    if (type->value.type != OVSDB_TYPE_VOID) {
        json_object_set_new(json, "value", base_type_to_json(&type->value));
    }
    if (type->n_min != 1) {
        json_object_set_new(json, "min", json_integer(type->n_min));
    }
    if (type->n_max == UINT_MAX) {
        json_object_set_new(json, "max", json_string("unlimited"));
    } else if (type->n_max != 1) {
        json_object_set_new(json, "max", json_integer(type->n_max));
    }
    return json;
}

/* The type as ovsdb-server names it in errors (ovsdb_type_to_english()):
 * "string", "set of integers", "set of up to 3 strings", "map of (string,
 * string) pairs". */
char *
ovsdb_type_to_english(const struct ovsdb_type *type)
{
    const char *key = ovsdb_atomic_type_to_string(type->key.type);
    if (ovsdb_type_is_scalar(type)) {
        return xstrdup(key);
    }
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&s, ovsdb_type_is_set(type) ? "set" : "map");
    if (type->n_max == UINT_MAX) {
        if (type->n_min) {
            ds_put_format(&s, " of %u or more", type->n_min);
        } else {
            ds_put_cstr(&s, " of");
        }
    } else if (type->n_min) {
        ds_put_format(&s, " of %u to %u", type->n_min, type->n_max);
    } else {
        ds_put_format(&s, " of up to %u", type->n_max);
    }
    if (ovsdb_type_is_set(type)) {
        ds_put_format(&s, " %ss", key);
    } else {
        ds_put_format(&s, " (%s, %s) pairs", key,
                      ovsdb_atomic_type_to_string(type->value.type));
    }
    ds_cstr(&s);
    return ds_steal_cstr(&s);
}
