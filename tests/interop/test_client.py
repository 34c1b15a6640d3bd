"""seam's OVSDB client library (src/ovsdb/client.c) through seam-ovsdb-client,
against seam-ovsdb and Open vSwitch's ovsdb-server (standalone).

The replica is compared with a fresh `ovsdb-client dump` after random
transactions from another client and after a kill -9 and restart of the
server.  A unix-socket proxy (fakeserver.Proxy) decides when the client is
disconnected, so that what it missed is known: seam-ovsdb keeps a
transaction history and monitor_cond_since brings only those rows;
ovsdb-server 3.1 keeps none for standalone databases and the client resyncs
in full."""

import json
import random
import signal
import subprocess

import pytest

import clienttool as ct
import fakeserver
import seamtest as st

DB = "seamtest"
SCHEMA = st.TEST_SCHEMA
ZERO = "00000000-0000-0000-0000-000000000000"


def start(servers, impl):
    return servers.start(impl, schema=SCHEMA)


# ---------------------------------------------------------------------------
# Random transactions from another client
# ---------------------------------------------------------------------------

class RandomWriter:
    """Random transactions on Root and Target over a raw JSON-RPC connection:
    inserts, updates of scalars/optionals/sets/maps, set and map mutations,
    weak references (deleting a Target changes the Roots that refer to it),
    deletes."""

    def __init__(self, remote, seed):
        self.rng = random.Random(seed)
        self.remote = remote
        self.rpc = st.Rpc(remote)
        self.n = 0

    def close(self):
        self.rpc.close()

    def reconnect(self, remote=None):
        self.rpc.close()
        self.rpc = st.Rpc(remote or self.remote)

    def uuids(self, table):
        r = self.rpc.transact(DB, {"op": "select", "table": table, "where": [],
                                   "columns": ["_uuid"]})
        return [row["_uuid"][1] for row in r["result"][0]["rows"]]

    def op(self):
        rng = self.rng
        roots, targets = self.uuids("Root"), self.uuids("Target")
        self.n += 1
        choice = rng.random()
        if choice < 0.3 or not roots:
            row = {"name": "r%d-%d" % (self.n, rng.randrange(1000)), "i": rng.randrange(-50, 50),
                   "r": rng.choice([0.5, -2.25, 3.0]), "b": rng.random() < 0.5,
                   "iset": ["set", rng.sample(range(20), rng.randrange(4))],
                   "smap": ["map", [["k%d" % k, "v%d" % rng.randrange(9)]
                                    for k in rng.sample(range(6), rng.randrange(3))]],
                   "imm": "x"}
            if targets and rng.random() < 0.6:
                row["weak"] = ["set", [["uuid", u] for u in
                                       rng.sample(targets, min(len(targets), 2))]]
                row["weakmap"] = ["map", [["w", ["uuid", rng.choice(targets)]]]]
            op = {"op": "insert", "table": "Root", "row": row}
        elif choice < 0.45:
            op = {"op": "insert", "table": "Target", "row": {"n": rng.randrange(100)}}
        elif choice < 0.6:
            row = rng.choice([{"i": rng.randrange(100)}, {"ii": ["set", []]}, {"ii": 7},
                              {"ri": rng.choice([1.5, -9.0])}, {"b": True},
                              {"sset3": ["set", ["a", "b"]]}, {"strlen": "abc"},
                              {"imap": ["map", [[1, 0.5], [2, 1.5]]]}])
            op = {"op": "update", "table": "Root", "where": [["_uuid", "==", ["uuid", rng.choice(roots)]]],
                  "row": row}
        elif choice < 0.75:
            col, val = rng.choice([("iset", ["set", [rng.randrange(30)]]),
                                   ("smap", ["map", [["k%d" % rng.randrange(6), "m"]]]),
                                   ("rset", ["set", [0.25, 1.0]])])
            op = {"op": "mutate", "table": "Root", "where": [["_uuid", "==", ["uuid", rng.choice(roots)]]],
                  "mutations": [[col, rng.choice(["insert", "delete"]), val]]}
        elif choice < 0.85 and targets:
            op = {"op": "delete", "table": "Target", "where": [["_uuid", "==", ["uuid", rng.choice(targets)]]]}
        else:
            op = {"op": "delete", "table": "Root", "where": [["_uuid", "==", ["uuid", rng.choice(roots)]]]}
        r = self.rpc.transact(DB, op)
        assert r.get("error") is None, r
        return r


def test_help_and_usage(tools):
    d = tools.dir()
    if ct.tool_binary() is None:
        pytest.skip(ct.tool_skip_reason())
    p = ct.run_tool(d, ["--help"])
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("Usage: seam-ovsdb-client")
    for word in ("dump", "watch", "script", "--condition", "--no-leader-only", "--probe"):
        assert word in p.stdout
    p = ct.run_tool(d, ["--db=x", "--remote=unix:/nonexistent"])
    assert p.returncode == 2 and "COMMAND" in p.stderr
    p = ct.run_tool(d, ["--db=x", "--remote=unix:/nonexistent", "frobnicate"])
    assert p.returncode == 2 and "unknown command" in p.stderr
    p = ct.run_tool(d, ["dump"])
    assert p.returncode == 2 and "--db" in p.stderr
    p = ct.run_tool(d, ["--db=x", "--remote=unix:/x", "--condition=T:notjson", "dump"])
    assert p.returncode == 2 and "--condition" in p.stderr
    # Nothing listens: dump gives up after --timeout, exit 1.
    p = ct.run_tool(d, ["--db=x", "--remote=unix:%s/none.sock" % d, "--timeout=300", "dump"])
    assert p.returncode == 1 and "not synced" in p.stderr


def test_dump_after_random_transactions(impl, servers, tools):
    """A replica kept while another client runs random transactions equals a
    fresh ovsdb-client dump; so does `seam-ovsdb-client dump`."""
    srv = start(servers, impl)
    tool = tools.start(DB, [srv.unix])
    r = tool.wait_synced()
    assert r["stats"]["method"] == "monitor_cond_since"
    w = RandomWriter(srv.tcp, seed=7047)
    try:
        for i in range(60):
            w.op()
            if i % 20 == 19:
                ct.converge(tool, srv.unix)
    finally:
        w.close()
    ct.converge(tool, srv.unix)
    assert tool.quit() == 0

    d = tools.dir()
    p = ct.run_tool(d, ct.tool_args(DB, [srv.tcp]) + ["-f", "json", "dump"])
    assert p.returncode == 0, p.stderr
    st.assert_same(ct.canon_dump(json.loads(p.stdout)),
                   ct.canon_dump(ct.ovs_dump_json(srv.unix, DB)),
                   "seam-ovsdb-client dump", "ovsdb-client dump")
    # The default format is ovsdb-client's table format, byte for byte.
    p = ct.run_tool(d, ct.tool_args(DB, [srv.tcp]) + ["dump"])
    assert p.returncode == 0, p.stderr
    st.assert_same_text(p.stdout, st.ovsdb_client("dump", srv.unix, DB).stdout,
                        "seam-ovsdb-client dump", "ovsdb-client dump")
    cols = ["--table=Root:name,i,smap", "--table=Target"]
    p = ct.run_tool(d, ct.tool_args(DB, [srv.tcp]) + cols + ["dump"])
    assert p.returncode == 0, p.stderr
    want = (st.ovsdb_client("dump", srv.unix, DB, "Root", "name", "i", "smap").stdout
            + "\n" + st.ovsdb_client("dump", srv.unix, DB, "Target").stdout)
    st.assert_same_text(p.stdout, want, "seam-ovsdb-client dump --table", "ovsdb-client dump")
    p = ct.run_tool(d, ct.tool_args(DB, [srv.tcp]) + ["--format=xml", "dump"])
    assert p.returncode == 2 and "unknown format" in p.stderr


def test_kill_and_restart_converges(impl, servers, tools):
    """kill -9 the server mid-stream, restart it on the same file: the
    replica converges.  ovsdb-server keeps no history for a standalone
    database: the resync is a full one.  seam-ovsdb's history starts empty
    after a restart, but it knows its last transaction id: a client that
    reconnects before the next commit resumes with nothing missed."""
    srv = start(servers, impl)
    tool = tools.start(DB, [srv.unix])
    tool.wait_synced()
    w = RandomWriter(srv.tcp, seed=1)
    try:
        for _ in range(25):
            w.op()
        srv.stop(signal.SIGKILL)
        tool.run_until(lambda: any(not e["synced"] for e in tool.events_of("state")),
                       what="the tool to notice the dead server")
        srv.start()
        w.reconnect(srv.tcp)
        for _ in range(25):
            w.op()
    finally:
        w.close()
    ct.converge(tool, srv.unix)
    s = tool.stats()
    assert s["n_connects"] >= 2 and s["n_syncs"] >= 2, s
    if impl == "ovs":
        assert s["n_resumed"] == 0, s
    assert [e["synced"] for e in tool.events_of("state")][:3] == [True, False, True]


def count_rows(tool, table):
    return len(tool.dump().get(table, {}))


def test_resume_only_missed_changes(impl, servers, tools, workdir):
    """Cut the client's connection (through a proxy), commit 3 changes it
    misses, let it reconnect: against seam-ovsdb monitor_cond_since finds the
    client's last transaction and exactly the 3 missed rows cross the wire;
    ovsdb-server (standalone, no history) sends everything again."""
    srv = start(servers, impl)
    rpc = st.Rpc(srv.unix)
    n_rows = 40
    for i in range(n_rows):
        assert rpc.transact(DB, {"op": "insert", "table": "Root",
                                 "row": {"name": "n%d" % i, "i": i}})["error"] is None
    proxy = fakeserver.Proxy(workdir / "proxy.sock", srv.unix)
    try:
        tool = tools.start(DB, [proxy.remote], tables=["Root:name,i"])
        tool.wait_synced()
        # One more change while connected, so the client's last id is not
        # the one of the initial contents.
        rpc.transact(DB, {"op": "update", "table": "Root", "where": [["name", "==", "n0"]],
                          "row": {"i": 100}})
        tool.run_until(lambda: any(r["i"] == 100 for r in tool.dump()["Root"].values()),
                       what="the first update")
        before = tool.stats()
        assert before["rows_received"] == n_rows + 1, before

        proxy.cut()
        tool.run_until(lambda: any(not e["synced"] for e in tool.events_of("state")),
                       what="the tool to notice the cut")
        rpc.transact(DB, {"op": "insert", "table": "Root", "row": {"name": "new"}})
        rpc.transact(DB, {"op": "update", "table": "Root", "where": [["name", "==", "n1"]],
                          "row": {"i": -1}})
        rpc.transact(DB, {"op": "delete", "table": "Root", "where": [["name", "==", "n2"]]})
        tool.cmd("changes", table="Root")
        proxy.resume()
        tool.run_until(lambda: tool.stats()["n_syncs"] == 2, what="the resync")
        ct.converge(tool, srv.unix, tables=["Root"], columns={"Root": ["name", "i"]})
        after = tool.stats()
        received = after["rows_received"] - before["rows_received"]
        kinds = sorted(c["kind"] for c in tool.changes("Root"))
        assert kinds == ["delete", "insert", "modify"], kinds
        if impl == "seam":
            assert after["n_resumed"] == 1, after
            assert received == 3, after
        else:
            assert after["n_resumed"] == 0, after
            assert received >= n_rows, after
    finally:
        proxy.close()
        rpc.close()


def test_watch_prints_changes_and_exits_on_sigterm(impl, servers, tools):
    srv = start(servers, impl)
    rpc = st.Rpc(srv.unix)
    u0 = rpc.transact(DB, {"op": "insert", "table": "Root", "row": {"name": "a"}})["result"][0]["uuid"][1]
    d = tools.dir()
    p = subprocess.Popen([str(ct.tool_binary())] + ct.tool_args(DB, [srv.unix], ["Root:name,i"])
                         + ["watch"], stdout=subprocess.PIPE, stderr=open(d / "watch.stderr", "wb"),
                         stdin=subprocess.DEVNULL, env=ct.tool_env(d), cwd=str(d), text=True)
    try:
        first = json.loads(p.stdout.readline())
        assert first == {"Root": {u0: {"name": "a", "i": 0}}}
        u1 = rpc.transact(DB, {"op": "insert", "table": "Root", "row": {"name": "b", "i": 2}})["result"][0]["uuid"][1]
        assert json.loads(p.stdout.readline()) == {"table": "Root", "uuid": u1, "kind": "insert",
                                                   "row": {"name": "b", "i": 2}}
        rpc.transact(DB, {"op": "update", "table": "Root", "where": [["name", "==", "a"]],
                          "row": {"i": 5, "b": True}})
        assert json.loads(p.stdout.readline()) == {"table": "Root", "uuid": u0, "kind": "modify",
                                                   "row": {"name": "a", "i": 5}, "columns": ["i"]}
        rpc.transact(DB, {"op": "delete", "table": "Root", "where": [["name", "==", "b"]]})
        assert json.loads(p.stdout.readline()) == {"table": "Root", "uuid": u1, "kind": "delete",
                                                   "row": {"name": "b", "i": 2}}
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
        p.stdout.close()
        rpc.close()


def by_kind(changes):
    return sorted((c["kind"], c["row"].get("name"), tuple(c.get("columns", ()))) for c in changes)


def test_change_tracking(impl, servers, tools):
    """Inserted, modified (with the columns), deleted (last contents); an
    insert then a modify is one insert; an insert then a delete is nothing."""
    srv = start(servers, impl)
    rpc = st.Rpc(srv.unix)
    tool = tools.start(DB, [srv.unix], tables=["Root:name,i,smap,iset"])
    tool.wait_synced()
    assert tool.changes("Root") == []

    def write(*ops):
        r = rpc.transact(DB, *ops)
        assert r["error"] is None and all("error" not in x for x in r["result"]), r
        return r

    def settle(pred):
        return tool.run_until(lambda: pred(tool.dump().get("Root", {})), what="replica update")

    write({"op": "insert", "table": "Root", "row": {"name": "a"}})
    write({"op": "update", "table": "Root", "where": [["name", "==", "a"]], "row": {"i": 1}})
    write({"op": "insert", "table": "Root", "row": {"name": "gone"}})
    write({"op": "delete", "table": "Root", "where": [["name", "==", "gone"]]})
    settle(lambda rows: any(r["i"] == 1 for r in rows.values()))
    ch = tool.changes("Root")
    assert by_kind(ch) == [("insert", "a", ())], ch
    assert ch[0]["row"]["i"] == 1
    assert tool.changes("Root") == []          # cleared

    write({"op": "mutate", "table": "Root", "where": [["name", "==", "a"]],
           "mutations": [["smap", "insert", ["map", [["k", "v"]]]], ["iset", "insert", 3]]})
    write({"op": "update", "table": "Root", "where": [["name", "==", "a"]], "row": {"r": 2.5}})
    settle(lambda rows: any(r["iset"] == 3 for r in rows.values()))
    ch = tool.changes("Root")
    assert by_kind(ch) == [("modify", "a", ("iset", "smap"))], ch

    write({"op": "update", "table": "Root", "where": [["name", "==", "a"]], "row": {"i": 9}})
    write({"op": "delete", "table": "Root", "where": [["name", "==", "a"]]})
    settle(lambda rows: not rows)
    ch = tool.changes("Root")
    assert len(ch) == 1 and ch[0]["kind"] == "delete", ch
    assert ch[0]["row"] == {"name": "a", "i": 9, "smap": ["map", [["k", "v"]]], "iset": 3}
    rpc.close()


def test_conditions_changed_at_run_time(impl, servers, tools):
    srv = start(servers, impl)
    rpc = st.Rpc(srv.unix)
    for n in "abc":
        rpc.transact(DB, {"op": "insert", "table": "Root", "row": {"name": n}})
    tool = tools.start(DB, [srv.unix], tables=["Root:name"],
                       conditions=[("Root", [["name", "==", "a"]])])
    tool.wait_synced()

    def names():
        return sorted(r["name"] for r in tool.dump().get("Root", {}).values())
    assert names() == ["a"]
    tool.changes("Root")
    assert tool.cmd("condition", table="Root", where=[["name", "!=", "a"]]) == {"status": "ok"}
    tool.run_until(lambda: names() == ["b", "c"], what="rows b and c only")
    assert by_kind(tool.changes("Root")) == [("delete", "a", ()), ("insert", "b", ()),
                                             ("insert", "c", ())]
    # New rows follow the condition.
    rpc.transact(DB, {"op": "insert", "table": "Root", "row": {"name": "d"}})
    rpc.transact(DB, {"op": "update", "table": "Root", "where": [["name", "==", "a"]],
                      "row": {"i": 4}})
    tool.run_until(lambda: names() == ["b", "c", "d"], what="row d")
    assert tool.cmd("condition", table="Root", where=None) == {"status": "ok"}
    tool.run_until(lambda: names() == ["a", "b", "c", "d"], what="all rows")
    rpc.close()


def select_root(rpc, name):
    r = rpc.transact(DB, {"op": "select", "table": "Root", "where": [["name", "==", name]]})
    rows = r["result"][0]["rows"]
    return rows[0] if rows else None


def test_transactions(impl, servers, tools):
    """insert, update, set and map mutations (add, remove, remove by key),
    delete, and a server error, each checked on the server."""
    srv = start(servers, impl)
    rpc = st.Rpc(srv.unix)
    tool = tools.start(DB, [srv.unix])
    tool.wait_synced()

    r = tool.insert("Root", {"name": "t", "i": 3, "iset": ["set", [1, 2]],
                             "smap": ["map", [["a", "1"], ["b", "2"]]], "imm": "fixed"})
    assert r["status"] == "success" and r["tries"] == 1, r
    u = r["uuid"]
    row = select_root(rpc, "t")
    assert row["_uuid"] == ["uuid", u] and row["i"] == 3 and row["imm"] == "fixed"
    assert tool.dump()["Root"][u]["iset"] == ["set", [1, 2]]

    assert tool.update("Root", u, {"i": 4, "ri": 2.5})["status"] == "success"
    assert tool.mutate("Root", u, "iset", True, ["set", [5, 6]])["status"] == "success"
    assert tool.mutate("Root", u, "iset", False, ["set", [1]])["status"] == "success"
    assert tool.mutate("Root", u, "smap", True, ["map", [["c", "3"], ["a", "ignored"]]])["status"] \
        == "success"
    assert tool.mutate("Root", u, "smap", False, ["map", [["b", "2"]]])["status"] == "success"
    assert tool.mutate("Root", u, "smap", False, ["set", ["c"]])["status"] == "success"
    row = select_root(rpc, "t")
    assert (row["i"], row["ri"]) == (4, 2.5)
    assert row["iset"] == ["set", [2, 5, 6]]
    assert row["smap"] == ["map", [["a", "1"]]]
    assert tool.dump()["Root"][u]["smap"] == ["map", [["a", "1"]]]

    # Errors: a duplicate in a unique index, an immutable column, no such row.
    r = tool.insert("Root", {"name": "t"})
    assert r["status"] == "error" and "constraint violation" in r["error"], r
    r = tool.update("Root", u, {"imm": "changed"})
    assert r["status"] == "error" and "constraint violation" in r["error"], r
    r = tool.update("Root", ZERO, {"i": 1})
    assert r["status"] == "error" and "no row" in r["error"], r

    assert tool.delete("Root", u)["status"] == "success"
    assert select_root(rpc, "t") is None
    assert tool.dump()["Root"] == {}
    rpc.close()


def test_verify_try_again(impl, servers, tools, workdir):
    """A verify of a column another client changed meanwhile: TRY_AGAIN
    (max_tries 1); with retries, the second try, built from the fresh
    replica, commits."""
    srv = start(servers, impl)
    rpc = st.Rpc(srv.unix)
    proxy = fakeserver.Proxy(workdir / "proxy.sock", srv.unix)
    try:
        tool = tools.start(DB, [proxy.remote], tables=["Root:name,i,b"])
        tool.wait_synced()
        u = tool.insert("Root", {"name": "v", "i": 1})["uuid"]
        for max_tries, want_status, want_tries in ((1, "try again", 1), (5, "success", 2)):
            # The replica is stale while the other client's change is held.
            proxy.hold()
            r = rpc.transact(DB, {"op": "mutate", "table": "Root", "where": [["name", "==", "v"]],
                                  "mutations": [["i", "+=", 1]]})
            assert r["error"] is None
            sent = proxy.upstream_count(b'"transact"')
            tool.send("update", table="Root", uuid=u, row={"b": True}, verify=["i"],
                      max_tries=max_tries)
            # The request reaches the server; its answer waits in the proxy
            # behind the held update.
            st.wait_until(lambda: proxy.upstream_count(b'"transact"') > sent,
                          what="the tool's transaction to pass the proxy")
            proxy.release()
            r = tool.reply()
            assert (r["status"], r["tries"]) == (want_status, want_tries), r
            if want_status == "try again":
                assert "timed out" in r.get("error", ""), r
                assert select_root(rpc, "v")["b"] is False
        assert select_root(rpc, "v")["b"] is True
        # Verify of a column nobody changed: one try.
        r = tool.update("Root", u, {"i": 50}, verify=["i", "b"])
        assert (r["status"], r["tries"]) == ("success", 1), r
    finally:
        proxy.close()
        rpc.close()


def test_locks_between_two_tools(impl, servers, tools):
    srv = start(servers, impl)
    a = tools.start(DB, [srv.unix], tables=["Target"])
    b = tools.start(DB, [srv.unix], tables=["Target"])
    a.wait_synced()
    b.wait_synced()

    def held(tool, name="L"):
        return [e["held"] for e in tool.events_of("lock") if e["name"] == name]

    a.cmd("lock", name="L")
    a.run_until(lambda: held(a) == [True], what="a to hold L")
    r = b.cmd("lock", name="L")
    assert r == {"status": "ok", "held": False}
    b.run(100)
    assert held(b) == []
    assert a.cmd("unlock", name="L") == {"status": "ok", "held": False}
    b.run_until(lambda: held(b) == [True], what="b to get L after a unlocked")
    # a steals it back: b is told it lost it.
    a.cmd("lock", name="L", steal=True)
    a.run_until(lambda: held(a) == [True, False, True], what="a to hold L again")
    b.run_until(lambda: held(b) == [True, False], what="b to lose L")
    assert a.quit() == 0 and b.quit() == 0


def test_sigterm_exits_cleanly(impl, servers, tools):
    srv = start(servers, impl)
    tool = tools.start(DB, [srv.unix])
    tool.wait_synced()
    tool.signal(signal.SIGTERM)
    assert tool.wait() == 0
    tool2 = tools.start(DB, [srv.unix])
    tool2.wait_synced()
    tool2.signal(signal.SIGINT)
    assert tool2.wait() == 0


def test_condition_change_keeps_updates_in_flight(impl, servers, tools, workdir):
    """An update the server sent under the monitor's old id, before it saw
    monitor_cond_change, still belongs to the replica."""
    srv = start(servers, impl)
    rpc = st.Rpc(srv.unix)
    rpc.transact(DB, {"op": "insert", "table": "Root", "row": {"name": "a"}})
    proxy = fakeserver.Proxy(workdir / "proxy.sock", srv.unix)
    try:
        tool = tools.start(DB, [proxy.remote], tables=["Root:name,i"],
                           conditions=[("Root", [["name", "!=", "x"]])])
        tool.wait_synced()
        proxy.hold()
        rpc.transact(DB, {"op": "update", "table": "Root", "where": [["name", "==", "a"]],
                          "row": {"i": 5}})
        sent = proxy.upstream_count(b'"monitor_cond_change"')
        tool.send("condition", table="Root", where=[["name", "!=", "y"]])
        # The change reaches the server while the update waits in the proxy.
        st.wait_until(lambda: proxy.upstream_count(b'"monitor_cond_change"') > sent,
                      what="monitor_cond_change to pass the proxy")
        proxy.release()
        assert tool.reply() == {"status": "ok"}
        tool.run_until(lambda: [r["i"] for r in tool.dump()["Root"].values()] == [5],
                       timeout=5, what="the update sent before the condition change")
    finally:
        proxy.close()
        rpc.close()


def test_condition_on_a_table_not_replicated(impl, servers, tools):
    """A condition on a table the program did not name does not make it
    replicated (client.h: it waits for ovsdb_client_add_table()); the tables
    that are replicated keep their rows and the session stays synced."""
    srv = start(servers, impl)
    rpc = st.Rpc(srv.unix)
    rpc.transact(DB, {"op": "insert", "table": "Root", "row": {"name": "r"}})
    rpc.transact(DB, {"op": "insert", "table": "Target", "row": {"n": 1}})
    tool = tools.start(DB, [srv.unix], tables=["Root:name"])
    tool.wait_synced()
    assert tool.cmd("condition", table="Target", where=[["n", "==", 1]]) == {"status": "ok"}
    tool.cmd("run", ms=200)
    dump = tool.dump()
    assert [r["name"] for r in dump["Root"].values()] == ["r"]
    assert not dump.get("Target")
    rpc.transact(DB, {"op": "insert", "table": "Root", "row": {"name": "s"}})
    tool.run_until(lambda: sorted(r["name"] for r in tool.dump()["Root"].values()) == ["r", "s"],
                   timeout=5, what="Root still replicated after the condition")
    rpc.close()
