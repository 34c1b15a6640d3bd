/* vtep ctl: seam-vtep's control thread (see ctl.h). */
#include "vtep/ctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "lib/log.h"
#include "ovsdb/daemon.h"
#include "ovsdb/unixctl.h"
#include "vtep/config.h"
#include "vtep/db.h"
#include "vtep/dp.h"
#include "vtep/fwd.h"
#include "vtep/ifmon.h"
#include "vtep/lldp_glue.h"
#include "vtep/options.h"
#include "vtep/pipeline.h"
#include "vtep/port_io.h"
#include "vtep/ports.h"
#include "vtep/ring.h"
#include "vtep/store.h"

LOG_MODULE(vtep);

#define VTEP_VERSION "seam-vtep 0.1.0"
#define REBUILD_MIN_MS 20               /* Between two rebuilds. */
#define RECLAIM_MS 20                   /* Retired snapshots, closed ports. */
#define LEARN_POLL_MS 50
#define STATS_INTERVAL_MS 3000          /* Also retries ports that failed. */
#define EXIT_DELAY_MS 50                /* For "exit"'s reply to leave. */

struct vtep_ctl {
    struct event_base *base;
    const struct vtep_options *opts;
    struct in_addr tunnel_ip;
    char tunnel_ip_s[INET_ADDRSTRLEN];

    struct vtep_store *store;
    struct vtep_fwd_publisher *pub;
    struct vtep_dp *dp;
    struct vtep_ifmon *ifmon;
    struct vtep_ports *ports;
    struct lldp_glue *lldp;             /* NULL: --lldp-interval=0. */
    struct unixctl_server *unixctl;     /* ovs-appctl, or NULL. */
    struct event *wake;                 /* vtep_ctl_wait()'s timer. */

    /* What happened (set by callbacks, acted on by run()). */
    bool dirty;                         /* The configuration's rows. */
    bool started;                       /* Start-up rows written. */
    bool links_changed;                 /* The interface table. */
    bool exiting;

    struct vtep_config cfg;             /* Of the snapshot published last. */
    uint64_t learn_full;                /* Pipeline counter at the last
                                         * stats tick. */
    bool underlay_ok;                   /* The tunnel IP is on an interface
                                         * that is up. */
    bool underlay_known;                /* 'underlay_ok' was computed. */

    /* Deadlines, in msec (time_msec()). */
    long long rebuild_ms;               /* Earliest next rebuild. */
    long long learn_ms;
    long long stats_ms;
    long long reclaim_ms;               /* LLONG_MAX: nothing to reclaim. */
};

static void ports_run(struct vtep_ctl *);
static void underlay_run(struct vtep_ctl *);
static void write_faults(struct vtep_ctl *);
static void register_commands(struct vtep_ctl *);

static const struct ovsdb_db *
ctl_db(const struct vtep_ctl *c)
{
    return vtep_store_db(c->store);
}

static void
run_ops(struct vtep_ctl *c, json_t *ops, const char *what)
{
    vtep_store_run_ops(c->store, ops, what);
}

/* ---- callbacks: they only record ---- */

static void
on_store_changed(void *c_)
{
    struct vtep_ctl *c = c_;
    c->dirty = true;
    if (c->lldp) {
        lldp_glue_db_changed(c->lldp);
    }
}

static void
on_store_resynced(void *c_)
{
    struct vtep_ctl *c = c_;
    c->started = false;                 /* Check our rows on every (re)sync. */
    c->dirty = true;
    if (c->lldp) {
        lldp_glue_db_changed(c->lldp);
    }
}

static void
on_links_changed(void *c_)
{
    struct vtep_ctl *c = c_;
    c->links_changed = true;
}

static void
on_wake(evutil_socket_t fd, short what, void *c_)
{
    /* Nothing: the loop returns and run() looks at the deadlines. */
}

/* ---- ports: sockets for ports.c ---- */

static int
open_port(void *c_, const char *name, int ifindex, struct port_io **portp)
{
    int err = port_io_open(name, NULL, portp);
    if (!err && port_io_ifindex(*portp) != ifindex) {
        /* Renamed or recreated since netlink said so: the next
         * notification tells which. */
        port_io_close(*portp);
        *portp = NULL;
        err = -EAGAIN;
    }
    return err;
}

static void
set_port(void *c_, size_t slot, struct port_io *port, bool fresh)
{
    struct vtep_ctl *c = c_;
    vtep_dp_set_port(c->dp, slot, port, fresh);
    c->reclaim_ms = MIN(c->reclaim_ms, time_msec() + RECLAIM_MS);
}

static bool
port_is_broken(void *c_, size_t slot)
{
    struct vtep_ctl *c = c_;
    return vtep_dp_port_is_broken(c->dp, slot);
}

/* ---- create / destroy ---- */

int
vtep_ctl_create(struct event_base *base, const struct vtep_options *opts,
                const struct daemon_ssl *ssl, struct vtep_ctl **ctlp)
{
    struct vtep_ctl *c = xzalloc(sizeof *c);
    int err;

    *ctlp = NULL;
    c->base = base;
    c->opts = opts;
    c->tunnel_ip = opts->tunnel_ip;
    inet_ntop(AF_INET, &c->tunnel_ip, c->tunnel_ip_s, sizeof c->tunnel_ip_s);
    vtep_config_init(&c->cfg);
    c->pub = vtep_fwd_publisher_create(NULL);
    c->reclaim_ms = LLONG_MAX;
    c->wake = event_new(base, -1, 0, on_wake, c);

    /* The datapath, and a socket per port whose interface is there. */
    struct vtep_dp_options dpo = {
        .tunnel_ip = opts->tunnel_ip, .vxlan_port = opts->vxlan_port,
        .max_macs = opts->max_macs, .routed_tx = opts->routed_tx,
    };
    if ((err = vtep_dp_create(&dpo, c->pub, &c->dp))) {
        goto error;
    }
    c->ifmon = vtep_ifmon_create(on_links_changed, c);
    if ((err = vtep_ifmon_open(c->ifmon, base))) {
        log_err("cannot follow the interfaces through netlink: %s", strerror(-err));
        goto error;
    }
    static const struct vtep_ports_ops ops = { open_port, set_port, port_is_broken };
    c->ports = vtep_ports_create((const char *const *) opts->ports, opts->n_ports,
                                 (const char *const *) opts->port_matches,
                                 opts->n_port_matches, VTEP_DP_MAX_PORTS, &ops, c);
    vtep_ports_reconcile(c->ports, c->ifmon);
    c->links_changed = false;
    for (size_t i = 0; i < opts->n_ports; i++) {
        const struct vtep_port_info *p = vtep_ports_get(c->ports, i);
        if (!p->ifindex) {
            log_err("%s: cannot open port (%s)", p->name,
                    p->present ? "see above" : strerror(ENODEV));
            err = -ENODEV;
            goto error;
        }
    }

    /* The database. */
    struct vtep_store_callbacks cbs = { on_store_changed, on_store_resynced };
    if (opts->db) {
        err = vtep_store_open_embedded(base, opts->db, opts->schema,
                                       (const char *const *) opts->remotes,
                                       opts->n_remotes, ssl, &cbs, c, &c->store);
        c->dirty = true;
    } else {
        err = vtep_store_open_external(base, opts->db_remote, ssl, &cbs, c,
                                       &c->store);
    }
    if (err) {
        goto error;
    }

    /* LLDP on a TOR's ports (servers behind them); a hypervisor's ports are
     * VM taps, where it would tell tenants about the VTEP. */
    if (opts->lldp_interval_s && !strcmp(opts->mode, "tor")) {
        char *descr = xasprintf("%s (%s mode): VLAN-VXLAN hardware VTEP",
                                VTEP_VERSION, opts->mode);
        struct lldp_glue_options lo = {
            .name = opts->name, .system_descr = descr,
            .tunnel_ip = opts->tunnel_ip,
            .interval_s = opts->lldp_interval_s, .hold = opts->lldp_hold,
        };
        c->lldp = lldp_glue_create(&lo, c->dp, c->ports, c->ifmon);
        lldp_glue_ports_changed(c->lldp, time_msec());
        free(descr);
    }

    if ((err = vtep_dp_start(c->dp))) {
        log_err("cannot start the datapath thread");
        goto error;
    }
    if (opts->unixctl) {
        err = unixctl_server_create(base, opts->unixctl, VTEP_VERSION, &c->unixctl);
        if (err) {
            log_err("%s: cannot listen for ovs-appctl: %s", opts->unixctl,
                    strerror(-err));
            goto error;
        }
        register_commands(c);
    }
    long long now = time_msec();
    c->learn_ms = now + LEARN_POLL_MS;
    c->stats_ms = now + STATS_INTERVAL_MS;
    underlay_run(c);
    *ctlp = c;
    return 0;

error:
    vtep_ctl_destroy(c);
    return err;
}

void
vtep_ctl_destroy(struct vtep_ctl *c)
{
    if (!c) {
        return;
    }
    unixctl_server_destroy(c->unixctl);
    if (c->lldp && c->dp) {
        json_t *ops = lldp_glue_shutdown(c->lldp, c->store ? ctl_db(c) : NULL);
        if (ops) {
            run_ops(c, ops, "LLDP neighbours");
        }
    }
    vtep_dp_destroy(c->dp);             /* Closes the ports' sockets, after
                                         * the shutdown LLDPDUs. */
    lldp_glue_destroy(c->lldp);
    vtep_ports_destroy(c->ports);
    vtep_ifmon_destroy(c->ifmon);
    vtep_store_destroy(c->store);
    /* Let closed connections finish their deferred teardown. */
    event_base_loop(c->base, EVLOOP_NONBLOCK);
    vtep_fwd_publisher_destroy(c->pub);
    vtep_config_destroy(&c->cfg);
    if (c->wake) {
        event_free(c->wake);
    }
    free(c);
}

/* ---- rebuild: rows -> snapshot ---- */

/* The Physical_Switch, Global row, Manager rows and this VTEP's
 * Physical_Ports (the named ones and the interfaces that match now). */
static void
write_startup(struct vtep_ctl *c)
{
    const char *tunnel_ips[] = { c->tunnel_ip_s };
    char *description = xasprintf("seam-vtep (%s mode)", c->opts->mode);
    size_t n_slots = vtep_ports_n_slots(c->ports), n = 0;
    const char **names = xcalloc(n_slots + 1, sizeof *names);
    const char **iface_ids = xcalloc(n_slots + 1, sizeof *iface_ids);
    for (size_t i = 0; i < n_slots; i++) {
        const struct vtep_port_info *p = vtep_ports_get(c->ports, i);
        if (p->name) {
            iface_ids[n] = p->iface_id;
            names[n++] = p->name;
        }
    }
    size_t n_patterns;
    const char *const *patterns = vtep_ports_patterns(c->ports, &n_patterns);
    struct vtep_db_identity id = {
        .ps_name = c->opts->name,
        .description = description,
        .management_ips = tunnel_ips, .n_management_ips = 1,
        .tunnel_ips = tunnel_ips, .n_tunnel_ips = 1,
        .ports = names, .n_ports = n, .iface_ids = iface_ids,
        .port_patterns = patterns, .n_port_patterns = n_patterns,
        .managers = (const char *const *) c->opts->managers,
        .n_managers = c->opts->n_managers,
    };
    run_ops(c, vtep_db_startup_ops(ctl_db(c), &id), "start-up");
    free(names);
    free(iface_ids);
    free(description);
    c->started = true;
}

/* Puts 'cfg's ports at the index of their slot, with their fault counts;
 * bindings of ports this VTEP does not drive are dropped. */
static void
remap_ports(const struct vtep_ctl *c, struct vtep_config *cfg)
{
    size_t n_slots = vtep_ports_n_slots(c->ports);
    size_t *map = xcalloc(cfg->n_ports ? cfg->n_ports : 1, sizeof *map);
    for (size_t i = 0; i < cfg->n_ports; i++) {
        map[i] = SIZE_MAX;
        for (size_t j = 0; j < n_slots; j++) {
            const char *name = vtep_ports_get(c->ports, j)->name;
            if (name && !strcmp(cfg->ports[i].name, name)) {
                map[i] = j;
            }
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_bindings; i++) {
        struct vtep_binding b = cfg->bindings[i];
        if (map[b.port] != SIZE_MAX) {
            b.port = map[b.port];
            cfg->bindings[n++] = b;
        }
    }
    cfg->n_bindings = n;
    struct vtep_port *ports = xcalloc(n_slots ? n_slots : 1, sizeof *ports);
    for (size_t j = 0; j < n_slots; j++) {
        const char *name = vtep_ports_get(c->ports, j)->name;
        ports[j].name = name ? xstrdup(name) : NULL;
    }
    for (size_t i = 0; i < cfg->n_ports; i++) {
        if (map[i] != SIZE_MAX) {
            ports[map[i]].n_invalid_bindings = cfg->ports[i].n_invalid_bindings;
            ports[map[i]].n_acl_bindings = cfg->ports[i].n_acl_bindings;
        }
        free(cfg->ports[i].name);
    }
    free(cfg->ports);
    cfg->ports = ports;
    cfg->n_ports = n_slots;
    free(map);
}

/* The remote VTEPs the configuration sends to. */
static size_t
collect_remotes(const struct vtep_config *cfg, struct in_addr **remotesp)
{
    size_t n = 0, cap = 0;
    struct in_addr *r = NULL;
#define ADD(IP) do {                                                    \
        bool dup = false;                                               \
        for (size_t k_ = 0; k_ < n; k_++) {                             \
            dup = dup || r[k_].s_addr == (IP).s_addr;                   \
        }                                                               \
        if (!dup) {                                                     \
            r = xgrow(r, &cap, n + 1, sizeof *r);                       \
            r[n++] = (IP);                                              \
        }                                                               \
    } while (0)
    for (size_t s = 0; s < cfg->n_switches; s++) {
        const struct vtep_switch *sw = &cfg->switches[s];
        for (size_t i = 0; i < sw->n_ucast; i++) {
            for (size_t j = 0; j < sw->ucast[i].n_locators; j++) {
                ADD(sw->ucast[i].locators[j].ip);
            }
        }
        for (size_t i = 0; i < sw->n_mcast; i++) {
            for (size_t j = 0; j < sw->mcast[i].n_locators; j++) {
                ADD(sw->mcast[i].locators[j].ip);
            }
        }
        for (size_t i = 0; i < sw->n_unknown_dst; i++) {
            ADD(sw->unknown_dst[i].ip);
        }
    }
#undef ADD
    *remotesp = r;
    return n;
}

/* The database changed: a new snapshot for the datapath, and the rows that
 * follow from the configuration (unknown-dst of the bound switches,
 * tunnels). */
static void
rebuild(struct vtep_ctl *c)
{
    const struct ovsdb_db *db = ctl_db(c);
    if (!db) {
        return;
    }
    long long start_ms = time_msec();
    c->dirty = false;
    if (!c->started) {
        write_startup(c);
        db = ctl_db(c);
    }
    struct vtep_config cfg;
    int skipped = vtep_db_build_config(db, c->opts->name, &cfg);
    if (skipped == -ENOENT) {
        vtep_config_destroy(&cfg);
        c->started = false;             /* Deleted by someone: write it again. */
        return;
    }
    if (skipped > 0) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        log_warn_rl(&rl, "%d database rows skipped (invalid for forwarding)", skipped);
    }
    cfg.tunnel_ip = c->tunnel_ip;
    cfg.vxlan_port = c->opts->vxlan_port;
    cfg.mac_aging_s = c->opts->mac_aging_s;
    cfg.tunnel_mtu = c->opts->tunnel_mtu;
    remap_ports(c, &cfg);

    struct vtep_fwd *fwd = vtep_fwd_create(&cfg);
    vtep_fwd_publish(c->pub, fwd);
    c->reclaim_ms = MIN(c->reclaim_ms, start_ms + RECLAIM_MS);
    vtep_config_destroy(&c->cfg);
    c->cfg = cfg;
    log_debug("published a snapshot: %zu switches, %zu bindings (%lld ms)",
              cfg.n_switches, cfg.n_bindings, time_msec() - start_ms);

    run_ops(c, vtep_db_mcast_local_ops(ctl_db(c), c->opts->name, c->tunnel_ip),
            "Mcast_Macs_Local");
    struct in_addr *remotes;
    size_t n = collect_remotes(&c->cfg, &remotes);
    run_ops(c, vtep_db_tunnel_ops(ctl_db(c), c->opts->name, c->tunnel_ip, remotes, n),
            "Tunnel");
    free(remotes);
}

/* ---- learned MACs, statistics, faults ---- */

/* Learned, moved and aged MACs from the datapath, as one transaction. */
static void
learn_run(struct vtep_ctl *c)
{
    struct vtep_db_mac_event events[256];
    struct vtep_learn_event ev;
    size_t n = 0;
    while (n < ARRAY_SIZE(events) && vtep_ring_pop(vtep_dp_ring(c->dp), &ev)) {
        if (vtep_db_mac_event_from_learn(&c->cfg, &ev, &events[n])) {
            n++;
        }
    }
    if (n && ctl_db(c)) {
        run_ops(c, vtep_db_local_mac_ops(ctl_db(c), c->tunnel_ip, events, n, NULL),
                "Ucast_Macs_Local");
    }
}

/* Physical_Switch.switch_fault_status and Physical_Port.port_fault_status
 * (vtep(5)), written only where they change:
 *  - mac_table_exhaustion while the datapath refuses to learn MACs because
 *    its table holds --max-macs of them (the pipeline's learn_full counter
 *    grew since the last tick); cleared on the first tick it did not;
 *  - unspecified_fault on the switch while its tunnel IP is on no
 *    interface, or on one that is down (the underlay is gone);
 *  - invalid_vlan_map on a port with a vlan_bindings entry that cannot be
 *    instantiated (db.h, vtep_db_build_config());
 *  - invalid_ACL_binding on a port with acl_bindings (ACLs are not applied);
 *  - unspecified_fault on a port whose interface is down or gone. */
static void
write_faults(struct vtep_ctl *c)
{
    if (!ctl_db(c) || !c->started) {
        return;
    }
    const struct vtep_pipeline_stats *st = vtep_dp_pipeline_stats(c->dp);
    uint64_t learn_full = __atomic_load_n(&st->learn_full, __ATOMIC_RELAXED);
    const char *switch_faults[2];
    size_t n_switch_faults = 0;
    if (learn_full != c->learn_full) {
        switch_faults[n_switch_faults++] = "mac_table_exhaustion";
    }
    if (!c->underlay_ok) {
        switch_faults[n_switch_faults++] = "unspecified_fault";
    }

    size_t n_slots = vtep_ports_n_slots(c->ports);
    const char **strings = xcalloc(3 * (n_slots ? n_slots : 1), sizeof *strings);
    struct vtep_db_port_faults *faults = xcalloc(n_slots + 1, sizeof *faults);
    size_t n_ports = 0;
    for (size_t i = 0; i < n_slots; i++) {
        const struct vtep_port_info *p = vtep_ports_get(c->ports, i);
        if (!p->name) {
            continue;
        }
        const char **f = &strings[3 * i];
        size_t n = 0;
        /* c->cfg.ports is in slot order once a snapshot was built. */
        if (i < c->cfg.n_ports && c->cfg.ports[i].n_invalid_bindings) {
            f[n++] = "invalid_vlan_map";
        }
        if (i < c->cfg.n_ports && c->cfg.ports[i].n_acl_bindings) {
            f[n++] = "invalid_ACL_binding";
        }
        if (!vtep_ports_is_healthy(c->ports, i)) {
            f[n++] = "unspecified_fault";
        }
        faults[n_ports++] = (struct vtep_db_port_faults) {
            .name = p->name, .faults = f, .n_faults = n,
        };
    }
    run_ops(c, vtep_db_fault_ops(ctl_db(c), c->opts->name, switch_faults,
                                 n_switch_faults, faults, n_ports), "faults");
    free(faults);
    free(strings);
}

static void
stats_run(struct vtep_ctl *c)
{
    const struct ovsdb_db *db = ctl_db(c);
    if (!db || !c->started) {
        return;
    }
    struct vtep_db_binding_stats *stats = xcalloc(c->cfg.n_bindings + 1, sizeof *stats);
    for (size_t i = 0; i < c->cfg.n_bindings; i++) {
        const struct vtep_binding *b = &c->cfg.bindings[i];
        struct vtep_dp_binding_counts n;
        vtep_dp_binding_counts(c->dp, b->port, b->vlan, &n);
        stats[i] = (struct vtep_db_binding_stats) {
            .port = c->cfg.ports[b->port].name, .vlan = b->vlan,
            .bytes_from_local = n.bytes_from_local,
            .packets_from_local = n.packets_from_local,
            .bytes_to_local = n.bytes_to_local,
            .packets_to_local = n.packets_to_local,
        };
    }
    run_ops(c, vtep_db_stats_ops(db, c->opts->name, stats, c->cfg.n_bindings), "stats");
    free(stats);

    write_faults(c);
    c->learn_full = __atomic_load_n(&vtep_dp_pipeline_stats(c->dp)->learn_full,
                                    __ATOMIC_RELAXED);
}

/* ---- interfaces: ports and the underlay ---- */

/* The interfaces changed (or it is time to retry): sockets and rows of the
 * ports follow. */
static void
ports_run(struct vtep_ctl *c)
{
    if (vtep_ports_reconcile(c->ports, c->ifmon)) {
        c->started = false;             /* The Physical_Port rows. */
        c->dirty = true;                /* Port indexes of the snapshot. */
    }
    if (c->lldp) {
        lldp_glue_ports_changed(c->lldp, time_msec());
    }
}

/* Whether the tunnel IP is on an interface that is up: logged when that
 * changes (and at start if not). */
static void
underlay_run(struct vtep_ctl *c)
{
    int ifindex = vtep_ifmon_addr_ifindex(c->ifmon, c->tunnel_ip);
    const struct vtep_ifmon_link *link = ifindex
                                         ? vtep_ifmon_find_index(c->ifmon, ifindex)
                                         : NULL;
    bool ok = link && vtep_ifmon_link_is_up(link);
    if (c->underlay_known && ok == c->underlay_ok) {
        return;
    }
    if (ok) {
        if (c->underlay_known) {
            log_info("tunnel IP %s is on %s: tunnels up", c->tunnel_ip_s,
                     link->name);
        }
    } else if (link) {
        log_warn("tunnel IP %s: its interface %s is down: tunnels down "
                 "(switch_fault_status unspecified_fault) until it is up",
                 c->tunnel_ip_s, link->name);
    } else {
        log_warn("tunnel IP %s is on no interface (the underlay interface is "
                 "gone?): tunnels down (switch_fault_status unspecified_fault) "
                 "until it is back", c->tunnel_ip_s);
    }
    c->underlay_ok = ok;
    c->underlay_known = true;
}

/* ---- run / wait ---- */

void
vtep_ctl_run(struct vtep_ctl *c)
{
    long long now = time_msec();

    if (c->links_changed) {
        c->links_changed = false;
        ports_run(c);
        underlay_run(c);
        write_faults(c);                /* At once, not at the next tick. */
    }
    if (c->dirty && now >= c->rebuild_ms) {
        rebuild(c);
        c->rebuild_ms = now + REBUILD_MIN_MS;
    }
    if (now >= c->learn_ms) {
        learn_run(c);
        c->learn_ms = now + LEARN_POLL_MS;
    }
    if (c->lldp && c->started) {
        json_t *ops = lldp_glue_run(c->lldp, now, ctl_db(c));
        if (ops) {
            run_ops(c, ops, "LLDP neighbours");
        }
    }
    if (now >= c->stats_ms) {
        ports_run(c);                   /* Retries what failed. */
        stats_run(c);
        c->stats_ms = now + STATS_INTERVAL_MS;
    }
    if (now >= c->reclaim_ms) {
        size_t waiting = vtep_fwd_reclaim(c->pub) + vtep_dp_run(c->dp);
        c->reclaim_ms = waiting ? now + RECLAIM_MS : LLONG_MAX;
    }
}

void
vtep_ctl_wait(struct vtep_ctl *c)
{
    long long deadline = MIN(c->learn_ms, MIN(c->stats_ms, c->reclaim_ms));
    if (c->lldp) {
        deadline = MIN(deadline, lldp_glue_next_ms(c->lldp));
    }
    if (c->dirty || c->links_changed) {
        deadline = MIN(deadline, c->links_changed ? 0 : c->rebuild_ms);
    }
    long long ms = MAX(0, deadline - time_msec());
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    event_add(c->wake, &tv);
}

bool
vtep_ctl_exiting(const struct vtep_ctl *c)
{
    return c->exiting;
}

/* ---- ovs-appctl commands ---- */

static bool
cmd_dp_show(struct ds *out, int argc, const char *argv[], void *c_)
{
    struct vtep_ctl *c = c_;
    vtep_dp_format_stats(c->dp, out);
    if (c->lldp) {
        lldp_glue_format_stats(c->lldp, out);
    }
    return true;
}

static bool
cmd_vlog_set(struct ds *out, int argc, const char *argv[], void *c_)
{
    const char *arg = argv[1];
    if (!strncmp(arg, "debug:", 6)) {
        if (log_enable_debug(arg + 6)) {
            ds_put_format(out, "unknown module in \"%s\"", arg + 6);
            return false;
        }
        return true;
    }
    int level = log_level_from_string(arg);
    if (level < 0) {
        ds_put_format(out, "unknown log level \"%s\" (err, warn, info, debug; "
                      "or debug:MODULE,...)", arg);
        return false;
    }
    log_set_level(level);
    log_info("log level set to %s by ovs-appctl", arg);
    return true;
}

static void
on_exit_timer(evutil_socket_t fd, short what, void *c_)
{
    struct vtep_ctl *c = c_;
    c->exiting = true;
}

static bool
cmd_exit(struct ds *out, int argc, const char *argv[], void *c_)
{
    struct vtep_ctl *c = c_;
    log_info("exit requested through the control socket");
    /* A moment for the reply to leave before the loop stops. */
    struct timeval tv = { 0, EXIT_DELAY_MS * 1000 };
    event_base_once(c->base, -1, EV_TIMEOUT, on_exit_timer, c, &tv);
    return true;
}

static void
register_commands(struct vtep_ctl *c)
{
    unixctl_command_register(c->unixctl, "dp/show", "", 0, 0, cmd_dp_show, c);
    unixctl_command_register(c->unixctl, "vlog/set", "LEVEL|debug:MODULE,...",
                             1, 1, cmd_vlog_set, c);
    unixctl_command_register(c->unixctl, "exit", "", 0, 0, cmd_exit, c);
}
