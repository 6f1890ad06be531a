"""Word wrapping of styled pieces for the pretty console, in terminal cells.

A line is a list of ``(text, style)`` pieces; :func:`wrap` breaks it only at spaces
(``key=value`` spans several pieces but is one word), folds a word wider than the line cell
by cell, and starts every continuation line with the given indent, so only a record's first
line starts at column 0. Widths are measured by the ``cell_len`` the caller passes (rich's:
wide CJK characters count 2), so this module imports nothing.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Pieces", "wrap"]

Pieces = list[tuple[str, str]]
"""A line under construction: ``(text, style)`` pieces."""

_Word = tuple[int, Pieces, int]  # spaces before it, its pieces, its width in cells


def wrap(
    head: Pieces, body: Pieces, width: int, indent_by: Pieces, cell_len: Callable[[str], int]
) -> list[Pieces]:
    """``head + body`` word-wrapped to ``width`` cells, continuation lines after ``indent_by``.

    ``head`` is never broken; the words of ``body`` follow it.
    """
    lines = _Lines(head, width, indent_by, cell_len)
    for before, pieces, cells in _words(body, cell_len):
        lines.place(before, pieces, cells)
    return lines.lines


def _words(body: Pieces, cell_len: Callable[[str], int]) -> list[_Word]:
    """The words of ``body``, split at spaces across pieces, with the spaces before each."""
    words: list[_Word] = []
    current: Pieces = []
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
    return words


class _Lines:
    """The wrapped lines so far, and where the next word goes on the last one."""

    def __init__(
        self, head: Pieces, width: int, indent_by: Pieces, cell_len: Callable[[str], int]
    ) -> None:
        self.width = width
        self.indent_by = indent_by
        self.cell_len = cell_len
        self.indent = sum(cell_len(text) for text, _ in indent_by)
        self.line = list(head)
        self.lines = [self.line]
        self.column = self.start = sum(cell_len(text) for text, _ in head)  # words start here

    def place(self, before: int, pieces: Pieces, cells: int) -> None:
        """Add a word and the spaces before it: on this line if it fits, else on a new one."""
        if self.column > self.start and self.column + before + cells > self.width:
            self.new_line()
        elif self.column > self.start or (before and self.line is self.lines[0]):
            self.line.append((" " * before, ""))  # leading spaces of the first line are kept
            self.column += before
        if self.column + cells <= self.width:
            self.line.extend(pieces)
            self.column += cells
        else:
            self.fold(pieces)

    def fold(self, pieces: Pieces) -> None:
        """Add a word wider than the line, cell by cell (ASCII a line's worth at a time:
        one piece per line, not per character)."""
        for text, style in pieces:
            if text.isascii():  # one cell per character (controls are escaped already)
                self._fold_ascii(text, style)
                continue
            for char in text:
                size = self.cell_len(char)
                if self.column + size > self.width and self.column > self.start:
                    self.new_line()
                self.line.append((char, style))
                self.column += size

    def _fold_ascii(self, text: str, style: str) -> None:
        start = 0
        while start < len(text):
            room = self.width - self.column
            if room <= 0:
                if self.column > self.start:
                    self.new_line()
                room = max(self.width - self.column, 1)
            chunk = text[start : start + room]
            self.line.append((chunk, style))
            self.column += len(chunk)
            start += len(chunk)

    def new_line(self) -> None:
        self.line = list(self.indent_by)
        self.lines.append(self.line)
        self.column = self.start = self.indent
