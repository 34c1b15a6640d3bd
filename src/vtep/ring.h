/* ring: a single-producer single-consumer lock-free ring of learn events,
 * from one datapath thread (the producer: MACs learned, moved, aged) to the
 * control thread (the consumer: writes Ucast_Macs_Local).
 *
 * Fixed capacity, a power of two, allocated once by vtep_ring_create().
 * Head and tail are free-running 32-bit counters on cache lines of their
 * own (C11 atomics: the producer publishes a slot with a release store of
 * 'head', the consumer frees one with a release store of 'tail').  A full
 * ring never blocks the producer: the event is dropped and counted in
 * 'drops' (the consumer reads it; the next event of the same MAC, or the
 * next aging sweep, repairs the control plane's view).
 *
 * Cost: push and pop are a handful of loads and one store each; no lock,
 * no syscall. */
#ifndef SEAM_VTEP_RING_H
#define SEAM_VTEP_RING_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <netinet/in.h>

#include "lib/util.h"
#include "vtep/config.h"

enum vtep_learn_kind {
    VTEP_LEARN_LEARNED,                 /* New MAC, or a new IP for it. */
    VTEP_LEARN_MOVED,                   /* Same MAC, other port or VLAN. */
    VTEP_LEARN_AGED                     /* Not seen for mac_aging_s. */
};

struct vtep_learn_event {
    uint32_t sw;                        /* Switch index in the snapshot's
                                         * config at the time. */
    uint32_t vni;                       /* That switch's VNI (stable across
                                         * snapshots). */
    struct eth_addr mac;
    uint16_t vlan;                      /* Binding VLAN, 0 = untagged. */
    uint32_t port;                      /* Port index in the config. */
    enum vtep_learn_kind kind;
    bool has_ip;
    struct in_addr ip;                  /* ARP sender address, if seen. */
};

#define VTEP_CACHE_LINE 64

struct vtep_ring {
    /* Producer's line. */
    _Alignas(VTEP_CACHE_LINE) _Atomic uint32_t head;
    _Atomic uint64_t drops;             /* Events lost to a full ring. */
    /* Consumer's line. */
    _Alignas(VTEP_CACHE_LINE) _Atomic uint32_t tail;
    /* Read-only after creation. */
    _Alignas(VTEP_CACHE_LINE) uint32_t mask;
    struct vtep_learn_event *slots;
};

/* Returns a new ring of 'capacity' slots (rounded up to a power of two,
 * at least 2); free it with vtep_ring_destroy(). */
static inline struct vtep_ring *
vtep_ring_create(uint32_t capacity)
{
    uint32_t n = 2;
    while (n < capacity) {
        n <<= 1;
    }
    struct vtep_ring *r = aligned_alloc(VTEP_CACHE_LINE, sizeof *r);
    if (!r) {
        util_abort("out of memory (vtep ring)");
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
vtep_ring_destroy(struct vtep_ring *r)
{
    if (r) {
        free(r->slots);
        free(r);
    }
}

/* Producer: appends a copy of '*ev'.  Returns false (and counts a drop) if
 * the ring is full; never blocks. */
static inline bool
vtep_ring_push(struct vtep_ring *r, const struct vtep_learn_event *ev)
{
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - tail > r->mask) {
        atomic_store_explicit(&r->drops,
                              atomic_load_explicit(&r->drops,
                                                   memory_order_relaxed) + 1,
                              memory_order_relaxed);
        return false;
    }
    r->slots[head & r->mask] = *ev;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

/* Consumer: moves the oldest event into '*ev'.  Returns false if empty. */
static inline bool
vtep_ring_pop(struct vtep_ring *r, struct vtep_learn_event *ev)
{
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (head == tail) {
        return false;
    }
    *ev = r->slots[tail & r->mask];
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return true;
}

/* Events lost so far because the ring was full (either side may read). */
static inline uint64_t
vtep_ring_drops(const struct vtep_ring *r)
{
    return atomic_load_explicit(&((struct vtep_ring *) r)->drops,
                                memory_order_relaxed);
}

#endif /* vtep/ring.h */
