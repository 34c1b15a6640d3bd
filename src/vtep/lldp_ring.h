/* lldp_ring: a single-producer single-consumer lock-free ring of whole
 * frames between seam-vtep's datapath thread and its control thread, one
 * per direction: LLDPDUs received on the ports (datapath -> control) and
 * LLDPDUs to send (control -> datapath).
 *
 * Same shape as ring.h (free-running 32-bit head and tail on their own
 * cache lines, release stores publish a slot), with slots big enough for a
 * frame (LLDP_FRAME_MAX), so nothing is allocated after creation.  A full
 * ring never blocks the producer: the frame is dropped and counted; LLDP
 * repeats itself every interval, so a lost LLDPDU costs one interval at
 * worst.
 *
 * Cost: a push copies the frame (at most 1514 bytes; LLDP is one frame per
 * neighbour per interval); a pop lends the slot until lldp_ring_consume(). */
#ifndef SEAM_VTEP_LLDP_RING_H
#define SEAM_VTEP_LLDP_RING_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "vtep/lldp.h"
#include "vtep/ring.h"

struct lldp_ring_slot {
    uint32_t port;                      /* Port slot (dp.h). */
    uint32_t size;                      /* Bytes of 'data'. */
    uint8_t data[LLDP_FRAME_MAX];
};

struct lldp_ring {
    /* Producer's line. */
    _Alignas(VTEP_CACHE_LINE) _Atomic uint32_t head;
    _Atomic uint64_t drops;             /* Frames lost to a full ring or too
                                         * big for a slot. */
    /* Consumer's line. */
    _Alignas(VTEP_CACHE_LINE) _Atomic uint32_t tail;
    /* Read-only after creation. */
    _Alignas(VTEP_CACHE_LINE) uint32_t mask;
    struct lldp_ring_slot *slots;
};

/* Returns a new ring of 'capacity' slots (rounded up to a power of two, at
 * least 2); free it with lldp_ring_destroy(). */
static inline struct lldp_ring *
lldp_ring_create(uint32_t capacity)
{
    uint32_t n = 2;
    while (n < capacity) {
        n <<= 1;
    }
    struct lldp_ring *r = aligned_alloc(VTEP_CACHE_LINE, sizeof *r);
    if (!r) {
        util_abort("out of memory (lldp ring)");
    }
    atomic_init(&r->head, 0);
    atomic_init(&r->drops, 0);
    atomic_init(&r->tail, 0);
    r->mask = n - 1;
    r->slots = xcalloc(n, sizeof *r->slots);
    return r;
}

/* Frees 'r' (NULL is a no-op); neither side may use it any more. */
static inline void
lldp_ring_destroy(struct lldp_ring *r)
{
    if (r) {
        free(r->slots);
        free(r);
    }
}

/* Producer: appends a copy of the 'size' bytes at 'data' for port 'port'.
 * Returns false (and counts a drop) if the ring is full or the frame is
 * bigger than a slot; never blocks. */
static inline bool
lldp_ring_push(struct lldp_ring *r, uint32_t port, const void *data,
               size_t size)
{
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - tail > r->mask || size > LLDP_FRAME_MAX) {
        atomic_store_explicit(&r->drops,
                              atomic_load_explicit(&r->drops,
                                                   memory_order_relaxed) + 1,
                              memory_order_relaxed);
        return false;
    }
    struct lldp_ring_slot *s = &r->slots[head & r->mask];
    s->port = port;
    s->size = (uint32_t) size;
    memcpy(s->data, data, size);
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

/* Consumer: the oldest frame (borrowed: valid until lldp_ring_consume()),
 * or NULL if the ring is empty. */
static inline const struct lldp_ring_slot *
lldp_ring_peek(struct lldp_ring *r)
{
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return head == tail ? NULL : &r->slots[tail & r->mask];
}

/* Consumer: gives back the slot lldp_ring_peek() returned. */
static inline void
lldp_ring_consume(struct lldp_ring *r)
{
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}

/* Whether the ring holds a frame (either side may ask). */
static inline bool
lldp_ring_is_empty(const struct lldp_ring *r)
{
    struct lldp_ring *rw = (struct lldp_ring *) r;
    return (atomic_load_explicit(&rw->head, memory_order_acquire)
            == atomic_load_explicit(&rw->tail, memory_order_acquire));
}

/* Frames lost so far (either side may read). */
static inline uint64_t
lldp_ring_drops(const struct lldp_ring *r)
{
    return atomic_load_explicit(&((struct lldp_ring *) r)->drops,
                                memory_order_relaxed);
}

#endif /* vtep/lldp_ring.h */
