/* ovsdb txn: atomic transactions on an in-memory database (RFC 7047 §4.1.3
 * semantics; the algorithms follow Open vSwitch's ovsdb/transaction.c).
 *
 * Execution modifies the database in place, copy-on-write: the first change
 * to a row replaces it in its table by a private clone, so every operation
 * of the transaction sees the effects of the earlier ones, and abort puts
 * the committed rows back.  ovsdb_txn_precommit() then does what RFC 7047
 * requires of the whole transaction: reference counting and referential
 * integrity of strong references, garbage collection of unreferenced
 * non-root rows, removal of dangling weak references, maxRows, and index
 * uniqueness.  The caller (execution.c) has storage write the change
 * (storage.c, from the txn rows below) and then calls ovsdb_txn_commit(),
 * or ovsdb_txn_abort().
 *
 * Costs: every step is proportional to the rows the transaction touches
 * (and the references they hold), never to the size of the tables. */
#ifndef SEAM_OVSDB_TXN_H
#define SEAM_OVSDB_TXN_H 1

#include <jansson.h>
#include <stdbool.h>
#include "lib/hmap.h"
#include "lib/list.h"
#include "lib/uuid.h"

struct ovsdb_db;
struct ovsdb_error;
struct ovsdb_row;
struct ovsdb_table;

/* One row touched by a transaction.  'old' is the committed version (NULL
 * for an insert), 'new' the transaction's version (NULL for a delete).  A
 * row brought in only to change its reference count has old == new. */
struct ovsdb_txn_row {
    struct hmap_node hmap_node;     /* In txn_table->txn_rows, by UUID. */
    struct list list_node;          /* In txn_table->rows, in order. */
    struct uuid uuid;
    struct ovsdb_row *old;
    struct ovsdb_row *new;
    size_t n_refs;                  /* The row's strong reference count. */
    unsigned long *changed;         /* Columns that differ (precommit). */
    bool modified;                  /* Some column differs, or ins/del. */
};

struct ovsdb_txn_table {
    struct list list_node;          /* In txn->tables. */
    struct ovsdb_table *table;
    struct hmap txn_rows;           /* "struct ovsdb_txn_row"s by UUID. */
    struct list rows;               /* Same, in the order they came. */
    size_t n_modified;              /* Rows with 'modified' (precommit). */
};

struct ovsdb_txn {
    struct ovsdb_db *db;
    struct list tables;             /* "struct ovsdb_txn_table"s. */
    struct ovsdb_txn_table **by_index;  /* Indexed by table index. */
    char *comment;                  /* "comment" ops joined, or NULL. */
    bool durable;                   /* A "commit" op asked for durability. */
};

/* Returns a new transaction on 'db'.  Only one may be open at a time. */
struct ovsdb_txn *ovsdb_txn_create(struct ovsdb_db *);
/* Undoes every change and frees 'txn'. */
void ovsdb_txn_abort(struct ovsdb_txn *);

/* Adds 'row' (a new row, not in any table, with its _uuid set) to its table;
 * takes ownership. */
void ovsdb_txn_row_insert(struct ovsdb_txn *, struct ovsdb_row *row);
/* Returns the writable version of 'row' (a row of the current view),
 * cloning it on the first change; borrowed, valid until commit or abort. */
struct ovsdb_row *ovsdb_txn_row_modify(struct ovsdb_txn *, struct ovsdb_row *row);
/* Deletes 'row' (a row of the current view). */
void ovsdb_txn_row_delete(struct ovsdb_txn *, struct ovsdb_row *row);
void ovsdb_txn_add_comment(struct ovsdb_txn *, const char *comment);

/* Completes and checks the transaction; afterwards 'txn_row->changed' and
 * 'modified' say what changed.  On error, the caller must abort. */
struct ovsdb_error *ovsdb_txn_precommit(struct ovsdb_txn *) WARN_UNUSED;
/* True if the precommitted transaction changes anything visible. */
bool ovsdb_txn_is_modifying(const struct ovsdb_txn *);
/* Makes the precommitted changes the committed state and frees 'txn'. */
void ovsdb_txn_commit(struct ovsdb_txn *);

/* Applies a transaction record read from a database file (trusted input,
 * but checked for shape) to 'txn' as inserts, modifications and deletions;
 * both full and "_is_diff" records work.  Then ovsdb_txn_precommit_trusted()
 * readies it for commit without reference or index checks: the caller
 * recomputes those once all records are in (ovsdb_db_rebuild_refs()). */
struct ovsdb_error *ovsdb_txn_apply_record(struct ovsdb_txn *, const json_t *record)
    WARN_UNUSED;
void ovsdb_txn_precommit_trusted(struct ovsdb_txn *);
/* Recomputes every row's strong reference count, the weak reference
 * index, and the unique indexes, from scratch (after loading a file). */
struct ovsdb_error *ovsdb_db_rebuild_refs(struct ovsdb_db *) WARN_UNUSED;

#endif /* ovsdb/txn.h */
