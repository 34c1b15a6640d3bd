#!/usr/bin/python3
"""The OVN side of bench/seamd-convergence.sh: the same intent through
ovn-northd and one ovn-controller-vtep per VTEP (Debian's packages).

  ovn-convergence.py [--vteps 100] [--vtep-server seam|ovs] [--out FILE]

One run, fresh daemons, one JSON line.  Everything is a child of this
process in /tmp/ovnconv.*, on unix sockets: ovsdb-server for OVN NB and SB,
ovn-northd, the VTEP farm of seamd-convergence.py (one seam-ovsdb per VTEP by
default, so both sides program the same servers; --vtep-server ovs for
Open vSwitch's ovsdb-server) and one
`ovn-controller-vtep --vtep-db=unix:vI.sock --ovnsb-db=unix:sb.sock` per
VTEP.  As in OVN's tests/ovn-controller-vtep.at and the peers' benchmark
(/work/shared/peers/08-ovn-convergence), the hypervisors are fake SB chassis
(`ovn-sbctl chassis-add hvC vxlan 10.2.x.y`) and ports are bound with
`ovn-sbctl lsp-bind`.

The intent, as on the seamd side ("bind one"): 100 hosts (--hosts), 10
logical switches (--networks), 10 ports per host; port j on host
hv(j // PPV), switch (j // PPV) % N, MAC 0a:00:00:xx:yy:zz (j).  VTEP i
(Physical_Switch psI, port p0) is bound to switch i % N (VLAN 100 + n) and
has a vtep lport in it (type vtep, addresses unknown).  OVN puts the ports
on hypervisor chassis and uses the VTEPs as gateways, so every VTEP must end
up with one Ucast_Macs_Remote per port of its switch (locator = the host's
chassis IP): 100 rows per VTEP with the defaults.

Phases (times from the watcher's monitors):
 (a) t0 -> ovn-nbctl lsp-add/lsp-set-addresses in calls of --nb-batch
     ports -> ovn-nbctl --wait=sb sync -> ovn-sbctl lsp-bind in calls of
     --sb-batch -> every VTEP holds exactly its expected set;
 (b) ovn-nbctl --wait=sb lsp-add of one more port (switch 0, host hv0), then
     ovn-sbctl lsp-bind -> every VTEP of switch 0 has its row;
 (c) CPU (utime+stime) of northd, NB, SB and every ovn-controller-vtep from
     t0 through the idle tail after (b); peak RSS = sum of their VmHWM.  The
     VTEP servers and the ovn-nbctl/ovn-sbctl processes are reported apart.
"""
import argparse
import importlib.util
import json
import os
import resource
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "seamd_convergence", os.path.join(HERE, "seamd-convergence.py"))
sc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sc)

ap = argparse.ArgumentParser()
ap.add_argument("--vteps", type=int, default=100)
ap.add_argument("--hosts", type=int, default=100)
ap.add_argument("--networks", type=int, default=10)
ap.add_argument("--ports-per-host", type=int, default=10)
ap.add_argument("--nb-batch", type=int, default=100)
ap.add_argument("--sb-batch", type=int, default=100)
ap.add_argument("--vtep-server", choices=["seam", "ovs"], default="seam")
ap.add_argument("--seam-ovsdb",
                default=os.path.join(sc.TOP, "build", "seam-ovsdb"))
ap.add_argument("--timeout", type=float, default=600.0)
ap.add_argument("--label", default="")
ap.add_argument("--out")
ap.add_argument("--keep", help="copy logs to this directory")
a = ap.parse_args()

V, H, N, PPH = a.vteps, a.hosts, a.networks, a.ports_per_host
P = H * PPH
T = tempfile.mkdtemp(prefix="ovnconv.", dir="/tmp")
os.chmod(T, 0o755)
ENV = dict(os.environ)
for k in ("OVS_RUNDIR", "OVS_LOGDIR", "OVS_DBDIR", "OVS_SYSCONFDIR",
          "OVN_RUNDIR", "OVN_LOGDIR", "OVN_DBDIR", "OVN_SYSCONFDIR"):
    ENV[k] = T
ENV.pop("OVN_NB_DAEMON", None)
NB, SB = "unix:%s/nb.sock" % T, "unix:%s/sb.sock" % T
NBCTL = ["ovn-nbctl", "--db=" + NB, "--timeout=600"]
SBCTL = ["ovn-sbctl", "--db=" + SB, "--timeout=600"]
QUIET = ["-vconsole:off", "-vsyslog:off"]
CORE = ("northd", "nb", "sb", "ctl")

# port j: (host, switch); port P is the "+1 port" of (b)
placement = [(j // PPH, (j // PPH) % N) for j in range(P)] + [(0, 0)]


def log(*m):
    print("[%s ovn V=%d %s]" % (time.strftime("%H:%M:%S"), V, a.label), *m,
          file=sys.stderr, flush=True)


def run(argv):
    return sc.run(argv, env=ENV, cwd=T)


def expected(nports):
    exp = {str(i): [] for i in range(V)}
    for j in range(nports):
        h, n = placement[j]
        for i in range(n, V, N):
            exp[str(i)].append(["ls%d" % n, sc.mac(j), sc.chassis_ip(h)])
    return exp


def port_ip(j):
    return "10.%d.%d.%d" % (100 + placement[j][1], j // 250, j % 250 + 1)


def nb_add(js):
    cmd = list(NBCTL)
    for j in js:
        cmd += ["--", "lsp-add", "ls%d" % placement[j][1], "lp%d" % j,
                "--", "lsp-set-addresses", "lp%d" % j,
                "%s %s" % (sc.mac(j), port_ip(j))]
    return cmd


def sb_bind(js):
    cmd = list(SBCTL)
    for j in js:
        cmd += ["--", "lsp-bind", "lp%d" % j, "hv%d" % placement[j][0]]
    return cmd


def main(procs, res):
    ts = time.monotonic()
    run(["ovsdb-tool", "create", T + "/nb.db",
         "/usr/share/ovn/ovn-nb.ovsschema"])
    run(["ovsdb-tool", "create", T + "/sb.db",
         "/usr/share/ovn/ovn-sb.ovsschema"])
    for name in ("nb", "sb"):
        procs.spawn(name, name, [
            "ovsdb-server", "--no-chdir", "--pidfile=%s/%s.pid" % (T, name),
            "--log-file=%s/%s.log" % (T, name),
            "--unixctl=%s/%s.ctl" % (T, name),
            "--remote=punix:%s/%s.sock" % (T, name)] + QUIET +
            ["%s/%s.db" % (T, name)], env=ENV)
    for name in ("nb", "sb"):
        sc.wait_path("%s/%s.sock" % (T, name), name, procs=procs)
    farm = sc.Farm(procs, T, V, a.vtep_server, a.seam_ovsdb)
    procs.spawn("northd", "northd", [
        "ovn-northd", "--no-chdir", "--pidfile=%s/northd.pid" % T,
        "--log-file=%s/northd.log" % T, "--unixctl=%s/northd.ctl" % T,
        "--ovnnb-db=" + NB, "--ovnsb-db=" + SB] + QUIET, env=ENV)
    farm.add_switches(lambda i: [
        "--", "add-ls", "ls%d" % (i % N),
        "--", "bind-ls", "ps%d" % i, "p0", str(100 + i % N), "ls%d" % (i % N)])
    cmd = NBCTL + ["--wait=sb"]
    for n in range(N):
        cmd += ["--", "ls-add", "ls%d" % n]
    for i in range(V):
        lp = "vtep-ps%d" % i
        cmd += ["--", "lsp-add", "ls%d" % (i % N), lp,
                "--", "lsp-set-type", lp, "vtep",
                "--", "lsp-set-options", lp, "vtep-physical-switch=ps%d" % i,
                "vtep-logical-switch=ls%d" % (i % N),
                "--", "lsp-set-addresses", lp, "unknown"]
    run(cmd)
    cmd = list(SBCTL)
    for h in range(H):
        cmd += ["--", "chassis-add", "hv%d" % h, "vxlan", sc.chassis_ip(h)]
    run(cmd)
    for i in range(V):
        procs.spawn("cv%d" % i, "ctl", [
            "ovn-controller-vtep", "--no-chdir",
            "--pidfile=%s/cv%d.pid" % (T, i), "--log-file=%s/cv%d.log" % (T, i),
            "--vtep-db=unix:" + farm.sock(i), "--ovnsb-db=" + SB] + QUIET,
            env=ENV)
    w = sc.Watcher(procs, [farm.sock(i) for i in range(V)],
                   sb_sock=T + "/sb.sock", cwd=T)
    res["_watcher"] = w
    w.send("ready")
    w.wait("ready", 120)
    w.send("tk")
    w.wait("tk", 300)       # every VTEP switch has its tunnel key: bound
    procs.check_alive()
    res["setup_s"] = round(time.monotonic() - ts, 2)
    res["quiesce_before_a_s"] = procs.quiesce()
    res["others_busy_cpus"] = sc.others_busy(procs)
    log("setup done in %.1f s" % res["setup_s"])

    # ======================================================== (a)
    w.expect(sc.write_json(T, "expect_a.json", expected(P)), P)
    cpu0 = procs.cpu()
    ns0 = procs.cpu_ns()
    wcpu0 = w.cpu()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    for b in range(0, P, a.nb_batch):
        run(nb_add(range(b, min(P, b + a.nb_batch))))
    t_nb = time.monotonic()
    run(NBCTL + ["--wait=sb", "sync"])
    t_sync = time.monotonic()
    for b in range(0, P, a.sb_batch):
        run(sb_bind(range(b, min(P, b + a.sb_batch))))
    t_bind = time.monotonic()
    t_last, t_first, info = w.done(a.timeout)
    cpu1 = procs.cpu()
    pv = sorted(info["per_vtep"])
    res["a"] = {"converge_s": round(t_last - t0, 3),
                "first_vtep_s": round(t_first - t0, 3),
                "median_vtep_s": round(pv[len(pv) // 2] - t0, 3),
                "nbctl_s": round(t_nb - t0, 3),
                "nb_wait_sb_s": round(t_sync - t_nb, 3),
                "sbctl_bind_s": round(t_bind - t_sync, 3),
                "after_last_bind_s": round(t_last - t_bind, 3),
                "cpu_to_converge": sc.dsub(cpu1, cpu0)}
    if "sb_bound" in info:
        res["a"]["sb_all_bound_s"] = round(info["sb_bound"] - t0, 3)
    log("(a) converged in %.2f s" % res["a"]["converge_s"])
    res["quiesce_after_a_s"] = procs.quiesce()
    cpu2 = procs.cpu()
    res["a"]["cpu_incl_tail"] = sc.dsub(cpu2, cpu0)
    res["vtepdb_after_a"] = sc.agg_dump(w.dump())

    # ======================================================== (b)
    w.expect(sc.write_json(T, "expect_b.json", expected(P + 1)), P + 1)
    cpu3 = procs.cpu()
    t1 = time.monotonic()
    run(nb_add([P])[:3] + ["--wait=sb"] + nb_add([P])[3:])
    t_nb1 = time.monotonic()
    run(sb_bind([P]))
    t_bind1 = time.monotonic()
    _, _, info = w.done(a.timeout)
    rel = sorted(info["per_vtep"][i] for i in range(0, V, N))
    res["b"] = {"vteps_with_new_row": len(rel),
                "latency_s": round(rel[-1] - t1, 4),
                "first_vtep_s": round(rel[0] - t1, 4),
                "nbctl_wait_sb_s": round(t_nb1 - t1, 4),
                "sbctl_bind_s": round(t_bind1 - t_nb1, 4),
                "after_bind_s": round(rel[-1] - t_bind1, 4)}
    log("(b) +1 port in %.3f s" % res["b"]["latency_s"])
    res["quiesce_after_b_s"] = procs.quiesce()
    cpu4 = procs.cpu()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    res["b"]["cpu_incl_tail"] = sc.dsub(cpu4, cpu3)
    res["cpu_a_plus_b"] = sc.dsub(cpu4, cpu0)
    res["cpu_a_plus_b_schedstat"] = sc.dsub(procs.cpu_ns(), ns0)
    res["client_cpu_s"] = round(ru1.ru_utime + ru1.ru_stime -
                                ru0.ru_utime - ru0.ru_stime, 2)
    res["watcher_cpu_s"] = round(w.cpu() - wcpu0, 2)
    res["cpu_since_start"] = {k: round(v, 2) for k, v in cpu4.items()}
    res["vmhwm_mib"] = sc.kib_mib(procs.status("VmHWM"))
    res["rss_end_mib"] = sc.kib_mib(procs.status("VmRSS"))
    res["total_cpu_s"] = round(sum(res["cpu_a_plus_b"][k] for k in CORE), 2)
    res["total_hwm_mib"] = round(sum(res["vmhwm_mib"][k] for k in CORE), 1)
    res["n_core_procs"] = sum(1 for _, g, _ in procs.list if g in CORE)
    res["vtepdb_after_b"] = sc.agg_dump(w.dump())
    procs.check_alive()


if __name__ == "__main__":
    procs = sc.Procs(T)
    res = {"side": "ovn", "label": a.label, "V": V, "hosts": H,
           "networks": N, "ports": P, "nb_batch": a.nb_batch,
           "sb_batch": a.sb_batch, "vtep_server": a.vtep_server,
           "loadavg_start": os.getloadavg()}
    try:
        res["versions"] = sc.run(["ovn-northd", "--version"]).split("\n")[0]
        main(procs, res)
        res["ok"] = True
    except BaseException as e:      # noqa: B902 - record every failure
        res["ok"] = False
        res["error"] = "%s: %s" % (type(e).__name__, e)
        log("FAILED:", res["error"])
    finally:
        res["loadavg_end"] = os.getloadavg()
        w = res.pop("_watcher", None)
        if w:
            w.close()
        procs.stop(["ctl", "northd", "vtepdb", "sb", "nb"])
        if a.keep:
            sc.keep_logs(T, a.keep)
        shutil.rmtree(T, ignore_errors=True)
    line = json.dumps(res, sort_keys=True)
    if a.out:
        with open(a.out, "a") as f:
            f.write(line + "\n")
    print(line)
    sys.exit(0 if res["ok"] else 1)
