"""Fixtures for the live page's tests (tests/ui).

- seamd's fixtures (`seamd`, `seamd_factory`, `wait_until`, ...) come from
  tests/controller/conftest.py, loaded under another module name.
- `vtep_factory`: VTEPs without a datapath, each an ovsdb-server serving a
  hardware_vtep database with one Physical_Switch and its ports, listening
  on a free TCP port of 127.0.0.1 (what seamd dials).
- `browser`: headless Debian chromium driven by chromedriver (selenium);
  skipped with the reason when they are not installed.
"""

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

_CONTROLLER = Path(__file__).resolve().parents[1] / "controller" / "conftest.py"
_spec = importlib.util.spec_from_file_location("seamd_fixtures", _CONTROLLER)
seamd_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seamd_fixtures)

seamd_factory = seamd_fixtures.seamd_factory
seamd = seamd_fixtures.seamd

VTEP_SCHEMA = Path("/usr/share/openvswitch/vtep.ovsschema")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class FakeVtep:
    """An ovsdb-server holding one VTEP's hardware_vtep database."""

    def __init__(self, workdir, name, tunnel_ip, ports):
        self.name = name
        self.tunnel_ip = tunnel_ip
        self.dir = Path(workdir) / name
        self.dir.mkdir(parents=True)
        self.port = seamd_fixtures.free_port()
        self.target = "tcp:127.0.0.1:%d" % self.port
        self.sock = self.dir / "db.sock"
        db = self.dir / "vtep.db"
        subprocess.run(["ovsdb-tool", "create", str(db), str(VTEP_SCHEMA)], check=True)
        ops = [{"op": "insert", "table": "Global", "row": {"switches": ["named-uuid", "ps"]}},
               {"op": "insert", "table": "Physical_Switch", "uuid-name": "ps",
                "row": {"name": name, "tunnel_ips": tunnel_ip,
                        "ports": ["set", [["named-uuid", "p%d" % i]
                                          for i in range(len(ports))]]}}]
        ops += [{"op": "insert", "table": "Physical_Port", "uuid-name": "p%d" % i,
                 "row": {"name": p}} for i, p in enumerate(ports)]
        subprocess.run(["ovsdb-tool", "transact", str(db),
                        json.dumps(["hardware_vtep"] + ops)], check=True,
                       stdout=subprocess.DEVNULL)
        self.proc = subprocess.Popen(
            ["ovsdb-server", "--no-chdir", "--remote=punix:%s" % self.sock,
             "--remote=ptcp:%d:127.0.0.1" % self.port,
             "--unixctl=%s" % (self.dir / "ctl"), "--log-file=%s" % (self.dir / "log"),
             str(db)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        seamd_fixtures.wait_until(self.sock.exists, 10, "%s's ovsdb-server" % name)

    def transact(self, *ops):
        r = subprocess.run(["ovsdb-client", "transact", "unix:%s" % self.sock,
                            json.dumps(["hardware_vtep"] + list(ops))],
                           check=True, capture_output=True, text=True)
        return json.loads(r.stdout)

    def add_port(self, port):
        """Adds Physical_Port 'port' to the switch (a tap that appeared)."""
        self.transact({"op": "insert", "table": "Physical_Port", "uuid-name": "np",
                       "row": {"name": port}},
                      {"op": "mutate", "table": "Physical_Switch",
                       "where": [["name", "==", self.name]],
                       "mutations": [["ports", "insert", ["set", [["named-uuid", "np"]]]]]})

    def rows(self, table, *columns):
        """The rows of 'table' as dicts of 'columns' (OVSDB JSON values)."""
        r = subprocess.run(["ovsdb-client", "dump", "-f", "json", "unix:%s" % self.sock,
                            "hardware_vtep", table] + list(columns), check=True,
                           capture_output=True, text=True)
        d = json.loads(r.stdout)
        return [dict(zip(d["headings"], row)) for row in d["data"]]

    def count(self, table):
        return len(self.rows(table))

    def vlan_bindings(self):
        """{(port, vlan)} the VTEP holds."""
        out = set()
        for row in self.rows("Physical_Port", "name", "vlan_bindings"):
            for vlan, _ in row["vlan_bindings"][1]:
                out.add((row["name"], vlan))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class VtepFactory:
    def __init__(self, base):
        self.base = Path(base)
        self.all = []

    def start(self, name, tunnel_ip, ports):
        v = FakeVtep(self.base, name, tunnel_ip, ports)
        self.all.append(v)
        return v


@pytest.fixture
def vtep_factory():
    for tool in ("ovsdb-server", "ovsdb-tool", "ovsdb-client"):
        if not shutil.which(tool):
            pytest.skip("%s is not installed (openvswitch-switch)" % tool)
    if not VTEP_SCHEMA.exists():
        pytest.skip("%s is missing (openvswitch-common)" % VTEP_SCHEMA)
    d = Path(tempfile.mkdtemp(prefix="seam-ui-vteps-"))
    f = VtepFactory(d)
    yield f
    for v in f.all:
        v.stop()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def browser():
    for p in (CHROMIUM, CHROMEDRIVER):
        if not os.access(p, os.X_OK):
            pytest.skip("%s is not installed (apt-get install chromium chromium-driver)" % p)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (apt-get install python3-selenium)")
    profile = tempfile.mkdtemp(prefix="seam-ui-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1000", "--user-data-dir=%s" % profile,
              "--no-first-run", "--disable-extensions", "--lang=en-US", "--hide-scrollbars",
              "--ignore-certificate-errors"):  # The HTTPS test's own certificate.
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, log_path=os.devnull),
                              options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
