/* vtep fwd: the forwarding snapshot of seam-vtep's datapath, and how it is
 * published to datapath threads.
 *
 * A 'struct vtep_fwd' is built from a 'struct vtep_config' (config.h) by
 * vtep_fwd_create(), which copies what it needs: afterwards it is immutable
 * and shared by every datapath thread without locks.  It holds
 *   - (port, VLAN) -> logical switch: a direct array of n_ports x 4096;
 *   - VNI -> switch, and per switch (MAC) -> remote locator (unicast), (MAC)
 *     -> locator set (multicast), (IPv4) -> MAC (ARP suppression): open-
 *     addressed linear-probing tables of 16-byte entries, sized to a power
 *     of two at least twice the number of keys (100,000 remote MACs: 4 MiB),
 *     no allocation per entry;
 *   - per switch, the flood lists: its local bindings and its unknown-dst
 *     locators (every one for source-node replication; one of them, chosen
 *     by the flow hash, for service-node replication).
 *
 * Publication (after Open vSwitch's ovs-rcu, as quiescent-state based
 * reclamation): the control thread (one writer) vtep_fwd_publish()es a new
 * snapshot behind an atomic pointer; each datapath thread registers once,
 * reads the pointer with vtep_fwd_get() at the start of a burst and calls
 * vtep_fwd_quiesce() when it holds no snapshot pointer any more (after the
 * burst), or goes offline (vtep_fwd_thread_offline()) before it blocks.  An
 * old snapshot is freed once every registered thread has quiesced or been
 * offline since it was replaced.  Readers never wait; the writer waits only
 * in vtep_fwd_synchronize(). */
#ifndef SEAM_VTEP_FWD_H
#define SEAM_VTEP_FWD_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <pthread.h>

#include "vtep/config.h"
#include "vtep/pkt.h"

#define VTEP_FWD_NO_SWITCH UINT16_MAX   /* port_vlan_sw[]: unbound. */
#define VTEP_FWD_MAX_SWITCHES (UINT16_MAX - 1)
#define VTEP_FWD_VLANS 4096             /* port_vlan_sw[] row length. */

/* A local binding: out this port with this VLAN (0 = untagged). */
struct vtep_fwd_local {
    uint32_t port;
    uint16_t vlan;
};

struct vtep_fwd_switch {
    uint32_t vni;
    bool service_node;                  /* Replication: one service node. */
    bool arp_suppress;
    const struct vtep_fwd_local *locals;
    uint32_t n_locals;
    const struct in_addr *unknown_dst;  /* Flood locators (network order). */
    uint32_t n_unknown_dst;
};

/* An entry of the lookup tables: 'sw' == UINT32_MAX marks an empty slot. */
struct vtep_fwd_entry {
    uint64_t key;                       /* MAC (eth_addr_to_u64), VNI or IPv4
                                         * address (host order). */
    uint32_t sw;                        /* Switch index. */
    uint32_t value;                     /* What the table maps to. */
};

struct vtep_fwd_table {
    struct vtep_fwd_entry *entries;
    uint32_t mask;                      /* Capacity - 1 (power of two). */
    uint32_t shift;                     /* 64 - log2(capacity). */
    uint32_t n;                         /* Keys held. */
};

/* A locator set of a multicast MAC: mcast_locators[ofs .. ofs + n). */
struct vtep_fwd_set {
    uint32_t ofs;
    uint32_t n;
};

struct vtep_fwd {
    struct in_addr tunnel_ip;
    uint16_t vxlan_port;                /* Host order. */
    uint32_t mac_aging_s;
    uint32_t tunnel_mtu;                /* Underlay IPv4 MTU, bytes. */
    uint32_t max_inner_size;            /* tunnel_mtu - 36: longest inner
                                         * Ethernet frame a tunnel takes. */
    uint32_t n_ports;
    uint64_t ports_hash;                /* Of the port names, in order: a
                                         * change says to compare
                                         * 'port_ids'. */
    uint32_t *port_ids;                 /* [port]: a hash of its name, never
                                         * 0; 0 for a free slot.  Learned
                                         * MACs of a port whose id changed
                                         * are forgotten. */
    uint32_t n_switches;
    struct vtep_fwd_switch *switches;
    uint16_t *port_vlan_sw;             /* [port * 4096 + vlan] -> switch. */
    struct vtep_fwd_table vnis;         /* VNI -> switch (value unused). */
    struct vtep_fwd_table ucast;        /* (sw, MAC) -> locator IPv4 address
                                         * (network order s_addr). */
    struct vtep_fwd_table mcast;        /* (sw, MAC) -> index in mcast_sets. */
    struct vtep_fwd_table arp;          /* (sw, IPv4) -> index in arp_macs. */
    struct vtep_fwd_set *mcast_sets;
    struct in_addr *mcast_locators;
    struct eth_addr *arp_macs;
    /* Backing storage of the switches' lists. */
    struct vtep_fwd_local *locals;
    struct in_addr *flood_locators;
};

/* Returns a new snapshot of 'config' (copied: 'config' may be destroyed at
 * once); free it with vtep_fwd_destroy().  Bindings that name a missing port
 * or switch, VLANs above 4094 and switches beyond 65534 are skipped; of two
 * bindings of one (port, VLAN), or two entries of one key, the first wins. */
struct vtep_fwd *vtep_fwd_create(const struct vtep_config *config)
    __attribute__((warn_unused_result));

/* Frees 'fwd' (NULL is a no-op).  Only for snapshots that were never
 * published, or through the publisher's reclamation. */
void vtep_fwd_destroy(struct vtep_fwd *fwd);

/* Returns new memory of 'size' bytes for a lookup table (free it with
 * free()): 2 MiB aligned and advised as huge pages when that large, so that
 * random lookups in a 100,000-entry table do not each miss the TLB. */
void *vtep_fwd_table_alloc(size_t size) __attribute__((malloc));

/* ---- lookups (inline: the datapath's inner loop) ---- */

static inline uint32_t
vtep_fwd_slot_(const struct vtep_fwd_table *t, uint64_t key, uint32_t sw)
{
    uint64_t h = (key ^ ((uint64_t) sw << 48) ^ ((uint64_t) sw >> 16))
                 * 0x9e3779b97f4a7c15ULL;
    return (uint32_t) (h >> t->shift) & t->mask;
}

/* Returns the entry of ('sw', 'key') in 't', or NULL. */
static inline const struct vtep_fwd_entry *
vtep_fwd_table_find(const struct vtep_fwd_table *t, uint32_t sw, uint64_t key)
{
    for (uint32_t i = vtep_fwd_slot_(t, key, sw); ; i = (i + 1) & t->mask) {
        const struct vtep_fwd_entry *e = &t->entries[i];
        if (e->sw == UINT32_MAX) {
            return NULL;
        } else if (e->key == key && e->sw == sw) {
            return e;
        }
    }
}

/* Returns the switch bound to ('port', 'vlan'), or VTEP_FWD_NO_SWITCH.
 * 'port' may be out of range; 'vlan' must be below 4096. */
static inline uint32_t
vtep_fwd_lookup_binding(const struct vtep_fwd *fwd, uint32_t port,
                        uint16_t vlan)
{
    if (port >= fwd->n_ports) {
        return VTEP_FWD_NO_SWITCH;
    }
    return fwd->port_vlan_sw[(size_t) port * VTEP_FWD_VLANS + vlan];
}

/* Returns the switch of 'vni', or VTEP_FWD_NO_SWITCH. */
static inline uint32_t
vtep_fwd_lookup_vni(const struct vtep_fwd *fwd, uint32_t vni)
{
    const struct vtep_fwd_entry *e = vtep_fwd_table_find(&fwd->vnis, 0, vni);
    return e ? e->value : VTEP_FWD_NO_SWITCH;
}

/* ---- publication (QSBR) ---- */

#define VTEP_FWD_MAX_THREADS 32

/* One registered datapath thread: its quiescent-state counter, on a cache
 * line of its own.  0 = offline (holds no snapshot pointer). */
struct vtep_fwd_thread {
    _Alignas(64) _Atomic uint64_t seq;
    uint64_t next;                      /* Owner's private counter. */
    bool used;                          /* Slot taken (under the mutex). */
    struct vtep_fwd_publisher *pub;
};

struct vtep_fwd_retired {
    struct vtep_fwd *fwd;
    uint64_t seqs[VTEP_FWD_MAX_THREADS];    /* Counters when retired. */
};

struct vtep_fwd_publisher {
    _Alignas(64) _Atomic(struct vtep_fwd *) current;
    pthread_mutex_t mutex;              /* Thread registry only. */
    struct vtep_fwd_retired *retired;   /* Writer's: awaiting grace. */
    size_t n_retired, allocated_retired;
    struct vtep_fwd_thread threads[VTEP_FWD_MAX_THREADS];
};

/* Returns a new publisher holding 'initial' (may be NULL: no snapshot yet;
 * takes ownership); free it with vtep_fwd_publisher_destroy(). */
struct vtep_fwd_publisher *vtep_fwd_publisher_create(struct vtep_fwd *initial)
    __attribute__((warn_unused_result));

/* Frees 'pub', its current and retired snapshots.  Every thread must have
 * unregistered.  NULL is a no-op. */
void vtep_fwd_publisher_destroy(struct vtep_fwd_publisher *pub);

/* Registers the calling datapath thread, online; returns its handle (aborts
 * past VTEP_FWD_MAX_THREADS).  Valid until vtep_fwd_thread_unregister(). */
struct vtep_fwd_thread *vtep_fwd_thread_register(struct vtep_fwd_publisher *);
void vtep_fwd_thread_unregister(struct vtep_fwd_thread *);

/* Datapath: the current snapshot (NULL if none), borrowed until the calling
 * thread's next quiescent point or offline period. */
static inline const struct vtep_fwd *
vtep_fwd_get(const struct vtep_fwd_publisher *pub)
{
    return atomic_load_explicit(
        &((struct vtep_fwd_publisher *) pub)->current, memory_order_acquire);
}

/* Datapath: the calling thread holds no snapshot pointer from here on.
 * The store is sequentially consistent so that the next vtep_fwd_get() is
 * not reordered before it (one fence per burst). */
static inline void
vtep_fwd_quiesce(struct vtep_fwd_thread *t)
{
    atomic_store_explicit(&t->seq, ++t->next, memory_order_seq_cst);
}

/* Datapath: before blocking (poll), and back after. */
static inline void
vtep_fwd_thread_offline(struct vtep_fwd_thread *t)
{
    atomic_store_explicit(&t->seq, 0, memory_order_seq_cst);
}

static inline void
vtep_fwd_thread_online(struct vtep_fwd_thread *t)
{
    vtep_fwd_quiesce(t);
}

/* Writer (one control thread): makes 'fwd' current (takes ownership; NULL
 * allowed) and retires the previous snapshot, then frees whatever retired
 * snapshots are past their grace period.  Never blocks. */
void vtep_fwd_publish(struct vtep_fwd_publisher *, struct vtep_fwd *fwd);

/* Writer: frees the retired snapshots that every registered thread has
 * quiesced past; returns how many remain. */
size_t vtep_fwd_reclaim(struct vtep_fwd_publisher *);

/* Writer: waits (yielding the CPU) until every retired snapshot is freed.
 * Datapath threads must keep quiescing or be offline. */
void vtep_fwd_synchronize(struct vtep_fwd_publisher *);

#endif /* vtep/fwd.h */
