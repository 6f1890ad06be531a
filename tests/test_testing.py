"""lite_logging.testing: reset(), isolated() and the isolated_logging fixture."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import lite_logging as ll
from lite_logging import _lifecycle
from lite_logging.testing import isolated, reset

LOGGER = "tests.testing"


def _open_files(folder: Path) -> set[str]:
    """Names of the files in ``folder`` this process holds open."""
    names = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):  # the fd iterdir itself used is gone
            target = Path(os.readlink(fd))
            if target.parent == folder:
                names.add(target.name)
    return names


def _running_listeners() -> list[ll.BatchingQueueListener]:
    from lite_logging.pipeline import control

    return [x for x in list(control._live) if x._thread is not None]


class TestReset:
    def test_stops_listeners_and_clears_stats(self) -> None:
        """reset() drains and stops every listener and empties stats()."""
        collected: list[str] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                collected.append(record.getMessage())

        handler = ll.AsyncQueueHandler(handlers=[Keep()])
        handler.handle(logging.makeLogRecord({"msg": "queued"}))
        reset()
        assert ([], ["queued"], {"pipelines": {}, "filters": {}}) == (
            _running_listeners(),
            collected,
            ll.stats(),
        )
        handler.close()

    def test_clears_metrics(self) -> None:
        """reset() forgets every metric made: the same name starts again from zero."""
        ll.metrics.counter("tests_reset_hits_total", "Hits").inc(3)
        reset()
        assert ll.metrics.REGISTRY.get("tests_reset_hits_total") is None
        ll.metrics.counter("tests_reset_hits_total", "Hits")
        assert [{"labels": {}, "value": 0.0}] == ll.metrics.REGISTRY.snapshot()[
            "tests_reset_hits_total"
        ]

    @pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
    def test_puts_back_signal_handlers(self) -> None:
        """reset() gives back what our SIGTERM/SIGHUP handlers replaced, and the
        drain_on_signals choice returns to its default."""
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        ll.drain_on_signals(True, timeout=1)
        handler = ll.AsyncQueueHandler(handlers=[logging.NullHandler()])
        installed = signal.getsignal(signal.SIGTERM)
        reset()
        assert (_lifecycle._on_signal, signal.SIG_DFL, signal.SIG_DFL, None) == (
            installed,
            signal.getsignal(signal.SIGTERM),
            signal.getsignal(signal.SIGHUP),
            _lifecycle._chosen,
        )
        handler.close()

    @pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
    def test_leaves_a_later_handler_alone(self) -> None:
        """A handler installed over ours stays after reset()."""

        def later(signum: int, frame: Any) -> None:
            """A framework's."""

        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        handler = ll.AsyncQueueHandler(handlers=[logging.NullHandler()])
        signal.signal(signal.SIGTERM, later)
        reset()
        assert later == signal.getsignal(signal.SIGTERM)
        handler.close()


class TestIsolated:
    def test_logger_tree_restored(self) -> None:
        """Handlers added in the block are removed and closed; levels and flags return."""
        log = logging.getLogger(LOGGER)
        root = logging.getLogger()
        before = (root.level, root.handlers[:], log.level, log.propagate)
        added = logging.StreamHandler()
        with isolated():
            root.setLevel(logging.CRITICAL)
            root.addHandler(added)
            log.setLevel(logging.DEBUG)
            log.propagate = False
            logging.getLogger(LOGGER + ".new").setLevel(logging.ERROR)
        assert before == (root.level, root.handlers, log.level, log.propagate)
        assert logging.NOTSET == logging.getLogger(LOGGER + ".new").level
        assert added not in root.handlers

    def test_pipeline_drained_and_stopped(self) -> None:
        """A pipeline configured in the block writes what it holds and stops."""
        collected: list[str] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                collected.append(record.getMessage())

        before = _running_listeners()
        with isolated():
            log = logging.getLogger(LOGGER)
            log.addHandler(ll.AsyncQueueHandler(handlers=[Keep()]))
            log.warning("in the block")
        assert (before, ["in the block"]) == (_running_listeners(), collected)

    @pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
    def test_queue_targets_closed(self, tmp_path: Path) -> None:
        """A file target dictConfig built in the block (on no logger) is closed after it,
        with its records written: no file left open for the garbage collector to warn of."""
        with isolated():
            ll.setup("prod", file=tmp_path / "app.jsonl")
            logging.getLogger(LOGGER).warning("in the block")
            assert ll.flush(timeout=10)
            assert {"app.jsonl"} == _open_files(tmp_path)
        assert set() == _open_files(tmp_path)
        lines = (tmp_path / "app.jsonl").read_text().splitlines()
        assert ["in the block"] == [json.loads(line)["message"] for line in lines]

    def test_listener_running_before_is_kept(self) -> None:
        """A listener started before the block still runs after it."""
        handler = ll.AsyncQueueHandler(handlers=[logging.NullHandler()])
        with isolated():
            pass
        assert handler.listener in _running_listeners()
        handler.close()

    def test_logger_class_and_factory_restored(self) -> None:
        """setLoggerClass and setLogRecordFactory in the block are undone."""
        cls, factory = logging.getLoggerClass(), logging.getLogRecordFactory()
        with isolated():
            logging.setLoggerClass(ll.Logger)
            logging.setLogRecordFactory(lambda *a, **k: logging.LogRecord(*a, **k))
        assert (cls, factory) == (logging.getLoggerClass(), logging.getLogRecordFactory())

    def test_signal_handlers_restored(self) -> None:
        """SIGINT, SIGTERM and SIGHUP handlers changed in the block are put back."""
        before = signal.getsignal(signal.SIGINT)
        with isolated():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        assert before == signal.getsignal(signal.SIGINT)

    def test_stats_registrations_forgotten(self) -> None:
        """stats() forgets the pipelines and filters registered in the block."""
        before = ll.stats()
        with isolated():
            logging.getLogger(LOGGER).addFilter(ll.SamplingFilter(name="tests.testing.s"))
        assert before == ll.stats()

    def test_metrics_made_in_the_block_forgotten(self) -> None:
        """A metric made in the block is gone after it; one made before keeps its value."""
        kept = ll.metrics.counter("tests_isolated_kept_total", "Kept")
        kept.inc(2)
        with isolated():
            ll.metrics.counter("tests_isolated_made_total", "Made").inc()
            kept.inc()
        snapshot = ll.metrics.REGISTRY.snapshot()
        assert (False, [{"labels": {}, "value": 3.0}]) == (
            "tests_isolated_made_total" in snapshot,
            snapshot["tests_isolated_kept_total"],
        )


@pytest.mark.slow
@pytest.mark.once
class TestFixture:
    def test_usable_from_a_conftest(self, tmp_path: Path) -> None:
        """A user's test suite imports the fixture and nothing leaks between its tests."""
        (tmp_path / "conftest.py").write_text(
            textwrap.dedent(
                """
                import pytest
                from lite_logging.testing import isolated_logging

                @pytest.fixture(autouse=True)
                def _isolated(isolated_logging):
                    pass
                """
            )
        )
        (tmp_path / "test_user.py").write_text(
            textwrap.dedent(
                """
                import logging
                import lite_logging as ll

                def test_configures():
                    ll.setup("prod", level="DEBUG")
                    assert logging.getLogger().level == logging.DEBUG

                def test_counts():
                    ll.metrics.counter("user_hits_total", "Hits").inc(3)

                def test_sees_nothing_left():
                    assert ll.metrics.REGISTRY.get("user_hits_total") is None
                    ll.metrics.counter("user_hits_total", "Hits")
                    assert ll.metrics.REGISTRY.snapshot()["user_hits_total"][0]["value"] == 0
                    assert logging.getLogger().level == logging.WARNING
                    assert not [
                        h for h in logging.getLogger().handlers
                        if isinstance(h, ll.AsyncQueueHandler)
                    ]
                """
            )
        )
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=tmp_path,
        )
        assert 0 == done.returncode, done.stdout + done.stderr
        assert "3 passed" in done.stdout
