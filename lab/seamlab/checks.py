"""The lab's report and checks: the topology drawn in text, each VTEP's
tables (read from its OVSDB server as any client would), and the checks of
the topology file, each with its result and a round-trip time.

Frames are sent and captured with AF_PACKET sockets opened inside the VM and
VTEP namespaces (setns on the calling thread; the socket stays in its
namespace), built and parsed with scapy (/usr/bin/python3)."""

import itertools
import json
import os
import re
import select
import socket
import struct
import sys
import time

from netns import (ETH_P_ALL, PACKET_AUXDATA, PACKET_OUTGOING, SOL_PACKET,
                   in_netns, with_aux_tag)

from .lab import build_dir, run


# -- raw frames in namespaces ----------------------------------------------

class Raw:
    """AF_PACKET socket on 'ifname' in namespace 'ns'; captures from now on.
    An 802.1Q tag that veth's VLAN offload moved into the packet metadata is
    put back into the bytes (PACKET_AUXDATA), as libpcap does."""

    def __init__(self, ns, ifname):
        with in_netns(ns):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
            s.bind((ifname, ETH_P_ALL))
        s.setblocking(False)
        self.sock = s
        self.frames = []                # (bytes, outgoing, time)

    def close(self):
        self.sock.close()

    def send(self, frame):
        self.sock.send(bytes(frame))

    def read(self):
        while True:
            try:
                data, anc, _fl, addr = self.sock.recvmsg(65536, socket.CMSG_SPACE(20))
            except BlockingIOError:
                return self.frames
            data = with_aux_tag(data, anc)
            self.frames.append((data, addr[2] == PACKET_OUTGOING, time.monotonic()))

    def wait(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while True:
            v = pred(self.read())
            if v:
                return v
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            select.select([self.sock], [], [], min(left, 0.05))


# -- the report ---------------------------------------------------------------

def report_topology(lab):
    t = lab.topo
    c = t.controller_server
    nets = ", ".join("%s (%s; subnet %s)" % (n.name, " + ".join(n.segments), n.cidr)
                     for n in t.networks.values())
    out = ["", "== Topology (%s) ==" % t.path.name,
           "networks: " + nets,
           "underlay %s, MTU %d: bridge 'ul' in %s" % (t.underlay_net, t.underlay_mtu,
                                                     lab.ns("fabric"))]
    vteps = t.vteps()
    for i, s in enumerate(vteps):
        last = i == len(vteps) - 1
        br, pre = ("`-- ", "    ") if last else ("|-- ", "|   ")
        v = s.vtep
        extra = ""
        if s is c:
            extra = " + seamd (REST %s, southbound %s)" % (t.controller["listen"],
                                                          t.controller["sb_listen"])
        out.append("%s%s %s  seam-vtep %s (%s, %s)%s" % (
            br, s.name, s.underlay_ip, v["name"], v["mode"],
            "seamd dials tcp:%s:%d" % (s.underlay_ip, v["ovsdb_port"])
            if v["connect"] == "target" else "dials seamd", extra))
        items = []
        for vm in s.vms:
            items.append(("tap", "%s -- VM %s eth0 %s %s%s" % (
                vm.tap, vm.name, vm.mac, vm.ip,
                " (DHCP server: dnsmasq)" if vm.dhcp_server else "")))
        for port, srv in s.ports:
            if not hasattr(srv, "nic"):         # A bare-metal machine.
                items.append(("port", ["port %s ==== bare metal %s eth0 %s %s (untagged)"
                                       % (port, srv.name, srv.mac, srv.ip)]))
                continue
            gws = [g for g in t.l2gws if g["tor"] == s.name and g["port"] == port]
            kind = ("physnet %s%s" % (srv.nic["physnet"], ", lldpd on %s" % srv.nic["pf"]
                                      if t.lldp else ", static host link")
                    if srv.nic["physnet"] else
                    "L2 gateway %s, VLAN %s -> %s" % (
                        gws[0]["name"], ",".join(str(x) for x in gws[0]["vlans"]),
                        gws[0]["network"]) if gws else "no host link")
            lines = ["port %s ==== %s NIC %s (%s)" % (port, srv.name, srv.nic["pf"], kind)]
            vfs = sorted((x for x in srv.vms if x.vf is not None), key=lambda x: x.vf)
            for j, vm in enumerate(vfs):
                b2 = "`-- " if j == len(vfs) - 1 else "|-- "
                lines.append("    %sVF%d vlan %d -- VM %s eth0 %s %s%s" % (
                    b2, vm.vf, vm.vlan, vm.name, vm.mac, vm.ip, " (DHCP)" if vm.dhcp else ""))
            items.append(("port", lines))
        for j, (_k, text) in enumerate(items):
            b2 = "`-- " if j == len(items) - 1 else "|-- "
            lines = text if isinstance(text, list) else [text]
            cont = "    " if j == len(items) - 1 else "|   "
            out.append(pre + b2 + lines[0])
            for ln in lines[1:]:
                out.append(pre + cont + ln)
    vnis = ", ".join("VNI %d" % n.vni for n in t.networks.values() if n.vni)
    out.append("tunnels (VXLAN, UDP 4789, %s):" % vnis)
    for i, a in enumerate(vteps):
        for b in vteps[i + 1:]:
            out.append("    %s %s <==> %s %s" % (a.vtep["name"], a.underlay_ip,
                                               b.vtep["name"], b.underlay_ip))
    print("\n".join(out), flush=True)


def vtep_tables(lab, server):
    tables = ["Physical_Switch", "Physical_Port", "Logical_Switch", "Ucast_Macs_Local",
              "Ucast_Macs_Remote", "Mcast_Macs_Local", "Mcast_Macs_Remote",
              "Physical_Locator", "Physical_Locator_Set"]
    ops = ["hardware_vtep"] + [{"op": "select", "table": t, "where": []} for t in tables]
    r = run(["ovsdb-client", "transact", lab.vtep_remote(server), json.dumps(ops)],
            check=False, timeout=10)
    if r.returncode != 0:
        return None
    res = json.loads(r.stdout)
    return {t: {row["_uuid"][1]: row for row in res[i]["rows"]} for i, t in enumerate(tables)}


def _val(v):
    if isinstance(v, list) and len(v) == 2 and v[0] in ("uuid", "named-uuid"):
        return v[1]
    if isinstance(v, list) and len(v) == 2 and v[0] == "set":
        return [_val(x) for x in v[1]]
    if isinstance(v, list) and len(v) == 2 and v[0] == "map":
        return {_val(k): _val(x) for k, x in v[1]}
    return v


def _set(v):
    v = _val(v)
    return v if isinstance(v, list) else [v]


def report_vteps(lab, title="logical switches, bindings, MAC tables"):
    nets = {}
    try:
        nets = {n["id"]: n["name"] for n in lab.seamctl_json("network", "list")}
        seam = {v["name"]: v for v in lab.seamctl_json("vtep", "list")}
    except Exception:  # noqa: BLE001 - seamd down: show the VTEPs anyway
        seam = {}
    print("\n== VTEPs: %s ==" % title)
    for s in lab.topo.vteps():
        db = vtep_tables(lab, s)
        sv = seam.get(s.vtep["name"], {})
        print("%s (%s, tunnel IP %s) seamd session: %s, in sync: %s%s" % (
            s.vtep["name"], s.vtep["mode"], s.underlay_ip, sv.get("connection_state", "?"),
            json.dumps(sv["in_sync"]) if "in_sync" in sv else "?",
            ", " + sv["status_detail"] if sv.get("status_detail") else ""))
        if db is None:
            print("  (its OVSDB server does not answer)")
            continue
        loc = {u: r["dst_ip"] for u, r in db["Physical_Locator"].items()}
        locset = {u: sorted(loc.get(x, "?") for x in _set(r["locators"]))
                  for u, r in db["Physical_Locator_Set"].items()}
        for lsu, ls in sorted(db["Logical_Switch"].items(), key=lambda x: x[1]["name"]):
            print("  logical switch %s (network %s) VNI %s, replication %s" % (
                ls["name"][:8], nets.get(ls["name"], "?"), _val(ls["tunnel_key"]),
                _val(ls.get("replication_mode", "")) or "default"))
            binds = []
            for p in sorted(db["Physical_Port"].values(), key=lambda p: p["name"]):
                for vlan, u in _val(p["vlan_bindings"]).items():
                    if u == lsu:
                        binds.append("%s vlan %s" % (p["name"], vlan) if vlan else
                                     "%s (untagged)" % p["name"])
            print("    bindings:      %s" % (", ".join(binds) or "none"))
            for tname, label in (("Ucast_Macs_Local", "local MACs:    "),
                                 ("Ucast_Macs_Remote", "remote MACs:   ")):
                rows = [r for r in db[tname].values() if _val(r["logical_switch"]) == lsu]
                if not rows:
                    print("    %snone" % label)
                for i, r in enumerate(sorted(rows, key=lambda r: r["MAC"])):
                    print("    %s%s %-15s -> %s" % (label if i == 0 else " " * len(label),
                                                   r["MAC"], _val(r["ipaddr"]) or "",
                                                   loc.get(_val(r["locator"]), "?")))
            for tname, label in (("Mcast_Macs_Local", "flood, local: "),
                                 ("Mcast_Macs_Remote", "flood, remote:")):
                for r in db[tname].values():
                    if _val(r["logical_switch"]) == lsu:
                        print("    %s %s -> %s" % (label, r["MAC"],
                                                  ", ".join(locset.get(_val(r["locator_set"]),
                                                                       ["?"]))))
    sys.stdout.flush()


def lldp_neighbours(lab):
    """{(VTEP name, port): {lldp key: value}} of every TOR port that has an
    LLDP neighbour, read from the TOR's database (Physical_Port
    other_config, docs/lldp.md)."""
    out = {}
    for s in lab.topo.tors():
        db = vtep_tables(lab, s)
        for p in (db or {}).get("Physical_Port", {}).values():
            oc = _val(p.get("other_config", ["map", []]))
            keys = {k[5:]: v for k, v in oc.items() if k.startswith("lldp:")}
            if keys:
                out[(s.vtep["name"], p["name"])] = keys
    return out


def host_link_rows(lab):
    """seamd's host links (seamctl host-link list), checked against the
    cabling: [(host, physnet, vtep, port, source, note)], the expected ones
    that seamd lacks with source "MISSING"."""
    t = lab.topo
    want = {(h, p): (v, port) for h, p, v, port in t.host_links()}
    rows = []
    for h in sorted(lab.seamctl_json("host-link", "list"),
                    key=lambda h: (h["host"], h["physical_network"])):
        key = (h["host"], h["physical_network"])
        cable = want.pop(key, None)
        note = ("" if cable == (h["vtep"], h["port"]) else
                "the cable is on %s %s" % cable if cable else "not in the topology")
        rows.append((h["host"], h["physical_network"], h["vtep"], h["port"],
                     h.get("source", "?"), note))
    for (host, physnet), (vtep, port) in sorted(want.items()):
        rows.append((host, physnet, vtep, port, "MISSING", "seamd has no such host link"))
    return rows


def report_host_links(lab):
    """seamd's host links, where each came from, and for those of source
    lldp what the TOR heard on the port (the evidence)."""
    t = lab.topo
    print("\n== Host links (seamctl host-link list): where each came from ==")
    if t.lldp:
        print("host_links = \"lldp\": no host link is configured; lldpd runs on %s; "
              "seamd's device mappings: %s" % (
                  ", ".join("%s %s" % (s.name, s.nic["pf"]) for s in t.lldp_servers())
                  or "no server",
                  "; ".join("[host:%s] physical_device_mappings = %s" % hm
                            for hm in sorted(t.device_mappings().items())) or "none"))
    else:
        print("host_links = \"static\": the intent created one per SR-IOV NIC "
              "(seamctl host-link create --source static)")
    try:
        rows = host_link_rows(lab)
        nb = lldp_neighbours(lab)
    except Exception as e:  # noqa: BLE001 - seamd down
        print("  (seamd does not answer: %s)" % e)
        return
    if not rows:
        print("  none")
    for host, physnet, vtep, port, source, note in rows:
        line = "  %-10s %-10s -> %s %-4s source %-7s" % (host, physnet, vtep, port, source)
        n = nb.get((vtep, port))
        if source == "lldp" and n:
            line += (" %s %s hears system name %s, port %s (chassis %s, TTL %s s)"
                     % (vtep, port, n.get("system_name", "?"), n.get("port_id", "?"),
                        n.get("chassis_id", "?"), n.get("ttl", "?")))
        elif source == "lldp":
            line += " (%s %s hears no one now: kept for the neighbour's TTL)" % (vtep, port)
        if note:
            line += "  [%s]" % note
        print(line)
    sys.stdout.flush()


def report_counters(lab):
    """seam-vtep's datapath counters (dp/show on its unixctl socket) and
    each SR-IOV NIC's per-VF counters (its control socket)."""
    print("\n== Counters ==")
    for s in lab.topo.vteps():
        r = run(["ovs-appctl", "-t", lab.state_dir / s.name / "vtep.ctl", "dp/show"],
                check=False, timeout=10)
        lines = r.stdout.splitlines()
        end = next((i for i, ln in enumerate(lines) if ln.startswith("port ")), len(lines))
        # Its LLDP block too (after the ports): what it sent and heard.
        lb = next((i for i, ln in enumerate(lines) if ln.startswith("lldp:")), None)
        lldp = []
        if lb is not None:
            lldp = ["lldp: " + "; ".join(x.strip() for x in itertools.takewhile(
                lambda x: x.startswith(" "), lines[lb + 1:]))]
        print("%s (seam-vtep dp/show):" % s.vtep["name"])
        for ln in (lines[1:end] + lldp if r.returncode == 0
                   else ["  (no answer) " + r.stderr.strip()]):
            print("  " + ln.strip())
    for s in lab.topo.nic_servers():
        r = run([build_dir() / "seam-sriov-nic", "ctl", lab.state_dir / s.name / "nic.ctl",
                 "show"], check=False, timeout=10)
        print("%s NIC (seam-sriov-nic ctl show)%s:" % (
            s.name, "; the PF's vlan drops are mostly the TOR's LLDPDUs (untagged: for no VF; "
            "lldpd reads them on the PF netdev)" if s in lab.topo.lldp_servers() else ""))
        for ln in (r.stdout.splitlines() if r.returncode == 0
                   else ["(no answer) " + r.stderr.strip()]):
            print("  " + ln.rstrip())
    sys.stdout.flush()


# -- the checks -----------------------------------------------------------------

class Result:
    def __init__(self, name, what):
        self.name, self.what = name, what
        self.ok = False
        self.rtt = ""
        self.detail = ""


def _ping(lab, a, b, count=3):
    """Pings b from a: first a reply within 5 s (ARP, learning), then
    'count' replies in a row.  Returns (ok, avg rtt ms or None, detail)."""
    ns = lab.ns(a.name)
    deadline = time.monotonic() + 5
    while True:
        r = run(["ip", "netns", "exec", ns, "ping", "-c1", "-W1", b.ip], check=False)
        if r.returncode == 0:
            break
        if time.monotonic() > deadline:
            return False, None, "%s -> %s: no reply in 5 s" % (a.name, b.ip)
    r = run(["ip", "netns", "exec", ns, "ping", "-c", str(count), "-i", "0.2", "-W", "1",
             b.ip], check=False)
    m = re.search(r"(\d+) received", r.stdout)
    got = int(m.group(1)) if m else 0
    rtt = re.search(r"= [\d.]+/([\d.]+)/", r.stdout)
    avg = float(rtt.group(1)) if rtt else None
    return got == count, avg, "%s -> %s: %d/%d" % (a.name, b.ip, got, count)


def _frame_between(data, ip1, ip2):
    """("icmp"|"arp", VLAN (0: untagged)) of an IPv4 ICMP or an ARP frame
    between ip1 and ip2, else None."""
    vlan, off = 0, 12
    if data[12:14] in (b"\x81\x00", b"\x88\xa8") and len(data) >= 18:
        vlan, off = struct.unpack("!H", data[14:16])[0] & 0x0fff, 16
    et, p = data[off:off + 2], off + 2
    if et == b"\x08\x00" and len(data) >= p + 20 and data[p + 9] == 1:
        kind, a, b = "icmp", data[p + 12:p + 16], data[p + 16:p + 20]
    elif et == b"\x08\x06" and len(data) >= p + 28:
        kind, a, b = "arp", data[p + 14:p + 18], data[p + 24:p + 28]
    else:
        return None
    if {socket.inet_ntoa(a), socket.inet_ntoa(b)} != {ip1, ip2}:
        return None
    return kind, vlan


def check_ping(lab, c, res):
    """Ping both ways.  For a VM on a VF, the frames are also captured on
    its server's PF (the wire to the TOR): they must carry the VF's VLAN, and
    two VFs of one NIC on one VLAN must not use the wire at all (VEB)."""
    t = lab.topo
    a, b = t.vms[c.d["a"]], t.vms[c.d["b"]]
    res.name = "ping %s <-> %s" % (a.name, b.name)
    # Both ends of each wire (the PF and its TOR port), incoming frames only:
    # each frame is incoming at exactly one end, and a userspace sender's
    # own frames may bypass the taps of its namespace.
    wires = {}
    for v in (a, b):
        w = v.wire
        if w and w[:2] not in wires:
            wires[w[:2]] = (Raw(lab.ns(w[0]), w[1]), Raw(lab.ns(w[2]), w[3]))
    try:
        ok1, r1, d1 = _ping(lab, a, b)
        ok2, r2, d2 = _ping(lab, b, a)
        seen = {}
        for key, ends in wires.items():
            seen[key] = [f for w in ends for f in (_frame_between(d, a.ip, b.ip)
                                                   for d, o, _t in w.read() if not o)
                         if f is not None]
    finally:
        for ends in wires.values():
            for w in ends:
                w.close()
    res.ok = ok1 and ok2
    res.rtt = "%s / %s ms" % ("%.3f" % r1 if r1 else "-", "%.3f" % r2 if r2 else "-")
    det = [d1, d2]
    veb = (a.vf is not None and b.vf is not None and a.server is b.server
           and a.vlan == b.vlan)
    for key, frames in seen.items():
        w = next(v.wire for v in (a, b) if v.wire and v.wire[:2] == key)
        pf = "%s %s-%s %s" % w[:4]
        icmp = [vl for k, vl in frames if k == "icmp"]
        if veb:
            # ARP requests are broadcasts: the VEB floods them to the wire too.
            det.append("%s (the wire): %d ICMP frames (VEB keeps them in the NIC)"
                       % (pf, len(icmp)))
            res.ok = res.ok and not icmp
            continue
        want = {v.wire[4] for v in (a, b) if v.wire and v.wire[:2] == key}
        got = {vl for _k, vl in frames}
        det.append("%s (the wire): %d ICMP + %d ARP frames, %s" % (
            pf, len(icmp), len(frames) - len(icmp),
            ",".join("untagged" if x == 0 else "VLAN %d" % x for x in sorted(got)) or "none"))
        if got != want:
            det[-1] += " (want %s)" % ",".join("untagged" if x == 0 else "VLAN %d" % x
                                               for x in sorted(want))
            res.ok = False
    res.detail = "; ".join(det)


def _arp(lab, a, b, timeout=3.0):
    """An ARP request from a for b's IP, as a's kernel would send it; returns
    (MAC in the reply or None, rtt ms)."""
    from scapy.all import ARP, Ether
    run(["ip", "-n", lab.ns(a.name), "neigh", "flush", "dev", "eth0"], check=False)
    raw = Raw(lab.ns(a.name), "eth0")
    try:
        req = Ether(src=a.mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
            op=1, hwsrc=a.mac, psrc=a.ip, pdst=b.ip)
        t0 = time.monotonic()
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            raw.send(req)

            def reply(frames):
                for data, out, t in frames:
                    if out:
                        continue
                    e = Ether(data)
                    if ARP in e and e[ARP].op == 2 and e[ARP].psrc == b.ip:
                        return e[ARP].hwsrc, t
                return None
            got = raw.wait(reply, 1.0)
            if got:
                return got[0], (got[1] - t0) * 1000
        return None, None
    finally:
        raw.close()


def check_arp(lab, c, res):
    t = lab.topo
    a, b = t.vms[c.d["a"]], t.vms[c.d["b"]]
    res.name = "ARP %s <-> %s" % (a.name, b.name)
    m1, r1 = _arp(lab, a, b)
    m2, r2 = _arp(lab, b, a)
    res.ok = m1 == b.mac and m2 == a.mac
    res.rtt = "%s / %s ms" % ("%.3f" % r1 if r1 else "-", "%.3f" % r2 if r2 else "-")
    res.detail = "%s asks %s: %s; %s asks %s: %s" % (a.name, b.ip, m1 or "no reply",
                                                    b.name, a.ip, m2 or "no reply")


def _dhcp(lab, vm, timeout=8.0):
    """DISCOVER, OFFER, REQUEST, ACK from 'vm' (a DHCP client in scapy);
    returns (address, prefix length, ms) or raises with what was missing."""
    from scapy.all import BOOTP, DHCP, IP, UDP, Ether
    raw = Raw(lab.ns(vm.name), "eth0")
    mac = bytes(int(x, 16) for x in vm.mac.split(":"))
    xid = int.from_bytes(os.urandom(4), "big")

    def pkt(opts):
        return (Ether(src=vm.mac, dst="ff:ff:ff:ff:ff:ff")
                / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
                / BOOTP(chaddr=mac + b"\0" * 10, xid=xid, flags=0x8000)
                / DHCP(options=opts + ["end"]))

    def answer(kind):
        def f(frames):
            for data, out, _t in frames:
                if out:
                    continue
                e = Ether(data)
                if BOOTP in e and e[BOOTP].xid == xid and e[BOOTP].op == 2 and DHCP in e:
                    opts = dict(o for o in e[DHCP].options if isinstance(o, tuple))
                    if opts.get("message-type") == kind:
                        return e[BOOTP].yiaddr, opts
            return None
        return f
    try:
        t0 = time.monotonic()
        deadline = t0 + timeout
        offer = None
        while not offer:
            if time.monotonic() > deadline:
                raise RuntimeError("no DHCPOFFER in %.0f s" % timeout)
            raw.send(pkt([("message-type", "discover")]))
            offer = raw.wait(answer(2), 1.0)
        addr, opts = offer
        ack = None
        while not ack:
            if time.monotonic() > deadline:
                raise RuntimeError("OFFER %s but no DHCPACK" % addr)
            raw.send(pkt([("message-type", "request"), ("requested_addr", addr),
                          ("server_id", opts.get("server_id"))]))
            ack = raw.wait(answer(5), 1.0)
        ms = (time.monotonic() - t0) * 1000
        mask = ack[1].get("subnet_mask", "255.255.255.0")
        plen = sum(bin(int(x)).count("1") for x in mask.split("."))
        return ack[0], plen, ms
    finally:
        raw.close()


def check_dhcp(lab, c, res):
    t = lab.topo
    vms = [t.vms[n] for n in c.d["vms"]]
    res.name = "DHCP %s" % ",".join(v.name for v in vms)
    server = next((v for v in t.vms.values() if v.dhcp_server), None)
    ok, rtts, det = True, [], []
    for vm in vms:
        try:
            addr, plen, ms = _dhcp(lab, vm)
        except RuntimeError as e:
            ok = False
            det.append("%s: %s" % (vm.name, e))
            addr = None
        if addr:
            rtts.append("%.1f" % ms)
            good = addr == vm.ip
            ok = ok and good
            det.append("%s got %s%s" % (vm.name, addr, "" if good else " (port has %s)" % vm.ip))
        # The VM uses its port's address either way, so the other checks
        # test forwarding, not DHCP.
        ns = lab.ns(vm.name)
        run(["ip", "-n", ns, "addr", "flush", "dev", "eth0"], check=False)
        run(["ip", "-n", ns, "addr", "add", "%s/%d" % (addr or vm.ip, vm.network.cidr.prefixlen),
             "dev", "eth0"], check=False)
    if server:
        leases = lab.state_dir / server.name / "leases"
        text = leases.read_text() if leases.exists() else ""
        missing = [v.name for v in vms if v.mac not in text]
        if missing:
            ok = False
            det.append("not in dnsmasq's leases: %s" % ", ".join(missing))
        else:
            det.append("all in dnsmasq's lease file")
    res.ok = ok
    res.rtt = " / ".join(rtts) + " ms (DISCOVER to ACK)" if rtts else "-"
    res.detail = "; ".join(det)


def _vxlan_has(data, token):
    """True if 'data' is an IPv4/UDP 4789 frame whose payload holds 'token'."""
    if len(data) < 50 or data[12:14] != b"\x08\x00" or data[23] != 17:
        return False
    ihl = (data[14] & 0x0f) * 4
    return struct.unpack("!H", data[14 + ihl + 2:14 + ihl + 4])[0] == 4789 and token in data


def check_broadcast(lab, c, res):
    """One broadcast from 'src': every other VM of its network gets exactly
    one copy, 'src' none back, and every VTEP but the one it entered gets
    exactly one VXLAN copy (the ingress VTEP sends one per remote VTEP)."""
    t = lab.topo
    src = t.vms[c.d["src"]]
    res.name = "broadcast from %s" % src.name
    ingress = src.ingress
    token = b"seam-lab-bcast-" + os.urandom(8).hex().encode()
    vms = [v for v in t.vms.values() if v.network is src.network]
    caps = {v.name: Raw(lab.ns(v.name), "eth0") for v in vms}
    # The VTEPs' underlay seen from the fabric's bridge ports: what a VTEP
    # sends is incoming there (a VTEP's own AF_PACKET sends may bypass the
    # taps of its namespace), what it receives is outgoing.
    vcaps = {s.name: Raw(lab.ns("fabric"), "ul-%d" % i) for i, s in enumerate(t.vteps())}
    try:
        frame = (b"\xff" * 6 + bytes(int(x, 16) for x in src.mac.split(":")) + b"\x88\xb5"
                 + token + b"\0" * 20)
        t0 = time.monotonic()
        caps[src.name].send(frame)
        others = [v.name for v in vms if v is not src]

        def all_got():
            return all(any(token in d and not o for d, o, _t in caps[n].read()) for n in others)
        deadline = t0 + 3
        socks = [caps[n].sock for n in others]
        while time.monotonic() < deadline and not all_got():
            select.select(socks, [], [], 0.05)
        last = max([tt for n in others for d, o, tt in caps[n].read() if token in d and not o]
                   or [t0])
        time.sleep(0.3)                 # Late duplicates would arrive by now.
        counts = {n: sum(1 for d, o, _t in caps[n].read() if token in d and not o)
                  for n in caps}
        vx_in = {n: sum(1 for d, o, _t in c_.read() if o and _vxlan_has(d, token))
                 for n, c_ in vcaps.items()}
        vx_out = {n: sum(1 for d, o, _t in c_.read() if not o and _vxlan_has(d, token))
                  for n, c_ in vcaps.items()}
    finally:
        for c_ in list(caps.values()) + list(vcaps.values()):
            c_.close()
    bad = []
    for n, k in counts.items():
        want = 0 if n == src.name else 1
        if k != want:
            bad.append("%s saw %d (want %d)" % (n, k, want))
    n_remote = len(t.vteps()) - 1
    for s in t.vteps():
        want_in = 0 if s is ingress else 1
        if vx_in[s.name] != want_in:
            bad.append("VTEP %s received %d VXLAN copies (want %d)"
                       % (s.vtep["name"], vx_in[s.name], want_in))
    if vx_out[ingress.name] != n_remote:
        bad.append("ingress VTEP %s sent %d VXLAN copies (want %d)"
                   % (ingress.vtep["name"], vx_out[ingress.name], n_remote))
    res.ok = not bad
    res.rtt = "%.3f ms (to the last copy)" % ((last - t0) * 1000)
    res.detail = "; ".join(bad) if bad else (
        "each of %s got 1 copy; VTEPs: %s" % (
            ", ".join(n for n in counts if n != src.name),
            ", ".join("%s %s" % (s.vtep["name"], "sent %d" % vx_out[s.name] if s is ingress
                                 else "got %d" % vx_in[s.name]) for s in t.vteps())))


def _bindings(lab, server):
    """{(port, VLAN)} bound on the VTEP of 'server', or None if its OVSDB
    server does not answer."""
    db = vtep_tables(lab, server)
    if db is None:
        return None
    return {(p["name"], vlan) for p in db["Physical_Port"].values()
            for vlan in _val(p["vlan_bindings"])}


def check_restart(lab, c, res):
    """kill -9 a daemon and start it again (a VTEP with an empty database if
    'wipe_db'): how long until seamd has it in sync again, its bindings are
    back (for a VTEP) and traffic between the two VMs of 'ping' flows."""
    t = lab.topo
    name = c.d["process"]
    a, b = (t.vms[n] for n in c.d["ping"])
    res.name = "restart %s" % name
    vtep = next((s for s in t.vteps() if "seam-vtep-" + s.vtep["name"] == name), None)
    before = _bindings(lab, vtep) if vtep else None
    t0 = time.monotonic()
    up = lab.restart(name, wipe_db=bool(c.d.get("wipe_db")))
    det = ["%s killed -9 and started again%s in %.0f ms" % (
        name, " with an empty database" if c.d.get("wipe_db") else "", up * 1000)]
    t_sync = t_bind = None
    deadline = t0 + 30
    while time.monotonic() < deadline and (t_sync is None or (vtep and t_bind is None)):
        if t_bind is None and vtep:
            now = _bindings(lab, vtep)
            if now is not None and before <= now:
                t_bind = time.monotonic() - t0
        if t_sync is None:
            r = lab.seamctl("status", check=False, timeout=5)
            if r.returncode == 0:
                t_sync = time.monotonic() - t0
        time.sleep(0.02)
    if vtep:
        det.append("bindings back after %s" % ("%.0f ms" % (t_bind * 1000) if t_bind
                                                else "NEVER (30 s)"))
    det.append("seamctl status: all in sync after %s" % (
        "%.0f ms" % (t_sync * 1000) if t_sync else "NEVER (30 s)"))
    ok, rtt, d = _ping(lab, a, b)
    t_ping = time.monotonic() - t0
    det.append("then %s (%.0f ms after the kill)" % (d, t_ping * 1000))
    res.ok = ok and t_sync is not None and (t_bind is not None or not vtep)
    res.rtt = "%s ms" % ("%.3f" % rtt if rtt else "-")
    res.detail = "; ".join(det)


CHECKS = {"ping": check_ping, "arp": check_arp, "dhcp": check_dhcp,
          "broadcast": check_broadcast, "restart": check_restart}


def run_checks(lab):
    checks = lab.topo.checks
    results = []
    # A VM that leases its address but that no DHCP check covers gets its
    # port's address now, so the other checks can use it.
    leased = {n for c in checks if c.kind == "dhcp" for n in c.d["vms"]}
    for v in lab.topo.vms.values():
        if v.dhcp and v.name not in leased:
            run(["ip", "-n", lab.ns(v.name), "addr", "replace", "%s/%d" % (
                v.ip, v.network.cidr.prefixlen), "dev", "eth0"], check=False)
    print("\n== Checks ==", flush=True)
    for i, c in enumerate(checks):
        res = Result(c.kind, c.what)
        print("[%d/%d] %s %s ..." % (i + 1, len(checks), c.kind, c.what), flush=True)
        t0 = time.monotonic()
        try:
            CHECKS[c.kind](lab, c, res)
        except Exception as e:  # noqa: BLE001 - a check that breaks fails
            res.ok = False
            res.detail = "%s: %s" % (type(e).__name__, e)
        res.took = time.monotonic() - t0
        results.append(res)
        print("      %s  %-26s rtt %s  (%.1f s)\n      %s" % (
            "PASS" if res.ok else "FAIL", res.name, res.rtt or "-", res.took, res.detail),
            flush=True)
    report_vteps(lab, title="after the checks: learned MACs")
    report_counters(lab)
    print("\n== Summary ==")
    w = max(len(r.name) for r in results) if results else 10
    for r in results:
        print("  %s  %-*s  rtt %-40s %s" % ("PASS" if r.ok else "FAIL", w, r.name, r.rtt or "-",
                                           r.what))
    npass = sum(1 for r in results if r.ok)
    print("%d of %d checks passed" % (npass, len(results)), flush=True)
    # A daemon that crashed during the checks fails the run even if the
    # traffic found its way; so do host links that are not what the
    # cabling and the topology's host_links say.
    problems = lab.health() + ["sanitizer report %s" % f for f in lab.sanitizer_reports()]
    try:
        links = host_link_rows(lab)
    except Exception as e:  # noqa: BLE001 - seamd down
        links = []
        problems.append("host links: seamd does not answer (%s)" % e)
    if links:
        print("host links: %s" % ", ".join("%s %s -> %s %s (%s)" % r[:5] for r in links))
    want = lab.topo.host_links_source
    for host, physnet, vtep, port, source, note in links:
        if note or source != want:
            problems.append("host link %s %s -> %s %s: source %s (want %s)%s" % (
                host, physnet, vtep, port, source, want, ", " + note if note else ""))
    for pr in problems:
        print("PROBLEM: " + pr, flush=True)
    return npass == len(results) and not problems


def explore_help(lab):
    t = lab.topo
    me = "lab/seam-lab"
    if lab.prefix != "seamlab-":
        me += " --prefix " + lab.prefix
    vms = list(t.vms.values())
    a, b = vms[0], vms[-1]
    tor = t.tors()[0] if t.tors() else t.vteps()[0]
    sock = lab.state_dir / tor.name / "vtep.sock"
    ctl = lab.state_dir / tor.name / "vtep.ctl"
    lines = [
        ("namespaces, processes and seamctl status", "%s status" % me),
        ("the intent, through seamd's REST API", "%s seamctl port list" % me),
        ("", "%s seamctl vtep list" % me),
        ("any command in a node (%s)" % ", ".join(t.node_names()),
         "%s exec %s ping %s" % (me, a.name, b.ip)),
        ("the TOR's hardware_vtep database", "%s exec %s vtep-ctl --db=unix:%s show"
         % (me, tor.name, sock)),
        ("its datapath counters", "ovs-appctl -t %s dp/show" % ctl),
    ] + ([
        ("seamd's host links, and %s's LLDP neighbour (lldpd on its PF)"
         % t.lldp_servers()[0].name, "%s seamctl host-link list" % me),
        ("", "lldpcli -u %s show neighbors" % lab.lldpd_socket(t.lldp_servers()[0].name)),
    ] if t.lldp_servers() else []) + [
        ("namespaces are plain netns (%s<node>)" % lab.prefix,
         "ip netns exec %s ping %s" % (lab.ns(a.name), b.ip)),
        ("the report and the checks again", "%s report; %s check" % (me, me)),
        ("logs and databases", "ls %s/*/" % lab.state_dir),
        ("tear it down", "%s down" % me),
    ]
    print("\nThe lab is up.  Explore it (as root):")
    for what, cmd in lines:
        if what:
            print("  # " + what)
        print("  " + cmd)
