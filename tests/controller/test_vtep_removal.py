"""A VTEP deleted from seamd (DELETE /v2.0/seam/vteps/ID) while connected:
seamd takes its own rows off the switch (its logical switches, with their
bindings, remote MACs and flood lists) before it closes the session, and
leaves everything else there.  The VTEPs are seam-ovsdb serving a vtep
database, as in test_cli_e2e.py.
"""

import pytest

from conftest import wait_until
from test_cli_e2e import Vtep, pytestmark  # noqa: F401
from test_vtep_failures import assert_quiet, register, vtep_row


@pytest.fixture
def vteps(tmp_path):
    made = [Vtep(tmp_path, "tor1", "10.98.0.1", ["p1", "p2"]),
            Vtep(tmp_path, "hv1", "10.98.0.2", [])]
    yield made
    for v in made:
        v.stop()


def programmed(s, tor, hv):
    """tor1 gets an L2 gateway on p1 VLAN 100 and the MAC of a VM port on
    hv1; returns the network."""
    register(s, tor)
    register(s, hv, role="hypervisor", host="server1")
    net = s.create("networks", "network", {"name": "n"})
    gw = s.create("l2-gateways", "l2_gateway", {
        "name": "gw", "devices": [{"device_name": "tor1", "interfaces": [{"name": "p1"}]}]})
    s.create("l2-gateway-connections", "l2_gateway_connection", {
        "l2_gateway_id": gw["id"], "network_id": net["id"], "segmentation_id": "100"})
    vm = s.create("ports", "port", {"network_id": net["id"], "binding:host_id": "server1",
                                    "mac_address": "fa:16:3e:00:00:01"})
    hv.ctl("add-port", "hv1", "tap" + vm["id"][:11])
    wait_until(lambda: ("fa:16:3e:00:00:01", net["id"]) in tor.state()["ucast"], 10,
               "the VM's MAC on tor1")
    wait_until(lambda: vtep_row(s, "tor1")["in_sync"], 10, "tor1 in sync")
    return net


def test_deleted_vtep_loses_seamds_rows_only(seamd, vteps):
    s = seamd
    tor, hv = vteps
    # Someone else's switch and binding on tor1: seamd must leave them.
    tor.ctl("add-ls", "theirs", "--", "set", "Logical_Switch", "theirs", "tunnel_key=7000",
            "--", "bind-ls", "tor1", "p2", "200", "theirs")
    net = programmed(s, tor, hv)
    st = tor.state()
    assert st["bindings"]["p1"] == {100: net["id"]}, st
    assert net["id"] in st["mcast"], st

    r = s.delete("/v2.0/seam/vteps/" + vtep_row(s, "tor1")["id"])
    assert r.status_code == 204, r.text
    wait_until(lambda: "seamd's rows are off it" in s.logfile.read_text(), 10,
               "tor1 cleaned (%s)" % tor.state())
    st = tor.state()
    assert st["switches"] == {"theirs": 7000}, st
    assert st["bindings"] == {"p1": {}, "p2": {200: "theirs"}}, st
    assert not st["ucast"] and not st["mcast"], st
    log = s.logfile.read_text()
    assert log.count("VTEP tor1: removed; taking seamd's rows off it") == 1, log
    assert "VTEP tor1: removed; closing its session" in log, log
    # hv1 no longer floods to tor1, the only other VTEP: no flood list.
    wait_until(lambda: net["id"] not in hv.state()["mcast"], 10,
               "hv1's flood list without tor1 (%s)" % hv.state())
    assert_quiet(s)

    # Registered again: programmed again.
    register(s, tor)
    wait_until(lambda: tor.state()["bindings"]["p1"] == {100: net["id"]}, 10,
               "tor1 programmed again (%s)" % tor.state())
    wait_until(lambda: vtep_row(s, "tor1")["in_sync"], 10, "tor1 in sync")


def test_deleted_vtep_that_is_down_is_let_go(seamd, vteps):
    """Unreachable when deleted: nothing to clean now, no session kept, no
    retry; its rows stay on it (seamd no longer follows it)."""
    s = seamd
    tor, hv = vteps
    net = programmed(s, tor, hv)
    tor.proc.kill()
    tor.proc.wait()
    wait_until(lambda: vtep_row(s, "tor1")["connection_state"] != "connected", 10,
               "tor1's session lost")
    r = s.delete("/v2.0/seam/vteps/" + vtep_row(s, "tor1")["id"])
    assert r.status_code == 204, r.text
    wait_until(lambda: "VTEP tor1: removed; closing its session" in s.logfile.read_text(),
               10, "the session closed")
    assert "taking seamd's rows off it" not in s.logfile.read_text()
    wait_until(lambda: net["id"] not in hv.state()["mcast"], 10,
               "hv1 without tor1 (%s)" % hv.state())
    assert_quiet(s)
