"""Fixtures for the seam-sriov-nic suite (tests/nic); see nicnet.py for the
lab.  Each test gets its own namespaces and its own seam-sriov-nic, and tears
them down whatever happens: the daemon is stopped by pid with SIGTERM (a clean
exit, rc 0, its VF veths gone and no sanitizer report are required), then
every namespace of the test is deleted.

SEAM_BUILD selects the build (build-san: a sanitizer report fails the test).
SEAM_NIC_KEEP=1 keeps the namespaces of a failed test.
"""

import itertools
import os
import threading

import pytest

import nicnet as nn
from labfixtures import (  # noqa: F401 (the hook, for pytest)
    call_failed, keep_failed, pytest_runtest_makereport, require_env)

_counter = itertools.count()

VM_NET = "10.29.1"
TOR_IP = VM_NET + ".254"
TOR_MAC = "02:29:00:00:00:fe"
VF_MACS = ["02:29:00:00:00:%02x" % (i + 1) for i in range(3)]
DEFAULT_CONFIG = """\
# VF settings at start, as ip link's vf syntax
vf 0 mac %s vlan 2901 qos 3
vf 1 mac %s vlan 2901
vf 2 mac %s vlan 2900
""" % tuple(VF_MACS)


def _require_env():
    require_env(nn.nic_binary(), "seam-sriov-nic", ("ip", "tshark"))


class Lab:
    def __init__(self, prefix, tmp):
        self.p = prefix
        self.tmp = tmp
        self.namespaces = []
        self.nic = None
        self.captures = []
        self.raws = []
        self.threads = []
        self.host = self.ns("h")
        self.tor = self.ns("t")
        self.vms = [self.ns(str(i + 1)) for i in range(3)]
        nn.run(["ip", "link", "add", "pf0", "netns", self.host, "type", "veth",
                "peer", "tor0", "netns", self.tor])
        nn.run(["ip", "-n", self.tor, "link", "set", "tor0", "up"])

    def ns(self, role):
        name = self.p + role
        nn.run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        nn.run(["ip", "netns", "exec", name, "sysctl", "-qw",
                "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        nn.run(["ip", "-n", name, "link", "set", "lo", "up"])
        return name

    def start(self, config=DEFAULT_CONFIG, extra=()):
        """Starts seam-sriov-nic with 3 VFs and 'config'; moves VF i's
        netdev into VM i+1's namespace with address 10.29.1.(i+1)/24."""
        args = ["--pf=pf0", "--num-vfs=3"] + list(extra)
        if config is not None:
            cf = self.tmp / "nic.conf"
            cf.write_text(config)
            args.append("--config=%s" % cf)
        self.nic = nn.Nic(self.host, self.tmp, args)
        for i, vm in enumerate(self.vms):
            nn.run(["ip", "-n", self.host, "link", "set", "pf0v%d" % i, "netns", vm])
            nn.run(["ip", "-n", vm, "addr", "add", "%s.%d/24" % (VM_NET, i + 1),
                    "dev", "pf0v%d" % i])
            nn.run(["ip", "-n", vm, "link", "set", "pf0v%d" % i, "up"])
        return self.nic

    def vm_mac(self, i):
        return nn.link_json(self.vms[i], "pf0v%d" % i)["address"]

    def exec(self, ns, *cmd, check=True, timeout=30):
        return nn.run(["ip", "netns", "exec", ns] + [str(c) for c in cmd], check=check,
                      timeout=timeout)

    def neigh(self, vm, ip, mac):
        """A static ARP entry in VM 'vm' (no broadcast needed to reach 'ip')."""
        nn.run(["ip", "-n", self.vms[vm], "neigh", "replace", ip, "lladdr", mac,
                "nud", "permanent", "dev", "pf0v%d" % vm])

    def raw(self, ns, ifname):
        r = nn.Raw(ns, ifname)
        self.raws.append(r)
        return r

    def tshark(self, ns, ifname):
        t = nn.Tshark(ns, ifname, self.tmp)
        self.captures.append(t)
        return t

    def tor_responder(self, vlan=2901, prio=0):
        """A thread in the TOR namespace that speaks tagged frames with
        scapy: answers ARP and ICMP echo for 10.29.1.254 on 'vlan' only,
        tagged 'vlan' with priority 'prio'.  Returns its record of the
        frames it saw (dicts: vlan, prio, src, kind)."""
        from scapy.layers.inet import ICMP, IP
        from scapy.layers.l2 import ARP, Dot1Q, Ether
        raw = self.raw(self.tor, "tor0")
        seen = []
        stop = threading.Event()

        def send(pkt):
            try:
                raw.send(pkt)
            except OSError:
                pass

        def loop():
            while not stop.is_set():
                try:
                    f = raw.recv(0.1)
                except OSError:             # ENETDOWN while a test unplugs tor0
                    continue
                if f is None:
                    continue
                e = Ether(f)
                if Dot1Q not in e:
                    seen.append({"vlan": None, "src": e.src, "kind": "untagged"})
                    continue
                q = e[Dot1Q]
                rec = {"vlan": q.vlan, "prio": q.prio, "src": e.src, "kind": "other"}
                seen.append(rec)
                if q.vlan != vlan:
                    continue
                if ARP in e and e[ARP].op == 1 and e[ARP].pdst == TOR_IP:
                    rec["kind"] = "arp"
                    send(Ether(dst=e.src, src=TOR_MAC) / Dot1Q(vlan=vlan, prio=prio)
                             / ARP(op=2, hwsrc=TOR_MAC, psrc=TOR_IP, hwdst=e[ARP].hwsrc,
                                   pdst=e[ARP].psrc))
                elif IP in e and ICMP in e and e[IP].dst == TOR_IP and e[ICMP].type == 8:
                    rec["kind"] = "icmp"
                    ip = e[IP]
                    send(Ether(dst=e.src, src=TOR_MAC) / Dot1Q(vlan=vlan, prio=prio)
                             / IP(src=TOR_IP, dst=ip.src, ttl=64)
                             / ICMP(type=0, id=ip[ICMP].id, seq=ip[ICMP].seq)
                             / bytes(ip[ICMP].payload))
        t = threading.Thread(target=loop, daemon=True)
        t.start()
        self.threads.append((t, stop))
        return seen

    def teardown(self, keep):
        problems = []
        for t, stop in self.threads:
            stop.set()
            t.join(5)
        for c in self.captures:
            c.stop()
        for r in self.raws:
            r.close()
        if self.nic:
            if not self.nic.alive() and not self.nic.stopped:
                problems.append("seam-sriov-nic died during the test, rc=%s\n%s" % (
                    self.nic.proc.returncode, self.nic.diagnostics()))
            elif self.nic.alive():
                rc = self.nic.stop()
                if rc != 0:
                    problems.append("seam-sriov-nic exited rc=%s on SIGTERM, expected 0\n%s"
                                    % (rc, self.nic.diagnostics()))
                else:
                    left = nn.run(["ip", "-n", self.host, "-o", "link"]).stdout
                    if "pf0r" in left:
                        problems.append("the VF veths are still there after exit:\n" + left)
            for rep in self.nic.sanitizer_reports():
                problems.append("sanitizer report:\n" + rep)
        if keep:
            print("kept namespaces %s" % " ".join(self.namespaces))
        else:
            for ns in self.namespaces:
                nn.run(["ip", "netns", "del", ns], check=False)
        return problems


@pytest.fixture
def lab(request, tmp_path):
    _require_env()
    tmp_path.chmod(0o755)
    lab = Lab("sn%d-%d-" % (os.getpid(), next(_counter)), tmp_path)
    yield lab
    keep = keep_failed(request, "SEAM_NIC_KEEP")
    if call_failed(request) and lab.nic and lab.nic.alive():
        print("seam-sriov-nic at the failure:\n" + lab.nic.ctl("show", check=False).stdout)
    problems = lab.teardown(keep)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
