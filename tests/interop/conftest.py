"""Fixtures for the seam-ovsdb interop and differential suite.

Every test that describes ovsdb-server behaviour takes the `impl` (or `server`)
fixture, parametrized over "ovs" (/usr/sbin/ovsdb-server) and "seam"
($SEAM_BUILD/seam-ovsdb).  "seam" is skipped while the binary does not exist.
SEAM_INTEROP_IMPLS=ovs (or =seam) restricts the run; SEAM_INTEROP_KEEP=1 keeps
the temp dirs of failed tests.
"""

import os
import signal

import pytest

import seamtest as st


def _selected_impls():
    want = os.environ.get("SEAM_INTEROP_IMPLS")
    if not want:
        return st.IMPLS
    return tuple(i for i in st.IMPLS if i in want.split(","))


def require_impl(impl):
    if impl not in _selected_impls():
        pytest.skip("implementation %s deselected by SEAM_INTEROP_IMPLS" % impl)
    if impl == "seam" and st.seam_binary() is None:
        pytest.skip(st.seam_skip_reason())


@pytest.fixture(params=st.IMPLS)
def impl(request):
    """"ovs" or "seam": which server implementation the test runs against."""
    require_impl(request.param)
    return request.param


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def workdir(request):
    d = st.tempdir()
    yield d
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed and os.environ.get("SEAM_INTEROP_KEEP"):
        print("kept %s" % d)
        return
    st.rmtree(d)


class ServerFactory:
    """Starts servers in private dirs; the fixture tears all of them down."""

    def __init__(self, base):
        self.base = base
        self.servers = []
        self.n = 0

    def dir(self, tag):
        self.n += 1
        d = self.base / ("%s%d" % (tag, self.n))
        d.mkdir()
        return d

    def start(self, impl, dbs=None, schema=st.VTEP_SCHEMA, ssl=None, extra_args=(),
              creator=None, start=True):
        """Start `impl` on `dbs` (paths), or on a fresh DB for `schema` created
        by `creator`'s tool (default: the implementation's own)."""
        require_impl(impl)
        d = self.dir(impl)
        if dbs is None:
            dbs = [st.create_db(creator or impl, d / "db.db", schema)]
        srv = st.Server(impl, d, dbs, ssl=ssl, extra_args=extra_args)
        self.servers.append(srv)
        if start:
            srv.start()
        return srv

    def teardown(self):
        problems = []
        for srv in self.servers:
            if srv.proc is not None and srv.proc.poll() is not None and not srv.expect_exit:
                problems.append("%s (pid %d) died during the test with rc=%s\n%s" % (
                    srv.impl, srv.proc.pid, srv.proc.returncode, srv.diagnostics()))
            was_running = srv.alive()
            rc = srv.stop(signal.SIGTERM)
            if was_running and srv.impl == "seam" and rc != 0:
                problems.append("seam-ovsdb exited with rc=%s on SIGTERM, expected 0\n%s"
                                % (rc, srv.diagnostics()))
            for rep in srv.sanitizer_reports():
                problems.append("sanitizer report from %s:\n%s" % (srv.impl, rep))
        return problems


@pytest.fixture
def servers(workdir):
    f = ServerFactory(workdir)
    yield f
    problems = f.teardown()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def server(impl, servers):
    """A running server of the implementation under test, serving a fresh
    hardware_vtep database created by that implementation's own tool."""
    return servers.start(impl)


@pytest.fixture
def ovs_server(servers):
    """A reference ovsdb-server with a fresh hardware_vtep database."""
    return servers.start("ovs")


@pytest.fixture
def recorded(ovs_server):
    """(session, contents): a client session recorded from the reference
    server (fakeserver.record_session) after vtep-ctl made switch br0 and
    logical switches ls0..ls2, and its hardware_vtep contents (canonical)."""
    import clienttool
    import fakeserver
    st.vtep_ctl(ovs_server.unix, "add-ps", "br0")
    for ls in ("ls0", "ls1", "ls2"):
        st.vtep_ctl(ovs_server.unix, "add-ls", ls)
    session = fakeserver.record_session(ovs_server.unix, "hardware_vtep")
    want = clienttool.canon_dump(clienttool.ovs_dump_json(ovs_server.unix, "hardware_vtep"))
    return session, want


@pytest.fixture(scope="session")
def vtep_schema():
    return st.load_schema(st.VTEP_SCHEMA)


# ---------------------------------------------------------------------------
# The client library through seam-ovsdb-client (test_client*.py)
# ---------------------------------------------------------------------------

class ToolFactory:
    """Starts seam-ovsdb-client processes in private dirs; the fixture stops
    them (by pid) and fails the test on a sanitizer report or on a tool that
    died during the test."""

    def __init__(self, base):
        self.base = base
        self.tools = []
        self.dirs = []
        self.n = 0

    def dir(self):
        self.n += 1
        d = self.base / ("tool%d" % self.n)
        d.mkdir()
        self.dirs.append(d)
        return d

    def start(self, db, remotes, **kw):
        import clienttool
        if clienttool.tool_binary() is None:
            pytest.skip(clienttool.tool_skip_reason())
        t = clienttool.ClientTool(self.dir(), db, remotes, **kw)
        self.tools.append(t)
        return t

    def teardown(self):
        import clienttool
        problems = []
        for t in self.tools:
            died = t.proc.poll()
            if died is not None and t.returncode is None:
                problems.append("seam-ovsdb-client (pid %d) died during the test with "
                                "rc=%s\n%s" % (t.pid, died, t.diagnostics()))
            t.close()
        for d in self.dirs:
            stderr = "".join(p.read_text(errors="replace") for p in d.glob("*.stderr"))
            for rep in clienttool.sanitizer_reports(d, stderr):
                problems.append("sanitizer report from seam-ovsdb-client:\n%s" % rep)
        return problems


@pytest.fixture
def tools(workdir):
    f = ToolFactory(workdir)
    yield f
    problems = f.teardown()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def raft_cluster(workdir):
    """A running 3-member Raft cluster of ovsdb-server (hardware_vtep)."""
    import raftcluster
    c = raftcluster.Cluster(workdir)
    try:
        c.start()
        yield c
    finally:
        problems = c.stop()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
