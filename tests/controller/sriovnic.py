#!/usr/bin/python3
"""A minimal SR-IOV NIC emulator for the use-case tests: one physical
function (PF) wired to a TOR port and virtual functions (VFs), each an
interface whose peer is a VM's eth0, each with its own VLAN.

Like a real NIC's embedded switch (VEB):
  - a frame from a VF leaves the PF tagged with that VF's VLAN, unless its
    destination is another VF on the same VLAN (switched locally; broadcast
    goes to both the other VFs and the PF);
  - a frame from the PF tagged V goes to the VF whose MAC is its destination
    and whose VLAN is V (broadcast/multicast, or a MAC not seen yet: every VF
    of VLAN V), untagged.
The kernel has no 802.1Q here, so this runs in userspace on AF_PACKET
sockets; veth's RX VLAN offload moves the tag into PACKET_AUXDATA, which is
put back in the bytes.

  sriovnic.py --pf pf0 --vf vf0:2901 --vf vf1:2901 [--pidfile F]
Run inside the server's namespace (ip netns exec).  SIGTERM stops it."""

import argparse
import os
import select
import signal
import socket
import struct
import sys

SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
ETH_P_ALL = 0x0003
TP_STATUS_VLAN_VALID = 0x10


def open_raw(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((ifname, ETH_P_ALL))
    s.setblocking(False)
    return s


def read_frames(s):
    """Incoming frames of 's', with a VLAN tag the kernel took out put back."""
    out = []
    while True:
        try:
            data, anc, _flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(20))
        except BlockingIOError:
            return out
        if addr[2] == PACKET_OUTGOING:
            continue
        for level, typ, cdata in anc:
            if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 20:
                status, _l, _s, _m, _n, tci, _tpid = struct.unpack("=IIIHHHH", cdata[:20])
                if status & TP_STATUS_VLAN_VALID or tci:
                    data = data[:12] + struct.pack("!HH", 0x8100, tci) + data[12:]
        out.append(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pf", required=True)
    ap.add_argument("--vf", action="append", default=[], help="IFACE:VLAN")
    ap.add_argument("--pidfile")
    a = ap.parse_args()

    pf = open_raw(a.pf)
    vfs = []                    # (socket, ifname, vlan)
    for spec in a.vf:
        name, vlan = spec.rsplit(":", 1)
        vfs.append((open_raw(name), name, int(vlan)))
    macs = {}                   # (vlan, mac bytes) -> vf socket, learned
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    if a.pidfile:
        with open(a.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(a.pidfile + ".tmp", a.pidfile)

    socks = [pf] + [v[0] for v in vfs]
    while not stop:
        try:
            r, _, _ = select.select(socks, [], [], 0.5)
        except InterruptedError:
            continue
        for s in r:
            if s is pf:
                for fr in read_frames(pf):
                    if len(fr) < 18 or fr[12:14] != b"\x81\x00":
                        continue            # Untagged: no VF takes it.
                    vlan = struct.unpack("!H", fr[14:16])[0] & 0xfff
                    inner = fr[:12] + fr[16:]
                    dst = fr[0:6]
                    owner = macs.get((vlan, dst))
                    for vs, _n, vv in vfs:
                        if vv != vlan:
                            continue
                        # Known destination: its VF; unknown (a VM that
                        # has not sent yet) or multicast: every VF of V.
                        if dst[0] & 1 or owner is None or owner is vs:
                            try:
                                vs.send(inner)
                            except OSError:
                                pass
                continue
            vf = next(v for v in vfs if v[0] is s)
            for fr in read_frames(s):
                if len(fr) < 14:
                    continue
                vlan = vf[2]
                macs[(vlan, fr[6:12])] = s
                dst = fr[0:6]
                local = macs.get((vlan, dst))
                if local is not None and not dst[0] & 1:
                    if local is not s:
                        local.send(fr)
                    continue
                if dst[0] & 1:
                    for vs, _n, vv in vfs:
                        if vv == vlan and vs is not s:
                            try:
                                vs.send(fr)
                            except OSError:
                                pass
                tagged = fr[:12] + struct.pack("!HH", 0x8100, vlan) + fr[12:]
                try:
                    pf.send(tagged)
                except OSError:
                    pass
    if a.pidfile:
        try:
            os.unlink(a.pidfile)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
