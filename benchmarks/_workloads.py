"""The benchmark workloads: one builder per library, each in its documented fast configuration.

Every builder returns a :class:`Setup`: a ``loop(start, stop)`` that logs records
``start..stop-1`` with the library's idiomatic call and ambient context and returns the
nanoseconds spent in the loop on the calling thread, a ``loop_debug`` doing the same with a
disabled debug call, and a ``finish()`` that returns once every record is on disk.

The workload is the same for all::

    logger.info("user %s logged in", i, extra={"user_id": i, "path": "/api/items"})

with ambient context ``{"request_id": "req-1", "tenant": "acme"}`` bound the library's way,
one JSON object per line to a file. Imports of optional libraries happen inside builders,
so a missing library only makes its own rows unavailable.
"""

from __future__ import annotations

import contextvars
import logging
import logging.handlers
import queue
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import Any

__all__ = ["BUILDERS", "CONTEXT", "FORMATTERS", "Setup"]

CONTEXT = {"request_id": "req-1", "tenant": "acme"}
"""The ambient context every workload binds; the correctness check looks for it."""

MESSAGE = "user %s logged in"
PATH = "/api/items"
LOGGER_NAME = "bench.app"


@dataclass
class Setup:
    """One configured library, ready to log."""

    loop: Callable[[int, int], int]
    loop_debug: Callable[[int, int], int]
    finish: Callable[[], None]
    path: str | None = None  # the JSON-lines file the records go to; None for floors
    extra_checks: dict[str, Any] = field(default_factory=dict)


def _fresh_logger() -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    for filter_ in list(logger.filters):
        logger.removeFilter(filter_)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def _stdlib_loops(
    logger: logging.Logger, bind: Callable[[], None]
) -> tuple[Callable[[int, int], int], Callable[[int, int], int]]:
    """The stdlib-logger loops, shared by stdlib, python-json-logger and lite_logging rows."""

    def loop(start: int, stop: int) -> int:
        bind()
        info = logger.info
        t0 = perf_counter_ns()
        for i in range(start, stop):
            info(MESSAGE, i, extra={"user_id": i, "path": PATH})
        return perf_counter_ns() - t0

    def loop_debug(start: int, stop: int) -> int:
        bind()
        debug = logger.debug
        t0 = perf_counter_ns()
        for i in range(start, stop):
            debug(MESSAGE, i, extra={"user_id": i, "path": PATH})
        return perf_counter_ns() - t0

    return loop, loop_debug


# --- floors: what CPython itself costs ----------------------------------------------------


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


def build_floor_call(path: str, opts: dict[str, Any]) -> Setup:
    """An empty Python function called with the workload's arguments (extra dict included)."""

    def loop(start: int, stop: int) -> int:
        noop = _noop
        t0 = perf_counter_ns()
        for i in range(start, stop):
            noop(MESSAGE, i, extra={"user_id": i, "path": PATH})
        return perf_counter_ns() - t0

    return Setup(loop, loop, lambda: None)


def build_floor_makerecord(path: str, opts: dict[str, Any]) -> Setup:
    """``Logger.makeRecord`` alone, with the workload's message, args and extra."""
    logger = _fresh_logger()

    def loop(start: int, stop: int) -> int:
        make = logger.makeRecord
        info = logging.INFO
        t0 = perf_counter_ns()
        for i in range(start, stop):
            make(
                LOGGER_NAME,
                info,
                __file__,
                1,
                MESSAGE,
                (i,),
                None,
                None,
                {"user_id": i, "path": PATH},
            )
        return perf_counter_ns() - t0

    return Setup(loop, loop, lambda: None)


class _NullHandler(logging.Handler):
    """A handler that does nothing: what stdlib's own path costs (``logging.NullHandler``
    overrides ``handle`` and skips the handler lock and filters, so it is not used here)."""

    def emit(self, record: logging.LogRecord) -> None:
        """Drop the record."""


def build_floor_null_handler(path: str, opts: dict[str, Any]) -> Setup:
    """``logger.info`` through one handler that does nothing: the stdlib path every
    stdlib-based library pays (findCaller, makeRecord, handler lock), before its own work."""
    logger = _fresh_logger()
    logger.addHandler(_NullHandler())
    loop, loop_debug = _stdlib_loops(logger, _std_bind)
    return Setup(loop, loop_debug, lambda: None)


# --- stdlib + python-json-logger -----------------------------------------------------------

_std_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "bench_context", default=None
)


def _std_bind() -> None:
    _std_context.set(dict(CONTEXT))


class StdlibContextFilter(logging.Filter):
    """Plain stdlib's idiom for ambient context: a Filter copying a contextvar onto the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the context's keys as record attributes; keep the record."""
        ctx = _std_context.get()
        if ctx:
            record.__dict__.update(ctx)
        return True


def _pjl_formatter(use_orjson: bool) -> logging.Formatter:
    fmt = "%(asctime)s %(levelname)s %(name)s %(message)s"
    if use_orjson:
        from pythonjsonlogger.orjson import OrjsonFormatter

        return OrjsonFormatter(fmt)
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(fmt)


def build_stdlib(path: str, opts: dict[str, Any]) -> Setup:
    """stdlib ``FileHandler`` + python-json-logger's ``JsonFormatter`` (the common setup)."""
    logger = _fresh_logger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(_pjl_formatter(use_orjson=False))
    handler.addFilter(StdlibContextFilter())
    logger.addHandler(handler)
    loop, loop_debug = _stdlib_loops(logger, _std_bind)

    def finish() -> None:
        handler.close()

    return Setup(loop, loop_debug, finish, path)


def _build_stdlib_queue(path: str, use_orjson: bool, opts: dict[str, Any]) -> Setup:
    logger = _fresh_logger()
    target = logging.FileHandler(path, encoding="utf-8")
    target.setFormatter(_pjl_formatter(use_orjson))
    q: queue.Queue[logging.LogRecord] = queue.Queue(-1)  # the stdlib recipe: unbounded
    handler = logging.handlers.QueueHandler(q)
    handler.addFilter(StdlibContextFilter())  # context is read in the caller's thread
    listener = logging.handlers.QueueListener(q, target, respect_handler_level=True)
    deferred = opts.get("defer_listener", False)
    if not deferred:
        listener.start()
    logger.addHandler(handler)
    loop, loop_debug = _stdlib_loops(logger, _std_bind)

    def finish() -> None:
        if deferred:  # caller-only: the records wait in the queue until now
            listener.start()
        listener.stop()
        target.close()
        handler.close()

    return Setup(loop, loop_debug, finish, path)


def build_stdlib_queue(path: str, opts: dict[str, Any]) -> Setup:
    """stdlib ``QueueHandler``/``QueueListener`` -> ``FileHandler`` + python-json-logger JSON."""
    return _build_stdlib_queue(path, False, opts)


def build_stdlib_queue_orjson(path: str, opts: dict[str, Any]) -> Setup:
    """As ``stdlib-queue``, with python-json-logger's ``OrjsonFormatter``."""
    return _build_stdlib_queue(path, True, opts)


# --- structlog ------------------------------------------------------------------------------


def build_structlog(path: str, opts: dict[str, Any]) -> Setup:
    """structlog's documented performance recipe: orjson, ``BytesLoggerFactory``, cached loggers."""
    import orjson
    import structlog

    out = open(path, "wb")  # noqa: SIM115 - closed by finish()
    structlog.reset_defaults()
    structlog.configure(
        cache_logger_on_first_use=True,
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.format_exc_info,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(serializer=orjson.dumps),
        ],
        logger_factory=structlog.BytesLoggerFactory(out),
    )
    log = structlog.get_logger(LOGGER_NAME)

    def loop(start: int, stop: int) -> int:
        structlog.contextvars.bind_contextvars(**CONTEXT)
        info = log.info
        t0 = perf_counter_ns()
        for i in range(start, stop):
            info(MESSAGE, i, user_id=i, path=PATH)
        return perf_counter_ns() - t0

    def loop_debug(start: int, stop: int) -> int:
        structlog.contextvars.bind_contextvars(**CONTEXT)
        debug = log.debug
        t0 = perf_counter_ns()
        for i in range(start, stop):
            debug(MESSAGE, i, user_id=i, path=PATH)
        return perf_counter_ns() - t0

    def finish() -> None:
        out.flush()
        out.close()

    return Setup(loop, loop_debug, finish, path)


# --- loguru ---------------------------------------------------------------------------------


def _build_loguru(path: str, enqueue: bool) -> Setup:
    from loguru import logger

    logger.remove()
    logger.add(path, serialize=True, enqueue=enqueue, level="INFO")

    def loop(start: int, stop: int) -> int:
        with logger.contextualize(**CONTEXT):
            info = logger.info
            t0 = perf_counter_ns()
            for i in range(start, stop):
                info("user {} logged in", i, user_id=i, path=PATH)
            return perf_counter_ns() - t0

    def loop_debug(start: int, stop: int) -> int:
        with logger.contextualize(**CONTEXT):
            debug = logger.debug
            t0 = perf_counter_ns()
            for i in range(start, stop):
                debug("user {} logged in", i, user_id=i, path=PATH)
            return perf_counter_ns() - t0

    def finish() -> None:
        logger.complete()
        logger.remove()

    return Setup(loop, loop_debug, finish, path)


def build_loguru(path: str, opts: dict[str, Any]) -> Setup:
    """loguru, file sink with ``serialize=True`` (JSON), synchronous."""
    return _build_loguru(path, enqueue=False)


def build_loguru_enqueue(path: str, opts: dict[str, Any]) -> Setup:
    """loguru, file sink with ``serialize=True`` and ``enqueue=True`` (its queue and thread)."""
    return _build_loguru(path, enqueue=True)


# --- lite_logging ---------------------------------------------------------------------------


def _lite(*names: str) -> Any:
    """``lite_logging``, or ImportError (the row is "unavailable") while a piece has not landed."""
    import lite_logging as ll

    missing = [name for name in names if not hasattr(ll, name)]
    if missing:
        raise ImportError(f"lite_logging has no {', '.join(missing)} yet")
    return ll


def _ll_bind() -> None:
    import lite_logging as ll

    ll.bind(**CONTEXT)


def _lite_logger_class(ll: Any, opts: dict[str, Any]) -> None:
    """Our loggers are ``ll.Logger``s (as an app sets it up, before its loggers exist), unless
    the row is a ``-plain`` one: the same pipeline under a ``logging.Logger``, with
    ``ll.install_record_factory()`` (what ``setup()`` does, and the docs ask of dictConfig
    users) unless the row is ``lite-plain-stock``."""
    if not opts.get("plain_logger"):
        logging.setLoggerClass(ll.Logger)
    elif not opts.get("stock_factory"):
        ll.install_record_factory()


def build_lite(path: str, opts: dict[str, Any]) -> Setup:
    """Ours: ``ll.Logger`` -> ``AsyncQueueHandler`` -> ``BatchingQueueListener`` ->
    ``BatchFileHandler`` (JSON)."""
    rate = opts.get("sample_rate")
    ll = _lite("AsyncQueueHandler", "BatchFileHandler", "flush", *(["SamplingFilter"] * bool(rate)))

    _lite_logger_class(ll, opts)
    logger = _fresh_logger()
    target = ll.BatchFileHandler(path)
    deferred = opts.get("defer_listener", False)
    if deferred:  # caller-only: a plain unbounded queue, drained by a listener in finish()
        q: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        handler = ll.AsyncQueueHandler(q, maxsize=0)
    else:
        handler = ll.AsyncQueueHandler(handlers=[target], maxsize=opts.get("maxsize", 10_000))
    if rate is not None:
        # on the logger, a dropped record never reaches a handler: the cheapest place
        filtered = logger if opts.get("filter_on_logger") else handler
        filtered.addFilter(ll.SamplingFilter(rate=rate))
    logger.addHandler(handler)
    loop, loop_debug = _stdlib_loops(logger, _ll_bind)

    def finish() -> None:
        if deferred:
            listener = ll.BatchingQueueListener(q, target)
            listener.start()
            listener.stop()  # drains everything queued, then stops
        ll.flush()
        logger.removeHandler(handler)
        handler.close()
        target.close()

    checks = {"sample_rate": rate} if rate is not None else {}
    return Setup(loop, loop_debug, finish, path, checks)


def build_lite_plain(path: str, opts: dict[str, Any]) -> Setup:
    """As ``lite``, but the logger is a plain ``logging.Logger`` (records built by
    ``ll.install_record_factory()``'s factory)."""
    return build_lite(path, {**opts, "plain_logger": True})


def build_lite_plain_stock(path: str, opts: dict[str, Any]) -> Setup:
    """As ``lite-plain``, with logging's own record factory (``logging.LogRecord``)."""
    return build_lite(path, {**opts, "plain_logger": True, "stock_factory": True})


def build_lite_sync(path: str, opts: dict[str, Any]) -> Setup:
    """Ours without the queue: ``ll.Logger``, stdlib ``FileHandler`` + ``ContextFilter`` +
    ``ll.JsonFormatter``."""
    rate = opts.get("sample_rate")
    ll = _lite("JsonFormatter", "ContextFilter", *(["SamplingFilter"] * bool(rate)))

    _lite_logger_class(ll, opts)
    logger = _fresh_logger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(ll.JsonFormatter())
    handler.addFilter(ll.ContextFilter())
    if rate is not None:
        handler.addFilter(ll.SamplingFilter(rate=rate))
    logger.addHandler(handler)
    loop, loop_debug = _stdlib_loops(logger, _ll_bind)

    def finish() -> None:
        logger.removeHandler(handler)
        handler.close()

    checks = {"sample_rate": rate} if rate is not None else {}
    return Setup(loop, loop_debug, finish, path, checks)


BUILDERS: dict[str, Callable[[str, dict[str, Any]], Setup]] = {
    "floor-call": build_floor_call,
    "floor-makerecord": build_floor_makerecord,
    "floor-null-handler": build_floor_null_handler,
    "stdlib": build_stdlib,
    "stdlib-queue": build_stdlib_queue,
    "stdlib-queue-orjson": build_stdlib_queue_orjson,
    "structlog": build_structlog,
    "loguru": build_loguru,
    "loguru-enqueue": build_loguru_enqueue,
    "lite": build_lite,
    "lite-plain": build_lite_plain,
    "lite-plain-stock": build_lite_plain_stock,
    "lite-sync": build_lite_sync,
}
"""Library name -> builder. Names are the rows of the table."""


# --- formatting cost per record ---------------------------------------------------------------


def _sample_record(stamp: bool) -> logging.LogRecord:
    logger = _fresh_logger()
    record = logger.makeRecord(
        LOGGER_NAME,
        logging.INFO,
        __file__,
        42,
        MESSAGE,
        (7,),
        None,
        "login",
        {"user_id": 7, "path": PATH},
    )
    if stamp:
        import lite_logging as ll
        from lite_logging.record.stamping import stamp_record

        ll.bind(**CONTEXT)
        stamp_record(record)
    else:
        record.__dict__.update(CONTEXT)
    return record


def _formatter_for(lib: str, kind: str) -> tuple[Callable[[], Callable[[Any], Any]], bool]:
    """(factory of a format callable, whether the record is stamped the lite_logging way)."""
    if lib == "lite":
        name = {"json": "JsonFormatter", "edn": "EdnFormatter", "pretty": "PrettyFormatter"}[kind]
        ll = _lite(name)
        if kind == "json":
            return (lambda: ll.JsonFormatter().format), True
        if kind == "edn":
            return (lambda: ll.EdnFormatter().format), True
        if kind == "pretty":
            return (lambda: ll.PrettyFormatter().format), True
    if lib == "stdlib" and kind == "json":
        return (lambda: _pjl_formatter(use_orjson=False).format), False
    if lib == "stdlib-queue-orjson" and kind == "json":
        return (lambda: _pjl_formatter(use_orjson=True).format), False
    if lib == "structlog" and kind == "pretty":
        import structlog

        renderer = structlog.dev.ConsoleRenderer(colors=False)

        def factory() -> Callable[[Any], Any]:
            def render(record: logging.LogRecord) -> Any:
                event = {
                    "event": record.getMessage(),
                    "level": "info",
                    **CONTEXT,
                    "user_id": 7,
                    "path": PATH,
                    "timestamp": "2026-11-26T16:30:00Z",
                }
                return renderer(None, "info", event)

            return render

        return factory, False
    raise LookupError(f"no {kind} formatter for {lib}")


def build_formatter(lib: str, kind: str) -> tuple[Callable[[Any], Any], logging.LogRecord]:
    """A format callable of ``lib`` for ``kind`` (json/edn/pretty) and a record to format."""
    factory, stamp = _formatter_for(lib, kind)
    return factory(), _sample_record(stamp)


FORMATTERS: dict[str, tuple[str, ...]] = {
    "json": ("stdlib", "stdlib-queue-orjson", "lite"),
    "edn": ("lite",),
    "pretty": ("structlog", "lite"),
}
"""Formatting scenario -> libraries that have such a formatter."""
