"""vtep-ctl, the whole life cycle, as one script run against each implementation.

The transcript (command, stdout, stderr with log timestamps removed, exit
code) is UUID-normalised.  For "seam" it must equal the transcript of a fresh
ovsdb-server run; for "ovs" the key lines are asserted."""

import shlex

import seamtest as st

# One command per entry, run in order; "!" marks a command expected to fail.
SCRIPT = [
    "add-ps br0",
    "set Physical_Switch br0 tunnel_ips=10.0.0.1 management_ips=127.0.0.1 "
    "description=\"\\\"peer test\\\"\"",
    "! set Physical_Switch br0 description=peer,test",
    "! add-ps br0",
    "--may-exist add-ps br0",
    "add-port br0 p0",
    "add-port br0 p1",
    "add-ls ls0",
    "set Logical_Switch ls0 tunnel_key=5000",
    "add-ls ls1",
    "set Logical_Switch ls1 tunnel_key=5001 description=second",
    "bind-ls br0 p0 100 ls0",
    "bind-ls br0 p0 200 ls1",
    "bind-ls br0 p1 0 ls0",
    "! bind-ls br0 p1 4096 ls0",
    "! bind-ls br0 p9 5 ls0",
    "add-ucast-local ls0 00:aa:bb:cc:dd:ee 10.0.0.1",
    "add-ucast-remote ls0 00:11:22:33:44:55 10.0.0.2",
    "add-ucast-remote ls0 00:11:22:33:44:66 vxlan_over_ipv4 10.0.0.3",
    "! add-ucast-remote ls0 00:11:22:33:44:77 192.168.1.1 10.0.0.4",
    "add-mcast-local ls0 unknown-dst 10.0.0.1",
    "add-mcast-remote ls0 unknown-dst 10.0.0.2",
    "add-mcast-remote ls0 unknown-dst 10.0.0.3",
    "add-mcast-remote ls1 01:00:5e:00:00:01 10.0.0.2",
    "set-replication-mode ls0 source_node",
    "! set-replication-mode ls1 bogus_mode",
    "! set Logical_Switch ls1 replication_mode=bogus_mode",
    "! add-ucast-remote ls9 00:11:22:33:44:55 10.0.0.2",
    "get-replication-mode ls0",
    "get-replication-mode ls1",
    "list-ps",
    "list-ports br0",
    "list-ls",
    "list-bindings br0 p0",
    "list-bindings br0 p1",
    "list-local-macs ls0",
    "list-remote-macs ls0",
    "list-remote-macs ls1",
    "get Physical_Switch br0 name tunnel_ips management_ips description",
    "--columns=name,tunnel_key,replication_mode,description list Logical_Switch ls0",
    "--columns=name find Logical_Switch tunnel_key=5001",
    "--columns=dst_ip,encapsulation_type find Physical_Locator dst_ip=10.0.0.3",
    "show",
    "! del-ls ls0",
    "del-ucast-local ls0 00:aa:bb:cc:dd:ee",
    "del-ucast-remote ls0 00:11:22:33:44:55",
    "del-ucast-remote ls0 00:11:22:33:44:66",
    "del-mcast-local ls0 unknown-dst 10.0.0.1",
    "del-mcast-remote ls0 unknown-dst 10.0.0.2",
    "list-remote-macs ls0",
    "del-mcast-remote ls0 unknown-dst 10.0.0.3",
    "del-mcast-remote ls1 01:00:5e:00:00:01 10.0.0.2",
    "list-local-macs ls0",
    "list-remote-macs ls0",
    "--columns=dst_ip list Physical_Locator",
    "unbind-ls br0 p0 100",
    "unbind-ls br0 p1 0",
    "list-bindings br0 p0",
    "list-bindings br0 p1",
    "del-ls ls0",
    "! del-ls ls0",
    "--if-exists del-ls ls0",
    "list-ls",
    "del-port br0 p1",
    "list-ports br0",
    "del-ps br0",
    "list-ps",
    "! list-ports br0",
    "del-ls ls1",
    "list-ls",
    "show",
]


def canonical_show(text):
    """vtep-ctl show prints sets in UUID order (ports, bindings, ...), which
    differs between runs; sort sibling blocks at every indentation level."""
    lines = text.splitlines()

    def parse(i, indent):
        nodes = []
        while i < len(lines):
            line = lines[i]
            ind = len(line) - len(line.lstrip(" "))
            if ind < indent:
                break
            children, j = parse(i + 1, ind + 1)
            nodes.append((line, children))
            i = j
        return nodes, i

    def emit(nodes, first_level=False):
        out = []
        # Keep the first line (the Global row's UUID) first: it is not a child.
        rendered = ["\n".join([n[0]] + emit(n[1])) for n in nodes]
        if not first_level:
            rendered.sort()
        for r in rendered:
            out.extend(r.split("\n"))
        return out

    nodes, _ = parse(0, 0)
    return "\n".join(emit(nodes, first_level=True)) + ("\n" if text.endswith("\n") else "")


def run_script(srv, script=SCRIPT, remote=None):
    """Run the script against a server; return the UUID-normalised transcript."""
    r = remote or srv.unix
    out = []
    for entry in script:
        expect_fail = entry.startswith("! ")
        cmd = entry[2:] if expect_fail else entry
        p = st.vtep_ctl(r, *shlex.split(cmd), check=False)
        stdout = canonical_show(p.stdout) if cmd.split()[-1] == "show" else p.stdout
        out.append("$ vtep-ctl %s" % cmd)
        if stdout:
            out.append(stdout.rstrip("\n"))
        if p.stderr:
            out.append(st.normalize_log_prefix(p.stderr).rstrip("\n"))
        if p.returncode:
            out.append("[rc=%d]" % p.returncode)
        assert (p.returncode != 0) == expect_fail, "\n".join(out)
    return st.normalize_uuids("\n".join(out) + "\n")


def section(transcript, cmd):
    """Output lines of the first `$ vtep-ctl cmd` in the transcript."""
    lines = transcript.splitlines()
    i = lines.index("$ vtep-ctl %s" % cmd)
    out = []
    for line in lines[i + 1:]:
        if line.startswith("$ vtep-ctl "):
            break
        out.append(line)
    return out


def test_vtep_ctl_cycle(server, servers):
    t = run_script(server)
    if server.impl == "seam":
        st.assert_same_text(t, run_script(servers.start("ovs")))
        return
    # Key lines of ovsdb-server's behaviour (the whole transcript is what seam
    # is compared with).
    assert section(t, "list-ps") == ["br0"]
    assert section(t, "list-ports br0") == ["p0", "p1"]
    assert section(t, "list-ls") == ["ls0", "ls1"]
    assert section(t, "list-bindings br0 p0") == ["0100 ls0", "0200 ls1"]
    assert section(t, "list-bindings br0 p1") == ["0000 ls0"]
    assert section(t, "get-replication-mode ls0") == ["source_node"]
    assert section(t, "list-local-macs ls0") == [
        "ucast-mac-local", "  00:aa:bb:cc:dd:ee -> vxlan_over_ipv4/10.0.0.1", "",
        "mcast-mac-local", "  unknown-dst -> vxlan_over_ipv4/10.0.0.1"]
    assert section(t, "list-remote-macs ls0") == [
        "ucast-mac-remote",
        "  00:11:22:33:44:55 -> vxlan_over_ipv4/10.0.0.2",
        "  00:11:22:33:44:66 -> vxlan_over_ipv4/10.0.0.3", "",
        "mcast-mac-remote",
        "  unknown-dst -> vxlan_over_ipv4/10.0.0.2",
        "  unknown-dst -> vxlan_over_ipv4/10.0.0.3"]
    assert section(t, "get Physical_Switch br0 name tunnel_ips management_ips description") \
        == ["br0", '["10.0.0.1"]', '["127.0.0.1"]', '"peer test"']
    # Errors that come from the server (exact text seam must reproduce):
    err = section(t, "add-ucast-remote ls0 00:11:22:33:44:77 192.168.1.1 10.0.0.4")
    assert ('vtep-ctl: transaction error: {"details":"\\"192.168.1.1\\" is not one of the '
            'allowed values ([vxlan_over_ipv4])","error":"constraint violation"}') in err
    err = section(t, "del-ls ls0")
    assert any(l.startswith('vtep-ctl: transaction error: {"details":"cannot delete '
                            'Logical_Switch row <') and
               'because of 7 remaining reference(s)","error":"referential integrity violation"}'
               in l for l in err), err
    err = section(t, "bind-ls br0 p1 4096 ls0")
    assert any("4096 is not in the valid range 0 to 4095 (inclusive)" in l for l in err), err
    show = section(t, "show")
    assert show == [
        "<0>",                 # the Global row that the first vtep-ctl write created
        "    Physical_Switch br0",
        "        Physical_Port p0",
        "            vlan_bindings:",
        "                100=ls0",
        "                200=ls1",
        "        Physical_Port p1",
        "            vlan_bindings:",
        "                0=ls0",
        '        management_ips: ["127.0.0.1"]',
        '        tunnel_ips: ["10.0.0.1"]',
    ]
    # Physical_Locators are garbage-collected once no MAC refers to them.
    assert section(t, "--columns=dst_ip list Physical_Locator") == []
    # At the end only the Global row is left.
    assert t.rstrip().endswith("$ vtep-ctl show\n<0>")


def test_vtep_ctl_over_tcp(server):
    script = ["add-ls lsT", "set Logical_Switch lsT tunnel_key=77", "list-ls",
              "get Logical_Switch lsT tunnel_key", "del-ls lsT", "list-ls"]
    t = run_script(server, script, remote=server.tcp)
    assert section(t, "list-ls") == ["lsT"]
    assert section(t, "get Logical_Switch lsT tunnel_key") == ["77"]
    assert t.rstrip().endswith("$ vtep-ctl list-ls")


def test_vtep_ctl_transcript_is_deterministic(ovs_server, servers):
    """The normalisation is good enough: two ovsdb-server runs give the same
    transcript (otherwise the seam comparison would be flaky)."""
    assert run_script(ovs_server) == run_script(servers.start("ovs"))
