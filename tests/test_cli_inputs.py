"""lite_logging.cli._inputs and ._report: inputs in turn, failures named once, exit codes."""

from __future__ import annotations

import io
from pathlib import Path

from cli_support import RECORDS, write_jsonl

from lite_logging.cli._inputs import Inputs
from lite_logging.cli._report import Reporter
from lite_logging.cli.readers import EDN_MISSING, Entry


class TestReporter:
    def test_edn_missing_is_named_once_per_file(self) -> None:
        """Several lines needing edn_format name their file once, with the first line."""
        err = io.StringIO()
        report = Reporter(err)

        for source, lineno in (("a.edn", 3), ("a.edn", 4), ("b.edn", 1)):
            report.check(Entry(source, lineno, "{...}", None, EDN_MISSING))

        assert (1, ["a.edn:3", "b.edn:1"]) == (
            report.exit_code,
            [line.split(": ")[1] for line in err.getvalue().splitlines()],
        )

    def test_malformed_lines_are_no_failure(self) -> None:
        """Other malformed lines leave the exit code at 0."""
        report = Reporter(io.StringIO())

        report.check(Entry("a", 1, "junk", None, "not JSON: ..."))

        assert 0 == report.exit_code


class TestInputs:
    def test_unreadable_file_is_skipped(self, tmp_path: Path) -> None:
        """A missing file is reported; the next file is still read."""
        err = io.StringIO()
        report = Reporter(err)
        good = write_jsonl(tmp_path / "a.jsonl", list(RECORDS))

        entries = list(Inputs([str(tmp_path / "nope"), str(good)], report).entries())

        assert (len(RECORDS), 1) == (len(entries), report.exit_code)
        assert f"lite-logging: cannot read {tmp_path / 'nope'}: " in err.getvalue()

    def test_tail_keeps_the_last_entries_that_pass(self, tmp_path: Path) -> None:
        """With tail=N only the last N entries that keep accepts are read back."""
        good = write_jsonl(tmp_path / "a.jsonl", list(RECORDS))
        inputs = Inputs(
            [str(good)], Reporter(io.StringIO()), 2, lambda e: e.record is not None
            and e.record["level"] in ("DEBUG", "INFO")
        )  # fmt: skip

        assert ["select 1", "user 42 logged in"] == [
            e.record["message"] for e in inputs.entries() if e.record is not None
        ]
