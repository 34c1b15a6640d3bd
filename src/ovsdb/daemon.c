/* daemon: glue shared by seam's daemons (see daemon.h). */
#include "ovsdb/daemon.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/log.h"
#include "ovsdb/conn.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/server.h"
#include "ovsdb/storage.h"

LOG_MODULE(daemon);

int
daemon_ssl_init(struct daemon_ssl *ssl, const char *private_key,
                const char *certificate, const char *ca_cert)
{
    ssl->server = ssl->client = NULL;
    if (!private_key || !certificate || !ca_cert) {
        return 0;
    }
    char *msg = conn_ssl_ctx_create(private_key, certificate, ca_cert, true,
                                    &ssl->server);
    if (!msg) {
        msg = conn_ssl_ctx_create(private_key, certificate, ca_cert, false,
                                  &ssl->client);
    }
    if (msg) {
        log_err("SSL configuration: %s", msg);
        free(msg);
        daemon_ssl_destroy(ssl);
        return -EINVAL;
    }
    return 0;
}

void
daemon_ssl_destroy(struct daemon_ssl *ssl)
{
    conn_ssl_ctx_destroy(ssl->server);
    conn_ssl_ctx_destroy(ssl->client);
    ssl->server = ssl->client = NULL;
}

bool
daemon_remote_is_ssl(const char *name)
{
    return !strncmp(name, "pssl:", 5) || !strncmp(name, "ssl:", 4);
}

SSL_CTX *
daemon_ssl_for_remote(const struct daemon_ssl *ssl, const char *name)
{
    return (!strncmp(name, "pssl:", 5) ? ssl->server
            : !strncmp(name, "ssl:", 4) ? ssl->client
            : NULL);
}

int
daemon_server_add_remote(struct ovsdb_server *server, const char *name,
                         const struct daemon_ssl *ssl)
{
    int err;
    if (!strncmp(name, "db:", 3)) {
        err = ovsdb_server_add_db_remote(server, name, ssl->server, ssl->client);
    } else if (daemon_remote_is_ssl(name) && !daemon_ssl_for_remote(ssl, name)) {
        log_err("%s: --private-key, --certificate and --ca-cert are "
                "required for SSL", name);
        return -EINVAL;
    } else {
        err = ovsdb_server_add_remote(server, name, daemon_ssl_for_remote(ssl, name));
    }
    if (err) {
        log_err("%s: cannot use this remote: %s", name, strerror(-err));
    }
    return err;
}

int
daemon_pidfile_write(const char *path)
{
    if (!path) {
        return 0;
    }
    char *tmp = xasprintf("%s.tmp%ld", path, (long) getpid());
    int err = 0;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        err = -errno;
        goto out;
    }
    fprintf(f, "%ld\n", (long) getpid());
    if (fclose(f) == EOF) {
        err = -errno;
        goto out_unlink;
    }
    if (rename(tmp, path)) {
        err = -errno;
        goto out_unlink;
    }
    goto out;

out_unlink:
    unlink(tmp);
out:
    if (err) {
        log_err("%s: cannot write pidfile: %s", path, strerror(-err));
    }
    free(tmp);
    return err;
}

void
daemon_pidfile_remove(const char *path)
{
    if (path) {
        unlink(path);
    }
}

int
daemon_log_setup(const char *log_file, int log_level, char *const *debug,
                 size_t n_debug)
{
    if (log_file) {
        int err = log_set_file(log_file);
        if (err) {
            return err;
        }
    }
    if (log_level >= 0) {
        log_set_level(log_level);
    }
    for (size_t i = 0; i < n_debug; i++) {
        log_enable_debug(debug[i]);
    }
    return 0;
}

bool
daemon_log_error(struct ovsdb_error *error, const char *fmt, ...)
{
    if (!error) {
        return false;
    }
    va_list args;
    va_start(args, fmt);
    char *prefix = xvasprintf(fmt, args);
    va_end(args);
    char *s = ovsdb_error_to_string(error);
    log_err("%s: %s", prefix, s);
    free(s);
    free(prefix);
    ovsdb_error_destroy(error);
    return true;
}

int
daemon_db_open(const char *path, const char *schema_path, struct ovsdb_db **dbp)
{
    *dbp = NULL;
    if (access(path, F_OK)) {
        int err = -errno;
        if (!schema_path || err != -ENOENT) {
            log_err("%s: cannot open: %s", path, strerror(-err));
            return err;
        }
        if (daemon_log_error(ovsdb_storage_create(path, schema_path),
                             "%s: cannot create", path)) {
            return -EIO;
        }
    }
    if (daemon_log_error(ovsdb_storage_open(path, false, dbp),
                         "%s: cannot open", path)) {
        *dbp = NULL;
        return -EIO;
    }
    return 0;
}

void
daemon_db_close(struct ovsdb_db *db)
{
    if (db) {
        ovsdb_storage_close(db);
        ovsdb_db_destroy(db);
    }
}

struct daemon_signals {
    struct event_base *base;
    struct event *sigterm;
    struct event *sigint;
    int caught;                 /* Last signal number received, or 0. */
};

static void
on_signal(evutil_socket_t sig, short what, void *ds_)
{
    struct daemon_signals *ds = ds_;
    log_info("%s received, exiting", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    ds->caught = sig;
    event_base_loopbreak(ds->base);
}

struct daemon_signals *
daemon_signals_create(struct event_base *base)
{
    struct daemon_signals *ds = xzalloc(sizeof *ds);
    signal(SIGPIPE, SIG_IGN);
    ds->base = base;
    ds->sigterm = evsignal_new(base, SIGTERM, on_signal, ds);
    ds->sigint = evsignal_new(base, SIGINT, on_signal, ds);
    event_add(ds->sigterm, NULL);
    event_add(ds->sigint, NULL);
    return ds;
}

int
daemon_signals_caught(const struct daemon_signals *ds)
{
    return ds->caught;
}

void
daemon_signals_destroy(struct daemon_signals *ds)
{
    if (ds) {
        event_free(ds->sigterm);
        event_free(ds->sigint);
        free(ds);
    }
}
