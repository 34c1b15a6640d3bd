/* seam-sriov-nic: an SR-IOV NIC emulator (one PF, N VFs in VST mode, an
 * embedded switch) for labs without SR-IOV hardware.  main() reads the
 * options, sets up logging, the pidfile and the signals, and runs the NIC
 * (nic.h) and its control socket (ctl.h) on one libevent loop until
 * SIGTERM.  "seam-sriov-nic ctl SOCK ..." is the control client.
 * docs/sriov-nic.md is the manual. */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "nic/ctl.h"
#include "nic/dp.h"
#include "nic/nic.h"
#include "nic/switch.h"
#include "ovsdb/daemon.h"

LOG_MODULE(main);

#define MAX_DEBUG 16

static void
usage(FILE *f)
{
    fprintf(f,
"usage: seam-sriov-nic --pf IFNAME (--num-vfs N | --vf IFNAME...) [options]\n"
"       seam-sriov-nic ctl SOCKET set PF vf N [mac MAC] [vlan VID [qos N]\n"
"                      [proto 802.1Q|802.1ad]] [max_tx_rate MBPS]\n"
"                      [spoofchk on|off] [trust on|off]\n"
"                      [state auto|enable|disable]\n"
"       seam-sriov-nic ctl SOCKET show [PF] [-j]\n"
"\n"
"Emulates an SR-IOV NIC in VST mode: the PF is interface IFNAME (the wire),\n"
"each VF a veth pair whose VF end goes to a VM.  Frames from a VF get its\n"
"802.1Q tag (VLAN, PCP = qos) on the wire; frames for it lose theirs;\n"
"VFs of one VLAN reach each other through the embedded switch.\n"
"\n"
"Options:\n"
"  --pf IFNAME           the PF (an existing interface, e.g. a veth end\n"
"                        cabled to a TOR port)\n"
"  --num-vfs N           make N VFs (1-%d): veth pairs PFv<i> (the VF netdev,\n"
"                        to move into a VM namespace) and PFr<i> (the NIC's\n"
"                        end); deleted at exit\n"
"  --vf IFNAME           adopt IFNAME as the NIC's end of the next VF (its\n"
"                        veth peer is the VF netdev); repeat per VF\n"
"  --config FILE         VF settings, one \"vf N ...\" line each (ip link's\n"
"                        syntax; '#' comments)\n"
"  --ctl SOCKET          control socket (default /run/seam-sriov-nic.PF.ctl)\n"
"  --frame-max BYTES     receive buffer per frame (default %d)\n"
"  --pidfile FILE        write the process id to FILE\n"
"  --log-file FILE       log there instead of stderr\n"
"  --log-level LEVEL     err, warn, info (default), debug or off\n"
"  -d MODULES            debug logs of these modules (nic,nic_dp,... or all)\n"
"  -h, --help            this help\n"
"  --version             the version\n"
"\n"
"Drop reasons counted per VF and PF: spoof, vlan, rate, link_down, overrun,\n"
"no_dst, malformed, tx_error.  SIGTERM or SIGINT: clean exit.\n",
            NIC_MAX_VFS, NIC_DP_FRAME_MAX_DEFAULT);
}

enum { OPT_PF = 256, OPT_NUM_VFS, OPT_VF, OPT_CONFIG, OPT_CTL, OPT_FRAME_MAX,
       OPT_PIDFILE, OPT_LOG_FILE, OPT_LOG_LEVEL, OPT_VERSION };

struct main_options {
    struct nic_options nic;
    const char *ctl;
    const char *pidfile;
    const char *log_file;
    int log_level;
    char *debug[MAX_DEBUG];
    size_t n_debug;
    bool help, version;
};

static bool
parse_count(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !*s || *end || *s == '-' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* Returns 0, or 2 after printing what is wrong. */
static int
parse_options(int argc, char *argv[], struct main_options *o)
{
    static const struct option longopts[] = {
        { "pf", required_argument, NULL, OPT_PF },
        { "num-vfs", required_argument, NULL, OPT_NUM_VFS },
        { "vf", required_argument, NULL, OPT_VF },
        { "config", required_argument, NULL, OPT_CONFIG },
        { "ctl", required_argument, NULL, OPT_CTL },
        { "frame-max", required_argument, NULL, OPT_FRAME_MAX },
        { "pidfile", required_argument, NULL, OPT_PIDFILE },
        { "log-file", required_argument, NULL, OPT_LOG_FILE },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->log_level = -1;
    int c;
    unsigned long v;
    while ((c = getopt_long(argc, argv, "hd:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_PF:
            o->nic.pf = optarg;
            break;
        case OPT_NUM_VFS:
            if (!parse_count(optarg, NIC_MAX_VFS, &v) || !v) {
                fprintf(stderr, "seam-sriov-nic: --num-vfs: expected 1 to "
                        "%d, got \"%s\"\n", NIC_MAX_VFS, optarg);
                return 2;
            }
            o->nic.num_vfs = (unsigned int) v;
            break;
        case OPT_VF:
            if (o->nic.n_vf_ifnames == NIC_MAX_VFS) {
                fprintf(stderr, "seam-sriov-nic: at most %d VFs\n",
                        NIC_MAX_VFS);
                return 2;
            }
            o->nic.vf_ifnames = xrealloc(o->nic.vf_ifnames,
                                         (o->nic.n_vf_ifnames + 1)
                                         * sizeof *o->nic.vf_ifnames);
            o->nic.vf_ifnames[o->nic.n_vf_ifnames++] = optarg;
            break;
        case OPT_CONFIG:
            o->nic.config_file = optarg;
            break;
        case OPT_CTL:
            o->ctl = optarg;
            break;
        case OPT_FRAME_MAX:
            if (!parse_count(optarg, 65536, &v) || v < 128) {
                fprintf(stderr, "seam-sriov-nic: --frame-max: expected 128 "
                        "to 65536 bytes, got \"%s\"\n", optarg);
                return 2;
            }
            o->nic.frame_max = (uint32_t) v;
            break;
        case OPT_PIDFILE:
            o->pidfile = optarg;
            break;
        case OPT_LOG_FILE:
            o->log_file = optarg;
            break;
        case OPT_LOG_LEVEL:
            o->log_level = log_level_from_string(optarg);
            if (o->log_level < 0) {
                fprintf(stderr, "seam-sriov-nic: --log-level: expected err, "
                        "warn, info, debug or off, got \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'd':
            if (o->n_debug < MAX_DEBUG) {
                o->debug[o->n_debug++] = optarg;
            }
            break;
        case 'h':
            o->help = true;
            break;
        case OPT_VERSION:
            o->version = true;
            break;
        default:
            fprintf(stderr, "seam-sriov-nic: see --help\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "seam-sriov-nic: unexpected argument \"%s\"\n",
                argv[optind]);
        return 2;
    }
    if (o->help || o->version) {
        return 0;
    }
    if (!o->nic.pf) {
        fprintf(stderr, "seam-sriov-nic: --pf is required (see --help)\n");
        return 2;
    }
    if (!o->nic.num_vfs == !o->nic.n_vf_ifnames) {
        fprintf(stderr, "seam-sriov-nic: give either --num-vfs N or --vf "
                "IFNAME (per VF)\n");
        return 2;
    }
    return 0;
}

int
main(int argc, char *argv[])
{
    if (argc >= 2 && !strcmp(argv[1], "ctl")) {
        if (argc < 4) {
            fprintf(stderr, "usage: seam-sriov-nic ctl SOCKET COMMAND...\n");
            return 2;
        }
        return nic_ctl_client(argv[2], argc - 3, argv + 3);
    }

    struct main_options o;
    int status = parse_options(argc, argv, &o);
    if (status || o.help || o.version) {
        if (!status) {
            if (o.help) {
                usage(stdout);
            } else {
                printf("seam-sriov-nic 0.1.0\n");
            }
        }
        free(o.nic.vf_ifnames);
        return status;
    }
    if (daemon_log_setup(o.log_file, o.log_level, o.debug, o.n_debug)) {
        fprintf(stderr, "seam-sriov-nic: cannot open %s\n", o.log_file);
        free(o.nic.vf_ifnames);
        return 1;
    }

    char *ctl_path = o.ctl ? xstrdup(o.ctl)
                           : xasprintf("/run/seam-sriov-nic.%s.ctl", o.nic.pf);
    struct event_base *base = event_base_new();
    struct daemon_signals *signals = daemon_signals_create(base);
    struct nic *nic = NULL;
    struct nic_ctl *ctl = NULL;
    bool pidfile_written = false;
    status = 1;

    nic = nic_create(&o.nic, base);
    if (!nic) {
        goto out;
    }
    ctl = nic_ctl_create(base, nic, ctl_path);
    if (!ctl) {
        goto out;
    }
    if (daemon_pidfile_write(o.pidfile)) {
        goto out;
    }
    pidfile_written = true;
    log_info("ready; control socket %s", ctl_path);
    event_base_dispatch(base);
    status = 0;

out:
    nic_ctl_destroy(ctl);
    nic_destroy(nic);
    if (pidfile_written) {
        daemon_pidfile_remove(o.pidfile);
    }
    daemon_signals_destroy(signals);
    event_base_free(base);
    free(ctl_path);
    free(o.nic.vf_ifnames);
    log_close();
    return status;
}
