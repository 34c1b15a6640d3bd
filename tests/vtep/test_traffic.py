"""Traffic through seam-vtep to and from Linux kernel vxlan VTEPs (issue items 2, 3)."""

import subprocess

import pytest

import frames as fr
import vtepnet as vn

UNDERLAY_A = "%s.1" % vn.UNDERLAY_NET


def from_a(vni=vn.VNI):
    """Predicate: an incoming VXLAN frame seam-vtep sent with 'vni'."""
    def pred(f):
        v = vn.vxlan_of(f)
        return v is not None and not f.outgoing and v[0] == UNDERLAY_A and v[2] == vni
    return pred


def test_untagged_kernel_ping(make_lab):
    """VLAN 0 binding (the whole port): the kernel's own ping from a host on
    p0 reaches the kernel VTEP's vx0 and back; on the way, the underlay of B
    carries VNI 5000 from 10.99.0.1 with the host's ICMP inside."""
    lab = make_lab(peers=1, hosts={"p0": "192.168.100.10"})
    lab.configure([("p0", 0)])
    b_up = lab.peer_underlay(0)
    h = lab.hosts["p0"]
    out = lab.ping(h["ns"], lab.peers[0]["overlay"])
    assert "0% packet loss" in out
    enc = [vn.vxlan_of(f) for f in b_up.incoming() if from_a()(f)]
    icmp = [e for e in enc if e[3][12:14] == b"\x08\x00" and e[3][23] == 1]
    assert icmp, "no VXLAN-encapsulated ICMP from seam-vtep on B's underlay"
    assert all(e[1] == lab.peers[0]["ip"] for e in icmp)
    assert all(e[3][6:12] == vn.mac_bytes(h["mac"]) for e in icmp)
    arps = [e for e in enc if e[3][12:14] == b"\x08\x06"]
    assert arps, "the host's ARP request did not cross (it had to: B was unknown)"


def test_tagged_vlan100_both_ways(make_lab):
    """A host behind a VLAN-100 tagged port (scapy, no 802.1Q interface):
    its tagged ARP and ICMP reach B's kernel stack and the replies come back
    tagged 100; then B's kernel pings the host: ARP and echo requests arrive
    tagged 100 and the host's tagged replies make B's ping succeed."""
    lab = make_lab(peers=1, hosts={"p1": None})
    lab.configure([("p1", 100)])
    b = lab.peers[0]
    host = fr.TaggedHost(lab.host_raw("p1"), lab.hosts["p1"]["mac"], "192.168.100.11", 100)

    rep = host.arp(b["overlay"])
    assert rep[fr.Dot1Q].vlan == 100 and rep[fr.ARP].hwsrc == b["mac"]
    for seq in range(3):
        echo = host.ping(b["mac"], b["overlay"], seq)
        assert echo[fr.Dot1Q].vlan == 100

    # And back: B's kernel resolves and pings the tagged host.
    lab.topo.exec(b["ns"], "ip", "neigh", "flush", "dev", "vx0")
    p = subprocess.Popen(["ip", "netns", "exec", b["ns"], "ping", "-c", "3", "-i", "0.2",
                          "-W", "2", host.ip], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    try:
        host.serve(lambda: p.poll() is not None, timeout=15)
    finally:
        if p.poll() is None:
            p.kill()
    out = p.communicate()[0]
    assert p.returncode == 0 and "3 received" in out, out
    assert ("arp", 100) in host.requests_seen, host.requests_seen
    assert [k for k, v in host.requests_seen if k == "icmp" and v == 100] == ["icmp"] * 3
    assert all(v == 100 for _, v in host.requests_seen), host.requests_seen


def test_broadcast_once_per_unknown_dst_vtep(make_lab):
    """A broadcast from p0 reaches each VTEP of the unknown-dst set exactly
    once (source-node replication), and every other local binding once,
    never the ingress port."""
    lab = make_lab(peers=2, hosts={"p0": None, "p1": None})
    lab.configure([("p0", 0), ("p1", 0)], replication="source_node")
    caps = [lab.peer_underlay(0), lab.peer_underlay(1)]
    h0, h1 = lab.host_raw("p0"), lab.host_raw("p1")
    src = lab.hosts["p0"]["mac"]
    toks = [fr.token("bcast") for _ in range(5)]
    for t in toks:
        h0.send(fr.tframe(src, t))
    marker = fr.token("marker")
    h0.send(fr.tframe(src, marker))

    def inner_with(t):
        tb = t.encode()
        return lambda f: from_a()(f) and tb in vn.vxlan_of(f)[3]

    for i, cap in enumerate(caps):
        cap.poll(lambda fs: any(inner_with(marker)(f) for f in fs), 5,
                 "the marker broadcast at peer %d" % i)
        for t in toks:
            got = [vn.vxlan_of(f) for f in cap.incoming() if inner_with(t)(f)]
            assert len(got) == 1, "peer %d got %d copies of %s" % (i, len(got), t)
            assert got[0][1] == lab.peers[i]["ip"] and got[0][2] == vn.VNI
    h1.poll(lambda fs: any(marker.encode() in f.data for f in fs if not f.outgoing), 5,
            "the marker at p1's host")
    for t in toks:
        assert len([f for f in h1.incoming() if t.encode() in f.data]) == 1
        assert not [f for f in h0.incoming() if t.encode() in f.data], "flooded back to p0"


def test_tshark_decodes_encap_and_decap(make_lab, tmp_path):
    """tshark reads what seam-vtep put on the underlay: UDP 4789, VNI 5000,
    the inner frame byte for byte with its VLAN tag stripped; and what it
    delivered to the tagged host: the same inner frame with 802.1Q VID 100
    pushed."""
    lab = make_lab(peers=1, hosts={"p1": None})
    lab.configure([("p1", 100)])
    b = lab.peers[0]
    hmac = lab.hosts["p1"]["mac"]
    b_up = lab.peer_underlay(0)
    h1 = lab.host_raw("p1")

    # Encap: a tagged frame from the host.
    tok = fr.token("encap")
    sent = fr.tframe(hmac, tok, vlan=100)
    h1.send(sent)
    b_up.poll(lambda fs: any(tok.encode() in f.data for f in fs), 5, "the encapsulated frame")
    enc = [f for f in b_up.incoming() if tok.encode() in f.data]
    assert len(enc) == 1
    assert vn.vxlan_of(enc[0])[3] == fr.strip_tag(sent), "inner frame changed"
    pcap = str(tmp_path / "underlay.pcap")
    vn.write_pcap(pcap, enc)
    flds = ["ip.src", "ip.dst", "udp.dstport", "vxlan.vni", "vxlan.flags", "eth.src",
            "eth.dst", "eth.type", "vlan.id", "data.data"]
    rows = vn.tshark_fields(pcap, flds)
    assert len(rows) == 1
    r = rows[0]
    assert r["ip.src"] == ["10.99.0.1"] and r["ip.dst"] == [b["ip"]]
    assert r["udp.dstport"] == ["4789"]
    assert r["vxlan.vni"] == [str(vn.VNI)]
    assert r["eth.src"][1] == hmac and r["eth.dst"][1] == fr.BCAST
    assert r["eth.type"][-1] == "0x88b5"
    assert r["vlan.id"] == [], "VLAN tag not stripped on encap"
    assert tok.encode().hex() in r["data.data"][0]

    # Decap: B's kernel sends a frame to the host's (learned) MAC.
    vx0 = lab.topo.raw(b["ns"], "vx0")
    tok2 = fr.token("decap")
    inner = fr.tframe(b["mac"], tok2, dst=hmac)
    h1.drain()
    vx0.send(inner)
    got = h1.poll(lambda fs: [f for f in fs if tok2.encode() in f.data and not f.outgoing],
                  5, "the decapsulated frame at the tagged host")
    assert len(got) == 1
    assert got[0].data == inner[:12] + b"\x81\x00\x00\x64" + inner[12:]
    # The intermediate hop: it crossed B's underlay encapsulated, untagged.
    out = [vn.vxlan_of(f) for f in b_up.drain() if f.outgoing and tok2.encode() in f.data]
    assert len(out) == 1 and out[0][1] == "10.99.0.1" and out[0][3] == inner
    pcap2 = str(tmp_path / "host.pcap")
    vn.write_pcap(pcap2, got)
    r = vn.tshark_fields(pcap2, ["eth.src", "eth.dst", "vlan.id", "vlan.etype", "data.data"])[0]
    assert r["vlan.id"] == ["100"], "VLAN 100 not pushed on decap"
    assert r["eth.src"] == [b["mac"]] and r["eth.dst"] == [hmac]
    assert r["vlan.etype"] == ["0x88b5"]
    assert tok2.encode().hex() in r["data.data"][0]
