"""Topology helper for the controller's use-case tests (tests/controller).

Builds on tests/vtep/vtepnet.py (namespaces, raw ports, seam-vtep and
ovsdb-server processes) and adds what the reconciler's tests need: a seam_nb
database served by seam-ovsdb, rows written into it with ovsdb-client, the
reconciler harness (build/tests/rcdriver) or seamd, the SR-IOV NIC emulator
(sriovnic.py), VMs as namespaces, dnsmasq as a DHCP port, and a monitor of
a VTEP's tables that records every insert and delete.

Every name is '<prefix><role>' with a prefix unique per test, and SeamLab.
teardown() stops every process by pid and deletes every namespace.

The use-case lab (SeamLab.build_usecases()):

  NS u: bridge 'ul' 10.99.0.254/24 (underlay); rcdriver runs here and
        listens on ptcp:PORT:10.99.0.254 for VTEPs that dial in.
  NS tor: seam-vtep tor1 (tor), 10.99.0.1, ports p1 (server1's PF), p2 (server2's PF)
  NS hv1: seam-vtep hv1 (hypervisor, host compute1), 10.99.0.2, port tap<vm3>
  NS hv2: seam-vtep hv2 (hypervisor, host netnode), 10.99.0.3, port tap<dhcp>;
          it dials in (its Manager row), the NB gives it no target
  NS s1: sriovnic pf0 <-> tor p1; vf0 (vlan 2901) <-> vm1, vf1 (2901) <-> vm2
  NS s2: sriovnic pf0 <-> tor p2; vf0 (vlan 2900) <-> vm4
  VMs vm1 .11, vm2 .12, vm3 .13 (VXLAN, on hv1), vm4 .14; dhcp .2 (dnsmasq)
  on 192.168.10.0/24, network VNI 5000 with segments vxlan 5000, vlan
  physnet1 2901, vlan physnet2 2900.

build_usecases(hv1_impl=ovs_hypervisor) makes hv1 Open vSwitch's vtep
emulator (OvsVtep: ovsdb-server, ovs-vswitchd on the userspace datapath,
ovs-vtep).  build_usecases_rest() builds the same lab with the intent
written through seamd's REST API (NsSeamd: seamd in the underlay namespace,
VTEPs reached over tcp:), optionally on an external NB (a Raft cluster).
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "vtep"))
import vtepnet as vn  # noqa: E402

REPO = HERE.parent.parent
NB_SCHEMA = REPO / "schemas" / "seam_nb.ovsschema"
UNDERLAY = "10.99.0"
OVERLAY = "192.168.10"


def tap_name(port_id):
    """Nova's tap name for a port: 'tap' + the first 11 characters."""
    return "tap" + port_id[:11]


def fixed_mac(n):
    return "fa:16:3e:00:00:%02x" % n


class NB:
    """A seam_nb database served by seam-ovsdb on a unix socket."""

    def __init__(self, lab):
        d = lab.dir("nb")
        db = d / "nb.db"
        vn.run([vn.build_dir() / "seam-ovsdb", "create", db, NB_SCHEMA])
        self.sock = d / "nb.sock"
        self.proc = vn.Process("seam-ovsdb", None, d,
                               [vn.build_dir() / "seam-ovsdb", "--remote=punix:%s" % self.sock,
                                "--pidfile=%s" % (d / "nb.pid"), "--log-file=%s" % (d / "nb.log"),
                                db], d / "nb.pid", d / "nb.log")
        lab.procs.append(self.proc)
        self.proc.wait_pidfile()
        vn.wait_until(self.sock.exists, 10, "NB socket")
        self.remote = "unix:%s" % self.sock

    def transact(self, *ops):
        out = vn.run(["ovsdb-client", "transact", self.remote,
                      json.dumps(["seam_nb"] + list(ops))]).stdout
        res = json.loads(out)
        for r in res:
            if r and "error" in r:
                raise AssertionError("NB transaction failed: %s" % out)
        return res

    def insert(self, table, row, uid=None):
        uid = uid or str(uuid.uuid4())
        self.transact({"op": "insert", "table": table, "uuid": uid, "row": row})
        return uid

    def update(self, table, uid, row):
        self.transact({"op": "update", "table": table,
                       "where": [["_uuid", "==", ["uuid", uid]]], "row": row})

    def delete(self, table, uid):
        self.transact({"op": "delete", "table": table,
                       "where": [["_uuid", "==", ["uuid", uid]]]})

    def rows(self, table):
        out = vn.run(["ovsdb-client", "transact", self.remote,
                      json.dumps(["seam_nb", {"op": "select", "table": table,
                                              "where": []}])]).stdout
        rows = json.loads(out)[0]["rows"]
        return [{k: vn._parse_value(v) for k, v in r.items()} for r in rows]

    def row(self, table, uid):
        for r in self.rows(table):
            if r["_uuid"] == uid:
                return r
        return None


class Monitor:
    """ovsdb-client monitor of a VTEP's tables: records each (table, kind,
    uuid) of inserts and deletes, to prove no row was deleted and re-added."""

    TABLES = ("Logical_Switch", "Ucast_Macs_Remote", "Mcast_Macs_Remote",
              "Physical_Locator_Set")

    def __init__(self, remote, logdir, name):
        self.events = []
        self.lock = threading.Lock()
        self.procs = []
        for t in self.TABLES:
            p = subprocess.Popen(["ovsdb-client", "monitor", remote, "hardware_vtep", t,
                                  "--format=json"], stdout=subprocess.PIPE,
                                 stderr=open(logdir / ("monitor-%s-%s.err" % (name, t)), "w"),
                                 text=True)
            th = threading.Thread(target=self._read, args=(t, p), daemon=True)
            th.start()
            self.procs.append(p)

    def _read(self, table, p):
        for line in p.stdout:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            heads = j.get("headings", [])
            for row in j.get("data", []):
                d = dict(zip(heads, row))
                with self.lock:
                    self.events.append((table, d.get("action"), d.get("row"), time.monotonic()))

    def kinds(self, kind):
        with self.lock:
            return [(t, r) for t, a, r, _ in self.events if a == kind]

    def mark(self):
        with self.lock:
            return len(self.events)

    def since(self, mark, kind):
        with self.lock:
            return [(t, r) for t, a, r, _ in self.events[mark:] if a == kind]

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()


class SeamLab:
    def __init__(self, tmp_path, tag="sc"):
        self.topo = vn.Topo("%s%d-%d-" % (tag, os.getpid(), id(self) % 10000))
        self.base = tmp_path
        self.procs = []
        self.monitors = []
        self.n = 0
        self.vteps = {}
        self.vms = {}
        self.controller = None

    # -- processes ---------------------------------------------------------

    def dir(self, tag):
        self.n += 1
        d = self.base / ("%s%d" % (tag, self.n))
        d.mkdir()
        return d

    def start_nb(self):
        self.nb = NB(self)
        return self.nb

    def start_controller(self, listen=None):
        """The reconciler harness, in the underlay namespace."""
        d = self.dir("rc")
        argv = [vn.build_dir() / "tests" / "rcdriver", "--nb=" + self.nb.remote,
                "--pidfile=%s" % (d / "rc.pid"), "--log-file=%s" % (d / "rc.log"),
                "-d", "reconcile,sb,client"]
        if listen:
            argv.append("--sb-listen=" + listen)
        p = vn.Process("rcdriver", self.u, d, argv, d / "rc.pid", d / "rc.log")
        self.procs.append(p)
        p.wait_pidfile()
        self.controller = p
        self.controller_listen = listen
        return p

    def kill_controller(self):
        p = self.controller
        os.kill(p.pid, 9)
        p.proc.wait(5)
        p.died = "killed by the test"
        p.stderr.close()

    def start_vtep(self, name, ns, tunnel_ip, ports, mode="tor", manager=None, dbdir=None,
                   extra=()):
        d = dbdir or self.dir("vtep-" + name)
        extra = ["--mode=" + mode] + list(extra)
        if manager:
            extra.append("--manager=" + manager)
        v = vn.Vtep(ns, d, name, tunnel_ip, ports, extra=extra)
        self.procs.append(v)
        v.ready()
        v.dirpath = d
        self.vteps[name] = v
        return v

    def kill_vtep(self, name):
        v = self.vteps[name]
        os.kill(v.pid, 9)
        v.proc.wait(5)
        v.died = "killed by the test"
        v.stderr.close()

    def start(self, name, ns, argv, pidfile=None, logfile=None):
        d = self.dir(name)
        pidfile = pidfile or d / (name + ".pid")
        logfile = logfile or d / (name + ".log")
        argv = [str(a).replace("{dir}", str(d)) for a in argv]
        p = vn.Process(name, ns, d, argv, pidfile, logfile)
        self.procs.append(p)
        return p

    def monitor(self, remote, name):
        m = Monitor(remote, self.dir("mon-" + name), name)
        self.monitors.append(m)
        return m

    # -- topology ----------------------------------------------------------

    def monitor_vteps(self, tables=("Logical_Switch", "Ucast_Macs_Remote",
                                    "Mcast_Macs_Remote")):
        """Monitors of every VTEP (name -> Monitor), each waited for until
        its initial contents hold 'tables', and a mark in each (name ->
        mark): for assert_no_churn()."""
        mons = {n: self.monitor(v.remote, n) for n, v in self.vteps.items()}
        for n, m in mons.items():
            vn.wait_until(lambda: set(tables) <= {t for t, _ in m.kinds("initial")},
                          10, "monitor of %s" % n)
        return mons, {n: m.mark() for n, m in mons.items()}

    def underlay(self):
        u = self.topo.ns("u")
        self.topo.ip(u, "link", "add", "name", "ul", "type", "bridge")
        self.topo.ip(u, "link", "set", "dev", "ul", "mtu", "1600", "up")
        self.topo.ip(u, "addr", "add", "%s.254/24" % UNDERLAY, "dev", "ul")
        self.u = u
        return u

    def vtep_ns(self, tag, ip):
        ns = self.topo.ns(tag)
        self.topo.veth(ns, "ul0", self.u, "u-" + tag, mtu=1600)
        self.topo.ip(self.u, "link", "set", "dev", "u-" + tag, "master", "ul")
        self.topo.ip(ns, "addr", "add", ip + "/24", "dev", "ul0")
        return ns

    def vm(self, tag, ns_peer, peer_if, mac, ip):
        """A VM: namespace 'tag' whose eth0 is the peer of 'peer_if' in
        'ns_peer', with 'mac' and 'ip'/24; checksum offload off (userspace
        datapaths forward what the kernel left partial)."""
        ns = self.topo.ns(tag)
        self.topo.veth(ns, "eth0", ns_peer, peer_if)
        self.topo.ip(ns, "link", "set", "dev", "eth0", "address", mac)
        self.topo.ip(ns, "addr", "add", ip + "/24", "dev", "eth0")
        self.topo.exec(ns, "ethtool", "-K", "eth0", "tx", "off", check=False)
        self.vms[tag] = {"ns": ns, "mac": mac, "ip": ip}
        return ns

    def sriov_server(self, tag, tor_ns, tor_port, vfs):
        """A server with an SR-IOV NIC: its PF wired to 'tor_port' of the
        TOR; 'vfs' is a list of (vm tag, mac, ip, vlan)."""
        ns = self.topo.ns(tag)
        self.topo.veth(ns, "pf0", tor_ns, tor_port)
        specs = []
        for i, (vm, mac, ip, vlan) in enumerate(vfs):
            self.vm(vm, ns, "vf%d" % i, mac, ip)
            specs += ["--vf", "vf%d:%d" % (i, vlan)]
        d = self.dir("nic-" + tag)
        p = vn.Process("sriovnic", ns, d, ["/usr/bin/python3", HERE / "sriovnic.py",
                                           "--pf", "pf0", "--pidfile", d / "nic.pid"] + specs,
                       d / "nic.pid", d / "nic.log")
        self.procs.append(p)
        p.wait_pidfile()
        return ns

    def dnsmasq(self, vm, start, end):
        ns = self.vms[vm]["ns"]
        d = self.dir("dnsmasq")
        p = vn.Process("dnsmasq", ns, d,
                       ["dnsmasq", "--keep-in-foreground", "--port=0", "--interface=eth0",
                        "--bind-interfaces", "--dhcp-range=%s,%s,255.255.255.0,1h" % (start, end),
                        "--dhcp-leasefile=%s" % (d / "leases"), "--user=root", "--group=root",
                        "--pid-file=%s" % (d / "dnsmasq.pid"), "--log-dhcp",
                        "--log-facility=%s" % (d / "dnsmasq.log")],
                       d / "dnsmasq.pid", d / "dnsmasq.log")
        self.procs.append(p)
        p.wait_pidfile()
        return p

    # -- checks ------------------------------------------------------------

    def ping(self, src, dst_ip, count=3, timeout=15):
        ns = self.vms[src]["ns"]
        vn.wait_until(lambda: self.topo.exec(ns, "ping", "-c1", "-W1", dst_ip,
                                             check=False).returncode == 0,
                      timeout, "first ping %s -> %s" % (src, dst_ip))
        p = self.topo.exec(ns, "ping", "-c", str(count), "-i", "0.2", "-W", "2", dst_ip,
                           check=False)
        assert "%d received" % count in p.stdout, p.stdout + p.stderr
        return p.stdout

    def ping_background(self, src, dst_ip, count):
        """Starts 'count' pings, 10 a second, from VM 'src' to 'dst_ip' and
        returns at once: pass the result to assert_no_loss()."""
        return subprocess.Popen(["ip", "netns", "exec", self.vms[src]["ns"], "ping",
                                 "-c", str(count), "-i", "0.1", "-W", "1", dst_ip],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def neigh(self, vm, ip):
        """The MAC 'vm' resolved for 'ip' (ARP), or None."""
        out = self.topo.exec(self.vms[vm]["ns"], "ip", "-j", "neigh", "show", ip).stdout
        for n in json.loads(out or "[]"):
            if n.get("lladdr") and "FAILED" not in n.get("state", []):
                return n["lladdr"]
        return None

    def flush_arp(self, vm):
        self.topo.exec(self.vms[vm]["ns"], "ip", "neigh", "flush", "dev", "eth0", check=False)

    def dhcp_discover(self, vm, timeout=10):
        """A DHCPDISCOVER from 'vm' (scapy, broadcast); returns the offered
        IP or raises."""
        from scapy.all import BOOTP, DHCP, IP, UDP, Ether  # noqa: E402
        v = self.vms[vm]
        port = self.topo.raw(v["ns"], "eth0")
        xid = int.from_bytes(os.urandom(4), "big")
        mac = vn.mac_bytes(v["mac"])
        frame = (Ether(src=v["mac"], dst="ff:ff:ff:ff:ff:ff")
                 / IP(src="0.0.0.0", dst="255.255.255.255")
                 / UDP(sport=68, dport=67)
                 / BOOTP(chaddr=mac + b"\0" * 10, xid=xid, flags=0x8000)
                 / DHCP(options=[("message-type", "discover"), "end"]))

        def offer(frames):
            for f in frames:
                if f.outgoing:
                    continue
                e = Ether(f.data)
                if BOOTP in e and e[BOOTP].xid == xid and e[BOOTP].op == 2:
                    return e[BOOTP].yiaddr
            return None
        deadline = time.monotonic() + timeout
        while True:
            port.send(frame)
            try:
                return port.poll(offer, timeout=1.0, what="DHCPOFFER")
            except AssertionError:
                if time.monotonic() > deadline:
                    raise

    def teardown(self):
        problems = []
        for m in self.monitors:
            m.stop()
        for p in reversed(self.procs):
            if p.died:
                continue
            if not p.alive():
                problems.append("%s (pid %d) died during the test, rc=%s\n%s" % (
                    p.name, p.pid, p.proc.returncode, p.diagnostics()))
                p.stderr.close()
                continue
            rc = p.stop()
            if p.name in ("seam-vtep", "rcdriver") and rc != 0:
                problems.append("%s exited rc=%s on SIGTERM\n%s" % (p.name, rc, p.diagnostics()))
            for rep in p.sanitizer_reports():
                problems.append("sanitizer report from %s:\n%s" % (p.name, rep))
        self.topo.teardown()
        return problems

    # -- the use cases -----------------------------------------------------

    def usecase_servers(self):
        """The use-case lab's underlay, its VTEP namespaces (returned: tor,
        hv1, hv2) and the SR-IOV servers on tor with their VMs."""
        self.underlay()
        tor = self.vtep_ns("tor", UNDERLAY + ".1")
        hv1 = self.vtep_ns("hv1", UNDERLAY + ".2")
        hv2 = self.vtep_ns("hv2", UNDERLAY + ".3")
        self.sriov_server("s1", tor, "p1", [("vm1", fixed_mac(1), OVERLAY + ".11", 2901),
                                            ("vm2", fixed_mac(2), OVERLAY + ".12", 2901)])
        self.sriov_server("s2", tor, "p2", [("vm4", fixed_mac(4), OVERLAY + ".14", 2900)])
        return tor, hv1, hv2

    def usecase_taps(self, tor, hv1, hv2, ids):
        """The use-case lab's vm3 on hv1 and dhcp on hv2, behind taps named
        after their port ids in 'ids', as Nova names them; TX checksum
        offload off on every VTEP port."""
        self.vm("vm3", hv1, tap_name(ids["vm3"]), fixed_mac(3), OVERLAY + ".13")
        self.vm("dhcp", hv2, tap_name(ids["dhcp"]), fixed_mac(5), OVERLAY + ".2")
        for ns, ifs in ((tor, ("p1", "p2")), (hv1, (tap_name(ids["vm3"]),)),
                        (hv2, (tap_name(ids["dhcp"]),))):
            for i in ifs:
                self.topo.exec(ns, "ethtool", "-K", i, "tx", "off", check=False)

    def build_usecases(self, passive_port=16640, hv1_impl="seam"):
        """The lab of the module docstring, intent written, reconciler
        running.  Returns a dict of the NB uuids."""
        ids = {k: str(uuid.uuid4()) for k in ("net", "vm1", "vm2", "vm3", "vm4", "dhcp",
                                               "subnet")}
        self.ids = ids
        # Servers and VMs (their ports must exist before seam-vtep opens them).
        tor, hv1, hv2 = self.usecase_servers()
        self.usecase_taps(tor, hv1, hv2, ids)

        nb = self.start_nb()
        self.start_vtep("tor1", tor, UNDERLAY + ".1", ["p1", "p2"])
        if hv1_impl == "seam":
            self.start_vtep("hv1", hv1, UNDERLAY + ".2", [tap_name(ids["vm3"])],
                            mode="hypervisor")
        else:
            hv1_impl(self, hv1, tap_name(ids["vm3"]))
        mgr = "tcp:%s.254:%d" % (UNDERLAY, passive_port)
        self.start_vtep("hv2", hv2, UNDERLAY + ".3", [tap_name(ids["dhcp"])],
                        mode="hypervisor", manager=mgr)

        self.insert_tor1_hv1(nb)
        nb.insert("VTEP", {"name": "hv2", "tunnel_ip": UNDERLAY + ".3",
                           "role": "hypervisor", "host": "netnode"})
        net = ids["net"]
        nb.insert("Network", {"name": "net1", "vni": 5000}, net)
        for i, (t, pn, sid) in enumerate((("vxlan", None, 5000), ("vlan", "physnet1", 2901),
                                          ("vlan", "physnet2", 2900))):
            row = {"network": ["uuid", net], "network_type": t, "segmentation_id": sid,
                   "segment_index": i}
            if pn:
                row["physical_network"] = pn
            nb.insert("Segment", row)
        nb.insert("Subnet", {"network": ["uuid", net], "cidr": OVERLAY + ".0/24",
                             "ip_version": 4, "enable_dhcp": True}, ids["subnet"])
        nb.insert("Host_Link", {"host": "server1", "physical_network": "physnet1",
                                "vtep": "tor1", "port": "p1", "source": "static"})
        nb.insert("Host_Link", {"host": "server2", "physical_network": "physnet2",
                                "vtep": "tor1", "port": "p2", "source": "static"})
        for vm, host, vnic, n, owner in (("vm1", "server1", "direct", 11, ""),
                                         ("vm2", "server1", "direct", 12, ""),
                                         ("vm3", "compute1", "normal", 13, ""),
                                         ("vm4", "server2", "direct", 14, ""),
                                         ("dhcp", "netnode", "normal", 2, "network:dhcp")):
            mac = self.vms[vm]["mac"]
            nb.insert("Port", {"network": ["uuid", net], "mac_address": mac,
                               "binding_host_id": host, "binding_vnic_type": vnic,
                               "device_owner": owner, "status": "DOWN",
                               "fixed_ips": ["map", [["%s.%d" % (OVERLAY, n),
                                                      ["uuid", ids["subnet"]]]]]}, ids[vm])
        self.start_controller(listen="ptcp:%d:%s.254" % (passive_port, UNDERLAY))
        return ids

    def insert_tor1_hv1(self, nb):
        """Writes in 'nb' the VTEP rows of the started tor1 (a TOR at
        UNDERLAY.1) and hv1 (compute1's hypervisor at UNDERLAY.2)."""
        nb.insert("VTEP", {"name": "tor1", "target": self.vteps["tor1"].remote,
                           "tunnel_ip": UNDERLAY + ".1", "role": "tor"})
        nb.insert("VTEP", {"name": "hv1", "target": self.vteps["hv1"].remote,
                           "tunnel_ip": UNDERLAY + ".2", "role": "hypervisor",
                           "host": "compute1"})

    def wait_ports_active(self, timeout=20):
        def ok():
            return all(p["status"] == "ACTIVE" for p in self.nb.rows("Port"))
        vn.wait_until(ok, timeout, "every Port ACTIVE (%s)" % [
            (p["_uuid"][:8], p["status"], p["status_detail"]) for p in self.nb.rows("Port")])


def assert_no_loss(ping):
    """Waits for ping_background()'s 'ping' and asserts that no reply was
    lost."""
    out = ping.communicate(timeout=30)[0]
    assert " 0% packet loss" in out, out


def assert_no_churn(mons, marks):
    """Asserts that no VTEP of monitor_vteps()'s 'mons' saw a row deleted,
    inserted or modified since its mark in 'marks'."""
    for name, m in mons.items():
        for kind in ("delete", "insert", "new"):
            assert m.since(marks[name], kind) == [], (name, kind, m.since(marks[name], kind))


class OvsVtep:
    """Open vSwitch's vtep emulator as one VTEP (peers/README.md §3):
    ovsdb-server (Open_vSwitch + hardware_vtep), ovs-vswitchd on the
    userspace datapath, ovs-vtep; the Physical_Switch is the OVS bridge
    'name', the underlay IP on bridge br-phy (userspace tunnels route via an
    OVS bridge)."""

    def __init__(self, lab, ns, name, tunnel_ip, ports):
        d = lab.dir("ovs-" + name)
        run = d / "run"
        run.mkdir()
        self.env = {"OVS_RUNDIR": str(run), "OVS_DBDIR": str(d), "OVS_LOGDIR": str(d),
                    "OVS_SYSCONFDIR": str(d)}
        self.ns, self.name, self.dir = ns, name, d
        self.sock = run / "db.sock"
        self.remote = "unix:%s" % self.sock
        vn.run(["ovsdb-tool", "create", d / "conf.db", "/usr/share/openvswitch/vswitch.ovsschema"])
        vn.run(["ovsdb-tool", "create", d / "vtep.db", vn.VTEP_SCHEMA])

        def start(pname, argv):
            p = vn.Process(pname, ns, d, argv, run / (pname + ".pid"), d / (pname + ".log"),
                           extra_env=self.env)
            p.died = None
            lab.procs.append(p)
            p.wait_pidfile()
            return p
        start("ovsdb-server", ["ovsdb-server", "--no-chdir", "--pidfile=%s" % (run / "ovsdb-server.pid"),
                               "--log-file=%s" % (d / "ovsdb-server.log"),
                               "--unixctl=%s" % (run / "ovsdb-server.ctl"),
                               "--remote=punix:%s" % self.sock,
                               "--remote=db:hardware_vtep,Global,managers",
                               d / "conf.db", d / "vtep.db"])
        vn.wait_until(self.sock.exists, 10, "ovsdb-server socket")
        self.vsctl("--no-wait", "init")
        start("ovs-vswitchd", ["ovs-vswitchd", "--no-chdir",
                               "--pidfile=%s" % (run / "ovs-vswitchd.pid"),
                               "--log-file=%s" % (d / "ovs-vswitchd.log"), self.remote])
        args = ["add-br", name, "--", "set", "Bridge", name, "datapath_type=netdev"]
        for p in ports:
            args += ["--", "add-port", name, p]
        self.vsctl(*args)
        lab.topo.ip(ns, "addr", "flush", "dev", "ul0")
        self.vsctl("add-br", "br-phy", "--", "set", "Bridge", "br-phy", "datapath_type=netdev",
                   "--", "add-port", "br-phy", "ul0")
        lab.topo.ip(ns, "link", "set", "br-phy", "mtu", "1600")
        lab.topo.ip(ns, "addr", "add", tunnel_ip + "/24", "dev", "br-phy")
        lab.topo.ip(ns, "link", "set", "br-phy", "up")
        self.ctl = vn.VtepCtl(self.remote)
        self.ctl("add-ps", name, "--", "set", "Physical_Switch", name,
                 "tunnel_ips=" + tunnel_ip)
        start("ovs-vtep", ["/usr/bin/python3", "/usr/share/openvswitch/scripts/ovs-vtep",
                           "--log-file=%s" % (d / "ovs-vtep.log"),
                           "--pidfile=%s" % (run / "ovs-vtep.pid"), name])
        vn.wait_until(lambda: {p["name"] for p in self.ctl.rows("Physical_Port")} >= set(ports),
                      15, "ovs-vtep's Physical_Port rows")

    def vsctl(self, *args):
        return vn.run(["ovs-vsctl", "--db=" + self.remote, "--timeout=10"] + list(args),
                      env=self.env).stdout


def ovs_hypervisor(lab, ns, tap):
    """build_usecases(hv1_impl=ovs_hypervisor): hv1 is the OVS emulator."""
    lab.vteps["hv1"] = OvsVtep(lab, ns, "hv1", UNDERLAY + ".2", [tap])


class NsSeamd:
    """seamd (conftest.Seamd) run inside namespace 'ns'; its REST requests
    are made from inside that namespace (a socket stays in the namespace it
    was created in)."""

    def __init__(self, ns, workdir, args, port=9696, nb=None, name="seamd", wait_synced=True):
        from conftest import Seamd  # noqa: E402  (tests/controller/conftest.py)
        outer = self

        class _Seamd(Seamd):
            def command(self):
                return ["ip", "netns", "exec", outer.ns] + Seamd.command(self)

            def request(self, *a, **kw):
                with vn.in_netns(outer.ns):
                    return Seamd.request(self, *a, **kw)
        self.ns = ns
        self.s = _Seamd(workdir, args=args, default_args=False, port=port, nb=nb, name=name)
        self.s.start(wait_synced=wait_synced)

    def __getattr__(self, name):
        return getattr(self.s, name)


def build_usecases_rest(lab, passive_port, nb=None):
    """The use-case lab, with the intent written through seamd's REST API
    (Neutron-shaped) instead of NB rows; seamd runs in the underlay
    namespace and reaches the VTEPs over tcp: on the underlay."""
    tor, hv1, hv2 = lab.usecase_servers()
    lab.seamd_args = ["--vni-ranges=5000:6000",
                      "--network-vlan-ranges=physnet1:2900:2999,physnet2:2900:2999",
                      "--sb-listen=ptcp:%d:%s.254" % (passive_port, UNDERLAY),
                      "-d", "reconcile,sb"]
    api = NsSeamd(lab.u, lab.dir("seamd"), lab.seamd_args, nb=nb)
    lab.seamd = api
    lab.seamds = [api]
    for body in ({"name": "tor1", "target": "tcp:%s.1:6640" % UNDERLAY,
                  "tunnel_ip": UNDERLAY + ".1", "role": "tor"},
                 {"name": "hv1", "target": "tcp:%s.2:6640" % UNDERLAY,
                  "tunnel_ip": UNDERLAY + ".2", "role": "hypervisor", "host": "compute1"},
                 {"name": "hv2", "tunnel_ip": UNDERLAY + ".3", "role": "hypervisor",
                  "host": "netnode"}):
        api.create("seam/vteps", "vtep", body)
    for host, pn, port in (("server1", "physnet1", "p1"), ("server2", "physnet2", "p2")):
        api.create("seam/host-links", "host_link", {"host": host, "physical_network": pn,
                                                    "vtep": "tor1", "port": port})
    net = api.create("networks", "network", {"name": "net1", "segments": [
        {"provider:network_type": "vxlan", "provider:segmentation_id": 5000},
        {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
         "provider:segmentation_id": 2901},
        {"provider:network_type": "vlan", "provider:physical_network": "physnet2",
         "provider:segmentation_id": 2900}]})
    api.create("subnets", "subnet", {"network_id": net["id"], "cidr": OVERLAY + ".0/24",
                                     "ip_version": 4})
    ids = {"net": net["id"]}
    for vm, host, vnic, n, owner in (("vm1", "server1", "direct", 11, ""),
                                     ("vm2", "server1", "direct", 12, ""),
                                     ("vm3", "compute1", "normal", 13, "compute:nova"),
                                     ("vm4", "server2", "direct", 14, ""),
                                     ("dhcp", "netnode", "normal", 2, "network:dhcp")):
        p = api.create("ports", "port", {
            "network_id": net["id"], "mac_address": fixed_mac(5 if vm == "dhcp" else n - 10),
            "fixed_ips": [{"ip_address": "%s.%d" % (OVERLAY, n)}], "binding:host_id": host,
            "binding:vnic_type": vnic, "device_owner": owner})
        ids[vm] = p["id"]
    lab.ids = ids
    # The hypervisors' taps are named after the port ids, as Nova names them.
    lab.usecase_taps(tor, hv1, hv2, ids)

    lab.start_vtep("tor1", tor, UNDERLAY + ".1", ["p1", "p2"],
                   extra=["--remote=ptcp:6640:%s.1" % UNDERLAY])
    lab.start_vtep("hv1", hv1, UNDERLAY + ".2", [tap_name(ids["vm3"])], mode="hypervisor",
                   extra=["--remote=ptcp:6640:%s.2" % UNDERLAY])
    lab.start_vtep("hv2", hv2, UNDERLAY + ".3", [tap_name(ids["dhcp"])], mode="hypervisor",
                   manager="tcp:%s.254:%d" % (UNDERLAY, passive_port))
    return ids
