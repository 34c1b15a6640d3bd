/* ovsdb db: an in-memory OVSDB database (RFC 7047 §3): tables of rows, the
 * per-table unique indexes, and the hooks that the transaction engine,
 * monitors and storage attach to.
 *
 * Rows are stored as arrays of datums indexed by column (see schema.h: [0]
 * _uuid, [1] _version, ...), in an hmap by UUID.  A unique index is an hmap
 * of the committed rows hashed by the index's columns.  While a transaction
 * runs, 'table->rows' holds the transaction's view (new row versions replace
 * old ones); the indexes and the reference counts keep the committed view
 * until the commit (see txn.h). */
#ifndef SEAM_OVSDB_DB_H
#define SEAM_OVSDB_DB_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "lib/hmap.h"
#include "lib/list.h"
#include "lib/uuid.h"
#include "ovsdb/datum.h"
#include "ovsdb/schema.h"

struct ovsdb_error;
struct ovsdb_txn_row;
struct ovsdb_storage;
struct ovsdb_monitor;

/* A row's membership in one unique index of its table. */
struct ovsdb_index_node {
    struct hmap_node node;          /* In 'table->indexes[i]'. */
    struct ovsdb_row *row;          /* The row that holds this node. */
};

struct ovsdb_row {
    struct hmap_node hmap_node;     /* In 'table->rows', by uuid_hash(). */
    struct ovsdb_table *table;
    struct ovsdb_txn_row *txn_row;  /* Non-null while part of a transaction. */
    size_t n_refs;                  /* Strong references to this row. */
    unsigned int refcnt;            /* Holders: its table, the history. */
    struct ovsdb_index_node *index_nodes;   /* One per index of the table. */
    struct ovsdb_datum fields[];    /* One per column. */
};

struct ovsdb_table {
    struct ovsdb_table_schema *schema;  /* Borrowed from the db's schema. */
    struct ovsdb_db *db;
    struct hmap rows;                   /* Contains "struct ovsdb_row"s. */
    struct hmap *indexes;               /* One per schema index. */
    /* Weak references into this table: "struct ovsdb_weak_ref"s hashed by
     * the referenced row's UUID, for columns of other tables (or this one)
     * that refer here weakly.  Empty unless the schema has weak refs. */
    struct hmap weak_refs;
};

/* A weak reference from 'src' (column 'column', a row of any table) to the
 * row with UUID 'dst' in the table that holds this record. */
struct ovsdb_weak_ref {
    struct hmap_node node;          /* In the referenced table's weak_refs. */
    struct uuid dst;
    struct uuid src;
    struct ovsdb_table *src_table;
    const struct ovsdb_column *column;
};

struct ovsdb_db {
    struct ovsdb_schema *schema;        /* Owned. */
    struct ovsdb_table *tables;         /* One per schema table, same order. */
    struct ovsdb_storage *storage;      /* NULL for an in-memory database. */
    struct list monitors;               /* "struct ovsdb_monitor"s. */
    struct list triggers;               /* Pending "wait"s (server.c). */
    struct ovsdb_history *history;      /* For monitor_cond_since. */
    struct uuid last_txn_id;            /* Id of the last committed txn. */
    unsigned long long n_txns;          /* Committed transactions. */
    bool read_only;                     /* Rejects write operations. */
    /* Told of each commit that changed the database, once applied (set by
     * the server that serves it, NULL if none).  It runs inside
     * ovsdb_db_commit_txn(): it must not execute transactions itself. */
    void (*on_commit)(void *aux);
    void *on_commit_aux;
};

/* Returns a new, empty database of 'schema' (takes ownership of it); free
 * with ovsdb_db_destroy(). */
struct ovsdb_db *ovsdb_db_create(struct ovsdb_schema *schema);
void ovsdb_db_destroy(struct ovsdb_db *);
/* Borrowed pointer, or NULL. */
struct ovsdb_table *ovsdb_db_find_table(const struct ovsdb_db *, const char *name);
size_t ovsdb_db_count_rows(const struct ovsdb_db *);

/* Rows. */
/* A new row of 'table' with default values, not in any table; the caller
 * sets _uuid.  Free with ovsdb_row_destroy(). */
struct ovsdb_row *ovsdb_row_create(struct ovsdb_table *);
struct ovsdb_row *ovsdb_row_clone(const struct ovsdb_row *);
/* Frees 'row' now (a row no one else holds). */
void ovsdb_row_destroy(struct ovsdb_row *);
/* A committed row version never changes, so the transaction history shares
 * it instead of copying: ovsdb_row_ref() adds a holder, ovsdb_row_unref()
 * drops one and frees the row with the last. */
static inline struct ovsdb_row *
ovsdb_row_ref(struct ovsdb_row *row)
{
    row->refcnt++;
    return row;
}
void ovsdb_row_unref(struct ovsdb_row *);
static inline const struct uuid *
ovsdb_row_get_uuid(const struct ovsdb_row *row)
{
    return &row->fields[OVSDB_COL_UUID].keys[0].uuid;
}
/* Borrowed pointer to the row with 'uuid' in 'table's current view. */
struct ovsdb_row *ovsdb_table_get_row(const struct ovsdb_table *, const struct uuid *);

/* Parses an RFC 7047 <row> object into 'row' for columns present in 'json';
 * sets bit i of 'changed' (if nonnull, sized for the table's columns) for
 * each column set.  Rejects unknown columns with ovsdb-server's error;
 * _uuid and _version in 'json' are ignored, as ovsdb-server does. */
struct ovsdb_error *ovsdb_row_from_json(struct ovsdb_row *, const json_t *json,
                                        struct ovsdb_symbol_table *,
                                        unsigned long *changed) WARN_UNUSED;
/* Creates a new row of 'table' from <row> 'json' (may be NULL), columns
 * absent from it at their defaults and _uuid/_version zero: in one pass,
 * for inserts.  On success stores it in '*rowp' (free with
 * ovsdb_row_destroy()). */
struct ovsdb_error *ovsdb_row_create_from_json(struct ovsdb_table *, const json_t *json,
                                               struct ovsdb_symbol_table *,
                                               struct ovsdb_row **rowp) WARN_UNUSED;
/* Returns a new JSON object of the columns of 'row' selected by 'columns'
 * ('n' column pointers), or all columns if 'columns' is NULL. */
json_t *ovsdb_row_to_json(const struct ovsdb_row *,
                          const struct ovsdb_column *const *columns, size_t n);
/* Hash and equality of the 'n' columns of an index. */
uint32_t ovsdb_row_hash_columns(const struct ovsdb_row *,
                                const struct ovsdb_index_schema *, uint32_t basis);
bool ovsdb_row_equal_columns(const struct ovsdb_row *, const struct ovsdb_row *,
                             const struct ovsdb_index_schema *);

/* Bitmaps of columns. */
static inline size_t bitmap_n_longs(size_t n_bits) { return (n_bits + 63) / 64; }
static inline bool bitmap_is_set(const unsigned long *b, size_t i)
{ return (b[i / 64] >> (i % 64)) & 1; }
static inline void bitmap_set1(unsigned long *b, size_t i)
{ b[i / 64] |= 1UL << (i % 64); }

#endif /* ovsdb/db.h */
