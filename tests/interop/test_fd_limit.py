"""seam-ovsdb at its open-file limit (seam only: ovsdb-server 3.1 spins at
100% CPU on its listener in the same situation).

The server raises its soft open-file limit to the hard limit at start.  When
it is out of descriptors anyway, it stops accepting for a moment instead of
retrying at once, logs one warning per episode, and accepts again once
clients leave; clients already connected are served throughout."""

import resource
import socket
import time

import pytest

import seamtest as st

V = "hardware_vtep"


def limited(srv, soft, hard):
    """Runs the server under `prlimit` (which execs it: same pid)."""
    cmd = srv.command
    srv.command = lambda: ["prlimit", "--nofile=%d:%d" % (soft, hard), "--"] + cmd()
    srv.start()
    return srv


def nofile_limits(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return tuple(int(x) for x in line.split()[3:5])
    raise AssertionError("no open-file limit in /proc/%d/limits" % pid)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0     # utime + stime, ticks


@pytest.fixture
def seam_server(servers):
    from conftest import require_impl
    require_impl("seam")
    return servers


def test_soft_limit_raised_to_hard(seam_server):
    srv = seam_server.start("seam", start=False)
    limited(srv, 256, 1024)
    assert nofile_limits(srv.pid) == (1024, 1024)
    assert "raised the open-file limit from 256 to 1024" in srv.read(srv.logfile)


def test_400_clients_with_256_descriptors(seam_server):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1024:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    srv = seam_server.start("seam", start=False)
    limited(srv, 256, 256)
    first = st.Rpc(srv.unix)                 # connected before the flood
    socks = []
    try:
        for _ in range(400):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", srv.port))   # completes in the backlog
            socks.append(s)
        # The server hits EMFILE: it must idle, not spin.
        st.wait_until(lambda: "cannot accept connections" in srv.read(srv.logfile), 10,
                      "the out-of-descriptors warning")
        t0, c0 = time.monotonic(), cpu_seconds(srv.pid)
        time.sleep(2)
        busy = (cpu_seconds(srv.pid) - c0) / (time.monotonic() - t0)
        assert busy < 0.2, "server used %.0f%% CPU while out of descriptors" % (busy * 100)
        # Connected clients are still served.
        assert first.call("echo", ["still here"], timeout=5)["result"] == ["still here"]
        # A few clients leave: the server takes as many from the backlog and
        # runs out again at once; still the same episode, not a warning (and
        # an "again") per freed descriptor.
        for s in socks[:5]:
            s.close()
        del socks[:5]
        time.sleep(1.5)
        log = srv.read(srv.logfile)
        assert log.count("cannot accept connections") == 1, log[-3000:]
        assert "accepting connections again" not in log, log[-3000:]
        # Clients leave: the server accepts the rest, and new clients.
        for s in socks[:300]:
            s.close()
        del socks[:300]
        st.wait_until(lambda: "accepting connections again" in srv.read(srv.logfile), 10,
                      "the server to accept again")
        with st.Rpc(srv.tcp, timeout=5) as c:
            assert c.call("echo", ["new"])["result"] == ["new"]
        log = srv.read(srv.logfile)
        assert log.count("cannot accept connections") == 1, log[-3000:]
        assert log.count("accepting connections again") == 1, log[-3000:]
    finally:
        for s in socks:
            s.close()
        first.close()
