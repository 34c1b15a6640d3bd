"""The three use cases of the design, end to end through the reconciler:
seam-vtep as the TOR (SR-IOV servers behind it, VFs tagged 2901 and 2900)
and as hypervisor VTEPs (VM taps), the intent written into the NB, VMs as
namespaces.  See ns.py for the lab.

  (1) two SR-IOV VMs on one server (same TOR port, VLAN 2901), and a DHCP
      request from one answered by dnsmasq on the network node's VTEP;
  (2) SR-IOV VMs on two servers whose links carry 2901 and 2900: one
      network, one VNI, a VLAN segment per physical network;
  (3) a VM on a hypervisor's VXLAN overlay and an SR-IOV VM: ping and ARP
      both ways (the original design's ARP bug).
"""

import os
import shutil
import socket

import pytest

import ns as seamns
from ns import vn


def _require():
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    for b in ("seam-vtep", "seam-ovsdb", "tests/rcdriver"):
        if not (vn.build_dir() / b).exists():
            pytest.skip("%s not built" % b)
    for t in ("ovsdb-client", "dnsmasq", "ethtool"):
        if not shutil.which(t):
            pytest.skip("%s not installed" % t)


@pytest.fixture
def lab(tmp_path):
    _require()
    lab = seamns.SeamLab(tmp_path)
    yield lab
    problems = lab.teardown()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def test_usecases_seam_vtep(lab):
    ids = lab.build_usecases(passive_port=20000 + os.getpid() % 20000)
    lab.wait_ports_active()
    # The NB says each VTEP is connected and in sync (hv2 dialed in).
    vteps = {v["name"]: v for v in lab.nb.rows("VTEP")}
    for name in ("tor1", "hv1", "hv2"):
        assert vteps[name]["connection_state"] == "connected", vteps[name]
        assert vteps[name]["in_sync"] is True, vteps[name]

    # The rows on the TOR: both VLANs of the one network, one VNI.
    tor = lab.vteps["tor1"].ctl
    ls = [r for r in tor.rows("Logical_Switch") if r["name"] == ids["net"]]
    assert len(ls) == 1 and ls[0]["tunnel_key"] == 5000
    ports = {p["name"]: p for p in tor.rows("Physical_Port")}
    assert ports["p1"]["vlan_bindings"] == {2901: ls[0]["_uuid"]}
    assert ports["p2"]["vlan_bindings"] == {2900: ls[0]["_uuid"]}
    remote = {r["MAC"]: r["ipaddr"] for r in tor.rows("Ucast_Macs_Remote")}
    assert remote[seamns.fixed_mac(3)] == "192.168.10.13"
    assert remote[seamns.fixed_mac(5)] == "192.168.10.2"      # The DHCP port.

    # (1) two SR-IOV VMs on one server.
    lab.ping("vm1", "192.168.10.12")
    lab.ping("vm2", "192.168.10.11")
    # (2) two SR-IOV servers, VLAN 2901 and 2900.
    lab.ping("vm1", "192.168.10.14")
    lab.ping("vm4", "192.168.10.11")
    # (3) VXLAN VM <-> SR-IOV VM, ARP resolved on both sides: hv1 answers
    # vm3's ARP itself (ARP suppression, the IP known from the NB), so no
    # ARP request from vm3 reaches vm1.
    for vm in ("vm1", "vm3", "vm4"):
        lab.flush_arp(vm)
    cap = lab.topo.raw(lab.vms["vm1"]["ns"], "eth0")
    lab.ping("vm3", "192.168.10.11")
    assert lab.neigh("vm3", "192.168.10.11") == seamns.fixed_mac(1)
    vm3_ip = socket.inet_aton("192.168.10.13")
    arp_from_vm3 = [f for f in cap.incoming() if f.data[12:14] == b"\x08\x06"
                    and f.data[20:22] == b"\x00\x01" and f.data[28:32] == vm3_ip]
    assert arp_from_vm3 == [], "ARP requests of vm3 reached vm1: %s" % arp_from_vm3
    lab.flush_arp("vm1")
    lab.ping("vm1", "192.168.10.13")
    assert lab.neigh("vm1", "192.168.10.13") == seamns.fixed_mac(3)
    lab.ping("vm4", "192.168.10.13")
    # DHCP from the SR-IOV VM, answered by dnsmasq behind hv2.
    lab.dnsmasq("dhcp", "192.168.10.100", "192.168.10.150")
    offered = lab.dhcp_discover("vm1")
    assert offered.startswith("192.168.10.1"), offered


def _wait_log(proc, text, n=1, timeout=10):
    vn.wait_until(lambda: proc.log().count(text) >= n, timeout,
                  "%r x%d in %s's log" % (text, n, proc.name))


def test_restarts_converge_without_flapping(lab):
    """Kill -9 the controller during a ping: traffic keeps flowing; restart
    it: no row on any VTEP is deleted or re-added.  Kill a VTEP and restart
    it empty: reprogrammed within a second."""
    import time
    lab.build_usecases(passive_port=20000 + (os.getpid() + 7) % 20000)
    lab.wait_ports_active()
    lab.ping("vm3", "192.168.10.11")
    mons, marks = lab.monitor_vteps()

    ping = lab.ping_background("vm3", "192.168.10.11", 40)
    time.sleep(0.5)
    lab.kill_controller()
    seamns.assert_no_loss(ping)

    rc = lab.start_controller(listen=lab.controller_listen)
    for name in ("tor1", "hv1", "hv2"):
        _wait_log(rc, "VTEP %s: in sync" % name, timeout=15)
    lab.ping("vm1", "192.168.10.13")
    time.sleep(0.5)                     # Let any late update reach the monitors.
    seamns.assert_no_churn(mons, marks)

    # A VTEP killed and restarted with an empty database.
    tor = lab.vteps["tor1"]
    lab.kill_vtep("tor1")
    (tor.dirpath / "vtep.db").unlink()
    v = lab.start_vtep("tor1", tor.ns, seamns.UNDERLAY + ".1", ["p1", "p2"],
                       dbdir=tor.dirpath)
    t0 = time.monotonic()

    def programmed():
        ports = {p["name"]: p for p in v.ctl.rows("Physical_Port")}
        return ports["p1"]["vlan_bindings"] and ports["p2"]["vlan_bindings"] \
            and len(v.ctl.rows("Ucast_Macs_Remote")) >= 2
    vn.wait_until(programmed, 5, "tor1 reprogrammed")
    took = time.monotonic() - t0
    print("tor1 reprogrammed %.2f s after it was ready" % took)
    assert took < 1.0, took
    lab.ping("vm1", "192.168.10.13")
    lab.ping("vm4", "192.168.10.13")

    # The VTEP that dials in (hv2), killed and restarted empty.
    hv2 = lab.vteps["hv2"]
    lab.kill_vtep("hv2")
    (hv2.dirpath / "vtep.db").unlink()
    ids = lab.ids
    mgr = "tcp:%s.254:%s" % (seamns.UNDERLAY, lab.controller_listen.split(":")[1])
    v = lab.start_vtep("hv2", hv2.ns, seamns.UNDERLAY + ".3", [seamns.tap_name(ids["dhcp"])],
                       mode="hypervisor", manager=mgr, dbdir=hv2.dirpath)
    t0 = time.monotonic()
    vn.wait_until(lambda: [p for p in v.ctl.rows("Physical_Port") if p["vlan_bindings"]]
                  and len(v.ctl.rows("Ucast_Macs_Remote")) >= 4, 5, "hv2 reprogrammed")
    took = time.monotonic() - t0
    print("hv2 (dialing in) reprogrammed %.2f s after it was ready" % took)
    assert took < 1.0, took
    lab.dnsmasq("dhcp", "192.168.10.100", "192.168.10.150")
    assert lab.dhcp_discover("vm1").startswith("192.168.10.1")


def test_usecases_ovs_vtep_emulator(lab):
    """The same intent with Open vSwitch's vtep emulator (ovs-vtep on the
    userspace datapath) as the VXLAN VM's hypervisor VTEP hv1."""
    for t in ("ovs-vswitchd", "ovsdb-tool", "vtep-ctl"):
        if not shutil.which(t):
            pytest.skip("%s not installed" % t)
    ids = lab.build_usecases(passive_port=20000 + (os.getpid() + 13) % 20000,
                             hv1_impl=seamns.ovs_hypervisor)
    lab.wait_ports_active(timeout=30)
    hv1 = lab.vteps["hv1"].ctl
    ls = [r for r in hv1.rows("Logical_Switch") if r["name"] == ids["net"]]
    assert ls and ls[0]["tunnel_key"] == 5000
    tap = seamns.tap_name(ids["vm3"])
    port = [p for p in hv1.rows("Physical_Port") if p["name"] == tap][0]
    assert port["vlan_bindings"] == {0: ls[0]["_uuid"]}
    # Traffic crosses the emulator both ways (ovs-vtep polls once a second).
    lab.ping("vm3", "192.168.10.11", timeout=30)
    lab.ping("vm1", "192.168.10.13")
    lab.ping("vm4", "192.168.10.13")
    assert lab.neigh("vm1", "192.168.10.13") == seamns.fixed_mac(3)


def test_vm_taps_come_and_go(lab):
    """A hypervisor VTEP following its taps (seam-vtep --port-match=tap*):
    the port is created in the NB, then Nova plugs the VM (the tap appears):
    bound within a second and traffic flows; the VM is unplugged: the port
    goes DOWN; the port deleted: its MAC leaves the TOR."""
    import time
    import uuid as uuidmod
    lab.underlay()
    tor = lab.vtep_ns("tor", seamns.UNDERLAY + ".1")
    hv1 = lab.vtep_ns("hv1", seamns.UNDERLAY + ".2")
    lab.sriov_server("s1", tor, "p1", [("vm1", seamns.fixed_mac(1), "192.168.10.11", 2901)])
    lab.topo.exec(tor, "ethtool", "-K", "p1", "tx", "off", check=False)
    nb = lab.start_nb()
    lab.start_vtep("tor1", tor, seamns.UNDERLAY + ".1", ["p1"])
    lab.start_vtep("hv1", hv1, seamns.UNDERLAY + ".2", [], mode="hypervisor",
                   extra=["--port-match=tap*"])
    lab.insert_tor1_hv1(nb)
    net = nb.insert("Network", {"name": "n", "vni": 5000})
    nb.insert("Segment", {"network": ["uuid", net], "network_type": "vlan",
                          "physical_network": "physnet1", "segmentation_id": 2901,
                          "segment_index": 1})
    nb.insert("Host_Link", {"host": "server1", "physical_network": "physnet1",
                            "vtep": "tor1", "port": "p1", "source": "static"})
    nb.insert("Port", {"network": ["uuid", net], "mac_address": seamns.fixed_mac(1),
                       "binding_host_id": "server1", "binding_vnic_type": "direct"})
    vm3 = str(uuidmod.uuid4())
    nb.insert("Port", {"network": ["uuid", net], "mac_address": seamns.fixed_mac(3),
                       "binding_host_id": "compute1", "binding_vnic_type": "normal",
                       "fixed_ips": ["map", []]}, vm3)
    lab.start_controller()

    def port_status(u):
        r = nb.row("Port", u)
        return r["status"], r["status_detail"]
    vn.wait_until(lambda: port_status(vm3)[0] == "DOWN" and "no port tap" in port_status(vm3)[1],
                  10, "vm3's port DOWN, its tap missing (%s)" % (port_status(vm3),))
    # Nova plugs the VM.
    tap = seamns.tap_name(vm3)
    t0 = time.monotonic()
    lab.vm("vm3", hv1, tap, seamns.fixed_mac(3), "192.168.10.13")
    lab.topo.exec(hv1, "ethtool", "-K", tap, "tx", "off", check=False)
    hvctl = lab.vteps["hv1"].ctl

    def bound():
        return [p for p in hvctl.rows("Physical_Port") if p["name"] == tap and p["vlan_bindings"]]
    vn.wait_until(bound, 5, "the new tap bound")
    took = time.monotonic() - t0
    print("tap bound %.2f s after it appeared" % took)
    assert took < 1.5, took
    vn.wait_until(lambda: port_status(vm3)[0] == "ACTIVE", 5, "vm3's port ACTIVE")
    lab.ping("vm3", "192.168.10.11")
    # Nova unplugs it.
    lab.topo.ip(hv1, "link", "del", tap)
    vn.wait_until(lambda: port_status(vm3)[0] == "DOWN", 5, "vm3's port DOWN again")
    # The port deleted: its MAC leaves the TOR (vm3 sent traffic, but its
    # VTEP no longer has the network, so its learned MACs went with it).
    nb.delete("Port", vm3)
    torctl = lab.vteps["tor1"].ctl
    vn.wait_until(lambda: not any(r["MAC"] == seamns.fixed_mac(3)
                                  for r in torctl.rows("Ucast_Macs_Remote")),
                  5, "vm3's MAC gone from tor1")


def test_baremetal_and_l2_gateway(lab):
    """A bare-metal server on a TOR access port (local_link_information,
    untagged) and a legacy VLAN domain behind an L2 gateway connection
    (interface VLAN 100), with a VM on a hypervisor VTEP: each reaches the
    others; the legacy host's MAC, learned by the TOR, is published to the
    hypervisor."""
    import json as jsonmod
    import uuid as uuidmod
    lab.underlay()
    tor = lab.vtep_ns("tor", seamns.UNDERLAY + ".1")
    hv1 = lab.vtep_ns("hv1", seamns.UNDERLAY + ".2")
    lab.vm("bm", tor, "p1", seamns.fixed_mac(0x21), "192.168.10.21")
    # A legacy switch's access port on VLAN 100, as the NIC emulator does it.
    lab.sriov_server("lg", tor, "p2", [("old", seamns.fixed_mac(0x22), "192.168.10.22", 100)])
    vm3 = str(uuidmod.uuid4())
    lab.vm("vm3", hv1, seamns.tap_name(vm3), seamns.fixed_mac(3), "192.168.10.13")
    for ns, i in ((tor, "p1"), (tor, "p2"), (hv1, seamns.tap_name(vm3))):
        lab.topo.exec(ns, "ethtool", "-K", i, "tx", "off", check=False)
    nb = lab.start_nb()
    lab.start_vtep("tor1", tor, seamns.UNDERLAY + ".1", ["p1", "p2"])
    lab.start_vtep("hv1", hv1, seamns.UNDERLAY + ".2", [seamns.tap_name(vm3)],
                   mode="hypervisor")
    lab.insert_tor1_hv1(nb)
    net = nb.insert("Network", {"name": "n", "vni": 5000})
    sub = nb.insert("Subnet", {"network": ["uuid", net], "cidr": "192.168.10.0/24",
                               "ip_version": 4})
    bm = nb.insert("Port", {"network": ["uuid", net], "mac_address": seamns.fixed_mac(0x21),
                            "binding_vnic_type": "baremetal", "binding_host_id": "ironic",
                            "binding_profile": jsonmod.dumps({"local_link_information": [
                                {"switch_id": "aa:bb:cc:00:00:01", "port_id": "p1",
                                 "switch_info": "tor1"}]}),
                            "fixed_ips": ["map", [["192.168.10.21", ["uuid", sub]]]]})
    nb.insert("Port", {"network": ["uuid", net], "mac_address": seamns.fixed_mac(3),
                       "binding_host_id": "compute1", "binding_vnic_type": "normal",
                       "fixed_ips": ["map", [["192.168.10.13", ["uuid", sub]]]]}, vm3)
    gw = nb.insert("L2_Gateway", {"name": "legacy"})
    nb.insert("L2_Gateway_Interface", {"gateway": ["uuid", gw], "device_name": "tor1",
                                       "interface_name": "p2",
                                       "segmentation_ids": ["set", [100]]})
    conn = nb.insert("L2_Gateway_Connection", {"gateway": ["uuid", gw],
                                               "network": ["uuid", net]})
    lab.start_controller()
    vn.wait_until(lambda: nb.row("L2_Gateway_Connection", conn)["status"] == "ACTIVE"
                  and all(p["status"] == "ACTIVE" for p in nb.rows("Port")), 15,
                  "the connection and the ports ACTIVE")
    ports = {p["name"]: p for p in lab.vteps["tor1"].ctl.rows("Physical_Port")}
    assert list(ports["p1"]["vlan_bindings"]) == [0]          # Untagged access port.
    assert list(ports["p2"]["vlan_bindings"]) == [100]
    assert nb.row("Port", bm)["status"] == "ACTIVE"
    lab.ping("bm", "192.168.10.13")
    lab.ping("vm3", "192.168.10.21")
    lab.ping("old", "192.168.10.13")
    lab.ping("vm3", "192.168.10.22")
    lab.ping("old", "192.168.10.21")
    hvctl = lab.vteps["hv1"].ctl
    vn.wait_until(lambda: any(r["MAC"] == seamns.fixed_mac(0x22)
                              for r in hvctl.rows("Ucast_Macs_Remote")), 5,
                  "the legacy host's learned MAC published to hv1")
