/* jsonw: writes OVSDB values straight to JSON text.
 *
 * The hot output paths (a monitor update per commit, a record per commit,
 * a monitor's initial contents) would otherwise build a jansson tree of
 * one heap object per value and then serialize it: measured on the
 * 100,000-row benchmark (bench/), that was over a third of the server's
 * time.  These functions append compact JSON, byte-identical in meaning to
 * ovsdb_datum_to_json() + json_dumps(), to a 'struct ds'. */
#ifndef SEAM_OVSDB_JSONW_H
#define SEAM_OVSDB_JSONW_H 1

#include <jansson.h>
#include "lib/ds.h"
#include "lib/uuid.h"
#include "ovsdb/datum.h"

/* A JSON string literal of 's' (UTF-8), quoted and escaped. */
void jsonw_string(struct ds *, const char *s);
void jsonw_string_len(struct ds *, const char *s, size_t len);
/* The 36-character text of 'uuid', without quotes. */
void jsonw_uuid_chars(struct ds *, const struct uuid *);
void jsonw_atom(struct ds *, const union ovsdb_atom *, enum ovsdb_atomic_type);
/* The RFC 7047 <value> of 'datum', as ovsdb_datum_to_json() makes it. */
void jsonw_datum(struct ds *, const struct ovsdb_datum *, const struct ovsdb_type *);
/* Any jansson value, compact (faster than json_dumps(), which calls back
 * per fragment). */
void jsonw_json(struct ds *, const json_t *);
/* Same, with the members of every object in key order (ovsdb-server's
 * form for the "syntax" of errors). */
void jsonw_json_sorted(struct ds *, const json_t *);

#endif /* ovsdb/jsonw.h */
