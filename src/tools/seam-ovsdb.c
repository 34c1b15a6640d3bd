/* seam-ovsdb: a standalone OVSDB server (RFC 7047) that reads and writes
 * Open vSwitch's database files and speaks to its tools; meant as a drop-in
 * for "ovsdb-server" in standalone mode.  See docs/ovsdb.md. */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/log.h"
#include "ovsdb/daemon.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/jsonarena.h"
#include "ovsdb/server.h"
#include "ovsdb/storage.h"

LOG_MODULE(main);

#define SEAM_VERSION "0.1.0"

static void
usage(FILE *out)
{
    fprintf(out,
"Usage: seam-ovsdb [OPTIONS] DATABASE...\n"
"       seam-ovsdb create DATABASE SCHEMA\n"
"\n"
"Serves each DATABASE file (Open vSwitch standalone format, as written by\n"
"\"ovsdb-tool create\" or \"seam-ovsdb create\") over OVSDB (RFC 7047).\n"
"\"create\" makes a new, empty DATABASE file from the .ovsschema SCHEMA.\n"
"\n"
"Remotes (repeatable; at least one is needed to be useful):\n"
"  --remote=punix:PATH        listen on a unix socket\n"
"  --remote=ptcp:PORT[:IP]    listen on TCP (IP defaults to 0.0.0.0)\n"
"  --remote=pssl:PORT[:IP]    listen with SSL (needs the three options below)\n"
"  --remote=tcp:IP:PORT       connect out and serve that connection (also\n"
"                             unix:PATH, ssl:IP:PORT); reconnects with backoff\n"
"  --remote=db:DB,TABLE,COLUMN  every remote that column names (strings, or\n"
"                             rows with a \"target\", e.g. hardware_vtep,\n"
"                             Global,managers), followed as it changes\n"
"SSL:\n"
"  --private-key=FILE         this server's private key (PEM)\n"
"  --certificate=FILE         this server's certificate (PEM)\n"
"  --ca-cert=FILE             CA certificate; peers must present a\n"
"                             certificate it signed\n"
"Limits:\n"
"  --max-backlog=BYTES        close a client whose unsent output exceeds this\n"
"                             (default 128 MiB)\n"
"  --inactivity-probe=MSEC    probe idle clients with echo (default: off for\n"
"                             clients that connect in, 5000 on connections\n"
"                             this server dials)\n"
"Daemon:\n"
"  --pidfile=FILE             write the process id to FILE\n"
"  --log-file=FILE            log to FILE instead of stderr\n"
"  --log-level=LEVEL          err, warn, info (default) or debug\n"
"  -d, --debug=MODULES        debug logs for MODULES (comma-separated: server,\n"
"                             execution, txn, monitor, storage, journal,\n"
"                             conn, jsonrpc; or \"all\")\n"
"  -h, --help                 this help\n"
"  -V, --version              print the version\n"
"\n"
"SIGTERM or SIGINT stops the server cleanly.  Each committed transaction is\n"
"written to its file before it is acknowledged.\n");
}

enum {
    OPT_REMOTE = 256, OPT_PRIVATE_KEY, OPT_CERTIFICATE, OPT_CA_CERT,
    OPT_PIDFILE, OPT_LOG_FILE, OPT_LOG_LEVEL, OPT_MAX_BACKLOG, OPT_PROBE,
};

static int
do_create(int argc, char *argv[])
{
    if (argc != 3) {
        fprintf(stderr, "seam-ovsdb: usage: seam-ovsdb create DATABASE SCHEMA\n");
        return 2;
    }
    struct ovsdb_error *error = ovsdb_storage_create(argv[1], argv[2]);
    if (error) {
        char *s = ovsdb_error_to_string(error);
        fprintf(stderr, "seam-ovsdb: %s\n", s);
        free(s);
        ovsdb_error_destroy(error);
        return 1;
    }
    return 0;
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "remote", required_argument, NULL, OPT_REMOTE },
        { "private-key", required_argument, NULL, OPT_PRIVATE_KEY },
        { "certificate", required_argument, NULL, OPT_CERTIFICATE },
        { "ca-cert", required_argument, NULL, OPT_CA_CERT },
        { "pidfile", required_argument, NULL, OPT_PIDFILE },
        { "log-file", required_argument, NULL, OPT_LOG_FILE },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "max-backlog", required_argument, NULL, OPT_MAX_BACKLOG },
        { "inactivity-probe", required_argument, NULL, OPT_PROBE },
        { "debug", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char **remotes = NULL;
    size_t n_remotes = 0;
    const char *private_key = NULL, *certificate = NULL, *ca_cert = NULL;
    const char *pidfile = NULL;
    long long max_backlog = 0, probe_ms = 0;
    int c;

    if (argc > 1 && !strcmp(argv[1], "create")) {
        return do_create(argc - 1, argv + 1);
    }
    while ((c = getopt_long(argc, argv, "d:hV", options, NULL)) != -1) {
        switch (c) {
        case OPT_REMOTE:
            remotes = xrealloc(remotes, (n_remotes + 1) * sizeof *remotes);
            remotes[n_remotes++] = optarg;
            break;
        case OPT_PRIVATE_KEY: private_key = optarg; break;
        case OPT_CERTIFICATE: certificate = optarg; break;
        case OPT_CA_CERT: ca_cert = optarg; break;
        case OPT_PIDFILE: pidfile = optarg; break;
        case OPT_LOG_FILE:
            if (log_set_file(optarg)) {
                fprintf(stderr, "seam-ovsdb: cannot open log file %s: %s\n",
                        optarg, strerror(errno));
                return 1;
            }
            break;
        case OPT_LOG_LEVEL: {
            int level = log_level_from_string(optarg);
            if (level < 0) {
                fprintf(stderr, "seam-ovsdb: unknown log level \"%s\"\n", optarg);
                return 2;
            }
            log_set_level(level);
            break;
        }
        case OPT_MAX_BACKLOG: max_backlog = atoll(optarg); break;
        case OPT_PROBE: probe_ms = atoll(optarg); break;
        case 'd': log_enable_debug(optarg); break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("seam-ovsdb %s\n", SEAM_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "seam-ovsdb: at least one DATABASE file is required "
                "(--help for usage)\n");
        free(remotes);
        return 2;
    }

    jsonarena_install();
    struct event_base *base = event_base_new();
    struct daemon_signals *signals = daemon_signals_create(base);
    struct ovsdb_server *server = ovsdb_server_create(base);
    struct daemon_ssl ssl = DAEMON_SSL_INITIALIZER;
    int status = 1;

    if (max_backlog > 0) {
        ovsdb_server_set_max_backlog(server, max_backlog);
    }
    if (probe_ms > 0) {
        ovsdb_server_set_probe_interval(server, probe_ms);
    }
    for (int i = optind; i < argc; i++) {
        struct ovsdb_db *db;
        if (daemon_db_open(argv[i], NULL, &db)) {
            goto out;
        }
        const char *name = db->schema->name;
        if (ovsdb_server_add_db(server, db)) {
            log_err("%s: a database named %s is already served", argv[i], name);
            daemon_db_close(db);
            goto out;
        }
    }
    bool want_ssl = false;
    for (size_t i = 0; i < n_remotes; i++) {
        want_ssl = want_ssl || daemon_remote_is_ssl(remotes[i])
                   || !strncmp(remotes[i], "db:", 3);
    }
    if (want_ssl && daemon_ssl_init(&ssl, private_key, certificate, ca_cert)) {
        goto out;
    }
    for (size_t i = 0; i < n_remotes; i++) {
        if (daemon_server_add_remote(server, remotes[i], &ssl)) {
            goto out;
        }
    }
    if (daemon_pidfile_write(pidfile)) {
        goto out;
    }

    log_info("seam-ovsdb %s serving %d database(s)", SEAM_VERSION, argc - optind);
    event_base_dispatch(base);
    status = 0;
    daemon_pidfile_remove(pidfile);

out:
    ovsdb_server_destroy(server);
    /* Let closed connections finish their deferred teardown. */
    event_base_loop(base, EVLOOP_NONBLOCK);
    daemon_ssl_destroy(&ssl);
    daemon_signals_destroy(signals);
    event_base_free(base);
    free(remotes);
    log_close();
    jsonarena_trim();
    return status;
}
