/* ovsdb datum: see datum.h.
 *
 * Errors carry ovsdb-server's (Open vSwitch 3.1) tags and details, e.g.
 * "syntax error" / "expected integer", "constraint violation" / "11 is not
 * in the valid range 0 to 10 (inclusive)", "ovsdb error" / "set contains
 * duplicate".
 *
 * Costs: parsing allocates the final key (and value) arrays once and parses
 * straight into them; a datum of fewer than two elements is never sorted and
 * an already sorted one is only scanned.  Set operations walk both sorted
 * arrays together, O(n + m). */
#include "ovsdb/datum.h"

#include "ovsdb/jsonw.h"

#include <float.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ds.h"
#include "ovsdb/error.h"

#define syntax_error(JSON, ...) ovsdb_syntax_error(JSON, NULL, __VA_ARGS__)

/* Symbol table. */

void
ovsdb_symbol_table_init(struct ovsdb_symbol_table *symtab)
{
    hmap_init(&symtab->symbols);
}

void
ovsdb_symbol_table_destroy(struct ovsdb_symbol_table *symtab)
{
    if (!symtab) {
        return;
    }
    struct ovsdb_symbol *symbol;
    HMAP_FOR_EACH_POP (symbol, node, &symtab->symbols) {
        free(symbol->name);
        free(symbol);
    }
    hmap_destroy(&symtab->symbols);
}

struct ovsdb_symbol *
ovsdb_symbol_table_find(const struct ovsdb_symbol_table *symtab,
                        const char *name)
{
    struct ovsdb_symbol *symbol;
    HMAP_FOR_EACH_WITH_HASH (symbol, node, hash_string(name, 0),
                             &symtab->symbols) {
        if (!strcmp(symbol->name, name)) {
            return symbol;
        }
    }
    return NULL;
}

struct ovsdb_symbol *
ovsdb_symbol_table_insert(struct ovsdb_symbol_table *symtab, const char *name)
{
    struct ovsdb_symbol *symbol = ovsdb_symbol_table_find(symtab, name);
    if (!symbol) {
        symbol = xzalloc(sizeof *symbol);
        symbol->name = xstrdup(name);
        uuid_generate(&symbol->uuid);
        hmap_insert(&symtab->symbols, &symbol->node, hash_string(name, 0));
    }
    return symbol;
}

/* Atoms. */

void
ovsdb_atom_init_default(union ovsdb_atom *atom, enum ovsdb_atomic_type type)
{
    switch (type) {
    case OVSDB_TYPE_INTEGER: atom->integer = 0; break;
    case OVSDB_TYPE_REAL: atom->real = 0.0; break;
    case OVSDB_TYPE_BOOLEAN: atom->boolean = false; break;
    case OVSDB_TYPE_STRING: atom->string = xstrdup(""); break;
    case OVSDB_TYPE_UUID: uuid_zero(&atom->uuid); break;
    case OVSDB_TYPE_VOID:
    case OVSDB_N_TYPES:
    default: abort();
    }
}

bool
ovsdb_atom_is_default(const union ovsdb_atom *atom,
                      enum ovsdb_atomic_type type)
{
    switch (type) {
    case OVSDB_TYPE_INTEGER: return atom->integer == 0;
    case OVSDB_TYPE_REAL: return atom->real == 0.0;
    case OVSDB_TYPE_BOOLEAN: return !atom->boolean;
    case OVSDB_TYPE_STRING: return atom->string[0] == '\0';
    case OVSDB_TYPE_UUID: return uuid_is_zero(&atom->uuid);
    case OVSDB_TYPE_VOID:
    case OVSDB_N_TYPES:
    default: abort();
    }
}

void
ovsdb_atom_clone(union ovsdb_atom *dst, const union ovsdb_atom *src,
                 enum ovsdb_atomic_type type)
{
    if (type == OVSDB_TYPE_STRING) {
        dst->string = xstrdup(src->string);
    } else {
        *dst = *src;
    }
}

void
ovsdb_atom_destroy(union ovsdb_atom *atom, enum ovsdb_atomic_type type)
{
    if (type == OVSDB_TYPE_STRING) {
        free(atom->string);
    }
}

uint32_t
ovsdb_atom_hash(const union ovsdb_atom *atom, enum ovsdb_atomic_type type,
                uint32_t basis)
{
    switch (type) {
    case OVSDB_TYPE_INTEGER:
        return hash_uint64(atom->integer, basis);
    case OVSDB_TYPE_REAL: {
        double d = atom->real == 0.0 ? 0.0 : atom->real;   /* -0 == 0. */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return hash_uint64(bits, basis);
    }
    case OVSDB_TYPE_BOOLEAN:
        return hash_finish(hash_add(basis, atom->boolean), 1);
    case OVSDB_TYPE_STRING:
        return hash_string(atom->string, basis);
    case OVSDB_TYPE_UUID:
        return hash_bytes(&atom->uuid, sizeof atom->uuid, basis);
    case OVSDB_TYPE_VOID:
    case OVSDB_N_TYPES:
    default:
        abort();
    }
}

int
ovsdb_atom_compare_3way(const union ovsdb_atom *a, const union ovsdb_atom *b,
                        enum ovsdb_atomic_type type)
{
    switch (type) {
    case OVSDB_TYPE_INTEGER:
        return a->integer < b->integer ? -1 : a->integer > b->integer;
    case OVSDB_TYPE_REAL:
        return a->real < b->real ? -1 : a->real > b->real;
    case OVSDB_TYPE_BOOLEAN:
        return (int) a->boolean - (int) b->boolean;
    case OVSDB_TYPE_STRING: {
        int cmp = strcmp(a->string, b->string);
        return cmp < 0 ? -1 : cmp > 0;
    }
    case OVSDB_TYPE_UUID:
        return uuid_compare_3way(&a->uuid, &b->uuid);
    case OVSDB_TYPE_VOID:
    case OVSDB_N_TYPES:
    default:
        abort();
    }
}

/* Does 'json' hold an OVSDB integer?  Open vSwitch's JSON parser reads a
 * number without a significant fraction (1.0, 1e2) as an integer, so we
 * accept such reals too, within the int64 range. */
static bool
json_to_int64(const json_t *json, int64_t *value)
{
    if (json_is_integer(json)) {
        *value = json_integer_value(json);
        return true;
    }
    if (json_is_real(json)) {
        /* An integral real ("1e2") as ovsdb-server's lexer reads it, but
         * not -2^63 itself: an integer literal beyond the 64-bit range is a
         * real that rounds to it (-9223372036854775809 and the next
         * thousand values), and -2^63 written as an integer never gets
         * here. */
        double d = json_real_value(json);
        if (d > -9223372036854775808.0 && d < 9223372036854775808.0
            && d == (double) (int64_t) d) {
            *value = (int64_t) d;
            return true;
        }
    }
    return false;
}

/* If 'json' is [NAME, <string>], stores the string in '*value'. */
static bool
unwrap_string_pair(const json_t *json, const char *name, const char **value)
{
    if (json_is_array(json) && json_array_size(json) == 2) {
        const json_t *tag = json_array_get(json, 0);
        const json_t *v = json_array_get(json, 1);
        if (json_is_string(tag) && !strcmp(json_string_value(tag), name)
            && json_is_string(v)) {
            *value = json_string_value(v);
            return true;
        }
    }
    return false;
}

static struct ovsdb_error *
atom_parse_uuid(struct uuid *uuid, const json_t *json,
                const struct ovsdb_base_type *base,
                struct ovsdb_symbol_table *symtab)
{
    const char *s;

    if (unwrap_string_pair(json, "uuid", &s)) {
        if (!uuid_from_string(uuid, s)) {
            return syntax_error(json, "\"%s\" is not a valid UUID", s);
        }
        return NULL;
    }
    if (symtab && unwrap_string_pair(json, "named-uuid", &s)) {
        if (!ovsdb_id_is_valid(s)) {
            return syntax_error(json, "named-uuid string is not a valid <id>");
        }
        struct ovsdb_symbol *symbol = ovsdb_symbol_table_insert(symtab, s);
        *uuid = symbol->uuid;
        if (ovsdb_base_type_is_ref(base)) {
            if (base->uuid.ref_type == OVSDB_REF_STRONG) {
                symbol->strong_ref = true;
            } else {
                symbol->weak_ref = true;
            }
        }
        return NULL;
    }
    return syntax_error(json, "expected [\"uuid\", <string>]");
}

struct ovsdb_error *
ovsdb_atom_from_json(union ovsdb_atom *atom,
                     const struct ovsdb_base_type *base, const json_t *json,
                     struct ovsdb_symbol_table *symtab)
{
    switch (base->type) {
    case OVSDB_TYPE_INTEGER:
        if (json_to_int64(json, &atom->integer)) {
            return NULL;
        }
        break;
    case OVSDB_TYPE_REAL:
        if (json_is_number(json)) {
            double d = json_number_value(json);
            atom->real = d == 0.0 ? 0.0 : d;    /* No negative zero. */
            return NULL;
        }
        break;
    case OVSDB_TYPE_BOOLEAN:
        if (json_is_boolean(json)) {
            atom->boolean = json_is_true(json);
            return NULL;
        }
        break;
    case OVSDB_TYPE_STRING:
        if (json_is_string(json)) {
            atom->string = xmemdup(json_string_value(json),
                                   json_string_length(json) + 1);
            return NULL;
        }
        break;
    case OVSDB_TYPE_UUID:
        return atom_parse_uuid(&atom->uuid, json, base, symtab);
    case OVSDB_TYPE_VOID:
    case OVSDB_N_TYPES:
    default:
        abort();
    }
    return syntax_error(json, "expected %s", ovsdb_atomic_type_to_string(base->type));
}

json_t *
ovsdb_atom_to_json(const union ovsdb_atom *atom, enum ovsdb_atomic_type type)
{
    switch (type) {
    case OVSDB_TYPE_INTEGER:
        return json_integer(atom->integer);
    case OVSDB_TYPE_REAL:
        return json_real(atom->real);
    case OVSDB_TYPE_BOOLEAN:
        return json_boolean(atom->boolean);
    case OVSDB_TYPE_STRING:
        return json_string(atom->string);
    case OVSDB_TYPE_UUID: {
        char s[UUID_LEN + 1];
        uuid_to_string(&atom->uuid, s);
        json_t *json = json_array();
        json_array_append_new(json, json_string_nocheck("uuid"));
        json_array_append_new(json, json_string_nocheck(s));
        return json;
    }
    case OVSDB_TYPE_VOID:
    case OVSDB_N_TYPES:
    default:
        abort();
    }
}

/* Does 's' need quotes in the text form of ovsdb-server's messages? */
static bool
string_needs_quotes(const char *s)
{
    const unsigned char *p = (const unsigned char *) s;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_')) {
        return true;
    }
    for (p++; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.')) {
            return true;
        }
    }
    struct uuid uuid;
    return !strcmp(s, "true") || !strcmp(s, "false") || uuid_from_string(&uuid, s);
}

/* Appends 'atom' to 'out' as ovsdb-server writes atoms in error messages
 * (Open vSwitch's ovsdb_atom_to_string()). */
static void
atom_to_string(const union ovsdb_atom *atom, enum ovsdb_atomic_type type,
               struct ds *out)
{
    switch (type) {
    case OVSDB_TYPE_INTEGER:
        ds_put_format(out, "%"PRId64, atom->integer);
        break;
    case OVSDB_TYPE_REAL:
        ds_put_format(out, "%.*g", DBL_DIG, atom->real);
        break;
    case OVSDB_TYPE_BOOLEAN:
        ds_put_cstr(out, atom->boolean ? "true" : "false");
        break;
    case OVSDB_TYPE_STRING:
        if (string_needs_quotes(atom->string)) {
            jsonw_string(out, atom->string);
        } else {
            ds_put_cstr(out, atom->string);
        }
        break;
    case OVSDB_TYPE_UUID: {
        char s[UUID_LEN + 1];
        uuid_to_string(&atom->uuid, s);
        ds_put_cstr(out, s);
        break;
    }
    case OVSDB_TYPE_VOID:
    case OVSDB_N_TYPES:
    default:
        abort();
    }
}

void
ovsdb_atom_to_text(struct ds *out, const union ovsdb_atom *atom,
                   enum ovsdb_atomic_type type)
{
    atom_to_string(atom, type, out);
}

void
ovsdb_datum_to_text(struct ds *out, const struct ovsdb_datum *d,
                    const struct ovsdb_type *t)
{
    bool is_map = ovsdb_type_is_map(t);
    if (t->n_max == 1 && !is_map && d->n == 1) {
        atom_to_string(&d->keys[0], t->key.type, out);
        return;
    }
    ds_put_char(out, is_map ? '{' : '[');
    for (unsigned int i = 0; i < d->n; i++) {
        if (i) {
            ds_put_cstr(out, ", ");
        }
        atom_to_string(&d->keys[i], t->key.type, out);
        if (is_map) {
            ds_put_char(out, '=');
            atom_to_string(&d->values[i], t->value.type, out);
        }
    }
    ds_put_char(out, is_map ? '}' : ']');
}

/* Number of UTF-8 characters in 's' (assumed valid UTF-8). */
static size_t
utf8_length(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        n += (*p & 0xc0) != 0x80;
    }
    return n;
}

static struct ovsdb_error *
check_string_constraints(const char *s, const struct ovsdb_base_type *base)
{
    unsigned int min_len = base->string.min_len;
    unsigned int max_len = base->string.max_len;
    if (!min_len && max_len == UINT_MAX) {
        return NULL;
    }
    size_t n_chars = utf8_length(s);
    if (n_chars < min_len) {
        return ovsdb_error("constraint violation",
                           "\"%s\" length %zu is less than minimum allowed "
                           "length %u", s, n_chars, min_len);
    } else if (n_chars > max_len) {
        return ovsdb_error("constraint violation",
                           "\"%s\" length %zu is greater than maximum "
                           "allowed length %u", s, n_chars, max_len);
    }
    return NULL;
}

static struct ovsdb_error *
enum_violation(const union ovsdb_atom *atom, const struct ovsdb_base_type *base)
{
    struct ds actual = DS_EMPTY_INITIALIZER;
    struct ds valid = DS_EMPTY_INITIALIZER;

    atom_to_string(atom, base->type, &actual);
    ds_put_char(&valid, '[');
    for (unsigned int i = 0; i < base->enum_->n; i++) {
        if (i) {
            ds_put_cstr(&valid, ", ");
        }
        atom_to_string(&base->enum_->keys[i], base->type, &valid);
    }
    ds_put_char(&valid, ']');

    struct ovsdb_error *error = ovsdb_error(
        "constraint violation", "%s is not one of the allowed values (%s)",
        ds_cstr(&actual), ds_cstr(&valid));
    ds_destroy(&actual);
    ds_destroy(&valid);
    return error;
}

struct ovsdb_error *
ovsdb_atom_check_constraints(const union ovsdb_atom *atom,
                             const struct ovsdb_base_type *base)
{
    if (base->enum_) {
        if (ovsdb_datum_find_key(base->enum_, atom, base->type) == UINT_MAX) {
            return enum_violation(atom, base);
        }
        return NULL;
    }

    switch (base->type) {
    case OVSDB_TYPE_INTEGER: {
        int64_t v = atom->integer, min = base->integer.min;
        int64_t max = base->integer.max;
        if (v >= min && v <= max) {
            return NULL;
        } else if (min != INT64_MIN && max != INT64_MAX) {
            return ovsdb_error("constraint violation",
                               "%"PRId64" is not in the valid range "
                               "%"PRId64" to %"PRId64" (inclusive)",
                               v, min, max);
        } else if (min != INT64_MIN) {
            return ovsdb_error("constraint violation",
                               "%"PRId64" is less than minimum allowed "
                               "value %"PRId64, v, min);
        } else {
            return ovsdb_error("constraint violation",
                               "%"PRId64" is greater than maximum allowed "
                               "value %"PRId64, v, max);
        }
    }
    case OVSDB_TYPE_REAL: {
        double v = atom->real, min = base->real.min, max = base->real.max;
        if (v >= min && v <= max) {
            return NULL;
        } else if (min != -DBL_MAX && max != DBL_MAX) {
            return ovsdb_error("constraint violation",
                               "%.*g is not in the valid range %.*g to %.*g "
                               "(inclusive)",
                               DBL_DIG, v, DBL_DIG, min, DBL_DIG, max);
        } else if (min != -DBL_MAX) {
            return ovsdb_error("constraint violation",
                               "%.*g is less than minimum allowed value %.*g",
                               DBL_DIG, v, DBL_DIG, min);
        } else {
            return ovsdb_error("constraint violation",
                               "%.*g is greater than maximum allowed value "
                               "%.*g", DBL_DIG, v, DBL_DIG, max);
        }
    }
    case OVSDB_TYPE_STRING:
        return check_string_constraints(atom->string, base);
    case OVSDB_TYPE_BOOLEAN:
    case OVSDB_TYPE_UUID:       /* References are checked at commit. */
        return NULL;
    case OVSDB_TYPE_VOID:
    case OVSDB_N_TYPES:
    default:
        abort();
    }
}

/* Datums. */

static inline bool
is_map_type(const struct ovsdb_type *type)
{
    return type->value.type != OVSDB_TYPE_VOID;
}

static void
free_atoms(union ovsdb_atom *atoms, unsigned int n,
           enum ovsdb_atomic_type type)
{
    if (type == OVSDB_TYPE_STRING) {
        for (unsigned int i = 0; i < n; i++) {
            free(atoms[i].string);
        }
    }
    free(atoms);
}

static union ovsdb_atom *
clone_atoms(const union ovsdb_atom *src, unsigned int n,
            enum ovsdb_atomic_type type)
{
    if (!n || type == OVSDB_TYPE_VOID) {
        return NULL;
    }
    union ovsdb_atom *dst = xmemdup(src, n * sizeof *dst);
    if (type == OVSDB_TYPE_STRING) {
        for (unsigned int i = 0; i < n; i++) {
            dst[i].string = xstrdup(src[i].string);
        }
    }
    return dst;
}

void
ovsdb_datum_init_empty(struct ovsdb_datum *datum)
{
    datum->n = 0;
    datum->keys = NULL;
    datum->values = NULL;
}

void
ovsdb_datum_init_default(struct ovsdb_datum *datum,
                         const struct ovsdb_type *type)
{
    ovsdb_datum_init_empty(datum);
    if (type->n_min) {
        datum->n = 1;
        datum->keys = xmalloc(sizeof *datum->keys);
        ovsdb_atom_init_default(&datum->keys[0], type->key.type);
        if (is_map_type(type)) {
            datum->values = xmalloc(sizeof *datum->values);
            ovsdb_atom_init_default(&datum->values[0], type->value.type);
        }
    }
}

bool
ovsdb_datum_is_default(const struct ovsdb_datum *datum,
                       const struct ovsdb_type *type)
{
    if (datum->n != type->n_min) {
        return false;
    }
    for (unsigned int i = 0; i < datum->n; i++) {
        if (!ovsdb_atom_is_default(&datum->keys[i], type->key.type)
            || (is_map_type(type)
                && !ovsdb_atom_is_default(&datum->values[i],
                                          type->value.type))) {
            return false;
        }
    }
    return true;
}

void
ovsdb_datum_init_single(struct ovsdb_datum *datum, union ovsdb_atom *key,
                        union ovsdb_atom *value)
{
    datum->n = 1;
    datum->keys = xmemdup(key, sizeof *key);
    datum->values = value ? xmemdup(value, sizeof *value) : NULL;
}

void
ovsdb_datum_clone(struct ovsdb_datum *dst, const struct ovsdb_datum *src,
                  const struct ovsdb_type *type)
{
    dst->n = src->n;
    dst->keys = clone_atoms(src->keys, src->n, type->key.type);
    dst->values = (is_map_type(type)
                   ? clone_atoms(src->values, src->n, type->value.type)
                   : NULL);
}

void
ovsdb_datum_destroy(struct ovsdb_datum *datum, const struct ovsdb_type *type)
{
    if (datum) {
        free_atoms(datum->keys, datum->n, type->key.type);
        free_atoms(datum->values, datum->values ? datum->n : 0,
                   type->value.type);
        ovsdb_datum_init_empty(datum);
    }
}

void
ovsdb_datum_swap(struct ovsdb_datum *a, struct ovsdb_datum *b)
{
    struct ovsdb_datum tmp = *a;
    *a = *b;
    *b = tmp;
}

/* Sorting. */

struct sort_pair {
    union ovsdb_atom key;
    union ovsdb_atom value;
    unsigned int idx;           /* Original position: keeps the sort stable. */
};

static int
compare_keys_cb(const void *a_, const void *b_, void *type_)
{
    const enum ovsdb_atomic_type *type = type_;
    return ovsdb_atom_compare_3way(a_, b_, *type);
}

static int
compare_pairs_cb(const void *a_, const void *b_, void *type_)
{
    const struct sort_pair *a = a_, *b = b_;
    const enum ovsdb_atomic_type *type = type_;
    int cmp = ovsdb_atom_compare_3way(&a->key, &b->key, *type);
    return cmp ? cmp : a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Sorts 'datum' by key; equal keys keep their order (for a map). */
static void
datum_sort__(struct ovsdb_datum *datum, const struct ovsdb_type *type)
{
    unsigned int n = datum->n;
    enum ovsdb_atomic_type key_type = type->key.type;

    if (n < 2) {
        return;
    }
    /* Fast path: already in order, as most clients send sets. */
    unsigned int i;
    for (i = 1; i < n; i++) {
        if (ovsdb_atom_compare_3way(&datum->keys[i - 1], &datum->keys[i],
                                    key_type) > 0) {
            break;
        }
    }
    if (i == n) {
        return;
    }

    if (!datum->values) {
        qsort_r(datum->keys, n, sizeof *datum->keys, compare_keys_cb,
                &key_type);
        return;
    }

    struct sort_pair *pairs = xmalloc(n * sizeof *pairs);
    for (i = 0; i < n; i++) {
        pairs[i].key = datum->keys[i];
        pairs[i].value = datum->values[i];
        pairs[i].idx = i;
    }
    qsort_r(pairs, n, sizeof *pairs, compare_pairs_cb, &key_type);
    for (i = 0; i < n; i++) {
        datum->keys[i] = pairs[i].key;
        datum->values[i] = pairs[i].value;
    }
    free(pairs);
}

/* Sorts 'datum' and returns the index of the first key equal to its
 * predecessor, or UINT_MAX if the keys are unique. */
static unsigned int
datum_sort_find_dup(struct ovsdb_datum *datum, const struct ovsdb_type *type)
{
    datum_sort__(datum, type);
    for (unsigned int i = 1; i < datum->n; i++) {
        if (ovsdb_atom_equals(&datum->keys[i - 1], &datum->keys[i],
                              type->key.type)) {
            return i;
        }
    }
    return UINT_MAX;
}

struct ovsdb_error *
ovsdb_datum_sort(struct ovsdb_datum *datum, const struct ovsdb_type *type)
{
    unsigned int dup = datum_sort_find_dup(datum, type);
    if (dup == UINT_MAX) {
        return NULL;
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    atom_to_string(&datum->keys[dup], type->key.type, &s);
    struct ovsdb_error *error = ovsdb_error(
        "constraint violation", "%s contains duplicate %s %s",
        datum->values ? "map" : "set", datum->values ? "key" : "value",
        ds_cstr(&s));
    ds_destroy(&s);
    return error;
}

void
ovsdb_datum_sort_unique(struct ovsdb_datum *datum,
                        const struct ovsdb_type *type)
{
    if (datum->n < 2) {
        return;
    }
    datum_sort__(datum, type);

    unsigned int dst = 1;
    for (unsigned int src = 1; src < datum->n; src++) {
        if (ovsdb_atom_equals(&datum->keys[src], &datum->keys[dst - 1],
                              type->key.type)) {
            ovsdb_atom_destroy(&datum->keys[src], type->key.type);
            if (datum->values) {
                ovsdb_atom_destroy(&datum->values[src], type->value.type);
            }
        } else {
            datum->keys[dst] = datum->keys[src];
            if (datum->values) {
                datum->values[dst] = datum->values[src];
            }
            dst++;
        }
    }
    datum->n = dst;
}

struct ovsdb_error *
ovsdb_datum_check_constraints(const struct ovsdb_datum *datum,
                              const struct ovsdb_type *type)
{
    struct ovsdb_error *error;

    for (unsigned int i = 0; i < datum->n; i++) {
        error = ovsdb_atom_check_constraints(&datum->keys[i], &type->key);
        if (error) {
            return error;
        }
    }
    if (is_map_type(type)) {
        for (unsigned int i = 0; i < datum->n; i++) {
            error = ovsdb_atom_check_constraints(&datum->values[i],
                                                 &type->value);
            if (error) {
                return error;
            }
        }
    }
    return NULL;
}

/* JSON. */

/* Parses one atom and checks its constraints; on error 'atom' owns
 * nothing. */
static struct ovsdb_error *
atom_from_json_checked(union ovsdb_atom *atom,
                       const struct ovsdb_base_type *base, const json_t *json,
                       struct ovsdb_symbol_table *symtab)
{
    struct ovsdb_error *error = ovsdb_atom_from_json(atom, base, json, symtab);
    if (!error) {
        error = ovsdb_atom_check_constraints(atom, base);
        if (error) {
            ovsdb_atom_destroy(atom, base->type);
        }
    }
    return error;
}

static struct ovsdb_error *
datum_from_json__(struct ovsdb_datum *datum, const struct ovsdb_type *type,
                  const json_t *json, struct ovsdb_symbol_table *symtab,
                  bool bounded)
{
    struct ovsdb_error *error;
    bool is_map = is_map_type(type);

    ovsdb_datum_init_empty(datum);

    if (!is_map
        && !(json_is_array(json) && json_array_size(json) > 0
             && json_is_string(json_array_get(json, 0))
             && !strcmp(json_string_value(json_array_get(json, 0)), "set"))) {
        /* A bare atom. */
        union ovsdb_atom atom;
        error = atom_from_json_checked(&atom, &type->key, json, symtab);
        if (error) {
            return error;
        }
        ovsdb_datum_init_single(datum, &atom, NULL);
        return NULL;
    }

    const char *class = is_map ? "map" : "set";
    const json_t *tag = json_is_array(json) && json_array_size(json) == 2
                        ? json_array_get(json, 0) : NULL;
    const json_t *inner = tag ? json_array_get(json, 1) : NULL;
    if (!tag || !json_is_string(tag) || strcmp(json_string_value(tag), class)
        || !json_is_array(inner)) {
        return syntax_error(json, "expected [\"%s\", <array>]", class);
    }

    size_t n = json_array_size(inner);
    if (bounded && (n < type->n_min || n > type->n_max)) {
        if (type->n_min == type->n_max) {
            return syntax_error(json, "%s must have exactly one member but %zu are "
                                "present", class, n);
        }
        return syntax_error(json, "%s must have %u to %u members but %zu are "
                            "present", class, type->n_min, type->n_max, n);
    }
    if (n > UINT_MAX - 1) {
        return syntax_error(json, "%s has too many members", class);
    }
    if (!n) {
        return NULL;
    }

    datum->keys = xmalloc(n * sizeof *datum->keys);
    datum->values = is_map ? xmalloc(n * sizeof *datum->values) : NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *elem = json_array_get(inner, i);
        const json_t *key = elem;

        if (is_map) {
            if (!json_is_array(elem) || json_array_size(elem) != 2) {
                error = syntax_error(elem, "expected 2-element array");
                goto out_destroy;
            }
            key = json_array_get(elem, 0);
        }
        error = atom_from_json_checked(&datum->keys[i], &type->key, key,
                                       symtab);
        if (error) {
            goto out_destroy;
        }
        if (is_map) {
            error = atom_from_json_checked(&datum->values[i], &type->value,
                                           json_array_get(elem, 1), symtab);
            if (error) {
                ovsdb_atom_destroy(&datum->keys[i], type->key.type);
                goto out_destroy;
            }
        }
        datum->n++;
    }

    if (datum_sort_find_dup(datum, type) != UINT_MAX) {
        error = ovsdb_error("ovsdb error", is_map ? "map contains duplicate key"
                                                  : "set contains duplicate");
        goto out_destroy;
    }
    return NULL;

out_destroy:
    ovsdb_datum_destroy(datum, type);
    return error;
}

struct ovsdb_error *
ovsdb_datum_from_json(struct ovsdb_datum *datum, const struct ovsdb_type *type,
                      const json_t *json, struct ovsdb_symbol_table *symtab)
{
    return datum_from_json__(datum, type, json, symtab, true);
}

struct ovsdb_error *
ovsdb_datum_from_json_unbounded(struct ovsdb_datum *datum,
                                const struct ovsdb_type *type,
                                const json_t *json,
                                struct ovsdb_symbol_table *symtab)
{
    return datum_from_json__(datum, type, json, symtab, false);
}

static json_t *
wrap_json(const char *name, json_t *inner)
{
    json_t *json = json_array();
    json_array_append_new(json, json_string_nocheck(name));
    json_array_append_new(json, inner);
    return json;
}

json_t *
ovsdb_datum_to_json(const struct ovsdb_datum *datum,
                    const struct ovsdb_type *type)
{
    if (is_map_type(type)) {
        json_t *pairs = json_array();
        for (unsigned int i = 0; i < datum->n; i++) {
            json_t *pair = json_array();
            json_array_append_new(pair, ovsdb_atom_to_json(&datum->keys[i],
                                                           type->key.type));
            json_array_append_new(pair,
                                  ovsdb_atom_to_json(&datum->values[i],
                                                     type->value.type));
            json_array_append_new(pairs, pair);
        }
        return wrap_json("map", pairs);
    } else if (datum->n == 1) {
        return ovsdb_atom_to_json(&datum->keys[0], type->key.type);
    } else {
        json_t *elems = json_array();
        for (unsigned int i = 0; i < datum->n; i++) {
            json_array_append_new(elems, ovsdb_atom_to_json(&datum->keys[i],
                                                            type->key.type));
        }
        return wrap_json("set", elems);
    }
}

/* Comparison and hashing. */

static int
atoms_compare_3way(const union ovsdb_atom *a, const union ovsdb_atom *b,
                   unsigned int n, enum ovsdb_atomic_type type)
{
    for (unsigned int i = 0; i < n; i++) {
        int cmp = ovsdb_atom_compare_3way(&a[i], &b[i], type);
        if (cmp) {
            return cmp;
        }
    }
    return 0;
}

int
ovsdb_datum_compare_3way(const struct ovsdb_datum *a,
                         const struct ovsdb_datum *b,
                         const struct ovsdb_type *type)
{
    if (a->n != b->n) {
        return a->n < b->n ? -1 : 1;
    }
    int cmp = atoms_compare_3way(a->keys, b->keys, a->n, type->key.type);
    if (cmp || !is_map_type(type)) {
        return cmp;
    }
    return atoms_compare_3way(a->values, b->values, a->n, type->value.type);
}

bool
ovsdb_datum_equals(const struct ovsdb_datum *a, const struct ovsdb_datum *b,
                   const struct ovsdb_type *type)
{
    return !ovsdb_datum_compare_3way(a, b, type);
}

uint32_t
ovsdb_datum_hash(const struct ovsdb_datum *datum,
                 const struct ovsdb_type *type, uint32_t basis)
{
    for (unsigned int i = 0; i < datum->n; i++) {
        basis = ovsdb_atom_hash(&datum->keys[i], type->key.type, basis);
    }
    basis ^= ((uint32_t) type->key.type << 24)
             | ((uint32_t) type->value.type << 16) | datum->n;
    if (is_map_type(type)) {
        for (unsigned int i = 0; i < datum->n; i++) {
            basis = ovsdb_atom_hash(&datum->values[i], type->value.type,
                                    basis);
        }
    }
    return basis;
}

/* Searching. */

unsigned int
ovsdb_datum_find_key(const struct ovsdb_datum *datum,
                     const union ovsdb_atom *key,
                     enum ovsdb_atomic_type key_type)
{
    unsigned int low = 0, high = datum->n;
    while (low < high) {
        unsigned int mid = low + (high - low) / 2;
        int cmp = ovsdb_atom_compare_3way(key, &datum->keys[mid], key_type);
        if (cmp < 0) {
            high = mid;
        } else if (cmp > 0) {
            low = mid + 1;
        } else {
            return mid;
        }
    }
    return UINT_MAX;
}

unsigned int
ovsdb_datum_find_key_value(const struct ovsdb_datum *datum,
                           const union ovsdb_atom *key,
                           enum ovsdb_atomic_type key_type,
                           const union ovsdb_atom *value,
                           enum ovsdb_atomic_type value_type)
{
    unsigned int idx = ovsdb_datum_find_key(datum, key, key_type);
    if (idx != UINT_MAX && value_type != OVSDB_TYPE_VOID && datum->values
        && !ovsdb_atom_equals(&datum->values[idx], value, value_type)) {
        idx = UINT_MAX;
    }
    return idx;
}

/* Does 'a' hold element 'bi' of 'b' (key and, for maps, value), searching
 * from '*ai' onward?  Advances '*ai' past smaller keys.  Both sorted. */
static bool
walk_contains(const struct ovsdb_datum *a, unsigned int *ai,
              const struct ovsdb_datum *b, unsigned int bi,
              const struct ovsdb_type *type)
{
    while (*ai < a->n) {
        int cmp = ovsdb_atom_compare_3way(&a->keys[*ai], &b->keys[bi],
                                          type->key.type);
        if (cmp < 0) {
            (*ai)++;
        } else if (cmp > 0) {
            return false;
        } else {
            return (!is_map_type(type)
                    || ovsdb_atom_equals(&a->values[*ai], &b->values[bi],
                                         type->value.type));
        }
    }
    return false;
}

bool
ovsdb_datum_includes_all(const struct ovsdb_datum *a,
                         const struct ovsdb_datum *b,
                         const struct ovsdb_type *type)
{
    if (b->n > a->n) {
        return false;
    }
    unsigned int ai = 0;
    for (unsigned int bi = 0; bi < b->n; bi++) {
        if (!walk_contains(a, &ai, b, bi, type)) {
            return false;
        }
    }
    return true;
}

bool
ovsdb_datum_excludes_all(const struct ovsdb_datum *a,
                         const struct ovsdb_datum *b,
                         const struct ovsdb_type *type)
{
    unsigned int ai = 0;
    for (unsigned int bi = 0; bi < b->n; bi++) {
        if (walk_contains(a, &ai, b, bi, type)) {
            return false;
        }
    }
    return true;
}

void
ovsdb_datum_union(struct ovsdb_datum *a, const struct ovsdb_datum *b,
                  const struct ovsdb_type *type)
{
    if (!b->n) {
        return;
    }

    bool is_map = is_map_type(type);
    unsigned int n_max = a->n + b->n;
    union ovsdb_atom *keys = xmalloc(n_max * sizeof *keys);
    union ovsdb_atom *values = is_map ? xmalloc(n_max * sizeof *values) : NULL;
    unsigned int ai = 0, bi = 0, n = 0;

    while (ai < a->n || bi < b->n) {
        int cmp = (ai >= a->n ? 1
                   : bi >= b->n ? -1
                   : ovsdb_atom_compare_3way(&a->keys[ai], &b->keys[bi],
                                             type->key.type));
        if (cmp <= 0) {
            /* Take from 'a' (moving ownership); skip an equal key of 'b'. */
            keys[n] = a->keys[ai];
            if (is_map) {
                values[n] = a->values[ai];
            }
            ai++;
            bi += cmp == 0;
        } else {
            ovsdb_atom_clone(&keys[n], &b->keys[bi], type->key.type);
            if (is_map) {
                ovsdb_atom_clone(&values[n], &b->values[bi], type->value.type);
            }
            bi++;
        }
        n++;
    }

    free(a->keys);
    free(a->values);
    a->keys = keys;
    a->values = values;
    a->n = n;
}

void
ovsdb_datum_subtract(struct ovsdb_datum *a, const struct ovsdb_type *a_type,
                     const struct ovsdb_datum *b,
                     const struct ovsdb_type *b_type)
{
    bool a_map = is_map_type(a_type);
    bool by_value = a_map && is_map_type(b_type);
    enum ovsdb_atomic_type key_type = a_type->key.type;
    unsigned int bi = 0, dst = 0;

    for (unsigned int ai = 0; ai < a->n; ai++) {
        bool remove = false;
        while (bi < b->n) {
            int cmp = ovsdb_atom_compare_3way(&b->keys[bi], &a->keys[ai],
                                              key_type);
            if (cmp < 0) {
                bi++;
                continue;
            }
            remove = (cmp == 0
                      && (!by_value
                          || ovsdb_atom_equals(&a->values[ai], &b->values[bi],
                                               a_type->value.type)));
            break;
        }
        if (remove) {
            ovsdb_atom_destroy(&a->keys[ai], key_type);
            if (a_map) {
                ovsdb_atom_destroy(&a->values[ai], a_type->value.type);
            }
        } else {
            a->keys[dst] = a->keys[ai];
            if (a_map) {
                a->values[dst] = a->values[ai];
            }
            dst++;
        }
    }
    a->n = dst;
}

void
ovsdb_datum_remove(struct ovsdb_datum *datum, unsigned int idx,
                   const struct ovsdb_type *type)
{
    ovsdb_atom_destroy(&datum->keys[idx], type->key.type);
    memmove(&datum->keys[idx], &datum->keys[idx + 1],
            (datum->n - idx - 1) * sizeof *datum->keys);
    if (datum->values) {
        ovsdb_atom_destroy(&datum->values[idx], type->value.type);
        memmove(&datum->values[idx], &datum->values[idx + 1],
                (datum->n - idx - 1) * sizeof *datum->values);
    }
    datum->n--;
}

void
ovsdb_datum_apply_diff(struct ovsdb_datum *dst, const struct ovsdb_datum *diff,
           const struct ovsdb_type *type)
{
    if (type->n_max == 1 && !ovsdb_type_is_map(type)) {
        /* A column of at most one element: the diff is the new value. */
        struct ovsdb_datum copy;
        ovsdb_datum_clone(&copy, diff, type);
        ovsdb_datum_swap(dst, &copy);
        ovsdb_datum_destroy(&copy, type);
        return;
    }
    struct ovsdb_datum added;
    ovsdb_datum_init_empty(&added);
    for (unsigned int i = 0; i < diff->n; i++) {
        unsigned int j = ovsdb_datum_find_key(dst, &diff->keys[i], type->key.type);
        bool is_map = ovsdb_type_is_map(type);
        if (j == UINT_MAX) {
            struct ovsdb_datum one;
            union ovsdb_atom k, v;
            ovsdb_atom_clone(&k, &diff->keys[i], type->key.type);
            if (is_map) {
                ovsdb_atom_clone(&v, &diff->values[i], type->value.type);
            }
            ovsdb_datum_init_single(&one, &k, is_map ? &v : NULL);
            ovsdb_datum_union(&added, &one, type);
            ovsdb_datum_destroy(&one, type);
        } else if (is_map && !ovsdb_atom_equals(&dst->values[j], &diff->values[i],
                                                type->value.type)) {
            ovsdb_atom_destroy(&dst->values[j], type->value.type);
            ovsdb_atom_clone(&dst->values[j], &diff->values[i], type->value.type);
        } else {
            ovsdb_datum_remove(dst, j, type);
        }
    }
    ovsdb_datum_union(dst, &added, type);
    ovsdb_datum_destroy(&added, type);
}
