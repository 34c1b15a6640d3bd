/* ovsdb storage: see storage.h. */
#include "ovsdb/storage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/journal.h"
#include "ovsdb/schema.h"
#include "ovsdb/txn.h"

LOG_MODULE(storage);

/* Compact once the log is this big and 4 times its size after the last
 * compaction (Open vSwitch uses the same rule of thumb). */
#define COMPACT_MIN_SIZE (10 * 1024 * 1024)
#define COMPACT_GROWTH 4

struct ovsdb_storage {
    struct journal *journal;
    char *path;
    off_t compact_min_size;
};

static struct ovsdb_error *
io_error(const char *what, const char *path, int err)
{
    return ovsdb_error("I/O error", "%s: %s failed (%s)", path, what, strerror(-err));
}

struct ovsdb_error *
ovsdb_storage_create(const char *path, const char *schema_path)
{
    struct ovsdb_schema *schema;
    struct ovsdb_error *error = ovsdb_schema_from_file(schema_path, &schema);
    if (error) {
        return error;
    }
    struct journal *j;
    int err = journal_open(path, JOURNAL_CREATE_EXCL, &j);
    if (err) {
        ovsdb_schema_destroy(schema);
        return io_error("create", path, err);
    }
    json_t *json = ovsdb_schema_to_json(schema);
    err = journal_write(j, json, true);
    json_decref(json);
    journal_close(j);
    ovsdb_schema_destroy(schema);
    if (err) {
        remove(path);
        return io_error("write", path, err);
    }
    return NULL;
}

struct ovsdb_error *
ovsdb_storage_open(const char *path, bool read_only, struct ovsdb_db **dbp)
{
    struct journal *j;
    struct ovsdb_error *error = NULL;
    json_t *json = NULL;

    *dbp = NULL;
    int err = journal_open(path, read_only ? JOURNAL_READ_ONLY : JOURNAL_READ_WRITE, &j);
    if (err) {
        return err == -EAGAIN
               ? ovsdb_error("I/O error", "%s: database is locked by another "
                             "process", path)
               : io_error("open", path, err);
    }
    err = journal_read(j, &json);
    if (err || !json) {
        journal_close(j);
        return err ? io_error("read", path, err)
                   : ovsdb_error("syntax error", "%s: no schema record", path);
    }
    struct ovsdb_schema *schema;
    error = ovsdb_schema_from_json(json, &schema);
    json_decref(json);
    if (error) {
        journal_close(j);
        return error;
    }
    struct ovsdb_db *db = ovsdb_db_create(schema);
    unsigned long long n = 0;
    for (;;) {
        err = journal_read(j, &json);
        if (err) {
            error = io_error("read", path, err);
            break;
        }
        if (!json) {
            break;
        }
        error = ovsdb_txn_replay_record(db, json);
        json_decref(json);
        if (error) {
            break;
        }
        n++;
    }
    if (!error) {
        error = ovsdb_db_rebuild_refs(db);
    }
    if (error) {
        journal_close(j);
        ovsdb_db_destroy(db);
        return error;
    }
    struct ovsdb_storage *s = xzalloc(sizeof *s);
    s->journal = j;
    s->path = xstrdup(path);
    s->compact_min_size = COMPACT_MIN_SIZE;
    const char *env = getenv("SEAM_OVSDB_COMPACT_MIN_SIZE");
    if (env && atoll(env) > 0) {
        s->compact_min_size = atoll(env);
    }
    db->storage = s;
    log_info("%s: loaded %llu transactions, %zu rows", path, n,
             ovsdb_db_count_rows(db));
    *dbp = db;
    return NULL;
}

struct ovsdb_error *
ovsdb_storage_write_txn(struct ovsdb_storage *s, const struct ovsdb_txn *txn)
{
    json_t *record = ovsdb_txn_to_record(txn, time_wall_msec());
    if (!record) {
        return NULL;
    }
    int err = journal_write(s->journal, record, txn->durable);
    json_decref(record);
    if (err) {
        log_err("%s: writing a transaction failed (%s); it is not committed",
                s->path, strerror(-err));
        return io_error("write", s->path, err);
    }
    return NULL;
}

static json_t *
snapshot_record(const struct ovsdb_db *db)
{
    json_t *record = json_object();
    for (size_t t = 0; t < db->schema->n_tables; t++) {
        const struct ovsdb_table *table = &db->tables[t];
        const struct ovsdb_table_schema *ts = table->schema;
        if (hmap_is_empty(&table->rows)) {
            continue;
        }
        json_t *rows = json_object();
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &table->rows) {
            json_t *r = json_object();
            for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
                const struct ovsdb_column *c = ts->columns[i];
                if (!c->ephemeral && !ovsdb_datum_is_default(&row->fields[i], &c->type)) {
                    json_object_set_new(r, c->name,
                                        ovsdb_datum_to_json(&row->fields[i], &c->type));
                }
            }
            char s[UUID_LEN + 1];
            uuid_to_string(ovsdb_row_get_uuid(row), s);
            json_object_set_new(rows, s, r);
        }
        json_object_set_new(record, ts->name, rows);
    }
    json_object_set_new(record, "_comment", json_string("compacting database online"));
    json_object_set_new(record, "_date", json_integer(time_wall_msec()));
    return record;
}

struct ovsdb_error *
ovsdb_storage_compact(struct ovsdb_db *db)
{
    struct ovsdb_storage *s = db->storage;
    if (!s) {
        return NULL;
    }
    long long start = time_msec();
    off_t before = journal_size(s->journal);
    json_t *records[2] = { ovsdb_schema_to_json(db->schema), snapshot_record(db) };
    int err = journal_replace(s->journal, records, 2);
    json_decref(records[0]);
    json_decref(records[1]);
    if (err) {
        log_err("%s: compaction failed (%s); keeping the old log", s->path,
                strerror(-err));
        return io_error("compact", s->path, err);
    }
    log_info("%s: compacted %lld to %lld bytes in %lld ms", s->path,
             (long long) before, (long long) journal_size(s->journal),
             time_msec() - start);
    return NULL;
}

void
ovsdb_storage_maybe_compact(struct ovsdb_db *db)
{
    struct ovsdb_storage *s = db->storage;
    if (!s) {
        return;
    }
    off_t size = journal_size(s->journal);
    if (size >= s->compact_min_size
        && size >= COMPACT_GROWTH * journal_base_size(s->journal)) {
        ovsdb_error_destroy(ovsdb_storage_compact(db));
    }
}

const char *ovsdb_storage_path(const struct ovsdb_storage *s) { return s->path; }

void
ovsdb_storage_close(struct ovsdb_db *db)
{
    struct ovsdb_storage *s = db ? db->storage : NULL;
    if (s) {
        journal_close(s->journal);
        free(s->path);
        free(s);
        db->storage = NULL;
    }
}
