"""ovn-controller-vtep programs seam-vtep's embedded hardware_vtep DB (issue
item 5), following /work/shared/peers/04-ovn-controller-vtep.sh: OVN NB and
SB ovsdb-servers and ovn-northd started by hand, the hypervisor chassis faked
in the SB with chassis-add / lsp-bind."""

import shutil

import pytest

import vtepnet as vn

NEEDED = ("ovn-controller-vtep", "ovn-northd", "ovn-nbctl", "ovn-sbctl")


@pytest.mark.skipif(any(shutil.which(t) is None for t in NEEDED),
                    reason="ovn-controller-vtep / OVN central not installed here "
                           "(`which ovn-controller-vtep` finds nothing)")
def test_ovn_controller_vtep_programs_seam_vtep(make_lab, procs):
    lab = make_lab(peers=1, hosts={"p0": None, "p1": None})
    vtep = lab.vtep
    lab.configure([("p0", 100), ("p1", 0)], ls="lswitch0", unknown_dst=[])

    dbs = {}
    for name, schema in (("nb", "/usr/share/ovn/ovn-nb.ovsschema"),
                         ("sb", "/usr/share/ovn/ovn-sb.ovsschema")):
        d = procs.dir(name)
        vn.run(["ovsdb-tool", "create", d / "db.db", schema])
        p = vn.Process("ovsdb-" + name, None, d,
                       ["ovsdb-server", "--no-chdir", "--pidfile=%s" % (d / "pid"),
                        "--log-file=%s" % (d / "log"), "--unixctl=%s" % (d / "ctl"),
                        "--remote=punix:%s" % (d / "sock"), d / "db.db"],
                       d / "pid", d / "log")
        procs.procs.append(p)
        p.wait_pidfile()
        vn.wait_until((d / "sock").exists, 10, name + " socket")
        dbs[name] = "unix:%s" % (d / "sock")
    nb = lambda *a: vn.run(["ovn-nbctl", "--db=" + dbs["nb"]] + list(a)).stdout  # noqa: E731
    sb = lambda *a: vn.run(["ovn-sbctl", "--db=" + dbs["sb"]] + list(a)).stdout  # noqa: E731
    for name, argv in (
            ("ovn-northd", ["ovn-northd", "--ovnnb-db=" + dbs["nb"], "--ovnsb-db=" + dbs["sb"]]),
            ("ovn-controller-vtep", ["ovn-controller-vtep", "--vtep-db=" + vtep.remote,
                                     "--ovnsb-db=" + dbs["sb"]])):
        d = procs.dir(name)
        # ovn-controller-vtep 23.03 has no --unixctl option; its control socket goes to
        # OVN_RUNDIR, which the fixture points at the test's own directory.
        p = vn.Process(name, None, d, argv + ["--no-chdir", "--pidfile=%s" % (d / "pid"),
                                              "--log-file=%s" % (d / "log")],
                       d / "pid", d / "log",
                       extra_env={"OVN_RUNDIR": str(d), "OVS_RUNDIR": str(d)})
        procs.procs.append(p)
        p.wait_pidfile()

    vn.wait_until(lambda: "lswitch0" in sb("--bare", "--columns=vtep_logical_switches",
                                           "find", "Chassis", "name=br0"),
                  15, "SB Chassis br0 with vtep_logical_switches lswitch0")
    nb("ls-add", "ls0")
    nb("lsp-add", "ls0", "ls0-vtep", "--", "lsp-set-type", "ls0-vtep", "vtep",
       "--", "lsp-set-options", "ls0-vtep", "vtep-physical-switch=br0",
       "vtep-logical-switch=lswitch0", "--", "lsp-set-addresses", "ls0-vtep", "unknown")
    nb("lsp-add", "ls0", "vm1", "--", "lsp-set-addresses", "vm1", "f0:00:00:00:00:01 192.168.0.11")
    nb("--wait=sb", "sync")
    sb("chassis-add", "hv1", "vxlan", "10.99.0.2")
    sb("lsp-bind", "vm1", "hv1")

    key = vn.wait_until(lambda: vtep.ctl("get", "Logical_Switch", "lswitch0",
                                         "tunnel_key").strip().isdigit()
                        and vtep.ctl("get", "Logical_Switch", "lswitch0", "tunnel_key").strip(),
                        15, "tunnel_key on lswitch0")
    assert key == sb("--bare", "--columns=tunnel_key", "list", "Datapath_Binding").split()[0]
    vn.wait_until(lambda: "f0:00:00:00:00:01 -> vxlan_over_ipv4/10.99.0.2"
                  in vtep.ctl("list-remote-macs", "lswitch0"), 15, "Ucast_Macs_Remote vm1")
    # seam-vtep applied what ovn-controller-vtep wrote: a Tunnel to hv1.
    locs = vtep.ctl.locators()
    vn.wait_until(lambda: "10.99.0.2" in [locs.get(t["remote"]) or vtep.ctl.locators()
                                          .get(t["remote"]) for t in vtep.ctl.rows("Tunnel")],
                  10, "a Tunnel to hv1")
    ch = sb("--bare", "--columns=chassis", "find", "Port_Binding", "logical_port=ls0-vtep").strip()
    assert sb("get", "Chassis", ch, "name").strip().strip('"') == "br0"
