"""CPython's own QueueHandler/QueueListener tests, with our two classes substituted.

Ported from CPython v3.13.0 ``Lib/test/test_logging.py`` (PSF licence):
``QueueHandlerTest`` (test_queue_handler, test_formatting, test_queue_listener,
test_queue_listener_with_StreamHandler, test_queue_listener_with_multiple_handlers),
``QueueListenerTest`` (test_handle_called_with_queue_queue,
test_handle_called_with_mp_queue, test_no_messages_in_queue_after_stop,
test_calls_task_done_after_stop) and ``ConfigDictTest.test_config_queue_handler``
(with ``do_queuehandler_configuration``). Each test keeps the original's steps and
assertions; ``unittest`` asserts became plain ``assert``s, ``BaseTest``'s set-up became
the ``base`` fixture, and every ``logging.handlers.QueueHandler``/``QueueListener`` became
``AsyncQueueHandler``/``BatchingQueueListener``. ``repeat`` is 20 as in CPython.
"""

from __future__ import annotations

import copy
import importlib
import io
import itertools
import logging
import logging.config
import logging.handlers
import multiprocessing
import queue
import sys
import unittest
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock
from unittest.mock import patch

import pytest

from lite_logging.pipeline import AsyncQueueHandler, BatchingQueueListener

LOG_FORMAT = "%(name)s -> %(levelname)s: %(message)s"


class MatchingHandler(logging.Handler):
    """CPython's ``TestHandler(support.Matcher())``: keeps records, matches attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)
        self.buffer.append(record.__dict__)

    def matches(self, **kwargs: Any) -> bool:
        return any(all(d.get(k) == v for k, v in kwargs.items()) for d in self.buffer)


class Base:
    """CPython's ``BaseTest`` state: a root handler writing to a StringIO, a counter."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.root_formatter = logging.Formatter(LOG_FORMAT)
        self.root_hdlr = logging.StreamHandler(self.stream)
        self.root_hdlr.setFormatter(self.root_formatter)
        self.message_num = 0

    def next_message(self) -> str:
        self.message_num += 1
        return str(self.message_num)


@pytest.fixture
def base() -> Iterator[Base]:
    """Root at DEBUG with only ``root_hdlr``, as BaseTest.setUp; all restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    state = Base()
    for handler in saved_handlers:
        root.removeHandler(handler)
    root.setLevel(logging.DEBUG)
    root.addHandler(state.root_hdlr)
    yield state
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        if handler is not state.root_hdlr:
            handler.close()
    state.root_hdlr.close()
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)


class QueueFixture:
    """``QueueHandlerTest.setUp``: a 'que' logger at WARNING with our queue handler."""

    def __init__(self, base: Base) -> None:
        self.base = base
        self.queue: queue.Queue[Any] = queue.Queue(-1)
        self.que_hdlr = AsyncQueueHandler(self.queue)
        self.name = "que"
        self.que_logger = logging.getLogger("que")
        self.que_logger.propagate = False
        self.que_logger.setLevel(logging.WARNING)
        self.que_logger.addHandler(self.que_hdlr)


@pytest.fixture
def qt(base: Base) -> Iterator[QueueFixture]:
    """QueueHandlerTest's fixture; tearDown closes the handler and restores the logger."""
    state = QueueFixture(base)
    yield state
    state.que_hdlr.close()
    for handler in state.que_logger.handlers[:]:
        state.que_logger.removeHandler(handler)
    state.que_logger.propagate = True
    state.que_logger.setLevel(logging.NOTSET)


class TestQueueHandler:
    def test_queue_handler(self, qt: QueueFixture) -> None:
        """Records below the logger level never reach the queue; msg is merged, args None."""
        qt.que_logger.debug(qt.base.next_message())
        with pytest.raises(queue.Empty):
            qt.queue.get_nowait()
        qt.que_logger.info(qt.base.next_message())
        with pytest.raises(queue.Empty):
            qt.queue.get_nowait()
        msg = qt.base.next_message()
        qt.que_logger.warning(msg)
        data = qt.queue.get_nowait()
        assert isinstance(data, logging.LogRecord)
        assert qt.que_logger.name == data.name
        assert (msg, None) == (data.msg, data.args)

    def test_formatting(self, qt: QueueFixture) -> None:
        """A formatter on the queue handler formats msg and message before queueing."""
        msg = qt.base.next_message()
        levelname = logging.getLevelName(logging.WARNING)
        log_format_str = "{name} -> {levelname}: {message}"
        formatted_msg = log_format_str.format(name=qt.name, levelname=levelname, message=msg)
        formatter = logging.Formatter(LOG_FORMAT)
        qt.que_hdlr.setFormatter(formatter)
        qt.que_logger.warning(msg)
        log_record = qt.queue.get_nowait()
        assert formatted_msg == log_record.msg
        assert formatted_msg == log_record.message

    def test_queue_listener(self, qt: QueueFixture) -> None:
        """The listener hands records to its handler; respect_handler_level filters."""
        handler = MatchingHandler()
        listener = BatchingQueueListener(qt.queue, handler)
        listener.start()
        try:
            qt.que_logger.warning(qt.base.next_message())
            qt.que_logger.error(qt.base.next_message())
            qt.que_logger.critical(qt.base.next_message())
        finally:
            listener.stop()
            listener.stop()  # gh-114706 - ensure no crash if called again
        assert handler.matches(levelno=logging.WARNING, message="1")
        assert handler.matches(levelno=logging.ERROR, message="2")
        assert handler.matches(levelno=logging.CRITICAL, message="3")
        handler.close()

        # Now test with respect_handler_level set

        handler = MatchingHandler()
        handler.setLevel(logging.CRITICAL)
        listener = BatchingQueueListener(qt.queue, handler, respect_handler_level=True)
        listener.start()
        try:
            qt.que_logger.warning(qt.base.next_message())
            qt.que_logger.error(qt.base.next_message())
            qt.que_logger.critical(qt.base.next_message())
        finally:
            listener.stop()
        assert not handler.matches(levelno=logging.WARNING, message="4")
        assert not handler.matches(levelno=logging.ERROR, message="5")
        assert handler.matches(levelno=logging.CRITICAL, message="6")
        handler.close()

    def test_queue_listener_with_stream_handler(self, qt: QueueFixture) -> None:
        """Traceback and stack info appear once each (bpo-34334, bpo-46755)."""
        listener = BatchingQueueListener(qt.queue, qt.base.root_hdlr)
        listener.start()
        try:
            1 / 0  # noqa: B018 - the exception is the point
        except ZeroDivisionError as e:
            exc = e
            qt.que_logger.exception(qt.base.next_message(), exc_info=exc)
        qt.que_logger.error(qt.base.next_message(), stack_info=True)
        listener.stop()
        assert 1 == qt.base.stream.getvalue().strip().count("Traceback")
        assert 1 == qt.base.stream.getvalue().strip().count("Stack")

    def test_queue_listener_with_multiple_handlers(self, qt: QueueFixture) -> None:
        """The queue handler's formatter does not leak into other handlers (bpo-35726)."""
        qt.que_hdlr.setFormatter(qt.base.root_formatter)
        qt.que_logger.addHandler(qt.base.root_hdlr)

        listener = BatchingQueueListener(qt.queue, qt.que_hdlr)
        listener.start()
        qt.que_logger.error("error")
        listener.stop()
        assert "que -> ERROR: error" == qt.base.stream.getvalue().strip()


def setup_and_log(log_queue: Any, ident: str) -> None:
    """CPython's ``QueueListenerTest.setup_and_log``: five records, then stop."""
    logger = logging.getLogger(f"test_logger_with_id_{ident}")
    logger.setLevel(logging.DEBUG)
    handler = AsyncQueueHandler(log_queue)
    logger.addHandler(handler)
    listener = BatchingQueueListener(log_queue)
    listener.start()

    logger.info("one")
    logger.info("two")
    logger.info("three")
    logger.info("four")
    logger.info("five")

    listener.stop()
    logger.removeHandler(handler)
    handler.close()


def get_all_from_queue(log_queue: Any) -> Iterator[Any]:
    try:
        while True:
            yield log_queue.get_nowait()
    except queue.Empty:
        return


class TestQueueListener:
    """Based on the patch for issue #27930: the listener handles every record."""

    repeat = 20

    def test_handle_called_with_queue_queue(self, request: pytest.FixtureRequest) -> None:
        """handle() is called once per record with a queue.Queue."""
        with patch.object(BatchingQueueListener, "handle") as mock_handle:
            for i in range(self.repeat):
                log_queue: queue.Queue[Any] = queue.Queue()
                setup_and_log(log_queue, f"{request.node.name}_{i}")
        assert 5 * self.repeat == mock_handle.call_count

    def test_handle_called_with_mp_queue(self, request: pytest.FixtureRequest) -> None:
        """handle() is called once per record with a multiprocessing queue."""
        with patch.object(BatchingQueueListener, "handle") as mock_handle:
            for i in range(self.repeat):
                log_queue: Any = multiprocessing.Queue()
                setup_and_log(log_queue, f"{request.node.name}_{i}")
                log_queue.close()
                log_queue.join_thread()
        assert 5 * self.repeat == mock_handle.call_count

    def test_no_messages_in_queue_after_stop(self, request: pytest.FixtureRequest) -> None:
        """After stop() nothing but possibly the sentinel is left in the queue."""
        for i in range(self.repeat):
            mp_queue: Any = multiprocessing.Queue()
            setup_and_log(mp_queue, f"{request.node.name}_{i}")
            items = list(get_all_from_queue(mp_queue))
            mp_queue.close()
            mp_queue.join_thread()

            expected: list[list[Any]] = [[], [BatchingQueueListener._sentinel]]
            found = [m.msg if isinstance(m, logging.LogRecord) else m for m in items]
            assert items in expected, f"Found unexpected messages in queue: {found}"

    def test_calls_task_done_after_stop(self) -> None:
        """Issue 36813: task_done is called for every item, so queue.join cannot hang."""
        log_queue: queue.Queue[Any] = queue.Queue()
        listener = BatchingQueueListener(log_queue)
        listener.start()
        listener.stop()
        with pytest.raises(ValueError):  # noqa: PT011 - CPython's own assertion
            # Make sure all tasks are done and .join won't block.
            log_queue.task_done()


# -- ConfigDictTest.test_config_queue_handler (dictConfig's native keys, 3.12+) ------------


class CustomListener(logging.handlers.QueueListener):
    pass


class CustomQueue(queue.Queue):  # type: ignore[type-arg]
    pass


def queue_maker() -> queue.Queue[Any]:
    return queue.Queue()


def listener_maker(arg1: Any, arg2: Any, respect_handler_level: bool = False) -> Any:
    def func(queue: Any, *handlers: Any, **kwargs: Any) -> CustomListener:
        kwargs.setdefault("respect_handler_level", respect_handler_level)
        return CustomListener(queue, *handlers, **kwargs)

    return func


CONFIG_QUEUE_HANDLER: dict[str, Any] = {
    "version": 1,
    "handlers": {
        "h1": {"class": "logging.FileHandler"},
        # key is before depended on handlers to test that deferred config works
        "ah": {"class": "lite_logging.AsyncQueueHandler", "handlers": ["h1"]},
    },
    "root": {"level": "DEBUG", "handlers": ["ah"]},
}


def do_queuehandler_configuration(tmp_path: Path, qspec: Any, lspec: Any) -> None:
    cd = copy.deepcopy(CONFIG_QUEUE_HANDLER)
    fn = tmp_path / "test_logging-cqh.log"
    fn.unlink(missing_ok=True)
    cd["handlers"]["h1"]["filename"] = str(fn)
    if qspec is not None:
        cd["handlers"]["ah"]["queue"] = qspec
    if lspec is not None:
        cd["handlers"]["ah"]["listener"] = lspec
    qh = None
    try:
        logging.config.dictConfig(cd)
        qh = logging.getHandlerByName("ah")  # type: ignore[attr-defined]
        assert ["ah", "h1"] == sorted(logging.getHandlerNames())  # type: ignore[attr-defined]
        assert qh.listener is not None
        qh.listener.start()
        logging.debug("foo")
        logging.info("bar")
        logging.warning("baz")
        # CPython polls until the queue is empty, then joins it; join alone suffices.
        qh.listener.queue.join()
        assert ["foo", "bar", "baz"] == fn.read_text(encoding="utf-8").splitlines()
    finally:
        if qh:
            qh.listener.stop()
        h = logging.getHandlerByName("h1")  # type: ignore[attr-defined]
        if h:
            h.close()


@pytest.mark.skipif(sys.version_info < (3, 12), reason="dictConfig's QueueHandler keys: 3.12+")
class TestConfigQueueHandler:
    def test_config_queue_handler(self, base: Base, tmp_path: Path) -> None:
        """Every queue and listener spec configures a working pipeline; bad ones fail.

        CPython's ``CustomQueueProtocol`` values are left out: 3.12.1's dictConfig accepts
        only ``queue.Queue`` instances (that check was relaxed in 3.13).
        """
        name = __name__
        dqs = [{"()": f"{name}.CustomQueue", "maxsize": 10}]
        dl = {
            "()": f"{name}.listener_maker",
            "arg1": None,
            "arg2": None,
            "respect_handler_level": True,
        }
        qvalues = (None, f"{name}.queue_maker", f"{name}.CustomQueue", *dqs, CustomQueue())
        lvalues = (None, f"{name}.CustomListener", dl, CustomListener, BatchingQueueListener)
        for qspec, lspec in itertools.product(qvalues, lvalues):
            do_queuehandler_configuration(tmp_path, qspec, lspec)

        # Some failure cases
        qvalues = (None, 4, int, "", "foo")
        lvalues = (None, 4, int, "", "bar")
        for qspec, lspec in itertools.product(qvalues, lvalues):
            if lspec is None and qspec is None:
                continue
            with pytest.raises(ValueError) as ctx:  # noqa: PT011 - message checked below
                do_queuehandler_configuration(tmp_path, qspec, lspec)
            assert "Unable to configure handler 'ah'" == str(ctx.value)


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
