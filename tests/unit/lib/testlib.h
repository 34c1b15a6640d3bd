/* testlib: helpers shared by the cmocka unit tests (tests/unit/test_*.c).
 *
 * The Makefile links every .c file of tests/unit/lib into every unit test
 * binary; a test includes "lib/testlib.h" after <cmocka.h>.
 *
 * - Test data: files under tests/unit/data/, found relative to
 *   $SEAM_SRCDIR (the current directory if unset).
 * - JSON: parsing test text, printing values in failure messages, and
 *   comparing values as OVSDB does (numbers by value).
 * - Normalisation of server output as tests/unit/data/ovsdb/regen.py does
 *   for what the real ovsdb-server sent: UUIDs numbered "<N>" in order of
 *   first appearance, the rows of "rows" and the elements of sets and maps
 *   sorted (OVS uuidfilt).
 *
 * Helpers that check something fail the running test through cmocka
 * (fail_msg(), assert_*()), so call them only from inside a test. */
#ifndef SEAM_TESTLIB_H
#define SEAM_TESTLIB_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/util.h"

struct eth_addr;
struct in_addr;
struct ovsdb_db;
struct ovsdb_schema;

/* ---- addresses ---- */

/* Fails unless 'a' is the IPv4 address written 's' ("10.0.0.1"). */
void testlib_assert_ipv4(struct in_addr a, const char *s);

/* The IPv4 address written 's', and the MAC written 's'
 * ("00:00:00:00:0b:01"); the test fails when 's' is not one. */
struct in_addr testlib_ipv4(const char *s);
struct eth_addr testlib_mac(const char *s);

/* ---- test data ---- */

/* Returns the path of the file 'fmt' (a printf format) names under
 * tests/unit/data/, e.g. testlib_data_path("ovsdb/%s/txns.json", name), in
 * the source tree $SEAM_SRCDIR (default "."); free it with free(). */
char *testlib_data_path(const char *fmt, ...) PRINTF_FMT(1, 2);

/* Returns a new reference to the JSON value (any type) in the file 'path';
 * release it with json_decref().  Fails the test, naming 'path' and the
 * parse error, if it cannot be read or parsed. */
json_t *testlib_load_json(const char *path);

/* Returns the schema in the file 'path', a new one; free it with
 * ovsdb_schema_destroy().  Fails the test, naming 'path' and the error, if
 * it cannot be read or is not a valid schema. */
struct ovsdb_schema *testlib_load_schema(const char *path);

/* Returns the size of the file 'path', in bytes; fails the test if it does
 * not exist. */
off_t testlib_file_size(const char *path);

/* ---- JSON ---- */

/* Returns a new reference to the JSON value (any type) 'text' holds;
 * release it with json_decref().  Fails the test ("bad test JSON") if
 * 'text' is not valid JSON. */
json_t *testlib_parse(const char *text);

/* Returns 'json' as compact text with sorted keys, for messages; free it
 * with free(). */
char *testlib_dump(const json_t *json);

/* Whether 'a' and 'b' are the same JSON value, numbers compared by value
 * (jansson tells 1 from 1.0; OVSDB does not).  Either may be NULL: then
 * true only if both are. */
bool testlib_json_same(const json_t *a, const json_t *b);

/* Runs the RFC 7047 operations 'ops' (takes them) on 'db' as one
 * transaction; fails the test ("ops ... failed: ...") if it waits, any
 * operation has an error, or results are missing. */
void testlib_execute_ok(struct ovsdb_db *db, json_t *ops);

/* Fails the test ("got ..., expected ...") unless 'actual' is non-NULL
 * and the same (testlib_json_same()) as the JSON text 'expected_text'. */
void testlib_assert_json_text(const json_t *actual, const char *expected_text);

/* ---- normalisation (mirrors tests/unit/data/ovsdb/regen.py) ---- */

/* The UUIDs seen so far, numbered in order of first appearance.  Start
 * with '{ 0 }' (or '{ .keys = true }') and end with testlib_norm_destroy();
 * use one across all the output of a case so numbers stay consistent. */
struct testlib_norm {
    char (*uuids)[37];          /* Numbered UUIDs, each NUL-terminated. */
    size_t n, allocated;        /* Used and allocated elements of 'uuids'. */
    bool keys;                  /* Number UUIDs in object keys too. */
};

/* Frees what 'norm' holds (not 'norm' itself). */
void testlib_norm_destroy(struct testlib_norm *norm);

/* Returns a new JSON value: 'json' with each UUID in a string replaced by
 * "<N>" (in object keys too if 'norm->keys'), object keys sorted, the
 * elements of the array under a "rows" key and of ["set", [...]] and
 * ["map", [...]] sorted in canonical text order.  A UUID not yet numbered
 * gets the next number if 'assign', otherwise becomes "<?>"; the members
 * of an object with an "error" string number no new UUIDs.  Release the
 * result with json_decref(). */
json_t *testlib_norm_json(struct testlib_norm *norm, const json_t *json,
                          bool assign);

/* Returns a new array holding the elements of array 'array' (references
 * shared with it), sorted by their canonical text; release it with
 * json_decref(). */
json_t *testlib_sort_canon(const json_t *array);

#endif /* testlib.h */
