"""Helpers shared by the pytest suites (tests/interop, tests/vtep): where the
build is, running a command, polling for a condition, and a fake controller.  Each suite's
helper module puts this directory on sys.path and re-exports these."""

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def build_dir():
    """The build to test: $SEAM_BUILD (e.g. build-san), else build/."""
    return Path(os.environ.get("SEAM_BUILD", str(REPO / "build")))


def run_command(cmd, timeout=20, check=False, env=None, input=None):
    """Runs 'cmd' (a list; items are str()-ed) with text output captured and
    'env' added to the environment.  A non-zero exit raises AssertionError
    with the output only if 'check'."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       timeout=timeout, env=full_env, input=input)
    if check and p.returncode != 0:
        raise AssertionError("command failed (rc=%d): %s\nstdout:\n%s\nstderr:\n%s" % (
            p.returncode, " ".join(map(str, cmd)), p.stdout, p.stderr))
    return p


def wait_until(pred, timeout=10.0, what="condition", interval=0.01):
    """Polls pred() until it returns a true value, and returns that value.
    An exception from pred() counts as false (the last one is reported).
    Raises AssertionError naming 'what' when 'timeout' seconds pass."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - reported below
            last_exc = e
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s%s" % (
                timeout, what, " (last error: %r)" % last_exc if last_exc else ""))
        time.sleep(interval)
        interval = min(interval * 1.5, 0.1)


def descendants(pid):
    """The pids of 'pid''s descendants (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def pid_alive(pid):
    """Whether process 'pid' exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop_pids(pids, timeout=10.0):
    """SIGTERM each of 'pids' still alive, SIGKILL those left after
    'timeout' seconds."""
    def signal_alive(sig):
        for p in pids:
            if pid_alive(p):
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
    signal_alive(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(pid_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    signal_alive(signal.SIGKILL)


class Controller:
    """A TCP listener standing for a controller that an OVSDB server dials:
    accepts connections in a thread and speaks JSON-RPC to the server on
    the other end.  'sock' is a bound socket to listen on (e.g. made inside
    a network namespace); by default one on 127.0.0.1 and a free port."""

    def __init__(self, sock=None):
        if sock is None:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
        self.sock = sock
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def call(self, conn, method, params):
        """Sends request 'method' on 'conn' and returns its reply."""
        conn.settimeout(10)
        conn.sendall(json.dumps({"id": 1, "method": method, "params": params}).encode())
        buf = b""
        dec = json.JSONDecoder()
        while True:
            buf += conn.recv(65536)
            try:
                msg, _ = dec.raw_decode(buf.decode())
            except ValueError:
                continue
            if msg.get("id") == 1:
                return msg

    def close(self):
        """Drops the accepted connections; keeps listening."""
        for c in self.conns:
            c.close()
        self.conns = []

    def shutdown(self):
        self.close()
        self.sock.close()
