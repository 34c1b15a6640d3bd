"""Helpers shared by the pytest suites (tests/interop, tests/vtep): where the
build is, running a command, and polling for a condition.  Each suite's
helper module puts this directory on sys.path and re-exports these."""

import os
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def build_dir():
    """The build to test: $SEAM_BUILD (e.g. build-san), else build/."""
    return Path(os.environ.get("SEAM_BUILD", str(REPO / "build")))


def run_command(cmd, timeout=20, check=False, env=None, input=None):
    """Runs 'cmd' (a list; items are str()-ed) with text output captured and
    'env' added to the environment.  A non-zero exit raises AssertionError
    with the output only if 'check'."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       timeout=timeout, env=full_env, input=input)
    if check and p.returncode != 0:
        raise AssertionError("command failed (rc=%d): %s\nstdout:\n%s\nstderr:\n%s" % (
            p.returncode, " ".join(map(str, cmd)), p.stdout, p.stderr))
    return p


def wait_until(pred, timeout=10.0, what="condition", interval=0.01):
    """Polls pred() until it returns a true value, and returns that value.
    An exception from pred() counts as false (the last one is reported).
    Raises AssertionError naming 'what' when 'timeout' seconds pass."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - reported below
            last_exc = e
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s%s" % (
                timeout, what, " (last error: %r)" % last_exc if last_exc else ""))
        time.sleep(interval)
        interval = min(interval * 1.5, 0.1)
