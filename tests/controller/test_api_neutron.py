"""seamd against the reference: the same requests to Debian's neutron-server
(with ML2, segments and networking-l2gw, ../shared/peers/07) and to seamd;
status codes, attribute names and NeutronError types must be the same.

KNOWN_DIFFERENCES lists where seamd answers otherwise on purpose (see
docs/seamd.md); a test fails when one of them goes away, so the list stays
true."""

import random

import pytest

# Attributes only seamd shows (seam's own extension).
SEAM_ONLY = {"seam:vni", "seam:status_detail", "seam:status"}


def keys(obj):
    return set(obj) - SEAM_ONLY


def post(api, collection, member, attrs):
    r = api.post("/v2.0/" + collection, {member: attrs})
    return r.status_code, r.json() if r.content else None


def same_answer(seamd, neutron, method, path_seamd, path_neutron=None, body=None):
    a = seamd.request(method, path_seamd, body)
    b = neutron.request(method, path_neutron or path_seamd, body)
    assert a.status_code == b.status_code, (path_seamd, body, a.text, b.text)
    if a.status_code >= 400:
        ea, eb = a.json()["NeutronError"], b.json()["NeutronError"]
        assert ea["type"] == eb["type"], (body, ea, eb)
    return a, b


@pytest.fixture(scope="module")
def rnd():
    return random.Random()


def test_network_shapes(seamd, neutron, rnd):
    vni = rnd.randint(7000, 9000)
    vlan = rnd.randint(100, 2000)
    for attrs in [
        {"name": "plain"},
        {"name": "prov", "provider:network_type": "vxlan", "provider:segmentation_id": vni},
        {"name": "vlan", "provider:network_type": "vlan",
         "provider:physical_network": "physnet1", "provider:segmentation_id": str(vlan)},
        {"name": "multi", "segments": [
            {"provider:network_type": "vxlan", "provider:segmentation_id": vni + 1},
            {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
             "provider:segmentation_id": vlan + 1}]},
        {"name": "flat", "provider:network_type": "flat",
         "provider:physical_network": "physnet1"},
        {"name": "ext", "router:external": True, "shared": True, "mtu": 1400},
    ]:
        if attrs["name"] == "flat":
            # Only one flat network per physnet: free it on neutron first.
            for n in neutron.get("/v2.0/networks?provider:network_type=flat").json()["networks"]:
                neutron.delete("/v2.0/networks/" + n["id"])
        sa, a = post(seamd, "networks", "network", attrs)
        sb, b = post(neutron, "networks", "network", attrs)
        assert sa == sb == 201, (attrs, a, b)
        assert keys(a["network"]) == keys(b["network"]), attrs
        checked = ["provider:network_type", "provider:physical_network", "segments", "mtu",
                   "admin_state_up", "shared", "router:external"]
        if attrs["name"] not in ("plain", "ext"):     # Else allocated: each its own.
            checked.append("provider:segmentation_id")
        for k in checked:
            assert a["network"].get(k) == b["network"].get(k), (k, a, b)
        ga, gb = same_answer(seamd, neutron, "GET", "/v2.0/networks/" + a["network"]["id"],
                             "/v2.0/networks/" + b["network"]["id"])
        assert keys(ga.json()["network"]) == keys(gb.json()["network"])
        segs_a = seamd.get("/v2.0/segments?network_id=" + a["network"]["id"]).json()
        segs_b = neutron.get("/v2.0/segments?network_id=" + b["network"]["id"]).json()
        assert [keys(s) for s in segs_a["segments"]] == [keys(s) for s in segs_b["segments"]]


REJECTIONS = [
    {"network": {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
                 "provider:segmentation_id": 4095}},
    {"network": {"provider:network_type": "vlan", "provider:physical_network": "physnet9",
                 "provider:segmentation_id": 100}},
    {"network": {"provider:network_type": "vlan", "provider:segmentation_id": 100}},
    {"network": {"provider:network_type": "gre"}},
    {"network": {"provider:network_type": "vxlan",
                 "segments": [{"provider:network_type": "vxlan"}]}},
    {"network": {"name": "x", "bogus": 1}},
    {"network": {"name": 5}},
    {"network": {"admin_state_up": "maybe"}},
    {"network": []},
    {"net": {}},
    {"network": {"provider:network_type": "vxlan", "provider:segmentation_id": "abc"}},
    {"network": {"provider:network_type": "vxlan", "provider:physical_network": "physnet1"}},
    {"network": {"segments": [{"provider:network_type": "vxlan", "bogus": 1}]}},
    {"network": {"id": "7143185a-cfe7-4d44-8b60-8d9080514909"}},
    {"network": {"status": "DOWN"}},
]


@pytest.mark.parametrize("body", REJECTIONS)
def test_network_rejections_match(seamd, neutron, body):
    before = seamd.snapshot()
    a, b = same_answer(seamd, neutron, "POST", "/v2.0/networks", body=body)
    assert a.status_code == 400
    assert a.json()["NeutronError"]["message"] == b.json()["NeutronError"]["message"]
    assert seamd.snapshot() == before


def test_in_use_and_not_found_match(seamd, neutron, rnd):
    vni = rnd.randint(9001, 9999)
    vlan = rnd.randint(2001, 2800)
    for body in [{"network": {"provider:network_type": "vxlan", "provider:segmentation_id": vni}},
                 {"network": {"provider:network_type": "vlan", "provider:physical_network":
                              "physnet1", "provider:segmentation_id": vlan}}]:
        same_answer(seamd, neutron, "POST", "/v2.0/networks", body=body)
        a, b = same_answer(seamd, neutron, "POST", "/v2.0/networks", body=body)
        assert a.status_code == 409
        assert a.json()["NeutronError"]["message"] == b.json()["NeutronError"]["message"]
    for path in ["/v2.0/networks/7143185a-cfe7-4d44-8b60-8d9080514909",
                 "/v2.0/ports/nope", "/v2.0/subnets/7143185a-cfe7-4d44-8b60-8d9080514909",
                 "/v2.0/nothing"]:
        a, b = same_answer(seamd, neutron, "GET", path)
        assert a.status_code >= 400
    a, b = same_answer(seamd, neutron, "GET", "/v2.0/networks?bogus=1")
    assert a.status_code == 200


def test_subnet_and_port_shapes(seamd, neutron):
    ids = {}
    for api in (seamd, neutron):
        st, n = post(api, "networks", "network", {"name": "sp"})
        assert st == 201
        ids[api] = n["network"]["id"]
    for attrs in [{"cidr": "10.77.0.0/24", "ip_version": 4},
                  {"cidr": "fd77::/64", "ip_version": 6},
                  {"cidr": "fd78::/64", "ip_version": 6, "ipv6_ra_mode": "slaac",
                   "ipv6_address_mode": "slaac"},
                  {"cidr": "10.78.0.0/24", "ip_version": 4, "gateway_ip": "10.78.0.5"}]:
        sa, a = post(seamd, "subnets", "subnet", dict(attrs, network_id=ids[seamd]))
        sb, b = post(neutron, "subnets", "subnet", dict(attrs, network_id=ids[neutron]))
        assert sa == sb == 201
        assert keys(a["subnet"]) == keys(b["subnet"])
        for k in ("gateway_ip", "cidr", "enable_dhcp", "ip_version", "ipv6_ra_mode",
                  "ipv6_address_mode"):
            assert a["subnet"][k] == b["subnet"][k], k
        # Neutron lists the pools in no particular order.
        pools = lambda s: sorted(s["allocation_pools"], key=lambda p: p["start"])  # noqa
        assert pools(a["subnet"]) == pools(b["subnet"])
    for attrs in [{"cidr": "10.77.0.0/25", "ip_version": 4}, {"cidr": "bad", "ip_version": 4},
                  {"cidr": "10.79.0.0/24", "ip_version": 6}, {"cidr": "10.79.0.0/24"},
                  {"cidr": "10.79.0.0/24", "ip_version": 4, "ipv6_ra_mode": "slaac"},
                  {"cidr": "10.79.0.0/24", "ip_version": 4,
                   "allocation_pools": [{"start": "10.79.0.10", "end": "10.79.1.20"}]}]:
        a = seamd.post("/v2.0/subnets", {"subnet": dict(attrs, network_id=ids[seamd])})
        b = neutron.post("/v2.0/subnets", {"subnet": dict(attrs, network_id=ids[neutron])})
        assert a.status_code == b.status_code, (attrs, a.text, b.text)
        assert a.json()["NeutronError"]["type"] == b.json()["NeutronError"]["type"]
    for attrs in [{"name": "p1", "binding:vnic_type": "direct", "binding:host_id": "server2",
                   "binding:profile": {"physical_network": "physnet1"}},
                  {"name": "p2", "device_owner": "network:dhcp"}]:
        sa, a = post(seamd, "ports", "port", dict(attrs, network_id=ids[seamd]))
        sb, b = post(neutron, "ports", "port", dict(attrs, network_id=ids[neutron]))
        assert sa == sb == 201, (a, b)
        assert keys(a["port"]) == keys(b["port"])
        assert len(a["port"]["fixed_ips"]) == len(b["port"]["fixed_ips"]) == 3
        for k in ("binding:vnic_type", "binding:profile", "binding:host_id", "status",
                  "device_owner", "admin_state_up"):
            assert a["port"][k] == b["port"][k], k
    for attrs in [{"mac_address": "zz"}, {"binding:vnic_type": "weird"},
                  {"binding:profile": "str"}, {"fixed_ips": [{"ip_address": "10.99.0.61"}]},
                  {"fixed_ips": [{"subnet_id": "1a13c85d-f4da-4052-a312-5e85b9df5150"}]},
                  {"network_id": "nope"}]:
        a = seamd.post("/v2.0/ports", {"port": dict({"network_id": ids[seamd]}, **attrs)})
        b = neutron.post("/v2.0/ports", {"port": dict({"network_id": ids[neutron]}, **attrs)})
        assert a.status_code == b.status_code, (attrs, a.text, b.text)
        ea, eb = a.json()["NeutronError"], b.json()["NeutronError"]
        assert ea["type"] == eb["type"] and ea["message"] == eb["message"], (ea, eb)


def test_l2gw_shapes(seamd, neutron):
    seamd.create("seam/vteps", "vtep", {"name": "tor1"})
    body = {"name": "gw1", "devices": [{"device_name": "tor1", "interfaces": [{"name": "p2"}]}]}
    sa, a = post(seamd, "l2-gateways", "l2_gateway", body)
    sb, b = post(neutron, "l2-gateways", "l2_gateway", body)
    assert sa == sb == 201
    assert keys(a["l2_gateway"]) - {"project_id"} == keys(b["l2_gateway"])
    assert a["l2_gateway"]["devices"][0].keys() == b["l2_gateway"]["devices"][0].keys()
    for bad in [
        {"name": "g", "devices": [{"device_name": "tor1", "interfaces": [
            {"name": "p3", "segmentation_id": [5000]}]}]},
        {"name": "g"},
        {"name": "g", "devices": []},
        {"name": "g", "devices": [{"device_name": "tor1", "interfaces": [
            {"name": "p3", "segmentation_id": [100]}, {"name": "p4"}]}]},
        {"name": "g", "devices": [{"device_name": "tor1"}]},
    ]:
        before = seamd.snapshot()
        a, b = same_answer(seamd, neutron, "POST", "/v2.0/l2-gateways",
                           body={"l2_gateway": bad})
        assert seamd.snapshot() == before
    # A connection without a VLAN anywhere: the same refusal.
    nets = {}
    for api in (seamd, neutron):
        nets[api] = post(api, "networks", "network", {"name": "gwn"})[1]["network"]["id"]
    ga = a_gw = seamd.get("/v2.0/l2-gateways?name=gw1").json()["l2_gateways"][0]["id"]
    gb = neutron.get("/v2.0/l2-gateways?name=gw1").json()["l2_gateways"][0]["id"]
    ra = seamd.post("/v2.0/l2-gateway-connections", {"l2_gateway_connection": {
        "l2_gateway_id": ga, "network_id": nets[seamd]}})
    rb = neutron.post("/v2.0/l2-gateway-connections", {"l2_gateway_connection": {
        "l2_gateway_id": gb, "network_id": nets[neutron]}})
    assert ra.status_code == rb.status_code == 400
    assert ra.json()["NeutronError"]["message"] == rb.json()["NeutronError"]["message"]
    assert a_gw


# (request, what neutron-server answers, what seamd answers, why)
KNOWN_DIFFERENCES = [
    ({"network": {"provider:network_type": "vxlan", "provider:segmentation_id": 16777216}},
     201, 400, "a VNI has 24 bits: seamd refuses what Neutron stores"),
    ({"network": {"provider:network_type": "vxlan", "provider:segmentation_id": 0}},
     201, 400, "VNI 0 is not a usable VNI"),
]


@pytest.mark.parametrize("body,neutron_status,seamd_status,why", KNOWN_DIFFERENCES)
def test_known_differences(seamd, neutron, body, neutron_status, seamd_status, why):
    a = seamd.post("/v2.0/networks", body)
    b = neutron.post("/v2.0/networks", body)
    assert (b.status_code, a.status_code) == (neutron_status, seamd_status), why
    if b.status_code == 201:
        neutron.delete("/v2.0/networks/" + b.json()["network"]["id"])


def test_pagination_matches(seamd, neutron):
    for api in (seamd, neutron):
        for name in ("pg1", "pg2"):
            api.post("/v2.0/networks", {"network": {"name": name}})
    a, b = same_answer(seamd, neutron, "GET", "/v2.0/networks?limit=1&fields=id")
    assert set(a.json()) == set(b.json()) == {"networks", "networks_links"}
    assert [x["rel"] for x in a.json()["networks_links"]] == \
        [x["rel"] for x in b.json()["networks_links"]] == ["next", "previous"]
    for api in (seamd, neutron):
        r = api.get("/v2.0/networks?limit=1&fields=id").json()
        nxt = r["networks_links"][0]["href"]
        r2 = api.get(nxt[len(api.url):]).json()
        assert sorted(l["rel"] for l in r2["networks_links"]) == ["next", "previous"]
    same_answer(seamd, neutron, "GET", "/v2.0/networks?limit=x")


def test_bulk_matches(seamd, neutron):
    body = {"networks": [{"name": "bulk1"}, {"name": "bulk2", "shared": True}]}
    a, b = same_answer(seamd, neutron, "POST", "/v2.0/networks", body=body)
    assert a.status_code == 201
    assert [keys(n) for n in a.json()["networks"]] == [keys(n) for n in b.json()["networks"]]
    for bad in ({"networks": []}, {"networks": [{"name": "ok"}, {"bogus": 1}]}):
        before = seamd.snapshot()
        a, b = same_answer(seamd, neutron, "POST", "/v2.0/networks", body=bad)
        assert a.json()["NeutronError"]["message"] == b.json()["NeutronError"]["message"]
        assert seamd.snapshot() == before


def test_page_reverse_matches(seamd, neutron):
    for api in (seamd, neutron):
        for name in ("rv1", "rv2", "rv3"):
            api.post("/v2.0/networks", {"network": {"name": name}})
    for api in (seamd, neutron):
        ids = [n["id"] for n in api.get("/v2.0/networks?limit=100").json()["networks"]]
        last = ids[-1]
        r = api.get("/v2.0/networks?limit=2&page_reverse=True&marker=" + last).json()
        assert [n["id"] for n in r["networks"]] == ids[-3:-1]
        assert sorted(link["rel"] for link in r["networks_links"]) == ["next", "previous"]
    same_answer(seamd, neutron, "GET",
                "/v2.0/networks?limit=2&marker=7143185a-cfe7-4d44-8b60-8d9080514909")
