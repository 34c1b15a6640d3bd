"""Pieces shared by the conftest.py files of the namespace suites
(tests/vtep, tests/nic): the report hook that lets a fixture see whether its
test failed, the check that skips a test this machine cannot run, and the
switch that keeps a failed test's namespaces.  A conftest.py imports the hook
by name, so that pytest finds it there."""

import os
import shutil

import pytest

from seamcommon import build_dir


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item (rep_setup, rep_call,
    rep_teardown) for fixtures to read."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def require_env(binary, name, tools, tool_hint=""):
    """Skips the test unless it runs as root, 'binary' (the path of the
    build's program 'name', or None) is built, and each program of 'tools'
    is installed ('tool_hint' follows the reason)."""
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, AF_PACKET)")
    if binary is None:
        pytest.skip("%s/%s not built (run `make` or set SEAM_BUILD)" % (build_dir(), name))
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip("%s not installed%s" % (tool, tool_hint))


def call_failed(request):
    """Whether the test of fixture 'request' failed in its call phase."""
    rep = getattr(request.node, "rep_call", None)
    return rep is not None and rep.failed


def keep_failed(request, env_var):
    """Whether to keep the failed test's namespaces: it failed and 'env_var'
    is set in the environment."""
    return call_failed(request) and os.environ.get(env_var)
