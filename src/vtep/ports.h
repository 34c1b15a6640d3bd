/* vtep ports: which interfaces are seam-vtep's physical ports, and a
 * datapath socket on each one that exists.
 *
 * Two kinds of ports:
 *   - named ones (--port=p0): always ports of the switch (a Physical_Port
 *     row each).  When the interface goes away (`ip link del p0`, or moved
 *     to another namespace) its socket is closed and the port reported
 *     down; when an interface of that name appears again, whatever its
 *     index, a socket is opened on it and frames pass again;
 *   - matched ones (--port-match=tap*, fnmatch(3) patterns): every
 *     interface whose name matches is a port while it exists (a hypervisor's
 *     VM taps, which Nova creates and deletes): it gets a slot when it
 *     appears and loses it when it goes.
 * Each port has a slot (its index in the datapath and in the forwarding
 * configuration), kept while the port is one: a named port keeps its slot
 * for ever, a matched one until its interface goes.
 *
 * vtep_ports_reconcile() compares the ports with the interfaces an ifmon.h
 * table lists and acts on the difference (level-triggered: call it after
 * any change of the table, and now and then to retry what failed).  Opening
 * and handing sockets to the datapath go through 'struct vtep_ports_ops',
 * so that the decisions can be tested without interfaces.  Lines are
 * logged once per change: a named port's interface gone (warning) and
 * back (info), a matched port added or removed (info).
 *
 * An interface's alias (IFLA_IFALIAS, `ip link set tap0 alias ID`) is taken
 * as the port's iface-id (the Neutron port it serves), for the
 * Physical_Port's other_config:iface-id. */
#ifndef SEAM_VTEP_PORTS_H
#define SEAM_VTEP_PORTS_H 1

#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"

struct port_io;
struct vtep_ifmon;
struct vtep_ports;

struct vtep_ports_ops {
    /* Opens a socket on interface 'name' (index 'ifindex'): returns 0 and
     * the port in '*portp', or -errno. */
    int (*open)(void *aux, const char *name, int ifindex, struct port_io **portp);
    /* Gives 'port' (taken; NULL: none) to slot 'slot', replacing (and
     * closing) what it had; 'fresh' if the slot now holds another port
     * than before (a new matched port). */
    void (*set)(void *aux, size_t slot, struct port_io *port, bool fresh);
    /* Whether the socket of 'slot' broke (may be NULL: never). */
    bool (*is_broken)(void *aux, size_t slot);
};

/* A port, read only for callers. */
struct vtep_port_info {
    char *name;                         /* NULL: a free slot. */
    bool matched;                       /* From a pattern (not --port). */
    int ifindex;                        /* Of the interface the socket is
                                         * on; 0: no socket. */
    bool present;                       /* An interface of that name exists. */
    bool up;                            /* It is up and has carrier. */
    bool lost;                          /* Its interface went away since it
                                         * was last opened. */
    bool fresh;                         /* New in its slot, not opened yet. */
    char *iface_id;                     /* The interface's alias, or NULL. */
};

/* Returns a new port set with the 'n_names' named ports 'names' in slots 0
 * .. n_names - 1 (a name given twice gets one slot) and the 'n_patterns'
 * fnmatch() patterns 'patterns' (copied), at most 'max_slots' ports; free
 * it with vtep_ports_destroy().  Nothing is opened before the first
 * vtep_ports_reconcile(). */
struct vtep_ports *vtep_ports_create(const char *const *names, size_t n_names,
                                     const char *const *patterns, size_t n_patterns,
                                     size_t max_slots,
                                     const struct vtep_ports_ops *ops, void *aux);
/* Frees 'ports' (not the sockets it gave away).  NULL is a no-op. */
void vtep_ports_destroy(struct vtep_ports *ports);

/* Brings the ports in line with the interfaces of 'ifmon': opens sockets on
 * interfaces that (re)appeared or whose socket broke, lets go of those of
 * interfaces gone, adds and removes matched ports.  Returns true if the
 * ports' rows should change: a port added or removed, an iface-id changed
 * (a named port gone keeps its row). */
bool vtep_ports_reconcile(struct vtep_ports *ports, const struct vtep_ifmon *ifmon);

/* Slots 0 .. vtep_ports_n_slots() - 1; free ones have a NULL name. */
size_t vtep_ports_n_slots(const struct vtep_ports *);
const struct vtep_port_info *vtep_ports_get(const struct vtep_ports *, size_t slot);
/* Whether the port of 'slot' forwards: its interface exists, is up, and
 * its socket is open and not broken. */
bool vtep_ports_is_healthy(const struct vtep_ports *, size_t slot);
/* The patterns, 'n' of them (borrowed). */
const char *const *vtep_ports_patterns(const struct vtep_ports *, size_t *n);
/* Whether 'name' matches one of the patterns. */
bool vtep_ports_match(const struct vtep_ports *, const char *name);

#endif /* vtep/ports.h */
