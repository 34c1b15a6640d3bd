#!/bin/bash
# bench/seamd-convergence.sh: seamd beside OVN, the same intent (1,000 ports
# in 10 networks on 100 VTEPs, "bind one"), runs interleaved, medians side by
# side.  See bench/README.md ("Convergence: seamd beside OVN").
#   bash bench/seamd-convergence.sh              # RUNS=3, both sides, V=100
#   SIDES=ovn RUNS=1 VTEPS=10 bash bench/seamd-convergence.sh
#   BIG=1 ...                                    # + seamd at 100,000 MACs
# Environment: RUNS (3), SIDES ("seamd seamd:100 ovn": seamd with one port
# per POST, seamd with 100 ports per POST (bulk create, as OVN's 100 ports per
# ovn-nbctl call), OVN), VTEPS (100), OVN_VTEPS
# (= VTEPS), SEAMD (build/seamd), SEAM_OVSDB (build/seam-ovsdb), BATCH
# (ports per POST, 1), CONNS (HTTP connections POSTing at once, 1), SEAMD_ARGS (more seamd flags), OVN_VTEP_SERVER (seam
# or ovs: the VTEP databases of the OVN side; seam by default, as on the
# seamd side), OVN_ARGS (more ovn-convergence.py options, e.g.
# "--nb-batch 1000 --sb-batch 1000": one ovn-nbctl and one ovn-sbctl call), BIG (0), BIG_ARGS (the 100,000-MAC run's options), OUT (a
# file to append the raw JSON lines to), KEEP=1 (keep the logs).
# Runs as the current user, everything under /tmp, unix sockets and
# 127.0.0.1 ports; each process stopped by its pid.
set -u
cd "$(dirname "$0")/.." || exit 1
RUNS=${RUNS:-3}
SIDES=${SIDES:-"seamd seamd:100 ovn"}
VTEPS=${VTEPS:-100}
OVN_VTEPS=${OVN_VTEPS:-$VTEPS}
SEAMD=${SEAMD:-build/seamd}
SEAM_OVSDB=${SEAM_OVSDB:-build/seam-ovsdb}
BATCH=${BATCH:-1}
CONNS=${CONNS:-1}
SEAMD_ARGS=${SEAMD_ARGS:-}
OVN_VTEP_SERVER=${OVN_VTEP_SERVER:-seam}
OVN_ARGS=${OVN_ARGS:-}
BIG=${BIG:-0}
# 100,000 ports in 50 networks of 2 VTEPs: 1,000 remote MACs per VTEP, 100,000
# in all; the ports written straight into seamd's NB, 10,000 per transaction
BIG_ARGS=${BIG_ARGS:-"--vteps 100 --networks 50 --ports-per-vtep 1000 --nb-direct 10000"}
PY=/usr/bin/python3
TOP=$(mktemp -d /tmp/seam-convergence.XXXXXX)
KEEP=${KEEP:-0}
trap 'if [ "$KEEP" = 1 ]; then echo "kept $TOP" >&2; else rm -rf "$TOP"; fi' EXIT

for b in ovsdb-server ovn-northd ovn-controller-vtep ovn-nbctl ovn-sbctl vtep-ctl; do
    command -v $b >/dev/null || { echo "missing $b (Debian: ovn-central ovn-controller-vtep openvswitch-vtep)" >&2; exit 1; }
done
$PY -c 'import ovs.jsonrpc' || { echo "$PY has no ovs module (python3-openvswitch)" >&2; exit 1; }
[ -x "$SEAM_OVSDB" ] || { echo "$SEAM_OVSDB not built: run make" >&2; exit 1; }
if [ ! -x "$SEAMD" ] && [[ " $SIDES" == *" seamd"* ]]; then
    echo "$SEAMD not built: the seamd side is skipped" >&2
    read -ra sides <<<"$SIDES"
    SIDES=$(printf '%s\n' "${sides[@]}" | grep -v '^seamd' | tr '\n' ' ')
fi
seamd_args=()
for x in $SEAMD_ARGS; do seamd_args+=(--seamd-arg="$x"); done
keep_arg=()     # keep_logs NAME: keep_arg=(--keep=DIR) with KEEP=1, else empty
keep_logs() { keep_arg=(); if [ "${KEEP:-0}" = 1 ]; then keep_arg=(--keep="$TOP/logs-$1"); fi; }

echo "$(date -u +%FT%TZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
     "$(dpkg-query -W -f '${Package} ${Version}, ' ovn-central ovn-controller-vtep openvswitch-common 2>/dev/null)" \
     "seam $(git describe --always --dirty 2>/dev/null)" >&2
fail=0
for rep in $(seq 1 "$RUNS"); do
    for side in $SIDES; do
        case $side in
        seamd|seamd:*)      # seamd:N = N ports per POST (bulk create)
               b=$BATCH; [ "$side" = seamd ] || b=${side#seamd:}
               keep_logs "seamd$b-$rep"
               $PY bench/seamd-convergence.py run --vteps "$VTEPS" --batch "$b" --conns "$CONNS" \
                   --seamd "$SEAMD" --seam-ovsdb "$SEAM_OVSDB" "${seamd_args[@]}" \
                   --label "rep$rep" --out "$TOP/main.jsonl" "${keep_arg[@]}" >/dev/null ;;
        ovn)   keep_logs "ovn$rep"
               # shellcheck disable=SC2086
               $PY bench/ovn-convergence.py --vteps "$OVN_VTEPS" --vtep-server "$OVN_VTEP_SERVER" \
                   --seam-ovsdb "$SEAM_OVSDB" $OVN_ARGS --label "rep$rep" --out "$TOP/main.jsonl" \
                   "${keep_arg[@]}" >/dev/null ;;
        esac || fail=$((fail+1))
        tail -n 1 "$TOP/main.jsonl" >&2
    done
done
if [ "$BIG" = 1 ] && [ -x "$SEAMD" ]; then
    keep_logs big
    # shellcheck disable=SC2086
    $PY bench/seamd-convergence.py run $BIG_ARGS --seamd "$SEAMD" --seam-ovsdb "$SEAM_OVSDB" \
        "${seamd_args[@]}" --label big --timeout 1200 --out "$TOP/big.jsonl" "${keep_arg[@]}" \
        >/dev/null || fail=$((fail+1))
    tail -n 1 "$TOP/big.jsonl" >&2
fi
[ -n "${OUT:-}" ] && cat "$TOP"/*.jsonl >>"$OUT"
[ -s "$TOP/main.jsonl" ] && $PY bench/seamd-convergence.py table "$TOP/main.jsonl"
if [ -s "$TOP/big.jsonl" ]; then echo; $PY bench/seamd-convergence.py table "$TOP/big.jsonl"; fi
echo "failed runs: $fail"
[ "$fail" -eq 0 ]
