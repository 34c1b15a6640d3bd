/* daemon: the glue every seam daemon needs around the OVSDB library (after
 * OVS lib/daemon.c and the stream-ssl option handling): SSL contexts from
 * key, certificate and CA files; which context a remote takes (pssl: the
 * server one, ssl: the client one); a pidfile; a database file created from
 * its schema when missing and opened; an ovsdb_error logged and freed; and
 * SIGTERM/SIGINT turned into an orderly exit of the event loop.
 *
 * seam-ovsdb, seam-vtep and seamd use it, so that the three say the same
 * thing in the same words when a file or a remote cannot be used.
 *
 * Errors: functions that do system work return 0 or -errno and log, at
 * error level and once, what failed on what ("FILE: cannot open: ...");
 * the caller only decides what happens next (usually: exit status 1).
 * Nothing here keeps global state except the signal handler's events. */
#ifndef SEAM_OVSDB_DAEMON_H
#define SEAM_OVSDB_DAEMON_H 1

#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"

struct event_base;
struct ovsdb_db;
struct ovsdb_error;
struct ovsdb_server;
typedef struct ssl_ctx_st SSL_CTX;

/* ---- SSL ---- */

/* The two SSL contexts a daemon needs: one to accept (pssl: listeners,
 * HTTPS) and one to dial (ssl: remotes).  Both NULL when SSL is not
 * configured.  Initialize with DAEMON_SSL_INITIALIZER or daemon_ssl_init(),
 * free with daemon_ssl_destroy(). */
struct daemon_ssl {
    SSL_CTX *server;            /* Owned; for pssl: and other listeners. */
    SSL_CTX *client;            /* Owned; for ssl: dials. */
};
#define DAEMON_SSL_INITIALIZER { NULL, NULL }

/* Loads the contexts from 'private_key', 'certificate' and 'ca_cert' (PEM
 * files, as ovsdb-server's options of those names).  When any of the three
 * is NULL, SSL is not configured: both contexts are left NULL and 0 is
 * returned (a remote that needs SSL then fails in daemon_ssl_for_remote()'s
 * callers).  Returns -EINVAL after logging "SSL configuration: ..." when a
 * file cannot be used; 'ssl' is then left with both contexts NULL. */
int daemon_ssl_init(struct daemon_ssl *ssl, const char *private_key,
                    const char *certificate, const char *ca_cert) WARN_UNUSED;
/* Frees both contexts.  Safe on an initialized, never loaded 'ssl'. */
void daemon_ssl_destroy(struct daemon_ssl *ssl);

/* Whether remote 'name' needs SSL: "pssl:..." or "ssl:...". */
bool daemon_remote_is_ssl(const char *name);
/* The context remote 'name' takes: 'ssl->server' for "pssl:", 'ssl->client'
 * for "ssl:", NULL for any other kind.  Borrowed, valid until
 * daemon_ssl_destroy(). */
SSL_CTX *daemon_ssl_for_remote(const struct daemon_ssl *ssl, const char *name);

/* Makes 'server' serve on remote 'name' with the context its kind needs:
 * "db:DB,TABLE,COLUMN" through ovsdb_server_add_db_remote() (with both
 * contexts), anything else through ovsdb_server_add_remote().  Returns 0,
 * or -errno after logging "NAME: cannot use this remote: ..." (-EINVAL,
 * with a line naming the missing options, for an SSL remote without SSL
 * configured). */
int daemon_server_add_remote(struct ovsdb_server *server, const char *name,
                             const struct daemon_ssl *ssl) WARN_UNUSED;

/* ---- pidfile ---- */

/* Writes this process's id and a newline to 'path', atomically (a
 * temporary file renamed over it: a reader never sees it half written).
 * Returns 0, or -errno after logging "PATH: cannot write pidfile: ...".
 * A NULL 'path' is a no-op returning 0. */
int daemon_pidfile_write(const char *path) WARN_UNUSED;
/* Removes 'path' (at a clean exit).  NULL is a no-op. */
void daemon_pidfile_remove(const char *path);

/* ---- logging ---- */

/* Applies the usual logging options: 'log_file' (may be NULL: stderr),
 * 'log_level' (an enum log_level, or negative to keep the default) and the
 * 'n_debug' module lists in 'debug' (as -d takes them).  Returns 0, or
 * -errno when 'log_file' cannot be opened (nothing is logged: the caller
 * says so on stderr, the only place left). */
int daemon_log_setup(const char *log_file, int log_level,
                     char *const *debug, size_t n_debug) WARN_UNUSED;

/* If 'error' is nonnull, logs it at error level as "PREFIX: tag: details",
 * PREFIX being 'fmt' formatted, frees it and returns true; returns false for
 * NULL.  Takes ownership of 'error'.  For the errors after which a daemon
 * gives up: if (daemon_log_error(ovsdb_..., "%s: cannot open", path)) ... */
bool daemon_log_error(struct ovsdb_error *error, const char *fmt, ...)
    PRINTF_FMT(2, 3);

/* ---- storage ---- */

/* Opens the database file 'path' for reading and writing.  If it does not
 * exist and 'schema_path' is nonnull, it is first created from that schema
 * file (as "ovsdb-tool create"); an existing file is opened as it is (its
 * own schema wins).  On success stores a new database in '*dbp' (free it
 * with daemon_db_close(), or give it to ovsdb_server_add_db(), after which
 * the server closes it) and returns 0; otherwise stores NULL and returns
 * -errno after logging "PATH: cannot create: ..." or "PATH: cannot open:
 * ..." (-ENOENT for a missing file without a schema, -EIO for a file or
 * schema that cannot be read or used). */
int daemon_db_open(const char *path, const char *schema_path,
                   struct ovsdb_db **dbp) WARN_UNUSED;
/* Closes the storage of 'db' and frees it.  NULL is a no-op. */
void daemon_db_close(struct ovsdb_db *db);

/* ---- signals ---- */

/* Makes SIGTERM and SIGINT stop 'base's loop (event_base_loopbreak(), after
 * an info line "SIGTERM received, exiting"), so that main() tears down in
 * order and frees everything; ignores SIGPIPE (a peer that closes a socket
 * must not kill the daemon).  Returns a new handle; free it with
 * daemon_signals_destroy() before 'base'. */
struct daemon_signals *daemon_signals_create(struct event_base *base);
/* The signal that stopped the loop last, or 0 if none did. */
int daemon_signals_caught(const struct daemon_signals *);
/* NULL is a no-op. */
void daemon_signals_destroy(struct daemon_signals *);

#endif /* ovsdb/daemon.h */
