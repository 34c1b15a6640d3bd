/* seamd: seam's SDN controller.  main() only wires the modules together:
 * config (flags and INI file) -> nb (the northbound database, embedded or
 * external, and the "seamd" lock) -> http (the REST API over api.c) and
 * the reconciler (reconcile.h) -> the event loop until SIGTERM/SIGINT ->
 * orderly teardown, freeing everything.  See docs/seamd.md. */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "controller/config.h"
#include "controller/http.h"
#include "controller/nb.h"
#include "controller/reconcile.h"
#include "lib/log.h"
#include "ovsdb/daemon.h"

LOG_MODULE(seamd);

struct seamd {
    struct seamd_config cfg;
    struct event_base *base;
    struct nb *nb;
    struct http_server *http;
    struct reconcile *reconcile;
    struct daemon_ssl sb_ssl;       /* Southbound ssl:/pssl: contexts. */
};

static void
on_nb_changed(void *d_)
{
    struct seamd *d = d_;
    http_server_nb_changed(d->http);
#ifdef SEAMD_HAVE_RECONCILE
    if (d->reconcile) {
        reconcile_nb_changed(d->reconcile);
    }
#endif
}

static void
on_nb_active(void *d_, bool active)
{
#ifdef SEAMD_HAVE_RECONCILE
    struct seamd *d = d_;
    if (d->reconcile) {
        reconcile_set_active(d->reconcile, active);
    }
#endif
}

static int
setup_logging(const struct seamd_config *cfg)
{
    char *debug[] = { cfg->debug };
    int level = cfg->log_level ? log_level_from_string(cfg->log_level) : -1;
    if (daemon_log_setup(cfg->log_file, level, debug, cfg->debug ? 1 : 0)) {
        fprintf(stderr, "seamd: cannot open log file %s: %s\n", cfg->log_file,
                strerror(errno));
        return -1;
    }
    return 0;
}

static int
start_southbound(struct seamd *d)
{
    const struct seamd_config *c = &d->cfg;
    if (daemon_ssl_init(&d->sb_ssl, c->sb_ssl_key_file, c->sb_ssl_cert_file,
                        c->sb_ssl_ca_file)) {
        return -1;
    }
#ifdef SEAMD_HAVE_RECONCILE
    struct reconcile_options ro = {
        .listen = (const char *const *) c->sb_listen,
        .ssl_server = d->sb_ssl.server, .ssl_client = d->sb_ssl.client,
        .probe_ms = 5000,
        .device_mappings = c->device_mappings,
    };
    d->reconcile = reconcile_create(d->base, nb_get_client(d->nb), &ro);
    if (!d->reconcile) {
        return -1;
    }
    /* L2 gateway connections check their interfaces against it. */
    http_server_set_port_known(d->http, reconcile_port_known, d->reconcile);
    if (nb_is_active(d->nb)) {
        reconcile_set_active(d->reconcile, true);
    }
#else
    log_warn("built without the reconciler (src/controller/reconcile.c): the "
             "REST API and NB work, no VTEP is programmed");
#endif
    return 0;
}

int
main(int argc, char *argv[])
{
    struct seamd d;
    char *error = NULL;
    int status = 1;

    memset(&d, 0, sizeof d);
    d.sb_ssl = (struct daemon_ssl) DAEMON_SSL_INITIALIZER;
    seamd_config_init(&d.cfg);
    int err = seamd_config_parse_args(&d.cfg, argc, argv, &error);
    if (err) {
        if (err < 0) {
            fprintf(stderr, "seamd: %s\n", error);
            free(error);
            seamd_config_destroy(&d.cfg);
            return 2;
        }
        seamd_config_destroy(&d.cfg);
        return 0;
    }
    if (setup_logging(&d.cfg)) {
        seamd_config_destroy(&d.cfg);
        return 1;
    }
    d.base = event_base_new();
    struct daemon_signals *signals = daemon_signals_create(d.base);

    struct nb_callbacks cbs = { .changed = on_nb_changed, .active = on_nb_active };
    d.nb = nb_create(d.base, &d.cfg, &cbs, &d, &error);
    if (!d.nb) {
        log_err("northbound database: %s", error);
        goto out;
    }
    struct http_options ho = {
        .host = d.cfg.bind_host, .port = d.cfg.bind_port, .token = d.cfg.auth_token,
        .cert_file = d.cfg.ssl_cert_file, .key_file = d.cfg.ssl_key_file,
        .max_body_size = d.cfg.max_body_size,
    };
    d.http = http_server_create(d.base, &ho, d.nb, &d.cfg.api, &error);
    if (!d.http) {
        log_err("REST API: %s", error);
        goto out;
    }
    if (start_southbound(&d)) {
        goto out;
    }
    if (daemon_pidfile_write(d.cfg.pidfile)) {
        goto out;
    }
    log_info("seamd started (NB %s)", d.cfg.nb ? d.cfg.nb : "embedded");
    event_base_dispatch(d.base);
    status = 0;
    daemon_pidfile_remove(d.cfg.pidfile);

out:
    free(error);
#ifdef SEAMD_HAVE_RECONCILE
    if (d.http) {
        http_server_set_port_known(d.http, NULL, NULL);
    }
    reconcile_destroy(d.reconcile);
    d.reconcile = NULL;
#endif
    http_server_destroy(d.http);
    nb_destroy(d.nb);
    /* Let closed connections finish their deferred teardown. */
    event_base_loop(d.base, EVLOOP_NONBLOCK);
    daemon_ssl_destroy(&d.sb_ssl);
    daemon_signals_destroy(signals);
    event_base_free(d.base);
    seamd_config_destroy(&d.cfg);
    log_close();
    return status;
}
