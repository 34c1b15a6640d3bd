#!/usr/bin/env python3
"""The table of vtep-bench.sh: medians of results.jsonl, side by side."""
import json
import statistics
import sys

res_path, notes_path, rows, ovs_rows, duration, runs, elapsed = sys.argv[1:8]
res = [json.loads(l) for l in open(res_path) if l.strip()]
notes = [l.rstrip("\n").split("\t", 1) for l in open(notes_path) if l.strip()]


def med(gw, vlan, d, size, key="fps"):
    v = [r[key] for r in res if r["gw"] == gw and r["vlan"] == vlan and r["dir"] == d and r["size"] == size]
    return statistics.median(v) if v else None


def cell(gw, vlan, d, size):
    f = med(gw, vlan, d, size)
    if f is None:
        return "-"
    return "%s (%.2f)" % (format(round(f), ","), med(gw, vlan, d, size, "gbps"))


def ratio(a, b):
    return "%.2fx" % (a / b) if a is not None and b else "-"


sizes = sorted({r["size"] for r in res})
vlans = sorted({r["vlan"] for r in res if r["gw"] != "gen"}, reverse=True)
hdr = ["case", "generator alone", "seam-vtep", "kernel bridge+vxlan", "OVS vtep emulator",
       "seam/kernel", "seam/ovs"]
lines = []
verdict = []
for d, dname in (("v2x", "VLAN->VXLAN"), ("x2v", "VXLAN->VLAN")):
    for vlan in vlans:
        for size in sizes:
            gen_vlan = vlan if d == "v2x" else 0
            s = med("seam", vlan, d, size)
            k = med("kernel", vlan, d, size)
            kref = k
            kmark = ""
            if k is None and vlan != 0:
                kref = med("kernel", 0, d, size)
                kmark = " (vs untagged)" if kref else ""
            o = med("ovs", vlan, d, size)
            lines.append([
                "%s %s %d B" % (dname, "VLAN %d" % vlan if vlan else "untagged", size),
                cell("gen", gen_vlan, d, size), cell("seam", vlan, d, size),
                cell("kernel", vlan, d, size) if k is not None else ("n/a (no 802.1Q)" if vlan else "-"),
                cell("ovs", vlan, d, size),
                ratio(s, kref) + (kmark if kref else ""), ratio(s, o)])
            if s is not None:
                verdict.append((lines[-1][0], s, kref, o))

print()
print("seam-vtep data plane: frames/s (Gbit/s of inner frames), median of %s x %s s; "
      "%s remote MACs (OVS emulator: %s); run took %s s" % (runs, duration, rows, ovs_rows, elapsed))
print()
w = [max(len(str(r[i])) for r in [hdr] + lines) for i in range(len(hdr))]
for r in [hdr, ["-" * x for x in w]] + lines:
    print("| " + " | ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i]) for i, c in enumerate(r)) + " |")
print()
for side, text in notes:
    print("%s: %s" % (side, text))
print()
ok_k = [n for n, s, k, o in verdict if k and s > k]
ok_o = [n for n, s, k, o in verdict if o and s >= 2 * o]
nk = sum(1 for v in verdict if v[2])
no = sum(1 for v in verdict if v[3])
print("target 'above the kernel path': %d of %d cases" % (len(ok_k), nk))
print("target 'at least 2x the OVS emulator': %d of %d cases" % (len(ok_o), no))
