/* vtep fdb: learned local MACs of one datapath thread (see fdb.h). */
#include "vtep/fdb.h"

#include <stdlib.h>

#include "lib/util.h"
#include "vtep/fwd.h"

struct vtep_fdb *
vtep_fdb_create(uint32_t max_entries)
{
    struct vtep_fdb *fdb = xzalloc(sizeof *fdb);
    uint32_t cap = 16, bits = 4;
    while (cap < 2 * (uint64_t) max_entries) {
        cap <<= 1;
        bits++;
    }
    fdb->entries = vtep_fwd_table_alloc(cap * sizeof *fdb->entries);
    fdb->mask = cap - 1;
    fdb->shift = 64 - bits;
    fdb->max_n = max_entries;
    vtep_fdb_flush(fdb);
    return fdb;
}

void
vtep_fdb_destroy(struct vtep_fdb *fdb)
{
    if (fdb) {
        free(fdb->entries);
        free(fdb);
    }
}

void
vtep_fdb_flush(struct vtep_fdb *fdb)
{
    for (uint32_t i = 0; i <= fdb->mask; i++) {
        fdb->entries[i].vni = UINT32_MAX;
    }
    fdb->n = 0;
    fdb->cursor = 0;
}

enum vtep_fdb_result
vtep_fdb_learn(struct vtep_fdb *fdb, uint32_t vni, uint64_t mac,
               uint32_t port, uint16_t vlan, uint32_t ip, uint64_t now_ms)
{
    uint32_t i;
    for (i = vtep_fdb_slot_(fdb, vni, mac); ; i = (i + 1) & fdb->mask) {
        struct vtep_fdb_entry *e = &fdb->entries[i];
        if (e->vni == UINT32_MAX) {
            break;
        } else if (e->mac == mac && e->vni == vni) {
            e->last_seen_ms = now_ms;
            if (e->port != port || e->vlan != vlan) {
                e->port = port;
                e->vlan = vlan;
                e->ip = ip;
                return VTEP_FDB_MOVED;
            } else if (ip && e->ip != ip) {
                e->ip = ip;
                return VTEP_FDB_NEW_IP;
            }
            return VTEP_FDB_REFRESHED;
        }
    }
    if (fdb->n >= fdb->max_n) {
        return VTEP_FDB_FULL;
    }
    struct vtep_fdb_entry *e = &fdb->entries[i];
    e->mac = mac;
    e->vni = vni;
    e->port = port;
    e->vlan = vlan;
    e->ip = ip;
    e->last_seen_ms = now_ms;
    fdb->n++;
    return VTEP_FDB_NEW;
}

/* Empties slot 'i' and shifts back the entries that probed past it. */
static void
remove_slot(struct vtep_fdb *fdb, uint32_t i)
{
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & fdb->mask;
        struct vtep_fdb_entry *e = &fdb->entries[j];
        if (e->vni == UINT32_MAX) {
            break;
        }
        uint32_t home = vtep_fdb_slot_(fdb, e->vni, e->mac);
        /* 'e' may move to 'i' unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j)
                            : (home > i || home <= j);
        if (!stays) {
            fdb->entries[i] = *e;
            i = j;
        }
    }
    fdb->entries[i].vni = UINT32_MAX;
    fdb->n--;
}

bool
vtep_fdb_remove(struct vtep_fdb *fdb, uint32_t vni, uint64_t mac)
{
    struct vtep_fdb_entry *e = vtep_fdb_lookup(fdb, vni, mac);
    if (!e) {
        return false;
    }
    remove_slot(fdb, (uint32_t) (e - fdb->entries));
    return true;
}

size_t
vtep_fdb_age(struct vtep_fdb *fdb, uint64_t now_ms, uint64_t max_age_ms,
             size_t budget, vtep_fdb_aged_cb *cb, void *aux)
{
    size_t removed = 0;
    budget = MIN(budget, vtep_fdb_slots(fdb));
    for (size_t visited = 0; visited < budget && fdb->n; ) {
        uint32_t i = fdb->cursor;
        struct vtep_fdb_entry *e = &fdb->entries[i];
        if (e->vni != UINT32_MAX && now_ms >= e->last_seen_ms
            && now_ms - e->last_seen_ms >= max_age_ms) {
            if (cb) {
                cb(aux, e);
            }
            remove_slot(fdb, i);
            removed++;
            /* Another entry may have shifted into slot 'i': visit it. */
            continue;
        }
        fdb->cursor = (i + 1) & fdb->mask;
        visited++;
    }
    return removed;
}

size_t
vtep_fdb_remove_if(struct vtep_fdb *fdb,
                   bool (*pred)(void *aux, const struct vtep_fdb_entry *),
                   vtep_fdb_aged_cb *cb, void *aux)
{
    size_t removed = 0;
    /* A removal shifts the following entries back by one: look at the same
     * slot again.  An entry that wraps around to the end is looked at
     * twice, which is harmless. */
    for (size_t i = 0; i < vtep_fdb_slots(fdb) && fdb->n; ) {
        struct vtep_fdb_entry *e = &fdb->entries[i];
        if (e->vni != UINT32_MAX && pred(aux, e)) {
            if (cb) {
                cb(aux, e);
            }
            remove_slot(fdb, (uint32_t) i);
            removed++;
            continue;
        }
        i++;
    }
    return removed;
}
