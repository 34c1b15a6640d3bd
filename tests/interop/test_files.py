"""Database files interchanged both ways between the implementations and the
Open vSwitch tools (ovsdb-tool, ovsdb-server).

Files are compared through their content with the real UUIDs (the same file
read by two programs must give the same UUIDs), never byte for byte: OVS
writes JSON members in hash order."""

import hashlib
import json
import shutil
import signal

import pytest

import seamtest as st

DB = "hardware_vtep"


def select_all_ops(schema):
    ops = []
    for t in sorted(schema["tables"]):
        cols = sorted(schema["tables"][t]["columns"]) + ["_uuid"]
        ops.append({"op": "select", "table": t, "where": [], "columns": cols})
    return ops


def by_uuid(dump):
    """{table: rows sorted by _uuid} without empty tables."""
    return {t: sorted(rows, key=lambda r: r["_uuid"][1]) for t, rows in dump.items() if rows}


def tool_query(dbfile, schema):
    p = st.run([st.OVSDB_TOOL, "query", dbfile, json.dumps([schema["name"]] + select_all_ops(schema))],
               check=True)
    res = json.loads(p.stdout)
    return by_uuid({t: r["rows"] for t, r in zip(sorted(schema["tables"]), res)})


def served(srv, schema):
    with st.Rpc(srv.unix) as c:
        return by_uuid(st.dump_tables(c, schema["name"], schema))


def transact(srv, *ops):
    with st.Rpc(srv.unix) as c:
        reply = c.transact(DB, *ops)
    assert reply["error"] is None and all("error" not in r for r in reply["result"]), reply
    return reply["result"]


def show_log(dbfile):
    return st.run([st.OVSDB_TOOL, "show-log", dbfile], check=True).stdout


def log_comments(text, sock_path=None):
    """The record lines of ovsdb-tool show-log, dates removed, paths normalised."""
    out = []
    for line in text.splitlines():
        if not line.startswith("record "):
            continue
        num, _, rest = line.partition(": ")
        # 'record 1: 2026-11-26 09:43:29.442 "comment"' -> '"comment"'
        parts = rest.split(" ", 2)
        if len(parts) >= 2 and parts[0][:2] == "20":
            rest = parts[2] if len(parts) == 3 else ""
        if sock_path:
            rest = rest.replace(str(sock_path), "SOCK")
        out.append("%s: %s" % (num, rest))
    return out


OVSDB_TOOL_TXNS = [
    [DB, {"op": "insert", "table": "Logical_Switch", "uuid-name": "ls",
          "row": {"name": "ls0", "tunnel_key": 5000, "other_config": ["map", [["a", "b"]]]}},
     {"op": "insert", "table": "Physical_Locator", "uuid-name": "loc",
      "row": {"dst_ip": "10.0.0.2", "encapsulation_type": "vxlan_over_ipv4"}},
     {"op": "insert", "table": "Ucast_Macs_Remote",
      "row": {"MAC": "00:11:22:33:44:55", "ipaddr": "192.168.0.5",
              "logical_switch": ["named-uuid", "ls"], "locator": ["named-uuid", "loc"]}},
     {"op": "insert", "table": "Physical_Port", "uuid-name": "p0",
      "row": {"name": "p0", "vlan_bindings": ["map", [[100, ["named-uuid", "ls"]]]]}},
     {"op": "insert", "table": "Physical_Switch", "uuid-name": "ps",
      "row": {"name": "br0", "ports": ["named-uuid", "p0"], "tunnel_ips": "10.0.0.1",
              "description": "with \"quotes\" and {braces} and é"}},
     {"op": "insert", "table": "Global", "row": {"switches": ["named-uuid", "ps"]}},
     {"op": "comment", "comment": "first"}],
    [DB, {"op": "insert", "table": "Logical_Switch", "row": {"name": "ls1"}},
     {"op": "insert", "table": "Logical_Switch", "row": {"name": "ls-gone"}}],
    [DB, {"op": "update", "table": "Logical_Switch", "where": [["name", "==", "ls1"]],
          "row": {"description": "updated", "replication_mode": "source_node"}},
     {"op": "mutate", "table": "Logical_Switch", "where": [["name", "==", "ls0"]],
      "mutations": [["tunnel_key", "+=", 1], ["other_config", "insert", ["map", [["c", "d"]]]]]},
     {"op": "delete", "table": "Logical_Switch", "where": [["name", "==", "ls-gone"]]}],
]


def test_serves_file_written_by_ovsdb_tool(impl, servers, workdir, vtep_schema):
    """ovsdb-tool create + ovsdb-tool transact, then served with the data intact."""
    db = workdir / "tool.db"
    st.run([st.OVSDB_TOOL, "create", db, st.VTEP_SCHEMA], check=True)
    for txn in OVSDB_TOOL_TXNS:
        out = json.loads(st.run([st.OVSDB_TOOL, "transact", db, json.dumps(txn)], check=True).stdout)
        assert all("error" not in r for r in out), out
    want = tool_query(db, vtep_schema)
    assert len(want["Logical_Switch"]) == 2 and len(want["Physical_Locator"]) == 1
    ref_db = workdir / "tool-copy.db"
    shutil.copy(db, ref_db)

    srv = servers.start(impl, dbs=[db])
    st.assert_same(served(srv, vtep_schema), want, srv.impl, "ovsdb-tool query")
    # ovsdb-client's view is the same text as ovsdb-server's on a copy (same UUIDs).
    ref = servers.start("ovs", dbs=[ref_db])
    for table in ("Logical_Switch", "Physical_Switch", "Ucast_Macs_Remote"):
        assert st.ovsdb_client("dump", srv.unix, DB, table).stdout == \
            st.ovsdb_client("dump", ref.unix, DB, table).stdout
    # Append to the file ovsdb-tool wrote, then let ovsdb-tool read it back.
    transact(srv, {"op": "insert", "table": "Logical_Switch", "row": {"name": "ls2"}})
    srv.stop()
    names = sorted(r["name"] for r in tool_query(db, vtep_schema)["Logical_Switch"])
    assert names == ["ls0", "ls1", "ls2"]
    assert log_comments(show_log(db))[1] == 'record 1: "first"'


VTEP_CTL_SCRIPT = [
    ["add-ps", "br0"],
    ["set", "Physical_Switch", "br0", "tunnel_ips=10.0.0.1", 'description="a {b} c"'],
    ["add-port", "br0", "p0"],
    ["add-ls", "ls0"],
    ["bind-ls", "br0", "p0", "100", "ls0"],
    ["add-ucast-remote", "ls0", "00:11:22:33:44:55", "10.0.0.2"],
    ["add-mcast-remote", "ls0", "unknown-dst", "10.0.0.3"],
    ["add-ls", "ls1"],
    ["del-ls", "ls1"],
    ["set-replication-mode", "ls0", "source_node"],
]


def write_with_server(srv):
    for args in VTEP_CTL_SCRIPT:
        st.vtep_ctl(srv.unix, *args)
    transact(srv, {"op": "insert", "table": "Logical_Switch", "row": {"name": "raw"}},
             {"op": "comment", "comment": "raw transact"})
    transact(srv, {"op": "mutate", "table": "Logical_Switch", "where": [["name", "==", "raw"]],
                   "mutations": [["other_config", "insert", ["map", [["k", "v"]]]]]})


def test_file_written_by_server_is_read_by_ovs(impl, servers, workdir, vtep_schema):
    """After transactions and SIGTERM, ovsdb-tool show-log/query and ovsdb-server
    read the file and see exactly what the server served."""
    srv = servers.start(impl)
    write_with_server(srv)
    before = served(srv, vtep_schema)
    rc = srv.stop(signal.SIGTERM)
    if impl == "seam":
        assert rc == 0, "seam-ovsdb must exit 0 on SIGTERM\n" + srv.diagnostics()
    dbfile = srv.dbs[0]

    st.assert_same(tool_query(dbfile, vtep_schema), before, "ovsdb-tool query", "served")
    comments = log_comments(show_log(dbfile), srv.sock_path)
    # One record per committed transaction, each with the client's comment.
    assert comments[0] == 'record 0: "hardware_vtep" schema, version="1.7.0", cksum="353943336 11434"'
    assert comments[1] == 'record 1: "vtep-ctl: vtep-ctl --db=unix:SOCK --timeout=20 add-ps br0"'
    assert comments[-2] == 'record %d: "raw transact"' % (len(comments) - 2)
    assert len(comments) == 1 + len(VTEP_CTL_SCRIPT) + 2
    if impl == "seam":
        ref = servers.start("ovs")
        write_with_server(ref)
        ref.stop()
        st.assert_same(comments, log_comments(show_log(ref.dbs[0]), ref.sock_path),
                       "seam", "ovs")

    copy = workdir / "copy.db"
    shutil.copy(dbfile, copy)
    ovs = servers.start("ovs", dbs=[copy])
    st.assert_same(served(ovs, vtep_schema), before, "ovsdb-server", "served")
    # Compaction by ovsdb-tool keeps the data too.
    ovs.stop()
    st.run([st.OVSDB_TOOL, "compact", copy], check=True)
    st.assert_same(tool_query(copy, vtep_schema), before, "compacted", "served")


def test_created_file_accepted_by_ovsdb_tool(impl, workdir):
    """`seam-ovsdb create` (or `ovsdb-tool create`) output is a valid empty
    standalone database for ovsdb-tool, with the schema record ovsdb-tool writes."""
    db = st.create_db(impl, workdir / "new.db")
    ref = st.create_db("ovs", workdir / "ref.db")
    assert st.run([st.OVSDB_TOOL, "db-name", db], check=True).stdout == "hardware_vtep\n"
    assert st.run([st.OVSDB_TOOL, "db-version", db], check=True).stdout == "1.7.0\n"
    assert st.run([st.OVSDB_TOOL, "db-cksum", db], check=True).stdout == "353943336 11434\n"
    assert st.run([st.OVSDB_TOOL, "db-is-standalone", db]).returncode == 0
    assert st.run([st.OVSDB_TOOL, "needs-conversion", db, st.VTEP_SCHEMA],
                  check=True).stdout == "no\n"
    assert show_log(db) == show_log(ref)
    assert json.loads(st.run([st.OVSDB_TOOL, "query", db, json.dumps(
        [DB, {"op": "select", "table": "Global", "where": []}])], check=True).stdout) == [{"rows": []}]

    def records(path):
        data = path.read_bytes()
        recs = []
        while data:
            header, _, rest = data.partition(b"\n")
            magic, kind, length, sha = header.split(b" ")
            assert (magic, kind) == (b"OVSDB", b"JSON"), header
            body, data = rest[:int(length)], rest[int(length):]
            assert hashlib.sha1(body).hexdigest().encode() == sha
            recs.append(json.loads(body))
        return recs
    st.assert_same(records(db), records(ref), impl, "ovsdb-tool create")


def kill_and_append(srv, tail):
    srv.stop(signal.SIGKILL)
    with open(srv.dbs[0], "ab") as f:
        f.write(tail)


def torn_tail(variant):
    body = json.dumps({"Logical_Switch": {"11111111-2222-3333-4444-555555555555": {"name": "torn"}},
                       "_date": 1, "_is_diff": True}, separators=(",", ":")).encode()
    header = b"OVSDB JSON %d %s\n" % (len(body), hashlib.sha1(body).hexdigest().encode())
    if variant == "half-header":
        return header[:len(header) // 2]
    if variant == "half-body":
        return header + body[:len(body) // 2]
    if variant == "bad-sha1":
        return header[:-9] + b"deadbeef\n" + body
    raise ValueError(variant)


@pytest.mark.parametrize("variant", ["half-header", "half-body", "bad-sha1"])
def test_torn_tail(impl, servers, vtep_schema, variant):
    """kill -9 mid-write leaves half a record: the server starts, every
    committed transaction is there, the torn one is not, and the next commit
    leaves a file ovsdb-tool reads."""
    srv = servers.start(impl)
    for i in range(5):
        transact(srv, {"op": "insert", "table": "Logical_Switch", "row": {"name": "ls%d" % i}})
    kill_and_append(srv, torn_tail(variant))
    srv.start()
    names = sorted(r["name"] for r in served(srv, vtep_schema).get("Logical_Switch", []))
    assert names == ["ls%d" % i for i in range(5)]
    transact(srv, {"op": "insert", "table": "Logical_Switch", "row": {"name": "after"}})
    srv.stop()
    names = sorted(r["name"] for r in tool_query(srv.dbs[0], vtep_schema)["Logical_Switch"])
    assert names == ["after"] + ["ls%d" % i for i in range(5)]
    # ovsdb-server reads it again too.
    srv2 = servers.start("ovs", dbs=srv.dbs)
    assert sorted(r["name"] for r in served(srv2, vtep_schema)["Logical_Switch"]) == names


def test_kill9_keeps_acknowledged_transactions(impl, servers, vtep_schema):
    """Every transaction whose reply arrived survives kill -9."""
    srv = servers.start(impl)
    with st.Rpc(srv.unix) as c:
        for i in range(20):
            r = c.transact(DB, {"op": "insert", "table": "Logical_Switch",
                                "row": {"name": "ls%02d" % i}})
            assert "error" not in r["result"][0]
    srv.stop(signal.SIGKILL)
    srv.start()
    names = sorted(r["name"] for r in served(srv, vtep_schema)["Logical_Switch"])
    assert names == ["ls%02d" % i for i in range(20)]
