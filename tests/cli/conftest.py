"""Fixtures for seamctl's tests (tests/cli).

seamctl is run as a user runs it, against:
  - `neutron`: the reference, Debian's neutron-server with networking-l2gw
    (tests/pylib/neutron-server.sh), started once per session on a
    free port (about 15 s; skipped if it is not installed or not root);
  - `seamd`: build/seamd, when it is built, started once per session
    with tests/controller/conftest.py's Seamd (core's fixtures);
  - `fake`: a small HTTP(S) server in a thread that answers what a test
    tells it and records each request (headers, paths, bodies), for what
    the real servers cannot show (tokens, odd error bodies, TLS, status).
`api` runs a test against each real server there is.

SEAM_BUILD selects the build (build/ by default)."""

import importlib.util
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seamctltest import (REPO, Api, FakeServer, build_dir, free_port,  # noqa: E402
                         run_command, seamctl_path)
from seamcommon import descendants, stop_pids  # noqa: E402

# neutron-server for the comparisons: the project's own launcher.
NEUTRON_SCRIPT = REPO / "tests" / "pylib" / "neutron-server.sh"


@pytest.fixture(scope="session", autouse=True)
def _seamctl_built():
    if not seamctl_path().exists():
        pytest.skip("%s not built (run `make`)" % seamctl_path())


@pytest.fixture(scope="session")
def neutron():
    if os.geteuid() != 0:
        pytest.skip("neutron-server's script needs root")
    if not NEUTRON_SCRIPT.exists():
        pytest.skip("%s not found" % NEUTRON_SCRIPT)
    if not shutil.which("neutron-server"):
        pytest.skip("neutron-server not installed (scripts/install-deps)")
    state = tempfile.mkdtemp(prefix="seamctl-neutron-")
    port = free_port()
    env = dict(os.environ, PORT=str(port))
    p = subprocess.run(["bash", str(NEUTRON_SCRIPT), "up", state], env=env,
                       capture_output=True, text=True, timeout=180)
    try:
        assert "up on" in p.stdout, "neutron-server did not start:\n%s%s" % (
            p.stdout, p.stderr)
        yield Api("neutron", "http://127.0.0.1:%d" % port)
    finally:
        # The script's "down" kills neutron-server and mariadbd, not
        # neutron-server's rpc and periodic workers (the periodic one even
        # ignores SIGTERM): stop the whole tree, by pid.
        pids = []
        for name in ("neutron.pid", "run/my.pid"):
            try:
                with open(os.path.join(state, name)) as f:
                    pid = int(f.read().split()[0])
                pids += [pid] + descendants(pid)
            except (OSError, ValueError, IndexError):
                pass
        subprocess.run(["bash", str(NEUTRON_SCRIPT), "down", state],
                       capture_output=True, timeout=60)
        stop_pids(pids)
        shutil.rmtree(state, ignore_errors=True)


def _controller_fixtures():
    """tests/controller/conftest.py as a module (seamd's own fixtures, core's):
    its Seamd class starts seamd and checks its exit and sanitizer reports.
    Loaded under a name of its own, so pytest's conftest stays separate."""
    path = REPO / "tests" / "controller" / "conftest.py"
    if not path.exists():
        pytest.skip("tests/controller/conftest.py is not there yet")
    spec = importlib.util.spec_from_file_location("seamctl_controller_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def seamd():
    """One seamd for the session (tests use names of their own), with a
    token and a southbound listener; the session fails if it does not exit
    cleanly or leaves a sanitizer report."""
    if not (build_dir() / "seamd").exists():
        pytest.skip("%s/seamd not built yet" % build_dir())
    fixtures = _controller_fixtures()
    state = tempfile.mkdtemp(prefix="seamctl-seamd-")
    token = "seamctl-test-token"
    daemon = fixtures.Seamd(state, token=token,
                            args=["--sb-listen=ptcp:%d:127.0.0.1" % free_port()])
    daemon.start()
    api = Api("seamd", daemon.url, token)
    api.daemon = daemon
    yield api
    problems = daemon.problems()
    if not problems:
        shutil.rmtree(state, ignore_errors=True)
    assert not problems, "\n".join(problems)


@pytest.fixture(params=["neutron", "seamd"])
def api(request):
    """Each real server in turn (a test for both must hold for both)."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def fake():
    server = FakeServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def tls_files():
    """A self-signed certificate for 127.0.0.1: (cert, key) paths."""
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    d = tempfile.mkdtemp(prefix="seamctl-tls-")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    run_command(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                 "-addext", "subjectAltName=IP:127.0.0.1"], check=True)
    yield cert, key
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def fake_tls(tls_files):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*tls_files)
    server = FakeServer(ctx)
    yield server
    server.close()
