/* output: how seamctl prints resources, as the openstack CLI's -f and -c
 * do: a table (a Field/Value table for one resource, a row per resource
 * for a list), the API's JSON, or bare values; all attributes or only
 * those named by -c. */
#ifndef SEAM_CLI_OUTPUT_H
#define SEAM_CLI_OUTPUT_H 1

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

struct resource_column;

enum output_format {
    OUTPUT_TABLE,               /* Text tables (table.h). */
    OUTPUT_JSON,                /* The API's objects, indented, keys sorted. */
    OUTPUT_VALUE,               /* Values only: per row, space-separated. */
};

/* The choices of the command line. */
struct output {
    enum output_format format;
    char **columns;             /* -c: attributes (or headers) to show. */
    size_t n_columns;           /* 0: the default columns, or all. */
};

/* Prints one resource, JSON object 'object', on 'out': every attribute in
 * name order, or those of 'output->columns' in their order ('columns', the
 * resource's list columns, lets -c name one by its header). */
void output_object(const struct output *, const struct resource_column *columns,
                   json_t *object, FILE *out);

/* Prints the resources in JSON array 'list' on 'out': in a table, one row
 * each with 'columns' (or -c's); in JSON, the objects whole (or -c's
 * attributes of each). */
void output_list(const struct output *, const struct resource_column *columns,
                 json_t *list, FILE *out);

#endif /* output.h */
