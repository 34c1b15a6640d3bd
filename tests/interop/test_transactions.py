"""Differential transactions: the corpus in data/transactions/*.json.

Each case file is a JSON object:
  "description": what it covers,
  "schema":      "vtep" (default, /usr/share/openvswitch/vtep.ovsschema),
                 "seamgc" (data/seamgc.ovsschema: self and weak references
                 between non-root rows, for garbage collection) or
                 "seamtest" (data/seamtest.ovsschema: real/boolean columns and
                 weak references, which hardware_vtep does not have),
  "transactions": a list of "transact" params (["db", op, ...]), executed in
                 order on one connection to a fresh database.  A string "<N>"
                 anywhere in a later transaction stands for the real UUID that
                 got token <N> in the earlier replies.
  "compare_ignore" (optional): members of error objects left out of the
                 seam-vs-ovs comparison, with the reason in "description".

What is compared, after UUID normalisation (tokens <0>, <1>, ... in order of
appearance, except the all-zero UUID and UUIDs written literally in the case; rows of "select" results and of dumps sorted by content):
  - every reply body exactly: "result" (per-op results: uuid, count, rows,
    error, details, syntax) and the JSON-RPC "error";
  - a dump of every table (all columns but _version) after the last
    transaction;
  - the same dump after the server was stopped with SIGTERM and restarted on
    its file (ephemeral columns are not persisted, so this may differ).
Three canonicalisations, because ovsdb-server's own output depends on hash
or UUID order:
  - "select" rows and dump rows are sorted;
  - sets of UUIDs (and maps keyed by UUIDs) are put in token order;
  - in the index-uniqueness error, the two rows ("First row ... Second row")
    are put in token order;
  - the elapsed time in '"wait" timed out after N ms' becomes <N>.
_version values are never compared (they are random per modification).

"ovs" is checked against the recorded <case>.expect (recorded from ovsdb-server
3.1 with SEAM_INTEROP_REGEN=1); "seam" against a live ovsdb-server run.
"""

import json
import os
import re

import pytest

import seamtest as st

CASES_DIR = st.DATA / "transactions"
SCHEMAS = {"vtep": st.VTEP_SCHEMA, "seamtest": st.TEST_SCHEMA,
           "seamgc": st.DATA / "seamgc.ovsschema"}
CASES = sorted(p.stem for p in CASES_DIR.glob("*.json"))

INDEX_ERR_RE = re.compile(
    r"(?P<head>.*?  )First row, with UUID (?P<u1><\d+>), (?P<w1>[^.]*)\.  "
    r"Second row, with UUID (?P<u2><\d+>), (?P<w2>[^.]*)\.$", re.S)


def load_case(name):
    with open(CASES_DIR / ("%s.json" % name)) as f:
        case = json.load(f)
    if isinstance(case, list):          # bare list of transact params
        case = {"transactions": case}
    case.setdefault("schema", "vtep")
    return case


WAIT_MS_RE = re.compile(r'^"wait" timed out after \d+ ms$')


def canonical_index_error(s):
    if WAIT_MS_RE.match(s):
        return '"wait" timed out after <N> ms'
    m = INDEX_ERR_RE.match(s)
    if not m:
        return s
    a = (m.group("u1"), m.group("w1"))
    b = (m.group("u2"), m.group("w2"))
    if int(a[0][1:-1]) > int(b[0][1:-1]):
        a, b = b, a
    return "%sFirst row, with UUID %s, %s.  Second row, with UUID %s, %s." % (
        m.group("head"), a[0], a[1], b[0], b[1])


def canonical_reply(body, umap):
    result = body.get("result")
    if isinstance(result, list):
        # Tokens for inserted rows first, in operation order.
        for r in result:
            if isinstance(r, dict) and isinstance(r.get("uuid"), list):
                umap.token(r["uuid"][1])
        result = [dict(r, rows=st.canonical_rows(r["rows"], umap))
                  if isinstance(r, dict) and isinstance(r.get("rows"), list) else r
                  for r in result]
        body = dict(body, result=result)
    body = st.sort_uuid_sets(umap.obj(body))
    if isinstance(body.get("result"), list):
        for r in body["result"]:
            if isinstance(r, dict) and isinstance(r.get("details"), str):
                r["details"] = canonical_index_error(r["details"])
    return body


def run_case(srv, case):
    schema = st.load_schema(SCHEMAS[case["schema"]])
    db = schema["name"]
    # UUIDs written literally in the case stay as they are in the output.
    umap = st.UuidMap(fixed=st.UUID_RE.findall(json.dumps(case["transactions"])))
    replies = []
    with st.Rpc(srv.unix) as c:
        for params in case["transactions"]:
            reply = c.call("transact", st.substitute_tokens(params, umap), timeout=15)
            replies.append(canonical_reply(st.reply_body(reply), umap))
        dump = st.normalize_dump(st.dump_tables(c, db, schema), umap)
    srv.restart()
    with st.Rpc(srv.unix) as c:
        dump2 = st.normalize_dump(st.dump_tables(c, db, schema), umap)
    return {"replies": replies, "dump": dump,
            "dump_after_restart": "same as dump" if dump2 == dump else dump2}


def strip_members(o, names):
    if isinstance(o, list):
        return [strip_members(x, names) for x in o]
    if isinstance(o, dict):
        if "error" in o:
            o = {k: v for k, v in o.items() if k not in names}
        return {k: strip_members(v, names) for k, v in o.items()}
    return o


@pytest.mark.parametrize("case_name", CASES)
def test_transactions(case_name, impl, servers):
    case = load_case(case_name)
    schema = SCHEMAS[case["schema"]]
    got = run_case(servers.start(impl, schema=schema), case)
    expect_path = CASES_DIR / ("%s.expect" % case_name)
    if impl == "ovs":
        if os.environ.get("SEAM_INTEROP_REGEN"):
            expect_path.write_text(st.pretty(got) + "\n")
        assert expect_path.exists(), (
            "no recorded result %s: record it from ovsdb-server with "
            "SEAM_INTEROP_REGEN=1 SEAM_INTEROP_IMPLS=ovs" % expect_path.name)
        st.assert_same_text(st.pretty(got), expect_path.read_text().rstrip("\n"),
                            "ovsdb-server now", "recorded")
        return
    want = run_case(servers.start("ovs", schema=schema), case)
    ignore = case.get("compare_ignore", [])
    st.assert_same_text(st.pretty(strip_members(got, ignore)),
                        st.pretty(strip_members(want, ignore)))


def test_corpus_size():
    assert len(CASES) >= 40
