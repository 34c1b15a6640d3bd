#!/usr/bin/env python3
"""Fill a hardware_vtep database with remote MACs for vtep-bench.sh.

Inserts ROWS Ucast_Macs_Remote rows into the existing Logical_Switch LS, all
pointing at ONE Physical_Locator (vxlan_over_ipv4, DST_IP): MAC i is
BASE + i (48-bit).  Raw RFC 7047 JSON-RPC over a unix socket, standard
library only, BATCH rows per transaction.  Prints one JSON line.

  vtep_macs.py --socket DB.sock --ls ls0 --rows 100000 --base 02:5e:00:00:00:00 --ip 10.99.0.2
"""
import argparse
import json
import socket
import time


def mac_str(m):
    return ":".join("%02x" % ((m >> s) & 0xff) for s in range(40, -8, -8))


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.dec = json.JSONDecoder()
        self.id = 0

    def call(self, method, params):
        self.id += 1
        self.s.sendall(json.dumps({"method": method, "params": params, "id": self.id}).encode())
        while True:
            text = self.buf.decode(errors="replace").lstrip()
            try:
                msg, end = self.dec.raw_decode(text)
            except ValueError:
                chunk = self.s.recv(1 << 20)
                if not chunk:
                    raise SystemExit("vtep_macs: connection closed")
                self.buf += chunk
                continue
            self.buf = text[end:].encode()
            if msg.get("method") == "echo":
                self.s.sendall(json.dumps({"result": msg["params"], "id": msg["id"]}).encode())
                continue
            if msg.get("id") == self.id:
                if msg.get("error"):
                    raise SystemExit("vtep_macs: %s" % msg["error"])
                return msg["result"]


def check(result):
    for r in result:
        if isinstance(r, dict) and r.get("error"):
            raise SystemExit("vtep_macs: transaction failed: %s" % json.dumps(result)[:400])
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--ls", default="ls0")
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--base", default="02:5e:00:00:00:00")
    ap.add_argument("--ip", required=True)
    ap.add_argument("--batch", type=int, default=1000)
    a = ap.parse_args()
    base = int(a.base.replace(":", ""), 16)
    c = Conn(a.socket)
    db = "hardware_vtep"
    r = check(c.call("transact", [db, {"op": "select", "table": "Logical_Switch",
                                      "where": [["name", "==", a.ls]], "columns": ["_uuid"]},
                                  {"op": "select", "table": "Physical_Locator",
                                   "where": [["dst_ip", "==", a.ip]], "columns": ["_uuid"]}]))
    if not r[0]["rows"]:
        raise SystemExit("vtep_macs: no Logical_Switch %s" % a.ls)
    ls = r[0]["rows"][0]["_uuid"]
    loc = r[1]["rows"][0]["_uuid"] if r[1]["rows"] else None
    t0 = time.monotonic()
    done = 0
    while done < a.rows:
        n = min(a.batch, a.rows - done)
        ops = [db]
        if loc is None:
            ops.append({"op": "insert", "table": "Physical_Locator", "uuid-name": "loc",
                        "row": {"encapsulation_type": "vxlan_over_ipv4", "dst_ip": a.ip}})
            locref = ["named-uuid", "loc"]
        else:
            locref = loc
        for i in range(done, done + n):
            ops.append({"op": "insert", "table": "Ucast_Macs_Remote",
                        "row": {"MAC": mac_str(base + i), "logical_switch": ls, "locator": locref}})
        r = check(c.call("transact", ops))
        if loc is None:
            loc = r[0]["uuid"]
        done += n
    print(json.dumps({"rows": done, "seconds": round(time.monotonic() - t0, 3)}))


if __name__ == "__main__":
    main()
