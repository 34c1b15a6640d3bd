/* ovsdb storage: see storage.h. */
#include "ovsdb/storage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "lib/log.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/journal.h"
#include "ovsdb/jsonw.h"
#include "ovsdb/monitor.h"
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
    struct ds buf;              /* Reused for each transaction record. */
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

/* A transaction id named by the digest of the journal's last record. */
static void
digest_to_uuid(const struct journal *j, struct uuid *u)
{
    uint8_t digest[JOURNAL_DIGEST_SIZE];
    journal_last_digest(j, digest);
    memcpy(u->parts, digest, sizeof u->parts);
}

bool
ovsdb_storage_last_txn_id(const struct ovsdb_storage *s, struct uuid *u)
{
    digest_to_uuid(s->journal, u);
    return true;
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
        /* Each transaction goes into the history under the id its record
         * names (see storage.h), so that clients resume across a restart. */
        struct ovsdb_txn *txn = ovsdb_txn_create(db);
        error = ovsdb_txn_apply_record(txn, json);
        json_decref(json);
        if (error) {
            ovsdb_txn_abort(txn);
            break;
        }
        ovsdb_txn_precommit_trusted(txn);
        struct uuid id;
        digest_to_uuid(j, &id);
        if (ovsdb_txn_is_modifying(txn)) {
            ovsdb_monitor_commit(db, txn, &id);
        }
        db->last_txn_id = id;
        ovsdb_txn_commit(txn);
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

/* Appends the persistent columns of 'row' to 'out' as a JSON object: the
 * non-default ones when 'changed' is NULL, else those set in 'changed'.
 * Returns the number written. */
static size_t
put_row_columns(struct ds *out, const struct ovsdb_row *row,
                const unsigned long *changed)
{
    const struct ovsdb_table_schema *ts = row->table->schema;
    size_t n = 0;
    ds_put_char(out, '{');
    for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns; i++) {
        const struct ovsdb_column *c = ts->columns[i];
        const struct ovsdb_datum *d = &row->fields[i];
        if (c->ephemeral || (changed ? !bitmap_is_set(changed, i)
                                     : ovsdb_datum_is_default(d, &c->type))) {
            continue;
        }
        if (n++) {
            ds_put_char(out, ',');
        }
        jsonw_string(out, c->name);
        ds_put_char(out, ':');
        jsonw_datum(out, d, &c->type);
    }
    ds_put_char(out, '}');
    return n;
}

static void
put_record_trailer(struct ds *out, const char *comment, bool any)
{
    if (comment) {
        ds_put_cstr(out, any ? ",\"_comment\":" : "\"_comment\":");
        jsonw_string(out, comment);
        any = true;
    }
    ds_put_format(out, "%s\"_date\":%lld}", any ? "," : "", time_wall_msec());
}

/* Appends the record of 'txn' to 'out', in the form ovsdb-server writes:
 * {"Table": {"uuid": row-or-null, ...}, ..., "_date": ms, "_comment": ...}.
 * Returns false if no persistent column changed (nothing to write). */
static bool
put_txn_record(struct ds *out, const struct ovsdb_txn *txn)
{
    struct ovsdb_txn_table *tt;
    bool any_table = false;

    ds_put_char(out, '{');
    LIST_FOR_EACH (tt, list_node, &txn->tables) {
        if (!tt->n_modified) {
            continue;
        }
        size_t table_mark = out->length;
        bool any_row = false;
        if (any_table) {
            ds_put_char(out, ',');
        }
        jsonw_string(out, tt->table->schema->name);
        ds_put_cstr(out, ":{");
        struct ovsdb_txn_row *tr;
        LIST_FOR_EACH (tr, list_node, &tt->rows) {
            if (!tr->modified) {
                continue;
            }
            size_t row_mark = out->length;
            if (any_row) {
                ds_put_char(out, ',');
            }
            ds_put_char(out, '"');
            jsonw_uuid_chars(out, &tr->uuid);
            ds_put_cstr(out, "\":");
            if (!tr->new) {
                ds_put_cstr(out, "null");
            } else if (!put_row_columns(out, tr->new, tr->old ? tr->changed : NULL)
                       && tr->old) {
                out->length = row_mark;     /* Only ephemeral columns changed. */
                continue;
            }
            any_row = true;
        }
        if (!any_row) {
            out->length = table_mark;
            continue;
        }
        ds_put_char(out, '}');
        any_table = true;
    }
    if (!any_table) {
        return false;
    }
    put_record_trailer(out, txn->comment, true);
    return true;
}

struct ovsdb_error *
ovsdb_storage_write_txn(struct ovsdb_storage *s, const struct ovsdb_txn *txn,
                        bool *writtenp)
{
    *writtenp = false;
    ds_clear(&s->buf);
    if (!put_txn_record(&s->buf, txn)) {
        return NULL;
    }
    int err = journal_write_text(s->journal, s->buf.s, s->buf.length, txn->durable);
    if (s->buf.allocated > 4 * 1024 * 1024) {
        ds_destroy(&s->buf);        /* Don't keep a huge buffer around. */
    }
    if (err) {
        log_err("%s: writing a transaction failed (%s); it is not committed",
                s->path, strerror(-err));
        return io_error("write", s->path, err);
    }
    *writtenp = true;
    return NULL;
}

static void
put_snapshot(struct ds *out, const struct ovsdb_db *db)
{
    bool any_table = false;
    ds_put_char(out, '{');
    for (size_t t = 0; t < db->schema->n_tables; t++) {
        const struct ovsdb_table *table = &db->tables[t];
        if (hmap_is_empty(&table->rows)) {
            continue;
        }
        if (any_table) {
            ds_put_char(out, ',');
        }
        any_table = true;
        jsonw_string(out, table->schema->name);
        ds_put_cstr(out, ":{");
        bool any_row = false;
        struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &table->rows) {
            if (any_row) {
                ds_put_char(out, ',');
            }
            any_row = true;
            ds_put_char(out, '"');
            jsonw_uuid_chars(out, ovsdb_row_get_uuid(row));
            ds_put_cstr(out, "\":");
            put_row_columns(out, row, NULL);
        }
        ds_put_char(out, '}');
    }
    put_record_trailer(out, "compacting database online", any_table);
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
    json_t *schema = ovsdb_schema_to_json(db->schema);
    struct ds schema_text = DS_EMPTY_INITIALIZER;
    jsonw_json(&schema_text, schema);
    json_decref(schema);
    struct ds snapshot = DS_EMPTY_INITIALIZER;
    put_snapshot(&snapshot, db);
    const char *texts[2] = { ds_cstr(&schema_text), ds_cstr(&snapshot) };
    size_t lens[2] = { schema_text.length, snapshot.length };
    int err = journal_replace_text(s->journal, texts, lens, 2);
    ds_destroy(&schema_text);
    ds_destroy(&snapshot);
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
        ds_destroy(&s->buf);
        free(s->path);
        free(s);
        db->storage = NULL;
    }
}
