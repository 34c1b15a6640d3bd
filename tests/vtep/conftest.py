"""Fixtures for the seam-vtep namespace suite (tests/vtep).

Each test builds its own topology with `lab` (or lower-level `topo` and
`procs`) and tears it down whatever happens: processes are stopped by pid
(SIGTERM, a clean exit is required of seam-vtep), then every namespace of the
test is deleted, which removes its veths, bridges and vxlan devices.  Names
are '<prefix><role>', the prefix unique per test (pid + counter).

The standard lab (make_lab):

    host hp0 (eth) --veth-- [p0]                NS a: seam-vtep, tunnel IP 10.99.0.1 on 'up'
    host hp1 (eth) --veth-- [p1]  seam-vtep          (br0, ports p0 p1 ...)
                                   [ul0] --veth-- [ua] \\
                                                        ul (NS u: a Linux bridge, the underlay)
    NS b: ul0 10.99.0.2, vx0 (kernel vxlan 5000) --[ub] /
    NS c: ul0 10.99.0.3, vx0 (kernel vxlan 5000) --[uc]/

Underlay MTU 1600, kernel vxlan with noudpcsum (peers/README.md §3); IPv6
off everywhere so that nothing but the test's own frames cross.  Overlay
192.168.100.0/24: peers .2 .3, hosts as the test says.

SEAM_BUILD selects the build (build-san: a sanitizer report fails the test).
SEAM_VTEP_KEEP=1 keeps the namespaces and dirs of a failed test.
"""

import itertools
import os

import pytest

import vtepnet as vn
from labfixtures import (  # noqa: F401 (the hook, for pytest)
    keep_failed, pytest_runtest_makereport, require_env)

_counter = itertools.count()


def pytest_configure(config):
    config.addinivalue_line("markers", "lab: a seam-vtep namespace test")


def _require_env():
    require_env(vn.vtep_binary(), "seam-vtep", ("ip", "vtep-ctl", "tshark"),
                " (scripts/install-deps)")


def _keep(request):
    return keep_failed(request, "SEAM_VTEP_KEEP")


@pytest.fixture
def topo(request):
    _require_env()
    t = vn.Topo("sv%d-%d-" % (os.getpid(), next(_counter)))
    yield t
    if _keep(request):
        print("kept namespaces %s" % " ".join(t.namespaces))
        return
    t.teardown()


class Procs:
    def __init__(self, base):
        self.base = base
        self.procs = []
        self.n = 0

    def dir(self, tag):
        self.n += 1
        d = self.base / ("%s%d" % (tag, self.n))
        d.mkdir()
        return d

    def vtep(self, ns, tunnel_ip, ports, name="br0", db_remote=None, extra=()):
        v = vn.Vtep(ns, self.dir("vtep"), name, tunnel_ip, ports, db_remote, extra)
        self.procs.append(v)
        v.ready()
        return v

    def ovsdb_server(self, ns=None):
        """A real ovsdb-server serving a fresh hardware_vtep DB on a unix socket."""
        d = self.dir("ovsdb")
        vn.run(["ovsdb-tool", "create", d / "vtep.db", vn.VTEP_SCHEMA])
        sock = d / "db.sock"
        p = vn.Process("ovsdb-server", ns, d,
                       ["ovsdb-server", "--no-chdir", "--pidfile=%s" % (d / "ovsdb-server.pid"),
                        "--log-file=%s" % (d / "ovsdb-server.log"),
                        "--unixctl=%s" % (d / "ovsdb-server.ctl"),
                        "--remote=punix:%s" % sock, d / "vtep.db"],
                       d / "ovsdb-server.pid", d / "ovsdb-server.log")
        self.procs.append(p)
        p.wait_pidfile()
        vn.wait_until(sock.exists, 10, "ovsdb-server socket")
        p.remote = "unix:%s" % sock
        p.ctl = vn.VtepCtl(p.remote)
        return p

    def teardown(self):
        problems = []
        for p in reversed(self.procs):
            if not p.alive() and p.died is None:
                problems.append("%s (pid %d) died during the test, rc=%s\n%s" % (
                    p.name, p.pid, p.proc.returncode, p.diagnostics()))
                p.stop()
                continue
            rc = p.stop()
            if getattr(p, "known_bug", None):
                continue                # An xfail test said why it may hang.
            if p.name == "seam-vtep" and rc != 0:
                problems.append("seam-vtep exited rc=%s on SIGTERM, expected 0\n%s"
                                % (rc, p.diagnostics()))
            for rep in p.sanitizer_reports():
                problems.append("sanitizer report from %s:\n%s" % (p.name, rep))
        return problems


@pytest.fixture
def procs(topo, tmp_path, request):
    """Daemons of the test; stopped before `topo` deletes the namespaces.
    Fails the test if one died, exited badly on SIGTERM, or a sanitizer
    reported."""
    f = Procs(tmp_path)
    yield f
    problems = f.teardown()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


class Lab:
    def __init__(self, topo, procs):
        self.topo, self.procs = topo, procs
        self.peers = []                 # dicts: ns, ip, mac, overlay
        self.hosts = {}                 # port -> dict: ns, mac, ip (None: raw host)
        self.vtep = None

    @property
    def ctl(self):
        return self.vtep.ctl

    def host_raw(self, port):
        h = self.hosts[port]
        return self.topo.raw(h["ns"], "eth")

    def peer_underlay(self, i):
        return self.topo.raw(self.peers[i]["ns"], "ul0")

    def configure(self, bindings, unknown_dst=None, ls="ls0", vni=vn.VNI, ctl=None,
                  replication=None):
        """add-ls, tunnel_key, bind-ls each (port, vlan), unknown-dst to the
        given peers (default all), as one vtep-ctl run; 'replication' sets
        replication_mode (empty means service_node in vtep(5))."""
        ctl = ctl or self.ctl
        args = ["--", "--may-exist", "add-ls", ls,
                "--", "set", "Logical_Switch", ls, "tunnel_key=%d" % vni]
        if replication:
            args += ["--", "set-replication-mode", ls, replication]
        for port, vlan in bindings:
            args += ["--", "bind-ls", self.vtep.ps_name, port, str(vlan), ls]
        peers = self.peers if unknown_dst is None else [self.peers[i] for i in unknown_dst]
        for p in peers:
            args += ["--", "add-mcast-remote", ls, "unknown-dst", p["ip"]]
        ctl(*args)
        self.wait_active(ls, [p["ip"] for p in peers], ctl)

    def wait_active(self, ls, remotes, ctl=None):
        """vtep-ctl returns when the DB has committed; seam-vtep publishes
        the forwarding snapshot up to 20 ms later and then writes the rows
        that follow from it: Mcast_Macs_Local unknown-dst for each bound
        switch and a Tunnel per remote.  Wait for those."""
        ctl = ctl or self.ctl

        def active():
            lss = {r["_uuid"] for r in ctl.rows("Logical_Switch") if r["name"] == ls}
            if not any(r["MAC"] == "unknown-dst" and r["logical_switch"] in lss
                       for r in ctl.rows("Mcast_Macs_Local")):
                return False
            locs = ctl.locators()
            have = {locs.get(t["remote"]) for t in ctl.rows("Tunnel")}
            return set(remotes) <= have
        vn.wait_until(active, 10, "seam-vtep to apply the configuration of %s" % ls)

    def ping(self, ns, dst, count=3):
        """Kernel ping from 'ns': first poll until one reply, then 'count'
        in a row must all come back."""
        vn.wait_until(lambda: self.topo.exec(ns, "ping", "-c1", "-W1", dst,
                                             check=False).returncode == 0,
                      10, "first ping %s -> %s" % (ns, dst))
        p = self.topo.exec(ns, "ping", "-c", str(count), "-i", "0.2", "-W", "2", dst,
                           check=False)
        assert "%d received" % count in p.stdout, p.stdout + p.stderr
        return p.stdout


@pytest.fixture
def make_lab(topo, procs):
    """make_lab(peers=1, hosts={"p0": "192.168.100.10", "p1": None}, ...):
    builds the standard lab and starts seam-vtep (unless db_remote='ovs':
    then it follows a real ovsdb-server, started first)."""
    def make(peers=1, hosts=None, vtep_args=(), db_remote=None, start=True):
        hosts = {"p0": "192.168.100.10"} if hosts is None else hosts
        lab = Lab(topo, procs)
        a = topo.ns("a")
        u = topo.ns("u")
        topo.ip(u, "link", "add", "name", "ul", "type", "bridge")
        topo.ip(u, "link", "set", "dev", "ul", "mtu", "1600", "up")
        topo.veth(a, "ul0", u, "ua", mtu=1600)
        topo.ip(u, "link", "set", "dev", "ua", "master", "ul")
        topo.ip(a, "addr", "add", "%s.1/24" % vn.UNDERLAY_NET, "dev", "ul0")
        for i in range(peers):
            tag = "bcdefg"[i]
            ns = topo.ns(tag)
            topo.veth(ns, "ul0", u, "u" + tag, mtu=1600)
            topo.ip(u, "link", "set", "dev", "u" + tag, "master", "ul")
            ip = "%s.%d" % (vn.UNDERLAY_NET, 2 + i)
            topo.ip(ns, "addr", "add", ip + "/24", "dev", "ul0")
            overlay = "%s.%d" % (vn.OVERLAY_NET, 2 + i)
            mac = topo.kernel_vtep(ns, ip, "%s.1" % vn.UNDERLAY_NET, overlay)
            lab.peers.append({"ns": ns, "ip": ip, "mac": mac, "overlay": overlay})
        for port, hip in hosts.items():
            ns = topo.ns("h" + port)
            topo.veth(a, port, ns, "eth")
            if hip:
                topo.ip(ns, "addr", "add", hip + "/24", "dev", "eth")
            lab.hosts[port] = {"ns": ns, "mac": topo.mac(ns, "eth"), "ip": hip}
        lab.ports = list(hosts)
        if start:
            remote = None
            if db_remote == "ovs":
                lab.server = procs.ovsdb_server()
                remote = lab.server.remote
            lab.vtep = procs.vtep(a, "%s.1" % vn.UNDERLAY_NET, lab.ports,
                                  db_remote=remote, extra=vtep_args)
        return lab
    return make
