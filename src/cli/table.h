/* table: the text tables seamctl prints, drawn as the openstack CLI draws
 * them (prettytable: "+---+" rules, "| cell |" rows, one header row), and
 * the text a JSON attribute value shows in a cell.
 *
 * Cells may hold several lines (a row is as tall as its tallest cell);
 * widths count UTF-8 characters, not bytes, so non-ASCII names align. */
#ifndef SEAM_CLI_TABLE_H
#define SEAM_CLI_TABLE_H 1

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

struct table;

/* Returns a new table with 'n_columns' columns titled 'headers' (copied);
 * free it with table_destroy(). */
struct table *table_create(size_t n_columns, const char *const *headers);
void table_destroy(struct table *);

/* Appends 'text' as the next cell, left to right, top to bottom; a row is
 * complete after n_columns cells.  Takes ownership of 'text' (a NULL
 * 'text' is an empty cell). */
void table_add_cell(struct table *, char *text);

/* Number of complete rows added so far. */
size_t table_n_rows(const struct table *);

/* Prints the table on 'out'.  A table without rows prints nothing, as the
 * openstack CLI prints nothing for an empty list. */
void table_print(const struct table *, FILE *out);

/* Returns a new string with the text of JSON 'value' in a cell: strings as
 * they are, null as "", true/false, numbers; a list of scalars as
 * "a, b"; an object as "key='value', ..." in key order; a list of objects
 * one object per line.  Free it with free(). */
char *table_cell_from_json(const json_t *value);

#endif /* table.h */
