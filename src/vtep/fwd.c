/* vtep fwd: building the immutable forwarding snapshot from a config, and
 * publishing it with quiescent-state based reclamation (see fwd.h). */
#include "vtep/fwd.h"

#include <sched.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

void *
vtep_fwd_table_alloc(size_t size)
{
    enum { HUGE = 2 * 1024 * 1024 };
    if (size < HUGE) {
        return xmalloc(size);
    }
    void *p;
    size = (size + HUGE - 1) / HUGE * HUGE;
    if (posix_memalign(&p, HUGE, size)) {
        util_abort("out of memory (%zu bytes of vtep table)", size);
    }
    madvise(p, size, MADV_HUGEPAGE);    /* A hint; failure is harmless. */
    return p;
}

static void
table_init(struct vtep_fwd_table *t, size_t n_keys)
{
    uint32_t cap = 16, bits = 4;
    while (cap < 2 * n_keys) {
        cap <<= 1;
        bits++;
    }
    t->entries = vtep_fwd_table_alloc(cap * sizeof *t->entries);
    for (uint32_t i = 0; i < cap; i++) {
        t->entries[i].sw = UINT32_MAX;
    }
    t->mask = cap - 1;
    t->shift = 64 - bits;
    t->n = 0;
}

/* Inserts ('sw', 'key') -> 'value' unless the key is there already (first
 * wins); returns true if inserted. */
static bool
table_insert(struct vtep_fwd_table *t, uint32_t sw, uint64_t key,
             uint32_t value)
{
    for (uint32_t i = vtep_fwd_slot_(t, key, sw); ; i = (i + 1) & t->mask) {
        struct vtep_fwd_entry *e = &t->entries[i];
        if (e->sw == UINT32_MAX) {
            e->key = key;
            e->sw = sw;
            e->value = value;
            t->n++;
            return true;
        } else if (e->key == key && e->sw == sw) {
            return false;
        }
    }
}

static uint64_t
hash_port_names(const struct vtep_config *c)
{
    uint32_t h = (uint32_t) c->n_ports;
    for (size_t i = 0; i < c->n_ports; i++) {
        h = hash_string(c->ports[i].name ? c->ports[i].name : "", h);
    }
    return ((uint64_t) c->n_ports << 32) | h;
}

struct vtep_fwd *
vtep_fwd_create(const struct vtep_config *c)
{
    struct vtep_fwd *f = xzalloc(sizeof *f);
    f->tunnel_ip = c->tunnel_ip;
    f->vxlan_port = c->vxlan_port;
    f->mac_aging_s = c->mac_aging_s;
    f->tunnel_mtu = c->tunnel_mtu;
    f->max_inner_size = c->tunnel_mtu > VXLAN_OVERHEAD_IPV4
                        ? c->tunnel_mtu - VXLAN_OVERHEAD_IPV4 : 0;
    f->n_ports = (uint32_t) c->n_ports;
    f->ports_hash = hash_port_names(c);
    f->port_ids = xcalloc(c->n_ports ? c->n_ports : 1, sizeof *f->port_ids);
    for (size_t i = 0; i < c->n_ports; i++) {
        f->port_ids[i] = c->ports[i].name ? hash_string(c->ports[i].name, 0) | 1 : 0;
    }
    size_t n_sw = MIN(c->n_switches, (size_t) VTEP_FWD_MAX_SWITCHES);
    f->n_switches = (uint32_t) n_sw;
    f->switches = xcalloc(n_sw ? n_sw : 1, sizeof *f->switches);

    /* (port, VLAN) -> switch, and each switch's local bindings. */
    f->port_vlan_sw = xmalloc((c->n_ports ? c->n_ports : 1) * VTEP_FWD_VLANS
                              * sizeof *f->port_vlan_sw);
    for (size_t i = 0; i < c->n_ports * VTEP_FWD_VLANS; i++) {
        f->port_vlan_sw[i] = VTEP_FWD_NO_SWITCH;
    }
    uint32_t *n_locals = xcalloc(n_sw ? n_sw : 1, sizeof *n_locals);
    size_t n_valid = 0;
    for (size_t i = 0; i < c->n_bindings; i++) {
        const struct vtep_binding *b = &c->bindings[i];
        if (b->port >= c->n_ports || b->sw >= n_sw || b->vlan > VTEP_VLAN_MAX) {
            continue;
        }
        uint16_t *slot = &f->port_vlan_sw[b->port * VTEP_FWD_VLANS + b->vlan];
        if (*slot == VTEP_FWD_NO_SWITCH) {
            *slot = (uint16_t) b->sw;
            n_locals[b->sw]++;
            n_valid++;
        }
    }
    f->locals = xcalloc(n_valid ? n_valid : 1, sizeof *f->locals);
    size_t ofs = 0;
    for (size_t s = 0; s < n_sw; s++) {
        f->switches[s].locals = &f->locals[ofs];
        ofs += n_locals[s];
        n_locals[s] = 0;
    }
    for (size_t p = 0; p < c->n_ports; p++) {
        for (uint16_t v = 0; v <= VTEP_VLAN_MAX; v++) {
            uint16_t s = f->port_vlan_sw[p * VTEP_FWD_VLANS + v];
            if (s != VTEP_FWD_NO_SWITCH) {
                struct vtep_fwd_switch *sw = &f->switches[s];
                struct vtep_fwd_local *l =
                    (struct vtep_fwd_local *) &sw->locals[sw->n_locals++];
                l->port = (uint32_t) p;
                l->vlan = v;
            }
        }
    }
    free(n_locals);

    /* Per switch tables. */
    size_t n_ucast = 0, n_mcast = 0, n_mcast_locs = 0, n_flood = 0, n_arp = 0;
    for (size_t s = 0; s < n_sw; s++) {
        const struct vtep_switch *sw = &c->switches[s];
        n_ucast += sw->n_ucast;
        n_mcast += sw->n_mcast;
        for (size_t i = 0; i < sw->n_mcast; i++) {
            n_mcast_locs += sw->mcast[i].n_locators;
        }
        for (size_t i = 0; i < sw->n_ucast; i++) {
            n_arp += sw->arp_suppress && sw->ucast[i].has_ip;
        }
        n_flood += sw->n_unknown_dst;
    }
    table_init(&f->vnis, n_sw);
    table_init(&f->ucast, n_ucast);
    table_init(&f->mcast, n_mcast);
    table_init(&f->arp, n_arp);
    f->mcast_sets = xcalloc(n_mcast ? n_mcast : 1, sizeof *f->mcast_sets);
    f->mcast_locators = xcalloc(n_mcast_locs ? n_mcast_locs : 1,
                                sizeof *f->mcast_locators);
    f->arp_macs = xcalloc(n_arp ? n_arp : 1, sizeof *f->arp_macs);
    f->flood_locators = xcalloc(n_flood ? n_flood : 1,
                                sizeof *f->flood_locators);
    size_t i_set = 0, i_loc = 0, i_arp = 0, i_flood = 0;
    for (size_t s = 0; s < n_sw; s++) {
        const struct vtep_switch *sw = &c->switches[s];
        struct vtep_fwd_switch *fs = &f->switches[s];
        uint32_t si = (uint32_t) s;
        fs->vni = sw->vni & VTEP_VNI_MAX;
        fs->service_node = sw->replication == VTEP_REPL_SERVICE_NODE;
        fs->arp_suppress = sw->arp_suppress;
        /* A VNI of two switches: tunnel traffic goes to the first. */
        table_insert(&f->vnis, 0, fs->vni, si);
        fs->unknown_dst = &f->flood_locators[i_flood];
        for (size_t i = 0; i < sw->n_unknown_dst; i++) {
            f->flood_locators[i_flood++] = sw->unknown_dst[i].ip;
        }
        fs->n_unknown_dst = (uint32_t) sw->n_unknown_dst;
        for (size_t i = 0; i < sw->n_ucast; i++) {
            const struct vtep_remote_mac *m = &sw->ucast[i];
            if (!m->n_locators) {
                continue;
            }
            table_insert(&f->ucast, si, eth_addr_to_u64(m->mac.ea),
                         m->locators[0].ip.s_addr);
            if (sw->arp_suppress && m->has_ip) {
                f->arp_macs[i_arp] = m->mac;
                if (table_insert(&f->arp, si, ntohl(m->ip.s_addr),
                                 (uint32_t) i_arp)) {
                    i_arp++;
                }
            }
        }
        for (size_t i = 0; i < sw->n_mcast; i++) {
            const struct vtep_remote_mac *m = &sw->mcast[i];
            f->mcast_sets[i_set].ofs = (uint32_t) i_loc;
            f->mcast_sets[i_set].n = (uint32_t) m->n_locators;
            for (size_t j = 0; j < m->n_locators; j++) {
                f->mcast_locators[i_loc++] = m->locators[j].ip;
            }
            if (table_insert(&f->mcast, si, eth_addr_to_u64(m->mac.ea),
                             (uint32_t) i_set)) {
                i_set++;
            } else {
                i_loc -= m->n_locators;
            }
        }
    }
    return f;
}

void
vtep_fwd_destroy(struct vtep_fwd *f)
{
    if (!f) {
        return;
    }
    free(f->switches);
    free(f->port_ids);
    free(f->port_vlan_sw);
    free(f->vnis.entries);
    free(f->ucast.entries);
    free(f->mcast.entries);
    free(f->arp.entries);
    free(f->mcast_sets);
    free(f->mcast_locators);
    free(f->arp_macs);
    free(f->locals);
    free(f->flood_locators);
    free(f);
}

/* ---- publication ---- */

struct vtep_fwd_publisher *
vtep_fwd_publisher_create(struct vtep_fwd *initial)
{
    struct vtep_fwd_publisher *pub = aligned_alloc(64, sizeof *pub);
    if (!pub) {
        util_abort("out of memory (vtep fwd publisher)");
    }
    memset(pub, 0, sizeof *pub);
    atomic_init(&pub->current, initial);
    pthread_mutex_init(&pub->mutex, NULL);
    for (size_t i = 0; i < VTEP_FWD_MAX_THREADS; i++) {
        atomic_init(&pub->threads[i].seq, 0);
        pub->threads[i].pub = pub;
    }
    return pub;
}

void
vtep_fwd_publisher_destroy(struct vtep_fwd_publisher *pub)
{
    if (!pub) {
        return;
    }
    for (size_t i = 0; i < pub->n_retired; i++) {
        vtep_fwd_destroy(pub->retired[i].fwd);
    }
    free(pub->retired);
    vtep_fwd_destroy(atomic_load(&pub->current));
    pthread_mutex_destroy(&pub->mutex);
    free(pub);
}

struct vtep_fwd_thread *
vtep_fwd_thread_register(struct vtep_fwd_publisher *pub)
{
    pthread_mutex_lock(&pub->mutex);
    for (size_t i = 0; i < VTEP_FWD_MAX_THREADS; i++) {
        struct vtep_fwd_thread *t = &pub->threads[i];
        if (!t->used) {
            t->used = true;
            pthread_mutex_unlock(&pub->mutex);
            vtep_fwd_thread_online(t);
            return t;
        }
    }
    util_abort("vtep fwd: more than %d datapath threads",
               VTEP_FWD_MAX_THREADS);
}

void
vtep_fwd_thread_unregister(struct vtep_fwd_thread *t)
{
    if (!t) {
        return;
    }
    vtep_fwd_thread_offline(t);
    pthread_mutex_lock(&t->pub->mutex);
    t->used = false;
    pthread_mutex_unlock(&t->pub->mutex);
}

void
vtep_fwd_publish(struct vtep_fwd_publisher *pub, struct vtep_fwd *fwd)
{
    struct vtep_fwd *old = atomic_exchange_explicit(&pub->current, fwd,
                                                    memory_order_seq_cst);
    if (old) {
        pub->retired = xgrow(pub->retired, &pub->allocated_retired,
                             pub->n_retired + 1, sizeof *pub->retired);
        struct vtep_fwd_retired *r = &pub->retired[pub->n_retired++];
        r->fwd = old;
        /* Any thread whose counter moves on from here (or that is offline
         * now) has let go of 'old'. */
        for (size_t i = 0; i < VTEP_FWD_MAX_THREADS; i++) {
            r->seqs[i] = atomic_load_explicit(&pub->threads[i].seq,
                                              memory_order_seq_cst);
        }
    }
    vtep_fwd_reclaim(pub);
}

static bool
grace_period_over(struct vtep_fwd_publisher *pub,
                  const struct vtep_fwd_retired *r)
{
    for (size_t i = 0; i < VTEP_FWD_MAX_THREADS; i++) {
        if (r->seqs[i]) {
            uint64_t now = atomic_load_explicit(&pub->threads[i].seq,
                                                memory_order_seq_cst);
            if (now == r->seqs[i]) {
                return false;
            }
        }
    }
    return true;
}

size_t
vtep_fwd_reclaim(struct vtep_fwd_publisher *pub)
{
    size_t kept = 0;
    for (size_t i = 0; i < pub->n_retired; i++) {
        if (grace_period_over(pub, &pub->retired[i])) {
            vtep_fwd_destroy(pub->retired[i].fwd);
        } else {
            pub->retired[kept++] = pub->retired[i];
        }
    }
    pub->n_retired = kept;
    return kept;
}

void
vtep_fwd_synchronize(struct vtep_fwd_publisher *pub)
{
    while (vtep_fwd_reclaim(pub)) {
        sched_yield();
    }
}
