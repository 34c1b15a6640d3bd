/* nic_dp: the packet path of seam-sriov-nic: one AF_PACKET socket per port
 * (the PF, and the NIC-side end of each VF's veth pair), frames read from
 * a TPACKET_V2 memory-mapped receive ring (PACKET_MMAP: no syscall per
 * frame or per burst) in bursts of NIC_DP_BURST, with the tag veth's RX
 * VLAN offload moved out of the bytes in the slot header (tp_vlan_tci,
 * tp_vlan_tpid: what PACKET_AUXDATA gives recvmsg()), decided by
 * nic_switch, and written with one sendmmsg() per output port per burst;
 * the ring slots go back to the kernel once their frames are sent.
 * Tags are pushed and stripped by scatter-gather (dst+src, 4 tag bytes, the
 * rest), so a frame is never copied or moved, and one frame can leave
 * tagged to the wire and untagged to VFs.
 *
 * No malloc, log or syscall per packet: buffers and message vectors are
 * allocated once; the clock (vDSO) is read once per burst.  One thread
 * (the caller's event loop): nic_dp does not lock.
 *
 * Ports: 0..n_vfs-1 are the VFs, n_vfs is the PF. */
#ifndef SEAM_NIC_DP_H
#define SEAM_NIC_DP_H 1

#include <stdbool.h>
#include <stdint.h>

#include "lib/util.h"

struct nic_switch;

#define NIC_DP_BURST 32
#define NIC_DP_FRAME_MAX_DEFAULT 2048   /* Bytes per receive buffer. */

struct nic_dp;

/* Opens the sockets of the 'n_vfs' + 1 ports, VF i on interface index
 * 'vf_ifindex[i]', the PF on 'pf_ifindex', with ring slots for frames of
 * 'frame_max' bytes (larger frames are dropped as malformed; a VF's ring
 * holds about 1 MiB of slots, the PF's 2 MiB).  Decisions go
 * through 'sw' (borrowed; it must outlive the datapath).  Returns a new
 * datapath, or NULL after logging; free it with nic_dp_destroy(). */
struct nic_dp *nic_dp_create(struct nic_switch *sw, int pf_ifindex,
                             const int *vf_ifindex, unsigned int n_vfs,
                             uint32_t frame_max);
void nic_dp_destroy(struct nic_dp *);

/* The socket of port 'port', to poll for reading. */
int nic_dp_port_fd(const struct nic_dp *, unsigned int port);

/* Forwards up to 'max_bursts' bursts read from port 'port'.  Returns the
 * number of frames read (0: nothing was waiting).  When the next frame of
 * a VF must wait for its max_tx_rate (nic_switch_vf_tx_wait_ns()), stops
 * there, leaving it in the ring, and stores how long to wait in '*wait_ns'
 * (else 0): the caller stops polling the port that long. */
unsigned int nic_dp_run_port(struct nic_dp *, unsigned int port,
                             unsigned int max_bursts, uint64_t *wait_ns);

/* The frames port 'port''s ring lost because it was full since the last
 * call (the kernel's PACKET_STATISTICS tp_drops, reset by reading). */
uint64_t nic_dp_take_ring_drops(struct nic_dp *, unsigned int port);

#endif /* nic/dp.h */
