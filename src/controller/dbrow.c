/* dbrow: see dbrow.h. */
#include "controller/dbrow.h"

#include <string.h>
#include "ovsdb/datum.h"
#include "ovsdb/db.h"
#include "ovsdb/schema.h"

const struct ovsdb_datum *
dbrow_datum(const struct ovsdb_row *row, const char *column)
{
    const struct ovsdb_column *col
        = ovsdb_table_schema_find_column(row->table->schema, column);
    return col ? &row->fields[col->index] : NULL;
}

const char *
dbrow_str(const struct ovsdb_row *row, const char *column)
{
    const struct ovsdb_datum *d = dbrow_datum(row, column);
    return d && d->n ? d->keys[0].string : "";
}

int64_t
dbrow_int(const struct ovsdb_row *row, const char *column, int64_t dflt)
{
    const struct ovsdb_datum *d = dbrow_datum(row, column);
    return d && d->n ? d->keys[0].integer : dflt;
}

bool
dbrow_bool(const struct ovsdb_row *row, const char *column)
{
    const struct ovsdb_datum *d = dbrow_datum(row, column);
    return d && d->n && d->keys[0].boolean;
}

const struct uuid *
dbrow_uuid(const struct ovsdb_row *row, const char *column)
{
    const struct ovsdb_datum *d = dbrow_datum(row, column);
    return d && d->n ? &d->keys[0].uuid : NULL;
}

const char *
dbrow_map_str(const struct ovsdb_row *row, const char *column, const char *key)
{
    const struct ovsdb_datum *d = dbrow_datum(row, column);
    if (!d || !d->values) {
        return NULL;
    }
    for (unsigned int i = 0; i < d->n; i++) {
        if (!strcmp(d->keys[i].string, key)) {
            return d->values[i].string;
        }
    }
    return NULL;
}

bool
dbrow_set_has_str(const struct ovsdb_row *row, const char *column, const char *s)
{
    const struct ovsdb_datum *d = dbrow_datum(row, column);
    for (unsigned int i = 0; d && i < d->n; i++) {
        if (!strcmp(d->keys[i].string, s)) {
            return true;
        }
    }
    return false;
}

const struct ovsdb_table *
dbrow_table(const struct ovsdb_db *db, const char *name)
{
    return db ? ovsdb_db_find_table(db, name) : NULL;
}

const struct ovsdb_row *
dbrow_get(const struct ovsdb_db *db, const char *table, const struct uuid *u)
{
    const struct ovsdb_table *t = dbrow_table(db, table);
    return t && u ? ovsdb_table_get_row(t, u) : NULL;
}

const struct ovsdb_row *
dbrow_find_str(const struct ovsdb_db *db, const char *table, const char *column,
               const char *s)
{
    const struct ovsdb_table *t = dbrow_table(db, table);
    const struct ovsdb_row *row;
    if (!t) {
        return NULL;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        if (!strcmp(dbrow_str(row, column), s)) {
            return row;
        }
    }
    return NULL;
}
