"""No logged string can forge a record line: pretty console, JSON and EDN (SPEC: Guarantees).

JSON and EDN lines: whatever strings a record holds, ``str.splitlines()`` (which also breaks
at NEL, U+2028 and U+2029, as JavaScript does at the last two) reads one line per record, and
each line reads back to its record's message.

What "a line that reads as a record" means for the pretty format: a line that starts at
column 0 with something other than a space. Only a record's first line does that (it starts
with the time column); every other line of a record (the first line wrapped, further message
lines, tracebacks, stacks) starts with spaces, and lines of multi-line texts carry ``│``
after their indent. So for any strings in any field, one record prints exactly one line
matching ``_RECORD_START``, and that line starts with the time stamp.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import types
from collections.abc import Iterator
from typing import Any

import edn_format
import pytest
from conftest import AVAILABLE_BACKENDS, ListHandler
from format_support import FORGED_JSON, assert_one_line_each
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonjsonlogger import json as pjl_json

import lite_logging as ll

pytestmark = pytest.mark.usefixtures("empty_context")

_RECORD_START = re.compile(r"^\S", re.MULTILINE)
_TIME_STAMP = re.compile(r"\d\d:\d\d:\d\d\.\d{3} ")
_SGR = re.compile(r"\x1b\[[0-9;]*m")
# What must never reach the terminal raw: C0 but the newline, DEL and C1, separators, bidi.
_RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
FORGED = "\n00:00:00.000 INFO     auth: login ok user=admin"

_dangerous = st.sampled_from(
    [
        *("\n", "\r", "\r\n", "\x1b", "\x1b[2J", "\x08", "\u2028", "\u2029", "\x85", "\x0b"),
        *("\x0c", "\t", "\x00", "\x7f", "\x9b", "\u202e", "\u200f", " ", "[red]", "0", ":", "."),
        *("│", "中"),
    ]
)
evil_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(_dangerous, st.text(max_size=5)), max_size=12).map("".join),
    st.text(max_size=20).map(lambda prefix: prefix + FORGED),
)
_FIELDS = (
    "message",
    "key",
    "value",
    "context",
    "exc_type",
    "exc_message",
    "note",
    "exc_text",
    "stack",
    "logger",
    "span",
    "thread",
    "path",
    "function",
)
evil_fields = st.fixed_dictionaries({name: evil_text for name in _FIELDS})


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No colour forcing or terminal size from the environment."""
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


def _raise(exc: BaseException) -> None:
    raise exc


def _exc_info(fields: dict[str, str]) -> Any:
    """A raised exception whose type name, message, note, file and function are ``fields``'."""
    kind = type(fields["exc_type"].replace("\x00", "") or "E", (Exception,), {})
    exc = kind(fields["exc_message"])
    if sys.version_info >= (3, 11):
        exc.add_note(fields["note"])
    code = _raise.__code__.replace(
        co_filename=fields["path"] or "?", co_name=fields["function"] or "f"
    )
    try:
        types.FunctionType(code, {})(exc)
    except Exception:  # noqa: BLE001 - the point is to catch it
        return sys.exc_info()
    raise AssertionError("not raised")


def _records(fields: dict[str, str]) -> Iterator[logging.LogRecord]:
    """Records carrying ``fields`` everywhere a user string can go, one kind of record each."""
    ll.bind(**{"ctx": fields["context"], fields["context"] or "c": 1})
    for exc_info, exc_text, stack in [
        (None, None, None),
        (_exc_info(fields), None, fields["stack"]),
        (None, fields["exc_text"], None),
    ]:
        record = logging.LogRecord(
            fields["logger"],
            logging.ERROR,
            fields["path"],
            7,
            "%s",
            (fields["message"],),
            exc_info,
            fields["function"],
            stack,
        )
        record.exc_text = exc_text
        record.threadName = fields["thread"]
        record.__dict__[fields["key"] or "k"] = fields["value"]
        record.span_name = fields["span"]
        record.attributes = {fields["span"]: fields["value"], "n": [fields["value"]]}
        yield record
    ll.clear_context()


def _check(text: str, records: int) -> None:
    """``records`` record-start lines in ``text``, each with a time stamp; no raw control."""
    starts = _RECORD_START.findall(text)
    assert records == len(starts), text
    assert records == sum(1 for line in text.splitlines() if line[:1].strip()), text
    assert all(_TIME_STAMP.match(line) for line in text.splitlines() if line[:1].strip()), text
    assert _RAW_CONTROL.search(text) is None, ascii(text)


def _formatted(fields: dict[str, str], width: int | None) -> list[str]:
    formatter = ll.PrettyFormatter(fmt="%(threadName)s %(message)s", width=width)
    return [formatter.format(record) for record in _records(fields)]


def _through_handler(records: list[logging.LogRecord], width: int, batch: bool) -> str:
    stream = io.StringIO()
    handler = ll.RichHandler(stream=stream, width=width)
    handler.setFormatter(ll.PrettyFormatter(fmt="%(threadName)s %(message)s"))
    if batch:
        handler.handle_batch(records)
    else:
        for record in records:
            handler.handle(record)
    assert {"written": len(records), "errors": 0} == handler.stats()
    return stream.getvalue()


class TestPrettyFormatterCannotBeForged:
    @given(fields=evil_fields, width=st.sampled_from([None, 200, 80, 40, 20]))
    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_one_record_start_per_record(self, fields: dict[str, str], width: int | None) -> None:
        """Any strings in any field: format() gives one line starting at column 0."""
        for text in _formatted(fields, width):
            _check(text, 1)

    @pytest.mark.parametrize("width", [None, 80])
    def test_exception_message_newline(self, width: int | None) -> None:
        """The issue's probe: an exception message with a forged record line stays under it."""
        exc_info = _exc_info(dict.fromkeys(_FIELDS, "x") | {"exc_message": "no user bob" + FORGED})
        record = logging.LogRecord("auth", logging.ERROR, "a.py", 1, "failed", (), exc_info)

        text = ll.PrettyFormatter(width=width).format(record)

        _check(text, 1)
        assert "│ 00:00:00.000 INFO     auth: login ok user=admin" in text


class TestRichHandlerCannotBeForged:
    @pytest.mark.parametrize("colour", ["NO_COLOR", "FORCE_COLOR"])
    @given(fields=evil_fields, width=st.sampled_from([120, 80, 30]), batch=st.booleans())
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_one_record_start_per_record(
        self, colour: str, width: int, batch: bool, fields: dict[str, str]
    ) -> None:
        """Any strings: one record-start line per record, lines fit, no raw control codes."""
        from rich.cells import cell_len

        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(colour, "1")
            records = list(_records(fields))
            text = _through_handler(records, width, batch)
        if colour == "FORCE_COLOR":
            assert _SGR.search(text) is not None
            text = _SGR.sub("", text)  # our styles; any other escape is caught below
        _check(text, len(records))
        assert all(cell_len(line) <= width for line in text.splitlines()), text

    def test_colour_adds_only_styles(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With FORCE_COLOR the output is the plain output plus SGR style codes, nothing else."""
        fields = dict.fromkeys(_FIELDS, "a\x1b[31mred\x1b[0m\n\x1b]0;title\x07" + FORGED)
        records = list(_records(fields))
        plain = _through_handler(records, 80, batch=True)
        monkeypatch.setenv("FORCE_COLOR", "1")
        coloured = _through_handler(records, 80, batch=True)
        assert plain != coloured
        assert plain == _SGR.sub("", coloured)

    def test_other_formatter_lines_are_marked(self) -> None:
        """With a plain stdlib Formatter on a RichHandler, later lines are indented too."""
        stream = io.StringIO()
        handler = ll.RichHandler(stream=stream)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        handler.handle(logging.LogRecord("a", 20, "a.py", 1, "x" + FORGED, (), None))
        assert 1 == len(_RECORD_START.findall(stream.getvalue()))


def _edn_record(line: str) -> dict[str, Any]:
    return {getattr(key, "name", key): value for key, value in edn_format.loads(line).items()}


def _expected_message(record: logging.LogRecord, data: dict[str, Any]) -> Any:
    """The rendered message; the raw ``msg`` when the formatter degraded the record (a
    traceback whose frame file name holds NUL makes linecache raise, stdlib's Formatter too)."""
    return record.msg if "format_error" in data else record.getMessage()


_LINE_FORMATTERS = [
    *(
        (f"json-{'orjson' if use_orjson else 'stdlib'}", ll.JsonFormatter(use_orjson=use_orjson))
        for use_orjson in AVAILABLE_BACKENDS
    ),
    ("edn", ll.EdnFormatter()),
]


class TestLineFormatsCannotBeForged:
    @given(fields=evil_fields)
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_one_line_per_record(self, fields: dict[str, str]) -> None:
        """Any strings in any field: one line per record, each read back to its message."""
        records = list(_records(fields))

        for name, formatter in _LINE_FORMATTERS:
            text = "\n".join(formatter.format(record) for record in records)
            assert_one_line_each(text, len(records))
            parse = _edn_record if name == "edn" else json.loads
            for line, record in zip(text.splitlines(), records, strict=True):
                data = parse(line)
                assert _expected_message(record, data) == data["message"], name

    def test_file_read_by_splitlines(self, tmp_path: Any) -> None:
        """A file of records hiding others behind U+2028 reads back one line per record;
        python-json-logger writing UTF-8 on a stdlib FileHandler (the control) shows two."""
        ours, control = tmp_path / "ours.jsonl", tmp_path / "control.jsonl"
        handler = ll.BatchFileHandler(ours)
        handler.setFormatter(ll.JsonFormatter())
        stdlib = logging.FileHandler(control, encoding="utf-8")
        stdlib.setFormatter(pjl_json.JsonFormatter(json_ensure_ascii=False))
        messages = [f"user {i}{FORGED_JSON}" for i in range(3)]
        for message in messages:
            record = logging.LogRecord("auth", logging.INFO, "a.py", 1, message, (), None)
            handler.handle(record)
            stdlib.handle(record)
        handler.close()
        stdlib.close()

        lines = ours.read_text(encoding="utf-8").splitlines()
        assert messages == [json.loads(line)["message"] for line in lines]
        assert 6 == len(control.read_text(encoding="utf-8").splitlines())


class TestSpansAndGroups:
    @pytest.mark.usefixtures("restore_logging")
    def test_span_name_and_failure(self) -> None:
        """A span named with a forged line, failing with one: its records cannot forge."""
        handler = ListHandler()
        log = logging.getLogger("tests.forging.span")
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
        try:
            with ll.span("checkout" + FORGED, logger=log, attr="v" + FORGED):
                log.info("inside" + FORGED)
                raise ValueError("failed" + FORGED)
        except ValueError:
            pass
        formatter = ll.PrettyFormatter(width=80)
        assert 2 == len(handler.records)
        for record in handler.records:
            _check(formatter.format(record), 1)

    @pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is 3.11+")
    def test_exception_group_and_chain(self) -> None:
        """Nested exception groups and chained causes: their messages stay marked, indented."""
        try:
            try:
                raise KeyError("cause" + FORGED)
            except KeyError as cause:
                if sys.version_info >= (3, 11):  # the skipif above, for the type checker
                    group = ExceptionGroup("group" + FORGED, [ValueError("inner" + FORGED)])  # noqa: F821
                    raise group from cause
        except Exception:  # noqa: BLE001
            exc_info = sys.exc_info()
        record = logging.LogRecord("a", logging.ERROR, "a.py", 1, "failed", (), exc_info)
        _check(ll.PrettyFormatter().format(record), 1)

    def test_syntax_error(self) -> None:
        """A SyntaxError's message, file name and source line cannot forge a record."""
        exc = SyntaxError("bad" + FORGED, ("f\x1b.py" + FORGED, 1, 2, "x = (" + FORGED, 1, 3))
        try:
            raise exc
        except SyntaxError:
            exc_info = sys.exc_info()
        record = logging.LogRecord("a", logging.ERROR, "a.py", 1, "failed", (), exc_info)
        _check(ll.PrettyFormatter().format(record), 1)

    def test_locals_with_hostile_repr(self) -> None:
        """show_locals: a local whose repr holds control codes and newlines stays inert."""

        class Hostile:
            def __repr__(self) -> str:
                return "h\x1b[2J" + FORGED

        def fail(value: object) -> None:
            raise RuntimeError("x")

        try:
            fail(Hostile())
        except RuntimeError:
            exc_info = sys.exc_info()
        record = logging.LogRecord("a", logging.ERROR, "a.py", 1, "failed", (), exc_info)
        _check(ll.PrettyFormatter(show_locals=True).format(record), 1)
