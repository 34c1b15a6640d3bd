#!/usr/bin/env python3
"""Raw JSON-RPC (RFC 7047) load generator for any OVSDB server serving hardware_vtep.

It measures the server, not the client: every transaction is serialized before the
clock starts, a monitor running during the load only counts bytes (no JSON parsing),
and the server's own CPU time and RSS are read from /proc when --server-pid is given.

What one run does, against a server that already serves an (empty or not) hardware_vtep DB:
  1. (optional, --live-monitor) a child process opens a monitor on Ucast_Macs_Remote
     [MAC] and counts the row updates it receives during the load;
  2. inserts --rows Ucast_Macs_Remote rows into one new Logical_Switch, --batch rows
     per transaction (0 = everything in ONE transaction), --window transactions in
     flight (1 = wait for each reply). Each MAC row gets its own Physical_Locator
     (inserted in the same transaction, named-uuid) unless --locators K > 0, in which
     case K locators are shared round-robin (rows >= K reference existing locators);
  3. a fresh client sends "monitor" for the whole Ucast_Macs_Remote table and times
     the initial reply (last byte received, and fully parsed + row count checked);
     --no-fresh-monitor skips this step (the load only fills the DB).
Output: one JSON line on stdout.

  ovsdb_load.py --socket /path/db.sock --rows 10000 --batch 100 [--server-pid PID]
  ovsdb_load.py --remote tcp:127.0.0.1:6640 ...   (tcp also works)
"""
import argparse, json, os, re, select, socket, sys, time, uuid as uuidmod

DB = "hardware_vtep"


def connect(remote):
    if remote.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(remote[5:])
    elif remote.startswith("tcp:"):
        host, port = remote[4:].rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    else:
        s = socket.socket(socket.AF_UNIX)
        s.connect(remote)
    return s


class Conn:
    """Minimal JSON-RPC stream: messages are concatenated JSON objects, no framing."""

    def __init__(self, remote):
        self.s = connect(remote)
        self.buf = b""
        self.dec = json.JSONDecoder()
        self.next_id = 0
        self.last_rx = 0.0

    def send_raw(self, data):
        self.s.sendall(data)

    def request(self, method, params):
        self.next_id += 1
        return self.next_id, json.dumps({"method": method, "params": params, "id": self.next_id}).encode()

    def _pending(self):
        r, _, _ = select.select([self.s], [], [], 0)
        return bool(r)

    def _looks_complete(self, tail):
        """Cheap test of whether the buffer may end a whole reply or notification:
        '"error":null}' (replies), '"id":N}' / '"id":null}' (any key order)."""
        t = tail.rstrip()
        return t.endswith(b"null}") or re.search(rb'"id":\s*\d+\s*}$', t) is not None

    def recv_msg(self):
        """Return the next message; answers echo requests itself.  A big reply (a
        100k-row monitor is ~30 MB) must not be re-parsed on every chunk, so a parse
        is tried only when the stream pauses on something that looks like the end of
        a message, or has doubled since the last failed try, or has been quiet for
        50 ms.  Chunks are kept in a list so that they are not re-copied either."""
        parts = [self.buf]
        size = len(self.buf)
        tail = self.buf[-64:]
        failed_at = 0
        while True:
            if tail.rstrip().endswith(b"}") and not self._pending() and (
                    self._looks_complete(tail) or size >= 2 * failed_at
                    or not select.select([self.s], [], [], 0.05)[0]):
                b = b"".join(parts).lstrip()
                parts = [b]
                try:
                    text = b.decode()
                    obj, end = self.dec.raw_decode(text)
                except ValueError:
                    obj = None
                    failed_at = size
                if obj is not None:
                    self.buf = text[end:].encode()
                    if obj.get("method") == "echo":
                        self.send_raw(json.dumps({"id": obj["id"], "result": obj["params"], "error": None}).encode())
                        parts, size, tail, failed_at = [self.buf], len(self.buf), self.buf[-64:], 0
                        continue
                    return obj
            chunk = self.s.recv(1 << 22)
            if not chunk:
                raise EOFError("server closed the connection")
            self.last_rx = time.perf_counter()
            parts.append(chunk)
            size += len(chunk)
            tail = (tail + chunk)[-64:]

    def call(self, method, params):
        rid, data = self.request(method, params)
        self.send_raw(data)
        while True:
            m = self.recv_msg()
            if m.get("id") == rid:
                return m


def proc_stat(pid):
    """(utime+stime seconds, VmRSS KiB) of a process, or (None, None)."""
    if not pid:
        return None, None
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return cpu, rss


OFFSET = 0


def mac(i):
    i += OFFSET
    return "02:%02x:%02x:%02x:%02x:%02x" % ((i >> 32) & 255, (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255)


def ip(i):
    i += OFFSET
    return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)


def live_monitor(remote, expect, wfd, tag):
    """Child: monitor Ucast_Macs_Remote[MAC]; count '"new":' occurrences (one per row
    insert) without parsing; write 'ready' then the perf_counter time of completion."""
    c = Conn(remote)
    rep = c.call("monitor", [DB, tag, {"Ucast_Macs_Remote": {"columns": ["MAC"], "select": {"initial": False, "insert": True, "delete": False, "modify": False}}}])
    if rep.get("error"):
        os.write(wfd, b"error %s\n" % json.dumps(rep).encode())
        return
    os.write(wfd, b"ready\n")
    n, tail, key = 0, b"", b'"new":'
    c.s.setblocking(True)
    # Row updates only (echo is not sent on unix sockets; on tcp the 5 s probe would
    # need an answer, which we give if we see one).
    while n < expect:
        chunk = c.s.recv(1 << 22)
        if not chunk:
            break
        data = tail + chunk
        n += data.count(key)
        tail = data[-(len(key) - 1):]
        if b'"method":"echo"' in data:
            c.send_raw(b'{"id":"echo","result":[],"error":null}')
    os.write(wfd, ("%r %d\n" % (time.perf_counter(), n)).encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--socket", help="unix socket path (same as --remote unix:PATH)")
    ap.add_argument("--remote", help="unix:PATH or tcp:HOST:PORT")
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=100, help="rows per transaction, 0 = one transaction")
    ap.add_argument("--window", type=int, default=1, help="transactions in flight")
    ap.add_argument("--locators", type=int, default=0, help="K shared locators (0 = one per row)")
    ap.add_argument("--server-pid", type=int, default=0, help="read CPU/RSS of this pid from /proc")
    ap.add_argument("--live-monitor", action="store_true", help="time a monitor that is open during the load")
    ap.add_argument("--offset", type=int, default=0, help="first MAC/locator number (to run twice on one DB)")
    ap.add_argument("--ls-name", default=None, help="Logical_Switch name (default: random)")
    ap.add_argument("--no-fresh-monitor", action="store_true",
                    help="skip step 3 (only load the rows, e.g. to prepare a DB for a client benchmark)")
    a = ap.parse_args()
    global OFFSET
    OFFSET = a.offset
    remote = a.remote or ("unix:" + a.socket if a.socket else None)
    if not remote:
        ap.error("--socket or --remote is required")
    n, batch = a.rows, (a.batch or a.rows)
    out = {"remote": remote, "rows": n, "batch": a.batch, "window": a.window, "locators": a.locators or "per-row"}

    c = Conn(remote)
    dbs = c.call("list_dbs", [])["result"]
    assert DB in dbs, dbs
    ls_name = a.ls_name or "bench-" + uuidmod.uuid4().hex[:8]
    rep = c.call("transact", [DB, {"op": "insert", "table": "Logical_Switch", "row": {"name": ls_name, "tunnel_key": 5000}}])
    ls_uuid = rep["result"][0]["uuid"][1]
    cpu0, rss0 = proc_stat(a.server_pid)
    out["rss_before_kib"] = rss0

    # Live monitor child, started before the clock.
    mon_pid = None
    if a.live_monitor:
        rfd, wfd = os.pipe()
        mon_pid = os.fork()
        if mon_pid == 0:
            os.close(rfd)
            try:
                live_monitor(remote, n, wfd, "live")
            finally:
                os._exit(0)
        os.close(wfd)
        rf = os.fdopen(rfd)
        line = rf.readline().strip()
        if line != "ready":
            sys.exit("live monitor failed: " + line)

    # Pre-build every transaction.
    K = a.locators
    loc_uuid = {}  # shared mode: locator index -> real uuid, filled from replies

    def build(lo, hi, resolve):
        ops = [DB]
        for i in range(lo, hi):
            if K and i >= K:
                loc = ["uuid", resolve(i % K)]
            else:
                ops.append({"op": "insert", "table": "Physical_Locator", "uuid-name": "l%d" % i,
                            "row": {"dst_ip": ip(i), "encapsulation_type": "vxlan_over_ipv4"}})
                loc = ["named-uuid", "l%d" % i]
            ops.append({"op": "insert", "table": "Ucast_Macs_Remote",
                        "row": {"MAC": mac(i), "ipaddr": "", "logical_switch": ["uuid", ls_uuid], "locator": loc}})
        return ops

    ranges = [(lo, min(lo + batch, n)) for lo in range(0, n, batch)]
    if K:
        # Phase A: rows < K create the locators; must finish before phase B can reference them.
        phase_a = [(lo, min(hi, K)) for lo, hi in ranges if lo < K]
        phase_b = [(max(lo, K), hi) for lo, hi in ranges if hi > K]
    else:
        phase_a, phase_b = ranges, []

    def encode(rng, resolve=None):
        reqs = []
        for lo, hi in rng:
            rid, data = c.request("transact", build(lo, hi, resolve))
            reqs.append((rid, lo, hi, data))
        return reqs

    def run(reqs):
        """Send with a window, collect replies, return number of rows committed."""
        inflight, i, done = {}, 0, 0
        while i < len(reqs) or inflight:
            while i < len(reqs) and len(inflight) < a.window:
                rid, lo, hi, data = reqs[i]
                c.send_raw(data)
                inflight[rid] = (lo, hi)
                i += 1
            m = c.recv_msg()
            rid = m.get("id")
            if rid not in inflight:
                continue
            lo, hi = inflight.pop(rid)
            res = m.get("result")
            if m.get("error") or not isinstance(res, list) or any(r.get("error") for r in res if r):
                errs = [r for r in (res or []) if r and r.get("error")]
                sys.exit("transaction [%d,%d) failed: %s" % (lo, hi, json.dumps(m.get("error") or errs[:2])[:500]))
            if K:
                # insert results are in op order: for i < K a locator then a MAC row.
                j = 0
                for row in range(lo, hi):
                    if row < K:
                        loc_uuid[row] = res[j]["uuid"][1]
                        j += 2
                    else:
                        j += 1
            done += hi - lo
        return done

    reqs_a = encode(phase_a)
    ntx = len(reqs_a) + len(phase_b)
    t_build_b = 0.0
    t0 = time.perf_counter()
    done = run(reqs_a)
    if phase_b:
        tb = time.perf_counter()
        reqs_b = encode(phase_b, lambda k: loc_uuid[k])  # needs uuids from phase A
        t_build_b = time.perf_counter() - tb
        done += run(reqs_b)
    t1 = time.perf_counter()
    insert_s = t1 - t0 - t_build_b
    cpu1, rss1 = proc_stat(a.server_pid)
    out.update(transactions=ntx, insert_s=round(insert_s, 4), insert_last_byte_s=round(c.last_rx - t0 - t_build_b, 4), rows_per_s=round(done / insert_s))
    if cpu0 is not None:
        out.update(server_cpu_insert_s=round(cpu1 - cpu0, 3), rss_after_insert_kib=rss1)

    if mon_pid:
        line = rf.readline().split()
        os.waitpid(mon_pid, 0)
        if len(line) == 2:
            t_done, got = float(line[0]), int(line[1])
            out.update(live_monitor_rows=got, live_monitor_done_s=round(t_done - t0 - t_build_b, 4),
                       live_monitor_lag_s=round(t_done - t1, 4))
        else:
            out.update(live_monitor_error=" ".join(line))

    if a.no_fresh_monitor:
        print(json.dumps(out))
        return

    # Fresh monitor: initial dump of the whole table.
    m = Conn(remote)
    cpu2, _ = proc_stat(a.server_pid)
    t2 = time.perf_counter()
    rep = m.call("monitor", [DB, "dump", {"Ucast_Macs_Remote": {}}])
    t3 = time.perf_counter()
    cpu3, rss3 = proc_stat(a.server_pid)
    rows = len(rep["result"].get("Ucast_Macs_Remote", {}))
    out.update(monitor_rows=rows, monitor_last_byte_s=round(m.last_rx - t2, 4), monitor_parsed_s=round(t3 - t2, 4))
    if cpu2 is not None:
        out.update(server_cpu_monitor_s=round(cpu3 - cpu2, 3), rss_after_monitor_kib=rss3)
    m.s.close()
    time.sleep(0.2)
    _, rss4 = proc_stat(a.server_pid)
    out["rss_after_close_kib"] = rss4
    print(json.dumps(out))
    if rows < done:
        sys.exit("monitor saw %d rows, expected >= %d" % (rows, done))


if __name__ == "__main__":
    main()
