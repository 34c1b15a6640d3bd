"""seam-vtep as a hypervisor VTEP: --port-match=tap* follows the VM taps that
Nova creates and deletes while it runs (here veths named tap..., the VM a
namespace behind it).  A matching interface that appears becomes a
Physical_Port (its alias, `ip link set tapX alias PORT_ID`, as
other_config:iface-id) and forwards once bound; one that goes loses its row
and costs nothing; an interface that does not match is never a port."""

import vtepnet as vn
from test_vanish import cpu_share, log_count

WAIT = 15


def port_rows(lab):
    """Physical_Port rows of the switch, by name."""
    ps = [r for r in lab.ctl.rows("Physical_Switch") if r["name"] == lab.vtep.ps_name][0]
    ids = set(ps["ports"] if isinstance(ps["ports"], list) else [ps["ports"]])
    return {r["name"]: r for r in lab.ctl.rows("Physical_Port") if r["_uuid"] in ids}


def iface_id(row):
    oc = row["other_config"]
    return oc.get("iface-id") if isinstance(oc, dict) else None


def add_vm(lab, tap, ip, alias=None):
    """A VM: namespace 'vm<tap>' behind veth 'tap' of seam-vtep's namespace."""
    a = lab.topo.prefix + "a"
    vm = lab.topo.ns("vm" + tap[-2:])
    lab.topo.veth(a, tap, vm, "eth")
    lab.topo.ip(vm, "addr", "add", ip + "/24", "dev", "eth")
    if alias:
        lab.topo.ip(a, "link", "set", "dev", tap, "alias", alias)
    return vm


def test_taps_come_and_go(make_lab):
    lab = make_lab(peers=1, hosts={},
                   vtep_args=["--port-match=tap*", "--mode=hypervisor"])
    a = lab.topo.prefix + "a"
    peer = lab.peers[0]["overlay"]
    assert port_rows(lab) == {}

    # Nova plugs two VMs; one interface that is not a tap comes too.
    port_a = "0f2c6a1e-7d4b-4c1a-9a55-1b2c3d4e5f60"
    vm_a = add_vm(lab, "tap0f2c6a1e-7d", "192.168.100.20", alias=port_a)
    vm_b = add_vm(lab, "tapb2", "192.168.100.21")
    lab.topo.veth(a, "other0", lab.topo.ns("x"), "eth")
    vn.wait_until(lambda: set(port_rows(lab)) == {"tap0f2c6a1e-7d", "tapb2"}, WAIT,
                  "a Physical_Port per tap")
    vn.wait_until(lambda: iface_id(port_rows(lab)["tap0f2c6a1e-7d"]) == port_a, WAIT,
                  "other_config:iface-id from the tap's alias")
    assert iface_id(port_rows(lab)["tapb2"]) is None
    lab.configure([("tap0f2c6a1e-7d", 0), ("tapb2", 0)])
    lab.ping(vm_a, peer)
    lab.ping(vm_b, peer)

    # The alias changes (the port is bound to another Neutron port).
    lab.topo.ip(a, "link", "set", "dev", "tapb2", "alias", "port-b")
    vn.wait_until(lambda: iface_id(port_rows(lab)["tapb2"]) == "port-b", WAIT,
                  "the new iface-id of tapb2")

    # Nova deletes VM a: its row goes, VM b still forwards, no CPU spent.
    lab.topo.ip(a, "link", "del", "tap0f2c6a1e-7d")
    vn.wait_until(lambda: set(port_rows(lab)) == {"tapb2"}, WAIT, "tap0f2c6a1e-7d's row removed")
    assert log_count(lab, "tap0f2c6a1e-7d: interface gone: port removed") == 1
    share = cpu_share(lab.vtep.pid)
    assert share < 0.05, "seam-vtep used %.0f%% CPU after the tap went" % (share * 100)
    lab.ping(vm_b, peer)

    # A new VM gets a tap of the same name: a new row, bound, forwarding.
    lab.topo.ip(a, "link", "add", "tap0f2c6a1e-7d", "type", "veth", "peer", "eth2",
                "netns", vm_a)
    lab.topo.ip(a, "link", "set", "dev", "tap0f2c6a1e-7d", "up")
    lab.topo.ip(vm_a, "link", "set", "dev", "eth2", "up")
    lab.topo.ip(vm_a, "addr", "add", "192.168.100.22/24", "dev", "eth2")
    vn.wait_until(lambda: set(port_rows(lab)) == {"tap0f2c6a1e-7d", "tapb2"}, WAIT,
                  "the new tap's row")
    lab.ctl("bind-ls", lab.vtep.ps_name, "tap0f2c6a1e-7d", "0", "ls0")
    lab.ping(vm_a, peer)
    assert "other0" not in port_rows(lab)
    assert not [r for r in lab.ctl.rows("Physical_Port") if r["name"] == "other0"]


def test_vanished_taps_removed_at_start(make_lab):
    """A tap deleted while seam-vtep was down: its row goes at the next
    start (the rows of matched ports follow the interfaces there are)."""
    lab = make_lab(peers=1, hosts={}, vtep_args=["--port-match=tap*"])
    add_vm(lab, "tapc3", "192.168.100.23")
    vn.wait_until(lambda: set(port_rows(lab)) == {"tapc3"}, WAIT, "tapc3's row")
    assert lab.vtep.stop() == 0
    lab.procs.procs.remove(lab.vtep)
    lab.topo.ip(lab.topo.prefix + "a", "link", "del", "tapc3")
    add_vm(lab, "tapd4", "192.168.100.24")
    d = lab.vtep.dir
    lab.vtep = lab.procs.vtep(lab.topo.prefix + "a", "%s.1" % vn.UNDERLAY_NET, [],
                              extra=["--port-match=tap*", "--db=%s" % (d / "vtep.db")])
    vn.wait_until(lambda: set(port_rows(lab)) == {"tapd4"}, WAIT,
                  "tapc3's row gone, tapd4's there")
