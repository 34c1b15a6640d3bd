/* lldp_agent: seam-vtep's LLDP agent, sans I/O; see lldp_agent.h. */
#include "vtep/lldp_agent.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ds.h"

struct agent_port {
    char *name;                         /* NULL: empty slot. */
    int ifindex;
    struct eth_addr mac;
    bool up;
    long long next_tx_ms;               /* LLONG_MAX: not sending. */
    bool has_neighbor;
    struct lldp_neighbor neighbor;
};

struct lldp_agent {
    struct lldp_pdu templ;              /* What every port says, but the
                                         * port ID and description. */
    unsigned int interval_s;
    uint16_t ttl_s;
    struct agent_port *ports;
    size_t n_ports, allocated_ports;
    bool changed;
    struct lldp_agent_stats stats;
};

struct lldp_agent *
lldp_agent_create(const struct lldp_agent_options *o)
{
    struct lldp_agent *a = xzalloc(sizeof *a);
    struct lldp_pdu *t = &a->templ;
    if (lldp_id_set(&t->chassis, LLDP_CHASSIS_MAC, o->chassis_mac.ea,
                    sizeof o->chassis_mac.ea)) {
        util_abort("lldp_id_set");
    }
    a->interval_s = o->interval_s ? o->interval_s
                                  : LLDP_AGENT_DEFAULT_INTERVAL_S;
    unsigned int hold = o->hold ? o->hold : LLDP_AGENT_DEFAULT_HOLD;
    unsigned long ttl = (unsigned long) a->interval_s * hold;
    a->ttl_s = (uint16_t) MIN(ttl, 65535ul);
    t->ttl_s = a->ttl_s;
    lldp_string_set(t->system_name, o->system_name);
    t->has = LLDP_HAS_SYSTEM_NAME | LLDP_HAS_PORT_DESCR | LLDP_HAS_SYSTEM_CAPS;
    if (o->system_descr) {
        lldp_string_set(t->system_descr, o->system_descr);
        t->has |= LLDP_HAS_SYSTEM_DESCR;
    }
    t->caps = t->caps_enabled = LLDP_CAP_BRIDGE;
    if (o->mgmt_ip.s_addr) {
        t->mgmt_ipv4 = o->mgmt_ip;
        t->has |= LLDP_HAS_MGMT_IPV4;
    }
    return a;
}

void
lldp_agent_destroy(struct lldp_agent *a)
{
    if (!a) {
        return;
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        free(a->ports[i].name);
    }
    free(a->ports);
    free(a);
}

static struct agent_port *
get_port(const struct lldp_agent *a, size_t slot)
{
    return slot < a->n_ports && a->ports[slot].name ? &a->ports[slot] : NULL;
}

static void
forget(struct lldp_agent *a, struct agent_port *p)
{
    if (p->has_neighbor) {
        p->has_neighbor = false;
        a->changed = true;
    }
}

void
lldp_agent_set_port(struct lldp_agent *a, size_t slot, const char *name,
                    int ifindex, const struct eth_addr *mac, bool up,
                    long long now_ms)
{
    if (slot >= a->n_ports) {
        if (!name) {
            return;
        }
        a->ports = xgrow(a->ports, &a->allocated_ports, slot + 1,
                         sizeof *a->ports);
        memset(&a->ports[a->n_ports], 0,
               (slot + 1 - a->n_ports) * sizeof *a->ports);
        a->n_ports = slot + 1;
    }
    struct agent_port *p = &a->ports[slot];
    bool same = (name && p->name && !strcmp(name, p->name)
                 && ifindex == p->ifindex);
    if (!same) {
        forget(a, p);
        free(p->name);
        p->name = name ? xstrdup(name) : NULL;
        p->ifindex = ifindex;
        p->up = false;
    }
    if (!name) {
        return;
    }
    if (mac) {
        p->mac = *mac;
    }
    if (up && !p->up) {
        p->next_tx_ms = now_ms;         /* At once on link up. */
    } else if (!up) {
        forget(a, p);
        p->next_tx_ms = LLONG_MAX;
    }
    p->up = up;
}

enum lldp_error
lldp_agent_receive(struct lldp_agent *a, size_t slot, const uint8_t *frame,
                   size_t size, long long now_ms)
{
    struct agent_port *p = get_port(a, slot);
    if (!p || !p->up) {
        return LLDP_OK;
    }
    /* Decoded aside, so that a malformed LLDPDU changes nothing. */
    static struct lldp_neighbor n;
    enum lldp_error err = lldp_frame_decode(frame, size, &n.src, &n.pdu);
    if (err != LLDP_OK) {
        a->stats.drops[err]++;
        return err;
    }
    a->stats.rx++;
    if (!n.pdu.ttl_s) {
        a->stats.shutdowns++;
        forget(a, p);
        return LLDP_OK;
    }
    n.expires_ms = now_ms + (long long) n.pdu.ttl_s * 1000;
    if (!p->has_neighbor || memcmp(&p->neighbor.pdu, &n.pdu, sizeof n.pdu)
        || memcmp(&p->neighbor.src, &n.src, sizeof n.src)) {
        a->changed = true;
    }
    p->neighbor = n;
    p->has_neighbor = true;
    return LLDP_OK;
}

static size_t
build(struct lldp_agent *a, const struct agent_port *p, uint16_t ttl_s,
      uint8_t *buf, size_t size)
{
    static struct lldp_pdu pdu;
    pdu = a->templ;
    pdu.ttl_s = ttl_s;
    size_t len = strlen(p->name);
    if (lldp_id_set(&pdu.port, LLDP_PORT_IFNAME, p->name, MIN(len, 255u))) {
        return 0;
    }
    snprintf(pdu.port_descr, sizeof pdu.port_descr, "seam-vtep port %s",
             p->name);
    int n = lldp_frame_encode(&p->mac, &pdu, buf, size);
    return n > 0 ? (size_t) n : 0;
}

size_t
lldp_agent_next_tx(struct lldp_agent *a, long long now_ms, size_t *slot,
                   uint8_t *buf, size_t size)
{
    for (size_t i = 0; i < a->n_ports; i++) {
        struct agent_port *p = &a->ports[i];
        if (p->name && p->up && p->next_tx_ms <= now_ms) {
            p->next_tx_ms = now_ms + (long long) a->interval_s * 1000;
            size_t n = build(a, p, a->ttl_s, buf, size);
            if (n) {
                a->stats.tx++;
                *slot = i;
                return n;
            }
        }
    }
    return 0;
}

size_t
lldp_agent_shutdown_frame(struct lldp_agent *a, size_t slot, uint8_t *buf,
                          size_t size)
{
    struct agent_port *p = get_port(a, slot);
    if (!p || !p->up) {
        return 0;
    }
    size_t n = build(a, p, 0, buf, size);
    a->stats.tx += n > 0;
    return n;
}

void
lldp_agent_expire(struct lldp_agent *a, long long now_ms)
{
    for (size_t i = 0; i < a->n_ports; i++) {
        struct agent_port *p = &a->ports[i];
        if (p->has_neighbor && p->neighbor.expires_ms <= now_ms) {
            a->stats.expired++;
            forget(a, p);
        }
    }
}

long long
lldp_agent_next_deadline(const struct lldp_agent *a)
{
    long long next = LLONG_MAX;
    for (size_t i = 0; i < a->n_ports; i++) {
        const struct agent_port *p = &a->ports[i];
        if (p->name && p->up) {
            next = MIN(next, p->next_tx_ms);
        }
        if (p->has_neighbor) {
            next = MIN(next, p->neighbor.expires_ms);
        }
    }
    return next;
}

bool
lldp_agent_take_changed(struct lldp_agent *a)
{
    bool changed = a->changed;
    a->changed = false;
    return changed;
}

const struct lldp_neighbor *
lldp_agent_neighbor(const struct lldp_agent *a, size_t slot)
{
    const struct agent_port *p = get_port(a, slot);
    return p && p->has_neighbor ? &p->neighbor : NULL;
}

const struct lldp_agent_stats *
lldp_agent_stats(const struct lldp_agent *a)
{
    return &a->stats;
}

void
lldp_agent_format_stats(const struct lldp_agent *a, struct ds *out)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_ports; i++) {
        n += a->ports[i].has_neighbor;
    }
    ds_put_format(out, "lldp:\n  rx %"PRIu64", tx %"PRIu64", neighbours %zu, "
                  "expired %"PRIu64", shutdowns %"PRIu64"\n  drops:",
                  a->stats.rx, a->stats.tx, n, a->stats.expired,
                  a->stats.shutdowns);
    uint64_t total = 0;
    for (int e = 0; e < LLDP_N_ERRORS; e++) {
        if (a->stats.drops[e]) {
            ds_put_format(out, " %s %"PRIu64, lldp_error_name(e),
                          a->stats.drops[e]);
            total += a->stats.drops[e];
        }
    }
    ds_put_cstr(out, total ? "\n" : " none\n");
}
