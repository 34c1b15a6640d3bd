/* nic: one emulated SR-IOV NIC (a PF and its VFs) as seam-sriov-nic runs
 * it: the interfaces (veth pairs made or adopted), the switch model
 * (switch.h), the datapath (dp.h) on the caller's libevent loop, the PF's
 * carrier followed through rtnetlink, and the commands of the control
 * socket ("set PF vf N ...", "show"), which mirror ip link.
 *
 * VF i is a veth pair: the VF netdev, which goes to the VM (moved into its
 * namespace), and the NIC's end, which seam-sriov-nic reads and writes.
 * With 'num_vfs', the pairs are made at start, named PFv<i> (the VF
 * netdev) and PFr<i> (the NIC's end), and deleted at exit; with 'vf_ifnames'
 * the NIC's ends exist already (their peers are the VF netdevs) and are
 * left alone at exit.
 *
 * Errors: nic_create() returns NULL after logging; commands return 0 or
 * -errno with a message in the output. */
#ifndef SEAM_NIC_NIC_H
#define SEAM_NIC_NIC_H 1

#include <stddef.h>
#include <stdint.h>

struct ds;
struct event_base;

struct nic_options {
    const char *pf;                     /* The PF's interface name. */
    unsigned int num_vfs;               /* Make this many VFs, or 0. */
    char **vf_ifnames;                  /* Or adopt these (NIC-side ends). */
    size_t n_vf_ifnames;
    const char *config_file;            /* "vf N ..." lines, or NULL. */
    uint32_t frame_max;                 /* Receive buffer bytes, or 0. */
};

struct nic;

/* Sets up the NIC described by 'opts' (borrowed during the call) on
 * 'base'.  Returns a new NIC; free it with nic_destroy() before 'base'. */
struct nic *nic_create(const struct nic_options *opts,
                       struct event_base *base);
/* Stops the datapath, deletes the VFs it made, frees everything.  NULL is
 * a no-op. */
void nic_destroy(struct nic *);

/* Runs control command 'argv' ('argc' words), appending its output to
 * 'out'.  Returns 0 or -errno (the output then says why). */
int nic_command(struct nic *, int argc, char **argv, struct ds *out);

#endif /* nic/nic.h */
