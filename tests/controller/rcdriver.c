/* rcdriver: a test harness for the reconciler (src/controller/reconcile.h)
 * without seamd: it replicates a seam_nb database (an OVSDB server given
 * with --nb, e.g. seam-ovsdb or ovsdb-server serving
 * schemas/seam_nb.ovsschema) and runs the reconciler over it, active, until
 * SIGTERM.  The tests write the NB rows themselves (ovsdb-client transact).
 * seamd's main.c does the same with its own NB connection and REST API.
 *
 *   rcdriver --nb=unix:PATH [--sb-listen=ptcp:PORT:IP]... [--pidfile=FILE]
 *            [--log-file=FILE] [-d MODULES] */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "controller/reconcile.h"
#include "lib/log.h"
#include "lib/util.h"
#include "ovsdb/client.h"

LOG_MODULE(rcdriver);

struct driver {
    struct reconcile *r;
};

static void
nb_changed(void *d_)
{
    struct driver *d = d_;
    if (d->r) {
        reconcile_nb_changed(d->r);
    }
}

static void
on_signal(evutil_socket_t sig, short what, void *base)
{
    event_base_loopbreak(base);
}

int
main(int argc, char *argv[])
{
    const char *nb_remote = NULL, *pidfile = NULL, *logfile = NULL;
    const char *listen[16] = { NULL };
    size_t n_listen = 0;
    static const struct option longopts[] = {
        { "nb", required_argument, NULL, 'n' },
        { "sb-listen", required_argument, NULL, 'l' },
        { "pidfile", required_argument, NULL, 'p' },
        { "log-file", required_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "d:", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': nb_remote = optarg; break;
        case 'l':
            if (n_listen < ARRAY_SIZE(listen) - 1) {
                listen[n_listen++] = optarg;
            }
            break;
        case 'p': pidfile = optarg; break;
        case 'f': logfile = optarg; break;
        case 'd': log_enable_debug(optarg); break;
        default:
            fprintf(stderr, "usage: rcdriver --nb=REMOTE [--sb-listen=P]... "
                    "[--pidfile=F] [--log-file=F] [-d MODULES]\n");
            return 2;
        }
    }
    if (!nb_remote) {
        fprintf(stderr, "rcdriver: --nb is required\n");
        return 2;
    }
    if (logfile && log_set_file(logfile)) {
        fprintf(stderr, "rcdriver: cannot open %s\n", logfile);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);

    struct event_base *base = event_base_new();
    struct driver d = { NULL };
    struct ovsdb_client_options o;
    const char *remotes[] = { nb_remote, NULL };
    ovsdb_client_options_init(&o);
    o.db_name = "seam_nb";
    o.remotes = remotes;
    o.leader_only = false;
    static const struct ovsdb_client_callbacks cbs = { .changed = nb_changed };
    struct ovsdb_client *nb = ovsdb_client_create(base, &o, &cbs, &d);

    struct reconcile_options ro = { .listen = listen, .probe_ms = 5000 };
    d.r = reconcile_create(base, nb, &ro);
    if (!d.r) {
        return 1;
    }
    reconcile_set_active(d.r, true);

    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);
    if (pidfile) {
        FILE *f = fopen(pidfile, "w");
        if (f) {
            fprintf(f, "%ld\n", (long) getpid());
            fclose(f);
        }
    }
    log_info("rcdriver: running against %s", nb_remote);
    event_base_dispatch(base);

    reconcile_destroy(d.r);
    ovsdb_client_destroy(nb);
    /* Closed connections are freed from the loop: let it run them. */
    for (int i = 0; i < 3; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    event_free(sigterm);
    event_free(sigint);
    event_base_free(base);
    if (pidfile) {
        unlink(pidfile);
    }
    log_close();
    return 0;
}
