"""AsyncQueueHandler in the caller's thread: prepare(), options, hooks, many threads,
close() racing producers, hostile messages, a raising formatter, config errors."""

from __future__ import annotations

import json
import logging
import logging.config
import logging.handlers
import queue
import sys
import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from pipeline_support import BatchCollect, JsonLines, Reporting, exact, pipeline_stats

import lite_logging as ll
from lite_logging.pipeline import AsyncQueueHandler
from lite_logging.record.stamping import stamp_record

LOGGER = "tests.pipeline_handler"  # the name of conftest's `logger`
PIPELINE_CLASS = Reporting  # what conftest's `pipeline` makes


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

    def test_keep_exc_info(self, logger: logging.Logger, pipeline: Any) -> None:
        """keep_exc_info=True: the copy keeps the exception object besides its text, and the
        target gets it (RichHandler draws its rich traceback from it)."""
        target = BatchCollect()
        pipeline(target, keep_exc_info=True)
        try:
            raise ValueError("boom")
        except ValueError as exc:
            raised = exc
            logger.exception("failed")
        assert ll.flush(timeout=10)
        (queued,) = target.records
        assert queued.exc_info is not None
        assert raised is queued.exc_info[1]
        assert "ValueError: boom" in queued.exc_text

    def test_keep_exc_info_must_be_a_bool(self) -> None:
        """A keep_exc_info that is not a bool fails at construction, naming it."""
        with pytest.raises(ValueError, match="\"keep_exc_info\" must be a bool: 'yes'"):
            AsyncQueueHandler(keep_exc_info="yes")  # type: ignore[arg-type]

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
            ("policy", None),
            ("maxsize", True),
            ("block_timeout", 0),
            ("block_timeout", True),
            ("block_timeout", float("nan")),
            ("batch_size", 0),
            ("batch_size", True),
            ("flush_interval", -1.0),
            ("flush_interval", True),
            ("flush_interval", float("inf")),
            ("keep_exc_info", 1),
        ],
    )
    def test_bad_option_names_key_and_value(self, option: str, value: Any) -> None:
        """A bad option fails at construction with its name and value in the message."""
        with pytest.raises(ValueError, match=rf'"{option}".*{value!r}'.replace("(", r"\(")):
            AsyncQueueHandler(handlers=[], **{option: value})

    @pytest.mark.parametrize(("option", "value"), [("batch_size", 0), ("flush_interval", True)])
    def test_listener_options_checked_without_a_listener(self, option: str, value: Any) -> None:
        """With a queue and no handlers (the user runs the listener) a bad listener option
        is refused all the same, not silently unused."""
        with pytest.raises(ValueError, match=f'"{option}"'):
            AsyncQueueHandler(queue.SimpleQueue(), **{option: value})

    def test_infinite_block_timeout_waits_as_none(self) -> None:
        """block_timeout=inf is accepted: the block policy waits as long as with None."""
        handler = AsyncQueueHandler(queue.SimpleQueue(), block_timeout=float("inf"))
        assert float("inf") == handler.block_timeout
        handler.close()

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


class TestHooks:
    @pytest.mark.parametrize(
        "kind", ["args", "mapping", "plain", "lazy", "dict", "subclass", "exception"]
    )
    def test_queued_copy_equals_prepare(self, kind: str) -> None:
        """handle() queues exactly what prepare() returns for the record."""
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
        """handle() stamps what stamp_record stamps: context, trace ids, extras win."""
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        handler = AsyncQueueHandler(q)
        with ll.context(tenant="acme"), ll.span("op"):
            handled = logging.makeLogRecord({"msg": "m", **extra})
            handler.handle(handled)
            reference = logging.makeLogRecord({"msg": "m", **extra})
            stamp_record(reference)
        handler.close()
        stamped = ("event_id", "context", "trace_id", "span_id")
        assert {k: reference.__dict__.get(k) for k in stamped if k != "event_id"} == {
            k: handled.__dict__.get(k) for k in stamped if k != "event_id"
        }
        present = [k in handled.__dict__ for k in stamped]
        assert [k in reference.__dict__ for k in stamped] == present

    def test_hook_patched_on_the_class_later_is_called(self) -> None:
        """A hook replaced on the class after the handler was made is still called."""
        handler = AsyncQueueHandler(queue.SimpleQueue())
        with mock.patch.object(AsyncQueueHandler, "enqueue") as enqueue:
            handler.handle(logging.makeLogRecord({"msg": "x"}))
        assert 1 == enqueue.call_count
        handler.close()

    def test_hook_replaced_on_the_instance_is_called(self) -> None:
        """A hook set on the instance (a test's mock) is called."""
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

    def test_subclass_emit_is_called(self) -> None:
        """A subclass overriding emit() gets every record through it, after the filters."""

        class Counting(AsyncQueueHandler):
            emitted = 0

            def emit(self, record: logging.LogRecord) -> None:
                self.emitted += 1
                super().emit(record)

        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        handler = Counting(q)
        handler.addFilter(lambda record: record.msg != "dropped")
        handler.handle(logging.makeLogRecord({"msg": "x"}))
        handler.handle(logging.makeLogRecord({"msg": "dropped"}))
        assert (1, 1) == (handler.emitted, q.qsize())
        handler.close()

    def test_hook_patched_on_the_instance_is_called(self) -> None:
        """mock.patch.object on the instance: handle() calls the mock."""
        handler = AsyncQueueHandler(queue.SimpleQueue())
        with mock.patch.object(handler, "enqueue") as enqueue:
            handler.handle(logging.makeLogRecord({"msg": "x"}))
        assert 1 == enqueue.call_count
        handler.close()


class TestConcurrency:
    # the load run (200k records, ~20 s) on one Python in CI; 20k records everywhere
    @pytest.mark.parametrize("per_thread", [2_500, pytest.param(25_000, marks=pytest.mark.heavy)])
    def test_eight_threads_lose_nothing(
        self, logger: logging.Logger, pipeline: Any, per_thread: int
    ) -> None:
        """8 threads x N records, block: 8N JSON lines, unique ids, per-thread order."""
        target = JsonLines()
        handler = pipeline(target, maxsize=1000)
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
        stats = pipeline_stats(handler)
        rows = [json.loads(line) for line in "".join(target.chunks).splitlines()]
        total = 8 * per_thread
        assert total == len(rows)
        assert len(rows) == len({row["event_id"] for row in rows})
        for n in range(8):
            assert list(range(per_thread)) == [row["i"] for row in rows if row["t"] == n]
        assert (total, total, 0) == (stats["enqueued"], stats["delivered"], stats["dropped"])
        assert total == stats["handlers"]["JsonLines"]["written"]


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
        assert (["late"], (1, 1, 0)) == (target.messages, exact(handler))

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
            enqueued, delivered, dropped = exact(handler)
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
