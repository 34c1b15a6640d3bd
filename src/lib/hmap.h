/* hmap: an intrusive hash map (after Open vSwitch lib/hmap.h).
 *
 * The element embeds a 'struct hmap_node'; the map never allocates per
 * element, only its bucket array, which doubles when the map holds more
 * than two elements per bucket and halves when it holds far fewer.
 * The caller computes the hash and compares keys while walking a bucket:
 *
 *     HMAP_FOR_EACH_WITH_HASH (row, hmap_node, uuid_hash(&u), &table->rows) {
 *         if (uuid_equals(&row->uuid, &u)) { return row; }
 *     }
 *
 * Costs: insert O(1) amortized, remove O(1) (walks one bucket), lookup
 * O(1) expected.  Not thread-safe. */
#ifndef SEAM_HMAP_H
#define SEAM_HMAP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util.h"

struct hmap_node {
    uint32_t hash;
    struct hmap_node *next;
};

struct hmap {
    struct hmap_node **buckets;
    struct hmap_node *one;      /* Storage for 'buckets' when mask == 0. */
    size_t mask;                /* Number of buckets minus one. */
    size_t n;                   /* Number of elements. */
};

#define HMAP_INITIALIZER(H) { &(H)->one, NULL, 0, 0 }

void hmap_init(struct hmap *);
void hmap_destroy(struct hmap *);   /* Frees buckets, not elements. */
void hmap_clear(struct hmap *);     /* Forgets every element. */
void hmap_swap(struct hmap *, struct hmap *);
void hmap_reserve(struct hmap *, size_t n);
void hmap_expand_(struct hmap *);
void hmap_shrink_(struct hmap *);

static inline size_t hmap_count(const struct hmap *h) { return h->n; }
static inline bool hmap_is_empty(const struct hmap *h) { return h->n == 0; }

static inline void
hmap_insert_fast(struct hmap *h, struct hmap_node *node, uint32_t hash)
{
    struct hmap_node **bucket = &h->buckets[hash & h->mask];
    node->hash = hash;
    node->next = *bucket;
    *bucket = node;
    h->n++;
}

static inline void
hmap_insert(struct hmap *h, struct hmap_node *node, uint32_t hash)
{
    hmap_insert_fast(h, node, hash);
    if (h->n / 2 > h->mask) {
        hmap_expand_(h);
    }
}

static inline void
hmap_remove(struct hmap *h, struct hmap_node *node)
{
    struct hmap_node **bucket = &h->buckets[node->hash & h->mask];
    while (*bucket != node) {
        bucket = &(*bucket)->next;
    }
    *bucket = node->next;
    h->n--;
    if (h->mask > 64 && h->n < h->mask / 8) {
        hmap_shrink_(h);
    }
}

/* Puts 'new_node' in the place of 'old_node' (same hash), in O(1) when
 * 'old_node' heads its bucket. */
static inline void
hmap_replace(struct hmap *h, const struct hmap_node *old_node,
             struct hmap_node *new_node)
{
    struct hmap_node **bucket = &h->buckets[old_node->hash & h->mask];
    while (*bucket != old_node) {
        bucket = &(*bucket)->next;
    }
    new_node->hash = old_node->hash;
    new_node->next = old_node->next;
    *bucket = new_node;
}

/* First node in the bucket for 'hash' (possibly of another hash). */
static inline struct hmap_node *
hmap_first_in_bucket_(const struct hmap *h, uint32_t hash)
{
    struct hmap_node *node = h->buckets[hash & h->mask];
    while (node && node->hash != hash) {
        node = node->next;
    }
    return node;
}

static inline struct hmap_node *
hmap_next_with_hash_(const struct hmap_node *node)
{
    uint32_t hash = node->hash;
    for (node = node->next; node && node->hash != hash; node = node->next) {
        continue;
    }
    return (struct hmap_node *) node;
}

struct hmap_node *hmap_first(const struct hmap *);
struct hmap_node *hmap_next(const struct hmap *, const struct hmap_node *);

#define HMAP_NODE_TO_(NODE, OBJ, MEMBER) \
    ((NODE) ? container_of(NODE, __typeof__(*(OBJ)), MEMBER) : NULL)

#define HMAP_FOR_EACH_WITH_HASH(OBJ, MEMBER, HASH, HMAP)                     \
    for (struct hmap_node *n_##OBJ = hmap_first_in_bucket_(HMAP, HASH);      \
         ((OBJ) = HMAP_NODE_TO_(n_##OBJ, OBJ, MEMBER)) != NULL;              \
         n_##OBJ = hmap_next_with_hash_(n_##OBJ))

/* Safe against removal of 'OBJ' (and only 'OBJ') during the walk. */
#define HMAP_FOR_EACH(OBJ, MEMBER, HMAP)                                     \
    for (struct hmap_node *n_##OBJ = hmap_first(HMAP),                       \
             *nx_##OBJ = n_##OBJ ? hmap_next(HMAP, n_##OBJ) : NULL;          \
         ((OBJ) = HMAP_NODE_TO_(n_##OBJ, OBJ, MEMBER)) != NULL;              \
         n_##OBJ = nx_##OBJ,                                                 \
             nx_##OBJ = n_##OBJ ? hmap_next(HMAP, n_##OBJ) : NULL)

/* Removes and returns some node of 'h', looking from bucket '*bucket' on
 * (which it advances), without shrinking, so that emptying a map is O(n);
 * NULL when 'h' is empty. */
static inline struct hmap_node *
hmap_pop_helper_(struct hmap *h, size_t *bucket)
{
    for (; *bucket <= h->mask; (*bucket)++) {
        struct hmap_node *node = h->buckets[*bucket];
        if (node) {
            h->buckets[*bucket] = node->next;
            h->n--;
            return node;
        }
    }
    return NULL;
}

/* Removes each element from 'HMAP' as it is visited (for teardown). */
#define HMAP_FOR_EACH_POP(OBJ, MEMBER, HMAP)                                 \
    for (struct { size_t bucket; struct hmap_node *node; } p_##OBJ = { 0, NULL }; \
         (p_##OBJ.node = hmap_pop_helper_(HMAP, &p_##OBJ.bucket)) != NULL    \
         && ((OBJ) = container_of(p_##OBJ.node, __typeof__(*(OBJ)), MEMBER), 1); )

#endif /* hmap.h */
