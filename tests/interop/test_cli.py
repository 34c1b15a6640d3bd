"""The command line and process behaviour: --help, foreground serving,
--pidfile, --log-file, several databases, SIGTERM."""

import json
import os
import signal

import seamtest as st


def test_help(impl):
    binary = st.OVSDB_SERVER if impl == "ovs" else st.seam_binary()
    p = st.run([binary, "--help"], check=True)
    assert "--remote" in p.stdout and "--pidfile" in p.stdout
    if impl == "seam":
        for opt in ("punix:", "ptcp:", "pssl:", "--private-key", "--certificate", "--ca-cert",
                    "--log-file", "--log-level", "create"):
            assert opt in p.stdout, opt


def test_sigterm_pidfile_and_files(server):
    """Runs in the foreground (the pid we started is the server), writes its
    pid, logs to --log-file; SIGTERM ends it and removes pidfile and socket.
    Exit code: seam 0; ovsdb-server re-raises the signal (-15)."""
    assert server.pidfile.read_text().strip() == str(server.pid)
    assert server.logfile.exists() and server.logfile.stat().st_size > 0
    rc = server.stop(signal.SIGTERM)
    assert rc == (0 if server.impl == "seam" else -signal.SIGTERM)
    assert not server.pidfile.exists()
    assert not server.sock_path.exists()
    # And it starts again on the same paths.
    server.start()
    assert st.vtep_ctl(server.unix, "list-ls").returncode == 0


def test_sigint_is_clean_too(server):
    rc = server.stop(signal.SIGINT)
    assert rc == (0 if server.impl == "seam" else -signal.SIGINT)


def test_two_databases(impl, servers, workdir):
    """Several DBFILE arguments: each database is served under its own name."""
    d1 = st.create_db(impl, workdir / "vtep.db", st.VTEP_SCHEMA)
    d2 = st.create_db(impl, workdir / "test.db", st.TEST_SCHEMA)
    srv = servers.start(impl, dbs=[d1, d2])
    with st.Rpc(srv.unix) as c:
        assert sorted(c.call("list_dbs", [])["result"]) == ["_Server", "hardware_vtep", "seamtest"]
        r1 = c.transact("hardware_vtep", {"op": "insert", "table": "Logical_Switch",
                                          "row": {"name": "ls"}})
        r2 = c.transact("seamtest", {"op": "insert", "table": "Root", "row": {"name": "r"}})
        assert "uuid" in r1["result"][0] and "uuid" in r2["result"][0]
        # A transaction names exactly one database.
        r3 = c.transact("seamtest", {"op": "select", "table": "Logical_Switch", "where": []})
        assert r3["result"][0]["error"] == "syntax error"
    srv.stop()
    for db, q, n in ((d1, ["hardware_vtep", {"op": "select", "table": "Logical_Switch",
                                             "where": [], "columns": ["name"]}], "ls"),
                     (d2, ["seamtest", {"op": "select", "table": "Root", "where": [],
                                        "columns": ["name"]}], "r")):
        out = json.loads(st.run([st.OVSDB_TOOL, "query", db, json.dumps(q)], check=True).stdout)
        assert out == [{"rows": [{"name": n}]}]


def test_missing_db_file_fails(impl, workdir):
    """A database that does not exist: a non-zero exit, not a hang."""
    binary = st.OVSDB_SERVER if impl == "ovs" else st.seam_binary()
    args = [binary, "--remote=punix:%s" % (workdir / "x.sock")]
    if impl == "ovs":
        args += ["--no-chdir", "--unixctl=%s" % (workdir / "x.ctl")]
    p = st.run(args + [workdir / "nope.db"], timeout=10)
    assert p.returncode != 0
    assert "nope.db" in p.stderr + p.stdout


def test_not_daemonized(server):
    """The process we started is the one serving (no fork into the background)."""
    assert server.alive()
    with open("/proc/%d/status" % server.pid) as f:
        assert "PPid:\t%d" % os.getpid() in f.read()
