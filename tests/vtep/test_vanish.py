"""Interfaces that vanish while seam-vtep runs (`ip link del`) and come back.

A port's interface, or the underlay interface that holds the tunnel IP, is
deleted: seam-vtep must spend no CPU on it (before the fix its threads spun
at 100% on the dead AF_PACKET socket), say so once in its log, report it
(Physical_Port.port_fault_status / Physical_Switch.switch_fault_status
unspecified_fault), and forward through the interface again once one of
that name (or holding that address) is back, whatever its new ifindex."""

import os
import time
from pathlib import Path

import vtepnet as vn

FAULT_WAIT = 15         # A few 3-s ticks, with room for ASan+UBSan.
CPU_SECONDS = 3


def cpu_ticks(pid):
    """utime + stime of every thread of 'pid', in clock ticks."""
    total = 0
    for t in Path("/proc/%d/task" % pid).iterdir():
        try:
            fields = (t / "stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def cpu_share(pid, seconds=CPU_SECONDS):
    """The CPU seam-vtep's threads use over 'seconds' (1.0 = one core)."""
    hz = os.sysconf("SC_CLK_TCK")
    t0, c0 = time.monotonic(), cpu_ticks(pid)
    time.sleep(seconds)             # A measurement window, not a wait.
    return (cpu_ticks(pid) - c0) / hz / (time.monotonic() - t0)


def rows(lab, table, name):
    return [r for r in lab.ctl.rows(table) if r["name"] == name]


def as_list(v):
    return v if isinstance(v, list) else [v]


def port_faults(lab, port):
    return sorted(as_list(rows(lab, "Physical_Port", port)[0]["port_fault_status"]))


def switch_faults(lab):
    return sorted(as_list(rows(lab, "Physical_Switch", lab.vtep.ps_name)[0]
                          ["switch_fault_status"]))


def log_count(lab, text):
    return lab.vtep.log().count(text)


def test_port_interface_deleted_and_back(make_lab):
    """`ip link del p0` (the veth pair goes): seam-vtep's threads stay near
    0% CPU, one warning is logged, p0 reports unspecified_fault; a new p0
    (another ifindex) clears the fault, is logged as back, and the host
    behind it pings the remote VTEP again.  p1 is untouched throughout."""
    lab = make_lab(peers=1, hosts={"p0": "192.168.100.10", "p1": "192.168.100.11"})
    lab.configure([("p0", 0), ("p1", 0)])
    a = lab.topo.prefix + "a"
    peer = lab.peers[0]["overlay"]
    lab.ping(lab.hosts["p0"]["ns"], peer)

    lab.topo.ip(a, "link", "del", "p0")
    gone = "p0: interface gone"
    vn.wait_until(lambda: log_count(lab, gone) == 1, 10, "the log line '%s'" % gone)
    share = cpu_share(lab.vtep.pid)
    assert share < 0.05, "seam-vtep used %.0f%% CPU with p0 gone" % (share * 100)
    vn.wait_until(lambda: port_faults(lab, "p0") == ["unspecified_fault"], FAULT_WAIT,
                  "unspecified_fault on p0")
    assert log_count(lab, gone) == 1, lab.vtep.log()
    assert port_faults(lab, "p1") == []
    lab.ping(lab.hosts["p1"]["ns"], peer)

    # Back, under a new ifindex.
    h = lab.hosts["p0"]
    lab.topo.veth(a, "p0", h["ns"], "eth")
    lab.topo.ip(h["ns"], "addr", "add", h["ip"] + "/24", "dev", "eth")
    vn.wait_until(lambda: port_faults(lab, "p0") == [], FAULT_WAIT, "p0's fault to clear")
    assert log_count(lab, "p0: interface back") == 1, lab.vtep.log()
    lab.ping(h["ns"], peer)
    assert cpu_share(lab.vtep.pid, 1) < 0.05
    assert log_count(lab, gone) == 1


def test_underlay_interface_deleted_and_back(make_lab):
    """`ip link del ul0` (the interface with the tunnel IP): no CPU spent,
    one warning, switch_fault_status unspecified_fault; a new ul0 with the
    address clears it and traffic crosses the tunnel again."""
    lab = make_lab(peers=1, hosts={"p0": "192.168.100.10"})
    lab.configure([("p0", 0)])
    a, u = lab.topo.prefix + "a", lab.topo.prefix + "u"
    peer = lab.peers[0]["overlay"]
    lab.ping(lab.hosts["p0"]["ns"], peer)
    assert switch_faults(lab) == []

    lab.topo.ip(a, "link", "del", "ul0")
    # Logged once: the interface goes down, then away (no second line).
    gone = ": tunnels down"
    vn.wait_until(lambda: log_count(lab, gone) == 1, 10, "the log line '...%s...'" % gone)
    share = cpu_share(lab.vtep.pid)
    assert share < 0.05, "seam-vtep used %.0f%% CPU with ul0 gone" % (share * 100)
    vn.wait_until(lambda: switch_faults(lab) == ["unspecified_fault"], FAULT_WAIT,
                  "unspecified_fault on the switch")
    assert log_count(lab, gone) == 1, lab.vtep.log()

    lab.topo.veth(a, "ul0", u, "ua", mtu=1600)
    lab.topo.ip(u, "link", "set", "dev", "ua", "master", "ul")
    lab.topo.ip(a, "addr", "add", "%s.1/24" % vn.UNDERLAY_NET, "dev", "ul0")
    vn.wait_until(lambda: switch_faults(lab) == [], FAULT_WAIT, "the switch's fault to clear")
    assert log_count(lab, "is on ul0: tunnels up") == 1, lab.vtep.log()
    lab.ping(lab.hosts["p0"]["ns"], peer)
    assert log_count(lab, gone) == 1


def test_port_interface_down_and_up(make_lab):
    """`ip link set p0 down` (the interface stays): no CPU spent while it
    is down (its socket's ENETDOWN is read once, not polled for ever),
    unspecified_fault on p0; up again, the same socket forwards."""
    lab = make_lab(peers=1, hosts={"p0": "192.168.100.10"})
    lab.configure([("p0", 0)])
    a = lab.topo.prefix + "a"
    peer = lab.peers[0]["overlay"]
    lab.ping(lab.hosts["p0"]["ns"], peer)

    lab.topo.ip(a, "link", "set", "dev", "p0", "down")
    vn.wait_until(lambda: port_faults(lab, "p0") == ["unspecified_fault"], FAULT_WAIT,
                  "unspecified_fault on p0")
    share = cpu_share(lab.vtep.pid)
    assert share < 0.05, "seam-vtep used %.0f%% CPU with p0 down" % (share * 100)
    lab.topo.ip(a, "link", "set", "dev", "p0", "up")
    vn.wait_until(lambda: port_faults(lab, "p0") == [], FAULT_WAIT, "p0's fault to clear")
    lab.ping(lab.hosts["p0"]["ns"], peer)
    assert log_count(lab, "p0: interface") == 0, lab.vtep.log()
