/* nic: one emulated SR-IOV NIC on a libevent loop (see nic.h). */
#include "nic/nic.h"

#include <errno.h>
#include <event2/event.h>
#include <jansson.h>
#include <linux/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ds.h"
#include "lib/log.h"
#include "lib/util.h"
#include "nic/dp.h"
#include "nic/frame.h"
#include "nic/netlink.h"
#include "nic/switch.h"

LOG_MODULE(nic);

#define MAX_BURSTS_PER_WAKEUP 8         /* 256 frames, then others' turn. */
#define MAX_WORDS 64                    /* Per command or config line. */

struct nic_port_event {
    struct nic *nic;
    unsigned int port;
    struct event *ev;                   /* Readable. */
    struct event *timer;                /* End of a max_tx_rate wait. */
    bool throttled;                     /* 'ev' is off until 'timer'. */
};

struct nic_vf_if {
    char name[IFNAMSIZ];                /* The NIC's end. */
    char vf_netdev[IFNAMSIZ];           /* The VF netdev, if we made it. */
    int ifindex;
    bool made;                          /* We created the pair. */
    bool admin_up;                      /* What we last set. */
};

struct nic {
    struct event_base *base;            /* Borrowed. */
    char pf[IFNAMSIZ];
    int pf_ifindex;
    unsigned int n_vfs;
    struct nic_vf_if *vfs;
    struct nic_switch sw;
    struct nic_vf_config cfgs[NIC_MAX_VFS]; /* As last set (== sw's). */
    struct nic_nl *nl;
    struct nic_dp *dp;
    struct nic_port_event *port_evs;    /* n_vfs + 1. */
    struct event *nl_ev;
};

static void apply_links(struct nic *);

/* Adds what port 'p''s ring lost since the last look to its counters:
 * "rate" when the port was held back by max_tx_rate (its queue
 * overflowed), "overrun" otherwise. */
static void
count_ring_drops(struct nic *nic, unsigned int p)
{
    uint64_t n = nic_dp_take_ring_drops(nic->dp, p);
    if (n) {
        struct nic_counters *c = p < nic->n_vfs ? &nic->sw.vfs[p].c
                                                : &nic->sw.pf;
        c->drops[nic->port_evs[p].throttled ? NIC_DROP_RATE
                                            : NIC_DROP_OVERRUN] += n;
    }
}

static void
port_run(struct nic_port_event *pe)
{
    uint64_t wait_ns;
    nic_dp_run_port(pe->nic->dp, pe->port, MAX_BURSTS_PER_WAKEUP, &wait_ns);
    if (wait_ns) {
        /* The VF's next frame is over its rate: leave it in the ring (its
         * TX queue) and look again when the tokens are there. */
        struct timeval tv = {
            .tv_sec = (time_t) (wait_ns / 1000000000ULL),
            .tv_usec = (suseconds_t) ((wait_ns % 1000000000ULL + 999) / 1000),
        };
        event_del(pe->ev);
        evtimer_add(pe->timer, &tv);
        pe->throttled = true;
    }
}

static void
port_cb(evutil_socket_t fd, short what, void *aux)
{
    port_run(aux);
}

static void
port_timer_cb(evutil_socket_t fd, short what, void *aux)
{
    struct nic_port_event *pe = aux;
    count_ring_drops(pe->nic, pe->port);
    pe->throttled = false;
    event_add(pe->ev, NULL);
    port_run(pe);
}

static void
set_pf_carrier(struct nic *nic, unsigned int flags)
{
    bool carrier = (flags & IFF_UP) && (flags & IFF_LOWER_UP);
    if (carrier != nic->sw.pf_carrier) {
        log_info("%s: carrier %s", nic->pf, carrier ? "up" : "down");
        nic_switch_set_pf_carrier(&nic->sw, carrier);
        apply_links(nic);
    }
}

static void
link_event(int ifindex, unsigned int flags, void *aux)
{
    struct nic *nic = aux;
    if (ifindex == nic->pf_ifindex) {
        set_pf_carrier(nic, flags);
        return;
    }
    for (unsigned int i = 0; !flags && i < nic->n_vfs; i++) {
        if (nic->vfs[i].ifindex == ifindex && !nic->sw.vfs[i].gone) {
            log_warn("vf %u (%s): the interface vanished (deleted with its "
                     "VM's namespace?); the VF stays down", i,
                     nic->vfs[i].name);
            nic_switch_set_vf_gone(&nic->sw, i);
            nic->vfs[i].admin_up = false;
        }
    }
}

static void
nl_cb(evutil_socket_t fd, short what, void *aux)
{
    struct nic *nic = aux;
    int err = nic_nl_monitor_run(nic->nl, link_event, nic);
    if (err == -ENOBUFS) {
        /* Lost events: read the PF's state again. */
        struct nic_nl_link link;
        if (!nic_nl_link_get(nic->nl, nic->pf, &link)) {
            set_pf_carrier(nic, link.flags);
        }
    }
}

/* Makes each VF's NIC-side end up or down as its effective link state
 * says: the VM's end then shows carrier or NO-CARRIER, as a real VF's
 * driver shows its link. */
static void
apply_links(struct nic *nic)
{
    for (unsigned int i = 0; i < nic->n_vfs; i++) {
        struct nic_vf_if *v = &nic->vfs[i];
        bool up = nic_switch_vf_link_up(&nic->sw, i);
        if (up == v->admin_up || nic->sw.vfs[i].gone) {
            continue;
        }
        int err = nic_nl_link_set_up(nic->nl, v->ifindex, up);
        if (err) {
            log_err("vf %u (%s): cannot set link %s: %s; its link state "
                    "stays as it was", i, v->name, up ? "up" : "down",
                    strerror(-err));
            continue;
        }
        v->admin_up = up;
        log_info("vf %u (%s): link %s", i, v->name, up ? "up" : "down");
    }
}

/* Writes VF 'i''s admin MAC to its netdev, wherever it is now. */
static int
push_vf_mac(struct nic *nic, unsigned int i)
{
    struct nic_nl_link link;
    int err = nic_nl_link_get(nic->nl, nic->vfs[i].name, &link);
    if (!err && !link.peer_ifindex) {
        err = -ENODEV;
    }
    if (!err) {
        err = nic_nl_link_set_mac(nic->nl, link.peer_ifindex,
                                  link.peer_netnsid, nic->cfgs[i].mac);
    }
    if (err) {
        log_warn("vf %u (%s): cannot write the MAC to the VF netdev: %s "
                 "(the NIC uses it anyway)", i, nic->vfs[i].name,
                 strerror(-err));
    }
    return err;
}

static void
describe_vf(struct ds *s, const struct nic_vf_config *c)
{
    ds_put_format(s, "link/ether " NIC_MAC_FMT " brd ff:ff:ff:ff:ff:ff",
                  NIC_MAC_ARGS(c->mac));
    if (c->vlan) {
        ds_put_format(s, ", vlan %u", c->vlan);
        if (c->qos) {
            ds_put_format(s, ", qos %u", c->qos);
        }
        if (c->vlan_proto == NIC_ETH_TYPE_QINQ) {
            ds_put_cstr(s, ", vlan protocol 802.1ad");
        }
    }
    if (c->max_tx_rate) {
        ds_put_format(s, ", tx rate %u (Mbps), max_tx_rate %uMbps",
                      c->max_tx_rate, c->max_tx_rate);
    }
    ds_put_format(s, ", spoof checking %s, link-state %s, trust %s",
                  c->spoofchk ? "on" : "off",
                  nic_link_state_name(c->link_state),
                  c->trust ? "on" : "off");
}

/* "set PF vf N ..." */
static int
cmd_set(struct nic *nic, int argc, char **argv, struct ds *out)
{
    if (argc < 4 || strcmp(argv[2], "vf")) {
        ds_put_cstr(out, "usage: set PF vf N [mac MAC] [vlan VID [qos N] "
                    "[proto 802.1Q|802.1ad]] [max_tx_rate MBPS] "
                    "[spoofchk on|off] [trust on|off] "
                    "[state auto|enable|disable]\n");
        return -EINVAL;
    }
    if (strcmp(argv[1], nic->pf)) {
        ds_put_format(out, "%s: no such PF (this NIC is %s)\n", argv[1],
                      nic->pf);
        return -ENODEV;
    }
    char err[256];
    struct nic_vf_config old_cfgs[NIC_MAX_VFS];
    memcpy(old_cfgs, nic->cfgs, sizeof old_cfgs);
    int vf = nic_vf_config_parse(argc - 3, argv + 3, nic->cfgs, nic->n_vfs,
                                 err, sizeof err);
    if (vf < 0) {
        ds_put_format(out, "%s\n", err);
        return vf;
    }
    const struct nic_vf_config *c = &nic->cfgs[vf];
    nic_switch_set_vf(&nic->sw, (unsigned int) vf, c);
    if (memcmp(old_cfgs[vf].mac, c->mac, NIC_ETH_ADDR_LEN)
        && !nic_mac_is_zero(c->mac)) {
        (void) push_vf_mac(nic, (unsigned int) vf);
    }
    apply_links(nic);
    struct ds d = DS_EMPTY_INITIALIZER;
    describe_vf(&d, c);
    log_info("vf %d: %s", vf, ds_cstr(&d));
    ds_destroy(&d);
    return 0;
}

static void
show_counters_text(struct ds *out, const struct nic_counters *c)
{
    uint64_t dropped = 0;
    for (int d = 0; d < NIC_DROP__N; d++) {
        dropped += c->drops[d];
    }
    ds_put_format(out, "    RX: bytes %llu packets %llu  TX: bytes %llu "
                  "packets %llu  dropped %llu",
                  (unsigned long long) c->rx_bytes,
                  (unsigned long long) c->rx_packets,
                  (unsigned long long) c->tx_bytes,
                  (unsigned long long) c->tx_packets,
                  (unsigned long long) dropped);
    for (int d = 0; d < NIC_DROP__N; d++) {
        if (c->drops[d]) {
            ds_put_format(out, " %s %llu", nic_drop_name(d),
                          (unsigned long long) c->drops[d]);
        }
    }
    if (c->csum_fixed) {
        ds_put_format(out, "  csum_fixed %llu",
                      (unsigned long long) c->csum_fixed);
    }
    ds_put_char(out, '\n');
}

static json_t *
counters_json(const struct nic_counters *c)
{
    json_t *drops = json_object();
    for (int d = 0; d < NIC_DROP__N; d++) {
        json_object_set_new(drops, nic_drop_name(d),
                            json_integer((json_int_t) c->drops[d]));
    }
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}",
                     "rx_packets", (json_int_t) c->rx_packets,
                     "rx_bytes", (json_int_t) c->rx_bytes,
                     "tx_packets", (json_int_t) c->tx_packets,
                     "tx_bytes", (json_int_t) c->tx_bytes,
                     "csum_fixed", (json_int_t) c->csum_fixed,
                     "drops", drops);
}

static void
show_json(struct nic *nic, struct ds *out)
{
    json_t *vfs = json_array();
    for (unsigned int i = 0; i < nic->n_vfs; i++) {
        const struct nic_vf *vf = &nic->sw.vfs[i];
        const struct nic_vf_config *c = &vf->cfg;
        char mac[18], learned[18];
        snprintf(mac, sizeof mac, NIC_MAC_FMT, NIC_MAC_ARGS(c->mac));
        snprintf(learned, sizeof learned, NIC_MAC_FMT,
                 NIC_MAC_ARGS(vf->learned_mac));
        json_t *o = json_pack(
            "{s:I,s:s,s:s,s:s,s:I,s:I,s:s,s:b,s:b,s:s,s:b,s:b,s:I,s:o}",
            "vf", (json_int_t) i, "interface", nic->vfs[i].name,
            "mac", mac, "learned_mac", vf->learned ? learned : "",
            "vlan", (json_int_t) c->vlan, "qos", (json_int_t) c->qos,
            "vlan_proto", c->vlan_proto == NIC_ETH_TYPE_QINQ ? "802.1ad"
                                                             : "802.1Q",
            "spoofchk", c->spoofchk, "trust", c->trust,
            "link_state", nic_link_state_name(c->link_state),
            "link_up", vf->link_up, "gone", vf->gone,
            "max_tx_rate", (json_int_t) c->max_tx_rate,
            "stats", counters_json(&vf->c));
        if (nic->vfs[i].made) {
            json_object_set_new(o, "vf_netdev",
                                json_string(nic->vfs[i].vf_netdev));
        }
        json_array_append_new(vfs, o);
    }
    json_t *top = json_pack("{s:s,s:I,s:b,s:I,s:o,s:o}",
                            "pf", nic->pf,
                            "ifindex", (json_int_t) nic->pf_ifindex,
                            "carrier", nic->sw.pf_carrier,
                            "num_vfs", (json_int_t) nic->n_vfs,
                            "stats", counters_json(&nic->sw.pf),
                            "vfs", vfs);
    char *s = json_dumps(top, JSON_COMPACT);
    ds_put_format(out, "%s\n", s);
    free(s);
    json_decref(top);
}

/* "show [PF] [-j|--json]" */
static int
cmd_show(struct nic *nic, int argc, char **argv, struct ds *out)
{
    for (unsigned int p = 0; p <= nic->n_vfs; p++) {
        count_ring_drops(nic, p);
    }
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "dev")) {
            /* Counters are always shown; "dev" as in ip link show dev. */
        } else if (strcmp(argv[i], nic->pf)) {
            ds_put_format(out, "%s: no such PF (this NIC is %s)\n", argv[i],
                          nic->pf);
            return -ENODEV;
        }
    }
    if (json) {
        show_json(nic, out);
        return 0;
    }
    ds_put_format(out, "%d: %s: <PF> carrier %s, %u VFs\n", nic->pf_ifindex,
                  nic->pf, nic->sw.pf_carrier ? "up" : "down", nic->n_vfs);
    show_counters_text(out, &nic->sw.pf);
    for (unsigned int i = 0; i < nic->n_vfs; i++) {
        const struct nic_vf *vf = &nic->sw.vfs[i];
        ds_put_format(out, "    vf %-5u ", i);
        describe_vf(out, &vf->cfg);
        ds_put_format(out, " (%s, link %s)\n", nic->vfs[i].name,
                      vf->gone ? "gone" : vf->link_up ? "up" : "down");
        show_counters_text(out, &vf->c);
    }
    return 0;
}

int
nic_command(struct nic *nic, int argc, char **argv, struct ds *out)
{
    if (argc < 1) {
        ds_put_cstr(out, "empty command (set, show)\n");
        return -EINVAL;
    }
    if (!strcmp(argv[0], "set")) {
        return cmd_set(nic, argc, argv, out);
    } else if (!strcmp(argv[0], "show")) {
        return cmd_show(nic, argc, argv, out);
    }
    ds_put_format(out, "%s: unknown command (set, show)\n", argv[0]);
    return -EINVAL;
}

/* Splits 'line' in place into at most MAX_WORDS words; '#' starts a
 * comment.  Returns the count, or -E2BIG. */
static int
split_words(char *line, char **words)
{
    int n = 0;
    char *save = NULL;
    char *hash = strchr(line, '#');
    if (hash) {
        *hash = '\0';
    }
    for (char *w = strtok_r(line, " \t\r\n", &save); w;
         w = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == MAX_WORDS) {
            return -E2BIG;
        }
        words[n++] = w;
    }
    return n;
}

/* Reads the "vf N ..." lines of 'path' into nic->cfgs. */
static int
read_config(struct nic *nic, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int err = -errno;
        log_err("%s: cannot open: %s", path, strerror(errno));
        return err;
    }
    char line[1024];
    int lineno = 0, err = 0;
    while (!err && fgets(line, sizeof line, f)) {
        char *words[MAX_WORDS];
        char msg[256];
        lineno++;
        int n = split_words(line, words);
        if (n == 0) {
            continue;
        }
        if (n < 0 || strcmp(words[0], "vf")) {
            log_err("%s:%d: expected \"vf N ...\" (ip link's vf syntax)",
                    path, lineno);
            err = -EINVAL;
        } else if (nic_vf_config_parse(n - 1, words + 1, nic->cfgs,
                                       nic->n_vfs, msg, sizeof msg) < 0) {
            log_err("%s:%d: %s", path, lineno, msg);
            err = -EINVAL;
        }
    }
    fclose(f);
    return err;
}

static int
setup_vfs(struct nic *nic, const struct nic_options *opts)
{
    for (unsigned int i = 0; i < nic->n_vfs; i++) {
        struct nic_vf_if *v = &nic->vfs[i];
        int err;
        if (opts->num_vfs) {
            if ((size_t) snprintf(v->name, sizeof v->name, "%sr%u", nic->pf,
                                  i) >= sizeof v->name
                || (size_t) snprintf(v->vf_netdev, sizeof v->vf_netdev,
                                     "%sv%u", nic->pf, i)
                   >= sizeof v->vf_netdev) {
                log_err("%s: name too long to name VF %u after it (at most "
                        "%d characters with the VF number); adopt "
                        "interfaces with --vf instead", nic->pf, i,
                        IFNAMSIZ - 1);
                return -ENAMETOOLONG;
            }
            err = nic_nl_veth_create(nic->nl, v->name, v->vf_netdev);
            if (err) {
                log_err("vf %u: cannot create veth pair %s/%s: %s", i,
                        v->name, v->vf_netdev, strerror(-err));
                return err;
            }
            v->made = true;
            err = nic_nl_tx_csum_off(v->vf_netdev);
            if (err) {
                log_warn("%s: cannot turn tx checksum offload off: %s",
                         v->vf_netdev, strerror(-err));
            }
        } else {
            snprintf(v->name, sizeof v->name, "%s", opts->vf_ifnames[i]);
        }
        struct nic_nl_link link;
        err = nic_nl_link_get(nic->nl, v->name, &link);
        if (err) {
            log_err("vf %u: %s: cannot use: %s", i, v->name, strerror(-err));
            return err;
        }
        v->ifindex = link.ifindex;
        v->admin_up = link.flags & IFF_UP;
        (void) nic_nl_ipv6_off(v->name);
    }
    return 0;
}

static int
setup_pf(struct nic *nic)
{
    struct nic_nl_link link;
    int err = nic_nl_link_get(nic->nl, nic->pf, &link);
    if (err) {
        log_err("%s: cannot use as the PF: %s", nic->pf, strerror(-err));
        return err;
    }
    nic->pf_ifindex = link.ifindex;
    (void) nic_nl_ipv6_off(nic->pf);
    if (!(link.flags & IFF_UP)) {
        err = nic_nl_link_set_up(nic->nl, link.ifindex, true);
        if (err) {
            log_err("%s: cannot set up: %s", nic->pf, strerror(-err));
            return err;
        }
        /* The monitor reports the carrier when it comes. */
        if (nic_nl_link_get(nic->nl, nic->pf, &link)) {
            link.flags = 0;
        }
    }
    nic_switch_set_pf_carrier(&nic->sw, (link.flags & IFF_UP)
                                        && (link.flags & IFF_LOWER_UP));
    return 0;
}

static int
setup_events(struct nic *nic)
{
    nic->port_evs = xcalloc(nic->n_vfs + 1, sizeof *nic->port_evs);
    for (unsigned int p = 0; p <= nic->n_vfs; p++) {
        struct nic_port_event *pe = &nic->port_evs[p];
        pe->nic = nic;
        pe->port = p;
        pe->ev = event_new(nic->base, nic_dp_port_fd(nic->dp, p),
                           EV_READ | EV_PERSIST, port_cb, pe);
        pe->timer = evtimer_new(nic->base, port_timer_cb, pe);
        if (!pe->ev || !pe->timer || event_add(pe->ev, NULL)) {
            log_err("port %u: cannot add to the event loop", p);
            return -ENOMEM;
        }
    }
    nic->nl_ev = event_new(nic->base, nic_nl_monitor_fd(nic->nl),
                           EV_READ | EV_PERSIST, nl_cb, nic);
    if (!nic->nl_ev || event_add(nic->nl_ev, NULL)) {
        log_err("rtnetlink monitor: cannot add to the event loop");
        return -ENOMEM;
    }
    return 0;
}

struct nic *
nic_create(const struct nic_options *opts, struct event_base *base)
{
    unsigned int n = opts->num_vfs ? opts->num_vfs
                                   : (unsigned int) opts->n_vf_ifnames;
    if (!opts->pf || strlen(opts->pf) >= IFNAMSIZ) {
        log_err("a PF interface name is needed (at most %d characters)",
                IFNAMSIZ - 1);
        return NULL;
    }
    if (n < 1 || n > NIC_MAX_VFS || (opts->num_vfs && opts->n_vf_ifnames)) {
        log_err("%s: give either --num-vfs N or --vf IFNAME (1 to %d VFs)",
                opts->pf, NIC_MAX_VFS);
        return NULL;
    }
    struct nic *nic = xzalloc(sizeof *nic);
    nic->base = base;
    snprintf(nic->pf, sizeof nic->pf, "%s", opts->pf);
    nic->n_vfs = n;
    nic->vfs = xcalloc(n, sizeof *nic->vfs);
    nic_switch_init(&nic->sw, n);
    for (unsigned int i = 0; i < n; i++) {
        nic_vf_config_default(&nic->cfgs[i]);
    }
    nic->nl = nic_nl_create();
    if (!nic->nl
        || (opts->config_file && read_config(nic, opts->config_file))
        || setup_pf(nic) || setup_vfs(nic, opts)) {
        goto out_destroy;
    }
    for (unsigned int i = 0; i < n; i++) {
        nic_switch_set_vf(&nic->sw, i, &nic->cfgs[i]);
        if (!nic_mac_is_zero(nic->cfgs[i].mac)) {
            (void) push_vf_mac(nic, i);
        }
    }
    int *ifindexes = xcalloc(n, sizeof *ifindexes);
    for (unsigned int i = 0; i < n; i++) {
        ifindexes[i] = nic->vfs[i].ifindex;
        nic->vfs[i].admin_up = !nic_switch_vf_link_up(&nic->sw, i);
    }
    nic->dp = nic_dp_create(&nic->sw, nic->pf_ifindex, ifindexes, n,
                            opts->frame_max);
    free(ifindexes);
    if (!nic->dp || setup_events(nic)) {
        goto out_destroy;
    }
    apply_links(nic);
    log_info("%s: PF (ifindex %d) with %u VFs, carrier %s", nic->pf,
             nic->pf_ifindex, n, nic->sw.pf_carrier ? "up" : "down");
    return nic;

out_destroy:
    nic_destroy(nic);
    return NULL;
}

void
nic_destroy(struct nic *nic)
{
    if (!nic) {
        return;
    }
    if (nic->port_evs) {
        for (unsigned int p = 0; p <= nic->n_vfs; p++) {
            if (nic->port_evs[p].ev) {
                event_free(nic->port_evs[p].ev);
            }
            if (nic->port_evs[p].timer) {
                event_free(nic->port_evs[p].timer);
            }
        }
        free(nic->port_evs);
    }
    if (nic->nl_ev) {
        event_free(nic->nl_ev);
    }
    nic_dp_destroy(nic->dp);
    for (unsigned int i = 0; nic->nl && i < nic->n_vfs; i++) {
        if (nic->vfs[i].made) {
            int err = nic_nl_link_del(nic->nl, nic->vfs[i].name);
            if (err && err != -ENODEV) {
                log_warn("%s: cannot delete: %s", nic->vfs[i].name,
                         strerror(-err));
            }
        }
    }
    nic_nl_destroy(nic->nl);
    free(nic->vfs);
    free(nic);
}
