"""Lines of a log file read into entries: decoding, format detection, line numbers.

Everything streams: a file is iterated line by line in binary mode (split on ``\\n`` only,
so a stray ``\\r`` inside a line never splits it), and only the current line is held.

Each line becomes an :class:`Entry`: the record as a dict in the JSON data model (EDN
keywords, ``#inst``, ``#uuid`` and ``##NaN`` turned into what ``JsonFormatter`` writes), or
the reason it could not be read. A malformed line is reported, never raised.

The format is detected per file: the first line that parses decides (a line starting with
``{:`` is tried as EDN first, anything else as JSON first); later lines are read in that
format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from ._edn import EDN_MISSING, EdnUnavailableError, parse_edn
from ._json import parse_json

__all__ = ["Entry", "LineParser", "make_entry", "read_entries", "strip_eol"]


class Entry(NamedTuple):
    """One line of a log file, read.

    Attributes:
        source: the file name as given (``"-"`` for stdin).
        lineno: the line number, from 1 (restarts at 1 after a followed file rotates).
        text: the line without its line ending (undecodable bytes replaced).
        record: the record in the JSON data model, or ``None`` when the line is malformed.
        error: why the line could not be read, or ``None``.
    """

    source: str
    lineno: int
    text: str
    record: dict[str, Any] | None
    error: str | None


_PARSERS: dict[str, Callable[[str], Any]] = {"json": parse_json, "edn": parse_edn}


def _not_utf8(line: bytes, exc: UnicodeDecodeError) -> str:
    return f"not UTF-8: undecodable byte 0x{line[exc.start]:02x} at column {exc.start + 1}"


class LineParser:
    """Parses the lines of one file; the first line that parses fixes the file's format.

    Attributes:
        format: ``"json"``, ``"edn"``, or ``None`` while no line has parsed yet.
    """

    def __init__(self) -> None:
        self.format: str | None = None

    def parse(self, line: bytes) -> tuple[dict[str, Any] | None, str | None]:
        """Return ``(record, None)`` or ``(None, reason)`` for one line (no line ending).

        A line that is not UTF-8 is malformed whatever its first bytes (a ``\\xff\\xfe``
        start is no UTF-16 byte order mark here); an EDN line that needs ``edn_format``
        when it is missing is malformed with :data:`EDN_MISSING` as its reason.
        """
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, _not_utf8(line, exc)
        return self.parse_text(text)

    def parse_text(self, text: str) -> tuple[dict[str, Any] | None, str | None]:
        """:meth:`parse` for a line already decoded from UTF-8."""
        if self.format is not None:
            return self._parse_as(self.format, text)
        first, second = ("edn", "json") if text.lstrip()[:2] == "{:" else ("json", "edn")
        record, error = self._parse_as(first, text)
        if record is None:
            record, _ = self._parse_as(second, text)
            first = second
        if record is None:
            return None, error
        self.format = first
        return record, None

    @staticmethod
    def _parse_as(fmt: str, text: str) -> tuple[dict[str, Any] | None, str | None]:
        try:
            data = _PARSERS[fmt](text)
        except EdnUnavailableError:
            return None, EDN_MISSING
        except RecursionError:
            return None, f"not {fmt.upper()}: nested too deeply"
        except Exception as exc:  # noqa: BLE001 - any reader error means "malformed line"
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return None, f"not {fmt.upper()}: {reason}"
        if not isinstance(data, dict):
            return None, f"not a {fmt.upper()} map: {type(data).__name__}"
        return data, None


def strip_eol(line: bytes) -> bytes:
    """``line`` without its ``\\n`` or ``\\r\\n``."""
    if line.endswith(b"\n"):
        line = line[:-1]
    if line.endswith(b"\r"):
        line = line[:-1]
    return line


def make_entry(parser: LineParser, source: str, lineno: int, line: bytes) -> Entry:
    """The entry of one non-blank line (no line ending)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Entry(source, lineno, line.decode("utf-8", "replace"), None, _not_utf8(line, exc))
    record, error = parser.parse_text(text)
    return Entry(source, lineno, text, record, error)


def read_entries(stream: Iterable[bytes], source: str, first_lineno: int = 1) -> Iterator[Entry]:
    """Yield an :class:`Entry` per line of a binary stream; blank lines are skipped.

    Args:
        stream: a file opened in binary mode (or any iterable of ``\\n``-ended lines).
        source: the name shown with malformed lines.
        first_lineno: the line number of the stream's first line (after ``seek_tail``).
    """
    parser = LineParser()
    for lineno, raw in enumerate(stream, first_lineno):
        line = strip_eol(raw)
        if line.strip():
            yield make_entry(parser, source, lineno, line)
