"""vtep-ctl drives seam-vtep the way it drives the OVS vtep emulator (issue item 1)."""

import frames as fr
import vtepnet as vn

A_IP = "%s.1" % vn.UNDERLAY_NET


def test_startup_rows(make_lab):
    """At start seam-vtep writes its Physical_Switch (tunnel and management
    IPs, description) and one Physical_Port per --port, with no faults."""
    lab = make_lab(peers=0, hosts={"p0": None, "p1": None})
    ps = [r for r in lab.ctl.rows("Physical_Switch") if r["name"] == "br0"]
    assert len(ps) == 1
    assert ps[0]["tunnel_ips"] == A_IP and ps[0]["management_ips"] == A_IP
    assert ps[0]["description"].startswith("seam-vtep")
    ports = {r["_uuid"]: r for r in lab.ctl.rows("Physical_Port")}
    assert sorted(ports[u]["name"] for u in ps[0]["ports"]) == ["p0", "p1"]
    assert all(p["port_fault_status"] == [] for p in ports.values())
    assert lab.ctl("list-ports", "br0").split() == ["p0", "p1"]
    assert "br0" in lab.ctl("list-ps").split()
    assert '"name":"br0"' in lab.vtep.show()


def test_vtep_ctl_config_drives_forwarding(make_lab):
    """add-ls, tunnel_key, bind-ls, add-mcast-remote unknown-dst (peer B
    only), add-ucast-remote (peer C's MAC -> C): the host on p0 pings B
    (ARP flooded to the unknown-dst set) and C (unicast to the ucast
    remote's locator, nothing flooded to C); the DB then shows the learned
    MAC with its ARP-learned ipaddr, unknown-dst local with our locator, and
    one Tunnel per remote."""
    lab = make_lab(peers=2, hosts={"p0": "192.168.100.10"})
    b, c = lab.peers
    h = lab.hosts["p0"]
    lab.configure([("p0", 0)], unknown_dst=[0])
    lab.ctl("add-ucast-remote", "ls0", c["mac"], c["ip"])
    lab.wait_active("ls0", [b["ip"], c["ip"]])
    assert lab.ctl("get", "Logical_Switch", "ls0", "tunnel_key").strip() == str(vn.VNI)
    assert lab.ctl("list-bindings", "br0", "p0").split() == ["0000", "ls0"]

    b_up, c_up = lab.peer_underlay(0), lab.peer_underlay(1)
    lab.ping(h["ns"], b["overlay"])
    # C is not in the unknown-dst set: the host cannot ARP it through the
    # VTEP.  A static neighbour sends straight to C's MAC: the ucast remote.
    lab.topo.ip(h["ns"], "neigh", "replace", c["overlay"], "lladdr", c["mac"], "dev", "eth")
    lab.ping(h["ns"], c["overlay"])

    def vx(cap):
        return [vn.vxlan_of(f) for f in cap.incoming() if vn.vxlan_of(f)]
    hmac = vn.mac_bytes(h["mac"])
    to_b, to_c = vx(b_up), vx(c_up)
    assert any(e[3][:6] == b"\xff" * 6 and e[3][6:12] == hmac for e in to_b), \
        "the host's ARP broadcast did not reach B (unknown-dst)"
    assert not [e for e in to_c if e[3][:6] == b"\xff" * 6], \
        "a flood reached C, which is not in the unknown-dst set"
    assert [e for e in to_c if e[3][:6] == vn.mac_bytes(c["mac"]) and e[3][23] == 1], \
        "no ICMP to C's MAC through its ucast remote"
    assert not [e for e in to_b if e[3][:6] == vn.mac_bytes(c["mac"])], \
        "traffic to C's MAC went to B"
    assert all(e[0] == A_IP and e[2] == vn.VNI for e in to_b + to_c)

    # The DB: what seam-vtep wrote.
    locs = lab.ctl.locators()
    lss = {r["_uuid"]: r["name"] for r in lab.ctl.rows("Logical_Switch")}

    def local_mac():
        return [r for r in lab.ctl.rows("Ucast_Macs_Local")
                if r["MAC"] == h["mac"] and r["ipaddr"] == h["ip"]]
    row = vn.wait_until(local_mac, 5, "Ucast_Macs_Local %s with ipaddr %s" % (h["mac"], h["ip"]))
    assert lss[row[0]["logical_switch"]] == "ls0"
    assert locs[row[0]["locator"]] == A_IP
    assert "%s -> vxlan_over_ipv4/%s" % (h["mac"], A_IP) in lab.ctl("list-local-macs", "ls0")

    mcl = [r for r in lab.ctl.rows("Mcast_Macs_Local") if r["MAC"] == "unknown-dst"]
    assert len(mcl) == 1 and lss[mcl[0]["logical_switch"]] == "ls0"
    sets = {r["_uuid"]: r["locators"] for r in lab.ctl.rows("Physical_Locator_Set")}
    lset = sets[mcl[0]["locator_set"]]
    lset = lset if isinstance(lset, list) else [lset]
    assert [locs[x] for x in lset] == [A_IP]

    tunnels = lab.ctl.rows("Tunnel")
    assert sorted(locs[t["remote"]] for t in tunnels) == [b["ip"], c["ip"]]
    assert all(locs[t["local"]] == A_IP for t in tunnels)
    ps = [r for r in lab.ctl.rows("Physical_Switch") if r["name"] == "br0"][0]
    ps_tunnels = ps["tunnels"] if isinstance(ps["tunnels"], list) else [ps["tunnels"]]
    assert sorted(ps_tunnels) == sorted(t["_uuid"] for t in tunnels)

    # Removing the ucast remote's locator use removes its Tunnel.
    lab.ctl("del-ucast-remote", "ls0", c["mac"])
    vn.wait_until(lambda: sorted(locs.get(t["remote"]) for t in lab.ctl.rows("Tunnel"))
                  == [b["ip"]], 5, "the Tunnel to C to go away")


def _stats(lab, port, vlan):
    p = [r for r in lab.ctl.rows("Physical_Port") if r["name"] == port][0]
    if vlan not in p["vlan_stats"]:
        return None
    return [r for r in lab.ctl.rows("Logical_Binding_Stats")
            if r["_uuid"] == p["vlan_stats"][vlan]][0]


def test_logical_binding_stats_grow(make_lab):
    """Logical_Binding_Stats of (p0, 0) appear (refreshed every 3 s) once
    traffic crosses, count both directions, and grow with more traffic."""
    lab = make_lab(peers=1, hosts={"p0": "192.168.100.10"})
    lab.configure([("p0", 0)])
    h, b = lab.hosts["p0"], lab.peers[0]
    lab.ping(h["ns"], b["overlay"], count=2)
    first = vn.wait_until(lambda: (lambda s: s if s and s["packets_from_local"] >= 3
                                   and s["packets_to_local"] >= 3 else None)(
                                       _stats(lab, "p0", 0)),
                          8, "Logical_Binding_Stats for p0/0 with traffic")
    assert first["bytes_from_local"] >= 3 * 98 and first["bytes_to_local"] >= 3 * 98
    lab.topo.exec(h["ns"], "ping", "-c", "5", "-i", "0.1", "-W", "2", b["overlay"])
    grown = vn.wait_until(
        lambda: (lambda s: s if s["packets_from_local"] >= first["packets_from_local"] + 5
                 and s["packets_to_local"] >= first["packets_to_local"] + 5 else None)(
                     _stats(lab, "p0", 0)), 8, "the counters to grow by 5 echo each way")
    assert grown["bytes_from_local"] > first["bytes_from_local"]
    assert grown["bytes_to_local"] > first["bytes_to_local"]


def test_port_fault_status_follows_link(make_lab):
    """port_fault_status of p0 becomes non-empty when its peer (the host's
    eth) goes down, and is cleared when it comes back; p1 stays clean."""
    lab = make_lab(peers=0, hosts={"p0": None, "p1": None})

    def faults():
        return {r["name"]: r["port_fault_status"] for r in lab.ctl.rows("Physical_Port")}
    assert faults() == {"p0": [], "p1": []}
    lab.topo.ip(lab.hosts["p0"]["ns"], "link", "set", "dev", "eth", "down")
    f = vn.wait_until(lambda: (lambda x: x if x["p0"] else None)(faults()), 8,
                      "a fault on p0")
    assert f["p0"] in ("unspecified_fault", ["unspecified_fault"]) and f["p1"] == []
    lab.topo.ip(lab.hosts["p0"]["ns"], "link", "set", "dev", "eth", "up")
    vn.wait_until(lambda: faults() == {"p0": [], "p1": []}, 8, "p0's fault to clear")
    # Traffic still crosses the port that came back.
    lab.configure([("p0", 0), ("p1", 0)])
    h0, h1 = lab.host_raw("p0"), lab.host_raw("p1")
    tok = fr.token("after-fault")
    h1.send(fr.tframe(lab.hosts["p1"]["mac"], tok))
    h0.poll(lambda fs: any(tok.encode() in x.data for x in fs), 5, "a flood to p0 after up")
