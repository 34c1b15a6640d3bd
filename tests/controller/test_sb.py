"""The southbound sessions and the reconciler's behaviour towards VTEPs,
without a datapath: the VTEPs are OVSDB servers holding a hardware_vtep
database (seam-ovsdb, or Open vSwitch's ovsdb-server), the NB rows are
written directly, and the reconciler runs in its harness (rcdriver).

- A VTEP that refuses seamd's transaction (ovsdb-server in backup mode is
  read-only): the refusal lands on the VTEP and on the L2 gateway
  connection, is logged once, and the same transaction is not sent again
  until the intent changes.
- Passive sessions: a VTEP that dials in is matched by its
  Physical_Switch name (also when its NB row comes later); a new
  connection replaces the old one; removing the VTEP row closes it.
- Rows seamd did not create (vtep-ctl's) are left alone.
"""

import json
import os
import shutil
import socket
import time
import uuid

import pytest

import ns as seamns
from ns import vn

VTEP_SCHEMA = "/usr/share/openvswitch/vtep.ovsschema"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def switch_ops(name, ip, ports):
    ops = [{"op": "insert", "table": "Global", "row": {"switches": ["named-uuid", "ps"]}},
           {"op": "insert", "table": "Physical_Switch", "uuid-name": "ps",
            "row": {"name": name, "tunnel_ips": ip,
                    "ports": ["set", [["named-uuid", "p%d" % i] for i in range(len(ports))]]}}]
    for i, p in enumerate(ports):
        ops.append({"op": "insert", "table": "Physical_Port", "uuid-name": "p%d" % i,
                    "row": {"name": p}})
    return ops


class Env:
    def __init__(self, tmp_path):
        self.lab = seamns.SeamLab(tmp_path, tag="sb")
        self.lab.u = None               # Everything in this namespace.

    def vtep_db(self, name, ip, ports):
        d = self.lab.dir("db-" + name)
        db = d / "vtep.db"
        vn.run(["ovsdb-tool", "create", db, VTEP_SCHEMA])
        vn.run(["ovsdb-tool", "transact", db, json.dumps(["hardware_vtep"]
                                                        + switch_ops(name, ip, ports))])
        return d, db

    def seam_vtep_server(self, name, ip, ports, remotes):
        """seam-ovsdb serving a hardware_vtep database (a VTEP without a
        datapath)."""
        d, db = self.vtep_db(name, ip, ports)
        sock = d / "db.sock"
        argv = [vn.build_dir() / "seam-ovsdb", "--remote=punix:%s" % sock,
                "--pidfile=%s" % (d / "s.pid"), "--log-file=%s" % (d / "s.log")]
        argv += ["--remote=" + r for r in remotes] + [db]
        p = vn.Process("seam-ovsdb", None, d, argv, d / "s.pid", d / "s.log")
        self.lab.procs.append(p)
        p.wait_pidfile()
        vn.wait_until(sock.exists, 10, "socket")
        p.remote = "unix:%s" % sock
        p.ctl = vn.VtepCtl(p.remote)
        return p

    def readonly_vtep(self, name, ip, ports):
        """ovsdb-server in backup mode: every write is refused."""
        d, db = self.vtep_db(name, ip, ports)
        sock = d / "db.sock"
        p = vn.Process("ovsdb-server", None, d,
                       ["ovsdb-server", "--no-chdir", "--pidfile=%s" % (d / "o.pid"),
                        "--log-file=%s" % (d / "o.log"), "--unixctl=%s" % (d / "o.ctl"),
                        "--remote=punix:%s" % sock, "--sync-from=unix:%s" % (d / "none"), db],
                       d / "o.pid", d / "o.log")
        self.lab.procs.append(p)
        p.wait_pidfile()
        vn.wait_until(sock.exists, 10, "socket")
        p.remote = "unix:%s" % sock
        return p


@pytest.fixture
def env(tmp_path):
    for b in ("seam-ovsdb", "tests/rcdriver"):
        if not (vn.build_dir() / b).exists():
            pytest.skip("%s not built" % b)
    for t in ("ovsdb-server", "ovsdb-tool", "ovsdb-client", "vtep-ctl"):
        if not shutil.which(t):
            pytest.skip("%s not installed" % t)
    e = Env(tmp_path)
    yield e
    problems = e.lab.teardown()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def start_controller(env, listen=None):
    lab = env.lab
    d = lab.dir("rc")
    argv = [vn.build_dir() / "tests" / "rcdriver", "--nb=" + lab.nb.remote,
            "--pidfile=%s" % (d / "rc.pid"), "--log-file=%s" % (d / "rc.log"),
            "-d", "reconcile,sb"]
    if listen:
        argv.append("--sb-listen=" + listen)
    p = vn.Process("rcdriver", None, d, argv, d / "rc.pid", d / "rc.log")
    lab.procs.append(p)
    p.wait_pidfile()
    return p


def test_refused_transaction_sets_status_once(env):
    lab = env.lab
    nb = lab.start_nb()
    ro = env.readonly_vtep("ro1", "10.0.0.9", ["p1"])
    ok = env.seam_vtep_server("ok1", "10.0.0.8", ["p1"], [])
    nb.insert("VTEP", {"name": "ro1", "target": ro.remote, "role": "tor",
                       "tunnel_ip": "10.0.0.9"})
    nb.insert("VTEP", {"name": "ok1", "target": ok.remote, "role": "tor",
                       "tunnel_ip": "10.0.0.8"})
    net = nb.insert("Network", {"name": "n", "vni": 5000})
    gw = nb.insert("L2_Gateway", {"name": "gw"})
    for dev in ("ro1", "ok1"):
        nb.insert("L2_Gateway_Interface", {"gateway": ["uuid", gw], "device_name": dev,
                                           "interface_name": "p1",
                                           "segmentation_ids": ["set", [100]]})
    conn = nb.insert("L2_Gateway_Connection", {"gateway": ["uuid", gw],
                                               "network": ["uuid", net]})
    rc = start_controller(env)

    def refused():
        v = {r["name"]: r for r in nb.rows("VTEP")}
        return ("not allowed" in v["ro1"]["status_detail"] and v["ok1"]["in_sync"] is True
                and v["ro1"]["in_sync"] is False)
    vn.wait_until(refused, 10, "ro1's refusal in the NB (%s)" % nb.rows("VTEP"))
    c = nb.row("L2_Gateway_Connection", conn)
    assert c["status"] == "ERROR" and "VTEP ro1 refused" in c["status_detail"], c
    assert rc.log().count("VTEP ro1 refused") == 1

    # An unrelated change: the same transaction is not sent again.
    sends = rc.log().count("VTEP ro1: ")
    nb.update("Network", net, {"name": "renamed"})
    nb.insert("VTEP", {"name": "elsewhere", "target": "unix:/nonexistent", "role": "tor"})
    time.sleep(1.0)
    assert rc.log().count("VTEP ro1: ") == sends, rc.log()
    assert rc.log().count("VTEP ro1 refused") == 1
    assert rc.alive()

    # A change that concerns ro1 is tried (and refused) again, logged once.
    nb.insert("Port", {"network": ["uuid", net], "mac_address": "fa:16:3e:00:00:01",
                       "binding_vnic_type": "baremetal", "binding_profile": json.dumps(
                           {"local_link_information": [{"switch_info": "ok1",
                                                        "port_id": "p1"}]})})
    vn.wait_until(lambda: rc.log().count("VTEP ro1: ") > sends, 5, "a new transaction to ro1")
    time.sleep(0.5)
    assert rc.log().count("VTEP ro1 refused") == 1
    # The port is bound on ok1, but its MAC cannot reach ro1.
    vn.wait_until(lambda: nb.rows("Port")[0]["status"] == "ERROR", 5, "the port in ERROR")
    assert "VTEP ro1 refused" in nb.rows("Port")[0]["status_detail"]


def test_passive_sessions(env):
    lab = env.lab
    nb = lab.start_nb()
    port = free_port()
    listen = "ptcp:%d:127.0.0.1" % port
    rc = start_controller(env, listen=listen)
    nb.insert("VTEP", {"name": "pv1", "role": "tor", "tunnel_ip": "10.0.0.7"})
    net = nb.insert("Network", {"name": "n", "vni": 5001})
    gw = nb.insert("L2_Gateway", {"name": "gw"})
    nb.insert("L2_Gateway_Interface", {"gateway": ["uuid", gw], "device_name": "pv1",
                                       "interface_name": "p1",
                                       "segmentation_ids": ["set", [10]]})
    nb.insert("L2_Gateway_Connection", {"gateway": ["uuid", gw], "network": ["uuid", net]})

    def state(name):
        return {r["name"]: r for r in nb.rows("VTEP")}.get(name, {}).get("connection_state")

    v1 = env.seam_vtep_server("pv1", "10.0.0.7", ["p1"], ["tcp:127.0.0.1:%d" % port])
    vn.wait_until(lambda: state("pv1") == "connected", 10, "pv1 connected")
    vn.wait_until(lambda: [p for p in v1.ctl.rows("Physical_Port") if p["vlan_bindings"]],
                  5, "pv1 programmed")
    # A VTEP whose row comes after it dialed in.
    v2 = env.seam_vtep_server("pv2", "10.0.0.6", ["p1"], ["tcp:127.0.0.1:%d" % port])
    vn.wait_until(lambda: "accepted" in rc.log() and rc.log().count("accepted") >= 2, 10,
                  "pv2 dialed in")
    nb.insert("VTEP", {"name": "pv2", "role": "tor", "tunnel_ip": "10.0.0.6"})
    vn.wait_until(lambda: state("pv2") == "connected", 10, "pv2 matched once its row exists")
    # pv1 restarts (a new connection): it replaces the old one.
    v1.stop()
    lab.procs.remove(v1)
    vn.wait_until(lambda: state("pv1") != "connected", 10, "pv1's session lost")
    v1b = env.seam_vtep_server("pv1", "10.0.0.7", ["p1"], ["tcp:127.0.0.1:%d" % port])
    vn.wait_until(lambda: state("pv1") == "connected", 10, "pv1 connected again")
    vn.wait_until(lambda: [p for p in v1b.ctl.rows("Physical_Port") if p["vlan_bindings"]],
                  5, "pv1 (empty again) programmed")
    # The row removed: the session closes.
    nb.transact({"op": "delete", "table": "VTEP", "where": [["name", "==", "pv2"]]})
    vn.wait_until(lambda: "VTEP pv2: removed" in rc.log(), 5, "pv2's session closed")
    assert v2.alive()


def test_rows_of_others_left_alone(env):
    lab = env.lab
    nb = lab.start_nb()
    v = env.seam_vtep_server("t1", "10.0.0.5", ["p1", "p2"], [])
    v.ctl("add-ls", "theirs", "--", "set", "Logical_Switch", "theirs", "tunnel_key=77",
          "--", "bind-ls", "t1", "p2", "7", "theirs",
          "--", "add-ucast-remote", "theirs", "02:00:00:00:00:07", "10.9.9.9",
          "--", "add-mcast-remote", "theirs", "unknown-dst", "10.9.9.9")
    before = {t: v.ctl.rows(t) for t in ("Logical_Switch", "Ucast_Macs_Remote",
                                          "Mcast_Macs_Remote")}
    nb.insert("VTEP", {"name": "t1", "target": v.remote, "role": "tor"})
    nb.insert("VTEP", {"name": "t2", "role": "tor", "tunnel_ip": "10.0.0.4"})
    net = nb.insert("Network", {"name": "n", "vni": 5002})
    gw = nb.insert("L2_Gateway", {"name": "gw"})
    for dev in ("t1", "t2"):
        nb.insert("L2_Gateway_Interface", {"gateway": ["uuid", gw], "device_name": dev,
                                           "interface_name": "p1",
                                           "segmentation_ids": ["set", [10]]})
    nb.insert("L2_Gateway_Connection", {"gateway": ["uuid", gw], "network": ["uuid", net]})
    start_controller(env)
    vn.wait_until(lambda: any(r["name"] == net for r in v.ctl.rows("Logical_Switch")), 10,
                  "seamd's switch on t1")
    vn.wait_until(lambda: len(v.ctl.rows("Mcast_Macs_Remote")) == 2, 5, "flooding to t2")
    for t, rows in before.items():
        after = v.ctl.rows(t)
        for r in rows:
            assert r in after, (t, r, after)
    p2 = [p for p in v.ctl.rows("Physical_Port") if p["name"] == "p2"][0]
    theirs = [r["_uuid"] for r in v.ctl.rows("Logical_Switch") if r["name"] == "theirs"][0]
    assert p2["vlan_bindings"] == {7: theirs}
    # The network goes: seamd's rows go, theirs stay.
    nb.delete("L2_Gateway_Connection", nb.rows("L2_Gateway_Connection")[0]["_uuid"])
    vn.wait_until(lambda: not any(r["name"] == net for r in v.ctl.rows("Logical_Switch")), 5,
                  "seamd's switch removed")
    for t, rows in before.items():
        assert v.ctl.rows(t) == rows or all(r in v.ctl.rows(t) for r in rows)
    assert [p for p in v.ctl.rows("Physical_Port") if p["name"] == "p2"][0]["vlan_bindings"] \
        == {7: theirs}


def _pki(d):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args):
        vn.run(["openssl"] + [str(a) for a in args])
    openssl("req", "-x509", *ec, "-keyout", d / "ca.key", "-out", d / "ca.crt", "-days", "2",
            "-subj", "/CN=seam sb test ca")
    for name in ("vtep", "seamd"):
        openssl("req", *ec, "-keyout", d / ("%s.key" % name), "-out", d / ("%s.csr" % name),
                "-subj", "/CN=%s" % name)
        openssl("x509", "-req", "-in", d / ("%s.csr" % name), "-CA", d / "ca.crt",
                "-CAkey", d / "ca.key", "-CAcreateserial", "-CAserial", d / "ca.srl",
                "-out", d / ("%s.crt" % name), "-days", "2")
    return d


def test_ssl_sessions_through_seamd(env, seamd_factory, tmp_path):
    """seamd dials a VTEP over ssl: and accepts one over pssl:, both with
    certificates of one CA; the intent written through the REST API reaches
    both."""
    if not shutil.which("openssl") or not (vn.build_dir() / "seamd").exists():
        pytest.skip("needs openssl and seamd")
    pki = tmp_path / "pki"
    pki.mkdir()
    _pki(pki)
    vtep_ssl = ["--private-key=%s" % (pki / "vtep.key"), "--certificate=%s" % (pki / "vtep.crt"),
                "--ca-cert=%s" % (pki / "ca.crt")]
    dial_port, sb_port = free_port(), free_port()

    def vtep(name, ip, remotes):
        d, db = env.vtep_db(name, ip, ["p1"])
        sock = d / "db.sock"
        p = vn.Process("seam-ovsdb", None, d,
                       [vn.build_dir() / "seam-ovsdb", "--remote=punix:%s" % sock,
                        "--pidfile=%s" % (d / "s.pid"), "--log-file=%s" % (d / "s.log")]
                       + ["--remote=" + r for r in remotes] + vtep_ssl + [db],
                       d / "s.pid", d / "s.log")
        env.lab.procs.append(p)
        p.wait_pidfile()
        p.ctl = vn.VtepCtl("unix:%s" % sock)
        return p
    a = vtep("sa", "10.0.0.21", ["pssl:%d:127.0.0.1" % dial_port])
    s = seamd_factory.start("s", args=[
        "--sb-listen=pssl:%d:127.0.0.1" % sb_port, "--sb-ssl-key=%s" % (pki / "seamd.key"),
        "--sb-ssl-cert=%s" % (pki / "seamd.crt"), "--sb-ssl-ca=%s" % (pki / "ca.crt")])
    b = vtep("sb", "10.0.0.22", ["ssl:127.0.0.1:%d" % sb_port])
    s.create("seam/vteps", "vtep", {"name": "sa", "target": "ssl:127.0.0.1:%d" % dial_port,
                                    "tunnel_ip": "10.0.0.21", "role": "tor"})
    s.create("seam/vteps", "vtep", {"name": "sb", "tunnel_ip": "10.0.0.22", "role": "tor"})
    net = s.create("networks", "network", {"name": "n", "provider:network_type": "vxlan",
                                           "provider:segmentation_id": 5100})
    gw = s.create("l2-gateways", "l2_gateway", {"name": "gw", "devices": [
        {"device_name": "sa", "interfaces": [{"name": "p1", "segmentation_id": [7]}]},
        {"device_name": "sb", "interfaces": [{"name": "p1", "segmentation_id": [7]}]}]})
    s.create("l2-gateway-connections", "l2_gateway_connection",
             {"l2_gateway_id": gw["id"], "network_id": net["id"]})
    for v in (a, b):
        vn.wait_until(lambda: any(r["name"] == net["id"] and r["tunnel_key"] == 5100
                                  for r in v.ctl.rows("Logical_Switch")), 10,
                      "the network's switch on a VTEP over SSL")
    vteps = {v["name"]: v for v in s.get("/v2.0/seam/vteps").json()["vteps"]}
    assert vteps["sa"]["connection_state"] == "connected", vteps
    assert vteps["sb"]["connection_state"] == "connected", vteps
    flood = v.ctl("list-remote-macs", net["id"])
    assert "10.0.0.21" in flood, flood
