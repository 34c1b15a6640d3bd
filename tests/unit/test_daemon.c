/* Unit tests for src/ovsdb/daemon.c, the glue seam's daemons share: which
 * SSL context a remote takes, SSL files that load or do not, remotes that
 * need SSL refused without it, an atomic pidfile, a database file created
 * when missing and opened as it is when present, an error logged and freed
 * in one line, and SIGTERM stopping the loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ds.h"
#include "lib/log.h"
#include "lib/testlib.h"
#include "lib/util.h"
#include "ovsdb/daemon.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/schema.h"
#include "ovsdb/server.h"

struct fixture {
    char dir[64];
};

static int
setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);
    strcpy(f->dir, "/tmp/seam-daemon-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char *cmd = xasprintf("rm -rf '%s'", f->dir);
    if (system(cmd)) {
        fprintf(stderr, "cannot remove %s\n", f->dir);
    }
    free(cmd);
    free(f);
    return 0;
}

/* Returns the contents of 'path' (new), or NULL if it cannot be read. */
static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return NULL;
    }
    struct ds s = DS_EMPTY_INITIALIZER;
    int c;
    while ((c = getc(f)) != EOF) {
        ds_put_char(&s, c);
    }
    fclose(f);
    return ds_steal_cstr(&s);
}

static void
test_remote_dispatch(void **state)
{
    static const struct {
        const char *name;
        bool ssl;
        int ctx;                /* 0 none, 1 server, 2 client. */
    } cases[] = {
        { "pssl:6640", true, 1 },
        { "pssl:6640:127.0.0.1", true, 1 },
        { "ssl:10.0.0.1:6640", true, 2 },
        { "ptcp:6640", false, 0 },
        { "tcp:10.0.0.1:6640", false, 0 },
        { "punix:/run/db.sock", false, 0 },
        { "unix:/run/db.sock", false, 0 },
        { "db:hardware_vtep,Global,managers", false, 0 },
        { "sslx", false, 0 },
        { "", false, 0 },
    };
    struct daemon_ssl ssl = { (SSL_CTX *) &ssl.server, (SSL_CTX *) &ssl.client };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        SSL_CTX *want = (cases[i].ctx == 1 ? ssl.server
                         : cases[i].ctx == 2 ? ssl.client : NULL);
        if (daemon_remote_is_ssl(cases[i].name) != cases[i].ssl
            || daemon_ssl_for_remote(&ssl, cases[i].name) != want) {
            fail_msg("remote \"%s\": wrong SSL dispatch", cases[i].name);
        }
    }
}

static void
test_ssl_not_configured(void **state)
{
    struct daemon_ssl ssl;
    /* Any of the three missing: no SSL, not an error. */
    assert_int_equal(daemon_ssl_init(&ssl, NULL, NULL, NULL), 0);
    assert_null(ssl.server);
    assert_null(ssl.client);
    assert_int_equal(daemon_ssl_init(&ssl, "key.pem", "cert.pem", NULL), 0);
    assert_null(ssl.server);
    assert_null(ssl.client);
    daemon_ssl_destroy(&ssl);
}

static void
test_ssl_bad_files(void **state)
{
    struct fixture *f = *state;
    char *missing = xasprintf("%s/missing.pem", f->dir);
    struct daemon_ssl ssl;
    assert_int_equal(daemon_ssl_init(&ssl, missing, missing, missing), -EINVAL);
    assert_null(ssl.server);
    assert_null(ssl.client);
    daemon_ssl_destroy(&ssl);
    free(missing);
}

static void
test_ssl_files(void **state)
{
    struct fixture *f = *state;
    if (system("command -v openssl >/dev/null")) {
        skip();
    }
    char *cmd = xasprintf("cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes "
                          "-keyout key.pem -out cert.pem -days 2 -subj /CN=seam "
                          ">/dev/null 2>&1", f->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    char *key = xasprintf("%s/key.pem", f->dir);
    char *cert = xasprintf("%s/cert.pem", f->dir);
    struct daemon_ssl ssl;
    assert_int_equal(daemon_ssl_init(&ssl, key, cert, cert), 0);
    assert_non_null(ssl.server);
    assert_non_null(ssl.client);
    assert_ptr_equal(daemon_ssl_for_remote(&ssl, "pssl:0"), ssl.server);
    daemon_ssl_destroy(&ssl);
    assert_null(ssl.server);
    daemon_ssl_destroy(&ssl);       /* Twice is fine. */
    free(key);
    free(cert);
}

static void
test_server_remotes(void **state)
{
    struct fixture *f = *state;
    struct event_base *base = event_base_new();
    struct ovsdb_server *server = ovsdb_server_create(base);
    struct daemon_ssl ssl = DAEMON_SSL_INITIALIZER;
    char *sock = xasprintf("punix:%s/db.sock", f->dir);

    assert_int_equal(daemon_server_add_remote(server, "pssl:0:127.0.0.1", &ssl),
                     -EINVAL);
    assert_int_equal(daemon_server_add_remote(server, "ssl:127.0.0.1:1", &ssl),
                     -EINVAL);
    assert_int_equal(daemon_server_add_remote(server, "bogus:x", &ssl), -EINVAL);
    assert_int_equal(daemon_server_add_remote(server, sock, &ssl), 0);
    assert_int_equal(daemon_server_add_remote(server, "ptcp:0:127.0.0.1", &ssl), 0);

    ovsdb_server_destroy(server);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    free(sock);
}

static void
test_pidfile(void **state)
{
    struct fixture *f = *state;
    char *path = xasprintf("%s/x.pid", f->dir);
    char *want = xasprintf("%ld\n", (long) getpid());

    assert_int_equal(daemon_pidfile_write(NULL), 0);
    assert_int_equal(daemon_pidfile_write(path), 0);
    char *got = slurp(path);
    assert_string_equal(got, want);
    free(got);
    /* Written again over an old one (a restart after kill -9). */
    FILE *old = fopen(path, "w");
    fputs("999999\n", old);
    fclose(old);
    assert_int_equal(daemon_pidfile_write(path), 0);
    got = slurp(path);
    assert_string_equal(got, want);
    free(got);
    /* Nothing else left in the directory: the temporary file was renamed. */
    char *cmd = xasprintf("test $(ls '%s' | wc -l) = 1", f->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);

    daemon_pidfile_remove(path);
    assert_int_not_equal(access(path, F_OK), 0);
    daemon_pidfile_remove(NULL);

    char *bad = xasprintf("%s/no/such/dir.pid", f->dir);
    assert_int_equal(daemon_pidfile_write(bad), -ENOENT);
    free(bad);
    free(path);
    free(want);
}

static void
test_log_error(void **state)
{
    struct fixture *f = *state;
    char *log = xasprintf("%s/log", f->dir);
    assert_int_equal(daemon_log_setup(log, -1, NULL, 0), 0);

    assert_false(daemon_log_error(NULL, "%s", "nothing"));
    assert_true(daemon_log_error(ovsdb_error("syntax error", "bad %s", "thing"),
                                 "%s: cannot open", "x.db"));
    log_close();
    char *got = slurp(log);
    assert_non_null(got);
    if (!strstr(got, "|daemon|ERR|x.db: cannot open: syntax error: bad thing\n")
        || strstr(got, "nothing")) {
        fail_msg("log: %s", got);
    }
    free(got);

    char *bad = xasprintf("%s/no/such/log", f->dir);
    assert_int_equal(daemon_log_setup(bad, -1, NULL, 0), -ENOENT);
    free(bad);
    free(log);
}

static void
test_db_open(void **state)
{
    struct fixture *f = *state;
    char *path = xasprintf("%s/vtep.db", f->dir);
    char *schema = testlib_data_path("ovsdb/vtep.ovsschema");
    char *other = testlib_data_path("schema/%s", "misc.ovsschema");
    struct ovsdb_db *db = (struct ovsdb_db *) 1;

    /* Missing, without a schema to create it from. */
    assert_int_equal(daemon_db_open(path, NULL, &db), -ENOENT);
    assert_null(db);
    assert_int_not_equal(access(path, F_OK), 0);

    /* A bad schema: nothing opened. */
    char *bad_schema = xasprintf("%s/missing.ovsschema", f->dir);
    assert_int_equal(daemon_db_open(path, bad_schema, &db), -EIO);
    assert_null(db);
    free(bad_schema);

    /* Created, then opened as it is: its own schema wins over 'schema'. */
    assert_int_equal(daemon_db_open(path, schema, &db), 0);
    assert_non_null(db);
    assert_string_equal(db->schema->name, "hardware_vtep");
    daemon_db_close(db);
    assert_int_equal(daemon_db_open(path, other, &db), 0);
    assert_string_equal(db->schema->name, "hardware_vtep");
    daemon_db_close(db);
    daemon_db_close(NULL);

    /* Not a database file (in the test's directory: opening one leaves a
     * lock file beside it). */
    char *not_db = xasprintf("%s/not.db", f->dir);
    FILE *nf = fopen(not_db, "w");
    fputs("{\"this\": \"is a schema, not a log\"}\n", nf);
    fclose(nf);
    assert_int_equal(daemon_db_open(not_db, schema, &db), -EIO);
    assert_null(db);
    free(not_db);

    free(path);
    free(schema);
    free(other);
}

static void
raise_sigterm(evutil_socket_t fd, short what, void *aux)
{
    raise(SIGTERM);
}

static void
test_signals(void **state)
{
    struct event_base *base = event_base_new();
    struct daemon_signals *ds = daemon_signals_create(base);
    assert_int_equal(daemon_signals_caught(ds), 0);
    struct timeval tv = { 0, 1000 };
    event_base_once(base, -1, EV_TIMEOUT, raise_sigterm, NULL, &tv);
    /* A timeout well past the signal: the loop must stop before. */
    struct event *guard = event_new(base, -1, 0, raise_sigterm, NULL);
    struct timeval far = { 30, 0 };
    event_add(guard, &far);
    assert_int_equal(event_base_dispatch(base), 0);
    assert_true(event_base_got_break(base));
    assert_int_equal(daemon_signals_caught(ds), SIGTERM);
    /* SIGPIPE is ignored: a write to a closed pipe is EPIPE, not death. */
    int p[2];
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    assert_int_equal(write(p[1], "x", 1), -1);
    assert_int_equal(errno, EPIPE);
    close(p[1]);
    event_free(guard);
    daemon_signals_destroy(ds);
    daemon_signals_destroy(NULL);
    event_base_free(base);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remote_dispatch),
        cmocka_unit_test(test_ssl_not_configured),
        cmocka_unit_test_setup_teardown(test_ssl_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssl_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_remotes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pidfile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_open, setup, teardown),
        cmocka_unit_test(test_signals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
