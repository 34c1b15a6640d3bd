"""The differential fuzzer (difffuzz.py) for a few fixed seeds: random
transactions to seam-ovsdb and ovsdb-server must get the same answers and
leave the same contents.  Longer runs: python3 tests/interop/difffuzz.py
--seeds 20 --rounds 1000."""

import pytest

import difffuzz
from conftest import require_impl


@pytest.mark.parametrize("schema", ["seamtest", "seamgc", "vtep"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_difffuzz(schema, seed):
    require_impl("ovs")
    require_impl("seam")
    assert difffuzz.run(seed, 150, schema), "differences: see the output above"
