"""Stand-ins for an OVSDB server, for the client library tests.

`Proxy` forwards a unix socket to a real server's unix socket; `cut()` drops
every forwarded connection and refuses new ones until `resume()`, so a test
decides exactly when a client is disconnected, and what the server commits
meanwhile is what the client "missed".

`FakeServer` answers on a unix socket from a session recorded from a real
server (`record_session()`: the replies to the _Server monitor, get_schema
and monitor_cond_since the client library sends), then misbehaves on
purpose for the first connections (`faults`, one per connection, in order):

  "garbage"        after the initial contents, bytes that are not JSON
  "close-mid-reply" half of the get_schema reply, then close
  "unknown-row"    after the initial contents, an update3 that modifies a
                   row the client never saw
  "unknown-table"  an update3 for a table the schema does not have
  None             behave (every connection past the list behaves too)

`methods` names the monitor methods the fake knows (default: only
monitor_cond_since); it answers the others with the JSON-RPC error "unknown
method" (`unknown_error="object"`: {"error": "unknown method"} instead of the
bare string), like an older ovsdb-server.  monitor_cond replies and pushes
table-updates2 (update2), plain monitor table-updates (update, "new"/"old"
rows).  `server_db=False` also refuses the _Server monitor (no _Server
database).  `push(table, uuid, row)` inserts, modifies (scalar columns) or,
with row=None, deletes a row of the fake's copy of the database and sends the
change to every live monitor in that monitor's format; `drop()` closes every
connection (clients reconnect and resync); `requests` keeps
(connection, method, params) of each monitor request.

Everything runs in daemon threads; `close()` stops them and closes sockets.
"""

import json
import os
import socket
import threading
import time

import seamtest as st


class _Stream:
    """Incremental JSON-RPC framing on a socket (concatenated JSON texts)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = ""
        self.dec = json.JSONDecoder()
        self.send_lock = threading.Lock()

    def recv(self):
        """Next message, or None at EOF."""
        while True:
            s = self.buf.lstrip()
            if s:
                try:
                    obj, end = self.dec.raw_decode(s)
                    self.buf = s[end:]
                    return obj
                except ValueError:
                    pass
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data.decode(errors="replace")

    def send(self, obj):
        with self.send_lock:
            self.sock.sendall(json.dumps(obj).encode())


def record_session(remote, db):
    """Replies of a real server to what the client library asks on connect:
    {"server": monitor_cond _Server result, "schema": get_schema result,
     "since": monitor_cond_since result (all tables, all columns)}."""
    with st.Rpc(remote) as rpc:
        server = rpc.call("monitor_cond", ["_Server", ["server-mon"], {"Database": [{
            "columns": ["name", "model", "connected", "leader", "cid", "index"],
            "where": [["name", "==", db]]}]}])
        schema = rpc.call("get_schema", [db])
        reqs = {}
        for t, ts in schema["result"]["tables"].items():
            reqs[t] = [{"columns": sorted(ts["columns"])}]
        since = rpc.call("monitor_cond_since", [db, "rec", reqs,
                                                "00000000-0000-0000-0000-000000000000"])
    for r in (server, schema, since):
        assert r.get("error") is None, r
    return {"server": server["result"], "schema": schema["result"],
            "since": since["result"]}


MONITOR_METHODS = ("monitor_cond_since", "monitor_cond", "monitor")


class FakeServer:
    def __init__(self, path, session, faults=(), methods=("monitor_cond_since",),
                 unknown_error="string", server_db=True):
        self.path = str(path)
        self.session = session
        self.faults = list(faults)
        self.methods = set(methods)
        assert self.methods <= set(MONITOR_METHODS), methods
        self.unknown_error = unknown_error
        self.server_db = server_db
        # The fake's copy of the database: {table: {uuid: row}} (update2 rows).
        self.rows = {t: {u: dict(ch["initial"]) for u, ch in rows.items()}
                     for t, rows in session["since"][2].items()}
        self.monitors = []          # [stream, connection, method, monitor id]
        self.requests = []          # (connection, method, params)
        self.last_txn = session["since"][1]
        self.n_txn = 0
        self.n_connections = 0
        self.log = []               # (connection number, event) for diagnostics
        self.lock = threading.Lock()
        self.closing = False
        self.conns = []
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(self.path)
        self.listener.listen(16)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def remote(self):
        return "unix:%s" % self.path

    def _accept(self):
        while not self.closing:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.n_connections += 1
                n = self.n_connections
                fault = self.faults[n - 1] if n <= len(self.faults) else None
                self.conns.append(sock)
            threading.Thread(target=self._serve, args=(sock, n, fault), daemon=True).start()

    def _note(self, n, what):
        with self.lock:
            self.log.append((n, what))

    def _serve(self, sock, n, fault):
        stream = _Stream(sock)
        try:
            self._session(stream, n, fault)
        except OSError:
            pass
        finally:
            with self.lock:
                self.monitors = [m for m in self.monitors if m[0] is not stream]
            try:
                sock.close()
            except OSError:
                pass

    def _session(self, stream, n, fault):
        while True:
            msg = stream.recv()
            if msg is None:
                self._note(n, "eof")
                return
            method, rid = msg.get("method"), msg.get("id")
            if method is None:
                continue        # a reply (to our echo): nothing to do
            self._note(n, method)
            if method == "echo":
                stream.send({"result": msg.get("params", []), "error": None, "id": rid})
            elif method == "monitor_cond" and msg["params"][0] == "_Server":
                if not self.server_db:
                    self._unknown(stream, rid)
                    continue
                stream.send({"result": self.session["server"], "error": None, "id": rid})
            elif method == "get_schema":
                reply = json.dumps({"result": self.session["schema"], "error": None,
                                    "id": rid}).encode()
                if fault == "close-mid-reply":
                    stream.sock.sendall(reply[:len(reply) // 2])
                    self._note(n, "closed mid-reply")
                    return
                stream.sock.sendall(reply)
            elif method in MONITOR_METHODS:
                with self.lock:
                    self.requests.append((n, method, msg["params"]))
                if method not in self.methods:
                    self._unknown(stream, rid)
                    continue
                mon_id = msg["params"][1]
                res = self.session["since"]
                with self.lock:
                    if method == "monitor_cond_since":
                        result = [False, self.last_txn, self._updates2(self.rows, "initial")]
                    elif method == "monitor_cond":
                        result = self._updates2(self.rows, "initial")
                    else:
                        result = {t: {u: {"new": dict(r)} for u, r in rows.items()}
                                  for t, rows in self.rows.items() if rows}
                    stream.send({"result": result, "error": None, "id": rid})
                    self.monitors.append([stream, n, method, mon_id])
                self._misbehave(stream, n, fault, mon_id, res)
            elif method in ("lock", "steal"):
                stream.send({"result": {"locked": True}, "error": None, "id": rid})
            elif method in ("unlock", "monitor_cancel", "monitor_cond_change"):
                if method == "monitor_cancel":
                    with self.lock:
                        self.monitors = [m for m in self.monitors
                                         if not (m[0] is stream and [m[3]] == msg["params"])]
                stream.send({"result": {}, "error": None, "id": rid})
            elif method == "transact":
                stream.send({"result": None, "error": "not supported by the fake",
                             "id": rid})
            else:
                self._unknown(stream, rid)

    def _unknown(self, stream, rid):
        error = "unknown method"
        if self.unknown_error == "object":
            error = {"error": "unknown method"}
        stream.send({"result": None, "error": error, "id": rid})

    @staticmethod
    def _updates2(rows, kind):
        return {t: {u: {kind: dict(r)} for u, r in trows.items()}
                for t, trows in rows.items() if trows}

    def push(self, table, uuid, row):
        """Insert (uuid new), modify (only the scalar columns in `row`) or
        delete (row=None) a row; send the change to every live monitor.
        Returns how many monitors it was sent to."""
        with self.lock:
            trows = self.rows.setdefault(table, {})
            old = trows.get(uuid)
            if row is None:
                assert old is not None, uuid
                del trows[uuid]
                u2, u1 = {"delete": None}, {"old": old}
            elif old is None:
                trows[uuid] = dict(row)
                u2, u1 = {"insert": dict(row)}, {"new": dict(row)}
            else:
                for v in list(row.values()) + [old.get(c) for c in row]:
                    assert not (isinstance(v, list) and v and v[0] in ("set", "map")), \
                        "push modifies scalar columns only"
                new = dict(old, **row)
                trows[uuid] = new
                u2 = {"modify": dict(row)}
                u1 = {"old": {c: old[c] for c in row if c in old}, "new": new}
            self.n_txn += 1
            self.last_txn = "%08x-0000-4000-8000-%012x" % (0x5ea30000, self.n_txn)
            sent = 0
            for stream, n, method, mon_id in list(self.monitors):
                if method == "monitor_cond_since":
                    msg = {"id": None, "method": "update3",
                           "params": [mon_id, self.last_txn, {table: {uuid: u2}}]}
                elif method == "monitor_cond":
                    msg = {"id": None, "method": "update2",
                           "params": [mon_id, {table: {uuid: u2}}]}
                else:
                    msg = {"id": None, "method": "update",
                           "params": [mon_id, {table: {uuid: u1}}]}
                try:
                    stream.send(msg)
                    sent += 1
                except OSError:
                    self.monitors.remove([stream, n, method, mon_id])
            self.log.append((0, "pushed %s %s to %d monitors" % (table, uuid, sent)))
            return sent

    def drop(self):
        """Close every connection (the listener stays): clients reconnect."""
        with self.lock:
            conns, self.conns = self.conns, []
            self.monitors = []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def monitor_methods(self):
        """Methods of the monitors currently live, in order."""
        with self.lock:
            return [m[2] for m in self.monitors]

    def _misbehave(self, stream, n, fault, mon_id, res):
        if fault == "garbage":
            stream.sock.sendall(b'\x00\xff}{garbage ]]')
            self._note(n, "sent garbage")
        elif fault == "unknown-row":
            stream.send({"id": None, "method": "update3", "params": [
                mon_id, "11111111-1111-4111-8111-111111111111",
                {"Logical_Switch": {"22222222-2222-4222-8222-222222222222": {
                    "modify": {"name": "ghost"}}}}]})
            self._note(n, "sent update of unknown row")
        elif fault == "unknown-table":
            stream.send({"id": None, "method": "update3", "params": [
                mon_id, "11111111-1111-4111-8111-111111111111",
                {"No_Such_Table": {"22222222-2222-4222-8222-222222222222": {
                    "insert": {"name": "ghost"}}}}]})
            self._note(n, "sent update of unknown table")

    def close(self):
        self.closing = True
        try:
            self.listener.close()
        except OSError:
            pass
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
        try:
            os.unlink(self.path)
        except OSError:
            pass


class Proxy:
    """Unix-socket forwarder: listens on `path`, connects each client to
    `target` (a "unix:PATH" remote)."""

    def __init__(self, path, target):
        self.path = str(path)
        self.target = target
        self.lock = threading.Lock()
        self.pairs = []
        self.n_accepted = 0
        self.upstream_log = bytearray()     # every byte passed client -> server
        self.listener = None
        self.closing = False
        self.flowing = threading.Event()    # server -> client data may pass
        self.flowing.set()
        self.upstream = threading.Event()   # client -> server data may pass
        self.upstream.set()
        self.resume()

    @property
    def remote(self):
        return "unix:%s" % self.path

    def resume(self):
        """Listen (again)."""
        with self.lock:
            assert self.listener is None
            if os.path.exists(self.path):
                os.unlink(self.path)
            lst = socket.socket(socket.AF_UNIX)
            lst.bind(self.path)
            lst.listen(16)
            self.listener = lst
        threading.Thread(target=self._accept, args=(lst,), daemon=True).start()

    def _accept(self, lst):
        while True:
            try:
                c, _ = lst.accept()
            except OSError:
                return
            try:
                s = st.connect_socket(self.target)
                s.settimeout(None)
            except OSError:
                c.close()
                continue
            with self.lock:
                if self.listener is not lst:
                    c.close()
                    s.close()
                    return
                self.n_accepted += 1
                self.pairs.append((c, s))
            for a, b, gate in ((c, s, self.upstream), (s, c, self.flowing)):
                threading.Thread(target=self._pump, args=(a, b, gate), daemon=True).start()

    def upstream_count(self, needle):
        """How many times `needle` (bytes) has passed client -> server."""
        with self.lock:
            return self.upstream_log.count(needle)

    def _pump(self, a, b, gate):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                gate.wait()
                b.sendall(data)
                if gate is self.upstream:
                    with self.lock:
                        self.upstream_log += data
        except OSError:
            pass
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def hold(self, both=False):
        """Keep what the server sends from the client (requests still pass;
        both=True: keep the client's bytes from the server too, a server gone
        silent).  New connections are held as well until release()."""
        self.flowing.clear()
        if both:
            self.upstream.clear()

    def release(self):
        self.upstream.set()
        self.flowing.set()

    def cut(self):
        """Drop every connection and refuse new ones until resume()."""
        with self.lock:
            lst, self.listener = self.listener, None
            pairs, self.pairs = self.pairs, []
        if lst is not None:
            lst.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass
        for c, s in pairs:
            for x in (c, s):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                x.close()

    def close(self):
        self.release()
        self.cut()


def wait_for(pred, timeout=10.0, what="condition"):
    return st.wait_until(pred, timeout=timeout, what=what)


__all__ = ["FakeServer", "Proxy", "record_session", "wait_for", "time"]
