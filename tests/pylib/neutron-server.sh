#!/bin/bash
# The reference Neutron API for the tests that compare seamd with it:
# Debian's neutron-server (ML2 with vxlan/vlan/flat, the segments service
# plugin, networking-l2gw) on a private MariaDB, no auth, no agents, no
# message bus, listening on 127.0.0.1:$PORT (default 9797).
#
#   neutron-server.sh up DIR      start it; DIR holds all its state
#   neutron-server.sh down DIR    stop the two daemons started by 'up'
#
# As root (MariaDB runs as user mysql).  Prints "neutron-server up on
# 127.0.0.1:PORT" when it answers.  sqlite cannot run Neutron's migrations,
# hence MariaDB; scripts/install-deps installs both.
set -eu
cmd=${1:?usage: neutron-server.sh up|down DIR}
dir=${2:?usage: neutron-server.sh up|down DIR}
port=${PORT:-9797}

stop() {
    local f
    for f in "$dir/neutron.pid" "$dir/db/mysqld.pid"; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
}

case $cmd in
down) stop; exit 0 ;;
up) ;;
*) echo "neutron-server.sh: unknown command $cmd" >&2; exit 2 ;;
esac

# mysqld runs as 'mysql': it must reach a private mktemp directory.
chmod 755 "$dir"
mkdir -p "$dir/data" "$dir/db" "$dir/locks"
chown mysql:mysql "$dir/data" "$dir/db"
[ -d "$dir/data/mysql" ] || mariadb-install-db --user=mysql --datadir="$dir/data" >"$dir/install-db.log" 2>&1
sock=$dir/db/mysqld.sock
mariadbd --user=mysql --datadir="$dir/data" --socket="$sock" --skip-networking \
    --pid-file="$dir/db/mysqld.pid" >"$dir/mariadb.log" 2>&1 &
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { echo "neutron-server.sh: MariaDB did not start (see $dir/mariadb.log)" >&2; exit 1; }
mariadb --socket="$sock" -e "CREATE DATABASE IF NOT EXISTS neutron;
  CREATE USER IF NOT EXISTS 'neutron'@'localhost' IDENTIFIED BY 'neutron';
  GRANT ALL ON neutron.* TO 'neutron'@'localhost';"

cat >"$dir/neutron.conf" <<CONF
[DEFAULT]
core_plugin = ml2
service_plugins = segments,networking_l2gw.services.l2gateway.plugin.L2GatewayPlugin
auth_strategy = noauth
bind_host = 127.0.0.1
bind_port = $port
api_workers = 0
rpc_workers = 0
rpc_state_report_workers = 0
transport_url = fake:/
state_path = $dir
api_paste_config = /etc/neutron/api-paste.ini
[database]
connection = mysql+pymysql://neutron:neutron@localhost/neutron?unix_socket=$sock
[ml2]
type_drivers = vxlan,vlan,flat
tenant_network_types = vxlan
mechanism_drivers = sriovnicswitch
extension_drivers = port_security
[ml2_type_vxlan]
vni_ranges = 5000:6000
[ml2_type_vlan]
network_vlan_ranges = physnet1:2900:2999
[oslo_concurrency]
lock_path = $dir/locks
CONF
neutron-db-manage --config-file "$dir/neutron.conf" upgrade heads >"$dir/db-manage.log" 2>&1
# /etc/neutron/l2gw_plugin.ini names the L2GW service provider (once only).
neutron-server --config-file "$dir/neutron.conf" --config-file /etc/neutron/l2gw_plugin.ini \
    --log-file "$dir/neutron-server.log" >/dev/null 2>&1 &
echo $! >"$dir/neutron.pid"
for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$port/v2.0/networks" >/dev/null && break
    sleep 0.5
done
curl -sf "http://127.0.0.1:$port/v2.0/networks" >/dev/null \
    && echo "neutron-server up on 127.0.0.1:$port" \
    || { echo "neutron-server.sh: no answer (see $dir/neutron-server.log)" >&2; exit 1; }
