/* lldp_ring: a single-producer single-consumer lock-free ring of whole
 * frames between seam-vtep's datapath thread and its control thread, one
 * per direction: LLDPDUs received on the ports (datapath -> control) and
 * LLDPDUs to send (control -> datapath).
 *
 * The indices are spsc.h's, as ring.h's; the slots are big enough for a
 * frame (LLDP_FRAME_MAX), so nothing is allocated after creation.  A full
 * ring never blocks the producer: the frame is dropped and counted; LLDP
 * repeats itself every interval, so a lost LLDPDU costs one interval at
 * worst.
 *
 * Cost: a push copies the frame (at most 1514 bytes; LLDP is one frame per
 * neighbour per interval); a pop lends the slot until lldp_ring_consume(). */
#ifndef SEAM_VTEP_LLDP_RING_H
#define SEAM_VTEP_LLDP_RING_H 1

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vtep/lldp.h"
#include "vtep/spsc.h"

struct lldp_ring_slot {
    uint32_t port;                      /* Port slot (dp.h). */
    uint32_t size;                      /* Bytes of 'data'. */
    uint8_t data[LLDP_FRAME_MAX];
};

struct lldp_ring {
    struct spsc idx;                    /* Its drops: frames lost to a full
                                         * ring or too big for a slot. */
    struct lldp_ring_slot *slots;
};

/* Returns a new ring of 'capacity' slots (rounded up to a power of two, at
 * least 2); free it with lldp_ring_destroy(). */
static inline struct lldp_ring *
lldp_ring_create(uint32_t capacity)
{
    void *slots;
    struct lldp_ring *r = spsc_create(sizeof *r, capacity, sizeof *r->slots, &slots, "lldp");
    r->slots = slots;
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
lldp_ring_push(struct lldp_ring *r, uint32_t port, const void *data, size_t size)
{
    uint32_t slot;
    if (size > LLDP_FRAME_MAX) {
        spsc_drop(&r->idx);
        return false;
    }
    if (!spsc_reserve(&r->idx, &slot)) {
        return false;
    }
    struct lldp_ring_slot *s = &r->slots[slot];
    s->port = port;
    s->size = (uint32_t) size;
    memcpy(s->data, data, size);
    spsc_publish(&r->idx);
    return true;
}

/* Consumer: the oldest frame (borrowed: valid until lldp_ring_consume()),
 * or NULL if the ring is empty. */
static inline const struct lldp_ring_slot *
lldp_ring_peek(struct lldp_ring *r)
{
    uint32_t slot;
    return spsc_peek(&r->idx, &slot) ? &r->slots[slot] : NULL;
}

/* Consumer: gives back the slot lldp_ring_peek() returned. */
static inline void
lldp_ring_consume(struct lldp_ring *r)
{
    spsc_consume(&r->idx);
}

/* Whether the ring holds a frame (either side may ask). */
static inline bool
lldp_ring_is_empty(const struct lldp_ring *r)
{
    return spsc_is_empty(&r->idx);
}

/* Frames lost so far (either side may read). */
static inline uint64_t
lldp_ring_drops(const struct lldp_ring *r)
{
    return spsc_drops(&r->idx);
}

#endif /* vtep/lldp_ring.h */
