"""The use cases end to end through seamd: the intent written with the
Neutron-shaped REST API (vteps, host-links, a network with a vxlan and two
vlan segments, a subnet, SR-IOV, VM and DHCP ports), seamd's reconciler
programming seam-vtep TOR and hypervisor VTEPs over tcp: (and one that dials
in), traffic between the VMs, DHCP, Port status ACTIVE in the API, and a
port created and deleted: its MAC comes and goes on the other VTEPs."""

import os
import shutil

import pytest

import ns as seamns
from ns import vn


@pytest.fixture
def lab(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    for b in ("seam-vtep", "seamd"):
        if not (vn.build_dir() / b).exists():
            pytest.skip("%s not built" % b)
    for t in ("dnsmasq", "ethtool", "vtep-ctl"):
        if not shutil.which(t):
            pytest.skip("%s not installed" % t)
    lab = seamns.SeamLab(tmp_path, tag="sr")
    yield lab
    problems = lab.teardown()
    for s in getattr(lab, "seamds", []):
        problems += s.problems()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def test_usecases_through_rest(lab):
    ids = seamns.build_usecases_rest(lab, 20000 + (os.getpid() + 29) % 20000)
    api = lab.seamd

    def all_active():
        ports = api.get("/v2.0/ports").json()["ports"]
        return all(p["status"] == "ACTIVE" for p in ports) and len(ports) == 5
    vn.wait_until(all_active, 30, "every port ACTIVE in the API (%s)" % (
        [(p["id"][:8], p["status"]) for p in api.get("/v2.0/ports").json()["ports"]]))
    vteps = {v["name"]: v for v in api.get("/v2.0/seam/vteps").json()["vteps"]}
    for name in ("tor1", "hv1", "hv2"):
        assert vteps[name]["connection_state"] == "connected", vteps[name]
        assert vteps[name]["in_sync"] is True, vteps[name]

    lab.ping("vm1", "192.168.10.12")                 # (1)
    lab.ping("vm1", "192.168.10.14")                 # (2)
    lab.ping("vm4", "192.168.10.11")
    lab.ping("vm3", "192.168.10.11")                 # (3)
    lab.ping("vm1", "192.168.10.13")
    lab.dnsmasq("dhcp", "192.168.10.100", "192.168.10.150")
    assert lab.dhcp_discover("vm1").startswith("192.168.10.1")

    # A port created then deleted: its MAC comes and goes on the other
    # VTEPs (a MAC that carried traffic stays as long as the VTEP that
    # learned it keeps it: that is the learned MAC, not the port).
    mac9 = "fa:16:3e:00:00:99"
    p9 = api.create("ports", "port", {"network_id": ids["net"], "mac_address": mac9,
                                      "binding:host_id": "server2",
                                      "binding:vnic_type": "direct"})
    hv1 = lab.vteps["hv1"].ctl
    vn.wait_until(lambda: any(r["MAC"] == mac9 for r in hv1.rows("Ucast_Macs_Remote")),
                  5, "the new port's MAC on hv1")
    r = api.delete("/v2.0/ports/%s" % p9["id"])
    assert r.status_code == 204, r.text
    vn.wait_until(lambda: not any(r["MAC"] == mac9 for r in hv1.rows("Ucast_Macs_Remote")),
                  5, "the deleted port's MAC gone from hv1")
    # The last port behind p2 deleted: p2's binding goes.
    r = api.delete("/v2.0/ports/%s" % ids["vm4"])
    assert r.status_code == 204, r.text
    tor = lab.vteps["tor1"].ctl
    vn.wait_until(lambda: not [p for p in tor.rows("Physical_Port")
                               if p["name"] == "p2" and p["vlan_bindings"]],
                  5, "p2's binding gone from tor1")


def test_seamd_kill9_and_restart(lab):
    """Kill -9 seamd during a ping: traffic keeps flowing; restart it on the
    same state dir: no row on any VTEP is deleted, re-added or modified."""
    import signal
    import time
    seamns.build_usecases_rest(lab, 20000 + (os.getpid() + 31) % 20000)
    api = lab.seamd
    vn.wait_until(lambda: all(p["status"] == "ACTIVE"
                              for p in api.get("/v2.0/ports").json()["ports"]),
                  30, "every port ACTIVE")
    lab.ping("vm3", "192.168.10.11")
    mons, marks = lab.monitor_vteps()

    ping = lab.ping_background("vm3", "192.168.10.11", 30)
    time.sleep(0.5)
    synced_before = api.logfile.read_text().count(": in sync")
    api.proc.send_signal(signal.SIGKILL)
    api.proc.wait(5)
    seamns.assert_no_loss(ping)

    api.start()
    # The NB still says what the killed seamd wrote: wait for the new one's
    # own passes (one "in sync" per VTEP in its log).
    vn.wait_until(lambda: api.logfile.read_text().count(": in sync") >= synced_before + 3,
                  20, "the restarted seamd's passes")
    assert all(v["connection_state"] == "connected" and v["in_sync"]
               for v in api.get("/v2.0/seam/vteps").json()["vteps"])
    lab.ping("vm1", "192.168.10.13")
    time.sleep(0.5)
    seamns.assert_no_churn(mons, marks)


def test_ha_standby_takes_over_the_vteps(lab, tmp_path):
    """Two seamd on a 3-member ovsdb-server Raft cluster holding the NB:
    kill -9 the active one during a ping: traffic keeps flowing, the standby
    takes over the VTEP sessions (the passive one dials it) and converges
    without deleting, re-adding or modifying any row."""
    import signal
    import sys
    import time
    if not shutil.which("ovsdb-server"):
        pytest.skip("ovsdb-server not installed")
    sys.path.insert(0, str(seamns.REPO / "tests" / "interop"))
    import raftcluster
    cdir = tmp_path / "raft"
    cdir.mkdir()
    cluster = raftcluster.Cluster(cdir, schema=str(seamns.NB_SCHEMA), db="seam_nb").start()
    try:
        nb = ",".join(cluster.remotes)
        seamns.build_usecases_rest(lab, 20000 + (os.getpid() + 37) % 20000, nb=nb)
        a = lab.seamd
        b = seamns.NsSeamd(lab.u, lab.dir("seamd-b"), lab.seamd_args, port=9697, nb=nb,
                           name="seamd-b")
        lab.seamds.append(b)
        vn.wait_until(lambda: a.controller()["active"] and not b.controller()["active"], 10,
                      "a active, b standby")
        vn.wait_until(lambda: all(p["status"] == "ACTIVE"
                                  for p in a.get("/v2.0/ports").json()["ports"]),
                      30, "every port ACTIVE")
        lab.ping("vm3", "192.168.10.11")
        assert "in sync" not in b.logfile.read_text()       # A standby writes nothing.
        mons, marks = lab.monitor_vteps(("Logical_Switch", "Ucast_Macs_Remote"))

        ping = lab.ping_background("vm3", "192.168.10.11", 40)
        time.sleep(0.5)
        a.s.expect_rc = None
        t0 = time.monotonic()
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait(5)
        vn.wait_until(lambda: b.logfile.read_text().count(": in sync") >= 3, 15,
                      "the standby's reconciler in sync with the 3 VTEPs")
        print("standby in sync with every VTEP %.2f s after the kill" % (time.monotonic() - t0))
        seamns.assert_no_loss(ping)
        assert b.controller()["active"]
        vteps = {v["name"]: v for v in b.get("/v2.0/seam/vteps").json()["vteps"]}
        vn.wait_until(lambda: all(v["connection_state"] == "connected" for v in
                                  b.get("/v2.0/seam/vteps").json()["vteps"]), 10,
                      "every VTEP connected to b (%s)" % vteps)
        lab.ping("vm1", "192.168.10.13")
        time.sleep(0.5)
        seamns.assert_no_churn(mons, marks)
    finally:
        problems = cluster.stop()
        assert not problems, problems
