"""seam-lab: network-namespace labs of seam's use cases (see docs/lab.md)."""

import sys
from pathlib import Path

# The namespace helpers seam-lab shares with the tests (netns, seamcommon).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "tests" / "pylib"))
