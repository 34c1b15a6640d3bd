"""seam's OVSDB client library (src/ovsdb/client.c) through seam-ovsdb-client:
the monitor method fallback against an older server, SSL remotes, the
inactivity probe against a server gone silent, and several remotes.

 - A fake server (fakeserver.FakeServer, replaying a session recorded from
   ovsdb-server) that answers "unknown method" to monitor_cond_since (and to
   monitor_cond): the client falls back to monitor_cond, then to plain
   monitor, syncs the whole database on the same connection, reports the
   method in its stats and applies update2/update notifications.
 - ssl:127.0.0.1:PORT against seam-ovsdb and ovsdb-server with a CA and
   certificates made by the openssl command for this run; a client
   certificate signed by another CA never syncs, and the server keeps
   serving the others.
 - --probe=500 and a unix proxy that stops forwarding in both directions:
   the client drops the connection and reconnects through the proxy once it
   forwards again, or moves to its second remote.
 - The first remote is a unix path nobody listens on: the client syncs with
   the second; when the second dies and a server appears on the first path,
   the client moves there and converges."""

import json
import shutil
import time

import pytest

import clienttool as ct
import fakeserver
import seamtest as st

DB = "seamtest"
SCHEMA = st.TEST_SCHEMA
VTEP = "hardware_vtep"


def start(servers, impl, **kw):
    return servers.start(impl, schema=SCHEMA, **kw)


def nonempty(dump):
    return {t: rows for t, rows in dump.items() if rows}


def insert_roots(remote, names):
    with st.Rpc(remote) as rpc:
        for n in names:
            r = rpc.transact(DB, {"op": "insert", "table": "Root",
                                  "row": {"name": n, "i": len(n), "imm": "x"}})
            assert r.get("error") is None and "error" not in r["result"][0], r


def state_events(tool):
    """[(synced, remote)] of the tool's state events; a lost connection has
    no remote (ovsdb_client_get_remote() is NULL once it is gone)."""
    return [(e["synced"], e.get("remote")) for e in tool.events_of("state")]


def lost(tool):
    return any(not synced for synced, _ in state_events(tool))


# ---------------------------------------------------------------------------
# 1. Monitor method fallback (fake server without monitor_cond_since ...)
# ---------------------------------------------------------------------------

def ls_by_name(dump):
    return {row["name"]: u for u, row in dump.get("Logical_Switch", {}).items()}


@pytest.mark.parametrize("methods,server_db,unknown_error,expect", [
    (("monitor_cond", "monitor"), True, "string", "monitor_cond"),
    (("monitor_cond", "monitor"), True, "object", "monitor_cond"),
    (("monitor",), False, "string", "monitor"),
], ids=["cond", "cond-error-object", "plain-monitor"])
def test_monitor_method_fallback(recorded, tools, workdir, methods, server_db,
                                 unknown_error, expect):
    session, want = recorded
    fake = fakeserver.FakeServer(workdir / "fake.sock", session, methods=methods,
                                 unknown_error=unknown_error, server_db=server_db)
    try:
        tool = tools.start(VTEP, [fake.remote])
        r = tool.wait_synced(15000)
        assert r["stats"]["method"] == expect, (r, fake.log)
        assert r["remote"] == fake.remote
        # The fallback happens on the first connection: no reconnect.
        s = tool.stats()
        assert s["method"] == expect and s["n_connects"] == 1 and s["n_syncs"] == 1, s
        tried = [m for n, m, _ in fake.requests]
        order = list(fakeserver.MONITOR_METHODS)
        assert tried == order[:order.index(expect) + 1], fake.requests
        # The monitor requests are in the form of the method used.
        _, _, params = fake.requests[-1]
        assert params[0] == VTEP and len(params) == 3, params
        for table, req in params[2].items():
            if expect == "monitor":
                assert isinstance(req, dict) and "columns" in req, (table, req)
                assert "where" not in req
            else:
                assert isinstance(req, list) and all("columns" in q for q in req), (table, req)
        err = tool.stderr()
        assert "has no monitor_cond_since; using monitor_cond" in err, err
        if expect == "monitor":
            assert "has no monitor_cond; using monitor" in err, err

        got = ct.canon_dump(tool.dump())
        st.assert_same(nonempty(got), nonempty(want), "replica", "recorded contents")

        # Updates pushed afterwards, in the format of the method (update2 or update).
        assert fake.monitor_methods() == [expect]
        names = ls_by_name(got)
        template = dict(fake.rows["Logical_Switch"][names["ls1"]])
        new = "5ea35ea3-0000-4000-8000-000000000001"
        assert fake.push("Logical_Switch", new,
                         dict(template, name="pushed", description="first")) == 1

        def row(u):
            return tool.dump().get("Logical_Switch", {}).get(u)
        tool.run_until(lambda: (row(new) or {}).get("name") == "pushed",
                       what="the pushed insert (log %r)" % fake.log)
        assert row(new)["description"] == "first"
        assert fake.push("Logical_Switch", new, {"description": "second"}) == 1
        tool.run_until(lambda: (row(new) or {}).get("description") == "second",
                       what="the pushed modify")
        assert row(new)["name"] == "pushed"
        assert fake.push("Logical_Switch", names["ls0"], None) == 1
        tool.run_until(lambda: row(names["ls0"]) is None, what="the pushed delete")

        final = ct.canon_dump(tool.dump())
        expected = json.loads(json.dumps(want))
        del expected["Logical_Switch"][names["ls0"]]
        expected["Logical_Switch"][new] = dict(expected["Logical_Switch"][names["ls1"]],
                                               name="pushed", description="second")
        st.assert_same(nonempty(final), nonempty(expected), "replica", "expected contents")
        assert tool.stats()["n_connects"] == 1

        # Dropped; what changes meanwhile comes with the full resync of the
        # next connection (no monitor_cond_since: nothing to resume from).
        fake.drop()
        tool.run_until(lambda: lost(tool), what="the tool to notice the drop")
        away = "5ea35ea3-0000-4000-8000-000000000002"
        assert fake.push("Logical_Switch", names["ls1"], {"description": "while away"}) == 0
        assert fake.push("Logical_Switch", new, None) == 0
        assert fake.push("Logical_Switch", away, dict(template, name="away")) == 0
        tool.run_until(lambda: tool.stats()["n_syncs"] == 2 and tool.cmd("dump")["synced"],
                       what="the resync (log %r)" % fake.log)
        del expected["Logical_Switch"][new]
        expected["Logical_Switch"][names["ls1"]]["description"] = "while away"
        expected["Logical_Switch"][away] = dict(expected["Logical_Switch"][names["ls2"]],
                                                name="away")
        st.assert_same(nonempty(ct.canon_dump(tool.dump())), nonempty(expected),
                       "replica after the resync", "expected contents")
        s = tool.stats()
        assert s["method"] == expect and s["n_resumed"] == 0, s
        assert fake.monitor_methods() == [expect]
        assert tool.quit() == 0
    finally:
        fake.close()


def test_fallback_is_per_server(recorded, ovs_server, tools, workdir):
    """An old server (plain monitor only) first, a current one second: once
    the client moves to the second it uses monitor_cond_since again, and the
    condition that plain monitor could not express applies."""
    session, want = recorded
    fake = fakeserver.FakeServer(workdir / "old.sock", session, methods=("monitor",),
                                 server_db=False)
    try:
        tool = tools.start(VTEP, [fake.remote, ovs_server.unix],
                           conditions=[("Logical_Switch", [["name", "==", "ls0"]])])
        r = tool.wait_synced()
        assert r["remote"] == fake.remote and r["stats"]["method"] == "monitor", r
        fake.close()
        tool.run_until(lambda: state_events(tool)[-1:] == [(True, ovs_server.unix)],
                       what="a sync with the second remote")
        s = tool.stats()
        names = sorted(row["name"] for row in tool.dump()["Logical_Switch"].values())
        assert (s["method"], names) == ("monitor_cond_since", ["ls0"]), (s, names)
        assert tool.quit() == 0
    finally:
        fake.close()


# ---------------------------------------------------------------------------
# 2. SSL
# ---------------------------------------------------------------------------

def openssl(*args):
    st.run(["openssl"] + [str(a) for a in args], check=True, timeout=30)


@pytest.fixture(scope="module")
def pki():
    """ca1 signs server and client; ca2 signs the intruder."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl")
    d = st.tempdir("si-pki-")
    try:
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ("ca1", "ca2"):
            openssl("req", "-x509", *ec, "-keyout", d / ("%s.key" % ca),
                    "-out", d / ("%s.crt" % ca), "-days", "2",
                    "-subj", "/CN=seam client interop %s" % ca)
        for name, ca in (("server", "ca1"), ("client", "ca1"), ("intruder", "ca2")):
            openssl("req", *ec, "-keyout", d / ("%s.key" % name), "-out", d / ("%s.csr" % name),
                    "-subj", "/CN=%s" % name)
            openssl("x509", "-req", "-in", d / ("%s.csr" % name), "-CA", d / ("%s.crt" % ca),
                    "-CAkey", d / ("%s.key" % ca), "-CAcreateserial",
                    "-CAserial", d / ("%s.srl" % ca), "-out", d / ("%s.crt" % name),
                    "-days", "2")
        yield {n: str(d / n) for n in ("ca1.crt", "ca2.crt", "server.key", "server.crt",
                                       "client.key", "client.crt", "intruder.key",
                                       "intruder.crt")}
    finally:
        st.rmtree(d)


def ssl_args(pki, who="client", ca="ca1.crt"):
    return ["--private-key=%s" % pki["%s.key" % who],
            "--certificate=%s" % pki["%s.crt" % who], "--ca-cert=%s" % pki[ca]]


def start_ssl(servers, impl, pki):
    return start(servers, impl, ssl={"key": pki["server.key"], "cert": pki["server.crt"],
                                     "ca": pki["ca1.crt"]})


def test_ssl_sync(impl, servers, tools, pki):
    srv = start_ssl(servers, impl, pki)
    insert_roots(srv.unix, ["before-a", "before-b"])
    tool = tools.start(DB, [srv.ssl_remote], extra=ssl_args(pki))
    r = tool.wait_synced()
    assert r["remote"] == srv.ssl_remote, r
    ct.converge(tool, srv.unix)
    # Updates arrive over SSL; so do the tool's own transactions.
    insert_roots(srv.unix, ["after"])
    ct.converge(tool, srv.unix)
    r = tool.insert("Root", {"name": "from-ssl-client", "imm": "y"})
    assert r["status"] == "success", r
    ct.converge(tool, srv.unix)
    assert "from-ssl-client" in [row["name"] for row in ct.ovs_dump_json(srv.unix, DB)["Root"].values()]
    assert tool.stats()["n_connects"] == 1
    assert tool.quit() == 0


@pytest.mark.parametrize("who,ca", [("intruder", "ca1.crt"), ("client", "ca2.crt")],
                         ids=["client-cert-from-other-ca", "server-cert-untrusted"])
def test_ssl_refused(impl, servers, tools, pki, who, ca):
    """A client certificate signed by ca2 is refused by the server (and a
    client that trusts only ca2 refuses the server): the tool never syncs,
    keeps retrying, and the server goes on serving a good client."""
    srv = start_ssl(servers, impl, pki)
    insert_roots(srv.unix, ["one"])
    good = tools.start(DB, [srv.ssl_remote], extra=ssl_args(pki))
    good.wait_synced()
    bad = tools.start(DB, [srv.ssl_remote], extra=ssl_args(pki, who, ca))
    r = bad.cmd({"cmd": "wait-synced", "timeout": 1500}, timeout=30)
    assert not r["synced"], r
    # It keeps trying (and failing), and says so once, not per attempt.
    failing = "%s keeps failing" % srv.ssl_remote
    bad.run_until(lambda: failing in bad.stderr(), timeout=15, what="the outage logged")
    time.sleep(1.5)             # Several more attempts (backoff <= 8 s, from 100 ms).
    closed = "connection to %s closed" % srv.ssl_remote
    assert bad.stderr().count(closed) <= 1 and bad.stderr().count(failing) == 1, \
        bad.diagnostics()
    if who == "client":
        # The client refuses the server's certificate in the handshake.
        assert "certificate verify failed" in bad.stderr(), bad.diagnostics()
        assert bad.stats()["n_connects"] == 0
    s = bad.stats()
    assert s["n_syncs"] == 0 and s["rows_received"] == 0, s
    assert not bad.cmd("dump")["synced"]
    assert nonempty(bad.dump()) == {}
    # Told once that it is not synced, never that it is.
    assert [e["synced"] for e in bad.events_of("state")] == [False], bad.events
    # The server still serves the good client, and new connections.
    insert_roots(srv.unix, ["two"])
    ct.converge(good, srv.unix)
    assert srv.alive()
    out = st.ovsdb_client(*ssl_args(pki), "list-dbs", srv.ssl_remote).stdout
    assert DB in out.split()
    late = tools.start(DB, [srv.ssl_remote], extra=ssl_args(pki))
    late.wait_synced()
    ct.converge(late, srv.unix)
    assert bad.quit() == 0 and good.quit() == 0 and late.quit() == 0


# ---------------------------------------------------------------------------
# 3. Inactivity probe
# ---------------------------------------------------------------------------

def test_probe_drops_silent_server_and_reconnects_after_release(impl, servers, tools,
                                                                workdir):
    srv = start(servers, impl)
    insert_roots(srv.unix, ["a", "b"])
    proxy = fakeserver.Proxy(workdir / "proxy.sock", srv.unix)
    try:
        tool = tools.start(DB, [proxy.remote], extra=["--probe=500"])
        tool.wait_synced()
        # Idle but answering: the probes are answered, the connection stays.
        tool.run(1600)
        s = tool.stats()
        assert s["n_connects"] == 1 and tool.cmd("dump")["synced"], (s, tool.diagnostics())

        proxy.hold(both=True)
        t0 = time.monotonic()
        tool.run_until(lambda: lost(tool), timeout=8,
                       what="the probe to drop the silent server")
        dropped = time.monotonic() - t0
        assert dropped < 4.0, dropped
        assert "no response to inactivity probe" in tool.stderr(), tool.diagnostics()
        # Meanwhile the server commits; the replica is what it was.
        before = ct.canon_dump(tool.dump())
        insert_roots(srv.unix, ["during-hold"])
        tool.run(300)
        assert ct.canon_dump(tool.dump()) == before
        assert not tool.cmd("dump")["synced"]

        proxy.release()
        t1 = time.monotonic()
        tool.run_until(lambda: state_events(tool)[-1] == (True, proxy.remote), timeout=10,
                       what="a resync through the proxy")
        assert time.monotonic() - t1 < 6.0
        ct.converge(tool, srv.unix)
        s = tool.stats()
        assert s["n_connects"] >= 2 and s["n_syncs"] >= 2, s
        insert_roots(srv.unix, ["after"])
        ct.converge(tool, srv.unix)
        assert tool.quit() == 0
    finally:
        proxy.close()


def test_probe_moves_to_second_remote(impl, servers, tools, workdir):
    srv = start(servers, impl)
    insert_roots(srv.unix, ["a"])
    proxy = fakeserver.Proxy(workdir / "proxy.sock", srv.unix)
    try:
        tool = tools.start(DB, [proxy.remote, srv.unix], extra=["--probe=500"])
        r = tool.wait_synced()
        assert r["remote"] == proxy.remote, r
        proxy.hold(both=True)
        insert_roots(srv.unix, ["during-hold"])
        t0 = time.monotonic()
        tool.run_until(lambda: state_events(tool)[-1:] == [(True, srv.unix)], timeout=10,
                       what="a resync with the second remote")
        assert time.monotonic() - t0 < 5.0, tool.diagnostics()
        assert state_events(tool) == [(True, proxy.remote), (False, None),
                                      (True, srv.unix)]
        assert "no response to inactivity probe" in tool.stderr()
        ct.converge(tool, srv.unix)
        insert_roots(srv.unix, ["after"])
        ct.converge(tool, srv.unix)
        assert tool.cmd("wait-synced", timeout=100)["remote"] == srv.unix
        assert tool.quit() == 0
    finally:
        proxy.close()


# ---------------------------------------------------------------------------
# 4. Several remotes
# ---------------------------------------------------------------------------

def test_first_remote_dead_then_failover_back(impl, servers, tools, workdir):
    first = workdir / "first.sock"
    first_remote = "unix:%s" % first
    second = start(servers, impl)
    insert_roots(second.unix, ["on-second-1", "on-second-2"])
    tool = tools.start(DB, [first_remote, second.unix])
    r = tool.wait_synced()
    assert r["remote"] == second.unix, r
    ct.converge(tool, second.unix)
    assert "cannot connect to %s" % first_remote in tool.stderr(), tool.diagnostics()

    rc = second.stop()
    if impl == "seam":
        assert rc == 0, second.diagnostics()
    tool.run_until(lambda: lost(tool),
                   what="the tool to notice the second server is gone")
    third = start(servers, impl, extra_args=["--remote=punix:%s" % first])
    insert_roots(third.unix, ["on-first"])
    tool.run_until(lambda: state_events(tool)[-1] == (True, first_remote), timeout=20,
                   what="a sync with the server on the first path")
    ct.converge(tool, third.unix)
    names = sorted(row["name"] for row in tool.dump().get("Root", {}).values())
    assert names == ["on-first"], names
    assert tool.cmd("wait-synced", timeout=100)["remote"] == first_remote
    insert_roots(third.unix, ["on-first-2"])
    ct.converge(tool, third.unix)
    s = tool.stats()
    assert s["n_syncs"] == 2, s
    assert tool.quit() == 0

