"""Test-suite wide settings: every skip is listed in the summary with its reason, and a skip for a
missing optional package names the command that installs it.

Data files ship with optlib (optlib.datasets); a test that needs a larger set skips with a reason
naming $OPTLIB_DATA and the source URL (optlib.datasets.missing gives that text).
"""
from __future__ import annotations

import re

import pytest

#: the install command per importable module, as the examples and the package's errors print it
INSTALL = {"torch": "pip install torch==2.13.0", "matplotlib": "pip install optlib[plots]",
           "PIL": "pip install optlib[images]", "dask": "pip install optlib[dask]",
           "distributed": "pip install optlib[dask]", "pyscipopt": "pip install pyscipopt",
           "hypothesis": "pip install optlib[test]"}

_NOT_IMPORTED = re.compile(r"could not import '(?P<module>[\w.]+)'")


def install_hint(reason: str) -> str:
    """`reason` with ' -- install: CMD' appended when it is pytest.importorskip's 'could not import
    'MODULE'' of a third-party package (optlib's own modules are left as they are)."""
    m = _NOT_IMPORTED.search(reason)
    if m is None or "install:" in reason:
        return reason
    top = m.group("module").split(".")[0]
    if top in ("optlib", "solvers", "problems"):
        return reason
    return f"{reason} -- install: {INSTALL.get(top, f'pip install {top}')}"


def _rewrite(report) -> None:
    longrepr = getattr(report, "longrepr", None)
    if report.skipped and isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, line, reason = longrepr
        report.longrepr = (path, line, install_hint(str(reason)))


def pytest_configure(config: pytest.Config) -> None:
    """List skipped tests with their reasons in the short summary (as `-rs` does)."""
    chars = getattr(config.option, "reportchars", None)
    if isinstance(chars, str) and "s" not in chars and "a" not in chars and "A" not in chars:
        config.option.reportchars = chars + "s"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _rewrite(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _rewrite(outcome.get_result())
