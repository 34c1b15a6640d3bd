#!/usr/bin/python3
"""Convergence of seamd: REST intent -> Ucast_Macs_Remote on every VTEP.

  seamd-convergence.py run   [options]       one run of the seamd side
  seamd-convergence.py watch SOCK...         the watcher (a child of a run)
  seamd-convergence.py table FILE...         side-by-side medians of JSON lines

Also the library of bench/ovn-convergence.py (the OVN side of the same
intent): the VTEP farm, the watcher and the /proc sampling live here.

The VTEP farm: one `seam-ovsdb` per VTEP serving a fresh hardware_vtep
database (`seam-ovsdb create DB /usr/share/openvswitch/vtep.ovsschema`) on
a unix socket (for the watcher and vtep-ctl) and on ptcp:PORT:127.0.0.1 (for
seamd, which dials each VTEP row's target).  No datapath.  VTEP i has a
Physical_Switch "psI" with tunnel_ips 10.1.x.y and one Physical_Port "p0".

The intent ("bind one": each VTEP has ports on exactly one network):
  - 100 VTEPs (--vteps), role hypervisor, host "hvI";
  - 10 networks (--networks), vxlan, VNI 5000+n, each with a subnet;
  - 10 ports per VTEP (--ports-per-vtep): port j is bound to host
    hv(j // PPV) and sits on network (j // PPV) % N, with the MAC
    0a:00:00:xx:yy:zz (j) given in the request;
  so network n spans the V/N VTEPs i with i % N == n, and every VTEP must end
  up with one Ucast_Macs_Remote (Logical_Switch = network id, MAC, locator =
  the other VTEP's tunnel IP) for each port of its network bound elsewhere:
  (V/N - 1) * PPV rows (90 with the defaults, 9,000 in all).

Phases, all times from the watcher's OVSDB monitors (CLOCK_MONOTONIC, no
polling), daemons idle before each phase:
 (a) t0 = the first POST /v2.0/ports -> every VTEP holds exactly its
     expected Ucast_Macs_Remote set;
 (b) one more port (network 0, host hv0) -> every other VTEP of network 0
     holds its row;
 (c) seamd's CPU (utime+stime from /proc) from t0 through the idle tail
     after (b), its peak RSS (VmHWM); the VTEP servers are reported apart.
"""
import argparse
import errno
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
CLK_TCK = os.sysconf("SC_CLK_TCK")
VTEP_SCHEMA = "/usr/share/openvswitch/vtep.ovsschema"
PY = "/usr/bin/python3"         # has the `ovs` module (pyenv's python3 has not)


# ------------------------------------------------------------------ naming
def mac(j):
    return "0a:00:00:%02x:%02x:%02x" % ((j >> 16) & 255, (j >> 8) & 255,
                                         j & 255)


def vtep_ip(i):
    return "10.1.%d.%d" % (i // 250, i % 250 + 1)


def chassis_ip(c):
    return "10.2.%d.%d" % (c // 250, c % 250 + 1)


# ------------------------------------------------------------------ processes
class Procs(object):
    """Every process of a run: started with Popen, stopped by pid, grouped
    for the CPU and memory figures."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.list = []          # (name, group, Popen)

    def spawn(self, name, group, argv, env=None):
        f = open(os.path.join(self.tmp, name + ".stderr"), "w")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f,
                             stderr=subprocess.STDOUT, env=env, cwd=self.tmp)
        f.close()
        self.list.append((name, group, p))
        return p

    def stop(self, order):
        """SIGTERM by pid in the order of groups 'order', then reap; SIGKILL
        whatever is still there after 10 s."""
        rank = {g: n for n, g in enumerate(order)}
        for name, group, p in sorted(self.list,
                                     key=lambda x: rank.get(x[1], 99)):
            if p.poll() is None:
                p.terminate()
        for name, group, p in self.list:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def check_alive(self):
        dead = [(n, p.returncode) for n, g, p in self.list
                if p.poll() is not None]
        if dead:
            raise RuntimeError("daemon(s) exited: %s" % dead[:5])

    def cpu(self):
        """{group: CPU s (utime+stime)} of the live processes."""
        g = {}
        for name, group, p in self.list:
            g[group] = g.get(group, 0.0) + pid_cpu(p.pid)
        return g

    def cpu_ns(self):
        """{group: CPU s from the schedstat of every live thread} (ns
        precision, where /proc/PID/stat counts 10 ms ticks)."""
        g = {}
        for name, group, p in self.list:
            g[group] = g.get(group, 0.0) + pid_sched_s(p.pid)
        return g

    def status(self, field):
        """{group: sum of /proc/PID/status 'field' (kB)}."""
        g = {}
        for name, group, p in self.list:
            g[group] = g.get(group, 0) + pid_status(p.pid, field)
        return g

    def quiesce(self, max_s=60.0, window=1.0, thresh=0.05):
        """Waits until all processes together use < 'thresh' CPU s in a
        'window'; returns the seconds waited (None: never idle)."""
        start = time.monotonic()
        prev = sum(self.cpu().values())
        while time.monotonic() - start < max_s:
            time.sleep(window)
            cur = sum(self.cpu().values())
            if cur - prev < thresh:
                return round(time.monotonic() - start, 2)
            prev = cur
        return None


def machine_busy_s():
    """CPU s the whole machine has been busy since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / CLK_TCK       # minus idle, iowait


def others_busy(procs, window=1.0):
    """CPUs (0..nproc) kept busy by processes other than 'procs' during
    'window' s: how loaded the shared machine is while our daemons idle."""
    m0, o0 = machine_busy_s(), sum(procs.cpu_ns().values())
    time.sleep(window)
    m1, o1 = machine_busy_s(), sum(procs.cpu_ns().values())
    return round(max(0.0, (m1 - m0) - (o1 - o0)) / window, 2)


def pid_cpu(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        rest = s[s.rfind(")") + 2:].split()
        return (int(rest[11]) + int(rest[12])) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return 0.0


def pid_sched_s(pid):
    t = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    t += int(f.read().split()[0])
            except (OSError, ValueError):
                pass
    except OSError:
        pass
    return t / 1e9


def pid_status(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(argv, env=None, cwd=None):
    r = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode:
        raise RuntimeError("%s... failed rc=%d: %s" % (
            " ".join(argv[:6]), r.returncode, r.stderr.strip()[:2000]))
    return r.stdout


def wait_path(path, what, timeout=30, procs=None):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise RuntimeError("timeout waiting for " + what)
        if procs:
            procs.check_alive()
        time.sleep(0.01)


def free_tcp_ports(n):
    """'n' distinct TCP ports free on 127.0.0.1 now (ephemeral, held open
    together so they differ; another process may still take one)."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def established_local_ports(ports):
    """How many of 'ports' (local TCP ports on this host) have at least one
    ESTABLISHED connection, from /proc/net/tcp."""
    want = set(ports)
    have = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fld = line.split()
            if fld[3] != "01":          # TCP_ESTABLISHED
                continue
            port = int(fld[1].split(":")[1], 16)
            if port in want:
                have.add(port)
    return len(have)


# ------------------------------------------------------------------ VTEP farm
class Farm(object):
    """V hardware_vtep databases, one server process each (seam-ovsdb, or
    Open vSwitch's ovsdb-server with server='ovs'), on T/vI.sock and, with
    tcp=True, on ptcp:PORT:127.0.0.1."""

    def __init__(self, procs, tmp, n, server="seam", seam_ovsdb=None,
                 tcp=False):
        self.procs, self.tmp, self.n, self.server = procs, tmp, n, server
        self.ports = free_tcp_ports(n) if tcp else []
        seam = os.path.abspath(seam_ovsdb or
                               os.path.join(TOP, "build", "seam-ovsdb"))
        tmpl = os.path.join(tmp, "vtep.tmpl")
        if server == "seam":
            run([seam, "create", tmpl, VTEP_SCHEMA])
        else:
            run(["ovsdb-tool", "create", tmpl, VTEP_SCHEMA])
        for i in range(n):
            db = os.path.join(tmp, "v%d.db" % i)
            shutil.copy(tmpl, db)
            remotes = ["--remote=punix:" + self.sock(i)]
            if tcp:
                remotes.append("--remote=ptcp:%d:127.0.0.1" % self.ports[i])
            pid = "--pidfile=%s/v%d.pid" % (tmp, i)
            log = "--log-file=%s/v%d.log" % (tmp, i)
            if server == "seam":
                argv = [seam, pid, log, "--log-level=warn"] + remotes + [db]
            else:
                argv = ["ovsdb-server", "--no-chdir", pid, log,
                        "--unixctl=%s/v%d.ctl" % (tmp, i),
                        "-vconsole:off", "-vsyslog:off"] + remotes + [db]
            procs.spawn("v%d" % i, "vtepdb", argv)
        for i in range(n):
            wait_path(self.sock(i), "v%d.sock" % i, procs=procs)

    def sock(self, i):
        return os.path.join(self.tmp, "v%d.sock" % i)

    def target(self, i):
        return "tcp:127.0.0.1:%d" % self.ports[i]

    def add_switches(self, extra=None):
        """Physical_Switch psI (tunnel_ips 10.1.x.y) with Physical_Port p0
        on every VTEP; extra(i) gives more vtep-ctl commands."""
        for i in range(self.n):
            cmd = ["vtep-ctl", "--db=unix:" + self.sock(i),
                   "add-ps", "ps%d" % i,
                   "--", "set", "Physical_Switch", "ps%d" % i,
                   "tunnel_ips=" + vtep_ip(i),
                   "--", "add-port", "ps%d" % i, "p0"]
            if extra:
                cmd += extra(i)
            run(cmd)


# ------------------------------------------------------------------ watcher
class Watcher(object):
    """Drives `seamd-convergence.py watch` (a child process) over a line
    protocol; see watch_main()."""

    def __init__(self, procs, socks, sb_sock=None, cwd=None):
        argv = [PY, os.path.abspath(__file__), "watch"]
        if sb_sock:
            argv += ["--sb", sb_sock]
        self.procs = procs
        self.p = subprocess.Popen(argv + socks, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True,
                                  bufsize=1, cwd=cwd)

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def wait(self, prefix, timeout):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("watcher: no '%s' within %.0f s" %
                                   (prefix, timeout))
            r, _, _ = select.select([self.p.stdout], [], [], min(left, 5.0))
            if not r:
                self.procs.check_alive()
                continue
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("watcher exited")
            if line.startswith("error"):
                raise RuntimeError("watcher: " + line.strip())
            if line.startswith(prefix + " "):
                return line[len(prefix) + 1:].strip()

    def expect(self, path, sb_target=0):
        self.send("expect %s %d" % (path, sb_target))
        self.wait("expecting", 60)

    def done(self, timeout):
        """(t_last, t_first, info) once every VTEP matches."""
        d = self.wait("done", timeout).split(None, 2)
        return float(d[0]), float(d[1]), json.loads(d[2])

    def dump(self):
        self.send("dump")
        return json.loads(self.wait("dump", 300))

    def cpu(self):
        return pid_cpu(self.p.pid)

    def close(self):
        if self.p.poll() is None:
            try:
                self.send("quit")
                self.p.wait(5)
            except Exception:
                self.p.kill()
                self.p.wait()


VTEP_TABLES = {
    "Logical_Switch": {"columns": ["name", "tunnel_key"]},
    "Physical_Locator": {"columns": ["dst_ip"]},
    "Physical_Locator_Set": {"columns": ["locators"]},
    "Ucast_Macs_Remote": {"columns": ["MAC", "logical_switch", "locator",
                                      "ipaddr"]},
    "Mcast_Macs_Remote": {"columns": ["MAC", "logical_switch",
                                      "locator_set"]},
}
SB_TABLES = {"Port_Binding": {"columns": ["logical_port", "chassis"]}}


def _uuid(v):
    if isinstance(v, list) and v and v[0] == "uuid":
        return v[1]
    if isinstance(v, list) and v and v[0] == "set":
        return v[1][0][1] if v[1] else None
    return None


def _uuids(v):
    if isinstance(v, list) and v and v[0] == "uuid":
        return [v[1]]
    if isinstance(v, list) and v and v[0] == "set":
        return [x[1] for x in v[1]]
    return []


def _int(v):
    if isinstance(v, int):
        return v
    if isinstance(v, list) and v and v[0] == "set":
        return v[1][0] if v[1] else None
    return None


class WDb(object):
    """One OVSDB monitor (RFC 7047 `monitor`, raw JSON-RPC through the `ovs`
    module's C JSON parser) and the replica of its tables."""

    def __init__(self, idx, sock, dbname, tables):
        import ovs.jsonrpc
        import ovs.stream
        self.idx = idx
        deadline = time.monotonic() + 60
        while True:         # a full listen queue (EAGAIN) at start: retry
            err, stream = ovs.stream.Stream.open_block(
                ovs.stream.Stream.open("unix:" + sock))
            if not err:
                break
            if time.monotonic() > deadline or err not in (
                    errno.EAGAIN, errno.ECONNREFUSED):
                raise SystemExit("cannot connect %s: %s" % (
                    sock, os.strerror(err)))
            time.sleep(0.1)
        self.conn = ovs.jsonrpc.Connection(stream)
        self.tables = {t: {} for t in tables}
        req = ovs.jsonrpc.Message.create_request(
            "monitor", [dbname, "w%d" % idx, tables])
        self.mon_id = req.id
        self.conn.send(req)
        self.initial_done = False
        self.dirty = False
        self.t_dirty = 0.0

    def apply(self, updates):
        for table, rows in updates.items():
            tab = self.tables[table]
            for uuid, ch in rows.items():
                new = ch.get("new")
                if new is None:
                    tab.pop(uuid, None)
                else:
                    tab[uuid] = new
        self.dirty = True

    def umr_set(self):
        ls = self.tables["Logical_Switch"]
        pl = self.tables["Physical_Locator"]
        out = set()
        for row in self.tables["Ucast_Macs_Remote"].values():
            lsu = _uuid(row.get("logical_switch"))
            plu = _uuid(row.get("locator"))
            out.add((ls[lsu]["name"] if lsu in ls else "?", row.get("MAC"),
                     pl[plu]["dst_ip"] if plu in pl else "?"))
        return out

    def summary(self, expected):
        t = self.tables
        got = self.umr_set()
        mmr = []
        for row in t["Mcast_Macs_Remote"].values():
            pls = t["Physical_Locator_Set"].get(
                _uuid(row.get("locator_set")), {})
            mmr.append(len(_uuids(pls.get("locators"))))
        d = {"umr": len(t["Ucast_Macs_Remote"]),
             "umr_with_ipaddr": sum(
                 1 for r in t["Ucast_Macs_Remote"].values()
                 if r.get("ipaddr") not in ("", None)),
             "ls": len(t["Logical_Switch"]),
             "tunnel_keys": sorted(set(
                 _int(r.get("tunnel_key")) or 0
                 for r in t["Logical_Switch"].values())),
             "pl": len(t["Physical_Locator"]),
             "mmr": len(mmr),
             "mmr_locators": sorted(set(mmr))}
        if expected is not None:
            d["missing"] = len(expected - got)
            d["extra"] = len(got - expected)
        return d

    def pb_bound(self):
        n = 0
        for row in self.tables["Port_Binding"].values():
            if row.get("logical_port", "").startswith("lp") and \
                    _uuid(row.get("chassis")):
                n += 1
        return n


def watch_main(argv):
    """The watcher.  Line protocol on stdin/stdout:
      "ready"          -> "ready <t>" once every initial monitor reply is in
      "tk"             -> "tk <t>" once every Logical_Switch of every VTEP has
                          a tunnel_key (OVN: the vtep lports are bound)
      "expect FILE N"  FILE = {"<vtep index>": [[ls, mac, dst_ip], ...]}
                          -> "expecting", later "done <t_last> <t_first>
                          <json>" once every VTEP's Ucast_Macs_Remote set
                          (ls name, MAC, locator dst_ip) equals its expected
                          set exactly; <json> has "per_vtep" times and, with
                          --sb and N > 0, "sb_bound": when the SB held N
                          bound lp* Port_Bindings.
      "dump"           -> "dump <json>": counts per VTEP
      "quit"
    Every time is time.monotonic() (shared with the driver), taken when the
    update that completed the set was received."""
    import ovs.jsonrpc
    import ovs.poller
    import ovs.vlog
    ovs.vlog.Vlog.init(None)
    ap = argparse.ArgumentParser(prog="watch")
    ap.add_argument("--sb")
    ap.add_argument("socks", nargs="+")
    a = ap.parse_args(argv)
    sb = WDb(-1, a.sb, "OVN_Southbound", SB_TABLES) if a.sb else None
    vteps = [WDb(i, s, "hardware_vtep", VTEP_TABLES)
             for i, s in enumerate(a.socks)]
    alldb = ([sb] if sb else []) + vteps
    expected = done_at = None
    sb_target, sb_bound = 0, None
    mode = None
    buf = b""
    out = sys.stdout
    T = ovs.jsonrpc.Message
    while True:
        for db in alldb:
            db.conn.run()
            for _ in range(1000):
                err, msg = db.conn.recv()
                if err == errno.EAGAIN or (err == 0 and msg is None):
                    break
                if err:
                    out.write("error db%d %s\n" % (db.idx, os.strerror(err)))
                    out.flush()
                    return 1
                now = time.monotonic()
                if msg.type == T.T_REPLY and msg.id == db.mon_id:
                    db.apply(msg.result)
                    db.initial_done = True
                    db.t_dirty = now
                elif msg.type == T.T_NOTIFY and msg.method == "update":
                    db.apply(msg.params[1])
                    db.t_dirty = now
                elif msg.type == T.T_REQUEST and msg.method == "echo":
                    db.conn.send(T.create_reply(msg.params, msg.id))
                elif msg.type == T.T_ERROR:
                    out.write("error db%d %s\n" % (db.idx, msg.error))
                    out.flush()
                    return 1
        if sb and sb_target and sb_bound is None and sb.dirty:
            sb.dirty = False
            if sb.pb_bound() >= sb_target:
                sb_bound = sb.t_dirty
        if mode == "ready" and all(d.initial_done for d in alldb):
            out.write("ready %f\n" % time.monotonic())
            out.flush()
            mode = None
        elif mode == "tk" and all(
                v.initial_done and v.tables["Logical_Switch"] and
                all((_int(r.get("tunnel_key")) or 0) > 0
                    for r in v.tables["Logical_Switch"].values())
                for v in vteps):
            out.write("tk %f\n" % time.monotonic())
            out.flush()
            mode = None
        elif mode == "expect":
            for v in vteps:
                if done_at[v.idx] is None and v.dirty:
                    v.dirty = False
                    exp = expected[v.idx]
                    if len(v.tables["Ucast_Macs_Remote"]) == len(exp) and \
                            v.umr_set() == exp:
                        done_at[v.idx] = v.t_dirty
            # With an SB, wait (up to 10 s) for its monitor to have seen the
            # binds too; the per-VTEP times are already stamped.
            if all(t is not None for t in done_at) and (
                    not sb or not sb_target or sb_bound is not None or
                    time.monotonic() - max(done_at) > 10.0):
                info = {"per_vtep": done_at}
                if sb_bound is not None:
                    info["sb_bound"] = sb_bound
                out.write("done %f %f %s\n" % (max(done_at), min(done_at),
                                               json.dumps(info)))
                out.flush()
                mode = None
        poller = ovs.poller.Poller()
        for db in alldb:
            db.conn.wait(poller)
            db.conn.recv_wait(poller)
        poller.fd_wait(0, ovs.poller.POLLIN)
        if mode == "expect" and all(t is not None for t in done_at):
            poller.timer_wait(500)
        poller.block()
        r, _, _ = select.select([0], [], [], 0)
        if not r:
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            return 0
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            cmd = line.decode().split()
            if not cmd:
                continue
            if cmd[0] == "quit":
                return 0
            elif cmd[0] in ("ready", "tk"):
                mode = cmd[0]
            elif cmd[0] == "expect":
                with open(cmd[1]) as f:
                    e = json.load(f)
                expected = [set(tuple(x) for x in e.get(str(i), []))
                            for i in range(len(vteps))]
                done_at = [None] * len(vteps)
                now = time.monotonic()
                for v in vteps:
                    v.dirty = True
                    v.t_dirty = now
                sb_target, sb_bound = int(cmd[2]), None
                if sb:
                    sb.dirty = True
                    sb.t_dirty = now
                mode = "expect"
                out.write("expecting %f\n" % now)
                out.flush()
            elif cmd[0] == "dump":
                d = [v.summary(expected[v.idx] if expected else None)
                     for v in vteps]
                out.write("dump %s\n" % json.dumps(d))
                out.flush()


def agg_dump(dump):
    """Totals over a watcher dump."""
    return {"umr_total": sum(d["umr"] for d in dump),
            "missing_total": sum(d.get("missing", 0) for d in dump),
            "extra_total": sum(d.get("extra", 0) for d in dump),
            "umr_with_ipaddr": sum(d["umr_with_ipaddr"] for d in dump),
            "ls_total": sum(d["ls"] for d in dump),
            "tunnel_keys": sorted(set(k for d in dump
                                      for k in d["tunnel_keys"]))[:20],
            "pl_per_vtep_max": max(d["pl"] for d in dump),
            "mmr_total": sum(d["mmr"] for d in dump),
            "mmr_locator_counts": sorted(set(n for d in dump
                                             for n in d["mmr_locators"]))}


def write_json(tmp, name, obj):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


# ------------------------------------------------------------------ seamd side
class Rest(object):
    """A keep-alive HTTP/1.1 client of seamd's REST API."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.c = None

    def call(self, method, path, body=None, ok=(200, 201, 204)):
        hdr = {"Content-Type": "application/json",
               "Accept": "application/json"}
        if self.token:
            hdr["X-Auth-Token"] = self.token
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection("127.0.0.1", self.port,
                                                    timeout=600)
                self.c.connect()
                self.c.sock.setsockopt(socket.IPPROTO_TCP,
                                       socket.TCP_NODELAY, 1)
            try:
                self.c.request(method, path, body=data, headers=hdr)
                r = self.c.getresponse()
                text = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.c.close()
                self.c = None
                if attempt:
                    raise
        if r.getheader("Connection", "").lower() == "close":
            self.c.close()
            self.c = None
        if r.status not in ok:
            raise RuntimeError("%s %s -> %d %s" % (
                method, path, r.status, text[:500].decode(errors="replace")))
        return json.loads(text) if text else None


def nb_insert_ports(sock, k, nports, placement, nets, subnets):
    """Inserts Port rows 0..nports-1 into seam_nb over 'sock' (raw RFC 7047
    JSON-RPC), 'k' rows per transaction, every transaction sent before the
    first reply is read; returns once all are answered.  The rows are the
    ones a POST makes (status DOWN, vnic normal, one fixed IP)."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    out = []
    n_in_net = {}
    for b in range(0, nports, k):
        ops = []
        for j in range(b, min(nports, b + k)):
            h, n = placement[j]
            row = {"network": ["uuid", nets[n]], "name": "lp%d" % j,
                   "mac_address": mac(j), "binding_host_id": "hv%d" % h,
                   "binding_vnic_type": "normal",
                   "device_owner": "compute:nova", "device_id": "vm%d" % j,
                   "admin_state_up": True, "status": "DOWN",
                   "revision_number": 1}
            if subnets:         # .0.2 on, as IPAM would hand them out
                o = n_in_net[n] = n_in_net.get(n, 1) + 1
                ip = "10.%d.%d.%d" % (100 + n, o >> 8, o & 255)
                row["fixed_ips"] = ["map", [[ip, ["uuid", subnets[n]]]]]
            ops.append({"op": "insert", "table": "Port", "row": row})
        out.append(json.dumps({"method": "transact", "id": b,
                               "params": ["seam_nb"] + ops}).encode())
    s.sendall(b"".join(out))
    dec = json.JSONDecoder()
    buf, left = "", len(out)
    raw = b""
    while left:
        chunk = s.recv(1 << 20)
        if not chunk:
            raise RuntimeError("NB closed the connection")
        raw += chunk
        try:
            buf = raw.decode()
        except UnicodeDecodeError:
            continue
        while buf:
            try:
                msg, end = dec.raw_decode(buf)
            except ValueError:
                break
            buf = buf[end:].lstrip()
            if msg.get("method") == "echo":
                s.sendall(json.dumps({"id": msg["id"], "result":
                                      msg["params"], "error": None}).encode())
                continue
            for r in msg.get("result") or []:
                if isinstance(r, dict) and r.get("error"):
                    raise RuntimeError("NB refused: %s" % r)
            if msg.get("error"):
                raise RuntimeError("NB error: %s" % msg["error"])
            left -= 1
        raw = buf.encode()
    s.close()


def post_ports(api, port, a, nports, port_body):
    """POSTs ports 0..nports-1: one per request (a.batch 1) or in bulk
    requests of a.batch, over a.conns keep-alive connections at once (each
    takes every a.conns-th request)."""
    reqs = []
    for b in range(0, nports, a.batch):
        if a.batch == 1:
            reqs.append({"port": port_body(b)})
        else:
            reqs.append({"ports": [port_body(j) for j in
                                   range(b, min(nports, b + a.batch))]})
    if a.conns == 1:
        for r in reqs:
            api.call("POST", "/v2.0/ports", r)
        return
    import threading
    errors = []

    def worker(k):
        c = Rest(port, a.token)
        try:
            for r in reqs[k::a.conns]:
                c.call("POST", "/v2.0/ports", r)
        except Exception as e:      # noqa: B902 - reported by the caller
            errors.append(e)
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(a.conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


def seamd_main(argv):
    ap = argparse.ArgumentParser(prog="seamd-convergence.py run")
    ap.add_argument("--vteps", type=int, default=100)
    ap.add_argument("--networks", type=int, default=10)
    ap.add_argument("--ports-per-vtep", type=int, default=10)
    ap.add_argument("--batch", type=int, default=1,
                    help="ports per POST (>1: Neutron bulk create "
                         "{\"ports\": [...]})")
    ap.add_argument("--conns", type=int, default=1,
                    help="HTTP connections POSTing ports at once")
    ap.add_argument("--no-subnets", action="store_true")
    ap.add_argument("--nb-direct", type=int, default=0, metavar="K",
                    help="write the ports of (a) straight into seamd's NB "
                         "database (served on --nb-remote=punix:), K Port "
                         "rows per transaction, all transactions pipelined, "
                         "instead of POSTing them (REST bypassed); (b) "
                         "still POSTs")
    ap.add_argument("--seamd", default=os.path.join(TOP, "build", "seamd"))
    ap.add_argument("--seam-ovsdb",
                    default=os.path.join(TOP, "build", "seam-ovsdb"))
    ap.add_argument("--seamd-arg", action="append", default=[],
                    help="one more seamd argument (repeatable)")
    ap.add_argument("--token", default="bench-token")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--label", default="")
    ap.add_argument("--out", help="append the JSON line here")
    ap.add_argument("--keep", help="copy logs to this directory")
    a = ap.parse_args(argv)
    a.seamd = os.path.abspath(a.seamd)
    V, N, PPV = a.vteps, a.networks, a.ports_per_vtep
    P = V * PPV
    if V % N:
        raise SystemExit("--vteps must be a multiple of --networks")
    tmp = tempfile.mkdtemp(prefix="seamdconv.", dir="/tmp")
    procs = Procs(tmp)
    watcher = None
    res = {"side": "seamd", "label": a.label, "V": V, "networks": N,
           "ports": P, "batch": a.batch, "conns": a.conns,
           "nb_direct": a.nb_direct,
           "loadavg_start": os.getloadavg()}

    def log(*m):
        print("[%s seamd V=%d %s]" % (time.strftime("%H:%M:%S"), V, a.label),
              *m, file=sys.stderr, flush=True)

    # port j: (host index, network index); port P is the "+1 port" of (b)
    placement = [(j // PPV, (j // PPV) % N) for j in range(P)] + [(0, 0)]

    try:
        ts = time.monotonic()
        farm = Farm(procs, tmp, V, "seam", a.seam_ovsdb, tcp=True)
        farm.add_switches()
        port = free_tcp_ports(1)[0]
        sdir = os.path.join(tmp, "seamd")
        os.makedirs(sdir)
        procs.spawn("seamd", "seamd", [
            a.seamd, "--state-dir=" + sdir, "--run-dir=" + sdir,
            "--listen=127.0.0.1:%d" % port, "--token=" + a.token,
            "--log-file=" + os.path.join(tmp, "seamd.log")] + a.seamd_arg +
            (["--nb-remote=punix:" + os.path.join(tmp, "nb-direct.sock")]
             if a.nb_direct else []))
        api = Rest(port, a.token)
        end = time.monotonic() + 30
        while True:
            try:
                api.call("GET", "/v2.0/networks")
                break
            except (OSError, http.client.HTTPException):
                procs.check_alive()
                if time.monotonic() > end:
                    raise RuntimeError("seamd's REST API did not come up")
                time.sleep(0.05)
        for i in range(V):
            api.call("POST", "/v2.0/seam/vteps", {"vtep": {
                "name": "ps%d" % i, "target": farm.target(i),
                "tunnel_ip": vtep_ip(i), "role": "hypervisor",
                "host": "hv%d" % i}})
        nets, subnets = [], []
        for n in range(N):
            r = api.call("POST", "/v2.0/networks", {"network": {
                "name": "net%d" % n, "provider:network_type": "vxlan",
                "provider:segmentation_id": 5000 + n}})
            nets.append(r["network"]["id"])
            if not a.no_subnets:
                r = api.call("POST", "/v2.0/subnets", {"subnet": {
                    "network_id": nets[n], "ip_version": 4,
                    "cidr": "10.%d.0.0/16" % (100 + n),
                    "name": "sub%d" % n}})
                subnets.append(r["subnet"]["id"])
        watcher = Watcher(procs, [farm.sock(i) for i in range(V)], cwd=tmp)
        watcher.send("ready")
        watcher.wait("ready", 120)
        # every session up: each VTEP's TCP port has an established connection
        end = time.monotonic() + 120
        while established_local_ports(farm.ports) < V:
            procs.check_alive()
            if time.monotonic() > end:
                raise RuntimeError("only %d of %d VTEP sessions up" % (
                    established_local_ports(farm.ports), V))
            time.sleep(0.1)
        res["setup_s"] = round(time.monotonic() - ts, 2)
        res["quiesce_before_a_s"] = procs.quiesce()
        res["rss_before_a_mib"] = kib_mib(procs.status("VmRSS"))
        res["others_busy_cpus"] = others_busy(procs)
        log("setup done in %.1f s" % res["setup_s"])

        def expected(nports):
            """{vtep: [[network id, MAC, tunnel IP of the port's VTEP]]}:
            every port of the VTEP's network bound to another host."""
            exp = {str(i): [] for i in range(V)}
            for j in range(nports):
                h, n = placement[j]
                for i in range(n, V, N):
                    if i != h:
                        exp[str(i)].append([nets[n], mac(j), vtep_ip(h)])
            return exp

        def port_body(j):
            h, n = placement[j]
            return {"network_id": nets[n], "name": "lp%d" % j,
                    "mac_address": mac(j), "binding:host_id": "hv%d" % h,
                    "device_owner": "compute:nova", "device_id": "vm%d" % j}

        # ================================================== (a)
        watcher.expect(write_json(tmp, "expect_a.json", expected(P)))
        cpu0 = procs.cpu()
        ns0 = procs.cpu_ns()
        wcpu0 = watcher.cpu()
        ccpu0 = resource_self()
        t0 = time.monotonic()
        if a.nb_direct:
            nb_insert_ports(os.path.join(tmp, "nb-direct.sock"), a.nb_direct,
                            P, placement, nets, subnets)
        else:
            post_ports(api, port, a, P, port_body)
        t_api = time.monotonic()
        t_last, t_first, info = watcher.done(a.timeout)
        cpu1 = procs.cpu()
        pv = sorted(info["per_vtep"])
        res["a"] = {"converge_s": round(t_last - t0, 3),
                    "rest_s": round(t_api - t0, 3),
                    "after_rest_s": round(t_last - t_api, 3),
                    "first_vtep_s": round(t_first - t0, 3),
                    "median_vtep_s": round(pv[len(pv) // 2] - t0, 3),
                    "cpu_to_converge": dsub(cpu1, cpu0)}
        log("(a) converged in %.2f s (REST calls %.2f s)" %
            (res["a"]["converge_s"], res["a"]["rest_s"]))
        res["quiesce_after_a_s"] = procs.quiesce()
        cpu2 = procs.cpu()
        res["a"]["cpu_incl_tail"] = dsub(cpu2, cpu0)
        res["rss_after_a_mib"] = kib_mib(procs.status("VmRSS"))
        res["vtepdb_after_a"] = agg_dump(watcher.dump())

        # ================================================== (b)
        watcher.expect(write_json(tmp, "expect_b.json", expected(P + 1)))
        cpu3 = procs.cpu()
        t1 = time.monotonic()
        api.call("POST", "/v2.0/ports", {"port": port_body(P)})
        t_api1 = time.monotonic()
        _, _, info = watcher.done(a.timeout)
        rel = sorted(info["per_vtep"][i] for i in range(0, V, N) if i != 0)
        res["b"] = {"vteps_with_new_row": len(rel),
                    "latency_s": round(rel[-1] - t1, 4),
                    "first_vtep_s": round(rel[0] - t1, 4),
                    "rest_s": round(t_api1 - t1, 4)}
        log("(b) +1 port in %.3f s" % res["b"]["latency_s"])
        res["quiesce_after_b_s"] = procs.quiesce()
        cpu4 = procs.cpu()
        res["b"]["cpu_incl_tail"] = dsub(cpu4, cpu3)
        res["cpu_a_plus_b"] = dsub(cpu4, cpu0)
        res["cpu_a_plus_b_schedstat"] = dsub(procs.cpu_ns(), ns0)
        res["client_cpu_s"] = round(resource_self() - ccpu0, 2)
        res["watcher_cpu_s"] = round(watcher.cpu() - wcpu0, 2)
        res["cpu_since_start"] = {k: round(v, 2) for k, v in cpu4.items()}
        res["vmhwm_mib"] = kib_mib(procs.status("VmHWM"))
        res["rss_end_mib"] = kib_mib(procs.status("VmRSS"))
        res["total_cpu_s"] = res["cpu_a_plus_b"]["seamd"]
        res["total_hwm_mib"] = res["vmhwm_mib"]["seamd"]
        res["n_core_procs"] = 1
        res["vtepdb_after_b"] = agg_dump(watcher.dump())
        st, why = {}, {}
        for p in api.call("GET", "/v2.0/ports?fields=status&"
                          "fields=seam:status_detail")["ports"]:
            st[p.get("status")] = st.get(p.get("status"), 0) + 1
            if p.get("seam:status_detail"):
                k = re.sub(r"\btap[0-9a-f-]+", "tapID",
                           p["seam:status_detail"])
                k = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", k)[:200]
                why[k] = why.get(k, 0) + 1
        res["port_status"] = st
        res["port_status_detail"] = why
        procs.check_alive()
        res["ok"] = True
    except BaseException as e:      # noqa: B902 - record every failure
        res["ok"] = False
        res["error"] = "%s: %s" % (type(e).__name__, e)
        log("FAILED:", res["error"])
        for fn in ("seamd.log", "seamd.stderr"):
            try:
                with open(os.path.join(tmp, fn), errors="replace") as f:
                    res.setdefault("seamd_log_tail", []).extend(
                        f.read().splitlines()[-15:])
            except OSError:
                pass
    finally:
        res["loadavg_end"] = os.getloadavg()
        if watcher:
            watcher.close()
        procs.stop(["seamd", "vtepdb"])
        if a.keep:
            keep_logs(tmp, a.keep)
        shutil.rmtree(tmp, ignore_errors=True)
    line = json.dumps(res, sort_keys=True)
    if a.out:
        with open(a.out, "a") as f:
            f.write(line + "\n")
    print(line)
    return 0 if res["ok"] else 1


def resource_self():
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def dsub(b, a):
    return {k: round(b[k] - a.get(k, 0.0), 3) for k in b}


def kib_mib(d):
    return {k: round(v / 1024, 1) for k, v in d.items()}


def keep_logs(tmp, dest):
    os.makedirs(dest, exist_ok=True)
    for fn in os.listdir(tmp):
        if fn.endswith(".log") or fn.endswith(".stderr"):
            shutil.copy(os.path.join(tmp, fn), dest)


def mock_main(argv):
    """A stand-in for seamd, to test this benchmark before seamd exists (not
    a figure of anything): the REST calls the run makes, and for each port
    one transaction on every other VTEP of its network, over a TCP session
    per VTEP.  Takes seamd's flags; needs no --state-dir content."""
    import http.server
    import uuid as uuidmod
    ap = argparse.ArgumentParser(prog="mock-seamd")
    ap.add_argument("--listen")
    ap.add_argument("--state-dir")
    ap.add_argument("--run-dir")
    ap.add_argument("--token")
    ap.add_argument("--log-file")
    a, _ = ap.parse_known_args(argv)
    host, port = a.listen.rsplit(":", 1)
    import threading
    lock = threading.Lock()
    vteps = {}          # host -> dict(name, target, tunnel_ip, sock, ...)
    nets = {}           # id -> dict(vni, vteps={host: ls uuid})
    ports = []

    def tx(v, ops):
        if "sock" not in v:
            h, p = v["target"].split(":")[1:]
            v["sock"] = socket.create_connection((h, int(p)))
            v["buf"] = b""
            v["locs"] = {}
        v["sock"].sendall(json.dumps({"method": "transact", "id": 1,
                                      "params": ["hardware_vtep"] + ops}
                                     ).encode())
        dec = json.JSONDecoder()
        while True:
            try:
                msg, end = dec.raw_decode(v["buf"].decode())
                v["buf"] = v["buf"][end:]
                if msg.get("id") == 1:
                    return msg["result"]
                continue
            except ValueError:
                pass
            v["buf"] += v["sock"].recv(1 << 20)

    def umr(v, ls, m, ip):
        ops, ref = [], None
        if ip in v["locs"]:
            ref = ["uuid", v["locs"][ip]]
        else:
            ops.append({"op": "insert", "table": "Physical_Locator",
                        "uuid-name": "loc", "row": {
                            "dst_ip": ip,
                            "encapsulation_type": "vxlan_over_ipv4"}})
            ref = ["named-uuid", "loc"]
        ops.append({"op": "insert", "table": "Ucast_Macs_Remote", "row": {
            "MAC": m, "logical_switch": ["uuid", ls], "locator": ref}})
        r = tx(v, ops)
        if ip not in v["locs"]:
            v["locs"][ip] = r[0]["uuid"][1]

    def place(p):
        net = nets[p["network_id"]]
        h = p["binding:host_id"]
        if h not in net["vteps"]:
            v = vteps[h]
            r = tx(v, [{"op": "insert", "table": "Logical_Switch", "row": {
                "name": p["network_id"], "tunnel_key": net["vni"]}}])
            net["vteps"][h] = r[0]["uuid"][1]
            for q in ports:         # the new VTEP gets the network's MACs
                if q["network_id"] == p["network_id"] and \
                        q["binding:host_id"] != h:
                    umr(v, net["vteps"][h], q["mac_address"],
                        vteps[q["binding:host_id"]]["tunnel_ip"])
        for oh, ls in net["vteps"].items():
            if oh != h:
                umr(vteps[oh], ls, p["mac_address"], vteps[h]["tunnel_ip"])
        p["id"] = str(uuidmod.uuid4())
        p["status"] = "ACTIVE"
        ports.append(p)
        return p

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1

        def log_message(self, *x):
            pass

        def reply(self, code, obj):
            b = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)
            self.wfile.flush()

        def do_GET(self):
            if self.path.startswith("/v2.0/ports"):
                return self.reply(200, {"ports": ports})
            self.reply(200, {"networks": list(nets)})

        def do_POST(self):
            body = json.loads(self.rfile.read(
                int(self.headers["Content-Length"])))
            with lock:
                self.post(body)

        def post(self, body):
            if self.path == "/v2.0/seam/vteps":
                v = dict(body["vtep"])
                vteps[v["host"]] = v
                tx(v, [])               # open the session now
                return self.reply(201, {"vtep": {"name": v["name"]}})
            if self.path == "/v2.0/networks":
                i = str(uuidmod.uuid4())
                nets[i] = {"vni": body["network"][
                    "provider:segmentation_id"], "vteps": {}}
                return self.reply(201, {"network": {"id": i}})
            if self.path == "/v2.0/subnets":
                return self.reply(201, {"subnet": {}})
            if "ports" in body:
                return self.reply(201, {"ports": [place(p) for p in
                                                  body["ports"]]})
            self.reply(201, {"port": place(body["port"])})

    http.server.ThreadingHTTPServer((host, int(port)), H).serve_forever()


def _med(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


TABLE_ROWS = [
    # (label, function of a run, format)
    ("all ports: first REST/CLI call -> every VTEP has its rows, s",
     lambda d: d["a"]["converge_s"], "%.2f"),
    ("  of which the API/CLI calls (or NB writes), s",
     lambda d: d["a"].get("rest_s", d["a"].get("nbctl_s", 0) +
                          d["a"].get("nb_wait_sb_s", 0) +
                          d["a"].get("sbctl_bind_s", 0)), "%.2f"),
    ("  first VTEP complete, s", lambda d: d["a"]["first_vtep_s"], "%.2f"),
    ("+1 port -> every VTEP of its network has it, s",
     lambda d: d["b"]["latency_s"], "%.3f"),
    ("CPU s of all daemons (t0 -> idle after +1 port)",
     lambda d: d["total_cpu_s"], "%.2f"),
    ("peak RSS MiB of all daemons (sum of VmHWM)",
     lambda d: d["total_hwm_mib"], "%.0f"),
    ("daemon processes", lambda d: d["n_core_procs"], "%d"),
    ("VTEP servers: CPU s / peak RSS MiB (apart)",
     lambda d: (d.get("cpu_a_plus_b_schedstat", d["cpu_a_plus_b"])["vtepdb"],
                d["vmhwm_mib"]["vtepdb"]),
     "%.2f / %.0f"),
    ("API/CLI client processes: CPU s (apart)",
     lambda d: d["client_cpu_s"], "%.2f"),
    ("Ucast_Macs_Remote rows on all VTEPs (missing, extra)",
     lambda d: (d["vtepdb_after_b"]["umr_total"],
                d["vtepdb_after_b"]["missing_total"],
                d["vtepdb_after_b"]["extra_total"]), "%d (%d, %d)"),
    ("  of which with ipaddr (ARP suppression)",
     lambda d: d["vtepdb_after_b"]["umr_with_ipaddr"], "%d"),
    ("Mcast_Macs_Remote rows on all VTEPs (locators per row)",
     lambda d: (d["vtepdb_after_b"]["mmr_total"],
                (d["vtepdb_after_b"]["mmr_locator_counts"] or [0])[-1]),
     "%d (%d)"),
    ("ports ACTIVE at the end (seamd's status)",
     lambda d: d["port_status"].get("ACTIVE", 0), "%d"),
    ("other processes' load before t0, CPUs busy (of %d)" % os.cpu_count(),
     lambda d: d.get("others_busy_cpus"), "%.2f"),
]


# the rows whose OVN/seamd ratio means something (lower is better for both)
RATIO_ROWS = set(r[0] for r in TABLE_ROWS[:6]) - {TABLE_ROWS[2][0]}


def _cell(runs, fn, fmt):
    vals = []
    for d in runs:
        try:
            vals.append(fn(d))
        except (KeyError, TypeError, IndexError):
            pass
    if not vals:
        return "", None
    if isinstance(vals[0], tuple):
        m = tuple(_med([v[k] for v in vals]) for k in range(len(vals[0])))
        return fmt % m, None
    m = _med(vals)
    if m is None:
        return "", None
    txt = fmt % m
    if len(vals) > 1 and min(vals) != max(vals) and "%d" not in fmt:
        txt += (" (" + fmt + "-" + fmt + ")") % (min(vals), max(vals))
    return txt, m


def table_main(argv):
    """Prints the side-by-side table (medians, min-max) of the JSON lines
    in the files 'argv': one column per (side, VTEPs, ports), and
    OVN/seamd when there is one of each."""
    runs, failed = {}, []
    for fn in argv:
        with open(fn) as f:
            for line in f:
                if not line.startswith("{"):
                    continue
                d = json.loads(line)
                if not d.get("ok"):
                    failed.append(d)
                    continue
                if d["side"] == "seamd":
                    key = (0, d["V"], d["ports"], d["batch"],
                           d.get("nb_direct", 0), d.get("conns", 1))
                else:
                    key = (1, d["V"], d["ports"], d["nb_batch"],
                           d["sb_batch"], 0)
                runs.setdefault(key, []).append(d)
    keys = sorted(runs)
    if not keys:
        print("no successful run")
    head = []
    for k in keys:
        h = "%s, %d VTEPs, %d ports" % ("seamd" if k[0] == 0 else "OVN",
                                        k[1], k[2])
        if k[0] == 0 and k[4]:
            h += ", written into the NB, %d per transaction" % k[4]
        elif k[0] == 0 and k[3] > 1:
            h += ", %d ports per POST" % k[3]
        if k[0] == 0 and k[5] > 1:
            h += ", %d connections" % k[5]
        elif k[0] == 1 and (k[3], k[4]) != (100, 100):
            h += ", ovn-nbctl/ovn-sbctl calls of %d/%d ports" % (k[3], k[4])
        head.append(h + " (%d run%s)" % (len(runs[k]),
                                         "" if len(runs[k]) == 1 else "s"))
    ovn = next((i for i, k in enumerate(keys) if k[0] == 1), None)
    seams = [i for i, k in enumerate(keys) if k[0] == 0] \
        if ovn is not None else []
    print("| | " + " | ".join(head) + "".join(
        " | OVN/seamd (col. %d)" % (i + 1) for i in seams) + " |")
    print("|---" * (len(keys) + 1 + len(seams)) + "|")
    verdict = {}
    for label, fn, fmt in TABLE_ROWS:
        cells = [_cell(runs[k], fn, fmt) for k in keys]
        row = "| %s | %s" % (label, " | ".join(c[0] for c in cells))
        for i in seams:
            a, b = cells[i][1], cells[ovn][1]
            row += " | %s" % ("%.1fx" % (b / a) if a and b and
                              label in RATIO_ROWS else "")
            verdict[(i, label)] = (a, b)
        print(row + " |")
    for i in seams:
        conv = verdict[(i, TABLE_ROWS[0][0])]
        mem = verdict[(i, TABLE_ROWS[5][0])]
        if conv[0] and conv[1] and mem[0] and mem[1]:
            print("\nTarget for col. %d (converge at least 2x faster than "
                  "OVN, col. %d, with less memory): %s (%.1fx faster, %.0f "
                  "against %.0f MiB)" % (
                      i + 1, ovn + 1,
                      "met" if conv[1] >= 2 * conv[0] and mem[0] < mem[1]
                      else "NOT met", conv[1] / conv[0], mem[0], mem[1]))
    for d in failed:
        print("\nFAILED run: %s V=%s %s: %s" % (d.get("side"), d.get("V"),
                                              d.get("label"), d.get("error")))
    return 1 if failed else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda n, f: sys.exit(128 + n))
    if len(sys.argv) > 1 and sys.argv[1] == "watch":
        sys.exit(watch_main(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        sys.exit(seamd_main(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "mock-seamd":
        sys.exit(mock_main(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "table":
        sys.exit(table_main(sys.argv[2:]))
    sys.exit("usage: seamd-convergence.py run|watch|table ...")
