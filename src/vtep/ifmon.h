/* vtep ifmon: the network interfaces and IPv4 addresses of seam-vtep's
 * namespace, followed through rtnetlink (libmnl; rtnetlink(7)).
 *
 * It keeps a table of the links (index, name, flags, alias) and of the IPv4
 * addresses, filled by a dump at start (RTM_GETLINK, RTM_GETADDR) and kept
 * current by the RTMGRP_LINK and RTMGRP_IPV4_IFADDR notifications.  Users
 * read the table (level-triggered: "what is there now"), not the stream of
 * events, so that a lost notification (the socket's buffer overran:
 * ENOBUFS) is repaired by dumping again, and an interface renamed or
 * deleted and recreated under another index is simply what the table says.
 * After each batch of messages that changed something, the 'changed'
 * callback runs once.
 *
 * The parsing (vtep_ifmon_feed()) takes bytes and has no I/O, for tests;
 * vtep_ifmon_open() adds the socket and its libevent event.
 *
 * Errors: 0 or -errno.  One thread (the control thread's loop). */
#ifndef SEAM_VTEP_IFMON_H
#define SEAM_VTEP_IFMON_H 1

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"

struct event_base;
struct vtep_ifmon;

#define VTEP_IFMON_ALIAS_MAX 256        /* IFALIASZ. */

struct vtep_ifmon_link {
    int ifindex;
    char name[IF_NAMESIZE];
    char alias[VTEP_IFMON_ALIAS_MAX];   /* IFLA_IFALIAS ("ip link set X alias
                                         * A"), "" if none. */
    unsigned int flags;                 /* IFF_*. */
};

typedef void vtep_ifmon_changed_cb(void *aux);

/* Returns a new, empty monitor without a socket (feed it with
 * vtep_ifmon_feed()); 'changed' (may be NULL) runs after a feed that
 * changed the table.  Free it with vtep_ifmon_destroy(). */
struct vtep_ifmon *vtep_ifmon_create(vtep_ifmon_changed_cb *changed, void *aux);
/* Opens the netlink socket on 'base' and fills the table from a dump (the
 * callback runs once).  Returns 0 or -errno. */
int vtep_ifmon_open(struct vtep_ifmon *, struct event_base *base) WARN_UNUSED;
/* Closes the socket and frees the table.  NULL is a no-op. */
void vtep_ifmon_destroy(struct vtep_ifmon *);

/* Takes the 'size' bytes of netlink messages at 'buf' (RTM_NEWLINK,
 * RTM_DELLINK, RTM_NEWADDR, RTM_DELADDR; others ignored) into the table
 * and, if it changed, runs the callback.  Returns whether it changed. */
bool vtep_ifmon_feed(struct vtep_ifmon *, const void *buf, size_t size);

/* The link named 'name', or NULL; borrowed, valid until the next change. */
const struct vtep_ifmon_link *vtep_ifmon_find(const struct vtep_ifmon *,
                                              const char *name);
/* The link with index 'ifindex', or NULL (same lifetime). */
const struct vtep_ifmon_link *vtep_ifmon_find_index(const struct vtep_ifmon *,
                                                    int ifindex);
/* The links: vtep_ifmon_link_at(m, 0 .. vtep_ifmon_n_links(m) - 1), in no
 * particular order (same lifetime). */
size_t vtep_ifmon_n_links(const struct vtep_ifmon *);
const struct vtep_ifmon_link *vtep_ifmon_link_at(const struct vtep_ifmon *,
                                                 size_t i);
/* The index of the link that has IPv4 address 'addr', or 0. */
int vtep_ifmon_addr_ifindex(const struct vtep_ifmon *, struct in_addr addr);
/* Whether 'link' is up and has carrier (IFF_UP and IFF_RUNNING). */
bool vtep_ifmon_link_is_up(const struct vtep_ifmon_link *);

#endif /* vtep/ifmon.h */
