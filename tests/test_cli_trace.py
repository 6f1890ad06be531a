"""lite_logging.cli._trace: view --trace prints a trace's spans as a tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_support import RECORDS, record, run_cli, write_jsonl

from lite_logging import cli

pytestmark = pytest.mark.once  # the command run as a process: see the marker in pyproject.toml


@pytest.fixture
def app_log(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "app.jsonl", list(RECORDS))


def span_record(n: int, name: str, span_id: str, parent: str | None, ms: float) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "span_name": name,
        "trace_id": "a" * 32,
        "span_id": span_id,
        "duration_ms": ms,
        "status": "ok",
        "attributes": {},
    }
    if parent:
        fields["parent_span_id"] = parent
    return record(n, logger="lite_logging.span", message=f"span {name} ok", **fields)


def indent(tree_line: str) -> int:
    """How deep a line of a rich tree is: the width of its guide characters."""
    return len(tree_line) - len(tree_line.lstrip(" │├└─"))


class TestTrace:
    def test_spans_as_a_tree_with_durations(self, tmp_path: Path) -> None:
        """--trace prints the trace's spans nested by parent_span_id, with durations."""
        lines = [
            record(3, message="in child", trace_id="a" * 32, span_id="c" * 16),
            span_record(4, "grandchild", "d" * 16, "c" * 16, 0.5),
            span_record(5, "child", "c" * 16, "b" * 16, 2.0),
            span_record(6, "root", "b" * 16, None, 10.0),
            record(7, message="other trace", trace_id="f" * 32, span_id="e" * 16),
        ]
        path = write_jsonl(tmp_path / "t.jsonl", lines)

        result = run_cli("view", str(path), "--trace", "aaaaaaaa")

        assert 0 == result.returncode, result.stderr
        out = result.stdout.splitlines()
        labels = ["root  10.000 ms", "child  2.000 ms", "in child", "grandchild  0.500 ms"]
        rows = [next(i for i, line in enumerate(out) if label in line) for label in labels]
        indents = [indent(out[row]) for row in rows]
        assert sorted(rows) == rows  # children in start order: the log line came first
        assert indents[0] < indents[1] < indents[2] == indents[3]
        assert "other trace" not in result.stdout

    def test_open_span_and_remote_parent(
        self, tmp_path: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """A span without end record still holds its records and child spans; a parent
        missing from the input is named on its child."""
        lines = [
            record(1, message="in open span", trace_id="a" * 32, span_id="c" * 16),
            span_record(2, "inner", "d" * 16, "c" * 16, 0.5),
            span_record(3, "joined", "e" * 16, "f" * 16, 1.0),
        ]
        path = write_jsonl(tmp_path / "t.jsonl", lines)

        assert 0 == cli.main(["view", str(path), "--trace", "a" * 32])

        out = capfd.readouterr().out.splitlines()
        rows = {
            label: next(line for line in out if label in line)
            for label in ("(no end record)", "in open span", "inner  0.500 ms", "joined")
        }
        assert f"span {'c' * 16} (no end record)" in rows["(no end record)"]
        depth = {label: indent(line) for label, line in rows.items()}
        assert depth["(no end record)"] == depth["joined"]
        assert depth["(no end record)"] < depth["in open span"] == depth["inner  0.500 ms"]
        assert f"(parent {'f' * 16} not in the input)" in rows["joined"]

    def test_trace_with_follow_is_refused(self, app_log: Path) -> None:
        """--trace needs the whole file, so it cannot follow."""
        assert 2 == run_cli("view", str(app_log), "--trace", "ab", "-f").returncode
