"""seam-vtep's control socket, driven by Open vSwitch's own ovs-appctl, and
the direct VXLAN TX path its counters reveal (docs/vtep.md, "Control
socket" and "Tunnel TX"), and, through its debug log, when it rebuilds
its forwarding snapshot."""

import re
import socket
import subprocess
import time

import pytest

import frames as fr
import vtepnet as vn


def appctl(ctl, *args, check=True):
    p = subprocess.run(["ovs-appctl", "-t", str(ctl)] + list(args),
                       capture_output=True, text=True, timeout=10)
    if check:
        assert p.returncode == 0, "ovs-appctl %s: rc=%d\n%s%s" % (
            " ".join(args), p.returncode, p.stdout, p.stderr)
    return p


def counter(text, pattern):
    m = re.search(pattern, text)
    assert m, "no %r in dp/show:\n%s" % (pattern, text)
    return int(m.group(1))


def test_appctl_commands(make_lab):
    """list-commands, version, errors for an unknown command and a wrong
    argument count (ovs-appctl exits 2), vlog/set, and exit: a clean stop
    that removes the socket."""
    lab = make_lab(peers=1, hosts={"p0": None})
    ctl = lab.vtep.dir / "seam-vtep.ctl"
    out = appctl(ctl, "list-commands").stdout
    for cmd in ("dp/show", "vlog/set", "exit", "version", "list-commands"):
        assert cmd in out, out
    assert appctl(ctl, "version").stdout.startswith("seam-vtep ")

    p = appctl(ctl, "no/such-command", check=False)
    assert p.returncode == 2
    assert '"no/such-command" is not a valid command' in p.stderr
    p = appctl(ctl, "dp/show", "extra", check=False)
    assert p.returncode == 2
    assert "at most 0 arguments" in p.stderr
    p = appctl(ctl, "vlog/set", "loud", check=False)
    assert p.returncode == 2
    assert "loud" in p.stderr

    # Garbage and a reply where a request belongs: that connection is
    # closed, the daemon answers the next one.
    for junk in (b"{nonsense", b'{"id": 1, "result": "x", "error": null}'):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(ctl))
            s.sendall(junk + b"}" * 3)
            assert s.recv(4096) == b""
    assert appctl(ctl, "version").returncode == 0

    appctl(ctl, "vlog/set", "debug")
    vn.wait_until(lambda: "DBG" in lab.vtep.log() or "debug" in lab.vtep.log().lower(),
                  10, "a debug line in the log after vlog/set debug")
    appctl(ctl, "vlog/set", "info")

    appctl(ctl, "exit")
    lab.vtep.proc.wait(10)
    lab.vtep.died = "exit through ovs-appctl"     # On purpose: not a crash.
    assert lab.vtep.proc.returncode == 0
    assert not ctl.exists()


def test_dp_show_counts_direct_tx(make_lab):
    """A host's pings to the kernel VTEP: dp/show counts the frames from the
    port, the tunnel packets both ways, and nearly all tunnel TX is direct
    (AF_PACKET to the neighbour the kernel resolved); unbound-VLAN drops
    appear by name."""
    lab = make_lab(peers=1, hosts={"p0": "192.168.100.10"})
    ctl = lab.vtep.dir / "seam-vtep.ctl"
    lab.configure([("p0", 0)])
    h = lab.hosts["p0"]
    lab.ping(h["ns"], lab.peers[0]["overlay"], count=10)
    out = appctl(ctl, "dp/show").stdout
    assert counter(out, r"rx: port (\d+)") >= 11
    tx = counter(out, r"tx: packets (\d+) \(direct")
    direct = counter(out, r"\(direct (\d+)\)")
    assert tx >= 11
    # The first packets go routed while the kernel resolves 10.99.0.2.
    assert direct >= tx - 3, out
    assert counter(out, r"look-ups (\d+)") >= 1
    assert "port p0 (up)" in out

    # A tagged frame on VLAN 7, which nothing binds: dropped, by name.
    raw = lab.host_raw("p0")
    vn.wait_until(lambda: (raw.send(fr.tframe(h["mac"], fr.token(), vlan=7))
                           or re.search(r"drops:.* unbound \d+", appctl(ctl, "dp/show").stdout)),
                  10, "an unbound drop in dp/show")
    print(appctl(ctl, "dp/show").stdout)        # Shown with pytest -s.


def test_routed_tx(make_lab):
    """--tunnel-tx=routed: the same pings, and no packet goes direct."""
    lab = make_lab(peers=1, hosts={"p0": "192.168.100.10"},
                   vtep_args=["--tunnel-tx=routed"])
    ctl = lab.vtep.dir / "seam-vtep.ctl"
    lab.configure([("p0", 0)])
    lab.ping(lab.hosts["p0"]["ns"], lab.peers[0]["overlay"], count=5)
    out = appctl(ctl, "dp/show").stdout
    assert counter(out, r"tx: packets (\d+) \(direct") >= 6
    assert counter(out, r"\(direct (\d+)\)") == 0
    assert counter(out, r"look-ups (\d+)") == 0


@pytest.mark.parametrize("db", ["embedded", "ovs"])
def test_datapath_writes_do_not_rebuild(make_lab, db):
    """seam-vtep writes learned MACs (Ucast_Macs_Local) and statistics
    (Logical_Binding_Stats, vlan_stats) from what its datapath sees.  Those
    writes are not configuration: with traffic flowing and both written, no
    new forwarding snapshot is built (a debug line counts each one), in the
    embedded database and when following an external ovsdb-server."""
    lab = make_lab(peers=1, hosts={"p0": "192.168.100.10"},
                   db_remote="ovs" if db == "ovs" else None)
    ctl = lab.vtep.dir / "seam-vtep.ctl"
    vctl = lab.server.ctl if db == "ovs" else lab.ctl
    lab.configure([("p0", 0)], ctl=vctl)
    h, b = lab.hosts["p0"], lab.peers[0]
    lab.ping(h["ns"], b["overlay"], count=2)
    vn.wait_until(lambda: h["mac"] in vctl("list-local-macs", "ls0"), 5,
                  "the learned MAC in the database")
    time.sleep(0.5)                     # The last rebuild of the set-up.
    appctl(ctl, "vlog/set", "debug")
    before = lab.vtep.log().count("published a snapshot")

    def stats_packets():
        return sum(int(r.get("packets_from_local", 0))
                   for r in vctl.rows("Logical_Binding_Stats"))
    seen = stats_packets()
    lab.ping(h["ns"], b["overlay"], count=10)
    vn.wait_until(lambda: stats_packets() >= seen + 10, 10,
                  "Logical_Binding_Stats to count the pings")
    time.sleep(0.5)                     # Rebuilds are checked every 20 ms.
    assert lab.vtep.log().count("published a snapshot") == before, lab.vtep.log()[-3000:]

    # A configuration change still rebuilds.
    vctl("set", "Logical_Switch", "ls0", "description=changed")
    vn.wait_until(lambda: lab.vtep.log().count("published a snapshot") > before, 5,
                  "a snapshot after a Logical_Switch change")
    appctl(ctl, "vlog/set", "info")
