/* journal: the on-disk record log of a standalone OVSDB database, in Open
 * vSwitch's format (ovsdb/log.c), so that files move both ways between
 * seam-ovsdb and ovsdb-tool/ovsdb-server.
 *
 * A file is a sequence of records, each:
 *     "OVSDB JSON " <length> " " <sha1-hex> "\n" <json text of length bytes> "\n"
 * where the SHA-1 is over the JSON text.  The first record is the database
 * schema; every later one a transaction (written by the engine, opaque here).
 *
 * Crash safety: a record is appended with one write() and, when asked,
 * fsync()ed before the call returns.  On open, a torn or corrupt record at
 * the end (bad header, short body, wrong hash, unparsable JSON) ends the
 * log: the file is truncated there, with a warning, and everything before
 * it is kept.  Compaction writes a new file beside the old one and rename()s
 * it into place, so a crash leaves either file whole.
 *
 * The file is locked (fcntl, on "DIR/.NAME.~lock~" as ovsdb-server does)
 * while open for writing, so two servers cannot write one database.
 * READ_ONLY opens take no lock (as ovsdb-tool's read-only commands), never
 * truncate, and refuse journal_write() and journal_replace() with -EBADF. */
#ifndef SEAM_OVSDB_JOURNAL_H
#define SEAM_OVSDB_JOURNAL_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/util.h"

struct journal;

enum journal_mode {
    JOURNAL_READ_WRITE,
    JOURNAL_READ_ONLY,
    JOURNAL_CREATE_EXCL         /* Create a new file; fail if it exists. */
};

/* Opens 'path'.  Returns 0 and a new journal in '*journalp' (close it with
 * journal_close()), or -errno (-EEXIST, -ENOENT, -EAGAIN when locked by
 * another process, -EDEADLK when this process has it open for writing
 * already, -EPROTO when the first record is bad or the file is not an OVSDB
 * standalone file, e.g. a clustered or an empty one). */
int journal_open(const char *path, enum journal_mode, struct journal **journalp)
    WARN_UNUSED;
/* Reads the next record.  Returns 0 and a new JSON value in '*jsonp' (the
 * caller frees it), 0 with NULL at the end of the valid log, or -errno.
 * A torn tail is not an error: reading stops there and the next write
 * starts at the end of the last good record. */
int journal_read(struct journal *, json_t **jsonp) WARN_UNUSED;
/* Appends 'json' as one record (does not take ownership).  When 'durable',
 * fsync()s before returning.  Returns 0 or -errno; on failure the file is
 * truncated back to its previous end. */
int journal_write(struct journal *, const json_t *json, bool durable) WARN_UNUSED;
/* Like journal_write() for a record whose JSON text is already serialized:
 * 'text' is 'len' bytes of one compact JSON object, without the newline. */
int journal_write_text(struct journal *, const char *text, size_t len, bool durable)
    WARN_UNUSED;
/* Replaces the whole log with the records 'jsons[0..n-1]' atomically (write
 * a temporary file, fsync, rename, fsync the directory).  Returns 0 or
 * -errno; on failure the old file is untouched, except that when only the
 * final directory fsync fails the new log is in place and in use. */
int journal_replace(struct journal *, json_t *const *jsons, size_t n) WARN_UNUSED;
/* Like journal_replace() with records already serialized: 'texts[i]' is
 * 'lens[i]' bytes of compact JSON, without the newline. */
int journal_replace_text(struct journal *, const char *const *texts,
                         const size_t *lens, size_t n) WARN_UNUSED;
/* The SHA-1 of the record last read, written, or (after a replace) of its
 * last record: it names a transaction for as long as the file has it. */
#define JOURNAL_DIGEST_SIZE 20
void journal_last_digest(const struct journal *, uint8_t digest[JOURNAL_DIGEST_SIZE]);
/* Size of the log in bytes, and the size right after the last open or
 * replace (to decide when to compact). */
off_t journal_size(const struct journal *);
off_t journal_base_size(const struct journal *);
unsigned long long journal_n_records(const struct journal *);
const char *journal_path(const struct journal *);
void journal_close(struct journal *);

#endif /* ovsdb/journal.h */
