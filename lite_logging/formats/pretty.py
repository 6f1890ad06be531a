"""The pretty console for development: ``PrettyFormatter``, rendering with rich.

One record reads::

    16:30:00.123 INFO     shop.api: user 42 logged in request_id=r-1 user_id=42
                          trace=4bf92f35 span=00f067aa shop/api.py:17 in login

time (local), coloured level, logger, message, then context and extra fields as
``key=value`` (nested values as compact JSON), trace and span ids cut to 8 hex digits, and
the source location; long lines wrap under the message, so 80 columns stay readable.
Exceptions are rich tracebacks (locals off unless asked for).

Everything from the record is shown, never interpreted: the lines are built from plain text
pieces and styles chosen here, never from rich markup (so ``"[red]x"`` prints as is), and
control characters, ANSI escapes included, are written as visible escapes (``\\x1b[2J``),
so a logged value cannot clear the screen.

Nor can it forge a record: only a record's first line starts at column 0 (with the time).
Every other line starts with spaces: the first line wrapped (under the message), the
message's further lines and plain-text tracebacks (after their indent, the mark ``│``), a
rich traceback (a gutter of two spaces); a newline inside a value or key shows as ``\\n``.

rich is imported only here, and only when a formatter (or ``RichHandler``, in
:mod:`lite_logging.sinks.console`, through :func:`make_console`) is built: ``import
lite_logging`` stays light for production processes that never print pretty lines.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any, TypeGuard

from .._options import check_bool, check_int
from ._encoding import safe_repr, to_jsonable
from ._schema import SchemaFormatter
from ._wrap import Pieces as _Pieces
from ._wrap import wrap

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
    from rich.traceback import Trace

__all__ = ["DEFAULT_MAX_CHARS", "PrettyFormatter", "check_options", "make_console", "render_text"]

# Shown as escapes, never sent raw to the terminal: C0/C1 controls and DEL (ANSI escape
# sequences, line breaks, bells), line/paragraph separators, bidi marks, overrides and
# isolates, lone surrogates.
_UNSAFE_CHARS = (
    "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CHARS}]")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
_BARE = re.compile(r"[^\s\"'=\\]+")  # a string value shown without quotes

_LEVEL_STYLES = (
    (logging.CRITICAL, "bold reverse red"),
    (logging.ERROR, "bold red"),
    (logging.WARNING, "yellow"),
    (logging.INFO, "green"),
    (logging.DEBUG, "blue"),
    (logging.NOTSET, "dim"),
)
_TIME_WIDTH = 12  # "16:30:00.123"
_LEVEL_WIDTH = 8  # "CRITICAL"
_HEAD_WIDTH = _TIME_WIDTH + 1 + _LEVEL_WIDTH + 1
_MIN_BODY_WIDTH = 20  # narrower consoles wrap the whole line instead of indenting
# Every line of a record but the first starts with spaces, so only a record's first line
# starts at column 0 (with the time). Lines of multi-line texts (message, exception, stack)
# also carry a mark after their indent, so they cannot pass for the record's own fields.
_UNDER = " " * _HEAD_WIDTH  # the first line wrapped: under the message
_NARROW = "  "  # the first line wrapped on a console too narrow to indent under the message
_GUTTER = "  "  # a rich traceback
_MESSAGE_MARK = _UNDER + "\u2502 "  # the message's second and later lines: "│ "
_BLOCK_MARK = _GUTTER + "\u2502 "  # the lines of exception and stack texts
_TRACEBACK_WIDTH = 100
DEFAULT_MAX_CHARS = 10_000
"""The most characters of a message or value the console shows by default."""

# Fields shown in their own place (or not at all: the event id is for machines).
_PLACED = ("timestamp", "level", "logger", "message", "event_id", "context")
_TAIL = ("trace_id", "span_id", "source", "exception", "stack")


def check_options(
    *,
    width: object,
    show_locals: object,
    show_source: object,
    max_frames: object,
    max_chars: object = None,
) -> None:
    """Raise ``ValueError`` naming the option and its value for a bad pretty-console option:
    shared by ``PrettyFormatter`` and ``RichHandler``, so both fail at construction."""
    if width is not None and not (_is_int(width) and width >= _MIN_BODY_WIDTH):
        raise ValueError(
            f'"width" must be an int of at least {_MIN_BODY_WIDTH}, or None: {width!r}'
        )
    check_bool("show_locals", show_locals)
    check_bool("show_source", show_source)
    check_int("max_frames", max_frames, 1)
    if max_chars is not None and not (_is_int(max_chars) and max_chars >= 1):
        raise ValueError(f'"max_chars" must be an int >= 1, or None: {max_chars!r}')


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    escaped = _ESCAPES.get(char)
    if escaped is not None:
        return escaped
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _escape(text: str) -> str:
    """``text`` with every control/format character as a visible escape."""
    if _UNSAFE.search(text) is None:  # the common case: one scan, no copy
        return text
    return _UNSAFE.sub(_escape_char, text)


def _split_lines(text: str) -> list[str]:
    """``text``'s lines: split at ``\\n`` (and ``\\r\\n``) only; other breaks are escaped."""
    return text.replace("\r\n", "\n").split("\n")


def _cut(text: str, limit: int | None) -> tuple[str, str]:
    """``text`` cut to ``limit`` characters, and the marker saying how much was cut ("")."""
    if limit is None or len(text) <= limit:
        return text, ""
    return text[:limit], f"\u2026[{len(text) - limit:,} more chars]"


def _marked(text: str) -> str:
    """``text`` escaped, its second and later lines marked: for exception texts in rich."""
    return "\n\u2502 ".join(_escape(line) for line in _split_lines(text))


_level_cells: dict[str, str] = {}


def _level_cell(levelname: str) -> str:
    """The level column: the level name escaped, padded or cut to 8 cells (cached)."""
    cell = _level_cells.get(levelname)
    if cell is None:
        cell = f"{_escape(levelname):<{_LEVEL_WIDTH}}"[:_LEVEL_WIDTH]
        if len(_level_cells) < 256:  # level names are few; a flood of odd ones is not kept
            _level_cells[levelname] = cell
    return cell


def _value(value: object, limit: int | None = None) -> tuple[str, str]:
    """One value, compact and on one line: bare word, quoted string, number or JSON; cut
    to ``limit`` characters (before escaping), with the marker saying how much was cut."""
    kind = type(value)  # not isinstance: it would ask the value's own __class__, which may raise
    if issubclass(kind, str):
        text, cut = _cut(str.__str__(value), limit)
        if _BARE.fullmatch(text) and _UNSAFE.search(text) is None:
            return text, cut
        quoted = text.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + _escape(quoted) + '"', cut
    if value is None or issubclass(kind, bool | int | float):
        return _cut(safe_repr(value), limit)
    try:
        data = to_jsonable(value)
        if isinstance(data, str):
            return _value(data, limit)
        text, cut = _cut(json.dumps(data, ensure_ascii=False, separators=(", ", ": ")), limit)
    except Exception:  # noqa: BLE001 - an odd value must not cost the line
        text, cut = _cut(safe_repr(value), limit)
    return _escape(text), cut


def _text(obj: object) -> str:
    """``str(obj)`` escaped, or its safe ``repr`` when ``__str__`` raises: a key, a logger."""
    try:
        return _escape(obj if type(obj) is str else str(obj))
    except Exception:  # noqa: BLE001 - a hostile key must not cost the line
        return _escape(safe_repr(obj))


def _level_style(levelno: int) -> str:
    for threshold, style in _LEVEL_STYLES:
        if levelno >= threshold:
            return style
    return "dim"


def _sanitize_trace(trace: Trace, limit: int | None) -> None:
    """Escape the texts in a rich ``Trace`` (messages are data, not terminal input): one-line
    names escaped, multi-line messages and notes escaped with their later lines marked,
    messages cut to ``limit`` characters; file names under the working directory relative."""
    for stack in trace.stacks:
        stack.exc_type = _escape(stack.exc_type)
        stack.exc_value = _marked("".join(_cut(stack.exc_value, limit)))
        stack.notes = [_marked("".join(_cut(note, limit))) for note in stack.notes]
        syntax_error = stack.syntax_error
        if syntax_error is not None:
            syntax_error.msg = _marked(syntax_error.msg)
            syntax_error.filename = _escape(syntax_error.filename)
            syntax_error.line = _escape(syntax_error.line.rstrip("\r\n"))
            syntax_error.notes = [_marked(note) for note in syntax_error.notes]
        for frame in stack.frames:
            frame.filename = _escape(_from_cwd(frame.filename))
            frame.name = _escape(frame.name)
            frame.line = _escape(frame.line)
        for group_trace in stack.exceptions:
            _sanitize_trace(group_trace, limit)


def _from_cwd(filename: str) -> str:
    """``filename`` relative to the working directory when it lies under it (rich still
    finds the file to show its code), else as it is."""
    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was removed
        return filename
    if filename.startswith(cwd + os.sep):
        return filename[len(cwd) + 1 :]
    return filename


def _message_lines(message: Any, limit: int | None) -> tuple[str, str, list[str]]:
    """The message's first line (escaped), the mark of a cut (or ``""``) and its other
    lines, which go under the record; the mark ends the last of them when there are any."""
    if not isinstance(message, str):
        value, cut = _value(message, limit)
        return value, cut, []
    message, cut = _cut(message, limit)
    more: list[str] = []
    if "\n" in message:  # a multi-line message: its other lines go under the record
        first, *more = _split_lines(message)
        while more and not more[-1].strip():
            more.pop()  # a trailing newline adds no line
        message = first
    if cut and more:
        more[-1] += cut
    return _escape(message), cut, more


def _add_pairs(body: _Styled, context_name: str, context: Any, extras: dict[str, Any]) -> None:
    """The context's entries (or the context as one pair, when not a dict), then the extras."""
    if issubclass(type(context), dict):  # type(): __class__ may raise
        for key, value in context.items():
            body.pair(key, value, "cyan")
    elif context is not None:  # no truth test: a context's __bool__ may raise
        body.pair(context_name, context, "cyan")
    for key, value in extras.items():
        body.pair(key, value, "bold cyan")


def _blocks(ended: dict[str, Any]) -> list[tuple[str, str]]:
    """The exception and stack texts (a list of lines joined), with their styles."""
    blocks: list[tuple[str, str]] = []
    for key, style in (("exception", "red"), ("stack", "dim")):
        text = ended[key]
        if text:
            blocks.append(
                ("\n".join(map(str, text)) if isinstance(text, list) else str(text), style)
            )
    return blocks


class PrettyFormatter(SchemaFormatter):
    """Human-readable lines for development, rendered with rich (see the module docstring).

    ``format()`` returns plain text (no colour codes), so it works with any stdlib handler;
    ``RichHandler`` calls ``render()`` instead and prints the styled result. The fields are
    the schema's (``JsonFormatter``'s), so ``fmt``, ``rename_fields`` and ``static_fields``
    select what is shown the same way.

    Args:
        fmt: as for ``logging.Formatter``.
        datefmt: as for ``logging.Formatter``; a ``time.strftime`` format for the time
            column (default ``%H:%M:%S`` plus milliseconds, local time).
        style: as for ``logging.Formatter``.
        validate: as for ``logging.Formatter``.
        width: wrap ``format()``'s lines at this many columns (``None``: no wrapping).
            ``RichHandler`` wraps at its console's width.
        show_locals: show local variables in tracebacks (off: they may hold secrets).
        show_source: show ``file:line in function``.
        max_frames: the most traceback frames shown per exception.
        max_chars: the most characters shown of the message and of each value (and of
            each line of an exception text); the rest is cut and replaced by a marker
            ``…[N more chars]``, so a huge value costs the console little (a 10 MB message
            wrapped for a terminal took 90 s and 1.7 GB uncut). ``None``: never cut.
        **kwargs: python-json-logger options: ``rename_fields``, ``static_fields``...

    Raises:
        ValueError: a ``width`` that is not an int of at least 20, a ``max_frames`` or
            ``max_chars`` below 1, a ``show_locals``/``show_source`` that is not a bool:
            naming the option and the value.
        ImportError: rich is not installed.
    """

    def __init__(
        self,
        fmt: str | Sequence[str] | None = None,
        datefmt: str | None = None,
        style: str = "%",
        validate: bool = True,
        *,
        width: int | None = None,
        show_locals: bool = False,
        show_source: bool = True,
        max_frames: int = 20,
        max_chars: int | None = DEFAULT_MAX_CHARS,
        **kwargs: Any,
    ) -> None:
        check_options(
            width=width,
            show_locals=show_locals,
            show_source=show_source,
            max_frames=max_frames,
            max_chars=max_chars,
        )
        super().__init__(fmt, datefmt, style, validate, **kwargs)
        from rich.console import Console  # rich only once a pretty formatter is built

        self.width = width
        self.show_locals = show_locals
        self.show_source = show_source
        self.max_frames = max_frames
        self.max_chars = max_chars
        rename = self.rename_fields
        self._names = {key: rename.get(key, key) for key in (*_PLACED, *_TAIL)}
        # Renders format()'s plain text: no colour, no markup, output captured per thread.
        self._plain_console = Console(
            file=io.StringIO(),
            width=width or _TRACEBACK_WIDTH,
            color_system=None,
            markup=False,
            emoji=False,
            highlight=False,
            force_terminal=False,
            force_jupyter=False,
        )

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as plain text: its line (wrapped at ``width``), then its
        continuation lines (further message lines, the traceback), each indented.

        Never raises: a record whose fields raise is written degraded (its plain fields
        and ``format_error``), as the other formats do.
        """
        try:
            return self._plain(self._layout(record, self.width))
        except Exception as exc:  # noqa: BLE001 - the record is written degraded, not lost
            return self._format_degraded(record, exc)

    def _plain(self, parts: list[_Pieces | _Gutter]) -> str:
        if len(parts) == 1 and type(parts[0]) is list:  # the common case stays cheap
            return "".join(piece for piece, _ in parts[0])
        shown: list[str] = []
        for part in parts:
            if not isinstance(part, _Gutter):
                shown.append("".join(piece for piece, _ in part))
                continue
            console = self._plain_console  # a rich traceback: rendered without colour
            console.begin_capture()
            try:
                console.print(part, crop=False, no_wrap=True, overflow="ignore")
            finally:
                shown.append(console.end_capture().rstrip("\n"))
        return "\n".join(shown)

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        """Render already collected fields as plain text (the python-json-logger step).

        ``format()`` does not come here (it renders from the record, for the time column
        and the traceback); this keeps the python-json-logger template usable on its own.
        """
        level = str(log_data.get(self._names["level"], ""))
        body, more, blocks = self._body(log_data)
        lines = [[(f"{_escape(level):<{_LEVEL_WIDTH}} ", ""), *body.pieces]]
        limit = self.max_chars
        lines += _text_lines(more, _MESSAGE_MARK, "", None)
        for text, style in blocks:
            lines += _text_lines(_split_lines(text), _BLOCK_MARK, style, None, limit)
        return "\n".join("".join(piece for piece, _ in line) for line in lines)

    def render(
        self, record: logging.LogRecord, console: Console, *, width: int | None = None
    ) -> list[RenderableType]:
        """The styled renderables for ``record``: its line(s), then a traceback if any.

        Args:
            record: the record.
            console: the console the result is printed on (for measuring).
            width: wrap at this many columns, continuation lines under the message;
                ``None``: no wrapping, however long the lines.
        """
        parts = self._layout(record, width)
        lines: list[_Pieces] = []
        shown: list[RenderableType] = []
        for part in parts:
            if not isinstance(part, _Gutter):
                lines.append(part)
                continue
            if lines:
                shown.append(_segments(lines, console))
                lines = []
            shown.append(part)
        if lines:
            shown.append(_segments(lines, console))
        return shown

    def _layout(self, record: logging.LogRecord, width: int | None) -> list[_Pieces | _Gutter]:
        """The record's lines (styled pieces), and a rich traceback where there is one.

        The first line starts with the time; every other line starts with spaces: the
        first line wrapped (under the message), further message lines and plain-text
        tracebacks (after their indent, the mark ``│``), a rich traceback (its gutter).
        """
        data = self._fields(record)
        head: _Pieces = [
            (self._time(record), "dim cyan"),  # rich's "log.time", theme-independent
            (" ", ""),
            (_level_cell(record.levelname), _level_style(record.levelno)),
            (" ", ""),
        ]
        body, more, blocks = self._body(data)
        narrow = width is not None and width - _HEAD_WIDTH < _MIN_BODY_WIDTH
        parts: list[_Pieces | _Gutter]
        if width is None:
            parts = [head + body.pieces]
        elif narrow:  # too narrow to indent under the message: wrap the whole line
            parts = list(_wrap([], head + body.pieces, width, [(_NARROW, "")]))
        else:
            parts = list(_wrap(head, body.pieces, width, [(_UNDER, "")]))
        if more:
            parts += _text_lines(more, _BLOCK_MARK if narrow else _MESSAGE_MARK, "", width)
        if record.exc_info or record.exc_text or record.stack_info:
            parts += self._exception(record, width)
        for text, style in blocks:
            parts += _text_lines(_split_lines(text), _BLOCK_MARK, style, width, self.max_chars)
        return parts

    def _fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The schema's fields for ``record``, by the template's steps; exceptions are
        left out (rich renders them from the record)."""
        return self._log_data(record, False)

    def _time(self, record: logging.LogRecord) -> str:
        local = time.localtime(record.created)
        if self.datefmt:
            return _escape(time.strftime(self.datefmt, local))
        return time.strftime("%H:%M:%S", local) + f".{int(record.msecs):03d}"

    def _body(self, data: dict[str, Any]) -> tuple[_Styled, list[str], list[tuple[str, str]]]:
        """The line after time and level: logger, the message's first line, context and
        extras, ids, source; then the message's other lines, and exception/stack texts."""
        names = self._names
        data = dict(data)  # never mutate the caller's dict
        for key in ("timestamp", "level", "event_id"):
            data.pop(names[key], None)
        limit = self.max_chars
        body = _Styled(limit)
        logger = data.pop(names["logger"], None)
        if logger:
            body.add(_text(logger), "blue")
            body.add(": ", "dim")
        message = data.pop(names["message"], "")
        if message.__class__ is str and message.startswith("span "):
            _span_fields(message, data)
        message, cut, more = _message_lines(message, limit)
        body.add(message)
        if cut and not more:
            body.add(cut, "dim")
        ended = {key: data.pop(names[key], None) for key in _TAIL}
        _add_pairs(body, names["context"], data.pop(names["context"], None), data)
        self._add_ids_and_source(body, ended)
        return body, more, _blocks(ended)

    def _add_ids_and_source(self, body: _Styled, ended: dict[str, Any]) -> None:
        """The trace and span ids (8 hex digits each), then the source if shown."""
        trace_id, span_id = ended["trace_id"], ended["span_id"]
        if trace_id:
            body.add(f" trace={_escape(str(trace_id)[:8])}", "dim")
        if span_id:
            body.add(f" span={_escape(str(span_id)[:8])}", "dim")
        source = ended["source"]
        if self.show_source and isinstance(source, dict) and source.get("file"):
            where = f"{source.get('file')}:{source.get('line')} in {source.get('function')}"
            body.add(" " + _escape(where), "dim")

    def _exception(self, record: logging.LogRecord, width: int | None) -> list[_Pieces | _Gutter]:
        """A rich traceback from ``exc_info``, else the exception text already rendered;
        then the stack, if any: all indented, the texts marked."""
        from rich.traceback import Traceback

        shown: list[_Pieces | _Gutter] = []
        exc_info = record.exc_info
        if exc_info and exc_info[1] is not None:
            trace = Traceback.extract(
                exc_info[0] or type(exc_info[1]),
                exc_info[1],
                exc_info[2],
                show_locals=self.show_locals,
            )
            _sanitize_trace(trace, self.max_chars)
            traceback = Traceback(
                trace,
                width=_TRACEBACK_WIDTH - len(_GUTTER),
                show_locals=self.show_locals,
                max_frames=self.max_frames,
            )
            shown.append(_Gutter(traceback))
        elif record.exc_text:  # prepared by a queue handler: the traceback is text now
            text = _split_lines(record.exc_text)
            shown += _text_lines(text, _BLOCK_MARK, "red", width, self.max_chars)
        if record.stack_info:
            stack = logging.Formatter.formatStack(self, record.stack_info)  # always one str
            shown += _text_lines(_split_lines(stack), _BLOCK_MARK, "dim", width, self.max_chars)
        return shown


def _span_fields(message: str, data: dict[str, Any]) -> None:
    """A span record's fields without repeating its message: ``span_name`` and ``status``
    dropped when the message ("span NAME STATUS") says them, the duration rounded to us."""
    name, status = data.get("span_name"), data.get("status")
    if message != f"span {name} {status}":
        return  # not a span record, or one a filter changed: show everything
    del data["span_name"], data["status"]
    duration = data.get("duration_ms")
    if duration.__class__ is float:
        data["duration_ms"] = round(duration, 3)


class _Styled:
    """A line under construction: ``(text, style)`` pieces, wrapped and styled at the end.

    Cheaper than a rich ``Text`` per piece, and ``format()`` needs no rich object at all.
    """

    __slots__ = ("limit", "pieces")

    def __init__(self, limit: int | None = None) -> None:
        self.pieces: list[tuple[str, str]] = []
        self.limit = limit  # the most characters of a value shown

    def add(self, text: str, style: str = "") -> None:
        self.pieces.append((text, style))

    def pair(self, key: object, value: object, style: str) -> None:
        shown, cut = _value(value, self.limit)
        self.pieces += ((" ", ""), (_text(key), style), ("=", "dim"), (shown, ""))
        if cut:
            self.pieces.append((cut, "dim"))

    def plain(self) -> str:
        return "".join(piece for piece, _ in self.pieces)


def _text_lines(
    lines: list[str], mark: str, style: str, width: int | None, limit: int | None = None
) -> list[_Pieces]:
    """Lines of a multi-line text shown under a record: each after ``mark``, cut to
    ``limit`` characters, escaped, and wrapped at ``width`` with the mark again on each
    continuation line."""
    marked: list[_Pieces] = []
    for line in lines:
        shown = _escape("".join(_cut(line, limit)).expandtabs(4))
        if width is None:
            marked.append([(mark, "dim"), (shown, style)])
        else:
            marked += _wrap([(mark, "dim")], [(shown, style)], width, [(mark, "dim")])
    return marked


def _segments(lines: list[_Pieces], console: Console) -> RenderableType:
    """``lines`` as rich segments straight from the styled pieces.

    rich's ``Text`` would measure, divide and wrap the lines again (measured: emit 207 us
    with ``Text.wrap``, see docs/formats.md).
    """
    from rich.segment import Segment, Segments
    from rich.style import Style

    styles: dict[str, Style] = {}
    segments: list[Segment] = []
    newline = Segment.line()
    for line in lines:
        for piece, style in line:
            if not style:
                segments.append(Segment(piece))
                continue
            resolved = styles.get(style)
            if resolved is None:
                resolved = styles[style] = console.get_style(style)
            segments.append(Segment(piece, resolved))
        segments.append(newline)
    return Segments(segments)


class _Gutter:
    """A rich renderable (a traceback) indented by a gutter, no control character raw.

    The safety net for what rich renders from exception data (messages, notes, file and
    function names, the reprs of locals): whatever they hold, every line starts with the
    gutter, and a control character left in any segment is shown as an escape.
    """

    def __init__(self, renderable: RenderableType, gutter: str = _GUTTER) -> None:
        self.renderable = renderable
        self.gutter = gutter

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        width = max(options.max_width - len(self.gutter), 1)
        inner = options.update(width=width, no_wrap=False, overflow="fold")
        gutter = Segment(self.gutter)
        newline = Segment.line()
        for line in console.render_lines(self.renderable, inner, pad=False):
            yield gutter
            for segment in line:
                if segment.control:
                    continue  # cursor movements: nothing a traceback needs
                if _UNSAFE.search(segment.text) is not None:
                    segment = Segment(_escape(segment.text), segment.style)
                yield segment
            yield newline


def _wrap(head: _Pieces, body: _Pieces, width: int, indent_by: _Pieces) -> list[_Pieces]:
    """:func:`~._wrap.wrap` measuring in terminal cells, as rich does (wide characters: 2)."""
    from rich.cells import cell_len

    return wrap(head, body, width, indent_by, cell_len)


def make_console(stream: IO[str] | None, width: int | None) -> Console:
    """A rich ``Console`` for pretty lines on ``stream`` (``None``: ``sys.stderr``, looked
    up at each write): never markup, emoji or highlighting of the record's text; colour
    only on a terminal or with ``FORCE_COLOR``, never with ``NO_COLOR``."""
    from rich.console import Console

    no_color = os.environ.get("NO_COLOR", "") != ""  # https://no-color.org
    return Console(
        file=stream,
        stderr=stream is None,
        width=width,
        color_system=None if no_color else "auto",
        markup=False,
        emoji=False,
        highlight=False,
        force_jupyter=False,
    )


def render_text(text: str, console: Console) -> list[RenderableType]:
    """Another formatter's text for ``console``: its first line as is, its other lines (a
    traceback) marked under it, no control character raw."""
    first, *more = _split_lines(text)
    lines = [[(_escape(first), "")], *_text_lines(more, _BLOCK_MARK, "", None)]
    return [_segments(lines, console)]
