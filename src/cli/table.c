/* table: text tables and cell text (see table.h). */
#include "cli/table.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"
#include "lib/util.h"

struct table {
    size_t n_columns;
    char **headers;             /* n_columns strings. */
    char **cells;               /* Row-major, n_cells of them. */
    size_t n_cells;
    size_t allocated_cells;
};

struct table *
table_create(size_t n_columns, const char *const *headers)
{
    struct table *table = xzalloc(sizeof *table);

    table->n_columns = n_columns;
    table->headers = xcalloc(n_columns, sizeof *table->headers);
    for (size_t i = 0; i < n_columns; i++) {
        table->headers[i] = xstrdup(headers[i]);
    }
    return table;
}

void
table_destroy(struct table *table)
{
    if (!table) {
        return;
    }
    for (size_t i = 0; i < table->n_columns; i++) {
        free(table->headers[i]);
    }
    for (size_t i = 0; i < table->n_cells; i++) {
        free(table->cells[i]);
    }
    free(table->headers);
    free(table->cells);
    free(table);
}

void
table_add_cell(struct table *table, char *text)
{
    table->cells = xgrow(table->cells, &table->allocated_cells,
                         table->n_cells + 1, sizeof *table->cells);
    table->cells[table->n_cells++] = text ? text : xstrdup("");
}

size_t
table_n_rows(const struct table *table)
{
    return table->n_columns ? table->n_cells / table->n_columns : 0;
}

/* The number of characters in the 'n' bytes at 's' (UTF-8: continuation
 * bytes do not count). */
static size_t
table_text_length(const char *s, size_t n)
{
    size_t length = 0;

    for (size_t i = 0; i < n; i++) {
        length += ((unsigned char) s[i] & 0xc0) != 0x80;
    }
    return length;
}

/* Returns in '*widthp' the widest line of 'text' and in
 * '*n_linesp' its number of lines. */
static void
table_measure(const char *text, size_t *widthp, size_t *n_linesp)
{
    size_t width = 0, n_lines = 0;

    for (;;) {
        const char *nl = strchr(text, '\n');
        size_t n = nl ? (size_t) (nl - text) : strlen(text);
        width = MAX(width, table_text_length(text, n));
        n_lines++;
        if (!nl) {
            break;
        }
        text = nl + 1;
    }
    *widthp = width;
    *n_linesp = n_lines;
}

/* Prints line 'line' (0-based) of cell 'text', padded to 'width'. */
static void
table_print_cell_line(FILE *out, const char *text, size_t line, size_t width)
{
    const char *nl;
    size_t n;

    for (; line && text; line--) {
        nl = strchr(text, '\n');
        text = nl ? nl + 1 : NULL;
    }
    if (!text) {
        text = "";
    }
    nl = strchr(text, '\n');
    n = nl ? (size_t) (nl - text) : strlen(text);
    fprintf(out, " %.*s%*s |", (int) n, text,
            (int) (width - table_text_length(text, n)), "");
}

static void
table_print_rule(FILE *out, const size_t *widths, size_t n_columns)
{
    putc('+', out);
    for (size_t i = 0; i < n_columns; i++) {
        for (size_t j = 0; j < widths[i] + 2; j++) {
            putc('-', out);
        }
        putc('+', out);
    }
    putc('\n', out);
}

static void
table_print_row(FILE *out, char *const *cells, const size_t *widths,
                size_t n_columns)
{
    size_t height = 1;

    for (size_t i = 0; i < n_columns; i++) {
        size_t width, n_lines;
        table_measure(cells[i], &width, &n_lines);
        height = MAX(height, n_lines);
    }
    for (size_t line = 0; line < height; line++) {
        putc('|', out);
        for (size_t i = 0; i < n_columns; i++) {
            table_print_cell_line(out, cells[i], line, widths[i]);
        }
        putc('\n', out);
    }
}

void
table_print(const struct table *table, FILE *out)
{
    size_t n_rows = table_n_rows(table);
    size_t *widths;

    if (!n_rows) {
        return;
    }
    widths = xcalloc(table->n_columns, sizeof *widths);
    for (size_t i = 0; i < table->n_columns; i++) {
        size_t n_lines;
        table_measure(table->headers[i], &widths[i], &n_lines);
    }
    for (size_t i = 0; i < n_rows * table->n_columns; i++) {
        size_t width, n_lines, column = i % table->n_columns;
        table_measure(table->cells[i], &width, &n_lines);
        widths[column] = MAX(widths[column], width);
    }

    table_print_rule(out, widths, table->n_columns);
    table_print_row(out, table->headers, widths, table->n_columns);
    table_print_rule(out, widths, table->n_columns);
    for (size_t r = 0; r < n_rows; r++) {
        table_print_row(out, &table->cells[r * table->n_columns], widths,
                        table->n_columns);
    }
    table_print_rule(out, widths, table->n_columns);
    free(widths);
}

static bool
table_json_is_scalar(const json_t *value)
{
    return !json_is_object(value) && !json_is_array(value);
}

/* Appends scalar 'value' to 'ds' as a cell shows it. */
static void
table_put_scalar(struct ds *ds, const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_STRING:
        ds_put_buffer(ds, json_string_value(value), json_string_length(value));
        break;
    case JSON_INTEGER:
        ds_put_format(ds, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        break;
    case JSON_REAL:
        ds_put_format(ds, "%g", json_real_value(value));
        break;
    case JSON_TRUE:
        ds_put_cstr(ds, "true");
        break;
    case JSON_FALSE:
        ds_put_cstr(ds, "false");
        break;
    case JSON_NULL:
    case JSON_OBJECT:
    case JSON_ARRAY:
    default:
        break;
    }
}

/* Appends 'value' as compact JSON. */
static void
table_put_json(struct ds *ds, const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY
                                   | JSON_SORT_KEYS);
    if (text) {
        ds_put_cstr(ds, text);
        free(text);
    }
}

static int
table_compare_keys(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;

    return strcmp(*a, *b);
}

/* Appends object 'value' as "key='value', key2=[...]" in key order. */
static void
table_put_object(struct ds *ds, const json_t *object)
{
    const char **keys = xcalloc(json_object_size(object) + 1, sizeof *keys);
    const char *key;
    json_t *value;
    size_t n = 0;

    json_object_foreach((json_t *) object, key, value) {
        keys[n++] = key;
    }
    qsort(keys, n, sizeof *keys, table_compare_keys);
    for (size_t i = 0; i < n; i++) {
        value = json_object_get(object, keys[i]);
        ds_put_format(ds, "%s%s=", i ? ", " : "", keys[i]);
        if (json_is_string(value)) {
            ds_put_char(ds, '\'');
            table_put_scalar(ds, value);
            ds_put_char(ds, '\'');
        } else {
            table_put_json(ds, value);
        }
    }
    free(keys);
}

char *
table_cell_from_json(const json_t *value)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    size_t i;
    json_t *item;

    if (!value) {
        return xstrdup("");
    } else if (json_is_object(value)) {
        table_put_object(&ds, value);
    } else if (json_is_array(value)) {
        json_array_foreach((json_t *) value, i, item) {
            if (table_json_is_scalar(item)) {
                if (i) {
                    ds_put_cstr(&ds, ", ");
                }
                table_put_scalar(&ds, item);
            } else {
                if (i) {
                    ds_put_char(&ds, '\n');
                }
                if (json_is_object(item)) {
                    table_put_object(&ds, item);
                } else {
                    table_put_json(&ds, item);
                }
            }
        }
    } else {
        table_put_scalar(&ds, value);
    }
    ds_cstr(&ds);
    return ds_steal_cstr(&ds);
}
