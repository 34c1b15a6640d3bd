/* ovsdb schema: database, table and column schemas (RFC 7047 §3.2
 * <database-schema>, <table-schema>, <column-schema>), parsed, validated
 * and written back in the form Open vSwitch writes them.
 *
 * Every table has two internal columns first: _uuid (index 0) and _version
 * (index 1), then its own columns in the order their names sort (that is
 * ovsdb-server's order too, since its schema JSON is an object). */
#ifndef SEAM_OVSDB_SCHEMA_H
#define SEAM_OVSDB_SCHEMA_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "ovsdb/types.h"

struct ovsdb_error;

enum {
    OVSDB_COL_UUID = 0,
    OVSDB_COL_VERSION = 1,
    OVSDB_N_INTERNAL_COLUMNS = 2
};

struct ovsdb_column {
    unsigned int index;         /* Position in its table's 'columns'. */
    char *name;
    struct ovsdb_type type;
    bool ephemeral;             /* Not written to disk ("ephemeral": true). */
    bool mutable_;              /* May change after insert ("mutable"). */
};

/* The columns of one index (RFC 7047 "indexes"): borrowed pointers. */
struct ovsdb_index_schema {
    struct ovsdb_column **columns;
    size_t n_columns;
};

struct ovsdb_table_schema {
    char *name;
    struct ovsdb_column **columns;  /* Owned; [0] _uuid, [1] _version. */
    size_t n_columns;
    bool is_root;
    unsigned int max_rows;          /* UINT_MAX if unlimited. */
    struct ovsdb_index_schema *indexes;
    size_t n_indexes;
    unsigned int index;             /* Position in its schema's 'tables'. */
    bool mutable_;                  /* Table "mutable" (default true). */
};

struct ovsdb_schema {
    char *name;
    char *version;              /* "x.y.z", or NULL if the schema has none. */
    char *cksum;                /* NULL if absent. */
    struct ovsdb_table_schema **tables;   /* Owned, sorted by name. */
    size_t n_tables;
};

/* Parses and validates a <database-schema>.  On success stores a new schema
 * in '*schemap' (free it with ovsdb_schema_destroy()); on failure stores
 * NULL and returns an error whose details name the table and column. */
struct ovsdb_error *ovsdb_schema_from_json(const json_t *,
                                           struct ovsdb_schema **schemap)
    WARN_UNUSED;
/* Reads and parses a .ovsschema file. */
struct ovsdb_error *ovsdb_schema_from_file(const char *path,
                                           struct ovsdb_schema **schemap)
    WARN_UNUSED;
/* Returns new JSON equal to what ovsdb-server's get_schema returns. */
json_t *ovsdb_schema_to_json(const struct ovsdb_schema *);
void ovsdb_schema_destroy(struct ovsdb_schema *);
struct ovsdb_schema *ovsdb_schema_clone(const struct ovsdb_schema *);

/* Borrowed pointers, or NULL. */
struct ovsdb_table_schema *ovsdb_schema_find_table(const struct ovsdb_schema *,
                                                   const char *name);
struct ovsdb_column *ovsdb_table_schema_find_column(
    const struct ovsdb_table_schema *, const char *name);

#endif /* ovsdb/schema.h */
