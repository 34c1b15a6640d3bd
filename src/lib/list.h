/* list: an intrusive, circular, doubly linked list (after OVS lib/list.h).
 * O(1) insert and remove; the element embeds a 'struct list'. */
#ifndef SEAM_LIST_H
#define SEAM_LIST_H 1

#include <stdbool.h>
#include <stddef.h>
#include "util.h"

struct list {
    struct list *prev, *next;
};

#define LIST_INITIALIZER(L) { L, L }

static inline void list_init(struct list *l) { l->prev = l->next = l; }
static inline bool list_is_empty(const struct list *l) { return l->next == l; }

static inline void
list_insert(struct list *before, struct list *elem)
{
    elem->prev = before->prev;
    elem->next = before;
    before->prev->next = elem;
    before->prev = elem;
}

static inline void list_push_back(struct list *l, struct list *e) { list_insert(l, e); }
static inline void list_push_front(struct list *l, struct list *e) { list_insert(l->next, e); }

static inline struct list *
list_remove(struct list *elem)
{
    elem->prev->next = elem->next;
    elem->next->prev = elem->prev;
    return elem->next;
}

static inline struct list *
list_pop_front(struct list *l)
{
    struct list *front = l->next;
    list_remove(front);
    return front;
}

static inline size_t
list_size(const struct list *l)
{
    size_t n = 0;
    for (const struct list *e = l->next; e != l; e = e->next) {
        n++;
    }
    return n;
}

#define LIST_ENTRY_(NODE, OBJ, MEMBER) container_of(NODE, __typeof__(*(OBJ)), MEMBER)

/* Safe against removal of 'OBJ' during the walk. */
#define LIST_FOR_EACH(OBJ, MEMBER, LIST)                                     \
    for (struct list *l_##OBJ = (LIST)->next, *lx_##OBJ = l_##OBJ->next;     \
         l_##OBJ != (LIST) && ((OBJ) = LIST_ENTRY_(l_##OBJ, OBJ, MEMBER), 1); \
         l_##OBJ = lx_##OBJ, lx_##OBJ = l_##OBJ->next)

#define LIST_FOR_EACH_POP(OBJ, MEMBER, LIST)                                 \
    while (!list_is_empty(LIST)                                              \
           && ((OBJ) = LIST_ENTRY_(list_pop_front(LIST), OBJ, MEMBER), 1))

#endif /* list.h */
