"""seamd against an external NB: a 3-member Open vSwitch ovsdb-server Raft
cluster (tests/interop/raftcluster.py), several seamd sharing it, one
active at a time through the OVSDB lock "seamd"; a standby takes over
within 5 s of the active one dying."""

import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, free_port, wait_until

sys.path.insert(0, str(ROOT / "tests" / "interop"))
import raftcluster  # noqa: E402

NB_SCHEMA = ROOT / "schemas" / "seam_nb.ovsschema"

pytestmark = pytest.mark.skipif(not shutil.which("ovsdb-server"),
                                reason="Open vSwitch's ovsdb-server is not installed")


@pytest.fixture
def cluster():
    d = Path(tempfile.mkdtemp(prefix="seamd-raft-"))
    c = raftcluster.Cluster(d, schema=str(NB_SCHEMA), db="seam_nb").start()
    yield c
    problems = c.stop()
    shutil.rmtree(d, ignore_errors=True)
    assert not problems, "\n".join(problems)


def remotes(cluster):
    return ",".join(cluster.remotes)


def test_one_active_and_takeover(cluster, seamd_factory):
    a = seamd_factory.start("a", nb=remotes(cluster))
    wait_until(lambda: a.controller()["active"], 10, "the first seamd to be active")
    b = seamd_factory.start("b", nb=remotes(cluster))
    time.sleep(0.5)
    assert a.controller()["active"] and not b.controller()["active"]

    # Both serve the API on the shared NB: a write through one is read
    # through the other.
    n = b.create("networks", "network", {"name": "shared"})
    wait_until(lambda: a.get("/v2.0/networks/" + n["id"]).status_code == 200, 5,
               "the network to reach the other seamd")

    a.expect_rc = None
    t0 = time.monotonic()
    a.stop(signal.SIGKILL)
    wait_until(lambda: b.controller()["active"], 5, "the standby to take over",
               interval=0.05)
    took = time.monotonic() - t0
    print("standby took over in %.2f s" % took)
    assert took < 5
    assert b.get("/v2.0/networks/" + n["id"]).json()["network"]["name"] == "shared"
    # A restarted seamd is a standby now.
    a2 = seamd_factory.start("a2", nb=remotes(cluster))
    time.sleep(0.5)
    assert not a2.controller()["active"] and b.controller()["active"]


def test_raft_leader_dies(cluster, seamd_factory):
    s = seamd_factory.start("s", nb=remotes(cluster))
    s.create("networks", "network", {"name": "before"})
    leader = cluster.leader()
    cluster.kill(leader)
    cluster.wait_healthy()

    def write():
        r = s.post("/v2.0/networks", {"network": {"name": "after"}})
        return r.status_code == 201
    wait_until(write, 20, "a write after the Raft leader died", interval=0.2)
    names = sorted(n["name"] for n in s.get("/v2.0/networks").json()["networks"])
    assert names[:2] == ["after", "before"]


def openssl(*args):
    subprocess.run(["openssl"] + [str(a) for a in args], check=True, capture_output=True,
                   timeout=30)


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl")
def test_external_nb_over_ssl(seamd_factory, tmp_path):
    """--nb=ssl:... to ovsdb-server's pssl: with the --nb-ssl-* files; and the
    embedded NB served on pssl: for another seamd (an NB that is seamd)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", tmp_path / "ca.key", "-out", tmp_path / "ca.crt",
            "-days", "2", "-subj", "/CN=seamd test ca")
    for name in ("server", "client"):
        openssl("req", *ec, "-keyout", tmp_path / ("%s.key" % name),
                "-out", tmp_path / ("%s.csr" % name), "-subj", "/CN=%s" % name)
        openssl("x509", "-req", "-in", tmp_path / ("%s.csr" % name), "-CA", tmp_path / "ca.crt",
                "-CAkey", tmp_path / "ca.key", "-CAcreateserial", "-out",
                tmp_path / ("%s.crt" % name), "-days", "2")
    db = tmp_path / "nb.db"
    subprocess.run(["ovsdb-tool", "create", str(db), str(NB_SCHEMA)], check=True)
    port = free_port()
    srv = subprocess.Popen(["ovsdb-server", "--no-chdir", "--remote=pssl:%d:127.0.0.1" % port,
                            "--private-key=%s" % (tmp_path / "server.key"),
                            "--certificate=%s" % (tmp_path / "server.crt"),
                            "--ca-cert=%s" % (tmp_path / "ca.crt"),
                            "--unixctl=%s" % (tmp_path / "ctl"),
                            "--log-file=%s" % (tmp_path / "ovsdb.log"), str(db)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ssl_args = ["--nb-ssl-key=%s" % (tmp_path / "client.key"),
                    "--nb-ssl-cert=%s" % (tmp_path / "client.crt"),
                    "--nb-ssl-ca=%s" % (tmp_path / "ca.crt")]
        s = seamd_factory.start("ssl", nb="ssl:127.0.0.1:%d" % port, args=ssl_args)
        n = s.create("networks", "network", {"name": "over-tls"})
        assert s.controller()["nb_remote"] == "ssl:127.0.0.1:%d" % port
        # An embedded NB served on pssl: to a second seamd.
        port2 = free_port()
        e = seamd_factory.start("embedded", args=ssl_args + [
            "--nb-remote=pssl:%d:127.0.0.1" % port2])
        e.create("networks", "network", {"name": "in-embedded"})
        f = seamd_factory.start("follower", nb="ssl:127.0.0.1:%d" % port2, args=ssl_args)
        assert [x["name"] for x in f.get("/v2.0/networks").json()["networks"]] == \
            ["in-embedded"]
        assert s.get("/v2.0/networks/" + n["id"]).status_code == 200
    finally:
        srv.terminate()
        srv.wait(10)
