"""The real `openstack` CLI (python3-openstackclient, networking-l2gw's
`openstack l2gw ...`) drives seamd, and the VTEPs' hardware_vtep rows
follow: no datapath, each VTEP is seam-ovsdb serving a vtep database
(Physical_Switch and Physical_Ports made with vtep-ctl), registered through
/v2.0/seam/vteps with a tcp: target, checked with vtep-ctl and
`ovsdb-client monitor`.

  tor1 (TOR): p1 = server2's SR-IOV link on physnet1 (a static host link),
              p2 = an L2 gateway interface, p3 = a bare-metal server's port
  hv1 (hypervisor of host server1): the tap of a VM port, as Nova names it

Both ways of making a network: `--provider-*` alone (a vlan network, VNI
allocated), and a vxlan network plus `network segment create` (vlan on
physnet1).  Then updates, a graceful seamd restart (no VTEP row deleted,
inserted or modified), and deletes: every row seamd made goes away.
"""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import build_dir, free_port, wait_until

OPENSTACK = shutil.which("openstack") or "/usr/bin/openstack"
VTEP_SCHEMA = "/usr/share/openvswitch/vtep.ovsschema"

pytestmark = [
    pytest.mark.skipif(not os.path.exists(OPENSTACK),
                       reason="python3-openstackclient is not installed"),
    pytest.mark.skipif(not (shutil.which("vtep-ctl") and shutil.which("ovsdb-client")),
                       reason="vtep-ctl / ovsdb-client (openvswitch-vtep) not installed"),
    pytest.mark.skipif(not os.path.exists(VTEP_SCHEMA), reason=VTEP_SCHEMA + " missing"),
]


def cli(s, *args, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    cmd = [OPENSTACK, "--os-endpoint", s.url, "--os-auth-type", "admin_token",
           "--os-token", s.token]
    r = subprocess.run(cmd + list(args), capture_output=True, text=True, env=env,
                       timeout=120)
    if check:
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r


def cli_json(s, *args):
    return json.loads(cli(s, *args, "-f", "json").stdout)


def _value(v):
    """An OVSDB JSON value as Python: sets as lists, maps as dicts."""
    if isinstance(v, list) and v and v[0] == "set":
        return [_value(x) for x in v[1]]
    if isinstance(v, list) and v and v[0] == "map":
        return {_value(k): _value(x) for k, x in v[1]}
    if isinstance(v, list) and v and v[0] in ("uuid", "named-uuid"):
        return v[1]
    return v


def _as_list(v):
    """A set column's value: OVSDB sends a one-element set as the element."""
    return v if isinstance(v, list) else [v]


class Vtep:
    """seam-ovsdb serving a hardware_vtep database: a VTEP without a
    datapath, listening on 127.0.0.1:port for seamd."""

    def __init__(self, base, name, ip, ports, schema=VTEP_SCHEMA):
        self.name, self.ip, self.schema = name, ip, schema
        self.dir = Path(base) / name
        self.dir.mkdir(parents=True)
        self.db = self.dir / "vtep.db"
        self.sock = self.dir / "db.sock"
        self.port = free_port()
        self.proc = None
        self.monitor_proc = None
        self.start(ports)

    def start(self, ports):
        if self.db.exists():
            self.db.unlink()
        subprocess.run([str(build_dir() / "seam-ovsdb"), "create", str(self.db), self.schema],
                       check=True)
        self.proc = subprocess.Popen(
            [str(build_dir() / "seam-ovsdb"), "--remote=punix:%s" % self.sock,
             "--remote=ptcp:%d:127.0.0.1" % self.port, "--log-file=%s" % (self.dir / "log"),
             str(self.db)],
            stdout=subprocess.DEVNULL, stderr=open(self.dir / "stderr", "a"))
        wait_until(self.sock.exists, 10, "%s's socket" % self.name)
        if ports is None:                   # Not a hardware_vtep database.
            return
        args = ["add-ps", self.name, "--", "set", "Physical_Switch", self.name,
                "tunnel_ips=%s" % self.ip]
        for p in ports:
            args += ["--", "add-port", self.name, p]
        self.ctl(*args)

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.sock.unlink()

    def stop(self):
        for p in (self.monitor_proc, self.proc):
            if p and p.poll() is None:
                p.terminate()
                p.wait(10)

    def ctl(self, *args):
        r = subprocess.run(["vtep-ctl", "--db=unix:%s" % self.sock, "--timeout=10"]
                           + list(args), capture_output=True, text=True)
        assert r.returncode == 0, (args, r.stderr)
        return r.stdout

    def rows(self, table):
        j = json.loads(self.ctl("--format=json", "list", table))
        return [{h: _value(v) for h, v in zip(j["headings"], row)} for row in j["data"]]

    def state(self):
        """What seamd programs, by names and values rather than UUIDs:
        {"switches": {name: vni}, "bindings": {port: {vlan: switch name}},
         "ucast": {(mac, switch): (ip, locator ip)}, "mcast": {switch: [locator ips]}}.
        The tables are read one by one: a row naming one that a
        transaction in between added means reading again."""
        for _ in range(20):
            try:
                return self._state()
            except KeyError:
                time.sleep(0.05)
        return self._state()

    def _state(self):
        ls = {r["_uuid"]: r for r in self.rows("Logical_Switch")}
        loc = {r["_uuid"]: r["dst_ip"] for r in self.rows("Physical_Locator")}
        sets = {r["_uuid"]: sorted(loc[x] for x in _as_list(r["locators"]))
                for r in self.rows("Physical_Locator_Set")}
        return {
            "switches": {r["name"]: r["tunnel_key"] for r in ls.values()},
            "bindings": {p["name"]: {int(v): ls[u]["name"] for v, u in p["vlan_bindings"].items()}
                         for p in self.rows("Physical_Port")},
            "ucast": {(r["MAC"], ls[r["logical_switch"]]["name"]): (r["ipaddr"], loc[r["locator"]])
                      for r in self.rows("Ucast_Macs_Remote")},
            "mcast": {ls[r["logical_switch"]]["name"]: sets[r["locator_set"]]
                      for r in self.rows("Mcast_Macs_Remote") if r["MAC"] == "unknown-dst"},
        }

    def monitor(self):
        """Starts `ovsdb-client monitor` of every table; changes() reads it."""
        self.monitor_out = self.dir / "monitor.json"
        self.monitor_proc = subprocess.Popen(
            ["ovsdb-client", "--format=json", "monitor", "unix:%s" % self.sock,
             "hardware_vtep", "ALL"],
            stdout=open(self.monitor_out, "w"), stderr=subprocess.DEVNULL)
        wait_until(lambda: "Logical_Switch" in self.monitor_out.read_text(), 10,
                   "%s's monitor" % self.name)

    def changes(self):
        """(table, action, row) of every update after the initial contents."""
        out = []
        for line in self.monitor_out.read_text().splitlines():
            if line.startswith("{"):
                j = json.loads(line)
                out += [(j["caption"], row[1], row[0]) for row in j["data"]
                        if row[1] != "initial"]
        return out


@pytest.fixture
def vteps(tmp_path):
    made = {}

    def make(name, ip, ports):
        made[name] = Vtep(tmp_path, name, ip, ports)
        return made[name]
    yield make
    for v in made.values():
        v.stop()


def test_openstack_cli_drives_the_vteps(seamd_factory, vteps):
    s = seamd_factory.start("e2e", token="e2e-token", args=["-d", "reconcile"])
    tor = vteps("tor1", "10.99.0.1", ["p1", "p2", "p3"])
    hv = vteps("hv1", "10.99.0.2", [])
    s.create("seam/vteps", "vtep", {"name": "tor1", "target": "tcp:127.0.0.1:%d" % tor.port,
                                    "tunnel_ip": "10.99.0.1", "role": "tor"})
    s.create("seam/vteps", "vtep", {"name": "hv1", "target": "tcp:127.0.0.1:%d" % hv.port,
                                    "tunnel_ip": "10.99.0.2", "role": "hypervisor",
                                    "host": "server1"})
    s.create("seam/host-links", "host_link", {"host": "server2", "physical_network": "physnet1",
                                              "vtep": "tor1", "port": "p1"})
    wait_until(lambda: all(v["connection_state"] == "connected"
                           for v in s.get("/v2.0/seam/vteps").json()["vteps"]),
               10, "both VTEPs connected")

    # A network the vxlan way, plus a vlan segment with `network segment create`.
    net1 = cli_json(s, "network", "create", "--provider-network-type", "vxlan",
                    "--provider-segment", "5001", "net1")
    cli(s, "network", "segment", "create", "--network", "net1", "--network-type", "vlan",
        "--physical-network", "physnet1", "--segment", "2901", "seg1")
    # A network the --provider-* way only: vlan, its VNI allocated.
    net2 = cli_json(s, "network", "create", "--provider-network-type", "vlan",
                    "--provider-physical-network", "physnet1", "--provider-segment", "2902",
                    "net2")
    vni2 = s.get("/v2.0/networks/" + net2["id"]).json()["network"]["seam:vni"]
    cli(s, "subnet", "create", "--network", "net1", "--subnet-range", "10.0.0.0/24", "sub1")
    cli(s, "subnet", "create", "--network", "net2", "--subnet-range", "10.2.0.0/24", "sub2")

    vm = cli_json(s, "port", "create", "--network", "net1", "--host", "server1", "vm1")
    tap = "tap" + vm["id"][:11]
    hv.ctl("add-port", "hv1", tap)          # What Nova + seam-vtep --port-match do.
    sriov = cli_json(s, "port", "create", "--network", "net1", "--vnic-type", "direct",
                     "--host", "server2", "sriov1")
    sriov2 = cli_json(s, "port", "create", "--network", "net2", "--vnic-type", "direct",
                      "--host", "server2", "sriov2")
    bm = cli_json(s, "port", "create", "--network", "net1", "--vnic-type", "baremetal",
                  "--host", "ironic1", "--binding-profile", json.dumps(
                      {"local_link_information": [{"switch_id": "00:00:5e:00:53:01",
                                                   "port_id": "p3", "switch_info": "tor1"}]}),
                  "bm1")
    cli(s, "l2gw", "create", "--device", "name=tor1,interface_names=p2", "gw1")
    cli(s, "l2gw", "connection", "create", "gw1", "net1", "--default-segmentation-id", "100")

    n1, n2 = net1["id"], net2["id"]
    ip = {p["id"]: p["fixed_ips"][0]["ip_address"] for p in (vm, sriov, sriov2, bm)}
    mac = {p["id"]: p["mac_address"] for p in (vm, sriov, sriov2, bm)}
    want_tor = {
        "switches": {n1: 5001, n2: vni2},
        "bindings": {"p1": {2901: n1, 2902: n2}, "p2": {100: n1}, "p3": {0: n1}},
        "ucast": {(mac[vm["id"]], n1): (ip[vm["id"]], "10.99.0.2")},
        "mcast": {n1: ["10.99.0.2"]},
    }
    want_hv = {
        "switches": {n1: 5001},
        "bindings": {tap: {0: n1}},
        "ucast": {(mac[p["id"]], n1): (ip[p["id"]], "10.99.0.1") for p in (sriov, bm)},
        "mcast": {n1: ["10.99.0.1"]},
    }
    wait_until(lambda: tor.state() == want_tor, 10, "tor1's rows (%s)" % tor.state())
    wait_until(lambda: hv.state() == want_hv, 10, "hv1's rows (%s)" % hv.state())
    wait_until(lambda: {p["Status"] for p in cli_json(s, "port", "list", "--long")}
               == {"ACTIVE"}, 10, "every port ACTIVE")
    assert cli_json(s, "network", "show", "net1", "-c", "segments")["segments"][1][
        "provider:segmentation_id"] == 2901

    # Lists and updates through the CLI; renames change no VTEP row.
    assert sorted(n["Name"] for n in cli_json(s, "network", "list")) == ["net1", "net2"]
    assert len(cli_json(s, "port", "list", "--network", "net1")) == 3
    assert len(cli_json(s, "l2gw", "list")) == 1
    for v in (tor, hv):
        v.monitor()
    cli(s, "network", "set", "--name", "net1b", "net1")
    cli(s, "port", "set", "--name", "vm1b", "vm1")

    # A graceful restart of seamd: the VTEPs see nothing deleted or re-added.
    synced = s.logfile.read_text().count(": in sync")
    s.stop()
    s.start()
    wait_until(lambda: s.logfile.read_text().count(": in sync") >= synced + 2, 15,
               "the restarted seamd's passes")
    time.sleep(0.5)
    assert tor.state() == want_tor and hv.state() == want_hv
    assert tor.changes() == [] and hv.changes() == [], (tor.changes(), hv.changes())

    # The SR-IOV port moves to a host without a link: its binding goes,
    # and the other network's binding stays.
    cli(s, "port", "set", "--host", "server9", "sriov2")
    want_tor["bindings"]["p1"] = {2901: n1}
    del want_tor["switches"][n2]
    wait_until(lambda: tor.state() == want_tor, 10, "sriov2's binding gone (%s)" % tor.state())
    assert ("Logical_Switch", "delete") in {c[:2] for c in tor.changes()}  # The monitor sees.

    # Deletes: each takes its rows away.
    conn = cli_json(s, "l2gw", "connection", "list")[0]["ID"]
    cli(s, "l2gw", "connection", "delete", conn)
    want_tor["bindings"]["p2"] = {}
    wait_until(lambda: tor.state() == want_tor, 10, "the L2GW binding gone (%s)" % tor.state())
    cli(s, "port", "delete", vm["id"])
    want_tor["ucast"] = {}
    want_tor["mcast"] = {}
    wait_until(lambda: tor.state() == want_tor, 10, "vm1 gone from tor1 (%s)" % tor.state())
    wait_until(lambda: hv.state() == {"switches": {}, "bindings": {tap: {}}, "ucast": {},
                                      "mcast": {}}, 10, "hv1 emptied (%s)" % hv.state())
    cli(s, "l2gw", "delete", "gw1")
    for p in (sriov, sriov2, bm):
        cli(s, "port", "delete", p["id"])
    cli(s, "subnet", "delete", "sub1", "sub2")
    cli(s, "network", "segment", "delete", "seg1")
    cli(s, "network", "delete", n1, n2)
    empty = {"switches": {}, "bindings": {"p1": {}, "p2": {}, "p3": {}}, "ucast": {},
             "mcast": {}}
    wait_until(lambda: tor.state() == empty, 10, "tor1 emptied (%s)" % tor.state())
    assert not tor.rows("Physical_Locator_Set") and not tor.rows("Physical_Locator")
    # Rows seamd did not make are still there.
    assert {p["name"] for p in hv.rows("Physical_Port")} == {tap}
    assert [r["name"] for r in tor.rows("Physical_Switch")] == ["tor1"]
