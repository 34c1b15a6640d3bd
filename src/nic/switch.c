/* nic_switch: the VST/VEB decisions of an SR-IOV NIC (see switch.h). */
#include "nic/switch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

#define NS_PER_SEC 1000000000ULL
#define BUCKET_MIN_BYTES 3000ULL        /* Two full frames. */

static const char *const drop_names[NIC_DROP__N] = {
#define NIC_DROP_NAME(E, NAME, DESC) NAME,
    NIC_DROPS(NIC_DROP_NAME)
#undef NIC_DROP_NAME
};

const char *
nic_drop_name(enum nic_drop d)
{
    return d < NIC_DROP__N ? drop_names[d] : "?";
}

const char *
nic_link_state_name(enum nic_link_state s)
{
    return s == NIC_LINK_ENABLE ? "enable"
           : s == NIC_LINK_DISABLE ? "disable" : "auto";
}

void
nic_vf_config_default(struct nic_vf_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->vlan_proto = NIC_ETH_TYPE_VLAN;
    cfg->spoofchk = true;
    cfg->link_state = NIC_LINK_AUTO;
}

static uint64_t
bucket_depth(const struct nic_vf_config *cfg)
{
    /* 10 ms of the rate, in bytes * 1e9. */
    uint64_t rate_bps = (uint64_t) cfg->max_tx_rate * 125000; /* Bytes/s. */
    uint64_t depth = rate_bps / 100;
    return (depth < BUCKET_MIN_BYTES ? BUCKET_MIN_BYTES : depth) * NS_PER_SEC;
}

static void
update_link(struct nic_switch *sw, struct nic_vf *vf)
{
    vf->link_up = !vf->gone
                  && (vf->cfg.link_state == NIC_LINK_ENABLE
                      || (vf->cfg.link_state == NIC_LINK_AUTO
                          && sw->pf_carrier));
}

void
nic_switch_init(struct nic_switch *sw, unsigned int n_vfs)
{
    memset(sw, 0, sizeof *sw);
    sw->n_vfs = n_vfs > NIC_MAX_VFS ? NIC_MAX_VFS : n_vfs;
    for (unsigned int i = 0; i < sw->n_vfs; i++) {
        struct nic_vf_config cfg;
        nic_vf_config_default(&cfg);
        nic_switch_set_vf(sw, i, &cfg);
    }
}

void
nic_switch_set_vf(struct nic_switch *sw, unsigned int i,
                  const struct nic_vf_config *cfg)
{
    struct nic_vf *vf = &sw->vfs[i];
    vf->cfg = *cfg;
    vf->tokens = bucket_depth(cfg);
    vf->last_ns = 0;
    if (!nic_mac_is_zero(cfg->mac)) {
        vf->learned = false;            /* The admin MAC replaces it. */
    }
    update_link(sw, vf);
}

void
nic_switch_set_pf_carrier(struct nic_switch *sw, bool carrier)
{
    sw->pf_carrier = carrier;
    for (unsigned int i = 0; i < sw->n_vfs; i++) {
        update_link(sw, &sw->vfs[i]);
    }
}

void
nic_switch_set_vf_gone(struct nic_switch *sw, unsigned int i)
{
    sw->vfs[i].gone = true;
    update_link(sw, &sw->vfs[i]);
}

bool
nic_switch_vf_link_up(const struct nic_switch *sw, unsigned int i)
{
    return sw->vfs[i].link_up;
}

/* Refills VF 'vf''s bucket up to 'now_ns'. */
static void
bucket_refill(struct nic_vf *vf, uint64_t now_ns)
{
    uint64_t depth = bucket_depth(&vf->cfg);
    if (vf->last_ns && now_ns > vf->last_ns) {
        uint64_t dt = now_ns - vf->last_ns;
        uint64_t rate_bps = (uint64_t) vf->cfg.max_tx_rate * 125000;
        if (dt > NS_PER_SEC) {
            dt = NS_PER_SEC;            /* A full bucket anyway. */
        }
        vf->tokens += dt * rate_bps;
        if (vf->tokens > depth) {
            vf->tokens = depth;
        }
    }
    if (now_ns > vf->last_ns) {
        vf->last_ns = now_ns;
    }
}

/* The tokens a frame of 'size' bytes needs: its size, or the whole bucket
 * when it is bigger than the bucket (so that it passes once, when full). */
static uint64_t
bucket_cost(const struct nic_vf *vf, uint32_t size)
{
    uint64_t cost = (uint64_t) size * NS_PER_SEC;
    uint64_t depth = bucket_depth(&vf->cfg);
    return cost < depth ? cost : depth;
}

/* Takes a frame of 'size' bytes from VF 'vf''s bucket at 'now_ns'; false
 * if there are not enough tokens (the frame is over the rate). */
static bool
bucket_take(struct nic_vf *vf, uint32_t size, uint64_t now_ns)
{
    bucket_refill(vf, now_ns);
    uint64_t cost = bucket_cost(vf, size);
    if (vf->tokens < cost) {
        return false;
    }
    vf->tokens -= cost;
    return true;
}

uint64_t
nic_switch_vf_tx_wait_ns(struct nic_switch *sw, unsigned int i, uint32_t size,
                         uint64_t now_ns)
{
    struct nic_vf *vf = &sw->vfs[i];
    if (!vf->cfg.max_tx_rate) {
        return 0;
    }
    bucket_refill(vf, now_ns);
    uint64_t cost = bucket_cost(vf, size);
    if (vf->tokens >= cost) {
        return 0;
    }
    uint64_t rate_bps = (uint64_t) vf->cfg.max_tx_rate * 125000;
    return (cost - vf->tokens + rate_bps - 1) / rate_bps;
}

static bool
vf_has_mac(const struct nic_vf *vf, const uint8_t *mac)
{
    return (!nic_mac_is_zero(vf->cfg.mac)
            && !memcmp(vf->cfg.mac, mac, NIC_ETH_ADDR_LEN))
           || (vf->learned && !memcmp(vf->learned_mac, mac, NIC_ETH_ADDR_LEN));
}

/* Whether VF 'vf' is in the VLAN of class tag ('tagged', 'tpid', 'vid'). */
static bool
vf_in_vlan(const struct nic_vf *vf, bool tagged, uint16_t tpid, uint16_t vid)
{
    if (!vf->cfg.vlan) {
        return true;                    /* VGT: every VLAN. */
    }
    return tagged && vid == vf->cfg.vlan && tpid == vf->cfg.vlan_proto;
}

static void
deliver(struct nic_vf *vf, unsigned int i, const struct nic_frame *f,
        struct nic_verdict *v)
{
    if (!vf->link_up) {
        vf->c.drops[NIC_DROP_LINK_DOWN]++;
        return;
    }
    v->vf_mask |= UINT64_C(1) << i;
    vf->c.rx_packets++;
    vf->c.rx_bytes += vf->cfg.vlan ? f->size - (f->tag_in_bytes
                                                ? NIC_VLAN_HEADER_LEN : 0)
                                   : f->wire_size;
}

/* Delivers 'f' of class 'v' to the VFs of its VLAN other than 'from'
 * (NIC_MAX_VFS: none): the one owning the unicast destination MAC, else
 * trusted (promiscuous) ones; every one for a group address.  Returns
 * whether a VF owns the destination MAC (a unicast frame then stays in the
 * NIC). */
static bool
switch_to_vfs(struct nic_switch *sw, unsigned int from,
              const struct nic_frame *f, struct nic_verdict *v)
{
    uint16_t vid = v->tagged ? (uint16_t) (v->tci & NIC_VLAN_VID_MASK) : 0;
    bool group = nic_mac_is_group(f->dst);

    if (!group) {
        for (unsigned int j = 0; j < sw->n_vfs; j++) {
            struct nic_vf *vf = &sw->vfs[j];
            if (j != from && vf_in_vlan(vf, v->tagged, v->tpid, vid)
                && vf_has_mac(vf, f->dst)) {
                deliver(vf, j, f, v);
                return true;
            }
        }
    }
    for (unsigned int j = 0; j < sw->n_vfs; j++) {
        struct nic_vf *vf = &sw->vfs[j];
        if (j != from && (group || vf->cfg.trust)
            && vf_in_vlan(vf, v->tagged, v->tpid, vid)) {
            deliver(vf, j, f, v);
        }
    }
    return false;
}

void
nic_switch_from_vf(struct nic_switch *sw, unsigned int i,
                   const struct nic_frame *f, uint64_t now_ns,
                   struct nic_verdict *v)
{
    struct nic_vf *vf = &sw->vfs[i];
    memset(v, 0, sizeof *v);

    if (!vf->link_up) {
        vf->c.drops[NIC_DROP_LINK_DOWN]++;
        return;
    }
    if (vf->cfg.vlan) {
        if (f->tagged) {
            vf->c.drops[NIC_DROP_VLAN]++;   /* VST: the VM may not tag. */
            return;
        }
        v->tagged = true;
        v->tpid = vf->cfg.vlan_proto;
        v->tci = nic_frame_tci(vf->cfg.vlan, vf->cfg.qos);
    } else {
        v->tagged = f->tagged;
        v->tpid = f->tpid;
        v->tci = f->tci;
    }
    if (vf->cfg.spoofchk && !nic_mac_is_zero(vf->cfg.mac)
        && memcmp(f->src, vf->cfg.mac, NIC_ETH_ADDR_LEN)) {
        vf->c.drops[NIC_DROP_SPOOF]++;
        return;
    }
    if (vf->cfg.max_tx_rate && !bucket_take(vf, f->wire_size, now_ns)) {
        vf->c.drops[NIC_DROP_RATE]++;
        return;
    }
    if (!nic_mac_is_group(f->src)
        && (!vf->learned || memcmp(vf->learned_mac, f->src,
                                   NIC_ETH_ADDR_LEN))) {
        memcpy(vf->learned_mac, f->src, NIC_ETH_ADDR_LEN);
        vf->learned = true;
    }
    vf->c.tx_packets++;
    vf->c.tx_bytes += f->wire_size;

    if (!switch_to_vfs(sw, i, f, v)) {
        v->to_wire = true;
        sw->pf.tx_packets++;
        sw->pf.tx_bytes += f->size - (f->tag_in_bytes ? NIC_VLAN_HEADER_LEN
                                                      : 0)
                           + (v->tagged ? NIC_VLAN_HEADER_LEN : 0);
    }
}

void
nic_switch_from_wire(struct nic_switch *sw, const struct nic_frame *f,
                     struct nic_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->tagged = f->tagged;
    v->tpid = f->tpid;
    v->tci = f->tci;
    sw->pf.rx_packets++;
    sw->pf.rx_bytes += f->wire_size;

    if (switch_to_vfs(sw, NIC_MAX_VFS, f, v) || v->vf_mask) {
        return;
    }
    /* Nobody took it.  Count it where an admin would look: on the VF whose
     * MAC it was for, if that VF is on another VLAN; else on the PF. */
    if (!nic_mac_is_group(f->dst)) {
        for (unsigned int j = 0; j < sw->n_vfs; j++) {
            if (vf_has_mac(&sw->vfs[j], f->dst)) {
                sw->vfs[j].c.drops[NIC_DROP_VLAN]++;
                return;
            }
        }
    }
    bool vlan_known = false;
    uint16_t vid = nic_frame_vid(f);
    for (unsigned int j = 0; j < sw->n_vfs; j++) {
        if (vf_in_vlan(&sw->vfs[j], f->tagged, f->tpid, vid)) {
            vlan_known = true;
            break;
        }
    }
    sw->pf.drops[vlan_known ? NIC_DROP_NO_DST : NIC_DROP_VLAN]++;
}

/* ---- ip link's vf syntax ---- */

static int parse_error(char *err, size_t err_size, int ret, const char *fmt,
                       ...) PRINTF_FMT(4, 5);

static int
parse_error(char *err, size_t err_size, int ret, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    if (err_size) {
        vsnprintf(err, err_size, fmt, args);
    }
    va_end(args);
    return ret;
}

static bool
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+') {
        return false;
    }
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static int
parse_onoff(const char *s, bool *out)
{
    if (!strcmp(s, "on")) {
        *out = true;
    } else if (!strcmp(s, "off")) {
        *out = false;
    } else {
        return -EINVAL;
    }
    return 0;
}

int
nic_vf_config_parse(int argc, char *const argv[], struct nic_vf_config *cfgs,
                    unsigned int n_vfs, char *err, size_t err_size)
{
    unsigned long n;
    if (argc < 1 || !parse_uint(argv[0], NIC_MAX_VFS, &n)) {
        return parse_error(err, err_size, -EINVAL, "vf: expected a VF number, "
                           "got \"%s\"", argc < 1 ? "" : argv[0]);
    }
    if (n >= n_vfs) {
        return parse_error(err, err_size, -EINVAL, "vf %lu: no such VF (this "
                           "PF has %u: 0..%u)", n, n_vfs, n_vfs - 1);
    }
    if (argc < 2) {
        return parse_error(err, err_size, -EINVAL, "vf %lu: nothing to set",
                           n);
    }
    struct nic_vf_config c = cfgs[n];
    for (int i = 1; i < argc; i += 2) {
        const char *key = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long u;
        if (!val) {
            return parse_error(err, err_size, -EINVAL, "vf %lu: \"%s\" needs "
                               "a value", n, key);
        }
        if (!strcmp(key, "mac")) {
            if (nic_mac_from_string(val, c.mac) || nic_mac_is_group(c.mac)) {
                return parse_error(err, err_size, -EINVAL, "vf %lu: invalid "
                                   "MAC \"%s\" (a unicast xx:xx:xx:xx:xx:xx)",
                                   n, val);
            }
        } else if (!strcmp(key, "vlan")) {
            if (!parse_uint(val, 4094, &u)) {
                return parse_error(err, err_size, -EINVAL, "vf %lu: invalid "
                                   "vlan \"%s\" (0 to clear, or 1 through "
                                   "4094)", n, val);
            }
            c.vlan = (uint16_t) u;
            c.qos = 0;
            c.vlan_proto = NIC_ETH_TYPE_VLAN;
            while (i + 3 < argc && (!strcmp(argv[i + 2], "qos")
                                    || !strcmp(argv[i + 2], "proto"))) {
                const char *k2 = argv[i + 2], *v2 = argv[i + 3];
                if (!strcmp(k2, "qos")) {
                    if (!parse_uint(v2, 7, &u)) {
                        return parse_error(err, err_size, -EINVAL, "vf %lu: "
                                           "invalid qos \"%s\" (0 through 7)",
                                           n, v2);
                    }
                    c.qos = (uint8_t) u;
                } else if (!strcasecmp(v2, "802.1Q")) {
                    c.vlan_proto = NIC_ETH_TYPE_VLAN;
                } else if (!strcasecmp(v2, "802.1ad")) {
                    c.vlan_proto = NIC_ETH_TYPE_QINQ;
                } else {
                    return parse_error(err, err_size, -EINVAL, "vf %lu: "
                                       "invalid proto \"%s\" (802.1Q or "
                                       "802.1ad)", n, v2);
                }
                i += 2;
            }
            if (!c.vlan && c.qos) {
                return parse_error(err, err_size, -EINVAL, "vf %lu: qos "
                                   "needs a vlan", n);
            }
        } else if (!strcmp(key, "qos") || !strcmp(key, "proto")) {
            return parse_error(err, err_size, -EINVAL, "vf %lu: \"%s\" must "
                               "follow \"vlan VID\" (as in ip link)", n, key);
        } else if (!strcmp(key, "rate") || !strcmp(key, "max_tx_rate")) {
            if (!parse_uint(val, NIC_RATE_MAX_MBPS, &u)) {
                return parse_error(err, err_size, -EINVAL, "vf %lu: invalid "
                                   "%s \"%s\" (Mbit/s, 0 = unlimited; a VF "
                                   "cannot be limited in kbit/s)", n, key,
                                   val);
            }
            c.max_tx_rate = (uint32_t) u;
        } else if (!strcmp(key, "min_tx_rate")) {
            if (!parse_uint(val, NIC_RATE_MAX_MBPS, &u) || u) {
                return parse_error(err, err_size, -EOPNOTSUPP, "vf %lu: "
                                   "min_tx_rate is not supported (only 0)",
                                   n);
            }
        } else if (!strcmp(key, "spoofchk") || !strcmp(key, "trust")) {
            bool b;
            if (parse_onoff(val, &b)) {
                return parse_error(err, err_size, -EINVAL, "vf %lu: %s takes "
                                   "on or off, not \"%s\"", n, key, val);
            }
            *(!strcmp(key, "trust") ? &c.trust : &c.spoofchk) = b;
        } else if (!strcmp(key, "state")) {
            if (!strcmp(val, "auto")) {
                c.link_state = NIC_LINK_AUTO;
            } else if (!strcmp(val, "enable")) {
                c.link_state = NIC_LINK_ENABLE;
            } else if (!strcmp(val, "disable")) {
                c.link_state = NIC_LINK_DISABLE;
            } else {
                return parse_error(err, err_size, -EINVAL, "vf %lu: state "
                                   "takes auto, enable or disable, not "
                                   "\"%s\"", n, val);
            }
        } else {
            return parse_error(err, err_size, -EINVAL, "vf %lu: unknown or "
                               "unsupported setting \"%s\"", n, key);
        }
    }
    cfgs[n] = c;
    return (int) n;
}
