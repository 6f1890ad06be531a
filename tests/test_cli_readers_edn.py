"""lite_logging.cli.readers._edn and ._fast_edn: EDN read fast, by edn_format, or without it."""

from __future__ import annotations

import datetime
import decimal
import json
import logging
import sys
from typing import Any

import edn_format
import pytest
from cli_support import EDN_LINE, RECORD, read_bytes
from hypothesis import given, settings
from hypothesis import strategies as st

from lite_logging.cli._times import format_utc
from lite_logging.cli.readers import EDN_MISSING, to_edn_line, to_json_line
from lite_logging.cli.readers import _edn as edn_reader
from lite_logging.cli.readers._fast_edn import UnsupportedError, parse_fast_edn
from lite_logging.formats._encoding import MAX_DEPTH
from lite_logging.formats.edn import EdnFormatter


@pytest.fixture
def no_edn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend edn_format is not installed: importing it fails."""
    monkeypatch.setitem(sys.modules, "edn_format", None)


class TestWithoutEdnFormat:
    def test_our_edn_needs_no_extra(self, no_edn: None) -> None:
        """Lines as EdnFormatter writes them read without edn_format, to the same data."""
        record = logging.LogRecord("shop", logging.INFO, __file__, 3, "hi", (), None)
        record.__dict__.update(n=1, f=2.5, tags=["a"], ctx={"k": None})
        lines = [EDN_LINE, EdnFormatter().format(record), to_edn_line(RECORD)]

        entries = read_bytes("\n".join(lines).encode())

        assert [None, None, None] == [e.error for e in entries]
        assert [RECORD, RECORD] == [entries[0].record, entries[2].record]

    def test_sets_decimals_and_dates_need_no_extra(self, no_edn: None) -> None:
        """EdnFormatter's sets of strings or numbers, decimals and dates read without it."""
        record = logging.LogRecord("shop", logging.INFO, __file__, 3, "hi", (), None)
        record.__dict__.update(
            tags={"b", "a"}, ids=frozenset({3, 1}), price=decimal.Decimal("1.50"),
            day=datetime.date(2026, 11, 26),
        )  # fmt: skip

        (entry,) = read_bytes(EdnFormatter().format(record).encode())

        assert entry.record is not None
        assert (["a", "b"], [1, 3], "1.50", "2026-11-26") == tuple(
            entry.record[key] for key in ("tags", "ids", "price", "day")
        )

    def test_other_edn_is_a_malformed_line_naming_the_extra(self, no_edn: None) -> None:
        """A line beyond the fast subset is malformed with EDN_MISSING; the next still reads."""
        entries = read_bytes(b"{:level :info :s #{:x}}\n" + EDN_LINE.encode())

        assert [(EDN_MISSING, None), (None, RECORD)] == [(e.error, e.record) for e in entries]
        assert "pip install lite-logging[edn]" in EDN_MISSING

    def test_json_needs_no_edn(self, no_edn: None) -> None:
        """Without edn_format JSON files and junk lines still read."""
        entries = read_bytes(b"junk\n" + json.dumps(RECORD).encode())

        assert [None, RECORD] == [e.record for e in entries]


_KEYS = st.text(min_size=0, max_size=12) | st.sampled_from(["level", "a.b", "x-y?", "1a", "é"])
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)
_HEX = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


def _via_edn(record: dict[str, Any]) -> dict[str, Any] | None:
    (entry,) = read_bytes(to_edn_line(record).encode("utf-8", "backslashreplace"))
    return entry.record


class TestRoundTrip:
    @settings(max_examples=150, deadline=None)
    @given(st.dictionaries(_KEYS, _VALUES, max_size=6))
    def test_any_json_data_survives_json_to_edn_to_json(self, record: dict[str, Any]) -> None:
        """Any JSON object written as EDN reads back as the same data."""
        assert record == _via_edn(record)

    @settings(max_examples=50, deadline=None)
    @given(
        st.datetimes(timezones=st.none()),
        st.uuids(),
        st.sampled_from(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "Level 5", "info"]),
        _HEX,
    )
    def test_schema_fields_survive(self, when: Any, event_id: Any, level: str, hx: str) -> None:
        """Timestamp, event id and level come back as JSON wrote them, via #inst/#uuid/:kw."""
        record = {
            "timestamp": format_utc(when),
            "level": level,
            "event_id": str(event_id),
            "trace_id": hx,
        }

        assert record == _via_edn(record)

    @pytest.mark.parametrize("level", ["\u212a", "INFO\u0130", "WARN_2"])
    def test_level_keyword_only_when_it_reads_back(self, level: str) -> None:
        """A capitalised level whose lower case reads back as another string stays a string."""
        record = {"level": level}

        assert record == _via_edn(record)

    def test_nesting_deeper_than_the_formatters_cut_survives(self) -> None:
        """Data nested deeper than EdnFormatter's MAX_DEPTH still converts without loss."""
        value: Any = 1
        for _ in range(MAX_DEPTH * 2):
            value = [value]
        record = {"deep": value}

        assert record == _via_edn(record)

    def test_schema_fields_are_typed_in_edn(self) -> None:
        """The EDN written for a JSON record uses :keyword, #inst and #uuid."""
        data = edn_format.loads(to_edn_line(RECORD))

        assert edn_format.Keyword("info") == data[edn_format.Keyword("level")]
        assert "uuid" == type(data[edn_format.Keyword("event_id")]).__name__.lower()
        assert 2026 == data[edn_format.Keyword("timestamp")].year

    def test_json_line_is_compact_and_keeps_non_ascii(self) -> None:
        """to_json_line writes one compact line, non-ASCII raw, NaN as the string "NaN"."""
        assert '{"m":"é","x":"NaN"}' == to_json_line({"m": "é", "x": float("nan")})

    def test_json_line_escapes_line_breaks(self) -> None:
        """NEL, U+2028 and U+2029 are escaped: str.splitlines() sees one line, read back equal."""
        record = {"m": 'ok\u2028{"level":"CRITICAL"}\x85\u2029', "é": "\u2028"}

        line = to_json_line(record)

        assert [line] == line.splitlines()
        assert record == json.loads(line)


_EXTRAS = st.recursive(
    _SCALARS
    | st.datetimes(timezones=st.just(datetime.timezone.utc))
    | st.uuids()
    | st.decimals(allow_nan=False, places=3)
    | st.floats()
    | st.frozensets(st.integers(), max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(_KEYS, inner, max_size=3)
    ),
    max_leaves=10,
)
_EDN_TOKENS = [
    *"{}[]() ,\n",
    "#{",
    ":a",
    ":level",
    ":x.y",
    ':a"',
    '"s"',
    '"\\n\\u00e9"',
    '"\\x41"',
    '"\\/"',
    "1",
    "-0",
    "07",
    "+5",
    "1.5",
    "1.",
    "1e400",
    "1.5M",
    "##NaN",
    "##-Inf",
    "nil",
    "true",
    "sym",
    '#inst "2026-11-26T16:30:00Z"',
    '#inst "2026-02-30T16:30:00.5Z"',
    '#uuid "019ac0c4-8f0a-7c3e-9b1d-5f2a6e0c1d77"',
    "\\c",
    ";c",
]


def _edn_maps(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pairs = st.lists(st.tuples(values, values), max_size=3)
    return pairs.map(lambda kv: "{" + ", ".join(f"{k} {v}" for k, v in kv) + "}")


_EDN_TEXT = st.recursive(
    st.sampled_from([t for t in _EDN_TOKENS if t not in {*"{}[]() ,\n", "#{"}]),
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda xs: "[" + " ".join(xs) + "]")
        | st.lists(inner, max_size=3).map(lambda xs: "(" + " ".join(xs) + ")")
        | _edn_maps(inner)
    ),
    max_leaves=10,
)
_EDN_CHARS = '{}[]() :"\\#,.-+eE0129aflnrstuNIT\n'


def _fast_or_none(line: str) -> dict[str, Any] | None:
    try:
        return parse_fast_edn(line)
    except UnsupportedError:
        return None


class TestFastEdn:
    def test_formatter_lines_take_the_fast_path(self) -> None:
        """A typical EdnFormatter line is read without edn_format, to the same data."""
        record = logging.LogRecord("shop", logging.INFO, __file__, 3, "hi", (), None)
        record.__dict__.update(
            n=1, f=2.5, tags=["a"], when=datetime.datetime.now(datetime.timezone.utc)
        )
        line = EdnFormatter().format(record)

        fast = _fast_or_none(line)

        assert fast is not None
        assert edn_reader._slow_edn(line, edn_format) == fast

    @settings(max_examples=200, deadline=None)
    @given(st.dictionaries(_KEYS, _EXTRAS, max_size=5), st.sampled_from([10, 20, 25, 40, 5]))
    def test_agrees_with_edn_format_on_formatter_output(
        self, extra: dict[str, Any], level: int
    ) -> None:
        """Whatever EdnFormatter writes, the fast reader gives edn_format's data or declines."""
        record = logging.LogRecord("shop", level, __file__, 3, "m %s", ("x",), None)
        record.__dict__.update({f"x_{k}": v for k, v in extra.items()})
        line = EdnFormatter().format(record)

        fast = _fast_or_none(line)

        if fast is not None:
            assert edn_reader._slow_edn(line, edn_format) == fast

    @settings(max_examples=150, deadline=None)
    @given(st.dictionaries(_KEYS, _VALUES, max_size=6))
    def test_reads_every_converted_line(self, record: dict[str, Any]) -> None:
        """Lines written by to_edn_line are always in the fast subset, read as edn_format does."""
        line = to_edn_line(record)

        assert edn_reader._slow_edn(line, edn_format) == _fast_or_none(line)

    @settings(max_examples=300, deadline=None)
    @given(
        st.text(alphabet=_EDN_CHARS, max_size=30).map(lambda t: "{" + t)
        | st.lists(st.sampled_from(_EDN_TOKENS), max_size=14).map(lambda t: "{" + "".join(t))
        | _edn_maps(_EDN_TEXT)
    )
    def test_never_more_lenient_than_edn_format(self, line: str) -> None:
        """Random EDN-like text the fast reader accepts, edn_format reads the same."""
        fast = _fast_or_none(line)

        if fast is not None:
            assert edn_reader._slow_edn(line, edn_format) == fast
