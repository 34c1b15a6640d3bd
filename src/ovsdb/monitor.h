/* ovsdb monitor: RFC 7047 "monitor" (§4.1.5) and the Open vSwitch
 * extensions "monitor_cond" / "update2", "monitor_cond_change" and
 * "monitor_cond_since" / "update3" (ovsdb-server(7)), plus the bounded
 * transaction history that lets a reconnecting client receive only the
 * changes it missed.
 *
 * A monitor belongs to a session (its 'send' callback) and is attached to
 * its database: ovsdb_monitor_commit() runs for every transaction just
 * before it is committed and sends each monitor the changes it selects. */
#ifndef SEAM_OVSDB_MONITOR_H
#define SEAM_OVSDB_MONITOR_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "lib/uuid.h"
#include "lib/util.h"

struct ds;
struct ovsdb_db;
struct ovsdb_error;
struct ovsdb_monitor;
struct ovsdb_txn;
struct jsonrpc_msg;

enum ovsdb_monitor_version {
    OVSDB_MONITOR_V1,           /* "monitor" -> "update". */
    OVSDB_MONITOR_V2,           /* "monitor_cond" -> "update2". */
    OVSDB_MONITOR_V3            /* "monitor_cond_since" -> "update3". */
};

/* Sends one serialized JSON-RPC notification, 'text' ('len' bytes), to the
 * monitor's client; takes ownership of 'text' (free it with free()). */
typedef void ovsdb_monitor_send_func(void *aux, char *text, size_t len);

/* Creates a monitor on 'db' from 'requests' (the <monitor-requests> object;
 * conditions only for V2/V3).  For V3, 'last_txn_id' (may be NULL) is the
 * id the client last saw.  On success stores the monitor in '*monitorp'
 * (free with ovsdb_monitor_destroy()) and appends the JSON text of the
 * request's result to 'result': table-updates (V1, V2), or [found,
 * last-txn-id, table-updates2] (V3). */
struct ovsdb_error *ovsdb_monitor_create(struct ovsdb_db *,
                                         enum ovsdb_monitor_version,
                                         const json_t *monitor_id,
                                         const json_t *requests,
                                         const struct uuid *last_txn_id,
                                         ovsdb_monitor_send_func *, void *aux,
                                         struct ovsdb_monitor **monitorp,
                                         struct ds *result) WARN_UNUSED;
void ovsdb_monitor_destroy(struct ovsdb_monitor *);
/* Borrowed. */
const json_t *ovsdb_monitor_get_id(const struct ovsdb_monitor *);
struct ovsdb_db *ovsdb_monitor_get_db(const struct ovsdb_monitor *);
/* monitor_cond_change: new conditions (and columns) for some tables; sends
 * the rows that enter or leave the condition as an update, under the
 * monitor's new id 'new_id' (copied). */
struct ovsdb_error *ovsdb_monitor_cond_change(struct ovsdb_monitor *,
                                              const json_t *new_id,
                                              const json_t *requests) WARN_UNUSED;

/* Called with every precommitted, modifying transaction of 'db', before
 * ovsdb_txn_commit(): notifies the monitors and records the change in the
 * history under the new id 'txn_id'. */
void ovsdb_monitor_commit(struct ovsdb_db *, const struct ovsdb_txn *,
                          const struct uuid *txn_id);

/* The transaction history. */
struct ovsdb_history;
struct ovsdb_history *ovsdb_history_create(void);
void ovsdb_history_destroy(struct ovsdb_history *);

#endif /* ovsdb/monitor.h */
