/* ovsdb parser: reads the members of a JSON object by name and type, the
 * way every RFC 7047 object is read (schemas, types, operations), and words
 * the first problem as ovsdb-server does: "Parsing <what> failed: Required
 * 'x' member is missing." / "Type mismatch for member 'x'." / "Member 'x'
 * is present but not allowed here." (after Open vSwitch's ovsdb-parser).
 *
 * A parser lives on the stack:
 *     struct ovsdb_parser p;
 *     ovsdb_parser_init(&p, json, "table schema for table %s", name);
 *     const json_t *columns = ovsdb_parser_member(&p, "columns", OP_OBJECT);
 *     const json_t *max = ovsdb_parser_member(&p, "maxRows", OP_INTEGER | OP_OPTIONAL);
 *     error = ovsdb_parser_finish(&p);    // also flags unused members
 * Members are NULL once an error is pending, so callers check the error
 * from ovsdb_parser_finish() before using them. */
#ifndef SEAM_OVSDB_PARSER_H
#define SEAM_OVSDB_PARSER_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/util.h"

struct ovsdb_error;

enum ovsdb_parser_type {
    OP_STRING = 1 << 0,
    OP_INTEGER = 1 << 1,        /* An integer, or a real without fraction. */
    OP_NUMBER = 1 << 2,         /* Integer or real. */
    OP_BOOLEAN = 1 << 3,
    OP_OBJECT = 1 << 4,
    OP_ARRAY = 1 << 5,
    OP_ID = 1 << 6,             /* A string that is a valid <id>. */
    OP_ANY = 1 << 7,
    OP_OPTIONAL = 1 << 8
};

#define OVSDB_PARSER_MAX_MEMBERS 16

struct ovsdb_parser {
    const json_t *json;         /* The object, or NULL if not an object. */
    const json_t *syntax;       /* Reported as the error's "syntax". */
    char *name;                 /* What is parsed (owned). */
    struct ovsdb_error *error;  /* First error, or NULL. */
    const char *used[OVSDB_PARSER_MAX_MEMBERS];
    size_t n_used;
};

/* Starts parsing 'json' (borrowed; an error if it is not an object), named
 * by the printf-style 'name_fmt' in messages. */
void ovsdb_parser_init(struct ovsdb_parser *, const json_t *json,
                       const char *name_fmt, ...) PRINTF_FMT(3, 4);
/* Returns member 'name' if it has one of 'types' (borrowed), else NULL,
 * and records an error if it is missing (unless OP_OPTIONAL) or of another
 * type. */
const json_t *ovsdb_parser_member(struct ovsdb_parser *, const char *name,
                                  unsigned int types);
/* Records an error "Parsing <name> failed: <message>" unless one is pending. */
void ovsdb_parser_raise(struct ovsdb_parser *, const char *fmt, ...) PRINTF_FMT(2, 3);
bool ovsdb_parser_has_error(const struct ovsdb_parser *);
/* Ends parsing: records an error for members never asked for, and returns
 * the error (the caller owns it) or NULL.  Frees what the parser holds. */
struct ovsdb_error *ovsdb_parser_finish(struct ovsdb_parser *) WARN_UNUSED;

/* Open vSwitch's JSON reader turns 1.0 and 1e2 into integers: these accept
 * them as integers too. */
bool ovsdb_json_is_integral(const json_t *);
int64_t ovsdb_json_integral_value(const json_t *);

#endif /* ovsdb/parser.h */
