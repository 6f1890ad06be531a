"""Reading log files back: JSON lines and EDN lines, streamed, with line numbers.

The command line (``lite-logging view/convert/stats``) reads files through this module.
Everything streams: a file is iterated line by line in binary mode (split on ``\\n`` only,
so a stray ``\\r`` inside a line never splits it), and only the current line is held.

Each line becomes an :class:`Entry`: the record as a dict in the JSON data model (EDN
keywords, ``#inst``, ``#uuid`` and ``##NaN`` turned into what ``JsonFormatter`` writes), or
the reason it could not be read. A malformed line is reported, never raised.

The format is detected per file: the first line that parses decides (a line starting with
``{:`` is tried as EDN first, anything else as JSON first); later lines are read in that
format. EDN needs the ``edn_format`` package (``pip install lite-logging[edn]``).

:func:`to_json_line` and :func:`to_edn_line` write such a dict back, so that
JSON -> EDN -> JSON gives equal data (see docs/cli.md for what EDN -> JSON -> EDN keeps).
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import os
import re
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import ModuleType
from typing import IO, Any, NamedTuple

from ._encoding import to_jsonable
from .edn import _ROUND_TRIP_TAGS, _typed_map

__all__ = [
    "EDN_MISSING",
    "EdnUnavailableError",
    "Entry",
    "Follower",
    "LineParser",
    "follow",
    "format_utc",
    "read_entries",
    "seek_tail",
    "tail_lines",
    "to_edn_line",
    "to_json_line",
]

EDN_MISSING = (
    "reading EDN needs the edn_format package: pip install lite-logging[edn] "
    "(or pip install edn_format)"
)
"""The message shown when an EDN file is met and ``edn_format`` is not installed."""

_orjson: ModuleType | None
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None


class EdnUnavailableError(RuntimeError):
    """An EDN line was met but the ``edn_format`` package is not installed."""


class Entry(NamedTuple):
    """One line of a log file, read.

    Attributes:
        source: the file name as given (``"-"`` for stdin).
        lineno: the line number, from 1 (restarts at 1 after a followed file rotates).
        text: the line without its line ending.
        record: the record in the JSON data model, or ``None`` when the line is malformed.
        error: why the line could not be read, or ``None``.
    """

    source: str
    lineno: int
    text: str
    record: dict[str, Any] | None
    error: str | None


# --- parsing -----------------------------------------------------------------------------


def _json_loads(text: bytes) -> Any:
    if _orjson is not None:
        try:
            return _orjson.loads(text)
        except _orjson.JSONDecodeError:
            pass  # NaN literals, huge ints, lone surrogates: the stdlib reader accepts them
    return json.loads(text)


_edn: ModuleType | None = None
_edn_checked = False


def _edn_module() -> ModuleType:
    global _edn, _edn_checked
    if not _edn_checked:
        try:
            import edn_format
        except ImportError:
            edn_format = None
        _edn, _edn_checked = edn_format, True
    if _edn is None:
        raise EdnUnavailableError(EDN_MISSING)
    return _edn


def format_utc(value: datetime.datetime) -> str:
    """``value`` in the schema's timestamp form, ``2026-11-26T16:30:00.123456Z`` (naive = UTC).

    Formatted by hand: ``strftime("%Y")`` does not pad years below 1000 on every platform.
    """
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}Z"
    )


def _from_edn(value: Any, edn: ModuleType) -> Any:
    """EDN data (as edn_format reads it) to the JSON data model ``JsonFormatter`` writes."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {_edn_key(k, edn): _from_edn(v, edn) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        items = [_from_edn(v, edn) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, list | tuple | edn.ImmutableList):
        return [_from_edn(v, edn) for v in value]
    if isinstance(value, edn.Keyword):
        return value.name
    if isinstance(value, datetime.datetime):
        return format_utc(value)
    if isinstance(value, uuid.UUID | decimal.Decimal | datetime.date):
        return str(value)
    return str(value)  # symbols, chars


def _edn_key(key: Any, edn: ModuleType) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, edn.Keyword):
        return str(key.name)
    converted = _from_edn(key, edn)
    return converted if isinstance(converted, str) else json.dumps(converted)


# --- the fast EDN path ----------------------------------------------------------------------
#
# edn_format (a PLY lexer/parser) reads about 2,500 record lines a second. EdnFormatter writes
# a small, regular subset of EDN: maps, vectors, strings with a few escapes, keywords, ints,
# floats, nil/true/false, ##NaN/##Inf, #inst and #uuid. That subset is read here with one
# regex per token, about 20x faster (measured: 18 us against 420 us for the schema's example
# line, docs/cli.md). Anything outside it (sets, chars, symbols, comments, other tags, odd
# numbers or escapes, non-string map keys) raises _UnsupportedError and the line goes to
# edn_format, which stays the reference: property tests check that both agree.


class _UnsupportedError(Exception):
    """The line uses EDN beyond the fast subset: edn_format reads it."""


_END = r"(?=[ \t\n,\]})]|\Z)"  # a token ends at whitespace, a comma, a closer or the end
_TOKEN = re.compile(
    r"""[ \t\n,]*(?:
      (?P<str>"[^"\\]*(?:\\.[^"\\]*)*")
    | :(?P<kw>[A-Za-z_*!?$%&=<>][A-Za-z0-9_*!?$%&=<>.+\-]*)"""
    + _END
    + r"""
    | (?P<open>[\[{(])
    | (?P<close>[\]})])
    | (?P<num>-?(?:0|[1-9][0-9]*)(?P<frac>(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?))"""
    + _END
    + r"""
    | \#inst[ \t\n,]*"(?P<inst>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}
                           (?:\.[0-9]{1,6})?)Z"
    | \#uuid[ \t\n,]*"(?P<uuid>[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})"
    | \#\#(?P<special>NaN|-Inf|Inf)"""
    + _END
    + r"""
    | (?P<word>nil|true|false)"""
    + _END
    + r"""
    )""",
    re.VERBOSE,
)
_TRAILER = re.compile(r"[ \t\n,]*\Z")
_STRING_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_SPECIALS = {"NaN": "NaN", "Inf": "Infinity", "-Inf": "-Infinity"}
_WORDS = {"nil": None, "true": True, "false": False}


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) == 5:
        return chr(int(code[1:], 16))
    simple = _SIMPLE_ESCAPES.get(code)
    if simple is None:
        raise _UnsupportedError(code)
    return simple


def _fast_value(text: str, pos: int, level_key: bool = False) -> tuple[Any, int]:
    match = _TOKEN.match(text, pos)
    if match is None:
        raise _UnsupportedError(pos)
    kind = match.lastgroup
    end = match.end()
    if kind == "str":
        body = match.group("str")[1:-1]
        return (_STRING_ESCAPE.sub(_unescape, body) if "\\" in body else body), end
    if kind == "kw":
        name = match.group("kw")
        return (name.upper() if level_key else name), end
    if kind == "num":
        number = match.group("num")
        if not match.group("frac"):
            return int(number), end
        value = float(number)
        if value - value == 0.0:  # finite
            return value, end
        return ("Infinity" if value > 0 else "-Infinity"), end  # 1e400 overflows
    if kind == "open":
        opener = match.group("open")
        return _fast_map(text, end) if opener == "{" else _fast_vector(text, end, opener)
    if kind == "inst":
        stamp = match.group("inst")
        if "." in stamp:
            stamp = stamp.ljust(26, "0")  # .5 -> .500000
        else:
            stamp += ".000000"
        try:  # the fields must name a real instant, as edn_format's parse demands
            datetime.datetime(
                int(stamp[:4]), int(stamp[5:7]), int(stamp[8:10]),
                int(stamp[11:13]), int(stamp[14:16]), int(stamp[17:19]),
            )  # fmt: skip
        except ValueError:
            raise _UnsupportedError(stamp) from None
        return stamp + "Z", end
    if kind == "uuid":
        return match.group("uuid").lower(), end
    if kind == "special":
        return _SPECIALS[match.group("special")], end
    if kind == "word":
        return _WORDS[match.group("word")], end
    raise _UnsupportedError(kind)  # a closer where a value belongs


def _fast_vector(text: str, pos: int, opener: str) -> tuple[list[Any], int]:
    closer = "]" if opener == "[" else ")"
    items: list[Any] = []
    while True:
        match = _TOKEN.match(text, pos)
        if match is not None and match.lastgroup == "close":
            if match.group("close") != closer:
                raise _UnsupportedError(pos)
            return items, match.end()
        item, pos = _fast_value(text, pos)
        items.append(item)


def _fast_map(text: str, pos: int, top: bool = False) -> tuple[dict[str, Any], int]:
    data: dict[str, Any] = {}
    while True:
        match = _TOKEN.match(text, pos)
        if match is not None and match.lastgroup == "close":
            if match.group("close") != "}":
                raise _UnsupportedError(pos)
            return data, match.end()
        token = _TOKEN.match(text, pos)
        if token is None or token.lastgroup not in ("kw", "str"):
            # other keys (numbers, nil, vectors...) are rare, and edn_format merges equal
            # ones (true and 1): let it decide
            raise _UnsupportedError(pos)
        key, pos = _fast_value(text, pos)
        value, pos = _fast_value(text, pos, top and key == "level")
        data[key] = value


def _fast_edn(text: str) -> dict[str, Any]:
    """The record of one EDN line in the fast subset; raises _UnsupportedError outside it."""
    start = _TOKEN.match(text, 0)
    if start is None or start.group("open") != "{":
        raise _UnsupportedError(0)
    record, pos = _fast_map(text, start.end(), top=True)
    if _TRAILER.match(text, pos) is None:
        raise _UnsupportedError(pos)
    return record


def _parse_edn(text: bytes) -> Any:
    edn = _edn_module()  # also on the fast path: EDN files need the edn extra, always
    decoded = text.decode("utf-8", "surrogateescape")
    try:
        return _fast_edn(decoded)
    except (_UnsupportedError, RecursionError):
        return _slow_edn(decoded, edn)


def _slow_edn(text: str, edn: ModuleType) -> Any:
    """One EDN line read by edn_format, turned into the JSON data model."""
    data = edn.loads(text)
    if not isinstance(data, Mapping):
        return data
    record = _from_edn(data, edn)
    level = data.get(edn.Keyword("level"))
    if isinstance(level, edn.Keyword):
        record["level"] = level.name.upper()
    return record


_PARSERS: dict[str, Callable[[bytes], Any]] = {"json": _json_loads, "edn": _parse_edn}


class LineParser:
    """Parses the lines of one file; the first line that parses fixes the file's format.

    Attributes:
        format: ``"json"``, ``"edn"``, or ``None`` while no line has parsed yet.
    """

    def __init__(self) -> None:
        self.format: str | None = None

    def parse(self, line: bytes) -> tuple[dict[str, Any] | None, str | None]:
        """Return ``(record, None)`` or ``(None, reason)`` for one line (no line ending).

        Raises:
            EdnUnavailableError: the file is EDN and ``edn_format`` is not installed.
        """
        fmt = self.format
        if fmt is not None:
            return self._parse_as(fmt, line)
        first, second = ("edn", "json") if line.lstrip()[:2] == b"{:" else ("json", "edn")
        record, error = self._parse_as(first, line)  # raises when a "{:" line needs EDN
        if record is not None:
            self.format = first
            return record, None
        try:
            record, _ = self._parse_as(second, line)
        except EdnUnavailableError:  # a line that does not look like EDN: just malformed
            record = None
        if record is not None:
            self.format = second
            return record, None
        return None, error

    @staticmethod
    def _parse_as(fmt: str, line: bytes) -> tuple[dict[str, Any] | None, str | None]:
        try:
            data = _PARSERS[fmt](line)
        except EdnUnavailableError:
            raise
        except RecursionError:
            return None, f"not {fmt.upper()}: nested too deeply"
        except Exception as exc:  # noqa: BLE001 - any reader error means "malformed line"
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return None, f"not {fmt.upper()}: {reason}"
        if not isinstance(data, dict):
            return None, f"not a {fmt.upper()} map: {type(data).__name__}"
        return data, None


def _decode(line: bytes) -> str:
    return line.decode("utf-8", "replace")


def _strip_eol(line: bytes) -> bytes:
    if line.endswith(b"\n"):
        line = line[:-1]
    if line.endswith(b"\r"):
        line = line[:-1]
    return line


def read_entries(stream: Iterable[bytes], source: str, first_lineno: int = 1) -> Iterator[Entry]:
    """Yield an :class:`Entry` per line of a binary stream; blank lines are skipped.

    Args:
        stream: a file opened in binary mode (or any iterable of ``\\n``-ended lines).
        source: the name shown with malformed lines.
        first_lineno: the line number of the stream's first line (after :func:`seek_tail`).

    Raises:
        EdnUnavailableError: the stream is EDN and ``edn_format`` is not installed.
    """
    parser = LineParser()
    parse = parser.parse
    for lineno, raw in enumerate(stream, first_lineno):
        line = _strip_eol(raw)
        if not line.strip():
            continue
        record, error = parse(line)
        yield Entry(source, lineno, _decode(line), record, error)


_BLOCK = 1 << 16


def _after_newlines_back(stream: IO[bytes], pos: int, count: int) -> int:
    """The offset just after the ``count``-th newline before ``pos`` (0 if there are fewer)."""
    needed = count
    while pos > 0:
        start = max(0, pos - _BLOCK)
        stream.seek(start)
        block = stream.read(pos - start)
        index = len(block)
        while True:
            index = block.rfind(b"\n", 0, index)
            if index < 0:
                break
            needed -= 1
            if needed == 0:
                return start + index + 1
        pos = start
    return 0


def seek_tail(stream: IO[bytes], count: int) -> int:
    """Seek a seekable binary file to the start of its last ``count`` lines.

    A last line without its newline yet counts as a line; with ``count`` 0 the position is
    the end of the last complete line (so a line still being written is read whole later).
    Reads backwards block by block, so only the tail is read to find the place; then counts
    the lines before it in blocks (a C-speed scan, constant memory).

    Returns:
        The line number of the first line from the new position (1 for the whole file).
    """
    end = stream.seek(0, os.SEEK_END)
    if count <= 0:
        offset = _after_newlines_back(stream, end, 1)
    else:
        limit = end
        if end:
            stream.seek(end - 1)
            if stream.read(1) == b"\n":
                limit = end - 1  # the final newline ends the last line; it starts no new one
        offset = _after_newlines_back(stream, limit, count)
    lines_before = 0
    stream.seek(0)
    remaining = offset
    while remaining > 0:
        block = stream.read(min(_BLOCK, remaining))
        if not block:
            break
        lines_before += block.count(b"\n")
        remaining -= len(block)
    stream.seek(offset)
    return lines_before + 1


def tail_lines(stream: Iterable[bytes], count: int) -> tuple[list[bytes], int]:
    """The last ``count`` lines of a stream that cannot seek (a pipe), and the first's number.

    Holds at most ``count`` lines at a time.
    """
    kept: deque[bytes] = deque(maxlen=max(count, 0))
    total = 0
    for line in stream:
        total += 1
        kept.append(line)
    return list(kept), total - len(kept) + 1


# --- following a growing file --------------------------------------------------------------


class Follower:
    """Reads what has been appended to a file since the last call, surviving rotation.

    ``poll()`` never blocks: it returns the complete lines written since the previous
    call (a partial last line waits for its ``\\n``). When the path names a new file (the old
    one was renamed away, as ``RotatingFileHandler`` and logrotate do), the rest of the old
    file is read, then the new file from its start. When the file shrinks (truncated in
    place, logrotate's ``copytruncate``), reading restarts at its beginning.

    Args:
        path: the file to follow.
        tail: start with the file's last ``tail`` lines instead of its first line.

    Raises:
        OSError: the file cannot be opened at construction.
    """

    def __init__(self, path: str, tail: int | None = None) -> None:
        self.path = path
        self._file: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._ino = os.fstat(self._file.fileno()).st_ino
        self._partial = b""
        self._lineno = 0
        self._parser = LineParser()
        if tail is not None:
            self._lineno = seek_tail(self._file, tail) - 1

    def close(self) -> None:
        """Close the file being read."""
        self._file.close()

    def poll(self) -> list[Entry]:
        """Return the entries for the complete lines appended since the last call."""
        entries = self._read_available()
        try:
            st = os.stat(self.path)
        except OSError:
            return entries  # moved away, not recreated yet: keep the old file open
        if st.st_ino != self._ino:
            entries += self._read_available(final=True)
            try:
                new = open(self.path, "rb")  # noqa: SIM115 - kept open, closed by close()
            except OSError:
                return entries
            self._file.close()
            self._file = new
            self._ino = os.fstat(new.fileno()).st_ino
            self._restart()
            entries += self._read_available()
        elif st.st_size < self._file.tell():
            self._file.seek(0)
            self._restart()
            entries += self._read_available()
        return entries

    def _restart(self) -> None:
        self._partial = b""
        self._lineno = 0
        self._parser = LineParser()

    def _read_available(self, final: bool = False) -> list[Entry]:
        entries: list[Entry] = []
        while True:
            chunk = self._file.readline()
            if not chunk:
                break
            if not chunk.endswith(b"\n"):
                self._partial += chunk
                continue
            if self._partial:
                chunk, self._partial = self._partial + chunk, b""
            self._append(entries, chunk)
        if final and self._partial:
            chunk, self._partial = self._partial, b""
            self._append(entries, chunk)
        return entries

    def _append(self, entries: list[Entry], raw: bytes) -> None:
        self._lineno += 1
        line = _strip_eol(raw)
        if line.strip():
            record, error = self._parser.parse(line)
            entries.append(Entry(self.path, self._lineno, _decode(line), record, error))


def follow(
    followers: list[Follower],
    *,
    interval: float = 0.1,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[Entry]:
    """Yield entries from each follower as lines arrive, until ``should_stop()`` is true.

    Polls every follower in turn; sleeps ``interval`` seconds only when none had news.
    """
    while not should_stop():
        idle = True
        for follower in followers:
            entries = follower.poll()
            if entries:
                idle = False
                yield from entries
        if idle:
            time.sleep(interval)


# --- writing back ------------------------------------------------------------------------

_COMPACT = (",", ":")


def to_json_line(record: Mapping[str, Any]) -> str:
    """One line of JSON for a record read back (no line ending), as ``JsonFormatter`` would."""
    try:
        return json.dumps(record, ensure_ascii=False, separators=_COMPACT, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return json.dumps(to_jsonable(record), ensure_ascii=False, separators=_COMPACT)


# A record read back is plain data however deep, not an object graph: no MAX_DEPTH cut
# (a value too deep for the recursion limit falls back to edn.dumps, which cuts it).
_UNCAPPED = -sys.getrecursionlimit()


def to_edn_line(record: Mapping[str, Any]) -> str:
    """One line of EDN for a record read back (no line ending), in ``EdnFormatter``'s shape.

    Keys become keywords when they are valid EDN keywords; a top-level ``level`` in capitals
    becomes a keyword (``:info``), a canonical ``timestamp`` an ``#inst``, a canonical
    ``event_id`` a ``#uuid``. Anything else is written as the JSON data it is, so reading
    the line back gives the same dict. Written by ``EdnFormatter``'s encoder (``edn.py``).
    """
    return _typed_map(record, _ROUND_TRIP_TAGS, _UNCAPPED)
