/* nic_nl: the rtnetlink and ethtool work of seam-sriov-nic: veth pairs for
 * the VFs, admin up/down (a VF's link state as its VM sees it: a veth whose
 * peer is down has no carrier), a VF's MAC written to its netdev even
 * after it moved into a VM's namespace (the peer's namespace id from
 * IFLA_LINK_NETNSID, matched against the named namespaces of /run/netns
 * with RTM_GETNSID; then setns() there and SIOCSIFHWADDR), transmit
 * checksum offload off on a new VF netdev (frames read by AF_PACKET must
 * carry complete checksums and no GSO), IPv6 off on the interfaces the NIC
 * owns (so the host's own stack says nothing on the wire), and a monitor
 * of link changes (RTMGRP_LINK) for the PF's carrier.
 *
 * Blocking request/answer on a private NETLINK_ROUTE socket; the monitor is
 * a second socket whose fd the caller polls.  Errors: 0 or -errno. */
#ifndef SEAM_NIC_NETLINK_H
#define SEAM_NIC_NETLINK_H 1

#include <stdbool.h>
#include <stdint.h>

#include "lib/util.h"

struct nic_nl;

/* What nic_nl_link_get() reports on one interface. */
struct nic_nl_link {
    int ifindex;
    unsigned int flags;                 /* IFF_UP, IFF_LOWER_UP, ... */
    int peer_ifindex;                   /* veth: the peer's (IFLA_LINK), or 0. */
    int peer_netnsid;                   /* Its namespace's id as seen from
                                         * ours, or -1: our namespace. */
};

/* Returns a new handle (monitor included), or NULL after logging; free it
 * with nic_nl_destroy(). */
struct nic_nl *nic_nl_create(void);
void nic_nl_destroy(struct nic_nl *);

/* Creates the veth pair 'name' <-> 'peer', both down. */
int nic_nl_veth_create(struct nic_nl *, const char *name, const char *peer)
    WARN_UNUSED;
/* Deletes interface 'name' (and a veth's peer with it). */
int nic_nl_link_del(struct nic_nl *, const char *name);
/* Reads interface 'name' of our namespace into '*link'. */
int nic_nl_link_get(struct nic_nl *, const char *name,
                    struct nic_nl_link *link) WARN_UNUSED;
/* Sets interface 'ifindex' administratively up or down. */
int nic_nl_link_set_up(struct nic_nl *, int ifindex, bool up) WARN_UNUSED;
/* Sets the MAC of interface 'ifindex' of namespace 'netnsid' (-1: ours;
 * others must be named namespaces, in /run/netns: -ENOENT otherwise). */
int nic_nl_link_set_mac(struct nic_nl *, int ifindex, int netnsid,
                        const uint8_t mac[6]) WARN_UNUSED;

/* Turns transmit checksum offload (and so TSO) off on 'name'. */
int nic_nl_tx_csum_off(const char *name) WARN_UNUSED;
/* Writes 1 to /proc/sys/net/ipv6/conf/NAME/disable_ipv6 (no error if IPv6
 * is absent). */
int nic_nl_ipv6_off(const char *name);

/* The monitor's fd (readable when link changes are queued). */
int nic_nl_monitor_fd(const struct nic_nl *);
/* Reads what is queued on the monitor, calling 'cb(ifindex, flags, aux)'
 * for each RTM_NEWLINK of our namespace (flags 0 for RTM_DELLINK).
 * Returns 0, or -errno (-ENOBUFS: events were lost; re-read the links). */
int nic_nl_monitor_run(struct nic_nl *,
                       void (*cb)(int ifindex, unsigned int flags, void *aux),
                       void *aux);

#endif /* nic/netlink.h */
