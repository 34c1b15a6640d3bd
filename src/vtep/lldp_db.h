/* lldp_db: what seam-vtep's LLDP agent knows, written into the
 * hardware_vtep database (vtep(5)) as other_config keys, sans I/O: the
 * functions read a 'struct ovsdb_db' and return RFC 7047 operations, as
 * db.h's do (an empty array when the database already says it).
 *
 * Physical_Port other_config, per port with a neighbour (docs/lldp.md):
 *   lldp:chassis_id        the neighbour's Chassis ID (MAC as
 *                          "aa:bb:cc:dd:ee:ff", else its text)
 *   lldp:port_id           its Port ID (an interface name, a MAC, ...)
 *   lldp:system_name       its System Name (the host name)
 *   lldp:port_description  its Port Description
 *   lldp:mgmt_ip           its first management address (IPv4, else IPv6)
 *   lldp:ttl               the TTL it announced, in seconds (how long a
 *                          controller may keep what it derived from the
 *                          neighbour once it is gone)
 * Keys are written only for what the neighbour sent, and all "lldp:" keys
 * of a port are removed when it has no neighbour any more; other keys
 * (iface-id, a controller's) are left alone.
 *
 * Physical_Switch other_config: lldp:chassis_id (this VTEP's own Chassis
 * ID, the switch_id Ironic reports), so that a controller can find the
 * VTEP of a bare-metal port's local_link_information. */
#ifndef SEAM_VTEP_LLDP_DB_H
#define SEAM_VTEP_LLDP_DB_H 1

#include <jansson.h>
#include <stddef.h>

struct lldp_neighbor;
struct ovsdb_db;

#define LLDP_DB_PREFIX "lldp:"

struct lldp_db_port {
    const char *name;                       /* Physical_Port name. */
    const struct lldp_neighbor *neighbor;   /* NULL: none. */
};

/* Returns (a new reference) the ops that make the "lldp:" keys of the
 * other_config of each port of Physical_Switch 'ps_name' named in 'ports'
 * say its neighbour, and Physical_Switch other_config:lldp:chassis_id
 * 'chassis_id' (NULL: left alone).  Ports the switch lacks are skipped;
 * an empty array if the switch does not exist. */
json_t *lldp_db_ops(const struct ovsdb_db *db, const char *ps_name,
                    const char *chassis_id, const struct lldp_db_port *ports,
                    size_t n_ports);

#endif /* vtep/lldp_db.h */
