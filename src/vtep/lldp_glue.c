/* lldp_glue: the LLDP agent in seam-vtep's control thread; see
 * lldp_glue.h. */
#include "vtep/lldp_glue.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/ds.h"
#include "lib/log.h"
#include "lib/util.h"
#include "vtep/config.h"
#include "vtep/dp.h"
#include "vtep/ifmon.h"
#include "vtep/lldp.h"
#include "vtep/lldp_agent.h"
#include "vtep/lldp_db.h"
#include "vtep/lldp_ring.h"
#include "vtep/ports.h"

LOG_MODULE(lldp);

#define RX_BUDGET 64                    /* Frames per run. */

struct lldp_glue {
    char *name;
    struct vtep_dp *dp;
    struct vtep_ports *ports;
    struct lldp_agent *agent;
    char chassis_id[LLDP_ID_TEXT_MAX];
    bool db_dirty;                      /* Check the rows again. */
    uint64_t tx_ring_full;              /* Frames the datapath's ring
                                         * refused. */
};

/* The MAC of interface 'name' into '*mac'; false if it has none. */
static bool
get_mac(const char *name, struct eth_addr *mac)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    bool ok = !ioctl(fd, SIOCGIFHWADDR, &ifr);
    close(fd);
    if (ok) {
        memcpy(mac->ea, ifr.ifr_hwaddr.sa_data, sizeof mac->ea);
    }
    return ok;
}

static struct eth_addr
chassis_mac(const struct lldp_glue_options *o, const struct vtep_ports *ports,
            const struct vtep_ifmon *ifmon)
{
    struct eth_addr mac = { { 0 } };
    int ifindex = vtep_ifmon_addr_ifindex(ifmon, o->tunnel_ip);
    const struct vtep_ifmon_link *link = ifindex
                                         ? vtep_ifmon_find_index(ifmon, ifindex)
                                         : NULL;
    if (link && get_mac(link->name, &mac)) {
        return mac;
    }
    for (size_t i = 0; i < vtep_ports_n_slots(ports); i++) {
        const struct vtep_port_info *p = vtep_ports_get(ports, i);
        if (p->name && get_mac(p->name, &mac)) {
            return mac;
        }
    }
    /* No interface to take it from: a locally administered MAC from the
     * tunnel IP, stable across restarts. */
    uint32_t ip = ntohl(o->tunnel_ip.s_addr);
    mac = (struct eth_addr) { { 0x02, 0x5e, (uint8_t) (ip >> 24),
                                (uint8_t) (ip >> 16), (uint8_t) (ip >> 8),
                                (uint8_t) ip } };
    return mac;
}

struct lldp_glue *
lldp_glue_create(const struct lldp_glue_options *o, struct vtep_dp *dp,
                 struct vtep_ports *ports, const struct vtep_ifmon *ifmon)
{
    struct lldp_glue *g = xzalloc(sizeof *g);
    g->name = xstrdup(o->name);
    g->dp = dp;
    g->ports = ports;
    struct lldp_agent_options ao = {
        .chassis_mac = chassis_mac(o, ports, ifmon),
        .system_name = o->name,
        .system_descr = o->system_descr,
        .mgmt_ip = o->tunnel_ip,
        .interval_s = o->interval_s,
        .hold = o->hold,
    };
    g->agent = lldp_agent_create(&ao);
    struct lldp_id id;
    if (!lldp_id_set(&id, LLDP_CHASSIS_MAC, ao.chassis_mac.ea, 6)) {
        lldp_id_format(&id, true, g->chassis_id, sizeof g->chassis_id);
    }
    g->db_dirty = true;
    log_info("LLDP on the ports every %u s (TTL %u s), chassis ID %s",
             ao.interval_s, ao.interval_s * ao.hold, g->chassis_id);
    return g;
}

void
lldp_glue_destroy(struct lldp_glue *g)
{
    if (g) {
        lldp_agent_destroy(g->agent);
        free(g->name);
        free(g);
    }
}

void
lldp_glue_ports_changed(struct lldp_glue *g, long long now_ms)
{
    size_t n = vtep_ports_n_slots(g->ports);
    for (size_t i = 0; i < n; i++) {
        const struct vtep_port_info *p = vtep_ports_get(g->ports, i);
        struct eth_addr mac = { { 0 } };
        bool has_mac = p->name && p->ifindex && get_mac(p->name, &mac);
        bool up = p->name && vtep_ports_is_healthy(g->ports, i) && has_mac;
        lldp_agent_set_port(g->agent, i, p->ifindex ? p->name : NULL,
                            p->ifindex, has_mac ? &mac : NULL, up, now_ms);
    }
    g->db_dirty = true;
}

void
lldp_glue_db_changed(struct lldp_glue *g)
{
    g->db_dirty = true;
}

static void
receive(struct lldp_glue *g, long long now_ms)
{
    struct lldp_ring *rx = vtep_dp_lldp_rx(g->dp);
    const struct lldp_ring_slot *s;
    for (int i = 0; i < RX_BUDGET && (s = lldp_ring_peek(rx)); i++) {
        enum lldp_error err = lldp_agent_receive(g->agent, s->port, s->data,
                                                 s->size, now_ms);
        if (err != LLDP_OK) {
            static struct log_rl rl = LOG_RL_INIT(5, 5);
            const struct vtep_port_info *p = vtep_ports_get(g->ports, s->port);
            log_warn_rl(&rl, "%s: malformed LLDPDU from "
                        "%02x:%02x:%02x:%02x:%02x:%02x dropped: %s",
                        p && p->name ? p->name : "?", s->data[6], s->data[7],
                        s->data[8], s->data[9], s->data[10], s->data[11],
                        lldp_error_string(err));
        }
        lldp_ring_consume(rx);
    }
}

static json_t *
db_ops(struct lldp_glue *g, const struct ovsdb_db *db, bool none)
{
    size_t n_slots = vtep_ports_n_slots(g->ports), n = 0;
    struct lldp_db_port *ports = xcalloc(n_slots + 1, sizeof *ports);
    for (size_t i = 0; i < n_slots; i++) {
        const struct vtep_port_info *p = vtep_ports_get(g->ports, i);
        if (p->name) {
            ports[n].name = p->name;
            ports[n++].neighbor = none ? NULL
                                  : lldp_agent_neighbor(g->agent, i);
        }
    }
    json_t *ops = lldp_db_ops(db, g->name, g->chassis_id, ports, n);
    free(ports);
    if (!json_array_size(ops)) {
        json_decref(ops);
        return NULL;
    }
    return ops;
}

json_t *
lldp_glue_run(struct lldp_glue *g, long long now_ms, const struct ovsdb_db *db)
{
    receive(g, now_ms);
    lldp_agent_expire(g->agent, now_ms);

    uint8_t frame[LLDP_FRAME_MAX];
    size_t slot, n;
    while ((n = lldp_agent_next_tx(g->agent, now_ms, &slot, frame,
                                   sizeof frame))) {
        if (!vtep_dp_lldp_send(g->dp, slot, frame, n)) {
            g->tx_ring_full++;
        }
    }

    if (lldp_agent_take_changed(g->agent)) {
        g->db_dirty = true;
    }
    if (!g->db_dirty || !db) {
        return NULL;
    }
    g->db_dirty = false;
    return db_ops(g, db, false);
}

long long
lldp_glue_next_ms(const struct lldp_glue *g)
{
    return lldp_agent_next_deadline(g->agent);
}

json_t *
lldp_glue_shutdown(struct lldp_glue *g, const struct ovsdb_db *db)
{
    uint8_t frame[LLDP_FRAME_MAX];
    size_t n_slots = vtep_ports_n_slots(g->ports);
    for (size_t i = 0; i < n_slots; i++) {
        size_t n = lldp_agent_shutdown_frame(g->agent, i, frame, sizeof frame);
        if (n && !vtep_dp_lldp_send(g->dp, i, frame, n)) {
            g->tx_ring_full++;
        }
    }
    return db ? db_ops(g, db, true) : NULL;
}

void
lldp_glue_format_stats(const struct lldp_glue *g, struct ds *out)
{
    lldp_agent_format_stats(g->agent, out);
    ds_put_format(out, "  ring drops: rx %"PRIu64", tx %"PRIu64"\n",
                  lldp_ring_drops(vtep_dp_lldp_rx(g->dp)), g->tx_ring_full);
}
