/* seam-vtep: a software hardware VTEP.  It serves (or follows, on an external
 * ovsdb-server) the hardware_vtep database of one physical switch and
 * forwards between 802.1Q-tagged physical ports and VXLAN tunnels exactly as
 * the database says.
 *
 * Two threads: the control thread (ctl.c) runs this file's loop with the
 * OVSDB side (store.c), the interfaces it follows (ifmon.c, ports.c) and the
 * rows it writes; the datapath thread (dp.c) forwards.  main() only parses
 * the options, sets the daemon up (ovsdb/daemon.h) and loops over run and
 * wait, as ovs-vswitchd's main() does.  See docs/vtep.md. */
#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "ovsdb/client.h"
#include "ovsdb/daemon.h"
#include "ovsdb/db.h"
#include "ovsdb/jsonarena.h"
#include "vtep/ctl.h"
#include "vtep/options.h"

#define VTEP_SCHEMA_DEFAULT "/usr/share/openvswitch/vtep.ovsschema"

LOG_MODULE(vtep);

static void
usage(FILE *out)
{
    fprintf(out,
"Usage: seam-vtep [--config=FILE] --name=NAME --tunnel-ip=IP\n"
"                 (--port=IFACE | --port-match=PATTERN)...\n"
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
"  --port=IFACE               a physical port (repeatable; a Physical_Port).\n"
"                             Followed by name: if the interface goes away\n"
"                             the port is down (unspecified_fault) until an\n"
"                             interface of that name is back\n"
"  --port-match=PATTERN       every interface whose name matches the fnmatch\n"
"                             PATTERN (e.g. tap*) is a port while it exists:\n"
"                             its Physical_Port row is added when it appears\n"
"                             and removed when it goes; its alias (ip link\n"
"                             set IFACE alias ID) is other_config:iface-id.\n"
"                             Repeatable; --port, --port-match or both\n"
"  --mode=tor|hypervisor      what the ports face (default tor); recorded in\n"
"                             the switch description\n"
"  --vxlan-port=PORT          UDP port, 1..65535 (default 4789)\n"
"  --tunnel-mtu=BYTES         underlay IPv4 MTU, 576..65535 (default 1500)\n"
"  --mac-aging=SECONDS        learned MAC lifetime, 1..1000000 (default 300)\n"
"  --lldp-interval=SECONDS    LLDP on the ports (tor mode): an LLDPDU every\n"
"                             SECONDS, 1..3600, 0 = no LLDP (default 30)\n"
"  --lldp-hold=N              LLDP TTL = interval x N, 1..100 (default 4)\n"
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

/* Parses and checks every setting before anything starts.  Returns -1 to
 * go on, else the exit status (0 after --help or --version, 2 after a bad
 * setting, with a message naming it). */
static int
parse_options(struct vtep_options *opts, int argc, char *argv[])
{
    vtep_options_init(opts, VTEP_SCHEMA_DEFAULT);
    char *bad = vtep_options_parse_args(opts, argc, argv);
    if (!bad && !opts->help && !opts->version) {
        bad = vtep_options_check(opts);
    }
    if (bad) {
        fprintf(stderr, "seam-vtep: %s\n", bad);
        free(bad);
        return 2;
    }
    if (opts->help) {
        usage(stdout);
        return 0;
    } else if (opts->version) {
        printf("seam-vtep 0.1.0\n");
        return 0;
    }
    return -1;
}

int
main(int argc, char *argv[])
{
    struct vtep_options opts;
    struct daemon_ssl ssl = DAEMON_SSL_INITIALIZER;
    struct vtep_ctl *ctl = NULL;
    int status;

    if (argc == 3 && !strcmp(argv[1], "show")) {
        return do_show(argv[2]);
    }
    status = parse_options(&opts, argc, argv);
    if (status >= 0) {
        vtep_options_destroy(&opts);
        return status;
    }
    if (daemon_log_setup(opts.log_file, opts.log_level, opts.debug, opts.n_debug)) {
        fprintf(stderr, "seam-vtep: cannot open %s\n", opts.log_file);
        vtep_options_destroy(&opts);
        return 1;
    }

    /* Init. */
    status = 1;
    jsonarena_install();
    struct event_base *base = event_base_new();
    struct daemon_signals *signals = daemon_signals_create(base);
    if (daemon_ssl_init(&ssl, opts.private_key, opts.certificate, opts.ca_cert)
        || vtep_ctl_create(base, &opts, &ssl, &ctl)
        || daemon_pidfile_write(opts.pidfile)) {
        goto out;
    }
    log_info("seam-vtep %s: switch %s, tunnel IP %s, %zu port(s)%s%s%s%s",
             opts.mode, opts.name, inet_ntoa(opts.tunnel_ip), opts.n_ports,
             opts.n_port_matches ? " and the interfaces matching " : "",
             opts.n_port_matches ? opts.port_matches[0] : "",
             opts.config ? ", config " : "", opts.config ? opts.config : "");

    /* Run and wait. */
    while (!daemon_signals_caught(signals) && !vtep_ctl_exiting(ctl)) {
        vtep_ctl_run(ctl);
        vtep_ctl_wait(ctl);
        event_base_loop(base, EVLOOP_ONCE);
    }
    daemon_pidfile_remove(opts.pidfile);
    status = 0;

out:
    vtep_ctl_destroy(ctl);
    daemon_ssl_destroy(&ssl);
    daemon_signals_destroy(signals);
    event_base_free(base);
    vtep_options_destroy(&opts);
    log_close();
    jsonarena_trim();
    return status;
}
