/* Unit tests for the client library (client.h) against seam's own server,
 * both in this process on one event loop, over a unix socket in a temp
 * dir: sync, transactions, verify, change tracking, conditions, locks, and
 * a server restart resumed with monitor_cond_since. */
#include "ovsdb/client.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/event.h>
#include "ovsdb/db.h"
#include "ovsdb/server.h"
#include "ovsdb/storage.h"

#define VTEP_SCHEMA "/usr/share/openvswitch/vtep.ovsschema"

struct fixture {
    char dir[64];
    char *db_path;
    char *remote;                   /* "unix:DIR/db.sock" */
    struct event_base *base;
    struct ovsdb_server *server;
};

static void
server_start(struct fixture *f)
{
    struct ovsdb_db *db;
    struct ovsdb_error *error = ovsdb_storage_open(f->db_path, false, &db);
    assert_null(error);
    f->server = ovsdb_server_create(f->base);
    assert_int_equal(ovsdb_server_add_db(f->server, db), 0);
    char *punix = xasprintf("p%s", f->remote);
    assert_int_equal(ovsdb_server_add_remote(f->server, punix, NULL), 0);
    free(punix);
}

static void
server_stop(struct fixture *f)
{
    ovsdb_server_destroy(f->server);
    f->server = NULL;
    event_base_loop(f->base, EVLOOP_NONBLOCK);
}

static int
setup(void **state)
{
    if (access(VTEP_SCHEMA, R_OK)) {
        skip();
    }
    struct fixture *f = xzalloc(sizeof *f);
    strcpy(f->dir, "/tmp/test_client.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->db_path = xasprintf("%s/vtep.db", f->dir);
    f->remote = xasprintf("unix:%s/db.sock", f->dir);
    assert_null(ovsdb_storage_create(f->db_path, VTEP_SCHEMA));
    f->base = event_base_new();
    server_start(f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    if (f->server) {
        server_stop(f);
    }
    event_base_free(f->base);
    char *cmd = xasprintf("rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(f->db_path);
    free(f->remote);
    free(f);
    return 0;
}

static struct ovsdb_client *
client_new_backoff(struct fixture *f, const struct ovsdb_client_callbacks *cbs,
                   void *aux, int backoff_ms)
{
    const char *remotes[] = { f->remote, NULL };
    struct ovsdb_client_options o;
    ovsdb_client_options_init(&o);
    o.db_name = "hardware_vtep";
    o.remotes = remotes;
    o.min_backoff_ms = backoff_ms;
    o.max_backoff_ms = backoff_ms * 5;
    struct ovsdb_client *c = ovsdb_client_create(f->base, &o, cbs, aux);
    assert_true(ovsdb_client_wait_synced(c, 5000));
    return c;
}

static struct ovsdb_client *
client_new(struct fixture *f, const struct ovsdb_client_callbacks *cbs, void *aux)
{
    return client_new_backoff(f, cbs, aux, 10);
}

/* Inserts Logical_Switch 'name' with 'key' and returns its UUID. */
static struct uuid
insert_ls(struct ovsdb_client *c, const char *name, int key)
{
    struct ovsdb_client_txn *txn = ovsdb_client_txn_create(c);
    const char *ref = ovsdb_client_txn_insert(txn, "Logical_Switch",
                                              json_pack("{s s s i}", "name", name,
                                                        "tunnel_key", key));
    assert_int_equal(ovsdb_client_txn_commit_block(txn), OVSDB_CLIENT_TXN_SUCCESS);
    struct uuid u;
    assert_true(ovsdb_client_txn_get_insert_uuid(txn, ref, &u));
    ovsdb_client_txn_destroy(txn);
    return u;
}

/* Runs the loop until 'c' has Logical_Switch 'u' with tunnel_key 'key'
 * (-1: until the row is gone). */
static void
wait_for_key(struct fixture *f, struct ovsdb_client *c, const struct uuid *u, int key)
{
    for (int i = 0; i < 1000; i++) {
        const struct ovsdb_row *row = ovsdb_client_get_row(c, "Logical_Switch", u);
        const struct ovsdb_table *t = ovsdb_client_get_table(c, "Logical_Switch");
        const struct ovsdb_column *col = ovsdb_table_schema_find_column(t->schema,
                                                                        "tunnel_key");
        if (key < 0 ? !row : (row && row->fields[col->index].n
                              && row->fields[col->index].keys[0].integer == key)) {
            return;
        }
        event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
        usleep(1000);
    }
    fail_msg("replica never showed tunnel_key %d", key);
}

struct seen {
    int inserted, modified, deleted;
    bool tunnel_key_changed;
    int tunnel_key_index;
};

static void
count_change(void *aux, enum ovsdb_client_change_kind kind,
             const struct ovsdb_row *row, const unsigned long *changed)
{
    struct seen *s = aux;
    if (kind == OVSDB_CLIENT_INSERTED) {
        s->inserted++;
    } else if (kind == OVSDB_CLIENT_MODIFIED) {
        s->modified++;
        s->tunnel_key_changed = bitmap_is_set(changed, s->tunnel_key_index);
    } else {
        s->deleted++;
    }
}

static struct seen
changes(struct ovsdb_client *c)
{
    const struct ovsdb_table *t = ovsdb_client_get_table(c, "Logical_Switch");
    struct seen s = { 0, 0, 0, false, 0 };
    s.tunnel_key_index = ovsdb_table_schema_find_column(t->schema, "tunnel_key")->index;
    ovsdb_client_get_changes(c, "Logical_Switch", count_change, &s);
    ovsdb_client_clear_changes(c);
    return s;
}

static void
test_sync_and_transactions(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_client *a = client_new(f, NULL, NULL);
    struct ovsdb_client *b = client_new(f, NULL, NULL);
    struct ovsdb_client_stats st;
    ovsdb_client_get_stats(a, &st);
    assert_string_equal(st.method, "monitor_cond_since");

    /* A inserts; both replicas see it, A's change list says "inserted". */
    struct uuid u = insert_ls(a, "ls0", 5000);
    wait_for_key(f, b, &u, 5000);
    struct seen s = changes(a);
    assert_int_equal(s.inserted, 1);
    changes(b);

    /* B modifies the column; A sees a modification of tunnel_key. */
    struct ovsdb_client_txn *txn = ovsdb_client_txn_create(b);
    ovsdb_client_txn_update(txn, "Logical_Switch", &u, json_pack("{s i}", "tunnel_key", 5001));
    assert_int_equal(ovsdb_client_txn_commit_block(txn), OVSDB_CLIENT_TXN_SUCCESS);
    ovsdb_client_txn_destroy(txn);
    wait_for_key(f, a, &u, 5001);
    s = changes(a);
    assert_int_equal(s.modified, 1);
    assert_true(s.tunnel_key_changed);

    /* Optimistic concurrency: A verifies tunnel_key as it read it, B
     * changes it first: A's commit must say "try again". */
    struct ovsdb_client_txn *ta = ovsdb_client_txn_create(a);
    assert_int_equal(ovsdb_client_txn_verify(ta, "Logical_Switch", &u, "tunnel_key"), 0);
    ovsdb_client_txn_update(ta, "Logical_Switch", &u, json_pack("{s s}", "description", "A"));
    txn = ovsdb_client_txn_create(b);
    ovsdb_client_txn_update(txn, "Logical_Switch", &u, json_pack("{s i}", "tunnel_key", 5002));
    assert_int_equal(ovsdb_client_txn_commit_block(txn), OVSDB_CLIENT_TXN_SUCCESS);
    ovsdb_client_txn_destroy(txn);
    assert_int_equal(ovsdb_client_txn_commit_block(ta), OVSDB_CLIENT_TXN_TRY_AGAIN);
    ovsdb_client_txn_destroy(ta);

    /* Map element add and remove, then an error with the server's text. */
    txn = ovsdb_client_txn_create(a);
    ovsdb_client_txn_mutate(txn, "Logical_Switch", &u, "other_config", true,
                            json_pack("[s [[s s]]]", "map", "k", "v"));
    assert_int_equal(ovsdb_client_txn_commit_block(txn), OVSDB_CLIENT_TXN_SUCCESS);
    ovsdb_client_txn_destroy(txn);
    txn = ovsdb_client_txn_create(a);
    ovsdb_client_txn_insert(txn, "Logical_Switch", json_pack("{s s}", "name", "ls0"));
    assert_int_equal(ovsdb_client_txn_commit_block(txn), OVSDB_CLIENT_TXN_ERROR);
    assert_non_null(strstr(ovsdb_client_txn_get_error(txn), "constraint violation"));
    ovsdb_client_txn_destroy(txn);

    /* Delete: B's replica loses the row and reports it deleted. */
    changes(b);
    txn = ovsdb_client_txn_create(a);
    ovsdb_client_txn_delete(txn, "Logical_Switch", &u);
    assert_int_equal(ovsdb_client_txn_commit_block(txn), OVSDB_CLIENT_TXN_SUCCESS);
    ovsdb_client_txn_destroy(txn);
    wait_for_key(f, b, &u, -1);
    s = changes(b);
    assert_int_equal(s.deleted, 1);

    ovsdb_client_destroy(a);
    ovsdb_client_destroy(b);
}

/* The server restarts; a slow client (A) comes back after another (B) has
 * written one row: thanks to transaction ids named by the file's records,
 * A resumes with monitor_cond_since and receives that one row only. */
static void
test_resume_after_restart(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_client *a = client_new_backoff(f, NULL, NULL, 300);
    struct ovsdb_client *b = client_new(f, NULL, NULL);
    struct uuid u = { { 0, 0, 0, 0 } };
    for (int i = 0; i < 50; i++) {
        char name[16];
        snprintf(name, sizeof name, "ls%d", i);
        u = insert_ls(b, name, i);
    }
    wait_for_key(f, a, &u, 49);
    struct ovsdb_client_stats before, after;
    ovsdb_client_get_stats(a, &before);

    server_stop(f);
    server_start(f);
    assert_true(ovsdb_client_wait_synced(b, 5000));
    struct uuid missed = insert_ls(b, "missed", 1000);
    assert_true(ovsdb_client_wait_synced(a, 5000));
    wait_for_key(f, a, &missed, 1000);

    ovsdb_client_get_stats(a, &after);
    assert_int_equal(after.n_resumed, before.n_resumed + 1);
    assert_int_equal(after.rows_received - before.rows_received, 1);
    assert_int_equal(after.n_syncs, before.n_syncs + 1);
    assert_non_null(ovsdb_client_get_row(a, "Logical_Switch", &u));

    ovsdb_client_destroy(a);
    ovsdb_client_destroy(b);
}

static void
test_condition(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_client *w = client_new(f, NULL, NULL);
    struct uuid u1 = insert_ls(w, "a", 1);
    struct uuid u2 = insert_ls(w, "b", 2);
    struct ovsdb_client *c = client_new(f, NULL, NULL);
    wait_for_key(f, c, &u2, 2);

    json_t *cond = json_pack("[[s s s]]", "name", "==", "a");
    assert_int_equal(ovsdb_client_set_condition(c, "Logical_Switch", cond), 0);
    json_decref(cond);
    wait_for_key(f, c, &u2, -1);
    assert_non_null(ovsdb_client_get_row(c, "Logical_Switch", &u1));
    ovsdb_client_destroy(c);
    ovsdb_client_destroy(w);
}

struct lock_log {
    int held, lost;
};

static void
on_lock(void *aux, const char *name, bool held)
{
    struct lock_log *l = aux;
    if (held) {
        l->held++;
    } else {
        l->lost++;
    }
}

static void
test_locks(void **state)
{
    struct fixture *f = *state;
    struct lock_log la = { 0, 0 }, lb = { 0, 0 };
    struct ovsdb_client_callbacks ca = { .lock = on_lock }, cb = { .lock = on_lock };
    struct ovsdb_client *a = client_new(f, &ca, &la);
    struct ovsdb_client *b = client_new(f, &cb, &lb);

    assert_int_equal(ovsdb_client_lock(a, "leader", false), 0);
    for (int i = 0; i < 1000 && !ovsdb_client_has_lock(a, "leader"); i++) {
        event_base_loop(f->base, EVLOOP_ONCE);
    }
    assert_true(ovsdb_client_has_lock(a, "leader"));
    assert_int_equal(ovsdb_client_lock(b, "leader", true), 0);   /* steal */
    for (int i = 0; i < 1000 && (ovsdb_client_has_lock(a, "leader")
                                 || !ovsdb_client_has_lock(b, "leader")); i++) {
        event_base_loop(f->base, EVLOOP_ONCE);
    }
    assert_true(ovsdb_client_has_lock(b, "leader"));
    assert_false(ovsdb_client_has_lock(a, "leader"));
    assert_int_equal(la.held, 1);
    assert_int_equal(la.lost, 1);
    assert_int_equal(lb.held, 1);
    ovsdb_client_destroy(a);
    ovsdb_client_destroy(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sync_and_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_after_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_condition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
