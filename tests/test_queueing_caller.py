"""AsyncQueueHandler in the caller's thread: re-entry from signal handlers, interruptions,
close() racing producers, hostile messages, a raising formatter, config errors, and
CPython's own QueueHandler/QueueListener tests with our classes substituted."""

from __future__ import annotations

import importlib
import json
import logging
import logging.config
import logging.handlers
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import unittest
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from conftest import ListHandler

import lite_logging as ll
from lite_logging.pipeline import AsyncQueueHandler, BatchingQueueListener

LOGGER = "tests.queueing_caller"  # the name of conftest's `logger`
POLICIES = ["block", "drop_newest", "drop_oldest"]


class BatchCollect(ListHandler):
    """Keeps every record, taking them a batch at a time."""

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
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


class Reporting(AsyncQueueHandler):
    """An AsyncQueueHandler that keeps what reached ``handleError`` instead of printing."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - stdlib name
        self.reported.append((record, sys.exc_info()[0]))

    @property
    def reported(self) -> list[tuple[logging.LogRecord, Any]]:
        """(record, exception type) per report."""
        return self.__dict__.setdefault("_reported", [])


@pytest.fixture
def pipeline(logger: logging.Logger) -> Callable[..., AsyncQueueHandler]:
    """``pipeline(*targets, **options)``: a ``Reporting`` AsyncQueueHandler on ``logger``."""

    def make(*targets: logging.Handler, **options: Any) -> AsyncQueueHandler:
        handler = Reporting(handlers=list(targets), **options)
        logger.addHandler(handler)
        return handler

    return make


def _exact(handler: AsyncQueueHandler) -> tuple[int, int, int]:
    stats = handler.stats()
    return stats["enqueued"], stats["delivered"], stats["dropped"]


_SIGNAL_SCRIPT = textwrap.dedent(
    """
    import json, logging, os, signal, sys, threading
    from lite_logging.pipeline import AsyncQueueHandler

    policy = sys.argv[1]
    entered, gate = threading.Event(), threading.Event()
    written = []

    class Gated(logging.Handler):
        def emit(self, record):
            pass
        def handle_batch(self, records):
            entered.set()
            gate.wait()
            written.extend(r.getMessage() for r in records)

    log = logging.getLogger("sig")
    log.propagate = False
    handler = AsyncQueueHandler(handlers=[Gated()], maxsize=2, policy=policy)
    log.addHandler(handler)
    state = {"armed": False, "inside": False, "calls": 0, "flushed": None}

    def on_signal(signum, frame):
        if not state["armed"] or state["inside"]:
            return  # a signal arriving while this handler runs: no unbounded nesting
        state["inside"] = True
        state["calls"] += 1
        log.warning("from signal %d", state["calls"])
        if state["calls"] == 20:
            state["armed"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            gate.set()
            state["flushed"] = handler.flush(timeout=30)  # as a SIGTERM drain does
        state["inside"] = False

    signal.signal(signal.SIGALRM, on_signal)
    log.warning("first")
    entered.wait()
    state["armed"] = True
    signal.setitimer(signal.ITIMER_REAL, 0.002, 0.001)
    i = 0
    while state["armed"]:  # the queue is full: every call takes the slow path
        log.warning("main %d", i)
        i += 1
    assert handler.flush(timeout=30)
    stats = handler.stats()
    print(json.dumps({"stats": stats, "written": written, "flushed": state["flushed"]}))
    """
)


class TestSignalReentry:
    @pytest.mark.parametrize("policy", POLICIES)
    def test_signal_handler_logging_on_a_full_queue_never_deadlocks(
        self, policy: str, tmp_path: Path
    ) -> None:
        """A signal handler logging (and flushing) while the main thread is on a full queue:
        nothing hangs, and every record is delivered or counted dropped."""
        script = tmp_path / "sig.py"
        script.write_text(_SIGNAL_SCRIPT)
        try:
            proc = subprocess.run(
                [sys.executable, str(script), policy],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{policy}: logging from a signal handler deadlocked")
        assert 0 == proc.returncode, proc.stderr
        result = json.loads(proc.stdout)
        stats = result["stats"]
        signal_lines = [m for m in result["written"] if m.startswith("from signal")]
        assert True is result["flushed"]
        assert stats["enqueued"] == stats["delivered"] + stats["dropped"]
        assert stats["delivered"] == len(result["written"])
        if policy == "block":
            assert (0, 20) == (stats["dropped"], len(signal_lines))


def _log_many(logger: logging.Logger) -> None:
    for i in range(1, 1000):
        logger.info("%d", i)


class TestInterruption:
    @pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs signal.setitimer")
    def test_keyboard_interrupt_while_blocked_keeps_counts_exact(
        self, logger: logging.Logger, pipeline: Any
    ) -> None:
        """Ctrl-C while blocked on a full queue propagates; the record is counted dropped."""
        target = Gated()
        handler = pipeline(target, maxsize=2)

        def interrupt(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGALRM, interrupt)
        try:
            logger.info("0")
            assert target.entered.wait(10)
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            with pytest.raises(KeyboardInterrupt):
                _log_many(logger)  # 1 and 2 are queued, 3 blocks until interrupted
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        target.gate.set()
        assert handler.flush(timeout=10)
        enqueued, delivered, dropped = _exact(handler)
        assert enqueued == delivered + dropped
        assert (delivered, 1) == (len(target.records), dropped)


class SlowPut(queue.Queue):  # type: ignore[type-arg]
    """A queue whose ``put_nowait`` of the record "late" waits for ``gate`` first."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.gate = threading.Event()

    def put_nowait(self, item: Any) -> None:
        if getattr(item, "msg", None) == "late":
            self.entered.set()
            self.gate.wait()
        super().put_nowait(item)


class TestCloseRace:
    def test_record_put_after_the_listener_stopped_is_written(self, logger: logging.Logger) -> None:
        """A record accepted before close() but put after the listener drained is written."""
        q = SlowPut()
        target = BatchCollect()
        handler = AsyncQueueHandler(q, handlers=[target])
        logger.addHandler(handler)
        caller = threading.Thread(target=logger.info, args=("late",))
        caller.start()
        assert q.entered.wait(10)  # accepted, not yet in the queue
        handler.close()  # the listener drains and stops without it
        q.gate.set()
        caller.join()
        logger.removeHandler(handler)
        assert (["late"], (1, 1, 0)) == (target.messages, _exact(handler))

    def test_records_logged_while_close_runs_are_written(self, logger: logging.Logger) -> None:
        """Threads logging through close(): every accepted record is written or counted."""
        for _ in range(5):
            target = BatchCollect()
            handler = AsyncQueueHandler(handlers=[target])
            logger.addHandler(handler)
            start = threading.Barrier(5)

            def spam(start: threading.Barrier = start) -> None:
                start.wait()
                for i in range(300):
                    logger.info("r %d", i)

            threads = [threading.Thread(target=spam) for _ in range(4)]
            for t in threads:
                t.start()
            start.wait()
            handler.close()
            for t in threads:
                t.join()
            logger.removeHandler(handler)
            enqueued, delivered, dropped = _exact(handler)
            assert (1200, 1200, 0) == (enqueued, delivered + dropped, dropped)
            assert 1200 == len(target.records)


class _StrRaises:
    def __str__(self) -> str:
        raise RuntimeError("no str for you")

    def __repr__(self) -> str:
        return "<StrRaises>"


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


HOSTILE = {
    "int-format-of-str": ("%d", ("x",)),
    "missing-argument": ("%s %s", ("one",)),
    "str-raises": ("value %s", (_StrRaises(),)),
    "int-too-long": ("%d", (10**5000,)),
    "deep-nesting": ("%s", (_nested(10_000),)),
}


class TestHostileMessages:
    @pytest.mark.parametrize("case", list(HOSTILE))
    def test_record_delivered_with_message_error(
        self, case: str, logger: logging.Logger, pipeline: Any
    ) -> None:
        """A message that cannot render is delivered raw with message_error, counted and
        reported once; the stdlib QueueHandler loses the same record."""
        msg, args = HOSTILE[case]
        logger.handlers.clear()  # pytest's capture handlers would raise on this record
        target = BatchCollect()
        handler = pipeline(target)
        control_queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        control = logging.handlers.QueueHandler(control_queue)
        control.handleError = lambda record: None  # type: ignore[method-assign]
        logger.addHandler(control)
        logger.info(msg, *args)  # never raises here
        assert handler.flush(timeout=10)
        (record,) = target.records
        stats = handler.stats()
        assert (msg, msg, None) == (record.msg, record.message, record.args)
        assert "error" in record.message_error  # type: ignore[attr-defined]
        assert (1, 1, 0) == (stats["render_errors"], stats["delivered"], stats["dropped"])
        assert [record.event_id] == [r.event_id for r, _ in handler.reported]  # type: ignore[attr-defined]
        assert control_queue.empty()  # the stdlib's QueueHandler lost it

    def test_raising_formatter_falls_back_to_the_message(
        self, logger: logging.Logger, pipeline: Any
    ) -> None:
        """A formatter on the handler that raises: the record goes on unformatted, counted."""

        class Broken(logging.Formatter):
            def format(self, record: logging.LogRecord) -> str:
                raise ValueError("formatter bug")

        target = BatchCollect()
        handler = pipeline(target)
        handler.setFormatter(Broken())
        logger.info("user %s", 42)
        assert handler.flush(timeout=10)
        stats = handler.stats()
        assert ["user 42"] == [r.message for r in target.records]  # type: ignore[attr-defined]
        assert (1, 1) == (stats["render_errors"], stats["delivered"])
        assert [ValueError] == [exc for _, exc in handler.reported]


class TestConformance:
    @pytest.mark.parametrize("formatter", [None, logging.Formatter("%(message)s")])
    def test_prepared_record_carries_message(self, formatter: Any) -> None:
        """prepare() sets message as QueueHandler.prepare does (with or without formatter)."""
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        ours, stdlib = AsyncQueueHandler(q), logging.handlers.QueueHandler(q)
        ours.setFormatter(formatter)
        stdlib.setFormatter(formatter)
        for plain in ({"msg": "a %s", "args": ("b",)}, {"msg": "plain"}):
            for handler in (ours, stdlib):
                handler.handle(logging.makeLogRecord(plain))
            mine, theirs = q.get_nowait(), q.get_nowait()
            assert (theirs.msg, theirs.message) == (mine.msg, mine.message)
        ours.close()


class TestConfigErrors:
    def test_handlers_as_a_string_is_an_error(self, restore_logging: None) -> None:
        """ "handlers": "file" raises at configuration time instead of reading f, i, l, e."""
        config = {
            "version": 1,
            "handlers": {
                "file": {"class": "logging.NullHandler"},
                "queue": {"()": "lite_logging.AsyncQueueHandler", "handlers": "file"},
            },
        }
        with pytest.raises(ValueError, match="handler 'queue'") as info:
            logging.config.dictConfig(config)
        assert "\"handlers\" must be a list of handlers or handler names: 'file'" in str(
            info.value.__cause__
        )

    def test_undefined_name_is_an_error(self, restore_logging: None) -> None:
        """A name the configuration does not define raises at configuration time."""
        config = {
            "version": 1,
            "handlers": {
                "queue": {"()": "lite_logging.AsyncQueueHandler", "handlers": ["nonexistent"]},
            },
        }
        with pytest.raises(ValueError, match="handler 'queue'") as info:
            logging.config.dictConfig(config)
        expected = "\"handlers\" names 'nonexistent', which the configuration does not define"
        assert expected == str(info.value.__cause__)

    def test_defined_names_still_resolve_lazily(self, restore_logging: None) -> None:
        """A target that sorts after the queue handler is found on first use."""
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "handlers": {
                    "a_queue": {"()": "lite_logging.AsyncQueueHandler", "handlers": ["z_sink"]},
                    "z_sink": {"()": "conftest.ListHandler"},
                },
                "loggers": {LOGGER: {"handlers": ["a_queue"], "level": "INFO"}},
            }
        )
        logging.getLogger(LOGGER).info("found")
        assert ll.flush(timeout=10)
        sink = logging._handlers["z_sink"]  # type: ignore[attr-defined]
        assert ["found"] == sink.messages

    def test_unregistered_name_outside_dictconfig_is_an_error(self) -> None:
        """Outside dictConfig a name must be a registered handler."""
        with pytest.raises(ValueError, match="'nowhere', which is not a registered handler"):
            AsyncQueueHandler(handlers=["nowhere"])


# -- CPython's own tests, with AsyncQueueHandler/BatchingQueueListener substituted -------

try:
    cpython_logging_tests: Any = importlib.import_module("test.test_logging")
except ImportError:  # a Python built without its test package
    cpython_logging_tests = None

needs_cpython_tests = pytest.mark.skipif(
    cpython_logging_tests is None, reason="test.test_logging is not installed"
)


@pytest.fixture
def substituted() -> Iterator[None]:
    """logging.handlers.QueueHandler/QueueListener are ours for the test's duration."""
    with (
        mock.patch.object(logging.handlers, "QueueHandler", AsyncQueueHandler),
        mock.patch.object(logging.handlers, "QueueListener", BatchingQueueListener),
    ):
        yield


def _run_cpython(case: str, name: str) -> unittest.TestResult:
    """Run one CPython test; the root logger has no handlers meanwhile (BaseTest.setUp
    insists, and pytest adds its capture handlers during the test)."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()
    try:
        test = getattr(cpython_logging_tests, case)(name)
        result = unittest.TestResult()
        test.run(result)
    finally:
        root.handlers[:] = saved
    return result


# Not run here: QueueListenerTest.test_handle_called_with_queue_queue and ..._mp_queue
# decorate with ``patch.object(logging.handlers.QueueListener, "handle")``, which binds the
# stdlib class when test_logging is imported, so the mock never sees our listener (which
# defines its own ``handle``); tests/test_cpython_queue.py ports both with ours patched.
CPYTHON_CASES = [
    ("QueueHandlerTest", "test_queue_handler"),
    ("QueueHandlerTest", "test_formatting"),
    ("QueueHandlerTest", "test_queue_listener"),
    ("QueueHandlerTest", "test_queue_listener_with_StreamHandler"),
    ("QueueHandlerTest", "test_queue_listener_with_multiple_handlers"),
    ("QueueListenerTest", "test_no_messages_in_queue_after_stop"),
    ("QueueListenerTest", "test_calls_task_done_after_stop"),
]


@needs_cpython_tests
class TestCPythonSuite:
    @pytest.mark.parametrize(("case", "name"), CPYTHON_CASES)
    def test_passes_with_our_classes(self, case: str, name: str, substituted: None) -> None:
        """CPython's own QueueHandler/QueueListener test passes with our two classes."""
        result = _run_cpython(case, name)
        problems = [text for _, text in result.errors + result.failures]
        assert ([], []) == (problems, [reason for _, reason in result.skipped])
