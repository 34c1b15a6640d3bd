/* vtep config: the forwarding configuration of one seam-vtep physical
 * switch, as plain data: what the hardware_vtep database says (vtep(5)),
 * reduced to what the datapath needs.
 *
 * Two modules meet here and know nothing else of each other:
 *   - db.c builds a 'struct vtep_config' from the rows of a hardware_vtep
 *     database (the embedded server's, or a client replica of an external
 *     ovsdb-server: both are a 'struct ovsdb_db');
 *   - fwd.c turns a config into the immutable snapshot that the datapath
 *     thread forwards with (hash tables, flood lists), published atomically.
 *
 * Everything is owned by the config and freed by vtep_config_destroy().
 * Ports and logical switches are referred to by index into the arrays. */
#ifndef SEAM_VTEP_CONFIG_H
#define SEAM_VTEP_CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define VTEP_VNI_MAX 0xffffff           /* VNIs are 24 bits (RFC 7348). */
#define VTEP_VLAN_UNTAGGED 0            /* Binding of the untagged traffic. */
#define VTEP_VLAN_MAX 4094

struct eth_addr {
    uint8_t ea[6];
};

enum vtep_replication {
    VTEP_REPL_SOURCE_NODE,      /* Head-end replication to every locator. */
    VTEP_REPL_SERVICE_NODE      /* One copy to one service node. */
};

/* A remote VTEP (Physical_Locator, vxlan_over_ipv4). */
struct vtep_locator {
    struct in_addr ip;
};

/* A MAC behind a remote VTEP (Ucast_Macs_Remote), or a multicast/unknown
 * destination (Mcast_Macs_Remote with its locator set). */
struct vtep_remote_mac {
    struct eth_addr mac;
    bool has_ip;
    struct in_addr ip;                  /* "ipaddr", for ARP suppression. */
    struct vtep_locator *locators;      /* One for unicast; a set for mcast. */
    size_t n_locators;
};

/* A Logical_Switch with a VNI (switches without tunnel_key are skipped). */
struct vtep_switch {
    char *name;
    uint32_t vni;
    enum vtep_replication replication;
    bool arp_suppress;                  /* other_config:arp-suppress=true. */
    struct vtep_remote_mac *ucast;      /* Ucast_Macs_Remote. */
    size_t n_ucast;
    struct vtep_remote_mac *mcast;      /* Mcast_Macs_Remote with a real
                                         * multicast MAC. */
    size_t n_mcast;
    /* Mcast_Macs_Remote "unknown-dst": where broadcast, unknown unicast and
     * unlisted multicast go (no locators: nowhere remote). */
    struct vtep_locator *unknown_dst;
    size_t n_unknown_dst;
};

/* A (port, VLAN) pair bound to a logical switch (Physical_Port.vlan_bindings). */
struct vtep_binding {
    size_t port;                        /* Index in config->ports. */
    uint16_t vlan;                      /* 0 = untagged, else 1..4094. */
    size_t sw;                          /* Index in config->switches. */
};

struct vtep_port {
    char *name;                         /* Physical_Port name = interface. */
    /* Faults of the port's rows (db.c; fwd.c ignores them): */
    size_t n_invalid_bindings;          /* vlan_bindings that cannot be
                                         * instantiated (VLAN 4095; a switch
                                         * whose tunnel_key is out of range
                                         * or taken by another bound
                                         * switch). */
    size_t n_acl_bindings;              /* acl_bindings (ACLs are not
                                         * applied). */
};

struct vtep_config {
    struct in_addr tunnel_ip;           /* This VTEP's (Physical_Switch.tunnel_ips). */
    uint16_t vxlan_port;                /* UDP port, host order (4789). */
    unsigned int mac_aging_s;           /* Learned MAC lifetime (300). */
    unsigned int tunnel_mtu;            /* Underlay IPv4 MTU in bytes (1500):
                                         * an inner frame longer than this
                                         * minus 36 (IPv4+UDP+VXLAN) is not
                                         * tunnelled. */
    struct vtep_port *ports;
    size_t n_ports;
    struct vtep_switch *switches;
    size_t n_switches;
    struct vtep_binding *bindings;
    size_t n_bindings;
};

/* Initializes an empty config: no ports, switches or bindings, VXLAN port
 * 4789, MAC aging 300 s, tunnel MTU 1500. */
void vtep_config_init(struct vtep_config *);
/* Frees everything the config owns (names, arrays, locators) with free();
 * leaves it as vtep_config_init() does.  NULL is a no-op. */
void vtep_config_destroy(struct vtep_config *);

/* Parses "aa:bb:cc:dd:ee:ff" (case-insensitive); false if malformed. */
bool eth_addr_from_string(const char *, struct eth_addr *);

#endif /* vtep/config.h */
