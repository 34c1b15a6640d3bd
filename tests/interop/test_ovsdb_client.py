"""ovsdb-client against the server: list-dbs, get-schema, get-schema-version,
transact, dump (table and json), monitor and monitor-cond, over unix and tcp.

For "seam" the outputs are compared with a reference ovsdb-server driven the
same way (UUIDs normalised); for "ovs" the key lines are asserted."""

import json
import signal
import subprocess

import pytest

import seamtest as st

TRANSPORTS = ("unix", "tcp")
DB = "hardware_vtep"


def remote(srv, transport):
    return srv.unix if transport == "unix" else srv.tcp


@pytest.fixture(params=TRANSPORTS)
def transport(request):
    return request.param


def ovs_normal_schema(path):
    """The schema in the normal form ovsdb-server sends, computed by the OVS
    Python library (an independent implementation of the same rules)."""
    from ovs.db import schema as ovs_schema
    with open(path) as f:
        return ovs_schema.DbSchema.from_json(json.load(f)).to_json()


def test_list_dbs(server, transport):
    out = st.ovsdb_client("list-dbs", remote(server, transport)).stdout.split()
    # ovsdb-server 3.1 always serves its internal "_Server" database too, and
    # lists databases in hash order: compare as a set.  The Python and C IDLs
    # query _Server, so seam must list it.
    assert sorted(out) == ["_Server", DB]


def test_get_schema(server, transport, servers):
    out = st.ovsdb_client("get-schema", remote(server, transport), DB).stdout
    got = json.loads(out)
    if server.impl == "ovs":
        # Normal form: defaults dropped (min 1/max 1), {"type": "string"} -> "string",
        # one-element enum sets -> the atom; same as OVS's Python library.
        want = ovs_normal_schema(st.VTEP_SCHEMA)
        # The server keeps the file's "cksum"; the Python library drops it.
        want["cksum"] = st.load_schema(st.VTEP_SCHEMA)["cksum"]
        assert got == want
        assert got["name"] == DB and got["version"] == "1.7.0"
    else:
        ref = servers.start("ovs")
        want = json.loads(st.ovsdb_client("get-schema", ref.unix, DB).stdout)
        assert got == want


def test_get_schema_version(server, transport):
    out = st.ovsdb_client("get-schema-version", remote(server, transport), DB).stdout
    assert out == "1.7.0\n"
    # The database name is optional when the server has one user database...
    # ...but ovsdb-server also has _Server, and ovsdb-client still picks
    # hardware_vtep (it skips _Server).
    assert st.ovsdb_client("get-schema-version", remote(server, transport)).stdout == "1.7.0\n"


def transact_scenario(srv, transport):
    """ovsdb-client transact: insert with uuid-name, select, mutate, comment, an error."""
    r = remote(srv, transport)
    umap = st.UuidMap()
    outs = []

    def tx(*ops):
        p = st.ovsdb_client("transact", r, json.dumps([DB] + list(ops)), check=False)
        outs.append((p.returncode, umap.obj(json.loads(p.stdout)) if p.stdout.strip() else None,
                     p.stderr))
        return json.loads(p.stdout) if p.stdout.strip() else None

    tx({"op": "insert", "table": "Logical_Switch", "uuid-name": "ls",
        "row": {"name": "ls0", "tunnel_key": 5000}},
       {"op": "insert", "table": "Physical_Locator", "uuid-name": "loc",
        "row": {"dst_ip": "10.0.0.9", "encapsulation_type": "vxlan_over_ipv4"}},
       {"op": "insert", "table": "Ucast_Macs_Remote",
        "row": {"MAC": "02:00:00:00:00:09", "ipaddr": "192.168.0.9",
                "logical_switch": ["named-uuid", "ls"], "locator": ["named-uuid", "loc"]}})
    tx({"op": "mutate", "table": "Logical_Switch", "where": [["name", "==", "ls0"]],
        "mutations": [["tunnel_key", "+=", 1],
                      ["other_config", "insert", ["map", [["k", "v"]]]]]},
       {"op": "comment", "comment": "interop test"})
    tx({"op": "select", "table": "Logical_Switch", "where": [["name", "==", "ls0"]],
        "columns": ["name", "tunnel_key", "other_config", "_uuid"]})
    tx({"op": "insert", "table": "Logical_Switch", "row": {"name": "ls0"}})   # index violation
    return outs


def test_transact(server, transport, servers):
    outs = transact_scenario(server, transport)
    if server.impl == "seam":
        ref = transact_scenario(servers.start("ovs"), transport)
        assert outs == ref
        return
    assert [o[0] for o in outs] == [0, 0, 0, 0]
    assert outs[0][1] == [{"uuid": ["uuid", "<0>"]}, {"uuid": ["uuid", "<1>"]},
                          {"uuid": ["uuid", "<2>"]}]
    assert outs[1][1] == [{"count": 1}, {}]
    assert outs[2][1] == [{"rows": [{"_uuid": ["uuid", "<0>"], "name": "ls0",
                                     "other_config": ["map", [["k", "v"]]],
                                     "tunnel_key": 5001}]}]
    err = outs[3][1]
    assert err[0] == {"uuid": ["uuid", "<3>"]}
    assert err[1]["error"] == "constraint violation"
    assert err[1]["details"].startswith(
        'Transaction causes multiple rows in "Logical_Switch" table to have identical '
        'values (ls0) for index on column "name".  First row, with UUID ')


def populate(srv):
    r = srv.unix
    st.vtep_ctl(r, "add-ps", "br0")
    st.vtep_ctl(r, "add-port", "br0", "p0")
    st.vtep_ctl(r, "add-ls", "ls0", "--", "set", "Logical_Switch", "ls0", "tunnel_key=5000",
                "description=first")
    st.vtep_ctl(r, "add-ls", "ls1")
    st.vtep_ctl(r, "bind-ls", "br0", "p0", "100", "ls0")
    st.vtep_ctl(r, "add-ucast-remote", "ls0", "00:11:22:33:44:55", "10.0.0.2")


def dump_scenario(srv, transport):
    populate(srv)
    r = remote(srv, transport)
    umap = st.UuidMap()
    out = {}
    for table in ("Logical_Switch", "Physical_Port", "Ucast_Macs_Remote", "Physical_Locator"):
        out[table] = umap.text(st.ovsdb_client("dump", r, DB, table).stdout)
        j = json.loads(st.ovsdb_client("dump", "--format=json", r, DB, table).stdout)
        out[table + ".json"] = umap.obj(j)
    # Whole database, all tables (one output, tables in name order).
    out["all"] = umap.text(st.ovsdb_client("dump", r, DB).stdout)
    return out


def test_dump(server, transport, servers):
    out = dump_scenario(server, transport)
    if server.impl == "seam":
        assert out == dump_scenario(servers.start("ovs"), transport)
        return
    ls = out["Logical_Switch"].splitlines()
    assert ls[0] == "Logical_Switch table"
    assert ls[1].split() == ["_uuid", "description", "name", "other_config",
                             "replication_mode", "tunnel_key"]
    assert set(ls[2]) <= {"-", " "}
    # ovsdb-client sorts rows by the columns in heading order (_uuid aside):
    # description "" (ls1) sorts before "first" (ls0).
    assert ls[3].split()[1:] == ['""', 'ls1', '{}', '[]', '[]']
    assert ls[4].split()[1:] == ['first', 'ls0', '{}', '[]', '5000']
    j = out["Logical_Switch.json"]
    assert j["caption"] == "Logical_Switch table"
    assert j["headings"] == ["_uuid", "description", "name", "other_config",
                             "replication_mode", "tunnel_key"]
    assert [row[1:] for row in j["data"]] == [
        ["", "ls1", ["map", []], ["set", []], ["set", []]],
        ["first", "ls0", ["map", []], ["set", []], 5000]]
    pl = out["Physical_Port.json"]["data"]
    assert len(pl) == 1 and pl[0][3] == "p0"
    # vlan_bindings -> ls0, whose token is <1> (ls1 came first in the dumps)
    assert pl[0][6] == ["map", [[100, ["uuid", "<1>"]]]]
    loc = out["Physical_Locator.json"]
    assert [row[1:] for row in loc["data"]] == [["10.0.0.2", "vxlan_over_ipv4", ["set", []]]]
    all_tables = [l for l in out["all"].splitlines() if l.endswith(" table")]
    assert all_tables == sorted("%s table" % t for t in st.load_schema(st.VTEP_SCHEMA)["tables"])


class Monitor:
    """ovsdb-client monitor[-cond] in the background, output to a file."""

    def __init__(self, workdir, args, name):
        self.path = workdir / ("%s.out" % name)
        self.err = workdir / ("%s.err" % name)
        with open(self.path, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(["ovsdb-client"] + args, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL)

    def text(self):
        return self.path.read_text()

    def wait_for(self, pred, what):
        def check():
            if self.proc.poll() is not None:
                raise AssertionError("ovsdb-client exited rc=%s: %s" % (
                    self.proc.returncode, self.err.read_text()))
            return pred(self.text())
        st.wait_until(check, 10, what)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)
        return self.text()


def blocks(text):
    """Monitor output split into update blocks, each a list of row lines
    (the heading and the dashes removed)."""
    out = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        assert lines[0].split()[:2] == ["row", "action"], block
        out.append([l.split() for l in lines[2:]])
    return out


def monitor_scenario(srv, transport, workdir, cond):
    r = remote(srv, transport)
    st.vtep_ctl(srv.unix, "add-ls", "lsA")       # so the initial reply is not empty
    if cond:
        st.vtep_ctl(srv.unix, "add-ls", "lsB")
        args = ["monitor-cond", r, DB, '[["name","==","lsB"]]', "Logical_Switch",
                "name,tunnel_key"]
    else:
        args = ["monitor", r, DB, "Logical_Switch", "name,tunnel_key"]
    mon = Monitor(workdir, args, "mon-%s-%s-%s" % (srv.impl, transport, cond))
    try:
        first = "lsB" if cond else "lsA"
        mon.wait_for(lambda t: "initial" in t.split() and first in t.split(), "initial rows")
        if not cond:
            st.vtep_ctl(srv.unix, "add-ls", "lsB")
            mon.wait_for(lambda t: "insert" in t.split(), "insert")
        else:
            st.vtep_ctl(srv.unix, "add-ls", "lsC")      # filtered out by the condition
        st.vtep_ctl(srv.unix, "set", "Logical_Switch", "lsB", "tunnel_key=7")
        mon.wait_for(lambda t: ("modify" if cond else "new") in t.split(), "modify")
        st.vtep_ctl(srv.unix, "del-ls", "lsB")
        mon.wait_for(lambda t: "delete" in t.split(), "delete")
    finally:
        text = mon.stop()
    return st.normalize_uuids(text)


@pytest.mark.parametrize("cond", [False, True], ids=["monitor", "monitor-cond"])
def test_monitor(server, transport, workdir, servers, cond):
    text = monitor_scenario(server, transport, workdir, cond)
    if server.impl == "seam":
        assert text == monitor_scenario(servers.start("ovs"), transport, workdir, cond)
        return
    b = blocks(text)
    if cond:
        # Only lsB passes the condition: lsA (initial) and lsC (insert) never
        # show.  monitor-cond gets <update2>s: "initial" carries only the
        # columns that differ from their defaults (tunnel_key [] is blank),
        # "modify" only the changed columns, "delete" no columns at all.
        assert b == [[["<0>", "initial", "lsB"]],
                     [["<0>", "modify", "7"]],
                     [["<0>", "delete"]]]
    else:
        assert b == [[["<0>", "initial", "lsA", "[]"]],
                     [["<1>", "insert", "lsB", "[]"]],
                     [["<1>", "old", "[]"], ["new", "lsB", "7"]],
                     [["<1>", "delete", "lsB", "7"]]]
    assert "lsC" not in text
