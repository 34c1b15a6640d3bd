/* ds: see ds.h. */
#include "ds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ds_init(struct ds *ds) { ds->s = NULL; ds->length = ds->allocated = 0; }
void ds_destroy(struct ds *ds) { free(ds->s); ds_init(ds); }

void
ds_clear(struct ds *ds)
{
    ds->length = 0;
    if (ds->s) {
        ds->s[0] = '\0';
    }
}

void
ds_reserve(struct ds *ds, size_t min_length)
{
    if (min_length + 1 > ds->allocated || !ds->s) {
        size_t want = MAX(min_length + 1, ds->allocated * 2);
        want = MAX(want, 64);
        ds->s = xrealloc(ds->s, want);
        ds->allocated = want;
    }
}

void
ds_put_buffer(struct ds *ds, const char *p, size_t n)
{
    ds_reserve(ds, ds->length + n);
    memcpy(ds->s + ds->length, p, n);
    ds->length += n;
    ds->s[ds->length] = '\0';
}

void ds_put_cstr(struct ds *ds, const char *s) { ds_put_buffer(ds, s, strlen(s)); }
void ds_put_char(struct ds *ds, char c) { ds_put_buffer(ds, &c, 1); }

void
ds_put_vformat(struct ds *ds, const char *fmt, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    ds_reserve(ds, ds->length + 64);
    size_t avail = ds->allocated - ds->length;
    int n = vsnprintf(ds->s + ds->length, avail, fmt, copy);
    va_end(copy);
    if (n < 0) {
        return;
    }
    if ((size_t) n >= avail) {
        ds_reserve(ds, ds->length + n);
        vsnprintf(ds->s + ds->length, ds->allocated - ds->length, fmt, args);
    }
    ds->length += n;
}

void
ds_put_format(struct ds *ds, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    ds_put_vformat(ds, fmt, args);
    va_end(args);
}

const char *
ds_cstr(struct ds *ds)
{
    ds_reserve(ds, ds->length);
    ds->s[ds->length] = '\0';
    return ds->s;
}

char *
ds_steal_cstr(struct ds *ds)
{
    ds_cstr(ds);
    char *s = ds->s;
    ds_init(ds);
    return s;
}
