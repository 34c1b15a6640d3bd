"""seamd as a daemon: --help, the config file (every value checked, a bad
one names file and line and starts nothing), flags over the file, HTTPS,
the NB exposed for ovsdb-client, pidfile and a clean SIGTERM."""

import json
import shutil
import subprocess

import pytest

from conftest import seamd_binary


def run_seamd(*args, timeout=10):
    return subprocess.run([str(seamd_binary())] + list(args), capture_output=True,
                          text=True, timeout=timeout)


def test_help_and_version():
    r = run_seamd("--help")
    assert r.returncode == 0 and "--vni-ranges" in r.stdout and "--nb=REMOTES" in r.stdout
    r = run_seamd("--version")
    assert r.returncode == 0 and r.stdout.startswith("seamd ")
    r = run_seamd("--bogus")
    assert r.returncode == 2 and "--bogus" in r.stderr


@pytest.mark.parametrize("text,line,what", [
    ("[DEFAULT]\nbind_port = 70000\n", 2, "bind_port"),
    ("[ml2_type_vxlan]\nvni_ranges = 5000:4000\n", 2, "vni_ranges"),
    ("[ml2_type_vxlan]\nvni_ranges = 1:16777216\n", 2, "vni_ranges"),
    ("[ml2_type_vlan]\n# comment\nnetwork_vlan_ranges = physnet1:0:10\n", 3,
     "network_vlan_ranges"),
    ("[seam]\nbase_mac = 01:00:00:00:00:00\n", 2, "base_mac"),
    ("[DEFAULT]\nbind_host = localhost\n", 2, "bind_host"),
    ("[DEFAULT]\nnonsense = 1\n", 2, "unknown key"),
    ("[nowhere]\nx = 1\n", 2, "unknown section"),
    ("[DEFAULT]\nthis is not a key\n", 2, "KEY = VALUE"),
    # Remotes: these used to start seamd (retrying forever, or exiting 1 later).
    ("[DEFAULT]\nnb = garbage\n", 2, "nb \"garbage\""),
    ("[DEFAULT]\nnb = tcp:127.0.0.1:6641, tcp:127.0.0.2\n", 2, "nb \"tcp:127.0.0.2\""),
    ("[DEFAULT]\nnb_remote = pfoo:1\n", 2, "nb_remote"),
    ("[seam]\nsouthbound_listen = tcp:127.0.0.1:6640\n", 2, "southbound_listen"),
    ("[seam]\nsouthbound_listen = ptcp:\n", 2, "southbound_listen"),
])
def test_bad_config_names_file_and_line(tmp_path, text, line, what):
    conf = tmp_path / "seamd.conf"
    conf.write_text(text)
    r = run_seamd("--config=%s" % conf, "--state-dir=%s" % tmp_path)
    assert r.returncode == 2, r
    assert "%s:%d:" % (conf, line) in r.stderr and what in r.stderr, r.stderr
    assert not (tmp_path / "seam_nb.db").exists()       # Started nothing.


def test_bad_flag_value(tmp_path):
    r = run_seamd("--network-vlan-ranges=physnet1:2999:2900", "--state-dir=%s" % tmp_path)
    assert r.returncode == 2 and "--network-vlan-ranges" in r.stderr
    r = run_seamd("--listen=127.0.0.1", "--state-dir=%s" % tmp_path)
    assert r.returncode == 2 and "IP:PORT" in r.stderr
    r = run_seamd("--sb-listen=6640", "--state-dir=%s" % tmp_path)
    assert r.returncode == 2 and "--sb-listen" in r.stderr and "ptcp:PORT" in r.stderr
    assert not (tmp_path / "seam_nb.db").exists()


def test_config_file_and_flags_override(seamd_factory, tmp_path):
    conf = tmp_path / "seamd.conf"
    conf.write_text("""# ML2-like
[DEFAULT]
auth_token = fromfile

[ml2_type_vxlan]
vni_ranges = 7000:7001

[ml2_type_vlan]
network_vlan_ranges = physnet1:100:101,physnet2

[seam]
base_mac = fa:16:3e:aa:00:00
""")
    s = seamd_factory.start(args=["--config=%s" % conf, "--vni-ranges=8000:8001"],
                            token="fromfile", default_args=False)
    n = s.create("networks", "network", {"name": "x"})
    assert n["provider:segmentation_id"] == 8000        # The flag won.
    v = s.create("networks", "network", {"name": "v", "provider:network_type": "vlan",
                                         "provider:physical_network": "physnet1"})
    assert v["provider:segmentation_id"] == 100
    p = s.create("ports", "port", {"network_id": n["id"]})
    assert p["mac_address"].startswith("fa:16:3e:aa:")
    r = s.post("/v2.0/networks", {"network": {"provider:network_type": "vlan",
                                              "provider:physical_network": "physnet2"}})
    assert r.status_code == 503 and r.json()["NeutronError"]["type"] == "NoNetworkAvailable"


def test_https(seamd_factory, tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("no openssl tool")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    s = seamd_factory.start(args=["--ssl-cert=%s" % cert, "--ssl-key=%s" % key],
                            verify=str(cert))
    assert s.url.startswith("https://")
    r = s.get("/")
    assert r.status_code == 200
    assert r.json()["versions"][0]["links"][0]["href"].startswith("https://")
    s.create("networks", "network", {"name": "tls"})


def test_nb_remote_for_ovsdb_client(seamd_factory, tmp_path):
    if not shutil.which("ovsdb-client"):
        pytest.skip("no ovsdb-client")
    sock = tmp_path / "nb.sock"
    s = seamd_factory.start(args=["--nb-remote=punix:%s" % sock])
    n = s.create("networks", "network", {"name": "seen"})
    r = subprocess.run(["ovsdb-client", "-f", "json", "dump", "unix:%s" % sock, "seam_nb",
                        "Network"], capture_output=True, text=True, timeout=10, check=True)
    data = json.loads(r.stdout)
    rows = data["data"] if "data" in data else data[0]["data"]
    assert len(rows) == 1 and n["name"] in json.dumps(rows)
    assert s.pidfile.exists()
    assert s.stop() == 0
    assert not s.pidfile.exists()
