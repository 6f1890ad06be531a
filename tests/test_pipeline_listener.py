"""BatchingQueueListener: batches to handle_batch, levels and filters per handler, hooks,
handlers that log; and it isolates failures: a record that breaks a handler, a filter, a level
check or a listener hook costs only itself, is counted, and is reported once per batch."""

from __future__ import annotations

import json
import logging
import multiprocessing
import pickle
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pipeline_support as ps
import pytest

import lite_logging as ll
from lite_logging.pipeline import AsyncQueueHandler, BatchingQueueListener
from lite_logging.pipeline.listener import MAX_FLUSH_INTERVAL

LOGGER = "tests.pipeline_listener"  # the name of conftest's `logger`
POISON = "poison"


class Deep:
    """A value whose ``repr`` recurses until ``RecursionError``."""

    def __repr__(self) -> str:
        return repr(self)


class Explosive:
    """A value whose ``repr`` raises ``ValueError``."""

    def __repr__(self) -> str:
        raise ValueError("no repr for you")


class FormatAllFirst(logging.Handler):
    """Formats the whole batch, then writes it at once: all-or-nothing, as BatchFileHandler.

    ``lines`` is the "file"; ``reported`` holds the records ``handleError`` was given.
    """

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.setFormatter(logging.Formatter("%(message)s %(payload)r"))
        self.lines: list[str] = []
        self.batch_calls = 0
        self.reported: list[logging.LogRecord | None] = []

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - batches only
        self.handle_batch([record])

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
        self.batch_calls += 1
        lines = [self.format(r) for r in records]
        self.lines.extend(lines)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - stdlib name
        self.reported.append(record)


class Plain(logging.Handler):
    """No batch protocol: ``handle`` per record; ``handle`` raises on poison messages."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.messages: list[str] = []
        self.reported: list[logging.LogRecord | None] = []

    def handle(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith(POISON):
            raise OSError("cannot write this one")
        return super().handle(record)

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - stdlib name
        self.reported.append(record)


class Collect(logging.Handler):
    """A well-behaved batch handler keeping the messages it got."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.messages: list[str] = []
        self.reported: list[logging.LogRecord | None] = []

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - batches only
        self.handle_batch([record])

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
        self.messages.extend(r.getMessage() for r in records)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - stdlib name
        self.reported.append(record)


def _record(msg: str, payload: Any = 0, level: Any = logging.INFO) -> logging.LogRecord:
    return logging.makeLogRecord({"msg": msg, "payload": payload, "levelno": level})


def _run(listener: BatchingQueueListener, items: list[Any]) -> dict[str, Any]:
    """Queue ``items`` before starting ``listener`` (so they form one batch when they fit),
    flush, and return its stats with the listener still running."""
    for item in items:
        listener.queue.put(item)
    listener.start()
    assert listener.flush(timeout=10)
    return listener.stats()


@pytest.fixture
def listeners() -> Iterator[Callable[..., BatchingQueueListener]]:
    """``listeners(*handlers, **options)``: a listener over a new queue, stopped afterwards."""
    made: list[BatchingQueueListener] = []

    def make(*handlers: logging.Handler, **options: Any) -> BatchingQueueListener:
        listener = BatchingQueueListener(queue.SimpleQueue(), *handlers, **options)
        made.append(listener)
        return listener

    yield make
    for listener in made:
        listener.stop()


class TestPoisonRecord:
    @pytest.mark.parametrize("payload", [Deep(), Explosive()], ids=["RecursionError", "ValueError"])
    def test_costs_only_its_own_record(self, listeners: Any, payload: Any) -> None:
        """A record whose formatting raises in a batch of 400 loses itself, not its batch."""
        target = FormatAllFirst()
        items = [_record(f"m{i}") for i in range(400)]
        items[200] = _record(POISON, payload)
        stats = _run(listeners(target), items)
        expected = [f"m{i} 0" for i in range(400) if i != 200]
        assert expected == target.lines  # each good record exactly once, in order
        assert {"written": 399, "errors": 1} == {
            k: stats["handlers"]["FormatAllFirst"][k] for k in ("written", "errors")
        }
        assert [POISON] == [r.getMessage() for r in target.reported if r is not None]
        assert (400, 1) == (stats["delivered"], stats["batches"])

    def test_every_failed_record_counted_reported_once_per_batch(self, listeners: Any) -> None:
        """Three poison records in one batch: three errors, one handleError call."""
        target = FormatAllFirst()
        listener = listeners(target)
        poisoned = (1, 4, 7)
        first = [
            _record(POISON, Explosive()) if i in poisoned else _record(f"m{i}") for i in range(10)
        ]
        stats = _run(listener, first)
        assert (7, 3) == (
            stats["handlers"]["FormatAllFirst"]["written"],
            stats["handlers"]["FormatAllFirst"]["errors"],
        )
        assert 1 == len(target.reported)
        listener.queue.put(_record(POISON, Explosive()))
        assert listener.flush(timeout=10)
        assert (4, 2) == (
            listener.stats()["handlers"]["FormatAllFirst"]["errors"],
            len(target.reported),
        )

    def test_normal_batch_is_one_call(self, listeners: Any) -> None:
        """Without a failure the handler gets the batch in one handle_batch call."""
        target = FormatAllFirst()
        _run(listeners(target), [_record(f"m{i}") for i in range(100)])
        assert (1, 100) == (target.batch_calls, len(target.lines))

    def test_batch_file_handler(self, listeners: Any, tmp_path: Path) -> None:
        """BatchFileHandler behind the listener: a RecursionError costs only its own line, which
        is written degraded."""
        path = tmp_path / "out.log"
        target = ll.BatchFileHandler(path)
        target.setFormatter(logging.Formatter("%(message)s %(payload)r"))
        target.handleError = lambda record: None  # type: ignore[method-assign]
        items = [_record(f"m{i}") for i in range(400)]
        items[7] = _record(POISON, Deep())
        stats = _run(listeners(target), items)
        target.close()
        lines = path.read_text().splitlines()
        degraded = json.loads(lines.pop(7))
        assert [f"m{i} 0" for i in range(400) if i != 7] == lines
        assert ("formatting failed", "RecursionError") == (
            degraded["message"],
            degraded["format_error"].split(":")[0],
        )
        assert {"written": 400, "errors": 1} == {
            k: stats["handlers"]["BatchFileHandler"][k] for k in ("written", "errors")
        }

    def test_handler_without_handle_batch(self, listeners: Any) -> None:
        """handle() raising on some records of a batch: each counted, reported once."""
        target = Plain()
        items = [_record(POISON if i % 3 == 0 else f"m{i}") for i in range(9)]
        stats = _run(listeners(target), items)
        assert ["m1", "m2", "m4", "m5", "m7", "m8"] == target.messages
        assert (6, 3) == (
            stats["handlers"]["Plain"]["written"],
            stats["handlers"]["Plain"]["errors"],
        )
        assert 1 == len(target.reported)

    def test_other_handlers_get_everything(self, listeners: Any) -> None:
        """A handler failing on a record does not keep that record from the others."""
        bad, good = FormatAllFirst(), Collect()
        items = [_record(f"m{i}") for i in range(5)]
        items[2] = _record(POISON, Explosive())
        _run(listeners(bad, good), items)
        assert ["m0", "m1", POISON, "m3", "m4"] == good.messages
        assert 4 == len(bad.lines)


class TestFiltersAndLevels:
    @pytest.mark.parametrize("handler_class", [FormatAllFirst, Plain], ids=["batch", "plain"])
    def test_raising_filter_costs_only_its_record(
        self, listeners: Any, handler_class: type[FormatAllFirst | Plain]
    ) -> None:
        """A handler's filter raising on one record: only that record is lost, and counted."""
        target = handler_class()

        def picky(record: logging.LogRecord) -> bool:
            if record.msg == "filter-bomb":
                raise KeyError("picky")
            return True

        target.addFilter(picky)
        items = [_record(f"m{i}") for i in range(6)]
        items[3] = _record("filter-bomb")
        stats = _run(listeners(target), items)
        counters = stats["handlers"][handler_class.__name__]
        assert (5, 1, 6) == (counters["written"], counters["errors"], stats["delivered"])
        assert ["filter-bomb"] == [r.getMessage() for r in target.reported if r is not None]

    def test_filter_runs_once_per_record(self, listeners: Any) -> None:
        """A stateful filter sees each record once, also when the batch is retried."""
        target = FormatAllFirst()
        seen: list[str] = []

        def counting(record: logging.LogRecord) -> bool:
            seen.append(record.msg)
            return True

        target.addFilter(counting)
        items = [_record(f"m{i}") for i in range(4)]
        items[1] = _record(POISON, Explosive())
        _run(listeners(target), items)
        assert ["m0", POISON, "m2", "m3"] == seen

    @pytest.mark.parametrize("handler_class", [FormatAllFirst, Plain], ids=["batch", "plain"])
    def test_raising_level_check_costs_only_its_record(
        self, listeners: Any, handler_class: type[FormatAllFirst | Plain]
    ) -> None:
        """A record whose levelno cannot be compared fails alone under respect_handler_level."""
        target = handler_class(logging.DEBUG)
        items = [_record(f"m{i}") for i in range(4)]
        items[2] = _record("odd", level="not-a-level")
        stats = _run(listeners(target, respect_handler_level=True), items)
        counters = stats["handlers"][handler_class.__name__]
        assert (3, 1, 4) == (counters["written"], counters["errors"], stats["delivered"])


class TestStuckHandler:
    def test_busy_seconds_show_the_stuck_handler(self, listeners: Any) -> None:
        """stats() shows how long a handler has been on its batch; idle handlers show 0."""
        stuck, idle = ps.Gated(), Collect()
        listener = listeners(stuck, idle)
        listener.start()
        listener.queue.put(_record("m"))
        try:
            assert stuck.entered.wait(10)
            time.sleep(0.05)  # not a synchronisation: the least time the handler has been busy
            during = listener.stats()["handlers"]
        finally:
            stuck.gate.set()
        assert listener.flush(timeout=10)
        after = listener.stats()["handlers"]
        assert during["Gated"]["busy_s"] >= 0.05
        assert (0.0, 0.0, 0.0) == (
            during["Collect"]["busy_s"],
            after["Gated"]["busy_s"],
            after["Collect"]["busy_s"],
        )

    def test_drop_policy_keeps_callers_free(self, logger: logging.Logger) -> None:
        """With drop_newest a stuck handler costs the records it cannot take, never the caller."""
        stuck = ps.Gated()
        handler = AsyncQueueHandler(handlers=[stuck], maxsize=2, policy="drop_newest")
        logger.addHandler(handler)
        logger.info("first")
        try:
            assert stuck.entered.wait(10)
            for i in range(10):
                logger.info("m%d", i)  # returns at once: the queue is full after two
        finally:
            stuck.gate.set()
        assert handler.flush(timeout=10)
        stats = handler.stats()
        assert ["first", "m0", "m1"] == stuck.messages
        assert (11, 3, 8) == (stats["enqueued"], stats["delivered"], stats["dropped"])


class TestListenerSurvives:
    def test_item_that_is_not_a_record(self, listeners: Any) -> None:
        """A non-record item in the queue fails alone, is counted, and the thread goes on."""
        batch, plain = Collect(logging.DEBUG), Plain(logging.DEBUG)
        listener = listeners(batch, plain, respect_handler_level=True)
        stats = _run(listener, [_record("a"), "junk", _record("b")])
        listener.queue.put(_record("c"))
        assert listener.flush(timeout=10)
        assert (["a", "b", "c"], ["a", "b", "c"]) == (batch.messages, plain.messages)
        assert (1, 1, 3) == (
            stats["handlers"]["Collect"]["errors"],
            stats["handlers"]["Plain"]["errors"],
            stats["delivered"],
        )
        assert (1, 1) == (len(batch.reported), len(plain.reported))

    def test_raising_prepare_hook(self, listeners: Any, capsys: pytest.CaptureFixture[str]) -> None:
        """A prepare() override raising on one record: that record is counted and reported."""

        class Preparing(BatchingQueueListener):
            def prepare(self, record: logging.LogRecord) -> Any:
                if record.msg == POISON:
                    raise ValueError("cannot prepare")
                return record

        target = Collect()
        listener = Preparing(queue.SimpleQueue(), target)
        try:
            stats = _run(listener, [_record("a"), _record(POISON), _record(POISON), _record("b")])
            listener.queue.put(_record("c"))
            assert listener.flush(timeout=10)
        finally:
            listener.stop()
        assert ["a", "b", "c"] == target.messages
        assert (2, 4) == (stats["errors"], stats["delivered"])
        assert 1 == capsys.readouterr().err.count("ValueError: cannot prepare")

    def test_raising_handle_hook(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A handle() override raising on one record: counted, reported, the others handled."""
        handled: list[str] = []

        class Hooked(BatchingQueueListener):
            def handle(self, record: logging.LogRecord) -> None:
                if record.msg == POISON:
                    raise ValueError("cannot handle")
                handled.append(record.msg)

        listener = Hooked(queue.SimpleQueue())
        try:
            stats = _run(listener, [_record("a"), _record(POISON), _record("b")])
        finally:
            listener.stop()
        assert (["a", "b"], 1, 3) == (handled, stats["errors"], stats["delivered"])
        assert 1 == capsys.readouterr().err.count("ValueError: cannot handle")

    def test_item_the_queue_cannot_give(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A take that raises (an item a multiprocessing queue cannot unpickle) is counted,
        reported, and the listener reads on."""

        class Unpickling(BatchingQueueListener):
            def dequeue(self, block: bool) -> Any:
                item: Any = super().dequeue(block)
                if item == "truncated pickle":
                    raise pickle.UnpicklingError("pickle data was truncated")
                return item

        target = Collect()
        listener = Unpickling(queue.SimpleQueue(), target)
        items = ["truncated pickle", _record("a"), "truncated pickle", _record("b")]
        try:
            stats = _run(listener, items)
        finally:
            listener.stop()
        assert (["a", "b"], 2, 2) == (target.messages, stats["errors"], stats["delivered"])
        assert 2 == capsys.readouterr().err.count("UnpicklingError: pickle data was truncated")

    def test_stop_gives_up_a_broken_queue(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A queue whose every take raises: reported once, and stop() still returns."""
        entered = threading.Event()

        class Broken(BatchingQueueListener):
            def dequeue(self, block: bool) -> Any:
                entered.set()
                raise OSError("handle is closed")

        listener = Broken(queue.SimpleQueue())
        listener.start()
        assert entered.wait(10)
        stopper = threading.Thread(target=listener.stop)
        stopper.start()
        stopper.join(10)
        assert not stopper.is_alive()
        assert 1 == capsys.readouterr().err.count("OSError: handle is closed")


class TestCounting:
    def test_enqueued_is_delivered_plus_dropped(self, logger: logging.Logger) -> None:
        """After flush, with failures of every kind: enqueued == delivered + dropped, and each
        handler's written + errors == delivered."""
        formatting, plain, collect = FormatAllFirst(), Plain(), Collect()

        def bomb(record: logging.LogRecord) -> bool:
            if record.msg == "filter-bomb":
                raise ZeroDivisionError
            return True

        formatting.addFilter(bomb)
        handler = AsyncQueueHandler(handlers=[formatting, plain, collect], maxsize=0)
        logger.addHandler(handler)
        for i in range(300):
            if i % 50 == 0:
                logger.info(POISON, extra={"payload": Explosive()})
            elif i % 70 == 0:
                logger.info("filter-bomb", extra={"payload": 0})
            else:
                logger.info("m%d", i, extra={"payload": 0})
        assert handler.flush(timeout=10)
        stats = handler.stats()
        assert 300 == stats["enqueued"] == stats["delivered"] + stats["dropped"]
        handlers = stats["handlers"]
        assert [300, 300, 300] == [
            handlers[name]["written"] + handlers[name]["errors"]
            for name in ("FormatAllFirst", "Plain", "Collect")
        ]
        assert (10, 6, 0) == tuple(
            handlers[name]["errors"] for name in ("FormatAllFirst", "Plain", "Collect")
        )

    def test_raised_failures_add_to_the_handlers_own_counters(self, listeners: Any) -> None:
        """A handler with its own stats(): what it raised on is added to its own errors."""

        class Counting(FormatAllFirst):
            def stats(self) -> dict[str, Any]:
                return {"written": len(self.lines), "errors": 5}

        target = Counting()
        stats = _run(listeners(target), [_record("a"), _record(POISON, Explosive())])
        assert (1, 6) == (
            stats["handlers"]["Counting"]["written"],
            stats["handlers"]["Counting"]["errors"],
        )

    def test_layout_is_extended(self, listeners: Any) -> None:
        """The pipeline gains "errors" and each handler "busy_s", "dropped", "dropped_by"
        and "handle_seconds"; the SPEC's keys stay first."""
        stats = _run(listeners(Collect()), [_record("a")])
        assert ps.LISTENER_STATS_KEYS == list(stats)
        assert ps.HANDLER_STATS_KEYS == list(stats["handlers"]["Collect"])


class TestListener:
    def test_batches_go_to_handle_batch(self, logger: logging.Logger) -> None:
        """Records queued together reach handle_batch as one list, at most batch_size."""
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        target, plain = ps.BatchCollect(), ps.Collect()
        handler = AsyncQueueHandler(q)
        logger.addHandler(handler)
        for i in range(25):
            logger.info("%d", i)
        listener = BatchingQueueListener(q, target, plain, batch_size=10)
        with listener:
            listener.flush(timeout=10)
        assert [10, 10, 5] == target.batch_sizes
        assert [str(i) for i in range(25)] == target.messages == plain.messages

    def test_level_and_filters_per_handler(self) -> None:
        """respect_handler_level and handler filters apply before handle_batch."""
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        warn = ps.BatchCollect(logging.WARNING)
        no_secret = ps.BatchCollect()
        no_secret.addFilter(lambda r: "secret" not in r.getMessage())
        for level, msg in [(logging.INFO, "info"), (logging.ERROR, "secret"), (40, "error")]:
            q.put(logging.makeLogRecord({"levelno": level, "msg": msg}))
        with BatchingQueueListener(q, warn, no_secret, respect_handler_level=True) as listener:
            assert listener.flush(timeout=10)
        assert (["secret", "error"], ["info", "error"]) == (warn.messages, no_secret.messages)

    @pytest.mark.parametrize("batch", [True, False], ids=["handle_batch", "handle"])
    def test_raising_handler_is_reported_and_counted(self, batch: bool) -> None:
        """A raising handler goes to its handleError and is counted; others keep working."""
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        bad, good = ps.Failing(batch), ps.BatchCollect()
        listener = BatchingQueueListener(q, bad, good)
        listener.start()
        q.put(logging.makeLogRecord({"msg": "a"}))
        assert listener.flush(timeout=10)
        q.put(logging.makeLogRecord({"msg": "b"}))
        assert listener.flush(timeout=10)
        listener.stop()
        handlers = listener.stats()["handlers"]
        assert ["a", "b"] == good.messages
        assert ["a", "b"] == [r.getMessage() for r in bad.reported if r is not None]
        assert (2, 0) == (handlers["Failing"]["errors"], handlers["Failing"]["written"])

    def test_flush_flushes_handlers(self) -> None:
        """flush() returns after the records before it are handled and handlers flushed."""
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        target = ps.BatchCollect()
        with BatchingQueueListener(q, target) as listener:
            for i in range(100):
                q.put(logging.makeLogRecord({"msg": str(i)}))
            assert listener.flush()
            assert (100, 1) == (len(target.records), target.flushes)

    def test_start_twice_raises_stop_twice_harmless(self) -> None:
        """start() on a running listener raises RuntimeError; a second stop() does nothing."""
        listener = BatchingQueueListener(queue.SimpleQueue())
        listener.start()
        with pytest.raises(RuntimeError):
            listener.start()
        listener.stop()
        listener.stop()
        assert listener._thread is None

    def test_auto_started_listener_accepts_one_start(self) -> None:
        """Code written for the stdlib (handler.listener.start()) keeps working."""
        handler = AsyncQueueHandler(handlers=[])
        assert handler.listener is not None
        handler.listener.start()
        with pytest.raises(RuntimeError):
            handler.listener.start()
        handler.close()

    def test_handler_names_resolved_lazily(self, logger: logging.Logger) -> None:
        """A target given by name is looked up in logging's registry (outside dictConfig
        the name must be registered when the handler is made; see test_queueing_caller)."""
        target = ps.BatchCollect()
        target.set_name("tests.queueing.target")
        handler = AsyncQueueHandler(handlers=["tests.queueing.target"])
        logger.addHandler(handler)
        logger.info("late")
        assert handler.flush(timeout=10)
        assert ["late"] == target.messages
        target.close()

    def test_overridden_handle_hook_is_called(self) -> None:
        """A subclass overriding handle() gets every record, as QueueListener's would."""
        handled: list[str] = []

        class Hooked(BatchingQueueListener):
            def handle(self, record: logging.LogRecord) -> None:
                handled.append(record.getMessage())

        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        with Hooked(q) as listener:
            for i in range(5):
                q.put(logging.makeLogRecord({"msg": str(i)}))
            assert listener.flush(timeout=10)
        assert [str(i) for i in range(5)] == handled


class TestOptions:
    @pytest.mark.parametrize(
        ("option", "value"),
        [
            ("batch_size", 0),
            ("batch_size", True),
            ("batch_size", 2.0),
            ("flush_interval", -1.0),
            ("flush_interval", True),
            ("flush_interval", float("inf")),
            ("flush_interval", float("nan")),
            ("flush_interval", MAX_FLUSH_INTERVAL * 2),
            ("flush_interval", "1"),
        ],
    )
    def test_bad_option_names_key_and_value(self, option: str, value: Any) -> None:
        """A bad batch_size or flush_interval fails at construction, naming key and value
        (True is no number of seconds; infinity made the listener thread die on its first
        wait, every record after it lost)."""
        with pytest.raises(ValueError, match=f'"{option}"') as info:
            BatchingQueueListener(queue.SimpleQueue(), **{option: value})
        assert str(info.value).endswith(f": {value!r}")

    @pytest.mark.parametrize("make_queue", [queue.SimpleQueue, multiprocessing.Queue])
    def test_longest_flush_interval_delivers(self, make_queue: Callable[[], Any]) -> None:
        """At MAX_FLUSH_INTERVAL a partial batch still reaches the handler at stop(), also
        through a multiprocessing queue (which cannot wait 25 days)."""
        target = Collect()
        listener = BatchingQueueListener(
            make_queue(), target, batch_size=100, flush_interval=MAX_FLUSH_INTERVAL
        )
        listener.start()
        listener.queue.put(_record("first"))
        listener.queue.put(_record("second"))
        listener.stop()
        assert ["first", "second"] == target.messages
        assert 0 == listener.stats()["errors"]


class TestReentrancy:
    def test_handler_logging_per_record_does_not_loop(
        self, logger: logging.Logger, pipeline: Any
    ) -> None:
        """A handler that logs for each record: one level is written, the next dropped."""

        class Chatty(ps.BatchCollect):
            def handle_batch(self, records: list[logging.LogRecord]) -> None:
                super().handle_batch(records)
                for record in records:
                    logger.info("saw %s", record.getMessage())

        target = Chatty()
        handler = pipeline(target)
        logger.info("a")
        assert handler.flush(timeout=10)
        stats = ps.pipeline_stats(handler)
        assert ["a", "saw a"] == target.messages
        assert (3, 1) == (stats["enqueued"], stats["dropped"])

    def test_full_queue_and_listener_logging(self, logger: logging.Logger, pipeline: Any) -> None:
        """block policy, full queue: a record logged by the listener's handler still lands."""

        class LogsOnce(ps.Gated):
            def handle_batch(self, records: list[logging.LogRecord]) -> None:
                super().handle_batch(records)
                if records[0].getMessage() == "0":
                    logger.info("from the listener")

        target = LogsOnce()
        handler = pipeline(target, maxsize=2)
        logger.info("0")
        assert target.entered.wait(10)
        logger.info("1")
        logger.info("2")  # the queue is full now
        target.gate.set()
        assert handler.flush(timeout=10)
        assert ["0", "from the listener", "1", "2"] == target.messages

    def test_shutdown_with_handler_that_logs(self, logger: logging.Logger, pipeline: Any) -> None:
        """As logging.shutdown does (handler lock held, flush, close): no deadlock."""

        class LogsOnFlush(ps.BatchCollect):
            def flush(self) -> None:
                super().flush()
                if self.flushes == 1:
                    logger.warning("flushing")

        target = LogsOnFlush()
        handler = pipeline(target)
        logger.info("x")

        def shutdown_like() -> None:
            handler.acquire()
            try:
                handler.flush()
                handler.close()
            finally:
                handler.release()

        worker = threading.Thread(target=shutdown_like)
        worker.start()
        worker.join(30)  # a deadlock detector, not a timing assertion
        assert not worker.is_alive()
        assert ["x", "flushing"] == target.messages[:2]

    def test_after_close_records_written_synchronously(
        self, logger: logging.Logger, pipeline: Any
    ) -> None:
        """Once closed, the handler writes in the caller's thread instead of queueing."""
        target = ps.BatchCollect()
        handler = pipeline(target)
        handler.close()
        logger.info("late")
        assert (["late"], 0) == (target.messages, handler.dropped)
