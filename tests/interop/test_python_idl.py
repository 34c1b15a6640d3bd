"""The Open vSwitch Python IDL (ovs.db.idl, /usr/bin/python3 only) as a client.

The IDL is the most demanding stock client: it asks for the _Server database
(get_schema + monitor of _Server.Database), then monitor_cond_since on
hardware_vtep, then set_db_change_aware, and it commits with "wait"-free
transactions built from its own view of the rows (insert, update, mutate for
setkey, delete)."""

import time

import pytest

import seamtest as st

idl_mod = pytest.importorskip("ovs.db.idl", reason="needs /usr/bin/python3 with the ovs module")
import ovs.poller  # noqa: E402

DB = "hardware_vtep"


class RecordingIdl(idl_mod.Idl):
    """An Idl that records the row events it reports."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.events = []

    def notify(self, event, row, updates=None):
        name = getattr(row, "name", None) if row._table.name != "Global" else None
        self.events.append((event, row._table.name, name))


def connect(remote):
    helper = idl_mod.SchemaHelper(location=str(st.VTEP_SCHEMA))
    helper.register_all()
    idl = RecordingIdl(remote, helper)
    run_until(idl, lambda: idl.state == idl.IDL_S_MONITORING and idl.change_seqno > 0,
              "IDL to reach the monitoring state")
    return idl


def run_until(idl, pred, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        idl.run()
        if pred():
            return
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s (IDL state %s)" % (what, idl.state))
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(50)
        poller.block()


def rows(idl, table):
    return list(idl.tables[table].rows.values())


def ls_by_name(idl, name):
    for r in rows(idl, "Logical_Switch"):
        if r.name == name:
            return r
    return None


def commit(idl, build):
    """Run build(txn) in a new transaction; return (status, error text)."""
    txn = idl_mod.Transaction(idl)
    build(txn)
    status = txn.commit_block()
    return status, txn.get_error(), txn


@pytest.fixture(params=["unix", "tcp"])
def transport(request):
    return request.param


def remote(srv, transport):
    return srv.unix if transport == "unix" else srv.tcp


def test_idl_sees_vtep_ctl_changes(server, transport):
    idl = connect(remote(server, transport))
    try:
        assert rows(idl, "Logical_Switch") == []
        st.vtep_ctl(server.unix, "add-ls", "ls0", "--", "set", "Logical_Switch", "ls0",
                    "tunnel_key=5000")
        run_until(idl, lambda: ls_by_name(idl, "ls0") is not None, "insert of ls0")
        ls0 = ls_by_name(idl, "ls0")
        assert ls0.tunnel_key == [5000]
        assert ls0.replication_mode == []

        st.vtep_ctl(server.unix, "set", "Logical_Switch", "ls0", "tunnel_key=5001",
                    "description=changed", "other_config:k=v")
        run_until(idl, lambda: ls_by_name(idl, "ls0").tunnel_key == [5001], "modify of ls0")
        ls0 = ls_by_name(idl, "ls0")
        assert ls0.description == "changed"
        assert ls0.other_config == {"k": "v"}

        # References: a port bound to the switch shows the Row object.
        st.vtep_ctl(server.unix, "add-ps", "br0", "--", "add-port", "br0", "p0",
                    "--", "bind-ls", "br0", "p0", "100", "ls0")
        run_until(idl, lambda: rows(idl, "Physical_Port") and
                  rows(idl, "Physical_Port")[0].vlan_bindings, "binding")
        port = rows(idl, "Physical_Port")[0]
        assert port.name == "p0"
        assert port.vlan_bindings[100].uuid == ls_by_name(idl, "ls0").uuid
        ps = rows(idl, "Physical_Switch")[0]
        assert [p.uuid for p in ps.ports] == [port.uuid]

        # Two transactions: in one, ovsdb-server would refuse to delete ls0
        # because p0 (garbage-collected only at commit) still refers to it.
        st.vtep_ctl(server.unix, "del-ps", "br0")
        st.vtep_ctl(server.unix, "del-ls", "ls0")
        run_until(idl, lambda: ls_by_name(idl, "ls0") is None, "delete of ls0")
        # Ports disappear with their switch (Physical_Port is not a root table).
        assert rows(idl, "Physical_Port") == []
        assert rows(idl, "Physical_Switch") == []

        ls_events = [(e, n) for e, t, n in idl.events if t == "Logical_Switch"]
        assert ls_events[0] == ("create", "ls0")
        assert ("update", "ls0") in ls_events
        assert ls_events[-1] == ("delete", "ls0")
        assert ("delete", "Physical_Port", "p0") in idl.events
    finally:
        idl.close()


def idl_commit_scenario(srv, transport):
    """The IDL commits insert / update / setkey / delete; vtep-ctl reads them.
    Returns what vtep-ctl printed and the IDL's commit statuses and errors."""
    idl = connect(remote(srv, transport))
    out = []
    try:
        def ins(txn):
            r = txn.insert(idl.tables["Logical_Switch"])
            r.name = "ls-idl"
            r.tunnel_key = [42]
            r.description = "from the IDL"
        status, err, txn = commit(idl, ins)
        out.append(("insert", status, err))
        assert status == idl_mod.Transaction.SUCCESS, err
        out.append(st.vtep_ctl(srv.unix, "list-ls").stdout)
        out.append(st.vtep_ctl(srv.unix, "get", "Logical_Switch", "ls-idl", "tunnel_key",
                               "description").stdout)

        def upd(txn):
            r = ls_by_name(idl, "ls-idl")
            r.tunnel_key = [43]
            r.replication_mode = ["source_node"]
            r.setkey("other_config", "origin", "idl")
        status, err, _ = commit(idl, upd)
        out.append(("update", status, err))
        assert status == idl_mod.Transaction.SUCCESS, err
        out.append(st.vtep_ctl(srv.unix, "get", "Logical_Switch", "ls-idl", "tunnel_key",
                               "replication_mode", "other_config:origin").stdout)

        # A second switch with the same name: the server refuses (index on name).
        def dup(txn):
            r = txn.insert(idl.tables["Logical_Switch"])
            r.name = "ls-idl"
        status, err, _ = commit(idl, dup)
        out.append(("duplicate", status, st.normalize_uuids(err or "")))

        # Deleting a switch that a MAC still refers to: the server refuses.
        st.vtep_ctl(srv.unix, "add-ucast-remote", "ls-idl", "00:11:22:33:44:55", "10.0.0.2")

        def dele(txn):
            ls_by_name(idl, "ls-idl").delete()
        status, err, _ = commit(idl, dele)
        out.append(("delete referenced", status, st.normalize_uuids(err or "")))
        st.vtep_ctl(srv.unix, "del-ucast-remote", "ls-idl", "00:11:22:33:44:55")
        run_until(idl, lambda: not rows(idl, "Ucast_Macs_Remote"), "MAC removal")

        def dele(txn):
            ls_by_name(idl, "ls-idl").delete()
        status, err, _ = commit(idl, dele)
        out.append(("delete", status, err))
        assert status == idl_mod.Transaction.SUCCESS, err
        out.append(st.vtep_ctl(srv.unix, "list-ls").stdout)
    finally:
        idl.close()
    return out


def test_idl_commits_seen_by_vtep_ctl(server, transport, servers):
    out = idl_commit_scenario(server, transport)
    if server.impl == "seam":
        assert out == idl_commit_scenario(servers.start("ovs"), transport)
        return
    T = idl_mod.Transaction
    assert out[0] == ("insert", T.SUCCESS, "success")
    assert out[1] == "ls-idl\n"
    assert out[2] == "42\n\"from the IDL\"\n"
    assert out[3] == ("update", T.SUCCESS, "success")
    assert out[4] == "43\nsource_node\nidl\n"
    assert out[5][:2] == ("duplicate", T.ERROR)
    assert '"error":"constraint violation"' in out[5][2]
    assert "identical values (ls-idl) for index on column \\\"name\\\"" in out[5][2]
    assert out[6] == ("delete referenced", T.ERROR,
                      '{"details":"cannot delete Logical_Switch row <0> because of 1 '
                      'remaining reference(s)","error":"referential integrity violation"}')
    assert out[7] == ("delete", T.SUCCESS, "success")
    assert out[8] == ""
