/* jsonarena: bump allocation for the jansson trees of incoming requests.
 *
 * A server parses every request into a jansson tree of many small objects
 * and frees it right after handling it.  On the insert benchmark
 * (bench/ovsdb-bench.sh, 100 rows per transaction) json_loadb() and the
 * matching json_delete() took 43% of seam-ovsdb's instructions (callgrind),
 * most of it in malloc() and free().  While an arena is active on a thread,
 * jansson allocates from it by bumping a pointer; frees of arena memory do
 * nothing; the whole tree goes away in one jsonarena_destroy().  Outside an
 * active arena jansson uses malloc() and free() as usual, so strings from
 * json_dumps() and every other value stay ordinary heap memory.
 *
 * The rule that comes with it: nothing may keep a reference into a tree
 * parsed in an arena after its arena is destroyed; copy what you keep with
 * json_deep_copy() (outside the arena).  Under AddressSanitizer the arena is
 * disabled, so that the sanitizer still sees every object. */
#ifndef SEAM_OVSDB_JSONARENA_H
#define SEAM_OVSDB_JSONARENA_H 1

#include <stdbool.h>

struct jsonarena;

/* Routes jansson's allocations through this module.  Call once, early,
 * before any jansson value exists; without it arenas are never used. */
void jsonarena_install(void);
bool jsonarena_is_installed(void);
/* Starts a new arena and makes it the calling thread's active one; returns
 * it, or NULL when arenas are not installed (then nothing changes). */
struct jsonarena *jsonarena_begin(void);
/* Makes 'arena' (NULL: no-op) the thread's active arena again, to build
 * values that die with it (a reply to the request parsed in it).  Nothing
 * may json_dumps() and free() while it is active: the string would be
 * arena memory. */
void jsonarena_resume(struct jsonarena *);
/* Deactivates the thread's active arena, if any, and returns it (for
 * jsonarena_resume()): code that keeps JSON, or frees json_dumps() output,
 * runs with no arena active. */
struct jsonarena *jsonarena_suspend(void);
/* Makes the thread's active arena inactive again (keeps its memory). */
void jsonarena_end(struct jsonarena *);
/* Forgets everything allocated from 'arena' (NULL: no-op), keeping one
 * chunk for what comes next: per-operation trees of a big request. */
void jsonarena_reset(struct jsonarena *);
/* Is an arena active on this thread (freeing what it allocated is then a
 * waste of time)? */
bool jsonarena_is_active(void);
/* Frees all memory of 'arena' (NULL is a no-op). */
void jsonarena_destroy(struct jsonarena *);
/* Gives the calling thread's spare chunks back to malloc. */
void jsonarena_trim(void);

#endif /* ovsdb/jsonarena.h */
