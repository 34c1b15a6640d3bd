/* desired: what every VTEP should hold, computed from the northbound
 * database (seam_nb) and what the VTEPs report (their learned MACs), sans
 * I/O.  The reconciler (reconcile.c) computes a 'struct desired' whenever
 * the intent or a VTEP changes and hands each VTEP's part to vtepdiff.c,
 * which turns the difference with that VTEP's replica into operations.
 *
 * The rules (PLAN.md "NB conventions", docs/seamd.md):
 *  - A VTEP touches a network when something of the network is bound on it:
 *    an L2 gateway connection (L2_Gateway_Interface.device_name = the VTEP
 *    name), an SR-IOV port (vnic_type direct, macvtap, direct-physical)
 *    through the Host_Link of its host on a physical network of the
 *    network's vlan/flat segments (static links win over lldp), a bare-metal
 *    port through its local_link_information (switch_info or switch_id = the
 *    VTEP name), or a VM port (any other vnic_type) on the hypervisor VTEP
 *    whose 'host' (default: its name) is the port's binding_host_id.
 *  - On each VTEP: one Logical_Switch per network it touches, named by the
 *    network's UUID, tunnel_key = Network.vni; the VLAN bindings above (VM
 *    ports and bare metal on VLAN 0, on the Physical_Port named "tap" + the
 *    first 11 characters of the port id, or whose other_config:iface-id is
 *    the port id); a remote MAC for every MAC of the network located on
 *    another VTEP (NB ports first, with their IPv4 address for ARP
 *    suppression, then the other VTEPs' Ucast_Macs_Local); and unknown-dst
 *    flooding to the tunnel IP of every other VTEP of the network.
 *
 * Ownership: desired_compute() returns a new 'struct desired'; free it with
 * desired_destroy().  Everything in it is owned by it. */
#ifndef SEAM_CONTROLLER_DESIRED_H
#define SEAM_CONTROLLER_DESIRED_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/hmap.h"
#include "lib/uuid.h"

struct ovsdb_db;

/* Where a desired row comes from, to put a VTEP's refusal on the right NB
 * rows. */
enum desired_source_kind {
    DESIRED_SRC_PORT,               /* A Port. */
    DESIRED_SRC_L2GW_CONN           /* An L2_Gateway_Connection. */
};

struct desired_vtep;

/* A MAC of a network and the VTEP where it is: a remote MAC on every other
 * VTEP of the network. */
struct desired_mac {
    struct hmap_node node;          /* In desired_net.macs, by hash of 'mac'. */
    char mac[18];                   /* "aa:bb:cc:dd:ee:ff", lower case. */
    char *ipaddr;                   /* "" for none. */
    char *locator;                  /* Tunnel IPv4 of the VTEP holding it. */
    const struct desired_vtep *where;
};

/* A network that some VTEP touches.  Its MACs are kept once, not once per
 * VTEP: the remote MACs of a VTEP's switch are those whose 'where' is
 * another VTEP (desired_find_mac(), DESIRED_LS_FOR_EACH_MAC). */
struct desired_net {
    struct hmap_node node;          /* In desired.nets, by name. */
    char name[UUID_LEN + 1];        /* The network's UUID. */
    struct hmap macs;               /* "struct desired_mac"s: NB ports first,
                                     * then learned; one location each. */
    const char **members;           /* Names of the VTEPs touching it */
    size_t n_members;               /* (borrowed from their desired_vtep). */
    const char **ips;               /* Their tunnel IPs: sorted, unique, */
    size_t n_ips;                   /* borrowed. */
    uint64_t fingerprint;           /* Of 'macs'. */
};

/* One Logical_Switch of a VTEP. */
struct desired_ls {
    struct hmap_node node;          /* In desired_vtep.switches, by name. */
    char name[UUID_LEN + 1];        /* The network's UUID. */
    struct uuid network;
    int64_t tunnel_key;             /* The network's VNI. */
    const char **flood;             /* Tunnel IPs of the other VTEPs of the */
    size_t n_flood;                 /* network: sorted, unique (borrowed
                                     * from 'net'). */
    const struct desired_net *net;  /* Its MACs. */
    const struct desired_vtep *vtep;    /* The VTEP it is on. */
    /* A hash of what vtepdiff reads for this switch (itself, its flood
     * list, its network's MACs, the VTEP's bindings to it): equal
     * fingerprints mean (all but certainly) equal desired rows, so a
     * switch whose fingerprint did not change need not be diffed again. */
    uint64_t fingerprint;
};

/* Iterates over the remote MACs of switch 'LS' (a 'struct desired_mac *'
 * in 'M'). */
#define DESIRED_LS_FOR_EACH_MAC(M, LS)                                        \
    HMAP_FOR_EACH (M, node, &(LS)->net->macs)                                \
        if ((M)->where != (LS)->vtep)

/* One (Physical_Port, VLAN) -> switch binding. */
struct desired_binding {
    struct hmap_node node;          /* In desired_vtep.bindings. */
    char *port;                     /* Physical_Port name. */
    int vlan;                       /* 0..4095; 0 = untagged. */
    char ls[UUID_LEN + 1];          /* Switch (network UUID). */
    enum desired_source_kind kind;
    struct uuid source;             /* The NB row it comes from. */
};

struct desired_vtep {
    struct hmap_node node;          /* In desired.vteps, by name. */
    char *name;                     /* VTEP.name = Physical_Switch name. */
    struct uuid nb_uuid;            /* Its VTEP row. */
    char *tunnel_ip;                /* NULL if unknown. */
    struct hmap switches;           /* "struct desired_ls"s. */
    struct hmap bindings;           /* "struct desired_binding"s. */
};

/* What the reconciler writes back on a Port. */
struct desired_port {
    struct hmap_node node;          /* In desired.ports, by uuid. */
    struct uuid uuid;
    char **vteps;                   /* Names of the VTEPs where it is bound. */
    size_t n_vteps;
    /* The network its MAC is published in, or NULL: it touches the VTEPs
     * of that network too ('net->members'). */
    const struct desired_net *net;
    char *problem;                  /* Why it is not bound, or NULL. */
};

/* An NB row (Port, L2_Gateway_Connection) that wants a VLAN of a VTEP port
 * that another network holds. */
struct desired_conflict {
    struct uuid source;
    char *text;                     /* What it lacks, for its status. */
};

struct desired {
    struct hmap vteps;              /* "struct desired_vtep"s. */
    struct hmap ports;              /* "struct desired_port"s, every Port. */
    struct hmap nets;               /* "struct desired_net"s. */
    struct desired_conflict *conflicts;
    size_t n_conflicts;
};

/* What desired_compute() needs to know of a VTEP's session. */
struct desired_vtep_info {
    /* The VTEP's replica when its session is synced, else NULL: learned
     * MACs, its Physical_Switch tunnel_ips (when the NB has no tunnel_ip)
     * and its ports' other_config:iface-id are read from it. */
    const struct ovsdb_db *db;
    /* Its last known tunnel IP (from an earlier session) or NULL. */
    const char *tunnel_ip;
};
typedef void desired_vtep_info_func(void *aux, const char *vtep_name,
                                    struct desired_vtep_info *);

/* Returns a new 'struct desired' computed from 'nb' (a seam_nb database)
 * for every VTEP row of 'nb'; 'info' (may be NULL) tells what each VTEP's
 * session knows. */
struct desired *desired_compute(const struct ovsdb_db *nb,
                                desired_vtep_info_func *info, void *aux);
void desired_destroy(struct desired *);

struct desired_vtep *desired_find_vtep(const struct desired *, const char *name);
struct desired_ls *desired_find_ls(const struct desired_vtep *, const char *name);
struct desired_mac *desired_find_mac(const struct desired_ls *, const char *mac);
struct desired_binding *desired_find_binding(const struct desired_vtep *,
                                             const char *port, int vlan);
struct desired_port *desired_find_port(const struct desired *, const struct uuid *);
/* Why NB row 'source' lacks a binding another network holds, or NULL. */
const char *desired_conflict(const struct desired *, const struct uuid *source);

/* The Physical_Switch named 'vtep_name' in a hardware_vtep database, or
 * NULL. */
const struct ovsdb_row *desired_physical_switch(const struct ovsdb_db *vtep,
                                                const char *vtep_name);

/* The Physical_Port named 'name' of Physical_Switch row 'ps' (may be NULL)
 * of hardware_vtep database 'vtep', or NULL. */
const struct ovsdb_row *desired_switch_port(const struct ovsdb_db *vtep,
                                            const struct ovsdb_row *ps, const char *name);

/* If 'vtep' serves Physical_Switches but none named 'vtep_name' (the VTEP's
 * target reaches another switch), the name of one of them; else NULL. */
const char *desired_foreign_switch(const struct ovsdb_db *vtep, const char *vtep_name);

/* Lower-cases 'mac' into 'out' if it is a MAC address "xx:xx:xx:xx:xx:xx";
 * returns false (and leaves 'out' unspecified) otherwise. */
bool desired_normalize_mac(const char *mac, char out[18]);

#endif /* controller/desired.h */
