"""SSL remotes (--remote=pssl:PORT:127.0.0.1 with --private-key, --certificate,
--ca-cert), with a CA and certificates made by the openssl command for this
run.  Peers must present a certificate signed by the server's CA."""

import json
import shutil
import socket
import ssl

import pytest

import seamtest as st

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def openssl(*args):
    st.run(["openssl"] + [str(a) for a in args], check=True, timeout=30)


@pytest.fixture(scope="session")
def pki():
    """ca1 signs server and client; ca2 signs the intruder."""
    d = st.tempdir("si-pki-")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca1", "ca2"):
        openssl("req", "-x509", *ec, "-keyout", d / ("%s.key" % ca), "-out", d / ("%s.crt" % ca),
                "-days", "2", "-subj", "/CN=seam interop %s" % ca)
    for name, ca in (("server", "ca1"), ("client", "ca1"), ("intruder", "ca2")):
        openssl("req", *ec, "-keyout", d / ("%s.key" % name), "-out", d / ("%s.csr" % name),
                "-subj", "/CN=%s" % name)
        openssl("x509", "-req", "-in", d / ("%s.csr" % name), "-CA", d / ("%s.crt" % ca),
                "-CAkey", d / ("%s.key" % ca), "-CAcreateserial",
                "-CAserial", d / ("%s.srl" % ca), "-out", d / ("%s.crt" % name), "-days", "2")
    yield {n: str(d / n) for n in ("ca1.crt", "ca2.crt", "server.key", "server.crt",
                                   "client.key", "client.crt", "intruder.key", "intruder.crt")}
    st.rmtree(d)


@pytest.fixture
def ssl_server(impl, servers, pki):
    return servers.start(impl, ssl={"key": pki["server.key"], "cert": pki["server.crt"],
                                    "ca": pki["ca1.crt"]})


def client_args(pki, who="client", ca="ca1.crt"):
    return ["--private-key=%s" % pki["%s.key" % who], "--certificate=%s" % pki["%s.crt" % who],
            "--ca-cert=%s" % pki[ca]]


def test_ssl_list_dbs(ssl_server, pki):
    out = st.ovsdb_client(*client_args(pki), "list-dbs", ssl_server.ssl_remote).stdout
    assert sorted(out.split()) == ["_Server", "hardware_vtep"]


def test_ssl_transact_and_vtep_ctl(ssl_server, pki):
    r = ssl_server.ssl_remote
    out = st.ovsdb_client(*client_args(pki), "transact", r, json.dumps(
        ["hardware_vtep", {"op": "insert", "table": "Logical_Switch", "row": {"name": "ls-ssl"}}]))
    assert st.normalize_uuids(out.stdout) == '[{"uuid":["uuid","<0>"]}]\n'
    p = st.run([st.VTEP_CTL, "--db=%s" % r, "--timeout=10", "-p", pki["client.key"],
                "-c", pki["client.crt"], "-C", pki["ca1.crt"], "list-ls"], check=True)
    assert p.stdout == "ls-ssl\n"
    # The same data over the other remotes.
    assert st.vtep_ctl(ssl_server.unix, "list-ls").stdout == "ls-ssl\n"


def test_ssl_client_from_other_ca_is_refused(ssl_server, pki):
    p = st.ovsdb_client(*client_args(pki, "intruder"), "list-dbs", ssl_server.ssl_remote,
                        timeout=5, check=False)
    assert p.returncode != 0, p.stdout
    assert "hardware_vtep" not in p.stdout
    # Good clients are still served.
    out = st.ovsdb_client(*client_args(pki), "list-dbs", ssl_server.ssl_remote).stdout
    assert "hardware_vtep" in out.split()


def test_ssl_server_checked_by_client(ssl_server, pki):
    """A client that trusts only ca2 refuses the server's certificate."""
    p = st.ovsdb_client(*client_args(pki, "intruder", "ca2.crt"), "list-dbs",
                        ssl_server.ssl_remote, timeout=5, check=False)
    assert p.returncode != 0 and "hardware_vtep" not in p.stdout


def raw_tls_list_dbs(port, pki, cert=True):
    """A TLS client written with Python's ssl module; returns the reply text,
    or the exception that ended the exchange."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(pki["ca1.crt"])
    if cert:
        ctx.load_cert_chain(pki["client.crt"], pki["client.key"])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with ctx.wrap_socket(raw) as s:
                s.sendall(b'{"method":"list_dbs","params":[],"id":1}')
                data = b""
                while b"}" not in data:
                    d = s.recv(4096)
                    if not d:
                        return "closed"
                    data += d
                return data.decode()
    except (ssl.SSLError, ConnectionError, socket.timeout) as e:
        return e


def test_ssl_client_without_certificate_is_refused(ssl_server, pki):
    out = raw_tls_list_dbs(ssl_server.ssl_port, pki, cert=False)
    assert not (isinstance(out, str) and "hardware_vtep" in out), out
    good = raw_tls_list_dbs(ssl_server.ssl_port, pki, cert=True)
    assert isinstance(good, str) and "hardware_vtep" in good, good


def test_plain_tcp_to_ssl_port(ssl_server, pki):
    """Plain JSON-RPC sent to the SSL port gets no JSON-RPC reply."""
    with socket.create_connection(("127.0.0.1", ssl_server.ssl_port), timeout=5) as s:
        s.sendall(b'{"method":"list_dbs","params":[],"id":1}')
        try:
            data = s.recv(4096)
        except (ConnectionError, socket.timeout):
            data = b""
    assert b"hardware_vtep" not in data
    assert st.ovsdb_client(*client_args(pki), "list-dbs", ssl_server.ssl_remote).returncode == 0
