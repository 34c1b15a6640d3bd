"""Helpers for the seam-vtep namespace suite (imported by conftest.py and the tests).

The test process is root and talks to every namespace directly: setns(2) on
the calling thread opens an AF_PACKET socket inside a namespace and returns to
the original one; the socket stays in the namespace it was made in.  Frames
are built with scapy (installed for /usr/bin/python3 only) and captured with
PACKET_AUXDATA, so an 802.1Q tag that veth's RX VLAN offload moved into the
packet metadata is put back in the bytes (what libpcap does).

Negative checks ("nothing crossed") never wait a fixed time: a marker frame
that must cross the same path is sent after the frames that must not, and the
capture runs until the marker arrives (the datapath keeps order per path).
"""

import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pylib"))
from seamcommon import build_dir, run_command, wait_until  # noqa: E402,F401
from netns import (  # noqa: E402,F401
    ETH_P_ALL, PACKET_AUXDATA, PACKET_OUTGOING, SAN_MARKERS, SOL_PACKET, in_netns, with_aux_tag)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
VTEP_SCHEMA = Path("/usr/share/openvswitch/vtep.ovsschema")

VNI = 5000
OVERLAY_NET = "192.168.100"
UNDERLAY_NET = "10.99.0"


def vtep_binary():
    p = build_dir() / "seam-vtep"
    return p if p.is_file() and os.access(p, os.X_OK) else None


def run(cmd, check=True, timeout=20, input=None, env=None):
    """Runs 'cmd'; by default a non-zero exit raises with the output."""
    return run_command(cmd, timeout=timeout, check=check, env=env, input=input)


# ---------------------------------------------------------------------------
# Raw frames in and out of one interface of one namespace
# ---------------------------------------------------------------------------

class Frame:
    __slots__ = ("data", "outgoing", "t")

    def __init__(self, data, outgoing, t):
        self.data = data
        self.outgoing = outgoing
        self.t = t

    def __repr__(self):
        return "Frame(%s%s)" % ("out " if self.outgoing else "", self.data.hex())


class RawPort:
    """An AF_PACKET socket on interface 'ifname' of namespace 'ns'.  Frames
    are captured from the moment it is created."""

    def __init__(self, ns, ifname):
        self.ns, self.ifname = ns, ifname
        with in_netns(ns):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.bind((ifname, ETH_P_ALL))
        s.setblocking(False)
        self.sock = s
        self.frames = []        # Everything received so far (both directions).

    def close(self):
        self.sock.close()

    def send(self, frame):
        self.sock.send(bytes(frame))

    def _read_ready(self):
        while True:
            try:
                data, anc, _flags, addr = self.sock.recvmsg(65536, socket.CMSG_SPACE(20))
            except BlockingIOError:
                return
            data = with_aux_tag(data, anc)
            self.frames.append(Frame(data, addr[2] == PACKET_OUTGOING, time.monotonic()))

    def poll(self, until, timeout=5.0, what="frames"):
        """Reads frames until until(self.frames) is true (returns its value)
        or the deadline passes (AssertionError naming 'what')."""
        deadline = time.monotonic() + timeout
        while True:
            self._read_ready()
            v = until(self.frames)
            if v:
                return v
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%s on %s/%s: not seen within %.1fs (%d frames captured)"
                                     % (what, self.ns, self.ifname, timeout, len(self.frames)))
            select.select([self.sock], [], [], min(left, 0.1))

    def drain(self):
        self._read_ready()
        frames, self.frames = self.frames, []
        return frames

    def incoming(self):
        self._read_ready()
        return [f for f in self.frames if not f.outgoing]


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("=IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            sec = int(fr.t)
            f.write(struct.pack("=IIII", sec, int((fr.t - sec) * 1e6), len(fr.data), len(fr.data)))
            f.write(fr.data)


def tshark_fields(pcap, fields, display_filter=None):
    """One list of field values (each a list of occurrences) per packet."""
    cmd = ["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    if display_filter:
        cmd += ["-Y", display_filter]
    for fld in fields:
        cmd += ["-e", fld]
    out = run(cmd).stdout
    rows = []
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(fields) - len(cols))
        rows.append({fld: (c.split(",") if c else []) for fld, c in zip(fields, cols)})
    return rows


# ---------------------------------------------------------------------------
# Frame parsing (no scapy needed to count)
# ---------------------------------------------------------------------------

def vxlan_of(frame):
    """(outer src, outer dst, vni, inner frame) of an untagged IPv4/UDP
    4789 frame, else None."""
    d = frame.data if isinstance(frame, Frame) else frame
    if len(d) < 14 + 20 + 8 + 8 or d[12:14] != b"\x08\x00":
        return None
    ihl = (d[14] & 0x0f) * 4
    if d[14 + 9] != 17:
        return None
    udp = 14 + ihl
    if struct.unpack("!H", d[udp + 2:udp + 4])[0] != 4789:
        return None
    vx = udp + 8
    vni = struct.unpack("!I", d[vx + 4:vx + 8])[0] >> 8
    return (socket.inet_ntoa(d[26:30]), socket.inet_ntoa(d[30:34]), vni, d[vx + 8:])


def vlan_of(data):
    """VID of the first tag, or None if untagged."""
    if len(data) >= 18 and data[12:14] in (b"\x81\x00", b"\x88\xa8"):
        return struct.unpack("!H", data[14:16])[0] & 0x0fff
    return None


def has_token(token):
    t = token.encode() if isinstance(token, str) else token
    return lambda f: t in f.data


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


# ---------------------------------------------------------------------------
# Namespaces, veths, kernel VTEPs
# ---------------------------------------------------------------------------

class Topo:
    """Namespaces named '<prefix><name>'; interfaces live inside them only.
    teardown() deletes every namespace (and with it every veth)."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.namespaces = []
        self.ports = []

    def ns(self, name):
        full = self.prefix + name
        run(["ip", "netns", "add", full])
        self.namespaces.append(full)
        self.ip(full, "link", "set", "dev", "lo", "up")
        run(["ip", "netns", "exec", full, "sysctl", "-qw",
             "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        return full

    def ip(self, ns, *args, check=True):
        return run(["ip", "-n", ns] + list(args), check=check)

    def exec(self, ns, *cmd, check=True, timeout=20):
        return run(["ip", "netns", "exec", ns] + list(cmd), check=check, timeout=timeout)

    def veth(self, ns1, if1, ns2, if2, mtu=None):
        run(["ip", "link", "add", if1, "netns", ns1, "type", "veth", "peer", if2, "netns", ns2])
        for ns, i in ((ns1, if1), (ns2, if2)):
            if mtu:
                self.ip(ns, "link", "set", "dev", i, "mtu", str(mtu))
            self.ip(ns, "link", "set", "dev", i, "up")

    def mac(self, ns, ifname):
        return json.loads(self.ip(ns, "-j", "link", "show", ifname).stdout)[0]["address"]

    def raw(self, ns, ifname):
        p = RawPort(ns, ifname)
        self.ports.append(p)
        return p

    def kernel_vtep(self, ns, local, remote, overlay_ip, vni=VNI, dev="vx0"):
        """A Linux vxlan device: the remote VTEP (RFC 7348 §4 'learning')."""
        self.ip(ns, "link", "add", dev, "type", "vxlan", "id", str(vni), "local", local,
                "remote", remote, "dstport", "4789", "noudpcsum")
        self.ip(ns, "addr", "add", overlay_ip + "/24", "dev", dev)
        self.ip(ns, "link", "set", "dev", dev, "up")
        return self.mac(ns, dev)

    def teardown(self):
        for p in self.ports:
            p.close()
        for ns in reversed(self.namespaces):
            run(["ip", "netns", "del", ns], check=False)
        self.namespaces = []


# ---------------------------------------------------------------------------
# seam-vtep and ovsdb-server processes
# ---------------------------------------------------------------------------

def _parse_value(v):
    if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str):
        kind, x = v
        if kind in ("uuid", "named-uuid"):
            return x
        if kind == "set":
            return [_parse_value(i) for i in x]
        if kind == "map":
            return {_parse_value(k): _parse_value(val) for k, val in x}
    return v


class VtepCtl:
    def __init__(self, remote):
        self.remote = remote

    def __call__(self, *args, check=True):
        return run(["vtep-ctl", "--db=" + self.remote, "--timeout=10"] + list(args),
                   check=check).stdout

    def rows(self, table):
        """Rows of 'table' as dicts; sets as lists, maps as dicts, uuids as strings."""
        j = json.loads(self("--format=json", "list", table))
        return [{h: _parse_value(v) for h, v in zip(j["headings"], row)} for row in j["data"]]

    def locators(self):
        return {r["_uuid"]: r["dst_ip"] for r in self.rows("Physical_Locator")}


class Process:
    """A daemon started in a namespace, with its own dir, pidfile and log;
    sanitizer reports land in that dir."""

    def __init__(self, name, ns, d, argv, pidfile, logfile, extra_env=None):
        self.name, self.ns, self.dir = name, ns, d
        self.pidfile, self.logfile = pidfile, logfile
        env = dict(os.environ)
        env.update(extra_env or {})
        env["ASAN_OPTIONS"] = "detect_leaks=1:log_path=%s" % (d / "asan")
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:log_path=%s" % (d / "ubsan")
        cmd = (["ip", "netns", "exec", ns] if ns else []) + [str(a) for a in argv]
        self.stderr = open(d / ("%s.stderr" % name), "w")
        self.proc = subprocess.Popen(cmd, stdout=self.stderr, stderr=subprocess.STDOUT, env=env)
        self.pid = self.proc.pid
        self.died = None
        self.known_bug = None           # Set by an xfail test: may hang on SIGTERM.

    def alive(self):
        return self.proc.poll() is None

    def wait_pidfile(self, timeout=10):
        def ok():
            if not self.alive():
                raise AssertionError("%s exited rc=%s\n%s" % (self.name, self.proc.returncode,
                                                               self.diagnostics()))
            return self.pidfile.exists() and self.pidfile.read_text().strip() == str(self.pid)
        wait_until(ok, timeout, "%s pidfile %s" % (self.name, self.pidfile))

    def stop(self):
        """SIGTERM (by pid), then SIGKILL; returns the exit status."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(3 if getattr(self, "known_bug", None) else 10)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.stderr.close()
        return self.proc.returncode

    def log(self):
        return self.logfile.read_text(errors="replace") if self.logfile.exists() else ""

    def diagnostics(self):
        err = (self.dir / ("%s.stderr" % self.name))
        return "--- %s log (tail)\n%s\n--- stderr\n%s" % (
            self.name, "\n".join(self.log().splitlines()[-20:]),
            err.read_text(errors="replace")[-3000:] if err.exists() else "")

    def sanitizer_reports(self):
        reps = []
        for f in sorted(self.dir.glob("asan*")) + sorted(self.dir.glob("ubsan*")):
            reps.append("%s:\n%s" % (f, f.read_text(errors="replace")[:6000]))
        for f in [self.dir / ("%s.stderr" % self.name), self.logfile]:
            if f.exists():
                t = f.read_text(errors="replace")
                if any(m in t for m in SAN_MARKERS):
                    reps.append("%s:\n%s" % (f, t[-6000:]))
        return reps


class Vtep(Process):
    """seam-vtep: embedded DB (db_remote None) or following 'db_remote'."""

    def __init__(self, ns, d, name, tunnel_ip, ports, db_remote=None, extra=()):
        self.sock = d / "db.sock"
        argv = [vtep_binary(), "--name=" + name, "--tunnel-ip=" + tunnel_ip]
        argv += ["--port=" + p for p in ports]
        if db_remote:
            argv += ["--db-remote=" + db_remote]
            self.remote = db_remote
        else:
            argv += ["--db=%s" % (d / "vtep.db"), "--remote=punix:%s" % self.sock]
            self.remote = "unix:%s" % self.sock
        argv += ["--pidfile=%s" % (d / "seam-vtep.pid"), "--log-file=%s" % (d / "seam-vtep.log"),
                 "--unixctl=%s" % (d / "seam-vtep.ctl")]
        argv += list(extra)
        super().__init__("seam-vtep", ns, d, argv, d / "seam-vtep.pid", d / "seam-vtep.log")
        self.ctl = VtepCtl(self.remote)
        self.ps_name = name
        self.embedded = not db_remote

    def ready(self):
        self.wait_pidfile()
        if self.embedded:
            wait_until(lambda: self.sock.exists(), 10, "seam-vtep's socket")
        # The start-up rows (Physical_Switch with our ports) are the sign
        # that the control thread runs.
        wait_until(lambda: any(r["name"] == self.ps_name
                               for r in self.ctl.rows("Physical_Switch")),
                   10, "Physical_Switch %s written by seam-vtep" % self.ps_name)

    def show(self):
        return run([vtep_binary(), "show", self.remote]).stdout
