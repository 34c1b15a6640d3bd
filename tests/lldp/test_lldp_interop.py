"""seam-vtep speaks LLDP on its ports (docs/lldp.md), checked against
Debian's lldpd in namespaces and against tshark's decoding of the same
frames: lldpd sees the seam-vtep port, seam-vtep writes lldpd's host into
Physical_Port other_config, neighbours go when their TTL runs out, on a
shutdown LLDPDU and when the link goes down, malformed LLDPDUs are counted
and change nothing, and LLDP frames are never forwarded."""

import re
import subprocess
import time

import pytest

import vtepnet as vn
from vtepnet import wait_until

ARGS = ("--lldp-interval=1", "--lldp-hold=3")     # TTL 3 s.
LLDP_MAC = b"\x01\x80\xc2\x00\x00\x0e"


def appctl(lab, *args):
    p = subprocess.run(["ovs-appctl", "-t", str(lab.vtep.dir / "seam-vtep.ctl")] + list(args),
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 0, p.stderr
    return p.stdout


def lldp_keys(lab, port):
    for r in lab.ctl.rows("Physical_Port"):
        if r["name"] == port:
            return {k: v for k, v in r["other_config"].items() if k.startswith("lldp:")}
    return None


def switch_chassis(lab):
    for r in lab.ctl.rows("Physical_Switch"):
        if r["name"] == lab.vtep.ps_name:
            return r["other_config"].get("lldp:chassis_id")
    return None


def frame_mac(m):
    return ":".join("%02x" % b for b in m)


def tlv(t, v):
    return bytes([(t << 1) | (len(v) >> 8), len(v) & 0xff]) + v


def test_interop_both_ways(make_lab, lldpd, tmp_path):
    lab = make_lab(hosts={"p0": "192.168.100.10", "p1": None}, vtep_args=ARGS)
    h = lab.hosts["p0"]
    cap = lab.host_raw("p0")                 # Both directions on the host's NIC.
    server = lldpd(h["ns"], "server2", mgmt_ip="192.168.100.10")

    # lldpd sees the seam-vtep port.
    def seam_seen():
        n = server.neighbors().get("eth")
        return n if n and n["chassis"] else None
    n = wait_until(seam_seen, 10, "lldpd to see seam-vtep on eth")
    (sysname, ch), = n["chassis"].items()
    assert sysname == "br0"
    assert ch["id"]["type"] == "mac"
    assert ch["descr"].startswith("seam-vtep ")
    assert "10.99.0.1" in ch["mgmt-ip"] if isinstance(ch["mgmt-ip"], list) else ch["mgmt-ip"] == "10.99.0.1"
    assert n["port"]["id"] == {"type": "ifname", "value": "p0"}
    assert n["port"]["descr"] == "seam-vtep port p0"
    assert n["port"]["ttl"] == "3"
    seam_chassis = ch["id"]["value"]
    # The chassis ID is the underlay interface's MAC, and the switch row says it.
    assert seam_chassis == lab.topo.mac(lab.vtep.ns, "ul0")
    wait_until(lambda: switch_chassis(lab) == seam_chassis, 5, "Physical_Switch lldp:chassis_id")

    # seam-vtep sees lldpd's host.
    host_chassis = server.chassis()
    (hname, hch), = host_chassis.items()
    assert hname == "server2"
    want = {"lldp:chassis_id": hch["id"]["value"], "lldp:port_id": "eth",
            "lldp:system_name": "server2", "lldp:port_description": "eth",
            "lldp:mgmt_ip": "192.168.100.10", "lldp:ttl": "4"}
    wait_until(lambda: lldp_keys(lab, "p0") == want, 10,
               "p0's other_config to hold lldpd's host %s" % want)
    assert lldp_keys(lab, "p1") == {}

    # The same frames, as tshark decodes them.
    frames = cap.poll(lambda fs: len([f for f in fs if f.data[:6] == LLDP_MAC]) >= 4 and fs,
                      5, "LLDP frames both ways")
    pcap = tmp_path / "lldp.pcap"
    vn.write_pcap(pcap, [f for f in frames if f.data[:6] == LLDP_MAC])
    fields = ["eth.src", "lldp.chassis.id.mac", "lldp.port.id", "lldp.time_to_live",
              "lldp.tlv.system.name", "lldp.port.desc", "lldp.mgn.addr.ip4",
              "lldp.tlv.system.desc"]
    rows = vn.tshark_fields(pcap, fields, "lldp")
    seam_rows = [r for r in rows if r["lldp.tlv.system.name"] == ["br0"]]
    host_rows = [r for r in rows if r["lldp.tlv.system.name"] == ["server2"]]
    assert seam_rows and host_rows, rows
    for r in seam_rows:
        assert r["lldp.chassis.id.mac"] == [seam_chassis]
        assert r["lldp.port.id"] == ["p0"]
        assert r["lldp.time_to_live"] == ["3"]
        assert r["lldp.port.desc"] == ["seam-vtep port p0"]
        assert r["lldp.mgn.addr.ip4"] == ["10.99.0.1"]
        assert r["eth.src"] == [h_mac_of_port(lab, "p0")]
    for r in host_rows:
        assert r["lldp.chassis.id.mac"] == [want["lldp:chassis_id"]]
        assert r["lldp.port.id"] == [want["lldp:port_id"]]
        assert r["lldp.port.desc"] == [want["lldp:port_description"]]
        assert r["lldp.mgn.addr.ip4"] == [want["lldp:mgmt_ip"]]

    out = appctl(lab, "dp/show")
    assert re.search(r"lldp:\n  rx [1-9]\d*, tx [1-9]\d*, neighbours 1", out), out
    assert "drops: none" in out.split("lldp:")[1], out

    # lldpd stops cleanly: its shutdown LLDPDU removes the neighbour at once
    # (well within the 4 s TTL lldpd announced).
    t0 = time.monotonic()
    server.stop()
    wait_until(lambda: lldp_keys(lab, "p0") == {}, 2, "neighbour gone on lldpd's shutdown")
    assert time.monotonic() - t0 < 2.5
    assert re.search(r"shutdowns [1-9]", appctl(lab, "dp/show"))


def h_mac_of_port(lab, port):
    return lab.topo.mac(lab.vtep.ns, port)


def test_ttl_link_down_and_seam_shutdown(make_lab, lldpd):
    lab = make_lab(hosts={"p0": None}, vtep_args=ARGS)
    h = lab.hosts["p0"]
    server = lldpd(h["ns"], "server2", interval=1)
    wait_until(lambda: lldp_keys(lab, "p0").get("lldp:system_name") == "server2", 10,
               "neighbour server2 on p0")

    # Frozen, so no shutdown LLDPDU: gone once its TTL (4 s) runs out, not
    # before.
    t0 = time.monotonic()
    server.freeze()
    wait_until(lambda: lldp_keys(lab, "p0") == {}, 8, "neighbour to expire")
    dt = time.monotonic() - t0
    assert 2.0 <= dt <= 6.0, dt
    assert re.search(r"expired 1", appctl(lab, "dp/show"))

    # Link down: forgotten at once.
    server.thaw()
    wait_until(lambda: lldp_keys(lab, "p0").get("lldp:system_name") == "server2", 10,
               "neighbour back")
    lab.topo.ip(lab.vtep.ns, "link", "set", "dev", "p0", "down")
    wait_until(lambda: lldp_keys(lab, "p0") == {}, 2, "neighbour gone with the link")
    lab.topo.ip(lab.vtep.ns, "link", "set", "dev", "p0", "up")
    # Link up: seam-vtep sends at once, and learns the host again.
    wait_until(lambda: lldp_keys(lab, "p0").get("lldp:system_name") == "server2", 5,
               "neighbour after link up")

    # seam-vtep's clean exit: lldpd forgets it at once (TTL 0), its keys are
    # removed.
    wait_until(lambda: server.neighbors().get("eth"), 5, "lldpd sees seam-vtep")
    t0 = time.monotonic()
    rc = lab.vtep.stop()
    lab.vtep.died = "stopped by the test"
    assert rc == 0
    wait_until(lambda: not server.neighbors().get("eth"), 3, "lldpd to forget seam-vtep")
    assert time.monotonic() - t0 < 2.5


def test_malformed_and_not_forwarded(make_lab):
    """A malformed LLDPDU is counted as a drop by reason and changes
    nothing; LLDP frames are never forwarded into a logical switch (the
    host on p1, bound to the same switch, and the peer see none)."""
    lab = make_lab(peers=1, hosts={"p0": "192.168.100.10", "p1": "192.168.100.11"},
                   vtep_args=ARGS)
    lab.configure([("p0", 0), ("p1", 0)])
    a = lab.host_raw("p0")
    b = lab.host_raw("p1")
    under = lab.peer_underlay(0)
    src = bytes.fromhex("020000000a01")
    hdr = LLDP_MAC + src + b"\x88\xcc"
    mand = tlv(1, b"\x04" + src) + tlv(2, b"\x05ens1f0") + tlv(3, b"\x00\x78")
    good = hdr + mand + tlv(5, b"server9") + tlv(0, b"")
    a.send(good)
    wait_until(lambda: lldp_keys(lab, "p0").get("lldp:system_name") == "server9", 5,
               "the good LLDPDU")
    before = lldp_keys(lab, "p0")
    bad = [
        hdr + mand + tlv(1, b"\x04" + src) + tlv(5, b"evil"),           # second chassis ID
        hdr + tlv(1, b"\x04" + src) + tlv(3, b"\x00\x78"),               # no port ID
        hdr + mand + b"\x0a\x30evil",                                    # length past the end
        hdr + tlv(1, b"\x04" + src[:5]) + tlv(2, b"\x05x") + tlv(3, b"\x00\x00"),  # 5-byte MAC
    ]
    for f in bad:
        a.send(f.ljust(60, b"\0"))
    # A marker that crosses the switch after them: an ARP broadcast.
    arp = (b"\xff" * 6 + src + b"\x08\x06" + bytes.fromhex("0001080006040001") + src
           + bytes([192, 168, 100, 10]) + b"\0" * 6 + bytes([192, 168, 100, 99])).ljust(60, b"\0")
    a.send(arp)
    b.poll(lambda fs: any(f.data[12:14] == b"\x08\x06" for f in fs), 5, "the ARP marker on p1")
    under.poll(lambda fs: any(vn.vxlan_of(f) for f in fs), 5, "the ARP marker on the tunnel")
    assert not [f for f in b.incoming() if f.data[:6] == LLDP_MAC and f.data[6:12] == src]
    assert not [f for f in under.incoming()
                if vn.vxlan_of(f) and vn.vxlan_of(f)[3][:6] == LLDP_MAC]

    def drops():
        out = appctl(lab, "dp/show").split("lldp:")[1]
        return (re.search(r"dup_chassis_id 1", out) and re.search(r"no_port_id 1", out)
                and re.search(r"tlv_overrun 1", out) and re.search(r"bad_chassis_id 1", out)
                and out)
    wait_until(drops, 5, "the four drops in dp/show")
    assert lldp_keys(lab, "p0") == before
    assert "malformed LLDPDU" in lab.vtep.log()
