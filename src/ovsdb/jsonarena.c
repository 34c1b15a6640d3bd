/* jsonarena: see jsonarena.h. */
#include "ovsdb/jsonarena.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include "lib/hmap.h"
#include "lib/util.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_DISABLED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_DISABLED 1
#endif
#endif

#define UNIT_SHIFT 16                   /* Chunks are 64 KiB aligned. */
#define UNIT_SIZE ((size_t) 1 << UNIT_SHIFT)
#define CHUNK_SIZE (4 * UNIT_SIZE)      /* Usual chunk size. */
#define MAX_SPARE 4                     /* Usual chunks kept for reuse. */

struct chunk {
    struct chunk *next;
    size_t size;                        /* Usable bytes after the header. */
    size_t used;
};

/* One registry node per 64 KiB unit that a chunk covers, so that a free()
 * finds out in O(1) whether a pointer is arena memory. */
struct unit {
    struct hmap_node node;
    uintptr_t base;
};

struct jsonarena {
    struct chunk *chunks;               /* Newest first. */
    struct unit *units;
    size_t n_units, alloc_units;
};

static bool installed;
/* Freed chunks of CHUNK_SIZE, kept so that the next request does not fault
 * its pages in again (measured: a quarter of the time went to the kernel
 * zeroing pages when every chunk went back to malloc). */
static _Thread_local struct chunk *spare;
static _Thread_local size_t n_spare;
static _Thread_local struct jsonarena *active;
static _Thread_local struct hmap registry_;
static _Thread_local bool registry_ready;

static struct hmap *
get_registry(void)
{
    if (!registry_ready) {
        hmap_init(&registry_);
        registry_ready = true;
    }
    return &registry_;
}
#define registry (*get_registry())

static bool
is_arena_memory(const void *p)
{
    uintptr_t base = (uintptr_t) p >> UNIT_SHIFT;
    struct unit *u;
    if (hmap_is_empty(&registry)) {
        return false;
    }
    HMAP_FOR_EACH_WITH_HASH (u, node, hash_uint64(base, 0), &registry) {
        if (u->base == base) {
            return true;
        }
    }
    return false;
}

static struct chunk *
new_chunk(struct jsonarena *a, size_t need)
{
    size_t total = (sizeof(struct chunk) + need + UNIT_SIZE - 1) & ~(UNIT_SIZE - 1);
    total = MAX(total, CHUNK_SIZE);
    struct chunk *c;
    if (total == CHUNK_SIZE && spare) {
        c = spare;
        spare = c->next;
        n_spare--;
    } else {
        c = aligned_alloc(UNIT_SIZE, total);
        if (!c) {
            util_abort("out of memory (json arena, %zu bytes)", total);
        }
    }
    c->size = total - sizeof *c;
    c->used = 0;
    c->next = a->chunks;
    a->chunks = c;

    size_t n = total >> UNIT_SHIFT;
    if (a->n_units + n > a->alloc_units) {
        /* Registry nodes move: take them out, grow, put them back. */
        for (size_t i = 0; i < a->n_units; i++) {
            hmap_remove(&registry, &a->units[i].node);
        }
        a->units = xgrow(a->units, &a->alloc_units, a->n_units + n, sizeof *a->units);
        for (size_t i = 0; i < a->n_units; i++) {
            hmap_insert(&registry, &a->units[i].node,
                        hash_uint64(a->units[i].base, 0));
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct unit *u = &a->units[a->n_units++];
        u->base = ((uintptr_t) c >> UNIT_SHIFT) + i;
        hmap_insert(&registry, &u->node, hash_uint64(u->base, 0));
    }
    return c;
}

/* Unused under AddressSanitizer, where the arena is disabled. */
static __attribute__((unused)) void *
arena_malloc(size_t size)
{
    struct jsonarena *a = active;
    if (!a) {
        return malloc(size);
    }
    size = (size + 15) & ~(size_t) 15;
    struct chunk *c = a->chunks;
    if (!c || c->size - c->used < size) {
        c = new_chunk(a, size);
    }
    void *p = (char *) (c + 1) + c->used;
    c->used += size;
    return p;
}

static __attribute__((unused)) void
arena_free(void *p)
{
    if (p && !is_arena_memory(p)) {
        free(p);
    }
}

void
jsonarena_install(void)
{
#ifndef ARENA_DISABLED
    json_set_alloc_funcs(arena_malloc, arena_free);
    installed = true;
#endif
}

bool jsonarena_is_installed(void) { return installed; }

void
jsonarena_trim(void)
{
    while (spare) {
        struct chunk *c = spare;
        spare = c->next;
        free(c);
    }
    n_spare = 0;
}

struct jsonarena *
jsonarena_begin(void)
{
    if (!installed) {
        return NULL;
    }
    struct jsonarena *a = xzalloc(sizeof *a);
    active = a;
    return a;
}

struct jsonarena *
jsonarena_suspend(void)
{
    struct jsonarena *a = active;
    active = NULL;
    return a;
}

void
jsonarena_resume(struct jsonarena *a)
{
    if (a) {
        active = a;
    }
}

void
jsonarena_end(struct jsonarena *a)
{
    if (a && active == a) {
        active = NULL;
    }
}

bool
jsonarena_is_active(void)
{
    return active != NULL;
}

static void release_chunks(struct jsonarena *);

void
jsonarena_reset(struct jsonarena *a)
{
    if (!a) {
        return;
    }
    if (a->chunks && !a->chunks->next) {
        a->chunks->used = 0;        /* The usual case: keep the one chunk. */
    } else {
        release_chunks(a);
    }
}

void
jsonarena_destroy(struct jsonarena *a)
{
    if (!a) {
        return;
    }
    jsonarena_end(a);
    release_chunks(a);
    free(a);
}

static void
release_chunks(struct jsonarena *a)
{
    for (size_t i = 0; i < a->n_units; i++) {
        hmap_remove(&registry, &a->units[i].node);
    }
    free(a->units);
    while (a->chunks) {
        struct chunk *c = a->chunks;
        a->chunks = c->next;
        if (c->size + sizeof *c == CHUNK_SIZE && n_spare < MAX_SPARE) {
            c->next = spare;
            spare = c;
            n_spare++;
        } else {
            free(c);
        }
    }
    a->units = NULL;
    a->n_units = a->alloc_units = 0;
    if (hmap_is_empty(&registry)) {
        hmap_destroy(&registry);    /* Give a grown bucket array back. */
        hmap_init(&registry);
    }
}
