/* ds: a growable string buffer (after OVS lib/dynamic-string.h).
 * Appends are amortized O(1); 's' is always NUL-terminated once non-empty
 * work has been done, and ds_cstr() makes it so in any case. */
#ifndef SEAM_DS_H
#define SEAM_DS_H 1

#include <stdarg.h>
#include <stddef.h>
#include "util.h"

struct ds {
    char *s;
    size_t length;              /* In bytes, excluding the NUL. */
    size_t allocated;
};

#define DS_EMPTY_INITIALIZER { NULL, 0, 0 }

void ds_init(struct ds *);
void ds_destroy(struct ds *);
void ds_clear(struct ds *);
void ds_reserve(struct ds *, size_t min_length);
void ds_put_buffer(struct ds *, const char *, size_t);
void ds_put_cstr(struct ds *, const char *);
void ds_put_char(struct ds *, char);
void ds_put_format(struct ds *, const char *, ...) PRINTF_FMT(2, 3);
void ds_put_vformat(struct ds *, const char *, va_list) PRINTF_FMT(2, 0);
const char *ds_cstr(struct ds *);
/* Returns the buffer and leaves 'ds' empty; free the result with free(). */
char *ds_steal_cstr(struct ds *);

#endif /* ds.h */
