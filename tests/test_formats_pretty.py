"""PrettyFormatter (lite_logging.formats.pretty): lines, wrapping, injection, failures, lazy rich.

RichHandler's output is in test_sinks_console.py."""

from __future__ import annotations

import io
import logging
import logging.config
import logging.handlers
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import lite_logging as ll

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"
_HEAD = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) (\S+) +(.*)$")
_ANSI = re.compile(r"\x1b\[")


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch, empty_context: None) -> None:
    """No colour forcing, no terminal size from the environment; an empty context."""
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


class _Recorder(io.StringIO):
    """A stream that keeps the text of each ``write()`` call."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)


def _record(
    msg: str = "user %s logged in",
    args: tuple[Any, ...] = (42,),
    level: int = logging.INFO,
    exc_info: Any = None,
    **extra: Any,
) -> logging.LogRecord:
    logger = logging.getLogger("shop.api")
    record = logger.makeRecord(
        "shop.api", level, "/srv/shop/api.py", 17, msg, args, exc_info, "login"
    )
    record.__dict__.update(extra)
    return record


def _fields(tokens: list[str]) -> dict[str, str]:
    return dict(token.split("=", 1) for token in tokens if "=" in token)


def _handler(**options: Any) -> tuple[ll.RichHandler, io.StringIO]:
    stream = io.StringIO()
    options.setdefault("width", 200)
    return ll.RichHandler(stream=stream, **options), stream


class TestLazyImport:
    @pytest.mark.native("a subprocess")
    def test_import_does_not_import_rich(self) -> None:
        """`import lite_logging` leaves rich unimported; building a RichHandler imports it."""
        code = (
            "import sys, lite_logging\n"
            "print(any(m == 'rich' or m.startswith('rich.') for m in sys.modules))\n"
            "lite_logging.RichHandler()\n"
            "print('rich' in sys.modules)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert ["False", "True"] == result.stdout.split()


class TestPrettyFormatter:
    def test_line_fields(self) -> None:
        """One line: time, level, logger, message, context, extras, short ids, source."""
        ll.bind(request_id="r-1")
        record = _record(user_id=42, trace_id=TRACE_ID, span_id=SPAN_ID)

        line = ll.PrettyFormatter().format(record)

        match = _HEAD.match(line)
        assert match is not None
        assert "\n" not in line
        assert "INFO" == match.group(2)
        body = match.group(3)
        assert body.startswith("shop.api: user 42 logged in ")
        tokens = body.split()
        assert {"request_id": "r-1", "user_id": "42", "trace": TRACE_ID[:8]} == {
            k: v for k, v in _fields(tokens).items() if k != "span"
        }
        assert SPAN_ID[:8] == _fields(tokens)["span"]
        assert body.endswith("/srv/shop/api.py:17 in login")
        assert tokens.index("request_id=r-1") < tokens.index("user_id=42")

    def test_values_are_compact(self) -> None:
        """Strings with spaces are quoted; nested values are one line of compact JSON."""
        record = _record(note="two words", nested={"a": [1, 2], "b": None}, ratio=0.5)

        line = ll.PrettyFormatter(show_source=False).format(record)

        assert line.endswith(' note="two words" nested={"a": [1, 2], "b": null} ratio=0.5')

    def test_wraps_under_the_message_at_80_columns(self) -> None:
        """With width=80 every line fits; continuation lines are indented under the message."""
        record = _record(**{f"key{i}": f"value-{i}" for i in range(12)})

        text = ll.PrettyFormatter(width=80).format(record)

        lines = text.split("\n")
        assert len(lines) > 1
        assert all(len(line) <= 80 for line in lines)
        assert all(line.startswith(" " * 22) and line[22] != " " for line in lines[1:])
        tokens = " ".join(lines).split()
        assert {f"key{i}": f"value-{i}" for i in range(12)} == {
            k: v for k, v in _fields(tokens).items() if k.startswith("key")
        }

    @pytest.mark.parametrize(
        "message",
        ["x" * 200, "中文字符 " * 30, "short then " + "y" * 150 + " end", "   leading spaces"],
    )
    def test_wrapping_long_words_and_wide_characters(self, message: str) -> None:
        """Words wider than the line are folded; wide characters count two cells."""
        from rich.cells import cell_len

        record = _record("%s", (message,))

        lines = ll.PrettyFormatter(width=60, show_source=False).format(record).split("\n")

        assert all(cell_len(line) <= 60 for line in lines)
        assert all(line.startswith(" " * 22) for line in lines[1:])
        first = _HEAD.match(lines[0])
        assert first is not None
        words = " ".join([first.group(3), *(line[22:] for line in lines[1:])])
        shown = words.replace(" ", "")
        assert ("shop.api:" + message).replace(" ", "") == shown

    def test_exception_as_rich_traceback_without_locals(self) -> None:
        """An exception is a rich traceback; locals are hidden unless show_locals=True."""
        secret = "-".join(["hunter2", "local", "value"])  # not in the source code shown
        try:
            raise ValueError(f"bad input {len(secret)}")
        except ValueError:
            record = _record("failed", (), logging.ERROR, sys.exc_info())

        hidden = ll.PrettyFormatter().format(record)
        shown = ll.PrettyFormatter(show_locals=True).format(record)

        assert "Traceback (most recent call last)" in hidden
        assert "ValueError: bad input 19" in hidden
        assert secret not in hidden
        assert secret in shown

    def test_prepared_exception_text(self) -> None:
        """A traceback already rendered to exc_text shows under the record, indented, marked."""
        record = _record("failed", ())
        record.exc_text = "Traceback (most recent call last):\nValueError: gone"

        lines = ll.PrettyFormatter().format(record).split("\n")

        assert ["  │ Traceback (most recent call last):", "  │ ValueError: gone"] == lines[1:]

    def test_rename_fields(self) -> None:
        """Renamed schema fields are still placed where they belong, not shown as extras."""
        fmt = ll.PrettyFormatter(rename_fields={"logger": "name", "message": "msg"})
        line = fmt.format(_record())
        assert "shop.api: user 42 logged in" in line
        assert "name=" not in line

    @pytest.mark.parametrize(
        ("options", "expected"),
        [
            ({"width": 10}, '"width" must be at least 20 or None: 10'),
            ({"max_frames": 0}, '"max_frames" must be >= 1: 0'),
        ],
    )
    def test_bad_options(self, options: dict[str, Any], expected: str) -> None:
        """A bad option fails at construction, naming the key and the value."""
        with pytest.raises(ValueError, match=re.escape(expected)):
            ll.PrettyFormatter(**options)


class TestInjection:
    @pytest.mark.parametrize(
        ("evil", "shown"),
        [
            ("\x1b[2J", "\\x1b[2J"),
            ("[red]x[/red]", "[red]x[/red]"),
            ("a\rFAKE 00:00:00.000 CRITICAL forged", "a\\rFAKE 00:00:00.000 CRITICAL forged"),
            ("a\u2028FAKE\x85b\x0bc", "a\\u2028FAKE\\x85b\\x0bc"),
            ("bell\x07 del\x7f csi\x9b", "bell\\x07 del\\x7f csi\\x9b"),
            ("rtl\u202eevil", "rtl\\u202eevil"),
        ],
    )
    def test_message_and_values_are_shown_literally(
        self, monkeypatch: pytest.MonkeyPatch, evil: str, shown: str
    ) -> None:
        """Control characters, ANSI escapes and rich markup in a message or value are inert."""
        monkeypatch.setenv("FORCE_COLOR", "1")  # colours on: markup would be live if parsed
        handler, stream = _handler()
        record = _record("%s", (evil,), value=evil)
        record.__dict__[evil] = "key"

        handler.handle(record)

        plain = _ANSI.sub("", re.sub(r"\x1b\[[0-9;]*m", "", stream.getvalue()))
        assert 1 == plain.count("\n")
        assert f"shop.api: {shown} " in plain
        assert f'value="{shown}"' in plain or f"value={shown}" in plain
        assert f"{shown}=key" in plain

    def test_value_and_key_newlines_are_escapes(self) -> None:
        """A newline in a value or key is shown as ``\\n``: values stay on the record's line."""
        evil = "a\n00:00:00.000 CRITICAL forged"
        record = _record("ok", (), value=evil)
        record.__dict__[evil] = "key"

        text = ll.PrettyFormatter(show_source=False).format(record)

        shown = "a\\n00:00:00.000 CRITICAL forged"
        assert f'shop.api: ok value="{shown}" {shown}=key' == text.split("INFO     ", 1)[1]

    @pytest.mark.parametrize("width", [None, 80])
    def test_multiline_message_lines_are_indented_and_marked(self, width: int | None) -> None:
        """A multi-line message: first line on the record, the others under it after ``│``."""
        message = "report:\r\n  total 3\n00:00:00.000 CRITICAL forged\n\n"
        record = _record("%s", (message,), user="ann")

        lines = ll.PrettyFormatter(width=width, show_source=False).format(record).split("\n")

        assert lines[0].endswith("INFO     shop.api: report: user=ann")
        assert [
            " " * 22 + "│   total 3",
            " " * 22 + "│ 00:00:00.000 CRITICAL forged",
        ] == lines[1:]

    def test_exception_message_is_escaped(self) -> None:
        """An exception message cannot send escape codes either."""
        try:
            raise RuntimeError("boom \x1b[2J [bold]x")
        except RuntimeError:
            record = _record("failed", (), logging.ERROR, sys.exc_info())
        handler, stream = _handler()

        handler.handle(record)

        assert "\x1b" not in stream.getvalue()
        assert "RuntimeError: boom \\x1b[2J [bold]x" in stream.getvalue()


class _RaisingBool(Mapping[str, Any]):
    """A context mapping (not a dict) whose truth test raises."""

    def __init__(self, **items: Any) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        raise RuntimeError("no truth")


class _NoClass:
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        raise RuntimeError("no class")

    def __repr__(self) -> str:
        return "<no class>"


class TestHostileRecords:
    """PrettyFormatter never raises on what the other formats write (failure isolation)."""

    def test_message_that_cannot_render(self) -> None:
        """log.info("%d", "x"): the raw message, and message_error as a field."""
        line = ll.PrettyFormatter().format(_record("%d", ("x",)))

        assert "shop.api: %d message_error=" in line
        assert "TypeError" in line

    def test_context_whose_bool_raises(self) -> None:
        """A context whose __bool__ raises is shown, not raised."""
        record = _record(context=_RaisingBool(request_id="r-1"))
        line = ll.PrettyFormatter().format(record)

        assert 'context={"request_id": "r-1"}' in line

    def test_value_whose_class_raises(self) -> None:
        """An extra whose __class__ raises is shown by its repr."""
        line = ll.PrettyFormatter().format(_record(odd=_NoClass()))

        assert 'odd="<no class>"' in line

    def test_record_whose_fields_raise_is_degraded(self) -> None:
        """A record whose very fields raise is written degraded, with format_error."""
        record = _record("fine", ())
        record.created = "not a time"  # type: ignore[assignment]

        line = ll.PrettyFormatter().format(record)

        assert "format_error=" in line
