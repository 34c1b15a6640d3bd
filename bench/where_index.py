#!/usr/bin/env python3
"""Lookups by an indexed column: select, update and delete of one row by
Logical_Switch.name (a schema index of hardware_vtep) on a table of 100 rows
and of 100,000 rows, against seam-ovsdb and ovsdb-server, in one run.

seam-ovsdb answers a "where" with "==" on every column of a schema index (or
on _uuid) from the index, so a lookup costs the same whatever the table's
size; ovsdb-server scans the table.  Each figure is the median time of one
transaction, seen by a client that waits for each reply (unix socket).

  python3 bench/where_index.py                   # both servers, 100 and 100,000 rows
  SIZES=100,10000 OPS=200 python3 bench/where_index.py
Environment: SIZES (comma-separated row counts), OPS (transactions of each
kind per size, default 1000), SERVERS ("ovs seam"), SEAM (path to seam-ovsdb).
"""
import json, os, shutil, socket, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SCHEMA = "/usr/share/openvswitch/vtep.ovsschema"
SEAM = os.environ.get("SEAM", os.path.join(REPO, "build", "seam-ovsdb"))
SIZES = [int(x) for x in os.environ.get("SIZES", "100,100000").split(",")]
OPS = int(os.environ.get("OPS", "1000"))
SERVERS = os.environ.get("SERVERS", "ovs seam").split()
DB = "hardware_vtep"
LS = "Logical_Switch"


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.buf = b""
        self.dec = json.JSONDecoder()
        self.n = 0

    def call(self, method, params):
        self.n += 1
        self.s.sendall(json.dumps({"method": method, "params": params, "id": self.n}).encode())
        while True:
            text = self.buf.decode()
            try:
                msg, end = self.dec.raw_decode(text.lstrip())
                self.buf = text.lstrip()[end:].encode()
                if msg.get("id") == self.n:
                    return msg
                continue
            except ValueError:
                pass
            data = self.s.recv(1 << 20)
            if not data:
                raise RuntimeError("server closed the connection")
            self.buf += data

    def transact(self, *ops):
        r = self.call("transact", [DB] + list(ops))
        if r.get("error") or any("error" in x for x in r["result"] if x):
            raise RuntimeError("transaction failed: %r" % r)
        return r["result"]


def start(side, d):
    db, sock = os.path.join(d, "vtep.db"), os.path.join(d, "db.sock")
    if side == "ovs":
        subprocess.run(["ovsdb-tool", "create", db, SCHEMA], check=True)
        cmd = ["ovsdb-server", "--no-chdir", "--unixctl=%s/ctl" % d,
               "--log-file=%s/server.log" % d, "--remote=punix:" + sock, db]
    else:
        subprocess.run([SEAM, "create", db, SCHEMA], check=True)
        cmd = [SEAM, "--remote=punix:" + sock, "--log-file=%s/server.log" % d, db]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(sock):
            return p, sock
        time.sleep(0.1)
    p.kill()
    raise RuntimeError("%s did not start" % side)


def fill(c, n):
    for i in range(0, n, 1000):
        c.transact(*[{"op": "insert", "table": LS, "row": {"name": "ls%d" % j, "tunnel_key": j}}
                     for j in range(i, min(n, i + 1000))])


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(c, pid, ops_of):
    """(median seconds, server CPU seconds per transaction) of OPS
    transactions, the i-th made of ops_of(i)."""
    times = []
    cpu0 = cpu_seconds(pid)
    for i in range(OPS):
        ops = ops_of(i)
        t0 = time.perf_counter()
        c.transact(*ops)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), (cpu_seconds(pid) - cpu0) / OPS


def measure(side, n):
    d = tempfile.mkdtemp(prefix="seam-where.")
    p = None
    try:
        p, sock = start(side, d)
        c = Conn(sock)
        fill(c, n)
        step = max(1, n // OPS)
        name = lambda i: "ls%d" % ((i * step) % n)
        out = {
            "select": timed(c, p.pid, lambda i: [{"op": "select", "table": LS, "where": [["name", "==", name(i)]],
                                           "columns": ["tunnel_key"]}]),
            "update": timed(c, p.pid, lambda i: [{"op": "update", "table": LS, "where": [["name", "==", name(i)]],
                                           "row": {"tunnel_key": -i - 1}}]),
            "delete": timed(c, p.pid, lambda i: [{"op": "delete", "table": LS, "where": [["name", "==", name(i)]]}]),
        }
        return out
    finally:
        if p:
            p.terminate()
            p.wait(10)
        shutil.rmtree(d, ignore_errors=True)


def main():
    res = {}
    for side in SERVERS:
        if side == "seam" and not os.access(SEAM, os.X_OK):
            print("seam-ovsdb not built: run make", file=sys.stderr)
            continue
        for n in SIZES:
            res[side, n] = measure(side, n)
            print("%s %d rows: %s" % (side, n, json.dumps(res[side, n])), file=sys.stderr)
    print("Lookup by indexed column (Logical_Switch.name ==): median ms per transaction")
    print("seen by the client / server CPU ms per transaction; %d transactions of each kind:" % OPS)
    print()
    print("| operation | " + " | ".join("%s, %s rows" % (s, format(n, ",")) for s in SERVERS
                                       for n in SIZES) + " |")
    print("|---" * (1 + len(SERVERS) * len(SIZES)) + "|")
    for op in ("select", "update", "delete"):
        cells = ["%.3f / %.3f" % (res[s, n][op][0] * 1000, res[s, n][op][1] * 1000)
                 if (s, n) in res else "-" for s in SERVERS for n in SIZES]
        print("| %s | %s |" % (op, " | ".join(cells)))
    if len(SIZES) >= 2:
        print()
        for s in SERVERS:
            if all((s, n) in res for n in SIZES):
                ratios = ["%s %.2fx" % (op, res[s, SIZES[-1]][op][0] / res[s, SIZES[0]][op][0])
                          for op in ("select", "update", "delete")]
                print("%s: time at %s rows / time at %s rows: %s" % (
                    s, format(SIZES[-1], ","), format(SIZES[0], ","), ", ".join(ratios)))


if __name__ == "__main__":
    main()
