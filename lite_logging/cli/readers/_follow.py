"""Following a growing file (``view -f``), as ``tail -F`` does: appends, rotation, truncation."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import IO

from ._lines import Entry, LineParser, make_entry, strip_eol
from ._tail import last_entries_of_file, seek_tail

__all__ = ["Follower", "follow"]


def _every_entry(entry: Entry) -> bool:
    return True


class Follower:
    """Reads what has been appended to a file since the last call, surviving rotation.

    ``poll()`` never blocks: it returns the complete lines written since the previous
    call (a partial last line waits for its ``\\n``). When the path names a new file (the old
    one was renamed away, as ``RotatingFileHandler`` and logrotate do), the rest of the old
    file is read, then the new file from its start. When the file shrinks (truncated in
    place, logrotate's ``copytruncate``), reading restarts at its beginning.

    Args:
        path: the file to follow.
        tail: start with the file's last ``tail`` entries that ``keep`` accepts instead of
            its first line (``0``: only what is appended from now on).
        keep: which entries count for ``tail`` (default: every entry).

    Raises:
        OSError: the file cannot be opened at construction.
    """

    def __init__(
        self, path: str, tail: int | None = None, keep: Callable[[Entry], bool] = _every_entry
    ) -> None:
        self.path = path
        self._file: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._ino = os.fstat(self._file.fileno()).st_ino
        self._partial = b""
        self._lineno = 0
        self._parser = LineParser()
        self._pending: list[Entry] = []
        if tail == 0:
            self._lineno = seek_tail(self._file, 0) - 1
        elif tail is not None:
            self._pending = last_entries_of_file(self._file, tail, keep, self._read_from)

    def close(self) -> None:
        """Close the file being read."""
        self._file.close()

    def poll(self) -> list[Entry]:
        """Return the entries for the complete lines appended since the last call."""
        entries, self._pending = self._pending + self._read_available(), []
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
            entries += self._read_from(1)
        elif st.st_size < self._file.tell():
            self._file.seek(0)
            entries += self._read_from(1)
        return entries

    def _read_from(self, lineno: int) -> list[Entry]:
        """Start again at the stream's position, numbered from ``lineno``, and read."""
        self._partial = b""
        self._lineno = lineno - 1
        self._parser = LineParser()
        return self._read_available()

    def _read_available(self, final: bool = False) -> list[Entry]:
        entries: list[Entry] = []
        while chunk := self._file.readline():
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
        line = strip_eol(raw)
        if line.strip():
            entries.append(make_entry(self._parser, self.path, self._lineno, line))


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
