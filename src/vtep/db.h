/* vtep db: seam-vtep's side of the hardware_vtep database (Open vSwitch's
 * vtep(5), schema 1.7), sans I/O.
 *
 * Every function reads a 'const struct ovsdb_db *' (the embedded server's
 * database, or a client replica of an external ovsdb-server: client.h) and
 * either fills plain data (vtep_db_build_config()) or returns the RFC 7047
 * §5.2 operations of one transaction as a JSON array, which the caller runs
 * with ovsdb_execute() on the embedded database or sends as a "transact"
 * through the client library.  Nothing here writes the database or blocks.
 *
 * Ops arrays:
 *  - are computed against what 'db' holds now: an empty array means the
 *    database already says what it should (the caller need not send it);
 *  - guard what they assume with "wait" operations (timeout 0) where a
 *    stale replica could make them create a duplicate (the Physical_Switch,
 *    the Global row, a Ucast_Macs_Local row): such a transaction fails with
 *    "timed out" and changes nothing; the caller recomputes the ops from the
 *    resynced replica and tries again;
 *  - refer to rows they create with "uuid-name"/"named-uuid" and to this
 *    VTEP's Physical_Locator (vxlan_over_ipv4, dst_ip = the tunnel IP, no
 *    tunnel_key) by its UUID when it exists, else create it in the same
 *    transaction.  Physical_Switch, Physical_Port, Physical_Locator(_Set),
 *    Tunnel and Logical_Binding_Stats are not root tables: a row is only
 *    kept while something refers to it, so each op that creates one also
 *    adds the reference.
 *
 * Every function that returns a json_t * returns a new reference (release
 * it with json_decref()). */
#ifndef SEAM_VTEP_DB_H
#define SEAM_VTEP_DB_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "vtep/config.h"

struct ovsdb_db;
struct vtep_learn_event;

/* ---- 1. Start-up: this switch, its ports, its faults ---- */

/* What this VTEP is (borrowed strings, none NULL unless said). */
struct vtep_db_identity {
    const char *ps_name;                /* Physical_Switch name. */
    const char *description;            /* "" or NULL: empty. */
    const char *const *management_ips;  /* Physical_Switch.management_ips. */
    size_t n_management_ips;
    const char *const *tunnel_ips;      /* Physical_Switch.tunnel_ips. */
    size_t n_tunnel_ips;
    const char *const *ports;           /* Physical_Port names (interfaces). */
    size_t n_ports;
    const char *const *iface_ids;       /* NULL, or per port its
                                         * other_config:iface-id (NULL: left
                                         * as it is). */
    const char *const *port_patterns;   /* fnmatch() patterns of the ports
                                         * this VTEP adds and removes. */
    size_t n_port_patterns;
    const char *const *managers;        /* Manager targets ("tcp:IP:PORT"). */
    size_t n_managers;
};

/* Returns the ops that make 'db' describe 'id': one Global row (created if
 * the table is empty, else the first one) whose 'switches' refers to the
 * Physical_Switch 'id->ps_name'; that switch created if absent, else its
 * description, management_ips and tunnel_ips updated where they differ;
 * one Physical_Port per name in 'id->ports' that the switch lacks, added to
 * its 'ports', with other_config:iface-id from 'id->iface_ids' (written
 * also on a port that exists with another value or none).  Ports the
 * switch has but 'id' does not name are left alone (a controller may still
 * have bindings on them), except those whose name matches one of
 * 'id->port_patterns': those are ports this VTEP follows (taps), and the
 * interface is gone, so they are dropped from the switch's 'ports' (and
 * the rows garbage-collected).  Each target of
 * 'id->managers' the Global row does not refer to gets a Manager row
 * (created unless one has that target) added to Global.managers; other
 * managers are left alone.  Idempotent: on a
 * database that already matches, returns an empty array. */
json_t *vtep_db_startup_ops(const struct ovsdb_db *db,
                            const struct vtep_db_identity *id);

/* The fault of one port (Physical_Port.port_fault_status, vtep(5)
 * "invalid_vlan_map", "unspecified_fault", ...): 'n_faults' borrowed
 * strings, none for a healthy port. */
struct vtep_db_port_faults {
    const char *name;
    const char *const *faults;
    size_t n_faults;
};

/* Returns the ops that set the ephemeral switch_fault_status of Physical_
 * Switch 'ps_name' to the 'n_switch_faults' strings 'switch_faults' and
 * port_fault_status of each port in 'ports' (a port the switch does not
 * have is ignored); columns that already hold those values get no op.
 * Returns an empty array if the switch does not exist. */
json_t *vtep_db_fault_ops(const struct ovsdb_db *db, const char *ps_name,
                          const char *const *switch_faults, size_t n_switch_faults,
                          const struct vtep_db_port_faults *ports, size_t n_ports);

/* ---- 2. The forwarding configuration ---- */

/* Fills 'out' (initialized here with vtep_config_init(): the caller may
 * change vxlan_port and mac_aging_s afterwards; free it with
 * vtep_config_destroy()) from the rows of 'db' about Physical_Switch
 * 'ps_name':
 *   - tunnel_ip: the first IPv4 address of its tunnel_ips;
 *   - ports: its Physical_Ports, sorted by name, each with the number of
 *     its vlan_bindings that are not instantiated as bindings below
 *     (n_invalid_bindings: a VLAN over 4094, a dangling switch, a switch
 *     whose tunnel_key is out of range or taken; a switch without
 *     tunnel_key is not counted) and of its acl_bindings;
 *   - bindings: each (port, VLAN) of their vlan_bindings whose
 *     Logical_Switch has a tunnel_key; switches without one are left out
 *     (not yet configured, not an error);
 *   - switches: the Logical_Switches bound at least once, sorted by name,
 *     with replication_mode (empty = service_node, vtep(5)),
 *     other_config:arp-suppress == "true", their Ucast_Macs_Remote rows and
 *     Mcast_Macs_Remote rows ("unknown-dst", and multicast MACs) resolved
 *     to Physical_Locator dst_ips.
 * Bad rows are skipped, never fatal, and counted: tunnel_ips not empty but
 * without an IPv4 address (tunnel_ip stays 0.0.0.0), a binding VLAN over 4094,
 * a tunnel_key outside 0..2^24-1 or already used by another bound switch
 * (the first by name keeps it), a MAC that does not parse (or, in
 * Mcast_Macs_Remote, is not multicast), an ipaddr that is not IPv4, a
 * duplicate MAC in a switch, a locator whose dst_ip is not IPv4 or whose
 * reference dangles.  Returns the number of skipped rows, or -ENOENT (with
 * 'out' initialized and empty) if there is no such Physical_Switch. */
int vtep_db_build_config(const struct ovsdb_db *db, const char *ps_name,
                         struct vtep_config *out);

/* Whether 'column' of 'table' (NULL: the table's rows as a whole) is one
 * that seam-vtep writes from what its datapath sees, and that neither the
 * configuration nor the rows derived from it read: the Ucast_Macs_Local and
 * Logical_Binding_Stats tables, Physical_Port's vlan_stats and
 * port_fault_status, Physical_Switch's switch_fault_status.  A change there
 * needs no rebuild: watching the database for changes, leave them out, or
 * each learned MAC and each statistics write would rebuild everything. */
bool vtep_db_is_datapath_output(const char *table, const char *column);

/* ---- 3. MACs learned on local ports ---- */

enum vtep_db_mac_kind {
    VTEP_DB_MAC_LEARNED,        /* First seen (or ipaddr now known). */
    VTEP_DB_MAC_MOVED,          /* Seen on another port of the switch. */
    VTEP_DB_MAC_AGED            /* Not seen for mac_aging_s: forget it. */
};

/* One datapath event, as the DB reports it (converted from the datapath's
 * learn ring by the caller). */
struct vtep_db_mac_event {
    const char *ls_name;        /* Logical_Switch name (borrowed). */
    struct eth_addr mac;
    bool has_ip;                /* 'ip' known (from ARP). */
    struct in_addr ip;
    enum vtep_db_mac_kind kind;
};

/* Fills 'out' from the datapath's learn event 'in' (ring.h), naming its
 * switch from 'cfg' by VNI (stable across snapshots, unlike the index):
 * 'out->ls_name' is borrowed from 'cfg'.  Returns false if no switch of
 * 'cfg' has that VNI (the switch went away: drop the event). */
bool vtep_db_mac_event_from_learn(const struct vtep_config *cfg,
                                  const struct vtep_learn_event *in,
                                  struct vtep_db_mac_event *out);

/* Returns the ops of one transaction reporting the 'n' 'events' in
 * Ucast_Macs_Local, with 'tunnel_ip' as this VTEP's locator: a learned MAC
 * gets a row (MAC, logical_switch, locator, ipaddr when known) unless one
 * exists (then only a newly known ipaddr is written); an aged MAC's rows
 * are deleted.  For the same (switch, MAC) only the last event counts.
 * Events on a Logical_Switch that is not in 'db' are skipped and counted in
 * '*n_skipped' (if nonnull). */
json_t *vtep_db_local_mac_ops(const struct ovsdb_db *db, struct in_addr tunnel_ip,
                              const struct vtep_db_mac_event *events, size_t n,
                              size_t *n_skipped);

/* Returns the ops that give each Logical_Switch bound to a port of
 * Physical_Switch 'ps_name' a Mcast_Macs_Local "unknown-dst" row whose
 * locator set is exactly this VTEP's locator ('tunnel_ip'): where BUM
 * traffic for the switch's local ports should be sent.  Rows of that MAC
 * on switches no longer bound, whose set is exactly this locator, are
 * deleted. */
json_t *vtep_db_mcast_local_ops(const struct ovsdb_db *db, const char *ps_name,
                                struct in_addr tunnel_ip);

/* ---- 4. Tunnels and statistics ---- */

/* Returns the ops that make Physical_Switch 'ps_name's 'tunnels' hold
 * exactly one Tunnel per address in 'remotes' (the 'n_remotes' remote
 * VTEPs this one sends to), each with local = this VTEP's locator
 * ('local') and remote = the locator of that address; tunnels to other
 * remotes are dropped from the set (and so garbage-collected).  BFD
 * columns are left alone.  Empty array if the switch does not exist. */
json_t *vtep_db_tunnel_ops(const struct ovsdb_db *db, const char *ps_name,
                           struct in_addr local,
                           const struct in_addr *remotes, size_t n_remotes);

/* Counters of one (port, VLAN) binding, from this VTEP's point of view. */
struct vtep_db_binding_stats {
    const char *port;           /* Physical_Port name (borrowed). */
    uint16_t vlan;              /* 0 = untagged. */
    uint64_t bytes_from_local, packets_from_local;
    uint64_t bytes_to_local, packets_to_local;
};

/* Returns the ops that write the 'n' 'stats' into Logical_Binding_Stats
 * rows referenced from Physical_Port.vlan_stats of Physical_Switch
 * 'ps_name' (created for a VLAN that has none; counters that already hold
 * the value get no op), and drop vlan_stats entries whose VLAN is no
 * longer in vlan_bindings.  Stats of unknown ports or of VLANs not bound
 * are ignored.  Counters over INT64_MAX are written as INT64_MAX. */
json_t *vtep_db_stats_ops(const struct ovsdb_db *db, const char *ps_name,
                          const struct vtep_db_binding_stats *stats, size_t n);

#endif /* vtep/db.h */
