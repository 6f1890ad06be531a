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
from console_support import ANSI, Recorder, _plain_environment, shop_record  # noqa: F401 - an autouse fixture

import lite_logging as ll

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"
_HEAD = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) (\S+) +(.*)$")


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
        record = shop_record(user_id=42, trace_id=TRACE_ID, span_id=SPAN_ID)

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
        record = shop_record(note="two words", nested={"a": [1, 2], "b": None}, ratio=0.5)

        line = ll.PrettyFormatter(show_source=False).format(record)

        assert line.endswith(' note="two words" nested={"a": [1, 2], "b": null} ratio=0.5')

    def test_wraps_under_the_message_at_80_columns(self) -> None:
        """With width=80 every line fits; continuation lines are indented under the message."""
        extra: dict[str, Any] = {f"key{i}": f"value-{i}" for i in range(12)}
        record = shop_record(**extra)

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

        record = shop_record("%s", (message,))

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
            record = shop_record("failed", (), logging.ERROR, sys.exc_info())

        hidden = ll.PrettyFormatter().format(record)
        shown = ll.PrettyFormatter(show_locals=True).format(record)

        assert "Traceback (most recent call last)" in hidden
        assert "ValueError: bad input 19" in hidden
        assert secret not in hidden
        assert secret in shown

    def test_prepared_exception_text(self) -> None:
        """A traceback already rendered to exc_text shows under the record, indented, marked."""
        record = shop_record("failed", ())
        record.exc_text = "Traceback (most recent call last):\nValueError: gone"

        lines = ll.PrettyFormatter().format(record).split("\n")

        assert ["  │ Traceback (most recent call last):", "  │ ValueError: gone"] == lines[1:]

    def test_rename_fields(self) -> None:
        """Renamed schema fields are still placed where they belong, not shown as extras."""
        fmt = ll.PrettyFormatter(rename_fields={"logger": "name", "message": "msg"})
        line = fmt.format(shop_record())
        assert "shop.api: user 42 logged in" in line
        assert "name=" not in line

    @pytest.mark.parametrize(
        ("options", "expected"),
        [
            ({"width": 10}, '"width" must be an int of at least 20, or None: 10'),
            ({"width": "wide"}, "\"width\" must be an int of at least 20, or None: 'wide'"),
            ({"width": True}, '"width" must be an int of at least 20, or None: True'),
            ({"max_frames": 0}, '"max_frames" must be an int >= 1: 0'),
            ({"max_frames": "5"}, "\"max_frames\" must be an int >= 1: '5'"),
            ({"show_locals": "yes"}, "\"show_locals\" must be a bool: 'yes'"),
            ({"show_source": None}, '"show_source" must be a bool: None'),
        ],
    )
    def test_bad_options(self, options: dict[str, Any], expected: str) -> None:
        """A bad option fails at construction, naming the key and the value."""
        with pytest.raises(ValueError, match=re.escape(expected)):
            ll.PrettyFormatter(**options)


class TestLongValues:
    """A huge message or value is cut for the console, with a marker saying how much."""

    def test_ten_megabyte_message_and_value_are_cut(self) -> None:
        """10 MB each: 10,000 characters shown and the rest counted; one line per record
        when not wrapped, and the output stays small (it was 20 MB, wrapped: 28 MB)."""
        handler, stream = _handler(width=None)
        handler.handle(shop_record("x" * 10_000_000, (), blob="y" * 10_000_000))
        (line,) = stream.getvalue().splitlines()
        assert 2 == line.count("\u2026[9,990,000 more chars]")
        assert "x" * 10_000 + "\u2026[9,990,000 more chars] blob=" + "y" * 10_000 in line
        assert len(line) < 20_200

    def test_wrapped_cost_stays_bounded(self) -> None:
        """Wrapped at 160 columns a 10 MB message costs ~75 short lines, not 73,000."""
        handler, stream = _handler(width=160)
        handler.handle(shop_record("x" * 10_000_000, ()))
        lines = stream.getvalue().splitlines()
        assert 1 + 10_000 // (160 - 22) < len(lines) < 80
        assert (
            lines[-1].rstrip().endswith("\u2026[9,990,000 more chars] /srv/shop/api.py:17 in login")
        )

    @pytest.mark.parametrize(
        ("message", "expected"),
        [
            ("a" * 30 + "\nsecond", ["a" * 20 + "\u2026[17 more chars]"]),
            ("first\n" + "b" * 30, ["first", "\u2502 " + "b" * 14 + "\u2026[16 more chars]"]),
        ],
    )
    def test_cut_multiline_message(self, message: str, expected: list[str]) -> None:
        """The cut counts the whole message; the marker ends its last shown line."""
        text = ll.PrettyFormatter(max_chars=20, show_source=False).format(shop_record(message, ()))
        shown = [line.split("shop.api: ", 1)[-1].strip() for line in text.splitlines()]
        assert expected == shown

    def test_non_string_values_and_exception_text_are_cut(self) -> None:
        """A long JSON value and a long exception-text line are cut the same way."""
        record = shop_record("m", (), items=list(range(1000)))
        record.exc_text = "Traceback (most recent call last):\nValueError: " + "z" * 100
        text = ll.PrettyFormatter(max_chars=50, show_source=False).format(record)
        assert (
            "items=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,\u2026[4,840 more chars]"
            in text
        )
        assert "  \u2502 ValueError: " + "z" * 38 + "\u2026[62 more chars]" in text

    def test_none_never_cuts(self) -> None:
        """max_chars=None shows everything."""
        text = ll.PrettyFormatter(max_chars=None).format(shop_record("x" * 50_000, ()))
        assert "x" * 50_000 in text
        assert "more chars]" not in text

    @pytest.mark.parametrize("bad", [0, -1, "10", 1.5])
    def test_bad_max_chars(self, bad: object) -> None:
        """A bad max_chars fails at construction, naming it and the value."""
        expected = f'"max_chars" must be an int >= 1, or None: {bad!r}'
        with pytest.raises(ValueError, match=re.escape(expected)):
            ll.PrettyFormatter(max_chars=bad)  # type: ignore[arg-type]


class TestSpanRecords:
    def test_name_and_status_not_repeated(self) -> None:
        """A span record shows its name and status once (in its message) and a duration
        rounded to microseconds; its other fields stay."""
        handler, stream = _handler(width=None)
        logger = logging.getLogger("tests.pretty.span")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            with ll.span("checkout", logger=logger, user=42):
                pass
        finally:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
        (line,) = stream.getvalue().splitlines()
        body = line.split("tests.pretty.span: ", 1)[1]
        assert body.startswith('span checkout ok attributes={"user": 42} duration_ms=')
        assert "span_name=" not in body
        assert "status=" not in body
        assert re.search(r" duration_ms=\d+\.\d{1,3} trace=[0-9a-f]{8} span=[0-9a-f]{8} ", body)

    def test_other_records_keep_such_fields(self) -> None:
        """A record whose message is not "span NAME STATUS" keeps span_name and status."""
        text = ll.PrettyFormatter().format(
            shop_record("span checkout done", (), span_name="checkout", status="ok")
        )
        assert "span_name=checkout status=ok" in text


class TestTracebackPaths:
    def test_frames_under_the_working_directory_are_relative(
        self, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A traceback frame in a file under the working directory shows a relative path,
        and its source line is still shown."""
        script = tmp_path / "pkg" / "job.py"
        script.parent.mkdir()
        script.write_text("def run():\n    raise ValueError('from job')\n")
        namespace: dict[str, Any] = {}
        exec(compile(script.read_text(), str(script), "exec"), namespace)
        monkeypatch.chdir(tmp_path)
        try:
            namespace["run"]()
        except ValueError:
            record = shop_record("failed", (), logging.ERROR, sys.exc_info())
        text = ll.PrettyFormatter().format(record)
        assert "pkg/job.py:2 in run" in text
        assert str(tmp_path) not in text
        assert "raise ValueError('from job')" in text


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
        record = shop_record("%s", (evil,), value=evil)
        record.__dict__[evil] = "key"

        handler.handle(record)

        plain = ANSI.sub("", re.sub(r"\x1b\[[0-9;]*m", "", stream.getvalue()))
        assert 1 == plain.count("\n")
        assert f"shop.api: {shown} " in plain
        assert f'value="{shown}"' in plain or f"value={shown}" in plain
        assert f"{shown}=key" in plain

    def test_value_and_key_newlines_are_escapes(self) -> None:
        """A newline in a value or key is shown as ``\\n``: values stay on the record's line."""
        evil = "a\n00:00:00.000 CRITICAL forged"
        record = shop_record("ok", (), value=evil)
        record.__dict__[evil] = "key"

        text = ll.PrettyFormatter(show_source=False).format(record)

        shown = "a\\n00:00:00.000 CRITICAL forged"
        assert f'shop.api: ok value="{shown}" {shown}=key' == text.split("INFO     ", 1)[1]

    @pytest.mark.parametrize("width", [None, 80])
    def test_multiline_message_lines_are_indented_and_marked(self, width: int | None) -> None:
        """A multi-line message: first line on the record, the others under it after ``│``."""
        message = "report:\r\n  total 3\n00:00:00.000 CRITICAL forged\n\n"
        record = shop_record("%s", (message,), user="ann")

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
            record = shop_record("failed", (), logging.ERROR, sys.exc_info())
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
        line = ll.PrettyFormatter().format(shop_record("%d", ("x",)))

        assert "shop.api: %d message_error=" in line
        assert "TypeError" in line

    def test_context_whose_bool_raises(self) -> None:
        """A context whose __bool__ raises is shown, not raised."""
        record = shop_record(context=_RaisingBool(request_id="r-1"))
        line = ll.PrettyFormatter().format(record)

        assert 'context={"request_id": "r-1"}' in line

    def test_value_whose_class_raises(self) -> None:
        """An extra whose __class__ raises is shown by its repr."""
        line = ll.PrettyFormatter().format(shop_record(odd=_NoClass()))

        assert 'odd="<no class>"' in line

    def test_record_whose_fields_raise_is_degraded(self) -> None:
        """A record whose very fields raise is written degraded, with format_error."""
        record = shop_record("fine", ())
        record.created = "not a time"  # type: ignore[assignment]

        line = ll.PrettyFormatter().format(record)

        assert "format_error=" in line
