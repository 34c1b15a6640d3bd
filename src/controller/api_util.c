/* api_util: what every resource of the REST API shares: NeutronError
 * bodies, neutron-lib's converters, OVSDB operations, and reading rows of
 * the NB replica by column name. */
#include "controller/api-private.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/ds.h"
#include "ovsdb/datum.h"
#include "ovsdb/schema.h"

/* Returns a copy of 's' with each byte that is not part of valid UTF-8
 * replaced by '?' (paths are not checked UTF-8; JSON strings must be). */
static char *
utf8_sanitize(const char *s)
{
    char *out = xstrdup(s);
    unsigned char *p = (unsigned char *) out;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
                : (*p & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = n > 0;
        for (int i = 1; ok && i < n; i++) {
            ok = (p[i] & 0xc0) == 0x80;
        }
        if (ok && n > 1) {
            json_t *j = json_stringn((const char *) p, n);
            ok = j != NULL;
            json_decref(j);
        }
        if (!ok) {
            *p++ = '?';
        } else {
            p += n;
        }
    }
    return out;
}

json_t *
api_error_body(const char *type, const char *message)
{
    char *m = utf8_sanitize(message);
    json_t *body = json_pack("{s{s:s,s:s,s:s}}", "NeutronError", "type", type,
                             "message", m, "detail", "");
    free(m);
    return body;
}

static bool api_verror(struct api_ctx *, int status, const char *type,
                       const char *prefix, const char *fmt, va_list)
    PRINTF_FMT(5, 0);

static bool
api_verror(struct api_ctx *ctx, int status, const char *type, const char *prefix,
           const char *fmt, va_list args)
{
    if (ctx->error) {
        return false;
    }
    char *msg = xvasprintf(fmt, args);
    char *full = xasprintf("%s%s", prefix, msg);
    ctx->status = status;
    ctx->error = api_error_body(type, full);
    free(full);
    free(msg);
    return false;
}

bool
api_error(struct api_ctx *ctx, int status, const char *type, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    api_verror(ctx, status, type, "", fmt, args);
    va_end(args);
    return false;
}

bool
api_invalid(struct api_ctx *ctx, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *msg = xvasprintf(fmt, args);
    va_end(args);
    api_error(ctx, 400, "InvalidInput", "Invalid input for operation: %s.", msg);
    free(msg);
    return false;
}

bool
api_bad_attr(struct api_ctx *ctx, const char *attr, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *msg = xvasprintf(fmt, args);
    va_end(args);
    api_error(ctx, 400, "HTTPBadRequest", "Invalid input for %s. Reason: %s.",
              attr, msg);
    free(msg);
    return false;
}

bool
api_not_found(struct api_ctx *ctx, const struct api_resource *r, const char *id)
{
    return api_error(ctx, 404, r->not_found, "%s %s could not be found.", r->noun, id);
}

/* Python's str() of what json.loads() made of 'j'. */
static void
pystr(struct ds *out, const json_t *j, bool top)
{
    size_t i;
    const char *key;
    json_t *v;

    switch (json_typeof(j)) {
    case JSON_STRING:
        if (top) {
            ds_put_buffer(out, json_string_value(j), json_string_length(j));
        } else {
            ds_put_format(out, "'%s'", json_string_value(j));
        }
        break;
    case JSON_INTEGER:
        ds_put_format(out, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        break;
    case JSON_REAL:
        ds_put_format(out, "%.17g", json_real_value(j));
        break;
    case JSON_TRUE: ds_put_cstr(out, "True"); break;
    case JSON_FALSE: ds_put_cstr(out, "False"); break;
    case JSON_NULL: ds_put_cstr(out, "None"); break;
    case JSON_ARRAY:
        ds_put_char(out, '[');
        json_array_foreach (j, i, v) {
            ds_put_cstr(out, i ? ", " : "");
            pystr(out, v, false);
        }
        ds_put_char(out, ']');
        break;
    case JSON_OBJECT:
        ds_put_char(out, '{');
        i = 0;
        json_object_foreach ((json_t *) j, key, v) {
            ds_put_format(out, "%s'%s': ", i++ ? ", " : "", key);
            pystr(out, v, false);
        }
        ds_put_char(out, '}');
        break;
    }
}

char *
api_pystr(const json_t *j)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    pystr(&s, j, true);
    ds_cstr(&s);
    return ds_steal_cstr(&s);
}

/* neutron-lib convert_to_int: an integer, or a string of one. */
bool
api_to_int(struct api_ctx *ctx, const char *attr, const json_t *j, long long *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        return true;
    }
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        char *end;
        errno = 0;
        while (isspace((unsigned char) *s)) {
            s++;
        }
        long long v = strtoll(s, &end, 10);
        while (isspace((unsigned char) *end)) {
            end++;
        }
        if (*s && !*end && !errno && end != s) {
            *out = v;
            return true;
        }
    }
    char *s = api_pystr(j);
    api_invalid(ctx, "'%s' is not an integer", s);
    free(s);
    return false;
}

/* neutron-lib convert_to_boolean. */
bool
api_to_bool(struct api_ctx *ctx, const json_t *j, bool *out)
{
    if (json_is_boolean(j)) {
        *out = json_is_true(j);
        return true;
    }
    if (json_is_integer(j) && (json_integer_value(j) == 0 || json_integer_value(j) == 1)) {
        *out = json_integer_value(j);
        return true;
    }
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        if (!strcasecmp(s, "true") || !strcmp(s, "1")) {
            *out = true;
            return true;
        }
        if (!strcasecmp(s, "false") || !strcmp(s, "0")) {
            *out = false;
            return true;
        }
    }
    char *s = api_pystr(j);
    api_invalid(ctx, "'%s' cannot be converted to boolean", s);
    free(s);
    return false;
}

json_t *
api_uuid_json(const struct uuid *u)
{
    char s[UUID_LEN + 1];
    uuid_to_string(u, s);
    return json_pack("[s s]", "uuid", s);
}

json_t *
api_where_uuid(const struct uuid *u)
{
    return json_pack("[[s s o]]", "_uuid", "==", api_uuid_json(u));
}

json_t *
api_map_json(json_t *pairs)
{
    return json_pack("[s o]", "map", pairs);
}

json_t *
api_set_json(json_t *elems)
{
    return json_pack("[s o]", "set", elems);
}

void
api_op_insert(struct api_ctx *ctx, const char *table, const struct uuid *id, json_t *row)
{
    char s[UUID_LEN + 1];
    uuid_to_string(id, s);
    json_array_append_new(ctx->ops, json_pack("{s:s,s:s,s:s,s:o}", "op", "insert",
                                              "table", table, "uuid", s, "row", row));
}

void
api_op_update(struct api_ctx *ctx, const char *table, const struct uuid *id, json_t *row)
{
    json_array_append_new(ctx->ops, json_pack("{s:s,s:s,s:o,s:o}", "op", "update",
                                              "table", table, "where", api_where_uuid(id),
                                              "row", row));
}

void
api_op_revise(struct api_ctx *ctx, const char *table, const struct ovsdb_row *row,
              json_t *cols)
{
    json_object_set_new(cols, "revision_number",
                        json_integer(api_int(row, "revision_number") + 1));
    api_ts_now(cols, ctx, false);
    api_op_update(ctx, table, ovsdb_row_get_uuid(row), cols);
}

void
api_op_delete(struct api_ctx *ctx, const char *table, const struct uuid *id)
{
    json_array_append_new(ctx->ops, json_pack("{s:s,s:s,s:o}", "op", "delete",
                                              "table", table,
                                              "where", api_where_uuid(id)));
}

void
api_ts_now(json_t *row, const struct api_ctx *ctx, bool created)
{
    if (created) {
        json_object_set_new(row, "created_at", json_string(ctx->now));
    }
    json_object_set_new(row, "updated_at", json_string(ctx->now));
}

/* Reading rows. */

const struct ovsdb_table *
api_table(const struct api_ctx *ctx, const char *name)
{
    return ctx->db ? ovsdb_db_find_table(ctx->db, name) : NULL;
}

const struct ovsdb_row *
api_get_row(const struct api_ctx *ctx, const char *table, const struct uuid *u)
{
    const struct ovsdb_table *t = api_table(ctx, table);
    return t ? ovsdb_table_get_row(t, u) : NULL;
}

const struct ovsdb_row *
api_find_row(const struct api_ctx *ctx, const char *table, const char *id)
{
    struct uuid u;
    return id && uuid_from_string(&u, id) ? api_get_row(ctx, table, &u) : NULL;
}

static const struct ovsdb_column *
column(const struct ovsdb_row *row, const char *name)
{
    return ovsdb_table_schema_find_column(row->table->schema, name);
}

const struct ovsdb_datum *
api_datum(const struct ovsdb_row *row, const char *name)
{
    const struct ovsdb_column *c = column(row, name);
    return c ? &row->fields[c->index] : NULL;
}

const char *
api_str(const struct ovsdb_row *row, const char *name)
{
    const char *s = api_opt_str(row, name);
    return s ? s : "";
}

const char *
api_opt_str(const struct ovsdb_row *row, const char *name)
{
    const struct ovsdb_column *c = column(row, name);
    if (!c || c->type.key.type != OVSDB_TYPE_STRING || !row->fields[c->index].n) {
        return NULL;
    }
    return row->fields[c->index].keys[0].string;
}

bool
api_has(const struct ovsdb_row *row, const char *name)
{
    const struct ovsdb_datum *d = api_datum(row, name);
    return d && d->n;
}

long long
api_int(const struct ovsdb_row *row, const char *name)
{
    const struct ovsdb_column *c = column(row, name);
    if (!c || c->type.key.type != OVSDB_TYPE_INTEGER || !row->fields[c->index].n) {
        return 0;
    }
    return row->fields[c->index].keys[0].integer;
}

bool
api_bool(const struct ovsdb_row *row, const char *name)
{
    const struct ovsdb_column *c = column(row, name);
    if (!c || c->type.key.type != OVSDB_TYPE_BOOLEAN || !row->fields[c->index].n) {
        return false;
    }
    return row->fields[c->index].keys[0].boolean;
}

const struct uuid *
api_ref(const struct ovsdb_row *row, const char *name)
{
    const struct ovsdb_column *c = column(row, name);
    if (!c || c->type.key.type != OVSDB_TYPE_UUID || !row->fields[c->index].n) {
        return NULL;
    }
    return &row->fields[c->index].keys[0].uuid;
}

bool
api_refers(const struct ovsdb_row *row, const char *name, const struct uuid *id)
{
    const struct uuid *u = api_ref(row, name);
    return u && uuid_equals(u, id);
}

const char *
api_map_get(const struct ovsdb_row *row, const char *name, const char *key)
{
    const struct ovsdb_column *c = column(row, name);
    if (!c || c->type.key.type != OVSDB_TYPE_STRING
        || c->type.value.type != OVSDB_TYPE_STRING) {
        return NULL;
    }
    const struct ovsdb_datum *d = &row->fields[c->index];
    for (unsigned int i = 0; i < d->n; i++) {
        if (!strcmp(d->keys[i].string, key)) {
            return d->values[i].string;
        }
    }
    return NULL;
}

void
api_uuid_str(const struct ovsdb_row *row, char buf[UUID_LEN + 1])
{
    uuid_to_string(ovsdb_row_get_uuid(row), buf);
}

json_t *
api_id_json(const struct ovsdb_row *row)
{
    char s[UUID_LEN + 1];
    api_uuid_str(row, s);
    return json_string(s);
}
