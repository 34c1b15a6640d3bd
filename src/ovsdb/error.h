/* ovsdb error: the error values of OVSDB semantics (RFC 7047 §3.1 <error>).
 *
 * Every function of the engine that can fail for a reason the RFC names
 * returns a 'struct ovsdb_error *': NULL on success, otherwise a new error
 * tagged with the RFC 7047 / Open vSwitch error string ("constraint
 * violation", "referential integrity violation", "syntax error", ...) and a
 * human-readable 'details'.  Errors become {"error": tag, "details": ...}
 * only at the JSON-RPC edge (ovsdb_error_to_json()). */
#ifndef SEAM_OVSDB_ERROR_H
#define SEAM_OVSDB_ERROR_H 1

#include <jansson.h>
#include "lib/util.h"

struct ovsdb_error;

/* Returns a new error with 'tag' and printf-style details (may be NULL);
 * free it with ovsdb_error_destroy(). */
struct ovsdb_error *ovsdb_error(const char *tag, const char *details_fmt, ...)
    PRINTF_FMT(2, 3) WARN_UNUSED;
/* A "syntax error" (or 'tag' if nonnull) about 'json' (may be NULL), which
 * the error reports apart, as its "syntax" member (as ovsdb-server does). */
struct ovsdb_error *ovsdb_syntax_error(const json_t *json, const char *tag,
                                       const char *details_fmt, ...)
    PRINTF_FMT(3, 4) WARN_UNUSED;
struct ovsdb_error *ovsdb_internal_error(const char *details_fmt, ...)
    PRINTF_FMT(1, 2) WARN_UNUSED;
void ovsdb_error_destroy(struct ovsdb_error *);
struct ovsdb_error *ovsdb_error_clone(const struct ovsdb_error *);

/* Borrowed strings, valid while the error lives. 'details' may be NULL. */
const char *ovsdb_error_get_tag(const struct ovsdb_error *);
const char *ovsdb_error_get_details(const struct ovsdb_error *);

/* Returns a new {"error": tag, "details": details, "syntax": json} object
 * (members absent when empty). */
json_t *ovsdb_error_to_json(const struct ovsdb_error *);
/* Returns "tag: details" (or "tag"); free it with free(). */
char *ovsdb_error_to_string(const struct ovsdb_error *);

#endif /* ovsdb/error.h */
