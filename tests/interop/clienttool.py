"""Drives build/seam-ovsdb-client (src/tools/seam-ovsdb-client.c), the tool
on seam's OVSDB client library (src/ovsdb/client.h), from the interop tests.

`ClientTool` runs `seam-ovsdb-client ... script` with pipes: `cmd()` writes
one JSON command line and returns the next reply line; {"event": ...} lines
that arrive in between (state changes, lock held/lost) are kept in `events`.
Script commands and their replies:

  {"cmd":"wait-synced","timeout":MS} -> {"synced","remote","stats"}
  {"cmd":"dump"} -> {"dump": {"Table": {"uuid": {column: value}}}, "synced"}
  {"cmd":"stats"} -> {"stats": {n_connects, n_syncs, rows_received, n_resumed, method}}
  {"cmd":"insert","table","row"} -> {"status","uuid","tries"[,"error"][,"already"]}
  {"cmd":"update","table","uuid","row","verify":[cols]}   {"cmd":"delete","table","uuid"}
  {"cmd":"mutate","table","uuid","column","add":bool,"value"}
  {"cmd":"changes","table"} -> {"changes":[{"kind","uuid","row","columns"}]} (clears all tables)
  {"cmd":"condition","table","where"}  {"cmd":"lock","name","steal"}  {"cmd":"unlock","name"}
  {"cmd":"run","ms"}  {"cmd":"quit"}

Like the servers, the tool runs with ASAN_OPTIONS/UBSAN_OPTIONS log_path in
its own directory, and `sanitizer_reports()` returns what appeared there.
"""

import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import seamtest as st


def tool_binary():
    p = st.seam_build_dir() / "seam-ovsdb-client"
    if p.is_file() and os.access(p, os.X_OK):
        return p
    return None


def tool_skip_reason():
    return ("seam-ovsdb-client not built yet: %s/seam-ovsdb-client does not exist "
            "(run `make` or set SEAM_BUILD)" % st.seam_build_dir())


def tool_env(d):
    e = dict(os.environ)
    e["ASAN_OPTIONS"] = "detect_leaks=1:log_path=%s" % (Path(d) / "asan")
    e["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:log_path=%s" % (Path(d) / "ubsan")
    return e


def tool_args(db, remotes, tables=(), conditions=(), extra=()):
    args = ["--db=%s" % db] + ["--remote=%s" % r for r in remotes]
    args += ["--table=%s" % t for t in tables]
    args += ["--condition=%s:%s" % (t, json.dumps(c)) for t, c in conditions]
    return args + list(extra)


def sanitizer_reports(d, stderr_text=""):
    reports = []
    d = Path(d)
    for f in sorted(d.glob("asan*")) + sorted(d.glob("ubsan*")):
        reports.append("%s:\n%s" % (f.name, f.read_text(errors="replace")))
    if any(m in stderr_text for m in st.SAN_MARKERS):
        reports.append("stderr:\n%s" % stderr_text[-8000:])
    return reports


def run_tool(d, args, timeout=30):
    """Run the tool to completion (dump, --help); returns CompletedProcess."""
    b = tool_binary()
    assert b, tool_skip_reason()
    return subprocess.run([str(b)] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=timeout, env=tool_env(d), cwd=str(d),
                          stdin=subprocess.DEVNULL)


class ToolExited(Exception):
    pass


class ClientTool:
    """One `seam-ovsdb-client script` process in directory `d`."""

    def __init__(self, d, db, remotes, tables=(), conditions=(), extra=(),
                 log_level="info", command="script"):
        b = tool_binary()
        assert b, tool_skip_reason()
        self.dir = Path(d)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db = db
        self.stderr_path = self.dir / "tool.stderr"
        self.args = ([str(b)] + tool_args(db, remotes, tables, conditions, extra)
                     + ["--log-level=%s" % log_level, "--max-backoff=400", command])
        self.err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err,
                                     env=tool_env(self.dir), cwd=str(self.dir))
        self.lines = queue.Queue()
        self.events = []
        self.output = []            # every line read, for diagnostics
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.returncode = None

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.decode(errors="replace"))
        self.lines.put(None)

    @property
    def pid(self):
        return self.proc.pid

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def _next(self, timeout):
        try:
            line = self.lines.get(timeout=max(timeout, 0))
        except queue.Empty:
            raise AssertionError("no output from seam-ovsdb-client within %.1fs\n%s"
                                 % (timeout, self.diagnostics()))
        if line is None:
            self.lines.put(None)
            raise ToolExited("seam-ovsdb-client closed its output (rc=%s)\n%s"
                             % (self.proc.poll(), self.diagnostics()))
        self.output.append(line.rstrip("\n"))
        return json.loads(line)

    def diagnostics(self):
        return "--- output (last 20 lines)\n%s\n--- stderr (last 40 lines)\n%s" % (
            "\n".join(self.output[-20:]), "\n".join(self.stderr().splitlines()[-40:]))

    def send(self, cmd, **kw):
        """Send one command without waiting for its reply (see reply())."""
        if isinstance(cmd, str):
            cmd = dict(kw, cmd=cmd)
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        self.proc.stdin.flush()

    def cmd(self, cmd, timeout=60.0, **kw):
        """Send one command (a dict, or a name with keyword members) and
        return its reply."""
        self.send(cmd, **kw)
        return self.reply(timeout)

    def reply(self, timeout=60.0):
        """The next reply line (events that come first go to self.events)."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self._next(deadline - time.monotonic())
            if "event" in msg:
                self.events.append(msg)
                continue
            return msg

    def run(self, ms):
        return self.cmd("run", ms=ms)

    def run_until(self, pred, timeout=20.0, what="condition", step_ms=50):
        """Run the tool's loop in small steps until pred() is true."""
        deadline = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() > deadline:
                raise AssertionError("timed out after %.1fs waiting for %s\n%s"
                                     % (timeout, what, self.diagnostics()))
            self.run(step_ms)

    def wait_synced(self, timeout_ms=15000):
        r = self.cmd({"cmd": "wait-synced", "timeout": timeout_ms}, timeout=timeout_ms / 1000.0 + 30)
        assert r["synced"], "not synced within %d ms: %r\n%s" % (timeout_ms, r, self.diagnostics())
        return r

    def stats(self):
        return self.cmd("stats")["stats"]

    def dump(self):
        return self.cmd("dump")["dump"]

    def insert(self, table, row, **kw):
        return self.cmd("insert", table=table, row=row, **kw)

    def update(self, table, uuid, row, **kw):
        return self.cmd("update", table=table, uuid=uuid, row=row, **kw)

    def delete(self, table, uuid):
        return self.cmd("delete", table=table, uuid=uuid)

    def mutate(self, table, uuid, column, add, value):
        return self.cmd("mutate", table=table, uuid=uuid, column=column, add=add, value=value)

    def changes(self, table):
        return self.cmd("changes", table=table)["changes"]

    def events_of(self, kind):
        return [e for e in self.events if e.get("event") == kind]

    def quit(self, timeout=20.0):
        """Ask the tool to quit; return its exit code."""
        if self.proc.poll() is None:
            try:
                self.cmd("quit", timeout=timeout)
            except (ToolExited, BrokenPipeError, AssertionError):
                pass
        return self.wait(timeout)

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout=20.0):
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError("seam-ovsdb-client (pid %d) did not exit\n%s"
                                 % (self.proc.pid, self.diagnostics()))
        return self.returncode

    def close(self):
        """Stop the tool (by pid) if still running; close the pipes."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except (OSError, ValueError):
                pass
        self.err.close()
        return self.proc.returncode

    def sanitizer_reports(self):
        return sanitizer_reports(self.dir, self.stderr())


def replica_rows(dump, table):
    """{uuid: row} of `table` in a tool dump."""
    return dump.get(table, {})


def ovs_dump_json(remote, db, tables=None):
    """A fresh `ovsdb-client --format=json dump` as {table: {uuid: {col: value}}}
    with values in RFC 7047 JSON (--data=json)."""
    p = st.ovsdb_client("--format=json", "--data=json", "dump", remote, db)
    out = {}
    for chunk in _json_texts(p.stdout):
        caption = chunk.get("caption", "")
        name = caption.split()[0] if caption else None
        heads = chunk["headings"]
        rows = {}
        for data in chunk["data"]:
            row = dict(zip(heads, data))
            u = row.pop("_uuid")[1]
            row.pop("_version", None)
            rows[u] = row
        if tables is None or name in tables:
            out[name] = rows
    return out


def _json_texts(text):
    dec = json.JSONDecoder()
    i = 0
    out = []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.append(obj)


def canon_value(v):
    """Sets and maps in a canonical order (servers order UUID sets by value,
    which both do the same way, but be safe)."""
    if isinstance(v, list) and len(v) == 2 and v[0] in ("set", "map"):
        items = sorted(v[1], key=lambda x: json.dumps(x, sort_keys=True))
        if v[0] == "set" and len(items) == 1:
            return items[0]
        return [v[0], items]
    return v


def canon_dump(dump, tables=None, columns=None):
    """{table: {uuid: {col: value}}} with canonical values; empty tables kept
    only if named in `tables`; only `columns[table]` if given."""
    out = {}
    for t, rows in dump.items():
        if tables is not None and t not in tables:
            continue
        out[t] = {}
        for u, row in rows.items():
            cols = columns.get(t) if columns else None
            out[t][u] = {c: canon_value(v) for c, v in row.items()
                         if cols is None or c in cols}
    return out


def converge(tool, remote, tables=None, columns=None, timeout=20.0):
    """Run `tool` until its replica (of `tables`, and of `columns` {table:
    [names]} if given) equals a fresh ovsdb-client dump of `remote`; on a
    timeout, fail showing both."""
    last = {}

    def same():
        last["want"] = canon_dump(ovs_dump_json(remote, tool.db, tables), columns=columns)
        last["got"] = canon_dump(tool.dump(), tables)
        return last["got"] == last["want"]
    try:
        tool.run_until(same, timeout=timeout, what="the replica to equal ovsdb-client dump")
    except AssertionError:
        st.assert_same(last.get("got"), last.get("want"), "replica", "ovsdb-client dump")
        raise
