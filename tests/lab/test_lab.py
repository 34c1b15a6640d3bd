"""lab/seam-lab: up, status, exec, down; up twice; down after a kill -9 of
any piece; a stale lab cleaned; the default lab's intent and checks (what
`make demo` runs).  Each test uses its own namespace prefix and state dir,
so it runs beside a `make demo` or another test."""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEAM_LAB = REPO / "lab" / "seam-lab"
BUILD = Path(os.environ.get("SEAM_BUILD", REPO / "build"))
LLDPD_RUN = Path("/run/seam-lab-lldpd")


def _require():
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    for b in ("seamd", "seamctl", "seam-vtep", "seam-sriov-nic"):
        if not (BUILD / b).exists():
            pytest.skip("%s not built" % b)


class LabCli:
    def __init__(self, tmp_path, topology=None):
        self.prefix = "sl%d-%d-" % (os.getpid(), int(time.monotonic() * 1000) % 100000)
        self.state = tmp_path / "state"
        self.topology = topology

    def __call__(self, *args, check=True, timeout=120):
        cmd = ["/usr/bin/python3", str(SEAM_LAB), "--prefix", self.prefix,
               "--state-dir", str(self.state)]
        if self.topology:
            cmd += ["-t", str(self.topology)]
        p = subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True,
                           timeout=timeout, env=dict(os.environ, SEAM_BUILD=str(BUILD)))
        if check and p.returncode != 0:
            raise AssertionError("seam-lab %s: rc=%d\n%s\n%s" % (
                " ".join(map(str, args)), p.returncode, p.stdout, p.stderr))
        return p

    def state_json(self):
        return json.loads((self.state / "state.json").read_text())

    def namespaces(self):
        out = subprocess.run(["ip", "-j", "netns", "list"], capture_output=True,
                             text=True).stdout
        return {n["name"] for n in json.loads(out or "[]") if n["name"].startswith(self.prefix)}


def alive(pid, starttime):
    try:
        s = Path("/proc/%d/stat" % pid).read_text()
    except OSError:
        return False
    f = s[s.rindex(")") + 2:].split()
    return f[0] not in ("Z", "X") and int(f[19]) == starttime


@pytest.fixture
def lab(tmp_path):
    _require()
    cli = LabCli(tmp_path)
    yield cli
    cli("down", check=False)
    left = cli.namespaces()
    assert not left, "namespaces left behind: %s" % left


def root_links():
    out = subprocess.run(["ip", "-j", "link", "show"], capture_output=True, text=True).stdout
    return {ln["ifname"] for ln in json.loads(out or "[]")}


def test_up_status_exec_down(lab):
    before = root_links()
    lab("up")
    # Every link lives inside the lab's namespaces.  (Other tests on the
    # machine may add links of their own: only ours would carry these names.)
    added = root_links() - before
    ours = {"ul", "ul0", "ul-0", "ul-1", "pf0", "vf0", "vf1", "tapvm1", "tapdhcp", "p2", "p3",
            "eth0"}
    assert not added & ours, added
    st = lab.state_json()
    assert len(st["namespaces"]) == 10 and lab.namespaces() == set(st["namespaces"])
    names = {p["name"] for p in st["procs"]}
    assert names == {"seamd", "seam-vtep-server1", "seam-vtep-tor1", "seam-sriov-nic-server2",
                     "seam-sriov-nic-server3", "lldpd-server2", "lldpd-server3",
                     "dnsmasq-dhcp"}

    r = lab("status")
    assert "running" in r.stdout and "DEAD" not in r.stdout, r.stdout
    assert "Controller: active" in r.stdout, r.stdout

    # exec: a command in a node's namespace, with seamctl on PATH and SEAM_URL set.
    r = lab("exec", "vm1", "ip", "-j", "addr", "show", "eth0")
    addrs = [a["local"] for a in json.loads(r.stdout)[0]["addr_info"]]
    assert addrs == ["192.168.10.11"]
    r = lab("exec", "server1", "seamctl", "vtep", "list", "-f", "json")
    assert json.loads(r.stdout) == []
    r = lab("exec", "nosuchnode", "true", check=False)
    assert r.returncode == 1 and "no node" in r.stderr

    # up twice: the running lab is kept as it is.
    r = lab("up")
    assert "already up" in r.stdout
    assert [p["pid"] for p in lab.state_json()["procs"]] == [p["pid"] for p in st["procs"]]

    lab("down")
    assert lab.namespaces() == set()
    assert not any(alive(p["pid"], p["starttime"]) for p in st["procs"])
    assert lab("status", check=False).returncode == 3
    lab("down")                         # Down twice is fine too.


@pytest.mark.parametrize("victim", ["seam-vtep-tor1", "seamd", "seam-sriov-nic-server2",
                                    "lldpd-server3", "dnsmasq-dhcp"])
def test_down_after_kill9(lab, victim):
    lab("up")
    st = lab.state_json()
    p = next(p for p in st["procs"] if p["name"] == victim)
    os.kill(p["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 5
    while alive(p["pid"], p["starttime"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    r = lab("status", check=False)
    assert r.returncode == 1
    assert any(victim in ln and "DEAD" in ln for ln in r.stdout.splitlines()), r.stdout

    lab("down")
    assert lab.namespaces() == set()
    assert not any(alive(q["pid"], q["starttime"]) for q in st["procs"])
    assert not (LLDPD_RUN / lab.prefix.rstrip("-")).exists(), "lldpd's socket left behind"


def test_up_repairs_a_broken_lab(lab):
    lab("up")
    st = lab.state_json()
    tor = next(p for p in st["procs"] if p["name"] == "seam-vtep-tor1")
    os.kill(tor["pid"], signal.SIGKILL)
    # The crash must have happened before 'up' looks: SIGKILL is delivered
    # when the target next runs, which on a busy machine takes a moment.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % tor["pid"]) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            break
        if state in ("Z", "X"):
            break
        time.sleep(0.01)
    r = lab("up")
    assert "broken" in r.stdout and "lab up" in r.stdout, r.stdout
    st2 = lab.state_json()
    assert all(alive(p["pid"], p["starttime"]) for p in st2["procs"])
    assert not any(alive(p["pid"], p["starttime"]) for p in st["procs"])
    assert lab("status").returncode == 0


def test_stale_namespaces_without_state(lab):
    """A namespace of the lab's names left by someone else (no state file):
    up removes it (and what runs in it) and comes up."""
    ns = lab.prefix + "vm2"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    sleeper = subprocess.Popen(["ip", "netns", "exec", ns, "sleep", "300"])
    try:
        r = lab("up")
        assert "no state file" in r.stdout and "lab up" in r.stdout, r.stdout
        sleeper.wait(5)
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()
    assert lab("status").returncode == 0


def test_down_after_up_was_killed(lab):
    """seam-lab itself killed -9 half-way through `up`: the state file it
    wrote as it went lets `down` remove what was made; a new `up` works."""
    cmd = ["/usr/bin/python3", str(SEAM_LAB), "--prefix", lab.prefix,
           "--state-dir", str(lab.state), "up"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ, SEAM_BUILD=str(BUILD)))
    for line in p.stdout:               # Kill it once the daemons start.
        if "started seamd" in line:
            break
    p.kill()
    p.wait()
    p.stdout.close()
    st = lab.state_json()
    assert not st["complete"] and st["procs"]
    r = lab("status", check=False)
    assert r.returncode == 1 and "`up` did not finish" in r.stdout, r.stdout
    lab("down")
    assert lab.namespaces() == set()
    assert not any(alive(q["pid"], q["starttime"]) for q in st["procs"])
    lab("up")
    assert lab("status").returncode == 0


def test_state_file_lost(lab):
    """down without its state file still removes every namespace and what
    runs inside them."""
    lab("up")
    st = lab.state_json()
    (lab.state / "state.json").unlink()
    lab("down")
    assert lab.namespaces() == set()
    assert not any(alive(p["pid"], p["starttime"]) for p in st["procs"])


def test_demo_flow(lab):
    """What `make demo` runs: intent through seamctl, convergence, report,
    every check of the default topology.  The host links come from LLDP
    alone: lldpd on each SR-IOV server's PF, no static link created, and
    the report says where each came from."""
    lab("up")
    r = lab("intent")
    assert "$ seamctl network create net1" in r.stdout, r.stdout
    assert "host-link create" not in r.stdout, r.stdout
    for link in ("server2 physnet2 -> tor1 p2", "server3 physnet3 -> tor1 p3"):
        assert "host link %s, source lldp" % link in r.stdout, r.stdout
    assert "$ seamctl" not in lab("intent").stdout.replace(
        "$ seamctl host-link list", "")                         # Idempotent.
    links = json.loads(lab("seamctl", "host-link", "list", "-f", "json").stdout)
    assert sorted((h["host"], h["physical_network"], h["vtep"], h["port"], h["source"])
                  for h in links) == [("server2", "physnet2", "tor1", "p2", "lldp"),
                                      ("server3", "physnet3", "tor1", "p3", "lldp")], links
    lab("wait", "60")
    r = lab("report")
    assert "tor1 (tor, tunnel IP 10.99.0.1) seamd session: connected, in sync: true" in r.stdout
    assert "p2 vlan 2901, p3 vlan 2900" in r.stdout, r.stdout
    assert "== Host links" in r.stdout, r.stdout
    assert re.search(r"server2 +physnet2 +-> tor1 p2 +source lldp +tor1 p2 hears system name "
                     r"server2, port pf0 \(chassis [0-9a-f:]{17}, TTL 4 s\)", r.stdout), r.stdout
    assert re.search(r"server3 +physnet3 +-> tor1 p3 +source lldp +tor1 p3 hears system name "
                     r"server3, port pf0", r.stdout), r.stdout
    assert "source static" not in r.stdout
    # lldpd hears the TOR too (its socket, as `explore` says).
    ex = lab("explore").stdout
    sock = re.search(r"lldpcli -u (\S+) show neighbors", ex).group(1)
    deadline = time.monotonic() + 5         # The TOR sends every second.
    while True:
        nb = json.loads(subprocess.run(["lldpcli", "-u", sock, "-f", "json", "show",
                                        "neighbors"], capture_output=True, text=True,
                                       check=True).stdout)
        if nb["lldp"].get("interface") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    iface = nb["lldp"]["interface"]["pf0"]
    assert "tor1" in iface["chassis"] and iface["port"]["id"]["value"] == "p2", nb
    r = lab("check", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "9 of 9 checks passed" in r.stdout
    assert ("host links: server2 physnet2 -> tor1 p2 (lldp), "
            "server3 physnet3 -> tor1 p3 (lldp)") in r.stdout, r.stdout


def test_static_host_links(tmp_path):
    """host_links = "static": the intent creates one static host link per
    SR-IOV NIC, no lldpd runs, and the report says so."""
    _require()
    text = (REPO / "lab" / "topologies" / "default.toml").read_text()
    text = text[:text.index("# The checks")] + (
        '[[check]]\nkind = "ping"\na = "vm1"\nb = "vm4"\n')
    topo = tmp_path / "static.toml"
    assert 'host_links = "lldp"' in text
    topo.write_text(text.replace('host_links = "lldp"', 'host_links = "static"'))
    cli = LabCli(tmp_path, topology=topo)
    try:
        cli("up")
        assert not any(p["name"].startswith("lldpd") for p in cli.state_json()["procs"])
        r = cli("intent")
        assert ("$ seamctl host-link create --host server2 --physical-network physnet2 "
                "--vtep tor1 --port p2 --source static") in r.stdout, r.stdout
        cli("wait", "60")
        r = cli("report")
        assert re.search(r"server3 +physnet3 +-> tor1 p3 +source static", r.stdout), r.stdout
        r = cli("check", check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "(static)" in r.stdout and "(lldp)" not in r.stdout, r.stdout
    finally:
        cli("down", check=False)
    assert not cli.namespaces()


def test_checks_fail_on_a_broken_lab(tmp_path):
    """The checks are not vacuous: VM4's VF moved to VLAN 2902 (no segment
    has it) fails the ping through it and says what the wire carried."""
    _require()
    text = (REPO / "lab" / "topologies" / "default.toml").read_text()
    text = text[:text.index("# The checks")] + (
        '[[check]]\nkind = "ping"\na = "vm1"\nb = "vm4"\n\n'
        '[[check]]\nkind = "ping"\na = "vm2"\nb = "vm3"\n')
    topo = tmp_path / "broken.toml"
    topo.write_text(text)
    cli = LabCli(tmp_path, topology=topo)
    try:
        cli("up")
        cli("intent")
        cli("wait", "60")
        cli("exec", "server3", "seam-sriov-nic", "ctl", cli.state / "server3" / "nic.ctl",
            "set", "pf0", "vf", "0", "vlan", "2902")
        r = cli("check", check=False)
        assert r.returncode == 1, r.stdout
        assert "1 of 2 checks passed" in r.stdout, r.stdout
        assert "FAIL  ping vm1 <-> vm4" in r.stdout
        assert "VLAN 2902 (want VLAN 2900)" in r.stdout, r.stdout
    finally:
        cli("down", check=False)
    assert not cli.namespaces()


def test_extended_topology(tmp_path):
    """The extended lab: a bare-metal server and a legacy VLAN domain (an L2
    gateway) behind the TOR, besides the original lab."""
    _require()
    cli = LabCli(tmp_path, topology=REPO / "lab" / "topologies" / "extended.toml")
    try:
        cli("up")
        r = cli("intent")
        assert "$ seamctl l2gw-connection create legacy net1" in r.stdout, r.stdout
        cli("wait", "60")
        r = cli("check", check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        assert re.search(r"bm1 eth0-tor p4 \(the wire\): 16 ICMP \+ \d+ ARP frames, untagged;",
                         r.stdout), r.stdout
        assert re.search(r"legacy trunk-tor p5 \(the wire\): 16 ICMP \+ \d+ ARP frames, VLAN 100;",
                         r.stdout), r.stdout
        # After the TOR was replaced by a blank one and seamd restarted, the
        # host links are still those LLDP found (the legacy trunk has none).
        assert ("host links: server2 physnet2 -> tor1 p2 (lldp), "
                "server3 physnet3 -> tor1 p3 (lldp)\n") in r.stdout, r.stdout
    finally:
        cli("down", check=False)
    assert not cli.namespaces()


def test_bad_topology(tmp_path):
    _require()
    bad = tmp_path / "bad.toml"
    bad.write_text('[underlay]\ncidr = "10.0.0.0/24"\n[controller]\nserver = "s1"\n'
                   '[[server]]\nname = "s1"\nvtep = { name = "v", mode = "spine" }\n'
                   'underlay_ip = "10.0.0.1"\n')
    r = LabCli(tmp_path, topology=bad)("up", check=False)
    assert r.returncode == 1 and "vtep mode is tor or hypervisor" in r.stderr, r.stderr
    bad.write_text((REPO / "lab" / "topologies" / "default.toml").read_text().replace(
        'host_links = "lldp"', 'host_links = "dhcp"'))
    r = LabCli(tmp_path, topology=bad)("up", check=False)
    assert r.returncode == 1 and "host_links is lldp or static, not 'dhcp'" in r.stderr, \
        r.stderr
