"""pytest inside Pyodide (CPython 3.14 in WebAssembly), run by run.mjs: the test files named
in tests/pyodide/test-files.txt, which need neither threads nor subprocesses (a test in them
that does is skipped there, with the reason; see tests/conftest.py). Returns the outcome
counts as JSON for tests/test_pyodide.py to assert on.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent


class _Count:
    """A pytest plugin that counts outcomes and keeps the failures' ids."""

    def __init__(self) -> None:
        self.counts = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
        self.failures: list[str] = []
        self.skip_reasons: dict[str, int] = {}
        self.seconds: dict[str, float] = {}  # per test file

    def pytest_runtest_logreport(self, report: Any) -> None:
        name = report.nodeid.split("::")[0].rsplit("/", 1)[-1]
        self.seconds[name] = self.seconds.get(name, 0.0) + report.duration
        if report.when == "call" and report.passed:
            self.counts["passed"] += 1
        elif report.failed:
            key = "failed" if report.when == "call" else "errors"
            self.counts[key] += 1
            self.failures.append(f"{report.nodeid} ({report.when})")
        elif report.skipped:
            self.counts["skipped"] += 1
            reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
            self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.counts["errors"] += 1
            self.failures.append(f"{report.nodeid} (collect)")


def _files(only: list[str] | None = None) -> list[str]:
    """The files listed in test-files.txt (comments and blank lines left out), or ``only``."""
    names = only or (HERE / "test-files.txt").read_text().splitlines()
    return [str(TESTS / n.split("#")[0].strip()) for n in names if n.split("#")[0].strip()]


def main(extra: list[str] | None = None, only: list[str] | None = None) -> str:
    """Run pytest over the listed files (or the test files ``only``); the counts as JSON."""
    counter = _Count()
    files = _files(only)
    args = ["-q", "-p", "no:cacheprovider", "-m", "not heavy and not slow", *files]
    exit_code = pytest.main([*args, *(extra or [])], plugins=[counter])
    return json.dumps(
        {
            "python": sys.version.split()[0],
            "exit_code": int(exit_code),
            **counter.counts,
            "failures": counter.failures[:50],
            "skip_reasons": counter.skip_reasons,
            "seconds": {k: round(v, 2) for k, v in sorted(counter.seconds.items())},
            "files": [Path(f).name for f in files],
        }
    )
