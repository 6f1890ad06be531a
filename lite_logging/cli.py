"""The ``lite-logging`` command: ``demo``, ``view``, ``convert`` and ``stats``.

Also run as ``python -m lite_logging``. Files are read through :mod:`lite_logging._reader`
(JSON lines or EDN lines, detected per file, streamed line by line), so a file of any size
is read in constant memory. Human output uses rich, imported only when a command needs it.

Built on argparse: it is in the standard library, so the command adds no dependency, and
our four subcommands with plain options need nothing click would add.

Exit codes: 0 on success (malformed lines are reported, not errors); 1 when a file cannot
be read or EDN support is missing; 2 for bad command-line usage.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from typing import IO, TYPE_CHECKING, Any

from . import _reader
from ._patterns import compile_pattern
from ._reader import EdnUnavailableError, Entry, Follower

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text
    from rich.tree import Tree

    from .demo import DemoResult

__all__ = ["main"]

PROG = "lite-logging"

# --- small helpers ------------------------------------------------------------------------


def _match_logger(pattern: str) -> Callable[[str], bool]:
    """The ``--logger`` test: NamespaceFilter's wildcard semantics (lite_logging._patterns).

    Raises:
        ValueError: an invalid pattern, named in the message.
    """
    return compile_pattern(pattern).matches


_LEVELS = {
    "CRITICAL": 50,
    "FATAL": 50,
    "ERROR": 40,
    "WARNING": 30,
    "WARN": 30,
    "SUCCESS": 25,  # loguru's
    "INFO": 20,
    "DEBUG": 10,
    "TRACE": 5,  # loguru's
    "NOTSET": 0,
}


def _levelno(name: Any) -> int:
    """The number of a level name as written in a record; unknown names count as 0."""
    if isinstance(name, int) and not isinstance(name, bool):
        return name
    if not isinstance(name, str):
        return 0
    number = _LEVELS.get(name.upper())
    if number is not None:
        return number
    if name.startswith("Level ") and name[6:].isdigit():  # logging.getLevelName(5)
        return int(name[6:])
    return 0


def _level_arg(text: str) -> int:
    if text.isdigit():
        return int(text)
    number = _LEVELS.get(text.upper())
    if number is None:
        raise argparse.ArgumentTypeError(
            f"unknown level {text!r} (use DEBUG, INFO, WARNING, ERROR, CRITICAL or a number)"
        )
    return number


def _logger_arg(text: str) -> Callable[[str], bool]:
    try:
        return _match_logger(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count_arg(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of lines >= 0: {text!r}")
    return int(text)


def _where_arg(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE: {text!r}")
    return key, value


_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d|w)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_CANONICAL_TS = "%Y-%m-%dT%H:%M:%S.%fZ"


def _parse_iso(text: str) -> datetime.datetime:
    """An ISO 8601 time in UTC (``Z`` allowed, also on 3.10; naive means local time,
    as ``view`` shows times).

    Raises:
        ValueError: not ISO 8601.
    """
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    value = datetime.datetime.fromisoformat(text)
    try:
        # astimezone() takes a naive datetime as local time
        return value.astimezone(datetime.timezone.utc)
    except (OverflowError, OSError) as exc:  # year 1 or 9999 pushed out of range
        raise ValueError(f"time out of range: {text!r}") from exc


def _parse_time(text: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """A point in time from ISO 8601 (naive = local) or a span ago (``90s``, ``15m``, ``2h``).

    Raises:
        ValueError: neither form.
    """
    text = text.strip()
    relative = _RELATIVE.fullmatch(text)
    if relative:
        seconds = float(relative.group(1)) * _UNIT_SECONDS[relative.group(2)]
        now = now or datetime.datetime.now(datetime.timezone.utc)
        return now - datetime.timedelta(seconds=seconds)
    return _parse_iso(text)


def _time_arg(text: str) -> datetime.datetime:
    try:
        return _parse_time(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 time (2026-11-26T16:30:00Z) or a span ago (15m, 2h, 1d): "
            f"{text!r}"
        ) from None


def _record_time(record: dict[str, Any]) -> datetime.datetime | None:
    value = record.get("timestamp")
    if not isinstance(value, str):
        return None
    try:
        return _parse_iso(value)
    except ValueError:
        return None


def _lookup(data: Any, path: str) -> tuple[bool, Any]:
    """``(found, value)`` for a dotted path; a key that itself holds dots is tried first."""
    if not isinstance(data, dict):
        return False, None
    if path in data:
        return True, data[path]
    start = 0
    while True:
        dot = path.find(".", start)
        if dot < 0:
            return False, None
        head = path[:dot]
        if head in data:
            found, value = _lookup(data[head], path[dot + 1 :])
            if found:
                return True, value
        start = dot + 1


def _as_text(value: Any) -> str:
    """How ``--where`` compares a value: strings as they are, the rest as JSON writes them."""
    if isinstance(value, str):
        return value
    return _json_text(value)


def _json_text(value: Any) -> str:
    """``value`` as ``to_json_line`` writes it inside a record (NaN as "NaN", odd types...)."""
    return _reader.to_json_line({"v": value})[5:-1]


def _escape(text: str, newline: str = "\n    ") -> str:
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


# --- filtering ----------------------------------------------------------------------------


class _Select:
    """The record filters shared by ``view`` and ``stats``; all given ones must hold."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.level: int | None = args.level
        self.logger: Callable[[str], bool] | None = args.logger
        self.where: list[tuple[str, str]] = args.where or []
        self.trace: str | None = getattr(args, "trace", None)
        self.since = _reader.format_utc(args.since) if args.since else None
        self.until = _reader.format_utc(args.until) if args.until else None

    def __call__(self, record: dict[str, Any]) -> bool:
        if self.level is not None and _levelno(record.get("level")) < self.level:
            return False
        if self.logger is not None:
            name = record.get("logger")
            if not isinstance(name, str) or not self.logger(name):
                return False
        if self.trace is not None:
            trace_id = record.get("trace_id")
            if not isinstance(trace_id, str) or not trace_id.startswith(self.trace):
                return False
        if self.since is not None or self.until is not None:
            stamp = _canonical_time(record)
            if stamp is None:
                return False
            if self.since is not None and stamp < self.since:
                return False
            if self.until is not None and stamp > self.until:
                return False
        for path, expected in self.where:
            found, value = _lookup(record, path)
            if not found or _as_text(value) != expected:
                return False
        return True


def _canonical_time(record: dict[str, Any]) -> str | None:
    stamp = record.get("timestamp")
    if isinstance(stamp, str) and len(stamp) == 27 and stamp[-1] == "Z" and stamp[10] == "T":
        return stamp  # our own format: fixed width, so strings compare as times (fast path)
    parsed = _record_time(record)
    return _reader.format_utc(parsed) if parsed else None


# --- reading files ------------------------------------------------------------------------


class _Inputs:
    """Opens the named files (``-`` is stdin) in turn; remembers which could not be read."""

    def __init__(self, names: Sequence[str], err: IO[str], tail: int | None = None) -> None:
        self.names = list(names) or ["-"]
        self.err = err
        self.tail = tail
        self.failed = False

    def entries(self) -> Iterator[Entry]:
        for name in self.names:
            if name == "-":
                stdin: Iterable[bytes] = sys.stdin.buffer
                first = 1
                if self.tail is not None:
                    stdin, first = _reader.tail_lines(stdin, self.tail)
                yield from _reader.read_entries(stdin, "-", first)
                continue
            try:
                stream = open(name, "rb")  # noqa: SIM115 - closed below, also on errors
            except OSError as exc:
                self.cannot_read(name, exc)
                continue
            with stream:
                try:
                    first = 1 if self.tail is None else _reader.seek_tail(stream, self.tail)
                    yield from _reader.read_entries(stream, name, first)
                except OSError as exc:
                    self.cannot_read(name, exc)

    def cannot_read(self, name: str, exc: OSError) -> None:
        self.failed = True
        reason = exc.strerror or str(exc)
        self.err.write(f"{PROG}: cannot read {name}: {reason}\n")
        self.err.flush()


# --- pretty output ------------------------------------------------------------------------

# Keys a read-back record keeps in LogRecord attributes of their own (or drops: the
# formatter re-derives them); any other key becomes a record attribute, as extra= does.
_PLACED = frozenset({"timestamp", "level", "logger", "message", "source", "exception", "stack"})
_RECORD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _as_log_record(data: dict[str, Any]) -> logging.LogRecord:
    """A LogRecord carrying a record read from a file, for ``PrettyFormatter`` to render.

    The event id, context, ids and extras become record attributes (so nothing is stamped
    again); a key that a LogRecord already uses is shown as ``extra.KEY``.
    """
    source = data.get("source")
    if not isinstance(source, dict):
        source = {}
    line = source.get("line")
    message = data.get("message", "")
    record = logging.LogRecord(
        str(data.get("logger", "?")),
        _levelno(data.get("level")),
        str(source.get("file", "")),
        line if isinstance(line, int) else 0,
        message if isinstance(message, str) else _compact(message),
        None,
        None,
        str(source["function"]) if "function" in source else None,
    )
    record.levelname = str(data.get("level", "?"))  # as written, also for custom levels
    when = _record_time(data)
    fields = record.__dict__
    try:
        if when is None:
            raise ValueError("no timestamp")
        time.localtime(when.timestamp())  # the formatter shows local time: must be possible
    except (ValueError, OverflowError, OSError):
        if "timestamp" in data:
            fields["timestamp"] = data["timestamp"]  # shown as it is, among the fields
    else:
        record.created = when.timestamp()
        record.msecs = when.microsecond // 1000
    for key, attr in (("exception", "exc_text"), ("stack", "stack_info")):
        block = data.get(key)
        if block:
            text = "\n".join(map(str, block)) if isinstance(block, list) else str(block)
            setattr(record, attr, text)
    fields["event_id"] = data.get("event_id", "")  # present: the formatter stamps nothing
    for key, value in data.items():
        if key in _PLACED or key == "event_id":
            continue
        fields["extra." + key if key in _RECORD_ATTRS else key] = value
    return record


def _console(stream: IO[str]) -> Console:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError  # rich would exit 1; main() ends quietly with 0, as --json does

    console = _Console(file=stream, highlight=False, soft_wrap=True, emoji=False, markup=False)
    if not console.is_terminal:
        console.width = 1000  # a file or a pipe: never cut or fold a line (trees included)
    return console


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value if value and " " not in value and "=" not in value else json.dumps(value)
    return _json_text(value)


class _Pretty:
    """Prints records read back from files with ``PrettyFormatter``, as the console shows them.

    A dim date line is printed whenever the (local) date changes, since each line shows the
    time only.
    """

    def __init__(self, console: Console, show_source: bool = True) -> None:
        from .pretty import PrettyFormatter

        self.console = console
        self.formatter = PrettyFormatter(show_source=show_source)
        self.width = console.width if console.is_terminal else None
        self._date = ""

    def record_text(self, data: dict[str, Any]) -> Text:
        """The record's line alone (plain, no traceback), for a trace tree."""
        from rich.text import Text

        return Text(self.formatter.format(_as_log_record(data)).split("\n", 1)[0])

    def show(self, data: dict[str, Any]) -> None:
        from rich.text import Text

        record = _as_log_record(data)
        day = time.localtime(record.created)
        date = f"{day.tm_year:04d}-{day.tm_mon:02d}-{day.tm_mday:02d}"
        if date != self._date:
            self._date = date
            self.console.print(Text(f"-- {date} --", style="dim"))
        for renderable in self.formatter.render(record, self.console, width=self.width):
            # as RichHandler prints them: already wrapped, so no second wrap or crop
            self.console.print(renderable, crop=False, no_wrap=True, overflow="ignore")

    def header(self, source: str) -> None:
        """A dim ``==> FILE <==`` line where the output moves to another input, as tail does."""
        from rich.text import Text

        self.console.print(Text(f"==> {_escape(source, ' ')} <==", style="dim"))

    def malformed(self, entry: Entry, with_source: bool) -> None:
        from rich.text import Text

        where = f"{entry.source}:{entry.lineno}" if with_source else f"line {entry.lineno}"
        self.console.print(Text(f"{where}: {_malformed(entry)}", style="dim"))


def _malformed(entry: Entry) -> str:
    reason = _escape(str(entry.error), " ")
    return f"malformed ({reason}): {_escape(entry.text, ' ')}"


# --- view ---------------------------------------------------------------------------------


def _write_json(out: IO[bytes], record: dict[str, Any]) -> None:
    out.write((_reader.to_json_line(record) + "\n").encode("utf-8", "backslashreplace"))


def _cmd_view(args: argparse.Namespace) -> int:
    if args.trace is not None and args.follow:
        args.parser.error("--trace cannot be combined with --follow")
    if args.follow and (not args.files or "-" in args.files) and len(args.files) > 1:
        args.parser.error("--follow reads stdin only when it is the only input")
    select = _Select(args)
    err = sys.stderr
    with_source = len(args.files) > 1
    pretty = None if args.json else _Pretty(_console(sys.stdout))
    out = sys.stdout.buffer if args.json else None

    shown_source = [""]

    def emit(entry: Entry) -> None:
        if pretty is not None and with_source and entry.source != shown_source[0]:
            shown_source[0] = entry.source
            pretty.header(entry.source)
        if entry.record is None:
            if pretty is not None:
                pretty.malformed(entry, with_source)
            else:
                where = f"{entry.source}:{entry.lineno}"
                err.write(f"{where}: {_malformed(entry)}\n")
        elif select(entry.record):
            if out is not None:
                _write_json(out, entry.record)
            else:
                assert pretty is not None
                pretty.show(entry.record)

    if args.follow and args.files and args.files != ["-"]:
        return _follow(args.files, emit, out, err, args.lines)
    inputs = _Inputs(args.files, err, args.lines)
    if args.trace is not None:
        records = [e.record for e in inputs.entries() if e.record is not None and select(e.record)]
        if out is not None:
            for record in records:
                _write_json(out, record)
        else:
            _show_traces(_console(sys.stdout), records, args.trace)
        return 1 if inputs.failed else 0
    for entry in inputs.entries():
        emit(entry)
        if args.follow and out is not None:
            out.flush()
    return 1 if inputs.failed else 0


def _follow(
    names: Sequence[str],
    emit: Callable[[Entry], None],
    out: IO[bytes] | None,
    err: IO[str],
    tail: int | None,
) -> int:
    followers: list[Follower] = []
    failed = False
    with ExitStack() as stack:
        for name in names:
            try:
                follower = Follower(name, tail)
            except OSError as exc:
                failed = True
                err.write(f"{PROG}: cannot read {name}: {exc.strerror or exc}\n")
                continue
            stack.callback(follower.close)
            followers.append(follower)
        if not followers:
            return 1
        err.flush()
        for entry in _reader.follow(followers):  # until Ctrl-C (KeyboardInterrupt, in main)
            emit(entry)
            if out is not None:
                out.flush()
    return 1 if failed else 0  # pragma: no cover - follow ends by Ctrl-C (handled in main)


# --- traces -------------------------------------------------------------------------------


def _is_span(record: dict[str, Any]) -> bool:
    return "span_name" in record and "duration_ms" in record


def _start_time(record: dict[str, Any]) -> float:
    when = _record_time(record)
    seconds = when.timestamp() if when else 0.0
    duration = record.get("duration_ms")
    if _is_span(record) and isinstance(duration, int | float) and math.isfinite(duration):
        seconds -= duration / 1000.0
    return seconds


def _span_label(record: dict[str, Any]) -> Text:
    from rich.text import Text

    status = str(record.get("status", "?"))
    duration = record.get("duration_ms")
    shown = f"{duration:.3f} ms" if isinstance(duration, int | float) else "? ms"
    text = Text()
    text.append(_escape(str(record.get("span_name"))), style="bold")
    text.append(f"  {shown}  ")
    text.append(_escape(status), style="green" if status == "ok" else "bold red")
    text.append(f"  span {_escape(str(record.get('span_id')))}", style="dim")
    attributes = record.get("attributes")
    if isinstance(attributes, dict) and attributes:
        text.append(" " + _escape(" ".join(f"{k}={_compact(v)}" for k, v in attributes.items())))
    return text


def _show_traces(console: Console, records: list[dict[str, Any]], wanted: str) -> None:
    from rich.text import Text

    pretty = _Pretty(console, show_source=False)
    traces: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        traces.setdefault(str(record.get("trace_id")), []).append(record)
    if not traces:
        console.print(Text(f"no records of trace {wanted}", style="dim"))
    for trace_id, members in traces.items():
        console.print(_trace_tree(trace_id, members, pretty))


def _trace_tree(trace_id: str, members: list[dict[str, Any]], pretty: _Pretty) -> Tree:
    """One trace as a tree: spans nested by ``parent_span_id``, log records under their span."""
    from rich.text import Text
    from rich.tree import Tree

    members.sort(key=_start_time)
    spans = {str(r.get("span_id")): r for r in members if _is_span(r)}
    nodes: dict[str, Tree] = {span_id: Tree(_span_label(r)) for span_id, r in spans.items()}
    root = Tree(Text(f"trace {trace_id}", style="bold"))
    # Spans with log records but no end record (still open, or cut off): a node each,
    # placed under the trace where first met, so their children still nest under them.
    unended: set[str] = set()
    for record in members:
        span_id = str(record.get("span_id"))
        if not _is_span(record) and span_id not in nodes:
            nodes[span_id] = Tree(Text(f"span {span_id} (no end record)", "dim"))
            unended.add(span_id)

    def placed(span_id: str) -> Tree:
        if span_id in unended:
            unended.discard(span_id)
            root.children.append(nodes[span_id])
        return nodes[span_id]

    for record in members:  # in start order, so each node's children are too
        span_id = str(record.get("span_id"))
        if not _is_span(record):
            placed(span_id).add(pretty.record_text(record))
            continue
        # a span id logged twice (a bug elsewhere): show both records
        node = nodes[span_id] if spans[span_id] is record else Tree(_span_label(record))
        parent_id = record.get("parent_span_id")
        if parent_id is None:
            root.children.append(node)
        elif str(parent_id) in nodes:
            placed(str(parent_id)).children.append(node)
        else:  # a remote parent (traceparent=), or one cut off from the input
            if isinstance(node.label, Text):
                node.label.append(f"  (parent {parent_id} not in the input)", style="dim")
            root.children.append(node)
    return root


# --- stats --------------------------------------------------------------------------------

_MASKS = [
    (
        re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
        "<uuid>",
    ),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{16,}\b"), "<hex>"),
    (re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?"), "<n>"),
]
_MAX_KEYS = 10_000  # distinct messages / loggers kept while counting: memory stays bounded


def _template(message: str) -> str:
    """The message with ids and numbers masked, so ``user 42`` and ``user 43`` count as one."""
    for pattern, mask in _MASKS:
        message = pattern.sub(mask, message)
    return message


class _BoundedCounter(Counter[str]):
    """A Counter that keeps its most common half when it grows past ``_MAX_KEYS`` keys."""

    pruned = False

    def bump(self, key: str) -> None:
        self[key] += 1
        if len(self) > _MAX_KEYS:
            kept = self.most_common(_MAX_KEYS // 2)
            self.clear()
            self.update(dict(kept))
            self.pruned = True


class _Tally:
    """Counts of the records read: levels, loggers, messages, errors, first/last time."""

    def __init__(self, exact_messages: bool) -> None:
        self.records = 0
        self.malformed = 0
        self.errors = 0
        self.levels: Counter[str] = Counter()
        self.loggers = _BoundedCounter()
        self.messages = _BoundedCounter()
        self.first: str | None = None
        self.last: str | None = None
        self._key = str if exact_messages else _template

    def add(self, record: dict[str, Any]) -> None:
        self.records += 1
        level = record.get("level")
        self.levels[str(level)] += 1
        if _levelno(level) >= logging.ERROR:
            self.errors += 1
        self.loggers.bump(str(record.get("logger")))
        self.messages.bump(self._key(str(record.get("message", ""))))
        stamp = _canonical_time(record)
        if stamp is not None:
            if self.first is None or stamp < self.first:
                self.first = stamp
            if self.last is None or stamp > self.last:
                self.last = stamp

    def as_dict(self, top: int) -> dict[str, Any]:
        span = None
        if self.first is not None and self.last is not None:
            first = datetime.datetime.strptime(self.first, _CANONICAL_TS)
            last = datetime.datetime.strptime(self.last, _CANONICAL_TS)
            span = (last - first).total_seconds()
        levels = sorted(self.levels.items(), key=lambda kv: (-_levelno(kv[0]), kv[0]))
        return {
            "records": self.records,
            "malformed": self.malformed,
            "errors": self.errors,
            "error_rate": self.errors / self.records if self.records else 0.0,
            "levels": dict(levels),
            "loggers": dict(self.loggers.most_common(top)),
            "messages": dict(self.messages.most_common(top)),
            "approximate": self.loggers.pruned or self.messages.pruned,
            "first": self.first,
            "last": self.last,
            "span_seconds": span,
        }


def _cmd_stats(args: argparse.Namespace) -> int:
    select = _Select(args)
    tally = _Tally(args.exact_messages)
    inputs = _Inputs(args.files, sys.stderr)
    for entry in inputs.entries():
        if entry.record is None:
            tally.malformed += 1
        elif select(entry.record):
            tally.add(entry.record)
    summary = tally.as_dict(args.top)
    if args.json:
        line = json.dumps(summary, ensure_ascii=False) + "\n"
        sys.stdout.buffer.write(line.encode("utf-8", "backslashreplace"))  # lone surrogates too
        sys.stdout.flush()
    else:
        _show_stats(_console(sys.stdout), summary)
    return 1 if inputs.failed else 0


def _show_stats(console: Console, summary: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    head = Text()
    head.append(f"{summary['records']} records", style="bold")
    head.append(f", {summary['malformed']} malformed lines")
    head.append(f", {summary['errors']} errors ({summary['error_rate']:.2%})")
    console.print(head)
    if summary["first"]:
        console.print(
            f"from {summary['first']} to {summary['last']} ({summary['span_seconds']:.3f} s)"
        )
    for title, key in (("level", "levels"), ("logger", "loggers"), ("message", "messages")):
        if not summary[key]:
            continue
        table = Table(title=None, show_edge=False, pad_edge=False, box=None)
        table.add_column(title, style="cyan", overflow="fold")
        table.add_column("count", justify="right")
        table.add_column("share", justify="right")
        for name, count in summary[key].items():
            share = count / summary["records"] if summary["records"] else 0.0
            table.add_row(_escape(name, " "), str(count), f"{share:.1%}")
        console.print()
        console.print(table)
    if summary["approximate"]:
        console.print(Text("(many distinct values: counts beyond the top are approximate)", "dim"))


# --- convert ------------------------------------------------------------------------------


def _cmd_convert(args: argparse.Namespace) -> int:
    write_line = _reader.to_json_line if args.to == "json" else _reader.to_edn_line
    if args.output and args.file != "-" and os.path.exists(args.output):
        try:
            same = os.path.samefile(args.file, args.output)
        except OSError:
            same = False
        if same:
            args.parser.error(f"-o/--output must not be the input file: {args.output!r}")
    inputs = _Inputs([args.file], sys.stderr)
    skipped = 0
    with ExitStack() as stack:
        if args.output:
            try:
                out: IO[bytes] = stack.enter_context(open(args.output, "wb"))
            except OSError as exc:
                sys.stderr.write(f"{PROG}: cannot write {args.output}: {exc.strerror or exc}\n")
                return 1
        else:
            out = sys.stdout.buffer
        for entry in inputs.entries():
            if entry.record is None:
                skipped += 1
                sys.stderr.write(
                    f"{entry.source}:{entry.lineno}: skipped malformed line ({entry.error})\n"
                )
                continue
            out.write((write_line(entry.record) + "\n").encode("utf-8", "backslashreplace"))
        out.flush()
    if skipped:
        sys.stderr.write(f"{PROG}: {skipped} malformed line(s) skipped\n")
    return 1 if inputs.failed else 0


# --- demo ---------------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run

    if args.seconds < 0 or not math.isfinite(args.seconds):
        args.parser.error(f"--seconds must be a finite number >= 0: {args.seconds!r}")
    try:
        os.makedirs(args.out, exist_ok=True)
        probe = os.path.join(args.out, ".lite-logging-write-test")
        with open(probe, "w", encoding="utf-8"):
            pass
        os.remove(probe)
    except OSError as exc:
        sys.stderr.write(f"{PROG}: cannot write to {args.out}: {exc.strerror or exc}\n")
        return 1
    run(seconds=args.seconds, out_dir=args.out, report=_show_demo_result)
    return 0


def _show_demo_result(result: DemoResult) -> None:
    """Print the demo's files, ``lite_logging.stats()`` and what to try next (stdout)."""
    from rich.text import Text

    console = _console(sys.stdout)
    console.print()
    console.print(Text(f"{result.requests} requests served. Log files:", style="bold"))
    for path in result.files:
        console.print(f"  {path}")
    if result.stats:
        console.print(Text("lite_logging.stats():", style="bold"))
        console.print_json(data=result.stats)
    console.print(Text("Try:", style="bold"))
    first = result.files[0]
    console.print(f"  {PROG} view {first} --level WARNING")
    console.print(f"  {PROG} view {first} --where context.user=ada")
    if result.failed_trace_id:
        console.print(f"  {PROG} view {first} --trace {result.failed_trace_id}")
    console.print(f"  {PROG} stats {' '.join(result.files)}")


# --- argument parsing ---------------------------------------------------------------------


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--level", type=_level_arg, help="only records at or above this level")
    parser.add_argument(
        "--logger",
        type=_logger_arg,
        metavar="PATTERN",
        help="only loggers matching this wildcard (shop.*, *.sql, shop.*.db)",
    )
    parser.add_argument(
        "--where",
        type=_where_arg,
        action="append",
        metavar="KEY=VALUE",
        help="only records whose field equals VALUE; dotted paths reach into maps "
        "(context.request_id=r-1); repeat to require several",
    )
    parser.add_argument(
        "--since",
        type=_time_arg,
        metavar="TIME",
        help="from this time: ISO 8601 (naive = local) or a span ago: 15m, 2h, 1d",
    )
    parser.add_argument(
        "--until", type=_time_arg, metavar="TIME", help="up to this time (same forms)"
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Run the demo and read lite_logging's JSON lines and EDN lines."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="run a small app logging through the pipeline")
    demo.add_argument("--seconds", type=float, default=3.0, help="how long to run (default 3)")
    demo.add_argument(
        "--out", default="lite-logging-demo", metavar="DIR", help="where to write the files"
    )
    demo.set_defaults(run=_cmd_demo, parser=demo)

    view = commands.add_parser("view", help="print log files for humans, filtered")
    view.add_argument("files", nargs="*", metavar="FILE", help="files to read; - or none: stdin")
    view.add_argument("-f", "--follow", action="store_true", help="keep reading as files grow")
    view.add_argument(
        "-n",
        "--lines",
        type=_count_arg,
        metavar="N",
        help="start with the last N lines of each file (as tail -n), not the first line",
    )
    _filter_options(view)
    view.add_argument("--trace", metavar="ID", type=str.lower, help="show a trace as a tree")
    view.add_argument("--json", action="store_true", help="print JSON lines instead")
    view.set_defaults(run=_cmd_view, parser=view)

    convert = commands.add_parser("convert", help="convert between JSON lines and EDN lines")
    convert.add_argument("file", metavar="FILE", help="the file to read; - for stdin")
    convert.add_argument("--to", required=True, choices=("json", "edn"), help="output format")
    convert.add_argument("-o", "--output", metavar="OUT", help="write here (default stdout)")
    convert.set_defaults(run=_cmd_convert, parser=convert)

    stats = commands.add_parser("stats", help="count records by level, logger and message")
    stats.add_argument("files", nargs="*", metavar="FILE", help="files to read; - or none: stdin")
    _filter_options(stats)
    stats.add_argument("--top", type=int, default=10, metavar="N", help="rows per table")
    stats.add_argument(
        "--exact-messages", action="store_true", help="count messages as written, not templated"
    )
    stats.add_argument("--json", action="store_true", help="print the counts as JSON")
    stats.set_defaults(run=_cmd_stats, parser=stats)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lite-logging`` command with ``argv`` (default ``sys.argv[1:]``).

    Returns:
        The exit code: 0 on success, 1 when a file cannot be read (or EDN support is
        missing), 2 for bad usage (argparse exits with it).
    """
    args = _build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except EdnUnavailableError as exc:
        sys.stderr.write(f"{PROG}: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130 if not getattr(args, "follow", False) else 0
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python's exit flush quiet too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return code
