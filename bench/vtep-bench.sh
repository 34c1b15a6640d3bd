#!/bin/bash
# bench/vtep-bench.sh: seam-vtep beside the kernel's own path (Linux bridge +
# vxlan device) and Open vSwitch's vtep emulator (ovs-vswitchd userspace
# datapath + ovs-vtep), in one run, through the same veth topology:
#
#   NS S (source/sink)          NS G (the gateway under test)          NS B (remote VTEP)
#   s-eth ------veth------ g-p0 [gateway] g-up 10.99.0.1 --veth MTU 1600-- b-up 10.99.0.2
#                                                                         vx0: kernel vxlan VNI 5000
#
# VLAN->VXLAN: bench/pktgen (AF_PACKET) sends pre-built frames on s-eth,
# counted at B's vx0 (rx_packets).  VXLAN->VLAN: pktgen sends pre-built
# VXLAN packets (VNI 5000, as vx0 would) on B's b-up, counted at S's s-eth.  64- and 1514-byte
# frames (untagged size, no FCS), VLAN 100 tagged (seam, OVS) and untagged
# VLAN 0 binding (all three).  The gateway holds ROWS remote MACs.
# See bench/README.md, section "seam-vtep data plane".
#
# Environment: ROWS (100000), OVS_ROWS (1000), DURATION (3 s), RUNS (3),
# WARMUP (0.5 s), NDST (1024 distinct destination MACs), GATEWAYS
# ("seam kernel ovs"), VLANS ("100 0"), SIZES ("64 1514"),
# SEAM_VTEP (build/seam-vtep), SEAM_ARGS (more seam-vtep flags), X2V_GEN (raw: pktgen sends pre-encapsulated
# VXLAN on b-up; vxlan: pktgen on vx0, the kernel encapsulates), KEEP=1,
# PERF=1 (perf record -a -g during the seam cases, kept in the temp dir: use with KEEP=1).
set -u
cd "$(dirname "$0")/.."
BENCH_NAME=vtep-bench SCHEMA=/usr/share/openvswitch/vtep.ovsschema SEAM=
. bench/lib.sh

ROWS=${ROWS:-100000}
OVS_ROWS=${OVS_ROWS:-1000}
DURATION=${DURATION:-3}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-0.5}
NDST=${NDST:-1024}
GATEWAYS=${GATEWAYS:-"seam kernel ovs"}
VLANS=${VLANS:-"100 0"}
SIZES=${SIZES:-"64 1514"}
SEAM_VTEP=${SEAM_VTEP:-build/seam-vtep}
X2V_GEN=${X2V_GEN:-raw}
PY=/usr/bin/python3
MACBASE=02:5e:00:00:00:00
# The host behind s-eth: the source of VLAN->VXLAN frames, so the gateway
# learns it, and the destination of VXLAN->VLAN ones.  Not s-eth's own MAC:
# frames to it would climb S's IPv4 stack (a failed route lookup and an
# ICMP error per frame), work that veth charges to the gateway's CPU.
HMAC=02:5e:ff:00:00:01
P=vb$$
S=${P}s G=${P}g B=${P}b
GW_PID=
OVS_UP=0

if [ "$(id -u)" != 0 ]; then
    echo "vtep-bench: needs root (namespaces, AF_PACKET)" >&2
    exit 1
fi

teardown() {
    if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
        kill "$GW_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$GW_PID" 2>/dev/null || true
        wait "$GW_PID" 2>/dev/null || true
    fi
    GW_PID=
    if [ "$OVS_UP" = 1 ]; then
        local p
        for p in ovs-vtep ovs-vswitchd ovsdb-server; do
            [ -f "$OVSD/run/$p.pid" ] && kill "$(cat "$OVSD/run/$p.pid")" 2>/dev/null
        done
        sleep 0.5
        OVS_UP=0
    fi
    local n
    for n in $S $G $B; do ip netns del "$n" 2>/dev/null; done
    return 0
}
lib_cleanup=$(declare -f cleanup | tail -n +2)
eval "lib_cleanup() $lib_cleanup"
cleanup() { teardown; lib_cleanup; }

cc -O2 -Wall -o "$TOP/pktgen" bench/pktgen.c || { echo "vtep-bench: cannot build bench/pktgen.c" >&2; exit 1; }
PKTGEN=$TOP/pktgen

cnt() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
mac_of() { ip netns exec "$1" cat "/sys/class/net/$2/address"; }
ncpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# The same shape for every gateway; G is left empty for the gateway.
base_topo() {
    local n
    for n in $S $G $B; do ip netns add "$n" && ip -n "$n" link set lo up || return 1; done
    ip link add g-p0 netns $G type veth peer s-eth netns $S || return 1
    ip link add g-up netns $G type veth peer b-up netns $B || return 1
    ip -n $S link set s-eth up
    ip -n $G link set g-p0 up
    ip -n $G link set g-up mtu 1600 up
    ip -n $B link set b-up mtu 1600 up
    ip -n $B addr add 10.99.0.2/24 dev b-up
    ip -n $B link add vx0 type vxlan id 5000 local 10.99.0.2 remote 10.99.0.1 dstport 4789 \
        noudpcsum nolearning || return 1
    ip -n $B link set vx0 up
    BMAC=$(mac_of $B vx0)
}

# wait until PID's CPU time stops growing (the gateway has digested its table)
settle() {
    local pid=$1 a b _
    for _ in $(seq 120); do
        a=$(ncpu_s "$pid"); sleep 0.5; b=$(ncpu_s "$pid")
        [ "$a" = "$b" ] && return 0
    done
    return 1
}

# ---- seam-vtep -----------------------------------------------------------
V=
setup_seam() {
    [ -x "$SEAM_VTEP" ] || { SKIP="$SEAM_VTEP not built: run make"; return 1; }
    base_topo || return 1
    ip -n $G addr add 10.99.0.1/24 dev g-up
    D=$TOP/seam; mkdir -p "$D"
    ip netns exec $G "$SEAM_VTEP" --name=br0 --tunnel-ip=10.99.0.1 --tunnel-mtu=1600 --port=g-p0 ${SEAM_ARGS:-} \
        --db="$D/vtep.db" --remote=punix:"$D/db.sock" --log-file="$D/vtep.log" >"$D/out" 2>&1 &
    GW_PID=$!
    for _ in $(seq 50); do [ -S "$D/db.sock" ] && break; sleep 0.1; done
    [ -S "$D/db.sock" ] || { SKIP="seam-vtep did not start: $(tail -n 3 "$D/out" "$D/vtep.log" 2>/dev/null | tr '\n' ' ')"; return 1; }
    V="vtep-ctl --db=unix:$D/db.sock"
    $V add-ls ls0 && $V set Logical_Switch ls0 tunnel_key=5000 \
        && $V add-mcast-remote ls0 unknown-dst 10.99.0.2 || { SKIP="vtep-ctl failed"; return 1; }
    local t0=$(date +%s.%N) c0=$(ncpu_s $GW_PID) r
    r=$($PY bench/vtep_macs.py --socket "$D/db.sock" --rows "$ROWS" --base $MACBASE --ip 10.99.0.2) \
        || { SKIP="loading $ROWS MACs failed"; return 1; }
    settle $GW_PID
    note seam "$ROWS Ucast_Macs_Remote rows loaded ($r) and applied in $(echo "$(date +%s.%N) - $t0 - 0.5" | bc) s, seam-vtep CPU $(echo "$(ncpu_s $GW_PID) - $c0" | bc) s, RSS $(awk '/VmRSS/{print $2/1024}' /proc/$GW_PID/status) MiB"
    TABLE_ROWS=$ROWS
}
bind_seam() {   # bind_seam VLAN
    $V unbind-ls br0 g-p0 0 2>/dev/null; $V unbind-ls br0 g-p0 100 2>/dev/null
    $V bind-ls br0 g-p0 "$1" ls0 && sleep 0.5
}

# ---- kernel: Linux bridge + vxlan ------------------------------------------
setup_kernel() {
    base_topo || return 1
    ip -n $G addr add 10.99.0.1/24 dev g-up
    ip -n $G link add br0 type bridge || return 1
    ip -n $G link add vxg type vxlan id 5000 local 10.99.0.1 dstport 4789 noudpcsum nolearning || return 1
    ip -n $G link set vxg master br0 up
    ip -n $G link set g-p0 master br0
    ip -n $G link set br0 up
    ip netns exec $G bridge fdb append 00:00:00:00:00:00 dev vxg dst 10.99.0.2
    local t0=$(date +%s.%N)
    $PY - "$ROWS" $MACBASE >"$TOP/fdb.batch" <<'EOF'
import sys
n, base = int(sys.argv[1]), int(sys.argv[2].replace(":", ""), 16)
out = sys.stdout
for i in range(n):
    m = ":".join("%02x" % (((base + i) >> s) & 0xff) for s in range(40, -8, -8))
    out.write("fdb add %s dev vxg master static\nfdb add %s dev vxg self dst 10.99.0.2\n" % (m, m))
EOF
    ip netns exec $G bridge -batch "$TOP/fdb.batch" || { SKIP="bridge -batch failed"; return 1; }
    note kernel "$ROWS static MACs in the bridge FDB (master, -> vxg) and in vxg's FDB (self, dst 10.99.0.2) with bridge -batch in $(echo "$(date +%s.%N) - $t0" | bc) s; bridge without vlan_filtering (no 802.1Q in this kernel): untagged only"
    TABLE_ROWS=$ROWS
}
bind_kernel() { [ "$1" = 0 ]; }

# ---- Open vSwitch vtep emulator ----------------------------------------------
setup_ovs() {
    command -v ovs-vswitchd >/dev/null && [ -x /usr/share/openvswitch/scripts/ovs-vtep ] \
        || { SKIP="ovs-vswitchd or ovs-vtep not installed"; return 1; }
    base_topo || return 1
    OVSD=$TOP/ovs; mkdir -p "$OVSD/run"
    export OVS_RUNDIR=$OVSD/run OVS_DBDIR=$OVSD OVS_LOGDIR=$OVSD OVS_SYSCONFDIR=$OVSD
    ovsdb-tool create "$OVSD/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
    ovsdb-tool create "$OVSD/vtep.db" "$SCHEMA" || return 1
    OVS_UP=1
    ip netns exec $G ovsdb-server --detach --no-chdir --pidfile="$OVSD/run/ovsdb-server.pid" \
        --log-file="$OVSD/ovsdb-server.log" --remote=punix:"$OVSD/run/db.sock" \
        --remote=db:hardware_vtep,Global,managers "$OVSD/conf.db" "$OVSD/vtep.db" 2>/dev/null || return 1
    ovs-vsctl --no-wait init
    ip netns exec $G ovs-vswitchd --detach --no-chdir --pidfile="$OVSD/run/ovs-vswitchd.pid" \
        --log-file="$OVSD/ovs-vswitchd.log" unix:"$OVSD/run/db.sock" 2>/dev/null || return 1
    ovs-vsctl add-br br0 -- set Bridge br0 datapath_type=netdev -- add-port br0 g-p0 || return 1
    ovs-vsctl add-br br-phy -- set Bridge br-phy datapath_type=netdev -- add-port br-phy g-up || return 1
    ip -n $G link set br-phy mtu 1600
    ip -n $G addr add 10.99.0.1/24 dev br-phy
    ip -n $G link set br-phy up
    vtep-ctl add-ps br0 && vtep-ctl set Physical_Switch br0 tunnel_ips=10.99.0.1 || return 1
    ip netns exec $G /usr/share/openvswitch/scripts/ovs-vtep --log-file="$OVSD/ovs-vtep.log" \
        --pidfile="$OVSD/run/ovs-vtep.pid" --detach br0 2>/dev/null || return 1
    vtep-ctl add-ls ls0 && vtep-ctl set Logical_Switch ls0 tunnel_key=5000 \
        && vtep-ctl add-mcast-remote ls0 unknown-dst 10.99.0.2 || return 1
    for _ in $(seq 40); do vtep-ctl list-ports br0 2>/dev/null | grep -qx g-p0 && break; sleep 0.25; done
    vtep-ctl bind-ls br0 g-p0 0 ls0 || { SKIP="ovs-vtep did not publish port g-p0"; return 1; }
    local lsbr= t0=$(date +%s.%N) r n=0
    for _ in $(seq 40); do
        lsbr=$(ovs-vsctl list-br | grep vtep_ls | head -n 1)
        [ -n "$lsbr" ] && ovs-vsctl list-ports "$lsbr" | grep -q '^vx' && break
        sleep 0.5
    done
    [ -n "$lsbr" ] || { SKIP="ovs-vtep made no logical switch bridge"; return 1; }
    r=$($PY bench/vtep_macs.py --socket "$OVSD/run/db.sock" --rows "$OVS_ROWS" --base $MACBASE --ip 10.99.0.2) \
        || { SKIP="loading $OVS_ROWS MACs failed"; return 1; }
    for _ in $(seq 600); do    # ovs-vtep: one ovs-ofctl add-flow per remote MAC
        n=$(ovs-ofctl dump-flows "$lsbr" table=1 2>/dev/null | grep -c dl_dst=)
        [ "$n" -ge "$OVS_ROWS" ] && break
        sleep 1
    done
    note ovs "$OVS_ROWS Ucast_Macs_Remote rows (not $ROWS: ovs-vtep runs one ovs-ofctl add-flow per MAC) loaded ($r); $n dl_dst flows in $lsbr after $(echo "$(date +%s.%N) - $t0" | bc) s"
    TABLE_ROWS=$OVS_ROWS
}
bind_ovs() {
    vtep-ctl unbind-ls br0 g-p0 0 2>/dev/null; vtep-ctl unbind-ls br0 g-p0 100 2>/dev/null
    vtep-ctl bind-ls br0 g-p0 "$1" ls0 && sleep 2.5     # ovs-vtep polls once a second
}

# ---- the generator alone ---------------------------------------------------
setup_gen() { base_topo; TABLE_ROWS=$ROWS; }   # no IP in G: frames die early, not in the generator's softirq
bind_gen() { :; }

# measure GW VLAN DIR SIZE RUN: one DURATION of pktgen, frames counted at the sink
measure() {
    local gw=$1 vlan=$2 dir=$3 size=$4 run=$5 gns gif sns sif src dst ndst stride tag c0 c1 out
    ndst=$NDST; [ "$ndst" -gt "$TABLE_ROWS" ] && ndst=$TABLE_ROWS
    stride=$((TABLE_ROWS / ndst))
    if [ "$dir" = v2x ]; then
        gns=$S gif=s-eth sns=$B sif=vx0 src=$HMAC dst=$MACBASE tag=$vlan
        [ "$gw" = gen ] && sns=$G sif=g-p0
        set -- 192.168.100.12 192.168.100.2
    else
        gns=$B gif=vx0 sns=$S sif=s-eth src=$BMAC dst=$HMAC tag=0 ndst=1 stride=0
        [ "$gw" = gen ] && sns=$G sif=g-up
        set -- 192.168.100.2 192.168.100.12
        if [ "$X2V_GEN" = raw ]; then   # pre-encapsulated on b-up, to whoever owns 10.99.0.1
            gif=b-up
            set -- "$@" 5000 "$(mac_of $B b-up)" "$UMAC" 10.99.0.2 10.99.0.1
        fi
    fi
    if [ "$run" = 1 ]; then
        ip netns exec $gns "$PKTGEN" $gif "$size" $tag "$WARMUP" $src $dst $ndst $stride "$@" >/dev/null
        sleep 0.2
    fi
    c0=$(cnt $sns $sif rx_packets)
    out=$(ip netns exec $gns "$PKTGEN" $gif "$size" $tag "$DURATION" $src $dst $ndst $stride "$@") || return 1
    sleep 0.2
    c1=$(cnt $sns $sif rx_packets)
    $PY -c '
import json, sys
g = json.loads(sys.argv[1]); rx = int(sys.argv[3]) - int(sys.argv[2])
gw, vlan, d, size, run = sys.argv[4:9]
fps = rx / g["seconds"]
print(json.dumps({"gw": gw, "vlan": int(vlan), "dir": d, "size": int(size), "run": int(run),
                  "rx": rx, "fps": round(fps), "gbps": round(fps * int(size) * 8 / 1e9, 3),
                  "gen_sent": g["sent"], "gen_fps": g["fps"], "gen_s": g["seconds"]}))
' "$out" "$c0" "$c1" "$gw" "$vlan" "$dir" "$size" "$run" | tee -a "$RESULTS" >&2
}

run_gateway() {
    local gw=$1 vlan dir size run runs=$RUNS perf_pid mv
    [ "$gw" = gen ] && runs=1
    SKIP=
    echo "== $gw: setting up" >&2
    if ! setup_$gw; then
        note "$gw" "not measured: ${SKIP:-setup failed}"
        teardown
        return 1
    fi
    ip netns exec $B ping -c 1 -W 2 10.99.0.1 >/dev/null 2>&1
    UMAC=$(ip -n $B neigh show 10.99.0.1 | awk '$5 ~ /:/ {print $5}')
    [ "$gw" = gen ] && UMAC=$(mac_of $G g-up)
    [ -n "$UMAC" ] || note "$gw" "no ARP answer for 10.99.0.1 from B"
    for vlan in $VLANS; do
        if ! bind_$gw "$vlan"; then
            [ "$gw" = kernel ] || note "$gw" "binding VLAN $vlan failed"
            continue
        fi
        for dir in v2x x2v; do
            # the generator alone: VXLAN->VLAN frames carry no tag, measure them once (as VLAN 0)
            [ "$gw" = gen ] && [ "$dir" = x2v ] && [ "$vlan" != "${VLANS%% *}" ] && continue
            for size in $SIZES; do
                perf_pid=
                if [ "$gw" = seam ] && [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null; then
                    perf record -q -a -g -o "$TOP/perf-$vlan-$dir-$size.data" -- sleep "$DURATION" >/dev/null 2>&1 &
                    perf_pid=$!
                fi
                for run in $(seq "$runs"); do
                    mv=$vlan; [ "$gw" = gen ] && [ "$dir" = x2v ] && mv=0
                    measure "$gw" "$mv" "$dir" "$size" "$run" || note "$gw" "pktgen failed: vlan $vlan $dir $size"
                done
                [ -z "$perf_pid" ] || wait "$perf_pid" 2>/dev/null
            done
        done
    done
    if [ "$gw" = seam ]; then
        note seam "after the runs: RSS $(awk '/VmRSS/{print $2/1024}' /proc/$GW_PID/status) MiB; log warnings: $(grep -c -E 'WARN|ERR' "$D/vtep.log")"
    fi
    teardown
}

START=$(date +%s)
echo "vtep-bench: ROWS=$ROWS OVS_ROWS=$OVS_ROWS DURATION=${DURATION}s RUNS=$RUNS NDST=$NDST, $(nproc) CPUs, $(uname -r)" >&2
FAILED=0
for gw in gen $GATEWAYS; do
    run_gateway "$gw" || FAILED=1
done
ELAPSED=$(( $(date +%s) - START ))
$PY bench/vtep_report.py "$RESULTS" "$NOTES" "$ROWS" "$OVS_ROWS" "$DURATION" "$RUNS" "$ELAPSED"
exit $FAILED
