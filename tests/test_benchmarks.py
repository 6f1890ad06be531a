"""Smoke tests of the benchmark harness (benchmarks/run.py): it runs and its check can fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import import_script

RUN_PY = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def run_module() -> ModuleType:
    """benchmarks/run.py imported as a module (it is a script, not part of the package)."""
    return import_script(RUN_PY, "bench_run")


def _jsonl(path: Path, rows: list[dict[str, object]]) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return str(path)


def _row(i: int) -> dict[str, object]:
    return {"message": f"user {i} logged in", "user_id": i, "request_id": "req-1", "tenant": "acme"}


@pytest.mark.once
class TestQuickRun:
    def test_quick_run_reports_a_passed_check(self, tmp_path: Path) -> None:
        """`run.py --quick` for stdlib/single runs a worker and reports its check as passed."""
        args = ["--quick", "--libs", "stdlib", "--scenarios", "single", "--out", str(tmp_path)]
        proc = subprocess.run(
            [sys.executable, str(RUN_PY), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert 0 == proc.returncode, proc.stderr
        payload = json.loads((tmp_path / "latest.json").read_text())
        entry = payload["summary"]["single/stdlib"]
        assert ("passed", 1) == (entry["status"], entry["passed"])
        assert 0 < entry["caller_ns"]["median"]
        assert "| single | stdlib | passed (1/1) |" in (tmp_path / "latest.md").read_text()


class TestCheckJsonl:
    def test_complete_output_passes(self, run_module: ModuleType, tmp_path: Path) -> None:
        """Every record present, parsed, with context: the check passes."""
        path = _jsonl(tmp_path / "out.jsonl", [_row(i) for i in range(5)])
        ok, _ = run_module.check_jsonl(path, 5, None)
        assert ok is True

    def test_lost_record_fails(self, run_module: ModuleType, tmp_path: Path) -> None:
        """One line fewer than records logged fails the check."""
        path = _jsonl(tmp_path / "out.jsonl", [_row(i) for i in range(4)])
        ok, detail = run_module.check_jsonl(path, 5, None)
        assert (False, "4 lines, expected 5") == (ok, detail)

    def test_missing_context_fails(self, run_module: ModuleType, tmp_path: Path) -> None:
        """A line without the ambient context fails the check."""
        rows = [_row(i) for i in range(3)]
        del rows[1]["tenant"]
        ok, detail = run_module.check_jsonl(_jsonl(tmp_path / "o.jsonl", rows), 3, None)
        assert (False, "line 2: context 'tenant' missing or wrong") == (ok, detail)

    def test_nested_context_passes(self, run_module: ModuleType, tmp_path: Path) -> None:
        """Context nested under another key (loguru's record.extra) is found."""
        rows = [{"record": {"extra": _row(i)}} for i in range(3)]
        ok, _ = run_module.check_jsonl(_jsonl(tmp_path / "o.jsonl", rows), 3, None)
        assert ok is True

    def test_unparsable_line_fails(self, run_module: ModuleType, tmp_path: Path) -> None:
        """A line that is not JSON fails the check."""
        path = tmp_path / "out.jsonl"
        path.write_text(json.dumps(_row(0)) + "\n{not json\n")
        ok, detail = run_module.check_jsonl(str(path), 2, None)
        assert (False, True) == (ok, detail.startswith("line 2 does not parse"))

    def test_sampling_that_keeps_nothing_fails(
        self, run_module: ModuleType, tmp_path: Path
    ) -> None:
        """At rate 0.01 of 10,000 records, an empty output fails the check."""
        path = tmp_path / "out.jsonl"
        path.write_text("")
        ok, detail = run_module.check_jsonl(str(path), 10_000, 0.01)
        assert (False, "0 lines kept of 10000 at rate 0.01") == (ok, detail)

    def test_sampled_lines_carry_the_rate(self, run_module: ModuleType, tmp_path: Path) -> None:
        """Kept lines with sample_rate pass; the count may vary around the rate."""
        rows = [{**_row(i), "sample_rate": 0.01} for i in range(90)]
        ok, _ = run_module.check_jsonl(_jsonl(tmp_path / "o.jsonl", rows), 10_000, 0.01)
        assert ok is True


class TestSummarize:
    def test_failed_run_is_not_timed(self, run_module: ModuleType) -> None:
        """A group with a failed run is reported failed, without figures."""
        results = [
            {"lib": "x", "scenario": "single", "status": "passed", "caller_ns": 1.0},
            {"lib": "x", "scenario": "single", "status": "failed", "detail": "lost"},
        ]
        entry = run_module.summarize(results)["single/x"]
        assert ("failed", "lost", False) == (entry["status"], entry["detail"], "caller_ns" in entry)

    def test_medians_with_min_and_max(self, run_module: ModuleType) -> None:
        """Figures are the median of the passed runs with their min and max."""
        results = [
            {"lib": "x", "scenario": "single", "status": "passed", "caller_ns": v, "records": 1}
            for v in (3.0, 1.0, 2.0)
        ]
        entry = run_module.summarize(results)["single/x"]
        assert {"median": 2.0, "min": 1.0, "max": 3.0} == entry["caller_ns"]


INSTRUCTIONS_PY = RUN_PY.parent / "instructions.py"


class TestInstructions:
    """benchmarks/instructions.py: the run it counts under valgrind, and its arguments."""

    @pytest.mark.parametrize(
        ("lib", "least", "most"), [("stdlib", 1000, 1010), ("lite-plain", 1, 100)]
    )
    def test_inner_run_logs_and_counts_writes(self, lib: str, least: int, most: int) -> None:
        """The counted run logs its records and reports the write syscalls they cost: one
        per record for stdlib's FileHandler, a batch's worth for ours."""
        proc = subprocess.run(
            [sys.executable, str(INSTRUCTIONS_PY), "--inside", lib, "--records", "1000"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert 0 == proc.returncode, proc.stderr
        writes = json.loads(proc.stdout.strip().splitlines()[-1])["syscw"]
        assert least <= writes <= most

    def test_unknown_row_is_named(self) -> None:
        """A row that _workloads does not know is refused before valgrind runs, by name."""
        proc = subprocess.run(
            [sys.executable, str(INSTRUCTIONS_PY), "--libs", "lite-plain,nope"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert 2 == proc.returncode
        assert "--libs: unknown nope" in proc.stderr
