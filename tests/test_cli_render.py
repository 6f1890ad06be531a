"""lite_logging.cli._render: read-back records as LogRecords, escaping, compact values."""

from __future__ import annotations

import io
import logging

from cli_support import RECORD

from lite_logging.cli import _render


class TestAsLogRecord:
    def test_fields_become_record_attributes(self) -> None:
        """Level, logger, source and time are placed; a LogRecord attribute name gets extra."""
        when = _render.shown_time(RECORD)
        record = _render.as_log_record({**RECORD, "thread": "t-1"}, when)

        assert (logging.INFO, "shop.api", 17, "login", "t-1") == (
            record.levelno,
            record.name,
            record.lineno,
            record.funcName,
            record.__dict__["extra.thread"],
        )
        assert when is not None
        assert when.timestamp() == record.created

    def test_no_usable_time(self) -> None:
        """Without a timestamp, or with one that is not a time, shown_time is None."""
        assert (None, None) == (
            _render.shown_time({"message": "x"}),
            _render.shown_time({"timestamp": "yesterday"}),
        )


class TestText:
    def test_escape_controls(self) -> None:
        """Escapes and bidi overrides become visible; a newline is indented."""
        assert "a\\x1b[2Jb\n    c \\u202e" == _render.escape("a\x1b[2Jb\nc \u202e")

    def test_compact_values(self) -> None:
        """Plain words stay; strings with spaces or '=' are quoted; other values as JSON."""
        assert ["ada", '"a b"', '"k=v"', "42", "null", '"NaN"'] == [
            _render.compact(v) for v in ("ada", "a b", "k=v", 42, None, float("nan"))
        ]

    def test_placeholder_has_the_width_of_a_time(self) -> None:
        """--:--:--.--- keeps the columns of timed lines."""
        assert len("16:30:00.123") == len(_render.NO_TIME)


class TestPretty:
    def test_date_line_only_for_timed_records(self) -> None:
        """A date line precedes the first timed record; an untimed one prints none."""
        out = io.StringIO()
        pretty = _render.Pretty(_render.console(out))

        pretty.show({"message": "untimed"})
        pretty.show(RECORD)

        lines = out.getvalue().splitlines()
        assert lines[0].startswith(_render.NO_TIME)
        assert lines[1].startswith("-- 2026-11-2")
