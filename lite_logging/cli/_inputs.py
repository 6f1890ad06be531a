"""The inputs of a command: the named files in turn (``-`` or none: stdin), read as entries."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO

from ._report import Reporter
from .readers import Entry, last_entries, last_entries_of_file, read_entries

__all__ = ["Inputs"]


def _every_entry(entry: Entry) -> bool:
    return True


class Inputs:
    """Reads the named files in turn as entries; unreadable ones are reported and skipped.

    Args:
        names: the files; ``-`` (or no name at all) is stdin.
        report: where unreadable inputs are named.
        tail: read only the last ``tail`` entries of each input that ``keep`` accepts.
        keep: which entries count for ``tail`` (the ones the command prints).
    """

    def __init__(
        self,
        names: Sequence[str],
        report: Reporter,
        tail: int | None = None,
        keep: Callable[[Entry], bool] = _every_entry,
    ) -> None:
        self.names = list(names) or ["-"]
        self.report = report
        self.tail = tail
        self.keep = keep

    def entries(self) -> Iterator[Entry]:
        """Every entry of every input, in order."""
        for name in self.names:
            entries = self._stdin() if name == "-" else self._file(name)
            for entry in entries:
                self.report.check(entry)
                yield entry

    def _stdin(self) -> Iterable[Entry]:
        entries = read_entries(sys.stdin.buffer, "-")
        if self.tail is None:
            return entries
        return last_entries(entries, self.tail, self.keep)

    def _file(self, name: str) -> Iterator[Entry]:
        try:
            stream = open(name, "rb")  # noqa: SIM115 - closed below, also on errors
        except OSError as exc:
            self.report.cannot_read(name, exc)
            return
        with stream:
            try:
                yield from self._read(stream, name)
            except OSError as exc:
                self.report.cannot_read(name, exc)

    def _read(self, stream: IO[bytes], name: str) -> Iterable[Entry]:
        if self.tail is None:
            return read_entries(stream, name)
        return last_entries_of_file(
            stream, self.tail, self.keep, lambda first: read_entries(stream, name, first)
        )
