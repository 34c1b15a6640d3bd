/* vtep pipeline: the forwarding core (see pipeline.h for the rules).
 *
 * A frame is looked at once, at the edge, and reduced to a "view": the 12
 * MAC bytes, the rest from the ethertype on (tag excluded), and where it
 * sits in its buffer.  Every output version of the frame is one of
 *   VARIANT_VXLAN: VXLAN header + MACs + rest;
 *   VLAN v (0..4094): MACs [+ tag v, unless 0] + rest;
 * and is produced either without writing (the version is a subrange of
 * the input: same tag as received, or a decapsulated frame for an untagged
 * binding), or in place in the input buffer (at most one version per frame,
 * done last, only if no unwritten version is in use), or as a copy in a
 * pool buffer, shared by the actions that need the same version. */
#include "vtep/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "vtep/fdb.h"
#include "vtep/fwd.h"
#include "vtep/pkt.h"
#include "vtep/ring.h"

#define VARIANT_VXLAN (-1)
#define VARIANT_CACHE 16                /* Distinct copies remembered. */

struct vtep_pipeline {
    /* Hot, owner-only. */
    _Alignas(64) struct vtep_pipeline_stats stats;
    _Alignas(64) struct vtep_fwd_publisher *pub;
    struct vtep_fwd_thread *thread;
    struct vtep_fdb *fdb;
    struct vtep_ring *ring;
    uint64_t now_ms;
    uint64_t ports_hash;                /* Of the snapshot last used. */
    bool have_ports_hash;
    uint32_t *port_ids;                 /* Its port_ids (fwd.h). */
    uint32_t n_ports;
};

/* A validated frame. */
struct view {
    uint8_t *buf;                       /* Start of the input bytes. */
    uint32_t size;
    uint8_t *macs;                      /* dst, src. */
    uint8_t *rest;                      /* From the ethertype on. */
    uint32_t rest_len;
    bool tagged;                        /* Port ingress: one 802.1Q tag. */
    bool from_tunnel;                   /* 'buf' starts with VXLAN header. */
    uint16_t tci;                       /* Received TCI if tagged. */
    uint32_t hash;                      /* Flow hash, if 'hashed'. */
    bool hashed;
    uint16_t frame;                     /* Index in the burst. */
};

/* What a flood or unicast sends to. */
struct targets {
    const struct vtep_fwd_local *locals;
    uint32_t n_locals;
    bool skip_ingress;
    uint32_t in_port;
    uint16_t in_vlan;
    const struct in_addr *tunnels;
    uint32_t n_tunnels;
    uint32_t vni;
};

struct copy {
    int variant;
    uint8_t *data;
};

static inline void
drop(struct vtep_pipeline *pl, enum vtep_drop_reason r)
{
    pl->stats.drops[r]++;
}

struct vtep_pipeline *
vtep_pipeline_create(struct vtep_fwd_publisher *pub,
                     const struct vtep_pipeline_params *params)
{
    struct vtep_pipeline *pl = aligned_alloc(64, sizeof *pl);
    if (!pl) {
        util_abort("out of memory (vtep pipeline)");
    }
    memset(pl, 0, sizeof *pl);
    uint32_t fdb_max = params && params->fdb_max_entries
                       ? params->fdb_max_entries : 65536;
    uint32_t ring_size = params && params->ring_size
                         ? params->ring_size : 4096;
    pl->pub = pub;
    pl->thread = vtep_fwd_thread_register(pub);
    pl->fdb = vtep_fdb_create(fdb_max);
    pl->ring = vtep_ring_create(ring_size);
    return pl;
}

void
vtep_pipeline_destroy(struct vtep_pipeline *pl)
{
    if (!pl) {
        return;
    }
    vtep_fwd_thread_unregister(pl->thread);
    vtep_fdb_destroy(pl->fdb);
    vtep_ring_destroy(pl->ring);
    free(pl->port_ids);
    free(pl);
}

void
vtep_pipeline_set_time(struct vtep_pipeline *pl, uint64_t now_ms)
{
    pl->now_ms = now_ms;
}

void
vtep_pipeline_offline(struct vtep_pipeline *pl)
{
    vtep_fwd_thread_offline(pl->thread);
}

void
vtep_pipeline_online(struct vtep_pipeline *pl)
{
    vtep_fwd_thread_online(pl->thread);
}

struct vtep_ring *
vtep_pipeline_ring(struct vtep_pipeline *pl)
{
    return pl->ring;
}

const struct vtep_pipeline_stats *
vtep_pipeline_stats(const struct vtep_pipeline *pl)
{
    return &pl->stats;
}

const char *
vtep_drop_reason_name(enum vtep_drop_reason r)
{
    static const char *const names[VTEP_DROP_N] = {
        [VTEP_DROP_MALFORMED] = "malformed",
        [VTEP_DROP_DOUBLE_TAG] = "double_tag",
        [VTEP_DROP_UNBOUND] = "unbound",
        [VTEP_DROP_NO_CONFIG] = "no_config",
        [VTEP_DROP_BAD_VXLAN] = "bad_vxlan",
        [VTEP_DROP_UNKNOWN_VNI] = "unknown_vni",
        [VTEP_DROP_INNER_TAG] = "inner_tag",
        [VTEP_DROP_MTU] = "mtu",
        [VTEP_DROP_SAME_BINDING] = "same_binding",
        [VTEP_DROP_NO_DEST] = "no_dest",
        [VTEP_DROP_NO_BUFFER] = "no_buffer",
        [VTEP_DROP_OUT_FULL] = "out_full",
    };
    return (unsigned) r < VTEP_DROP_N ? names[r] : "?";
}

/* ---- snapshot per burst ---- */

static void forget_learned(struct vtep_pipeline *, const struct vtep_fwd *);

static const struct vtep_fwd *
burst_begin(struct vtep_pipeline *pl)
{
    const struct vtep_fwd *fwd = vtep_fwd_get(pl->pub);
    if (fwd && (!pl->have_ports_hash || fwd->ports_hash != pl->ports_hash)) {
        /* Ports came or went (rare: not a MAC or binding change): the MACs
         * learned on a port index that now means another port, or none,
         * are stale. */
        if (pl->have_ports_hash) {
            forget_learned(pl, fwd);
        }
        free(pl->port_ids);
        pl->port_ids = xmemdup(fwd->port_ids, (fwd->n_ports ? fwd->n_ports : 1)
                                              * sizeof *fwd->port_ids);
        pl->n_ports = fwd->n_ports;
        pl->ports_hash = fwd->ports_hash;
        pl->have_ports_hash = true;
    }
    return fwd;
}

static void
burst_end(struct vtep_pipeline *pl)
{
    vtep_fwd_quiesce(pl->thread);
}

/* ---- flow hash (RFC 7348 §5: outer UDP source port) ---- */

static uint32_t
flow_hash(struct view *v)
{
    if (v->hashed) {
        return v->hash;
    }
    const uint8_t *m = v->macs;
    uint32_t h = 0x5eed;
    h = hash_add(h, pkt_get_be32(m));
    h = hash_add(h, pkt_get_be32(m + 4));
    h = hash_add(h, pkt_get_be32(m + 8));
    const uint8_t *r = v->rest;
    h = hash_add(h, pkt_get_be16(r));
    if (pkt_get_be16(r) == ETH_TYPE_IPV4 && v->rest_len >= 2 + 20) {
        const uint8_t *ip = r + 2;
        uint32_t ihl = (ip[0] & 0x0f) * 4u;
        h = hash_add(h, pkt_get_be32(ip + 12));
        h = hash_add(h, pkt_get_be32(ip + 16));
        h = hash_add(h, ip[9]);
        bool first_frag = !(pkt_get_be16(ip + 6) & 0x1fff);
        if ((ip[9] == IPV4_PROTO_TCP || ip[9] == IPV4_PROTO_UDP)
            && first_frag && ihl >= 20 && v->rest_len >= 2 + ihl + 4) {
            h = hash_add(h, pkt_get_be32(ip + ihl));
        }
    }
    v->hash = hash_finish(h, 16);
    v->hashed = true;
    return v->hash;
}

static inline uint16_t
udp_src_port(struct view *v)
{
    return (uint16_t) (VXLAN_SRC_PORT_MIN | (flow_hash(v) & 0x3fff));
}

/* ---- versions of a frame ---- */

static inline uint32_t
variant_size(const struct view *v, int variant)
{
    return ETH_MACS_LEN + v->rest_len
           + (variant == VARIANT_VXLAN ? VXLAN_HEADER_LEN
              : variant ? VLAN_HEADER_LEN : 0);
}

static inline uint16_t
variant_tci(const struct view *v, int variant)
{
    return v->tagged ? (uint16_t) ((v->tci & VLAN_PCP_DEI_MASK) | variant)
                     : (uint16_t) variant;
}

/* If 'variant' of 'v' is a subrange of the input as it is, returns it. */
static inline uint8_t *
variant_unwritten(const struct view *v, int variant)
{
    if (v->from_tunnel) {
        return variant == 0 ? v->macs : NULL;
    } else if (variant == VARIANT_VXLAN) {
        return NULL;
    } else if (variant == 0) {
        return v->tagged ? NULL : v->buf;
    }
    return v->tagged && (v->tci & VLAN_VID_MASK) == variant ? v->buf : NULL;
}

static uint8_t *
variant_copy(const struct view *v, int variant, uint32_t vni, uint8_t *dst)
{
    uint8_t *p = dst;
    if (variant == VARIANT_VXLAN) {
        vxlan_put_header(p, vni);
        p += VXLAN_HEADER_LEN;
    }
    memcpy(p, v->macs, ETH_MACS_LEN);
    p += ETH_MACS_LEN;
    if (variant > 0) {
        pkt_put_be16(p, ETH_TYPE_VLAN);
        pkt_put_be16(p + 2, variant_tci(v, variant));
        p += VLAN_HEADER_LEN;
    }
    memcpy(p, v->rest, v->rest_len);
    return dst;
}

/* Rewrites the input into 'variant'; needs VTEP_PIPELINE_HEADROOM. */
static uint8_t *
variant_in_place(const struct view *v, int variant, uint32_t vni)
{
    uint32_t tag = variant > 0 ? VLAN_HEADER_LEN : 0;
    uint16_t tci = variant_tci(v, variant);
    uint8_t *macs = v->rest - tag - ETH_MACS_LEN;
    memmove(macs, v->macs, ETH_MACS_LEN);
    if (tag) {
        pkt_put_be16(macs + ETH_MACS_LEN, ETH_TYPE_VLAN);
        pkt_put_be16(macs + ETH_MACS_LEN + 2, tci);
    }
    if (variant == VARIANT_VXLAN) {
        vxlan_put_header(macs - VXLAN_HEADER_LEN, vni);
        return macs - VXLAN_HEADER_LEN;
    }
    return macs;
}

static inline uint8_t
vlan_op(const struct view *v, int variant)
{
    if (!v->tagged) {
        return variant ? VTEP_VLAN_PUSH : VTEP_VLAN_KEEP;
    } else if (!variant) {
        return VTEP_VLAN_STRIP;
    }
    return (v->tci & VLAN_VID_MASK) == variant ? VTEP_VLAN_KEEP
                                                : VTEP_VLAN_SET;
}

/* Whether 'l' is where the frame came in (a flood skips it). */
static inline bool
is_ingress(const struct targets *t, const struct vtep_fwd_local *l)
{
    return t->skip_ingress && l->port == t->in_port && l->vlan == t->in_vlan;
}

static struct vtep_action *
add_action(struct vtep_pipeline *pl, struct vtep_out *out)
{
    if (out->n >= out->capacity) {
        drop(pl, VTEP_DROP_OUT_FULL);
        return NULL;
    }
    return &out->actions[out->n++];
}

/* Sends 'v' to every target in 't' (a flood, or one unicast destination):
 * the versions are made as the file comment says.  Returns the number of
 * actions added. */
static size_t
emit(struct vtep_pipeline *pl, const struct vtep_fwd *fwd, struct view *v,
     const struct targets *t, struct vtep_pool *pool, struct vtep_out *out)
{
    uint32_t n_tunnels = t->n_tunnels;
    if (n_tunnels && ETH_MACS_LEN + v->rest_len > fwd->max_inner_size) {
        pl->stats.drops[VTEP_DROP_MTU] += n_tunnels;
        n_tunnels = 0;
    }

    /* Which version, if any, is made in place: the last one needed, unless
     * an unwritten version of the input is in use. */
    bool any_unwritten = false;
    int last = INT32_MIN;
    for (uint32_t i = 0; i < t->n_locals; i++) {
        const struct vtep_fwd_local *l = &t->locals[i];
        if (is_ingress(t, l)) {
            continue;
        }
        any_unwritten |= variant_unwritten(v, l->vlan) != NULL;
        last = l->vlan;
    }
    if (n_tunnels) {
        last = VARIANT_VXLAN;
    }
    if (last == INT32_MIN) {
        drop(pl, VTEP_DROP_NO_DEST);
        return 0;
    }
    int in_place = any_unwritten ? INT32_MIN : last;

    struct copy copies[VARIANT_CACHE];
    size_t n_copies = 0;
    size_t first = out->n;
    uint32_t n_total = t->n_locals + n_tunnels;
    for (uint32_t i = 0; i < n_total; i++) {
        int variant;
        const struct vtep_fwd_local *l = NULL;
        if (i < t->n_locals) {
            l = &t->locals[i];
            if (is_ingress(t, l)) {
                continue;
            }
            variant = l->vlan;
        } else {
            variant = VARIANT_VXLAN;
        }

        uint8_t *data = NULL;
        uint32_t size = variant_size(v, variant);
        if (variant != in_place) {
            data = variant_unwritten(v, variant);
            for (size_t c = 0; !data && c < n_copies; c++) {
                if (copies[c].variant == variant) {
                    data = copies[c].data;
                }
            }
            if (!data) {
                if (pool->n_used >= pool->n_bufs || size > pool->buf_size) {
                    drop(pl, VTEP_DROP_NO_BUFFER);
                    continue;
                }
                if (out->n >= out->capacity) {
                    drop(pl, VTEP_DROP_OUT_FULL);
                    continue;
                }
                data = variant_copy(v, variant, t->vni,
                                    pool->mem + pool->n_used++
                                                * pool->buf_size);
                if (n_copies < VARIANT_CACHE) {
                    copies[n_copies++] = (struct copy) { variant, data };
                }
            }
        }
        struct vtep_action *a = add_action(pl, out);
        if (!a) {
            continue;
        }
        a->data = data;                 /* NULL: in place, filled below. */
        a->size = size;
        a->frame = v->frame;
        if (l) {
            a->kind = VTEP_ACTION_TO_PORT;
            a->port = l->port;
            a->vlan = l->vlan;
            a->vlan_op = vlan_op(v, variant);
            pl->stats.tx_port++;
        } else {
            const struct in_addr *dsts = t->tunnels;
            a->kind = VTEP_ACTION_TO_TUNNEL;
            a->dst = dsts[i - t->n_locals];
            a->vni = t->vni;
            a->udp_src_port = udp_src_port(v);
            a->vlan_op = VTEP_VLAN_KEEP;
            pl->stats.tx_tunnel++;
        }
    }
    if (in_place != INT32_MIN) {
        uint8_t *data = NULL;
        for (size_t i = first; i < out->n; i++) {
            if (!out->actions[i].data) {
                if (!data) {
                    data = variant_in_place(v, in_place, t->vni);
                }
                out->actions[i].data = data;
            }
        }
    }
    return out->n - first;
}

/* ---- learning ---- */

static void
push_event(struct vtep_pipeline *pl, enum vtep_learn_kind kind, uint32_t sw,
           uint32_t vni, uint64_t mac, uint32_t port, uint16_t vlan,
           uint32_t ip)
{
    struct vtep_learn_event ev = {
        .sw = sw, .vni = vni, .vlan = vlan, .port = port, .kind = kind,
        .has_ip = ip != 0,
    };
    ev.ip.s_addr = ip;
    eth_addr_from_u64(mac, ev.mac.ea);
    vtep_ring_push(pl->ring, &ev);
}

static void
learn(struct vtep_pipeline *pl, uint32_t sw, uint32_t vni, uint64_t mac,
      uint32_t port, uint16_t vlan, uint32_t ip)
{
    switch (vtep_fdb_learn(pl->fdb, vni, mac, port, vlan, ip, pl->now_ms)) {
    case VTEP_FDB_REFRESHED:
        break;
    case VTEP_FDB_NEW:
    case VTEP_FDB_NEW_IP:
        pl->stats.learned++;
        push_event(pl, VTEP_LEARN_LEARNED, sw, vni, mac, port, vlan, ip);
        break;
    case VTEP_FDB_MOVED:
        pl->stats.moved++;
        push_event(pl, VTEP_LEARN_MOVED, sw, vni, mac, port, vlan, ip);
        break;
    case VTEP_FDB_FULL:
        pl->stats.learn_full++;
        break;
    }
}

/* The learned local binding of 'dst' in switch 'sw', if still bound. */
static const struct vtep_fdb_entry *
local_dest(const struct vtep_pipeline *pl, const struct vtep_fwd *fwd,
           uint32_t sw, uint32_t vni, uint64_t dst)
{
    const struct vtep_fdb_entry *e = vtep_fdb_lookup(pl->fdb, vni, dst);
    if (e && vtep_fwd_lookup_binding(fwd, e->port, e->vlan) == sw) {
        return e;
    }
    return NULL;
}

/* ---- ARP suppression ---- */

/* If 'v' is an ARP request that switch 'sw' can answer from its remote
 * MACs, turns it into the reply in place and returns true. */
static bool
arp_suppress(const struct vtep_fwd *fwd, uint32_t sw, struct view *v)
{
    if (v->rest_len < 2 + ARP_LEN) {
        return false;
    }
    uint8_t *arp = v->rest + 2;
    if (!arp_is_eth_ipv4(arp, v->rest_len - 2)
        || pkt_get_be16(arp + ARP_OP_OFS) != ARP_OP_REQUEST) {
        return false;
    }
    uint32_t tpa = pkt_get_be32(arp + ARP_TPA_OFS);
    if (tpa == pkt_get_be32(arp + ARP_SPA_OFS)) {
        return false;                   /* Gratuitous: let it flood. */
    }
    const struct vtep_fwd_entry *e = vtep_fwd_table_find(&fwd->arp, sw, tpa);
    if (!e) {
        return false;
    }
    const uint8_t *mac = fwd->arp_macs[e->value].ea;
    uint8_t *eth = v->macs;
    memcpy(eth, eth + ETH_ADDR_LEN, ETH_ADDR_LEN);      /* To requester. */
    memcpy(eth + ETH_ADDR_LEN, mac, ETH_ADDR_LEN);
    pkt_put_be16(arp + ARP_OP_OFS, ARP_OP_REPLY);
    memcpy(arp + ARP_THA_OFS, arp + ARP_SHA_OFS, ETH_ADDR_LEN + 4);
    memcpy(arp + ARP_SHA_OFS, mac, ETH_ADDR_LEN);
    pkt_put_be32(arp + ARP_SPA_OFS, tpa);
    return true;
}

/* ---- from a port ---- */

static void
from_port(struct vtep_pipeline *pl, const struct vtep_fwd *fwd,
          uint32_t port, struct vtep_frame *fr, uint16_t idx,
          struct vtep_pool *pool, struct vtep_out *out)
{
    struct eth_vlan_info vi;
    if (fr->size > VTEP_FRAME_MAX || !eth_parse_vlan(fr->data, fr->size, &vi)) {
        drop(pl, VTEP_DROP_MALFORMED);
        return;
    }
    if (vi.double_tagged) {
        drop(pl, VTEP_DROP_DOUBLE_TAG);
        return;
    }
    const uint8_t *src = fr->data + ETH_ADDR_LEN;
    if (vi.vid > VTEP_VLAN_MAX || eth_addr_is_multicast(src)
        || eth_addr_is_zero(src)) {
        drop(pl, VTEP_DROP_MALFORMED);
        return;
    }
    uint32_t sw = vtep_fwd_lookup_binding(fwd, port, vi.vid);
    if (sw == VTEP_FWD_NO_SWITCH) {
        drop(pl, VTEP_DROP_UNBOUND);
        return;
    }
    const struct vtep_fwd_switch *s = &fwd->switches[sw];
    struct view v = {
        .buf = fr->data, .size = fr->size, .macs = fr->data,
        .rest = fr->data + vi.l3_ofs - 2, .rest_len = fr->size - vi.l3_ofs + 2,
        .tagged = vi.tagged, .tci = vi.tci, .frame = idx,
    };

    /* Learn the source, with its IPv4 address if it speaks ARP. */
    uint32_t ip = 0;
    if (vi.eth_type == ETH_TYPE_ARP
        && arp_is_eth_ipv4(v.rest + 2, v.rest_len - 2)) {
        memcpy(&ip, v.rest + 2 + ARP_SPA_OFS, 4);
    }
    learn(pl, sw, s->vni, eth_addr_to_u64(src), port, vi.vid, ip);

    if (s->arp_suppress && vi.eth_type == ETH_TYPE_ARP
        && arp_suppress(fwd, sw, &v)) {
        struct vtep_action *a = add_action(pl, out);
        if (a) {
            *a = (struct vtep_action) {
                .data = v.buf, .size = v.size, .kind = VTEP_ACTION_TO_PORT,
                .vlan_op = VTEP_VLAN_KEEP, .vlan = vi.vid, .port = port,
                .frame = idx,
            };
            pl->stats.arp_replies++;
            pl->stats.tx_port++;
        }
        return;
    }

    struct targets t = {
        .skip_ingress = true, .in_port = port, .in_vlan = vi.vid,
        .vni = s->vni,
    };
    const uint8_t *dst = fr->data;
    uint64_t dst64 = eth_addr_to_u64(dst);
    if (!eth_addr_is_multicast(dst)) {
        /* A remote MAC the controller set wins over a learned one (as a
         * static entry does in a hardware switch's table); looking it up
         * first also spares remote-bound traffic the learned table. */
        const struct vtep_fwd_entry *r = vtep_fwd_table_find(&fwd->ucast, sw,
                                                             dst64);
        if (r) {
            struct in_addr ip4 = { .s_addr = r->value };
            t.tunnels = &ip4;
            t.n_tunnels = 1;
            emit(pl, fwd, &v, &t, pool, out);
            return;
        }
        const struct vtep_fdb_entry *e = local_dest(pl, fwd, sw, s->vni, dst64);
        if (e) {
            if (e->port == port && e->vlan == vi.vid) {
                drop(pl, VTEP_DROP_SAME_BINDING);
                return;
            }
            struct vtep_fwd_local l = { e->port, e->vlan };
            t.locals = &l;
            t.n_locals = 1;
            emit(pl, fwd, &v, &t, pool, out);
            return;
        }
    }

    /* Broadcast, unknown unicast, multicast: flood. */
    t.locals = s->locals;
    t.n_locals = s->n_locals;
    const struct vtep_fwd_entry *m = NULL;
    if (eth_addr_is_multicast(dst)) {
        m = vtep_fwd_table_find(&fwd->mcast, sw, dst64);
    }
    if (m) {
        const struct vtep_fwd_set *set = &fwd->mcast_sets[m->value];
        t.tunnels = &fwd->mcast_locators[set->ofs];
        t.n_tunnels = set->n;
    } else {
        t.tunnels = s->unknown_dst;
        t.n_tunnels = s->n_unknown_dst;
    }
    if (s->service_node && t.n_tunnels > 1) {
        t.tunnels += flow_hash(&v) % t.n_tunnels;
        t.n_tunnels = 1;
    }
    pl->stats.flood_copies += emit(pl, fwd, &v, &t, pool, out);
}

/* First pass over a burst (DPDK style): start loading the table slots each
 * frame will look up, so that the misses of a burst overlap instead of
 * adding up.  Only reads; the frames are validated again in from_port(). */
static void
prefetch_from_port(const struct vtep_pipeline *pl, const struct vtep_fwd *fwd,
                   uint32_t port, const struct vtep_frame frames[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t *f = frames[i].data;
        struct eth_vlan_info vi;
        if (frames[i].size > VTEP_FRAME_MAX
            || !eth_parse_vlan(f, frames[i].size, &vi) || vi.vid > VTEP_VLAN_MAX) {
            continue;
        }
        uint32_t sw = vtep_fwd_lookup_binding(fwd, port, vi.vid);
        if (sw == VTEP_FWD_NO_SWITCH) {
            continue;
        }
        uint32_t vni = fwd->switches[sw].vni;
        uint64_t dst = eth_addr_to_u64(f);
        __builtin_prefetch(&pl->fdb->entries[vtep_fdb_slot_(
                               pl->fdb, vni, eth_addr_to_u64(f + 6))]);
        __builtin_prefetch(&fwd->ucast.entries[vtep_fwd_slot_(&fwd->ucast,
                                                              dst, sw)]);
    }
}

size_t
vtep_pipeline_run_from_port(struct vtep_pipeline *pl, uint32_t port,
                            struct vtep_frame frames[], size_t n,
                            struct vtep_pool *pool, struct vtep_out *out)
{
    n = MIN(n, (size_t) VTEP_BURST_MAX);
    pl->stats.rx_port += n;
    const struct vtep_fwd *fwd = burst_begin(pl);
    if (!fwd) {
        pl->stats.drops[VTEP_DROP_NO_CONFIG] += n;
    } else {
        prefetch_from_port(pl, fwd, port, frames, n);
        for (size_t i = 0; i < n; i++) {
            from_port(pl, fwd, port, &frames[i], (uint16_t) i, pool, out);
        }
    }
    burst_end(pl);
    return n;
}

/* ---- from a tunnel ---- */

static void
from_tunnel(struct vtep_pipeline *pl, const struct vtep_fwd *fwd,
            struct vtep_frame *fr, uint16_t idx, struct vtep_pool *pool,
            struct vtep_out *out)
{
    uint32_t vni;
    if (fr->size < VXLAN_HEADER_LEN || !vxlan_get_header(fr->data, &vni)) {
        drop(pl, VTEP_DROP_BAD_VXLAN);
        return;
    }
    uint8_t *inner = fr->data + VXLAN_HEADER_LEN;
    uint32_t inner_size = fr->size - VXLAN_HEADER_LEN;
    struct eth_vlan_info vi;
    if (inner_size > VTEP_FRAME_MAX || !eth_parse_vlan(inner, inner_size, &vi)) {
        drop(pl, VTEP_DROP_MALFORMED);
        return;
    }
    uint32_t sw = vtep_fwd_lookup_vni(fwd, vni);
    if (sw == VTEP_FWD_NO_SWITCH) {
        drop(pl, VTEP_DROP_UNKNOWN_VNI);
        return;
    }
    if (vi.tagged || vi.double_tagged) {
        drop(pl, VTEP_DROP_INNER_TAG);
        return;
    }
    if (eth_addr_is_multicast(inner + ETH_ADDR_LEN)
        || eth_addr_is_zero(inner + ETH_ADDR_LEN)) {
        drop(pl, VTEP_DROP_MALFORMED);
        return;
    }
    const struct vtep_fwd_switch *s = &fwd->switches[sw];
    struct view v = {
        .buf = fr->data, .size = fr->size, .macs = inner,
        .rest = inner + ETH_MACS_LEN, .rest_len = inner_size - ETH_MACS_LEN,
        .from_tunnel = true, .frame = idx,
    };
    struct targets t = { .vni = s->vni };
    if (!eth_addr_is_multicast(inner)) {
        const struct vtep_fdb_entry *e =
            local_dest(pl, fwd, sw, s->vni, eth_addr_to_u64(inner));
        if (e) {
            struct vtep_fwd_local l = { e->port, e->vlan };
            t.locals = &l;
            t.n_locals = 1;
            emit(pl, fwd, &v, &t, pool, out);
            return;
        }
    }
    t.locals = s->locals;
    t.n_locals = s->n_locals;
    pl->stats.flood_copies += emit(pl, fwd, &v, &t, pool, out);
}

static void
prefetch_from_tunnel(const struct vtep_pipeline *pl,
                     const struct vtep_frame frames[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t vni;
        if (frames[i].size >= VXLAN_HEADER_LEN + ETH_HEADER_LEN
            && vxlan_get_header(frames[i].data, &vni)) {
            uint64_t dst = eth_addr_to_u64(frames[i].data + VXLAN_HEADER_LEN);
            __builtin_prefetch(&pl->fdb->entries[vtep_fdb_slot_(pl->fdb, vni,
                                                                dst)]);
        }
    }
}

size_t
vtep_pipeline_run_from_tunnel(struct vtep_pipeline *pl,
                              struct vtep_frame frames[], size_t n,
                              struct vtep_pool *pool, struct vtep_out *out)
{
    n = MIN(n, (size_t) VTEP_BURST_MAX);
    pl->stats.rx_tunnel += n;
    const struct vtep_fwd *fwd = burst_begin(pl);
    if (!fwd) {
        pl->stats.drops[VTEP_DROP_NO_CONFIG] += n;
    } else {
        prefetch_from_tunnel(pl, frames, n);
        for (size_t i = 0; i < n; i++) {
            from_tunnel(pl, fwd, &frames[i], (uint16_t) i, pool, out);
        }
    }
    burst_end(pl);
    return n;
}

/* ---- aging ---- */

struct age_ctx {
    struct vtep_pipeline *pl;
    const struct vtep_fwd *fwd;
};

static void
aged_cb(void *aux, const struct vtep_fdb_entry *e)
{
    struct age_ctx *ctx = aux;
    uint32_t sw = ctx->fwd ? vtep_fwd_lookup_vni(ctx->fwd, e->vni)
                           : VTEP_FWD_NO_SWITCH;
    ctx->pl->stats.aged++;
    push_event(ctx->pl, VTEP_LEARN_AGED, sw, e->vni, e->mac, e->port,
               e->vlan, e->ip);
}

/* Whether learned entry 'e' is on a port whose index means another port
 * (or none) in 'ctx->fwd' than in the snapshot before ('ctx->pl's ids). */
static bool
port_changed(void *ctx_, const struct vtep_fdb_entry *e)
{
    const struct age_ctx *ctx = ctx_;
    uint32_t old = e->port < ctx->pl->n_ports ? ctx->pl->port_ids[e->port] : 0;
    uint32_t new = e->port < ctx->fwd->n_ports ? ctx->fwd->port_ids[e->port] : 0;
    return !old || old != new;
}

/* Forgets the learned MACs of the ports that changed, with an AGED event
 * for each so that the control thread drops its Ucast_Macs_Local rows too
 * (events beyond the ring's room are counted as ring drops). */
static void
forget_learned(struct vtep_pipeline *pl, const struct vtep_fwd *fwd)
{
    struct age_ctx ctx = { pl, fwd };
    vtep_fdb_remove_if(pl->fdb, port_changed, aged_cb, &ctx);
}

size_t
vtep_pipeline_age(struct vtep_pipeline *pl, size_t budget)
{
    struct age_ctx ctx = { pl, burst_begin(pl) };
    uint64_t max_age_ms = (ctx.fwd ? ctx.fwd->mac_aging_s : 300) * 1000ULL;
    size_t n = vtep_fdb_age(pl->fdb, pl->now_ms, max_age_ms, budget,
                            aged_cb, &ctx);
    burst_end(pl);
    return n;
}
