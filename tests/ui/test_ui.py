"""seamd's live topology page (/ui) in a real browser (headless chromium).

A seamd with a token programs three VTEPs (ovsdb-servers holding a
hardware_vtep database: two TORs and a hypervisor) for one network with a
vxlan segment and two vlan segments (one per SR-IOV physical network), a
subnet, ports of every kind (VM, DHCP, SR-IOV, bare metal) and an L2
gateway connection (a legacy VLAN behind a TOR port).  The page is
opened with ?token=, and what it shows is checked against the REST API and
against the VTEPs' own tables; then a network and a VTEP are added while
the page is open and must appear without a reload.  Without the token, the
page, its files and its data are refused.

SEAM_UI_SCREENSHOT=PATH also saves the page of the three-VTEP topology
there (how docs/ui.png is made).
"""

import os
import shutil
import subprocess
import time

import pytest
import requests

TOKEN = "ui-token-%d" % os.getpid()
ARGS = ["--vni-ranges=5000:6000",
        "--network-vlan-ranges=physnet1:2900:2999,physnet2:2900:2999"]
SWITCH_PORTS = ["swp%d" % i for i in range(1, 9)]

# What the page shows, read from its DOM in one go.
READ_PAGE = r"""
const txt = (el, f) => {
  const e = el.querySelector('[data-field="' + f + '"]');
  return e ? e.textContent.trim() : null;
};
const rows = sel => [...document.querySelectorAll(sel)];
return {
  state: document.body.dataset.state || null,
  status: document.getElementById('status').textContent,
  controller: txt(document, 'active'),
  vteps: rows('#vteps tbody tr[data-name]').map(r => ({
    id: r.dataset.id, name: r.dataset.name, role: txt(r, 'role'),
    tunnel_ip: txt(r, 'tunnel_ip'), connection_state: txt(r, 'connection_state'),
    in_sync: txt(r, 'in_sync'), n_remote_macs: txt(r, 'n_remote_macs'),
    n_bindings: txt(r, 'n_bindings')})),
  networks: rows('#networks tbody tr[data-id]').map(r => ({
    id: r.dataset.id, name: r.dataset.name, vni: txt(r, 'vni'),
    segments: [...r.querySelectorAll('[data-segment]')].map(e => e.dataset.segment),
    subnets: txt(r, 'subnets'), vteps: txt(r, 'vteps'), n_macs: txt(r, 'n_macs')})),
  ports: rows('#ports tbody tr[data-id]').map(r => ({
    id: r.dataset.id, name: r.dataset.name, mac_address: txt(r, 'mac_address'),
    status: txt(r, 'status'), fixed_ips: txt(r, 'fixed_ips'), bound: txt(r, 'bound')})),
  bindings: rows('.bcard').flatMap(c => [...c.querySelectorAll('tr[data-port]')].map(r => ({
    vtep: c.dataset.vtep, port: r.dataset.port, vlan: txt(r, 'vlan'),
    network: txt(r, 'network'), from: txt(r, 'from'), status: txt(r, 'status')}))),
  tunnels: rows('[data-tunnel]').map(e => e.dataset.tunnel).sort(),
  diagram: rows('#diagram [data-vtep]').map(e => e.dataset.vtep).sort(),
};
"""


def settle(check, timeout=20.0, what="the page to match the API"):
    """Runs check() (returns a list of differences) until it returns none."""
    deadline = time.monotonic() + timeout
    while True:
        diffs = check()
        if not diffs:
            return
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s:\n  %s" % (
                what, "\n  ".join(str(d) for d in diffs)))
        time.sleep(0.2)


def listing(api, collection, **filters):
    r = api.get("/v2.0/" + collection, params=filters)
    assert r.status_code == 200, (collection, r.status_code, r.text)
    return next(iter(r.json().values()))


def segment_text(seg):
    t = seg["provider:network_type"] if "provider:network_type" in seg else seg["network_type"]
    sid = seg.get("provider:segmentation_id", seg.get("segmentation_id"))
    phys = seg.get("provider:physical_network", seg.get("physical_network"))
    if t == "vxlan":
        return "vxlan %s" % sid
    if t == "flat":
        return "flat %s" % (phys or "")
    return "vlan %s %s" % (sid, phys or "")


class Lab:
    """The topology of the docs' screenshot: control1 (hypervisor VTEP hv1
    with VM1 and the DHCP port), tor1 (compute2's SR-IOV NIC on swp2,
    physnet1, VLAN 2901), tor2 (compute3's on swp3, physnet2, VLAN 2900; a
    bare-metal server on swp7)."""

    def __init__(self, seamd_factory, vtep_factory):
        self.api = seamd_factory.start("seamd", token=TOKEN, args=ARGS, default_args=False)
        self.vtep_factory = vtep_factory
        self.fake = {}
        self.add_vtep("hv1", "10.0.0.10", [], role="hypervisor", host="control1")
        self.add_vtep("tor1", "10.0.0.11", SWITCH_PORTS)
        self.add_vtep("tor2", "10.0.0.12", SWITCH_PORTS)
        a = self.api
        a.create("seam/host-links", "host_link", {"host": "compute2", "physical_network":
                                                  "physnet1", "vtep": "tor1", "port": "swp2"})
        a.create("seam/host-links", "host_link", {"host": "compute3", "physical_network":
                                                  "physnet2", "vtep": "tor2", "port": "swp3"})
        self.net = a.create("networks", "network", {"name": "tenant-net", "segments": [
            {"provider:network_type": "vxlan", "provider:segmentation_id": 5001},
            {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
             "provider:segmentation_id": 2901},
            {"provider:network_type": "vlan", "provider:physical_network": "physnet2",
             "provider:segmentation_id": 2900}]})
        a.create("subnets", "subnet", {"network_id": self.net["id"], "name": "tenant-v4",
                                       "cidr": "192.168.10.0/24", "ip_version": 4})
        nid = self.net["id"]
        dhcp = a.create("ports", "port", {"network_id": nid, "name": "dhcp",
                                          "device_owner": "network:dhcp",
                                          "binding:host_id": "control1"})
        vm1 = a.create("ports", "port", {"network_id": nid, "name": "vm1",
                                         "device_owner": "compute:nova",
                                         "binding:host_id": "control1"})
        for p in (dhcp, vm1):           # Their taps appear on the hypervisor.
            self.fake["hv1"].add_port("tap" + p["id"][:11])
        for name, host in (("vm2", "compute2"), ("vm3", "compute2"), ("vm4", "compute3")):
            a.create("ports", "port", {"network_id": nid, "name": name,
                                       "device_owner": "compute:nova",
                                       "binding:host_id": host,
                                       "binding:vnic_type": "direct"})
        gw = a.create("l2-gateways", "l2_gateway", {"name": "legacy-gw", "devices": [
            {"device_name": "tor1", "interfaces": [{"name": "swp5"}]}]})
        a.create("l2-gateway-connections", "l2_gateway_connection", {
            "l2_gateway_id": gw["id"], "network_id": nid, "segmentation_id": "100"})
        a.create("ports", "port", {"network_id": nid, "name": "bm1",
                                   "device_owner": "baremetal:none",
                                   "binding:host_id": "ironic",
                                   "binding:vnic_type": "baremetal",
                                   "binding:profile": {"local_link_information": [
                                       {"switch_id": "52:54:00:00:00:12",
                                        "switch_info": "tor2", "port_id": "swp7"}]}})

    def add_vtep(self, name, ip, ports, **attrs):
        v = self.vtep_factory.start(name, ip, ports)
        self.fake[name] = v
        return self.api.create("seam/vteps", "vtep", dict(
            {"name": name, "target": v.target, "tunnel_ip": ip}, **attrs))

    def converged(self):
        """Differences from 'every VTEP connected and in sync, every port
        ACTIVE'."""
        diffs = ["VTEP %s: %s, in_sync %s" % (v["name"], v["connection_state"], v["in_sync"])
                 for v in listing(self.api, "seam/vteps")
                 if v["connection_state"] != "connected" or not v["in_sync"]]
        diffs += ["port %s: %s" % (p["name"], p["status"])
                  for p in listing(self.api, "ports") if p["status"] != "ACTIVE"]
        diffs += ["l2gw connection %s: %s" % (c["id"], c.get("status"))
                  for c in listing(self.api, "l2-gateway-connections")
                  if c.get("status", "ACTIVE") != "ACTIVE"]
        return diffs


def open_page(browser, api):
    browser.get("%s/ui?token=%s" % (api.url, TOKEN))
    settle(lambda: [] if browser.execute_script(READ_PAGE)["state"] == "live"
           else ["page state %s" % browser.execute_script(READ_PAGE)["state"]],
           what="the page to go live")
    assert browser.current_url == api.url + "/ui", "the token stays in the address bar"


def compare(browser, api, fake):
    """Differences between the page and the REST API (and the VTEPs' own
    Ucast_Macs_Remote tables)."""
    page = browser.execute_script(READ_PAGE)
    diffs = []
    if page["state"] != "live":
        diffs.append("page state %s (%s)" % (page["state"], page["status"]))

    vteps = listing(api, "seam/vteps")
    shown = {v["name"]: v for v in page["vteps"]}
    if sorted(shown) != sorted(v["name"] for v in vteps):
        diffs.append("VTEPs: page %s, API %s" % (sorted(shown), [v["name"] for v in vteps]))
    if page["diagram"] != sorted(v["name"] for v in vteps):
        diffs.append("diagram VTEPs %s" % page["diagram"])
    for v in vteps:
        p = shown.get(v["name"])
        if not p:
            continue
        want = {"id": v["id"], "role": v["role"], "tunnel_ip": v["tunnel_ip"],
                "connection_state": v["connection_state"],
                "in_sync": "yes" if v["in_sync"] else "no"}
        got = {k: p[k] for k in want}
        if v["role"] == "hypervisor":
            got["role"] = got["role"].split()[0]
        if got != want:
            diffs.append("VTEP %s: page %s, API %s" % (v["name"], got, want))
        if v["name"] in fake and v["in_sync"]:
            n = fake[v["name"]].count("Ucast_Macs_Remote")
            if p["n_remote_macs"] != str(n):
                diffs.append("VTEP %s: page %s remote MACs, the VTEP holds %d" % (
                    v["name"], p["n_remote_macs"], n))

    nets = listing(api, "networks")
    shown = {n["id"]: n for n in page["networks"]}
    if sorted(shown) != sorted(n["id"] for n in nets):
        diffs.append("networks: page %s, API %s" % (
            [n["name"] for n in page["networks"]], [n["name"] for n in nets]))
    for n in nets:
        p = shown.get(n["id"])
        if not p:
            continue
        segs = listing(api, "segments", network_id=n["id"])
        subnets = listing(api, "subnets", network_id=n["id"])
        want = {"name": n["name"], "vni": str(n["seam:vni"]),
                "segments": sorted(segment_text(s) for s in segs),
                "subnets": "".join(sorted(s["cidr"] for s in subnets))}
        got = {"name": p["name"], "vni": p["vni"], "segments": sorted(p["segments"]),
               "subnets": p["subnets"]}
        if got != want:
            diffs.append("network %s: page %s, API %s" % (n["name"], got, want))

    ports = listing(api, "ports")
    shown = {p["id"]: p for p in page["ports"]}
    if sorted(shown) != sorted(p["id"] for p in ports):
        diffs.append("ports: page %s, API %s" % (
            [p["name"] for p in page["ports"]], [p["name"] for p in ports]))
    for p in ports:
        s = shown.get(p["id"])
        if not s:
            continue
        want = {"name": p["name"], "mac_address": p["mac_address"], "status": p["status"],
                "fixed_ips": "".join(ip["ip_address"] for ip in p["fixed_ips"])}
        got = {k: s[k] for k in want}
        if got != want:
            diffs.append("port %s: page %s, API %s" % (p["name"], got, want))
    return diffs


@pytest.fixture
def lab(seamd_factory, vtep_factory):
    lab = Lab(seamd_factory, vtep_factory)
    settle(lab.converged, timeout=30, what="seamd to program the VTEPs")
    return lab


def test_page_shows_the_topology_and_follows_changes(lab, browser, tmp_path):
    api = lab.api
    open_page(browser, api)
    settle(lambda: compare(browser, api, lab.fake))

    page = browser.execute_script(READ_PAGE)
    # Tunnels: every pair of the three VTEPs shares tenant-net.
    assert page["tunnels"] == ["hv1|tor1", "hv1|tor2", "tor1|tor2"]
    # Bindings per physical port, as the reconciler derives them.
    bindings = {(b["vtep"], b["port"], b["vlan"]): b for b in page["bindings"]}
    for key, source in ((("tor1", "swp2", "2901"), "port vm"),
                        (("tor1", "swp5", "100"), "l2gw legacy-gw"),
                        (("tor2", "swp3", "2900"), "port vm4"),
                        (("tor2", "swp7", "untagged"), "port bm1")):
        b = bindings[key]
        assert b["network"] == "tenant-net" and b["from"].startswith(source), b
        assert b["status"] == "ACTIVE", b
    # They are the VTEPs' own Vlan bindings.
    for name, fake in lab.fake.items():
        shown = {(b["port"], 0 if b["vlan"] == "untagged" else int(b["vlan"]))
                 for b in page["bindings"] if b["vtep"] == name}
        assert shown == fake.vlan_bindings(), name
        assert len(shown) == 2
    ports = {p["name"]: p for p in page["ports"]}
    assert ports["vm2"]["bound"] == "tor1:swp2 vlan 2901"
    assert ports["vm1"]["bound"].startswith("hv1:tap")
    # The data endpoint agrees with the VTEPs' own tables.
    topo = api.get("/v2.0/seam/topology").json()["topology"]
    for v in topo["vteps"]:
        assert v["n_remote_macs"] == lab.fake[v["name"]].count("Ucast_Macs_Remote")

    shot = tmp_path / "ui.png"
    save_screenshot(browser, shot)
    if os.environ.get("SEAM_UI_SCREENSHOT"):
        shutil.copy(shot, os.environ["SEAM_UI_SCREENSHOT"])

    # Changes while the page is open arrive without a reload.
    browser.execute_script("window.seamMarker = 'no reload';")
    draws = int(browser.execute_script("return document.body.dataset.draws"))
    api.create("networks", "network", {"name": "live-net"})
    lab.add_vtep("tor3", "10.0.0.13", SWITCH_PORTS)

    def arrived():
        page = browser.execute_script(READ_PAGE)
        diffs = []
        if "live-net" not in [n["name"] for n in page["networks"]]:
            diffs.append("no live-net on the page")
        v = [v for v in page["vteps"] if v["name"] == "tor3"]
        if not v or v[0]["connection_state"] != "connected":
            diffs.append("tor3 on the page: %s" % v)
        return diffs
    settle(arrived, what="the new network and VTEP on the page")
    settle(lambda: compare(browser, api, lab.fake))
    assert browser.execute_script("return window.seamMarker") == "no reload"
    assert int(browser.execute_script("return document.body.dataset.draws")) > draws

    # Picking a network dims the VTEPs that do not carry it (tor3 has no
    # binding of tenant-net); picking it again shows all.
    def pick(name):
        return browser.execute_script(
            "document.querySelector('#networks tr[data-name=\"%s\"] td').click();"
            "return [...document.querySelectorAll('#diagram .node.dim')]"
            ".map(e => e.dataset.vtep).sort();" % name)
    assert pick("tenant-net") == ["tor3"]
    assert pick("tenant-net") == []
    assert pick("live-net") == ["hv1", "tor1", "tor2", "tor3"]


def save_screenshot(browser, path):
    """The whole page, at a desktop width."""
    chrome = browser.execute_script("return window.outerHeight - window.innerHeight")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, height + chrome)
    settle(lambda: [] if browser.execute_script(
        "return window.innerHeight >= document.documentElement.scrollHeight") else ["size"],
        timeout=5, what="the window to fit the page")
    browser.save_screenshot(str(path))
    browser.set_window_size(1400, 1000)


def test_without_the_token_the_page_is_refused(lab, browser):
    url = lab.api.url
    for path in ("/ui", "/ui/", "/ui/app.js", "/ui/style.css", "/ui?token=wrong",
                 "/ui/nothing"):
        r = requests.get(url + path, allow_redirects=False, timeout=10)
        assert r.status_code == 401, (path, r.status_code)
        assert TOKEN not in r.text
    r = requests.get(url + "/ui", cookies={"seam_token": "wrong"}, timeout=10)
    assert r.status_code == 401
    # The data takes the API's header only, like the rest of the API.
    for kw in ({}, {"cookies": {"seam_token": TOKEN}}, {"params": {"token": TOKEN}},
               {"headers": {"X-Auth-Token": "wrong"}}):
        r = requests.get(url + "/v2.0/seam/topology", timeout=10, **kw)
        assert r.status_code == 401, (kw, r.status_code)
        assert r.json()["error"]["code"] == 401
    r = requests.post(url + "/v2.0/seam/topology", headers={"X-Auth-Token": TOKEN},
                      timeout=10)
    assert r.status_code == 405

    # With it: ?token= sets the cookie and leaves the address bar.
    r = requests.get(url + "/ui?token=" + TOKEN, allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/ui"
    assert r.headers["Set-Cookie"].startswith("seam_token=%s;" % TOKEN)
    assert "SameSite=Strict" in r.headers["Set-Cookie"]
    r = requests.get(url + "/ui", cookies={"seam_token": TOKEN}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    r = requests.get(url + "/ui/app.js", headers={"X-Auth-Token": TOKEN}, timeout=10)
    assert r.status_code == 200 and "javascript" in r.headers["Content-Type"]

    # The browser without the token sees the refusal, not the topology.
    browser.get(url + "/ui")
    body = browser.find_element("tag name", "body").text
    assert "401" in body and "tenant-net" not in body
    assert not browser.find_elements("id", "vteps")


def test_without_a_configured_token_the_page_is_open(seamd, browser):
    seamd.create("networks", "network", {"name": "open-net"})
    r = requests.get(seamd.url + "/ui", timeout=10)
    assert r.status_code == 200
    browser.get(seamd.url + "/ui")
    settle(lambda: [] if "open-net" in [n["name"] for n in
                                        browser.execute_script(READ_PAGE)["networks"]]
           else ["open-net not shown"])


# seamd's fixtures talk to it without checking its certificate.
@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_over_https_the_cookie_is_secure(seamd_factory, browser, tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("no openssl tool")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    s = seamd_factory.start(token=TOKEN, args=ARGS + ["--ssl-cert=%s" % cert,
                                                      "--ssl-key=%s" % key],
                            default_args=False)
    s.create("networks", "network", {"name": "tls-net"})
    r = requests.get(s.url + "/ui?token=" + TOKEN, allow_redirects=False,
                     verify=str(cert), timeout=10)
    assert r.status_code == 303
    assert "; Secure" in r.headers["Set-Cookie"]
    browser.get("%s/ui?token=%s" % (s.url, TOKEN))
    settle(lambda: [] if "tls-net" in [n["name"] for n in
                                       browser.execute_script(READ_PAGE)["networks"]]
           else ["tls-net not shown: %s" % browser.execute_script(READ_PAGE)["status"]])


def test_the_page_says_when_seamd_is_gone_and_recovers(seamd_factory, browser):
    s = seamd_factory.start("seamd", args=ARGS, default_args=False)
    s.create("networks", "network", {"name": "kept-net"})
    browser.get(s.url + "/ui")
    settle(lambda: [] if "kept-net" in [n["name"] for n in
                                        browser.execute_script(READ_PAGE)["networks"]]
           else ["kept-net not shown"])
    browser.execute_script("window.seamMarker = 'no reload';")
    assert s.stop() == 0

    def gone():
        page = browser.execute_script(READ_PAGE)
        return [] if page["state"] == "error" and "unreachable" in page["status"] \
            else ["page state %s (%s)" % (page["state"], page["status"])]
    settle(gone, what="the page to say seamd is gone")
    # The last data stay on the page.
    assert "kept-net" in [n["name"] for n in browser.execute_script(READ_PAGE)["networks"]]

    s.start()                          # Same port, same NB file.
    s.create("networks", "network", {"name": "after-net"})
    settle(lambda: [] if browser.execute_script(READ_PAGE)["state"] == "live" and
           "after-net" in [n["name"] for n in browser.execute_script(READ_PAGE)["networks"]]
           else ["not back"], what="the page to come back")
    assert browser.execute_script("return window.seamMarker") == "no reload"
