/* seam-ovsdb-client: the command-line face of the OVSDB client library
 * (ovsdb/client.h).  It keeps a replica of one database on an OVSDB server
 * (seam-ovsdb, ovsdb-server standalone or a Raft cluster) and:
 *
 *   dump    prints the replica once synced, as ovsdb-client's "dump" does
 *           (one column-aligned table after another), or with -f json as
 *           one JSON object;
 *   watch   prints the replica, then one JSON line per row change;
 *   script  reads one JSON command per line on stdin and answers each with
 *           one JSON line on stdout, plus {"event": ...} lines for state
 *           and lock changes (the driver of tests/interop/test_client*.py).
 *
 * Values are printed in RFC 7047 JSON (§5.1 <value>).  The blocking library
 * helpers (ovsdb_client_wait_synced(), ovsdb_client_transact_retry()) run
 * the event loop themselves, and libevent loops must not nest; so the stdin
 * callback only collects bytes and breaks the loop, and commands run from
 * main() between two turns of the loop, with the stdin event removed. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/ds.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/uuid.h"
#include "ovsdb/client.h"
#include "ovsdb/conn.h"
#include "ovsdb/datum.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/jsonarena.h"
#include "ovsdb/schema.h"

LOG_MODULE(main);

#define SEAM_VERSION "0.1.0"
#define TXN_MAX_TRIES 5
#define MAX_LINE_SIZE (16 * 1024 * 1024)    /* Longest script command. */

static void
usage(FILE *out)
{
    fprintf(out,
"Usage: seam-ovsdb-client --db=DB --remote=REMOTE [OPTIONS] COMMAND\n"
"\n"
"Keeps a live replica of database DB on an OVSDB server (RFC 7047) with\n"
"seam's client library, and:\n"
"  dump      waits for the first sync, prints the replica as ovsdb-client\n"
"            dump does (one aligned table after another) and exits 0; with\n"
"            -f json, as one JSON object\n"
"            {\"TABLE\": {\"UUID\": {\"COLUMN\": VALUE, ...}}}\n"
"  watch     prints the replica, then one JSON line per change\n"
"            {\"table\",\"uuid\",\"kind\":\"insert|modify|delete\",\"row\",\"columns\"}\n"
"            until SIGTERM or SIGINT\n"
"  script    reads one JSON command per line on stdin, answers each with one\n"
"            JSON line; {\"event\": ...} lines report state and lock changes.\n"
"            Commands: wait-synced, dump, stats, insert, update, delete,\n"
"            mutate, changes, condition, lock, unlock, run, quit\n"
"            (see the file header of tests/interop/clienttool.py);\n"
"            insert/update/delete/mutate retry on \"try again\" up to\n"
"            \"max_tries\" times (default 5)\n"
"\n"
"Connection:\n"
"  --db=DB                    database name (e.g. hardware_vtep)\n"
"  --remote=REMOTE            unix:PATH, tcp:IP:PORT or ssl:IP:PORT;\n"
"                             repeatable, tried in order\n"
"  --no-leader-only           stay on a Raft member that is not the leader\n"
"  --probe=MSEC               inactivity probe, 0 = off (default 5000)\n"
"  --min-backoff=MSEC         first wait before reconnecting (default 100)\n"
"  --max-backoff=MSEC         cap of the reconnection backoff (default 8000)\n"
"  --timeout=MSEC             dump and watch: give up if not synced in time\n"
"                             (default 10000)\n"
"  -f, --format=table|json    dump's output (default table)\n"
"What to replicate (default: every table and column):\n"
"  --table=T[:COL1,COL2...]   replicate table T (those columns only)\n"
"  --condition=T:CLAUSES      replicate the rows of T matching CLAUSES, a\n"
"                             JSON array of monitor_cond clauses\n"
"SSL:\n"
"  --private-key=FILE --certificate=FILE --ca-cert=FILE\n"
"Logging:\n"
"  --log-file=FILE            log to FILE instead of stderr\n"
"  --log-level=LEVEL          err, warn (default), info or debug\n"
"  -d, --debug=MODULES        debug logs for MODULES (or \"all\")\n"
"  -h, --help                 this help\n"
"  -V, --version              print the version\n");
}

/* One --table option. */
struct table_spec {
    char *name;
    char **columns;             /* NULL-terminated, or NULL for all. */
};

/* One --condition option. */
struct cond_spec {
    char *table;
    json_t *clauses;
};

enum tool_cmd { CMD_DUMP, CMD_WATCH, CMD_SCRIPT };

struct tool {
    struct event_base *base;
    struct ovsdb_client *client;
    enum tool_cmd cmd;
    bool json_format;           /* dump: -f json. */
    struct table_spec *tables;
    size_t n_tables;

    bool stop;                  /* SIGTERM/SIGINT received. */
    bool quit;                  /* Script: "quit" or end of input. */
    bool watching;              /* Watch: the replica was printed. */

    /* Script input. */
    struct event *stdin_ev;
    struct ds in;               /* Bytes read, not yet run. */
    bool eof;
};

/* Output. */

/* Prints 'json' (taken) as one line and flushes. */
static void
emit(json_t *json)
{
    char *s = json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        free(s);
    }
    json_decref(json);
}

static json_t *
json_uuid_string(const struct uuid *uuid)
{
    char buf[UUID_LEN + 1];
    uuid_to_string(uuid, buf);
    return json_string(buf);
}

static const struct table_spec *
find_table_spec(const struct tool *t, const char *name)
{
    for (size_t i = 0; i < t->n_tables; i++) {
        if (!strcmp(t->tables[i].name, name)) {
            return &t->tables[i];
        }
    }
    return NULL;
}

/* Is 'table' replicated? */
static bool
table_is_monitored(const struct tool *t, const char *table)
{
    return !t->n_tables || find_table_spec(t, table);
}

/* Is column 'col' of 'table' replicated? */
static bool
column_is_monitored(const struct tool *t, const struct ovsdb_table_schema *ts,
                    const struct ovsdb_column *col)
{
    if (col->index < OVSDB_N_INTERNAL_COLUMNS) {
        return false;
    }
    const struct table_spec *spec = find_table_spec(t, ts->name);
    if (!spec) {
        return !t->n_tables;
    }
    if (!spec->columns) {
        return true;
    }
    for (char **c = spec->columns; *c; c++) {
        if (!strcmp(*c, col->name)) {
            return true;
        }
    }
    return false;
}

/* The replicated columns of 'row' as an RFC 7047 <row>; returns new JSON. */
static json_t *
row_to_json(const struct tool *t, const struct ovsdb_row *row)
{
    const struct ovsdb_table_schema *ts = row->table->schema;
    const struct ovsdb_column **cols = xcalloc(ts->n_columns, sizeof *cols);
    size_t n = 0;

    for (size_t i = 0; i < ts->n_columns; i++) {
        if (column_is_monitored(t, ts, ts->columns[i])) {
            cols[n++] = ts->columns[i];
        }
    }
    json_t *json = ovsdb_row_to_json(row, (const struct ovsdb_column *const *) cols, n);
    free(cols);
    return json;
}

/* {"TABLE": {"UUID": ROW}} of every replicated table; returns new JSON. */
static json_t *
dump_to_json(const struct tool *t)
{
    const struct ovsdb_db *db = ovsdb_client_get_db(t->client);
    json_t *dump = json_object();

    if (!db) {
        return dump;
    }
    for (size_t i = 0; i < db->schema->n_tables; i++) {
        const struct ovsdb_table *table = &db->tables[i];
        const char *name = table->schema->name;
        if (!table_is_monitored(t, name)) {
            continue;
        }
        json_t *rows = json_object();
        const struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &table->rows) {
            char buf[UUID_LEN + 1];
            uuid_to_string(ovsdb_row_get_uuid(row), buf);
            json_object_set_new(rows, buf, row_to_json(t, row));
        }
        json_object_set_new(dump, name, rows);
    }
    return dump;
}

/* The table format of ovsdb-client dump (Open vSwitch's lib/table.c):
 * tables by name, each as a "NAME table" caption, a heading line, a line
 * of dashes and one line per row, columns left-aligned and one space apart
 * (no trailing spaces), a blank line between tables.  The columns are
 * _uuid and every column but _version (or those of --table), sorted by
 * name; values as ovs-vsctl writes them (ovsdb_datum_to_text()); rows
 * sorted by their values, columns of UUIDs compared last, as ovsdb-client
 * sorts them so that the output does not depend on random UUIDs. */

struct dump_table {
    const struct ovsdb_column **columns;    /* Sorted by name. */
    size_t n_columns;
};

static int
compare_column_names(const void *a_, const void *b_)
{
    const struct ovsdb_column *const *a = a_, *const *b = b_;
    return strcmp((*a)->name, (*b)->name);
}

static int
compare_dump_rows(const void *a_, const void *b_, void *aux)
{
    const struct ovsdb_row *a = *(const struct ovsdb_row *const *) a_;
    const struct ovsdb_row *b = *(const struct ovsdb_row *const *) b_;
    const struct dump_table *dt = aux;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < dt->n_columns; i++) {
            const struct ovsdb_column *c = dt->columns[i];
            if ((c->type.key.type == OVSDB_TYPE_UUID) != (pass == 1)) {
                continue;
            }
            int cmp = ovsdb_datum_compare_3way(&a->fields[c->index],
                                               &b->fields[c->index], &c->type);
            if (cmp) {
                return cmp;
            }
        }
    }
    return 0;
}

/* Width of 's' on a terminal: its UTF-8 characters. */
static size_t
text_width(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        n += (*p & 0xc0) != 0x80;
    }
    return n;
}

/* Appends 'cells' (n_rows + 1 lines of 'n' cells, the headings first) to
 * 'out' as aligned lines, with the dashes under the headings. */
static void
put_aligned(struct ds *out, char **cells, size_t n_lines, size_t n)
{
    size_t *widths = xcalloc(n ? n : 1, sizeof *widths);
    for (size_t y = 0; y < n_lines; y++) {
        for (size_t x = 0; x < n; x++) {
            widths[x] = MAX(widths[x], text_width(cells[y * n + x]));
        }
    }
    for (size_t y = 0; y < n_lines; y++) {
        size_t line_start = out->length;
        for (size_t x = 0; x < n; x++) {
            const char *cell = cells[y * n + x];
            ds_put_cstr(out, cell);
            for (size_t w = text_width(cell); w < widths[x] + (x + 1 < n); w++) {
                ds_put_char(out, ' ');
            }
        }
        while (out->length > line_start && out->s[out->length - 1] == ' ') {
            out->length--;
        }
        ds_put_char(out, '\n');
        if (y == 0) {
            for (size_t x = 0; x < n; x++) {
                for (size_t w = 0; w < widths[x]; w++) {
                    ds_put_char(out, '-');
                }
                if (x + 1 < n) {
                    ds_put_char(out, ' ');
                }
            }
            ds_put_char(out, '\n');
        }
    }
    free(widths);
}

static void
put_dump_table(struct ds *out, const struct tool *t, const struct ovsdb_table *table)
{
    const struct ovsdb_table_schema *ts = table->schema;
    const struct table_spec *spec = find_table_spec(t, ts->name);
    struct dump_table dt;
    dt.columns = xcalloc(ts->n_columns, sizeof *dt.columns);
    dt.n_columns = 0;
    for (size_t i = 0; i < ts->n_columns; i++) {
        const struct ovsdb_column *c = ts->columns[i];
        if (c->index == OVSDB_COL_UUID ? !spec || !spec->columns
                                       : column_is_monitored(t, ts, c)) {
            dt.columns[dt.n_columns++] = c;
        }
    }
    qsort(dt.columns, dt.n_columns, sizeof *dt.columns, compare_column_names);

    size_t n_rows = hmap_count(&table->rows), y = 0;
    const struct ovsdb_row **rows = xcalloc(n_rows ? n_rows : 1, sizeof *rows);
    const struct ovsdb_row *row;
    HMAP_FOR_EACH (row, hmap_node, &table->rows) {
        rows[y++] = row;
    }
    qsort_r(rows, n_rows, sizeof *rows, compare_dump_rows, &dt);

    size_t n = dt.n_columns;
    char **cells = xcalloc((n_rows + 1) * n + 1, sizeof *cells);
    for (size_t x = 0; x < n; x++) {
        cells[x] = xstrdup(dt.columns[x]->name);
    }
    for (y = 0; y < n_rows; y++) {
        for (size_t x = 0; x < n; x++) {
            const struct ovsdb_column *c = dt.columns[x];
            struct ds cell = DS_EMPTY_INITIALIZER;
            ovsdb_datum_to_text(&cell, &rows[y]->fields[c->index], &c->type);
            cells[(y + 1) * n + x] = ds_steal_cstr(&cell);
        }
    }
    ds_put_format(out, "%s table\n", ts->name);
    put_aligned(out, cells, n_rows + 1, n);
    for (size_t i = 0; i < (n_rows + 1) * n; i++) {
        free(cells[i]);
    }
    free(cells);
    free(rows);
    free(dt.columns);
}

static int
compare_table_names(const void *a_, const void *b_)
{
    const struct ovsdb_table *const *a = a_, *const *b = b_;
    return strcmp((*a)->schema->name, (*b)->schema->name);
}

/* Prints the replica in ovsdb-client's table format to stdout. */
static void
print_dump_tables(const struct tool *t)
{
    const struct ovsdb_db *db = ovsdb_client_get_db(t->client);
    if (!db) {
        return;
    }
    const struct ovsdb_table **tables = xcalloc(db->schema->n_tables + 1, sizeof *tables);
    size_t n = 0;
    for (size_t i = 0; i < db->schema->n_tables; i++) {
        if (table_is_monitored(t, db->tables[i].schema->name)) {
            tables[n++] = &db->tables[i];
        }
    }
    qsort(tables, n, sizeof *tables, compare_table_names);
    struct ds out = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            ds_put_char(&out, '\n');
        }
        put_dump_table(&out, t, tables[i]);
        fwrite(out.s, 1, out.length, stdout);
        ds_clear(&out);
    }
    fflush(stdout);
    ds_destroy(&out);
    free(tables);
}

static json_t *
stats_to_json(const struct tool *t)
{
    struct ovsdb_client_stats s;
    ovsdb_client_get_stats(t->client, &s);
    return json_pack("{s:I,s:I,s:I,s:I,s:s?}",
                     "n_connects", (json_int_t) s.n_connects,
                     "n_syncs", (json_int_t) s.n_syncs,
                     "rows_received", (json_int_t) s.rows_received,
                     "n_resumed", (json_int_t) s.n_resumed,
                     "method", s.method);
}

/* Change tracking. */

struct changes_aux {
    const struct tool *tool;
    const char *table;
    json_t *changes;            /* Array the changes are appended to. */
    bool with_table;            /* Watch lines name the table. */
};

static const char *
change_kind_name(enum ovsdb_client_change_kind kind)
{
    switch (kind) {
    case OVSDB_CLIENT_INSERTED: return "insert";
    case OVSDB_CLIENT_MODIFIED: return "modify";
    case OVSDB_CLIENT_DELETED: return "delete";
    }
    return "?";
}

static void
collect_change(void *aux_, enum ovsdb_client_change_kind kind,
               const struct ovsdb_row *row, const unsigned long *changed)
{
    struct changes_aux *aux = aux_;
    const struct ovsdb_table_schema *ts = row->table->schema;
    json_t *c = json_object();

    if (aux->with_table) {
        json_object_set_new(c, "table", json_string(aux->table));
    }
    json_object_set_new(c, "kind", json_string(change_kind_name(kind)));
    json_object_set_new(c, "uuid", json_uuid_string(ovsdb_row_get_uuid(row)));
    json_object_set_new(c, "row", row_to_json(aux->tool, row));
    if (kind == OVSDB_CLIENT_MODIFIED && changed) {
        json_t *cols = json_array();
        for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
            if (bitmap_is_set(changed, i)) {
                json_array_append_new(cols, json_string(ts->columns[i]->name));
            }
        }
        json_object_set_new(c, "columns", cols);
    }
    json_array_append_new(aux->changes, c);
}

/* Appends the changes of 'table' to 'changes'. */
static void
collect_changes(const struct tool *t, const char *table, json_t *changes,
                bool with_table)
{
    struct changes_aux aux = { t, table, changes, with_table };
    ovsdb_client_get_changes(t->client, table, collect_change, &aux);
}

/* Watch: prints every change of every replicated table, then forgets them. */
static void
watch_print_changes(struct tool *t)
{
    const struct ovsdb_db *db = ovsdb_client_get_db(t->client);
    if (!db) {
        return;
    }
    json_t *changes = json_array();
    for (size_t i = 0; i < db->schema->n_tables; i++) {
        const char *name = db->schema->tables[i]->name;
        if (table_is_monitored(t, name)) {
            collect_changes(t, name, changes, true);
        }
    }
    ovsdb_client_clear_changes(t->client);

    size_t i;
    json_t *c;
    json_array_foreach (changes, i, c) {
        emit(json_incref(c));
    }
    json_decref(changes);
}

/* Library callbacks. */

static void
on_changed(void *aux)
{
    struct tool *t = aux;
    if (t->cmd == CMD_WATCH && t->watching) {
        watch_print_changes(t);
    }
}

static void
on_state(void *aux, bool synced)
{
    struct tool *t = aux;
    const char *remote = ovsdb_client_get_remote(t->client);

    log_info("%s %s", synced ? "synced with" : "lost the connection to",
             remote ? remote : "the server");
    if (t->cmd == CMD_SCRIPT && !t->quit) {
        emit(json_pack("{s:s,s:b,s:s?}", "event", "state", "synced", synced,
                       "remote", remote));
    }
}

static void
on_lock(void *aux, const char *name, bool held)
{
    struct tool *t = aux;
    log_info("lock %s %s", name, held ? "held" : "lost");
    if (t->cmd == CMD_SCRIPT && !t->quit) {
        emit(json_pack("{s:s,s:s,s:b}", "event", "lock", "name", name,
                       "held", held));
    }
}

/* Script transactions. */

enum op_kind { OP_INSERT, OP_UPDATE, OP_DELETE, OP_MUTATE };

/* One script transaction command, built again at each try. */
struct script_op {
    struct tool *tool;
    enum op_kind kind;
    const char *table;
    struct uuid uuid;           /* Of the row updated, mutated, deleted. */
    const json_t *row;          /* Insert, update. */
    const json_t *verify;       /* Columns to verify, or NULL. */
    const char *column;         /* Mutate. */
    bool add;                   /* Mutate. */
    const json_t *value;        /* Mutate. */

    int n_tries;
    char *error;                /* The tool's own reason to give up. */
    bool already;               /* A retried insert found its row. */
    struct uuid insert_uuid;    /* Insert: the new row, once known. */
    bool have_insert_uuid;
    struct ovsdb_client_txn *txn;   /* The try in progress (borrowed). */
    const char *insert_name;        /* Its named UUID (borrowed). */
};

/* Does 'row' hold the value of every replicated column of <row> 'json'? */
static bool
row_matches_json(const struct tool *t, const struct ovsdb_row *row,
                 const json_t *json)
{
    const struct ovsdb_table_schema *ts = row->table->schema;
    const char *name;
    const json_t *value;

    json_object_foreach ((json_t *) json, name, value) {
        const struct ovsdb_column *col = ovsdb_table_schema_find_column(ts, name);
        if (!col) {
            return false;
        }
        if (!column_is_monitored(t, ts, col)) {
            continue;
        }
        struct ovsdb_datum d;
        struct ovsdb_error *error = ovsdb_datum_from_json(&d, &col->type, value, NULL);
        if (error) {
            ovsdb_error_destroy(error);
            return false;
        }
        bool eq = ovsdb_datum_equals(&d, &row->fields[col->index], &col->type);
        ovsdb_datum_destroy(&d, &col->type);
        if (!eq) {
            return false;
        }
    }
    return true;
}

/* A row of 'table' in the replica that matches <row> 'json', or NULL. */
static const struct ovsdb_row *
find_matching_row(const struct tool *t, const char *table, const json_t *json)
{
    const struct ovsdb_table *tbl = ovsdb_client_get_table(t->client, table);
    if (!tbl) {
        return NULL;
    }
    const struct ovsdb_row *row;
    HMAP_FOR_EACH (row, hmap_node, &tbl->rows) {
        if (row_matches_json(t, row, json)) {
            return row;
        }
    }
    return NULL;
}

static void
op_fail(struct script_op *op, char *error)
{
    free(op->error);
    op->error = error;
}

/* ovsdb_client_txn_build_func: fills 'txn' for 'op' from the replica.  A
 * retry after a lost answer must not do twice what may have committed: an
 * insert whose row is in the replica, or a delete whose row is gone, gives
 * up (the earlier try committed). */
static bool
build_op(void *aux, struct ovsdb_client_txn *txn)
{
    struct script_op *op = aux;
    struct tool *t = op->tool;
    int err = 0;

    op->n_tries++;
    op->txn = txn;
    op->insert_name = NULL;

    if (op->kind == OP_INSERT) {
        if (op->n_tries > 1) {
            const struct ovsdb_row *row = find_matching_row(t, op->table, op->row);
            if (row) {
                op->already = true;
                op->insert_uuid = *ovsdb_row_get_uuid(row);
                op->have_insert_uuid = true;
                return false;
            }
        }
        op->insert_name = ovsdb_client_txn_insert(txn, op->table,
                                                  json_deep_copy(op->row));
        if (!op->insert_name) {
            op_fail(op, xasprintf("cannot insert into table %s", op->table));
            return false;
        }
        return true;
    }

    if (!ovsdb_client_get_row(t->client, op->table, &op->uuid)) {
        if (op->kind == OP_DELETE && op->n_tries > 1) {
            return false;       /* Deleted by an earlier try. */
        }
        char buf[UUID_LEN + 1];
        uuid_to_string(&op->uuid, buf);
        op_fail(op, xasprintf("no row %s in table %s", buf, op->table));
        return false;
    }
    if (op->verify) {
        size_t i;
        json_t *col;
        json_array_foreach ((json_t *) op->verify, i, col) {
            const char *name = json_is_null(col) ? NULL : json_string_value(col);
            err = ovsdb_client_txn_verify(txn, op->table, &op->uuid, name);
            if (err) {
                op_fail(op, xasprintf("cannot verify column %s: %s",
                                      name ? name : "(row)", strerror(-err)));
                return false;
            }
        }
    }
    switch (op->kind) {
    case OP_UPDATE:
        err = ovsdb_client_txn_update(txn, op->table, &op->uuid,
                                      json_deep_copy(op->row));
        break;
    case OP_DELETE:
        err = ovsdb_client_txn_delete(txn, op->table, &op->uuid);
        break;
    case OP_MUTATE:
        err = ovsdb_client_txn_mutate(txn, op->table, &op->uuid, op->column,
                                      op->add, json_deep_copy(op->value));
        break;
    case OP_INSERT:
        break;
    }
    if (err) {
        op_fail(op, xasprintf("cannot build the transaction: %s", strerror(-err)));
        return false;
    }
    return true;
}

static const char *
status_name(enum ovsdb_client_txn_status status)
{
    return ovsdb_client_txn_status_to_string(status);
}

/* Runs the transaction command 'cmd' of 'kind'; returns the reply. */
static json_t *
script_transact(struct tool *t, enum op_kind kind, const json_t *cmd)
{
    struct script_op op = { .tool = t, .kind = kind };
    const char *uuid_s;

    op.table = json_string_value(json_object_get(cmd, "table"));
    op.row = json_object_get(cmd, "row");
    op.verify = json_object_get(cmd, "verify");
    op.column = json_string_value(json_object_get(cmd, "column"));
    op.add = json_is_true(json_object_get(cmd, "add"));
    op.value = json_object_get(cmd, "value");
    const json_t *tries = json_object_get(cmd, "max_tries");
    int max_tries = json_is_integer(tries) ? (int) json_integer_value(tries) : TXN_MAX_TRIES;
    uuid_s = json_string_value(json_object_get(cmd, "uuid"));

    if (!op.table) {
        return json_pack("{s:s,s:s}", "status", "error", "error", "\"table\" is required");
    }
    if (kind != OP_INSERT && (!uuid_s || !uuid_from_string(&op.uuid, uuid_s))) {
        return json_pack("{s:s,s:s}", "status", "error",
                         "error", "\"uuid\" must be a UUID");
    }
    if ((kind == OP_INSERT || kind == OP_UPDATE) && !json_is_object(op.row)) {
        return json_pack("{s:s,s:s}", "status", "error", "error",
                         "\"row\" must be an object");
    }
    if (kind == OP_MUTATE && (!op.column || !op.value)) {
        return json_pack("{s:s,s:s}", "status", "error", "error",
                         "\"column\" and \"value\" are required");
    }
    if (op.verify && !json_is_array(op.verify)) {
        return json_pack("{s:s,s:s}", "status", "error", "error",
                         "\"verify\" must be an array of column names");
    }

    char *txn_error = NULL;
    enum ovsdb_client_txn_status status
        = ovsdb_client_transact_retry(t->client, build_op, NULL, &op, max_tries,
                                      &txn_error);
    json_t *reply = json_object();
    if (op.error) {
        json_object_set_new(reply, "status", json_string("error"));
        json_object_set_new(reply, "error", json_string(op.error));
    } else {
        json_object_set_new(reply, "status", json_string(status_name(status)));
        if (txn_error) {
            json_object_set_new(reply, "error", json_string(txn_error));
        }
    }
    json_object_set_new(reply, "tries", json_integer(op.n_tries));
    if (kind == OP_INSERT && status == OVSDB_CLIENT_TXN_SUCCESS && !op.error) {
        if (!op.have_insert_uuid) {
            /* The row is in the replica already: the server sends the
             * update before the transaction's reply. */
            const struct ovsdb_row *row = find_matching_row(t, op.table, op.row);
            if (row) {
                op.insert_uuid = *ovsdb_row_get_uuid(row);
                op.have_insert_uuid = true;
            }
        }
        if (op.have_insert_uuid) {
            json_object_set_new(reply, "uuid", json_uuid_string(&op.insert_uuid));
        }
        if (op.already) {
            json_object_set_new(reply, "already", json_true());
        }
    }
    free(txn_error);
    free(op.error);
    return reply;
}

/* Script commands. */

static json_t *script_error(const char *fmt, ...) PRINTF_FMT(1, 2);

/* Returns a new {"error": TEXT} reply. */
static json_t *
script_error(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *s = xvasprintf(fmt, args);
    va_end(args);
    json_t *reply = json_pack("{s:s}", "error", s);
    free(s);
    return reply;
}

static void
on_run_timer(evutil_socket_t fd, short what, void *base)
{
    event_base_loopbreak(base);
}

/* Runs the event loop for 'ms' msec (or until a signal). */
static void
run_loop_for(struct tool *t, long long ms)
{
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
    struct event *timer = evtimer_new(t->base, on_run_timer, t->base);
    evtimer_add(timer, &tv);
    event_base_dispatch(t->base);
    event_free(timer);
}

static json_t *
script_command(struct tool *t, const json_t *cmd)
{
    const char *name = json_string_value(json_object_get(cmd, "cmd"));
    const char *table = json_string_value(json_object_get(cmd, "table"));

    if (!name) {
        return script_error("%s", "\"cmd\" is required");
    }
    if (!strcmp(name, "wait-synced")) {
        json_t *timeout = json_object_get(cmd, "timeout");
        int ms = json_is_integer(timeout) ? (int) json_integer_value(timeout) : 10000;
        bool synced = ovsdb_client_wait_synced(t->client, ms);
        return json_pack("{s:b,s:s?,s:o}", "synced", synced,
                         "remote", ovsdb_client_get_remote(t->client),
                         "stats", stats_to_json(t));
    } else if (!strcmp(name, "dump")) {
        return json_pack("{s:o,s:b}", "dump", dump_to_json(t),
                         "synced", ovsdb_client_is_synced(t->client));
    } else if (!strcmp(name, "stats")) {
        return json_pack("{s:o}", "stats", stats_to_json(t));
    } else if (!strcmp(name, "insert")) {
        return script_transact(t, OP_INSERT, cmd);
    } else if (!strcmp(name, "update")) {
        return script_transact(t, OP_UPDATE, cmd);
    } else if (!strcmp(name, "delete")) {
        return script_transact(t, OP_DELETE, cmd);
    } else if (!strcmp(name, "mutate")) {
        return script_transact(t, OP_MUTATE, cmd);
    } else if (!strcmp(name, "changes")) {
        if (!table) {
            return script_error("%s", "\"table\" is required");
        }
        json_t *changes = json_array();
        collect_changes(t, table, changes, false);
        ovsdb_client_clear_changes(t->client);
        return json_pack("{s:o}", "changes", changes);
    } else if (!strcmp(name, "condition")) {
        const json_t *where = json_object_get(cmd, "where");
        if (!table) {
            return script_error("%s", "\"table\" is required");
        }
        int err = ovsdb_client_set_condition(t->client, table,
                                             json_is_null(where) ? NULL : where);
        if (!err && t->n_tables && !find_table_spec(t, table)) {
            /* The library replicates a table with a condition from now on
             * (all its columns), so the tool prints it too. */
            t->tables = xrealloc(t->tables, (t->n_tables + 1) * sizeof *t->tables);
            t->tables[t->n_tables++] = (struct table_spec) { xstrdup(table), NULL };
        }
        return err ? script_error("condition: %s", strerror(-err))
                   : json_pack("{s:s}", "status", "ok");
    } else if (!strcmp(name, "lock") || !strcmp(name, "unlock")) {
        const char *lock = json_string_value(json_object_get(cmd, "name"));
        if (!lock) {
            return script_error("%s", "\"name\" is required");
        }
        int err = (name[0] == 'l'
                   ? ovsdb_client_lock(t->client, lock,
                                       json_is_true(json_object_get(cmd, "steal")))
                   : ovsdb_client_unlock(t->client, lock));
        if (err) {
            return script_error("lock: %s", strerror(-err));
        }
        return json_pack("{s:s,s:b}", "status", "ok",
                         "held", ovsdb_client_has_lock(t->client, lock));
    } else if (!strcmp(name, "run")) {
        json_t *ms = json_object_get(cmd, "ms");
        long long n = json_is_integer(ms) ? json_integer_value(ms) : 0;
        if (n > 0) {
            run_loop_for(t, n);
        }
        return json_pack("{s:I}", "ran", (json_int_t) n);
    } else if (!strcmp(name, "quit")) {
        t->quit = true;
        return json_pack("{s:b}", "quit", true);
    }
    return script_error("unknown command \"%s\"", name);
}

/* Runs every complete line of 't->in'. */
static void
script_run_lines(struct tool *t)
{
    size_t start = 0;

    while (!t->quit && !t->stop) {
        char *s = t->in.s ? t->in.s + start : NULL;
        char *nl = s ? memchr(s, '\n', t->in.length - start) : NULL;
        size_t len;
        if (nl) {
            len = nl - s;
        } else if (t->eof && s && start < t->in.length) {
            len = t->in.length - start;     /* Last line without '\n'. */
        } else {
            break;
        }

        json_error_t jerr;
        json_t *cmd = json_loadb(s, len, 0, &jerr);
        size_t next = start + len + (nl ? 1 : 0);
        bool blank = strspn(s, " \t\r") >= len;
        if (blank) {
            /* Nothing to answer. */
        } else if (!cmd || !json_is_object(cmd)) {
            emit(script_error("bad command: %s", cmd ? "not an object" : jerr.text));
        } else {
            emit(script_command(t, cmd));
        }
        json_decref(cmd);
        start = next;
    }
    /* Keep the unread tail. */
    size_t left = t->in.length - start;
    if (start && t->in.s) {
        memmove(t->in.s, t->in.s + start, left);
        t->in.length = left;
        t->in.s[left] = '\0';
    }
}

static void
on_stdin(evutil_socket_t fd, short what, void *aux)
{
    struct tool *t = aux;
    char buf[65536];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            ds_put_buffer(&t->in, buf, n);
            if (t->in.length > MAX_LINE_SIZE) {
                log_err("stdin: command longer than %d bytes, exiting", MAX_LINE_SIZE);
                t->eof = true;
                t->quit = true;
                break;
            }
            continue;
        }
        if (n == 0) {
            t->eof = true;
        } else if (errno == EINTR) {
            continue;
        } else if (errno != EAGAIN) {
            log_err("stdin: read failed: %s, exiting", strerror(errno));
            t->eof = true;
        }
        break;
    }
    if (t->eof || (t->in.s && memchr(t->in.s, '\n', t->in.length))) {
        event_base_loopbreak(t->base);
    }
}

static int
do_script(struct tool *t)
{
    int flags = fcntl(STDIN_FILENO, F_GETFL);
    if (flags < 0 || fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK) < 0) {
        log_err("stdin: cannot make it non-blocking: %s", strerror(errno));
        return 1;
    }
    t->stdin_ev = event_new(t->base, STDIN_FILENO, EV_READ | EV_PERSIST, on_stdin, t);
    if (!t->stdin_ev || event_add(t->stdin_ev, NULL)) {
        log_err("stdin: cannot watch it (a pipe is needed)");
        return 1;
    }
    while (!t->stop && !t->quit) {
        event_base_dispatch(t->base);
        if (t->stop) {
            break;
        }
        /* Commands run the loop themselves: no stdin reads meanwhile. */
        event_del(t->stdin_ev);
        script_run_lines(t);
        if (t->eof) {
            break;
        }
        event_add(t->stdin_ev, NULL);
    }
    return 0;
}

/* Dump and watch. */

static int
do_dump_or_watch(struct tool *t, int timeout_ms)
{
    if (!ovsdb_client_wait_synced(t->client, timeout_ms)) {
        if (t->stop) {
            return 0;
        }
        log_err("not synced after %d ms, giving up", timeout_ms);
        return 1;
    }
    if (t->cmd == CMD_DUMP) {
        if (t->json_format) {
            emit(dump_to_json(t));
        } else {
            print_dump_tables(t);
        }
        return 0;
    }
    emit(dump_to_json(t));
    ovsdb_client_clear_changes(t->client);
    t->watching = true;
    while (!t->stop) {
        event_base_dispatch(t->base);
    }
    return 0;
}

static void
on_signal(evutil_socket_t sig, short what, void *aux)
{
    struct tool *t = aux;
    log_info("%s received, exiting", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    t->stop = true;
    event_base_loopbreak(t->base);
}

/* Option parsing. */

enum {
    OPT_DB = 256, OPT_REMOTE, OPT_TABLE, OPT_CONDITION, OPT_NO_LEADER_ONLY,
    OPT_PROBE, OPT_MIN_BACKOFF, OPT_MAX_BACKOFF, OPT_TIMEOUT, OPT_PRIVATE_KEY,
    OPT_CERTIFICATE, OPT_CA_CERT, OPT_LOG_FILE, OPT_LOG_LEVEL,
};

/* Parses -f/--format's 'arg'; false (with a message) if unknown. */
static bool
parse_format(const char *arg, bool *jsonp)
{
    if (!strcmp(arg, "json") || !strcmp(arg, "table")) {
        *jsonp = !strcmp(arg, "json");
        return true;
    }
    fprintf(stderr, "seam-ovsdb-client: unknown format \"%s\" (table or json)\n", arg);
    return false;
}

/* Parses "T" or "T:COL1,COL2" into 'spec'. */
static void
parse_table_spec(const char *arg, struct table_spec *spec)
{
    const char *colon = strchr(arg, ':');
    spec->columns = NULL;
    if (!colon) {
        spec->name = xstrdup(arg);
        return;
    }
    spec->name = xstrndup(arg, colon - arg);
    char *list = xstrdup(colon + 1);
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        spec->columns = xrealloc(spec->columns, (n + 2) * sizeof *spec->columns);
        spec->columns[n++] = xstrdup(tok);
        spec->columns[n] = NULL;
    }
    free(list);
}

static bool
parse_msec(const char *arg, const char *option, int *msp)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v < 0 || v > 3600 * 1000) {
        fprintf(stderr, "seam-ovsdb-client: --%s: \"%s\" is not a duration "
                "in msec\n", option, arg);
        return false;
    }
    *msp = v;
    return true;
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "db", required_argument, NULL, OPT_DB },
        { "remote", required_argument, NULL, OPT_REMOTE },
        { "table", required_argument, NULL, OPT_TABLE },
        { "condition", required_argument, NULL, OPT_CONDITION },
        { "no-leader-only", no_argument, NULL, OPT_NO_LEADER_ONLY },
        { "probe", required_argument, NULL, OPT_PROBE },
        { "min-backoff", required_argument, NULL, OPT_MIN_BACKOFF },
        { "max-backoff", required_argument, NULL, OPT_MAX_BACKOFF },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "private-key", required_argument, NULL, OPT_PRIVATE_KEY },
        { "certificate", required_argument, NULL, OPT_CERTIFICATE },
        { "ca-cert", required_argument, NULL, OPT_CA_CERT },
        { "log-file", required_argument, NULL, OPT_LOG_FILE },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "debug", required_argument, NULL, 'd' },
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct tool t = { .cmd = CMD_DUMP };
    struct ovsdb_client_options opts;
    const char **remotes = NULL;
    size_t n_remotes = 0;
    struct cond_spec *conds = NULL;
    size_t n_conds = 0;
    const char *private_key = NULL, *certificate = NULL, *ca_cert = NULL;
    int timeout_ms = 10000;
    SSL_CTX *ssl_ctx = NULL;
    struct event *sigterm = NULL, *sigint = NULL;
    int status = 2;
    int c;

    ovsdb_client_options_init(&opts);
    ds_init(&t.in);
    log_set_level(LOG_LEVEL_WARN);
    while ((c = getopt_long(argc, argv, "d:f:hV", options, NULL)) != -1) {
        switch (c) {
        case OPT_DB: opts.db_name = optarg; break;
        case OPT_REMOTE:
            remotes = xrealloc(remotes, (n_remotes + 2) * sizeof *remotes);
            remotes[n_remotes++] = optarg;
            remotes[n_remotes] = NULL;
            break;
        case OPT_TABLE:
            t.tables = xrealloc(t.tables, (t.n_tables + 1) * sizeof *t.tables);
            parse_table_spec(optarg, &t.tables[t.n_tables++]);
            break;
        case OPT_CONDITION: {
            const char *colon = strchr(optarg, ':');
            json_error_t jerr;
            json_t *clauses = colon ? json_loads(colon + 1, 0, &jerr) : NULL;
            if (!clauses || !json_is_array(clauses)) {
                fprintf(stderr, "seam-ovsdb-client: --condition=%s: expected "
                        "TABLE:[CLAUSES...] (%s)\n", optarg,
                        !colon ? "no ':'" : clauses ? "not an array" : jerr.text);
                json_decref(clauses);
                goto out;
            }
            conds = xrealloc(conds, (n_conds + 1) * sizeof *conds);
            conds[n_conds].table = xstrndup(optarg, colon - optarg);
            conds[n_conds++].clauses = clauses;
            break;
        }
        case OPT_NO_LEADER_ONLY: opts.leader_only = false; break;
        case OPT_PROBE:
            if (!parse_msec(optarg, "probe", &opts.probe_ms)) {
                goto out;
            }
            break;
        case OPT_MIN_BACKOFF:
            if (!parse_msec(optarg, "min-backoff", &opts.min_backoff_ms)) {
                goto out;
            }
            break;
        case OPT_MAX_BACKOFF:
            if (!parse_msec(optarg, "max-backoff", &opts.max_backoff_ms)) {
                goto out;
            }
            break;
        case OPT_TIMEOUT:
            if (!parse_msec(optarg, "timeout", &timeout_ms)) {
                goto out;
            }
            break;
        case OPT_PRIVATE_KEY: private_key = optarg; break;
        case OPT_CERTIFICATE: certificate = optarg; break;
        case OPT_CA_CERT: ca_cert = optarg; break;
        case OPT_LOG_FILE:
            if (log_set_file(optarg)) {
                fprintf(stderr, "seam-ovsdb-client: cannot open log file %s: %s\n",
                        optarg, strerror(errno));
                status = 1;
                goto out;
            }
            break;
        case OPT_LOG_LEVEL: {
            int level = log_level_from_string(optarg);
            if (level < 0) {
                fprintf(stderr, "seam-ovsdb-client: unknown log level \"%s\"\n",
                        optarg);
                goto out;
            }
            log_set_level(level);
            break;
        }
        case 'd': log_enable_debug(optarg); break;
        case 'f':
            if (!parse_format(optarg, &t.json_format)) {
                goto out;
            }
            break;
        case 'h': usage(stdout); status = 0; goto out;
        case 'V': printf("seam-ovsdb-client %s\n", SEAM_VERSION); status = 0; goto out;
        default: usage(stderr); goto out;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "seam-ovsdb-client: exactly one COMMAND is required "
                "(dump, watch or script; --help for usage)\n");
        goto out;
    }
    if (!strcmp(argv[optind], "dump")) {
        t.cmd = CMD_DUMP;
    } else if (!strcmp(argv[optind], "watch")) {
        t.cmd = CMD_WATCH;
    } else if (!strcmp(argv[optind], "script")) {
        t.cmd = CMD_SCRIPT;
    } else {
        fprintf(stderr, "seam-ovsdb-client: unknown command \"%s\" (--help for "
                "usage)\n", argv[optind]);
        goto out;
    }
    if (!opts.db_name || !n_remotes) {
        fprintf(stderr, "seam-ovsdb-client: --db and at least one --remote are "
                "required (--help for usage)\n");
        goto out;
    }
    status = 1;
    for (size_t i = 0; i < n_remotes; i++) {
        if (!strncmp(remotes[i], "ssl:", 4) && !ssl_ctx) {
            if (!private_key || !certificate || !ca_cert) {
                log_err("%s: --private-key, --certificate and --ca-cert are "
                        "required for SSL", remotes[i]);
                goto out;
            }
            char *msg = conn_ssl_ctx_create(private_key, certificate, ca_cert,
                                            false, &ssl_ctx);
            if (msg) {
                log_err("SSL configuration: %s", msg);
                free(msg);
                goto out;
            }
        }
    }
    opts.remotes = remotes;
    opts.ssl_ctx = ssl_ctx;

    signal(SIGPIPE, SIG_IGN);
    jsonarena_install();        /* Big initial replies parse into arenas. */
    t.base = event_base_new();
    static const struct ovsdb_client_callbacks cbs = {
        .changed = on_changed, .state = on_state, .lock = on_lock,
    };
    t.client = ovsdb_client_create(t.base, &opts, &cbs, &t);
    if (!t.client) {
        log_err("cannot create the client");
        goto out;
    }
    for (size_t i = 0; i < t.n_tables; i++) {
        int err = ovsdb_client_add_table(t.client, t.tables[i].name,
                                         (const char *const *) t.tables[i].columns);
        if (err) {
            log_err("--table=%s: %s", t.tables[i].name, strerror(-err));
            goto out;
        }
    }
    for (size_t i = 0; i < n_conds; i++) {
        int err = ovsdb_client_set_condition(t.client, conds[i].table, conds[i].clauses);
        if (err) {
            log_err("--condition for table %s: %s", conds[i].table, strerror(-err));
            goto out;
        }
    }
    sigterm = evsignal_new(t.base, SIGTERM, on_signal, &t);
    sigint = evsignal_new(t.base, SIGINT, on_signal, &t);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);

    status = (t.cmd == CMD_SCRIPT ? do_script(&t) : do_dump_or_watch(&t, timeout_ms));

out:
    t.quit = true;              /* No more events on stdout. */
    ovsdb_client_destroy(t.client);
    if (t.stdin_ev) {
        event_free(t.stdin_ev);
    }
    if (sigterm) {
        event_free(sigterm);
        event_free(sigint);
    }
    if (t.base) {
        /* Let closed connections finish their deferred teardown. */
        event_base_loop(t.base, EVLOOP_NONBLOCK);
        event_base_free(t.base);
    }
    conn_ssl_ctx_destroy(ssl_ctx);
    for (size_t i = 0; i < t.n_tables; i++) {
        free(t.tables[i].name);
        if (t.tables[i].columns) {
            for (char **col = t.tables[i].columns; *col; col++) {
                free(*col);
            }
            free(t.tables[i].columns);
        }
    }
    free(t.tables);
    for (size_t i = 0; i < n_conds; i++) {
        free(conds[i].table);
        json_decref(conds[i].clauses);
    }
    free(conds);
    free(remotes);
    ds_destroy(&t.in);
    log_close();
    jsonarena_trim();
    return status;
}
