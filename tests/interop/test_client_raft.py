"""seam's client library against a 3-member Raft cluster of ovsdb-server
(raftcluster.py: `ovsdb-tool create-cluster` / `join-cluster`, loopback).

The client follows the leader (leader_only, through _Server), and when the
leader is killed during a stream of transactions it moves to the new one,
resuming with monitor_cond_since (a clustered database has a history).
Every transaction it reported committed is in the database afterwards, and
none is there twice: a retry after a lost answer is built from the resynced
replica, which shows whether the first try committed."""

import signal

import clienttool as ct
import seamtest as st

DB = "hardware_vtep"


def names_in(dump):
    out = {}
    for row in dump.get("Logical_Switch", {}).values():
        out[row["name"]] = out.get(row["name"], 0) + 1
    return out


def test_follows_the_leader(raft_cluster, tools):
    leader = raft_cluster.leader()
    followers = [m for m in raft_cluster.members if m is not leader]
    # Followers first: the client must move on to the leader.
    tool = tools.start(DB, [m.unix for m in followers] + [leader.unix],
                       tables=["Logical_Switch:name"])
    r = tool.wait_synced(30000)
    assert r["remote"] == leader.unix, r
    assert r["stats"]["method"] == "monitor_cond_since"
    # --no-leader-only stays on the first member.
    tool2 = tools.start(DB, [followers[0].unix], tables=["Logical_Switch:name"],
                        extra=["--no-leader-only"])
    assert tool2.wait_synced(30000)["remote"] == followers[0].unix


def test_kill_leader_during_transactions(raft_cluster, tools):
    """Three rounds: an insert is sent, the leader is killed (SIGKILL) before
    the answer, more inserts follow; the dead member is restarted."""
    tool = tools.start(DB, raft_cluster.remotes, tables=["Logical_Switch:name"],
                       extra=["--probe=1000"])
    r = tool.wait_synced(30000)
    assert r["remote"] == raft_cluster.leader().unix, r
    results = {}
    i = 0

    def insert_sync():
        nonlocal i
        name = "ls%03d" % i
        i += 1
        results[name] = tool.insert("Logical_Switch", {"name": name}, timeout=120)

    killed = []
    for _ in range(3):
        for _ in range(5):
            insert_sync()
        leader = raft_cluster.leader()
        name = "ls%03d" % i
        i += 1
        tool.send("insert", table="Logical_Switch", row={"name": name})
        raft_cluster.kill(leader, signal.SIGKILL)
        killed.append(leader)
        results[name] = tool.reply(timeout=120)
        for _ in range(5):
            insert_sync()
        leader.start()
        raft_cluster.wait_healthy(60)
    new_leader = raft_cluster.wait_healthy(60)

    retried = {n: r for n, r in results.items() if r["tries"] > 1 or r["status"] != "success"}
    committed = [n for n, r in results.items() if r["status"] == "success"]
    assert len(committed) == len(results), results
    assert retried, "no insert was in flight when its leader died"
    dump = ct.ovs_dump_json(new_leader.unix, DB, ["Logical_Switch"])
    counts = names_in(dump)
    twice = {n: c for n, c in counts.items() if c > 1}
    assert not twice, "rows inserted twice: %r\nretried: %r" % (twice, retried)
    missing = [n for n in committed if counts.get(n) != 1]
    assert not missing, "reported committed but not in the database: %r" % missing
    # The replica converges on the cluster's contents.
    want = ct.canon_dump(dump, columns={"Logical_Switch": ["name"]})
    tool.run_until(lambda: ct.canon_dump(tool.dump(), ["Logical_Switch"]) == want,
                   timeout=30, what="the replica to equal the cluster's contents")
    s = tool.stats()
    assert s["n_connects"] >= 4 and s["n_syncs"] >= 4, s
    # A new leader has the client's last transaction in its history: the
    # client resumes instead of fetching everything again.
    assert s["n_resumed"] >= 1, s
    assert tool.quit() == 0
