"""lite_logging.cli._levels, ._times, ._args and ._select: what the filter options mean."""

from __future__ import annotations

import argparse
import datetime
import logging

import pytest
from cli_support import RECORD

from lite_logging.cli import _args, _levels, _select, _times
from lite_logging.cli._parser import build_parser


def _selection(*options: str) -> _select.Select:
    return _select.Select(build_parser().parse_args(["stats", *options]))


class TestLevels:
    def test_the_stdlib_table_plus_loguru(self) -> None:
        """Every stdlib level name maps as logging maps it; TRACE and SUCCESS are loguru's."""
        expected = {name: logging.getLevelName(name) for name in ("DEBUG", "WARN", "FATAL")}

        assert expected == {name: _levels.LEVELS[name] for name in expected}
        assert (5, 25) == (_levels.LEVELS["TRACE"], _levels.LEVELS["SUCCESS"])

    @pytest.mark.parametrize(
        ("written", "number"),
        [("warning", 30), ("Level 7", 7), (42, 42), (True, 0), ("LOUD", 0), (None, 0)],
    )
    def test_levelno(self, written: object, number: int) -> None:
        """Names in any case, "Level N" and numbers; anything else counts as 0."""
        assert number == _levels.levelno(written)


class TestTimes:
    def test_relative_since(self) -> None:
        """A span ago (15m) counts back from now."""
        now = _times.parse_iso("2026-11-26T16:30:00Z")

        assert _times.parse_iso("2026-11-26T16:15:00Z") == _times.parse_time("15m", now)

    def test_offsets_become_utc(self) -> None:
        """An offset is turned into UTC; the schema form has microseconds and Z."""
        when = _times.parse_iso("2026-11-26T17:30:00+01:00")

        assert "2026-11-26T16:30:00.000000Z" == _times.format_utc(when)

    def test_bad_time_is_a_usage_error(self) -> None:
        """--since that is neither form raises argparse's type error."""
        with pytest.raises(argparse.ArgumentTypeError, match="ISO 8601"):
            _args.time_arg("last tuesday")

    def test_canonical_time_of_other_forms(self) -> None:
        """A timestamp with an offset compares in the schema's form; junk has none."""
        assert ("2026-11-26T16:30:00.000000Z", None) == (
            _times.canonical_time({"timestamp": "2026-11-26T17:30:00+01:00"}),
            _times.canonical_time({"timestamp": "junk"}),
        )


class TestSelect:
    def test_no_option_selects_all(self) -> None:
        """Without filter options every record is selected."""
        select = _selection("--json")

        assert (True, True) == (select.selects_all, select({}))

    def test_all_given_options_must_hold(self) -> None:
        """Level, logger, where and time range together."""
        select = _selection(
            "--level", "INFO", "--logger", "shop.*", "--where", "context.request_id=r-1",
            "--since", "2026-11-26T16:00:00Z",
        )  # fmt: skip

        assert (True, False) == (select(RECORD), select({**RECORD, "logger": "shopping"}))

    def test_lookup_prefers_a_key_holding_dots(self) -> None:
        """A key that itself contains a dot is found before the nested path."""
        data = {"a.b": 1, "a": {"b": 2}}

        assert ((True, 1), (True, 2), (False, None)) == (
            _select.lookup(data, "a.b"),
            _select.lookup({"a": {"b": 2}}, "a.b"),
            _select.lookup(data, "a.c"),
        )

    def test_records_without_time_fail_a_time_range(self) -> None:
        """--since leaves out records without a readable timestamp."""
        select = _selection("--since", "1h")

        assert (False, True) == (
            select({"message": "x"}),
            select({"timestamp": _times.format_utc(datetime.datetime.now(datetime.timezone.utc))}),
        )
