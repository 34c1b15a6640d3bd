"""What an operator sees when a VTEP cannot take what seamd asks, through
seamd (REST in, VTEPs being seam-ovsdb with a vtep database, as in
test_cli_e2e.py):

- an L2 gateway (or a host link) naming a port the switch does not have;
- a VTEP whose hardware_vtep schema lacks a column seamd writes (an older
  switch): the refusal lands on the VTEP and on the ports it concerns;
- a VTEP killed and restarted with an empty database;
- two networks wanting the same VLAN of a port (an SR-IOV port's host
  link and an L2 gateway): the holder keeps it, the other says why;
- a target that reaches another switch.

Each: the error on the resources concerned, one log line, no loop (seamd's
CPU stays near 0 and its log does not grow).
"""

import json
import signal
import time

import pytest

from conftest import wait_until
from test_cli_e2e import VTEP_SCHEMA, Vtep, pytestmark  # noqa: F401


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def assert_quiet(s, seconds=1.5):
    """seamd does nothing for 'seconds': no CPU to speak of, no log line."""
    size = s.logfile.stat().st_size
    c0 = cpu_ticks(s.proc.pid)
    time.sleep(seconds)
    ticks = cpu_ticks(s.proc.pid) - c0
    grown = s.logfile.read_text()[size:]
    assert ticks <= 15 and not grown, (ticks, grown)


def register(s, v, **kw):
    body = {"name": v.name, "target": "tcp:127.0.0.1:%d" % v.port, "tunnel_ip": v.ip,
            "role": "tor"}
    body.update(kw)
    return s.create("seam/vteps", "vtep", body)


def vtep_row(s, name):
    return [v for v in s.get("/v2.0/seam/vteps").json()["vteps"] if v["name"] == name][0]


@pytest.fixture
def made(tmp_path):
    vteps = []

    def make(name, ip, ports, schema=VTEP_SCHEMA):
        v = Vtep(tmp_path, name, ip, ports, schema=schema)
        vteps.append(v)
        return v
    yield make
    for v in vteps:
        v.stop()


def missing_ports(s, made):
    """tor1 has p1 and p9; an L2 gateway connection binds p9, then p9 goes
    from the switch; a host link names p8, which tor1 never had (an SR-IOV
    port on server2).  Returns (tor, the port's getter, the connection's
    getter) once the port shows its problem."""
    tor = made("tor1", "10.98.0.1", ["p1", "p9"])
    register(s, tor)
    wait_until(lambda: vtep_row(s, "tor1")["connection_state"] == "connected", 10,
               "tor1's session")
    net = s.create("networks", "network", {"name": "n"})
    gw = s.create("l2-gateways", "l2_gateway", {
        "name": "gw", "devices": [{"device_name": "tor1",
                                   "interfaces": [{"name": "p9"}]}]})
    conn = s.create("l2-gateway-connections", "l2_gateway_connection", {
        "l2_gateway_id": gw["id"], "network_id": net["id"], "segmentation_id": "100"})
    tor.ctl("del-port", "tor1", "p9")
    s.create("seam/host-links", "host_link", {"host": "server2", "physical_network": "physnet1",
                                              "vtep": "tor1", "port": "p8"})
    s.create("segments", "segment", {"network_id": net["id"], "network_type": "vlan",
                                     "physical_network": "physnet1", "segmentation_id": 2901})
    port = s.create("ports", "port", {"network_id": net["id"], "binding:vnic_type": "direct",
                                      "binding:host_id": "server2"})

    def port_status():
        return s.get("/v2.0/ports/" + port["id"]).json()["port"]

    def conn_status():
        return s.get("/v2.0/l2-gateway-connections/" + conn["id"]).json()[
            "l2_gateway_connection"]
    wait_until(lambda: "p8" in port_status().get("seam:status_detail", ""), 10,
               "the port's problem (%s)" % port_status())
    # The pass that wrote the port's status ends with tor1 in sync (what it
    # could write is written); only from then on must seamd be quiet.
    wait_until(lambda: vtep_row(s, "tor1")["in_sync"], 10, "tor1 in sync")
    return tor, port_status, conn_status


def test_binding_to_a_port_the_switch_lacks(seamd, made):
    s = seamd
    tor, port_status, conn_status = missing_ports(s, made)
    assert port_status()["status"] == "DOWN"
    assert "VTEP tor1 has no port p8" in port_status()["seam:status_detail"]
    c = conn_status()
    assert c["seam:status"] == "DOWN" and "p9" in c.get("seam:status_detail", ""), c
    assert_quiet(s)
    # The switch gets the ports: the bindings are made, the problems clear.
    tor.ctl("add-port", "tor1", "p8", "--", "add-port", "tor1", "p9")
    wait_until(lambda: port_status()["status"] == "ACTIVE", 10, "the port ACTIVE")
    wait_until(lambda: conn_status()["seam:status"] == "ACTIVE", 10, "the connection ACTIVE")
    assert "seam:status_detail" not in port_status()
    bindings = {p["name"]: p["vlan_bindings"] for p in tor.rows("Physical_Port")}
    assert list(bindings["p8"]) == [2901] and list(bindings["p9"]) == [100], bindings


def test_binding_to_a_port_the_switch_lacks_is_logged_once(seamd, made):
    s = seamd
    missing_ports(s, made)
    time.sleep(0.5)
    log = s.logfile.read_text()
    assert log.count("no port p9") == 1 and log.count("no port p8") == 1, log


def test_vtep_schema_lacks_a_column(seamd, made, tmp_path):
    """An older hardware_vtep without Ucast_Macs_Remote.ipaddr: seamd's
    transaction is refused; the VTEP says why, the ports it concerns are in
    ERROR, one log line, no retry loop."""
    schema = json.load(open(VTEP_SCHEMA))
    del schema["tables"]["Ucast_Macs_Remote"]["columns"]["ipaddr"]
    old = tmp_path / "old-vtep.ovsschema"
    old.write_text(json.dumps(schema))
    s = seamd
    tor = made("tor1", "10.98.0.1", ["p1"], schema=str(old))
    hv = made("hv1", "10.98.0.2", [])
    register(s, tor)
    register(s, hv, role="hypervisor", host="server1")
    net = s.create("networks", "network", {"name": "n"})
    s.create("subnets", "subnet", {"network_id": net["id"], "cidr": "10.0.0.0/24",
                                   "ip_version": 4})
    gw = s.create("l2-gateways", "l2_gateway", {
        "name": "gw", "devices": [{"device_name": "tor1", "interfaces": [{"name": "p1"}]}]})
    s.create("l2-gateway-connections", "l2_gateway_connection", {
        "l2_gateway_id": gw["id"], "network_id": net["id"], "segmentation_id": "100"})
    vm = s.create("ports", "port", {"network_id": net["id"], "binding:host_id": "server1"})
    hv.ctl("add-port", "hv1", "tap" + vm["id"][:11])

    def vm_port():
        return s.get("/v2.0/ports/" + vm["id"]).json()["port"]
    wait_until(lambda: vm_port()["status"] == "ERROR", 10, "the port in ERROR (%s)" % vm_port())
    assert "tor1" in vm_port()["seam:status_detail"], vm_port()
    t = vtep_row(s, "tor1")
    assert t["in_sync"] is False and "ipaddr" in (t["status_detail"] or ""), t
    assert s.logfile.read_text().count("VTEP tor1 refused") == 1, s.logfile.read_text()
    assert_quiet(s)


def test_vtep_restarted_empty_is_reprogrammed(seamd, made):
    s = seamd
    tor = made("tor1", "10.98.0.1", ["p1"])
    register(s, tor)
    net = s.create("networks", "network", {"name": "n"})
    gw = s.create("l2-gateways", "l2_gateway", {
        "name": "gw", "devices": [{"device_name": "tor1", "interfaces": [{"name": "p1"}]}]})
    s.create("l2-gateway-connections", "l2_gateway_connection", {
        "l2_gateway_id": gw["id"], "network_id": net["id"], "segmentation_id": "100"})

    def bound():
        return [p for p in tor.rows("Physical_Port") if p["vlan_bindings"]]
    wait_until(bound, 10, "the binding")
    tor.kill()
    wait_until(lambda: vtep_row(s, "tor1")["connection_state"] != "connected", 10,
               "seamd to see tor1 go")
    tor.start(["p1"])
    t0 = time.monotonic()
    wait_until(bound, 5, "tor1 reprogrammed", interval=0.01)
    took = time.monotonic() - t0
    assert took < 1.0, "reprogrammed %.2f s after the VTEP was back" % took
    # seamd hears its transaction's answer just after the rows land.
    wait_until(lambda: vtep_row(s, "tor1")["in_sync"], 5, "tor1 in sync")
    assert_quiet(s)


def test_unreachable_vtep_is_said_once(seamd):
    s = seamd
    s.create("seam/vteps", "vtep", {"name": "gone", "target": "tcp:127.0.0.1:1",
                                    "tunnel_ip": "10.98.0.9"})
    wait_until(lambda: "tcp:127.0.0.1:1" in s.logfile.read_text(), 5, "the first try")
    time.sleep(0.5)
    size = s.logfile.stat().st_size
    time.sleep(3.0)
    assert s.logfile.read_text()[size:] == ""
    v = vtep_row(s, "gone")
    assert v["connection_state"] != "connected" and "refused" in v["status_detail"], v


def test_target_without_hardware_vtep_is_said_once(seamd, made):
    s = seamd
    ovs = made("ovs", "10.98.0.3", None, schema="/usr/share/openvswitch/vswitch.ovsschema")
    register(s, ovs)
    wait_until(lambda: "get_schema failed" in s.logfile.read_text(), 5, "the first try")
    time.sleep(0.5)
    size = s.logfile.stat().st_size
    time.sleep(3.0)
    assert s.logfile.read_text()[size:] == ""
    assert "hardware_vtep" in vtep_row(s, "ovs")["status_detail"]


def test_target_serving_another_switch_is_refused(seamd, made):
    s = seamd
    other = made("tor-2", "10.98.0.4", ["p1"])
    s.create("seam/vteps", "vtep", {"name": "tor1", "target": "tcp:127.0.0.1:%d" % other.port,
                                    "tunnel_ip": "10.98.0.4"})
    net = s.create("networks", "network", {"name": "n"})
    gw = s.create("l2-gateways", "l2_gateway", {
        "name": "gw", "devices": [{"device_name": "tor1", "interfaces": [{"name": "p1"}]}]})
    s.create("l2-gateway-connections", "l2_gateway_connection", {
        "l2_gateway_id": gw["id"], "network_id": net["id"], "segmentation_id": "100"})
    wait_until(lambda: vtep_row(s, "tor1")["connection_state"] == "connected", 10, "session")
    time.sleep(1.0)
    assert not [p for p in other.rows("Physical_Port") if p["vlan_bindings"]]
    v = vtep_row(s, "tor1")
    assert not v["in_sync"] and "tor-2" in v["status_detail"], v
    assert not other.rows("Logical_Switch")
    assert s.logfile.read_text().count('serves Physical_Switch "tor-2"') == 1
    assert_quiet(s)
    # The switch is renamed to what seamd expects: programmed, problem gone.
    other.ctl("set", "Physical_Switch", "tor-2", "name=tor1")
    wait_until(lambda: vtep_row(s, "tor1")["in_sync"], 10, "tor1 in sync")
    assert not vtep_row(s, "tor1")["status_detail"]
    bindings = {p["name"]: p["vlan_bindings"] for p in other.rows("Physical_Port")}
    assert list(bindings["p1"]) == [100], bindings


def test_vlan_of_a_port_wanted_by_two_networks(seamd, made):
    s = seamd
    tor = made("tor1", "10.98.0.1", ["p1"])
    register(s, tor)
    s.create("seam/host-links", "host_link", {"host": "server2", "physical_network": "physnet1",
                                              "vtep": "tor1", "port": "p1"})
    a = s.create("networks", "network", {"name": "a", "provider:network_type": "vlan",
                                         "provider:physical_network": "physnet1",
                                         "provider:segmentation_id": 2901})
    port = s.create("ports", "port", {"network_id": a["id"], "binding:vnic_type": "direct",
                                      "binding:host_id": "server2"})

    def port_status():
        return s.get("/v2.0/ports/" + port["id"]).json()["port"]
    wait_until(lambda: port_status()["status"] == "ACTIVE", 10, "the SR-IOV port ACTIVE")

    b = s.create("networks", "network", {"name": "b"})
    gw = s.create("l2-gateways", "l2_gateway", {
        "name": "gw", "devices": [{"device_name": "tor1", "interfaces": [{"name": "p1"}]}]})
    conn = s.create("l2-gateway-connections", "l2_gateway_connection", {
        "l2_gateway_id": gw["id"], "network_id": b["id"], "segmentation_id": "2901"})

    def conn_status():
        return s.get("/v2.0/l2-gateway-connections/" + conn["id"]).json()[
            "l2_gateway_connection"]
    # While tor1 takes network b (held up: its server is stopped), network
    # a's port stays ACTIVE: a change to one network does not take another
    # network's ports down.
    tor.proc.send_signal(signal.SIGSTOP)
    try:
        wait_until(lambda: "already" in conn_status().get("seam:status_detail", ""), 10,
                   "the connection's conflict (%s)" % conn_status())
        assert not vtep_row(s, "tor1")["in_sync"]
        assert port_status()["status"] == "ACTIVE", port_status()
    finally:
        tor.proc.send_signal(signal.SIGCONT)
    wait_until(lambda: vtep_row(s, "tor1")["in_sync"], 10, "tor1 in sync")
    c = conn_status()
    assert c["seam:status"] == "DOWN", c
    assert c["seam:status_detail"] == ("VLAN 2901 of port p1 on VTEP tor1 is bound to "
                                       "network %s already" % a["id"]), c
    assert port_status()["status"] == "ACTIVE", port_status()
    ls = {r["_uuid"]: r["name"] for r in tor.rows("Logical_Switch")}
    p1 = [p for p in tor.rows("Physical_Port") if p["name"] == "p1"][0]
    assert {v: ls[u] for v, u in p1["vlan_bindings"].items()} == {2901: a["id"]}, p1
    assert_quiet(s)

    # The port goes: the connection gets the VLAN.
    assert s.delete("/v2.0/ports/" + port["id"]).status_code == 204
    wait_until(lambda: conn_status()["seam:status"] == "ACTIVE", 10, "the connection ACTIVE")
    ls = {r["_uuid"]: r["name"] for r in tor.rows("Logical_Switch")}
    p1 = [p for p in tor.rows("Physical_Port") if p["name"] == "p1"][0]
    assert {v: ls[u] for v, u in p1["vlan_bindings"].items()} == {2901: b["id"]}, p1


def test_connection_to_an_interface_the_switch_lacks_is_refused(seamd, made):
    """As networking-l2gw: the gateway's interfaces must be on the switch
    (seamd knows while the VTEP's session is synced); nothing written."""
    s = seamd
    tor = made("tor1", "10.98.0.1", ["p1"])
    register(s, tor)
    s.create("seam/vteps", "vtep", {"name": "tor2", "target": "tcp:127.0.0.1:1",
                                    "tunnel_ip": "10.98.0.2", "role": "tor"})
    wait_until(lambda: vtep_row(s, "tor1")["connection_state"] == "connected", 10,
               "tor1's session")
    net = s.create("networks", "network", {"name": "n"})
    gw = s.create("l2-gateways", "l2_gateway", {
        "name": "gw", "devices": [{"device_name": "tor1", "interfaces": [{"name": "p7"}]}]})
    r = s.post("/v2.0/l2-gateway-connections", {"l2_gateway_connection": {
        "l2_gateway_id": gw["id"], "network_id": net["id"], "segmentation_id": "100"}})
    assert r.status_code == 404, r.text
    assert r.json()["NeutronError"]["type"] == "L2GatewayInterfaceNotFound", r.text
    assert "'p7'" in r.json()["NeutronError"]["message"], r.text
    assert s.get("/v2.0/l2-gateway-connections").json()["l2_gateway_connections"] == []
    # On the switch: accepted.
    tor.ctl("add-port", "tor1", "p7")
    wait_until(lambda: s.post("/v2.0/l2-gateway-connections", {"l2_gateway_connection": {
        "l2_gateway_id": gw["id"], "network_id": net["id"],
        "segmentation_id": "100"}}).status_code == 201, 10, "the connection accepted")
    # A switch seamd cannot reach: nothing known, accepted, its status says.
    gw2 = s.create("l2-gateways", "l2_gateway", {
        "name": "gw2", "devices": [{"device_name": "tor2", "interfaces": [{"name": "p7"}]}]})
    c2 = s.create("l2-gateway-connections", "l2_gateway_connection", {
        "l2_gateway_id": gw2["id"], "network_id": net["id"], "segmentation_id": "100"})
    wait_until(lambda: s.get("/v2.0/l2-gateway-connections/" + c2["id"]).json()[
        "l2_gateway_connection"].get("seam:status") == "DOWN", 10, "the connection DOWN")
