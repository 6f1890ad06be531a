"""Smoke test of benchmarks/filters.py: it runs, measures every filter, and reports JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import ModuleType

import pytest
from conftest import import_script

pytestmark = pytest.mark.once  # a benchmark smoke run: see the marker in pyproject.toml

FILTERS_PY = Path(__file__).resolve().parent.parent / "benchmarks" / "filters.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """benchmarks/filters.py imported as a module (it is a script, not part of the package)."""
    return import_script(FILTERS_PY, "bench_filters")


class TestQuickRun:
    @pytest.mark.usefixtures("restore_logging")  # it configures bench.filters.* loggers
    def test_json_rows_cover_every_filter(
        self, bench: ModuleType, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--quick --json prints finite per-call figures for each filter and the call rows."""
        assert 0 == bench.main(["--quick", "--json", "--number", "20"])
        payload = json.loads(capsys.readouterr().out)
        groups = {row["group"] for row in payload["rows"]}
        expected = {
            "baseline",
            "NamespaceFilter",
            "SamplingFilter",
            "RateLimitFilter",
            "TransformFilter",
            "RedactFilter",
            "calls",
        }
        assert expected == groups
        assert all(math.isfinite(row["ns_per_call"]) for row in payload["rows"])
        assert {"python", "platform", "cpu", "cpus_available"} == set(payload["machine"])

    @pytest.mark.usefixtures("restore_logging")  # it configures bench.filters.* loggers
    def test_table_names_the_sampled_out_cost(
        self, bench: ModuleType, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The markdown output ends with the sampled-out call on both logger classes."""
        assert 0 == bench.main(["--quick", "--number", "20"])
        out = capsys.readouterr().out
        assert "| NamespaceFilter | passed (cached) |" in out
        last = out.rstrip().splitlines()[-1]
        assert last.startswith("Sampled-out call (target: makeRecord + 1,000 ns")
        assert "on a logging.Logger" in last
        assert "on an ll.Logger" in last
