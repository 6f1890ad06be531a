"""BrowserConsoleHandler: one console call per record, by level; the pretty line with its
colours as CSS (or plain); the record's fields as an object. The real browser console is
exercised by tests/test_pyodide.py (headless Chromium); here a console that records calls."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

import lite_logging as ll

LOGGER = "tests.sinks_browser"


class Console:
    """Records ``(method, args)`` for each call, as the page's ``console`` would show it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, method: str) -> Any:
        if method not in {"debug", "log", "info", "warn", "error"}:
            raise AttributeError(method)
        return lambda *args: self.calls.append((method, args))


def _shown(args: tuple[Any, ...]) -> str:
    """The text the developer tools show for a ``"%c%s..."`` call (styles dropped)."""
    directives, rest = args[0], list(args[1:])
    out = []
    for directive in re.findall(r"%[cs]", directives):
        value = rest.pop(0)
        if directive == "%s":
            out.append(value)
    return "".join(out)


@pytest.fixture
def console(logger: logging.Logger) -> Console:
    """A recording console behind a BrowserConsoleHandler on ``logger``."""
    con = Console()
    logger.addHandler(ll.BrowserConsoleHandler(console=con))
    return con


class TestBrowserConsoleHandler:
    def test_one_call_per_record_by_level(self, console: Console, logger: logging.Logger) -> None:
        """DEBUG -> debug, INFO -> log, WARNING -> warn, ERROR and CRITICAL -> error."""
        for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, 50):
            logger.log(level, "at %d", level)
        assert ["debug", "log", "warn", "error", "error"] == [m for m, _ in console.calls]

    def test_coloured_text_reads_as_the_pretty_line(
        self, console: Console, logger: logging.Logger
    ) -> None:
        """The ``%c`` pieces, styles dropped, read exactly as PrettyFormatter's plain line."""
        with ll.context(request_id="r-1"):
            logger.warning("user %s slow", 42, extra={"ms": 812})
        ((_, args),) = console.calls
        assert "user 42 slow" == args[-1]["message"]  # the fields come last
        plain = _shown(args[:-1])
        assert " WARNING  tests.sinks_browser: user 42 slow request_id=r-1 ms=812" in plain
        pairs = zip(re.findall(r"%[cs]", args[0]), args[1:-1], strict=True)
        styles = [value for directive, value in pairs if directive == "%c"]
        assert "color:#b80" in styles  # the WARNING level cell's colour

    def test_record_text_never_becomes_a_directive(
        self, console: Console, logger: logging.Logger
    ) -> None:
        """A message holding ``%c``/``%s`` is an argument; the directives are ours only."""
        logger.info("%s", "%c%s%o forged")
        ((_, args),) = console.calls
        assert set(re.findall(r"%[cs]|[^%]", args[0])) == {"%c", "%s"}
        assert "%c%s%o forged" in _shown(args[:-1])

    def test_fields_are_the_json_schema(self, console: Console, logger: logging.Logger) -> None:
        """The last argument is the record's fields, as JsonFormatter writes them."""
        with ll.span("checkout"):
            logger.info("paid", extra={"order": 7})
        fields = console.calls[0][1][-1]
        assert ("INFO", "paid", 7) == (fields["level"], fields["message"], fields["order"])
        assert 32 == len(fields["trace_id"])

    def test_plain_without_colours_or_fields(self, logger: logging.Logger) -> None:
        """``colors=False, fields=False``: one ``%s`` with the plain pretty line."""
        con = Console()
        logger.addHandler(ll.BrowserConsoleHandler(console=con, colors=False, fields=False))
        logger.error("down")
        ((method, args),) = con.calls
        assert "error" == method
        assert "%s" == args[0]
        assert 2 == len(args)
        assert " ERROR    tests.sinks_browser: down test_sinks_browser.py:" in args[1]

    def test_failing_console_never_raises(
        self, logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A console that throws costs the record, reported through handleError."""

        class Broken:
            def log(self, *args: Any) -> None:
                raise RuntimeError("console gone")

        handler = ll.BrowserConsoleHandler(console=Broken())
        reported: list[logging.LogRecord] = []
        monkeypatch.setattr(handler, "handleError", reported.append)
        logger.addHandler(handler)
        logger.info("lost")
        assert ["lost"] == [r.getMessage() for r in reported]

    def test_outside_pyodide_a_console_is_required(self) -> None:
        """Without Pyodide's ``js`` module, ``console=None`` fails at construction."""
        try:
            import js  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            with pytest.raises(ValueError, match='"console"'):
                ll.BrowserConsoleHandler()
        else:
            assert ll.BrowserConsoleHandler().console is not None

    def test_behind_the_pipeline(self, logger: logging.Logger) -> None:
        """Behind an AsyncQueueHandler every record reaches the console once, in order."""
        con = Console()
        handler = ll.AsyncQueueHandler(handlers=[ll.BrowserConsoleHandler(console=con)])
        logger.addHandler(handler)
        for i in range(50):
            logger.info("n %d", i)
        assert handler.flush(5.0)
        assert [f"n {i}" for i in range(50)] == [args[-1]["message"] for _, args in con.calls]
