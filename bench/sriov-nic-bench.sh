#!/bin/bash
# bench/sriov-nic-bench.sh: frames/s through seam-sriov-nic, VF->wire and
# wire->VF, 64 B and 1500 B frames, beside the kernel's plain veth + bridge
# path as the reference.  Run as root.
#
#   emulator:  NS vm [pf0v0] -veth- [pf0r0] seam-sriov-nic [pf0] -veth- [tor0] NS tor
#   kernel:    NS vm [eth0]  -veth- [k-vm] br0 [k-pf] -veth- [tor0] NS tor
#
# The reference does no VLAN work: this kernel has neither 8021q nor bridge
# VLAN filtering ("type bridge vlan_filtering 1": Operation not supported),
# so its frames cross untagged both ways; the emulator pushes and strips
# the tag in userspace.
#
# bench/pktgen (AF_PACKET sendmmsg bursts, qdisc bypassed) offers frames for
# SECS seconds on one end; the other end's rx_packets (counted by the kernel,
# nobody reads the frames) over the same time is the figure.  VF->wire
# frames leave untagged and must arrive tagged 2901; wire->VF frames are
# sent tagged 2901 to the VF's MAC.  Frame sizes are without FCS: 60 and
# 1514 bytes ("64 B" and "1500 B" MTU frames), plus the tag on the wire.
# The generator, the emulator and the kernel share the machine's CPUs.
#
# Environment: SECS (default 3), SIZES (default "60 1514"), NIC (default
# build/seam-sriov-nic), KEEP=1 (leave the namespaces and temp dir).
set -eu
cd "$(dirname "$0")/.."
SECS=${SECS:-3}
SIZES=${SIZES:-"60 1514"}
NIC=${NIC:-build/seam-sriov-nic}
P=snb$$-
T=$(mktemp -d /tmp/sriov-nic-bench.XXXXXX)
VF_MAC=02:29:00:00:00:01
TOR_MAC=02:29:00:00:00:fe
NIC_PID=

[ "$(id -u)" = 0 ] || { echo "sriov-nic-bench: needs root" >&2; exit 1; }
[ -x "$NIC" ] || { echo "sriov-nic-bench: $NIC not built (make)" >&2; exit 1; }

cleanup() {
    [ -n "$NIC_PID" ] && kill "$NIC_PID" 2>/dev/null && wait "$NIC_PID" 2>/dev/null
    if [ "${KEEP:-0}" != 1 ]; then
        for n in h t v kh kt kv; do ip netns del "$P$n" 2>/dev/null || true; done
        rm -rf "$T"
    fi
}
trap cleanup EXIT

cc -O2 -Wall -o "$T/pktgen" bench/pktgen.c || { echo "sriov-nic-bench: cannot build bench/pktgen.c" >&2; exit 1; }

mkns() {
    ip netns add "$P$1"
    ip netns exec "$P$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

rx_packets() {  # NS IFNAME
    ip -n "$1" -j -s link show dev "$2" | jq '.[0].stats64.rx.packets'
}

# Prints frames/s received at NS2/IF2 while pktgen runs on NS1/IF1.
measure() {  # NS1 IF1 SIZE VLAN SRC DST NS2 IF2
    local before after out secs
    before=$(rx_packets "$7" "$8")
    out=$(ip netns exec "$1" "$T/pktgen" "$2" "$3" "$4" "$SECS" "$5" "$6" 1 0 10.29.1.1 10.29.1.254)
    sleep 0.2
    after=$(rx_packets "$7" "$8")
    secs=$(echo "$out" | jq '.seconds // empty' 2>/dev/null || true)
    [ -n "$secs" ] || secs=$SECS
    echo "$out" > "$T/last-pktgen.json"
    awk -v a="$after" -v b="$before" -v s="$secs" 'BEGIN { printf "%d", (a - b) / s }'
}

offered() {
    jq '.fps // empty' "$T/last-pktgen.json" 2>/dev/null | awk '{ printf "%d", $1 }'
}

# ---- the emulator ----
mkns h; mkns t; mkns v
ip link add pf0 netns "${P}h" type veth peer tor0 netns "${P}t"
ip -n "${P}t" link set tor0 up
printf 'vf 0 mac %s vlan 2901\n' "$VF_MAC" > "$T/nic.conf"
ip netns exec "${P}h" "$NIC" --pf=pf0 --num-vfs=1 --config="$T/nic.conf" \
    --ctl="$T/nic.ctl" --pidfile="$T/nic.pid" --log-file="$T/nic.log" &
NIC_PID=$!
for _ in $(seq 100); do [ -e "$T/nic.pid" ] && break; sleep 0.05; done
[ -e "$T/nic.pid" ] || { echo "sriov-nic-bench: seam-sriov-nic did not start" >&2; cat "$T/nic.log" >&2; exit 1; }
ip -n "${P}h" link set pf0v0 netns "${P}v"
ip -n "${P}v" link set pf0v0 up

# ---- the kernel reference ----
mkns kh; mkns kt; mkns kv
ip -n "${P}kh" link add br0 type bridge
ip -n "${P}kh" link add k-pf type veth peer tor0 netns "${P}kt"
ip -n "${P}kh" link add k-vm type veth peer eth0 netns "${P}kv"
ip -n "${P}kh" link set k-pf master br0
ip -n "${P}kh" link set k-vm master br0
ip -n "${P}kv" link set eth0 address "$VF_MAC"
for l in br0 k-pf k-vm; do ip -n "${P}kh" link set "$l" up; done
ip -n "${P}kt" link set tor0 up
ip -n "${P}kv" link set eth0 up
sleep 0.5

echo "seam-sriov-nic (VLAN 2901 pushed/stripped) vs kernel veth+bridge (untagged), $SECS s per run, frames/s received"
printf '%-10s %-7s %16s %16s %16s %16s\n' direction frame seam-sriov-nic "(offered)" "kernel bridge" "(offered)"
for size in $SIZES; do
    label=$((size + 4))B
    [ "$size" = 1514 ] && label=1500B
    nic=$(measure "${P}v" pf0v0 "$size" 0 "$VF_MAC" "$TOR_MAC" "${P}t" tor0); nic_off=$(offered)
    br=$(measure "${P}kv" eth0 "$size" 0 "$VF_MAC" "$TOR_MAC" "${P}kt" tor0); br_off=$(offered)
    printf '%-10s %-7s %16s %16s %16s %16s\n' "VF->wire" "$label" "$nic" "$nic_off" "$br" "$br_off"
    nic=$(measure "${P}t" tor0 "$size" 2901 "$TOR_MAC" "$VF_MAC" "${P}v" pf0v0); nic_off=$(offered)
    br=$(measure "${P}kt" tor0 "$size" 0 "$TOR_MAC" "$VF_MAC" "${P}kv" eth0); br_off=$(offered)
    printf '%-10s %-7s %16s %16s %16s %16s\n' "wire->VF" "$label" "$nic" "$nic_off" "$br" "$br_off"
done
ip netns exec "${P}h" "$NIC" ctl "$T/nic.ctl" show
