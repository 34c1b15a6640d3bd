"""Helpers for the seam-sriov-nic namespace suite (tests/nic).

The lab of one test (names '<prefix><role>', the prefix unique per test):

    NS <p>t  "TOR":  tor0 ----veth---- pf0  NS <p>h  "server": seam-sriov-nic
                                              --pf pf0 --num-vfs 3
    NS <p>1  "VM1":  pf0v0 ---veth--- pf0r0  (VF 0)
    NS <p>2  "VM2":  pf0v1 ---veth--- pf0r1  (VF 1)
    NS <p>3  "VM3":  pf0v2 ---veth--- pf0r2  (VF 2)

Interface names live inside the test's own namespaces, so they are fixed.
IPv6 is off in every namespace, so that only the test's frames cross.

The test process is root and talks to every namespace directly: setns(2) on
the calling thread opens an AF_PACKET socket inside a namespace and returns;
the socket stays in the namespace it was made in.  Frames are built and
parsed with scapy (/usr/bin/python3 only) and read with PACKET_AUXDATA, so a
tag that veth's RX VLAN offload moved into metadata is put back in the bytes.
Tags on the wire are also checked with tshark, as an operator would.

Negative checks never wait a fixed time: a marker frame that must cross the
same path is sent after the frames that must not, and the capture runs until
the marker arrives (the emulator keeps order per path).
"""

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pylib"))
from seamcommon import build_dir, run_command, wait_until  # noqa: E402,F401
from netns import (  # noqa: E402,F401
    ETH_P_ALL, PACKET_AUXDATA, PACKET_OUTGOING, SAN_MARKERS, SOL_PACKET, in_netns, with_aux_tag)

MARKER_TYPE = 0x88b5                    # IEEE 802 local experimental ethertype.

def nic_binary():
    p = build_dir() / "seam-sriov-nic"
    return p if p.is_file() and os.access(p, os.X_OK) else None


def run(cmd, check=True, timeout=20, input=None, env=None):
    return run_command(cmd, timeout=timeout, check=check, env=env, input=input)


def stop_process(p, sig, timeout):
    """Sends 'sig' to Popen 'p' if it still runs and waits up to 'timeout'
    seconds for it to exit, then kills it.  Returns False if it had to be
    killed."""
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return False
    return True


class Raw:
    """An AF_PACKET socket on interface 'ifname' of namespace 'ns'."""

    def __init__(self, ns, ifname):
        with in_netns(ns):
            self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            self.s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
            self.s.bind((ifname, 0))
        self.s.setblocking(False)

    def close(self):
        self.s.close()

    def send(self, frame):
        self.s.send(bytes(frame))

    def drain(self):
        while self.recv(0) is not None:
            pass

    def recv(self, timeout):
        """The next frame received (not sent) as bytes with its tag in the
        bytes, or None after 'timeout' seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            r, _, _ = select.select([self.s], [], [], max(left, 0))
            if not r:
                return None
            data, anc, _, addr = self.s.recvmsg(65536, socket.CMSG_SPACE(64))
            if addr[2] == PACKET_OUTGOING:
                continue
            return with_aux_tag(data, anc)

    def collect_until(self, is_marker, timeout=5):
        """Frames received until one satisfies 'is_marker' (not included).
        Fails if the marker does not come within 'timeout' seconds."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            f = self.recv(max(deadline - time.monotonic(), 0))
            if f is None:
                raise AssertionError("marker frame never arrived (got %d frames)" % len(got))
            if is_marker(f):
                return got
            got.append(f)


def marker(src, tag=None, dst="ff:ff:ff:ff:ff:ff", seq=0):
    """A broadcast marker frame (ethertype 0x88b5) from 'src', tagged
    'tag' (vlan id) when given."""
    from scapy.layers.l2 import Dot1Q, Ether
    payload = b"seam-nic-marker-%d" % seq + bytes(30)
    if tag is None:
        return bytes(Ether(dst=dst, src=src, type=MARKER_TYPE) / payload)
    return bytes(Ether(dst=dst, src=src) / Dot1Q(vlan=tag, type=MARKER_TYPE) / payload)


def is_marker(frame, seq=0):
    return b"seam-nic-marker-%d" % seq in frame


class Tshark:
    """tshark capturing on 'ifname' in namespace 'ns', printing one line per
    frame: eth.src, eth.dst, vlan.id, vlan.priority, eth.type (last), data."""

    FIELDS = ("eth.src", "eth.dst", "vlan.id", "vlan.priority", "eth.type", "data.data")

    def __init__(self, ns, ifname, tmpdir):
        self.lines = []
        self.pos = 0                    # Lines before it were returned.
        self.probes = 0
        self.err = open(tmpdir / ("tshark-%s-%s.err" % (ns, ifname)), "w+")
        args = ["ip", "netns", "exec", ns, "tshark", "-n", "-l", "-i", ifname,
                "-T", "fields", "-E", "separator=|"]
        for f in self.FIELDS:
            args += ["-e", f]
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

        def started():
            self.err.seek(0)
            return "Capturing on" in self.err.read()
        wait_until(started, 20, "tshark to start capturing on %s" % ifname)
        # "Capturing on" comes a little before frames are: send probes out
        # of the interface until tshark shows one.  (The NIC drops them: the
        # source is no VF's; the wire side is untagged.)
        probe = bytes.fromhex("ffffffffffff" "02005effff01" "88b6") + bytes(46)
        raw = Raw(ns, ifname)
        try:
            def probed():
                raw.send(probe)
                return self.probes > 0
            wait_until(probed, 20, "tshark to see a probe on %s" % ifname, interval=0.1)
        finally:
            raw.close()

    def _read(self):
        for line in self.p.stdout:
            parts = line.rstrip("\n").split("|")
            f = dict(zip(self.FIELDS, parts))
            if f.get("eth.type") == "0x88b6":
                self.probes += 1
            else:
                self.lines.append(f)

    def frames_until_marker(self, seq=0, timeout=10):
        """The frames seen since the last call and before the marker 'seq'
        (whose payload tshark shows as data.data)."""
        hexmark = (b"seam-nic-marker-%d" % seq).hex()

        def seen():
            for i in range(self.pos, len(self.lines)):
                if hexmark in self.lines[i].get("data.data", "").replace(":", ""):
                    return (i,)
            return None
        try:
            i, = wait_until(seen, timeout, "tshark to see marker %d" % seq)
        except AssertionError as e:
            raise AssertionError("%s; tshark saw %r" % (e, self.lines)) from None
        got = self.lines[self.pos:i]
        self.pos = i + 1
        return got

    def stop(self):
        stop_process(self.p, signal.SIGINT, 10)
        self.err.close()


class Nic:
    """seam-sriov-nic running in namespace 'ns' with a control socket."""

    def __init__(self, ns, d, args, env=None):
        self.ns, self.d = ns, d
        self.pidfile = d / "nic.pid"
        self.log = d / "nic.log"
        self.ctl_path = d / "nic.ctl"
        self.stopped = False
        full_env = dict(os.environ)
        san = d / "san"
        full_env["ASAN_OPTIONS"] = "detect_leaks=1:log_path=%s" % san
        full_env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:log_path=%s" % san
        if env:
            full_env.update(env)
        cmd = ["ip", "netns", "exec", ns, str(nic_binary()), "--pidfile=%s" % self.pidfile,
               "--log-file=%s" % self.log, "--ctl=%s" % self.ctl_path] + list(args)
        with open(d / "nic.stderr", "w") as err:
            self.proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL,
                                         stderr=err)
        wait_until(lambda: self.pidfile.exists() or self.proc.poll() is not None, 10,
                   "seam-sriov-nic to start")
        if self.proc.poll() is not None:
            raise AssertionError("seam-sriov-nic exited rc=%s\n%s" % (
                self.proc.returncode, self.diagnostics()))

    def ctl(self, *args, check=True):
        return run([nic_binary(), "ctl", self.ctl_path] + list(args), check=check)

    def show(self):
        return json.loads(self.ctl("show", "-j").stdout)

    def vf(self, i):
        return self.show()["vfs"][i]

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM; returns the exit status."""
        self.stopped = True
        if not stop_process(self.proc, signal.SIGTERM, 15):
            return "hung"
        return self.proc.returncode

    def diagnostics(self):
        out = []
        for f in (self.log, self.d / "nic.stderr"):
            if f.exists():
                out.append("%s:\n%s" % (f.name, f.read_text()[-3000:]))
        return "\n".join(out)

    def sanitizer_reports(self):
        reps = []
        for f in self.d.glob("san*"):
            t = f.read_text()
            if any(m in t for m in SAN_MARKERS):
                reps.append(t[-4000:])
        return reps


def link_json(ns, ifname):
    return json.loads(run(["ip", "-n", ns, "-j", "-s", "link", "show", "dev", ifname]).stdout)[0]
