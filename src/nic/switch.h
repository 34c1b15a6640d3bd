/* nic_switch: what an SR-IOV NIC in VST mode decides for each frame, with
 * no I/O (the model of seam-sriov-nic; the datapath in dp.c applies it).
 *
 * One PF (the wire) and up to NIC_MAX_VFS virtual functions, each with the
 * settings `ip link set PF vf N ...` gives a real VF (ip-link(8)):
 *   mac       the VF's MAC (00:00:00:00:00:00 = not set by the admin);
 *   vlan/qos  VST: frames from the VF get an 802.1Q tag (VID 'vlan', PCP
 *             'qos', TPID 'vlan_proto') on the wire, frames for it lose
 *             theirs; a VF may not tag its own frames (dropped, "vlan");
 *             vlan 0 = no port VLAN (VGT: the VF's own tags pass as they
 *             are and it sees every VLAN: VLAN filtering is off);
 *   spoofchk  the VF sends only from its MAC (others dropped, "spoof");
 *   trust     the VF may be promiscuous: it also gets unicast frames for
 *             MACs no VF owns, on its VLAN;
 *   state     link state: auto (follows the PF's carrier), enable,
 *             disable; frames to or from a VF whose link is down are
 *             dropped ("link_down");
 *   max_tx_rate  Mbit/s, 0 = unlimited: a token bucket (depth 10 ms of the
 *             rate, at least 3000 bytes) shapes what the VF sends: the
 *             datapath asks nic_switch_vf_tx_wait_ns() before each frame
 *             and leaves it queued (in its receive ring, the VF's "TX
 *             queue") until it fits; a frame that comes anyway without the
 *             tokens is dropped ("rate"), as is what overflows the queue.
 *             Mbit/s is the unit of the kernel's IFLA_VF_RATE: finer
 *             (kbit/s) QoS cannot be expressed on a VF.
 *
 * The embedded switch (VEB): a unicast frame from a VF to the MAC of
 * another VF in the same VLAN is switched inside the NIC and never reaches
 * the wire; a broadcast or multicast frame goes to the wire and to every
 * other VF of the VLAN; unicast to any other MAC goes to the wire only.
 * A VF's MAC for the VEB is its admin MAC, plus the last source MAC it
 * sent from (so a VF whose MAC the admin never set is found, as a real VF
 * driver registers its random MAC).
 *
 * Counters per VF, in the VF's own terms (ip -s link: "TX" = sent by the
 * VM), and per PF (rx = from the wire); drops by reason (NIC_DROPS).
 * A nic_switch is plain memory (no pointers, no allocation), used by one
 * thread; the caller passes the time. */
#ifndef SEAM_NIC_SWITCH_H
#define SEAM_NIC_SWITCH_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic/frame.h"

struct nic_frame;

#define NIC_MAX_VFS 64                  /* vf_mask is a uint64_t. */
#define NIC_RATE_MAX_MBPS 400000        /* Sanity bound on max_tx_rate. */

enum nic_link_state {
    NIC_LINK_AUTO,                      /* The PF's carrier. */
    NIC_LINK_ENABLE,                    /* Always up. */
    NIC_LINK_DISABLE                    /* Always down. */
};

/* Drop reasons: X(ENUM, name, description), listed once. */
#define NIC_DROPS(X)                                                       \
    X(SPOOF, "spoof", "sent from a MAC that is not the VF's (spoofchk)")   \
    X(VLAN, "vlan", "tagged by a VST VF, or of a VLAN that is not the VF's") \
    X(RATE, "rate", "over the VF's max_tx_rate")                           \
    X(LINK_DOWN, "link_down", "to or from a VF whose link is down")        \
    X(OVERRUN, "overrun", "lost before the NIC read it (receive ring full)") \
    X(NO_DST, "no_dst", "unicast from the wire to a MAC no VF has")        \
    X(MALFORMED, "malformed", "runt, or bigger than the frame buffers")    \
    X(TX_ERROR, "tx_error", "the kernel refused to send it")

enum nic_drop {
#define NIC_DROP_ENUM(E, NAME, DESC) NIC_DROP_##E,
    NIC_DROPS(NIC_DROP_ENUM)
#undef NIC_DROP_ENUM
    NIC_DROP__N
};

/* The name of drop reason 'd' ("spoof", ...). */
const char *nic_drop_name(enum nic_drop d);

struct nic_vf_config {
    uint8_t mac[NIC_ETH_ADDR_LEN];      /* All zero: not set. */
    uint16_t vlan;                      /* 0: none (VGT), else 1..4094. */
    uint8_t qos;                        /* PCP 0..7 of the pushed tag. */
    uint16_t vlan_proto;                /* TPID: 0x8100 or 0x88a8. */
    bool spoofchk;                      /* Default on, as most drivers. */
    bool trust;                         /* Default off. */
    enum nic_link_state link_state;     /* Default auto. */
    uint32_t max_tx_rate;               /* In Mbit/s; 0: unlimited. */
};

struct nic_counters {
    uint64_t rx_packets;                /* VF: delivered to it; PF: from
                                         * the wire. */
    uint64_t rx_bytes;
    uint64_t tx_packets;                /* VF: accepted from it; PF: sent
                                         * to the wire. */
    uint64_t tx_bytes;
    uint64_t drops[NIC_DROP__N];
    uint64_t csum_fixed;                /* Partial TCP/UDP checksums
                                         * completed on the way in. */
};

struct nic_vf {
    struct nic_vf_config cfg;
    bool link_up;                       /* Effective, from 'cfg', the
                                         * PF's carrier and 'gone'. */
    bool gone;                          /* Its interface vanished. */
    bool learned;                       /* 'learned_mac' is valid. */
    uint8_t learned_mac[NIC_ETH_ADDR_LEN];
    uint64_t tokens;                    /* Token bucket, in bytes * 1e9. */
    uint64_t last_ns;                   /* Last refill, monotonic ns. */
    struct nic_counters c;
};

struct nic_switch {
    unsigned int n_vfs;
    bool pf_carrier;
    struct nic_vf vfs[NIC_MAX_VFS];
    struct nic_counters pf;
};

/* Where a frame goes.  VST VFs in 'vf_mask' get it untagged; the wire and
 * VGT VFs get it with the class tag ('tagged', 'tpid', 'tci') or untagged
 * when 'tagged' is false. */
struct nic_verdict {
    uint64_t vf_mask;                   /* Bit i: deliver to VF i. */
    bool to_wire;
    bool tagged;
    uint16_t tpid;
    uint16_t tci;
};

/* Initializes 'sw' with 'n_vfs' (1..NIC_MAX_VFS) VFs at their defaults
 * and the PF's carrier down. */
void nic_switch_init(struct nic_switch *sw, unsigned int n_vfs);

/* The default settings of a VF (no MAC, no VLAN, spoofchk on, trust off,
 * link auto, no rate limit). */
void nic_vf_config_default(struct nic_vf_config *cfg);

/* Applies 'cfg' to VF 'vf' (< n_vfs; 'cfg' validated by
 * nic_vf_config_parse()).  Counters and the learned MAC are kept; the
 * token bucket starts full. */
void nic_switch_set_vf(struct nic_switch *sw, unsigned int vf,
                       const struct nic_vf_config *cfg);

/* Sets the PF's carrier, which VFs in link state auto follow. */
void nic_switch_set_pf_carrier(struct nic_switch *sw, bool carrier);

/* Marks VF 'vf''s interface as vanished (its veth pair was deleted, e.g.
 * with its VM's namespace): its link is down from now on. */
void nic_switch_set_vf_gone(struct nic_switch *sw, unsigned int vf);

/* Whether VF 'vf''s link is up (its settings and the PF's carrier). */
bool nic_switch_vf_link_up(const struct nic_switch *sw, unsigned int vf);

/* How long VF 'vf' must wait, at monotonic time 'now_ns', before it may
 * send a frame of 'size' bytes (0: now; always 0 without max_tx_rate).
 * Takes no tokens. */
uint64_t nic_switch_vf_tx_wait_ns(struct nic_switch *sw, unsigned int vf,
                                  uint32_t size, uint64_t now_ns);

/* Whether frames for VF 'vf' keep the class tag (VGT) rather than lose it. */
static inline bool
nic_switch_vf_keeps_tag(const struct nic_switch *sw, unsigned int vf)
{
    return sw->vfs[vf].cfg.vlan == 0;
}

/* Decides where frame 'f', sent by VF 'vf' at monotonic time 'now_ns',
 * goes; fills '*v' and counts (the VF's tx or a drop; the receivers' rx).
 * A dropped frame gives an empty verdict. */
void nic_switch_from_vf(struct nic_switch *sw, unsigned int vf,
                        const struct nic_frame *f, uint64_t now_ns,
                        struct nic_verdict *v);

/* The same for frame 'f' received from the wire (never back to the wire). */
void nic_switch_from_wire(struct nic_switch *sw, const struct nic_frame *f,
                          struct nic_verdict *v);

/* Parses the arguments of ip link's "vf" clause: 'argv[0]' is the VF
 * number, then keyword-value pairs: mac MAC | vlan VID [qos N]
 * [proto 802.1Q|802.1ad] | rate MBPS | max_tx_rate MBPS | min_tx_rate 0 |
 * spoofchk on|off | trust on|off | state auto|enable|disable.  As ip link
 * does, "vlan" without "qos" sets qos 0.  '*cfgs' are the current settings
 * of the 'n_vfs' VFs: the named VF's copy is changed in place, others are
 * untouched.  Returns the VF number, or -EINVAL with a message in 'err'
 * (of 'err_size' bytes) and '*cfgs' unchanged. */
int nic_vf_config_parse(int argc, char *const argv[],
                        struct nic_vf_config *cfgs, unsigned int n_vfs,
                        char *err, size_t err_size);

/* The name of link state 's' ("auto", "enable", "disable"). */
const char *nic_link_state_name(enum nic_link_state s);

#endif /* nic/switch.h */
