/* topo: seamd's host links from LLDP.  The VTEPs write the LLDP neighbour
 * of each port into Physical_Port other_config (lldp:system_name,
 * lldp:port_id, lldp:port_description, lldp:ttl: docs/lldp.md); topo turns
 * the neighbours that are known hosts into Host_Link rows of source "lldp"
 * in the NB:
 *
 *   a neighbour whose lldp:system_name is the binding:host_id of some port
 *   in the NB, and whose lldp:port_id (else lldp:port_description) is a NIC
 *   that the device mappings give a physical network for that host, makes
 *   Host_Link (host, physical_network) -> (VTEP, port), source lldp.
 *
 * The device mappings are Neutron's SR-IOV agent's
 * (physical_device_mappings = physnet1:ens1f0,physnet2:ens2f0), given for
 * all hosts and per host (a host's own mappings replace the common ones).
 *
 * Only VTEPs of role "tor" are read: a hypervisor VTEP's ports are VM taps,
 * and a tenant must not be able to claim a host by sending LLDP.
 *
 * Static Host_Links are never touched (and win over lldp ones in
 * desired.c).  A link whose neighbour is heard on another port moves at
 * once (a moved cable).  A link whose neighbour is gone is kept for the TTL
 * the neighbour announced (lldp:ttl), counted from when topo saw it go, so
 * that a flapping link or a host that reboots does not flap the bindings;
 * links on a VTEP whose session is down are kept as they are (nothing is
 * known).  If a host's NIC is heard on several ports, the first by (VTEP,
 * port) name wins.
 *
 * Sans I/O: topo_run() reads the NB replica and the VTEPs' replicas and
 * returns the operations of one NB transaction; the caller (the reconciler)
 * commits them and calls again when the NB or a replica changes, or at the
 * time topo_run() asked for.
 *
 * Errors: parsers return 0 or -EINVAL with a new message in '*errorp'. */
#ifndef SEAM_CONTROLLER_TOPO_H
#define SEAM_CONTROLLER_TOPO_H 1

#include <jansson.h>
#include <stdbool.h>
#include "lib/util.h"

struct ovsdb_db;
struct topo;
struct topo_mappings;

/* ---- Device mappings (configuration) ---- */

/* Adds the mappings of 'value' ("physnet1:ens1f0,physnet2:ens2f0"; a NIC
 * may appear for several physical networks) for host 'host' (NULL: every
 * host) to '*mp' (created on first use; free it with
 * topo_mappings_destroy()).  A host's mappings given again replace the
 * earlier ones.  Returns 0, or -EINVAL and a new message in '*errorp' for
 * an item that is not PHYSNET:NIC. */
int topo_mappings_parse(struct topo_mappings **mp, const char *host,
                        const char *value, char **errorp) WARN_UNUSED;
/* NULL is a no-op. */
void topo_mappings_destroy(struct topo_mappings *);

/* Calls 'cb' with each physical network NIC 'nic' of host 'host' is
 * mapped to; returns how many. */
size_t topo_mappings_lookup(const struct topo_mappings *, const char *host,
                            const char *nic,
                            void (*cb)(void *aux, const char *physnet),
                            void *aux);

/* ---- The host links ---- */

/* The replica of VTEP 'name' if its session is synced, else NULL. */
typedef const struct ovsdb_db *topo_vtep_db_func(void *aux, const char *name);

/* Returns a new topo using 'mappings' (borrowed, must outlive it; NULL:
 * none, so no links); free it with topo_destroy(). */
struct topo *topo_create(const struct topo_mappings *mappings);
/* NULL is a no-op. */
void topo_destroy(struct topo *);

/* Returns (a new reference) the NB operations that make the Host_Link rows
 * of source lldp of 'nb' what the VTEPs' neighbours say at 'now_ms' (an
 * empty array if they already do), and stores in '*next_ms' when to run
 * again at the latest (LLONG_MAX: no deadline) for a kept link to expire. */
json_t *topo_run(struct topo *, const struct ovsdb_db *nb,
                 topo_vtep_db_func *vtep_db, void *aux, long long now_ms,
                 long long *next_ms);

/* ---- Bare metal ---- */

/* Whether the Physical_Switch of VTEP 'vtep_name' in its replica 'vtep_db'
 * (NULL: false) says, in other_config:lldp:chassis_id, that its LLDP
 * Chassis ID is the MAC 'switch_id' (any case): what Ironic's inspector
 * puts in a bare-metal port's local_link_information switch_id. */
bool topo_vtep_has_chassis_id(const struct ovsdb_db *vtep_db,
                              const char *vtep_name, const char *switch_id);

#endif /* controller/topo.h */
