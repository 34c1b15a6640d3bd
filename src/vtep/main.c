/* seam-vtep: a software hardware VTEP.  It serves (or follows, on an external
 * ovsdb-server) the hardware_vtep database of one physical switch and
 * forwards between 802.1Q-tagged physical ports and VXLAN tunnels exactly as
 * the database says.
 *
 * Two threads: this control thread runs a libevent loop with the OVSDB side
 * (embedded server or client replica), turns every change of the database
 * into a forwarding snapshot (db.c -> fwd.c) and publishes it, reports the
 * MACs the datapath learns (Ucast_Macs_Local), the tunnels it uses, binding
 * statistics and port faults; the datapath thread (dp.c) forwards.  See
 * docs/vtep.md. */
#include <errno.h>
#include <event2/event.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/ds.h"
#include "lib/log.h"
#include "ovsdb/client.h"
#include "ovsdb/daemon.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/execution.h"
#include "ovsdb/jsonarena.h"
#include "ovsdb/monitor.h"
#include "ovsdb/server.h"
#include "ovsdb/storage.h"
#include "ovsdb/unixctl.h"
#include "vtep/config.h"
#include "vtep/db.h"
#include "vtep/dp.h"
#include "vtep/fwd.h"
#include "vtep/options.h"
#include "vtep/pipeline.h"
#include "vtep/ring.h"

LOG_MODULE(vtep);

#define VTEP_SCHEMA_DEFAULT "/usr/share/openvswitch/vtep.ovsschema"
#define REBUILD_CHECK_MS 20
#define LEARN_POLL_MS 50
#define STATS_INTERVAL_MS 3000

struct vtep {
    struct event_base *base;
    const char *ps_name;
    const char *mode;                   /* "tor" or "hypervisor". */
    struct in_addr tunnel_ip;
    const char *const *ports;
    size_t n_ports;
    const char *const *managers;        /* Ensured in Global.managers. */
    size_t n_managers;
    uint16_t vxlan_port;
    unsigned int mac_aging_s;
    unsigned int tunnel_mtu;

    /* One of the two. */
    struct ovsdb_server *server;        /* Embedded. */
    struct ovsdb_db *edb;
    struct ovsdb_monitor *monitor;      /* Internal: marks 'dirty'. */
    struct ovsdb_client *client;        /* External ovsdb-server. */

    bool dirty;
    bool started;                       /* Start-up rows written. */
    struct vtep_config cfg;             /* Of the snapshot published last. */
    struct vtep_fwd_publisher *pub;
    struct vtep_dp *dp;
    struct unixctl_server *unixctl;     /* ovs-appctl, or NULL. */
    uint64_t learn_full;                /* Pipeline counter at the last
                                         * stats tick. */
};

static const struct ovsdb_db *
vtep_db(const struct vtep *v)
{
    return v->edb ? v->edb : v->client ? ovsdb_client_get_db(v->client) : NULL;
}

/* A transaction through the client library is answered: log a failure
 * (a TRY_AGAIN is redone from the resynced replica by the next rebuild). */
static void
on_txn_done(void *v_, struct ovsdb_client_txn *txn)
{
    struct vtep *v = v_;
    enum ovsdb_client_txn_status st = ovsdb_client_txn_get_status(txn);
    if (st != OVSDB_CLIENT_TXN_SUCCESS) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        const char *e = ovsdb_client_txn_get_error(txn);
        log_warn_rl(&rl, "transaction to the external database: %s%s%s",
                    ovsdb_client_txn_status_to_string(st), e ? ": " : "", e ? e : "");
        v->dirty = true;            /* Compute the rows again. */
    }
    ovsdb_client_txn_destroy(txn);
}

/* Runs the operations 'ops' (taken) as one transaction on the database. */
static void
run_ops(struct vtep *v, json_t *ops, const char *what)
{
    if (!json_array_size(ops)) {
        json_decref(ops);
        return;
    }
    if (v->edb) {
        long long timeout;
        json_t *result;
        if (ovsdb_execute(v->edb, NULL, ops, 0, &timeout, &result)) {
            size_t i;
            json_t *r;
            json_array_foreach (result, i, r) {
                if (json_object_get(r, "error")) {
                    static struct log_rl rl = LOG_RL_INIT(5, 5);
                    char *s = json_dumps(r, JSON_COMPACT);
                    log_warn_rl(&rl, "%s: transaction failed: %s", what, s);
                    free(s);
                    v->dirty = true;    /* Compute the rows again. */
                    break;
                }
            }
            json_decref(result);
        }
        /* A commit reaches the internal monitor, which marks 'dirty' if it
         * changed what the configuration is built from. */
    } else if (v->client && ovsdb_client_is_synced(v->client)) {
        /* Asynchronous: this runs inside the event loop, which a blocking
         * commit would have to run again. */
        struct ovsdb_client_txn *txn = ovsdb_client_txn_create(v->client);
        size_t i;
        json_t *op;
        json_array_foreach (ops, i, op) {
            ovsdb_client_txn_add_op(txn, json_incref(op));
        }
        ovsdb_client_txn_commit(txn, on_txn_done, v);
    }
    json_decref(ops);
}

static void
write_startup(struct vtep *v)
{
    char tunnel[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &v->tunnel_ip, tunnel, sizeof tunnel);
    const char *tunnel_ips[] = { tunnel };
    char *description = xasprintf("seam-vtep (%s mode)", v->mode);
    struct vtep_db_identity id = {
        .ps_name = v->ps_name,
        .description = description,
        .management_ips = tunnel_ips, .n_management_ips = 1,
        .tunnel_ips = tunnel_ips, .n_tunnel_ips = 1,
        .ports = v->ports, .n_ports = v->n_ports,
        .managers = v->managers, .n_managers = v->n_managers,
    };
    run_ops(v, vtep_db_startup_ops(vtep_db(v), &id), "start-up");
    free(description);
    v->started = true;
}

/* Puts 'cfg's ports in the datapath's order (the --port order), with their
 * fault counts; bindings of ports this VTEP does not drive are dropped. */
static void
remap_ports(const struct vtep *v, struct vtep_config *cfg)
{
    size_t *map = xcalloc(cfg->n_ports ? cfg->n_ports : 1, sizeof *map);
    for (size_t i = 0; i < cfg->n_ports; i++) {
        map[i] = SIZE_MAX;
        for (size_t j = 0; j < v->n_ports; j++) {
            if (!strcmp(cfg->ports[i].name, v->ports[j])) {
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
    struct vtep_port *ports = xcalloc(v->n_ports ? v->n_ports : 1, sizeof *ports);
    for (size_t j = 0; j < v->n_ports; j++) {
        ports[j].name = xstrdup(v->ports[j]);
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
    cfg->n_ports = v->n_ports;
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
rebuild(struct vtep *v)
{
    const struct ovsdb_db *db = vtep_db(v);
    if (!db) {
        return;
    }
    long long start_ms = time_msec();
    v->dirty = false;
    if (!v->started) {
        write_startup(v);
        db = vtep_db(v);
    }
    struct vtep_config cfg;
    int skipped = vtep_db_build_config(db, v->ps_name, &cfg);
    if (skipped == -ENOENT) {
        vtep_config_destroy(&cfg);
        v->started = false;         /* Deleted by someone: write it again. */
        return;
    }
    if (skipped > 0) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        log_warn_rl(&rl, "%d database rows skipped (invalid for forwarding)", skipped);
    }
    cfg.tunnel_ip = v->tunnel_ip;
    cfg.vxlan_port = v->vxlan_port;
    cfg.mac_aging_s = v->mac_aging_s;
    cfg.tunnel_mtu = v->tunnel_mtu;
    remap_ports(v, &cfg);

    struct vtep_fwd *fwd = vtep_fwd_create(&cfg);
    vtep_fwd_publish(v->pub, fwd);
    vtep_config_destroy(&v->cfg);
    v->cfg = cfg;
    log_debug("published a snapshot: %zu switches, %zu bindings (%lld ms)",
              cfg.n_switches, cfg.n_bindings, time_msec() - start_ms);

    run_ops(v, vtep_db_mcast_local_ops(vtep_db(v), v->ps_name, v->tunnel_ip),
            "Mcast_Macs_Local");
    struct in_addr *remotes;
    size_t n = collect_remotes(&v->cfg, &remotes);
    run_ops(v, vtep_db_tunnel_ops(vtep_db(v), v->ps_name, v->tunnel_ip, remotes, n),
            "Tunnel");
    free(remotes);
}

static void
on_rebuild_timer(evutil_socket_t fd, short what, void *v_)
{
    struct vtep *v = v_;
    if (v->dirty) {
        rebuild(v);
    }
    vtep_fwd_reclaim(v->pub);
}

/* Learned, moved and aged MACs from the datapath, as one transaction. */
static void
on_learn_timer(evutil_socket_t fd, short what, void *v_)
{
    struct vtep *v = v_;
    struct vtep_db_mac_event events[256];
    struct vtep_learn_event ev;
    size_t n = 0;
    while (n < ARRAY_SIZE(events) && vtep_ring_pop(vtep_dp_ring(v->dp), &ev)) {
        if (vtep_db_mac_event_from_learn(&v->cfg, &ev, &events[n])) {
            n++;
        }
    }
    if (n && vtep_db(v)) {
        run_ops(v, vtep_db_local_mac_ops(vtep_db(v), v->tunnel_ip, events, n, NULL),
                "Ucast_Macs_Local");
    }
}

/* Physical_Switch.switch_fault_status and Physical_Port.port_fault_status
 * (vtep(5)), written only where they change:
 *  - mac_table_exhaustion while the datapath refuses to learn MACs because
 *    its table holds --max-macs of them (the pipeline's learn_full counter
 *    grew since the last tick); cleared on the first tick it did not;
 *  - invalid_vlan_map on a port with a vlan_bindings entry that cannot be
 *    instantiated (db.h, vtep_db_build_config());
 *  - invalid_ACL_binding on a port with acl_bindings (ACLs are not applied);
 *  - unspecified_fault on a port whose interface is down. */
static void
write_faults(struct vtep *v)
{
    const struct vtep_pipeline_stats *st = vtep_dp_pipeline_stats(v->dp);
    uint64_t learn_full = __atomic_load_n(&st->learn_full, __ATOMIC_RELAXED);
    static const char *const mac_full[] = { "mac_table_exhaustion" };
    bool exhausted = learn_full != v->learn_full;
    v->learn_full = learn_full;

    const char **strings = xcalloc(3 * (v->n_ports ? v->n_ports : 1), sizeof *strings);
    struct vtep_db_port_faults *faults = xcalloc(v->n_ports + 1, sizeof *faults);
    for (size_t i = 0; i < v->n_ports; i++) {
        const char **f = &strings[3 * i];
        size_t n = 0;
        /* v->cfg.ports is in --port order once a snapshot was built. */
        if (i < v->cfg.n_ports && v->cfg.ports[i].n_invalid_bindings) {
            f[n++] = "invalid_vlan_map";
        }
        if (i < v->cfg.n_ports && v->cfg.ports[i].n_acl_bindings) {
            f[n++] = "invalid_ACL_binding";
        }
        if (!vtep_dp_port_is_up(v->dp, i)) {
            f[n++] = "unspecified_fault";
        }
        faults[i] = (struct vtep_db_port_faults) {
            .name = v->ports[i], .faults = f, .n_faults = n,
        };
    }
    run_ops(v, vtep_db_fault_ops(vtep_db(v), v->ps_name, mac_full, exhausted ? 1 : 0,
                                 faults, v->n_ports), "faults");
    free(faults);
    free(strings);
}

static void
on_stats_timer(evutil_socket_t fd, short what, void *v_)
{
    struct vtep *v = v_;
    const struct ovsdb_db *db = vtep_db(v);
    if (!db || !v->started) {
        return;
    }
    struct vtep_db_binding_stats *stats = xcalloc(v->cfg.n_bindings + 1, sizeof *stats);
    for (size_t i = 0; i < v->cfg.n_bindings; i++) {
        const struct vtep_binding *b = &v->cfg.bindings[i];
        struct vtep_dp_binding_counts c;
        vtep_dp_binding_counts(v->dp, b->port, b->vlan, &c);
        stats[i] = (struct vtep_db_binding_stats) {
            .port = v->cfg.ports[b->port].name, .vlan = b->vlan,
            .bytes_from_local = c.bytes_from_local,
            .packets_from_local = c.packets_from_local,
            .bytes_to_local = c.bytes_to_local,
            .packets_to_local = c.packets_to_local,
        };
    }
    run_ops(v, vtep_db_stats_ops(db, v->ps_name, stats, v->cfg.n_bindings), "stats");
    free(stats);

    write_faults(v);
}

/* The internal monitor's requests: every column but those the datapath's
 * own writes change (db.h, vtep_db_is_datapath_output()). */
static json_t *
monitor_requests(const struct ovsdb_schema *schema)
{
    json_t *requests = json_object();
    for (size_t i = 0; i < schema->n_tables; i++) {
        const struct ovsdb_table_schema *ts = schema->tables[i];
        if (vtep_db_is_datapath_output(ts->name, NULL)) {
            continue;
        }
        json_t *columns = json_array();
        for (size_t c = 0; c < ts->n_columns; c++) {
            const char *name = ts->columns[c]->name;
            if (name[0] != '_' && !vtep_db_is_datapath_output(ts->name, name)) {
                json_array_append_new(columns, json_string(name));
            }
        }
        json_object_set_new(requests, ts->name, json_pack("{so}", "columns", columns));
    }
    return requests;
}

/* The internal monitor's updates only say "something changed". */
static void
on_monitor_update(void *v_, char *text, size_t len)
{
    struct vtep *v = v_;
    v->dirty = true;
    free(text);
}

static void
note_change(void *dirty_, enum ovsdb_client_change_kind kind,
            const struct ovsdb_row *row, const unsigned long *changed)
{
    bool *dirty = dirty_;
    const struct ovsdb_table_schema *ts = row->table->schema;
    if (kind != OVSDB_CLIENT_MODIFIED) {
        *dirty = true;
        return;
    }
    for (size_t c = 0; c < ts->n_columns && !*dirty; c++) {
        *dirty = bitmap_is_set(changed, c)
                 && !vtep_db_is_datapath_output(ts->name, ts->columns[c]->name);
    }
}

/* The replica changed: dirty unless only the datapath's own outputs did
 * (as the embedded server's monitor, which leaves them out). */
static void
on_client_changed(void *v_)
{
    struct vtep *v = v_;
    const struct ovsdb_db *db = vtep_db(v);
    for (size_t i = 0; db && !v->dirty && i < db->schema->n_tables; i++) {
        const char *name = db->schema->tables[i]->name;
        if (!vtep_db_is_datapath_output(name, NULL)) {
            ovsdb_client_get_changes(v->client, name, note_change, &v->dirty);
        }
    }
    ovsdb_client_clear_changes(v->client);
}

static void
on_client_state(void *v_, bool synced)
{
    struct vtep *v = v_;
    if (synced) {
        v->started = false;         /* Check our rows on every (re)sync. */
        v->dirty = true;
    }
}

/* ovs-appctl commands. */
static bool
ctl_dp_show(struct ds *out, int argc, const char *argv[], void *v_)
{
    struct vtep *v = v_;
    vtep_dp_format_stats(v->dp, out);
    return true;
}

static bool
ctl_vlog_set(struct ds *out, int argc, const char *argv[], void *v_)
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
on_exit_timer(evutil_socket_t fd, short what, void *base)
{
    event_base_loopbreak(base);
}

static bool
ctl_exit(struct ds *out, int argc, const char *argv[], void *v_)
{
    struct vtep *v = v_;
    log_info("exit requested through the control socket");
    /* A moment for the reply to leave before the loop stops. */
    struct timeval tv = { 0, 50 * 1000 };
    event_base_once(v->base, -1, EV_TIMEOUT, on_exit_timer, v->base, &tv);
    return true;
}

static void
usage(FILE *out)
{
    fprintf(out,
"Usage: seam-vtep [--config=FILE] --name=NAME --tunnel-ip=IP --port=IFACE...\n"
"                 (--db=FILE | --db-remote=REMOTE) [OPTIONS]\n"
"       seam-vtep show REMOTE\n"
"\n"
"A software hardware VTEP: serves the hardware_vtep database (RFC 7047,\n"
"vtep(5)) of physical switch NAME and forwards between 802.1Q-tagged\n"
"physical ports and VXLAN (RFC 7348) tunnels as the database says.\n"
"\"show\" prints the switch, its bindings, MAC tables and counters as the\n"
"database at REMOTE holds them.\n"
"\n"
"  --config=FILE              settings from FILE first, one \"name value\" a\n"
"                             line (name = an option below without \"--\"),\n"
"                             '#' comments; flags given here override its\n"
"                             single-valued settings, repeatable ones add up\n"
"The switch:\n"
"  --name=NAME                Physical_Switch name\n"
"  --tunnel-ip=IP             this VTEP's VXLAN address, unicast IPv4 (also\n"
"                             bound for RX)\n"
"  --port=IFACE               a physical port (repeatable; a Physical_Port)\n"
"  --mode=tor|hypervisor      what the ports face (default tor); recorded in\n"
"                             the switch description\n"
"  --vxlan-port=PORT          UDP port, 1..65535 (default 4789)\n"
"  --tunnel-mtu=BYTES         underlay IPv4 MTU, 576..65535 (default 1500)\n"
"  --mac-aging=SECONDS        learned MAC lifetime, 1..1000000 (default 300)\n"
"  --max-macs=N               learned MAC table size, 1..16777216 (default\n"
"                             65536); when full: mac_table_exhaustion\n"
"  --tunnel-tx=direct|routed  VXLAN transmit to a cached neighbour (direct,\n"
"                             the default) or through IPv4 routing only\n"
"The database (one of):\n"
"  --db=FILE                  serve it embedded (created if missing)\n"
"    --schema=FILE            schema for a new FILE (default\n"
"                             " VTEP_SCHEMA_DEFAULT ")\n"
"    --remote=REMOTE          listen (punix:, ptcp:, pssl:) or dial (tcp:,\n"
"                             ssl:); repeatable.  Manager rows are followed\n"
"                             too (db:hardware_vtep,Global,managers)\n"
"    --manager=TARGET         make sure Global.managers has a Manager row\n"
"                             with TARGET (e.g. tcp:IP:6640: dial that\n"
"                             controller, as vtep-ctl set-manager does);\n"
"                             repeatable\n"
"  --db-remote=REMOTE         follow an external ovsdb-server instead\n"
"SSL: --private-key=FILE --certificate=FILE --ca-cert=FILE\n"
"Daemon: --pidfile=FILE --log-file=FILE --log-level=LEVEL -d MODULES -h -V\n"
"  --unixctl=SOCKET           control socket for ovs-appctl -t SOCKET: dp/show\n"
"                             (datapath counters), vlog/set LEVEL, exit\n"
"\n"
"A bad or missing setting: a message naming it (and FILE:LINE), exit 2.\n"
"Needs CAP_NET_RAW (AF_PACKET and raw IPv4 sockets).  SIGTERM stops it.\n");
}

/* "seam-vtep show REMOTE". */
static int
do_show(const char *remote)
{
    struct event_base *base = event_base_new();
    const char *remotes[] = { remote, NULL };
    struct ovsdb_client_options o;
    ovsdb_client_options_init(&o);
    o.db_name = "hardware_vtep";
    o.remotes = remotes;
    o.leader_only = false;
    struct ovsdb_client *c = ovsdb_client_create(base, &o, NULL, NULL);
    int status = 1;
    if (!ovsdb_client_wait_synced(c, 10000)) {
        fprintf(stderr, "seam-vtep: %s: cannot sync\n", remote);
        goto out;
    }
    static const char *const tables[] = {
        "Physical_Switch", "Physical_Port", "Logical_Switch", "Ucast_Macs_Local",
        "Ucast_Macs_Remote", "Mcast_Macs_Local", "Mcast_Macs_Remote",
        "Physical_Locator", "Tunnel", "Logical_Binding_Stats",
    };
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        const struct ovsdb_table *t = ovsdb_client_get_table(c, tables[i]);
        printf("%s (%zu rows)\n", tables[i], t ? hmap_count(&t->rows) : 0);
        if (!t) {
            continue;
        }
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            json_t *j = ovsdb_row_to_json(row, NULL, 0);
            json_object_del(j, "_version");
            char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
            printf("  %s\n", s);
            free(s);
            json_decref(j);
        }
    }
    status = 0;
out:
    ovsdb_client_destroy(c);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    return status;
}

int
main(int argc, char *argv[])
{
    struct vtep_options opts;
    struct vtep v;
    struct daemon_ssl ssl = DAEMON_SSL_INITIALIZER;
    struct daemon_signals *signals = NULL;
    int status = 1;

    if (argc == 3 && !strcmp(argv[1], "show")) {
        return do_show(argv[2]);
    }
    /* Every setting is checked before anything starts: a bad one is exit
     * status 2 with a message naming it. */
    vtep_options_init(&opts, VTEP_SCHEMA_DEFAULT);
    char *bad = vtep_options_parse_args(&opts, argc, argv);
    if (!bad && !opts.help && !opts.version) {
        bad = vtep_options_check(&opts);
    }
    if (bad) {
        fprintf(stderr, "seam-vtep: %s\n", bad);
        free(bad);
        vtep_options_destroy(&opts);
        return 2;
    }
    if (opts.help || opts.version) {
        if (opts.help) {
            usage(stdout);
        } else {
            printf("seam-vtep 0.1.0\n");
        }
        vtep_options_destroy(&opts);
        return 0;
    }
    if (daemon_log_setup(opts.log_file, opts.log_level, opts.debug, opts.n_debug)) {
        fprintf(stderr, "seam-vtep: cannot open %s\n", opts.log_file);
        vtep_options_destroy(&opts);
        return 1;
    }

    memset(&v, 0, sizeof v);
    v.ps_name = opts.name;
    v.mode = opts.mode;
    v.tunnel_ip = opts.tunnel_ip;
    v.ports = (const char *const *) opts.ports;
    v.n_ports = opts.n_ports;
    v.managers = (const char *const *) opts.managers;
    v.n_managers = opts.n_managers;
    v.vxlan_port = opts.vxlan_port;
    v.mac_aging_s = opts.mac_aging_s;
    v.tunnel_mtu = opts.tunnel_mtu;
    vtep_config_init(&v.cfg);

    jsonarena_install();
    v.base = event_base_new();
    signals = daemon_signals_create(v.base);
    v.pub = vtep_fwd_publisher_create(NULL);
    if (daemon_ssl_init(&ssl, opts.private_key, opts.certificate, opts.ca_cert)) {
        goto out;
    }

    struct vtep_dp_options dpo = {
        .ports = v.ports, .n_ports = v.n_ports,
        .tunnel_ip = v.tunnel_ip, .vxlan_port = v.vxlan_port,
        .max_macs = opts.max_macs, .routed_tx = opts.routed_tx,
    };
    if (vtep_dp_create(&dpo, v.pub, &v.dp)) {
        goto out;
    }

    if (opts.db) {
        if (daemon_db_open(opts.db, opts.schema, &v.edb)) {
            goto out;
        }
        v.server = ovsdb_server_create(v.base);
        if (ovsdb_server_add_db(v.server, v.edb)) {
            goto out;
        }
        for (size_t i = 0; i < opts.n_remotes; i++) {
            if (daemon_server_add_remote(v.server, opts.remotes[i], &ssl)) {
                goto out;
            }
        }
        if (daemon_server_add_remote(v.server, "db:hardware_vtep,Global,managers",
                                     &ssl)) {
            goto out;
        }
        json_t *requests = monitor_requests(v.edb->schema);
        json_t *id = json_string("seam-vtep");
        struct ds ignored = DS_EMPTY_INITIALIZER;
        struct ovsdb_error *merror = ovsdb_monitor_create(v.edb, OVSDB_MONITOR_V2, id,
                                                          requests, NULL,
                                                          on_monitor_update, &v,
                                                          &v.monitor, &ignored);
        ds_destroy(&ignored);
        json_decref(id);
        json_decref(requests);
        if (daemon_log_error(merror, "internal monitor")) {
            goto out;
        }
        v.dirty = true;
    } else {
        const char *remotes[] = { opts.db_remote, NULL };
        struct ovsdb_client_options o;
        ovsdb_client_options_init(&o);
        o.db_name = "hardware_vtep";
        o.remotes = remotes;
        o.ssl_ctx = ssl.client;
        struct ovsdb_client_callbacks cbs = {
            .changed = on_client_changed, .state = on_client_state,
        };
        v.client = ovsdb_client_create(v.base, &o, &cbs, &v);
    }
    if (vtep_dp_start(v.dp)) {
        log_err("cannot start the datapath thread");
        goto out;
    }
    if (opts.unixctl) {
        int err = unixctl_server_create(v.base, opts.unixctl, "seam-vtep 0.1.0",
                                        &v.unixctl);
        if (err) {
            log_err("%s: cannot listen for ovs-appctl: %s", opts.unixctl,
                    strerror(-err));
            goto out;
        }
        unixctl_command_register(v.unixctl, "dp/show", "", 0, 0, ctl_dp_show, &v);
        unixctl_command_register(v.unixctl, "vlog/set", "LEVEL|debug:MODULE,...",
                                 1, 1, ctl_vlog_set, &v);
        unixctl_command_register(v.unixctl, "exit", "", 0, 0, ctl_exit, &v);
    }
    if (daemon_pidfile_write(opts.pidfile)) {
        goto out;
    }

    struct timeval rebuild_tv = { 0, REBUILD_CHECK_MS * 1000 };
    struct timeval learn_tv = { 0, LEARN_POLL_MS * 1000 };
    struct timeval stats_tv = { STATS_INTERVAL_MS / 1000, 0 };
    struct event *timers[] = {
        event_new(v.base, -1, EV_PERSIST, on_rebuild_timer, &v),
        event_new(v.base, -1, EV_PERSIST, on_learn_timer, &v),
        event_new(v.base, -1, EV_PERSIST, on_stats_timer, &v),
    };
    event_add(timers[0], &rebuild_tv);
    event_add(timers[1], &learn_tv);
    event_add(timers[2], &stats_tv);
    char tunnel_ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &v.tunnel_ip, tunnel_ip, sizeof tunnel_ip);
    log_info("seam-vtep %s: switch %s, tunnel IP %s, %zu port(s)%s%s", v.mode,
             v.ps_name, tunnel_ip, v.n_ports, opts.config ? ", config " : "",
             opts.config ? opts.config : "");
    event_base_dispatch(v.base);
    for (size_t i = 0; i < ARRAY_SIZE(timers); i++) {
        event_free(timers[i]);
    }
    daemon_pidfile_remove(opts.pidfile);
    status = 0;

out:
    unixctl_server_destroy(v.unixctl);
    vtep_dp_destroy(v.dp);
    ovsdb_monitor_destroy(v.monitor);
    if (v.server) {
        ovsdb_server_destroy(v.server);
    } else {
        daemon_db_close(v.edb);
    }
    ovsdb_client_destroy(v.client);
    event_base_loop(v.base, EVLOOP_NONBLOCK);
    vtep_fwd_publisher_destroy(v.pub);
    vtep_config_destroy(&v.cfg);
    daemon_ssl_destroy(&ssl);
    daemon_signals_destroy(signals);
    event_base_free(v.base);
    vtep_options_destroy(&opts);
    log_close();
    jsonarena_trim();
    return status;
}
