#!/usr/bin/python3
"""Time the Open vSwitch Python IDL's initial sync of a hardware_vtep replica.

Run with /usr/bin/python3 (Debian's python3-openvswitch provides the `ovs` module and
its C JSON parser).  Connects an ovs.db.idl.Idl to a server, runs it until the first
monitor reply has been applied (state IDL_S_MONITORING), and prints one JSON line:

  {"side": "python", "sync_s": wall seconds from process start, "idl_s": from
   Idl() creation, "rows": Ucast_Macs_Remote rows in the replica, "rss_kib": own VmRSS
   after the sync, "hwm_kib": own VmHWM, "cpu_s": own utime+stime up to the sync,
   "tables": {table: rows}}

  /usr/bin/python3 bench/idl_sync.py --remote unix:/path/db.sock [--tables T1,T2] [--hold]

By default every table of the schema is monitored (what `register_all()` does), like
`seam-ovsdb-client dump` without --table.  The exit status is 1 when the sync does not
complete within --timeout seconds or the server closes the connection.
"""
import argparse
import json
import os
import sys
import time

# Process start, as close as Python allows: the import of ovs.* is part of the cost.
T_START = time.monotonic()
try:
    with open("/proc/self/stat") as f:
        _st = f.read().rsplit(")", 1)[1].split()
    # starttime (field 22) in clock ticks since boot, against /proc/uptime: the
    # interpreter's own startup is counted too, as it is for the C client.
    with open("/proc/uptime") as f:
        _up = float(f.read().split()[0])
    T_START -= max(0.0, _up - int(_st[19]) / os.sysconf("SC_CLK_TCK"))
except (OSError, ValueError, IndexError):
    pass

import ovs.db.idl  # noqa: E402
import ovs.poller  # noqa: E402
import ovs.vlog  # noqa: E402


def own_status():
    """(VmRSS KiB, VmHWM KiB, utime+stime s) of this process."""
    rss = hwm = None
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return rss, hwm, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--remote", required=True, help="unix:PATH (or tcp:IP:PORT)")
    ap.add_argument("--schema", default="/usr/share/openvswitch/vtep.ovsschema")
    ap.add_argument("--tables", default="",
                    help="comma-separated tables to register (default: all)")
    ap.add_argument("--table", default="Ucast_Macs_Remote", help="table whose rows are counted")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--hold", action="store_true",
                    help="after the JSON line, keep the replica until a 'quit' line (or EOF) on "
                         "stdin, so that a driver can read /proc/PID at that moment")
    a = ap.parse_args()

    ovs.vlog.Vlog.init(None)  # no log file; warnings (if any) go to stderr
    helper = ovs.db.idl.SchemaHelper(location=a.schema)
    if a.tables:
        for t in a.tables.split(","):
            helper.register_table(t)
    else:
        helper.register_all()

    t_idl = time.monotonic()
    idl = ovs.db.idl.Idl(a.remote, helper)
    deadline = t_idl + a.timeout
    while True:
        idl.run()
        if idl.state == idl.IDL_S_MONITORING:
            break
        if not idl._session.is_alive() or time.monotonic() > deadline:
            sys.stderr.write("idl_sync: no sync with %s (state %d, %s)\n"
                             % (a.remote, idl.state,
                                "timed out" if idl._session.is_alive() else "connection gone"))
            sys.exit(1)
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(1000)
        poller.block()
    t_done = time.monotonic()
    rss, hwm, cpu = own_status()
    tables = {name: len(t.rows) for name, t in sorted(idl.tables.items())}
    print(json.dumps({
        "side": "python",
        "sync_s": round(t_done - T_START, 4),
        "idl_s": round(t_done - t_idl, 4),
        "rows": tables.get(a.table, 0),
        "rss_kib": rss,
        "hwm_kib": hwm,
        "cpu_s": round(cpu, 3),
        "tables": tables,
    }), flush=True)
    if a.hold:
        for line in sys.stdin:
            if "quit" in line:
                break
    idl.close()


if __name__ == "__main__":
    main()
