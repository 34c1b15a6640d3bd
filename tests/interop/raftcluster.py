"""A 3-member Raft cluster of real ovsdb-server processes on loopback.

The first member's file comes from `ovsdb-tool create-cluster`, the others'
from `ovsdb-tool join-cluster`; each ovsdb-server runs in the foreground
(we own the pid) in its own directory with a unix socket for clients and a
127.0.0.1 tcp port for Raft.  `leader()` asks each member's _Server database
which one leads."""

import signal
import time
from pathlib import Path

import seamtest as st

ELECTION_TIMER_MS = 1000


class Member(st.Server):
    """An ovsdb-server serving one clustered database file."""

    def __init__(self, workdir, dbfile, raft_port, name):
        super().__init__("ovs", workdir, [dbfile], name=name)
        self.raft_port = raft_port

    def command(self):
        return [st.OVSDB_SERVER, "--no-chdir", "--pidfile=%s" % self.pidfile,
                "--log-file=%s" % self.logfile, "--unixctl=%s" % self.ctl,
                "--remote=punix:%s" % self.sock_path] + [str(d) for d in self.dbs]

    def start(self, timeout=15.0):
        assert self.proc is None or self.proc.poll() is not None
        if self.sock_path.exists():
            self.sock_path.unlink()
        import subprocess
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, env=self.env(),
                                         cwd=str(self.dir))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("raft member %s exited with rc=%s\n%s" % (
                    self.name, self.proc.returncode, self.diagnostics()))
            if st.can_connect(self.unix):
                return self
            time.sleep(0.01)
        raise AssertionError("raft member %s not ready\n%s" % (self.name, self.diagnostics()))

    def server_row(self, db):
        """This member's _Server.Database row for `db`, or None."""
        with st.Rpc(self.unix, timeout=3) as rpc:
            r = rpc.transact("_Server", {"op": "select", "table": "Database",
                                         "where": [["name", "==", db]]})
        rows = r.get("result", [{}])[0].get("rows", [])
        return rows[0] if rows else None


class Cluster:
    def __init__(self, base, schema=st.VTEP_SCHEMA, n=3, db="hardware_vtep"):
        self.base = Path(base)
        self.db = db
        self.members = []
        ports = []
        while len(ports) < n:
            p = st.free_tcp_port()
            if p not in ports:
                ports.append(p)
        addrs = ["tcp:127.0.0.1:%d" % p for p in ports]
        for i in range(n):
            d = self.base / ("raft%d" % (i + 1))
            d.mkdir()
            dbfile = d / "db.db"
            if i == 0:
                st.run([st.OVSDB_TOOL, "--election-timer=%d" % ELECTION_TIMER_MS,
                        "create-cluster", dbfile, schema, addrs[0]], check=True)
            else:
                st.run([st.OVSDB_TOOL, "join-cluster", dbfile, db, addrs[i]]
                       + addrs[:i], check=True)
            self.members.append(Member(d, dbfile, ports[i], "s%d" % (i + 1)))

    @property
    def remotes(self):
        return [m.unix for m in self.members]

    def start(self):
        for m in self.members:
            m.start()
        self.wait_healthy()
        return self

    def running(self):
        return [m for m in self.members if m.alive()]

    def leader(self):
        """The running member that says it leads (connected), or None."""
        for m in self.running():
            try:
                row = m.server_row(self.db)
            except (OSError, st.ConnectionClosed, AssertionError):
                continue
            if row and row.get("leader") is True and row.get("connected") is True:
                return m
        return None

    def wait_healthy(self, timeout=30.0):
        """Every running member connected, one of them the leader."""
        def ok():
            rows = []
            for m in self.running():
                row = m.server_row(self.db)
                if not row or row.get("connected") is not True:
                    return None
                rows.append(row)
            return sum(1 for r in rows if r.get("leader") is True) == 1
        st.wait_until(ok, timeout=timeout, what="a healthy raft cluster with a leader")
        return self.leader()

    def kill(self, member, sig=signal.SIGKILL):
        member.expect_exit = True
        return member.stop(sig)

    def stop(self):
        problems = []
        for m in self.members:
            if m.proc is not None and m.proc.poll() is not None and not m.expect_exit:
                problems.append("raft member %s died with rc=%s\n%s" % (
                    m.name, m.proc.returncode, m.diagnostics()))
            m.stop(signal.SIGTERM)
        return problems
