"""seam-vtep's configuration file (--config), its --manager setting, and
the rejection of bad settings: exit status 2 with a message naming the
setting (and FILE:LINE), before anything starts."""

import os
import socket
import subprocess

import pytest

import vtepnet as vn
from seamcommon import Controller

A_IP = "%s.1" % vn.UNDERLAY_NET


def start_vtep(procs, ns, d, argv, sock):
    """seam-vtep with exactly 'argv' (after the binary); its pidfile and log
    are in 'd' as the config says.  Stopped and checked by `procs`."""
    p = vn.Process("seam-vtep", ns, d, [vn.vtep_binary()] + argv,
                   d / "seam-vtep.pid", d / "seam-vtep.log")
    procs.procs.append(p)
    p.wait_pidfile()
    vn.wait_until(sock.exists, 10, "seam-vtep's socket")
    p.ctl = vn.VtepCtl("unix:%s" % sock)
    return p


def write_config(d, lines):
    path = d / "seam-vtep.conf"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def switch(ctl, name):
    rows = [r for r in ctl.rows("Physical_Switch") if r["name"] == name]
    return rows[0] if rows else None


def port_names(ctl, ps):
    ports = {r["_uuid"]: r["name"] for r in ctl.rows("Physical_Port")}
    p = ps["ports"]
    return sorted(ports[u] for u in (p if isinstance(p, list) else [p]))


def test_config_file_alone(make_lab, procs):
    """Started with nothing but --config FILE: the switch, its ports, the
    description of the mode and the tunnel IP are those of the file, the
    database is served on the file's remote, and the file's log and
    pidfile are used."""
    lab = make_lab(peers=0, hosts={"p0": None, "p1": None}, start=False)
    d = procs.dir("vtep")
    sock = d / "db.sock"
    conf = write_config(d, [
        "# seam-vtep test configuration",
        "name tor1",
        "tunnel-ip %s   # on ul0" % A_IP,
        "port p0",
        "port p1",
        "mode hypervisor",
        "",
        "db %s" % (d / "vtep.db"),
        "remote punix:%s" % sock,
        "mac-aging 60",
        "max-macs 1000",
        "pidfile %s" % (d / "seam-vtep.pid"),
        "log-file %s" % (d / "seam-vtep.log"),
        "log-level info",
    ])
    v = start_vtep(procs, lab.topo.prefix + "a", d, ["--config", conf], sock)
    ps = vn.wait_until(lambda: switch(v.ctl, "tor1"), 10, "Physical_Switch tor1")
    assert ps["description"] == "seam-vtep (hypervisor mode)"
    assert ps["tunnel_ips"] == A_IP
    assert port_names(v.ctl, ps) == ["p0", "p1"]
    assert [r["name"] for r in v.ctl.rows("Physical_Switch")] == ["tor1"]
    assert "config %s" % conf in v.log()


def test_flags_override_the_file(make_lab, procs):
    """A flag replaces a single-valued setting of the file (the name) and
    adds to a repeatable one (the ports)."""
    lab = make_lab(peers=0, hosts={"p0": None, "p1": None}, start=False)
    d = procs.dir("vtep")
    sock = d / "db.sock"
    conf = write_config(d, [
        "name tor1", "tunnel-ip %s" % A_IP, "port p0", "db %s" % (d / "vtep.db"),
        "remote punix:%s" % sock, "pidfile %s" % (d / "seam-vtep.pid"),
        "log-file %s" % (d / "seam-vtep.log"),
    ])
    v = start_vtep(procs, lab.topo.prefix + "a", d,
                   ["--name=tor2", "--config=%s" % conf, "--port=p1"], sock)
    ps = vn.wait_until(lambda: switch(v.ctl, "tor2"), 10, "Physical_Switch tor2")
    assert port_names(v.ctl, ps) == ["p0", "p1"]
    assert switch(v.ctl, "tor1") is None
    assert ps["description"] == "seam-vtep (tor mode)"


def controller_in(ns):
    """A fake controller listening on 127.0.0.1 inside namespace 'ns' (where
    seam-vtep runs)."""
    with vn.in_netns(ns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
    return Controller(sock)


def manager_rows(ctl):
    return ctl.rows("Manager")


def test_manager_setting_dials_the_controller(make_lab, procs):
    """'manager tcp:127.0.0.1:PORT' in the file (and one more by flag): each
    is a Manager row in Global.managers; seam-vtep dials the controller and
    serves hardware_vtep on that connection; the row says it is connected."""
    lab = make_lab(peers=0, hosts={"p0": None}, start=False)
    ns = lab.topo.prefix + "a"
    ctl1, ctl2 = controller_in(ns), controller_in(ns)
    try:
        d = procs.dir("vtep")
        sock = d / "db.sock"
        t1 = "tcp:127.0.0.1:%d" % ctl1.port
        t2 = "tcp:127.0.0.1:%d" % ctl2.port
        conf = write_config(d, [
            "name br0", "tunnel-ip %s" % A_IP, "port p0", "db %s" % (d / "vtep.db"),
            "remote punix:%s" % sock, "manager %s" % t1,
            "pidfile %s" % (d / "seam-vtep.pid"), "log-file %s" % (d / "seam-vtep.log"),
        ])
        v = start_vtep(procs, ns, d, ["--config", conf, "--manager", t2], sock)
        vn.wait_until(lambda: sorted(r["target"] for r in manager_rows(v.ctl)) == sorted([t1, t2]),
                      10, "the Manager rows")
        glob = v.ctl.rows("Global")
        assert len(glob) == 1
        assert sorted(glob[0]["managers"]) == sorted(r["_uuid"] for r in manager_rows(v.ctl))
        assert sorted(v.ctl("get-manager").split()) == sorted([t1, t2])
        for c in (ctl1, ctl2):
            vn.wait_until(lambda: c.conns, 10, "seam-vtep to dial the controller")
        reply = ctl1.call(ctl1.conns[0], "list_dbs", [])
        assert "hardware_vtep" in reply["result"]

        def connected():
            rows = manager_rows(v.ctl)
            return rows and all(r["is_connected"] is True
                                and dict(r["status"]).get("state") == "ACTIVE" for r in rows)
        vn.wait_until(connected, 10, "is_connected=true, state=ACTIVE on both rows")
    finally:
        ctl1.shutdown()
        ctl2.shutdown()


# ---------------------------------------------------------------------------
# Bad settings: exit 2, the message, nothing started
# ---------------------------------------------------------------------------

def run_vtep(argv, d):
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=1:log_path=%s" % (d / "asan")
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:log_path=%s" % (d / "ubsan")
    return subprocess.run([str(vn.vtep_binary())] + [str(a) for a in argv],
                          capture_output=True, text=True, timeout=20, env=env)


@pytest.fixture
def bad_dir(tmp_path):
    if vn.vtep_binary() is None:
        pytest.skip("%s/seam-vtep not built" % vn.build_dir())
    yield tmp_path
    reports = sorted(tmp_path.glob("asan*")) + sorted(tmp_path.glob("ubsan*"))
    assert not reports, "sanitizer reports: %s" % "\n".join(
        f.read_text(errors="replace")[:3000] for f in reports)


def test_bad_settings_exit_2(bad_dir):
    """Each bad setting, from the file or the command line, gives exit
    status 2 and a message naming it (FILE:LINE for the file); no database,
    socket, pidfile or log is created."""
    d = bad_dir
    good = ["name br0", "tunnel-ip 10.99.0.1", "port p0", "db %s" % (d / "vtep.db"),
            "remote punix:%s" % (d / "db.sock"), "pidfile %s" % (d / "pid"),
            "log-file %s" % (d / "log")]
    conf = d / "good.conf"
    conf.write_text("\n".join(good) + "\n")

    def conf_with(name, lines):
        p = d / name
        p.write_text("\n".join(lines) + "\n")
        return p

    unknown = conf_with("unknown.conf", good[:2] + ["# fine", "bogus 1"] + good[2:])
    novalue = conf_with("novalue.conf", ["name br0", "tunnel-ip"] + good[2:])
    badport = conf_with("badport.conf", good + ["vxlan-port 65536"])
    cases = [
        (["--config", unknown], '%s:4: unknown setting "bogus"' % unknown),
        (["--config", novalue], "%s:2: tunnel-ip: a value is required" % novalue),
        (["--config", badport], '%s:8: vxlan-port: "65536" is not an integer in 1..65535'
         % badport),
        (["--config", d / "missing.conf"],
         "%s: cannot read: No such file or directory" % (d / "missing.conf")),
        (["--config", d], "%s: cannot read: Is a directory" % d),
        (["--config", conf, "--vxlan-port=0"], '--vxlan-port: "0" is not an integer in 1..65535'),
        (["--config", conf, "--vxlan-port=4789x"],
         '--vxlan-port: "4789x" is not an integer in 1..65535'),
        (["--config", conf, "--tunnel-mtu=575"],
         '--tunnel-mtu: "575" is not an integer in 576..65535 bytes'),
        (["--config", conf, "--tunnel-mtu=65536"],
         '--tunnel-mtu: "65536" is not an integer in 576..65535 bytes'),
        (["--config", conf, "--mac-aging=0"],
         '--mac-aging: "0" is not an integer in 1..1000000 seconds'),
        (["--config", conf, "--mac-aging=1000001"],
         '--mac-aging: "1000001" is not an integer in 1..1000000 seconds'),
        (["--config", conf, "--tunnel-ip=10.99.0.300"],
         '--tunnel-ip: "10.99.0.300" is not an IPv4 address'),
        (["--config", conf, "--tunnel-ip=239.1.1.1"],
         '--tunnel-ip: "239.1.1.1" is not a unicast IPv4 address'),
        (["--config", conf, "--max-macs=0"], '--max-macs: "0" is not an integer in 1..16777216'),
        (["--config", conf, "--tunnel-tx=fast"], '--tunnel-tx: "fast" is not direct or routed'),
        (["--config", conf, "--manager=192.0.2.1:6640"],
         '--manager: "192.0.2.1:6640" is not a remote'),
        (["--config", conf, "--log-level=loud"], '--log-level: "loud" is not a log level'),
        (["--config", conf, "--frobnicate"], 'unknown option "--frobnicate"'),
        (["--config", conf, "--port"], "--port: a value is required"),
        (["--name=br0"], "missing --tunnel-ip, --port or --port-match (at least one), --db or --db-remote"),
        (["--name=br0", "--tunnel-ip=10.99.0.1", "--port=p0", "--db=%s" % (d / "vtep.db"),
          "--db-remote=unix:/nonexistent"], "--db and --db-remote exclude each other"),
    ]
    for argv, msg in cases:
        p = run_vtep(argv, d)
        assert p.returncode == 2, "%s: rc=%d, stderr %s" % (argv, p.returncode, p.stderr)
        assert p.stderr.startswith("seam-vtep: ") and msg in p.stderr, \
            "%s: stderr %r, expected %r" % (argv, p.stderr, msg)
        assert p.stdout == ""
        for f in ("vtep.db", "db.sock", "pid", "log"):
            assert not (d / f).exists(), "%s: %s created" % (argv, f)


def test_help_documents_the_settings(bad_dir):
    p = run_vtep(["--help"], bad_dir)
    assert p.returncode == 0
    for opt in ("--config=FILE", "--manager=TARGET", "--max-macs=N",
                "--tunnel-tx=direct|routed", "1..65535", "576..65535", "1..1000000"):
        assert opt in p.stdout, opt
