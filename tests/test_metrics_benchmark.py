"""Smoke test of benchmarks/metrics.py: it runs and compares both libraries per operation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import import_script

pytestmark = pytest.mark.once  # a benchmark smoke run: see the marker in pyproject.toml

pytest.importorskip("prometheus_client", reason="the 'prometheus' extra is not installed")

METRICS_PY = Path(__file__).resolve().parent.parent / "benchmarks" / "metrics.py"


def test_quick_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--quick --json prints a finite figure for both libraries on the shared operations."""
    bench = import_script(METRICS_PY, "bench_metrics")
    assert 0 == bench.main(["--quick", "--json", "--number", "50"])
    rows = json.loads(capsys.readouterr().out)["rows"]
    libs = {(r["operation"], r["library"]) for r in rows}
    assert ("counter inc()", "lite_logging") in libs
    assert ("counter inc()", "prometheus_client") in libs
    assert all(math.isfinite(r["ns"]) and r["ns"] >= 0 for r in rows)
