/* jsonparse: a JSON text parser (RFC 8259) that builds jansson values.
 *
 * jansson's own json_loadb() reads its input one byte at a time through a
 * callback and validates UTF-8 per byte; on the insert benchmark that
 * lexing alone was a third of seam-ovsdb's CPU (perf; bench/README.md).
 * This parser scans strings with a tight loop and a UTF-8 check only for
 * non-ASCII bytes, and builds the same jansson values through jansson's
 * public API, so every consumer is unchanged.  It accepts exactly what
 * json_loadb(..., 0) accepts for one value (surrounding whitespace allowed,
 * "\u0000" refused, invalid UTF-8 refused, duplicate keys: the last wins),
 * except that an integer that does not fit in 64 bits becomes a real, as in
 * ovsdb-server (jansson refuses it); and it bounds nesting. */
#ifndef SEAM_OVSDB_JSONPARSE_H
#define SEAM_OVSDB_JSONPARSE_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Parses the one JSON value that 'buf' ('len' bytes) holds.  Returns a new
 * value, or NULL with a new description of the first error (and its byte
 * offset) in '*errorp' (free it).  'max_depth' bounds the nesting of
 * arrays and objects (0: 1000). */
json_t *jsonparse(const char *buf, size_t len, unsigned int max_depth, char **errorp);

/* Like jsonparse(), for a big JSON-RPC message, with some values validated
 * as jsonparse() would (same errors, same depth limit) but kept as strings
 * holding their JSON text, to be parsed one at a time by their consumer:
 *   JSONPARSE_DEFER_PARAMS: if the value is an object whose "params" member
 *     is an array, its elements after the first (a "transact"'s
 *     operations);
 *   JSONPARSE_DEFER_ROWS: members of objects nested 3 deep or more whose
 *     name is a UUID and whose value is an object (the <row-update>s of a
 *     monitor reply or update notification), as heap strings even while a
 *     jsonarena is active, so that the consumer can free each one (replace
 *     it by null) once it has applied it.
 * A transaction of 100,000 operations, or an initial monitor reply of
 * 100,000 rows, then costs its text instead of a tree ten times bigger.
 * '*deferredp' says which kinds were deferred. */
enum {
    JSONPARSE_DEFER_PARAMS = 1 << 0,
    JSONPARSE_DEFER_ROWS = 1 << 1,
};
json_t *jsonparse_deferred(const char *buf, size_t len, unsigned int max_depth,
                           unsigned int defer, unsigned int *deferredp,
                           char **errorp);

#endif /* ovsdb/jsonparse.h */
