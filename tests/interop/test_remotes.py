"""Remotes beyond the listeners given on the command line, for ovsdb-server
and seam-ovsdb alike: "db:DB,TABLE,COLUMN" remotes that follow the database
(vtep-ctl set-manager / del-manager, as a TOR's OVSDB server is run), and
active remotes, where the server dials out and serves that connection (how
a hardware VTEP reaches its controller)."""

import json
import socket
import subprocess

import pytest

import seamtest as st
from seamcommon import Controller

DB = "hardware_vtep"


def vtep_ctl(srv, *args):
    return subprocess.run(["vtep-ctl", "--db=" + srv.unix] + list(args),
                          capture_output=True, text=True, timeout=20, check=True)


def listens(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("impl", ["ovs", "seam"], indirect=True)
def test_manager_table_remotes(impl, servers):
    """set-manager ptcp:PORT opens a listener that serves the database;
    del-manager closes it; the command-line remotes stay."""
    srv = servers.start(impl, extra_args=["--remote=db:hardware_vtep,Global,managers"])
    port = st.free_tcp_port()
    vtep_ctl(srv, "set-manager", "ptcp:%d:127.0.0.1" % port)
    st.wait_until(lambda: listens(port), 10, "the manager listener")
    with st.Rpc("tcp:127.0.0.1:%d" % port) as c:
        assert DB in c.call("list_dbs", [])["result"]
    vtep_ctl(srv, "del-manager")
    st.wait_until(lambda: not listens(port), 10, "the manager listener to close")
    with st.Rpc(srv.unix) as c:
        assert DB in c.call("list_dbs", [])["result"]


@pytest.mark.parametrize("impl", ["ovs", "seam"], indirect=True)
def test_active_remote_serves_and_redials(impl, servers):
    """--remote=tcp:IP:PORT: the server connects to the controller and
    answers its requests on that connection; when the controller drops it,
    the server dials again."""
    ctl = Controller()
    try:
        servers.start(impl, extra_args=["--remote=tcp:127.0.0.1:%d" % ctl.port])
        st.wait_until(lambda: ctl.conns, 10, "the server to dial the controller")
        reply = ctl.call(ctl.conns[0], "list_dbs", [])
        assert DB in reply["result"]
        ctl.close()
        st.wait_until(lambda: ctl.conns, 20, "the server to dial again")
        assert DB in ctl.call(ctl.conns[0], "list_dbs", [])["result"]
    finally:
        ctl.shutdown()


def manager_state(srv):
    out = vtep_ctl(srv, "--columns=is_connected,status", "--format=json", "list",
                   "Manager").stdout
    rows = json.loads(out)["data"]
    if len(rows) != 1:
        return None
    connected, status = rows[0]
    return connected, dict(status[1])


@pytest.mark.parametrize("impl", ["ovs", "seam"], indirect=True)
def test_manager_status_follows_the_connection(impl, servers):
    """set-manager tcp:CONTROLLER: the Manager row's is_connected and
    status:state say whether the server is connected to it, as the
    connection comes and goes."""
    ctl = Controller()
    try:
        srv = servers.start(impl, extra_args=["--remote=db:hardware_vtep,Global,managers"])
        vtep_ctl(srv, "set-manager", "tcp:127.0.0.1:%d" % ctl.port)
        st.wait_until(lambda: ctl.conns, 10, "the server to dial the controller")
        st.wait_until(lambda: (manager_state(srv) or (0, {}))[0] is True
                      and manager_state(srv)[1].get("state") == "ACTIVE",
                      10, "is_connected=true, state=ACTIVE")
        ctl.shutdown()
        st.wait_until(lambda: manager_state(srv)[0] is False
                      and manager_state(srv)[1].get("state") in ("BACKOFF", "CONNECTING"),
                      15, "is_connected=false after the controller went away")
    finally:
        ctl.shutdown()


@pytest.mark.parametrize("impl", ["ovs", "seam"], indirect=True)
def test_active_remote_probes_a_silent_controller(impl, servers):
    """A controller that accepts but never answers the echo probe is
    dropped (5 s probe, then 5 s more) and dialled again."""
    ctl = Controller()
    try:
        servers.start(impl, extra_args=["--remote=tcp:127.0.0.1:%d" % ctl.port])
        st.wait_until(lambda: ctl.conns, 10, "the server to dial the controller")
        st.wait_until(lambda: len(ctl.conns) >= 2, 25,
                      "the server to give up on the silent controller and dial again")
    finally:
        ctl.shutdown()
