/* hmap: see hmap.h. */
#include "hmap.h"

#include <stdlib.h>
#include <string.h>

void
hmap_init(struct hmap *h)
{
    h->buckets = &h->one;
    h->one = NULL;
    h->mask = 0;
    h->n = 0;
}

void
hmap_destroy(struct hmap *h)
{
    if (h && h->buckets != &h->one) {
        free(h->buckets);
    }
}

void
hmap_clear(struct hmap *h)
{
    if (h->n) {
        h->n = 0;
        memset(h->buckets, 0, (h->mask + 1) * sizeof *h->buckets);
    }
}

void
hmap_swap(struct hmap *a, struct hmap *b)
{
    struct hmap tmp = *a;
    *a = *b;
    *b = tmp;
    if (a->buckets == &b->one) {
        a->buckets = &a->one;
    }
    if (b->buckets == &a->one) {
        b->buckets = &b->one;
    }
}

static void
resize(struct hmap *h, size_t new_mask)
{
    struct hmap tmp;
    tmp.mask = new_mask;
    tmp.n = 0;
    if (new_mask) {
        tmp.buckets = xcalloc(new_mask + 1, sizeof *tmp.buckets);
    } else {
        tmp.buckets = &tmp.one;
        tmp.one = NULL;
    }
    for (size_t i = 0; i <= h->mask; i++) {
        struct hmap_node *node, *next;
        for (node = h->buckets[i]; node; node = next) {
            next = node->next;
            hmap_insert_fast(&tmp, node, node->hash);
        }
    }
    hmap_destroy(h);
    *h = tmp;
    if (h->buckets == &tmp.one) {
        h->buckets = &h->one;
    }
}

static size_t
calc_mask(size_t capacity)
{
    size_t mask = capacity / 2;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    return mask;
}

void hmap_expand_(struct hmap *h) { resize(h, calc_mask(h->n)); }
void hmap_shrink_(struct hmap *h) { resize(h, calc_mask(h->n)); }

void
hmap_reserve(struct hmap *h, size_t n)
{
    size_t mask = calc_mask(n);
    if (mask > h->mask) {
        resize(h, mask);
    }
}

static struct hmap_node *
first_from(const struct hmap *h, size_t start)
{
    for (size_t i = start; i <= h->mask; i++) {
        if (h->buckets[i]) {
            return h->buckets[i];
        }
    }
    return NULL;
}

struct hmap_node *
hmap_first(const struct hmap *h)
{
    return first_from(h, 0);
}

struct hmap_node *
hmap_next(const struct hmap *h, const struct hmap_node *node)
{
    return node->next ? node->next : first_from(h, (node->hash & h->mask) + 1);
}
