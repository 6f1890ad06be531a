"""AsyncQueueHandler, BatchingQueueListener and the module's flush/shutdown/stats."""

from __future__ import annotations

import json
import logging
import os
import queue
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from conftest import ListHandler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lite_logging as ll
from lite_logging.pipeline import AsyncQueueHandler, BatchingQueueListener
from lite_logging.record.stamping import stamp_record

LOGGER = "tests.queueing"  # the name of conftest's `logger`


class Collect(ListHandler):
    """A ``ListHandler`` that counts flushes, and each batch's size when given batches."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.batch_sizes: list[int] = []
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


class BatchCollect(Collect):
    """A ``Collect`` with the batch protocol."""

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
        self.batch_sizes.append(len(records))
        self.records.extend(records)


class Gated(BatchCollect):
    """Blocks in ``handle_batch`` until ``gate`` is set; ``entered`` says it is waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.gate = threading.Event()

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
        self.entered.set()
        self.gate.wait()
        super().handle_batch(records)


class JsonLines(logging.Handler):
    """Writes each batch as one chunk of JSON lines (a light stand-in for a file)."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - batches only
        self.handle_batch([record])

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
        d = json.dumps
        self.chunks.append(
            "".join(
                d({"t": r.t, "i": r.i, "event_id": r.event_id}) + "\n"  # type: ignore[attr-defined]
                for r in records
            )
        )


class Failing(logging.Handler):
    """Raises from ``handle_batch`` (or ``handle``); records what ``handleError`` saw."""

    def __init__(self, batch: bool = True) -> None:
        super().__init__()
        self.reported: list[logging.LogRecord | None] = []
        if batch:
            self.handle_batch = self._raise_batch  # type: ignore[attr-defined]

    def _raise_batch(self, records: list[logging.LogRecord]) -> None:
        raise OSError("disk on fire")

    def handle(self, record: logging.LogRecord) -> bool:
        raise OSError("disk on fire")

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - never reached
        raise AssertionError

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - stdlib name
        self.reported.append(record)


@pytest.fixture
def pipeline(logger: logging.Logger) -> Callable[..., AsyncQueueHandler]:
    """``pipeline(*targets, **options)``: an AsyncQueueHandler on ``logger``."""

    def make(*targets: logging.Handler, **options: Any) -> AsyncQueueHandler:
        handler = AsyncQueueHandler(handlers=list(targets), **options)
        logger.addHandler(handler)
        return handler

    return make


def _pipeline_stats(handler: AsyncQueueHandler) -> dict[str, Any]:
    name = handler._stats_name
    assert name is not None
    result: dict[str, Any] = ll.stats()["pipelines"][name]
    return result


class TestPrepare:
    def test_message_rendered_in_a_copy(self, logger: logging.Logger, pipeline: Any) -> None:
        """The queued copy has msg % args rendered; the original keeps msg and args."""
        target = BatchCollect()
        seen: list[logging.LogRecord] = []
        pipeline(target)

        class Spy(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                seen.append(record)

        logger.addHandler(Spy())
        logger.info("user %s logged in", 42)
        assert ll.flush(timeout=10)
        (queued,) = target.records
        assert ("user 42 logged in", None) == (queued.msg, queued.args)
        assert ("user %s logged in", (42,)) == (seen[0].msg, seen[0].args)
        assert seen[0].event_id == queued.event_id  # type: ignore[attr-defined]

    def test_exception_rendered_to_text(self, logger: logging.Logger, pipeline: Any) -> None:
        """exc_info becomes exc_text in the copy; the original keeps exc_info."""
        target = BatchCollect()
        handler = pipeline(target)
        try:
            raise ValueError("boom")
        except ValueError:
            record = logger.makeRecord(LOGGER, logging.ERROR, "f", 1, "failed", (), sys.exc_info())
        copy = handler.prepare(record)
        assert copy.exc_info is None
        assert "ValueError: boom" in copy.exc_text
        assert record.exc_info is not None

    def test_stack_info_kept(self, logger: logging.Logger, pipeline: Any) -> None:
        """stack_info travels as the text it already is."""
        target = BatchCollect()
        pipeline(target)
        logger.info("where", stack_info=True)
        assert ll.flush(timeout=10)
        assert "Stack (most recent call last)" in (target.records[0].stack_info or "")

    def test_formatter_formats_fully(self, logger: logging.Logger, pipeline: Any) -> None:
        """With a formatter on the handler, msg is the formatted line, as the stdlib does."""
        target = BatchCollect()
        handler = pipeline(target)
        handler.setFormatter(logging.Formatter("%(levelname)s|%(message)s"))
        logger.warning("x=%d", 1)
        assert ll.flush(timeout=10)
        assert ["WARNING|x=1"] == [r.msg for r in target.records]

    def test_dict_message_kept(self, logger: logging.Logger, pipeline: Any) -> None:
        """A dict message (python-json-logger's convention) is not turned into a string."""
        target = BatchCollect()
        pipeline(target)
        logger.info({"event": "login", "user": 1})
        assert ll.flush(timeout=10)
        assert {"event": "login", "user": 1} == target.records[0].msg

    def test_context_captured_at_call_site(self, logger: logging.Logger, pipeline: Any) -> None:
        """A filter behind the queue sees the caller's context, not the listener's."""
        seen: list[tuple[Any, str]] = []

        def spy(record: logging.LogRecord) -> bool:
            seen.append((dict(record.context), threading.current_thread().name))  # type: ignore[attr-defined]
            return True

        target = BatchCollect()
        target.addFilter(spy)
        pipeline(target)
        with ll.context(request_id="r-1"):
            logger.info("in request")
        assert ll.flush(timeout=10)
        assert [({"request_id": "r-1"}, "lite_logging-listener")] == seen


class TestOptions:
    @pytest.mark.parametrize(
        ("option", "value"),
        [
            ("policy", "drop_random"),
            ("maxsize", -1),
            ("maxsize", "10"),
            ("block_timeout", 0),
            ("batch_size", 0),
            ("flush_interval", -1.0),
        ],
    )
    def test_bad_option_names_key_and_value(self, option: str, value: Any) -> None:
        """A bad option fails at construction with its name and value in the message."""
        with pytest.raises(ValueError, match=rf'"{option}".*{value!r}'.replace("(", r"\(")):
            AsyncQueueHandler(handlers=[], **{option: value})

    def test_options_settable_later(self) -> None:
        """policy/maxsize/block_timeout are validated attributes (dictConfig's "." key)."""
        handler = AsyncQueueHandler(queue.SimpleQueue())
        handler.policy = "drop_oldest"
        handler.maxsize = 5
        with pytest.raises(ValueError, match='"policy"'):
            handler.policy = "nope"
        assert ("drop_oldest", 5) == (handler.policy, handler.maxsize)
        handler.close()

    def test_target_levels_apply_by_default(
        self, logger: logging.Logger, pipeline: Callable[..., AsyncQueueHandler]
    ) -> None:
        """With handlers=, a target's own level applies behind the queue, as without one."""
        warnings_only = BatchCollect(logging.WARNING)
        handler = pipeline(warnings_only)
        logger.info("info")
        logger.warning("warning")
        assert handler.flush(timeout=10)
        assert ["warning"] == warnings_only.messages

    def test_queue_without_handlers_is_a_plain_queue_handler(self) -> None:
        """Given a queue and no handlers, records are just put in that queue."""
        q: queue.Queue[Any] = queue.Queue()
        handler = AsyncQueueHandler(q)
        handler.handle(logging.makeLogRecord({"msg": "a %s", "args": ("b",)}))
        assert (None, "a b") == (handler.listener, q.get_nowait().msg)
        handler.close()


class TestPolicies:
    def _fill(
        self, logger: logging.Logger, pipeline: Any, policy: str, n: int
    ) -> tuple[Gated, AsyncQueueHandler]:
        target = Gated()
        handler = pipeline(target, maxsize=10, policy=policy)
        logger.info("0")
        assert target.entered.wait(10)  # the listener holds record 0 and waits
        for i in range(1, n + 1):
            logger.info("%d", i)
        return target, handler

    def test_drop_newest_keeps_the_first(self, logger: logging.Logger, pipeline: Any) -> None:
        """drop_newest: the queue stays at maxsize, later records are dropped and counted."""
        target, handler = self._fill(logger, pipeline, "drop_newest", 100)
        target.gate.set()
        assert handler.flush(timeout=10)
        stats = _pipeline_stats(handler)
        assert [str(i) for i in range(11)] == target.messages
        assert (101, 90, 11) == (stats["enqueued"], stats["dropped"], stats["delivered"])
        assert 10 == stats["max_queue_depth"]

    def test_drop_oldest_keeps_the_last(self, logger: logging.Logger, pipeline: Any) -> None:
        """drop_oldest: the oldest queued records are evicted, the newest 10 kept."""
        target, handler = self._fill(logger, pipeline, "drop_oldest", 100)
        target.gate.set()
        assert handler.flush(timeout=10)
        stats = _pipeline_stats(handler)
        assert ["0"] + [str(i) for i in range(91, 101)] == target.messages
        assert stats["enqueued"] == stats["delivered"] + stats["dropped"]
        assert 90 == stats["dropped"]

    def test_block_timeout_drops_after_waiting(self, logger: logging.Logger, pipeline: Any) -> None:
        """block with block_timeout: a record that found no room in time is counted dropped."""
        target = Gated()
        handler = pipeline(target, maxsize=1, block_timeout=0.01)
        logger.info("0")
        assert target.entered.wait(10)
        logger.info("1")  # queued
        logger.info("2")  # waits 10 ms, then dropped
        target.gate.set()
        assert handler.flush(timeout=10)
        assert (["0", "1"], 1) == (target.messages, handler.dropped)

    def test_block_waits_for_room(self, logger: logging.Logger, pipeline: Any) -> None:
        """block: a caller waits while the queue is full and loses nothing."""
        target = Gated()
        handler = pipeline(target, maxsize=2)
        logger.info("0")
        assert target.entered.wait(10)
        caller = threading.Thread(target=lambda: [logger.info("%d", i) for i in range(1, 6)])
        caller.start()
        target.gate.set()
        caller.join()
        assert handler.flush(timeout=10)
        assert [str(i) for i in range(6)] == target.messages
        assert 0 == handler.dropped

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        policy=st.sampled_from(["drop_newest", "drop_oldest"]),
        maxsize=st.integers(1, 20),
        n=st.integers(0, 60),
    )
    def test_counts_add_up(self, policy: str, maxsize: int, n: int) -> None:
        """Property: with a stalled listener, delivered + dropped == enqueued after flush."""
        target = Gated()
        handler = AsyncQueueHandler(handlers=[target], maxsize=maxsize, policy=policy)
        handler.handle(logging.makeLogRecord({"msg": "first"}))
        assert target.entered.wait(10)
        for i in range(n):
            handler.handle(logging.makeLogRecord({"msg": str(i)}))
        target.gate.set()
        assert handler.flush(timeout=10)
        stats = handler.stats()
        handler.close()
        assert n + 1 == stats["enqueued"]
        assert stats["enqueued"] == stats["delivered"] + stats["dropped"]
        assert max(0, n - maxsize) == stats["dropped"]
        assert stats["max_queue_depth"] <= maxsize


class TestListener:
    def test_batches_go_to_handle_batch(self, logger: logging.Logger) -> None:
        """Records queued together reach handle_batch as one list, at most batch_size."""
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        target, plain = BatchCollect(), Collect()
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
        warn = BatchCollect(logging.WARNING)
        no_secret = BatchCollect()
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
        bad, good = Failing(batch), BatchCollect()
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
        target = BatchCollect()
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
        target = BatchCollect()
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


class TestReentrancy:
    def test_handler_logging_per_record_does_not_loop(
        self, logger: logging.Logger, pipeline: Any
    ) -> None:
        """A handler that logs for each record: one level is written, the next dropped."""

        class Chatty(BatchCollect):
            def handle_batch(self, records: list[logging.LogRecord]) -> None:
                super().handle_batch(records)
                for record in records:
                    logger.info("saw %s", record.getMessage())

        target = Chatty()
        handler = pipeline(target)
        logger.info("a")
        assert handler.flush(timeout=10)
        stats = _pipeline_stats(handler)
        assert ["a", "saw a"] == target.messages
        assert (3, 1) == (stats["enqueued"], stats["dropped"])

    def test_full_queue_and_listener_logging(self, logger: logging.Logger, pipeline: Any) -> None:
        """block policy, full queue: a record logged by the listener's handler still lands."""

        class LogsOnce(Gated):
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

        class LogsOnFlush(BatchCollect):
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
        target = BatchCollect()
        handler = pipeline(target)
        handler.close()
        logger.info("late")
        assert (["late"], 0) == (target.messages, handler.dropped)


class TestConcurrency:
    def test_eight_threads_lose_nothing(self, logger: logging.Logger, pipeline: Any) -> None:
        """8 threads x 25k records, block: 200k JSON lines, unique ids, per-thread order."""
        target = JsonLines()
        handler = pipeline(target, maxsize=1000)
        per_thread = 25_000
        start = threading.Barrier(8)

        def work(n: int) -> None:
            start.wait()
            for i in range(per_thread):
                logger.info("r", extra={"t": n, "i": i})

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert handler.flush(timeout=120)
        stats = _pipeline_stats(handler)
        rows = [json.loads(line) for line in "".join(target.chunks).splitlines()]
        assert 8 * per_thread == len(rows)
        assert len(rows) == len({row["event_id"] for row in rows})
        for n in range(8):
            assert list(range(per_thread)) == [row["i"] for row in rows if row["t"] == n]
        assert (200_000, 200_000, 0) == (stats["enqueued"], stats["delivered"], stats["dropped"])
        assert 200_000 == stats["handlers"]["JsonLines"]["written"]


class TestModuleFunctions:
    def test_flush_times_out_while_a_handler_is_stuck(
        self, logger: logging.Logger, pipeline: Any
    ) -> None:
        """ll.flush(timeout) returns False while records are still held, True after."""
        target = Gated()
        pipeline(target)
        logger.info("held")
        assert target.entered.wait(10)
        assert ll.flush(timeout=0.01) is False
        target.gate.set()
        assert ll.flush(timeout=10) is True
        assert ["held"] == target.messages

    def test_shutdown_drains_then_writes_synchronously(
        self, logger: logging.Logger, pipeline: Any
    ) -> None:
        """ll.shutdown() writes what is queued and stops listeners; later records still land."""
        target = Gated()
        handler = pipeline(target)
        logger.info("queued")
        assert target.entered.wait(10)
        logger.info("also queued")
        target.gate.set()
        ll.shutdown()
        listener = handler.listener
        assert listener is not None
        assert (["queued", "also queued"], None) == (target.messages, listener._thread)
        logger.info("after")
        assert "after" == target.messages[-1]
        stats = handler.stats()
        assert (3, 3, 0) == (stats["enqueued"], stats["delivered"], stats["dropped"])


class TestStats:
    def test_layout(self, logger: logging.Logger, pipeline: Any) -> None:
        """stats() has the SPEC's keys, JSON-serializable, under the handler's name."""
        target = BatchCollect()
        handler = pipeline(target)
        handler.name = "tests.queueing.pipe"  # as dictConfig names it
        logger.info("x")
        assert ll.flush(timeout=10)
        stats = ll.stats()
        pipe = stats["pipelines"]["tests.queueing.pipe"]
        json.dumps(stats)
        assert [
            "enqueued",
            "dropped",
            "delivered",
            "queue_depth",
            "max_queue_depth",
            "batches",
            "handlers",
            "errors",
            "render_errors",
        ] == list(pipe)
        assert ["written", "errors", "handle_us", "busy_s"] == list(
            pipe["handlers"]["BatchCollect"]
        )
        assert ["p50", "p90", "p99", "max"] == list(pipe["handlers"]["BatchCollect"]["handle_us"])
        assert (1, 1, 1) == (pipe["enqueued"], pipe["delivered"], pipe["batches"])

    def test_handler_own_counters_win(self, logger: logging.Logger, pipeline: Any) -> None:
        """A handler reporting stats() has its written/errors numbers shown."""

        class Counting(BatchCollect):
            def stats(self) -> dict[str, Any]:
                return {"written": 7, "errors": 3}

        handler = pipeline(Counting())
        logger.info("x")
        assert handler.flush(timeout=10)
        numbers = _pipeline_stats(handler)["handlers"]["Counting"]
        assert (7, 3) == (numbers["written"], numbers["errors"])

    def test_latency_percentiles(self) -> None:
        """LatencyRecorder reports percentiles of recent samples and the max of all."""
        from lite_logging.metrics._registry import LatencyRecorder

        recorder = LatencyRecorder(size=100)
        recorder.add(5000.0)
        for i in range(1, 101):
            recorder.add(float(i))
        summary = recorder.summary()
        assert {"p50": 51.0, "p90": 91.0, "p99": 100.0, "max": 5000.0} == summary


@pytest.mark.filterwarnings("ignore:.*multi-threaded.*fork:DeprecationWarning")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
class TestFork:
    def test_parent_and_child_both_log(
        self, logger: logging.Logger, pipeline: Any, tmp_path: Path
    ) -> None:
        """After fork both processes log through their pipeline; nothing lost or doubled."""
        path = tmp_path / "fork.jsonl"
        target = ll.BatchFileHandler(path)
        handler = pipeline(target)
        for i in range(500):
            logger.info("before", extra={"i": i})
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                os.close(read_fd)
                for i in range(500):
                    logger.info("child", extra={"i": i})
                ok = handler.flush(timeout=30)
                os.write(write_fd, json.dumps([ok, handler.stats()["delivered"]]).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        for i in range(500):
            logger.info("parent", extra={"i": i})
        assert handler.flush(timeout=30)
        with os.fdopen(read_fd) as pipe:
            child_ok, child_delivered = json.loads(pipe.read())
        _, status = os.waitpid(pid, 0)
        target.close()
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        by_message = {
            m: [r["i"] for r in rows if r["message"] == m] for m in ("before", "child", "parent")
        }
        assert (0, True, 500) == (status, child_ok, child_delivered)
        assert {m: list(range(500)) for m in by_message} == by_message


class _Lazy:
    """A message object rendered by ``str()``."""

    def __str__(self) -> str:
        return "lazy text"


class _OwnMessage(logging.LogRecord):
    """A record class with its own ``getMessage``."""

    def getMessage(self) -> str:  # noqa: N802 - stdlib name
        return "own message"


def _record(kind: str) -> logging.LogRecord:
    if kind == "args":
        return logging.makeLogRecord({"msg": "user %s in %s", "args": (42, "eu")})
    if kind == "mapping":
        return logging.LogRecord(
            "x", logging.INFO, "f", 1, "%(a)s-%(b)s", ({"a": 1, "b": 2},), None
        )
    if kind == "plain":
        return logging.makeLogRecord({"msg": "no args"})
    if kind == "lazy":
        return logging.makeLogRecord({"msg": _Lazy()})
    if kind == "dict":
        return logging.makeLogRecord({"msg": {"event": "login"}})
    if kind == "subclass":
        return _OwnMessage("x", logging.INFO, "f", 1, "template %s", ("arg",), None)
    try:
        raise ValueError("boom")
    except ValueError:
        return logging.makeLogRecord({"msg": "failed", "exc_info": sys.exc_info()})


class TestFastPath:
    @pytest.mark.parametrize(
        "kind", ["args", "mapping", "plain", "lazy", "dict", "subclass", "exception"]
    )
    def test_queued_copy_equals_prepare(self, kind: str) -> None:
        """handle()'s fused path queues exactly what prepare() returns for the record."""
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        handler = AsyncQueueHandler(q)
        record = _record(kind)
        handler.handle(record)
        queued = q.get_nowait()
        expected = vars(handler.prepare(record))
        assert (expected, type(record)) == (vars(queued), type(queued))
        handler.close()

    @pytest.mark.parametrize("extra", [{}, {"context": {"own": 1}}, {"trace_id": "t" * 32}])
    def test_stamps_as_stamp_record(self, extra: dict[str, Any], empty_context: None) -> None:
        """The fused path stamps what stamp_record stamps: context, trace ids, extras win."""
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        handler = AsyncQueueHandler(q)
        with ll.context(tenant="acme"), ll.span("op"):
            fused = logging.makeLogRecord({"msg": "m", **extra})
            handler.handle(fused)
            reference = logging.makeLogRecord({"msg": "m", **extra})
            stamp_record(reference)
        handler.close()
        stamped = ("event_id", "context", "trace_id", "span_id")
        assert {k: reference.__dict__.get(k) for k in stamped if k != "event_id"} == {
            k: fused.__dict__.get(k) for k in stamped if k != "event_id"
        }
        assert [k in reference.__dict__ for k in stamped] == [k in fused.__dict__ for k in stamped]

    def test_hook_patched_on_the_class_later_is_called(self) -> None:
        """A hook replaced on the class after the handler was made is still called."""
        handler = AsyncQueueHandler(queue.SimpleQueue())
        with mock.patch.object(AsyncQueueHandler, "enqueue") as enqueue:
            handler.handle(logging.makeLogRecord({"msg": "x"}))
        assert 1 == enqueue.call_count
        handler.close()

    def test_hook_replaced_on_the_instance_is_called(self) -> None:
        """A hook set on the instance (a test's mock) is called instead of the fused path."""
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        handler = AsyncQueueHandler(q)
        seen: list[str] = []

        def prepare(record: logging.LogRecord) -> Any:
            seen.append(record.getMessage())
            return record

        handler.prepare = prepare  # type: ignore[method-assign]
        handler.handle(logging.makeLogRecord({"msg": "x"}))
        assert (["x"], 1) == (seen, q.qsize())
        handler.close()

    def test_subclass_hook_is_called(self) -> None:
        """A subclass overriding prepare() gets every record through it."""

        class Tagging(AsyncQueueHandler):
            def prepare(self, record: logging.LogRecord) -> Any:
                copy = super().prepare(record)
                copy.tag = "mine"
                return copy

        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        handler = Tagging(q)
        handler.handle(logging.makeLogRecord({"msg": "x"}))
        assert "mine" == q.get_nowait().tag
        handler.close()
