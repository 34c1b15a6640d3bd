"""Helpers for the seam-ovsdb interop suite (imported by conftest.py and the tests).

Everything here talks to a server only through its sockets, its files and the
stock Open vSwitch command-line tools, so the same helper drives ovsdb-server
("ovs") and seam-ovsdb ("seam").
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pylib"))
from seamcommon import build_dir, run_command, wait_until  # noqa: E402,F401

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DATA = HERE / "data"

VTEP_SCHEMA = Path("/usr/share/openvswitch/vtep.ovsschema")
TEST_SCHEMA = DATA / "seamtest.ovsschema"
OVSDB_SERVER = "/usr/sbin/ovsdb-server"
OVSDB_TOOL = "ovsdb-tool"
OVSDB_CLIENT = "ovsdb-client"
VTEP_CTL = "vtep-ctl"

IMPLS = ("ovs", "seam")
DEFAULT_TIMEOUT = 20.0


def seam_build_dir():
    return build_dir()


def seam_binary():
    """Path of seam-ovsdb, or None when it has not been built yet."""
    p = seam_build_dir() / "seam-ovsdb"
    if p.is_file() and os.access(p, os.X_OK):
        return p
    return None


def seam_skip_reason():
    return ("seam-ovsdb not built yet: %s/seam-ovsdb does not exist "
            "(run `make` or set SEAM_BUILD)" % seam_build_dir())


# ---------------------------------------------------------------------------
# Polling, processes
# ---------------------------------------------------------------------------

def run(cmd, timeout=DEFAULT_TIMEOUT, check=False, env=None, input=None):
    """Run a command, capture text output.  Never raises on a non-zero exit
    unless check=True."""
    return run_command(cmd, timeout=timeout, check=check, env=env, input=input)


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def can_connect(remote):
    kind, _, rest = remote.partition(":")
    try:
        if kind in ("unix",):
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(1)
            s.connect(rest)
        else:
            host, _, port = rest.rpartition(":")
            s = socket.create_connection((host, int(port)), timeout=1)
        s.close()
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# UUID normalisation
# ---------------------------------------------------------------------------

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
TOKEN_RE = re.compile(r"^<(\d+)>$")


class UuidMap:
    """Maps each distinct UUID to <0>, <1>, ... in order of appearance.

    One map is shared by everything that belongs together (a transcript, the
    replies of a transaction case and the dumps after it), so the same row has
    the same token everywhere.  Dicts are walked in sorted key order so that the
    member order a server happens to emit does not matter."""

    ZERO = "00000000-0000-0000-0000-000000000000"

    def __init__(self, fixed=()):
        """UUIDs in `fixed` (and the all-zero UUID) are kept as they are:
        they are literals chosen by the test, the same in every run."""
        self.fwd = {}
        self.rev = {}
        self.fixed = {u.lower() for u in fixed} | {self.ZERO}

    def token(self, u):
        u = u.lower()
        if u in self.fixed:
            return u
        if u not in self.fwd:
            t = "<%d>" % len(self.fwd)
            self.fwd[u] = t
            self.rev[t] = u
        return self.fwd[u]

    def known(self, u):
        return u.lower() in self.fwd

    def real(self, token):
        return self.rev[token]

    def text(self, s):
        return UUID_RE.sub(lambda m: self.token(m.group(0)), s)

    def obj(self, o):
        if isinstance(o, str):
            return self.text(o)
        if isinstance(o, list):
            return [self.obj(x) for x in o]
        if isinstance(o, dict):
            # Keys may be UUIDs too (rows in monitor updates): visit them in an
            # order that does not depend on unknown UUIDs' values.
            keys = sorted(o, key=lambda k: (self.mask(k), json.dumps(self.mask(o[k]),
                                                                    sort_keys=True), k))
            out = {}
            for k in keys:
                out[self.text(k)] = self.obj(o[k])
            return out
        return o

    def mask(self, o):
        """Like obj() but without assigning new tokens: unknown UUIDs become
        '<?>'.  Used as a sort key before tokens are assigned."""
        if isinstance(o, str):
            return UUID_RE.sub(lambda m: m.group(0).lower() if m.group(0).lower() in self.fixed
                               else self.fwd.get(m.group(0).lower(), "<?>"), o)
        if isinstance(o, list):
            return [self.mask(x) for x in o]
        if isinstance(o, dict):
            return {self.mask(k): self.mask(o[k]) for k in sorted(o)}
        return o


def normalize_uuids(text):
    return UuidMap().text(text)


def substitute_tokens(o, umap):
    """Replace "<N>" strings (tokens of an earlier reply) by the real UUIDs,
    so a corpus case can refer to rows inserted by an earlier transaction."""
    if isinstance(o, str):
        m = TOKEN_RE.match(o)
        if m and o in umap.rev:
            return umap.real(o)
        return o
    if isinstance(o, list):
        return [substitute_tokens(x, umap) for x in o]
    if isinstance(o, dict):
        return {k: substitute_tokens(v, umap) for k, v in o.items()}
    return o


LOG_PREFIX_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\|\d+\|", re.M)


def normalize_log_prefix(text):
    return LOG_PREFIX_RE.sub("<ts>|", text)


# ---------------------------------------------------------------------------
# Raw JSON-RPC client (RFC 7047 framing: concatenated JSON texts)
# ---------------------------------------------------------------------------

class ConnectionClosed(Exception):
    pass


def connect_socket(remote, timeout=5.0):
    kind, _, rest = remote.partition(":")
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(timeout)
        s.connect(rest)
    elif kind == "tcp":
        host, _, port = rest.rpartition(":")
        s = socket.create_connection((host, int(port)), timeout=timeout)
    else:
        raise ValueError("unsupported remote %r" % remote)
    return s


class Rpc:
    """Minimal JSON-RPC 1.0 client.  Replies to the server's "echo" requests,
    queues notifications ("update", "update2", ...) in self.notifications."""

    def __init__(self, remote, timeout=10.0):
        self.remote = remote
        self.timeout = timeout
        self.sock = connect_socket(remote, timeout)
        self.buf = b""
        self.next_id = 0
        self.notifications = []
        self.pending = {}
        self._dec = json.JSONDecoder()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, msg):
        self.send_raw(json.dumps(msg, separators=(",", ":")).encode())

    def request(self, method, params):
        self.next_id += 1
        self.send({"method": method, "params": params, "id": self.next_id})
        return self.next_id

    def _try_parse(self):
        s = self.buf.lstrip()
        if not s:
            self.buf = b""
            return None
        # Decode lazily: the buffer may end in the middle of a UTF-8 sequence.
        text = s.decode("utf-8", errors="surrogatepass")
        try:
            obj, end = self._dec.raw_decode(text)
        except ValueError:
            return None
        self.buf = text[end:].encode("utf-8", errors="surrogatepass")
        return obj

    def recv_msg(self, timeout=None):
        """Next message from the server.  Raises ConnectionClosed on EOF and
        socket.timeout when nothing complete arrives in time."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            msg = self._try_parse()
            if msg is not None:
                if isinstance(msg, dict) and msg.get("method") == "echo" and "id" in msg \
                        and msg["id"] is not None:
                    self.send({"result": msg.get("params", []), "error": None, "id": msg["id"]})
                    continue
                return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no complete message within the deadline")
            self.sock.settimeout(left)
            data = self.sock.recv(1 << 20)
            if not data:
                raise ConnectionClosed("server closed the connection")
            self.buf += data

    def wait_reply(self, rid, timeout=None):
        if rid in self.pending:
            return self.pending.pop(rid)
        while True:
            msg = self.recv_msg(timeout)
            if isinstance(msg, dict) and "method" in msg and msg.get("id") is None:
                self.notifications.append(msg)
                continue
            if isinstance(msg, dict) and msg.get("id") == rid:
                return msg
            if isinstance(msg, dict) and "id" in msg:
                self.pending[msg["id"]] = msg
                continue
            raise AssertionError("unexpected message from server: %r" % (msg,))

    def call(self, method, params, timeout=None):
        """Send a request, return the whole reply object (with "id")."""
        return self.wait_reply(self.request(method, params), timeout)

    def transact(self, db, *ops, timeout=None):
        return self.call("transact", [db] + list(ops), timeout)

    def wait_notification(self, timeout=None):
        if self.notifications:
            return self.notifications.pop(0)
        while True:
            msg = self.recv_msg(timeout)
            if isinstance(msg, dict) and "method" in msg and msg.get("id") is None:
                return msg
            if isinstance(msg, dict) and "id" in msg:
                self.pending[msg["id"]] = msg


def reply_body(reply):
    """The reply without its id: {"result": ..., "error": ...} as sent."""
    return {k: v for k, v in reply.items() if k != "id"}


# ---------------------------------------------------------------------------
# Databases and servers
# ---------------------------------------------------------------------------

def load_schema(path):
    with open(path) as f:
        return json.load(f)


def create_db(impl, dbfile, schema=VTEP_SCHEMA):
    """Create a standalone database file with the implementation's own tool."""
    if impl == "ovs":
        run([OVSDB_TOOL, "create", dbfile, schema], check=True)
    elif impl == "seam":
        b = seam_binary()
        assert b, seam_skip_reason()
        run([b, "create", dbfile, schema], check=True)
    else:
        raise ValueError(impl)
    return Path(dbfile)


SAN_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
               "SUMMARY: UndefinedBehaviorSanitizer", "SUMMARY: AddressSanitizer")


class Server:
    """One ovsdb-server or seam-ovsdb process in its own directory.

    Listens on unix:<dir>/db.sock and tcp:127.0.0.1:<free port> (plus
    ssl:127.0.0.1:<port> when `ssl` is given as a dict with key/cert/ca).
    The process is started with Popen in the foreground, so we own its pid."""

    def __init__(self, impl, workdir, dbs, ssl=None, extra_args=(), name="server"):
        self.impl = impl
        self.dir = Path(workdir)
        self.dbs = [Path(d) for d in dbs]
        self.ssl = ssl
        self.extra_args = list(extra_args)
        self.name = name
        self.sock_path = self.dir / ("%s.sock" % name)
        self.pidfile = self.dir / ("%s.pid" % name)
        self.logfile = self.dir / ("%s.log" % name)
        self.ctl = self.dir / ("%s.ctl" % name)
        self.stdout_path = self.dir / ("%s.stdout" % name)
        self.stderr_path = self.dir / ("%s.stderr" % name)
        self.proc = None
        self.port = None
        self.ssl_port = None
        self.returncodes = []   # of every process run so far (restarts)
        self.expect_exit = False

    # remotes as the OVS tools spell them
    @property
    def unix(self):
        return "unix:%s" % self.sock_path

    @property
    def tcp(self):
        return "tcp:127.0.0.1:%d" % self.port

    @property
    def ssl_remote(self):
        return "ssl:127.0.0.1:%d" % self.ssl_port

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def command(self):
        remotes = ["--remote=punix:%s" % self.sock_path,
                   "--remote=ptcp:%d:127.0.0.1" % self.port]
        ssl_args = []
        if self.ssl:
            remotes.append("--remote=pssl:%d:127.0.0.1" % self.ssl_port)
            ssl_args = ["--private-key=%s" % self.ssl["key"],
                        "--certificate=%s" % self.ssl["cert"],
                        "--ca-cert=%s" % self.ssl["ca"]]
        if self.impl == "ovs":
            return ([OVSDB_SERVER, "--no-chdir", "--pidfile=%s" % self.pidfile,
                     "--log-file=%s" % self.logfile, "--unixctl=%s" % self.ctl]
                    + remotes + ssl_args + self.extra_args + [str(d) for d in self.dbs])
        b = seam_binary()
        assert b, seam_skip_reason()
        return ([str(b)] + remotes + ssl_args
                + ["--pidfile=%s" % self.pidfile, "--log-file=%s" % self.logfile,
                   "--log-level=info"] + self.extra_args + [str(d) for d in self.dbs])

    def env(self):
        e = dict(os.environ)
        e["ASAN_OPTIONS"] = "detect_leaks=1:log_path=%s" % (self.dir / "asan")
        e["UBSAN_OPTIONS"] = ("print_stacktrace=1:halt_on_error=1:log_path=%s"
                              % (self.dir / "ubsan"))
        # Keep the OVS daemon away from /var/run/openvswitch.
        for v in ("OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"):
            e[v] = str(self.dir)
        return e

    def start(self, timeout=15.0):
        assert self.proc is None or self.proc.poll() is not None
        for attempt in range(3):
            if self.port is None or attempt:
                self.port = free_tcp_port()
                if self.ssl:
                    self.ssl_port = free_tcp_port()
            if self.sock_path.exists():
                self.sock_path.unlink()
            with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
                self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err,
                                             stdin=subprocess.DEVNULL, env=self.env(),
                                             cwd=str(self.dir))
            remotes = [self.unix, self.tcp]
            if self.ssl:
                remotes.append("tcp:127.0.0.1:%d" % self.ssl_port)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if all(can_connect(r) for r in remotes):
                    return self
                time.sleep(0.01)
            if self.proc.poll() is None:
                # Most likely the tcp port was taken between probe and bind: retry.
                self.stop()
                continue
            self.returncodes.append(self.proc.returncode)
            raise AssertionError("%s exited with rc=%s during start-up\n%s" % (
                self.impl, self.proc.returncode, self.diagnostics()))
        raise AssertionError("%s did not become ready on %s\n%s" % (
            self.impl, remotes, self.diagnostics()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signal the process (by pid), wait for it, return its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        rc = self.proc.returncode
        self.returncodes.append(rc)
        self.proc = None
        return rc

    def restart(self):
        self.stop()
        return self.start()

    def read(self, path):
        try:
            return Path(path).read_text(errors="replace")
        except OSError:
            return ""

    def diagnostics(self, n=40):
        out = []
        for p in (self.stderr_path, self.logfile):
            lines = self.read(p).splitlines()[-n:]
            out.append("--- %s (last %d lines)\n%s" % (p.name, len(lines), "\n".join(lines)))
        return "\n".join(out)

    def sanitizer_reports(self):
        """Texts of sanitizer reports: log_path files and markers in stderr."""
        reports = []
        for f in sorted(self.dir.glob("asan*")) + sorted(self.dir.glob("ubsan*")):
            reports.append("%s:\n%s" % (f.name, self.read(f)))
        for p in (self.stderr_path, self.logfile):
            text = self.read(p)
            if any(m in text for m in SAN_MARKERS):
                reports.append("%s:\n%s" % (p.name, text[-8000:]))
        return reports


# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------

def ovsdb_client(*args, timeout=DEFAULT_TIMEOUT, check=True):
    return run([OVSDB_CLIENT, "--timeout=%d" % int(timeout)] + list(args),
               timeout=timeout + 5, check=check)


def vtep_ctl(remote, *args, check=True, timeout=DEFAULT_TIMEOUT):
    return run([VTEP_CTL, "--db=%s" % remote, "--timeout=%d" % int(timeout)] + list(args),
               timeout=timeout + 5, check=check)


def dump_tables(rpc, db, schema, tables=None, with_version=False):
    """Select every row of every table (all columns but _version unless asked).

    Returns {table: [row, ...]} exactly as the server sent the rows."""
    names = sorted(tables or schema["tables"])
    ops = []
    for t in names:
        cols = sorted(schema["tables"][t]["columns"]) + ["_uuid"]
        if with_version:
            cols.append("_version")
        ops.append({"op": "select", "table": t, "where": [], "columns": cols})
    reply = rpc.transact(db, *ops)
    assert reply.get("error") is None, reply
    res = reply["result"]
    assert len(res) == len(names) and all("rows" in r for r in res), reply
    return {t: r["rows"] for t, r in zip(names, res)}


def canonical_rows(rows, umap):
    """Sort rows by their content with known UUIDs as tokens, unknown masked,
    so that the hash order a server uses does not matter."""
    return sorted(rows, key=lambda r: json.dumps(umap.mask(r), sort_keys=True))


def _token_key(atom):
    """Sort key of a ["uuid", X] atom: tokens by number, then literal UUIDs."""
    if isinstance(atom, list) and len(atom) == 2 and atom[0] == "uuid" \
            and isinstance(atom[1], str):
        m = TOKEN_RE.match(atom[1])
        return (0, int(m.group(1)), "") if m else (1, 0, atom[1])
    return None


def sort_uuid_sets(o):
    """Servers send set members and map pairs in the order of their atoms;
    for UUIDs that order is random.  Put ["set", [uuids]] and maps keyed by
    UUIDs in token order (call after UuidMap.obj)."""
    if isinstance(o, list):
        if len(o) == 2 and o[0] in ("set", "map") and isinstance(o[1], list):
            items = [sort_uuid_sets(x) for x in o[1]]
            keys = [_token_key(x if o[0] == "set" else (x[0] if isinstance(x, list) and x else None))
                    for x in items]
            if items and all(k is not None for k in keys):
                items = [x for _, x in sorted(zip(keys, items), key=lambda kx: kx[0])]
            return [o[0], items]
        return [sort_uuid_sets(x) for x in o]
    if isinstance(o, dict):
        return {k: sort_uuid_sets(v) for k, v in o.items()}
    return o


def normalize_dump(dump, umap, keep_empty=False):
    out = {}
    for t in sorted(dump):
        rows = dump[t]
        if not rows and not keep_empty:
            continue
        out[t] = sort_uuid_sets(umap.obj(canonical_rows(rows, umap)))
    return out


def tempdir(prefix="si-"):
    # Short paths: unix socket names are limited to 107 bytes.
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)


def pretty(o):
    return json.dumps(o, indent=1, sort_keys=True)


__all__ = [n for n in dir() if not n.startswith("_")] + ["signal"]


def assert_same_text(got, want, label_got="seam", label_want="ovs"):
    """Assert two transcripts are equal, showing a unified diff if not."""
    if got == want:
        return
    import difflib
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                        label_want, label_got))
    raise AssertionError("%s differs from %s:\n%s" % (label_got, label_want, diff))


def assert_same(got, want, label_got="got", label_want="want"):
    """Assert two JSON-like values are equal, with a unified diff of their
    pretty-printed forms when not."""
    if got != want:
        assert_same_text(pretty(got), pretty(want), label_got, label_want)
