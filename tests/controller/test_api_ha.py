"""seamd against an external NB: a 3-member Open vSwitch ovsdb-server Raft
cluster (tests/interop/raftcluster.py), several seamd sharing it, one
active at a time through the OVSDB lock "seamd"; a standby takes over
within 5 s of the active one dying."""

import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, wait_until

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
