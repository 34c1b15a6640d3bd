/* spsc: the indices of a single-producer single-consumer lock-free ring,
 * shared by the rings of seam-vtep (ring.h: learn events; lldp_ring.h:
 * LLDP frames), which add their slots.
 *
 * Head and tail are free-running 32-bit counters on cache lines of their
 * own (C11 atomics: the producer publishes a slot with a release store of
 * 'head', the consumer frees one with a release store of 'tail'); the
 * capacity is a power of two.  A full ring never blocks the producer: the
 * item is dropped and counted in 'drops'.
 *
 * Cost: reserve/publish and peek/consume are a handful of loads and one
 * store each; no lock, no syscall. */
#ifndef SEAM_VTEP_SPSC_H
#define SEAM_VTEP_SPSC_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define VTEP_CACHE_LINE 64

struct spsc {
    /* Producer's line. */
    _Alignas(VTEP_CACHE_LINE) _Atomic uint32_t head;
    _Atomic uint64_t drops;             /* Items lost to a full ring. */
    /* Consumer's line. */
    _Alignas(VTEP_CACHE_LINE) _Atomic uint32_t tail;
    /* Read-only after creation. */
    _Alignas(VTEP_CACHE_LINE) uint32_t mask;
};

/* Allocates a ring: 'size' bytes (cache-line aligned, zeroed but for the
 * indices), whose first member is a struct spsc, for 'capacity' slots
 * (rounded up to a power of two, at least 2) of 'slot_size' bytes each,
 * returned zeroed in '*slots'.  Aborts if out of memory ('what' says whose
 * ring). */
static inline void *
spsc_create(size_t size, uint32_t capacity, size_t slot_size, void **slots,
            const char *what)
{
    uint32_t n = 2;
    while (n < capacity) {
        n <<= 1;
    }
    size = (size + VTEP_CACHE_LINE - 1) / VTEP_CACHE_LINE * VTEP_CACHE_LINE;
    struct spsc *s = aligned_alloc(VTEP_CACHE_LINE, size);
    if (!s) {
        util_abort("out of memory (%s ring)", what);
    }
    memset(s, 0, size);
    atomic_init(&s->head, 0);
    atomic_init(&s->drops, 0);
    atomic_init(&s->tail, 0);
    s->mask = n - 1;
    *slots = xcalloc(n, slot_size);
    return s;
}

/* Producer: counts an item lost. */
static inline void
spsc_drop(struct spsc *s)
{
    atomic_store_explicit(&s->drops,
                          atomic_load_explicit(&s->drops, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* Producer: the index of the next free slot in '*slot', or false (and a
 * drop counted) if the ring is full.  Fill the slot, then spsc_publish(). */
static inline bool
spsc_reserve(struct spsc *s, uint32_t *slot)
{
    uint32_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
    uint32_t tail = atomic_load_explicit(&s->tail, memory_order_acquire);
    if (head - tail > s->mask) {
        spsc_drop(s);
        return false;
    }
    *slot = head & s->mask;
    return true;
}

/* Producer: hands the slot spsc_reserve() gave to the consumer. */
static inline void
spsc_publish(struct spsc *s)
{
    uint32_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
    atomic_store_explicit(&s->head, head + 1, memory_order_release);
}

/* Consumer: the index of the oldest item in '*slot', or false if empty.
 * Read the slot, then spsc_consume(). */
static inline bool
spsc_peek(struct spsc *s, uint32_t *slot)
{
    uint32_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
    uint32_t head = atomic_load_explicit(&s->head, memory_order_acquire);
    if (head == tail) {
        return false;
    }
    *slot = tail & s->mask;
    return true;
}

/* Consumer: gives back the slot spsc_peek() gave. */
static inline void
spsc_consume(struct spsc *s)
{
    uint32_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
    atomic_store_explicit(&s->tail, tail + 1, memory_order_release);
}

/* Whether the ring is empty (either side may ask). */
static inline bool
spsc_is_empty(const struct spsc *s)
{
    struct spsc *rw = (struct spsc *) s;
    return (atomic_load_explicit(&rw->head, memory_order_acquire)
            == atomic_load_explicit(&rw->tail, memory_order_acquire));
}

/* Items lost so far (either side may read). */
static inline uint64_t
spsc_drops(const struct spsc *s)
{
    return atomic_load_explicit(&((struct spsc *) s)->drops, memory_order_relaxed);
}

#endif /* vtep/spsc.h */
