"""seam's client library against a misbehaving server (fakeserver.FakeServer):
the session recorded from a real ovsdb-server is replayed, then the first
connection misbehaves (garbage bytes, a connection closed in the middle of a
reply, an update for a row or a table the client does not know).  Each time:
a warning in the log, a reconnect, a replica equal to the recorded contents
from the next (well-behaved) connection, no crash, a clean exit."""

import pytest

import clienttool as ct
import fakeserver
import seamtest as st

DB = "hardware_vtep"


@pytest.mark.parametrize("fault,log_text", [
    ("garbage", "closed"),
    ("close-mid-reply", "closed"),
    ("unknown-row", "modify of unknown row 22222222-2222-4222-8222-222222222222"),
    ("unknown-table", "update for unknown table No_Such_Table"),
])
def test_misbehaving_server(recorded, tools, workdir, fault, log_text):
    session, want = recorded
    fake = fakeserver.FakeServer(workdir / "fake.sock", session, faults=[fault, fault])
    try:
        tool = tools.start(DB, [fake.remote])
        tool.wait_synced(20000)
        # Two bad connections, then a good one that stays synced.
        tool.run_until(lambda: tool.stats()["n_connects"] >= 3 and tool.cmd("dump")["synced"],
                       what="a third connection, synced (server log %r)" % (fake.log,))
        got = ct.canon_dump(tool.dump())
        st.assert_same({t: v for t, v in got.items() if v}, {t: v for t, v in want.items() if v},
                       "replica", "recorded contents")
        err = tool.stderr()
        assert log_text in err, err
        assert tool.quit() == 0
    finally:
        fake.close()
