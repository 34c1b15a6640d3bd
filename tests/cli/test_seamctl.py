"""seamctl against the real servers (neutron-server, the reference; seamd
when built) and a fake one: every resource's create/list/show/update/
delete, table and JSON output, errors and exit codes (0 done, 1 refused or
not found, 2 bad usage, 3 unreachable), tokens, TLS and `status`."""

import itertools
import json
import os
import re
import shutil
import subprocess
import threading
import uuid

import pytest

from seamctltest import build_dir, free_port, run_command, seamctl_path, wait_until

_names = itertools.count()


def uniq(prefix):
    """A name no other test uses (the servers live for the session)."""
    return "%s-%d-%d" % (prefix, os.getpid(), next(_names))


# --- Without a server. ---

RESOURCES = ["network", "subnet", "port", "segment", "l2gw", "l2gw-connection",
             "vtep", "host-link"]


def test_help_lists_every_resource_and_command():
    p = run_command([seamctl_path(), "--help"])
    assert p.returncode == 0
    for r in RESOURCES + ["status"]:
        assert re.search(r"^  %s\b" % re.escape(r), p.stdout, re.M), r
    assert "SEAM_URL" in p.stdout and "SEAM_TOKEN" in p.stdout


@pytest.mark.parametrize("resource", RESOURCES)
def test_help_of_each_action(resource):
    p = run_command([seamctl_path(), resource, "--help"])
    assert p.returncode == 0
    for action in ("create", "list", "show", "update", "delete"):
        assert "seamctl %s %s" % (resource, action) in p.stdout
        q = run_command([seamctl_path(), resource, action, "--help"])
        assert q.returncode == 0, q.stderr
        assert q.stdout.startswith("Usage: seamctl %s %s" % (resource, action))


def test_help_names_the_flags():
    out = run_command([seamctl_path(), "network", "create", "--help"]).stdout
    for flag in ("--provider-network-type", "--provider-physical-network",
                 "--provider-segment", "--segment"):
        assert flag in out
    out = run_command([seamctl_path(), "port", "create", "--help"]).stdout
    for flag in ("--network", "--fixed-ip", "--host", "--vnic-type", "--binding-profile"):
        assert flag in out
    out = run_command([seamctl_path(), "status", "--help"]).stdout
    assert "in sync" in out


@pytest.mark.parametrize("args, message", [
    ([], "Usage"),
    (["nosuch", "list"], 'unknown resource or command "nosuch"'),
    (["network"], "Usage: seamctl network"),
    (["network", "frob"], 'unknown action "frob"'),
    (["network", "list", "--nosuch"], "network list: unknown option --nosuch"),
    (["network", "list", "--provider-segment=5"],
     "network list: unknown option --provider-segment=5"),
    (["network", "list", "--wait=5"], "network list: unknown option --wait=5"),
    (["--bogus", "network", "list"], "seamctl: unknown option --bogus"),
    (["network", "create", "--mtu"], "network create: missing the argument of --mtu"),
    (["status", "--wait=x"], "--wait=x: want seconds"),
    (["-f", "yaml", "network", "list"], "-f yaml: want table, json or value"),
    (["network", "create", "--provider-segment", "abc", "n"], "not an integer"),
    (["network", "create", "--segment", "vlan:a:1:2", "n"], "want TYPE, TYPE:ID"),
    (["network", "create", "--segment", "vlan:physnet1:x", "n"], "is not an integer"),
    (["network", "show"], "want one network name or ID"),
    (["network", "update", "x"], "nothing to change"),
    (["network", "list", "extra"], 'unexpected argument "extra"'),
    (["l2gw", "create", "--device", "name=t,bogus=1", "g"], "only name= and interface_names="),
    (["--timeout", "0", "network", "list"], "--timeout=0"),
    (["--url", "ftp://x", "network", "list"], "scheme must be http or https"),
])
def test_usage_errors_exit_2_without_a_request(args, message):
    # A closed port: any request would fail with exit 3, not 2.
    p = run_command([seamctl_path(), "--url", "http://127.0.0.1:%d" % free_port()] + args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert message in p.stderr + p.stdout


def test_unreachable_server_exits_3():
    port = free_port()
    p = run_command([seamctl_path(), "--url", "http://127.0.0.1:%d" % port,
                     "network", "list"])
    assert p.returncode == 3
    assert p.stderr.strip() == (
        "seamctl: cannot reach http://127.0.0.1:%d: Connection refused" % port)
    p = run_command([seamctl_path(), "network", "list"],
                    env={"SEAM_URL": "http://nosuchhost.invalid:9"})
    assert p.returncode == 3
    assert "nosuchhost.invalid" in p.stderr


# --- The fake server: what the real ones cannot show. ---

NET = {"id": "11111111-2222-3333-4444-555555555555", "name": "n1",
       "provider:network_type": "vxlan", "provider:segmentation_id": 5000,
       "status": "ACTIVE", "subnets": []}


def test_url_and_token_from_environment_and_flags(fake):
    fake.routes[("GET", "/v2.0/networks")] = (200, {"networks": [NET]})
    p = run_command([seamctl_path(), "network", "list"],
                    env={"SEAM_URL": fake.url, "SEAM_TOKEN": "envtoken"})
    assert p.returncode == 0, p.stderr
    assert fake.requests[-1]["headers"].get("X-Auth-Token") == "envtoken"
    p = run_command([seamctl_path(), "--url", fake.url, "--token", "flagtoken",
                     "network", "list"], env={"SEAM_URL": "http://127.0.0.1:9",
                                              "SEAM_TOKEN": "envtoken"})
    assert p.returncode == 0, p.stderr
    assert fake.requests[-1]["headers"].get("X-Auth-Token") == "flagtoken"
    p = run_command([seamctl_path(), "--url", fake.url, "network", "list"],
                    env={"SEAM_TOKEN": ""})
    assert "X-Auth-Token" not in fake.requests[-1]["headers"]
    # A path prefix in the URL is kept.
    fake.routes[("GET", "/api/v2.0/networks")] = (200, {"networks": []})
    p = run_command([seamctl_path(), "--url", fake.url + "/api/", "network", "list"])
    assert p.returncode == 0 and fake.requests[-1]["path"] == "/api/v2.0/networks"


def test_timeout_and_debug(fake):
    fake.routes[("GET", "/v2.0/networks")] = (200, {"networks": []}, 3)
    p = fake.api().run("--timeout", "1", "network", "list")
    assert p.returncode == 3
    assert p.stderr == "seamctl: %s: no reply within 1000 ms\n" % fake.url
    fake.routes[("GET", "/v2.0/networks")] = (200, {"networks": [NET]})
    p = fake.api("secret").run("--debug", "network", "list", "-f", "value", "-c", "id")
    assert p.returncode == 0 and p.stdout == NET["id"] + "\n"
    assert "REQ: GET %s/v2.0/networks (X-Auth-Token set)" % fake.url in p.stderr
    assert "RESP: 200 {" in p.stderr and "secret" not in p.stderr


def test_table_output_is_aligned(fake):
    nets = [NET, dict(NET, id=str(uuid.uuid4()), name="ünïcode-net",
                      subnets=["a", "b"])]
    fake.routes[("GET", "/v2.0/networks")] = (200, {"networks": nets})
    out = fake.api().ok("network", "list")
    lines = out.splitlines()
    assert len(lines) == 6
    assert len({len(line) for line in lines}) == 1, out
    assert lines[0] == lines[2] == lines[5] and set(lines[0]) == {"+", "-"}
    assert re.match(r"\| ID +\| Name +\| Type +\| Segment +\| VNI +\| Status +\| Subnets +\|",
                    lines[1])
    assert "| a, b " in lines[4]
    # No rows, no table (as the openstack CLI).
    fake.routes[("GET", "/v2.0/networks")] = (200, {"networks": []})
    assert fake.api().ok("network", "list") == ""


def test_error_bodies(fake):
    api = fake.api()
    fake.routes[("GET", "/v2.0/networks")] = (
        409, {"NeutronError": {"type": "InUse", "message": "It is in use.",
                               "detail": "port p1"}})
    p = api.run("network", "list")
    assert p.returncode == 1
    assert p.stderr == "seamctl: It is in use.: port p1 (HTTP 409 InUse)\n"
    fake.routes[("GET", "/v2.0/networks")] = (500, "<html><body>\n Oops\n</body></html>")
    p = api.run("network", "list")
    assert p.returncode == 1
    assert p.stderr == "seamctl: HTTP 500: <html><body> Oops </body></html>\n"
    fake.routes[("GET", "/v2.0/networks")] = (200, "not json")
    p = api.run("network", "list")
    assert p.returncode == 1 and "the reply is not JSON" in p.stderr
    fake.routes[("GET", "/v2.0/networks")] = (200, {"nets": []})
    p = api.run("network", "list")
    assert p.returncode == 1 and 'the reply has no list "networks"' in p.stderr


def test_names_are_resolved_as_the_openstack_cli_does(fake):
    api = fake.api()
    fake.routes[("GET", "/v2.0/networks?name=n1")] = (200, {"networks": [NET]})
    fake.routes[("GET", "/v2.0/networks?name=two")] = (
        200, {"networks": [dict(NET, name="two"), dict(NET, name="two", id="x")]})
    fake.routes[("GET", "/v2.0/networks?name=a%20b")] = (200, {"networks": []})
    assert api.json("network", "show", "n1") == NET
    p = api.run("network", "show", "two")
    assert p.returncode == 1 and 'more than one network is named "two"' in p.stderr
    p = api.run("network", "show", "a b")
    assert p.returncode == 1 and p.stderr == 'seamctl: no network named "a b"\n'
    # A server that ignores the filter: seamctl filters too.
    fake.routes[("GET", "/v2.0/networks?name=zz")] = (200, {"networks": [NET]})
    assert api.run("network", "show", "zz").returncode == 1


def test_bodies_sent(fake):
    api = fake.api()
    fake.routes[("POST", "/v2.0/networks")] = (201, {"network": NET})
    api.ok("network", "create", "--segment", "vxlan:5000", "--segment",
           "vlan:physnet1:2901", "--segment", "flat:physnet2", "--segment",
           "network_type=vlan,physical_network=physnet3,segmentation_id=7",
           "--mtu", "1400", "--disable", "--property", "tags=[\"a\"]",
           "--property", "description=x y", "net")
    assert json.loads(fake.requests[-1]["body"]) == {"network": {
        "name": "net", "mtu": 1400, "admin_state_up": False, "tags": ["a"],
        "description": "x y",
        "segments": [
            {"provider:network_type": "vxlan", "provider:segmentation_id": 5000},
            {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
             "provider:segmentation_id": 2901},
            {"provider:network_type": "flat", "provider:physical_network": "physnet2"},
            {"provider:network_type": "vlan", "provider:physical_network": "physnet3",
             "provider:segmentation_id": 7}]}}
    fake.routes[("GET", "/v2.0/networks?name=net")] = (200, {"networks": [dict(NET, name="net")]})
    fake.routes[("POST", "/v2.0/l2-gateways")] = (201, {"l2_gateway": {"id": "g"}})
    api.ok("l2gw", "create", "--device", "name=tor1,interface_names=p1|100#101;p2",
           "--device", "name=tor2,interface_names=p9", "gw")
    assert json.loads(fake.requests[-1]["body"]) == {"l2_gateway": {
        "name": "gw", "devices": [
            {"device_name": "tor1", "interfaces": [
                {"name": "p1", "segmentation_id": ["100", "101"]}, {"name": "p2"}]},
            {"device_name": "tor2", "interfaces": [{"name": "p9"}]}]}}
    fake.routes[("POST", "/v2.0/ports")] = (201, {"port": {"id": "p"}})
    api.ok("port", "create", "--network", "net", "--vnic-type", "baremetal",
           "--binding-profile", '{"local_link_information": [{"switch_id": "tor1", '
           '"port_id": "p3"}]}', "--binding-profile", "physical_network=physnet1",
           "--fixed-ip", "ip-address=10.0.0.5", "--host", "h1", "bm")
    assert json.loads(fake.requests[-1]["body"]) == {"port": {
        "name": "bm", "network_id": NET["id"], "binding:vnic_type": "baremetal",
        "binding:host_id": "h1", "fixed_ips": [{"ip_address": "10.0.0.5"}],
        "binding:profile": {"physical_network": "physnet1", "local_link_information": [
            {"switch_id": "tor1", "port_id": "p3"}]}}}
    fake.routes[("POST", "/v2.0/seam/host-links")] = (201, {"host_link": {"id": "h"}})
    api.ok("host-link", "create", "--host", "server1", "--physical-network",
           "physnet1", "--vtep", "tor1", "--port", "p1")
    assert json.loads(fake.requests[-1]["body"]) == {"host_link": {
        "host": "server1", "physical_network": "physnet1", "vtep": "tor1", "port": "p1"}}
    fake.routes[("GET", "/v2.0/seam/vteps?role=tor&tunnel_ip=10.0.0.1")] = (
        200, {"vteps": []})
    api.ok("vtep", "list", "--role", "tor", "--tunnel-ip", "10.0.0.1")
    assert fake.requests[-1]["method"] == "GET"


VTEPS = [
    {"id": str(uuid.uuid4()), "name": "tor1", "role": "tor", "target": "tcp:127.0.0.1:6640",
     "tunnel_ip": "10.0.0.1", "host": "", "connection_state": "connected",
     "in_sync": True, "status_detail": ""},
    {"id": str(uuid.uuid4()), "name": "server1", "role": "hypervisor", "target": "",
     "tunnel_ip": "10.0.0.2", "host": "server1", "connection_state": "connected",
     "in_sync": True, "status_detail": ""},
]


def test_status_exits_0_only_if_every_vtep_is_in_sync(fake):
    api = fake.api()
    fake.routes[("GET", "/v2.0/seam/vteps")] = (200, {"vteps": VTEPS})
    p = api.run("status")
    assert p.returncode == 0, p.stderr
    assert "(connects in)" in p.stdout
    assert p.stdout.splitlines()[-1] == "2 of 2 VTEPs in sync"
    rows = json.loads(api.ok("status", "-f", "json"))
    assert [v["name"] for v in rows] == ["tor1", "server1"]
    assert rows == VTEPS     # -f json: the API's objects, whole
    bad = [VTEPS[0], dict(VTEPS[1], connection_state="backoff", in_sync=False,
                          status_detail="connection refused")]
    fake.routes[("GET", "/v2.0/seam/vteps")] = (200, {"vteps": bad})
    p = api.run("status")
    assert p.returncode == 1
    assert "connection refused" in p.stdout
    assert p.stdout.splitlines()[-1] == "1 of 2 VTEPs in sync"
    fake.routes[("GET", "/v2.0/seam/vteps")] = (200, {"vteps": []})
    assert api.run("status").returncode == 0
    fake.routes[("GET", "/v2.0/seam/vteps")] = (503, "down")
    assert api.run("status").returncode == 1


def test_status_wait(fake):
    api = fake.api()
    out_of_sync = [dict(VTEPS[0], in_sync=False)]
    fake.routes[("GET", "/v2.0/seam/vteps")] = (200, {"vteps": out_of_sync})
    p = api.run("status", "--wait=1")
    assert p.returncode == 1
    n = len([r for r in fake.requests if r["path"] == "/v2.0/seam/vteps"])
    assert 3 <= n <= 7, n           # every 0.2 s for 1 s
    assert p.stdout.splitlines()[-1] == "0 of 1 VTEP in sync"
    timer = threading.Timer(0.5, lambda: fake.routes.update(
        {("GET", "/v2.0/seam/vteps"): (200, {"vteps": VTEPS})}))
    fake.routes[("GET", "/v2.0/seam/vteps")] = (500, "starting")
    timer.start()
    p = api.run("status", "--wait", "10")
    timer.join()
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout.splitlines()[-1] == "2 of 2 VTEPs in sync"


def test_status_shows_the_controller(fake):
    api = fake.api()
    fake.routes[("GET", "/v2.0/seam/vteps")] = (200, {"vteps": VTEPS})
    fake.routes[("GET", "/v2.0/seam/controller")] = (200, {"controller": {
        "active": True, "nb_synced": True, "nb_remote": None}})
    p = api.run("status")
    assert p.returncode == 0
    assert p.stdout.splitlines()[0] == "Controller: active, northbound synced"
    fake.routes[("GET", "/v2.0/seam/controller")] = (200, {"controller": {
        "active": False, "nb_synced": True, "nb_remote": "tcp:10.0.0.9:6641"}})
    p = api.run("status")
    assert p.returncode == 0
    assert p.stdout.splitlines()[0] == (
        "Controller: standby, northbound synced (tcp:10.0.0.9:6641)")
    # Not synced: what it says of the VTEPs may be stale.
    fake.routes[("GET", "/v2.0/seam/controller")] = (200, {"controller": {
        "active": False, "nb_synced": False, "nb_remote": None}})
    p = api.run("status")
    assert p.returncode == 1
    assert p.stdout.splitlines()[0] == "Controller: standby, northbound NOT synced"
    assert p.stdout.splitlines()[-1] == "2 of 2 VTEPs in sync"
    assert json.loads(api.run("status", "-f", "json").stdout) == VTEPS
    fake.routes[("GET", "/v2.0/seam/controller")] = (401, {"NeutronError": {
        "type": "HTTPUnauthorized", "message": "Authentication required", "detail": ""}})
    p = api.run("status")
    assert p.returncode == 1 and "Authentication required (HTTP 401" in p.stderr


def test_https(fake_tls, tls_files):
    cert, _ = tls_files
    fake_tls.routes[("GET", "/v2.0/networks")] = (200, {"networks": [NET]})
    p = run_command([seamctl_path(), "--url", fake_tls.url, "network", "list"])
    assert p.returncode == 3
    assert "certificate verify failed" in p.stderr
    p = run_command([seamctl_path(), "--url", fake_tls.url, "--cacert", cert,
                     "network", "list"])
    assert p.returncode == 0, p.stderr
    assert NET["id"] in p.stdout
    p = run_command([seamctl_path(), "network", "list", "-f", "json"],
                    env={"SEAM_URL": fake_tls.url, "SEAM_CACERT": cert})
    assert p.returncode == 0 and json.loads(p.stdout) == [NET]
    p = run_command([seamctl_path(), "--url", fake_tls.url, "--insecure",
                     "network", "list"])
    assert p.returncode == 0, p.stderr


# --- The real servers. ---

def test_network_lifecycle(api):
    name = uniq("net")
    net = api.json("network", "create", "--provider-network-type", "vxlan", name)
    assert net["name"] == name and net["provider:network_type"] == "vxlan"
    assert isinstance(net["provider:segmentation_id"], int)
    out = api.ok("network", "list")
    assert re.search(r"^\| %s \| %s +\| vxlan " % (net["id"], name), out, re.M), out
    assert api.json("network", "show", name)["id"] == net["id"]
    assert api.json("network", "show", net["id"])["name"] == name
    assert api.ok("network", "list", "--name", name, "-f", "value", "-c", "id",
                  "-c", "name") == "%s %s\n" % (net["id"], name)
    shown = api.json("network", "show", name, "-c", "id", "-c", "Name")
    assert shown == {"id": net["id"], "name": name}
    new = uniq("renamed")
    upd = api.json("network", "update", name, "--name", new, "--description", "d")
    assert upd["name"] == new and upd["description"] == "d"
    p = api.run("network", "delete", new)
    assert p.returncode == 0 and p.stdout == ""
    p = api.run("network", "show", new)
    assert p.returncode == 1 and p.stderr == 'seamctl: no network named "%s"\n' % new
    p = api.run("network", "show", net["id"])
    assert p.returncode == 1
    assert p.stderr == ("seamctl: Network %s could not be found. (HTTP 404 "
                        "NetworkNotFound)\n" % net["id"])


def test_bad_vlan_is_refused_and_nothing_written(api):
    name = uniq("badvlan")
    for vlan in ("4095", "0"):
        p = api.run("network", "create", "--provider-network-type", "vlan",
                    "--provider-physical-network", "physnet1", "--provider-segment",
                    vlan, name)
        assert p.returncode == 1
        assert "segmentation_id out of range (1 through 4094)" in p.stderr, p.stderr
        assert "(HTTP 400 InvalidInput)" in p.stderr
    assert api.json("network", "list", "--name", name) == []


def test_unknown_network(api):
    p = api.run("port", "create", "--network", "no-such-net", uniq("p"))
    assert p.returncode == 1
    assert p.stderr == 'seamctl: no network named "no-such-net"\n'
    p = api.run("network", "delete", "no-such-net")
    assert p.returncode == 1
    missing = str(uuid.uuid4())
    p = api.run("subnet", "create", "--network", missing, "--subnet-range", "10.9.0.0/24")
    assert p.returncode == 1 and "Network %s could not be found" % missing in p.stderr


def test_multi_segment_network(api):
    name = uniq("multi")
    net = api.json("network", "create", "--segment", "vxlan", "--segment",
                   "vlan:physnet1:2950", name)
    segs = sorted(net["segments"], key=lambda s: s["provider:network_type"])
    assert [s["provider:network_type"] for s in segs] == ["vlan", "vxlan"]
    assert segs[0]["provider:physical_network"] == "physnet1"
    assert segs[0]["provider:segmentation_id"] == 2950
    # Not both provider:* and segments: Neutron's error.
    p = api.run("network", "create", "--provider-network-type", "vxlan", "--segment",
                "vlan:physnet1:2951", uniq("both"))
    assert p.returncode == 1 and "HTTP 400" in p.stderr
    api.ok("network", "delete", name)


def test_segment_resource(api):
    name = uniq("segnet")
    net = api.json("network", "create", "--provider-network-type", "vxlan", name)
    seg = api.json("segment", "create", "--network", name, "--network-type", "vlan",
                   "--physical-network", "physnet1", "--segment", "2952", uniq("seg"))
    assert seg["network_id"] == net["id"] and seg["segmentation_id"] == 2952
    listed = api.json("segment", "list", "--network", name)
    assert sorted(s["network_type"] for s in listed) == ["vlan", "vxlan"]
    types = {s["provider:network_type"]
             for s in api.json("network", "show", name)["segments"]}
    assert types == {"vxlan", "vlan"}
    api.ok("segment", "delete", seg["id"])
    api.ok("network", "delete", name)


def test_subnet_and_ports(api):
    net = uniq("pnet")
    api.ok("network", "create", net)
    sub = api.json("subnet", "create", "--network", net, "--subnet-range",
                   "10.77.0.0/24", uniq("sub"))
    assert sub["ip_version"] == 4 and sub["gateway_ip"] == "10.77.0.1"
    sub6 = api.json("subnet", "create", "--network", net, "--subnet-range",
                    "2001:db8:77::/64", "--no-dhcp", uniq("sub6"))
    assert sub6["ip_version"] == 6 and sub6["enable_dhcp"] is False
    port = api.json("port", "create", "--network", net, "--vnic-type", "direct",
                    "--host", "server2", "--binding-profile", "physical_network=physnet1",
                    "--fixed-ip", "subnet=%s,ip-address=10.77.0.10" % sub["name"],
                    uniq("sriov"))
    assert port["binding:vnic_type"] == "direct"
    assert port["binding:host_id"] == "server2"
    assert port["binding:profile"] == {"physical_network": "physnet1"}
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.77.0.10"}]
    dhcp = api.json("port", "create", "--network", net, "--device-owner",
                    "network:dhcp", uniq("dhcp"))
    ports = api.json("port", "list", "--network", net)
    assert {p["id"] for p in ports} == {port["id"], dhcp["id"]}
    assert [p["id"] for p in api.json("port", "list", "--device-owner",
                                      "network:dhcp", "--network", net)] == [dhcp["id"]]
    out = api.ok("port", "list", "--network", net)
    assert "ip_address='10.77.0.10', subnet_id='%s'" % sub["id"] in out
    upd = api.json("port", "update", port["id"], "--host", "server3")
    assert upd["binding:host_id"] == "server3"
    # Deleting two ports and one that is not there: goes on, then exits 1.
    p = api.run("port", "delete", port["id"], "no-such-port", dhcp["name"])
    assert p.returncode == 1
    assert "failed to delete 1 of 3 ports" in p.stderr
    assert api.json("port", "list", "--network", net) == []
    api.ok("subnet", "delete", sub["id"], sub6["name"])
    api.ok("network", "delete", net)


def test_l2_gateway(api):
    name = uniq("gw")
    gw = api.json("l2gw", "create", "--device",
                  "name=tor1,interface_names=p2|100;p3|101", name)
    assert gw["name"] == name
    [dev] = gw["devices"]
    assert dev["device_name"] == "tor1"
    assert sorted((i["name"], [str(s) for s in i["segmentation_id"]])
                  for i in dev["interfaces"]) == [("p2", ["100"]), ("p3", ["101"])]
    out = api.ok("l2gw", "list")
    assert name in out and "device_name='tor1'" in out
    assert api.json("l2gw", "show", name)["id"] == gw["id"]
    net = uniq("gwnet")
    api.ok("network", "create", net)
    p = api.run("l2gw-connection", "create", name, net)
    if api.kind == "neutron":
        # No l2gw agent ever reported tor1 to this neutron-server.
        assert p.returncode == 1
        assert "L2 Gateway Device tor1 could not be found" in p.stderr
    p = api.run("l2gw-connection", "create", "no-such-gw", net)
    assert p.returncode == 1 and 'no L2 gateway named "no-such-gw"' in p.stderr
    p = api.run("l2gw-connection", "show", str(uuid.uuid4()))
    assert p.returncode == 1 and "HTTP 404" in p.stderr
    api.ok("l2gw", "delete", name)
    api.ok("network", "delete", net)


# --- seam's own resources: seamd only. ---

def test_vteps_and_status(seamd):
    api = seamd
    tor, hv = uniq("tor"), uniq("server")
    v = api.json("vtep", "create", tor, "--role", "tor", "--target",
                 "tcp:127.0.0.1:%d" % free_port(), "--tunnel-ip", "10.99.0.1",
                 "--description", "rack 1")
    assert (v["name"], v["role"], v["tunnel_ip"], v["description"]) == (
        tor, "tor", "10.99.0.1", "rack 1")
    assert v["in_sync"] is False
    h = api.json("vtep", "create", hv, "--role", "hypervisor", "--tunnel-ip", "10.99.0.2")
    assert not h["target"]      # none: it connects in
    out = api.ok("vtep", "list")
    assert re.search(r"^\| %s +\| tor +\| tcp:127\.0\.0\.1:\d+ +\| 10\.99\.0\.1 " % tor,
                     out, re.M), out
    assert [x["name"] for x in api.json("vtep", "list", "--role", "hypervisor")
            if x["name"] in (tor, hv)] == [hv]
    assert api.json("vtep", "show", tor)["id"] == v["id"]
    assert api.json("vtep", "update", hv, "--host", "compute-7")["host"] == "compute-7"
    # Nothing connected: not in sync, exit 1, every VTEP listed.
    p = api.run("status")
    assert p.returncode == 1
    assert p.stdout.startswith("Controller: active, northbound synced (unix:")
    assert re.search(r"^\| %s +\| hypervisor +\| \(connects in\) " % hv, p.stdout, re.M)
    assert re.search(r"^\d+ of \d+ VTEPs in sync$", p.stdout.splitlines()[-1])
    rows = json.loads(api.run("status", "-f", "json").stdout)
    assert {tor, hv} <= {r["name"] for r in rows}
    api.ok("vtep", "delete", tor, hv)
    p = api.run("vtep", "show", tor)
    assert p.returncode == 1 and p.stderr == 'seamctl: no VTEP named "%s"\n' % tor


def test_host_links(seamd):
    api = seamd
    host, tor = uniq("compute"), uniq("tor")
    p = api.run("host-link", "create", "--host", host, "--physical-network",
                "physnet1", "--vtep", tor, "--port", "p1")
    assert p.returncode == 1 and "VTEP %s could not be found" % tor in p.stderr
    api.ok("vtep", "create", tor, "--role", "tor", "--tunnel-ip", "10.99.1.1")
    link = api.json("host-link", "create", "--host", host, "--physical-network",
                    "physnet1", "--vtep", tor, "--port", "p1")
    assert (link["host"], link["physical_network"], link["vtep"], link["port"],
            link["source"]) == (host, "physnet1", tor, "p1", "static")
    assert [x["id"] for x in api.json("host-link", "list", "--host", host)] == [link["id"]]
    out = api.ok("host-link", "list", "--host", host)
    assert re.search(r"^\| %s \| %s +\| physnet1 +\| %s +\| p1 +\| static +\|$"
                     % (link["id"], host, tor), out, re.M), out
    assert api.json("host-link", "update", link["id"], "--port", "p9")["port"] == "p9"
    assert api.json("host-link", "show", link["id"])["port"] == "p9"
    # No names: a host link is named by its ID.
    p = api.run("host-link", "show", host)
    assert p.returncode == 1 and "HTTP 404" in p.stderr
    api.ok("host-link", "delete", link["id"])
    assert api.json("host-link", "list", "--host", host) == []
    api.ok("vtep", "delete", tor)


def test_l2gw_connection(seamd):
    api = seamd
    net, gw, tor = uniq("l2net"), uniq("gw"), uniq("tor")
    api.ok("network", "create", net)
    api.ok("vtep", "create", tor, "--role", "tor", "--tunnel-ip", "10.99.2.1")
    api.ok("l2gw", "create", "--device", "name=%s,interface_names=p2" % tor, gw)
    conn = api.json("l2gw-connection", "create", gw, net, "--default-segmentation-id", "100")
    assert str(conn["segmentation_id"]) == "100"
    listed = api.json("l2gw-connection", "list", "--network", net)
    assert [c["id"] for c in listed] == [conn["id"]]
    assert [c["id"] for c in api.json("l2gw-connection", "list", "--l2gw", gw)] == [conn["id"]]
    assert api.json("l2gw-connection", "show", conn["id"])["network_id"] == listed[0]["network_id"]
    api.ok("l2gw-connection", "delete", conn["id"])
    assert api.json("l2gw-connection", "list", "--network", net) == []
    api.ok("l2gw", "delete", gw)
    api.ok("network", "delete", net)
    api.ok("vtep", "delete", tor)


def test_token_is_required_by_seamd(seamd):
    p = run_command([seamctl_path(), "--url", seamd.url, "network", "list"],
                    env={"SEAM_TOKEN": ""})
    assert p.returncode == 1 and "HTTP 401" in p.stderr, p.stderr
    p = run_command([seamctl_path(), "--url", seamd.url, "network", "list"],
                    env={"SEAM_TOKEN": seamd.token})
    assert p.returncode == 0, p.stderr


def test_status_follows_a_vtep(seamd, tmp_path):
    """A VTEP (seam-ovsdb serving hardware_vtep) that seamd dials: status
    exits 0 once it is in sync, and 1 again when its server is gone."""
    api = seamd
    ovsdb = build_dir() / "seam-ovsdb"
    if not ovsdb.exists() or not shutil.which("vtep-ctl"):
        pytest.skip("needs build/seam-ovsdb and vtep-ctl")
    port = free_port()
    db = tmp_path / "vtep.db"
    run_command([ovsdb, "create", db, "/usr/share/openvswitch/vtep.ovsschema"], check=True)
    server = subprocess.Popen([ovsdb, "--remote=ptcp:%d:127.0.0.1" % port, db],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tor = uniq("tor")
    try:
        wait_until(lambda: run_command(["vtep-ctl", "--db=tcp:127.0.0.1:%d" % port,
                                        "add-ps", tor]).returncode == 0,
                   what="the VTEP's OVSDB server")
        api.ok("vtep", "create", tor, "--role", "tor", "--target",
               "tcp:127.0.0.1:%d" % port, "--tunnel-ip", "10.99.3.1")

        def status():
            """All VTEPs (status -f json prints them whatever its exit)."""
            return json.loads(api.run("status", "-f", "json").stdout)

        def state():
            return [v for v in status() if v["name"] == tor][0]
        try:
            wait_until(lambda: state()["connection_state"] not in ("", "unknown"),
                       timeout=5, what="a southbound session")
        except AssertionError:
            pytest.skip("this seamd has no southbound sessions yet")
        # Other tests' VTEPs are gone by now, or never connect: only this
        # one decides, so look at its row, then at the exit code alone.
        wait_until(lambda: state()["in_sync"] is True, timeout=10, what="in sync")
        # What --wait is for; other tests' VTEPs may never be in sync.
        if all(v["in_sync"] for v in status()):
            assert api.run("status", "--wait=10").returncode == 0
        expect = 0 if all(v["in_sync"] for v in status()) else 1
        p = api.run("status")
        assert p.returncode == expect, p.stdout
        assert re.search(r"^\| %s +\| tor +\| tcp:127\.0\.0\.1:%d +\| connected +\| true "
                         % (tor, port), p.stdout, re.M), p.stdout
        server.terminate()
        server.wait(10)
        wait_until(lambda: state()["in_sync"] is False, timeout=10, what="out of sync")
        p = api.run("status")
        assert p.returncode == 1
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(10)
        api.run("vtep", "delete", tor)


def test_vlan_in_use_and_unknown_physnet(api):
    name = uniq("vlan")
    api.ok("network", "create", "--provider-network-type", "vlan",
           "--provider-physical-network", "physnet1", "--provider-segment", "2961", name)
    p = api.run("network", "create", "--provider-network-type", "vlan",
                "--provider-physical-network", "physnet1", "--provider-segment", "2961",
                uniq("again"))
    assert p.returncode == 1
    assert p.stderr == ("seamctl: Unable to create the network. The VLAN 2961 on physical "
                        "network physnet1 is in use. (HTTP 409 VlanIdInUse)\n")
    p = api.run("network", "create", "--provider-network-type", "vlan",
                "--provider-physical-network", "nosuch", "--provider-segment", "5",
                uniq("nophys"))
    assert p.returncode == 1
    assert "physical_network 'nosuch' unknown for VLAN provider network" in p.stderr
    assert "(HTTP 400 InvalidInput)" in p.stderr
    api.ok("network", "delete", name)


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")  # Seamd.start()'s probe
def test_https_to_seamd(seamd, tls_files, tmp_path):
    """seamd serving HTTPS (--ssl-cert/--ssl-key): seamctl verifies it with
    --cacert, and refuses it without."""
    cert, key = tls_files
    fixtures = seamd.daemon.__class__
    daemon = fixtures(tmp_path / "tls", args=["--ssl-cert=%s" % cert, "--ssl-key=%s" % key])
    try:
        daemon.start()
        assert daemon.url.startswith("https://")
        p = run_command([seamctl_path(), "--url", daemon.url, "network", "list"])
        assert p.returncode == 3 and "certificate verify failed" in p.stderr
        name = uniq("tlsnet")
        p = run_command([seamctl_path(), "--url", daemon.url, "--cacert", cert,
                         "-f", "json", "network", "create", name])
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["name"] == name
        p = run_command([seamctl_path(), "network", "show", name, "-f", "value", "-c", "name"],
                        env={"SEAM_URL": daemon.url, "SEAM_CACERT": cert})
        assert p.returncode == 0 and p.stdout == name + "\n"
    finally:
        problems = daemon.problems()
    assert not problems, "\n".join(problems)
