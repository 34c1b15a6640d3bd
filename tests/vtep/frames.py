"""Frames for the seam-vtep suite, built with scapy (only /usr/bin/python3 has it)."""

import itertools
import os
import struct

from scapy.all import ARP, ICMP, IP, Dot1Q, Ether, Raw, conf  # noqa: F401

import vtepnet as vn

conf.verb = 0
EXP_TYPE = 0x88b5               # IEEE local experimental Ethertype
BCAST = "ff:ff:ff:ff:ff:ff"
_seq = itertools.count(1)


def token(tag="t"):
    """A payload string no other frame of the run carries."""
    return "seam-%s-%d-%d" % (tag, os.getpid(), next(_seq))


def mac(n, prefix="02:5e"):
    """A locally administered unicast MAC numbered n."""
    return "%s:%02x:%02x:%02x:%02x" % (prefix, (n >> 24) & 0xff, (n >> 16) & 0xff,
                                       (n >> 8) & 0xff, n & 0xff)


def tframe(src, tok, dst=BCAST, vlan=None):
    """An Ethernet frame of EXP_TYPE carrying 'tok', tagged 'vlan' if given."""
    payload = Raw(tok.encode().ljust(46, b"."))
    if vlan is None:
        return bytes(Ether(src=src, dst=dst, type=EXP_TYPE) / payload)
    return bytes(Ether(src=src, dst=dst) / Dot1Q(vlan=vlan, type=EXP_TYPE) / payload)


def arp_request(src, psrc, pdst, vlan=None):
    arp = ARP(op=1, hwsrc=src, psrc=psrc, pdst=pdst)
    if vlan is None:
        return bytes(Ether(src=src, dst=BCAST) / arp)
    return bytes(Ether(src=src, dst=BCAST) / Dot1Q(vlan=vlan) / arp)


def strip_tag(frame):
    return frame[:12] + frame[16:]


def vxlan_payload(vni, inner, flags=0x08):
    return struct.pack("!BBBBI", flags, 0, 0, 0, vni << 8) + inner


class TaggedHost:
    """A host without a kernel VLAN interface: scapy frames tagged 'vlan' on
    RawPort 'port' (the sniffer restores the tag from PACKET_AUXDATA)."""

    def __init__(self, port, mymac, myip, vlan):
        self.port, self.mac, self.ip, self.vlan = port, mymac, myip, vlan
        self.requests_seen = []         # (kind, vlan) of requests answered

    def _tagged(self, f):
        return vn.vlan_of(f.data) == self.vlan and not f.outgoing

    def arp(self, target, timeout=5):
        """Resolves 'target' with a tagged ARP request; returns the tagged
        reply (scapy packet)."""
        self.port.drain()
        self.port.send(arp_request(self.mac, self.ip, target, vlan=self.vlan))

        def reply(frames):
            for f in frames:
                if self._tagged(f):
                    p = Ether(f.data)
                    if p.haslayer(ARP) and p[ARP].op == 2 and p[ARP].psrc == target:
                        return p
            return None
        return self.port.poll(reply, timeout, "tagged ARP reply from %s" % target)

    def ping(self, dmac, dst, seq, timeout=5):
        self.port.drain()
        self.port.send(bytes(Ether(src=self.mac, dst=dmac) / Dot1Q(vlan=self.vlan)
                             / IP(src=self.ip, dst=dst) / ICMP(id=0x5e, seq=seq)
                             / Raw(b"seam-vtep-probe")))

        def reply(frames):
            for f in frames:
                if self._tagged(f):
                    p = Ether(f.data)
                    if (p.haslayer(ICMP) and p[ICMP].type == 0 and p[IP].src == dst
                            and p[ICMP].seq == seq):
                        return p
            return None
        return self.port.poll(reply, timeout, "tagged echo reply %d from %s" % (seq, dst))

    def serve(self, done, timeout=15):
        """Answers ARP requests for our IP and echo requests to it, tagged,
        until done() is true.  Records what it answered and its tag."""
        def step(frames):
            while frames:
                f = frames.pop(0)
                if f.outgoing:
                    continue
                p = Ether(f.data)
                vid = p[Dot1Q].vlan if p.haslayer(Dot1Q) else None
                if p.haslayer(ARP) and p[ARP].op == 1 and p[ARP].pdst == self.ip:
                    self.requests_seen.append(("arp", vid))
                    self.port.send(bytes(
                        Ether(src=self.mac, dst=p.src) / Dot1Q(vlan=self.vlan)
                        / ARP(op=2, hwsrc=self.mac, psrc=self.ip, hwdst=p[ARP].hwsrc,
                              pdst=p[ARP].psrc)))
                elif p.haslayer(ICMP) and p[ICMP].type == 8 and p[IP].dst == self.ip:
                    self.requests_seen.append(("icmp", vid))
                    ip = p[IP]
                    self.port.send(bytes(
                        Ether(src=self.mac, dst=p.src) / Dot1Q(vlan=self.vlan)
                        / IP(src=self.ip, dst=ip.src)
                        / ICMP(type=0, id=ip[ICMP].id, seq=ip[ICMP].seq)
                        / Raw(bytes(ip[ICMP].payload))))
            return done()
        self.port.poll(step, timeout, "the remote's pings to finish")
