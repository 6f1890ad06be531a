"""_reader: JSON/EDN lines read back with line numbers, format detection, follow, round trips."""

from __future__ import annotations

import datetime
import io
import json
import logging
import os
import string
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import edn_format
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lite_logging import _reader
from lite_logging._encoding import MAX_DEPTH
from lite_logging._reader import (
    EdnUnavailableError,
    Entry,
    Follower,
    LineParser,
    read_entries,
    to_edn_line,
    to_json_line,
)
from lite_logging.edn import EdnFormatter
from lite_logging.formatters import JsonFormatter

RECORD: dict[str, Any] = {
    "timestamp": "2026-11-26T16:30:00.123456Z",
    "level": "INFO",
    "logger": "shop.api",
    "message": "user 42 logged in",
    "event_id": "019ac0c4-8f0a-7c3e-9b1d-5f2a6e0c1d77",
    "context": {"request_id": "r-1"},
    "user_id": 42,
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "span_id": "00f067aa0ba902b7",
    "source": {"file": "shop/api.py", "line": 17, "function": "login"},
}

EDN_LINE = (
    '{:timestamp #inst "2026-11-26T16:30:00.123456Z" :level :info :logger "shop.api" '
    ':message "user 42 logged in" :event_id #uuid "019ac0c4-8f0a-7c3e-9b1d-5f2a6e0c1d77" '
    ':context {:request_id "r-1"} :user_id 42 :trace_id "4bf92f3577b34da6a3ce929d0e0e4736" '
    ':span_id "00f067aa0ba902b7" :source {:file "shop/api.py" :line 17 :function "login"}}'
)


def _read(data: bytes) -> list[Entry]:
    return list(read_entries(io.BytesIO(data), "t"))


@pytest.fixture
def no_edn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend edn_format is not installed."""
    monkeypatch.setattr(_reader, "_edn", None)
    monkeypatch.setattr(_reader, "_edn_checked", True)


class TestReadEntries:
    def test_json_lines_with_line_numbers(self) -> None:
        """Each JSON line becomes a record; line numbers count blank lines too."""
        data = (json.dumps(RECORD) + "\n\n" + json.dumps({"a": 1}) + "\n").encode()

        entries = _read(data)

        assert [(1, RECORD), (3, {"a": 1})] == [(e.lineno, e.record) for e in entries]

    def test_malformed_lines_reported_not_raised(self) -> None:
        """A broken line, a non-object and a truncated line are entries with an error."""
        data = (json.dumps(RECORD) + "\nnot json\n[1, 2]\n" + json.dumps(RECORD)[:20]).encode()

        entries = _read(data)

        assert [None, "not json", "[1, 2]"] == [
            entries[0].error,
            entries[1].text,
            entries[2].text,
        ]
        assert [2, 3, 4] == [e.lineno for e in entries if e.record is None]
        assert all(e.error for e in entries[1:])

    def test_crlf_line_endings(self) -> None:
        """Windows line endings are stripped before parsing."""
        entries = _read(json.dumps(RECORD).encode() + b"\r\n")

        assert [RECORD] == [e.record for e in entries]

    def test_invalid_utf8_is_malformed_not_fatal(self) -> None:
        """Bytes that are not UTF-8 make a malformed entry; the next line still reads."""
        entries = _read(b'{"a": "\xff\xfe"}\n{"b": 2}\n')

        assert {"b": 2} == entries[-1].record
        assert 2 == len(entries)

    def test_edn_lines_read_as_the_json_data_model(self) -> None:
        """An EDN line gives the same dict as the JSON line of the same record."""
        entries = _read(EDN_LINE.encode() + b"\n")

        assert [RECORD] == [e.record for e in entries]

    def test_edn_special_values(self) -> None:
        """##NaN/##Inf become JSON's strings, sets lists, keywords and symbols their names."""
        line = b'{:level :warning :x ##NaN :y ##-Inf :s #{3 1 2} :k :on :l (1 :a) "str key" 1}'

        (entry,) = _read(line)

        expected = {
            "level": "WARNING",
            "x": "NaN",
            "y": "-Infinity",
            "s": [1, 2, 3],
            "k": "on",
            "l": [1, "a"],
            "str key": 1,
        }
        assert expected == entry.record

    def test_format_fixed_by_first_parsed_line(self) -> None:
        """In a JSON file a later EDN line is malformed (and the other way round)."""
        json_first = _read((json.dumps(RECORD) + "\n" + EDN_LINE + "\n").encode())
        edn_first = _read((EDN_LINE + "\n" + json.dumps(RECORD) + "\n").encode())

        assert [RECORD, None] == [e.record for e in json_first]
        assert [RECORD, None] == [e.record for e in edn_first]

    def test_detection_skips_leading_garbage(self) -> None:
        """A malformed first line does not decide the format; the first good line does."""
        parser = LineParser()

        results = [parser.parse(line) for line in (b"garbage", EDN_LINE.encode())]

        assert (None, RECORD) == (results[0][0], results[1][0])
        assert "edn" == parser.format

    def test_edn_missing_raises_a_clear_error(self, no_edn: None) -> None:
        """Without edn_format an EDN line raises EdnUnavailableError naming the extra."""
        with pytest.raises(EdnUnavailableError, match=r"lite-logging\[edn\]"):
            _read(EDN_LINE.encode())

    def test_json_needs_no_edn(self, no_edn: None) -> None:
        """Without edn_format JSON files and junk lines still read."""
        entries = _read(b"junk\n" + json.dumps(RECORD).encode())

        assert [None, RECORD] == [e.record for e in entries]


class TestAgreesWithFormatters:
    def test_json_and_edn_formatter_output_read_back_equal(self) -> None:
        """A record written by JsonFormatter and by EdnFormatter reads back as equal data."""
        record = logging.LogRecord("shop.api", logging.WARNING, __file__, 3, "hi %s", ("x",), None)
        record.__dict__.update(user_id=42, tags=["a", "b"], nested={"k": None, "f": 1.5})
        lines = [JsonFormatter().format(record), EdnFormatter().format(record)]

        json_entry, edn_entry = (_read(line.encode())[0] for line in lines)

        assert json_entry.record is not None
        assert json_entry.record == edn_entry.record
        assert "WARNING" == json_entry.record["level"]

    def test_convert_matches_the_edn_formatter(self) -> None:
        """to_edn_line of a JSON record parses to the same EDN data as EdnFormatter writes."""
        record = logging.LogRecord("shop", logging.ERROR, __file__, 3, "boom", (), None)
        record.__dict__.update(amount=1.25, who={"name": "ada"})
        as_json = json.loads(JsonFormatter().format(record))

        converted = edn_format.loads(to_edn_line(as_json))

        assert edn_format.loads(EdnFormatter().format(record)) == converted


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
    (entry,) = _read(to_edn_line(record).encode("utf-8", "backslashreplace"))
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
            "timestamp": _reader.format_utc(when),
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
        return _reader._fast_edn(line)
    except _reader._UnsupportedError:
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
        assert _reader._slow_edn(line, edn_format) == fast

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
            assert _reader._slow_edn(line, edn_format) == fast

    @settings(max_examples=150, deadline=None)
    @given(st.dictionaries(_KEYS, _VALUES, max_size=6))
    def test_reads_every_converted_line(self, record: dict[str, Any]) -> None:
        """Lines written by to_edn_line are always in the fast subset, read as edn_format does."""
        line = to_edn_line(record)

        assert _reader._slow_edn(line, edn_format) == _fast_or_none(line)

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
            assert _reader._slow_edn(line, edn_format) == fast


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def _line(n: int) -> str:
    return json.dumps({"level": "INFO", "message": f"m{n}"}) + "\n"


def _messages(entries: list[Entry]) -> list[str]:
    return [e.record["message"] for e in entries if e.record is not None]


@pytest.fixture
def follower(tmp_path: Path) -> Iterator[Follower]:
    path = tmp_path / "app.jsonl"
    _append(path, _line(0))
    f = Follower(str(path))
    yield f
    f.close()


class TestFollower:
    def test_existing_then_appended_lines(self, follower: Follower) -> None:
        """The first poll returns what is there; later polls only what was appended."""
        first = follower.poll()
        _append(Path(follower.path), _line(1) + _line(2))

        assert (["m0"], ["m1", "m2"], []) == (
            _messages(first),
            _messages(follower.poll()),
            _messages(follower.poll()),
        )

    def test_partial_line_waits_for_its_newline(self, follower: Follower) -> None:
        """Half a line is held back until the rest arrives."""
        follower.poll()
        whole = _line(1)
        _append(Path(follower.path), whole[:10])
        held = follower.poll()
        _append(Path(follower.path), whole[10:])

        assert ([], ["m1"]) == (_messages(held), _messages(follower.poll()))

    def test_rotation_by_rename(self, follower: Follower) -> None:
        """After a rename and a new file: the old file's rest, then the new file from line 1."""
        path = Path(follower.path)
        follower.poll()
        _append(path, _line(1))
        path.rename(path.with_suffix(".1"))
        _append(path, _line(2))

        entries = follower.poll()

        assert (["m1", "m2"], [2, 1]) == (_messages(entries), [e.lineno for e in entries])

    def test_rename_without_new_file_keeps_reading_the_old(self, follower: Follower) -> None:
        """Moved away and not yet recreated: lines still written to the old file arrive."""
        path = Path(follower.path)
        follower.poll()
        moved = path.with_suffix(".1")
        path.rename(moved)
        _append(moved, _line(1))

        assert ["m1"] == _messages(follower.poll())

    def test_truncation_restarts_at_the_beginning(self, follower: Follower) -> None:
        """A file truncated in place (copytruncate) is read again from its start."""
        path = Path(follower.path)
        _append(path, _line(1))
        follower.poll()
        with open(path, "w", encoding="utf-8") as f:
            f.write(_line(2))

        entries = follower.poll()

        assert (["m2"], [1]) == (_messages(entries), [e.lineno for e in entries])

    def test_follow_with_a_writer_thread(self, tmp_path: Path) -> None:
        """follow() yields every line a concurrent writer appends, across a rotation."""
        path = tmp_path / "w.jsonl"
        path.touch()
        f = Follower(str(path))
        stop = threading.Event()
        watchdog = threading.Timer(15.0, stop.set)  # a broken follow fails, never hangs
        watchdog.start()

        def writer() -> None:
            for n in range(50):
                _append(path, _line(n))
            path.rename(tmp_path / "w.jsonl.1")
            for n in range(50, 100):
                _append(path, _line(n))

        thread = threading.Thread(target=writer)
        thread.start()
        seen: list[str] = []
        try:
            for entry in _reader.follow([f], interval=0.01, should_stop=stop.is_set):
                assert entry.record is not None
                seen.append(entry.record["message"])
                if len(seen) == 100:
                    break
        finally:
            watchdog.cancel()
            thread.join()
            f.close()

        assert [f"m{n}" for n in range(100)] == seen


_LINES = st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"x")), max_size=12)


class TestTail:
    @settings(max_examples=150, deadline=None)
    @given(_LINES, st.booleans(), st.integers(min_value=0, max_value=15))
    def test_seek_tail_finds_the_last_lines(
        self, lines: list[bytes], final_newline: bool, count: int
    ) -> None:
        """After seek_tail the stream holds exactly the last N lines, numbered as in the file."""
        data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
        whole = data.split(b"\n")
        if data.endswith(b"\n"):
            whole.pop()
        if not data:
            whole = []
        stream = io.BytesIO(data)

        with mock.patch.object(_reader, "_BLOCK", 5):  # many blocks, also across newlines
            first = _reader.seek_tail(stream, count)
            rest = stream.read().split(b"\n")
        if rest and rest[-1] == b"":
            rest.pop()

        expected = whole[max(0, len(whole) - count) :] if count else []
        if not count and data and not data.endswith(b"\n"):
            expected = whole[-1:]  # a line still being written is kept for later
        assert (expected, len(whole) - len(expected) + 1) == (rest, first)

    def test_tail_lines_of_a_pipe(self) -> None:
        """tail_lines keeps the last N lines of an unseekable stream and their first number."""
        lines, first = _reader.tail_lines(iter([b"a\n", b"b\n", b"c\n"]), 2)

        assert ([b"b\n", b"c\n"], 2) == (lines, first)

    def test_follower_starts_at_the_tail(self, tmp_path: Path) -> None:
        """Follower(tail=N) first returns the last N lines, with their line numbers."""
        path = tmp_path / "t.jsonl"
        _append(path, "".join(_line(n) for n in range(5)))
        f = Follower(str(path), tail=2)
        try:
            entries = f.poll()
        finally:
            f.close()

        assert (["m3", "m4"], [4, 5]) == (_messages(entries), [e.lineno for e in entries])


class TestStreaming:
    def test_memory_stays_flat_on_a_large_file(self, tmp_path: Path) -> None:
        """Reading a ~20 MB file keeps the peak traced memory far below the file's size."""
        path = tmp_path / "big.jsonl"
        line = json.dumps({**RECORD, "payload": string.ascii_letters * 4})
        lines = 20 * 1024 * 1024 // len(line)
        with open(path, "w", encoding="utf-8") as f:
            for n in range(lines):
                f.write(line.replace("user 42", f"user {n}") + "\n")
        size = os.path.getsize(path)

        tracemalloc.start()
        try:
            count = 0
            with open(path, "rb") as stream:
                for entry in read_entries(stream, str(path)):
                    count += entry.record is not None
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

        assert size > 19 * 1024 * 1024
        assert lines == count
        assert peak < 1024 * 1024, f"peak {peak} bytes while reading {size} bytes"
