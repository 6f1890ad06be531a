"""The development console: ``RichHandler`` prints pretty lines (step 5, a sink).

The lines are ``PrettyFormatter``'s (:mod:`lite_logging.formats.pretty`, which also builds
the rich console: rich is imported there only, and only once a handler is built).
"""

from __future__ import annotations

import logging
import os
from typing import IO, TYPE_CHECKING, Any

from .._levels import parse_level
from ..formats.pretty import PrettyFormatter, check_options, make_console, render_text

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

__all__ = ["RichHandler"]

_MIN_WRAP = 20  # a narrower COLUMNS is ignored, as the "width" option would refuse it


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
        width: wrap at this many columns. Default: on a terminal, the terminal's width;
            otherwise (docker logs, CI, a file) ``COLUMNS`` when set, else no wrapping, so
            each record stays one line for ``grep``. A given ``console`` wraps at its width.
        show_locals: for the default ``PrettyFormatter``.
        show_source: for the default ``PrettyFormatter``.
        max_frames: for the default ``PrettyFormatter``.

    Raises:
        ValueError: a bad option (a ``width`` that is not an int of at least 20, an unknown
            ``level``, a ``stream`` without ``write()``...), naming it and its value.
        ImportError: rich is not installed.
    """

    def __init__(
        self,
        level: int | str = logging.NOTSET,
        *,
        stream: IO[str] | None = None,
        console: Console | None = None,
        width: int | None = None,
        show_locals: bool = False,
        show_source: bool = True,
        max_frames: int = 20,
    ) -> None:
        check_options(
            width=width, show_locals=show_locals, show_source=show_source, max_frames=max_frames
        )
        if stream is not None and not callable(getattr(stream, "write", None)):
            raise ValueError(f'"stream" must be a text stream with a write() method: {stream!r}')
        super().__init__(parse_level("level", level))
        self._own_console = console is None
        self.console = make_console(stream, width) if console is None else console
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
            self._print(self._render(record))
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
            self._print_batch(records)
        finally:
            self.release()

    def _print_batch(self, records: list[logging.LogRecord]) -> None:
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
        try:
            self._print(rendered)
            self._written += count
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - a closed stream, a full disk
            self._errors += count
            self.handleError(records[-1])

    def stats(self) -> dict[str, Any]:
        """``{"written": records printed, "errors": records that failed}``."""
        return {"written": self._written, "errors": self._errors}

    def _print(self, renderables: list[RenderableType]) -> None:
        console = self.console
        with console:  # buffered: one write
            for renderable in renderables:
                console.print(renderable, crop=False, no_wrap=True, overflow="ignore")

    def _render(self, record: logging.LogRecord) -> list[RenderableType]:
        formatter = self.formatter
        console = self.console
        if isinstance(formatter, PrettyFormatter):
            return formatter.render(record, console, width=self._wrap_width(console))
        # Any other formatter: its first line as is, its other lines (a traceback) marked
        # under it, and no control character reaches the terminal.
        return render_text(self.format(record), console)

    def _wrap_width(self, console: Console) -> int | None:
        """Where lines wrap: ``width``, a given console's width, the terminal's width;
        not on a terminal, ``COLUMNS`` if set, else nowhere (one line per record)."""
        if self.width is not None:
            return self.width
        if not self._own_console or console.is_terminal:
            return console.width
        columns = os.environ.get("COLUMNS", "")
        return int(columns) if columns.isdigit() and int(columns) >= _MIN_WRAP else None

    def __repr__(self) -> str:
        level = logging.getLevelName(self.level)
        return f"<{type(self).__name__} {getattr(self.stream, 'name', '')} ({level})>"
