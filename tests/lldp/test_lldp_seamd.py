"""seamd builds host links from the VTEPs' LLDP neighbours (topo.c,
docs/lldp.md): in namespaces, with lldpd on two SR-IOV "servers" behind a
seam-vtep TOR and no static host link, the SR-IOV ports get their VLAN
bindings from LLDP alone and traffic passes; moving server2's cable to
another TOR port moves its binding within one TTL and traffic resumes; a
malformed LLDPDU changes nothing; a host that goes silent keeps its link
for its TTL, then loses it.

  NS u:   underlay bridge 10.99.0.254; seamd (REST on 127.0.0.1 in u)
  NS tor: seam-vtep tor1 10.99.0.1, ports p1 (server1), p2 (server2),
          p3 (a spare cable); LLDP every 1 s, TTL 3 s
  NS s1:  server1: lldpd on pf0, SR-IOV NIC emulator, vm1 (VF, VLAN 2901)
  NS s2:  server2: lldpd on pf0, SR-IOV NIC emulator, vm4 (VF, VLAN 2900)
seamd config: [sriov_nic] physnet1:pf0 for every host, [host:server2]
physnet2:pf0 for server2 (Neutron SR-IOV agent's physical_device_mappings).
A bare-metal port whose local_link_information carries the switch_id
(chassis MAC) and port_id seam-vtep sends in LLDP binds without translation.
"""

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "controller"))
import ns as seamns  # noqa: E402
import vtepnet as vn  # noqa: E402
from conftest import Lldpd  # noqa: E402  (tests/lldp/conftest.py)

_spec = importlib.util.spec_from_file_location("seamd_conftest",
                                               HERE.parent / "controller" / "conftest.py")
_sc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sc)

UL = seamns.UNDERLAY
OV = seamns.OVERLAY


class NsSeamd(_sc.Seamd):
    """seamd inside namespace 'ns'; its REST requests are made from there."""

    def __init__(self, ns, *a, **kw):
        self.ns = ns
        super().__init__(*a, **kw)

    def command(self):
        return ["ip", "netns", "exec", self.ns] + super().command()

    def request(self, *a, **kw):
        with vn.in_netns(self.ns):
            return super().request(*a, **kw)


def appctl(v, *args):
    p = subprocess.run(["ovs-appctl", "-t", str(v.dir / "seam-vtep.ctl")] + list(args),
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.fixture
def lab(tmp_path):
    for tool in ("lldpd", "tshark", "vtep-ctl", "ovs-appctl"):
        if shutil.which(tool) is None:
            pytest.skip("%s not installed" % tool)
    if not (vn.build_dir() / "seamd").exists():
        pytest.skip("seamd not built")
    lab = seamns.SeamLab(tmp_path, tag="ld")
    lab.tmpdirs = []
    lab.seamd = None
    yield lab
    problems = []
    if lab.seamd:
        problems += lab.seamd.problems()
    problems += lab.teardown()
    for d in lab.tmpdirs:
        shutil.rmtree(d, ignore_errors=True)
    assert not problems, "\n\n".join(problems)


def start_lldpd(lab, ns, hostname):
    d = Path(tempfile.mkdtemp(prefix="seam-lldpd-"))
    lab.tmpdirs.append(d)
    p = Lldpd(ns, d, hostname, "pf0", interval=1)
    lab.procs.append(p)
    return p


def links(api):
    return sorted((l["host"], l["physical_network"], l["vtep"], l["port"], l["source"])
                  for l in api.get("/v2.0/seam/host-links").json()["host_links"])


def bindings(v, port):
    """vtep-ctl list-bindings of 'port' on tor1, as {vlan: ls}."""
    out = v.ctl("list-bindings", "tor1", port)
    return {int(vl): ls for vl, ls in (line.split() for line in out.splitlines() if line.strip())}


def test_host_links_from_lldp(lab):
    lab.underlay()
    tor = lab.vtep_ns("tor", UL + ".1")
    lab.sriov_server("s1", tor, "p1", [("vm1", seamns.fixed_mac(1), OV + ".11", 2901)])
    lab.sriov_server("s2", tor, "p2", [("vm4", seamns.fixed_mac(4), OV + ".14", 2900)])
    spare = lab.topo.ns("spare")
    lab.topo.veth(tor, "p3", spare, "eth")
    for i in ("p1", "p2", "p3"):
        lab.topo.exec(tor, "ethtool", "-K", i, "tx", "off", check=False)
    s1, s2 = lab.topo.prefix + "s1", lab.topo.prefix + "s2"
    start_lldpd(lab, s1, "server1")
    lldpd2 = start_lldpd(lab, s2, "server2")
    v = lab.start_vtep("tor1", tor, UL + ".1", ["p1", "p2", "p3"],
                       extra=["--remote=ptcp:6640:%s.1" % UL, "--lldp-interval=1",
                              "--lldp-hold=3"])

    conf = lab.dir("seamdconf") / "seamd.ini"
    conf.write_text("[sriov_nic]\nphysical_device_mappings = physnet1:pf0\n"
                    "[host:server2]\nphysical_device_mappings = physnet2:pf0\n")
    api = NsSeamd(lab.u, lab.dir("seamd"), name="seamd", default_args=False, args=[
        "--config=%s" % conf, "--vni-ranges=5000:6000",
        "--network-vlan-ranges=physnet1:2900:2999,physnet2:2900:2999", "-d", "topo"])
    lab.seamd = api
    api.start()
    api.create("seam/vteps", "vtep", {"name": "tor1", "target": "tcp:%s.1:6640" % UL,
                                      "tunnel_ip": UL + ".1", "role": "tor"})
    net = api.create("networks", "network", {"name": "net1", "segments": [
        {"provider:network_type": "vxlan", "provider:segmentation_id": 5000},
        {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
         "provider:segmentation_id": 2901},
        {"provider:network_type": "vlan", "provider:physical_network": "physnet2",
         "provider:segmentation_id": 2900}]})
    api.create("subnets", "subnet", {"network_id": net["id"], "cidr": OV + ".0/24",
                                     "ip_version": 4})
    for n, host in ((1, "server1"), (4, "server2")):
        api.create("ports", "port", {
            "network_id": net["id"], "mac_address": seamns.fixed_mac(n),
            "fixed_ips": [{"ip_address": "%s.%d" % (OV, 10 + n)}],
            "binding:host_id": host, "binding:vnic_type": "direct"})

    # No static link: both come from LLDP, and the bindings follow.
    want = [("server1", "physnet1", "tor1", "p1", "lldp"),
            ("server2", "physnet2", "tor1", "p2", "lldp")]
    vn.wait_until(lambda: links(api) == want, 15, "host links from LLDP %s" % want)
    vn.wait_until(lambda: bindings(v, "p1") and bindings(v, "p2"), 10, "VLAN bindings")
    assert list(bindings(v, "p1")) == [2901] and list(bindings(v, "p2")) == [2900]
    lab.ping("vm1", OV + ".14")

    # Bare metal, the Ironic way: local_link_information with the switch_id
    # and port_id LLDP showed the server (no switch_info) binds untagged.
    chassis = [r for r in v.ctl.rows("Physical_Switch")
               if r["name"] == "tor1"][0]["other_config"]["lldp:chassis_id"]
    assert chassis == lab.topo.mac(tor, "ul0")
    bm = api.create("ports", "port", {
        "network_id": net["id"], "mac_address": seamns.fixed_mac(9),
        "binding:vnic_type": "baremetal", "binding:host_id": "ironic",
        "binding:profile": {"local_link_information": [
            {"switch_id": chassis.upper(), "port_id": "p3"}]}})
    vn.wait_until(lambda: bindings(v, "p3") == {0: net["id"]}, 10,
                  "the bare-metal port's binding on p3")
    api.delete("/v2.0/ports/%s" % bm["id"])
    vn.wait_until(lambda: not bindings(v, "p3"), 10, "the bare-metal binding to go")

    # A malformed LLDPDU from server1's cable claiming to be server2's NIC
    # (a second chassis ID): dropped, counted, nothing changes.
    raw = lab.topo.raw(s1, "pf0")
    src = bytes.fromhex("02000000aa01")

    def tlv(t, val):
        return bytes([(t << 1) | (len(val) >> 8), len(val) & 0xff]) + val
    bad = (b"\x01\x80\xc2\x00\x00\x0e" + src + b"\x88\xcc" + tlv(1, b"\x04" + src)
           + tlv(2, b"\x05pf0") + tlv(3, b"\x00\x78") + tlv(1, b"\x04" + src)
           + tlv(5, b"server2") + tlv(0, b""))
    raw.send(bad)
    vn.wait_until(lambda: re.search(r"dup_chassis_id 1", appctl(v, "dp/show")), 5,
                  "the drop in dp/show")
    time.sleep(0.5)                     # A pass of seamd would have run.
    assert links(api) == want

    # Move server2's cable from p2 to p3: the TOR end is re-linked (p3's
    # spare cable removed, p2's interface renamed p3, a new spare on p2).
    t0 = time.monotonic()
    lab.topo.ip(tor, "link", "del", "p3")
    lab.topo.ip(tor, "link", "set", "p2", "down")
    lab.topo.ip(tor, "link", "set", "p2", "name", "p3")
    lab.topo.ip(tor, "link", "set", "p3", "up")
    vn.run(["ip", "link", "add", "p2", "netns", tor, "type", "veth", "peer", "eth2",
            "netns", spare])
    lab.topo.ip(tor, "link", "set", "p2", "up")
    lab.topo.ip(spare, "link", "set", "eth2", "up")
    lab.topo.exec(tor, "ethtool", "-K", "p3", "tx", "off", check=False)
    moved = [("server1", "physnet1", "tor1", "p1", "lldp"),
             ("server2", "physnet2", "tor1", "p3", "lldp")]
    vn.wait_until(lambda: links(api) == moved, 10, "server2's link on p3")
    vn.wait_until(lambda: list(bindings(v, "p3")) == [2900] and not bindings(v, "p2"), 5,
                  "the binding moved from p2 to p3")
    dt = time.monotonic() - t0
    assert dt < 3.0 + 1.0, "moved in %.1f s, TTL is 3 s" % dt
    lab.ping("vm1", OV + ".14")
    print("cable moved: host link and binding on p3 after %.2f s" % dt)

    # server2 goes silent (lldpd frozen, no shutdown LLDPDU): the TOR drops
    # the neighbour after its TTL (4 s), seamd keeps the link one more TTL.
    lldpd2.freeze()
    t0 = time.monotonic()

    def keys_gone():
        for r in v.ctl.rows("Physical_Port"):
            if r["name"] == "p3":
                return "lldp:system_name" not in r["other_config"]
    vn.wait_until(keys_gone, 8, "the TOR to drop server2")
    t_keys = time.monotonic() - t0
    assert links(api) == moved, "the link went with the neighbour: it must stay a TTL"
    vn.wait_until(lambda: links(api) == want[:1], 8, "server2's link to expire")
    t_link = time.monotonic() - t0
    assert t_link - t_keys >= 2.5, (t_keys, t_link)
    vn.wait_until(lambda: not bindings(v, "p3"), 5, "the binding to go")
    print("silent host: neighbour dropped after %.1f s, link after %.1f s" % (t_keys, t_link))
    lldpd2.thaw()
