"""Where ovsdb-server 3.1 is wrong and seam-ovsdb stays right.

Each test sends the same request to both servers.  For "ovs" it asserts
ovsdb-server's wrong answer (or crash), so that the test fails, and this
list gets shorter, the day ovsdb-server changes; for "seam" it asserts the
right answer.  docs/ovsdb.md lists the same cases."""

import socket

import pytest

import seamtest as st

V = "hardware_vtep"
T = "seamtest"


def crashed(srv, timeout=3):
    try:
        st.wait_until(lambda: not srv.alive(), timeout, "server to exit")
        return True
    except AssertionError:
        return False


def send_and_read(remote, data, wait=3):
    """Sends raw bytes on a new connection; returns the first message, or
    "closed", or "no answer"."""
    c = st.Rpc(remote)
    try:
        c.send_raw(data)
        return c.recv_msg(wait)
    except (st.ConnectionClosed, ConnectionResetError, BrokenPipeError):
        return "closed"
    except socket.timeout:
        return "no answer"
    finally:
        c.close()


def test_monitor_cond_change_without_where(impl, servers):
    """ovsdb-server 3.1 dereferences the missing "where" and crashes."""
    srv = servers.start(impl)
    c = st.Rpc(srv.unix)
    r = c.call("monitor_cond", [V, "c", {"Logical_Switch": [{"columns": ["name"]}]}])
    assert r["error"] is None, r
    c.request("monitor_cond_change", ["c", "c2", {"Logical_Switch": [{}]}])
    if impl == "ovs":
        srv.expect_exit = True
        assert crashed(srv)
        return
    r = c.wait_reply(c.next_id)
    assert r["error"] == {"error": "syntax error", "syntax": "{}", "details":
                          "Parsing table Logical_Switch failed: Required 'where' "
                          "member is missing."}, r
    assert c.call("monitor_cond_change", ["c", "c2", {"Logical_Switch": [
        {"where": [True]}]}])["error"] is None
    c.close()


def insert_root(c, **row):
    r = c.transact(T, {"op": "insert", "table": "Root", "row": dict(name="r", **row)})
    return r["result"][0]


def test_multiply_negative_by_zero(impl, servers):
    """ovsdb-server 3.1 checks "*=" for overflow by dividing by the factor:
    0 times a negative integer kills it with SIGFPE."""
    srv = servers.start(impl, schema=st.TEST_SCHEMA)
    c = st.Rpc(srv.unix)
    assert "uuid" in insert_root(c, i=-5)
    c.request("transact", [T, {"op": "mutate", "table": "Root", "where": [],
                               "mutations": [["i", "*=", 0]]}])
    if impl == "ovs":
        srv.expect_exit = True
        assert crashed(srv)
        return
    assert c.wait_reply(c.next_id)["result"] == [{"count": 1}]
    r = c.transact(T, {"op": "select", "table": "Root", "where": [], "columns": ["i"]})
    assert r["result"] == [{"rows": [{"i": 0}]}]
    c.close()


def test_integer_beyond_64_bits(impl, servers):
    """ovsdb-server reads 2^64 + 1 as 1; seam refuses it as it refuses 2^63.
    (ovsdb-server refuses 2^64 + 7.)"""
    srv = servers.start(impl, schema=st.TEST_SCHEMA)
    with st.Rpc(srv.unix) as c:
        r = insert_root(c, i=2 ** 64 + 1)
        if impl == "ovs":
            assert "uuid" in r, r
            rows = c.transact(T, {"op": "select", "table": "Root", "where": [],
                                  "columns": ["i"]})["result"][0]["rows"]
            assert rows == [{"i": 1}]
            return
        assert r == {"error": "syntax error", "details": "expected integer",
                     "syntax": "1.84467440737096e+19"}, r


def test_product_of_exactly_2_62(impl, servers):
    """1 * 2^62 fits in 64 bits; ovsdb-server calls it a range error."""
    srv = servers.start(impl, schema=st.TEST_SCHEMA)
    with st.Rpc(srv.unix) as c:
        insert_root(c, i=1)
        r = c.transact(T, {"op": "mutate", "table": "Root", "where": [],
                           "mutations": [["i", "*=", 2 ** 62]]})
        if impl == "ovs":
            assert r["result"][0]["error"] == "range error", r
            return
        assert r["result"] == [{"count": 1}], r
        r = c.transact(T, {"op": "select", "table": "Root", "where": [], "columns": ["i"]})
        assert r["result"] == [{"rows": [{"i": 2 ** 62}]}]


def test_strong_reference_to_own_uuid_in_another_table(impl, servers):
    """ovsdb-server skips a strong reference equal to the row's own UUID
    whatever table it points into, so a reference to a row that does not
    exist gets committed."""
    srv = servers.start(impl, schema=st.DATA / "seamgc.ovsschema")
    u = "11111111-2222-3333-4444-555555555555"
    with st.Rpc(srv.unix) as c:
        r = c.transact("seamgc", {"op": "insert", "table": "Top", "uuid": u,
                                  "row": {"name": "t", "leaf": ["uuid", u]}})
        if impl == "ovs":
            assert r["result"] == [{"uuid": ["uuid", u]}], r
            return
        assert r["result"][1] == {
            "error": "referential integrity violation",
            "details": "Table Top column leaf row %s references nonexistent row %s "
                       "in table Leaf." % (u, u)}, r


def test_denormal_real(impl, servers):
    """ovsdb-server's JSON lexer refuses denormals and drops the connection."""
    srv = servers.start(impl, schema=st.TEST_SCHEMA)
    out = send_and_read(srv.unix, b'{"method":"transact","id":1,"params":["seamtest",'
                        b'{"op":"insert","table":"Root","row":{"r":5e-324}}]}')
    if impl == "ovs":
        assert out == "closed", out
        return
    assert "uuid" in out["result"][0], out
    with st.Rpc(srv.unix) as c:
        r = c.transact(T, {"op": "select", "table": "Root", "where": [], "columns": ["r"]})
        assert r["result"][0]["rows"][0]["r"] == 5e-324


def test_invalid_utf8_is_not_echoed(impl, servers):
    """ovsdb-server echoes invalid UTF-8 back; seam closes the connection."""
    srv = servers.start(impl)
    s = st.connect_socket(srv.unix)
    s.settimeout(3)
    s.sendall(b'{"method":"echo","id":1,"params":["bad\xffutf8"]}')
    data = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
            if data.count(b"}") >= 1:
                break
    except socket.timeout:
        pass
    s.close()
    if impl == "ovs":
        assert b"bad\xffutf8" in data, data
        return
    assert data == b"", data


def test_dangling_weak_reference_update(impl, servers):
    """An update that only adds weak references to rows that do not exist
    changes nothing: seam sends no update; ovsdb-server sends a "modify"
    holding only _version."""
    srv = servers.start(impl, schema=st.TEST_SCHEMA)
    with st.Rpc(srv.unix) as c:
        insert_root(c)
        mon = st.Rpc(srv.unix)
        r = mon.call("monitor_cond", [T, "m", {"Root": [{}]}])
        assert r["error"] is None
        r = c.transact(T, {"op": "mutate", "table": "Root", "where": [], "mutations": [
            ["weak", "insert", ["set", [["uuid", "11111111-2222-3333-4444-555555555555"]]]]]})
        assert r["result"] == [{"count": 1}], r
        c.transact(T, {"op": "insert", "table": "Target", "row": {"n": 1}})
        mon.call("monitor_cond", [T, "probe", {"Target": [{"columns": ["n"]}]}])
        notes = [n for n in mon.notifications if n["params"][0] == "m"]
        if impl == "ovs":
            assert len(notes) == 1 and list(list(notes[0]["params"][1]["Root"].values())[0]
                                            ["modify"]) == ["_version"], notes
        else:
            assert notes == [], notes
        mon.close()


@pytest.mark.parametrize("params", [[], [V], [V, None]])
def test_monitor_with_fewer_than_3_params(impl, servers, params):
    """ovsdb-server 3.1 reads past the params array (see test_bad_input.py)."""
    if impl == "ovs":
        pytest.skip("undefined behaviour in ovsdb-server 3.1: see test_bad_input.py")
    srv = servers.start(impl)
    with st.Rpc(srv.unix) as c:
        r = c.call("monitor", params)
        assert r["error"]["error"] == "syntax error", r
        assert c.call("echo", [1])["result"] == [1]
