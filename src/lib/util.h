/* util: allocation that aborts on exhaustion, and small helpers every module uses.
 *
 * Out of memory is not an error seam recovers from (OVS xmalloc): the
 * allocators below print a message and abort.  Everything a peer can make
 * us allocate is bounded elsewhere, at the boundary where it is read. */
#ifndef SEAM_UTIL_H
#define SEAM_UTIL_H 1

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof (a) / sizeof (a)[0])
#define container_of(ptr, type, member) \
    ((type *) (void *) ((char *) (ptr) - offsetof(type, member)))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define WARN_UNUSED __attribute__((warn_unused_result))
#define PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))

/* Return new memory; free it with free(). */
void *xmalloc(size_t size) __attribute__((malloc));
void *xzalloc(size_t size) __attribute__((malloc));
void *xcalloc(size_t n, size_t size) __attribute__((malloc));
void *xrealloc(void *p, size_t size);
void *xmemdup(const void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_FMT(1, 2);
char *xvasprintf(const char *fmt, va_list args) PRINTF_FMT(1, 0);

/* Grows '*items' (holding '*n_alloc' elements of 'elem_size' bytes) so that
 * at least 'n' fit; doubles to keep appends amortized O(1). */
void *xgrow(void *items, size_t *n_alloc, size_t n, size_t elem_size);

void util_abort(const char *fmt, ...) PRINTF_FMT(1, 2) __attribute__((noreturn));

/* Monotonic and wall clocks, in msec. */
long long time_msec(void);
long long time_wall_msec(void);

/* Hash functions (32-bit, not cryptographic). */
uint32_t hash_bytes(const void *p, size_t n, uint32_t basis);
uint32_t hash_string(const char *s, uint32_t basis);
static inline uint32_t
hash_add(uint32_t hash, uint32_t data)
{
    data *= 0xcc9e2d51;
    data = (data << 15) | (data >> 17);
    data *= 0x1b873593;
    hash ^= data;
    hash = (hash << 13) | (hash >> 19);
    return hash * 5 + 0xe6546b64;
}
static inline uint32_t
hash_finish(uint32_t hash, uint32_t n)
{
    hash ^= n;
    hash ^= hash >> 16;
    hash *= 0x85ebca6b;
    hash ^= hash >> 13;
    hash *= 0xc2b2ae35;
    hash ^= hash >> 16;
    return hash;
}
static inline uint32_t
hash_uint64(uint64_t x, uint32_t basis)
{
    return hash_finish(hash_add(hash_add(basis, (uint32_t) x),
                                (uint32_t) (x >> 32)), 8);
}

#endif /* util.h */
