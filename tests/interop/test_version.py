"""_version as a transaction sees it (both servers, same assertions).

A row inserted by a transaction already has the _version it will keep: a
select later in the same transaction returns the value that every select
after the commit returns.  A row modified by a transaction keeps its old
_version until the commit, which gives it a new one."""

import seamtest as st

V = "hardware_vtep"


def select_version(c, *ops, uuid=None):
    where = [["_uuid", "==", ["uuid", uuid]]] if uuid else [["name", "==", "v"]]
    r = c.transact(V, *ops, {"op": "select", "table": "Logical_Switch", "where": where,
                             "columns": ["_uuid", "_version"]})
    assert r.get("error") is None and all("error" not in x for x in r["result"]), r
    rows = r["result"][-1]["rows"]
    assert len(rows) == 1, r
    return rows[0]["_uuid"][1], rows[0]["_version"][1]


def test_version_of_row_inserted_in_the_same_txn(server):
    with st.Rpc(server.unix) as c:
        uuid, v_in_txn = select_version(
            c, {"op": "insert", "table": "Logical_Switch", "row": {"name": "v"}})
        assert select_version(c, uuid=uuid) == (uuid, v_in_txn)
        # A modification: the old _version inside the transaction, a new one after.
        _, v_during = select_version(c, {"op": "update", "table": "Logical_Switch",
                                         "where": [], "row": {"tunnel_key": 7}})
        assert v_during == v_in_txn
        _, v_after = select_version(c, uuid=uuid)
        assert v_after != v_in_txn
        # A transaction that changes nothing keeps the _version.
        select_version(c, {"op": "update", "table": "Logical_Switch",
                           "where": [], "row": {"tunnel_key": 7}})
        assert select_version(c, uuid=uuid)[1] == v_after
