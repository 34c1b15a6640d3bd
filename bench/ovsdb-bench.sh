#!/bin/bash
# The same OVSDB load against Open vSwitch's ovsdb-server and seam-ovsdb, in one run,
# over unix sockets, printed side by side with the seam/ovs ratio (see bench/README.md).
#
#   bash bench/ovsdb-bench.sh                    # 100,000 rows, batches of 100, 3 runs
#   ROWS=10000 RUNS=1 bash bench/ovsdb-bench.sh
#
# Environment:
#   ROWS      Ucast_Macs_Remote rows to insert (default 100000)
#   BATCH     rows per transaction, 0 = all in one transaction (default 100)
#   RUNS      runs per server; each figure is the median (default 3)
#   WINDOW    transactions in flight (default 1)
#   LOCATORS  0 = one Physical_Locator per row (default), K = K shared locators
#   SEAM      path to seam-ovsdb (default: build/seam-ovsdb of this repository)
#   SERVERS   which sides to run (default "ovs seam")
#   PYTHON    interpreter for ovsdb_load.py (stdlib only; default python3)
#   TIMEOUT   seconds allowed for one load run (default 600)
#   KEEP=1    keep the temporary directory (databases, server logs, raw results)
#
# Every run gets a fresh database and a fresh server in a private temporary directory;
# the servers run in the foreground of this script and are stopped by their pid.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
ROWS=${ROWS:-100000}
BATCH=${BATCH:-100}
RUNS=${RUNS:-3}
WINDOW=${WINDOW:-1}
LOCATORS=${LOCATORS:-0}
SEAM=${SEAM:-$REPO/build/seam-ovsdb}
SERVERS=${SERVERS:-"ovs seam"}
PYTHON=${PYTHON:-python3}
TIMEOUT=${TIMEOUT:-600}
SCHEMA=${SCHEMA:-/usr/share/openvswitch/vtep.ovsschema}

BENCH_NAME=ovsdb-bench
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
failed=

# run_once SIDE RUN: one fresh database, server and load; the result goes to $RESULTS.
run_once() {
    local side=$1 run=$2 dir=$TOP/$1-$2 line peak
    mkdir -p "$dir"
    if ! start_server "$side" "$dir"; then
        note "$side" "run $run: the server did not start"
        return 1
    fi
    if ! line=$(timeout "$TIMEOUT" "$PYTHON" "$HERE/ovsdb_load.py" --socket "$dir/db.sock" \
            --rows "$ROWS" --batch "$BATCH" --window "$WINDOW" --locators "$LOCATORS" \
            --server-pid "$SERVER_PID" --live-monitor 2>"$dir/load.err"); then
        note "$side" "run $run: the load failed: $(tail -n 3 "$dir/load.err" | tr '\n' ' ')"
        stop_server
        return 1
    fi
    peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
    stop_server
    "$PYTHON" -c 'import json, os, sys
d = json.loads(sys.argv[1])
d.update(side=sys.argv[2], run=int(sys.argv[3]), rss_peak_kib=int(sys.argv[4] or 0),
         db_bytes=os.path.getsize(sys.argv[5]))
print(json.dumps(d))' "$line" "$side" "$run" "${peak:-0}" "$dir/vtep.db" | tee -a "$RESULTS" >&2
}

echo "ovsdb-bench: $ROWS rows, batch $BATCH, window $WINDOW, locators ${LOCATORS/#0/per-row}," \
     "$RUNS run(s) per server; $(nproc) CPUs, kernel $(uname -r)" >&2

status=0
sides=
for side in $SERVERS; do
    case $side in
    ovs)
        if ! command -v ovsdb-server >/dev/null || ! command -v ovsdb-tool >/dev/null; then
            note ovs "ovsdb-server not installed"
            status=1
            continue
        fi
        note ovs "$(ovsdb-server --version | head -n 1)"
        ;;
    seam)
        if [ ! -x "$SEAM" ]; then
            note seam "seam-ovsdb not built: run make"
            continue
        fi
        note seam "$SEAM"
        ;;
    *)
        echo "unknown server '$side' in SERVERS" >&2
        exit 2
        ;;
    esac
    sides="$sides $side"
done

# Runs alternate between the servers so that a change in the machine's background load
# spreads over both sides instead of landing on one.  A side that fails is dropped.
for run in $(seq 1 "$RUNS"); do
    for side in $sides; do
        case " $failed " in *" $side "*) continue ;; esac
        run_once "$side" "$run" || { status=1; failed="${failed:-} $side"; }
    done
done

"$PYTHON" - "$RESULTS" "$NOTES" <<'PY'
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
notes = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[2]) if l.strip()]

def med(side, key):
    v = [r[key] for r in rows if r["side"] == side and r.get(key) is not None]
    return statistics.median(v) if v else None

# (label, key, scale, format, better): better = "higher" or "lower"
metrics = [
    ("MAC rows/s (insert)",          "rows_per_s",            1,       "%.0f", "higher"),
    ("insert s",                     "insert_s",              1,       "%.3f", "lower"),
    ("live monitor has all rows, s", "live_monitor_done_s",   1,       "%.3f", "lower"),
    ("fresh monitor, last byte s",   "monitor_last_byte_s",   1,       "%.3f", "lower"),
    ("fresh monitor, parsed s",      "monitor_parsed_s",      1,       "%.3f", "lower"),
    ("server CPU s (insert)",        "server_cpu_insert_s",   1,       "%.2f", "lower"),
    ("server CPU s (fresh monitor)", "server_cpu_monitor_s",  1,       "%.2f", "lower"),
    ("RSS MiB after insert",         "rss_after_insert_kib",  1/1024., "%.1f", "lower"),
    ("RSS MiB after fresh monitor",  "rss_after_monitor_kib", 1/1024., "%.1f", "lower"),
    ("RSS MiB peak (VmHWM)",         "rss_peak_kib",          1/1024., "%.1f", "lower"),
    ("DB file MiB",                  "db_bytes",              1/2**20, "%.1f", "lower"),
]

def cell(side, key, scale, fmt):
    v = med(side, key)
    return ("-", None) if v is None else (fmt % (v * scale), v)

w = max(len(m[0]) for m in metrics)
print()
print("%-*s | %14s | %14s | %9s | %s" % (w, "median", "ovsdb-server", "seam-ovsdb", "seam/ovs", "better"))
print("-" * w + "-+-" + "-" * 14 + "-+-" + "-" * 14 + "-+-" + "-" * 9 + "-+-------")
ratios = {}
for label, key, scale, fmt, better in metrics:
    o, ov = cell("ovs", key, scale, fmt)
    s, sv = cell("seam", key, scale, fmt)
    r = "-"
    if ov and sv is not None:
        ratios[key] = sv / ov
        r = "%.2fx" % ratios[key]
    print("%-*s | %14s | %14s | %9s | %s" % (w, label, o, s, r, better))
print()
n = {side: sum(1 for x in rows if x["side"] == side) for side in ("ovs", "seam")}
for side, text in notes:
    print("%s (%d run%s): %s" % ("ovsdb-server" if side == "ovs" else "seam-ovsdb", n.get(side, 0),
                                "" if n.get(side, 0) == 1 else "s", text))
if rows:
    r0 = rows[0]
    print("load: %d rows, batch %s, window %s, locators %s, %s transactions; live monitor "
          "timed from the first send" % (r0["rows"], r0["batch"] or "all", r0["window"],
                                         r0["locators"], r0.get("transactions")))
if rows and not rows[0]["batch"] and "rss_peak_kib" in ratios \
        and "server_cpu_insert_s" in ratios:
    ok = ratios["rss_peak_kib"] <= 0.5 and ratios["server_cpu_insert_s"] < 1 / 3.
    print("one-transaction target (peak RSS <= 0.5x ovsdb-server's, insert CPU < 1/3 of "
          "its): %s (%.2fx peak RSS, %.2fx CPU)" % ("MET" if ok else "NOT MET",
                                                   ratios["rss_peak_kib"],
                                                   ratios["server_cpu_insert_s"]))
if "rows_per_s" in ratios and "rss_after_monitor_kib" in ratios:
    ok = ratios["rows_per_s"] >= 2 and ratios["rss_after_monitor_kib"] <= 1
    print("target (>= 2x ovsdb-server's rows/s, RSS no more than ovsdb-server's): %s "
          "(%.2fx rows/s, %.2fx RSS)" % ("MET" if ok else "NOT MET", ratios["rows_per_s"],
                                          ratios["rss_after_monitor_kib"]))
PY
exit $status
