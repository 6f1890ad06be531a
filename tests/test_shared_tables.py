"""lite_logging._levels and ._durations: the level and duration tables every module shares."""

from __future__ import annotations

import logging

import pytest

from lite_logging import _durations, _levels
from lite_logging.cli import _levels as cli_levels
from lite_logging.filters import _common


class TestParseLevel:
    """parse_level: names logging knows now, numbers; errors name the option."""

    @pytest.mark.parametrize(
        ("value", "expected"), [("info", 20), (" Warning ", 30), ("15", 15), (0, 0), (42, 42)]
    )
    def test_levels(self, value: object, expected: int) -> None:
        """Names in any case, numeric strings and non-negative ints."""
        assert expected == _levels.parse_level("k", value)

    @pytest.mark.parametrize("value", ["LOUD", "TRACE", -1, True, None, 1.5])
    def test_bad(self, value: object) -> None:
        """Unknown names (loguru's too), negatives, bools and other types name the key."""
        with pytest.raises(ValueError, match=r'"keep_level" must be a level name'):
            _levels.parse_level("keep_level", value)

    def test_added_level_counts(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A level added with logging.addLevelName after import is known."""
        # what addLevelName(17, ...) does, undone after the test
        monkeypatch.setitem(logging._nameToLevel, "TESTS_SHARED_NOTICE", 17)
        assert 17 == _levels.parse_level("k", "tests_shared_notice")

    def test_one_table(self) -> None:
        """The filters and the CLI use this module's functions, not copies."""
        assert _levels.parse_level is _common.parse_level
        assert {"TRACE": 5, "SUCCESS": 25, "INFO": 20}.items() <= cli_levels.LEVELS.items()


class TestParseDuration:
    """parse_duration: a number and a unit, one unit table."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("90s", 90.0), ("15m", 900.0), ("1.5 hours", 5400.0), ("2d", 172800.0), ("1w", 604800.0)],
    )
    def test_durations(self, text: str, expected: float) -> None:
        """Units s, m, h, d, w and their long names."""
        assert expected == _durations.parse_duration(text)

    def test_bare_unit(self) -> None:
        """A unit alone is one of it only when asked (the window of "100/min")."""
        assert (None, 60.0) == (
            _durations.parse_duration("min"),
            _durations.parse_duration("min", bare_unit=True),
        )

    @pytest.mark.parametrize("text", ["", "15", "15 parsecs", "1.2.3s", "-5s"])
    def test_not_a_duration(self, text: str) -> None:
        """Anything else is None."""
        assert _durations.parse_duration(text) is None
