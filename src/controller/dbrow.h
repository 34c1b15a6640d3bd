/* dbrow: read access to the columns of replica rows by column name, for the
 * controller's sans-I/O modules (desired.c, vtepdiff.c).  A replica row is
 * a 'struct ovsdb_row' of a client's database (ovsdb/client.h) or of any
 * 'struct ovsdb_db'; these helpers only read it.
 *
 * Every pointer returned is borrowed from the row: valid while the row is.
 * A column that the table does not have reads as empty (NULL datum, "" or
 * 0): callers need not check the schema first. */
#ifndef SEAM_CONTROLLER_DBROW_H
#define SEAM_CONTROLLER_DBROW_H 1

#include <stdbool.h>
#include <stdint.h>
#include "lib/uuid.h"

struct ovsdb_datum;
struct ovsdb_db;
struct ovsdb_row;
struct ovsdb_table;

/* The datum of 'column', or NULL if the table has no such column. */
const struct ovsdb_datum *dbrow_datum(const struct ovsdb_row *, const char *column);
/* The first (or only) string of 'column', "" if empty. */
const char *dbrow_str(const struct ovsdb_row *, const char *column);
/* The first integer of 'column', or 'dflt' if empty. */
int64_t dbrow_int(const struct ovsdb_row *, const char *column, int64_t dflt);
bool dbrow_bool(const struct ovsdb_row *, const char *column);
/* The first UUID of 'column', or NULL if empty. */
const struct uuid *dbrow_uuid(const struct ovsdb_row *, const char *column);
/* The value of string key 'key' in string->string map 'column', or NULL. */
const char *dbrow_map_str(const struct ovsdb_row *, const char *column, const char *key);
/* Whether set column 'column' of strings holds 's'. */
bool dbrow_set_has_str(const struct ovsdb_row *, const char *column, const char *s);

/* The table 'name' of 'db', or NULL ('db' may be NULL). */
const struct ovsdb_table *dbrow_table(const struct ovsdb_db *, const char *name);
/* The row 'uuid' of table 'table' of 'db', or NULL. */
const struct ovsdb_row *dbrow_get(const struct ovsdb_db *, const char *table,
                                  const struct uuid *);
/* The first row of 'table' whose string 'column' is 's', or NULL (a scan). */
const struct ovsdb_row *dbrow_find_str(const struct ovsdb_db *, const char *table,
                                       const char *column, const char *s);

#endif /* controller/dbrow.h */
