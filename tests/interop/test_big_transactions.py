"""Transactions bigger than JSONRPC_DEFER_MIN_SIZE (256 KiB), whose
operations seam-ovsdb keeps as text and parses one at a time: the answers
must be those of small ones, and ovsdb-server's.

Each case pads a transaction with enough harmless "comment" operations to
cross the threshold, then compares replies and contents with ovsdb-server;
malformed JSON inside a deferred operation must still close the
connection, as a malformed small request does."""

import json
import socket

import pytest

import seamtest as st

V = "hardware_vtep"
PAD = [{"op": "comment", "comment": "x" * 1000}] * 300      # ~300 KB


def ls(name, key=None):
    row = {"name": name}
    if key is not None:
        row["tunnel_key"] = key
    return {"op": "insert", "table": "Logical_Switch", "row": row, "uuid-name": "n_" + name}


CASES = {
    "inserts-and-select": [ls("a", 1), ls("b", 2)] + PAD + [
        {"op": "select", "table": "Logical_Switch", "where": [], "columns": ["name"]}],
    "error-after-padding": [ls("a")] + PAD + [ls("a")],
    "not-an-object": PAD + ["oops", ls("z")],
    "unknown-op": [ls("a")] + PAD + [{"op": "frob"}],
    "bad-row-in-the-middle": PAD[:150] + [
        {"op": "insert", "table": "Logical_Switch", "row": {"tunnel_key": "x"}}] + PAD[150:],
    "named-uuid-across-padding": [ls("a")] + PAD + [
        {"op": "insert", "table": "Physical_Locator", "uuid-name": "l",
         "row": {"dst_ip": "10.0.0.1", "encapsulation_type": "vxlan_over_ipv4"}},
        {"op": "insert", "table": "Ucast_Macs_Remote", "row": {
            "MAC": "00:00:00:00:00:01", "logical_switch": ["named-uuid", "n_a"],
            "locator": ["named-uuid", "l"]}}],
    "wait-timeout-0": [{"op": "wait", "table": "Logical_Switch", "where": [], "until": "==",
                        "rows": [{"name": "nope"}], "columns": ["name"], "timeout": 0}] + PAD,
    "abort": [ls("a")] + PAD + [{"op": "abort"}],
}


def run(srv, ops_list):
    umap = st.UuidMap()
    out = []
    schema = st.load_schema(st.VTEP_SCHEMA)
    with st.Rpc(srv.unix, timeout=30) as c:
        for ops in ops_list:
            r = c.transact(V, *ops)
            body = st.reply_body(r)
            if isinstance(body.get("result"), list):
                body["result"] = [x for x in body["result"] if x != {}]   # the comments
                for x in body["result"]:
                    # A select's rows come in each server's hash order.
                    if isinstance(x, dict) and isinstance(x.get("rows"), list):
                        x["rows"].sort(key=lambda r: json.dumps(r, sort_keys=True))
            out.append(st.sort_uuid_sets(umap.obj(body)))
        out.append(st.normalize_dump(st.dump_tables(c, V, schema), umap))
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_big_transaction(impl, servers, case):
    ops = CASES[case]
    assert len(json.dumps(ops)) > 256 * 1024
    got = run(servers.start(impl), [ops])
    if impl == "seam":
        st.assert_same(got, run(servers.start("ovs"), [ops]), "seam", "ovs")


def test_big_pending_wait_completes(impl, servers):
    """A big transaction that waits runs again, from its text, after the
    commit it waits for."""
    srv = servers.start(impl)
    c = st.Rpc(srv.unix, timeout=10)
    rid = c.request("transact", [V, {"op": "wait", "table": "Logical_Switch", "where": [],
                                     "until": "==", "rows": [{"name": "w"}],
                                     "columns": ["name"]}] + PAD + [ls("after")])
    with st.Rpc(srv.unix) as other:
        other.transact(V, ls("w"))
    r = c.wait_reply(rid)
    assert r["error"] is None and "uuid" in r["result"][-1], r
    c.close()


@pytest.mark.parametrize("bad", ["bad-literal", "deep", "bad-utf8"])
def test_malformed_deferred_operation(impl, servers, bad):
    srv = servers.start(impl)
    pad = json.dumps(PAD).encode()[1:-1]
    op = {"bad-literal": b'{"op":"comment","comment":tru}',
          "deep": b"[" * 1200 + b"]" * 1200,
          "bad-utf8": b'{"op":"comment","comment":"\xff"}'}[bad]
    data = (b'{"method":"transact","id":1,"params":["hardware_vtep",' + pad + b"," + op + b"]}")
    c = st.Rpc(srv.unix)
    try:
        c.send_raw(data)
        out = c.recv_msg(10)
    except (st.ConnectionClosed, ConnectionResetError, BrokenPipeError):
        out = "closed"
    except socket.timeout:
        out = "no answer"
    c.close()
    if impl == "ovs" and bad == "bad-utf8":
        assert out != "no answer"       # ovsdb-server takes invalid UTF-8 in (known difference)
    else:
        assert out == "closed", out
    with st.Rpc(srv.unix) as c2:
        assert c2.call("echo", [1])["result"] == [1]


def insert_switches(c, first, n):
    ops = [{"op": "insert", "table": "Logical_Switch",
            "row": {"name": "sw%d" % i, "tunnel_key": i, "description": "d" * 100}}
           for i in range(first, first + n)]
    r = c.transact(V, *ops, timeout=30)
    assert all("uuid" in x for x in r["result"]), r["result"][-1]


def test_client_replica_from_big_messages(impl, servers, tools):
    """seam's client library keeps the row updates of a big initial reply
    and of a big update notification as text and applies them one by one:
    its replica equals ovsdb-client dump after both, against either server."""
    import clienttool as ct
    srv = servers.start(impl)
    with st.Rpc(srv.unix, timeout=30) as c:
        insert_switches(c, 0, 3000)              # ~600 KB initial reply
        tool = tools.start(V, [srv.unix])
        tool.wait_synced()
        ct.converge(tool, srv.unix)
        insert_switches(c, 3000, 3000)           # ~600 KB update notification
        ct.converge(tool, srv.unix)
        c.transact(V, {"op": "delete", "table": "Logical_Switch",
                       "where": [["tunnel_key", "<", 5000]]}, timeout=30)
        ct.converge(tool, srv.unix)
    assert tool.quit() == 0
