/* ring: a single-producer single-consumer lock-free ring of learn events,
 * from one datapath thread (the producer: MACs learned, moved, aged) to the
 * control thread (the consumer: writes Ucast_Macs_Local).
 *
 * The indices are spsc.h's; the capacity is fixed, a power of two,
 * allocated once by vtep_ring_create().  A full ring never blocks the
 * producer: the event is dropped and counted (the consumer reads it; the
 * next event of the same MAC, or the next aging sweep, repairs the control
 * plane's view).
 *
 * Cost: push and pop are a handful of loads and one store each; no lock,
 * no syscall. */
#ifndef SEAM_VTEP_RING_H
#define SEAM_VTEP_RING_H 1

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <netinet/in.h>

#include "vtep/config.h"
#include "vtep/spsc.h"

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

struct vtep_ring {
    struct spsc idx;
    struct vtep_learn_event *slots;
};

/* Returns a new ring of 'capacity' slots (rounded up to a power of two,
 * at least 2); free it with vtep_ring_destroy(). */
static inline struct vtep_ring *
vtep_ring_create(uint32_t capacity)
{
    void *slots;
    struct vtep_ring *r = spsc_create(sizeof *r, capacity, sizeof *r->slots, &slots, "vtep");
    r->slots = slots;
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
    uint32_t slot;
    if (!spsc_reserve(&r->idx, &slot)) {
        return false;
    }
    r->slots[slot] = *ev;
    spsc_publish(&r->idx);
    return true;
}

/* Consumer: moves the oldest event into '*ev'.  Returns false if empty. */
static inline bool
vtep_ring_pop(struct vtep_ring *r, struct vtep_learn_event *ev)
{
    uint32_t slot;
    if (!spsc_peek(&r->idx, &slot)) {
        return false;
    }
    *ev = r->slots[slot];
    spsc_consume(&r->idx);
    return true;
}

/* Events lost so far because the ring was full (either side may read). */
static inline uint64_t
vtep_ring_drops(const struct vtep_ring *r)
{
    return spsc_drops(&r->idx);
}

#endif /* vtep/ring.h */
