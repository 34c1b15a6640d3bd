"""seamd's REST API through HTTP: resources, allocation, filters, errors.

Every rejection test checks the status, the NeutronError type and message,
and that the NB did not change (conftest's Seamd.snapshot())."""

import pytest

NET = "/v2.0/networks"


def error(r):
    body = r.json()
    assert set(body) == {"NeutronError"}, body
    assert set(body["NeutronError"]) == {"type", "message", "detail"}
    return body["NeutronError"]


def rejected(s, method, path, body=None, status=400, type_=None, message=None, raw=None):
    """Sends a request that must be refused, and proves nothing was written."""
    before = s.snapshot()
    r = s.request(method, path, body, raw=raw)
    assert r.status_code == status, (r.status_code, r.text)
    e = error(r)
    if type_:
        assert e["type"] == type_, e
    if message:
        assert message in e["message"], e
    assert s.snapshot() == before
    return e


def test_versions_and_extensions(seamd):
    r = seamd.get("/")
    assert r.status_code == 200
    v = r.json()["versions"][0]
    assert v["id"] == "v2.0" and v["status"] == "CURRENT"
    assert v["links"][0]["href"] == seamd.url + "/v2.0/"
    exts = {e["alias"] for e in seamd.get("/v2.0/extensions").json()["extensions"]}
    assert {"provider", "multi-provider", "segment", "binding", "l2-gateway",
            "l2-gateway-connection"} <= exts
    assert seamd.get("/v2.0/extensions/segment").json()["extension"]["alias"] == "segment"
    e = error(seamd.get("/v2.0/nothing"))
    assert e["type"] == "HTTPNotFound"


def test_network_default_vxlan_allocated(seamd):
    a = seamd.create("networks", "network", {"name": "a"})
    b = seamd.create("networks", "network", {"name": "b"})
    assert a["provider:network_type"] == "vxlan"
    assert a["provider:segmentation_id"] == 5000 and b["provider:segmentation_id"] == 5001
    assert a["seam:vni"] == 5000 and a["mtu"] == 1450 and a["status"] == "ACTIVE"
    assert a["admin_state_up"] is True and a["shared"] is False
    assert seamd.get(NET + "/" + a["id"]).json()["network"] == a
    # Freed VNIs are reused (lowest free).
    assert seamd.delete(NET + "/" + a["id"]).status_code == 204
    c = seamd.create("networks", "network", {"name": "c"})
    assert c["provider:segmentation_id"] == 5000


def test_network_provider_vlan_and_string_segmentation_id(seamd):
    n = seamd.create("networks", "network", {
        "name": "v", "provider:network_type": "vlan",
        "provider:physical_network": "physnet1", "provider:segmentation_id": "2905"})
    assert n["provider:segmentation_id"] == 2905 and n["mtu"] == 1500
    assert 5000 <= n["seam:vni"] <= 6000       # An overlay VNI all the same.
    auto = seamd.create("networks", "network", {
        "name": "v2", "provider:network_type": "vlan",
        "provider:physical_network": "physnet1"})
    assert auto["provider:segmentation_id"] == 2900
    flat = seamd.create("networks", "network", {
        "name": "f", "provider:network_type": "flat",
        "provider:physical_network": "physnet1"})
    assert flat["provider:segmentation_id"] is None


def test_network_multi_segment(seamd):
    n = seamd.create("networks", "network", {"name": "m", "segments": [
        {"provider:network_type": "vxlan", "provider:segmentation_id": 5500},
        {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
         "provider:segmentation_id": 2901}]})
    assert "provider:network_type" not in n
    assert n["segments"] == [
        {"provider:network_type": "vxlan", "provider:physical_network": None,
         "provider:segmentation_id": 5500},
        {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
         "provider:segmentation_id": 2901}]
    assert n["seam:vni"] == 5500
    segs = seamd.get("/v2.0/segments?network_id=" + n["id"]).json()["segments"]
    assert sorted(s["segmentation_id"] for s in segs) == [2901, 5500]


NETWORK_REJECTIONS = [
    ({"network": {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
                  "provider:segmentation_id": 4095}}, 400, "InvalidInput",
     "segmentation_id out of range (1 through 4094)"),
    ({"network": {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
                  "provider:segmentation_id": 0}}, 400, "InvalidInput",
     "segmentation_id out of range (1 through 4094)"),
    ({"network": {"provider:network_type": "vxlan", "provider:segmentation_id": 16777216}},
     400, "InvalidInput", "segmentation_id out of range (1 through 16777215)"),
    ({"network": {"provider:network_type": "vlan", "provider:physical_network": "physnet9",
                  "provider:segmentation_id": 100}}, 400, "InvalidInput",
     "physical_network 'physnet9' unknown for VLAN provider network"),
    ({"network": {"provider:network_type": "vlan", "provider:segmentation_id": 100}},
     400, "InvalidInput", "segmentation_id requires physical_network"),
    ({"network": {"provider:network_type": "gre"}}, 400, "InvalidInput",
     "network_type value 'gre' not supported"),
    ({"network": {"provider:network_type": "vxlan",
                  "segments": [{"provider:network_type": "vxlan"}]}}, 400,
     "SegmentsSetInConjunctionWithProviders", "cannot both be set"),
    ({"network": {"name": "x", "bogus": 1}}, 400, "HTTPBadRequest",
     "Unrecognized attribute(s) 'bogus'"),
    ({"network": {"name": 5}}, 400, "HTTPBadRequest",
     "Invalid input for name. Reason: '5' is not a valid string."),
    ({"network": {"admin_state_up": "maybe"}}, 400, "InvalidInput",
     "'maybe' cannot be converted to boolean"),
    ({"network": []}, 400, "HTTPBadRequest", "Object 'network' contains invalid data"),
    ({"net": {}}, 400, "HTTPBadRequest", "Unable to find 'network' in request body"),
    ({"network": {"provider:network_type": "vxlan", "provider:segmentation_id": "abc"}},
     400, "InvalidInput", "'abc' is not an integer"),
    ({"network": {"provider:network_type": "vxlan",
                  "provider:physical_network": "physnet1"}}, 400, "InvalidInput",
     "provider:physical_network specified for vxlan network"),
    ({"network": {"segments": [{"provider:network_type": "vxlan", "bogus": 1}]}}, 400,
     "HTTPBadRequest", "Unrecognized attribute(s) 'bogus'"),
    ({"network": {"id": "7143185a-cfe7-4d44-8b60-8d9080514909"}}, 400, "HTTPBadRequest",
     "Attribute 'id' not allowed in POST"),
    ({"network": {"status": "DOWN"}}, 400, "HTTPBadRequest",
     "Attribute 'status' not allowed in POST"),
    ({"network": {"segments": [
        {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
         "provider:segmentation_id": 2950},
        {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
         "provider:segmentation_id": 2950}]}}, 400, "InvalidInput", "Duplicate segment"),
]


@pytest.mark.parametrize("body,status,type_,message", NETWORK_REJECTIONS)
def test_network_rejections(seamd, body, status, type_, message):
    seamd.create("networks", "network", {"name": "existing"})
    rejected(seamd, "POST", NET, body, status, type_, message)


def test_bad_json_and_in_use(seamd):
    rejected(seamd, "POST", NET, raw="{bad", type_="HTTPBadRequest",
             message="Body contains invalid data")
    rejected(seamd, "POST", NET, raw="[]", type_="HTTPBadRequest")
    seamd.create("networks", "network", {
        "name": "t", "provider:network_type": "vxlan", "provider:segmentation_id": 5500})
    rejected(seamd, "POST", NET, {"network": {"provider:network_type": "vxlan",
                                              "provider:segmentation_id": 5500}},
             409, "TunnelIdInUse", "The tunnel ID 5500 is in use.")
    seamd.create("networks", "network", {
        "name": "v", "provider:network_type": "vlan", "provider:physical_network": "physnet1",
        "provider:segmentation_id": 2901})
    rejected(seamd, "POST", NET, {"network": {
        "provider:network_type": "vlan", "provider:physical_network": "physnet1",
        "provider:segmentation_id": 2901}}, 409, "VlanIdInUse",
        "The VLAN 2901 on physical network physnet1 is in use.")


def test_not_found_and_update(seamd):
    e = rejected(seamd, "GET", NET + "/7143185a-cfe7-4d44-8b60-8d9080514909", status=404,
                 type_="NetworkNotFound")
    assert e["message"] == "Network 7143185a-cfe7-4d44-8b60-8d9080514909 could not be found."
    rejected(seamd, "DELETE", NET + "/nope", status=404, type_="NetworkNotFound")
    n = seamd.create("networks", "network", {"name": "u"})
    r = seamd.put(NET + "/" + n["id"], {"network": {"name": "u2", "mtu": 1400}})
    assert r.status_code == 200, r.text
    assert r.json()["network"]["name"] == "u2" and r.json()["network"]["mtu"] == 1400
    assert r.json()["network"]["revision_number"] == 2
    rejected(seamd, "PUT", NET + "/" + n["id"], {"network": {"id": "x"}},
             message="Cannot update read-only attribute id")
    rejected(seamd, "PUT", NET + "/" + n["id"], {"network": {
        "provider:segmentation_id": 5999}}, type_="InvalidInput")


def test_filters_and_fields(seamd):
    a = seamd.create("networks", "network", {"name": "fa"})
    seamd.create("networks", "network", {"name": "fb", "shared": True})
    r = seamd.get(NET + "?name=fa&fields=id&fields=name").json()
    assert r == {"networks": [{"id": a["id"], "name": "fa"}]}
    assert [n["name"] for n in seamd.get(NET + "?shared=true").json()["networks"]] == ["fb"]
    assert len(seamd.get(NET + "?name=fa&name=fb").json()["networks"]) == 2
    assert seamd.get(NET + "/" + a["id"] + "?fields=mtu").json() == {"network": {"mtu": 1450}}
    # Neutron ignores filters on attributes it does not know.
    assert len(seamd.get(NET + "?bogus=1").json()["networks"]) == 2


def test_segments_resource(seamd):
    n = seamd.create("networks", "network", {
        "name": "s", "provider:network_type": "vxlan", "provider:segmentation_id": 5001})
    seg = seamd.create("segments", "segment", {
        "network_id": n["id"], "network_type": "vlan", "physical_network": "physnet1",
        "segmentation_id": 2901, "name": "seg1"})
    assert seg["name"] == "seg1" and seg["segmentation_id"] == 2901
    shown = seamd.get(NET + "/" + n["id"]).json()["network"]
    assert [s["provider:segmentation_id"] for s in shown["segments"]] == [5001, 2901]
    rejected(seamd, "POST", "/v2.0/segments", {"segment": {
        "network_id": n["id"], "network_type": "vlan", "physical_network": "physnet1",
        "segmentation_id": 2901}}, 409, "VlanIdInUse")
    rejected(seamd, "POST", "/v2.0/segments", {"segment": {
        "network_id": "7143185a-cfe7-4d44-8b60-8d9080514909", "network_type": "vlan",
        "physical_network": "physnet1", "segmentation_id": 2902}}, 404, "NetworkNotFound")
    assert seamd.delete("/v2.0/segments/" + seg["id"]).status_code == 204
    assert "provider:network_type" in seamd.get(NET + "/" + n["id"]).json()["network"]


def test_subnets(seamd):
    n = seamd.create("networks", "network", {"name": "sn"})
    s4 = seamd.create("subnets", "subnet", {"network_id": n["id"], "cidr": "10.1.0.5/24",
                                            "ip_version": 4})
    assert s4["cidr"] == "10.1.0.0/24" and s4["gateway_ip"] == "10.1.0.1"
    assert s4["allocation_pools"] == [{"start": "10.1.0.2", "end": "10.1.0.254"}]
    assert s4["enable_dhcp"] is True
    s6 = seamd.create("subnets", "subnet", {"network_id": n["id"], "cidr": "fd00:1::/64",
                                            "ip_version": 6})
    assert s6["gateway_ip"] == "fd00:1::"
    assert s6["allocation_pools"] == [{"start": "fd00:1::1",
                                       "end": "fd00:1::ffff:ffff:ffff:ffff"}]
    gw = seamd.create("subnets", "subnet", {"network_id": n["id"], "cidr": "10.3.0.0/24",
                                            "ip_version": 4, "gateway_ip": "10.3.0.5"})
    assert gw["allocation_pools"] == [{"start": "10.3.0.1", "end": "10.3.0.4"},
                                      {"start": "10.3.0.6", "end": "10.3.0.254"}]
    assert sorted(seamd.get(NET + "/" + n["id"]).json()["network"]["subnets"]) == \
        sorted([s4["id"], s6["id"], gw["id"]])
    base = {"network_id": n["id"], "ip_version": 4}
    for body, status, type_, msg in [
        (dict(base, cidr="10.1.0.0/25"), 400, "InvalidInput", "overlaps with another subnet"),
        (dict(base, cidr="bad"), 400, "InvalidInput", "bad is not in a CIDR format"),
        (dict(base, ip_version=5, cidr="10.9.0.0/24"), 400, "HTTPBadRequest",
         "'5' is not in [4, 6]"),
        (dict(base), 400, "BadRequest", "a subnetpool must be specified"),
        (dict(base, cidr="10.9.0.0/24", ipv6_address_mode="slaac"), 400, "InvalidInput",
         "ipv6_address_mode is not valid when ip_version is 4"),
        (dict(base, ip_version=6, cidr="2001:db8::/64", ipv6_ra_mode="eui64"), 400,
         "HTTPBadRequest", "'eui64' is not in ['dhcpv6-stateful', 'dhcpv6-stateless'"),
        (dict(base, cidr="10.2.0.0/24", ip_version=6), 400, "InvalidInput",
         "does not match the ip_version '6'"),
        ({"network_id": n["id"], "cidr": "10.4.0.0/24"}, 400, "HTTPBadRequest",
         "Required attribute 'ip_version' not specified"),
        (dict(base, cidr="10.5.0.0/24", allocation_pools=[
            {"start": "10.5.0.10", "end": "10.5.1.20"}]), 400, "OutOfBoundsAllocationPool",
         "spans beyond the subnet cidr 10.5.0.0/24"),
        (dict(base, cidr="10.6.0.0/24", network_id="7143185a-cfe7-4d44-8b60-8d9080514909"),
         404, "NetworkNotFound", None),
    ]:
        rejected(seamd, "POST", "/v2.0/subnets", {"subnet": body}, status, type_, msg)


def test_ports(seamd):
    n = seamd.create("networks", "network", {"name": "pn", "segments": [
        {"provider:network_type": "vxlan", "provider:segmentation_id": 5100},
        {"provider:network_type": "vlan", "provider:physical_network": "physnet1",
         "provider:segmentation_id": 2901}]})
    s = seamd.create("subnets", "subnet", {"network_id": n["id"], "cidr": "10.1.0.0/24",
                                           "ip_version": 4})
    p1 = seamd.create("ports", "port", {
        "network_id": n["id"], "name": "p1", "binding:vnic_type": "direct",
        "binding:host_id": "server2", "binding:profile": {"physical_network": "physnet1"}})
    assert p1["mac_address"].startswith("fa:16:3e:")
    assert p1["fixed_ips"] == [{"subnet_id": s["id"], "ip_address": "10.1.0.2"}]
    assert p1["status"] == "DOWN"
    assert p1["binding:vif_type"] == "hw_veb"
    assert p1["binding:vif_details"] == {"port_filter": False, "vlan": "2901"}
    assert p1["binding:profile"] == {"physical_network": "physnet1"}
    p2 = seamd.create("ports", "port", {"network_id": n["id"], "device_owner": "network:dhcp"})
    assert p2["fixed_ips"][0]["ip_address"] == "10.1.0.3"
    assert p2["binding:vif_type"] == "unbound" and p2["binding:vnic_type"] == "normal"
    bm = seamd.create("ports", "port", {
        "network_id": n["id"], "binding:vnic_type": "baremetal", "binding:host_id": "bm1",
        "binding:profile": {"local_link_information": [
            {"switch_id": "aa:bb:cc:dd:ee:ff", "port_id": "p5", "switch_info": "tor1"}]},
        "fixed_ips": [{"ip_address": "10.1.0.50"}], "mac_address": "52:54:00:00:00:01"})
    assert bm["mac_address"] == "52:54:00:00:00:01"
    assert bm["fixed_ips"][0]["ip_address"] == "10.1.0.50"
    macs = {p["mac_address"] for p in seamd.get("/v2.0/ports").json()["ports"]}
    assert len(macs) == 3
    nid = n["id"]
    other = seamd.create("networks", "network", {"name": "other"})
    other_sub = seamd.create("subnets", "subnet", {"network_id": other["id"], "ip_version": 4,
                                                   "cidr": "10.3.0.0/24"})
    for body, status, type_, msg in [
        ({"network_id": "nope"}, 400, "HTTPBadRequest",
         "Invalid input for network_id. Reason: 'nope' is not a valid UUID."),
        ({"network_id": "7143185a-cfe7-4d44-8b60-8d9080514900"}, 404, "NetworkNotFound", None),
        ({"name": "x"}, 400, "HTTPBadRequest", "Required attribute 'network_id'"),
        ({"network_id": nid, "mac_address": "zz"}, 400, "HTTPBadRequest",
         "'zz' is not a valid MAC address"),
        ({"network_id": nid, "mac_address": p1["mac_address"]}, 409, "MacAddressInUse", None),
        ({"network_id": nid, "fixed_ips": [{"ip_address": "10.1.0.2"}]}, 409,
         "IpAddressAlreadyAllocated", "IP address 10.1.0.2 already allocated in subnet"),
        ({"network_id": nid, "fixed_ips": [{"ip_address": "10.9.0.61"}]}, 400,
         "InvalidIpForNetwork", None),
        ({"network_id": nid, "fixed_ips": [{"subnet_id": "1a13c85d-f4da-4052-a312-5e85b9df5150"}]},
         404, "SubnetNotFound", None),
        ({"network_id": nid, "fixed_ips": [{"ip": "10.1.0.9"}]}, 400, "HTTPBadRequest",
         "Invalid data format for fixed IP"),
        ({"network_id": nid, "fixed_ips": [{"subnet_id": "x"}]}, 400, "HTTPBadRequest",
         "'x' is not a valid UUID"),
        ({"network_id": nid, "fixed_ips": [{"ip_address": "10.1.0.300"}]}, 400,
         "HTTPBadRequest", "'10.1.0.300' is not a valid IP address"),
        ({"network_id": nid, "fixed_ips": [{"subnet_id": s["id"], "ip_address": "10.2.0.9"}]},
         400, "InvalidInput", "IP address 10.2.0.9 is not a valid IP for the specified subnet"),
        ({"network_id": nid, "fixed_ips": [{"subnet_id": other_sub["id"]}]}, 400,
         "InvalidInput", "fixed_ips included invalid subnet " + other_sub["id"]),
        ({"network_id": nid, "fixed_ips": [{"ip_address": "10.1.0.9"},
                                           {"ip_address": "10.1.0.9"}]}, 409,
         "IpAddressAlreadyAllocated", "IP address 10.1.0.9 already allocated"),
        ({"network_id": nid, "binding:vnic_type": "weird"}, 400, "HTTPBadRequest",
         "weird is not in valid_values"),
        ({"network_id": nid, "binding:profile": "str"}, 400, "HTTPBadRequest",
         "'str' is not a dictionary"),
    ]:
        rejected(seamd, "POST", "/v2.0/ports", {"port": body}, status, type_, msg)
    assert seamd.delete(NET + "/" + other["id"]).status_code == 204
    r = seamd.put("/v2.0/ports/" + p1["id"], {"port": {"binding:host_id": "server3",
                                                       "name": "p1b"}})
    assert r.status_code == 200 and r.json()["port"]["binding:host_id"] == "server3"
    rejected(seamd, "DELETE", NET + "/" + nid, status=409, type_="NetworkInUse")
    rejected(seamd, "DELETE", "/v2.0/subnets/" + s["id"], status=409, type_="SubnetInUse")
    for p in (p1, bm):
        assert seamd.delete("/v2.0/ports/" + p["id"]).status_code == 204
    # Only the DHCP port is left: Neutron deletes it with the network.
    assert seamd.delete(NET + "/" + nid).status_code == 204
    assert seamd.get("/v2.0/ports").json()["ports"] == []
    assert seamd.get("/v2.0/segments").json()["segments"] == []


def test_l2gw(seamd):
    n = seamd.create("networks", "network", {"name": "gn"})
    seamd.create("seam/vteps", "vtep", {"name": "tor1", "target": "tcp:127.0.0.1:6640",
                                        "tunnel_ip": "10.0.0.1"})
    gw = seamd.create("l2-gateways", "l2_gateway", {
        "name": "gw1", "devices": [{"device_name": "tor1", "interfaces": [{"name": "p2"}]}]})
    assert gw["devices"][0]["interfaces"] == [{"segmentation_id": [], "name": "p2"}]
    gw2 = seamd.create("l2-gateways", "l2_gateway", {"name": "gw2", "devices": [
        {"device_name": "tor1", "interfaces": [{"name": "p3", "segmentation_id": [100, 200]}]}]})
    ghost = seamd.create("l2-gateways", "l2_gateway", {
        "name": "ghost", "devices": [{"device_name": "tor9", "interfaces": [{"name": "p1"}]}]})
    for body, status, type_, msg in [
        ({"name": "g", "devices": [{"device_name": "tor1", "interfaces": [
            {"name": "p3", "segmentation_id": [5000]}]}]}, 400, "InvalidInput",
         "Segmentation id is out of range"),
        ({"name": "g"}, 400, "HTTPBadRequest", "Required attribute 'devices' not specified"),
        ({"name": "g", "devices": []}, 400, "HTTPBadRequest", "empty device list"),
        ({"name": "g", "devices": [{"device_name": "tor1", "interfaces": [
            {"name": "p3", "segmentation_id": [100]}, {"name": "p4"}]}]}, 409,
         "L2GatewaySegmentationRequired", None),
        ({"name": "g", "devices": [{"device_name": "tor1"}]}, 400, "HTTPBadRequest",
         "empty interfaces"),
    ]:
        rejected(seamd, "POST", "/v2.0/l2-gateways", {"l2_gateway": body}, status, type_, msg)
    C = "/v2.0/l2-gateway-connections"
    for body, status, type_, msg in [
        ({"l2_gateway_id": gw["id"], "network_id": n["id"]}, 400, "InvalidInput",
         "Segmentation id must be specified"),
        ({"l2_gateway_id": gw2["id"], "network_id": n["id"], "segmentation_id": "300"}, 400,
         "InvalidInput", None),
        ({"l2_gateway_id": ghost["id"], "network_id": n["id"], "segmentation_id": "100"},
         404, "L2GatewayDeviceNotFound", "L2 Gateway Device tor9 could not be found."),
        ({"l2_gateway_id": gw["id"], "network_id": n["id"], "segmentation_id": "4096"}, 400,
         "InvalidInput", "out of range"),
        ({"l2_gateway_id": n["id"], "network_id": n["id"], "segmentation_id": "100"}, 404,
         "L2GatewayNotFound", None),
    ]:
        rejected(seamd, "POST", C, {"l2_gateway_connection": body}, status, type_, msg)
    c = seamd.create("l2-gateway-connections", "l2_gateway_connection", {
        "l2_gateway_id": gw["id"], "network_id": n["id"], "segmentation_id": "100"})
    assert c["segmentation_id"] == 100
    c2 = seamd.create("l2-gateway-connections", "l2_gateway_connection", {
        "l2_gateway_id": gw2["id"], "network_id": n["id"]})
    assert c2["segmentation_id"] is None
    rejected(seamd, "POST", C, {"l2_gateway_connection": {
        "l2_gateway_id": gw["id"], "network_id": n["id"], "segmentation_id": "101"}},
        409, "L2GatewayConnectionExists")
    # tor1's p2 has VLAN 100 for gn (through gw), p3 has 100 and 200 (gw2):
    # another network cannot have them, through the same gateway or another.
    n2 = seamd.create("networks", "network", {"name": "gn2"})
    gw3 = seamd.create("l2-gateways", "l2_gateway", {"name": "gw3", "devices": [
        {"device_name": "tor1", "interfaces": [{"name": "p2"}, {"name": "p3"}]}]})
    for gw_id, seg, port in [(gw["id"], "100", "p2"), (gw3["id"], "200", "p3"),
                             (gw3["id"], "100", "")]:
        rejected(seamd, "POST", C, {"l2_gateway_connection": {
            "l2_gateway_id": gw_id, "network_id": n2["id"], "segmentation_id": seg}},
            409, "L2GatewayDuplicateSegmentationID",
            "Duplicate segmentation ID for the interface name=%s" % port)
    c3 = seamd.create("l2-gateway-connections", "l2_gateway_connection", {
        "l2_gateway_id": gw3["id"], "network_id": n2["id"], "segmentation_id": "101"})
    assert seamd.delete(C + "/" + c3["id"]).status_code == 204
    rejected(seamd, "DELETE", "/v2.0/l2-gateways/" + gw["id"], status=409,
             type_="L2GatewayInUse")
    assert seamd.delete(C + "/" + c["id"]).status_code == 204
    assert seamd.delete("/v2.0/l2-gateways/" + gw["id"]).status_code == 204


def test_vteps_and_host_links(seamd):
    v = seamd.create("seam/vteps", "vtep", {"name": "tor1", "target": "tcp:127.0.0.1:6640",
                                            "tunnel_ip": "192.0.2.1"})
    assert v["role"] == "tor" and v["connection_state"] == "unknown" and v["in_sync"] is False
    h = seamd.create("seam/vteps", "vtep", {"name": "hv1", "role": "hypervisor",
                                            "host": "server1", "tunnel_ip": "192.0.2.2"})
    assert h["target"] is None and h["host"] == "server1"
    V = "/v2.0/seam/vteps"
    rejected(seamd, "POST", V, {"vtep": {"name": "tor1"}}, 409, "VTEPExists")
    rejected(seamd, "POST", V, {"vtep": {"name": "x", "target": "tcp:nowhere"}}, 400,
             "HTTPBadRequest", "is not an OVSDB target")
    rejected(seamd, "POST", V, {"vtep": {"name": "x", "role": "spine"}}, 400, "HTTPBadRequest")
    rejected(seamd, "POST", V, {"vtep": {"name": "x", "connection_state": "up"}}, 400,
             "HTTPBadRequest", "not allowed in POST")
    L = "/v2.0/seam/host-links"
    link = seamd.create("seam/host-links", "host_link", {
        "host": "server2", "physical_network": "physnet1", "vtep": "tor1", "port": "p1"})
    assert link["source"] == "static"
    rejected(seamd, "POST", L, {"host_link": {"host": "server2", "physical_network": "physnet1",
                                              "vtep": "tor1", "port": "p9"}}, 409, "HostLinkExists")
    rejected(seamd, "POST", L, {"host_link": {"host": "server3", "physical_network": "physnet1",
                                              "vtep": "tor9", "port": "p9"}}, 404, "VTEPNotFound")
    r = seamd.put(L + "/" + link["id"], {"host_link": {"port": "p2"}})
    assert r.status_code == 200 and r.json()["host_link"]["port"] == "p2"
    assert seamd.get(V + "?role=hypervisor&fields=name").json() == {"vteps": [{"name": "hv1"}]}


def test_token_auth(seamd_factory):
    s = seamd_factory.start(token="s3cret")
    s.token = None
    r = s.get("/v2.0/networks")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == 401
    assert s.get("/").status_code == 200        # Version discovery is open.
    assert s.post(NET, {"network": {"name": "x"}}).status_code == 401
    s.token = "s3cre"
    assert s.get("/v2.0/networks").status_code == 401
    s.token = "s3cret"
    assert s.get("/v2.0/networks").json() == {"networks": []}


def test_body_limit(seamd_factory):
    s = seamd_factory.start(args=["--max-body-size=2048"])
    before = s.snapshot()
    r = s.post(NET, {"network": {"name": "x" * 4000}})
    assert r.status_code == 413
    assert s.snapshot() == before


def test_state_survives_restart(seamd_factory, tmp_path):
    s = seamd_factory.start("first", workdir=tmp_path / "state")
    n = s.create("networks", "network", {"name": "keep"})
    assert s.stop() == 0
    s2 = seamd_factory.start("second", workdir=tmp_path / "state")
    assert s2.get(NET + "/" + n["id"]).json()["network"] == n


def test_slaac_and_external(seamd):
    n = seamd.create("networks", "network", {"name": "six", "router:external": True})
    assert n["router:external"] is True
    s = seamd.create("subnets", "subnet", {"network_id": n["id"], "cidr": "fd00:9::/64",
                                           "ip_version": 6, "ipv6_ra_mode": "slaac",
                                           "ipv6_address_mode": "slaac"})
    assert s["ipv6_ra_mode"] == "slaac" and s["ipv6_address_mode"] == "slaac"
    p = seamd.create("ports", "port", {"network_id": n["id"],
                                       "mac_address": "fa:16:3e:12:34:56"})
    assert p["fixed_ips"] == [{"subnet_id": s["id"], "ip_address": "fd00:9::f816:3eff:fe12:3456"}]
    rejected(seamd, "POST", "/v2.0/subnets", {"subnet": {
        "network_id": n["id"], "cidr": "10.9.0.0/24", "ip_version": 4,
        "ipv6_ra_mode": "slaac"}}, 400, "InvalidInput", "ipv6_ra_mode is not valid")
    r = seamd.put(NET + "/" + n["id"], {"network": {"router:external": False}})
    assert r.json()["network"]["router:external"] is False


def test_fixed_ips_filter(seamd):
    n = seamd.create("networks", "network", {"name": "ff"})
    s = seamd.create("subnets", "subnet", {"network_id": n["id"], "cidr": "10.8.0.0/24",
                                           "ip_version": 4})
    a = seamd.create("ports", "port", {"network_id": n["id"]})
    seamd.create("ports", "port", {"network_id": n["id"]})
    r = seamd.get("/v2.0/ports?fixed_ips=ip_address%3D10.8.0.2&fields=id").json()
    assert r == {"ports": [{"id": a["id"]}]}
    r = seamd.get("/v2.0/ports?fixed_ips=subnet_id%3D" + s["id"]).json()
    assert len(r["ports"]) == 2


def test_pagination_and_sorting(seamd):
    for name in ("c", "a", "b"):
        seamd.create("networks", "network", {"name": name})
    r = seamd.get(NET + "?sort_key=name&sort_dir=desc&fields=name").json()
    assert [n["name"] for n in r["networks"]] == ["c", "b", "a"]
    r = seamd.get(NET + "?limit=2&sort_key=name&fields=name&fields=id").json()
    assert [n["name"] for n in r["networks"]] == ["a", "b"]
    nxt = [link for link in r["networks_links"] if link["rel"] == "next"][0]["href"]
    assert nxt.startswith(seamd.url + "/v2.0/networks?")
    r2 = seamd.get(nxt[len(seamd.url):]).json()
    assert [n["name"] for n in r2["networks"]] == ["c"]
    assert [link["rel"] for link in r2["networks_links"]] == ["previous"]
    assert [link["rel"] for link in r["networks_links"]] == ["next", "previous"]
    e = error(seamd.get(NET + "?limit=x"))
    assert e["type"] == "BadRequest"


def test_bulk_create(seamd):
    r = seamd.post(NET, {"networks": [{"name": "b1"}, {"name": "b2"}, {
        "name": "b3", "provider:network_type": "vlan", "provider:physical_network": "physnet1"}]})
    assert r.status_code == 201, r.text
    nets = r.json()["networks"]
    assert [n["name"] for n in nets] == ["b1", "b2", "b3"]
    assert [n["seam:vni"] for n in nets] == [5000, 5001, 5002]   # Each sees the previous.
    nid = nets[0]["id"]
    seamd.create("subnets", "subnet", {"network_id": nid, "cidr": "10.5.0.0/24",
                                       "ip_version": 4})
    r = seamd.post("/v2.0/ports", {"ports": [{"network_id": nid} for _ in range(20)]})
    assert r.status_code == 201, r.text
    ports = r.json()["ports"]
    assert len({p["mac_address"] for p in ports}) == 20
    assert sorted(p["fixed_ips"][0]["ip_address"] for p in ports) == \
        sorted("10.5.0.%d" % i for i in range(2, 22))
    # One bad item: nothing is written.
    rejected(seamd, "POST", "/v2.0/ports", {"ports": [
        {"network_id": nid}, {"network_id": nid, "fixed_ips": [{"ip_address": "10.5.0.2"}]}]},
        409, "IpAddressAlreadyAllocated")
    rejected(seamd, "POST", NET, {"networks": [
        {"provider:network_type": "vxlan", "provider:segmentation_id": 5900},
        {"provider:network_type": "vxlan", "provider:segmentation_id": 5900}]},
        409, "TunnelIdInUse")
    rejected(seamd, "POST", NET, {"networks": []}, 400, "HTTPBadRequest")
    rejected(seamd, "POST", NET, {"networks": [{"name": "ok"}, {"bogus": 1}]}, 400,
             "HTTPBadRequest", "Unrecognized attribute(s) 'bogus'")


@pytest.mark.parametrize("seg", [-1, "-1", -7])
def test_negative_segmentation_id(seamd, seg):
    rejected(seamd, "POST", NET, {"network": {"provider:network_type": "vlan",
                                              "provider:physical_network": "physnet1",
                                              "provider:segmentation_id": seg}},
             400, "InvalidInput", "segmentation_id out of range (1 through 4094)")


def test_bulk_limit(seamd):
    rejected(seamd, "POST", NET, {"networks": [{"name": "n"}] * 1001}, 400, "HTTPBadRequest",
             "at most 1000 networks")
