"""What a client can make seamd's REST listener hold, and how it recovers:

- out of file descriptors (ulimit -n): accept() fails; seamd pauses the
  listener instead of calling accept() again at once (it spun at 100% CPU
  and wrote a line to stderr per try), says so once, and serves again when
  descriptors come back;
- 1000 queued writes (docs/seamd.md): the next write gets 503 at once,
  every queued one is answered when the NB answers again.
"""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import ROOT, wait_until

NB_SCHEMA = ROOT / "schemas" / "seam_nb.ovsschema"


def cpu_ticks(pid):
    """utime + stime of 'pid', in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def post_raw(sock, path, body):
    data = body.encode()
    sock.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  "Content-Length: %d\r\nConnection: close\r\n\r\n" % (path, len(data))).encode()
                 + data)


def read_status(sock):
    """The status code of the HTTP response on 'sock' (read to EOF)."""
    buf = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    assert buf.startswith(b"HTTP/1.1 "), buf[:200]
    return int(buf.split()[1]), buf


def test_out_of_file_descriptors(seamd_factory):
    s = seamd_factory.start("fdlimit", nofile=64)
    stderr = s.dir / ("%s.stderr" % s.name)
    held = []
    try:
        for _ in range(100):                 # The kernel's backlog takes them all.
            held.append(connect(s.port))
        wait_until(lambda: "cannot accept a connection" in s.logfile.read_text(), 5,
                   "the warning")
        c0 = cpu_ticks(s.proc.pid)
        size0 = stderr.stat().st_size
        time.sleep(2.0)
        ticks = cpu_ticks(s.proc.pid) - c0
        assert ticks <= 20, "seamd used %d ticks in 2 s while out of descriptors" % ticks
        assert stderr.stat().st_size == size0, stderr.read_text()[-500:]
        assert s.logfile.read_text().count("cannot accept a connection") == 1
    finally:
        for c in held:
            c.close()
    r = s.get("/v2.0/networks", timeout=10)
    assert r.status_code == 200 and r.json() == {"networks": []}
    assert s.create("networks", "network", {"name": "after"})["name"] == "after"
    # The episode ends once requests have been served for a moment: one
    # warning, one "again".
    wait_until(lambda: "accepting connections again" in s.logfile.read_text(), 5, "the end")
    log = s.logfile.read_text()
    assert log.count("cannot accept a connection") == 1, log[-2000:]
    assert log.count("accepting connections again") == 1, log[-2000:]


@pytest.mark.skipif(not shutil.which("ovsdb-server"), reason="ovsdb-server is not installed")
def test_write_queue_bound(seamd_factory, tmp_path):
    """The NB stalls (SIGSTOP): 1000 writes wait, the 1001st gets 503 at
    once; the NB resumes: every waiting write is answered 201."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2100:
        pytest.skip("needs 2100 file descriptors (ulimit -Hn is %d)" % hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2100), hard))

    db = tmp_path / "nb.db"
    sock = tmp_path / "nb.sock"
    subprocess.run(["ovsdb-tool", "create", str(db), str(NB_SCHEMA)], check=True)
    nb = subprocess.Popen(["ovsdb-server", "--no-chdir", "--remote=punix:%s" % sock,
                           "--unixctl=%s" % (tmp_path / "nb.ctl"),
                           "--log-file=%s" % (tmp_path / "nb.log"), str(db)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    held = []
    try:
        wait_until(sock.exists, 10, "ovsdb-server's socket")
        s = seamd_factory.start("queue", nb="unix:%s" % sock, nofile=4096)
        # Connected first, so that the requests fill the queue well within
        # the NB client's inactivity probe (4 s).
        held = [connect(s.port) for _ in range(1000)]
        extra = connect(s.port)
        wait_until(lambda: s.get("/v2.0/networks").status_code == 200, 5, "a read")
        nb.send_signal(signal.SIGSTOP)
        t0 = time.monotonic()
        for i, c in enumerate(held):
            post_raw(c, "/v2.0/networks", '{"network": {"name": "q%d"}}' % i)
        time.sleep(0.3)                     # seamd has read every one of them.
        post_raw(extra, "/v2.0/networks", '{"network": {"name": "extra"}}')
        extra.settimeout(2)
        status, body = read_status(extra)
        extra.close()
        assert status == 503 and b"Too many requests are waiting" in body, body
        assert s.get("/v2.0/networks", timeout=5).status_code == 200   # Reads go on.
        assert time.monotonic() - t0 < 3.5, "too slow to tell: the NB probe may have fired"

        nb.send_signal(signal.SIGCONT)
        statuses = [read_status(c)[0] for c in held]
        assert statuses == [201] * 1000, {x: statuses.count(x) for x in set(statuses)}
        names = {n["name"] for n in s.get("/v2.0/networks").json()["networks"]}
        assert len(names) == 1000 and "extra" not in names
        assert s.create("networks", "network", {"name": "after"})["name"] == "after"
    finally:
        for c in held:
            c.close()
        nb.send_signal(signal.SIGCONT)
        if "s" in locals():
            s.stop()
        nb.terminate()
        nb.wait(10)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int([line for line in f if line.startswith("VmRSS")][0].split()[1])


def test_request_line_and_headers_bounded(seamd):
    """A request line or headers past 64 KiB: the connection is closed, and
    seamd did not buffer the rest (it used to hold all a client sent)."""
    s = seamd
    before = rss_kb(s.proc.pid)
    for head in (b"GET /v2.0/networks?" + b"name=x&" * 3000000,
                 b"GET /v2.0/networks HTTP/1.1\r\nHost: x\r\nX-Junk: " + b"a" * 20000000):
        c = connect(s.port)
        try:
            c.sendall(head)
        except OSError:
            pass                            # Closed by seamd while sending: fine.
        c.settimeout(5)
        try:
            reply = c.recv(65536)
        except OSError:
            reply = b""
        c.close()
        assert reply == b"" or reply.split()[1] in (b"400", b"413", b"414", b"431"), reply[:200]
    assert rss_kb(s.proc.pid) - before < 8000, (before, rss_kb(s.proc.pid))
    # A long filter still works: 300 ids is about 11 KiB.
    ids = "&".join("id=%s" % ("%08d-0000-4000-8000-000000000000" % i) for i in range(300))
    r = s.get("/v2.0/networks?" + ids)
    assert r.status_code == 200 and r.json() == {"networks": []}
