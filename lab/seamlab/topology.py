"""A lab topology: one TOML file (docs/lab.md describes the format), read
and checked once here; everything else uses the Topology object.

Derived facts (which VTEP serves a VM, which TOR port a NIC is cabled to,
the host links, the ports' bindings) are computed here so that the tool,
the intent and the report agree on them."""

import ipaddress
import re
import tomllib
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent.parent
DEFAULT = LAB_DIR / "topologies" / "default.toml"

IFNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,19}$")
MAC_RE = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
CHECK_KINDS = ("ping", "arp", "dhcp", "broadcast", "restart")
HOST_LINKS = ("lldp", "static")


class TopologyError(Exception):
    pass


def _need(d, key, where, typ=str):
    if key not in d:
        raise TopologyError("%s: '%s' is missing" % (where, key))
    v = d[key]
    if not isinstance(v, typ):
        raise TopologyError("%s: '%s' must be a %s" % (where, key, typ.__name__))
    return v


class Server:
    def __init__(self, d, topo):
        where = "server %r" % d.get("name")
        self.name = _need(d, "name", where)
        if not NAME_RE.match(self.name):
            raise TopologyError("%s: a name is 1-20 of [a-z0-9_-]" % where)
        self.roles = d.get("roles", [])
        self.underlay_ip = d.get("underlay_ip")
        self.vtep = d.get("vtep")
        self.nic = d.get("nic")
        self.host = d.get("host", self.name)     # its binding:host_id
        if self.vtep:
            v = self.vtep
            _need(v, "name", where + " vtep")
            if v.get("mode", "tor") not in ("tor", "hypervisor"):
                raise TopologyError("%s: vtep mode is tor or hypervisor" % where)
            v.setdefault("mode", "tor")
            v.setdefault("connect", "target")
            v.setdefault("ovsdb_port", 6640)
            if v["connect"] not in ("target", "in"):
                raise TopologyError("%s: vtep connect is 'target' (seamd dials it) "
                                    "or 'in' (it dials seamd)" % where)
            if not self.underlay_ip:
                raise TopologyError("%s: a VTEP needs underlay_ip" % where)
            ipaddress.IPv4Address(self.underlay_ip)
            if ipaddress.IPv4Address(self.underlay_ip) not in topo.underlay_net:
                raise TopologyError("%s: %s is not in the underlay %s"
                                    % (where, self.underlay_ip, topo.underlay_net))
        if self.nic:
            n = self.nic
            for k in ("pf", "tor", "tor_port"):
                _need(n, k, where + " nic")
            n.setdefault("physnet", None)   # None: not a Neutron host (a legacy switch)
            for k in ("pf", "tor_port"):
                if not IFNAME_RE.match(n[k]):
                    raise TopologyError("%s: nic %s %r is not an interface name"
                                        % (where, k, n[k]))
        self.vms = []

    @property
    def ports(self):
        """The TOR's physical ports: (port, server) per server NIC cabled to
        it, (port, vm) per bare-metal machine."""
        return ([(s.nic["tor_port"], s) for s in self.topo.servers.values()
                 if s.nic and s.nic["tor"] == self.name]
                + [(v.baremetal["tor_port"], v) for v in self.topo.vms.values()
                   if v.baremetal and v.baremetal["tor"] == self.name])


class Vm:
    def __init__(self, d, topo):
        where = "vm %r" % d.get("name")
        self.name = _need(d, "name", where)
        if not NAME_RE.match(self.name):
            raise TopologyError("%s: a name is 1-20 of [a-z0-9_-]" % where)
        self.baremetal = d.get("baremetal")
        if self.baremetal:
            # A bare-metal machine: its own NIC cabled to a TOR port, untagged.
            for k in ("tor", "tor_port"):
                _need(self.baremetal, k, where + " baremetal")
            tor = topo.servers.get(self.baremetal["tor"])
            if not tor or not tor.vtep or tor.vtep["mode"] != "tor":
                raise TopologyError("%s: baremetal tor %r is not a server with a tor VTEP"
                                    % (where, self.baremetal["tor"]))
            if not IFNAME_RE.match(self.baremetal["tor_port"]):
                raise TopologyError("%s: tor_port is not an interface name" % where)
            self.server = tor
        else:
            self.server = topo.servers.get(_need(d, "server", where))
            if not self.server:
                raise TopologyError("%s: no server %r" % (where, d["server"]))
        self.port = bool(d.get("port", True))   # False: no Neutron port (a legacy host)
        self.network = topo.networks.get(_need(d, "network", where))
        if not self.network:
            raise TopologyError("%s: no network %r" % (where, d["network"]))
        self.mac = _need(d, "mac", where).lower()
        if not MAC_RE.match(self.mac):
            raise TopologyError("%s: mac %r is not a MAC address" % (where, self.mac))
        self.ip = _need(d, "ip", where)
        if ipaddress.IPv4Address(self.ip) not in self.network.cidr:
            raise TopologyError("%s: %s is not in %s" % (where, self.ip, self.network.cidr))
        self.dhcp = bool(d.get("dhcp", False))
        self.dhcp_server = bool(d.get("dhcp_server", False))
        self.tap = d.get("tap")
        self.vf = d.get("vf")
        self.vlan = d.get("vlan")
        if sum(x is not None for x in (self.tap, self.vf, self.baremetal)) != 1:
            raise TopologyError("%s: give one of 'tap', 'vf' or 'baremetal'" % where)
        if self.baremetal:
            pass
        elif self.tap is not None:
            if not (self.server.vtep and self.server.vtep["mode"] == "hypervisor"):
                raise TopologyError("%s: a tap needs a hypervisor VTEP on %s"
                                    % (where, self.server.name))
            if not (IFNAME_RE.match(self.tap) and self.tap.startswith("tap")):
                raise TopologyError("%s: tap %r must be an interface name starting "
                                    "with 'tap'" % (where, self.tap))
        else:
            if not self.server.nic:
                raise TopologyError("%s: a vf needs a nic on %s" % (where, self.server.name))
            if not isinstance(self.vf, int) or not 0 <= self.vf < 64:
                raise TopologyError("%s: vf is 0..63" % where)
            if not isinstance(self.vlan, int) or not 1 <= self.vlan <= 4094:
                raise TopologyError("%s: a VF needs a vlan 1..4094" % where)

    @property
    def kind(self):
        return "tap" if self.tap else "vf" if self.vf is not None else "baremetal"

    @property
    def vnic_type(self):
        return {"tap": "normal", "vf": "direct", "baremetal": "baremetal"}[self.kind]

    @property
    def physnet(self):
        return self.server.nic["physnet"] if self.vf is not None else None

    @property
    def host(self):
        return self.name if self.baremetal else self.server.host

    @property
    def ingress(self):
        """The server whose VTEP this VM's frames enter."""
        if self.tap:
            return self.server
        if self.baremetal:
            return self.server
        return self.server.topo.servers[self.server.nic["tor"]]

    @property
    def wire(self):
        """(node, ifname, tor node, tor port, VLAN on it) of the cable to the
        TOR, or None for a tap."""
        if self.baremetal:
            return (self.name, "eth0", self.server.name, self.baremetal["tor_port"], 0)
        if self.vf is not None:
            n = self.server.nic
            return (self.server.name, n["pf"], n["tor"], n["tor_port"], self.vlan)
        return None


class Network:
    def __init__(self, d):
        where = "network %r" % d.get("name")
        self.name = _need(d, "name", where)
        self.segments = _need(d, "segments", where, list)
        self.subnet = d.get("subnet", self.name + "-subnet")
        self.cidr = ipaddress.IPv4Network(_need(d, "cidr", where))
        self.vni = None
        self.vlans = {}                 # physnet -> VLAN of its segment
        for s in self.segments:
            p = s.split(":")
            if p[0] == "vxlan" and len(p) == 2:
                self.vni = int(p[1])
            elif p[0] == "vlan" and len(p) == 3:
                self.vlans[p[1]] = int(p[2])
            else:
                raise TopologyError("%s: segment %r is not vxlan:VNI or "
                                    "vlan:PHYSNET:VLAN" % (where, s))


class Check:
    def __init__(self, d, topo, n):
        where = "check %d" % n
        self.kind = _need(d, "kind", where)
        if self.kind not in CHECK_KINDS:
            raise TopologyError("%s: kind is one of %s" % (where, ", ".join(CHECK_KINDS)))
        self.what = d.get("what", "")
        self.d = d
        names = []
        if self.kind in ("ping", "arp"):
            names = [_need(d, "a", where), _need(d, "b", where)]
        elif self.kind == "dhcp":
            names = _need(d, "vms", where, list)
        elif self.kind == "restart":
            _need(d, "process", where)
            names = _need(d, "ping", where, list)
            if len(names) != 2:
                raise TopologyError("%s: ping is [VM, VM]" % where)
        else:
            names = [_need(d, "src", where)]
        for v in names:
            if v not in topo.vms:
                raise TopologyError("%s: no vm %r" % (where, v))


class Topology:
    """The parsed file.  servers, vms, networks: dicts by name, in file order."""

    def __init__(self, path=None):
        self.path = Path(path or DEFAULT).resolve()
        try:
            with open(self.path, "rb") as f:
                d = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise TopologyError("%s: %s" % (self.path, e)) from e
        try:
            self._load(d)
        except (ValueError, TypeError) as e:
            if isinstance(e, TopologyError):
                raise
            raise TopologyError("%s: %s" % (self.path, e)) from e

    def _load(self, d):
        self.description = d.get("description", "")
        # Where seamd's host links come from: "lldp" (lldpd on every SR-IOV
        # server's PF, seamd's device mappings) or "static" (one
        # `seamctl host-link create` per NIC).
        self.host_links_source = d.get("host_links", "lldp")
        if self.host_links_source not in HOST_LINKS:
            raise TopologyError("host_links is %s, not %r"
                                % (" or ".join(HOST_LINKS), self.host_links_source))
        u = _need(d, "underlay", "top level", dict)
        self.underlay_net = ipaddress.IPv4Network(_need(u, "cidr", "underlay"))
        self.underlay_mtu = int(u.get("mtu", 1600))
        self.networks = {}
        for nd in d.get("network", []):
            n = Network(nd)
            self.networks[n.name] = n
        self.servers = {}
        for sd in _need(d, "server", "top level", list):
            s = Server(sd, self)
            s.topo = self
            if s.name in self.servers:
                raise TopologyError("server %r twice" % s.name)
            self.servers[s.name] = s
        for s in self.servers.values():
            if s.nic:
                tor = self.servers.get(s.nic["tor"])
                if not tor or not tor.vtep or tor.vtep["mode"] != "tor":
                    raise TopologyError("server %r: nic tor %r is not a server with a "
                                        "tor VTEP" % (s.name, s.nic["tor"]))
        c = _need(d, "controller", "top level", dict)
        self.controller = c
        if c.get("server") not in self.servers:
            raise TopologyError("controller: no server %r" % c.get("server"))
        c.setdefault("listen", "127.0.0.1:9696")
        c.setdefault("sb_listen", "127.0.0.1:6640")
        self.vms = {}
        for vd in d.get("vm", []):
            v = Vm(vd, self)
            if v.name in self.vms or v.name in self.servers or v.name == "fabric":
                raise TopologyError("vm %r: the name is taken" % v.name)
            self.vms[v.name] = v
            if not v.baremetal:
                v.server.vms.append(v)
        for s in self.servers.values():
            vfs = [v.vf for v in s.vms if v.vf is not None]
            if sorted(vfs) != list(range(len(vfs))):
                raise TopologyError("server %r: VFs must be numbered 0..N-1 (%s)"
                                    % (s.name, vfs))
        self.l2gws = []
        for gd in d.get("l2gw", []):
            where = "l2gw %r" % gd.get("name")
            _need(gd, "name", where)
            tor = self.servers.get(_need(gd, "tor", where))
            if not tor or not tor.vtep or tor.vtep["mode"] != "tor":
                raise TopologyError("%s: tor %r is not a server with a tor VTEP"
                                    % (where, gd["tor"]))
            if not any(p == gd.get("port") for p, _x in tor.ports):
                raise TopologyError("%s: %s has no port %r" % (where, tor.name, gd.get("port")))
            if _need(gd, "network", where) not in self.networks:
                raise TopologyError("%s: no network %r" % (where, gd["network"]))
            for v in _need(gd, "vlans", where, list):
                if not isinstance(v, int) or not 1 <= v <= 4094:
                    raise TopologyError("%s: VLANs are 1..4094" % where)
            self.l2gws.append(gd)
        self.checks = [Check(cd, self, i + 1) for i, cd in enumerate(d.get("check", []))]

    # -- derived ---------------------------------------------------------

    @property
    def controller_server(self):
        return self.servers[self.controller["server"]]

    def vteps(self):
        return [s for s in self.servers.values() if s.vtep]

    def tors(self):
        return [s for s in self.servers.values() if s.vtep and s.vtep["mode"] == "tor"]

    def nic_servers(self):
        return [s for s in self.servers.values() if s.nic]

    def node_names(self):
        """Every namespace's short name: fabric, servers, VMs."""
        return ["fabric"] + list(self.servers) + list(self.vms)

    @property
    def lldp(self):
        """Whether host links come from LLDP."""
        return self.host_links_source == "lldp"

    def lldp_servers(self):
        """The servers that run lldpd on their PF: every NIC with a physical
        network (a legacy switch's trunk has none: it is no Neutron host)."""
        return [s for s in self.nic_servers() if s.nic["physnet"]] if self.lldp else []

    def device_mappings(self):
        """{host: "physnet:pf,..."}: seamd's [host:NAME]
        physical_device_mappings, as Neutron's SR-IOV agent has them."""
        out = {}
        for s in self.lldp_servers():
            out.setdefault(s.host, []).append("%s:%s" % (s.nic["physnet"], s.nic["pf"]))
        return {h: ",".join(m) for h, m in out.items()}

    def host_links(self):
        """(host, physnet, vtep name, port) of every NIC: what the host
        links must be, whatever their source."""
        out = []
        for s in self.nic_servers():
            if not s.nic["physnet"]:
                continue
            tor = self.servers[s.nic["tor"]]
            out.append((s.host, s.nic["physnet"], tor.vtep["name"], s.nic["tor_port"]))
        return out

    def url(self):
        return "http://%s" % self.controller["listen"]
