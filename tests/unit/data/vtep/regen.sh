#!/bin/sh
# Regenerates vtepctl.db: a hardware_vtep database written by Open vSwitch's
# own ovsdb-server as the real vtep-ctl configures it (test_vtep_db.c loads
# it and builds a vtep_config from it).  Run from the source tree:
#   sh tests/unit/data/vtep/regen.sh
set -eu
out=$(cd "$(dirname "$0")" && pwd)/vtepctl.db
schema=/usr/share/openvswitch/vtep.ovsschema
tmp=$(mktemp -d)
trap '[ -f "$tmp/pid" ] && kill "$(cat "$tmp/pid")" 2>/dev/null; rm -rf "$tmp"' EXIT

ovsdb-tool create "$tmp/vtep.db" "$schema"
ovsdb-server --remote="punix:$tmp/sock" --pidfile="$tmp/pid" --detach \
    --no-chdir --unixctl="$tmp/ctl" --log-file="$tmp/log" "$tmp/vtep.db"
v() { vtep-ctl --db="unix:$tmp/sock" "$@"; }

v add-ps ps0
v set Physical_Switch ps0 tunnel_ips=10.0.0.1 description=seam-test
v add-port ps0 p0
v add-port ps0 p1
v add-ps other
v add-port other q0
v add-ls ls0
v set Logical_Switch ls0 tunnel_key=5000
v add-ls ls1
v set Logical_Switch ls1 tunnel_key=5001 replication_mode=source_node \
    other_config:arp-suppress=true
v add-ls ls2                                   # no tunnel_key: left out
v add-ls ls3
v set Logical_Switch ls3 tunnel_key=7000 replication_mode=service_node
v bind-ls ps0 p0 0 ls0
v bind-ls ps0 p0 100 ls1
v bind-ls ps0 p1 100 ls0
v bind-ls ps0 p1 200 ls2
v bind-ls other q0 5 ls3                       # another switch's binding
v add-ucast-remote ls0 00:11:22:33:44:55 10.0.0.2
v add-ucast-remote ls0 00:11:22:33:44:66 vxlan_over_ipv4 10.0.0.3
v set Ucast_Macs_Remote "$(v --columns=_uuid --bare find Ucast_Macs_Remote \
    MAC=\"00:11:22:33:44:66\")" ipaddr=192.168.1.66
v add-ucast-remote ls1 AA:BB:CC:DD:EE:FF 10.0.0.3
v add-ucast-remote ls3 00:00:00:00:00:07 10.0.0.9
v add-mcast-remote ls0 unknown-dst 10.0.0.2
v add-mcast-remote ls0 unknown-dst 10.0.0.3
v add-mcast-remote ls1 unknown-dst 10.0.0.4
v add-mcast-remote ls1 01:00:5e:00:00:01 10.0.0.2
v add-mcast-remote ls1 01:00:5e:00:00:01 10.0.0.4
v show > "$tmp/show"

kill "$(cat "$tmp/pid")"
while [ -e "$tmp/pid" ]; do sleep 0.05; done
ovsdb-tool compact "$tmp/vtep.db"
cp "$tmp/vtep.db" "$out"
cat "$tmp/show"
