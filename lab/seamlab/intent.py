"""The topology's intent, written into seamd the way an operator (or
OpenStack) would: every change is a seamctl command, printed before it runs.

  VTEPs       one per server with a VTEP (TOR: seamd dials its OVSDB target;
              hypervisor: it dials seamd's southbound listener)
  host links  none: seamd learns them from LLDP (lldpd on each SR-IOV
              server's PF, the TOR's seam-vtep writes its neighbours, seamd
              maps host + NIC to a physical network), once the hosts are
              known (a port is bound there); `intent` waits for them.  With
              host_links = "static" in the topology: one `seamctl host-link
              create` per SR-IOV NIC, (host, physnet) -> (TOR, port)
  networks    with their segments, and a subnet each
  ports       one per VM: 'normal' on a hypervisor (its tap's alias is then
              set to the port id, as Nova plugs a VIF), 'direct' for a VF
              (binding:profile physical_network), the DHCP port
              (device_owner network:dhcp)
  DHCP        dnsmasq's hosts file written from the ports (MAC,IP), then
              SIGHUP, as Neutron's DHCP agent does

Running it twice changes nothing: a resource that exists (by name) is kept."""

import json
import os
import signal
import time

from .lab import LabError, run, say


def _show(args):
    print("  $ seamctl " + " ".join(_quote(a) for a in args), flush=True)


def _quote(a):
    a = str(a)
    return "'%s'" % a if any(c in a for c in " {}\"|;") else a


def seamctl(lab, *args):
    _show(args)
    return lab.seamctl_json(*args)


def apply(lab):
    t = lab.topo
    if not lab.load_state():
        raise LabError("the lab is not up (seam-lab up)")
    say("intent: VTEPs")
    have = {v["name"] for v in lab.seamctl_json("vtep", "list")}
    for s in t.vteps():
        v = s.vtep
        if v["name"] in have:
            continue
        args = ["vtep", "create", v["name"], "--role", v["mode"], "--tunnel-ip", s.underlay_ip]
        if v["connect"] == "target":
            args += ["--target", "tcp:%s:%d" % (s.underlay_ip, v["ovsdb_port"])]
        if v["mode"] == "hypervisor":
            args += ["--host", s.host]
        seamctl(lab, *args)

    if not t.lldp:
        say("intent: host links (static: host_links = \"static\" in the topology)")
        links = {(h["host"], h["physical_network"])
                 for h in lab.seamctl_json("host-link", "list")}
        for host, physnet, vtep, port in t.host_links():
            if (host, physnet) in links:
                continue
            seamctl(lab, "host-link", "create", "--host", host, "--physical-network", physnet,
                    "--vtep", vtep, "--port", port, "--source", "static")

    say("intent: networks and subnets")
    nets = {n["name"]: n for n in lab.seamctl_json("network", "list")}
    subnets = {s["name"] for s in lab.seamctl_json("subnet", "list")}
    for n in t.networks.values():
        if n.name not in nets:
            args = ["network", "create", n.name]
            for s in n.segments:
                args += ["--segment", s]
            seamctl(lab, *args)
        if n.subnet not in subnets:
            seamctl(lab, "subnet", "create", n.subnet, "--network", n.name,
                    "--subnet-range", str(n.cidr), "--gateway", "none", "--dhcp")

    say("intent: ports (DHCP first, then the VMs)")
    ports = {p["name"]: p for p in lab.seamctl_json("port", "list")}
    vms = sorted((v for v in t.vms.values() if v.port), key=lambda v: not v.dhcp_server)
    for v in vms:
        if v.name in ports:
            continue
        args = ["port", "create", v.name, "--network", v.network.name,
                "--mac-address", v.mac, "--fixed-ip",
                "subnet=%s,ip-address=%s" % (v.network.subnet, v.ip),
                "--host", v.host, "--vnic-type", v.vnic_type, "--device-id", v.name]
        if v.dhcp_server:
            args += ["--device-owner", "network:dhcp"]
        elif v.baremetal:
            args += ["--device-owner", "baremetal:none"]
        else:
            args += ["--device-owner", "compute:nova"]
        if v.vf is not None:
            args += ["--binding-profile", "physical_network=%s" % v.physnet]
        if v.baremetal:
            # As Ironic sends it: the switch (the VTEP's name) and its port.
            sw = v.server.vtep["name"]
            args += ["--binding-profile", json.dumps({"local_link_information": [
                {"switch_id": sw, "port_id": v.baremetal["tor_port"], "switch_info": sw}]})]
        ports[v.name] = seamctl(lab, *args)

    if t.l2gws:
        say("intent: L2 gateways (a legacy VLAN domain behind a TOR port)")
        gws = {g["name"]: g for g in lab.seamctl_json("l2gw", "list")}
        conns = lab.seamctl_json("l2gw-connection", "list")
        nets = {n["name"]: n["id"] for n in lab.seamctl_json("network", "list")}
        for g in t.l2gws:
            if g["name"] not in gws:
                sw = t.servers[g["tor"]].vtep["name"]
                gws[g["name"]] = seamctl(lab, "l2gw", "create", g["name"], "--device",
                                         "name=%s,interface_names=%s|%s" % (
                                             sw, g["port"],
                                             "#".join(str(x) for x in g["vlans"])))
            gid = gws[g["name"]]["id"]
            if not any(c.get("l2_gateway_id") == gid and
                       c.get("network_id") == nets[g["network"]] for c in conns):
                seamctl(lab, "l2gw-connection", "create", g["name"], g["network"])

    say("intent: plugging the VM taps (alias = port id, as Nova plugs a VIF)")
    for v in vms:
        if v.tap:
            pid = ports[v.name]["id"]
            print("  $ ip -n %s link set %s alias %s" % (lab.ns(v.server.name), v.tap, pid))
            run(["ip", "-n", lab.ns(v.server.name), "link", "set", v.tap, "alias", pid])

    for v in t.vms.values():
        if v.dhcp_server:
            write_dhcp_hosts(lab, v, ports)

    if t.lldp and t.host_links():
        wait_lldp_links(lab)


def wait_lldp_links(lab, timeout=30):
    """Waits until seamd has a host link of source lldp for every SR-IOV
    NIC, on the TOR port the NIC is cabled to (the hosts are known once
    their ports exist).  Raises LabError with what it saw if not."""
    t = lab.topo
    want = {(h, p): (v, port) for h, p, v, port in t.host_links()}
    say("intent: host links: none configured; waiting for seamd to learn %d from LLDP "
        "(lldpd on %s)" % (len(want), ", ".join("%s %s" % (s.name, s.nic["pf"])
                                                 for s in t.lldp_servers())))
    print("  $ seamctl host-link list", flush=True)
    t0 = time.monotonic()
    seen = set()
    while True:
        links = lab.seamctl_json("host-link", "list")
        el = time.monotonic() - t0
        good = set()
        for h in links:
            key = (h["host"], h["physical_network"])
            if (key in want and want[key] == (h["vtep"], h["port"])
                    and h.get("source") == "lldp"):
                good.add(key)
                if key not in seen:
                    seen.add(key)
                    say("  host link %s %s -> %s %s, source lldp (after %.1f s)"
                        % (h["host"], h["physical_network"], h["vtep"], h["port"], el))
        if good == set(want):
            for h in links:
                if h.get("source") != "lldp":
                    say("  note: host link %s %s -> %s %s has source %s (not from this "
                        "intent)" % (h["host"], h["physical_network"], h["vtep"], h["port"],
                                     h.get("source")))
            return
        if el > timeout:
            from .checks import lldp_neighbours
            raise LabError("after %.0f s, seamd's host links are %s; wanted, from LLDP: %s; "
                           "the TORs' LLDP neighbours: %s"
                           % (el, json.dumps(links),
                              ", ".join("%s %s -> %s %s" % (k + v) for k, v in want.items()),
                              json.dumps(lldp_neighbours(lab))))
        time.sleep(0.1)


def write_dhcp_hosts(lab, server_vm, ports):
    """dnsmasq's static leases for every port of the network (MAC,name,IP)."""
    lines = []
    for p in ports.values():
        if p.get("network_id") != ports[server_vm.name].get("network_id"):
            continue
        if p.get("device_owner") == "network:dhcp":
            continue
        for ip in p.get("fixed_ips", []):
            lines.append("%s,%s,%s\n" % (p["mac_address"], p.get("name") or "host",
                                         ip["ip_address"]))
    f = lab.state_dir / server_vm.name / "hosts"
    f.write_text("".join(lines))
    rec = lab.proc("dnsmasq-" + server_vm.name)
    say("intent: dnsmasq on %s serves %d hosts (%s), SIGHUP" % (server_vm.name, len(lines), f))
    if rec and lab.alive(rec):
        os.kill(rec["pid"], signal.SIGHUP)


def wait(lab, timeout=60):
    """Polls `seamctl status` and the ports' status until every VTEP is in
    sync and every port ACTIVE; says what it waits for once a second."""
    t0 = time.monotonic()
    last = 0
    while True:
        r = lab.seamctl("status", "-f", "json", check=False, timeout=10)
        try:
            vteps = json.loads(r.stdout or "[]")
        except ValueError:
            vteps = []
        ports = lab.seamctl_json("port", "list")
        down = [p["name"] for p in ports if p.get("status") != "ACTIVE"]
        nsync = sum(1 for v in vteps if v.get("in_sync"))
        el = time.monotonic() - t0
        if r.returncode == 0 and not down and vteps:
            say("converged in %.1f s: %d of %d VTEPs in sync, %d ports ACTIVE"
                % (el, nsync, len(vteps), len(ports)))
            return True
        if el - last >= 1.0:
            last = el
            say("waiting for convergence (%.0f s): %d of %d VTEPs in sync%s; ports not "
                "ACTIVE: %s" % (el, nsync, len(vteps),
                                "".join(" [%s: %s %s]" % (v["name"], v.get("connection_state"),
                                                          v.get("status_detail") or "")
                                        for v in vteps if not v.get("in_sync")),
                                ", ".join(down) or "none"))
        if el > timeout:
            say("not converged after %.0f s" % timeout)
            return False
        time.sleep(0.2)
