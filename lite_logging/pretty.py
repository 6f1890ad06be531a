"""The pretty console for development: ``PrettyFormatter`` and ``RichHandler``, using rich.

One record reads::

    16:30:00.123 INFO     shop.api: user 42 logged in request_id=r-1 user_id=42
                          trace=4bf92f35 span=00f067aa shop/api.py:17 in login

time (local), coloured level, logger, message, then context and extra fields as
``key=value`` (nested values as compact JSON), trace and span ids cut to 8 hex digits, and
the source location; long lines wrap under the message, so 80 columns stay readable.
Exceptions are rich tracebacks (locals off unless asked for).

Everything from the record is shown, never interpreted: the lines are built from plain text
pieces and styles chosen here, never from rich markup (so ``"[red]x"`` prints as is), and
control characters, ANSI escapes included, are written as visible escapes (``\\x1b[2J``,
``\\n``), so a logged value can neither clear the screen nor forge a second log line.

rich is imported only here, and only when a formatter or handler is built:
``import lite_logging`` stays light for production processes that never print pretty lines.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._encoding import safe_repr, to_jsonable
from ._schema import SchemaFormatter

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.traceback import Trace

__all__ = ["PrettyFormatter", "RichHandler"]

# Shown as escapes, never sent raw to the terminal: C0/C1 controls and DEL (ANSI escape
# sequences, line breaks, bells), line/paragraph separators, bidi overrides, lone surrogates.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_BUT_NEWLINE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
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
_TRACEBACK_WIDTH = 100

# Fields shown in their own place (or not at all: the event id is for machines).
_PLACED = ("timestamp", "level", "logger", "message", "event_id", "context")
_TAIL = ("trace_id", "span_id", "source", "exception", "stack")


def _check_width(width: int | None) -> None:
    """Raise for a ``width`` option too narrow to indent message bodies."""
    if width is not None and width < _MIN_BODY_WIDTH:
        raise ValueError(f'"width" must be at least {_MIN_BODY_WIDTH} or None: {width!r}')


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


def _escape_lines(text: str) -> str:
    """Like ``_escape`` but keeps newlines: for tracebacks and preformatted output."""
    return _UNSAFE_BUT_NEWLINE.sub(_escape_char, text)


def _value(value: object) -> str:
    """One value, compact and on one line: bare word, quoted string, number or JSON."""
    if isinstance(value, str):
        if _BARE.fullmatch(value) and _UNSAFE.search(value) is None:
            return value
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + _escape(quoted) + '"'
    if value is None or isinstance(value, bool | int | float):
        return safe_repr(value)
    try:
        data = to_jsonable(value)
        if isinstance(data, str):
            return _value(data)
        return _escape(json.dumps(data, ensure_ascii=False, separators=(", ", ": ")))
    except Exception:  # noqa: BLE001 - an odd value must not cost the line
        return _escape(safe_repr(value))


def _level_style(levelno: int) -> str:
    for threshold, style in _LEVEL_STYLES:
        if levelno >= threshold:
            return style
    return "dim"


def _sanitize_trace(trace: Trace) -> None:
    """Escape the exception texts in a rich ``Trace`` (messages are data, not terminal input)."""
    for stack in trace.stacks:
        stack.exc_type = _escape(stack.exc_type)
        stack.exc_value = _escape_lines(stack.exc_value)
        stack.notes = [_escape_lines(note) for note in stack.notes]
        for group_trace in stack.exceptions:
            _sanitize_trace(group_trace)


class PrettyFormatter(SchemaFormatter):
    """Human-readable lines for development, rendered with rich (see the module docstring).

    ``format()`` returns plain text (no colour codes), so it works with any stdlib handler;
    ``RichHandler`` calls ``render()`` instead and prints the styled result. The fields are
    the schema's (``JsonFormatter``'s), so ``fmt``, ``rename_fields`` and ``static_fields``
    select what is shown the same way.

    Args:
        fmt, datefmt, style, validate: as for ``logging.Formatter``; ``datefmt`` is a
            ``time.strftime`` format for the time column (default ``%H:%M:%S`` plus
            milliseconds, local time).
        width: wrap ``format()``'s lines at this many columns (``None``: no wrapping).
            ``RichHandler`` wraps at its console's width.
        show_locals: show local variables in tracebacks (off: they may hold secrets).
        show_source: show ``file:line in function``.
        max_frames: the most traceback frames shown per exception.
        **kwargs: python-json-logger options: ``rename_fields``, ``static_fields``...

    Raises:
        ValueError: a ``width`` below 20 or a ``max_frames`` below 1.
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
        **kwargs: Any,
    ) -> None:
        super().__init__(fmt, datefmt, style, validate, **kwargs)
        _check_width(width)
        if max_frames < 1:
            raise ValueError(f'"max_frames" must be >= 1: {max_frames!r}')
        from rich.console import Console  # rich only once a pretty formatter is built

        self.width = width
        self.show_locals = show_locals
        self.show_source = show_source
        self.max_frames = max_frames
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
        """Render ``record`` as plain text: one line (wrapped at ``width``), then any traceback."""
        head, body, tail = self._parts(record)
        if self.width is None:
            text = head.plain() + body.plain()
        else:
            lines = _wrap(head.pieces, body.pieces, self.width)
            text = "\n".join("".join(piece for piece, _ in line) for line in lines)
        if not tail and not _has_exception(record):
            return text  # no rich rendering needed: the common case stays cheap
        console = self._plain_console
        console.begin_capture()
        try:
            for renderable in self._exception(record, console, tail):
                console.print(renderable, crop=False, no_wrap=True, overflow="ignore")
        finally:
            rendered = console.end_capture()
        return text + "\n" + rendered.rstrip("\n")

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        """Render already collected fields as plain text (the python-json-logger step).

        ``format()`` does not come here (it renders from the record, for the time column
        and the traceback); this keeps the python-json-logger template usable on its own.
        """
        level = str(log_data.get(self._names["level"], ""))
        return f"{_escape(level):<{_LEVEL_WIDTH}} " + self._body(log_data, []).plain()

    def render(
        self, record: logging.LogRecord, console: Console, *, width: int | None = None
    ) -> list[RenderableType]:
        """The styled renderables for ``record``: its line(s), then a traceback if any.

        Args:
            record: the record.
            console: the console the result is printed on (for measuring).
            width: wrap at this many columns, continuation lines under the message;
                ``None``: one line, however long.
        """
        from rich.segment import Segment, Segments
        from rich.style import Style

        head, body, tail = self._parts(record)
        if width is None:
            lines = [head.pieces + body.pieces]
        else:
            lines = _wrap(head.pieces, body.pieces, width)
        # Segments straight from the styled pieces: rich's Text would measure, divide and
        # wrap the line again (measured: emit 207 us with Text.wrap, see docs/formats.md).
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
        rendered = Segments(segments)
        if not tail and not _has_exception(record):
            return [rendered]
        return [rendered, *self._exception(record, console, tail)]

    def _parts(self, record: logging.LogRecord) -> tuple[_Styled, _Styled, list[RenderableType]]:
        """The head (time, level), the body (the rest of the line) and exception texts."""
        data = self._fields(record)
        head = _Styled()
        head.add(self._time(record), "dim cyan")  # rich's "log.time", theme-independent
        head.add(" ")
        head.add(f"{record.levelname:<{_LEVEL_WIDTH}}"[:_LEVEL_WIDTH], _level_style(record.levelno))
        head.add(" ")
        tail: list[RenderableType] = []
        return head, self._body(data, tail), tail

    def _fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The schema's fields for ``record``, as python-json-logger's ``format()`` gathers them."""
        message_dict: dict[str, Any] = {}
        if isinstance(record.msg, dict):
            message_dict = record.msg.copy()
            record.message = ""
        else:
            record.message = record.getMessage()
        if "asctime" in self._required_fields:
            record.asctime = self.formatTime(record, self.datefmt)
        log_data: dict[str, Any] = {}
        self.add_fields(log_data, record, message_dict)  # exceptions are rendered by rich
        return self.process_log_record(log_data)

    def _time(self, record: logging.LogRecord) -> str:
        local = time.localtime(record.created)
        if self.datefmt:
            return _escape(time.strftime(self.datefmt, local))
        return time.strftime("%H:%M:%S", local) + f".{int(record.msecs):03d}"

    def _body(self, data: dict[str, Any], tail: list[RenderableType]) -> _Styled:
        """logger, message, context and extras, ids, source; exception texts go to ``tail``."""
        names = self._names
        data = dict(data)  # never mutate the caller's dict
        for key in ("timestamp", "level", "event_id"):
            data.pop(names[key], None)
        body = _Styled()
        logger = data.pop(names["logger"], None)
        if logger:
            body.add(_escape(str(logger)), "blue")
            body.add(": ", "dim")
        message = data.pop(names["message"], "")
        body.add(_escape(message if isinstance(message, str) else _value(message)))
        ended = {key: data.pop(names[key], None) for key in _TAIL}
        context = data.pop(names["context"], None)
        if isinstance(context, dict):
            for key, value in context.items():
                body.pair(key, value, "cyan")
        elif context:
            body.pair(names["context"], context, "cyan")
        for key, value in data.items():
            body.pair(key, value, "bold cyan")
        trace_id, span_id = ended["trace_id"], ended["span_id"]
        if trace_id:
            body.add(f" trace={_escape(str(trace_id)[:8])}", "dim")
        if span_id:
            body.add(f" span={_escape(str(span_id)[:8])}", "dim")
        source = ended["source"]
        if self.show_source and isinstance(source, dict) and source.get("file"):
            where = f"{source.get('file')}:{source.get('line')} in {source.get('function')}"
            body.add(" " + _escape(where), "dim")
        if ended["exception"] or ended["stack"]:
            from rich.text import Text

            for key, style in (("exception", "red"), ("stack", "dim")):
                text = ended[key]
                if text:
                    shown = "\n".join(text) if isinstance(text, list) else str(text)
                    tail.append(Text(_escape_lines(shown), style=style))
        return body

    def _exception(
        self, record: logging.LogRecord, console: Console, tail: list[RenderableType]
    ) -> list[RenderableType]:
        """A rich traceback from ``exc_info``; else the exception text already rendered."""
        from rich.text import Text
        from rich.traceback import Traceback

        shown: list[RenderableType] = []
        exc_info = record.exc_info
        if exc_info and exc_info[1] is not None:
            trace = Traceback.extract(
                exc_info[0] or type(exc_info[1]),
                exc_info[1],
                exc_info[2],
                show_locals=self.show_locals,
            )
            _sanitize_trace(trace)
            shown.append(
                Traceback(
                    trace,
                    width=min(console.width, _TRACEBACK_WIDTH),
                    show_locals=self.show_locals,
                    max_frames=self.max_frames,
                )
            )
        elif record.exc_text:  # prepared by a queue handler: the traceback is text now
            shown.append(Text(_escape_lines(record.exc_text), style="red"))
        if record.stack_info:
            stack = logging.Formatter.formatStack(self, record.stack_info)  # always one str
            shown.append(Text(_escape_lines(stack), style="dim"))
        return shown + tail


def _has_exception(record: logging.LogRecord) -> bool:
    return bool(record.exc_info or record.exc_text or record.stack_info)


class _Styled:
    """A line under construction: ``(text, style)`` pieces, wrapped and styled at the end.

    Cheaper than a rich ``Text`` per piece, and ``format()`` needs no rich object at all.
    """

    __slots__ = ("pieces",)

    def __init__(self) -> None:
        self.pieces: list[tuple[str, str]] = []

    def add(self, text: str, style: str = "") -> None:
        self.pieces.append((text, style))

    def pair(self, key: object, value: object, style: str) -> None:
        self.pieces += ((" ", ""), (_escape(str(key)), style), ("=", "dim"), (_value(value), ""))

    def plain(self) -> str:
        return "".join(piece for piece, _ in self.pieces)


_Pieces = list[tuple[str, str]]


def _wrap(head: _Pieces, body: _Pieces, width: int) -> list[_Pieces]:
    """Word-wrap ``head + body`` to ``width`` columns, continuation lines under the body.

    Breaks only at spaces (``key=value`` spans several pieces but is one word); a word
    wider than the line is folded. Widths are terminal cells (wide CJK characters count 2).
    """
    from rich.cells import cell_len

    indent = _HEAD_WIDTH
    if width - _HEAD_WIDTH < _MIN_BODY_WIDTH:  # too narrow to indent: wrap the whole line
        head, body, indent = [], head + body, 0
    # Words: (spaces before, [(text, style)...], cells), split at spaces across pieces.
    words: list[tuple[int, _Pieces, int]] = []
    current: _Pieces = []
    cells = spaces = before = 0
    for text, style in body:
        for n, part in enumerate(text.split(" ")):
            if n:
                if current:
                    words.append((before, current, cells))
                    current, cells, spaces = [], 0, 0
                spaces += 1
            if part:
                if not current:
                    before = spaces
                current.append((part, style))
                cells += cell_len(part)
    if current:
        words.append((before, current, cells))

    head_cells = sum(cell_len(text) for text, _ in head)
    lines: list[_Pieces] = [list(head)]
    line = lines[0]
    column = head_cells
    start = head_cells  # the column where words start on this line
    for before, pieces, cells in words:
        if column > start and column + before + cells > width:
            line = [(" " * indent, "")] if indent else []
            lines.append(line)
            column = start = indent
        elif column > start or (before and column == start and lines[0] is line):
            line.append((" " * before, ""))
            column += before
        if column + cells <= width:
            line.extend(pieces)
            column += cells
            continue
        for text, style in pieces:  # fold a word wider than the line, cell by cell
            for char in text:
                size = cell_len(char)
                if column + size > width and column > start:
                    line = [(" " * indent, "")] if indent else []
                    lines.append(line)
                    column = start = indent
                line.append((char, style))
                column += size
    return lines


class RichHandler(logging.Handler):
    """Writes records as pretty, coloured lines through a rich ``Console`` (development).

    Colour only when the stream is a terminal (or ``FORCE_COLOR`` is set) and ``NO_COLOR``
    is not set; otherwise plain text without any escape code. Each record, or each batch
    through ``handle_batch``, is one write under the handler lock, so lines from several
    threads never interleave; it works as a target of ``BatchingQueueListener``.

    Args:
        level: the handler's level.
        stream: where to write; default ``sys.stderr`` (looked up at each write, so
            redirections apply). Ignored when ``console`` is given.
        console: a ready rich ``Console`` to print on.
        width: wrap at this many columns; default the console's width (the terminal's,
            else ``COLUMNS``, else 80).
        show_locals, show_source, max_frames: for the default ``PrettyFormatter``.

    Raises:
        ValueError: a ``width`` below 20.
        ImportError: rich is not installed.
    """

    def __init__(
        self,
        level: int | str = logging.NOTSET,
        *,
        stream: Any = None,
        console: Console | None = None,
        width: int | None = None,
        show_locals: bool = False,
        show_source: bool = True,
        max_frames: int = 20,
    ) -> None:
        super().__init__(level)
        _check_width(width)
        from rich.console import Console  # rich only once a pretty handler is built

        if console is None:
            no_color = os.environ.get("NO_COLOR", "") != ""  # https://no-color.org
            console = Console(
                file=stream,
                stderr=stream is None,
                width=width,
                color_system=None if no_color else "auto",
                markup=False,
                emoji=False,
                highlight=False,
                force_jupyter=False,
            )
        self.console = console
        self.width = width
        self.setFormatter(
            PrettyFormatter(show_locals=show_locals, show_source=show_source, max_frames=max_frames)
        )
        self._written = 0
        self._errors = 0

    @property
    def stream(self) -> Any:
        """The file the console writes to (like ``logging.StreamHandler.stream``)."""
        return self.console.file

    def emit(self, record: logging.LogRecord) -> None:
        """Print ``record``; a failure goes to ``handleError``, never to the caller."""
        try:
            renderables = self._render(record)
            console = self.console
            with console:  # buffered: the record is one write
                for renderable in renderables:
                    console.print(renderable, crop=False, no_wrap=True, overflow="ignore")
            self._written += 1
        except RecursionError:  # as the stdlib handlers do
            raise
        except Exception:  # noqa: BLE001 - logging must not raise into the application
            self._errors += 1
            self.handleError(record)

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
        """Print a batch of (already filtered) records in one console write.

        A record that fails to render is reported through ``handleError`` and skipped;
        the others are still written.
        """
        self.acquire()
        try:
            rendered: list[RenderableType] = []
            count = 0
            for record in records:
                try:
                    rendered.extend(self._render(record))
                    count += 1
                except RecursionError:
                    raise
                except Exception:  # noqa: BLE001 - one bad record must not cost the batch
                    self._errors += 1
                    self.handleError(record)
            if not rendered:
                return
            console = self.console
            try:
                with console:
                    for renderable in rendered:
                        console.print(renderable, crop=False, no_wrap=True, overflow="ignore")
                self._written += count
            except RecursionError:
                raise
            except Exception:  # noqa: BLE001 - a closed stream, a full disk
                self._errors += count
                self.handleError(records[-1])
        finally:
            self.release()

    def stats(self) -> dict[str, Any]:
        """``{"written": records printed, "errors": records that failed}``."""
        return {"written": self._written, "errors": self._errors}

    def _render(self, record: logging.LogRecord) -> list[RenderableType]:
        formatter = self.formatter
        console = self.console
        if isinstance(formatter, PrettyFormatter):
            return formatter.render(record, console, width=self.width or console.width)
        # Any other formatter: its text as is, but no control character reaches the terminal.
        from rich.text import Text

        return [Text(_escape_lines(self.format(record)))]

    def __repr__(self) -> str:
        level = logging.getLevelName(self.level)
        return f"<{type(self).__name__} {getattr(self.stream, 'name', '')} ({level})>"
