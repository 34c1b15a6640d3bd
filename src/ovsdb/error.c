/* ovsdb error: see error.h. */
#include "ovsdb/error.h"

#include "lib/ds.h"
#include "ovsdb/jsonw.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct ovsdb_error {
    char *tag;                  /* RFC 7047 error string. */
    char *details;              /* Human-readable, or NULL. */
    char *syntax;               /* The offending JSON, compact, or NULL. */
};

static struct ovsdb_error * PRINTF_FMT(2, 0)
error_create_v(const char *tag, const char *fmt, va_list args)
{
    struct ovsdb_error *e = xmalloc(sizeof *e);
    e->tag = xstrdup(tag);
    e->details = fmt ? xvasprintf(fmt, args) : NULL;
    e->syntax = NULL;
    return e;
}

struct ovsdb_error *
ovsdb_error(const char *tag, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    struct ovsdb_error *e = error_create_v(tag, fmt, args);
    va_end(args);
    return e;
}

struct ovsdb_error *
ovsdb_internal_error(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    struct ovsdb_error *e = error_create_v("internal error", fmt, args);
    va_end(args);
    return e;
}

struct ovsdb_error *
ovsdb_syntax_error(const json_t *json, const char *tag, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    struct ovsdb_error *e = error_create_v(tag ? tag : "syntax error", fmt, args);
    va_end(args);
    if (json) {
        /* ovsdb-server reports the JSON apart, as "syntax", keys sorted. */
        struct ds text = DS_EMPTY_INITIALIZER;
        jsonw_json_sorted(&text, json);
        e->syntax = ds_steal_cstr(&text);
    }
    return e;
}

void
ovsdb_error_destroy(struct ovsdb_error *e)
{
    if (e) {
        free(e->tag);
        free(e->details);
        free(e->syntax);
        free(e);
    }
}

struct ovsdb_error *
ovsdb_error_clone(const struct ovsdb_error *old)
{
    struct ovsdb_error *e = xmalloc(sizeof *e);
    e->tag = xstrdup(old->tag);
    e->details = old->details ? xstrdup(old->details) : NULL;
    e->syntax = old->syntax ? xstrdup(old->syntax) : NULL;
    return e;
}

const char *ovsdb_error_get_tag(const struct ovsdb_error *e) { return e->tag; }
const char *ovsdb_error_get_details(const struct ovsdb_error *e) { return e->details; }

json_t *
ovsdb_error_to_json(const struct ovsdb_error *e)
{
    json_t *j = json_object();
    json_object_set_new(j, "error", json_string(e->tag));
    if (e->details) {
        json_object_set_new(j, "details", json_string(e->details));
    }
    if (e->syntax) {
        json_object_set_new(j, "syntax", json_string(e->syntax));
    }
    return j;
}

char *
ovsdb_error_to_string(const struct ovsdb_error *e)
{
    return e->details ? xasprintf("%s: %s", e->tag, e->details) : xstrdup(e->tag);
}
