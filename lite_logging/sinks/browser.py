"""The browser's developer console: ``BrowserConsoleHandler``, for Python run by Pyodide.

Each record becomes one call of the page's ``console``: ``console.debug`` for DEBUG,
``console.log`` for INFO, ``console.warn`` for WARNING, ``console.error`` for ERROR and
CRITICAL, so the developer tools filter records by level. The text is
``PrettyFormatter``'s line, its colours rendered as CSS (``%c`` directives; the record's
text is passed as ``%s`` arguments, never as directives), or left out with ``colors=False``;
after it, the record's fields (``JsonFormatter``'s schema) as an object the developer tools
can unfold.

The console is Pyodide's ``js.console`` unless one is given; ``pyodide.ffi.to_js`` turns the
fields into a JavaScript object. rich is imported when the handler is built, as for every
pretty output.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from ..formats.json import JsonFormatter
from ..formats.pretty import PrettyFormatter

__all__ = ["BrowserConsoleHandler"]

# rich style words -> CSS; colours chosen to read on a light and on a dark background.
_CSS_WORDS = {
    "bold": "font-weight:bold",
    "dim": "opacity:0.7",
    "italic": "font-style:italic",
    "underline": "text-decoration:underline",
    "red": "color:#d33",
    "green": "color:#2a2",
    "yellow": "color:#b80",
    "blue": "color:#36c",
    "magenta": "color:#a3a",
    "cyan": "color:#099",
}


def _css(style: str) -> str:
    """The CSS for a rich style string such as ``"bold red"`` (unknown words ignored)."""
    words = style.split()
    rules = [_CSS_WORDS[w] for w in words if w in _CSS_WORDS]
    if "reverse" in words:  # the colour becomes the background (CRITICAL's level cell)
        rules = [r.replace("color:", "color:#fff;background:") for r in rules]
    return ";".join(rules)


def _method(levelno: int) -> str:
    """The ``console`` method for a level."""
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warn"
    if levelno >= logging.INFO:
        return "log"
    return "debug"


def _browser_console() -> tuple[Any, Callable[[Any], Any]]:
    """Pyodide's ``js.console`` and a converter of dicts to JavaScript objects.

    Raises:
        ValueError: not in Pyodide (no ``js`` module), naming the ``console`` option.
    """
    try:
        import js  # type: ignore[import-not-found]  # Pyodide's bridge to JavaScript
        from pyodide.ffi import to_js  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ValueError(
            '"console" must be given outside Pyodide (no js module to reach the browser): None'
        ) from exc

    def convert(fields: Any) -> Any:
        return to_js(fields, dict_converter=js.Object.fromEntries)

    return js.console, convert


class BrowserConsoleHandler(logging.Handler):
    """Writes each record to the browser's developer console, by level (see the module).

    Args:
        level: as for ``logging.Handler``.
        console: an object with ``debug``/``log``/``warn``/``error`` methods; ``None``:
            the page's ``console``, through Pyodide's ``js`` module.
        colors: render the pretty line's colours as CSS (``False``: plain text).
        fields: pass the record's fields (the JSON schema) as a second, unfoldable
            argument.

    Raises:
        ValueError: ``console`` is ``None`` outside Pyodide.
    """

    def __init__(
        self,
        level: int | str = logging.NOTSET,
        *,
        console: Any = None,
        colors: bool = True,
        fields: bool = True,
    ) -> None:
        super().__init__(level)
        if console is None:
            console, self._convert = _browser_console()
        else:
            self._convert = _identity
        self.console = console
        self.colors = colors
        self.fields = fields
        self.formatter = PrettyFormatter()
        self._fields_formatter = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        """Call the console method of the record's level; failures go to ``handleError``."""
        try:
            args = self._arguments(record)
            if self.fields:
                data = json.loads(self._fields_formatter.format(record))
                args.append(self._convert(data))
            getattr(self.console, _method(record.levelno))(*args)
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging never raises into the caller
            self.handleError(record)

    def _arguments(self, record: logging.LogRecord) -> list[Any]:
        """The console call's text arguments: ``"%c%s..."`` and its CSS and text, or the
        plain line (another formatter than ``PrettyFormatter``, or ``colors=False``)."""
        formatter = self.formatter
        if not self.colors or not isinstance(formatter, PrettyFormatter):
            return ["%s", self.format(record)]
        try:
            parts = formatter._layout(record, None)
        except Exception:  # noqa: BLE001 - the plain line degrades the record itself
            return ["%s", self.format(record)]
        directives: list[str] = []
        args: list[Any] = []
        for n, part in enumerate(parts):
            pieces = part if isinstance(part, list) else [(formatter._plain([part]), "")]
            if n:
                pieces = [("\n", ""), *pieces]
            for text, style in pieces:
                directives.append("%c%s")
                args += [_css(style), text]
        return ["".join(directives), *args]


def _identity(value: Any) -> Any:
    return value
