"""Smoke test of benchmarks/trace_buffer.py: it runs and reports finite figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import import_script

pytestmark = pytest.mark.once  # a benchmark smoke run: see the marker in pyproject.toml

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "trace_buffer.py"


class TestQuickRun:
    def test_json_rows(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--quick --json prints a finite figure per row, listener and caller side."""
        bench = import_script(SCRIPT, "bench_trace_buffer")
        assert 0 == bench.main(["--quick", "--json", "--number", "1"])
        rows = json.loads(capsys.readouterr().out)["rows"]
        assert {"scale", "listener", "caller"} == {row["group"] for row in rows}
        assert all(math.isfinite(row["ns"]) and row["ns"] > 0 for row in rows)
