#!/usr/bin/python3
"""Regenerates tests/unit/data/ovsdb/*/expect.json from the real ovsdb-server.

Usage: /usr/bin/python3 tests/unit/data/ovsdb/regen.py [case...]
       /usr/bin/python3 tests/unit/data/ovsdb/regen.py --server [steps.json...]
(--server: see regen_server(); test_server.c reads those files.)

For each case directory (one holding txns.json): creates a database from the
case's schema.json (default: ../vtep.ovsschema) with ovsdb-tool, starts
/usr/sbin/ovsdb-server on a unix socket in a temporary directory, sends each
transaction of txns.json raw over JSON-RPC ("transact", [db, op...]), then a
final transaction selecting every table, normalises everything (see
normalise()), writes expect.json and kills the server by its pid.

Normalisation (test_execution.c does exactly the same):
  - every UUID, whole string or inside a string (error details), is
    replaced by "<N>", N counting in order of first appearance across the
    whole case, walking arrays in order and objects in sorted key order;
  - but first, the rows of every "rows" array are sorted by the canonical
    text (below) of their normalised form in which UUIDs not yet numbered
    are written "<?>" (nothing is numbered by this);
  - the members of an error object ("details", "syntax") number no UUID
    (unknown ones become "<?>"), so that the numbering does not depend on
    their wording;
  - the elements of every ["set", [...]] and ["map", [...]] are sorted by
    the canonical text of their normalised form (UUID sets come in UUID
    order, which differs from run to run).
Canonical text: objects with sorted keys, strings quoted without escaping,
integral numbers as integers, other numbers as "%.17g".

expect.json: {"results": [result-array per transaction],
              "dump": {table: [rows...], ...}}
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
UUID_RE = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')


class Rpc:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = ''
        self.dec = json.JSONDecoder()
        self.next_id = 0
        self.notes = []

    def send(self, obj):
        self.sock.sendall(json.dumps(obj).encode())

    def recv(self, timeout=10):
        deadline = time.time() + timeout
        while True:
            s = self.buf.lstrip()
            if s:
                try:
                    obj, end = self.dec.raw_decode(s)
                    self.buf = s[end:]
                    return obj
                except ValueError:
                    pass
            self.sock.settimeout(max(0.01, deadline - time.time()))
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data.decode()

    def call(self, method, params):
        self.next_id += 1
        rid = self.next_id
        self.send({"method": method, "params": params, "id": rid})
        while True:
            msg = self.recv()
            if msg.get("id") == rid:
                return msg
            if msg.get("method") == "echo":
                self.send({"result": msg["params"], "error": None, "id": msg["id"]})
            else:
                self.notes.append(msg)


class Server:
    """ovsdb-server on a unix socket in a temporary directory."""

    def __init__(self, schema_path):
        self.dir = tempfile.mkdtemp(prefix='seam-regen-')
        self.db = os.path.join(self.dir, 'db')
        subprocess.check_call(['ovsdb-tool', 'create', self.db, schema_path])
        self.sock = os.path.join(self.dir, 'sock')
        self.proc = subprocess.Popen(
            ['/usr/sbin/ovsdb-server', '--no-chdir',
             '--remote=punix:' + self.sock,
             '--unixctl=' + os.path.join(self.dir, 'ctl'),
             '--pidfile=' + os.path.join(self.dir, 'pid'),
             '--log-file=' + os.path.join(self.dir, 'log'),
             '-vconsole:off', self.db], stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(self.sock):
            if time.time() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError('ovsdb-server did not start')
            time.sleep(0.02)

    def connect(self):
        return Rpc(self.sock)

    def close(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, 15)
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def canon(v):
    if isinstance(v, dict):
        return '{' + ','.join('"%s":%s' % (k, canon(v[k])) for k in sorted(v)) + '}'
    if isinstance(v, list):
        return '[' + ','.join(canon(x) for x in v) + ']'
    if isinstance(v, str):
        return '"' + v + '"'
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if v is None:
        return 'null'
    if isinstance(v, int) or float(v).is_integer():
        return '%d' % v
    return '%.17g' % v


class Normaliser:
    def __init__(self, keys=False):
        self.map = {}
        self.keys = keys        # Also number UUIDs in object keys.

    def norm(self, v, assign):
        if isinstance(v, dict):
            out = {}
            for k in sorted(v):
                x = v[k]
                nk = self.norm(k, assign) if self.keys else k
                if k == 'rows' and isinstance(x, list):
                    x = sorted(x, key=lambda r: canon(self.norm(r, False)))
                # An error's "details" and "syntax" number no new UUIDs, so
                # that the numbering does not depend on their wording.
                out[nk] = self.norm(x, assign and not isinstance(v.get('error'), str))
            return out
        if isinstance(v, list):
            out = [self.norm(x, assign) for x in v]
            if (len(out) == 2 and out[0] in ('set', 'map')
                    and isinstance(out[1], list)):
                out[1] = sorted(out[1], key=canon)
            return out
        if isinstance(v, str):
            def sub(m):
                u = m.group(0)
                if u not in self.map:
                    if not assign:
                        return '<?>'
                    self.map[u] = '<%d>' % len(self.map)
                return self.map[u]
            return UUID_RE.sub(sub, v)
        return v

    def __call__(self, v):
        return self.norm(v, True)


def regen_case(case_dir):
    schema_path = os.path.join(case_dir, 'schema.json')
    if not os.path.exists(schema_path):
        schema_path = os.path.join(HERE, 'vtep.ovsschema')
    schema = json.load(open(schema_path))
    txns = json.load(open(os.path.join(case_dir, 'txns.json')))
    server = Server(schema_path)
    try:
        rpc = server.connect()
        results = []
        for ops in txns:
            reply = rpc.call('transact', [schema['name']] + ops)
            if reply.get('error') is not None:
                raise RuntimeError('%s: transact error %r' % (case_dir, reply))
            results.append(reply['result'])
        tables = sorted(schema['tables'])
        reply = rpc.call('transact', [schema['name']] +
                         [{"op": "select", "table": t, "where": []} for t in tables])
        dump = {t: r for t, r in zip(tables, reply['result'])}
    finally:
        server.close()
    norm = Normaliser()
    out = {"results": norm(results),
           "dump": {t: norm(dump[t])['rows'] for t in tables}}
    with open(os.path.join(case_dir, 'expect.json'), 'w') as f:
        f.write(json.dumps(out, indent=1, sort_keys=True) + '\n')


def regen_server(path):
    """server/<name>.steps.json: a list of steps {"session": i (default 0),
    "send": request}; writes server/<name>.expect.json: for each step, the
    messages every session received (sessions as "0", "1", ...) until the
    reply to the request and a short quiet time after it, normalised with
    UUIDs in object keys numbered too (explicit UUIDs in the requests keep
    the order deterministic)."""
    steps = json.load(open(path))
    server = Server(os.path.join(HERE, 'vtep.ovsschema'))
    out = []
    try:
        n = 1 + max(st.get('session', 0) for st in steps)
        rpcs = [server.connect() for _ in range(n)]
        for st in steps:
            rpc = rpcs[st.get('session', 0)]
            rpc.send(st['send'])
            got = {str(i): [] for i in range(n)}
            rid = st['send'].get('id')
            deadline = time.time() + (10 if rid is not None else 0.3)
            replied = rid is None
            while time.time() < deadline:
                for i, r in enumerate(rpcs):
                    try:
                        msg = r.recv(timeout=0.05)
                    except (socket.timeout, TimeoutError):
                        continue
                    got[str(i)].append(msg)
                    if r is rpc and msg.get('id') == rid and 'method' not in msg:
                        replied = True
                        deadline = min(deadline, time.time() + 0.3)
            if not replied:
                raise RuntimeError('%s: no reply to %r' % (path, st['send']))
            out.append(got)
    finally:
        server.close()
    norm = Normaliser(keys=True)
    with open(path.replace('.steps.json', '.expect.json'), 'w') as f:
        f.write(json.dumps(norm(out), indent=1, sort_keys=True) + '\n')


def main():
    if sys.argv[1:2] == ['--server']:
        for p in sys.argv[2:] or sorted(
                os.path.join(HERE, 'server', f)
                for f in os.listdir(os.path.join(HERE, 'server'))
                if f.endswith('.steps.json')):
            regen_server(p)
            print('regenerated', p)
        return
    names = sys.argv[1:] or sorted(
        d for d in os.listdir(HERE)
        if os.path.exists(os.path.join(HERE, d, 'txns.json')))
    for name in names:
        regen_case(os.path.join(HERE, os.path.basename(name.rstrip('/'))))
        print('regenerated', name)


if __name__ == '__main__':
    main()
