/* libFuzzer target: arbitrary frames through seam-sriov-nic's frame path
 * (src/nic/frame.c parse and checksum completion, src/nic/switch.c
 * decisions) and the scatter-gather output the datapath builds from a verdict, re-parsed.
 *
 * Input: byte 0 picks the entry (low 3 bits: VF 0..4, 5..7 the wire; bit 3:
 * the kernel moved a tag out of the frame (aux), bit 4: that tag's TPID is
 * 802.1ad), bytes 1-2 the aux TCI; the rest is the frame.
 * Besides crashes and sanitizer reports, it aborts if a verdict breaks a
 * rule: a frame back to where it came from, a wire frame to the wire, a
 * VST VF's frame on the wire without its tag (VID, PCP, TPID), a tagged
 * frame accepted from a VST VF, a frame to a VF whose link is down or that
 * is not in the frame's VLAN, counters that do not add up, a rate drop
 * right after the shaper said the frame need not wait. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nic/frame.h"
#include "nic/switch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_VFS 5
#define MAX_FRAME 9000

static struct nic_switch sw;
static uint64_t now_ns;

static void
set(unsigned int vf, const char *line)
{
    struct nic_vf_config cfgs[NIC_MAX_VFS];
    char buf[200], err[200], *argv[24];
    int argc = 0;
    for (unsigned int i = 0; i < sw.n_vfs; i++) {
        cfgs[i] = sw.vfs[i].cfg;
    }
    strcpy(buf, line);
    for (char *save, *w = strtok_r(buf, " ", &save); w;
         w = strtok_r(NULL, " ", &save)) {
        argv[argc++] = w;
    }
    if (nic_vf_config_parse(argc, argv, cfgs, sw.n_vfs, err, sizeof err)
        != (int) vf) {
        abort();
    }
    nic_switch_set_vf(&sw, vf, &cfgs[vf]);
}

static void
init(void)
{
    nic_switch_init(&sw, N_VFS);
    nic_switch_set_pf_carrier(&sw, true);
    set(0, "0 mac 02:00:00:00:00:01 vlan 2901 qos 3");
    set(1, "1 mac 02:00:00:00:00:02 vlan 2901 trust on");
    set(2, "2 vlan 0 spoofchk off");
    set(3, "3 mac 02:00:00:00:00:04 vlan 10 proto 802.1ad max_tx_rate 1");
    set(4, "4 mac 02:00:00:00:00:05 vlan 2901 state disable");
}

/* Builds the bytes the datapath would send: dst+src, the tag if any, the
 * rest; re-parses them and checks the tag. */
static void
check_output(const struct nic_frame *f, bool tagged, uint16_t tpid,
             uint16_t tci)
{
    static uint8_t out[MAX_FRAME + 8];
    uint32_t n = 0;
    memcpy(out, f->data, NIC_ETH_MACS_LEN);
    n += NIC_ETH_MACS_LEN;
    if (tagged) {
        nic_frame_put_tag(out + n, tpid, tci);
        n += NIC_VLAN_HEADER_LEN;
    }
    memcpy(out + n, f->rest, f->rest_size);
    n += f->rest_size;
    if (n != NIC_ETH_MACS_LEN + (tagged ? 4 : 0) + f->rest_size) {
        abort();
    }
    struct nic_frame g;
    if (nic_frame_parse(&g, out, n, false, 0, 0)) {
        if (n >= NIC_ETH_HEADER_LEN + NIC_VLAN_HEADER_LEN) {
            abort();                    /* (A stripped frame whose inner
                                         * tag has no ethertype is a runt.) */
        }
        return;
    }
    if (tagged && (!g.tagged || g.tpid != tpid || g.tci != tci)) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sw.n_vfs) {
        init();
    }
    if (size < 3 || size > 3 + MAX_FRAME) {
        return 0;
    }
    unsigned int entry = data[0] & 7;
    bool aux = data[0] & 8;
    uint16_t aux_tpid = data[0] & 16 ? NIC_ETH_TYPE_QINQ : 0;
    uint16_t aux_tci = (uint16_t) (data[1] << 8 | data[2]);
    struct nic_frame f;
    if (nic_frame_parse(&f, data + 3, (uint32_t) (size - 3), aux, aux_tpid,
                        aux_tci)) {
        if (size - 3 >= NIC_ETH_HEADER_LEN + NIC_VLAN_HEADER_LEN) {
            abort();                    /* Long enough is never a runt. */
        }
        return 0;
    }
    if (f.rest < f.data || f.rest + f.rest_size != f.data + f.size) {
        abort();
    }
    now_ns += 1000 + data[0] * 1000ULL;

    struct nic_verdict v;
    uint64_t pf_rx = sw.pf.rx_packets;
    if (entry < N_VFS) {
        const struct nic_vf *vf = &sw.vfs[entry];
        uint64_t tx = vf->c.tx_packets;
        uint64_t rate_drops = vf->c.drops[NIC_DROP_RATE];
        /* The shaper's question, then the decision: no wait, no drop. */
        uint64_t wait = nic_switch_vf_tx_wait_ns(&sw, entry, f.wire_size,
                                                 now_ns);
        nic_switch_from_vf(&sw, entry, &f, now_ns, &v);
        if (!wait && vf->c.drops[NIC_DROP_RATE] != rate_drops) {
            abort();
        }
        if (v.vf_mask & (UINT64_C(1) << entry)) {
            abort();
        }
        bool accepted = vf->c.tx_packets == tx + 1;
        if (!accepted && (v.to_wire || v.vf_mask)) {
            abort();
        }
        if (vf->cfg.vlan && accepted
            && (f.tagged || !v.tagged || v.tpid != vf->cfg.vlan_proto
                || v.tci != nic_frame_tci(vf->cfg.vlan, vf->cfg.qos))) {
            abort();
        }
        if (accepted && !vf->cfg.vlan
            && (v.tagged != f.tagged || (f.tagged && v.tci != f.tci))) {
            abort();
        }
    } else {
        nic_switch_from_wire(&sw, &f, &v);
        if (v.to_wire || sw.pf.rx_packets != pf_rx + 1) {
            abort();
        }
    }
    if (v.vf_mask >> N_VFS) {
        abort();
    }
    uint16_t vid = v.tagged ? v.tci & NIC_VLAN_VID_MASK : 0;
    for (unsigned int j = 0; j < N_VFS; j++) {
        if (!(v.vf_mask & (UINT64_C(1) << j))) {
            continue;
        }
        const struct nic_vf *vf = &sw.vfs[j];
        if (!vf->link_up || (vf->cfg.vlan && (!v.tagged || vid != vf->cfg.vlan
                                              || v.tpid
                                                 != vf->cfg.vlan_proto))) {
            abort();
        }
        check_output(&f, nic_switch_vf_keeps_tag(&sw, j) && v.tagged, v.tpid,
                     v.tci);
    }
    if (v.to_wire) {
        check_output(&f, v.tagged, v.tpid, v.tci);
    }
    /* Checksum completion: on a copy, changes at most 2 bytes. */
    static uint8_t copy[MAX_FRAME];
    memcpy(copy, f.rest, f.rest_size);
    if (!nic_frame_complete_csum(copy, f.rest_size)) {
        unsigned int changed = 0;
        for (uint32_t i = 0; i < f.rest_size; i++) {
            changed += copy[i] != f.rest[i];
        }
        if (changed > 2) {
            abort();
        }
    }
    return 0;
}
