/* ovsdb storage: a database kept in an Open vSwitch standalone file (see
 * journal.h for the record format): load at start, one record appended per
 * committed transaction, and online compaction when the log has grown.
 *
 * A transaction is acknowledged only after its record is written (and
 * fsync()ed when the transaction asked for durability). */
#ifndef SEAM_OVSDB_STORAGE_H
#define SEAM_OVSDB_STORAGE_H 1

#include <stdbool.h>
#include "lib/uuid.h"
#include "lib/util.h"

struct ovsdb_db;
struct ovsdb_error;
struct ovsdb_storage;
struct ovsdb_txn;

/* Creates database file 'path' from the schema file 'schema_path', like
 * "ovsdb-tool create".  Fails if 'path' exists. */
struct ovsdb_error *ovsdb_storage_create(const char *path, const char *schema_path)
    WARN_UNUSED;
/* Opens 'path' and loads it.  On success stores a new database, whose
 * storage is the open file, in '*dbp'; free it with ovsdb_db_destroy()
 * after ovsdb_storage_close(). */
struct ovsdb_error *ovsdb_storage_open(const char *path, bool read_only,
                                       struct ovsdb_db **dbp) WARN_UNUSED;
/* Writes the record of precommitted 'txn'; '*writtenp' says whether there
 * was one (a change of ephemeral columns only writes nothing). */
struct ovsdb_error *ovsdb_storage_write_txn(struct ovsdb_storage *,
                                            const struct ovsdb_txn *,
                                            bool *writtenp) WARN_UNUSED;
/* The id of the transaction whose record was written or read last: taken
 * from the record's SHA-1, so that the same transaction has the same id
 * after a restart (monitor_cond_since clients then resume where they were:
 * loading rebuilds the transaction history from the file's last records). */
bool ovsdb_storage_last_txn_id(const struct ovsdb_storage *, struct uuid *);
/* Compacts if the log has grown enough since the last compaction. */
void ovsdb_storage_maybe_compact(struct ovsdb_db *);
/* Compacts now. */
struct ovsdb_error *ovsdb_storage_compact(struct ovsdb_db *) WARN_UNUSED;
const char *ovsdb_storage_path(const struct ovsdb_storage *);
void ovsdb_storage_close(struct ovsdb_db *);

#endif /* ovsdb/storage.h */
