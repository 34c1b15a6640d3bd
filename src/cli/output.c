/* output: printing resources as tables, JSON or values (see output.h). */
#include "cli/output.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli/resource.h"
#include "cli/table.h"
#include "lib/util.h"

/* Returns the one of 'columns' that '-c name' means, by attribute or by
 * header ignoring case, or NULL. */
static const struct resource_column *
output_find_column(const struct resource_column *columns, const char *name)
{
    for (const struct resource_column *c = columns; c && c->attr; c++) {
        if (!strcmp(c->attr, name) || !strcasecmp(c->header, name)) {
            return c;
        }
    }
    return NULL;
}

/* The attribute '-c name' means. */
static const char *
output_column_attr(const struct resource_column *columns, const char *name)
{
    const struct resource_column *c = output_find_column(columns, name);
    return c ? c->attr : name;
}

static int
output_compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;

    return strcmp(*a, *b);
}

void
output_object(const struct output *output,
              const struct resource_column *columns, json_t *object,
              FILE *out)
{
    size_t n = MAX(json_object_size(object), output->n_columns);
    const char **keys = xcalloc(n + 1, sizeof *keys);
    const char *key;
    json_t *value;
    size_t n_keys = 0;

    if (output->n_columns) {
        for (size_t i = 0; i < output->n_columns; i++) {
            const char *attr = output_column_attr(columns, output->columns[i]);
            if (json_object_get(object, attr)) {
                keys[n_keys++] = attr;
            }
        }
    } else {
        json_object_foreach(object, key, value) {
            keys[n_keys++] = key;
        }
        qsort(keys, n_keys, sizeof *keys, output_compare_strings);
    }

    if (output->format == OUTPUT_JSON) {
        json_t *out_json = json_object();
        for (size_t i = 0; i < n_keys; i++) {
            json_object_set(out_json, keys[i],
                            json_object_get(object, keys[i]));
        }
        json_dumpf(out_json, out, JSON_INDENT(2) | JSON_SORT_KEYS);
        putc('\n', out);
        json_decref(out_json);
    } else if (output->format == OUTPUT_VALUE) {
        for (size_t i = 0; i < n_keys; i++) {
            char *cell = table_cell_from_json(json_object_get(object,
                                                              keys[i]));
            fprintf(out, "%s\n", cell);
            free(cell);
        }
    } else {
        static const char *const headers[] = { "Field", "Value" };
        struct table *table = table_create(2, headers);
        for (size_t i = 0; i < n_keys; i++) {
            table_add_cell(table, xstrdup(keys[i]));
            table_add_cell(table, table_cell_from_json(
                               json_object_get(object, keys[i])));
        }
        table_print(table, out);
        table_destroy(table);
    }
    free(keys);
}

void
output_list(const struct output *output,
            const struct resource_column *columns, json_t *list, FILE *out)
{
    const char **attrs, **headers;
    size_t n = 0, i;
    json_t *item;

    for (const struct resource_column *c = columns; c->attr; c++) {
        n++;
    }
    if (output->n_columns) {
        n = output->n_columns;
    }
    attrs = xcalloc(n + 1, sizeof *attrs);
    headers = xcalloc(n + 1, sizeof *headers);
    for (i = 0; i < n; i++) {
        if (output->n_columns) {
            const struct resource_column *c
                = output_find_column(columns, output->columns[i]);
            attrs[i] = c ? c->attr : output->columns[i];
            headers[i] = c ? c->header : output->columns[i];
        } else {
            attrs[i] = columns[i].attr;
            headers[i] = columns[i].header;
        }
    }

    if (output->format == OUTPUT_JSON) {
        json_t *out_json;
        if (output->n_columns) {
            out_json = json_array();
            json_array_foreach(list, i, item) {
                json_t *o = json_object();
                for (size_t j = 0; j < n; j++) {
                    json_t *value = json_object_get(item, attrs[j]);
                    if (value) {
                        json_object_set(o, attrs[j], value);
                    }
                }
                json_array_append_new(out_json, o);
            }
        } else {
            out_json = json_incref(list);
        }
        json_dumpf(out_json, out, JSON_INDENT(2) | JSON_SORT_KEYS);
        putc('\n', out);
        json_decref(out_json);
    } else if (output->format == OUTPUT_VALUE) {
        json_array_foreach(list, i, item) {
            for (size_t j = 0; j < n; j++) {
                char *cell = table_cell_from_json(json_object_get(item,
                                                                  attrs[j]));
                fprintf(out, "%s%s", j ? " " : "", cell);
                free(cell);
            }
            putc('\n', out);
        }
    } else {
        struct table *table = table_create(n, headers);
        json_array_foreach(list, i, item) {
            for (size_t j = 0; j < n; j++) {
                table_add_cell(table, table_cell_from_json(
                                   json_object_get(item, attrs[j])));
            }
        }
        table_print(table, out);
        table_destroy(table);
    }
    free(attrs);
    free(headers);
}

