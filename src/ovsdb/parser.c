/* ovsdb parser: see parser.h. */
#include "ovsdb/parser.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "lib/uuid.h"
#include "ovsdb/error.h"

void
ovsdb_parser_init(struct ovsdb_parser *p, const json_t *json, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    p->name = xvasprintf(fmt, args);
    va_end(args);
    p->json = json_is_object(json) ? json : NULL;
    p->syntax = json;
    p->error = NULL;
    p->n_used = 0;
    if (!p->json) {
        ovsdb_parser_raise(p, "Object expected.");
    }
}

void
ovsdb_parser_raise(struct ovsdb_parser *p, const char *fmt, ...)
{
    if (p->error) {
        return;
    }
    va_list args;
    va_start(args, fmt);
    char *msg = xvasprintf(fmt, args);
    va_end(args);
    p->error = ovsdb_syntax_error(p->syntax, NULL, "Parsing %s failed: %s",
                                  p->name, msg);
    free(msg);
}

bool
ovsdb_parser_has_error(const struct ovsdb_parser *p)
{
    return p->error != NULL;
}

bool
ovsdb_json_is_integral(const json_t *j)
{
    if (json_is_integer(j)) {
        return true;
    }
    if (json_is_real(j)) {
        double d = json_real_value(j);
        return d > -9223372036854775808.0 && d < 9223372036854775808.0
               && d == (double) (int64_t) d;
    }
    return false;
}

int64_t
ovsdb_json_integral_value(const json_t *j)
{
    return json_is_integer(j) ? json_integer_value(j) : (int64_t) json_real_value(j);
}

const json_t *
ovsdb_parser_member(struct ovsdb_parser *p, const char *name, unsigned int types)
{
    if (!p->json || p->error) {
        return NULL;
    }
    const json_t *v = json_object_get(p->json, name);
    if (!v) {
        if (!(types & OP_OPTIONAL)) {
            ovsdb_parser_raise(p, "Required '%s' member is missing.", name);
        }
        return NULL;
    }
    if (p->n_used < OVSDB_PARSER_MAX_MEMBERS) {
        p->used[p->n_used++] = name;
    }
    bool ok = ((types & OP_ANY)
               || ((types & OP_STRING) && json_is_string(v))
               || ((types & OP_INTEGER) && ovsdb_json_is_integral(v))
               || ((types & OP_NUMBER) && json_is_number(v))
               || ((types & OP_BOOLEAN) && json_is_boolean(v))
               || ((types & OP_OBJECT) && json_is_object(v))
               || ((types & OP_ARRAY) && json_is_array(v))
               || ((types & OP_ID) && json_is_string(v)
                   && ovsdb_id_is_valid(json_string_value(v))));
    if (!ok) {
        ovsdb_parser_raise(p, "Type mismatch for member '%s'.", name);
        return NULL;
    }
    return v;
}

static bool
is_used(const struct ovsdb_parser *p, const char *name)
{
    for (size_t i = 0; i < p->n_used; i++) {
        if (!strcmp(p->used[i], name)) {
            return true;
        }
    }
    return false;
}

struct ovsdb_error *
ovsdb_parser_finish(struct ovsdb_parser *p)
{
    if (!p->error && p->json && json_object_size(p->json) > p->n_used) {
        size_t n_unused = json_object_size(p->json) - p->n_used;
        const char *key;
        const json_t *value;

        json_object_foreach ((json_t *) p->json, key, value) {
            if (!is_used(p, key)) {
                if (n_unused > 1) {
                    ovsdb_parser_raise(p, "Member '%s' and %zu other member%s "
                                       "are present but not allowed here.",
                                       key, n_unused - 1, n_unused > 2 ? "s" : "");
                } else {
                    ovsdb_parser_raise(p, "Member '%s' is present but not "
                                       "allowed here.", key);
                }
                break;
            }
        }
    }
    free(p->name);
    p->name = NULL;
    struct ovsdb_error *error = p->error;
    p->error = NULL;
    return error;
}
