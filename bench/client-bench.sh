#!/bin/bash
# A replica of ROWS Ucast_Macs_Remote rows: the time to the initial sync and the client's
# resident memory, seam-ovsdb-client beside Open vSwitch's Python IDL (python3-openvswitch),
# on the same server in one run, printed side by side with the seam/python ratio
# (see bench/README.md, "Client replica sync").
#
#   bash bench/client-bench.sh                   # 100,000 rows, 3 runs per client, seam-ovsdb
#   ROWS=10000 RUNS=1 bash bench/client-bench.sh
#   SERVER=ovs bash bench/client-bench.sh        # the same against Open vSwitch's ovsdb-server
#
# Environment:
#   ROWS         Ucast_Macs_Remote rows in the database (default 100000), each with its
#                own Physical_Locator, all in one Logical_Switch
#   RUNS         runs per client, alternating; each figure is the median (default 3)
#   SERVER       seam (default: build/seam-ovsdb) or ovs (ovsdb-server)
#   SEAM         path to seam-ovsdb (default: build/seam-ovsdb of this repository)
#   SEAM_CLIENT  path to seam-ovsdb-client (default: build/seam-ovsdb-client)
#   CLIENTS      which clients to run (default "seam python")
#   TABLES       comma-separated tables both clients monitor (default: every table)
#   IDL_PYTHON   interpreter with the `ovs` module (default /usr/bin/python3)
#   PYTHON       interpreter for ovsdb_load.py and the driver (stdlib only; default python3)
#   TIMEOUT      seconds allowed for one sync (default 600)
#   KEEP=1       keep the temporary directory (database, server log, raw results)
#
# One database and one server for the whole run, in a private temporary directory; the
# server runs in the foreground of this script and is stopped by its pid, and so is every
# client (each one is a child of the driver, waited for, killed by pid if it hangs).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
ROWS=${ROWS:-100000}
RUNS=${RUNS:-3}
SERVER=${SERVER:-seam}
SEAM=${SEAM:-$REPO/build/seam-ovsdb}
SEAM_CLIENT=${SEAM_CLIENT:-$REPO/build/seam-ovsdb-client}
CLIENTS=${CLIENTS:-"seam python"}
TABLES=${TABLES:-}
IDL_PYTHON=${IDL_PYTHON:-/usr/bin/python3}
PYTHON=${PYTHON:-python3}
TIMEOUT=${TIMEOUT:-600}
SCHEMA=${SCHEMA:-/usr/share/openvswitch/vtep.ovsschema}
DB=hardware_vtep

BENCH_NAME=client-bench
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

# The driver: starts one client, times it from just before the fork to its "synced"
# answer, reads the client's VmRSS/VmHWM and utime+stime from /proc/PID at that moment
# (the client holds its replica until told to quit), and the server's CPU spent meanwhile.
# Then it checks the row count of that same replica: the Python IDL prints it with its
# answer, seam-ovsdb-client is asked for a script "dump" (after the measurement).
# Prints one JSON line.  Both clients are measured by this same code.
cat >"$TOP/driver.py" <<'PY'
import json, os, select, subprocess, sys, time

side, run, server_pid, timeout, errfile = sys.argv[1:6]
cmd = sys.argv[6:]
timeout, run = float(timeout), int(run)
TABLE = "Ucast_Macs_Remote"

def stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    st = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                st[k] = int(v.split()[0])
    return cpu, st.get("VmRSS"), st.get("VmHWM")

def fail(msg):
    sys.stderr.write("%s run %d: %s\n" % (side, run, msg))
    sys.exit(1)

pending = []    # bytes read after the last whole line

def answer(p, deadline, want):
    """The next JSON object line from p's stdout for which want(obj) is true; other
    lines (seam's {"event": ...} notices) are skipped.  Lines may be tens of MB."""
    while True:
        parts = pending[:]
        del pending[:]
        while not parts or b"\n" not in parts[-1]:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([p.stdout], [], [], left)[0]:
                fail("no answer within %.0f s" % timeout)
            chunk = os.read(p.stdout.fileno(), 1 << 20)
            if not chunk:
                fail("exited (status %s) without an answer" % p.wait())
            parts.append(chunk)
        data = b"".join(parts)
        line, _, rest = data.partition(b"\n")
        if rest:
            pending.append(rest)
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and want(obj):
            return obj

srv0 = stat(int(server_pid))[0]
err = open(errfile, "ab")
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
try:
    deadline = t0 + timeout + 5
    if side == "seam":
        p.stdin.write(b'{"cmd":"wait-synced","timeout":%d}\n' % int(timeout * 1000))
        p.stdin.flush()
        ans = answer(p, deadline, lambda o: "synced" in o and "event" not in o)
    else:
        ans = answer(p, deadline, lambda o: "sync_s" in o)
    t1 = time.monotonic()
    cpu, rss, hwm = stat(p.pid)
    srv1 = stat(int(server_pid))[0]
    out = {"side": side, "run": run, "sync_s": round(t1 - t0, 4), "cpu_s": round(cpu, 3),
           "rss_kib": rss, "hwm_kib": hwm, "server_cpu_s": round(srv1 - srv0, 3)}
    if side == "seam":
        if ans.get("synced") is not True:
            fail("not synced: %s" % json.dumps(ans)[:500])
        out["stats"] = ans.get("stats")
        p.stdin.write(b'{"cmd":"dump"}\n')
        p.stdin.flush()
        d = answer(p, time.monotonic() + timeout, lambda o: "dump" in o or "error" in o)
        if not isinstance(d.get("dump"), dict):
            fail("script dump failed: %s" % json.dumps(d)[:500])
        out["rows"] = len(d["dump"].get(TABLE) or {})
        out["tables"] = {t: len(r) for t, r in sorted(d["dump"].items())}
    else:
        out["rows"] = ans.get("rows")
        out["tables"] = ans.get("tables")
        out["idl"] = {k: ans.get(k) for k in ("sync_s", "idl_s", "cpu_s", "rss_kib")}
    p.stdin.write(b'{"cmd":"quit"}\n' if side == "seam" else b"quit\n")
    p.stdin.close()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        sys.stderr.write("%s run %d: pid %d did not quit; killing it\n" % (side, run, p.pid))
finally:
    if p.poll() is None:
        p.kill()
        p.wait()
print(json.dumps(out))
PY

# run_once SIDE RUN: one client sync; the result goes to $RESULTS.
run_once() {
    local side=$1 run=$2 dir=$TOP/server line
    local -a cmd
    case $side in
    seam)
        cmd=("$SEAM_CLIENT" --db="$DB" --remote="unix:$dir/db.sock")
        if [ -n "$TABLES" ]; then
            local t
            for t in ${TABLES//,/ }; do cmd+=(--table="$t"); done
        fi
        cmd+=(script)
        ;;
    python)
        cmd=("$IDL_PYTHON" "$HERE/idl_sync.py" --remote="unix:$dir/db.sock" --schema="$SCHEMA"
             --timeout="$TIMEOUT" --hold)
        [ -z "$TABLES" ] || cmd+=(--tables="$TABLES")
        ;;
    esac
    if ! line=$("$PYTHON" "$TOP/driver.py" "$side" "$run" "$SERVER_PID" "$TIMEOUT" \
            "$dir/$side.err" "${cmd[@]}" 2>>"$dir/$side.err"); then
        note "$side" "run $run failed: $(tail -n 3 "$dir/$side.err" | tr '\n' ' ')"
        return 1
    fi
    echo "$line" | tee -a "$RESULTS" >&2
    # Every replica must hold every row: a fast sync of part of the table is no result.
    if ! "$PYTHON" -c 'import json, sys; sys.exit(json.loads(sys.argv[1])["rows"] != int(sys.argv[2]))' "$line" "$ROWS"; then
        note "$side" "run $run: FAILED: the replica has $("$PYTHON" -c 'import json, sys; print(json.loads(sys.argv[1])["rows"])' "$line") Ucast_Macs_Remote rows, expected $ROWS"
        return 1
    fi
}

echo "client-bench: $ROWS Ucast_Macs_Remote rows (per-row locators), $RUNS run(s) per client," \
     "server $SERVER; tables ${TABLES:-all}; $(nproc) CPUs, kernel $(uname -r)" >&2

case $SERVER in
ovs)
    if ! command -v ovsdb-server >/dev/null || ! command -v ovsdb-tool >/dev/null; then
        echo "ovsdb-server not installed" >&2
        exit 1
    fi
    server_desc=$(ovsdb-server --version | head -n 1)
    ;;
seam)
    if [ ! -x "$SEAM" ]; then
        echo "seam-ovsdb not built: run make (or SERVER=ovs)" >&2
        exit 1
    fi
    server_desc="seam-ovsdb ($SEAM)"
    ;;
*)
    echo "unknown SERVER '$SERVER' (seam or ovs)" >&2
    exit 2
    ;;
esac

status=0
clients=
for side in $CLIENTS; do
    case $side in
    seam)
        if [ ! -x "$SEAM_CLIENT" ]; then
            note seam "seam-ovsdb-client not built: run make"
            continue
        fi
        note seam "$SEAM_CLIENT"
        ;;
    python)
        if ! "$IDL_PYTHON" -c 'import ovs.db.idl' 2>/dev/null; then
            note python "$IDL_PYTHON has no ovs module (apt install python3-openvswitch)"
            status=1
            continue
        fi
        note python "ovs.db.idl $("$IDL_PYTHON" -c 'import ovs.version; print(ovs.version.VERSION)') under $IDL_PYTHON, C JSON parser $("$IDL_PYTHON" -c 'import ovs._json' 2>/dev/null && echo yes || echo no)"
        ;;
    *)
        echo "unknown client '$side' in CLIENTS" >&2
        exit 2
        ;;
    esac
    clients="$clients $side"
done

mkdir -p "$TOP/server"
if ! start_server "$SERVER" "$TOP/server"; then
    echo "the server did not start" >&2
    exit 1
fi
echo "loading $ROWS rows into $server_desc ..." >&2
if ! load=$(timeout "$TIMEOUT" "$PYTHON" "$HERE/ovsdb_load.py" --socket "$TOP/server/db.sock" \
        --rows "$ROWS" --batch 100 --server-pid "$SERVER_PID" --no-fresh-monitor \
        2>"$TOP/server/load.err"); then
    echo "the load failed: $(tail -n 3 "$TOP/server/load.err")" >&2
    exit 1
fi
echo "$load" >&2
RSS_LOADED=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")

# Runs alternate between the clients so that a change in the machine's background load
# spreads over both sides instead of landing on one.  A client that fails is dropped.
failed=
for run in $(seq 1 "$RUNS"); do
    for side in $clients; do
        case " $failed " in *" $side "*) continue ;; esac
        run_once "$side" "$run" || { status=1; failed="${failed:-} $side"; }
    done
done
RSS_END=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
stop_server

"$PYTHON" - "$RESULTS" "$NOTES" "$server_desc" "$ROWS" "$RSS_LOADED" "$RSS_END" "${TABLES:-all}" <<'PY'
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
notes = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[2]) if l.strip()]
server, nrows, rss_loaded, rss_end, tables = sys.argv[3:8]

def med(side, key):
    v = [r[key] for r in rows if r["side"] == side and r.get(key) is not None]
    return statistics.median(v) if v else None

# (label, key, scale, format)
metrics = [
    ("initial sync s (process start -> synced)", "sync_s",       1,       "%.3f"),
    ("client CPU s (utime+stime at sync)",       "cpu_s",        1,       "%.2f"),
    ("client RSS MiB at sync (VmRSS)",           "rss_kib",      1/1024., "%.1f"),
    ("client RSS MiB peak (VmHWM)",              "hwm_kib",      1/1024., "%.1f"),
    ("server CPU s (serving the sync)",          "server_cpu_s", 1,       "%.2f"),
    ("Ucast_Macs_Remote rows in replica",        "rows",         1,       "%d"),
]

def cell(side, key, scale, fmt):
    v = med(side, key)
    return ("-", None) if v is None else (fmt % (v * scale), v)

w = max(len(m[0]) for m in metrics)
print()
print("%-*s | %17s | %17s | %12s" % (w, "median", "seam-ovsdb-client", "Python IDL", "seam/python"))
print("-" * w + "-+-" + "-" * 17 + "-+-" + "-" * 17 + "-+-" + "-" * 12)
for label, key, scale, fmt in metrics:
    s, sv = cell("seam", key, scale, fmt)
    p, pv = cell("python", key, scale, fmt)
    r = "%.2fx" % (sv / pv) if pv and sv is not None else "-"
    print("%-*s | %17s | %17s | %12s" % (w, label, s, p, r))
print()
n = {side: sum(1 for x in rows if x["side"] == side) for side in ("seam", "python")}
for side, text in notes:
    print("%s (%d run%s): %s" % ("seam-ovsdb-client" if side == "seam" else "Python IDL",
                                n.get(side, 0), "" if n.get(side, 0) == 1 else "s", text))
st = [r["stats"] for r in rows if r["side"] == "seam" and isinstance(r.get("stats"), dict)]
if st:
    print("seam-ovsdb-client stats at sync: method %s, rows_received %s, n_connects %s"
          % (st[0].get("method"), st[0].get("rows_received"), st[0].get("n_connects")))
print("server: %s, %s Ucast_Macs_Remote rows (+ as many Physical_Locators, 1 Logical_Switch); "
      "monitored tables: %s; server RSS %.1f MiB after the load, %.1f MiB after the syncs"
      % (server, nrows, tables, int(rss_loaded) / 1024., int(rss_end) / 1024.))
bad = [r for r in rows if r.get("rows") != int(nrows)]
if bad:
    print("FAILED: %d run(s) with a replica that is not %s rows" % (len(bad), nrows))
PY
exit $status
