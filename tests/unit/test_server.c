/* Unit tests for src/ovsdb/server.c through the sans-I/O session API, with
 * a send callback that captures every message.
 *
 * Recorded sequences: tests/unit/data/ovsdb/server/<name>.steps.json lists
 * requests (and which session sends each); <name>.expect.json holds what a
 * real ovsdb-server 3.1 sent every session in answer to each (regen.py
 * --server).  They cover list_dbs, get_schema, unknown methods, echo,
 * lock/steal/unlock with "locked"/"stolen" across two sessions, and the
 * formats of monitor ("update"), monitor_cond ("update2",
 * monitor_cond_change) and monitor_cond_since ("update3"): initial,
 * insert, modify with diffs, delete, monitor_cancel.  Messages are
 * normalised as in test_execution.c (testlib_norm_json()), with UUIDs in
 * object keys numbered too.  A message that differs fails unless listed in
 * data/ovsdb/server/known-differences.txt ("<name> <step> <index>", with
 * the cause).
 *
 * Direct tests: monitor_cond_since with a known last-txn-id (found, only
 * the missed changes) and an unknown one (the full initial contents), a
 * "wait" with a timeout that another session's commit completes, and
 * "cancel". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ds.h"
#include "lib/testlib.h"
#include "lib/util.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/jsonrpc.h"
#include "ovsdb/schema.h"
#include "ovsdb/server.h"

/* ---- sessions ---- */

struct capture {
    json_t *msgs;               /* Array of the messages sent, as JSON. */
};

static void
capture_send(void *aux, struct jsonrpc_msg *msg)
{
    struct capture *c = aux;
    json_array_append_new(c->msgs, jsonrpc_msg_to_json(msg));
    jsonrpc_msg_destroy(msg);
}

#define MAX_SESSIONS 2

struct fixture {
    struct ovsdb_server *server;
    struct ovsdb_session *sessions[MAX_SESSIONS];
    struct capture captures[MAX_SESSIONS];
    int next_id;
};

static void
fixture_init(struct fixture *f)
{
    char *path = testlib_data_path("ovsdb/vtep.ovsschema");
    struct ovsdb_schema *schema;
    struct ovsdb_error *error = ovsdb_schema_from_file(path, &schema);
    free(path);
    assert_null(error);
    f->server = ovsdb_server_create(NULL);
    assert_int_equal(ovsdb_server_add_db(f->server, ovsdb_db_create(schema)), 0);
    for (int i = 0; i < MAX_SESSIONS; i++) {
        f->captures[i].msgs = json_array();
        char name[16];
        snprintf(name, sizeof name, "test%d", i);
        f->sessions[i] = ovsdb_session_create(f->server, capture_send,
                                              &f->captures[i], name);
    }
    f->next_id = 1000;
}

static void
fixture_destroy(struct fixture *f)
{
    for (int i = 0; i < MAX_SESSIONS; i++) {
        ovsdb_session_destroy(f->sessions[i]);
    }
    ovsdb_server_destroy(f->server);
    for (int i = 0; i < MAX_SESSIONS; i++) {
        json_decref(f->captures[i].msgs);
    }
}

/* Hands 'json' (a message; takes it) to session 'i'. */
static void
handle_json(struct fixture *f, int i, json_t *json)
{
    struct jsonrpc_msg *msg;
    char *error = jsonrpc_msg_from_json(json, &msg);
    if (error) {
        fail_msg("bad test message: %s", error);
    }
    ovsdb_session_handle(f->sessions[i], msg);
}

/* Takes the messages session 'i' was sent so far (new array). */
static json_t *
take(struct fixture *f, int i)
{
    json_t *msgs = f->captures[i].msgs;
    f->captures[i].msgs = json_array();
    return msgs;
}

/* Sends request 'method' with 'params' (a JSON text) from session 'i';
 * returns its id. */
static int
request(struct fixture *f, int i, const char *method, const char *params)
{
    json_error_t jerr;
    json_t *p = json_loads(params, 0, &jerr);
    if (!p) {
        fail_msg("bad test JSON %s: %s", params, jerr.text);
    }
    int id = f->next_id++;
    handle_json(f, i, json_pack("{s:s, s:o, s:i}", "method", method,
                                "params", p, "id", id));
    return id;
}

/* The one message of 'msgs' that answers 'id' (borrowed), or NULL. */
static json_t *
find_reply(json_t *msgs, int id)
{
    size_t i;
    json_t *m;
    json_array_foreach (msgs, i, m) {
        json_t *mid = json_object_get(m, "id");
        if (json_is_integer(mid) && json_integer_value(mid) == id
            && !json_object_get(m, "method")) {
            return m;
        }
    }
    return NULL;
}

/* ---- recorded sequences ---- */

struct known {
    char name[64];
    int step, index;
    bool seen;
};

static struct known *knowns;
static size_t n_knowns;

static void
load_knowns(void)
{
    char *path = testlib_data_path("ovsdb/server/known-differences.txt");
    FILE *file = fopen(path, "r");
    char line[256];
    free(path);
    while (file && fgets(line, sizeof line, file)) {
        struct known k;
        memset(&k, 0, sizeof k);
        if (line[0] != '#'
            && sscanf(line, "%63s %d %d", k.name, &k.step, &k.index) == 3) {
            knowns = xrealloc(knowns, (n_knowns + 1) * sizeof *knowns);
            knowns[n_knowns++] = k;
        }
    }
    if (file) {
        fclose(file);
    }
}

static struct known *
find_known(const char *name, int step, int index)
{
    for (size_t i = 0; i < n_knowns; i++) {
        if (!strcmp(knowns[i].name, name) && knowns[i].step == step
            && knowns[i].index == index) {
            return &knowns[i];
        }
    }
    return NULL;
}

static void
run_recorded(const char *name)
{
    char *steps_path = testlib_data_path("ovsdb/server/%s.steps.json", name);
    char *expect_path = testlib_data_path("ovsdb/server/%s.expect.json",
                                          name);
    json_t *steps = testlib_load_json(steps_path);
    json_t *expect = testlib_load_json(expect_path);
    free(steps_path);
    free(expect_path);
    assert_int_equal(json_array_size(steps), json_array_size(expect));

    struct fixture f;
    struct testlib_norm norm = { .keys = true };
    bool ok = true;
    fixture_init(&f);
    for (size_t s = 0; s < json_array_size(steps); s++) {
        const json_t *step = json_array_get(steps, s);
        int session = (int) json_integer_value(json_object_get(step, "session"));
        handle_json(&f, session, json_deep_copy(json_object_get(step, "send")));
        /* All sessions' messages, as regen.py records them. */
        json_t *got = json_object();
        for (int i = 0; i < MAX_SESSIONS; i++) {
            char key[16];
            snprintf(key, sizeof key, "%d", i);
            if (json_object_get(json_array_get(expect, s), key)) {
                json_object_set_new(got, key, take(&f, i));
            } else {
                assert_int_equal(json_array_size(f.captures[i].msgs), 0);
            }
        }
        json_t *ngot = testlib_norm_json(&norm, got, true);
        const json_t *exp = json_array_get(expect, s);
        const char *key;
        json_t *emsgs;
        json_object_foreach ((json_t *) exp, key, emsgs) {
            json_t *amsgs = json_object_get(ngot, key);
            size_t n = MAX(json_array_size(emsgs), json_array_size(amsgs));
            for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(emsgs, i);
                json_t *a = json_array_get(amsgs, i);
                if (e && a && testlib_json_same(e, a)) {
                    continue;
                }
                int index = atoi(key) * 100 + (int) i;
                struct known *k = find_known(name, (int) s, index);
                char *es = e ? testlib_dump(e) : xstrdup("(none)");
                char *as = a ? testlib_dump(a) : xstrdup("(none)");
                print_error("%s: %s step %zu session %s message %zu (%d):\n"
                            "  ovsdb-server %s\n  seam         %s\n",
                            k ? "known difference" : "FAIL", name, s, key, i,
                            index, es, as);
                free(es);
                free(as);
                if (k) {
                    k->seen = true;
                } else {
                    ok = false;
                    if (getenv("SEAM_RECORD_KNOWN")) {
                        printf("%s %zu %d\n", name, s, index);
                    }
                }
            }
        }
        json_decref(got);
        json_decref(ngot);
    }
    for (size_t i = 0; i < n_knowns; i++) {
        if (!strcmp(knowns[i].name, name) && !knowns[i].seen) {
            print_error("%s: known difference step %d message %d did not "
                        "occur\n", name, knowns[i].step, knowns[i].index);
            ok = false;
        }
    }
    fixture_destroy(&f);
    testlib_norm_destroy(&norm);
    json_decref(steps);
    json_decref(expect);
    if (!ok) {
        fail_msg("%s: differs from ovsdb-server", name);
    }
}

static void test_methods(void **state) { run_recorded("methods"); }
static void test_monitor_v1(void **state) { run_recorded("monitor_v1"); }
static void test_monitor_cond_v2(void **state) { run_recorded("monitor_cond_v2"); }
static void test_monitor_cond_since_v3(void **state) { run_recorded("monitor_cond_since_v3"); }

/* ---- direct tests ---- */

static void
insert_ls(struct fixture *f, int session, const char *name)
{
    char *params = xasprintf("[\"hardware_vtep\", {\"op\": \"insert\", "
                             "\"table\": \"Logical_Switch\", \"row\": "
                             "{\"name\": \"%s\"}}]", name);
    int id = request(f, session, "transact", params);
    free(params);
    json_t *msgs = take(f, session);
    json_t *reply = find_reply(msgs, id);
    assert_non_null(reply);
    assert_true(json_is_null(json_object_get(reply, "error")));
    json_decref(msgs);
}

/* The names of the rows of table-updates2 'tu' for Logical_Switch, as a
 * sorted, comma-separated string (new; free it). */
static char *
ls_names(const json_t *tu)
{
    json_t *rows = json_object_get(tu, "Logical_Switch");
    json_t *names = json_array();
    const char *uuid;
    json_t *row;
    json_object_foreach (rows, uuid, row) {
        const char *op;
        json_t *v;
        json_object_foreach (row, op, v) {
            json_t *name = json_object_get(v, "name");
            json_array_append_new(names, json_sprintf("%s:%s", op,
                                                      name ? json_string_value(name)
                                                           : "?"));
        }
    }
    json_t *sorted = testlib_sort_canon(names);
    struct ds ds = DS_EMPTY_INITIALIZER;
    size_t i;
    json_t *n;
    json_array_foreach (sorted, i, n) {
        ds_put_format(&ds, "%s%s", i ? "," : "", json_string_value(n));
    }
    json_decref(names);
    json_decref(sorted);
    ds_cstr(&ds);
    return ds_steal_cstr(&ds);
}

static void
test_monitor_cond_since_found(void **state)
{
    struct fixture f;
    fixture_init(&f);
    insert_ls(&f, 0, "a");

    /* Unknown last-txn-id: not found, the full initial contents. */
    int id = request(&f, 0, "monitor_cond_since",
                     "[\"hardware_vtep\", \"s1\", {\"Logical_Switch\": "
                     "[{\"columns\": [\"name\"]}]}, "
                     "\"aaaaaaaa-0000-0000-0000-000000000000\"]");
    json_t *msgs = take(&f, 0);
    json_t *reply = find_reply(msgs, id);
    assert_non_null(reply);
    json_t *result = json_object_get(reply, "result");
    assert_int_equal(json_array_size(result), 3);
    assert_true(json_is_false(json_array_get(result, 0)));
    char *names = ls_names(json_array_get(result, 2));
    assert_string_equal(names, "initial:a");
    free(names);
    json_decref(msgs);

    /* "b" arrives as an update3 that carries the new last-txn-id. */
    insert_ls(&f, 1, "b");
    msgs = take(&f, 0);
    assert_int_equal(json_array_size(msgs), 1);
    json_t *note = json_array_get(msgs, 0);
    assert_string_equal(json_string_value(json_object_get(note, "method")), "update3");
    json_t *params = json_object_get(note, "params");
    char *last_id = xstrdup(json_string_value(json_array_get(params, 1)));
    names = ls_names(json_array_get(params, 2));
    assert_string_equal(names, "insert:b");
    free(names);
    json_decref(msgs);

    /* Disconnected (cancelled), the client misses "c" and "d" being
     * inserted and "a" deleted... */
    id = request(&f, 0, "monitor_cancel", "[\"s1\"]");
    json_decref(take(&f, 0));
    insert_ls(&f, 1, "c");
    insert_ls(&f, 1, "d");
    id = request(&f, 1, "transact", "[\"hardware_vtep\", {\"op\": \"delete\", "
                 "\"table\": \"Logical_Switch\", \"where\": "
                 "[[\"name\", \"==\", \"a\"]]}]");
    json_decref(take(&f, 1));

    /* ...and gets exactly those when it comes back with its last id. */
    char *req = xasprintf("[\"hardware_vtep\", \"s2\", {\"Logical_Switch\": "
                          "[{\"columns\": [\"name\"]}]}, \"%s\"]", last_id);
    id = request(&f, 0, "monitor_cond_since", req);
    free(req);
    msgs = take(&f, 0);
    reply = find_reply(msgs, id);
    assert_non_null(reply);
    result = json_object_get(reply, "result");
    assert_true(json_is_true(json_array_get(result, 0)));
    assert_string_not_equal(json_string_value(json_array_get(result, 1)), last_id);
    names = ls_names(json_array_get(result, 2));
    assert_string_equal(names, "delete:?,insert:c,insert:d");
    free(names);
    char *cur = xstrdup(json_string_value(json_array_get(result, 1)));
    json_decref(msgs);

    /* With the current id: found, nothing to send. */
    req = xasprintf("[\"hardware_vtep\", \"s3\", {\"Logical_Switch\": "
                    "[{\"columns\": [\"name\"]}]}, \"%s\"]", cur);
    id = request(&f, 0, "monitor_cond_since", req);
    free(req);
    msgs = take(&f, 0);
    result = json_object_get(find_reply(msgs, id), "result");
    assert_true(json_is_true(json_array_get(result, 0)));
    assert_string_equal(json_string_value(json_array_get(result, 1)), cur);
    assert_int_equal(json_object_size(json_array_get(result, 2)), 0);
    json_decref(msgs);

    free(cur);
    free(last_id);
    fixture_destroy(&f);
}

static const char wait_x[] =
    "[\"hardware_vtep\", {\"op\": \"wait\", \"table\": \"Logical_Switch\", "
    "\"where\": [[\"name\", \"==\", \"x\"]], \"columns\": [\"name\"], "
    "\"until\": \"==\", \"rows\": [{\"name\": \"x\"}], \"timeout\": 600000}, "
    "{\"op\": \"update\", \"table\": \"Logical_Switch\", \"where\": "
    "[[\"name\", \"==\", \"x\"]], \"row\": {\"description\": \"seen\"}}]";

static void
test_wait_completes_on_commit(void **state)
{
    struct fixture f;
    fixture_init(&f);

    /* Not satisfied: no reply yet. */
    int id = request(&f, 0, "transact", wait_x);
    assert_int_equal(json_array_size(f.captures[0].msgs), 0);

    /* An unrelated commit leaves it waiting. */
    insert_ls(&f, 1, "y");
    assert_int_equal(json_array_size(f.captures[0].msgs), 0);

    /* The commit that makes it true completes it, with its own update. */
    insert_ls(&f, 1, "x");
    json_t *msgs = take(&f, 0);
    json_t *reply = find_reply(msgs, id);
    assert_non_null(reply);
    testlib_assert_json_text(json_object_get(reply, "result"),
                             "[{}, {\"count\": 1}]");
    json_decref(msgs);

    int sid = request(&f, 1, "transact", "[\"hardware_vtep\", {\"op\": "
                      "\"select\", \"table\": \"Logical_Switch\", \"where\": "
                      "[[\"name\", \"==\", \"x\"]], \"columns\": "
                      "[\"description\"]}]");
    msgs = take(&f, 1);
    testlib_assert_json_text(json_object_get(find_reply(msgs, sid), "result"),
                             "[{\"rows\": [{\"description\": \"seen\"}]}]");
    json_decref(msgs);
    fixture_destroy(&f);
}

static void
test_cancel(void **state)
{
    struct fixture f;
    fixture_init(&f);
    int id = request(&f, 0, "transact", wait_x);
    assert_int_equal(json_array_size(f.captures[0].msgs), 0);

    /* "cancel" (a notification, as OVS's IDL sends it) ends the wait
     * with a "canceled" error reply to the waiting request. */
    handle_json(&f, 0, json_pack("{s:s, s:[i], s:n}", "method", "cancel",
                                 "params", id, "id"));
    json_t *msgs = take(&f, 0);
    json_t *reply = find_reply(msgs, id);
    assert_non_null(reply);
    testlib_assert_json_text(json_object_get(reply, "error"), "\"canceled\"");
    json_decref(msgs);

    /* Nothing happens when "x" appears later. */
    insert_ls(&f, 1, "x");
    assert_int_equal(json_array_size(f.captures[0].msgs), 0);

    /* Cancelling an unknown id is ignored. */
    handle_json(&f, 0, json_pack("{s:s, s:[i], s:n}", "method", "cancel",
                                 "params", 12345, "id"));
    assert_int_equal(json_array_size(f.captures[0].msgs), 0);
    fixture_destroy(&f);
}

/* A session that goes away while waiting and holding a lock: its lock
 * passes to the next waiter with a "locked" notification. */
static void
test_destroy_releases(void **state)
{
    struct fixture f;
    fixture_init(&f);
    request(&f, 0, "transact", wait_x);
    int id = request(&f, 0, "lock", "[\"L\"]");
    json_t *msgs = take(&f, 0);
    testlib_assert_json_text(json_object_get(find_reply(msgs, id), "result"),
                             "{\"locked\": true}");
    json_decref(msgs);
    id = request(&f, 1, "lock", "[\"L\"]");
    msgs = take(&f, 1);
    testlib_assert_json_text(json_object_get(find_reply(msgs, id), "result"),
                             "{\"locked\": false}");
    json_decref(msgs);

    ovsdb_session_destroy(f.sessions[0]);
    f.sessions[0] = ovsdb_session_create(f.server, capture_send,
                                         &f.captures[0], "test0b");
    msgs = take(&f, 1);
    testlib_assert_json_text(msgs, "[{\"id\": null, \"method\": "
                             "\"locked\", \"params\": [\"L\"]}]");
    json_decref(msgs);
    insert_ls(&f, 1, "x");
    fixture_destroy(&f);
}

int
main(void)
{
    load_knowns();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_monitor_v1),
        cmocka_unit_test(test_monitor_cond_v2),
        cmocka_unit_test(test_monitor_cond_since_v3),
        cmocka_unit_test(test_monitor_cond_since_found),
        cmocka_unit_test(test_wait_completes_on_commit),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_destroy_releases),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(knowns);
    return failed;
}
