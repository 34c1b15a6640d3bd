"""Helpers of seamctl's tests (tests/cli): running seamctl against a
server (Api), a fake server (FakeServer), free ports.  A module of its own,
not conftest.py, so that test modules can import it whatever other suites
run in the same pytest."""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import socket

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pylib"))
from seamcommon import REPO, build_dir, run_command, wait_until  # noqa: E402,F401


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seamctl_path():
    return build_dir() / "seamctl"


class Api:
    """A server under test and a way to run seamctl against it."""

    def __init__(self, kind, url, token=None):
        self.kind = kind
        self.url = url
        self.token = token

    def run(self, *args, env=None, input=None):
        """Runs seamctl with --url (and --token) and 'args'; returns the
        CompletedProcess (stdout, stderr, returncode)."""
        cmd = [seamctl_path(), "--url", self.url]
        if self.token:
            cmd += ["--token", self.token]
        return run_command(cmd + list(args), env=env, input=input)

    def ok(self, *args):
        """Runs seamctl, requires exit 0, returns stdout."""
        p = self.run(*args)
        assert p.returncode == 0, "seamctl %s: rc=%d\n%s%s" % (
            " ".join(args), p.returncode, p.stdout, p.stderr)
        return p.stdout

    def json(self, *args):
        """Runs seamctl -f json, requires exit 0, returns the parsed JSON."""
        return json.loads(self.ok("-f", "json", *args))


class FakeServer:
    """An HTTP server answering from 'routes' {(method, path): (status,
    body[, delay in seconds])}; path includes the query string; a body that
    is not a str is sent as JSON.  Unrouted requests get 404 with a NeutronError.  Each
    request is recorded in 'requests' as a dict (method, path, headers,
    body)."""

    def __init__(self, tls_context=None):
        self.routes = {}
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode() if n else None
                fake.requests.append({"method": self.command, "path": self.path,
                                      "headers": dict(self.headers), "body": body})
                status, reply, *delay = fake.routes.get(
                    (self.command, self.path),
                    (404, {"NeutronError": {"type": "HTTPNotFound",
                                            "message": "no route", "detail": ""}}))
                if delay:
                    time.sleep(delay[0])
                data = (reply if isinstance(reply, str) else json.dumps(reply)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls_context:
            self.server.socket = tls_context.wrap_socket(self.server.socket,
                                                         server_side=True)
        self.port = self.server.server_address[1]
        self.url = "%s://127.0.0.1:%d" % ("https" if tls_context else "http",
                                          self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def api(self, token=None):
        return Api("fake", self.url, token)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


