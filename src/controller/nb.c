/* nb: the northbound database connection of seamd.  See nb.h. */
#include "controller/nb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "controller/config.h"
#include "lib/log.h"
#include "lib/util.h"
#include "ovsdb/client.h"
#include "ovsdb/daemon.h"
#include "ovsdb/db.h"
#include "ovsdb/server.h"

LOG_MODULE(nb);

#define NB_LOCK "seamd"

struct nb {
    struct ovsdb_server *server;    /* Embedded server, or NULL. */
    char *socket_path;              /* Its unix socket (unlinked at exit). */
    struct ovsdb_client *client;
    struct nb_callbacks cbs;
    void *aux;
    struct daemon_ssl ssl;          /* For ssl:/pssl: NB remotes. */
    bool active;
    bool stopping;                  /* In nb_destroy(): say nothing. */
};

static void
on_changed(void *nb_)
{
    struct nb *nb = nb_;
    if (nb->cbs.changed) {
        nb->cbs.changed(nb->aux);
    }
}

static void
on_state(void *nb_, bool synced)
{
    struct nb *nb = nb_;
    const char *remote = ovsdb_client_get_remote(nb->client);
    if (nb->stopping) {
        return;
    }
    if (synced) {
        log_info("northbound database synced from %s", remote ? remote : "?");
    } else {
        log_warn("northbound database connection lost; reconnecting");
    }
}

static void
on_lock(void *nb_, const char *name, bool held)
{
    struct nb *nb = nb_;
    if (nb->stopping || strcmp(name, NB_LOCK) || held == nb->active) {
        return;
    }
    nb->active = held;
    log_info("%s: this seamd is now %s", NB_LOCK, held ? "active" : "standby");
    if (nb->cbs.active) {
        nb->cbs.active(nb->aux, held);
    }
}

/* Opens (creating it if absent) the NB file and serves it. */
static int
start_embedded(struct nb *nb, struct event_base *base, const struct seamd_config *cfg,
               char **errorp)
{
    char *path = xasprintf("%s/seam_nb.db", cfg->state_dir);
    struct ovsdb_db *db = NULL;
    int err = daemon_db_open(path, cfg->nb_schema, &db);
    if (err) {
        *errorp = xasprintf("%s: cannot use it (see above)", path);
        goto out;
    }
    err = -EINVAL;
    if (strcmp(db->schema->name, "seam_nb")) {
        *errorp = xasprintf("%s: holds database %s, not seam_nb", path, db->schema->name);
        daemon_db_close(db);
        goto out;
    }
    nb->server = ovsdb_server_create(base);
    if (ovsdb_server_add_db(nb->server, db)) {
        *errorp = xasprintf("%s: cannot serve it", path);
        daemon_db_close(db);
        goto out;
    }
    nb->socket_path = xasprintf("%s/seamd-nb.sock", cfg->run_dir);
    unlink(nb->socket_path);
    char *remote = xasprintf("punix:%s", nb->socket_path);
    err = daemon_server_add_remote(nb->server, remote, &nb->ssl);
    free(remote);
    for (size_t i = 0; !err && i < cfg->n_nb_remotes; i++) {
        err = daemon_server_add_remote(nb->server, cfg->nb_remotes[i], &nb->ssl);
    }
    if (err) {
        *errorp = xstrdup("cannot serve the NB on its remotes (see above)");
    }
out:
    free(path);
    return err;
}

struct nb *
nb_create(struct event_base *base, const struct seamd_config *cfg,
          const struct nb_callbacks *cbs, void *aux, char **errorp)
{
    struct nb *nb = xzalloc(sizeof *nb);
    nb->cbs = *cbs;
    nb->aux = aux;
    nb->ssl = (struct daemon_ssl) DAEMON_SSL_INITIALIZER;
    if (daemon_ssl_init(&nb->ssl, cfg->nb_ssl_key_file, cfg->nb_ssl_cert_file,
                        cfg->nb_ssl_ca_file)) {
        *errorp = xstrdup("cannot load the NB SSL files (see above)");
        goto out_destroy;
    }

    char **remotes = NULL;
    size_t n = 0;
    if (!cfg->nb) {
        if (start_embedded(nb, base, cfg, errorp)) {
            goto out_destroy;
        }
        remotes = xmalloc(2 * sizeof *remotes);
        remotes[n++] = xasprintf("unix:%s", nb->socket_path);
    } else {
        char *copy = xstrdup(cfg->nb), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            remotes = xrealloc(remotes, (n + 2) * sizeof *remotes);
            remotes[n++] = xstrdup(t);
        }
        free(copy);
        if (!n) {
            *errorp = xstrdup("--nb names no remote");
            free(remotes);
            goto out_destroy;
        }
    }
    remotes[n] = NULL;

    struct ovsdb_client_options o;
    ovsdb_client_options_init(&o);
    o.db_name = "seam_nb";
    o.remotes = (const char *const *) remotes;
    o.ssl_ctx = nb->ssl.client;
    o.max_backoff_ms = 1000;
    o.probe_ms = 2000;
    struct ovsdb_client_callbacks ccbs = {
        .changed = on_changed, .state = on_state, .lock = on_lock,
    };
    nb->client = ovsdb_client_create(base, &o, &ccbs, nb);
    for (size_t i = 0; i < n; i++) {
        free(remotes[i]);
    }
    free(remotes);
    if (ovsdb_client_lock(nb->client, NB_LOCK, false)) {
        *errorp = xstrdup("cannot ask for the NB lock");
        goto out_destroy;
    }
    return nb;

out_destroy:
    nb_destroy(nb);
    return NULL;
}

void
nb_destroy(struct nb *nb)
{
    if (!nb) {
        return;
    }
    /* Tearing down is no state change to report. */
    memset(&nb->cbs, 0, sizeof nb->cbs);
    nb->stopping = true;
    ovsdb_client_destroy(nb->client);
    ovsdb_server_destroy(nb->server);
    if (nb->socket_path) {
        unlink(nb->socket_path);
        free(nb->socket_path);
    }
    daemon_ssl_destroy(&nb->ssl);
    free(nb);
}

struct ovsdb_client *
nb_get_client(const struct nb *nb)
{
    return nb->client;
}

const struct ovsdb_db *
nb_get_db(const struct nb *nb)
{
    return ovsdb_client_get_db(nb->client);
}

bool
nb_is_synced(const struct nb *nb)
{
    return ovsdb_client_is_synced(nb->client);
}

bool
nb_is_active(const struct nb *nb)
{
    return nb->active;
}

const char *
nb_get_remote(const struct nb *nb)
{
    return ovsdb_client_get_remote(nb->client);
}
