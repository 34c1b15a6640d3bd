"""The real OpenStack CLI (Debian's python3-openstackclient and
networking-l2gw's `openstack l2gw ...`) drives seamd as it drives Neutron."""

import json
import os
import shutil
import subprocess

import pytest

OPENSTACK = shutil.which("openstack") or "/usr/bin/openstack"

pytestmark = pytest.mark.skipif(not os.path.exists(OPENSTACK),
                                reason="python3-openstackclient is not installed")


def cli(s, *args, auth="none", token=None, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    cmd = [OPENSTACK, "--os-endpoint", s.url]
    if auth == "none":
        cmd += ["--os-auth-type", "none"]
    else:
        cmd += ["--os-auth-type", "admin_token", "--os-token", token]
    r = subprocess.run(cmd + list(args), capture_output=True, text=True, env=env,
                       timeout=120)
    if check:
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r


def cli_json(s, *args, **kw):
    return json.loads(cli(s, *args, "-f", "json", **kw).stdout)


def test_openstack_cli_full_cycle(seamd):
    s = seamd
    net = cli_json(s, "network", "create", "--provider-network-type", "vxlan",
                   "--provider-segment", "5001", "net1")
    assert net["provider:segmentation_id"] == 5001
    seg = cli_json(s, "network", "segment", "create", "--network", "net1", "--network-type",
                   "vlan", "--physical-network", "physnet1", "--segment", "2901", "seg1")
    assert seg["segmentation_id"] == 2901
    shown = cli_json(s, "network", "show", "net1", "-c", "segments")
    assert [x["provider:segmentation_id"] for x in shown["segments"]] == [5001, 2901]
    sub = cli_json(s, "subnet", "create", "--network", "net1", "--subnet-range",
                   "10.0.0.0/24", "sub1")
    assert sub["gateway_ip"] == "10.0.0.1"
    port = cli_json(s, "port", "create", "--network", "net1", "--vnic-type", "direct",
                    "--host", "server2", "--binding-profile", "physical_network=physnet1", "p1")
    assert port["binding_vnic_type"] == "direct"
    assert port["binding_profile"] == {"physical_network": "physnet1"}
    assert port["fixed_ips"][0]["ip_address"] == "10.0.0.2"
    s.create("seam/vteps", "vtep", {"name": "tor1", "target": "tcp:127.0.0.1:6640"})
    cli(s, "l2gw", "create", "--device", "name=tor1,interface_names=p2", "gw1")
    cli(s, "l2gw", "connection", "create", "gw1", "net1", "--default-segmentation-id", "100")
    conns = cli_json(s, "l2gw", "connection", "list")
    assert len(conns) == 1 and conns[0]["Segmentation ID"] == 100
    assert [n["Name"] for n in cli_json(s, "network", "list")] == ["net1"]
    assert [p["Name"] for p in cli_json(s, "port", "list")] == ["p1"]
    cli(s, "network", "set", "--name", "net1b", "net1")
    cli(s, "port", "set", "--name", "p1b", "p1")
    assert s.get("/v2.0/networks?name=net1b").json()["networks"]
    # The NB follows: the port is on the network, the connection too.
    cli(s, "l2gw", "connection", "delete", conns[0]["ID"])
    cli(s, "l2gw", "delete", "gw1")
    cli(s, "port", "delete", "p1b")
    cli(s, "subnet", "delete", "sub1")
    cli(s, "network", "segment", "delete", "seg1")
    cli(s, "network", "delete", "net1b")
    for c in ("networks", "ports", "subnets", "segments", "l2-gateways"):
        assert list(s.get("/v2.0/" + c).json().values())[0] == [], c


def test_openstack_cli_multi_provider_and_errors(seamd):
    s = seamd
    r = cli(s, "network", "create", "--provider-network-type", "vlan",
            "--provider-physical-network", "physnet1", "--provider-segment", "4095", "bad",
            check=False)
    assert r.returncode != 0 and "segmentation_id out of range" in r.stderr
    assert s.get("/v2.0/networks").json()["networks"] == []


def test_openstack_cli_admin_token(seamd_factory):
    s = seamd_factory.start(token="tok3n")
    cli(s, "network", "create", "n1", auth="admin_token", token="tok3n")
    names = [n["Name"] for n in cli_json(s, "network", "list", auth="admin_token",
                                         token="tok3n")]
    assert names == ["n1"]
    r = cli(s, "network", "list", auth="admin_token", token="wrong", check=False)
    assert r.returncode != 0
