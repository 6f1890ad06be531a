"""The pipeline where no thread can start (Pyodide): the same records, counters, flush and
shutdown as with the listener thread; batches handed over from the running event loop.

Each behaviour runs twice: with threads, and with ``threading.Thread.start`` raising
``RuntimeError("can't start new thread")`` as in Pyodide (where only the second runs, for
real). The capability is probed when a pipeline is built, so the fixture makes the package
probe again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import logging.config
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pipeline_support as ps
import pytest

import lite_logging as ll
from lite_logging import _threads
from lite_logging.pipeline import AsyncQueueHandler, BatchingQueueListener

LOGGER = "tests.pipeline_threadless"


def _refuse_thread(self: threading.Thread) -> None:
    raise RuntimeError("can't start new thread")


@pytest.fixture
def no_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``Thread.start`` raises, as in Pyodide; the package probes again."""
    monkeypatch.setattr(threading.Thread, "start", _refuse_thread)
    _threads._forget()
    yield
    monkeypatch.undo()
    _threads._forget()


@pytest.fixture(params=["thread", "no-thread"])
def mode(request: pytest.FixtureRequest) -> str:
    """Run the test with a listener thread, then without threads."""
    if request.param == "thread":
        if not _threads.threads_work():
            pytest.skip("this interpreter cannot start threads (Pyodide)")
    else:
        request.getfixturevalue("no_threads")
    return str(request.param)


def _config(path: Path, **pipeline: Any) -> dict[str, Any]:
    """The README's shape: JSON lines to a file behind an AsyncQueueHandler."""
    return {
        "version": 1,
        "filters": {"context": {"()": "lite_logging.ContextFilter"}},
        "handlers": {
            "file": {"()": "lite_logging.BatchFileHandler", "filename": str(path)},
            "queue": {
                "()": "lite_logging.AsyncQueueHandler",
                "handlers": ["file"],
                "filters": ["context"],
                **pipeline,
            },
        },
        "loggers": {LOGGER: {"level": "DEBUG", "handlers": ["queue"], "propagate": False}},
    }


@pytest.fixture
def configured(restore_logging: None) -> Iterator[None]:
    """Undo dictConfig, and close its file handler (no logger holds it: the queue does)."""
    yield
    ll.shutdown()
    file_handler = logging._handlers.get("file")  # type: ignore[attr-defined]
    if file_handler is not None:
        file_handler.close()


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _pipeline() -> dict[str, Any]:
    (stats,) = ll.stats()["pipelines"].values()
    return dict(stats)


class TestDelivery:
    def test_dict_config_delivers_every_record_once(
        self, mode: str, tmp_path: Path, configured: None
    ) -> None:
        """dictConfig builds a running pipeline; every record is written once, in order."""
        path = tmp_path / "app.jsonl"
        logging.config.dictConfig(_config(path))
        log = logging.getLogger(LOGGER)
        with ll.context(request_id="r-1"):
            for i in range(1500):
                log.info("record %d", i, extra={"n": i})
        assert ll.flush(5.0)
        lines = _lines(path)
        assert list(range(1500)) == [line["n"] for line in lines]
        assert {"r-1"} == {line["context"]["request_id"] for line in lines}
        stats = _pipeline()
        assert (1500, 1500, 0, 0) == (
            stats["enqueued"],
            stats["delivered"],
            stats["dropped"],
            stats["queue_depth"],
        )
        assert 1500 == stats["handlers"]["file"]["written"]

    def test_setup_profiles_deliver(
        self, mode: str, capsys: pytest.CaptureFixture[str], restore_logging: None
    ) -> None:
        """``setup("prod")`` then ``setup("dev")``: no error, every record printed."""
        ll.setup("prod")
        log = logging.getLogger("shop.api")
        for i in range(20):
            log.info("order %d", i)
        ll.flush()
        out = capsys.readouterr().out.splitlines()
        assert [f"order {i}" for i in range(20)] == [json.loads(x)["message"] for x in out]
        ll.setup("dev")
        log.warning("careful")
        ll.flush()
        assert "careful" in capsys.readouterr().err

    def test_shutdown_delivers_then_writes_synchronously(
        self, mode: str, tmp_path: Path, configured: None
    ) -> None:
        """``shutdown()`` writes what is queued; later records are written at once."""
        path = tmp_path / "app.jsonl"
        logging.config.dictConfig(_config(path))
        log = logging.getLogger(LOGGER)

        async def main() -> None:
            for i in range(10):
                log.info("queued %d", i)
            ll.shutdown()  # before the loop had a chance to deliver

        asyncio.run(main())
        log.info("after")
        logging.getLogger(LOGGER).handlers[0].flush()
        assert [f"queued {i}" for i in range(10)] + ["after"] == [
            line["message"] for line in _lines(path)
        ]

    def test_filters_and_formatter_behind_the_queue(
        self, mode: str, logger: logging.Logger
    ) -> None:
        """Filters run in the caller, the target's level and filters behind the queue."""
        sampled = ll.NamespaceFilter(deny=[f"{LOGGER}.noise"])
        target = ps.BatchCollect(logging.INFO)
        handler = AsyncQueueHandler(handlers=[target])
        handler.addFilter(sampled)
        logger.addHandler(handler)
        for i in range(30):
            logger.debug("debug %d", i)
            logger.info("info %d", i)
            logging.getLogger(f"{LOGGER}.noise").info("noise %d", i)
        assert handler.flush(5.0)
        assert [f"info {i}" for i in range(30)] == target.messages
        stats = handler.stats()
        assert 60 == stats["enqueued"] == stats["delivered"]
        assert 30 == stats["handlers"]["BatchCollect"]["written"]

    def test_handler_that_logs_is_delivered_after_its_batch(
        self, mode: str, logger: logging.Logger
    ) -> None:
        """A record a target handler logs while handling is delivered once, not looped."""

        class Chatty(ps.BatchCollect):
            def handle_batch(self, records: list[logging.LogRecord]) -> None:
                super().handle_batch(records)
                if not records[0].getMessage().startswith("echo"):
                    logger.info("echo of %d", len(records))

        target = Chatty()
        logger.addHandler(AsyncQueueHandler(handlers=[target]))
        logger.info("first")
        assert ll.flush(5.0)
        assert ["first", "echo of 1"] == target.messages

    def test_small_bound_never_waits_nor_drops(self, mode: str, logger: logging.Logger) -> None:
        """A ``block`` bound below the batch size delivers in time, drops nothing."""
        target = ps.BatchCollect()
        handler = AsyncQueueHandler(handlers=[target], maxsize=3, block_timeout=5.0)
        logger.addHandler(handler)
        for i in range(100):
            logger.info("n %d", i)
        assert handler.flush(5.0)
        assert 100 == len(target.records)
        assert 0 == handler.dropped

    def test_drain_writes_everything(self, mode: str, logger: logging.Logger) -> None:
        """``drain()`` (the signal-safe flush) writes what every pipeline holds."""
        target = ps.BatchCollect()
        logger.addHandler(AsyncQueueHandler(handlers=[target]))

        async def main() -> bool:
            for i in range(50):
                logger.info("n %d", i)
            return ll.drain(5.0)

        assert asyncio.run(main())
        assert 50 == len(target.records)


class TestWithoutThreads:
    def test_no_thread_is_started(self, no_threads: None, logger: logging.Logger) -> None:
        """Building and using the pipeline starts no thread and raises nothing."""
        before = threading.active_count()
        target = ps.BatchCollect()
        handler = AsyncQueueHandler(handlers=[target])
        logger.addHandler(handler)
        logger.info("one")
        assert handler.flush(1.0)
        assert ["one"] == target.messages
        assert before == threading.active_count()
        assert handler.listener is not None
        assert handler.listener._inline

    def test_without_a_running_loop_each_record_goes_at_once(
        self, no_threads: None, logger: logging.Logger
    ) -> None:
        """No event loop runs in this thread: a record is written before the call returns."""
        if _threads.running_loop() is not None:
            pytest.skip("an event loop always runs here (Pyodide's WebLoop)")
        target = ps.BatchCollect()
        logger.addHandler(AsyncQueueHandler(handlers=[target]))
        logger.info("one")
        assert ["one"] == target.messages
        logger.info("two")
        assert [1, 1] == target.batch_sizes

    def test_records_of_one_loop_iteration_are_one_batch(
        self, no_threads: None, logger: logging.Logger
    ) -> None:
        """In a running event loop the records wait for the loop, then go as one batch."""
        target = ps.BatchCollect()
        handler = AsyncQueueHandler(handlers=[target])
        logger.addHandler(handler)
        seen: list[int] = []

        async def main() -> None:
            for i in range(100):
                logger.info("n %d", i)
            seen.append(len(target.records))
            await asyncio.sleep(0)
            seen.append(len(target.records))

        asyncio.run(main())
        assert [0, 100] == seen
        assert [100] == target.batch_sizes

    def test_a_full_batch_is_handed_over_at_once(
        self, no_threads: None, logger: logging.Logger
    ) -> None:
        """A batch_size worth of records does not wait for the loop (memory stays bounded)."""
        target = ps.BatchCollect()
        logger.addHandler(AsyncQueueHandler(handlers=[target], batch_size=64))
        seen: list[int] = []

        async def main() -> None:
            for i in range(200):
                logger.info("n %d", i)
            seen.append(len(target.records))
            await asyncio.sleep(0)

        asyncio.run(main())
        assert [192] == seen
        assert [64, 64, 64, 8] == target.batch_sizes

    def test_flush_interval_waits_on_the_loop(
        self, no_threads: None, logger: logging.Logger
    ) -> None:
        """``flush_interval`` > 0: the batch waits that long on the loop (``call_later``)."""
        target = ps.BatchCollect()
        logger.addHandler(AsyncQueueHandler(handlers=[target], flush_interval=0.05))
        seen: list[int] = []

        async def main() -> None:
            logger.info("one")
            await asyncio.sleep(0)
            seen.append(len(target.records))
            await asyncio.sleep(0.2)
            seen.append(len(target.records))

        asyncio.run(main())
        assert [0, 1] == seen

    def test_user_run_listener_delivers_on_flush_and_stop(
        self, no_threads: None, logger: logging.Logger
    ) -> None:
        """A plain QueueHandler and a listener the user starts: flush() and stop() deliver."""
        import logging.handlers
        import queue

        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        target = ps.BatchCollect()
        listener = BatchingQueueListener(q, target)
        listener.start()
        logger.addHandler(logging.handlers.QueueHandler(q))
        logger.info("one")
        assert listener.flush(1.0)
        logger.info("two")
        listener.stop()
        assert ["one", "two"] == target.messages

    def test_file_handler_alone_writes_without_a_timer(
        self, no_threads: None, tmp_path: Path, logger: logging.Logger
    ) -> None:
        """``BatchFileHandler`` without a listener: no timer thread; the loop is the timer."""
        path = tmp_path / "alone.jsonl"
        handler = ll.BatchFileHandler(path, flush_interval=0.05)
        logger.addHandler(handler)
        logger.info("sync")
        if _threads.running_loop() is None:  # written at once (in Pyodide a loop always runs)
            assert ["sync"] == [line["message"] for line in _lines(path)]
        handler.flush()
        seen: list[int] = []

        async def main() -> None:
            logger.info("async")
            seen.append(len(path.read_text().splitlines()))
            await asyncio.sleep(0.2)
            seen.append(len(path.read_text().splitlines()))

        asyncio.run(main())
        assert [1, 2] == seen

    def test_setup_without_signal_handlers(
        self, no_threads: None, monkeypatch: pytest.MonkeyPatch, restore_logging: None
    ) -> None:
        """A platform whose ``signal`` module cannot set handlers: setup() still works."""
        monkeypatch.delattr(signal, "getsignal")
        ll.setup("prod")
        logging.getLogger("shop").info("fine")
        assert ll.flush(1.0)
