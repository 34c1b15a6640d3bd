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
    # (3) VXLAN VM <-> SR-IOV VM, ARP resolved on both sides.
    for vm in ("vm1", "vm3", "vm4"):
        lab.flush_arp(vm)
    lab.ping("vm3", "192.168.10.11")
    assert lab.neigh("vm3", "192.168.10.11") == seamns.fixed_mac(1)
    lab.flush_arp("vm1")
    lab.ping("vm1", "192.168.10.13")
    assert lab.neigh("vm1", "192.168.10.13") == seamns.fixed_mac(3)
    lab.ping("vm4", "192.168.10.13")
    # DHCP from the SR-IOV VM, answered by dnsmasq behind hv2.
    lab.dnsmasq("dhcp", "192.168.10.100", "192.168.10.150")
    offered = lab.dhcp_discover("vm1")
    assert offered.startswith("192.168.10.1"), offered
