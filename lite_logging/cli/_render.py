"""Human output of records read back: the console, ``PrettyFormatter`` lines, escaping.

rich is imported here only inside the functions that print, so importing the command
does not import it.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from typing import IO, TYPE_CHECKING, Any

from ..record._attrs import RECORD_ATTRS
from ._levels import levelno
from ._select import json_text
from ._times import record_time
from .readers import Entry

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from ..formats.pretty import PrettyFormatter

__all__ = [
    "NO_TIME",
    "Pretty",
    "as_log_record",
    "compact",
    "console",
    "escape",
    "malformed",
    "shown_time",
]

NO_TIME = "--:--:--.---"
"""Shown in the time column of a record without a (usable) timestamp: as wide as a time."""

# Keys a read-back record keeps in LogRecord attributes of their own (or drops: the
# formatter re-derives them); any other key becomes a record attribute, as extra= does.
_PLACED = frozenset({"timestamp", "level", "logger", "message", "source", "exception", "stack"})
_RECORD_ATTRS = RECORD_ATTRS


def escape(text: str, newline: str = "\n    ") -> str:
    """Control characters made visible, so a log line cannot move the cursor or fake lines."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char == "\n":
            out.append(newline)
        elif char == "\t" or char.isprintable():  # bidi overrides are not printable
            out.append(char)
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def compact(value: Any) -> str:
    """A value for ``key=value``: a plain word as it is, anything else as JSON."""
    if isinstance(value, str):
        return value if value and " " not in value and "=" not in value else json.dumps(value)
    return json_text(value)


def malformed(entry: Entry) -> str:
    """``malformed (REASON): LINE`` for a line that could not be read, escaped."""
    reason = escape(str(entry.error), " ")
    return f"malformed ({reason}): {escape(entry.text, ' ')}"


def shown_time(data: dict[str, Any]) -> datetime.datetime | None:
    """The record's time when it has one that local time can show, else None."""
    when = record_time(data)
    if when is None:
        return None
    try:
        time.localtime(when.timestamp())  # the formatter shows local time: must be possible
    except (ValueError, OverflowError, OSError):
        return None
    return when


def _bare_record(data: dict[str, Any]) -> logging.LogRecord:
    """A LogRecord with the record's logger, level, message and source (when well typed)."""
    source = data.get("source")
    if not isinstance(source, dict):
        source = {}
    line = source.get("line")
    message = data.get("message", "")
    return logging.LogRecord(
        str(data.get("logger", "?")),
        levelno(data.get("level")),
        str(source.get("file", "")),
        line if isinstance(line, int) else 0,
        message if isinstance(message, str) else compact(message),
        None,
        None,
        str(source["function"]) if "function" in source else None,
    )


def as_log_record(data: dict[str, Any], when: datetime.datetime | None) -> logging.LogRecord:
    """A LogRecord carrying a record read from a file, for ``PrettyFormatter`` to render.

    The event id, context, ids and extras become record attributes (so nothing is stamped
    again); a key that a LogRecord already uses is shown as ``extra.KEY``.

    Args:
        data: the record read back.
        when: its time (:func:`shown_time`); None leaves ``created`` at the current time,
            which :class:`Pretty` never shows, and keeps an unreadable timestamp among the
            fields (``extra.timestamp``).
    """
    record = _bare_record(data)
    record.levelname = str(data.get("level", "?"))  # as written, also for custom levels
    if when is not None:
        record.created = when.timestamp()
        record.msecs = when.microsecond // 1000
    for key, attr in (("exception", "exc_text"), ("stack", "stack_info")):
        block = data.get(key)
        if block:
            text = "\n".join(map(str, block)) if isinstance(block, list) else str(block)
            setattr(record, attr, text)
    fields = record.__dict__
    fields["event_id"] = data.get("event_id", "")  # present: the formatter stamps nothing
    if when is None and "timestamp" in data:
        fields["extra.timestamp"] = data["timestamp"]  # shown as it is
    fields.update(
        ("extra." + key if key in _RECORD_ATTRS else key, value)
        for key, value in data.items()
        if key not in _PLACED and key != "event_id"
    )
    return record


def console(stream: IO[str]) -> Console:
    """A rich console for ``stream``: no markup or highlighting; never folds into a pipe."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError  # rich would exit 1; main() ends quietly with 0, as --json does

    out = _Console(file=stream, highlight=False, soft_wrap=True, emoji=False, markup=False)
    if not out.is_terminal:
        out.width = 1000  # a file or a pipe: never cut or fold a line (trees included)
    return out


class Pretty:
    """Prints records read back from files with ``PrettyFormatter``, as the console shows them.

    A dim date line is printed whenever the (local) date changes, since each line shows the
    time only. A record without a timestamp shows :data:`NO_TIME`, never the current time.
    """

    def __init__(self, out: Console, show_source: bool = True) -> None:
        from ..formats.pretty import PrettyFormatter

        self.console = out
        self.formatter = PrettyFormatter(show_source=show_source)
        # the time column comes from datefmt: a literal placeholder for records without time
        self.untimed = PrettyFormatter(datefmt=NO_TIME, show_source=show_source)
        self.width = out.width if out.is_terminal else None
        self._date = ""

    def _prepare(self, data: dict[str, Any]) -> tuple[logging.LogRecord, PrettyFormatter]:
        when = shown_time(data)
        return as_log_record(data, when), self.untimed if when is None else self.formatter

    def record_text(self, data: dict[str, Any]) -> Text:
        """The record's line alone (plain, no traceback), for a trace tree."""
        from rich.text import Text

        record, formatter = self._prepare(data)
        return Text(formatter.format(record).split("\n", 1)[0])

    def show(self, data: dict[str, Any]) -> None:
        """Print one record (its line, then any traceback)."""
        record, formatter = self._prepare(data)
        if formatter is self.formatter:
            self._date_line(record.created)
        for renderable in formatter.render(record, self.console, width=self.width):
            # as RichHandler prints them: already wrapped, so no second wrap or crop
            self.console.print(renderable, crop=False, no_wrap=True, overflow="ignore")

    def _date_line(self, created: float) -> None:
        from rich.text import Text

        day = time.localtime(created)
        date = f"{day.tm_year:04d}-{day.tm_mon:02d}-{day.tm_mday:02d}"
        if date != self._date:
            self._date = date
            self.console.print(Text(f"-- {date} --", style="dim"))

    def header(self, source: str) -> None:
        """A dim ``==> FILE <==`` line where the output moves to another input, as tail does."""
        from rich.text import Text

        self.console.print(Text(f"==> {escape(source, ' ')} <==", style="dim"))

    def malformed(self, entry: Entry, with_source: bool) -> None:
        """A dim line for a line that could not be read, with its number (and file)."""
        from rich.text import Text

        where = f"{entry.source}:{entry.lineno}" if with_source else f"line {entry.lineno}"
        self.console.print(Text(f"{where}: {malformed(entry)}", style="dim"))
