"""seam-sriov-nic in namespaces: each VF behaviour as a user of a real
SR-IOV NIC would check it (ip link, ping, tshark on the wire), plus the
control command.  The lab is described in nicnet.py; VF0 and VF1 are on
VLAN 2901 (VF0 with qos 3), VF2 on VLAN 2900."""

import time

import pytest

import nicnet as nn
from conftest import TOR_IP, TOR_MAC, VF_MACS, VM_NET

from scapy.layers.l2 import Dot1Q, Ether  # noqa: E402  (/usr/bin/python3)

BCAST = "ff:ff:ff:ff:ff:ff"


def frame(dst, src, vlan=None, prio=0, payload=b"seam-nic-test" + bytes(40)):
    if vlan is None:
        return bytes(Ether(dst=dst, src=src, type=nn.MARKER_TYPE) / payload)
    return bytes(Ether(dst=dst, src=src) / Dot1Q(vlan=vlan, prio=prio, type=nn.MARKER_TYPE)
                 / payload)


def carrier(lab, vm):
    j = nn.link_json(lab.vms[vm], "pf0v%d" % vm)
    return "NO-CARRIER" not in j["flags"] and j["operstate"] == "UP"


def test_egress_tag_2901_with_pcp_on_the_wire(lab):
    nic = lab.start()
    ts = lab.tshark(lab.tor, "tor0")
    vm1 = lab.raw(lab.vms[0], "pf0v0")
    vm1.send(frame(TOR_MAC, VF_MACS[0]))
    vm1.send(nn.marker(VF_MACS[0]))
    before = ts.frames_until_marker()
    assert len(before) == 1, before
    f = before[0]
    assert f["eth.src"] == VF_MACS[0]
    assert f["vlan.id"] == "2901", f
    assert f["vlan.priority"] == "3", f
    # The marker itself carries the same tag.
    assert [x for x in ts.lines if x["vlan.id"] != "2901"] == []
    s = nic.show()
    assert s["vfs"][0]["stats"]["tx_packets"] == 2
    assert s["stats"]["tx_packets"] == 2
    # qos changes the PCP; "vlan" without "qos" resets it to 0, as ip link.
    nic.ctl("set", "pf0", "vf", "0", "vlan", "2901", "qos", "6")
    vm1.send(nn.marker(VF_MACS[0], seq=1))
    ts.frames_until_marker(seq=1)
    assert ts.lines[-1]["vlan.priority"] == "6"
    nic.ctl("set", "pf0", "vf", "0", "vlan", "2901")
    vm1.send(nn.marker(VF_MACS[0], seq=2))
    ts.frames_until_marker(seq=2)
    assert ts.lines[-1]["vlan.priority"] == "0"


def test_ping_from_vm_through_pf_to_a_scapy_tor(lab):
    lab.start()
    seen = lab.tor_responder(vlan=2901, prio=5)
    p = lab.exec(lab.vms[0], "ping", "-c", "3", "-i", "0.2", "-W", "2", TOR_IP, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    kinds = [s["kind"] for s in seen if s["src"] == VF_MACS[0]]
    assert "arp" in kinds and kinds.count("icmp") == 3, seen
    assert all(s["vlan"] == 2901 and s["prio"] == 3 for s in seen if s["src"] == VF_MACS[0])
    # VM2 (VF1, VLAN 2901 too) reaches the TOR; VM3 (VF2, VLAN 2900) cannot.
    p = lab.exec(lab.vms[1], "ping", "-c", "1", "-W", "2", TOR_IP, check=False)
    assert p.returncode == 0
    p = lab.exec(lab.vms[2], "ping", "-c", "1", "-W", "1", TOR_IP, check=False)
    assert p.returncode != 0
    assert any(s["vlan"] == 2900 and s["src"] == VF_MACS[2] for s in seen)


def test_ingress_tag_stripped(lab):
    nic = lab.start()
    tor = lab.raw(lab.tor, "tor0")
    vm1 = lab.raw(lab.vms[0], "pf0v0")
    ts = lab.tshark(lab.vms[0], "pf0v0")
    tor.send(frame(VF_MACS[0], TOR_MAC, vlan=2901, prio=5))
    f = vm1.recv(5)
    assert f is not None, nic.show()
    assert Dot1Q not in Ether(f)                    # Not in the bytes nor in aux.
    assert f[12:14] == bytes.fromhex("88b5")
    tor.send(nn.marker(TOR_MAC, tag=2901))
    try:
        before = ts.frames_until_marker()
    except AssertionError:
        print(ts.lines, nic.show())
        raise
    assert [x["vlan.id"] for x in before] == [""]  # tshark sees no tag either.
    assert ts.lines[-1]["vlan.id"] == ""
    assert nic.vf(0)["stats"]["rx_packets"] >= 2


def test_other_vlan_dropped_and_counted(lab):
    nic = lab.start()
    tor = lab.raw(lab.tor, "tor0")
    vm1 = lab.raw(lab.vms[0], "pf0v0")
    tor.send(frame(VF_MACS[0], TOR_MAC, vlan=2902))   # VF0's MAC, wrong VLAN
    tor.send(frame(VF_MACS[0], TOR_MAC))              # untagged
    tor.send(frame(BCAST, TOR_MAC, vlan=2902))        # a VLAN no VF has
    tor.send(frame(VF_MACS[0], TOR_MAC, vlan=2900))   # VF2's VLAN
    tor.send(nn.marker(TOR_MAC, tag=2901))
    assert vm1.collect_until(nn.is_marker) == []
    s = nic.show()
    assert s["vfs"][0]["stats"]["drops"]["vlan"] == 3
    assert s["stats"]["drops"]["vlan"] == 1
    assert s["stats"]["rx_packets"] == 5
    assert s["vfs"][0]["stats"]["rx_packets"] == 1    # the marker
    assert s["vfs"][2]["stats"]["rx_packets"] == 0
    out = nic.ctl("show").stdout
    assert "dropped 3 vlan 3" in out


def test_vm_tagged_frame_dropped_in_vst(lab):
    nic = lab.start()
    tor = lab.raw(lab.tor, "tor0")
    vm1 = lab.raw(lab.vms[0], "pf0v0")
    vm1.send(frame(TOR_MAC, VF_MACS[0], vlan=2901))
    vm1.send(frame(TOR_MAC, VF_MACS[0], vlan=100))
    vm1.send(nn.marker(VF_MACS[0]))
    assert tor.collect_until(nn.is_marker) == []
    assert nic.vf(0)["stats"]["drops"]["vlan"] == 2


def test_spoofed_source_dropped_unless_spoofchk_off(lab):
    nic = lab.start()
    ts = lab.tshark(lab.tor, "tor0")
    vm1 = lab.raw(lab.vms[0], "pf0v0")
    forged = "02:29:00:00:00:66"
    vm1.send(frame(TOR_MAC, forged))
    vm1.send(nn.marker(forged, seq=7))
    vm1.send(nn.marker(VF_MACS[0]))
    assert ts.frames_until_marker() == []
    v = nic.vf(0)
    assert v["stats"]["drops"]["spoof"] == 2
    assert v["spoofchk"] is True
    nic.ctl("set", "pf0", "vf", "0", "spoofchk", "off")
    assert nic.vf(0)["spoofchk"] is False
    assert nic.vf(0)["vlan"] == 2901                  # other settings kept
    vm1.send(frame(TOR_MAC, forged))
    vm1.send(nn.marker(VF_MACS[0], seq=1))
    before = ts.frames_until_marker(seq=1)
    assert [(x["eth.src"], x["vlan.id"]) for x in before] == [(forged, "2901")]
    assert nic.vf(0)["stats"]["drops"]["spoof"] == 2


def test_link_state_disable_enable_auto(lab):
    nic = lab.start()
    lab.tor_responder()
    assert carrier(lab, 0)
    nic.ctl("set", "pf0", "vf", "0", "state", "disable")
    nn.wait_until(lambda: not carrier(lab, 0), 5, "VM1 to lose carrier")
    j = nn.link_json(lab.vms[0], "pf0v0")
    assert "NO-CARRIER" in j["flags"] and j["operstate"] != "UP", j
    assert nic.vf(0)["link_up"] is False
    assert "link-state disable" in nic.ctl("show").stdout
    p = lab.exec(lab.vms[0], "ping", "-c", "1", "-W", "1", TOR_IP, check=False)
    assert p.returncode != 0
    # Frames for it are dropped by the NIC and counted.
    tor = lab.raw(lab.tor, "tor0")
    tor.send(frame(VF_MACS[0], TOR_MAC, vlan=2901))
    nn.wait_until(lambda: nic.vf(0)["stats"]["drops"]["link_down"] >= 1, 5,
                  "a link_down drop on VF0")
    # VM2 is unaffected.
    assert carrier(lab, 1)
    nic.ctl("set", "pf0", "vf", "0", "state", "enable")
    nn.wait_until(lambda: carrier(lab, 0), 5, "VM1 to get carrier back")
    nn.wait_until(lambda: lab.exec(lab.vms[0], "ping", "-c", "1", "-W", "1", TOR_IP,
                                   check=False).returncode == 0, 10, "ping after enable")
    # auto follows the PF's carrier (the cable to the TOR); enable does not.
    nic.ctl("set", "pf0", "vf", "1", "state", "auto")
    nn.run(["ip", "-n", lab.tor, "link", "set", "tor0", "down"])
    nn.wait_until(lambda: not carrier(lab, 1), 5, "VM2 (auto) to lose carrier")
    assert carrier(lab, 0)
    assert nic.show()["carrier"] is False
    nn.run(["ip", "-n", lab.tor, "link", "set", "tor0", "up"])
    nn.wait_until(lambda: carrier(lab, 1), 5, "VM2 (auto) to get carrier back")
    assert nic.show()["carrier"] is True


def _blast(lab, vm, seconds):
    """UDP from VM 'vm' to the TOR as fast as Python sends; returns the
    seconds it ran."""
    code = ("import socket,time\n"
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            "d=b'x'*1400; t0=time.monotonic(); end=t0+%f\n"
            "while time.monotonic()<end:\n"
            "    for _ in range(20):\n"
            "        try: s.sendto(d,('%s',9))\n"
            "        except OSError: pass\n"
            "print(time.monotonic()-t0)\n" % (seconds, TOR_IP))
    p = lab.exec(lab.vms[vm], "/usr/bin/python3", "-c", code, timeout=seconds + 30)
    return float(p.stdout.strip())


def _tor_rx_bytes(lab):
    return nn.link_json(lab.tor, "tor0")["stats64"]["rx"]["bytes"]


def test_max_tx_rate_limits(lab):
    nic = lab.start()
    lab.neigh(0, TOR_IP, TOR_MAC)
    nic.ctl("set", "pf0", "vf", "0", "max_tx_rate", "10")
    assert nic.vf(0)["max_tx_rate"] == 10
    assert "max_tx_rate 10Mbps" in nic.ctl("show").stdout
    b0 = _tor_rx_bytes(lab)
    secs = _blast(lab, 0, 2.0)
    time.sleep(0.2)                              # the last frames in flight
    mbps = (_tor_rx_bytes(lab) - b0) * 8 / secs / 1e6
    v = nic.vf(0)
    offered = (v["stats"]["tx_bytes"] + 0.0) * 8 / secs / 1e6
    print("max_tx_rate 10: %.1f Mbit/s on the wire, rate drops %d (queue overflow)"
          % (mbps, v["stats"]["drops"]["rate"]))
    assert 5 <= mbps <= 15, mbps
    assert v["stats"]["drops"]["rate"] > 0
    assert offered <= 15
    # Lifted: well above the limit (as fast as Python sends here).
    nic.ctl("set", "pf0", "vf", "0", "max_tx_rate", "0")
    b0 = _tor_rx_bytes(lab)
    secs = _blast(lab, 0, 1.0)
    time.sleep(0.2)
    free = (_tor_rx_bytes(lab) - b0) * 8 / secs / 1e6
    print("unlimited: %.1f Mbit/s" % free)
    assert free > 20, free


def test_veb_same_vlan_never_reaches_the_wire(lab):
    nic = lab.start()
    ts = lab.tshark(lab.tor, "tor0")
    lab.neigh(0, VM_NET + ".2", VF_MACS[1])
    lab.neigh(1, VM_NET + ".1", VF_MACS[0])
    p = lab.exec(lab.vms[0], "ping", "-c", "3", "-i", "0.2", "-W", "2", VM_NET + ".2",
                 check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    vm1 = lab.raw(lab.vms[0], "pf0v0")
    vm1.send(nn.marker(VF_MACS[0]))
    assert ts.frames_until_marker() == []        # not one frame on the wire
    s = nic.show()
    assert s["stats"]["tx_packets"] == 1         # the marker only
    assert s["vfs"][0]["stats"]["tx_packets"] == 4
    assert s["vfs"][1]["stats"]["rx_packets"] >= 4   # 3 requests + the marker


def test_veb_different_vlans_isolated(lab):
    nic = lab.start()
    lab.neigh(0, VM_NET + ".3", VF_MACS[2])
    lab.neigh(2, VM_NET + ".1", VF_MACS[0])
    vm3 = lab.raw(lab.vms[2], "pf0v2")
    p = lab.exec(lab.vms[0], "ping", "-c", "2", "-i", "0.2", "-W", "1", VM_NET + ".3",
                 check=False)
    assert p.returncode != 0
    tor = lab.raw(lab.tor, "tor0")
    tor.send(nn.marker(TOR_MAC, tag=2900))
    got = vm3.collect_until(nn.is_marker)
    assert got == [], got
    s = nic.show()
    assert s["vfs"][2]["stats"]["rx_packets"] == 1   # the marker only
    assert s["stats"]["tx_packets"] == 2             # the pings left on 2901


def test_broadcast_to_same_vlan_vfs_and_the_wire(lab):
    nic = lab.start()
    ts = lab.tshark(lab.tor, "tor0")
    vm1 = lab.raw(lab.vms[0], "pf0v0")
    vm2 = lab.raw(lab.vms[1], "pf0v1")
    vm3 = lab.raw(lab.vms[2], "pf0v2")
    vm1.send(frame(BCAST, VF_MACS[0]))
    f = vm2.recv(5)
    assert f is not None and Ether(f).src == VF_MACS[0] and Dot1Q not in Ether(f)
    vm1.send(nn.marker(VF_MACS[0]))
    wire = ts.frames_until_marker()
    assert [(x["eth.src"], x["vlan.id"]) for x in wire] == [(VF_MACS[0], "2901")]
    assert vm1.recv(0.2) is None                 # never back to the sender
    lab.raw(lab.tor, "tor0").send(nn.marker(TOR_MAC, tag=2900, seq=1))
    assert vm3.collect_until(lambda b: nn.is_marker(b, 1)) == []
    assert nic.vf(1)["stats"]["rx_packets"] == 2


def test_control_command_and_config(lab, tmp_path):
    nic = lab.start()
    # The MACs of the config were written to the VF netdevs (before they
    # moved into the VMs); a later "set ... mac" reaches into the VM.
    assert [lab.vm_mac(i) for i in range(3)] == VF_MACS
    nic.ctl("set", "pf0", "vf", "2", "mac", "02:29:00:00:00:33")
    nn.wait_until(lambda: lab.vm_mac(2) == "02:29:00:00:00:33", 5, "VM3's MAC to change")
    out = nic.ctl("show").stdout
    assert ("vf 0     link/ether 02:29:00:00:00:01 brd ff:ff:ff:ff:ff:ff, vlan 2901, qos 3, "
            "spoof checking on, link-state auto, trust off") in out
    nic.ctl("set", "pf0", "vf", "1", "trust", "on", "max_tx_rate", "100", "vlan", "5",
            "proto", "802.1ad")
    v = nic.vf(1)
    assert (v["trust"], v["max_tx_rate"], v["vlan"], v["vlan_proto"]) == (True, 100, 5, "802.1ad")
    before = nic.show()
    for args, msg in [
            (("set", "pf9", "vf", "0", "trust", "on"), "pf9: no such PF (this NIC is pf0)"),
            (("set", "pf0", "vf", "3", "trust", "on"), "vf 3: no such VF (this PF has 3: 0..2)"),
            (("set", "pf0", "vf", "0", "vlan", "4095"),
             "vf 0: invalid vlan \"4095\" (0 to clear, or 1 through 4094)"),
            (("set", "pf0", "vf", "0", "max_tx_rate", "0.5"),
             "vf 0: invalid max_tx_rate \"0.5\" (Mbit/s, 0 = unlimited; a VF cannot be "
             "limited in kbit/s)"),
            (("frob",), "frob: unknown command (set, show)")]:
        p = nic.ctl(*args, check=False)
        assert p.returncode == 1 and p.stderr.strip() == msg, (args, p.stderr)
    assert nic.show()["vfs"] == before["vfs"]
    # Bad command lines of the daemon itself; ctl without a daemon.
    b = nn.nic_binary()
    assert "--num-vfs" in nn.run([b, "--help"]).stdout
    assert nn.run([b, "--pf=x", "--num-vfs=0"], check=False).returncode == 2
    assert nn.run([b, "--num-vfs=1"], check=False).returncode == 2
    p = nn.run([b, "ctl", tmp_path / "nope.ctl", "show"], check=False)
    assert p.returncode == 2 and "cannot connect" in p.stderr
    bad = tmp_path / "bad.conf"
    bad.write_text("vf 0 vlan 9999\n")
    p = lab.exec(lab.host, b, "--pf=pf0", "--num-vfs=1", "--config=%s" % bad,
                 "--ctl=%s" % (tmp_path / "x.ctl"), check=False)
    assert p.returncode == 1
    assert "bad.conf:1: vf 0: invalid vlan \"9999\"" in p.stderr


def test_adopted_veths(lab):
    """--vf IFNAME: the lab made the pair (transmit checksum offload left on,
    so the VM's kernel leaves UDP checksums partial: the NIC completes them);
    the NIC leaves the pair at exit."""
    from scapy.layers.inet import UDP
    nn.run(["ip", "-n", lab.host, "link", "add", "n0", "type", "veth", "peer", "name", "eth0",
            "netns", lab.vms[0]])
    cf = lab.tmp / "a.conf"
    cf.write_text("vf 0 vlan 2901 qos 1 mac 02:29:00:00:00:aa\n")
    lab.nic = nn.Nic(lab.host, lab.tmp, ["--pf=pf0", "--vf=n0", "--config=%s" % cf])
    nn.wait_until(lambda: nn.link_json(lab.vms[0], "eth0")["address"] == "02:29:00:00:00:aa",
                  5, "the VF MAC on eth0")
    nn.run(["ip", "-n", lab.vms[0], "addr", "add", VM_NET + ".1/24", "dev", "eth0"])
    nn.run(["ip", "-n", lab.vms[0], "link", "set", "eth0", "up"])
    nn.run(["ip", "-n", lab.vms[0], "neigh", "replace", TOR_IP, "lladdr", TOR_MAC, "nud",
            "permanent", "dev", "eth0"])
    ts = lab.tshark(lab.tor, "tor0")
    tor = lab.raw(lab.tor, "tor0")
    lab.exec(lab.vms[0], "/usr/bin/python3", "-c",
             "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
             "s.sendto(b'seam' * 25, ('%s', 9))" % TOR_IP)
    lab.raw(lab.vms[0], "eth0").send(nn.marker("02:29:00:00:00:aa"))
    got = [Ether(f) for f in tor.collect_until(nn.is_marker)]
    udp = [p for p in got if UDP in p]
    assert len(udp) == 1, got
    sent = udp[0][UDP].chksum
    del udp[0][UDP].chksum
    assert Ether(bytes(udp[0]))[UDP].chksum == sent        # complete, correct
    assert lab.nic.vf(0)["stats"]["csum_fixed"] == 1
    ts.frames_until_marker()
    assert (ts.lines[-1]["vlan.id"], ts.lines[-1]["vlan.priority"]) == ("2901", "1")
    assert lab.nic.stop() == 0
    assert "n0" in nn.run(["ip", "-n", lab.host, "-o", "link"]).stdout


def test_trust_lets_a_vf_see_unknown_unicast(lab):
    nic = lab.start()
    tor = lab.raw(lab.tor, "tor0")
    vm1 = lab.raw(lab.vms[0], "pf0v0")
    vm2 = lab.raw(lab.vms[1], "pf0v1")
    stranger = "02:29:00:00:00:77"
    tor.send(frame(stranger, TOR_MAC, vlan=2901))
    tor.send(nn.marker(TOR_MAC, tag=2901))
    assert vm2.collect_until(nn.is_marker) == []
    assert vm1.collect_until(nn.is_marker) == []
    assert nic.show()["stats"]["drops"]["no_dst"] == 1
    nic.ctl("set", "pf0", "vf", "1", "trust", "on")
    assert "trust on" in nic.ctl("show").stdout
    tor.send(frame(stranger, TOR_MAC, vlan=2901))
    tor.send(nn.marker(TOR_MAC, tag=2901, seq=1))
    got = vm2.collect_until(lambda b: nn.is_marker(b, 1))
    assert [Ether(f).dst for f in got] == [stranger]
    assert vm1.collect_until(lambda b: nn.is_marker(b, 1)) == []   # VF0: trust off


def test_vf_whose_vm_namespace_is_deleted(lab):
    """A veth dies with the namespace of either end (a real VF would go back
    to the host): the NIC marks the VF gone, keeps running the others, and
    exits cleanly."""
    nic = lab.start()
    nn.run(["ip", "netns", "del", lab.vms[0]])
    nn.wait_until(lambda: nic.vf(0)["gone"], 5, "VF0 to be marked gone")
    assert nic.vf(0)["link_up"] is False
    assert "(pf0r0, link gone)" in nic.ctl("show").stdout
    lab.neigh(1, VM_NET + ".3", VF_MACS[2])
    lab.tor_responder()
    p = lab.exec(lab.vms[1], "ping", "-c", "1", "-W", "2", TOR_IP, check=False)
    assert p.returncode == 0
    tor = lab.raw(lab.tor, "tor0")
    before = nic.vf(0)["stats"]["drops"]["link_down"]   # ARP broadcasts of the ping
    tor.send(frame(VF_MACS[0], TOR_MAC, vlan=2901))
    nn.wait_until(lambda: nic.vf(0)["stats"]["drops"]["link_down"] == before + 1, 5,
                  "a link_down drop for the vanished VF")
    assert "vanished" in nic.log.read_text()


def test_max_tx_rate_shapes_tcp(lab):
    """The rate is a shaper (the VF's frames wait in its queue), so TCP
    between two VMs (through the VEB) runs close to max_tx_rate."""
    import json
    import subprocess
    nic = lab.start()
    lab.neigh(0, VM_NET + ".2", VF_MACS[1])
    lab.neigh(1, VM_NET + ".1", VF_MACS[0])
    nic.ctl("set", "pf0", "vf", "0", "max_tx_rate", "40")
    srv = subprocess.Popen(["ip", "netns", "exec", lab.vms[1], "iperf3", "-s", "-1", "-p", "5201"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        nn.wait_until(lambda: ":5201" in lab.exec(lab.vms[1], "ss", "-ltn").stdout, 10,
                      "iperf3 to listen")
        p = lab.exec(lab.vms[0], "iperf3", "-c", VM_NET + ".2", "-t", "3", "-J", "-p", "5201",
                     check=False, timeout=60)
    finally:
        srv.kill()
        srv.wait()
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr
    mbps = json.loads(p.stdout)["end"]["sum_received"]["bits_per_second"] / 1e6
    print("TCP through max_tx_rate 40: %.1f Mbit/s" % mbps)
    assert 25 <= mbps <= 48, mbps
