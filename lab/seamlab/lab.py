"""seam-lab's engine: brings a topology up in network namespaces, records
every namespace and process it makes in a state file, and takes it all down
again, also after any piece crashed.

Names: every namespace is PREFIX + node (a server, a VM, or 'fabric', the
underlay).  Links live only inside the lab's namespaces (veths are created
with both ends already in their namespace), so deleting the namespaces
removes every link.  Processes are started with `ip netns exec` (which execs,
so the pid is the daemon's) and recorded with their start time, so `down`
never signals a recycled pid; `down` also ends whatever still runs inside
the lab's namespaces (`ip netns pids`), which covers a lost state file.

State: STATE_DIR/state.json (namespaces, processes, the topology file) and
one directory per server/VM for its databases, sockets and logs."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .topology import Topology

REPO = Path(__file__).resolve().parent.parent.parent
# lldpd's control sockets and configs: LLDPD_RUN/PREFIX/NODE.{sock,conf}.
# lldpcli (also the one lldpd runs to apply its -O config) drops to user
# _lldpd, so every directory above them must be world-searchable, which the
# state dir may not be (a test's tmp dir is 0700).
LLDPD_RUN = Path("/run/seam-lab-lldpd")
# LLDP timers of the lab (seconds): the TOR's seam-vtep and lldpd on the
# servers send every second (TTL 4 s), so host links appear at once.
LLDP_INTERVAL = 1


def build_dir():
    return Path(os.environ.get("SEAM_BUILD", str(REPO / "build")))


def say(msg):
    print("seam-lab: " + msg, flush=True)


class LabError(Exception):
    pass


def run(cmd, check=True, timeout=30, input=None, env=None):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       timeout=timeout, input=input, env=env)
    if check and p.returncode != 0:
        raise LabError("command failed (rc=%d): %s\n%s%s" % (
            p.returncode, " ".join(map(str, cmd)), p.stdout, p.stderr))
    return p


def _stat(path):
    try:
        with open(path) as f:
            s = f.read()
    except OSError:
        return None
    return s[s.rindex(")") + 2:].split()


def proc_starttime(pid):
    """The start time of 'pid' (clock ticks since boot), or None once it and
    all its threads are gone.  A killed multi-threaded daemon shows its
    leader as a zombie while its other threads still exit and still hold its
    sockets: it counts as running until the last thread is dead."""
    fields = _stat("/proc/%d/stat" % pid)
    if fields is None:
        return None
    if fields[0] in ("Z", "X"):
        try:
            tasks = os.listdir("/proc/%d/task" % pid)
        except OSError:
            return None
        if all((_stat("/proc/%d/task/%s/stat" % (pid, t)) or ["X"])[0] in ("Z", "X")
               for t in tasks):
            return None
    return int(fields[19])


def netns_list():
    p = run(["ip", "-j", "netns", "list"], check=False)
    try:
        return {n["name"] for n in json.loads(p.stdout or "[]")}
    except ValueError:
        return set()


class Lab:
    def __init__(self, topology=None, prefix=None, state_dir=None):
        """'topology': a Topology, a file, or None: the one the running lab
        of this prefix was made from, else the default."""
        self.prefix = prefix or os.environ.get("SEAM_LAB_PREFIX", "seamlab-")
        self.state_dir = Path(state_dir or os.environ.get("SEAM_LAB_STATE")
                              or "/run/seam-lab/%s" % self.prefix.rstrip("-"))
        self.state_file = self.state_dir / "state.json"
        self.state = None
        if self.load_state() and topology is None:
            topology = self.state.get("topology")
        self.topo = topology if isinstance(topology, Topology) else Topology(topology)

    # -- names -----------------------------------------------------------

    def ns(self, node):
        return self.prefix + node

    def dir(self, node):
        d = self.state_dir / node
        d.mkdir(parents=True, exist_ok=True)
        return d

    def url(self):
        return self.topo.url()

    def seamctl_argv(self, *args):
        return ["ip", "netns", "exec", self.ns(self.topo.controller_server.name),
                build_dir() / "seamctl", "--url=" + self.url()] + list(args)

    def seamctl(self, *args, check=True, timeout=30):
        return run(self.seamctl_argv(*args), check=check, timeout=timeout)

    def seamctl_json(self, *args):
        return json.loads(self.seamctl(*(list(args) + ["-f", "json"])).stdout or "null")

    def lldpd_dir(self):
        return LLDPD_RUN / self.prefix.rstrip("-")

    def lldpd_socket(self, node):
        return self.lldpd_dir() / ("%s.sock" % node)

    def lldpcli_json(self, node, *args):
        """lldpcli's JSON answer from lldpd on 'node'."""
        r = run(["lldpcli", "-u", self.lldpd_socket(node), "-f", "json"] + list(args),
                timeout=10)
        return json.loads(r.stdout or "{}")

    def vtep_remote(self, server):
        return "unix:%s" % (self.state_dir / server.name / "vtep.sock")

    # -- state file -------------------------------------------------------

    def load_state(self):
        try:
            self.state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            self.state = None
        return self.state

    def save_state(self):
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1))
        os.replace(tmp, self.state_file)

    def procs(self):
        return (self.state or {}).get("procs", [])

    def proc(self, name):
        for p in self.procs():
            if p["name"] == name:
                return p
        return None

    @staticmethod
    def alive(p):
        return proc_starttime(p["pid"]) == p["starttime"]

    @staticmethod
    def serving(p):
        """Whether 'p' is alive and not dying: a leader that is already a
        zombie (killed, its other threads still exiting) counts as alive for
        alive(), which waits until its sockets are free, but it serves no
        more."""
        fields = _stat("/proc/%d/stat" % p["pid"])
        if fields is None or fields[0] in ("Z", "X"):
            return False
        return int(fields[19]) == p["starttime"]

    # -- up ----------------------------------------------------------------

    def up(self):
        """Brings the lab up; a lab already up and healthy is left as is, a
        broken or stale one is taken down first."""
        if self.load_state():
            problems = self.health()
            if self.state.get("topology") != str(self.topo.path):
                problems.append("it was made from %s" % self.state.get("topology"))
            if not problems:
                say("lab %s is already up (state %s)" % (self.prefix, self.state_file))
                return
            say("a previous lab %s is broken (%s): taking it down first"
                % (self.prefix, "; ".join(problems)))
            self.down()
        else:
            stale = sorted(netns_list() & {self.ns(n) for n in self.topo.node_names()})
            if stale:
                say("namespaces %s exist but no state file says this lab made them: "
                    "removing them" % ", ".join(stale))
                self.down()
        for b in ("seamd", "seamctl", "seam-vtep", "seam-sriov-nic"):
            if not (build_dir() / b).exists():
                raise LabError("%s is not built (run make -j2 all)" % (build_dir() / b))
        for t in ("ip", "dnsmasq", "ethtool") + (
                ("lldpd", "lldpcli") if self.topo.lldp_servers() else ()):
            if not shutil.which(t):
                raise LabError("%s is not installed (run scripts/install-deps)" % t)
        if self.state_dir.exists():
            shutil.rmtree(self.state_dir)
        shutil.rmtree(self.lldpd_dir(), ignore_errors=True)
        self.state_dir.mkdir(parents=True)
        self.state = {"prefix": self.prefix, "topology": str(self.topo.path),
                      "namespaces": [], "procs": [], "complete": False,
                      "started": time.time()}
        self.save_state()
        t0 = time.monotonic()
        try:
            self._build_links()
            self._start_daemons()
        except BaseException:
            say("up failed: taking down what was made")
            self.down(quiet=True)
            raise
        self.state["complete"] = True
        self.save_state()
        say("lab up in %.1f s: %d namespaces, %d processes (state %s)" % (
            time.monotonic() - t0, len(self.state["namespaces"]), len(self.procs()),
            self.state_file))

    def _add_ns(self, node):
        name = self.ns(node)
        run(["ip", "netns", "add", name])
        self.state["namespaces"].append(name)
        self.save_state()
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        # No IPv6: its router and neighbour solicitations would flood the
        # lab's L2 network and spoil the broadcast counts.
        run(["ip", "netns", "exec", name, "sysctl", "-qw",
             "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        return name

    def _veth(self, ns1, if1, ns2, if2, mtu=None, offload_off=True):
        run(["ip", "link", "add", if1, "netns", ns1, "type", "veth", "peer", if2,
             "netns", ns2])
        for ns, i in ((ns1, if1), (ns2, if2)):
            if mtu:
                run(["ip", "-n", ns, "link", "set", i, "mtu", mtu])
            if offload_off:
                # Userspace datapaths forward what the kernel left with a
                # partial checksum: compute checksums in the stack.
                run(["ip", "netns", "exec", ns, "ethtool", "-K", i, "tx", "off"], check=False)
            run(["ip", "-n", ns, "link", "set", i, "up"])

    def _build_links(self):
        t = self.topo
        say("namespaces: %s%s" % (self.prefix, "{" + ",".join(t.node_names()) + "}"))
        for node in t.node_names():
            self._add_ns(node)
        fab = self.ns("fabric")
        run(["ip", "-n", fab, "link", "add", "ul", "type", "bridge"])
        run(["ip", "-n", fab, "link", "set", "ul", "mtu", t.underlay_mtu, "up"])
        plen = t.underlay_net.prefixlen
        for i, s in enumerate(t.vteps()):
            say("underlay: %s ul0 %s/%d -- fabric bridge (MTU %d)"
                % (s.name, s.underlay_ip, plen, t.underlay_mtu))
            self._veth(self.ns(s.name), "ul0", fab, "ul-%d" % i, mtu=t.underlay_mtu)
            run(["ip", "-n", fab, "link", "set", "ul-%d" % i, "master", "ul"])
            run(["ip", "-n", self.ns(s.name), "addr", "add",
                 "%s/%d" % (s.underlay_ip, plen), "dev", "ul0"])
        for s in t.nic_servers():
            say("cable: %s NIC %s -- %s port %s" % (s.name, s.nic["pf"], s.nic["tor"],
                                                   s.nic["tor_port"]))
            self._veth(self.ns(s.name), s.nic["pf"], self.ns(s.nic["tor"]), s.nic["tor_port"])
        for v in t.vms.values():
            if v.baremetal:
                end = v.baremetal["tor_port"]
                say("%s: eth0 %s -- %s port %s (bare metal, untagged)"
                    % (v.name, v.mac, v.server.name, end))
            else:
                end = v.tap if v.tap else "vf%d" % v.vf
                say("%s: eth0 %s -- %s %s%s" % (v.name, v.mac, v.server.name, end,
                                                "" if v.tap else " (VF %d, VLAN %d)"
                                                % (v.vf, v.vlan)))
            vns = self.ns(v.name)
            self._veth(vns, "eth0", self.ns(v.server.name), end)
            run(["ip", "-n", vns, "link", "set", "eth0", "address", v.mac])
            if not v.dhcp:
                plen = v.network.cidr.prefixlen
                run(["ip", "-n", vns, "addr", "add", "%s/%d" % (v.ip, plen), "dev", "eth0"])

    # -- processes -----------------------------------------------------------

    def _spawn(self, name, node, argv, pidfile, ready, what, timeout=15):
        d = self.dir(node)
        log = d / ("%s.out" % name)
        out = open(log, "ab")
        cmd = ["ip", "netns", "exec", self.ns(node)] + [str(a) for a in argv]
        # A sanitizer build (SEAM_BUILD=build-san) reports into the node's
        # directory; `down` lists the reports.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = "detect_leaks=1:log_path=%s" % (d / ("%s.asan" % name))
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:log_path=%s" % (
            d / ("%s.ubsan" % name))
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                             start_new_session=True, env=env)
        out.close()
        st = None
        for _ in range(50):
            st = proc_starttime(p.pid)
            if st is not None:
                break
            time.sleep(0.01)
        rec = {"name": name, "node": node, "pid": p.pid, "starttime": st,
               "argv": [str(a) for a in argv], "out": str(log),
               "pidfile": str(pidfile) if pidfile else None}
        self.state["procs"].append(rec)
        self.save_state()
        deadline = time.monotonic() + timeout
        while True:
            if p.poll() is not None:
                raise LabError("%s exited (rc=%s) while starting; its output:\n%s"
                               % (name, p.returncode, log.read_text(errors="replace")[-2000:]))
            try:
                # Its pidfile names it (`ip netns exec` execs: same pid) and
                # it answers as 'what' says.
                ok = (not pidfile or self._pidfile_is(pidfile, p.pid)) and ready(rec)
            except Exception:  # noqa: BLE001 - not ready yet
                ok = False
            if ok:
                break
            if time.monotonic() > deadline:
                raise LabError("%s not ready after %d s (%s); output:\n%s"
                               % (name, timeout, what, log.read_text(errors="replace")[-2000:]))
            time.sleep(0.05)
        self.save_state()               # With what ready() learnt (its socket).
        say("started %-22s pid %-7d in %s" % (name, p.pid, self.ns(node)))
        return rec

    def seamd_ready(self, rec):
        # seamctl status: 3 = cannot reach; 0/1 = seamd answered.
        return self.seamctl("status", check=False, timeout=5).returncode in (0, 1)

    @staticmethod
    def _sock_ready(path):
        """A readiness test: the unix socket 'path' accepts a connection (a
        file left by a killed predecessor does not)."""
        def ready(rec):
            rec["socket"] = str(path)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                c.settimeout(1)
                c.connect(str(path))
            return True
        return ready

    def restart(self, name, wipe_db=False):
        """Kills process 'name' (-9) if it runs and starts it again with the
        same command line, in the same namespace; 'wipe_db' first deletes its
        database file (--db=FILE), as a VTEP replaced by a blank one.
        Returns the seconds from the kill until it was ready."""
        rec = self.proc(name)
        if rec is None:
            raise LabError("no process %r (processes: %s)"
                           % (name, ", ".join(p["name"] for p in self.procs())))
        t0 = time.monotonic()
        if self.alive(rec):
            os.kill(rec["pid"], signal.SIGKILL)
            while self.alive(rec) and time.monotonic() - t0 < 5:
                time.sleep(0.01)
        if wipe_db:
            for a in rec["argv"]:
                if a.startswith("--db="):
                    Path(a[5:]).unlink(missing_ok=True)
        self.state["procs"].remove(rec)
        if name == "seamd":
            ready = self.seamd_ready
        elif name.startswith("lldpd-"):
            self.lldpd_socket(rec["node"]).unlink(missing_ok=True)
            ready = self._lldpd_ready(self.topo.servers[rec["node"]])
        elif rec.get("socket"):
            ready = self._sock_ready(rec["socket"])
        else:
            ready = lambda r: True  # noqa: E731
        self._spawn(name, rec["node"], rec["argv"], rec["pidfile"], ready, "as at up")
        return time.monotonic() - t0

    @staticmethod
    def _pidfile_is(path, pid):
        try:
            return int(Path(path).read_text().split()[0]) == pid
        except (OSError, ValueError, IndexError):
            return False

    def _start_daemons(self):
        t = self.topo
        c = t.controller_server
        sb_port = int(t.controller["sb_listen"].rsplit(":", 1)[1])
        # seamd.
        d = self.dir(c.name)
        argv = [build_dir() / "seamd", "--listen=" + t.controller["listen"],
                "--state-dir=%s" % (d / "seamd"), "--pidfile=%s" % (d / "seamd.pid"),
                "--log-file=%s" % (d / "seamd.log"), "--sb-listen=ptcp:%d" % sb_port]
        (d / "seamd").mkdir(exist_ok=True)
        if "vni_ranges" in t.controller:
            argv.append("--vni-ranges=" + t.controller["vni_ranges"])
        if t.controller.get("network_vlan_ranges"):
            argv.append("--network-vlan-ranges=" + ",".join(t.controller["network_vlan_ranges"]))
        mappings = t.device_mappings()
        if mappings:
            # Which NIC of each host is on which physical network, as
            # Neutron's SR-IOV agent has it: seamd's host links from LLDP.
            conf = d / "seamd.conf"
            conf.write_text("# Written by seam-lab: the NICs that LLDP finds on the TOR "
                            "ports.\n" + "".join(
                                "\n[host:%s]\nphysical_device_mappings = %s\n" % hm
                                for hm in sorted(mappings.items())))
            argv.append("--config=%s" % conf)
        self._spawn("seamd", c.name, argv, d / "seamd.pid", self.seamd_ready,
                              "REST on %s" % t.controller["listen"])

        # The VTEPs.
        for s in t.vteps():
            v = s.vtep
            d = self.dir(s.name)
            argv = [build_dir() / "seam-vtep", "--name=" + v["name"],
                    "--tunnel-ip=" + s.underlay_ip, "--tunnel-mtu=%d" % t.underlay_mtu,
                    "--mode=" + v["mode"], "--db=%s" % (d / "vtep.db"),
                    "--remote=punix:%s" % (d / "vtep.sock"),
                    "--unixctl=%s" % (d / "vtep.ctl"),
                    "--pidfile=%s" % (d / "vtep.pid"), "--log-file=%s" % (d / "vtep.log")]
            if v["mode"] == "hypervisor":
                argv.append("--port-match=tap*")
            elif t.lldp:
                argv.append("--lldp-interval=%d" % LLDP_INTERVAL)
            for port, _srv in s.ports:
                argv.append("--port=" + port)
            if v["connect"] == "target":
                argv.append("--remote=ptcp:%d:%s" % (v["ovsdb_port"], s.underlay_ip))
            else:
                ip = "127.0.0.1" if s is c else c.underlay_ip
                argv.append("--manager=tcp:%s:%d" % (ip, sb_port))
            self._spawn("seam-vtep-" + v["name"], s.name, argv, d / "vtep.pid",
                        self._sock_ready(d / "vtep.sock"), "its OVSDB socket")

        # The SR-IOV NICs.
        for s in t.nic_servers():
            d = self.dir(s.name)
            vfs = sorted((v for v in s.vms if v.vf is not None), key=lambda v: v.vf)
            conf = d / "nic.conf"
            conf.write_text("".join("vf %d mac %s vlan %d spoofchk on\n" % (v.vf, v.mac, v.vlan)
                                    for v in vfs))
            argv = [build_dir() / "seam-sriov-nic", "--pf", s.nic["pf"], "--config", conf,
                    "--ctl", d / "nic.ctl", "--pidfile", d / "nic.pid",
                    "--log-file", d / "nic.log"]
            for v in vfs:
                argv += ["--vf", "vf%d" % v.vf]
            self._spawn("seam-sriov-nic-" + s.name, s.name, argv, d / "nic.pid",
                        self._sock_ready(d / "nic.ctl"), "its control socket")

        # lldpd on each SR-IOV server's PF, as a server runs it on its NIC:
        # its host name (the binding:host_id) as System Name, the NIC's name
        # as Port ID.  After the TORs, so their first LLDPDU is heard.
        for s in t.lldp_servers():
            self._start_lldpd(s)

        # dnsmasq on the DHCP port (the qdhcp namespace of Neutron's DHCP
        # agent); its hosts file is written from the ports by `intent`.
        for v in t.vms.values():
            if not v.dhcp_server:
                continue
            d = self.dir(v.name)
            (d / "hosts").write_text("")
            argv = ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                    "--port=0", "--interface=eth0", "--bind-interfaces",
                    "--dhcp-range=%s,static,%s,1h" % (v.network.cidr.network_address,
                                                      v.network.cidr.netmask),
                    "--dhcp-hostsfile=%s" % (d / "hosts"),
                    "--dhcp-leasefile=%s" % (d / "leases"),
                    "--pid-file=%s" % (d / "dnsmasq.pid"), "--user=root", "--group=root",
                    "--log-dhcp", "--log-facility=%s" % (d / "dnsmasq.log")]
            self._spawn("dnsmasq-" + v.name, v.name, argv, d / "dnsmasq.pid",
                        lambda rec: True, "its pid file")

    def _start_lldpd(self, s):
        ld = self.lldpd_dir()
        for p in (LLDPD_RUN, ld):
            p.mkdir(exist_ok=True)
            p.chmod(0o755)
        conf = ld / ("%s.conf" % s.name)
        conf.write_text("configure system hostname %s\n"
                        "configure lldp portidsubtype ifname\n"
                        "configure lldp tx-interval %d\n" % (s.host, LLDP_INTERVAL))
        conf.chmod(0o644)
        sock = self.lldpd_socket(s.name)
        sock.unlink(missing_ok=True)        # Left by a killed one.
        # -d: in the foreground (it has no pidfile option; daemonized it
        # would write /run/lldpd.pid), so its pid is the one recorded.
        # -O: this config only (not /etc/lldpd.conf, /etc/lldpd.d).
        argv = ["lldpd", "-d", "-u", sock, "-O", conf, "-I", s.nic["pf"]]
        self._spawn("lldpd-" + s.name, s.name, argv, None, self._lldpd_ready(s),
                    "its config applied")

    def _lldpd_ready(self, s):
        """A readiness test: lldpd answers with its config applied (it sends
        nothing before; lldpcli applies -O after start)."""
        def ready(rec):
            rec["socket"] = str(self.lldpd_socket(s.name))
            c = self.lldpcli_json(s.name, "show", "configuration")["configuration"]["config"]
            return c.get("hostname") == s.host and c.get("lldp-portid-type") == "ifname"
        return ready

    # -- health and status ---------------------------------------------------

    def health(self):
        """What is wrong with the recorded lab (empty: all well)."""
        problems = []
        if not self.state:
            return ["no state file %s" % self.state_file]
        if not self.state.get("complete"):
            problems.append("`up` did not finish")
        have = netns_list()
        for n in self.state["namespaces"]:
            if n not in have:
                problems.append("namespace %s is gone" % n)
        for p in self.procs():
            if not self.serving(p):
                problems.append("%s (pid %d) is not running" % (p["name"], p["pid"]))
        return problems

    def status(self):
        """Prints namespaces, processes and seamctl status; returns 0 if all
        is up."""
        if not self.load_state():
            say("lab %s is down (no state file %s)" % (self.prefix, self.state_file))
            return 3
        have = netns_list()
        print("lab %s  topology %s  state %s" % (self.prefix, self.state["topology"],
                                                  self.state_file))
        print("namespaces:")
        for n in self.state["namespaces"]:
            print("  %-26s %s" % (n, "present" if n in have else "MISSING"))
        print("processes:")
        for p in self.procs():
            # A killed daemon whose leader is a zombie while its other
            # threads still exit serves no more: DEAD already.
            state = ("running" if self.serving(p) else
                     "DEAD (exiting)" if self.alive(p) else "DEAD")
            print("  %-26s pid %-7d %-8s %s" % (p["name"], p["pid"], state,
                                               self.ns(p["node"])))
        problems = self.health()
        seamd = self.proc("seamd")
        if seamd and self.alive(seamd):
            print("seamctl status:")
            r = self.seamctl("status", check=False, timeout=10)
            sys.stdout.write("".join("  " + line + "\n" for line in
                                     (r.stdout + r.stderr).splitlines()))
            if r.returncode != 0:
                problems.append("seamctl status exited %d" % r.returncode)
        for pr in problems:
            print("problem: " + pr)
        return 0 if not problems else 1

    # -- down ----------------------------------------------------------------

    def down(self, quiet=False):
        """Ends every process the lab started and every process still inside
        its namespaces, then deletes its namespaces (and with them every
        link).  Works with a lost or partial state file: the topology says
        which names the lab would use."""
        self.load_state()
        names = set((self.state or {}).get("namespaces", []))
        have = netns_list()
        names |= {self.ns(n) for n in self.topo.node_names()} & have
        victims = {}
        for p in self.procs():
            if self.alive(p):
                victims[p["pid"]] = (p["name"], p["starttime"])
        for n in names & have:
            out = run(["ip", "netns", "pids", n], check=False).stdout
            for pid in out.split():
                st = proc_starttime(int(pid))
                if st is not None and int(pid) != os.getpid():
                    victims.setdefault(int(pid), ("pid %s in %s" % (pid, n), st))
        for pid, (name, st) in victims.items():
            if proc_starttime(pid) == st:
                if not quiet:
                    say("stopping %s (pid %d)" % (name, pid))
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(
                proc_starttime(pid) == st for pid, (_n, st) in victims.items()):
            time.sleep(0.05)
        for pid, (name, st) in victims.items():
            if proc_starttime(pid) == st:
                say("%s (pid %d) ignored SIGTERM: SIGKILL" % (name, pid))
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for n in sorted(names & have):
            r = run(["ip", "netns", "del", n], check=False)
            if r.returncode != 0:
                say("could not delete namespace %s: %s" % (n, r.stderr.strip()))
        if names and not quiet:
            say("removed %d namespaces" % len(names & have))
        # lldpd's sockets (left if it was killed -9) and configs.
        shutil.rmtree(self.lldpd_dir(), ignore_errors=True)
        try:
            self.state_file.unlink()
        except FileNotFoundError:
            pass
        self.state = None
        left = netns_list() & names
        if left:
            raise LabError("namespaces left behind: %s" % ", ".join(sorted(left)))
        reports = self.sanitizer_reports()
        if reports:
            raise LabError("sanitizer reports (the lab is down):\n%s" % "\n".join(
                "--- %s\n%s" % (f, f.read_text(errors="replace")[:3000]) for f in reports))

    def sanitizer_reports(self):
        if not self.state_dir.exists():
            return []
        return sorted(list(self.state_dir.glob("*/*.asan.*"))
                      + list(self.state_dir.glob("*/*.ubsan.*")))

    # -- exec ----------------------------------------------------------------

    def exec_argv(self, node, cmd):
        if node not in self.topo.node_names():
            raise LabError("no node %r (nodes: %s)" % (node, ", ".join(self.topo.node_names())))
        return ["ip", "netns", "exec", self.ns(node)] + list(cmd)

    def exec_env(self):
        e = dict(os.environ)
        e["SEAM_URL"] = self.url()
        e["PATH"] = "%s:%s" % (build_dir(), e.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"))
        return e
