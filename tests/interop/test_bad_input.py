"""Bad input from one client.

For every case the assertion is the same (STYLE §9: every rejection has a
test, with proof that nothing changed):
  - the offending connection gets an error reply or is closed;
  - the server still serves a client that was connected before (it also
    still receives monitor updates) and new clients on unix and tcp;
  - nothing was committed (a dump of every table is unchanged).
Where ovsdb-server's behaviour is not what seam must do, the test says so
("seam only" below).
"""

import socket
import time

import pytest

import seamtest as st

V = "hardware_vtep"

INSERT_X = (b'{"method":"transact","params":["hardware_vtep",{"op":"insert",'
            b'"table":"Logical_Switch","row":{"name":"%s"}}],"id":1}')


class Scene:
    """A server with one row, a bystander client and a bystander monitor."""

    def __init__(self, srv, schema):
        self.srv = srv
        self.schema = schema
        self.client = st.Rpc(srv.unix)
        r = self.client.transact(V, {"op": "insert", "table": "Logical_Switch",
                                     "row": {"name": "ls0"}})
        assert "error" not in r["result"][0], r
        self.monitor = st.Rpc(srv.tcp)
        r = self.monitor.call("monitor", [V, "mon", {"Logical_Switch": {"columns": ["name"]}}])
        assert r["error"] is None, r
        self.before = self.dump()

    def dump(self):
        with st.Rpc(self.srv.unix) as c:
            return st.dump_tables(c, V, self.schema)

    def check_still_serving(self, n=1):
        """Run n rounds of: bystander echo, new unix and tcp clients."""
        assert self.srv.alive(), "server died\n" + self.srv.diagnostics()
        for i in range(n):
            r = self.client.call("echo", ["still here", i], timeout=5)
            assert r["result"] == ["still here", i], r
            for remote in (self.srv.unix, self.srv.tcp):
                with st.Rpc(remote, timeout=5) as c:
                    assert sorted(c.call("list_dbs", [])["result"]) == ["_Server", V]

    def check_nothing_committed(self):
        st.assert_same(self.dump(), self.before, "after", "before")

    def check_monitor_alive(self):
        """A commit by the bystander reaches the bystander monitor."""
        self.renames = getattr(self, "renames", 0) + 1
        r = self.client.transact(V, {"op": "update", "table": "Logical_Switch", "where": [],
                                     "row": {"name": "ls0-after-%d" % self.renames}})
        assert r["result"] == [{"count": 1}], r
        note = self.monitor.wait_notification(timeout=5)
        assert note["method"] == "update" and note["params"][0] == "mon", note

    def finish(self):
        self.check_still_serving()
        self.check_nothing_committed()
        self.check_monitor_alive()
        self.client.close()
        self.monitor.close()


@pytest.fixture
def scene(server, vtep_schema):
    s = Scene(server, vtep_schema)
    yield s
    s.client.close()
    s.monitor.close()


def attack(remote, data, wait=5.0):
    """Send data on a new connection.  Returns "closed", or the first message
    the server sent back (dict), or "no answer" when the connection stays open
    without a reply for `wait` seconds."""
    c = st.Rpc(remote)
    try:
        try:
            c.send_raw(data)
            return c.recv_msg(wait)
        except (st.ConnectionClosed, ConnectionResetError, BrokenPipeError):
            return "closed"
        except socket.timeout:
            return "no answer"
    finally:
        c.close()


def is_error(outcome):
    if outcome == "closed":
        return True
    if not isinstance(outcome, dict):
        return False
    if outcome.get("error") is not None:
        return True
    res = outcome.get("result")
    return isinstance(res, list) and any(isinstance(r, dict) and "error" in r for r in res)


MALFORMED = {
    "missing-comma": INSERT_X.replace(b'"op":"insert",', b'"op":"insert" ') % b"x",
    "bad-literal": INSERT_X.replace(b'"%s"', b"tru"),
    "garbage": b"hello world\n",
    "close-bracket": b"]",
    "nul-byte": b"\x00" + INSERT_X % b"x",
    "lone-surrogate-escape": INSERT_X % b"\\ud800",
    "control-char-in-string": INSERT_X % b"a\x01b",
    "number-out-of-range": INSERT_X.replace(b'"%s"', b"1e999999"),
    "bad-escape": INSERT_X % b"\\q",
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_json(scene, case):
    outcome = attack(scene.srv.unix, MALFORMED[case])
    assert is_error(outcome), outcome
    scene.finish()


INVALID_UTF8 = {
    "0xff": b"bad\xffutf8",
    "overlong-slash": b"\xc0\xaf",
    "truncated-3-byte": b"\xe2\x82",
    "encoded-surrogate": b"\xed\xa0\x80",
    "above-u10ffff": b"\xf4\x90\x80\x80",
}


@pytest.mark.parametrize("case", sorted(INVALID_UTF8))
def test_invalid_utf8(scene, case):
    """ovsdb-server replies "constraint violation" ("not a valid UTF-8
    string: ...") to a transact; closing the connection is fine too."""
    outcome = attack(scene.srv.unix, INSERT_X % INVALID_UTF8[case])
    assert is_error(outcome), outcome
    if scene.srv.impl == "ovs":
        assert outcome["result"][0]["error"] == "constraint violation"
        assert outcome["result"][0]["details"].startswith("not a valid UTF-8 string: ")
    scene.finish()


@pytest.mark.parametrize("shape", ["arrays", "objects", "arrays-in-params"])
def test_deeply_nested(scene, shape):
    """100000 levels: ovsdb-server stops at depth 1000 ("input exceeds maximum
    nesting depth 1000") and drops the connection."""
    if shape == "arrays":
        data = b"[" * 100000
    elif shape == "objects":
        data = b'{"a":' * 100000
    else:
        data = b'{"method":"transact","params":["hardware_vtep",' + b"[" * 100000
    outcome = attack(scene.srv.unix, data)
    assert is_error(outcome), outcome
    scene.finish()


def test_moderate_nesting_is_accepted(server):
    """Compatibility: ovsdb-server echoes 900 nested arrays (its limit is 1000)."""
    params = [[]]
    for _ in range(898):
        params = [params]
    with st.Rpc(server.unix) as c:
        r = c.call("echo", params)
    assert r["result"] == params


def test_huge_message(scene):
    """A 100 MB message, streamed.  seam only: the connection is dropped
    (ovsdb-server 3.1 has no limit and echoes it back).  Either way the server
    keeps serving others while it arrives."""
    srv = scene.srv
    total = 100 << 20
    chunk = b"A" * (1 << 20)
    s = st.connect_socket(srv.unix)
    s.settimeout(10)
    outcome = None
    sent = 0
    try:
        s.sendall(b'{"method":"echo","id":1,"params":["')
        while sent < total:
            s.sendall(chunk)
            sent += len(chunk)
            if sent == total // 2:
                scene.check_still_serving()      # not blocked while it arrives
        s.sendall(b'"]}')
    except (BrokenPipeError, ConnectionResetError):
        outcome = "closed while sending (%d MB sent)" % (sent >> 20)
    except socket.timeout:
        outcome = "send blocked (%d MB sent)" % (sent >> 20)
    if outcome is None:
        got = 0
        try:
            while got < total:
                d = s.recv(1 << 20)
                if not d:
                    break
                got += len(d)
        except (ConnectionResetError, socket.timeout):
            pass
        outcome = "echoed" if got >= total else "closed after receiving it"
    s.close()
    if srv.impl == "seam":
        assert outcome.startswith("closed"), outcome
    else:
        assert outcome in ("echoed",) or outcome.startswith("closed"), outcome
    scene.finish()


def test_unknown_method(scene):
    outcome = attack(scene.srv.unix, b'{"method":"no_such_method","params":[],"id":7}')
    assert outcome == {"id": 7, "error": "unknown method"}
    scene.finish()


WRONG_PARAMS = {
    "monitor-1-param": b'{"method":"monitor","params":["hardware_vtep"],"id":1}',
    "monitor-2-params": b'{"method":"monitor","params":["hardware_vtep",null],"id":1}',
    "transact-no-db": b'{"method":"transact","params":[],"id":1}',
    "transact-object-params": b'{"method":"transact","params":{},"id":1}',
    "get_schema-no-db": b'{"method":"get_schema","params":[],"id":1}',
    "lock-no-name": b'{"method":"lock","params":[],"id":1}',
    "echo-object-params": b'{"method":"echo","params":{"a":1},"id":1}',
}


@pytest.mark.parametrize("case", sorted(WRONG_PARAMS))
def test_wrong_params(scene, case):
    srv = scene.srv
    if srv.impl == "ovs" and case.startswith("monitor-"):
        # ovsdb-server 3.1 reads past the params array: undefined behaviour
        # that mostly ends in a crash (SIGSEGV or SIGABRT), but once under a
        # loaded CI it did not.  seam must answer an error instead; for the
        # peer, record what happened and stop.
        srv.expect_exit = True
        outcome = attack(srv.unix, WRONG_PARAMS[case], wait=2)
        try:
            st.wait_until(lambda: not srv.alive(), 3, "ovsdb-server to abort")
            seen = "crashes (rc %s)" % srv.proc.returncode
        except AssertionError:
            seen = "survives, answering %r" % (outcome,)
        pytest.xfail("ovsdb-server 3.1 reads past params on %s and %s" % (case, seen))
    outcome = attack(srv.unix, WRONG_PARAMS[case])
    assert is_error(outcome), outcome
    scene.finish()


def test_client_that_never_reads(scene):
    """A client pipelines echo requests and never reads the replies.  The
    server must stay responsive to everyone else (ovsdb-server stops reading
    from a client whose replies are not being consumed)."""
    srv = scene.srv
    flood = st.connect_socket(srv.unix)
    flood.setblocking(False)
    req = b'{"method":"echo","params":["%s"],"id":1}' % (b"x" * 65536)
    sent = 0
    pending = b""
    blocked_since = None
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline and sent < (160 << 20):
        try:
            if not pending:
                pending = req
            n = flood.send(pending)          # may be partial: keep the rest
            pending = pending[n:]
            sent += n
            blocked_since = None
        except BlockingIOError:
            if blocked_since is None:
                blocked_since = time.monotonic()
                scene.check_still_serving()
            elif time.monotonic() - blocked_since > 0.5:
                break                      # the server stopped reading from us
            time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            break                          # or it dropped us: also fine
    # While the flooder is stuck, others are served promptly, several times.
    t0 = time.monotonic()
    scene.check_still_serving(n=5)
    assert time.monotonic() - t0 < 5
    scene.check_monitor_alive()
    flood.close()
    scene.check_still_serving()
    scene.before = scene.dump()            # the monitor check committed a rename
    scene.finish()


def connect_retrying(remote):
    # ovsdb-server 3.1 accepts about one connection per main-loop pass (256
    # simultaneous connects take 8-19 s; a full unix backlog gives EAGAIN).
    return st.wait_until(lambda: st.connect_socket(remote), 10, "connect to %s" % remote)


def test_many_idle_connections(scene):
    """48 clients connect and say nothing; others are still served."""
    socks = [connect_retrying(scene.srv.unix if i % 2 else scene.srv.tcp) for i in range(48)]
    try:
        scene.check_still_serving()
    finally:
        for s in socks:
            s.close()
    scene.finish()
