/* util: see util.h. */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void
util_abort(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fputs("seam: fatal: ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
    abort();
}

static void *
check_alloc(void *p, size_t size)
{
    if (!p && size) {
        util_abort("out of memory (%zu bytes)", size);
    }
    return p;
}

void *xmalloc(size_t size) { return check_alloc(malloc(size ? size : 1), size); }
void *xzalloc(size_t size) { return check_alloc(calloc(1, size ? size : 1), size); }
void *xcalloc(size_t n, size_t size) { return check_alloc(calloc(n ? n : 1, size ? size : 1), n * size); }
void *xrealloc(void *p, size_t size) { return check_alloc(realloc(p, size ? size : 1), size); }

void *
xmemdup(const void *p, size_t size)
{
    void *q = xmalloc(size);
    memcpy(q, p, size);
    return q;
}

char *xstrdup(const char *s) { return xmemdup(s, strlen(s) + 1); }

char *
xstrndup(const char *s, size_t n)
{
    char *q = xmalloc(n + 1);
    memcpy(q, s, n);
    q[n] = '\0';
    return q;
}

char *
xvasprintf(const char *fmt, va_list args)
{
    char *s;
    if (vasprintf(&s, fmt, args) < 0) {
        util_abort("out of memory (vasprintf)");
    }
    return s;
}

char *
xasprintf(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *s = xvasprintf(fmt, args);
    va_end(args);
    return s;
}

void *
xgrow(void *items, size_t *n_alloc, size_t n, size_t elem_size)
{
    if (n <= *n_alloc) {
        return items;
    }
    size_t want = *n_alloc ? *n_alloc * 2 : 8;
    while (want < n) {
        want *= 2;
    }
    *n_alloc = want;
    return xrealloc(items, want * elem_size);
}

long long
time_msec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

long long
time_wall_msec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

uint32_t
hash_bytes(const void *p_, size_t n, uint32_t basis)
{
    const uint8_t *p = p_;
    uint32_t hash = basis;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t w;
        memcpy(&w, p + i, 4);
        hash = hash_add(hash, w);
    }
    if (i < n) {
        uint32_t w = 0;
        memcpy(&w, p + i, n - i);
        hash = hash_add(hash, w);
    }
    return hash_finish(hash, (uint32_t) n);
}

uint32_t
hash_string(const char *s, uint32_t basis)
{
    return hash_bytes(s, strlen(s), basis);
}
