"""Fixtures for seamd's tests (shared: other suites import them from here).

- `seamd`: one seamd with a private state dir and a free port (embedded NB,
  no token, vni_ranges 5000:6000, network_vlan_ranges physnet1:2900:2999),
  as a `Seamd`: .url, .token, .get/.post/.put/.delete, .snapshot().  At
  teardown it is stopped with SIGTERM and the test fails unless seamd exited
  0 without a sanitizer report.
- `seamd_factory`: `seamd_factory.start(token=..., args=[...], nb=...)` for
  tests that need other flags or several seamd; all stopped and checked at
  teardown.
- `neutron` (module scope): Debian's neutron-server on a free port
  (tests/pylib/neutron-server.sh), as a `Neutron` with the same
  request helpers; skipped with the reason when it cannot start.

SEAM_BUILD points at the build dir (default: build/ of this tree).
"""

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pylib"))
from seamcommon import descendants, stop_pids  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# neutron-server for the comparisons: the project's own launcher.
NEUTRON_SCRIPT = Path(__file__).resolve().parents[1] / "pylib" / "neutron-server.sh"
DEFAULT_ARGS = ["--vni-ranges=5000:6000", "--network-vlan-ranges=physnet1:2900:2999"]


def build_dir():
    return Path(os.environ.get("SEAM_BUILD", ROOT / "build"))


def seamd_binary():
    p = build_dir() / "seamd"
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.skip("seamd not built: %s does not exist (run make)" % p)
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(pred, timeout=10.0, what="condition", interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(interval)


class Api:
    """Request helpers over `self.url` with `self.token`."""

    url = None
    token = None
    verify = False              # Or the CA file of an HTTPS seamd.

    def request(self, method, path, body=None, raw=None, headers=None, **kw):
        h = {"Content-Type": "application/json"}
        if self.token is not None:
            h["X-Auth-Token"] = self.token
        h.update(headers or {})
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        kw.setdefault("timeout", 20)
        kw.setdefault("verify", self.verify)
        return requests.request(method, self.url + path, data=data, headers=h, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def create(self, collection, member, attrs):
        """POST and return the created object; fails the test unless 201."""
        r = self.post("/v2.0/%s" % collection, {member: attrs})
        assert r.status_code == 201, (r.status_code, r.text)
        return r.json()[member]


COLLECTIONS = ["networks", "segments", "subnets", "ports", "l2-gateways",
               "l2-gateway-connections", "seam/vteps", "seam/host-links"]


class Seamd(Api):
    def __init__(self, workdir, token=None, args=(), nb=None, name="seamd", port=None,
                 default_args=True, verify=False, nofile=None):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.token = token
        self.port = port or free_port()
        self.args = list(args)
        self.nb = nb
        self.default_args = default_args
        self.verify = verify
        self.nofile = nofile        # RLIMIT_NOFILE for seamd (ulimit -n), or None.
        self.scheme = "https" if any(a.startswith("--ssl-cert") for a in args) else "http"
        self.url = "%s://127.0.0.1:%d" % (self.scheme, self.port)
        self.proc = None
        self.expect_rc = 0
        self.logfile = self.dir / ("%s.log" % name)
        self.pidfile = self.dir / ("%s.pid" % name)

    @property
    def nb_file(self):
        return self.dir / "seam_nb.db"

    def command(self):
        cmd = [str(seamd_binary()), "--listen=127.0.0.1:%d" % self.port,
               "--state-dir=%s" % self.dir, "--pidfile=%s" % self.pidfile,
               "--log-file=%s" % self.logfile]
        if self.default_args:
            cmd += DEFAULT_ARGS
        if self.token is not None:
            cmd.append("--token=%s" % self.token)
        if self.nb:
            cmd.append("--nb=%s" % self.nb)
        return cmd + self.args

    def env(self):
        e = dict(os.environ)
        e["ASAN_OPTIONS"] = "detect_leaks=1:log_path=%s" % (self.dir / "asan")
        e["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:log_path=%s" % (
            self.dir / "ubsan")
        return e

    def start(self, timeout=15.0, wait_synced=True):
        out = open(self.dir / ("%s.stderr" % self.name), "ab")
        nofile = self.nofile

        def limits():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(self.command(), stdout=out, stderr=out,
                                     stdin=subprocess.DEVNULL, env=self.env(),
                                     preexec_fn=limits)
        out.close()

        def up():
            if self.proc.poll() is not None:
                raise AssertionError("seamd exited with %s\n%s" % (
                    self.proc.returncode, self.diagnostics()))
            try:
                r = self.get("/v2.0/seam/controller", timeout=2)
            except requests.RequestException:
                return False
            return r.status_code == 200 and (
                not wait_synced or r.json()["controller"]["nb_synced"])
        wait_until(up, timeout, "seamd %s to answer" % self.name)
        return self

    def controller(self):
        return self.get("/v2.0/seam/controller").json()["controller"]

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("seamd %s did not exit on signal %d" % (self.name, sig))

    def reports(self):
        return sorted(self.dir.glob("asan*")) + sorted(self.dir.glob("ubsan*"))

    def diagnostics(self):
        parts = []
        for f in [self.logfile, self.dir / ("%s.stderr" % self.name)] + self.reports():
            if f.exists():
                parts.append("--- %s\n%s" % (f, f.read_text(errors="replace")[-4000:]))
        return "\n".join(parts)

    def problems(self):
        """Stops seamd (SIGTERM) and returns what went wrong, if anything."""
        rc = self.stop()
        problems = []
        if rc not in (self.expect_rc, None) and self.expect_rc is not None:
            problems.append("seamd %s exited with %s" % (self.name, rc))
        if self.reports():
            problems.append("sanitizer reports for seamd %s" % self.name)
        if problems:
            problems.append(self.diagnostics())
        return problems

    def snapshot(self):
        """What the NB holds, as the API shows it, and the NB file's size:
        equal snapshots before and after a request prove it wrote nothing."""
        # The reconciler writes status columns a few ms after a request
        # (its passes are paced): let those settle first, so that a change
        # after this point is the request's own.
        deadline = time.monotonic() + 10
        while self.nb_file.exists() and time.monotonic() < deadline:
            if time.time() - self.nb_file.stat().st_mtime >= 0.3:
                break               # Unchanged for 0.3 s.
            time.sleep(0.05)
        state = {}
        for c in COLLECTIONS:
            r = self.get("/v2.0/" + c)
            assert r.status_code == 200, (c, r.status_code, r.text)
            state[c] = sorted(next(iter(r.json().values())), key=lambda o: o["id"])
        size = self.nb_file.stat().st_size if self.nb_file.exists() else None
        return state, size


class SeamdFactory:
    def __init__(self, base):
        self.base = Path(base)
        self.all = []

    def start(self, name=None, start=True, **kw):
        name = name or "seamd%d" % (len(self.all) + 1)
        d = kw.pop("workdir", None) or self.base / name
        s = Seamd(d, name=name, **kw)
        self.all.append(s)
        if start:
            s.start()
        return s

    def teardown(self):
        problems = []
        for s in self.all:
            problems += s.problems()
        return problems


@pytest.fixture
def seamd_factory():
    d = Path(tempfile.mkdtemp(prefix="seamd-test-"))
    f = SeamdFactory(d)
    yield f
    problems = f.teardown()
    if not problems:
        shutil.rmtree(d, ignore_errors=True)
    assert not problems, "\n".join(problems)


@pytest.fixture
def seamd(seamd_factory):
    return seamd_factory.start("seamd")


def _neutron_down(script, d, env):
    """The launcher's "down" stops neutron-server and MariaDB, but
    neutron-server's rpc and periodic workers outlive their parent: stop
    the whole tree."""
    pids = []
    for f in (d / "neutron.pid", d / "db" / "mysqld.pid"):
        try:
            pid = int(f.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        pids += [pid] + descendants(pid)
    subprocess.run(["bash", str(script), "down", str(d)], env=env, timeout=60)
    stop_pids(pids)


class Neutron(Api):
    def __init__(self, url, workdir):
        self.url = url
        self.dir = workdir
        self.token = None


@pytest.fixture(scope="module")
def neutron():
    script = NEUTRON_SCRIPT
    if os.geteuid() != 0:
        pytest.skip("neutron-server's MariaDB needs root")
    d = Path(tempfile.mkdtemp(prefix="seamd-neutron-"))
    port = free_port()
    env = dict(os.environ, PORT=str(port))
    r = subprocess.run(["bash", str(script), "up", str(d)], env=env, capture_output=True,
                       text=True, timeout=180)
    if r.returncode != 0 or "up on" not in r.stdout:
        _neutron_down(script, d, env)
        mlog = d / "mariadb.log"
        if not (d / "db" / "mysqld.sock").exists():
            pytest.skip("mariadb could not start: %s" % (
                mlog.read_text()[-500:] if mlog.exists() else r.stderr[-500:]))
        raise AssertionError("neutron-server did not start:\n%s\n%s" % (r.stdout, r.stderr))
    n = Neutron("http://127.0.0.1:%d" % port, d)
    yield n
    _neutron_down(script, d, env)
    shutil.rmtree(d, ignore_errors=True)
