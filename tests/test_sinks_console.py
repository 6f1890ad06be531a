"""RichHandler (lite_logging.sinks.console): output, colour, batches, threads, failures."""

from __future__ import annotations

import io
import logging
import logging.config
import logging.handlers
import queue
import re
import threading
import warnings
from typing import Any

import pytest
from console_support import ANSI, Recorder, _plain_environment, shop_record  # noqa: F401 - an autouse fixture

import lite_logging as ll

_HEAD = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) (\S+) +(.*)$")
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _strip_sgr(text: str) -> str:
    return _SGR.sub("", text)


def _handler(**options: Any) -> tuple[ll.RichHandler, io.StringIO]:
    stream = io.StringIO()
    options.setdefault("width", 200)
    return ll.RichHandler(stream=stream, **options), stream


class TestDeprecatedAlias:
    def test_flat_pretty_module_still_gives_both(self) -> None:
        """lite_logging.pretty warns, and still gives PrettyFormatter and RichHandler."""
        import importlib
        import sys

        sys.modules.pop("lite_logging.pretty", None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            old = importlib.import_module("lite_logging.pretty")
        assert (ll.PrettyFormatter, ll.RichHandler) == (old.PrettyFormatter, old.RichHandler)
        assert [DeprecationWarning] == [w.category for w in caught]


class TestRichHandler:
    def test_no_escape_codes_when_not_a_terminal(self) -> None:
        """A stream that is no terminal gets plain text."""
        handler, stream = _handler()
        handler.handle(shop_record(level=logging.ERROR))
        assert ANSI.search(stream.getvalue()) is None
        assert "ERROR" in stream.getvalue()

    def test_force_color(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """FORCE_COLOR makes a non-terminal stream coloured."""
        monkeypatch.setenv("FORCE_COLOR", "1")
        handler, stream = _handler()
        handler.handle(shop_record(level=logging.ERROR))
        assert ANSI.search(stream.getvalue()) is not None

    def test_no_color_wins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """NO_COLOR means no escape codes at all, even with FORCE_COLOR."""
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.setenv("NO_COLOR", "1")
        handler, stream = _handler()
        handler.handle(shop_record(level=logging.ERROR))
        assert ANSI.search(stream.getvalue()) is None

    def test_no_wrapping_when_not_a_terminal(self) -> None:
        """Not a terminal and no COLUMNS (docker logs, CI): each record stays one line."""
        stream = io.StringIO()
        handler = ll.RichHandler(stream=stream)
        for n in range(3):
            handler.handle(shop_record(n=n, **{f"key{i}": "v" * 10 for i in range(10)}))
        lines = stream.getvalue().splitlines()
        assert 3 == len(lines)
        assert [f"n={n}" for n in range(3)] == [line.split()[7] for line in lines]
        assert all(len(line) > 160 for line in lines)

    def test_columns_wraps_when_not_a_terminal(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Not a terminal, with COLUMNS set: wrapped at COLUMNS, under the message."""
        monkeypatch.setenv("COLUMNS", "100")
        stream = io.StringIO()
        handler = ll.RichHandler(stream=stream)
        handler.handle(shop_record(**{f"key{i}": "v" * 10 for i in range(10)}))
        lines = stream.getvalue().splitlines()
        assert len(lines) > 1
        assert 100 >= max(len(line) for line in lines) > 80
        assert all(line.startswith(" " * 22) for line in lines[1:])

    def test_terminal_width_wraps(self) -> None:
        """On a terminal, lines wrap at the terminal's width."""
        from rich.console import Console

        class _Tty(io.StringIO):
            def isatty(self) -> bool:
                return True

        stream = _Tty()
        handler = ll.RichHandler(stream=stream)
        assert isinstance(handler.console, Console)
        handler.console.size = (90, 40)  # what rich reads from the terminal
        handler.handle(shop_record(**{f"key{i}": "v" * 10 for i in range(10)}))
        lines = [_strip_sgr(line) for line in stream.getvalue().splitlines()]
        assert len(lines) > 1
        assert 90 >= max(len(line) for line in lines) > 80

    def test_given_console(self) -> None:
        """A ready rich Console is used as given: its width, its file."""
        from rich.console import Console

        console = Console(file=io.StringIO(), width=60, color_system=None)
        handler = ll.RichHandler(console=console)
        handler.handle(shop_record(**{f"key{i}": "v" * 10 for i in range(6)}))

        lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
        assert len(lines) > 1
        assert 60 == max(len(line) for line in lines) or all(len(line) <= 60 for line in lines)
        assert console.file is handler.stream

    def test_handle_batch_is_one_write(self) -> None:
        """handle_batch prints a batch with one write and counts it."""
        stream = Recorder()
        writes = stream.writes
        handler = ll.RichHandler(stream=stream, width=200)
        handler.handle_batch([shop_record("n=%d", (n,)) for n in range(5)])

        assert 1 == len(writes)
        assert [f"shop.api: n={n}" for n in range(5)] == [
            _HEAD.match(line).group(3).split(" /srv")[0]  # type: ignore[union-attr]
            for line in writes[0].splitlines()
        ]
        assert {"written": 5, "errors": 0} == handler.stats()

    def test_failures_go_to_handle_error(self) -> None:
        """A record that cannot render is reported through handleError and counted."""
        reported: list[logging.LogRecord] = []
        handler, stream = _handler()
        handler.handleError = reported.append  # type: ignore[method-assign]
        bad = shop_record("fine")
        bad.created = "not a time"  # type: ignore[assignment]

        handler.handle(bad)
        handler.handle_batch([bad, shop_record("fine", ())])

        assert [bad, bad] == reported
        assert {"written": 1, "errors": 2} == handler.stats()
        assert "fine" in stream.getvalue()

    def test_threads_never_interleave(self) -> None:
        """Records from concurrent threads come out as whole lines."""
        handler, stream = _handler()
        logger = logging.getLogger("test_pretty.threads")
        logger.addHandler(handler)
        logger.propagate = False
        start = threading.Barrier(4)

        def work(n: int) -> None:
            start.wait()
            for i in range(50):
                logger.warning("thread %d record %d", n, i, extra={"pad": "x" * 30})

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            logger.removeHandler(handler)
            logger.propagate = True

        lines = stream.getvalue().splitlines()
        assert 200 == len(lines)
        seen = set()
        for line in lines:
            match = re.search(r"thread (\d) record (\d+) pad=x{30} ", line)
            assert match is not None, line
            seen.add(match.groups())
        assert 200 == len(seen)

    def test_behind_the_batching_listener(self) -> None:
        """As a target of BatchingQueueListener the listener thread writes, in batches."""
        stream = Recorder()
        writes = stream.writes
        handler = ll.RichHandler(stream=stream, width=200)
        records: queue.Queue[Any] = queue.Queue()
        for n in range(20):
            records.put(shop_record("n=%d", (n,)))
        listener = ll.BatchingQueueListener(records, handler)
        listener.start()
        listener.stop()

        lines = "".join(writes).splitlines()
        assert [f"n={n}" for n in range(20)] == [
            line.split(": ", 1)[1][:4].strip() for line in lines
        ]
        assert len(writes) < 20

    def test_through_async_queue_handler(self) -> None:
        """Behind AsyncQueueHandler the prepared record (exception as text) prints in full."""
        handler, stream = _handler()
        queued = ll.AsyncQueueHandler(handlers=[handler])
        logger = logging.getLogger("test_pretty.async")
        logger.addHandler(queued)
        logger.propagate = False
        try:
            try:
                raise ValueError("queued failure")
            except ValueError:
                logger.exception("failed for %s", "cart-7", extra={"sku": "a-1"})
        finally:
            logger.removeHandler(queued)
            logger.propagate = True
            queued.close()  # drains the queue and stops the listener

        lines = stream.getvalue().splitlines()
        match = _HEAD.match(lines[0])
        assert match is not None
        assert "ERROR" == match.group(2)
        assert match.group(3).startswith("test_pretty.async: failed for cart-7 sku=a-1 ")
        assert "  │ Traceback (most recent call last):" == lines[1]
        assert "  │ ValueError: queued failure" == lines[-1]

    @pytest.mark.parametrize(
        ("options", "expected"),
        [
            ({"width": "wide"}, "\"width\" must be an int of at least 20, or None: 'wide'"),
            ({"width": 5}, '"width" must be an int of at least 20, or None: 5'),
            ({"level": -5}, '"level" must be a level name or a non-negative int: -5'),
            ({"level": "LOUD"}, "\"level\" must be a level name or a non-negative int: 'LOUD'"),
            ({"stream": 5}, '"stream" must be a text stream with a write() method: 5'),
            ({"max_frames": 0}, '"max_frames" must be an int >= 1: 0'),
            ({"show_locals": 1}, '"show_locals" must be a bool: 1'),
        ],
    )
    def test_bad_options(self, options: dict[str, Any], expected: str) -> None:
        """A bad option fails at construction with ValueError naming the option and value."""
        with pytest.raises(ValueError, match=re.escape(expected)):
            ll.RichHandler(**options)

    def test_other_formatter_is_escaped(self) -> None:
        """With a plain Formatter: its first line as is, later lines marked, controls escaped."""
        handler, stream = _handler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        handler.handle(shop_record("two\nlines \x1b[2J", ()))
        assert "INFO two\n  │ lines \\x1b[2J\n" == stream.getvalue()

    @pytest.mark.usefixtures("restore_logging")
    def test_dict_config_class_and_ext_stderr(self, capsys: pytest.CaptureFixture[str]) -> None:
        """dictConfig builds it with "class", a keyword option and stream ext://sys.stderr."""
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "formatters": {"pretty": {"()": "lite_logging.PrettyFormatter", "width": 120}},
                "handlers": {
                    "console": {
                        "class": "lite_logging.RichHandler",
                        "stream": "ext://sys.stderr",
                        "width": 120,
                        "formatter": "pretty",
                    }
                },
                "root": {"level": "INFO", "handlers": ["console"]},
            }
        )
        logging.getLogger("shop.api").info("configured %s", "ok", extra={"k": "v"})

        err = capsys.readouterr().err
        match = _HEAD.match(err.splitlines()[0])
        assert match is not None
        assert ("INFO", ["shop.api:", "configured", "ok", "k=v"]) == (
            match.group(2),
            match.group(3).split()[:4],
        )
