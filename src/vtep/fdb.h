/* vtep fdb: the MACs one datapath thread has learned on its local ports,
 * as (VNI, MAC) -> (port, VLAN, last seen, ARP IP).
 *
 * Mutable state private to one datapath thread (never in the shared
 * snapshot, never locked).  An open-addressed linear-probing table of
 * 32-byte entries, a power of two at least twice 'max_entries', allocated
 * once; deletion shifts the following entries back (no tombstones).
 * Keyed by VNI rather than switch index because the VNI of a switch stays
 * the same across config snapshots; a port index can change meaning (a
 * tap gone, another in its slot), so the pipeline forgets the entries of
 * the ports whose name changed (reporting them aged).
 *
 * Aging is an incremental sweep: vtep_fdb_age() visits a bounded number of
 * slots per call from a cursor, so a datapath thread can run it between
 * bursts without a latency spike. */
#ifndef SEAM_VTEP_FDB_H
#define SEAM_VTEP_FDB_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vtep_fdb_entry {
    uint64_t mac;                       /* eth_addr_to_u64(); */
    uint64_t last_seen_ms;
    uint32_t vni;                       /* UINT32_MAX: empty slot. */
    uint32_t port;
    uint32_t ip;                        /* ARP sender IPv4, network order;
                                         * 0 = none seen. */
    uint16_t vlan;
};

struct vtep_fdb {
    struct vtep_fdb_entry *entries;
    uint32_t mask, shift;
    uint32_t n, max_n;
    uint32_t cursor;                    /* Aging sweep position. */
};

enum vtep_fdb_result {
    VTEP_FDB_REFRESHED,                 /* Known, same place: time updated. */
    VTEP_FDB_NEW,
    VTEP_FDB_MOVED,                     /* Known, on another port/VLAN. */
    VTEP_FDB_NEW_IP,                    /* Known, same place, new ARP IP. */
    VTEP_FDB_FULL                       /* Not learned: table full. */
};

/* Returns a new table for up to 'max_entries' MACs; free it with
 * vtep_fdb_destroy() (NULL is a no-op). */
struct vtep_fdb *vtep_fdb_create(uint32_t max_entries)
    __attribute__((warn_unused_result));
void vtep_fdb_destroy(struct vtep_fdb *);

/* Forgets every entry. */
void vtep_fdb_flush(struct vtep_fdb *);

static inline uint32_t
vtep_fdb_slot_(const struct vtep_fdb *fdb, uint32_t vni, uint64_t mac)
{
    uint64_t h = (mac ^ ((uint64_t) vni << 40)) * 0x9e3779b97f4a7c15ULL;
    return (uint32_t) (h >> fdb->shift) & fdb->mask;
}

/* Returns the entry of ('vni', 'mac') or NULL; borrowed until the next
 * change to the table. */
static inline struct vtep_fdb_entry *
vtep_fdb_lookup(const struct vtep_fdb *fdb, uint32_t vni, uint64_t mac)
{
    for (uint32_t i = vtep_fdb_slot_(fdb, vni, mac); ;
         i = (i + 1) & fdb->mask) {
        struct vtep_fdb_entry *e = &fdb->entries[i];
        if (e->vni == UINT32_MAX) {
            return NULL;
        } else if (e->mac == mac && e->vni == vni) {
            return e;
        }
    }
}

/* Learns that 'mac' of 'vni' is behind ('port', 'vlan') at 'now_ms', with
 * ARP sender address 'ip' (network order, 0 if the frame was not ARP).
 * Says what changed. */
enum vtep_fdb_result vtep_fdb_learn(struct vtep_fdb *, uint32_t vni,
                                    uint64_t mac, uint32_t port,
                                    uint16_t vlan, uint32_t ip,
                                    uint64_t now_ms);

/* Removes the entry of ('vni', 'mac'); false if there was none. */
bool vtep_fdb_remove(struct vtep_fdb *, uint32_t vni, uint64_t mac);

/* Called for each entry vtep_fdb_age() removes, before it goes. */
typedef void vtep_fdb_aged_cb(void *aux, const struct vtep_fdb_entry *);

/* Visits up to 'budget' slots (at most one sweep) from the cursor and removes entries not
 * seen for 'max_age_ms' or more at 'now_ms', calling 'cb' for each.
 * Returns the number removed. */
size_t vtep_fdb_age(struct vtep_fdb *, uint64_t now_ms, uint64_t max_age_ms,
                    size_t budget, vtep_fdb_aged_cb *cb, void *aux);

/* Removes every entry for which 'pred' returns true, calling 'cb' (may be
 * NULL) for each before it goes; one full sweep.  Returns the number
 * removed. */
size_t vtep_fdb_remove_if(struct vtep_fdb *,
                          bool (*pred)(void *aux, const struct vtep_fdb_entry *),
                          vtep_fdb_aged_cb *cb, void *aux);

/* Capacity in slots (for a full sweep: vtep_fdb_age(..., slots, ...)). */
static inline size_t
vtep_fdb_slots(const struct vtep_fdb *fdb)
{
    return (size_t) fdb->mask + 1;
}

#endif /* vtep/fdb.h */
