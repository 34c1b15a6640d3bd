"""Network namespaces and AF_PACKET for the namespace suites (tests/vtep,
tests/nic) and seam-lab's checks: running a block inside a namespace, and
putting back the 802.1Q tag that veth's RX VLAN offload moved out of a
captured frame.

The caller is root and talks to every namespace directly: setns(2) on the
calling thread opens a socket inside a namespace and returns to the original
one; the socket stays in the namespace it was made in."""

import contextlib
import ctypes
import os
import struct

CLONE_NEWNET = 0x40000000
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
ETH_P_ALL = 0x0003
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
SAN_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
               "SUMMARY: UndefinedBehaviorSanitizer")

_libc = ctypes.CDLL(None, use_errno=True)
_home_ns = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


@contextlib.contextmanager
def in_netns(name):
    """Runs the block with this thread in network namespace 'name'."""
    fd = os.open("/run/netns/%s" % name, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(%s): %s" % (name, os.strerror(e)))
        try:
            yield
        finally:
            if _libc.setns(_home_ns, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back home failed")
    finally:
        os.close(fd)


def with_aux_tag(data, ancdata):
    """Frame 'data', as recvmsg() returned it with 'ancdata' on a socket with
    PACKET_AUXDATA on, with the 802.1Q tag that the kernel reported in the
    metadata put back in the bytes (as libpcap does)."""
    for level, typ, cdata in ancdata:
        if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 20:
            status, _l, _s, _m, _n, tci, tpid = struct.unpack("=IIIHHHH", cdata[:20])
            if status & TP_STATUS_VLAN_VALID or tci:
                if not status & TP_STATUS_VLAN_TPID_VALID:
                    tpid = 0x8100
                data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data
