/* jsonw: see jsonw.h. */
#include "ovsdb/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

void
jsonw_string(struct ds *ds, const char *s)
{
    jsonw_string_len(ds, s, strlen(s));
}

void
jsonw_string_len(struct ds *ds, const char *s, size_t len)
{
    ds_reserve(ds, ds->length + len + 2);
    ds->s[ds->length++] = '"';
    const char *run = s;
    for (const char *p = s; p < s + len; p++) {
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        ds_put_buffer(ds, run, p - run);
        run = p + 1;
        switch (c) {
        case '"': ds_put_buffer(ds, "\\\"", 2); break;
        case '\\': ds_put_buffer(ds, "\\\\", 2); break;
        case '\b': ds_put_buffer(ds, "\\b", 2); break;
        case '\f': ds_put_buffer(ds, "\\f", 2); break;
        case '\n': ds_put_buffer(ds, "\\n", 2); break;
        case '\r': ds_put_buffer(ds, "\\r", 2); break;
        case '\t': ds_put_buffer(ds, "\\t", 2); break;
        case '\0':
            ds_put_buffer(ds, "\\u0000", 6);
            break;
        default: {
            char esc[7] = { '\\', 'u', '0', '0', hex_digits[c >> 4],
                            hex_digits[c & 15], 0 };
            ds_put_buffer(ds, esc, 6);
        }
        }
    }
    ds_put_buffer(ds, run, s + len - run);
    ds_put_char(ds, '"');
}

void
jsonw_uuid_chars(struct ds *ds, const struct uuid *u)
{
    ds_reserve(ds, ds->length + UUID_LEN);
    uuid_format(u, ds->s + ds->length);
    ds->length += UUID_LEN;
    ds->s[ds->length] = '\0';
}

/* Reals as ovsdb-server prints them: 15 significant digits, no ".0" on
 * integral values, and no negative zero. */
static void
put_real(struct ds *ds, double d)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%.15g", d == 0.0 ? 0.0 : d);
    ds_put_buffer(ds, buf, n);
}

void
jsonw_atom(struct ds *ds, const union ovsdb_atom *a, enum ovsdb_atomic_type type)
{
    switch (type) {
    case OVSDB_TYPE_INTEGER: {
        char buf[24];
        int n = snprintf(buf, sizeof buf, "%"PRId64, a->integer);
        ds_put_buffer(ds, buf, n);
        break;
    }
    case OVSDB_TYPE_REAL:
        put_real(ds, a->real);
        break;
    case OVSDB_TYPE_BOOLEAN:
        ds_put_cstr(ds, a->boolean ? "true" : "false");
        break;
    case OVSDB_TYPE_STRING:
        jsonw_string(ds, a->string);
        break;
    case OVSDB_TYPE_UUID:
        ds_put_buffer(ds, "[\"uuid\",\"", 9);
        jsonw_uuid_chars(ds, &a->uuid);
        ds_put_buffer(ds, "\"]", 2);
        break;
    case OVSDB_TYPE_VOID:
    case OVSDB_N_TYPES:
        ds_put_cstr(ds, "null");
        break;
    }
}

void
jsonw_datum(struct ds *ds, const struct ovsdb_datum *d, const struct ovsdb_type *t)
{
    if (ovsdb_type_is_map(t)) {
        ds_put_buffer(ds, "[\"map\",[", 8);
        for (unsigned int i = 0; i < d->n; i++) {
            if (i) {
                ds_put_char(ds, ',');
            }
            ds_put_char(ds, '[');
            jsonw_atom(ds, &d->keys[i], t->key.type);
            ds_put_char(ds, ',');
            jsonw_atom(ds, &d->values[i], t->value.type);
            ds_put_char(ds, ']');
        }
        ds_put_buffer(ds, "]]", 2);
    } else if (d->n == 1) {
        jsonw_atom(ds, &d->keys[0], t->key.type);
    } else {
        ds_put_buffer(ds, "[\"set\",[", 8);
        for (unsigned int i = 0; i < d->n; i++) {
            if (i) {
                ds_put_char(ds, ',');
            }
            jsonw_atom(ds, &d->keys[i], t->key.type);
        }
        ds_put_buffer(ds, "]]", 2);
    }
}

static int
compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void json_write(struct ds *, const json_t *, bool sort_keys);

void
jsonw_json(struct ds *ds, const json_t *json)
{
    json_write(ds, json, false);
}

void
jsonw_json_sorted(struct ds *ds, const json_t *json)
{
    json_write(ds, json, true);
}

static void
json_write(struct ds *ds, const json_t *json, bool sort_keys)
{
    size_t i;
    const char *key;
    json_t *value;

    switch (json ? json_typeof(json) : JSON_NULL) {
    case JSON_OBJECT: {
        bool first = true;
        ds_put_char(ds, '{');
        if (sort_keys && json_object_size(json) > 1) {
            size_t n = 0;
            const char **keys = xmalloc(json_object_size(json) * sizeof *keys);
            json_object_foreach ((json_t *) json, key, value) {
                keys[n++] = key;
            }
            qsort(keys, n, sizeof *keys, compare_keys);
            for (size_t k = 0; k < n; k++) {
                if (k) {
                    ds_put_char(ds, ',');
                }
                jsonw_string(ds, keys[k]);
                ds_put_char(ds, ':');
                json_write(ds, json_object_get(json, keys[k]), true);
            }
            free(keys);
            ds_put_char(ds, '}');
            break;
        }
        json_object_foreach ((json_t *) json, key, value) {
            if (!first) {
                ds_put_char(ds, ',');
            }
            first = false;
            jsonw_string(ds, key);
            ds_put_char(ds, ':');
            json_write(ds, value, sort_keys);
        }
        ds_put_char(ds, '}');
        break;
    }
    case JSON_ARRAY:
        ds_put_char(ds, '[');
        json_array_foreach (json, i, value) {
            if (i) {
                ds_put_char(ds, ',');
            }
            json_write(ds, value, sort_keys);
        }
        ds_put_char(ds, ']');
        break;
    case JSON_STRING:
        jsonw_string_len(ds, json_string_value(json), json_string_length(json));
        break;
    case JSON_INTEGER: {
        char buf[24];
        int n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
                         json_integer_value(json));
        ds_put_buffer(ds, buf, n);
        break;
    }
    case JSON_REAL:
        put_real(ds, json_real_value(json));
        break;
    case JSON_TRUE:
        ds_put_cstr(ds, "true");
        break;
    case JSON_FALSE:
        ds_put_cstr(ds, "false");
        break;
    case JSON_NULL:
    default:
        ds_put_cstr(ds, "null");
        break;
    }
}
