"""Fixtures for the LLDP suite (tests/lldp): the seam-vtep namespace lab of
tests/vtep (its conftest's fixtures, imported here) plus lldpd on the
hosts.  lldpd runs in the foreground (-d), killed by pid; its socket lives
in a 0755 directory of the test (peers/README.md §6: lldpcli cannot reach
a socket in a 0700 mktemp dir)."""

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

VTEP_TESTS = Path(__file__).resolve().parent.parent / "vtep"
sys.path.insert(0, str(VTEP_TESTS))

_spec = importlib.util.spec_from_file_location("vtep_conftest", VTEP_TESTS / "conftest.py")
_vc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_vc)

# Re-exported fixtures and hooks of tests/vtep.
topo = _vc.topo
procs = _vc.procs
make_lab = _vc.make_lab
pytest_runtest_makereport = _vc.pytest_runtest_makereport

import vtepnet as vn  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "lab: a seam-vtep namespace test")


class Lldpd(vn.Process):
    """lldpd in namespace 'ns' on 'ifname', hostname 'hostname', sending
    every second, port ID = the interface name (as a server's NIC is named
    to Neutron's SR-IOV agent)."""

    def __init__(self, ns, d, hostname, ifname, mgmt_ip=None, interval=1):
        os.chmod(d, 0o755)
        conf = d / "lldpd.conf"
        conf.write_text("configure system hostname %s\n"
                        "configure lldp tx-interval %d\n"
                        "configure lldp portidsubtype ifname\n" % (hostname, interval))
        self.socket = d / "lldpd.socket"
        argv = ["lldpd", "-d", "-u", self.socket, "-O", conf, "-I", ifname,
                "-S", "Debian test host %s" % hostname]
        if mgmt_ip:
            argv += ["-m", mgmt_ip]
        super().__init__("lldpd", ns, d, argv, d / "none.pid", d / "lldpd.log")
        self.hostname = hostname
        vn.wait_until(self.socket.exists, 10, "lldpd's socket")

    def wait_pidfile(self, timeout=10):
        pass

    def cli(self, *args):
        p = vn.run(["lldpcli", "-u", self.socket] + list(args))
        return p.stdout

    def neighbors(self):
        """lldpcli -f json show neighbors, as {interface: {...}}."""
        j = json.loads(self.cli("-f", "json", "show", "neighbors", "details"))
        ifs = j.get("lldp", {}).get("interface", [])
        if isinstance(ifs, dict):
            ifs = [{k: v} for k, v in ifs.items()]
        out = {}
        for item in ifs:
            for name, body in item.items():
                out[name] = body
        return out

    def chassis(self):
        j = json.loads(self.cli("-f", "json", "show", "chassis"))
        return j["local-chassis"]["chassis"]

    def stop(self):
        """SIGTERM: lldpd sends its shutdown LLDPDU."""
        self.died = "stopped by the test"
        self.thaw()
        return super().stop()

    def _family(self):
        """lldpd's pid and its privilege-separated child's."""
        pids = [self.pid]
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    stat = (d / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.pid:
                    pids.append(int(d.name))
        return pids

    def freeze(self):
        """SIGSTOP lldpd and its child: a host that vanishes without a
        shutdown LLDPDU (a SIGKILLed lldpd still sends one from its child).
        thaw() or stop() resumes it."""
        self.frozen = self._family()
        for pid in self.frozen:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self):
        for pid in getattr(self, "frozen", []):
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.frozen = []


@pytest.fixture
def lldpd(procs):
    """lldpd(ns, hostname, ...): starts one; stopped with the other daemons.
    Its directory is under /tmp, 0755 all the way (lldpd drops privileges
    to _lldpd, which must reach its socket), removed at the end."""
    if shutil.which("lldpd") is None:
        pytest.skip("lldpd not installed (apt-get install lldpd)")
    dirs = []

    def start(ns, hostname, ifname="eth", mgmt_ip=None, interval=1):
        d = Path(tempfile.mkdtemp(prefix="seam-lldpd-%d-" % os.getpid()))
        dirs.append(d)
        p = Lldpd(ns, d, hostname, ifname, mgmt_ip, interval)
        procs.procs.append(p)
        return p
    yield start
    for p in procs.procs:
        if isinstance(p, Lldpd):
            p.stop()
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
