"""The end of a file: seeking to its last lines, and its last N entries that pass a test.

``view -n N`` shows the last N entries it would print (records that pass the filters, and
malformed lines), as ``... | tail -n N`` would: the filters apply first, then the limit.
A seekable file is read backwards: the last N lines first, then 4x as many while fewer
than N entries pass, so an unfiltered ``-n 20`` of a huge file stays instant.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable
from typing import IO

from ._lines import Entry

__all__ = ["last_entries", "last_entries_of_file", "seek_tail"]

_BLOCK = 1 << 16


def _after_newlines_back(stream: IO[bytes], pos: int, count: int) -> int:
    """The offset just after the ``count``-th newline before ``pos`` (0 if there are fewer)."""
    needed = count
    while pos > 0:
        start = max(0, pos - _BLOCK)
        stream.seek(start)
        block = stream.read(pos - start)
        index = len(block)
        while (index := block.rfind(b"\n", 0, index)) >= 0:
            needed -= 1
            if needed == 0:
                return start + index + 1
        pos = start
    return 0


def _lines_before(stream: IO[bytes], offset: int) -> int:
    """How many newlines the stream holds before ``offset`` (block by block, C speed)."""
    count = 0
    stream.seek(0)
    remaining = offset
    while remaining > 0:
        block = stream.read(min(_BLOCK, remaining))
        if not block:
            break
        count += block.count(b"\n")
        remaining -= len(block)
    return count


def seek_tail(stream: IO[bytes], count: int) -> int:
    """Seek a seekable binary file to the start of its last ``count`` lines.

    A last line without its newline yet counts as a line; with ``count`` 0 the position is
    the end of the last complete line (so a line still being written is read whole later).
    Reads backwards block by block, so only the tail is read to find the place.

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
    first = _lines_before(stream, offset) + 1
    stream.seek(offset)
    return first


def last_entries(
    entries: Iterable[Entry], count: int, keep: Callable[[Entry], bool]
) -> list[Entry]:
    """The last ``count`` entries that ``keep`` accepts; holds at most ``count`` at a time."""
    return list(deque(filter(keep, entries), maxlen=max(count, 0)))


def last_entries_of_file(
    stream: IO[bytes],
    count: int,
    keep: Callable[[Entry], bool],
    read_from: Callable[[int], Iterable[Entry]],
) -> list[Entry]:
    """The last ``count`` entries of a seekable file that ``keep`` accepts.

    Args:
        stream: the file, in binary mode; left where ``read_from`` stopped reading.
        count: how many entries.
        keep: which entries count (the ones the command would print).
        read_from: reads the entries from the stream's position, given the line number
            of the first line there.
    """
    want = max(count, 1)
    while True:
        first = seek_tail(stream, want if count else 0)
        kept = last_entries(read_from(first), count, keep)
        if len(kept) >= count or first == 1:
            return kept
        want *= 4
