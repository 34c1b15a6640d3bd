"""Physical_Switch.switch_fault_status and Physical_Port.port_fault_status
(vtep(5)) follow what seam-vtep can and cannot do: set while the fault
lasts, cleared when it is over.  seam-vtep writes them every 3 s."""

import frames as fr
import vtepnet as vn

FAULT_WAIT = 15         # A few 3-s ticks, with room for ASan+UBSan.


def as_list(v):
    return v if isinstance(v, list) else [v]


def switch_faults(lab):
    ps = [r for r in lab.ctl.rows("Physical_Switch") if r["name"] == lab.vtep.ps_name][0]
    return sorted(as_list(ps["switch_fault_status"]))


def port_faults(lab, port):
    p = [r for r in lab.ctl.rows("Physical_Port") if r["name"] == port][0]
    return sorted(as_list(p["port_fault_status"]))


def local_macs(lab):
    return {r["MAC"] for r in lab.ctl.rows("Ucast_Macs_Local")}


def stats_packets(lab):
    return sum(r["packets_from_local"] for r in lab.ctl.rows("Logical_Binding_Stats"))


def test_mac_table_exhaustion(make_lab):
    """--max-macs=4: frames from 8 source MACs fill the table; the switch
    reports mac_table_exhaustion while MACs keep being refused, only 4 are
    learned; once the sources go quiet the fault clears and the MACs age
    out (--mac-aging=2); then 3 new MACs are learned without the fault."""
    lab = make_lab(peers=1, hosts={"p0": None}, vtep_args=["--max-macs=4", "--mac-aging=2"])
    lab.configure([("p0", 0)])
    h0 = lab.host_raw("p0")
    assert switch_faults(lab) == []
    srcs = [fr.mac(0x7000 + i) for i in range(8)]

    def flood_and_check():
        for s in srcs:
            h0.send(fr.tframe(s, fr.token("full")))
        return "mac_table_exhaustion" in switch_faults(lab)
    vn.wait_until(flood_and_check, FAULT_WAIT, "switch_fault_status mac_table_exhaustion",
                  interval=0.2)
    vn.wait_until(lambda: len(local_macs(lab) & set(srcs)) == 4, 5,
                  "4 of the 8 MACs in Ucast_Macs_Local")
    assert len(local_macs(lab)) == 4

    # Quiet: nothing is refused any more, the learned MACs age out.
    vn.wait_until(lambda: switch_faults(lab) == [], FAULT_WAIT,
                  "mac_table_exhaustion to clear")
    vn.wait_until(lambda: not local_macs(lab), 25, "the learned MACs to age out")

    # Room again: new MACs are learned and nothing is refused.
    news = [fr.mac(0x7100 + i) for i in range(3)]
    for s in news:
        h0.send(fr.tframe(s, fr.token("room")))
    vn.wait_until(lambda: local_macs(lab) == set(news), 5, "the 3 new MACs learned")
    # A stats tick after more frames from them (the stats and the faults
    # are written by the same tick): still no fault.
    before = stats_packets(lab)
    for s in news:
        h0.send(fr.tframe(s, fr.token("room")))
    vn.wait_until(lambda: stats_packets(lab) >= before + 3, FAULT_WAIT,
                  "a stats tick counting the new frames")
    assert switch_faults(lab) == []


def test_invalid_vlan_map_and_acl(make_lab):
    """port_fault_status: invalid_vlan_map while p1 has a binding seam-vtep
    cannot instantiate (VLAN 4095, which 802.1Q reserves and vtep(5)'s
    schema allows; then a switch whose tunnel_key another bound switch
    holds), cleared when it goes; invalid_ACL_binding while p1 has an
    acl_bindings entry; unspecified_fault beside them while p1's interface
    is down.  p0, configured well, has none."""
    lab = make_lab(peers=1, hosts={"p0": None, "p1": None})
    lab.configure([("p0", 0)])
    ctl, ps = lab.ctl, lab.vtep.ps_name
    assert port_faults(lab, "p1") == []

    ctl("bind-ls", ps, "p1", "4095", "ls0")
    vn.wait_until(lambda: port_faults(lab, "p1") == ["invalid_vlan_map"], FAULT_WAIT,
                  "invalid_vlan_map on p1")
    assert port_faults(lab, "p0") == []
    ctl("unbind-ls", ps, "p1", "4095")
    vn.wait_until(lambda: port_faults(lab, "p1") == [], FAULT_WAIT, "p1's fault to clear")

    # ls1 asks for ls0's VNI: "ls0" keeps it (the first by name).
    ctl("add-ls", "ls1", "--", "set", "Logical_Switch", "ls1", "tunnel_key=%d" % vn.VNI,
        "--", "bind-ls", ps, "p1", "100", "ls1")
    vn.wait_until(lambda: port_faults(lab, "p1") == ["invalid_vlan_map"], FAULT_WAIT,
                  "invalid_vlan_map on p1 for a VNI taken")
    ctl("set", "Logical_Switch", "ls1", "tunnel_key=%d" % (vn.VNI + 1))
    vn.wait_until(lambda: port_faults(lab, "p1") == [], FAULT_WAIT,
                  "p1's fault to clear with a VNI of its own")

    # A switch without a tunnel_key is not configured yet: no fault.
    ctl("add-ls", "ls2", "--", "bind-ls", ps, "p1", "200", "ls2")
    ctl("bind-ls", ps, "p1", "4095", "ls0")
    vn.wait_until(lambda: port_faults(lab, "p1") == ["invalid_vlan_map"], FAULT_WAIT,
                  "invalid_vlan_map on p1 (VLAN 4095; ls2 waits for a tunnel_key)")

    # ACLs are not applied: a binding of one is a fault.
    ctl("--", "--id=@e", "create", "ACL_entry", "sequence=1", "action=permit",
        "direction=ingress", "--", "--id=@a", "create", "ACL", "acl_name=a1",
        "acl_entries=@e", "--", "set", "Physical_Port", "p1", "acl_bindings:0=@a")
    vn.wait_until(lambda: port_faults(lab, "p1") == ["invalid_ACL_binding",
                                                     "invalid_vlan_map"],
                  FAULT_WAIT, "invalid_ACL_binding beside invalid_vlan_map")

    # The interface down: unspecified_fault as well, and only that goes
    # when it is up again.
    a = lab.topo.prefix + "a"
    lab.topo.ip(a, "link", "set", "dev", "p1", "down")
    vn.wait_until(lambda: port_faults(lab, "p1") == ["invalid_ACL_binding",
                                                     "invalid_vlan_map",
                                                     "unspecified_fault"],
                  FAULT_WAIT, "unspecified_fault with p1 down")
    lab.topo.ip(a, "link", "set", "dev", "p1", "up")
    vn.wait_until(lambda: port_faults(lab, "p1") == ["invalid_ACL_binding",
                                                     "invalid_vlan_map"],
                  FAULT_WAIT, "unspecified_fault to clear with p1 up")

    ctl("unbind-ls", ps, "p1", "4095", "--", "clear", "Physical_Port", "p1", "acl_bindings")
    vn.wait_until(lambda: port_faults(lab, "p1") == [], FAULT_WAIT, "all of p1's faults to clear")
    assert port_faults(lab, "p0") == []
    assert switch_faults(lab) == []
