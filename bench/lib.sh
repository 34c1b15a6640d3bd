# bench/lib.sh: what the benchmarks share, sourced by ovsdb-bench.sh and
# client-bench.sh: a private temp dir ($TOP, kept with KEEP=1), notes shown
# under the table, and a server started and stopped by its pid.
# Needs before sourcing: BENCH_NAME, SCHEMA, SEAM.

TOP=$(mktemp -d "/tmp/seam-$BENCH_NAME.XXXXXX")
RESULTS=$TOP/results.jsonl
NOTES=$TOP/notes
: >"$RESULTS"
: >"$NOTES"
SERVER_PID=

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $TOP" >&2
    else
        rm -rf "$TOP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() {    # note SIDE TEXT: a line shown under the table for that side
    printf '%s\t%s\n' "$1" "$2" >>"$NOTES"
    echo "$1: $2" >&2
}

# stop_server: SIGTERM by pid, SIGKILL after 5 s; reaps it (it is our child).
stop_server() {
    local pid=$SERVER_PID _
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "pid $pid did not exit on SIGTERM; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    SERVER_PID=
}

# start_server SIDE DIR: creates DIR/vtep.db, serves it on DIR/db.sock, sets SERVER_PID.
start_server() {
    local side=$1 dir=$2
    case $side in
    ovs)
        ovsdb-tool create "$dir/vtep.db" "$SCHEMA" || return 1
        ovsdb-server --no-chdir --pidfile="$dir/server.pid" --log-file="$dir/server.log" \
            --unixctl="$dir/ctl" --remote=punix:"$dir/db.sock" "$dir/vtep.db" \
            >"$dir/server.out" 2>&1 &
        ;;
    seam)
        "$SEAM" create "$dir/vtep.db" "$SCHEMA" || { echo "$side: $SEAM create failed" >&2; return 1; }
        "$SEAM" --remote=punix:"$dir/db.sock" --pidfile="$dir/server.pid" \
            --log-file="$dir/server.log" "$dir/vtep.db" >"$dir/server.out" 2>&1 &
        ;;
    esac
    SERVER_PID=$!
    local _
    for _ in $(seq 100); do
        [ -S "$dir/db.sock" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "$side: server did not open $dir/db.sock; its output:" >&2
    tail -n 20 "$dir/server.out" "$dir/server.log" 2>/dev/null >&2 || true
    stop_server
    return 1
}
