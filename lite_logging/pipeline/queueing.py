"""The async pipeline: ``AsyncQueueHandler`` in the caller's thread, ``BatchingQueueListener``
behind the queue, and the process-wide ``flush()``, ``drain()``, ``shutdown()`` and
``stats()``.

How a record travels (see docs/pipeline.md)::

    logger.info(...) -> AsyncQueueHandler.handle      caller thread
        its filters, stamp_record, prepare(): copy, msg % args, exception text
        enqueue() by policy: block [block_timeout] / drop_newest / drop_oldest
    BatchingQueueListener._monitor                     listener thread
        one blocking get, then up to batch_size without waiting
        per target handler: level, filters, handle_batch(records) or handle(record)

The default queue is a ``queue.SimpleQueue`` (a C queue: ``put`` costs ~30 ns against
~0.5 us for ``queue.Queue``, measured) bounded by ``maxsize`` through ``qsize()``. With
several producers the bound may be passed by at most one record per producer thread. The
caller side takes no lock, not even on a full queue, so a signal handler that logs cannot
wait on its own thread (see "caller thread" in ``AsyncQueueHandler``).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import logging.config
import logging.handlers
import math
import pkgutil
import queue as _queue
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any, cast

from ..metrics import _registry as _stats
from ..record._message import render_message
from ..record.context import current_context
from ..record.ids import new_event_id
from ..record.stamping import stamp_record
from ..record.tracing import current_trace_ids

__all__ = ["AsyncQueueHandler", "BatchingQueueListener", "drain", "flush", "shutdown", "stats"]

POLICIES = ("block", "drop_newest", "drop_oldest")
"""The overflow policies of :class:`AsyncQueueHandler`."""

DEFAULT_MAXSIZE = 10_000
DEFAULT_BATCH_SIZE = 512

_get_ident = threading.get_ident
_perf_counter = time.perf_counter
_monotonic = time.monotonic
_exception_formatter = logging.Formatter()
_FORK_PAUSE_TIMEOUT = 5.0  # the longest a fork waits for a listener to finish its batch (s)
_DRAIN_POLL = 0.001  # drain() checks its markers this often (s): no lock in a signal handler
_WAIT_SLICE = 0.1  # a blocked producer re-checks the listener's liveness this often (s)


class _FlushMarker:
    """Put in the queue by ``flush()``; the listener calls ``set()`` when it reaches it.

    A lock held from creation and released by the listener, not a ``threading.Event``:
    ``Event.set()`` takes the lock that a waiter holds inside ``Event.wait()``, so a signal
    handler that interrupted that waiter and then waited on the listener would never be
    answered. ``release()`` never blocks.
    """

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = threading.Lock()
        self._pending.acquire()

    def set(self) -> None:
        """Mark the flush done (the listener reached the marker)."""
        self._pending.release()

    def is_set(self) -> bool:
        """Whether the listener reached the marker."""
        return not self._pending.locked()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the listener reached the marker within ``timeout`` seconds."""
        if self._pending.acquire(timeout=-1 if timeout is None else max(0.0, timeout)):
            self._pending.release()  # leave it done for anyone else asking
            return True
        return False


class _HandlerState:
    """Per target handler: its batch method, counters, handling-time samples, and when the
    batch it is on now started (``busy_since``, a ``perf_counter()`` value; 0.0 when idle)."""

    __slots__ = (
        "batch_fn",
        "busy_since",
        "errors",
        "handler",
        "latency",
        "reported",
        "stats_fn",
        "written",
    )

    def __init__(self, handler: logging.Handler) -> None:
        self.handler = handler
        batch_fn = getattr(handler, "handle_batch", None)
        self.batch_fn: Callable[[list[logging.LogRecord]], None] | None = (
            batch_fn if callable(batch_fn) else None
        )
        stats_fn = getattr(handler, "stats", None)
        self.stats_fn: Callable[[], dict[str, Any]] | None = (
            stats_fn if callable(stats_fn) else None
        )
        self.written = 0
        self.errors = 0  # records on which the handler (its level, filters, handling) raised
        self.reported = False  # a failure of the current batch went to handleError already
        self.busy_since = 0.0
        self.latency = _stats.LatencyRecorder()

    def failed(self, record: Any, count: int = 1) -> None:
        """Count ``count`` failed records; report the exception being handled, once a batch.

        Call it inside the ``except`` block: ``handleError`` reads ``sys.exc_info()``.
        """
        self.errors += count
        if not self.reported:
            self.reported = True
            _report(self.handler, record)

    def stats(self) -> dict[str, Any]:
        written, errors = self.written, self.errors
        if self.stats_fn is not None:
            try:
                own = self.stats_fn()
                written = int(own.get("written", written))
                # What the handler raised on, it did not count itself: add the two.
                errors += int(own.get("errors", 0))
            except Exception:  # noqa: BLE001 - a broken stats() must not break ll.stats()
                pass
        since = self.busy_since
        return {
            "written": written,
            "errors": errors,
            "handle_us": self.latency.summary(),
            "busy_s": round(_perf_counter() - since, 3) if since else 0.0,
        }


_NO_CONTROL = object()  # "the batch ended without a sentinel or flush marker"
_REPORTER = logging.NullHandler()  # its handleError reports failures that have no handler
_live: weakref.WeakSet[BatchingQueueListener] = weakref.WeakSet()
# Called after a listener thread starts (lite_logging._lifecycle: signal handlers).
_start_hooks: list[Callable[[], None]] = []
_sync_guard = threading.local()


def _qsize(q: Any) -> int:
    try:
        return int(q.qsize())
    except (NotImplementedError, AttributeError):  # macOS multiprocessing queues
        return 0


def _filtered(state: _HandlerState, records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    """Apply the handler's filters per record; on 3.12+ a filter may return a replacement.

    A record whose filter raises is counted as failed and left out; each filter runs once
    per record (a rate limit or a sampler keeps its state right).
    """
    handler = state.handler
    kept = []
    for record in records:
        try:
            rv = handler.filter(record)
        except Exception:  # noqa: BLE001 - RecursionError too: costs only its record
            state.failed(record)
            continue
        if rv:
            kept.append(rv if isinstance(rv, logging.LogRecord) else record)
    return kept


def _at_level(
    state: _HandlerState, records: list[logging.LogRecord], level: int
) -> list[logging.LogRecord]:
    """The records at or above ``level``, one by one: one whose check raises is failed."""
    kept = []
    for record in records:
        try:
            if record.levelno >= level:
                kept.append(record)
        except Exception:  # noqa: BLE001 - a record without a comparable levelno
            state.failed(record)
    return kept


def _report(handler: logging.Handler, record: logging.LogRecord | None) -> None:
    """Hand the exception being handled to ``handler.handleError``; never raise."""
    # the listener must survive a broken handleError
    with contextlib.suppress(Exception):
        handler.handleError(cast(logging.LogRecord, record))


class BatchingQueueListener(logging.handlers.QueueListener):
    """A ``QueueListener`` that takes records in batches and hands each handler a batch.

    It takes one record (blocking), then whatever else is queued, up to ``batch_size``, and
    gives the batch to each handler: ``handler.handle_batch(records)`` when the handler has
    one, else ``handler.handle(record)`` per record. With ``respect_handler_level`` a
    handler only gets records at or above its level; a handler with ``handle_batch`` has
    its filters applied here, per record, first.

    A failure costs only its own record, never its batch, and never stops the thread. The
    batch protocol is all-or-nothing: ``handle_batch(records)`` either handles every record
    (skipping, counting and reporting itself those it cannot write, as
    ``BatchFileHandler`` does) or raises having written none of them; a handler that may
    fail half-way must not raise. When it raises, the listener hands the same records
    over again one at a time (``handle_batch([record])``), so only the records that fail
    alone are lost. Each record on which a handler, its filter or its level check raises
    (``RecursionError`` included) is counted in that handler's ``errors``, the others in
    its ``written``; the first failure of each batch goes to the handler's
    ``handleError``. A record a listener hook (``prepare``, an overridden ``handle``) raises
    on is counted in the pipeline's ``errors`` and reported through a ``NullHandler``'s
    ``handleError``. Failed records still count as ``delivered``.

    It keeps ``QueueListener``'s contract: the ``dequeue``/``prepare``/``handle``/
    ``enqueue_sentinel`` hooks keep their meaning (override ``handle`` and it is called per
    record), ``task_done`` is called for each item of a ``queue.Queue``, and ``stop()``
    may be called twice. As in Python 3.14, it is a context manager and ``start()`` on a
    running listener raises ``RuntimeError``.

    Handlers may be given by name (``"file"``): names are looked up in the logging
    module's registry of named handlers on first use, so dictConfig's order does not matter.

    Args:
        queue: the queue to read (``queue.SimpleQueue``, ``queue.Queue``, a
            multiprocessing queue...).
        *handlers: target handlers, or their dictConfig names.
        respect_handler_level: give a handler only records at or above its level.
        batch_size: most records taken from the queue at once.
        flush_interval: seconds the listener may wait for more records to fill a batch
            once it has one (0: hand over at once whatever is queued).

    Raises:
        ValueError: ``batch_size`` < 1 or ``flush_interval`` < 0.
    """

    _sentinel = None

    def __init__(
        self,
        queue: Any,
        *handlers: logging.Handler | str,
        respect_handler_level: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        flush_interval: float = 0.0,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f'"batch_size" must be an int >= 1: {batch_size!r}')
        if not isinstance(flush_interval, int | float) or not flush_interval >= 0:
            raise ValueError(f'"flush_interval" must be a number >= 0: {flush_interval!r}')
        targets = cast(tuple[logging.Handler, ...], handlers)  # names are resolved later
        super().__init__(queue, *targets, respect_handler_level=respect_handler_level)
        self.queue: Any
        self.handlers: tuple[Any, ...]
        self.batch_size = batch_size
        self.flush_interval = float(flush_interval)
        self._thread: threading.Thread | None = None
        self._thread_ident: int | None = None
        self._auto_started = False
        self._owner: AsyncQueueHandler | None = None
        self._stats_name: str | None = None
        self._states: tuple[_HandlerState, ...] = ()
        self._states_for: tuple[Any, ...] | None = None
        self._reported_names: set[str] = set()
        # logging keeps handlers only weakly: a target named here, that no logger holds,
        # would be collected once dictConfig returns. Hold dictConfig's own table of
        # configured handlers until the names are resolved.
        self._config_handlers: Any = (
            _configurator_handlers() if any(isinstance(h, str) for h in handlers) else None
        )
        # Held while handing records to handlers; re-entrant for a handler calling flush().
        self._dispatch_lock = threading.RLock()
        self._nested: list[logging.LogRecord] = []
        self._in_nested = False
        self.delivered = 0
        self.batches = 0
        self.errors = 0  # records a listener hook (dequeue, prepare, handle) raised on
        self._take_failing = False  # the last take from the queue raised
        self._stopping = threading.Event()  # stop() was called: give up a broken queue
        self.max_queue_depth = 0
        # Flush markers in the queue, not counted in its depth: queued minus taken, without
        # a lock (flush() may run in a signal handler that interrupted another flush()).
        self._markers_queued = itertools.count()  # next() is one C call: atomic
        self._markers_taken = 0  # only the listener thread (or the drain after it) adds
        _live.add(self)

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        """Start the listener thread.

        Raises:
            RuntimeError: the listener is already running (a listener that its
                ``AsyncQueueHandler`` started by itself accepts one ``start()`` silently,
                for code written for the stdlib's dictConfig).
        """
        if self._thread is not None:
            if self._auto_started:
                self._auto_started = False
                return
            raise RuntimeError("Listener already started")
        self._stopping = threading.Event()
        self._thread = t = threading.Thread(
            target=self._monitor, name="lite_logging-listener", daemon=True
        )
        t.start()
        for hook in _start_hooks:
            hook()
        owner = self._owner
        if owner is not None:
            owner._sync = False
        elif self._stats_name is None:
            self._stats_name = _stats.register("pipelines", None, self)

    def stop(self) -> None:
        """Hand every record queued before the call to the handlers, then stop the thread.

        Calling it again, or on a listener never started, does nothing. Records logged
        through the owning ``AsyncQueueHandler`` afterwards are written synchronously.
        """
        t = self._thread
        if t is None:
            return
        owner = self._owner
        if owner is not None:
            owner._sync = True
        self._auto_started = False
        self._stopping.set()
        self.enqueue_sentinel()
        if t is not threading.current_thread():  # a handler stopping its own listener
            t.join()
        self._thread = None

    def __enter__(self) -> BatchingQueueListener:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def flush(self, timeout: float | None = None) -> bool:
        """Return once every record queued before the call is handed over and flushed.

        Returns:
            True when done, False when ``timeout`` (seconds) ran out first.
        """
        t = self._thread
        if t is None or not t.is_alive():
            self._flush_handlers()
            return True
        if self._thread_ident == _get_ident():  # a handler flushing from inside dispatch
            self._flush_handlers()
            return True
        marker = _FlushMarker()
        next(self._markers_queued)
        self.queue.put(marker)
        if timeout is not None:
            return marker.wait(timeout)
        while not marker.wait(_WAIT_SLICE):
            if not t.is_alive():  # stopped by someone else before reaching the marker
                return False
        return True

    @property
    def _markers(self) -> int:
        """Flush markers in the queue now (not records: left out of its depth)."""
        # itertools.count has no reader; its repr "count(N)" is the documented way to see N.
        return int(repr(self._markers_queued)[6:-1]) - self._markers_taken

    # -- the listener thread ----------------------------------------------------------

    def _monitor(self) -> None:
        self._thread_ident = _get_ident()
        q = self.queue
        has_task_done = hasattr(q, "task_done")
        plain = type(self).dequeue is _QL_DEQUEUE
        # dequeue() is a hook; when it is not overridden call the queue directly (speed).
        get_nowait = q.get_nowait if plain else functools.partial(self.dequeue, False)
        linger = self.flush_interval if plain else 0.0
        sentinel = self._sentinel
        while True:
            try:
                item: Any = self.dequeue(True)
            except _queue.Empty:
                break
            except Exception:  # noqa: BLE001 - say, an item a multiprocessing queue cannot unpickle
                # A queue that keeps failing is retried every _WAIT_SLICE, until stop().
                if self._take_failed() and self._stopping.wait(_WAIT_SLICE):
                    break
                continue
            self._take_failing = False
            batch: list[logging.LogRecord] = []
            control: Any = item
            if item is not sentinel and item.__class__ is not _FlushMarker:
                control = _NO_CONTROL
                batch.append(item)
                # Depth only grows between two takes, so it peaks right before this one.
                depth = _qsize(q) + 1 - self._markers
                if depth > self.max_queue_depth:
                    self.max_queue_depth = depth
                limit = self.batch_size
                deadline = 0.0
                while len(batch) < limit:
                    try:
                        item = get_nowait()
                    except _queue.Empty:
                        if linger <= 0:
                            break
                        if not deadline:
                            deadline = _monotonic() + linger
                        remaining = deadline - _monotonic()
                        if remaining <= 0:
                            break
                        try:
                            item = q.get(True, remaining)
                        except _queue.Empty:
                            break
                    except Exception:  # noqa: BLE001 - a dequeue hook: keep what we hold
                        self._take_failed()
                        break
                    if item is sentinel or item.__class__ is _FlushMarker:
                        control = item
                        break
                    batch.append(item)
            owner = self._owner
            if owner is not None and owner._waiting:
                owner._notify_space()
            if batch:
                try:
                    self._process(batch)
                except Exception:  # noqa: BLE001 - a bug here must not end the thread
                    _report(_REPORTER, batch[0])
                if has_task_done:
                    for _ in batch:
                        q.task_done()
            if control is _NO_CONTROL:
                continue
            if control is sentinel:
                if owner is not None:
                    self._drain_after_stop()
                # No handler flush here: QueueListener.stop() does none (a BufferingHandler
                # keeps its records for close()); flush() and the signal drain do flush.
                if has_task_done:
                    q.task_done()
                break
            self._flush_handlers()
            self._markers_taken += 1
            control.set()
            if has_task_done:
                q.task_done()
        self._thread_ident = None

    def _take_failed(self) -> bool:
        """Count a take from the queue that raised; report the first of a streak.

        Returns True when the take before it failed too. Call it inside the ``except``.
        """
        self.errors += 1
        if self._take_failing:
            return True
        self._take_failing = True
        _report(_REPORTER, None)
        return False

    def _drain_after_stop(self) -> None:
        """Write what raced past the sentinel (the owner now writes synchronously)."""
        q = self.queue
        for _ in range(_qsize(q)):
            try:
                item = q.get_nowait()
            except _queue.Empty:
                break
            if item.__class__ is _FlushMarker:
                self._markers_taken += 1
                item.set()
            elif item is not self._sentinel:
                self._process([item])

    def _process(self, batch: list[logging.LogRecord]) -> None:
        """Hand one batch to the handlers (through the hooks when they are overridden)."""
        cls = type(self)
        with self._dispatch_lock:
            try:
                if cls.handle is not _OWN_HANDLE:
                    self._handle_each(batch)
                elif cls.prepare is not _QL_PREPARE:
                    self._dispatch(self._prepare_each(batch))
                else:
                    self._dispatch(batch)
            finally:  # taken from the queue is delivered, whatever failed
                self.delivered += len(batch)
                self.batches += 1
            self._drain_nested()

    def _handle_each(self, batch: list[logging.LogRecord]) -> None:
        """Call the overridden ``handle`` hook per record; report the first failure."""
        reported = False
        for record in batch:
            try:
                self.handle(record)
            except Exception:  # noqa: BLE001 - the listener must survive a hook
                self.errors += 1
                if not reported:
                    reported = True
                    _report(_REPORTER, record)

    def _prepare_each(self, batch: list[logging.LogRecord]) -> list[logging.LogRecord]:
        """Call the overridden ``prepare`` hook per record; report the first failure."""
        prepared = []
        reported = False
        for record in batch:
            try:
                prepared.append(self.prepare(record))
            except Exception:  # noqa: BLE001 - the listener must survive a hook
                self.errors += 1
                if not reported:
                    reported = True
                    _report(_REPORTER, record)
        return prepared

    def _drain_nested(self) -> None:
        """Write the records handlers logged from this thread; what they log meanwhile is
        dropped (and counted), so a handler that logs per record cannot loop forever."""
        if self._in_nested:
            return
        while self._nested:
            nested, self._nested = self._nested, []
            self._in_nested = True
            try:
                self._dispatch(nested)
            finally:
                self._in_nested = False
            self.delivered += len(nested)

    def handle(self, record: logging.LogRecord) -> None:
        """Hand one record to the handlers, as ``QueueListener.handle`` does."""
        self._dispatch([self.prepare(record)])

    def _dispatch(self, batch: list[logging.LogRecord]) -> None:
        if not batch:
            return
        if self.handlers is not self._states_for:
            self._resolve_handlers()
        respect = self.respect_handler_level
        for state in self._states:
            try:
                self._deliver(state, batch, respect)
            except Exception:  # noqa: BLE001 - a handler object broken beyond its methods
                state.busy_since = 0.0
                state.failed(batch[0], len(batch))

    def _deliver(self, state: _HandlerState, batch: list[logging.LogRecord], respect: bool) -> None:
        """Give ``batch`` to one handler; a record that raises costs only itself.

        The normal path is one ``handle_batch`` call; only after it raised are the records
        handed over again one at a time (the batch protocol is all-or-nothing).
        """
        handler = state.handler
        state.reported = False
        state.busy_since = started = _perf_counter()
        records = batch
        if respect and handler.level:
            level = handler.level
            try:
                records = [r for r in records if r.levelno >= level]
            except Exception:  # noqa: BLE001 - some record has no comparable levelno
                records = _at_level(state, batch, level)
        batch_fn = state.batch_fn
        if batch_fn is not None:
            if handler.filters:
                records = _filtered(state, records)
            if records:
                try:
                    batch_fn(records)
                    state.written += len(records)
                except Exception:  # noqa: BLE001 - RecursionError too: the listener survives
                    for record in records:
                        try:
                            batch_fn([record])
                            state.written += 1
                        except Exception:  # noqa: BLE001 - counted and reported, never raised
                            state.failed(record)
        else:
            handle = handler.handle
            for record in records:
                try:
                    if handle(record):
                        state.written += 1
                except Exception:  # noqa: BLE001 - counted and reported, never raised
                    state.failed(record)
        state.busy_since = 0.0
        if records:
            # One sample per batch: the mean time per record (two clock reads per batch).
            state.latency.add((_perf_counter() - started) * 1e6 / len(records))

    def _resolve_handlers(self) -> None:
        """Turn handler names into handlers; keep counters of handlers seen before."""
        current = self.handlers
        resolved: list[logging.Handler] = []
        missing = False
        named = False
        for h in current:
            if isinstance(h, str):
                found = None
                if self._config_handlers is not None:
                    candidate = self._config_handlers.get(h)
                    if isinstance(candidate, logging.Handler):
                        found = candidate
                if found is None:
                    found = logging._handlers.get(h)  # type: ignore[attr-defined]
                if found is None:
                    missing = True
                    if h not in self._reported_names:
                        self._reported_names.add(h)
                        sys.stderr.write(
                            f'lite_logging: "handlers" names {h!r}, which is not a configured'
                            " handler; its records are skipped\n"
                        )
                    continue
                named = True
                resolved.append(found)
            else:
                resolved.append(h)
        old = {id(s.handler): s for s in self._states}
        self._states = tuple(old.get(id(h)) or _HandlerState(h) for h in resolved)
        if missing:
            self._states_for = current
        else:
            self.handlers = self._states_for = tuple(resolved)
            self._config_handlers = None  # the handlers are held now: let the config go
        owner = self._owner
        if named and owner is not None:
            owner._close_before(resolved)

    def _flush_handlers(self) -> None:
        with self._dispatch_lock:
            if self.handlers is not self._states_for:
                self._resolve_handlers()
            for state in self._states:
                state.busy_since = _perf_counter()
                try:
                    state.handler.flush()
                except Exception:  # noqa: BLE001 - counted and reported, never raised
                    state.errors += 1
                    _report(state.handler, None)
                state.busy_since = 0.0
            self._drain_nested()

    # -- called from AsyncQueueHandler ------------------------------------------------

    def _take_nested(self, record: logging.LogRecord) -> bool:
        """A record logged by a handler in this listener's thread: keep it for after
        the current batch (never through the queue: the block policy would deadlock).
        Returns False when it is dropped: logged while handling such records already."""
        if self._in_nested:
            return False
        self._nested.append(record)
        return True

    def _handle_now(self, record: logging.LogRecord) -> None:
        """Write ``record`` in the caller's thread (the listener has stopped)."""
        with self._dispatch_lock:
            self._dispatch([record])
            self.delivered += 1

    def stats(self) -> dict[str, Any]:
        """Counters of this listener (see ``lite_logging.stats()``)."""
        owner = self._owner
        depth = max(0, _qsize(self.queue) - self._markers)
        delivered = self.delivered
        handlers: dict[str, Any] = {}
        for state in self._states:
            base = state.handler.get_name() or type(state.handler).__name__
            name, n = base, 1
            while name in handlers:
                n += 1
                name = f"{base}#{n}"
            handlers[name] = state.stats()
        if owner is not None:
            enqueued, dropped = owner.enqueued, owner.dropped
        else:
            enqueued, dropped = delivered + depth, 0
        return {
            "enqueued": enqueued,
            "dropped": dropped,
            "delivered": delivered,
            "queue_depth": depth,
            "max_queue_depth": max(self.max_queue_depth, depth),
            "batches": self.batches,
            "handlers": handlers,
            "errors": self.errors,
        }

    def _reset_after_fork(self) -> None:
        self._dispatch_lock = threading.RLock()
        self._thread = None
        self._thread_ident = None
        self._nested = []
        self._in_nested = False
        self._take_failing = False
        self.delivered = self.batches = self.errors = self.max_queue_depth = 0
        self._markers_queued = itertools.count()
        self._markers_taken = 0
        self._states = tuple(_HandlerState(s.handler) for s in self._states)


# The hooks as defined here: a subclass (or a test's mock) replacing one is noticed.
_OWN_HANDLE = BatchingQueueListener.handle
_QL_DEQUEUE = logging.handlers.QueueListener.dequeue
_QL_PREPARE = logging.handlers.QueueListener.prepare


# The caller side (AsyncQueueHandler) ------------------------------------------------

_STOP_WAIT = 5.0  # the longest a producer that raced a stop waits for the listener to end (s)
_SimpleQueue = _queue.SimpleQueue
_LogRecord = logging.LogRecord
_OFFERED, _DROPPED, _RENDER_ERRORS = 0, 1, 2  # AsyncQueueHandler._counts


def _configurator_handlers() -> Any:
    """The ``handlers`` table of the dictConfig run that is constructing us, if any."""
    frame: FrameType | None = sys._getframe(1)
    depth = 0
    while frame is not None and depth < 30:
        configurator = frame.f_locals.get("self")
        if isinstance(configurator, logging.config.DictConfigurator):
            return configurator.config.get("handlers")
        frame = frame.f_back
        depth += 1
    return None


def _check_targets(handlers: Any) -> list[logging.Handler | str]:
    """``handlers`` as a list, checked now: a string (not a list of names), or a name that
    neither the running dictConfig defines nor the logging registry holds, is an error at
    configuration time. Names that dictConfig defines are still resolved lazily."""
    if handlers is None:
        return []
    if isinstance(handlers, str | bytes) or not isinstance(handlers, Iterable):
        raise ValueError(f'"handlers" must be a list of handlers or handler names: {handlers!r}')
    targets = list(handlers)
    names = [h for h in targets if isinstance(h, str)]
    for h in targets:
        if not isinstance(h, logging.Handler | str):
            raise ValueError(f'"handlers" must hold handlers or handler names: {h!r}')
    if names:
        table = _configurator_handlers()
        registered: Any = logging._handlers  # type: ignore[attr-defined]
        for name in names:
            if table is not None:
                if name not in table:
                    raise ValueError(
                        f'"handlers" names {name!r}, which the configuration does not define'
                    )
            elif name not in registered:
                raise ValueError(f'"handlers" names {name!r}, which is not a registered handler')
    return targets


def _resolve_name(value: Any, key: str) -> Any:
    if isinstance(value, str):
        try:
            return pkgutil.resolve_name(value)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ValueError(f'"{key}" names nothing importable: {value!r}') from exc
    return value


def _make_queue(spec: Any) -> tuple[Any, bool]:
    """The queue object for ``spec``, and whether we created it (and own it)."""
    if spec is None:
        return _queue.SimpleQueue(), True
    if isinstance(spec, str):
        factory = _resolve_name(spec, "queue")
        if not callable(factory):
            raise ValueError(f'"queue" must name a queue factory: {spec!r}')
        return factory(), False
    if isinstance(spec, dict) or (hasattr(spec, "keys") and "()" in spec):
        options = dict(spec)
        factory = _resolve_name(options.pop("()", None), "queue")
        if not callable(factory):
            raise ValueError(f'"queue" needs a "()" factory: {spec!r}')
        return factory(**options), False
    for method in ("put_nowait", "get", "qsize"):
        if not callable(getattr(spec, method, None)):
            raise ValueError(f'"queue" is not a queue (no {method}()): {spec!r}')
    return spec, False


class _HookWatch(type):
    """Metaclass keeping ``_plain`` (are emit/prepare/enqueue the originals?) on each class,
    also when a hook is replaced on a class later (``mock.patch.object``): ``handle`` then
    reads one attribute per record instead of comparing three (~75 ns, timeit)."""

    def __init__(cls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> None:
        super().__init__(name, bases, ns)
        cls._update_plain()

    def __setattr__(cls, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in _HOOK_NAMES:
            cls._update_plain()

    def __delattr__(cls, name: str) -> None:
        super().__delattr__(name)
        if name in _HOOK_NAMES:
            cls._update_plain()

    def _update_plain(cls) -> None:
        plain = (
            getattr(cls, "emit", None) is _OWN_HOOKS.get("emit")
            and getattr(cls, "prepare", None) is _OWN_HOOKS.get("prepare")
            and getattr(cls, "enqueue", None) is _OWN_HOOKS.get("enqueue")
        )
        type.__setattr__(cls, "_plain", plain)
        subclasses: list[Any] = type.__subclasses__(cls)
        for sub in subclasses:
            sub._update_plain()


# The caller-side hooks as AsyncQueueHandler defines them (filled in below the class).
_OWN_HOOKS: dict[str, Any] = {}
_HOOK_NAMES = frozenset({"emit", "prepare", "enqueue"})


class AsyncQueueHandler(logging.handlers.QueueHandler, metaclass=_HookWatch):
    """A ``QueueHandler`` with a bounded queue, an overflow policy and its own listener.

    In the caller's thread it runs its filters, stamps the record (event id, context,
    trace ids; see ``stamp_record``) and enqueues a copy with the message rendered
    (``msg % args``) and the exception rendered to ``exc_text``: the original record,
    which other handlers see, keeps its ``msg``, ``args`` and ``exc_info``. With a
    formatter set on this handler, ``prepare()`` formats fully, as the stdlib does.

    Given ``handlers``, it creates a :class:`BatchingQueueListener` and starts it; with a
    ``queue`` and no ``handlers`` it is a plain ``QueueHandler`` whose listener the user
    runs. On Python 3.12+ dictConfig may set ``listener`` itself (the native
    ``"handlers"``/``"listener"`` keys): a ``BatchingQueueListener`` is then started here,
    and the stdlib's default ``QueueListener`` is replaced by one; a listener of another
    class is the user's to start, as with the stdlib. See docs/pipeline.md.
    ``close()`` writes everything queued and stops the listener; after that records are
    written synchronously in the caller's thread.

    Args:
        queue: a queue object, a dotted path of a queue factory, or ``None`` for a new
            ``queue.SimpleQueue`` bounded by ``maxsize``.
        handlers: target handlers or their dictConfig names (resolved on first use).
        maxsize: the most records queued at once; 0 for no bound.
        policy: what a full queue does: ``"block"`` the caller (up to ``block_timeout``
            seconds, then drop), ``"drop_newest"`` (drop the incoming record) or
            ``"drop_oldest"`` (evict the oldest queued record). Every drop is counted.
        block_timeout: seconds the ``block`` policy waits; ``None`` waits as long as the
            listener runs.
        batch_size, flush_interval: passed to the listener it creates.
        respect_handler_level: passed to the listener it creates. True by default here
            (a target handler's level applies, as the SPEC's record path says), unlike the
            stdlib QueueListener's False, which ``BatchingQueueListener`` itself keeps.
        listener: the listener class (or dotted path) to create instead of
            ``BatchingQueueListener``.

    Raises:
        ValueError: a bad option, naming it and its value.
    """

    _plain: bool  # set by _HookWatch: emit/prepare/enqueue are ours, handle() may fuse them

    def __init__(
        self,
        queue: Any = None,
        handlers: Iterable[logging.Handler | str] | None = None,
        *,
        maxsize: int = DEFAULT_MAXSIZE,
        policy: str = "block",
        block_timeout: float | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        flush_interval: float = 0.0,
        respect_handler_level: bool = True,
        listener: Any = None,
    ) -> None:
        q, owned = _make_queue(queue)
        self._listener: logging.handlers.QueueListener | None = None
        self._own_listener: BatchingQueueListener | None = None
        self._stats_name: str | None = None
        self._sync = False
        super().__init__(q)
        self.queue: Any
        # A queue of this process (not a multiprocessing one) is replaced in a forked child.
        self._in_process = owned or isinstance(q, _queue.Queue | _queue.SimpleQueue)
        self._counts = [0, 0, 0]  # offered, dropped, render errors (see "caller thread")
        self._busy: set[int] = set()  # threads inside the slow path (re-entry: never wait)
        self._waiting: list[threading.Lock] = []  # blocked producers; the listener wakes them
        self.maxsize = maxsize
        self.policy = policy
        self.block_timeout = block_timeout
        if handlers is not None or listener is not None:
            factory = _resolve_name(listener, "listener") or BatchingQueueListener
            if not callable(factory):
                raise ValueError(f'"listener" must be a QueueListener class: {listener!r}')
            targets = _check_targets(handlers)
            if isinstance(factory, type) and issubclass(factory, BatchingQueueListener):
                created = factory(
                    q,
                    *targets,
                    respect_handler_level=respect_handler_level,
                    batch_size=batch_size,
                    flush_interval=flush_interval,
                )
            else:
                created = factory(q, *targets, respect_handler_level=respect_handler_level)
            self.listener = created
        self._register()

    # -- options, validated also when set later (dictConfig's "." on 3.12.1) ----------

    @property
    def maxsize(self) -> int:
        """The most records queued at once (0: no bound)."""
        return self._maxsize_option

    @maxsize.setter
    def maxsize(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f'"maxsize" must be an int >= 0: {value!r}')
        self._maxsize_option = value
        self._maxsize: float = value or math.inf

    @property
    def policy(self) -> str:
        """The overflow policy: one of ``POLICIES``."""
        return self._policy

    @policy.setter
    def policy(self, value: str) -> None:
        if value not in POLICIES:
            raise ValueError(f'"policy" must be one of {POLICIES}: {value!r}')
        self._policy = value

    @property
    def block_timeout(self) -> float | None:
        """Seconds the ``block`` policy waits before dropping; ``None``: no limit."""
        return self._block_timeout

    @block_timeout.setter
    def block_timeout(self, value: float | None) -> None:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not value > 0
        ):
            raise ValueError(f'"block_timeout" must be None or a number > 0: {value!r}')
        self._block_timeout = value

    @property
    def listener(self) -> logging.handlers.QueueListener | None:
        """The listener draining this handler's queue; set, it is adopted and started."""
        return self._listener

    @listener.setter
    def listener(self, value: logging.handlers.QueueListener | None) -> None:
        if value is self._listener:
            return
        if value is not None and type(value) is logging.handlers.QueueListener:
            # dictConfig (3.12+) built its default listener: use ours, same arguments.
            value = BatchingQueueListener(
                value.queue, *value.handlers, respect_handler_level=value.respect_handler_level
            )
        self._listener = value
        self._own_listener = None
        if value is None:
            return
        if isinstance(value, BatchingQueueListener):
            self._own_listener = value
            value._owner = self
            if value._stats_name is not None:
                _stats.unregister("pipelines", value._stats_name)
                value._stats_name = None
            if value._thread is None:  # another listener class is the user's to start
                value.start()
                value._auto_started = True

    def set_name(self, name: str) -> None:
        """Set the handler's name (dictConfig does); ``stats()`` reports it under that name."""
        super().set_name(name)
        self._register()

    # Handler.name is property(Handler.get_name, Handler.set_name): rebind it to ours.
    name = property(logging.Handler.get_name, set_name)

    def _register(self) -> None:
        if self._stats_name is not None:
            _stats.unregister("pipelines", self._stats_name)
        self._stats_name = _stats.register("pipelines", self.get_name() or None, self)

    # -- caller thread ----------------------------------------------------------------
    #
    # Nothing here takes a lock: a signal handler runs between two bytecodes of the main
    # thread, so a lock held here would be held by the thread that the handler interrupted,
    # and a handler that logs would wait on itself. Counters are list items bumped with
    # ``+=`` (no call, so no thread switch and no signal handler between read and write),
    # placed right before the C call that puts or drops: a KeyboardInterrupt lands either
    # before both or after both, and ``enqueued == delivered + dropped`` stays exact.

    def __setattr__(self, name: str, value: Any) -> None:
        """Set an attribute; replacing a hook on the instance (a mock) turns the fast path off."""
        if name in _HOOK_NAMES:
            super().__setattr__("_plain", False)  # shadows the class's flag for good
        super().__setattr__(name, value)

    def handle(self, record: logging.LogRecord) -> Any:
        """Filter, then emit. Unlike ``Handler.handle`` it takes no lock: the queue is
        thread-safe, and a handler that logs during ``logging.shutdown`` cannot deadlock.

        When ``emit``/``prepare``/``enqueue`` are this class's own and no formatter is set,
        their work is done here in one frame (the same steps, the same result); otherwise
        the hooks are called, so a subclass overriding one sees ``QueueHandler``'s contract.
        """
        rv: Any = True
        if self.filters:
            rv = self.filter(record)
            if not rv:
                return rv
            if isinstance(rv, logging.LogRecord):
                record = rv
        if not self._plain or self.formatter is not None:
            self.emit(record)
            return rv
        # The fused path: prepare + enqueue inlined (two calls less per record).
        try:
            d = record.__dict__
            if "event_id" not in d:  # stamp_record inlined (~70 ns); TestFastPath compares
                d["event_id"] = new_event_id()
                if "context" not in d:
                    d["context"] = current_context()
                if "trace_id" not in d:
                    ids = current_trace_ids()
                    if ids is not None:
                        d["trace_id"], d["span_id"] = ids
            new = object.__new__(record.__class__)
            nd = new.__dict__ = d.copy()
            msg = d["msg"]
            if msg.__class__ is str and record.__class__ is _LogRecord:
                args = d["args"]
                if args:
                    try:
                        msg = msg % args  # getMessage() inlined (~60 ns)
                    except Exception:  # noqa: BLE001 - RecursionError too: the value recursed
                        msg = self._render_failed(record, new)
                    nd["msg"] = msg
                nd["message"] = msg
                nd["args"] = None
            else:
                self._render_into(record, new)
            exc_info = d["exc_info"]
            if exc_info:
                nd["exc_text"] = d["exc_text"] or _exception_formatter.formatException(exc_info)
                nd["exc_info"] = None
            listener = self._own_listener
            if self._sync or (listener is not None and listener._thread_ident == _get_ident()):
                self._enqueue_special(new)
                return rv
            q = self.queue
            if q.__class__ is _SimpleQueue and q.qsize() < self._maxsize:
                counts = self._counts
                counts[_OFFERED] += 1
                q.put_nowait(new)  # C: counted and put with no bytecode boundary between
                if self._sync:  # set by stop() meanwhile: see that the record is written
                    self._after_stop()  # type: ignore[unreachable]  # another thread sets it
                return rv
            self._enqueue_slow(new)
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging never raises into the caller
            self.handleError(record)
        return rv

    def emit(self, record: logging.LogRecord) -> None:
        """Prepare and enqueue; a failure goes to ``handleError``, never to the caller."""
        try:
            self.enqueue(self.prepare(record))
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging never raises into the caller
            self.handleError(record)

    def prepare(self, record: logging.LogRecord) -> Any:
        """Stamp ``record`` and return a copy made safe to hand to another thread.

        The copy has ``msg`` and ``message`` rendered with its ``args`` (``args=None``) and
        the exception rendered to ``exc_text`` (``exc_info=None``); ``stack_info`` is text
        already. A message that cannot be rendered (a wrong format string, an argument
        whose ``str()`` raises or recurses) never raises: the copy keeps the raw ``msg``
        and gets ``message_error``; the failure is counted in ``render_errors`` and
        reported once through ``handleError``. With a formatter set on this handler,
        ``msg`` is the fully formatted line and the exception and stack fields are
        cleared, exactly as ``QueueHandler.prepare`` does; a formatter that raises is
        counted and reported the same way, and the record goes on unformatted.
        """
        d = record.__dict__
        if "event_id" not in d:
            stamp_record(record)  # on the original: every handler sees the same event_id
        if self.formatter is not None:
            try:
                msg = self.format(record)
            except Exception:  # noqa: BLE001 - RecursionError too: the record goes on
                self._counts[_RENDER_ERRORS] += 1
                _report(self, record)
            else:
                new = object.__new__(record.__class__)
                new.__dict__ = d.copy()
                new.message = msg
                new.msg = msg
                new.args = None
                new.exc_info = None
                new.exc_text = None
                new.stack_info = None
                return new
        # object.__new__ + dict copy: ~250 ns against ~1.5 us for copy.copy (measured).
        new = object.__new__(record.__class__)
        nd = new.__dict__ = d.copy()
        self._render_into(record, new)
        exc_info = d["exc_info"]
        if exc_info:
            nd["exc_text"] = d["exc_text"] or _exception_formatter.formatException(exc_info)
            nd["exc_info"] = None
        return new

    def _render_into(self, record: logging.LogRecord, new: logging.LogRecord) -> None:
        """Set ``new``'s ``message`` (and ``msg``, unless a dict) from ``record``; ``args=None``."""
        nd = new.__dict__
        msg = nd["msg"]
        if msg.__class__ is str and record.__class__ is _LogRecord and not nd["args"]:
            text = msg
        else:
            try:
                text = record.getMessage()
            except Exception:  # noqa: BLE001 - RecursionError too: the value recursed
                text = self._render_failed(record, new)
            if not isinstance(msg, dict):  # a dict stays a dict (python-json-logger's way)
                nd["msg"] = text
        nd["message"] = text
        nd["args"] = None

    def _render_failed(self, record: logging.LogRecord, new: logging.LogRecord) -> str:
        """Called while the rendering error is handled: the raw message, with
        ``message_error`` set on ``new``; the failure counted and reported once."""
        text, _ = render_message(new)
        self._counts[_RENDER_ERRORS] += 1
        _report(self, record)  # handleError may itself fail on the same arguments
        return text

    def enqueue(self, record: logging.LogRecord) -> None:
        """Put ``record`` in the queue by the policy; count it as offered."""
        listener = self._own_listener
        if self._sync or (listener is not None and listener._thread_ident == _get_ident()):
            self._enqueue_special(record)
            return
        q = self.queue
        if q.__class__ is _SimpleQueue and q.qsize() < self._maxsize:
            counts = self._counts
            counts[_OFFERED] += 1
            q.put_nowait(record)  # C: counted and put with no bytecode boundary between
            if self._sync:  # set by stop() meanwhile: see that the record is written
                self._after_stop()  # type: ignore[unreachable]  # another thread sets it
            return
        self._enqueue_slow(record)

    def _enqueue_special(self, record: logging.LogRecord) -> None:
        """Stopped listener: write synchronously; our own listener thread: keep it nested."""
        if self._sync:
            self._handle_sync(record)
            return
        # logged by a handler in our own listener thread: never wait on ourselves
        listener = cast(BatchingQueueListener, self._own_listener)
        counts = self._counts
        counts[_OFFERED] += 1
        if not listener._take_nested(record):
            counts[_DROPPED] += 1

    def _enqueue_slow(self, record: logging.LogRecord) -> None:
        """A full queue, or a queue of another class: the policy decides, no lock held.

        A call nested in this thread's own slow path (a signal handler that logs) never
        waits: it puts past the bound into a ``SimpleQueue``, else drops and counts (a
        ``queue.Queue`` may be half-way through a ``put`` under its own lock).
        """
        ident = _get_ident()
        busy = self._busy
        counts = self._counts
        if ident in busy:
            q = self.queue
            if q.__class__ is _SimpleQueue:
                counts[_OFFERED] += 1
                q.put_nowait(record)
                if self._sync:
                    self._after_stop()
            else:
                counts[_OFFERED] += 1
                counts[_DROPPED] += 1
            return
        try:
            busy.add(ident)
            policy = self._policy
            if policy == "block":
                self._block_and_put(record)
            elif not self._put_if_room(record):
                if policy == "drop_oldest":
                    self._evict_and_put(record)
                else:
                    counts[_OFFERED] += 1
                    counts[_DROPPED] += 1
        finally:
            busy.discard(ident)
        if self._sync:
            self._after_stop()

    def _put_if_room(self, record: logging.LogRecord) -> bool:
        """Put ``record`` if the queue has room; True when it was put (and counted)."""
        q = self.queue
        if q.qsize() >= self._maxsize:
            return False
        counts = self._counts
        if q.__class__ is _SimpleQueue:
            counts[_OFFERED] += 1
            q.put_nowait(record)
            return True
        try:
            q.put_nowait(record)  # another queue class: Python code, maybe its own bound
        except _queue.Full:
            return False
        counts[_OFFERED] += 1
        return True

    def _evict_and_put(self, record: logging.LogRecord) -> None:
        q: Any = self.queue
        counts = self._counts
        for _ in range(_qsize(q) + 2):
            if self._put_if_room(record):
                return
            counts[_DROPPED] += 1  # counted first: an interruption after the get keeps it exact
            try:
                old = q.get_nowait()
            except _queue.Empty:
                counts[_DROPPED] -= 1
                continue
            if old is None or old.__class__ is _FlushMarker:
                counts[_DROPPED] -= 1
                q.put_nowait(old)  # a flush marker or sentinel is never evicted
        counts[_OFFERED] += 1  # only control items left to evict: drop the new record
        counts[_DROPPED] += 1

    def _block_and_put(self, record: logging.LogRecord) -> None:
        """Wait for room; the listener wakes us through ``_notify_space`` (never blocking).

        An exception while waiting (KeyboardInterrupt) propagates with the record counted
        as dropped, so the counters stay exact.
        """
        q: Any = self.queue
        counts = self._counts
        timeout = self._block_timeout
        deadline = None if timeout is None else _monotonic() + timeout
        simple = q.__class__ is _SimpleQueue
        waiter = threading.Lock()
        waiter.acquire()
        waiting = self._waiting
        offered = False
        try:
            while True:
                if q.qsize() < self._maxsize:
                    if simple:
                        offered = True  # these three steps run with no signal check between
                        counts[_OFFERED] += 1
                        q.put_nowait(record)
                        return
                    if self._put_if_room(record):
                        offered = True
                        return
                if self._sync:
                    break
                own = self._own_listener
                thread = None if own is None else own._thread
                if thread is not None and not thread.is_alive():
                    break  # the listener thread died: write here rather than wait forever
                wait = _WAIT_SLICE
                if deadline is not None:
                    remaining = deadline - _monotonic()
                    if remaining <= 0:
                        offered = True
                        counts[_OFFERED] += 1
                        counts[_DROPPED] += 1
                        return
                    wait = min(wait, remaining)
                waiting.append(waiter)
                if q.qsize() < self._maxsize:
                    continue  # room came before the listener could see us waiting
                waiter.acquire(timeout=wait)
        except BaseException:
            if not offered:  # interrupted while waiting: the record is lost, and said so
                offered = True
                counts[_OFFERED] += 1
                counts[_DROPPED] += 1
            raise
        finally:
            with contextlib.suppress(ValueError):
                while True:
                    waiting.remove(waiter)
        self._handle_sync(record)  # the listener stopped while we waited

    def _notify_space(self) -> None:
        """Wake the producers waiting for room (called by the listener; never blocks)."""
        waiting = self._waiting
        while waiting:
            try:
                waiter = waiting.pop()
            except IndexError:
                return
            with contextlib.suppress(RuntimeError):  # released already: it woke by itself
                waiter.release()

    def _handle_sync(self, record: logging.LogRecord) -> None:
        listener = self._own_listener
        counts = self._counts
        if listener is None or getattr(_sync_guard, "on", False):
            counts[_OFFERED] += 1  # nowhere to write, or a handler logging from inside it
            counts[_DROPPED] += 1
            return
        counts[_OFFERED] += 1
        _sync_guard.on = True
        try:
            listener._handle_now(record)
        except BaseException:
            counts[_DROPPED] += 1  # interrupted (KeyboardInterrupt) before it was delivered
            raise
        finally:
            _sync_guard.on = False

    def _after_stop(self) -> None:
        """A record was put while the listener was stopping: wait until its thread has
        ended, then write what it left in the queue, so no accepted record stays there."""
        listener = self._own_listener
        if listener is None or getattr(_sync_guard, "on", False):
            return
        thread = listener._thread
        if thread is not None and thread is not threading.current_thread():
            deadline = _monotonic() + _STOP_WAIT
            while self._sync and thread.is_alive() and _monotonic() < deadline:
                thread.join(_WAIT_SLICE)
            if thread.is_alive():
                return  # restarted (records go through it again) or stuck in a handler
        _sync_guard.on = True
        try:
            listener._drain_after_stop()
        finally:
            _sync_guard.on = False

    # -- lifecycle --------------------------------------------------------------------

    # Handler.flush returns None; returning a bool only adds to it (callers ignore it).
    def flush(self, timeout: float | None = None) -> bool:  # type: ignore[override]
        """Wait until every record queued before the call is written and handlers flushed.

        Returns:
            True when done, False when ``timeout`` (seconds) ran out first.
        """
        listener = self._listener
        if isinstance(listener, BatchingQueueListener):
            return listener.flush(timeout)
        return True

    def close(self) -> None:
        """Write everything queued, stop the listener, then close as ``Handler`` does."""
        listener = self._listener
        if listener is not None and getattr(listener, "_thread", None) is not None:
            listener.stop()
        if self._own_listener is not None:
            self._sync = True
            self._notify_space()  # a producer blocked on the full queue writes synchronously
        super().close()

    @property
    def enqueued(self) -> int:
        """Records offered to the queue so far (accepted or dropped)."""
        return self._counts[_OFFERED]

    @property
    def dropped(self) -> int:
        """Records dropped: by policy, by ``block_timeout``, cut recursion, or interrupted."""
        return self._counts[_DROPPED]

    @property
    def render_errors(self) -> int:
        """Records whose message or formatter raised in the caller's thread (delivered
        with the raw ``msg`` and ``message_error``, or unformatted)."""
        return self._counts[_RENDER_ERRORS]

    def stats(self) -> dict[str, Any]:
        """This pipeline's counters, in ``lite_logging.stats()``'s layout."""
        listener = self._listener
        if isinstance(listener, BatchingQueueListener) and listener._owner is self:
            result = listener.stats()
        else:
            depth = _qsize(self.queue)
            result = {
                "enqueued": self.enqueued,
                "dropped": self.dropped,
                "delivered": self.enqueued - self.dropped - depth,
                "queue_depth": depth,
                "max_queue_depth": depth,
                "batches": 0,
                "handlers": {},
                "errors": 0,
            }
        result["render_errors"] = self.render_errors
        return result

    def _close_before(self, targets: list[logging.Handler]) -> None:
        """Move this handler after its targets in logging's handler list, so that
        ``logging.shutdown()`` (which closes in reverse order) drains it before closing them."""
        handler_list: list[Any] = logging._handlerList  # type: ignore[attr-defined]
        for ref in handler_list[:]:
            if ref() is self:
                try:
                    handler_list.remove(ref)  # each list operation is atomic under the GIL
                except ValueError:
                    return
                handler_list.append(ref)
                return

    def _after_fork_in_child(self) -> None:
        self._counts = [0, 0, 0]
        self._busy = set()
        self._waiting = []
        q = self.queue
        if isinstance(q, _queue.Queue):
            self.queue = _queue.Queue(q.maxsize)
        elif self._in_process:
            self.queue = _queue.SimpleQueue()


_OWN_HOOKS.update(
    emit=AsyncQueueHandler.emit,
    prepare=AsyncQueueHandler.prepare,
    enqueue=AsyncQueueHandler.enqueue,
)
AsyncQueueHandler._update_plain()


def flush(timeout: float | None = None) -> bool:
    """Wait until every record logged before the call is written, in every live pipeline.

    Returns:
        True when all are done, False when ``timeout`` (seconds, overall) ran out.
    """
    deadline = None if timeout is None else _monotonic() + timeout
    done = True
    for listener in list(_live):
        if listener._thread is None:
            continue
        remaining = None if deadline is None else max(0.0, deadline - _monotonic())
        done = listener.flush(remaining) and done
    return done


def shutdown() -> None:
    """Drain and stop every running listener (it runs by itself at interpreter exit).

    Records logged afterwards through an ``AsyncQueueHandler`` are written synchronously.
    """
    for listener in list(_live):
        try:
            listener.stop()
        except Exception:  # noqa: BLE001 - one broken pipeline must not stop the others
            _report(_REPORTER, None)


DEFAULT_DRAIN_TIMEOUT = 5.0
"""Seconds ``drain()`` waits by default (and a SIGTERM/SIGHUP drain, see ``_lifecycle``)."""
_LOCK_PROBE = 0.5  # the longest drain() waits for a lock that a thread holds for an instant (s)
_FULL_RETRY = 0.005  # drain() retries a full bounded queue this often (s)


def drain(timeout: float = DEFAULT_DRAIN_TIMEOUT) -> bool:
    """Write what every running pipeline holds, waiting at most ``timeout`` seconds overall.

    Meant for the last moments of a process: a signal handler, a framework's shutdown
    hook, right before ``os._exit``. Unlike ``flush()`` it is safe inside a signal handler:
    it never takes a lock without a timeout, so a main thread interrupted while logging
    (holding a lock, or blocked by the ``block`` policy on a full queue) cannot deadlock
    it; at worst it gives up when ``timeout`` runs out. Listeners keep running.

    Returns:
        True when every pipeline was drained in time, False otherwise.
    """
    deadline = _monotonic() + timeout
    me = _get_ident()
    markers: list[_FlushMarker] = []
    stopping: list[threading.Thread] = []
    done = True
    for listener in list(_live):
        thread = listener._thread
        if thread is None or not thread.is_alive() or listener._thread_ident == me:
            continue
        if listener._stopping.is_set():
            # stop() queued its sentinel: a marker behind it would never be answered.
            stopping.append(thread)
            continue
        marker = _put_marker(listener, deadline)
        if marker is None:
            done = False
        else:
            markers.append(marker)
    # All markers first: the pipelines drain in parallel. Then poll, taking no lock: an
    # Event.wait or a join takes a lock that a frame this signal handler interrupted (or
    # an outer drain() it interrupted) may hold, and it would never be released.
    for marker in markers:
        done = _poll(marker.is_set, deadline) and done
    for thread in stopping:  # the listener writes what is queued, then ends
        done = _poll(functools.partial(_ended, thread), deadline) and done
    return done


def _ended(thread: threading.Thread) -> bool:
    return not thread.is_alive()


def _poll(ready: Callable[[], bool], deadline: float) -> bool:
    """Whether ``ready()`` became true before ``deadline``, checked every millisecond."""
    while not ready():
        if _monotonic() >= deadline:
            return False
        time.sleep(_DRAIN_POLL)
    return True


def _acquire_briefly(lock: Any, deadline: float) -> bool:
    """Take ``lock`` unless that takes longer than a probe (or the deadline)."""
    return bool(lock.acquire(timeout=max(0.0, min(_LOCK_PROBE, deadline - _monotonic()))))


def _put_marker(listener: BatchingQueueListener, deadline: float) -> _FlushMarker | None:
    """Queue a flush marker for ``listener`` without a lock that could deadlock a signal
    handler; None when that was not possible before ``deadline``."""
    # The frame a signal interrupted may hold this lock (it is in flush()): it would never
    # be released while we wait, so only a bounded wait. Other threads hold it an instant.
    marker = _FlushMarker()
    if _put_before(listener.queue, marker, deadline):
        next(listener._markers_queued)  # counted late: the depth may read one low meanwhile
        return marker
    return None


def _put_before(q: Any, item: Any, deadline: float) -> bool:
    """``put_nowait(item)`` on ``q`` (retried while it is full) until ``deadline``.

    ``SimpleQueue.put`` is reentrant (documented for signal handlers). ``queue.Queue``
    and multiprocessing queues take a lock inside ``put``: probe it with a timeout first,
    so a lock held by the interrupted frame is seen as such, never waited on for good.
    """
    inner = getattr(q, "mutex", None) or getattr(q, "_notempty", None)
    while True:
        if inner is not None:
            if not _acquire_briefly(inner, deadline):
                return False
            inner.release()
        try:
            q.put_nowait(item)
            return True
        except _queue.Full:
            if _monotonic() >= deadline:
                return False
            time.sleep(_FULL_RETRY)


def stats() -> dict[str, dict[str, dict[str, Any]]]:
    """Counters of every live pipeline and filter: see the SPEC's stats() layout."""
    return _stats.collect()


_paused: list[BatchingQueueListener] = []


def _before_fork() -> None:
    """Pause dispatch, so no handler is half-way through a write when the process forks."""
    me = _get_ident()
    for listener in list(_live):
        if listener._thread is None or listener._thread_ident == me:
            continue
        # Bounded: a handler stuck for good must not hang every fork of the process.
        if listener._dispatch_lock.acquire(timeout=_FORK_PAUSE_TIMEOUT):
            _paused.append(listener)


def _after_fork_in_parent() -> None:
    while _paused:
        _paused.pop()._dispatch_lock.release()


def _after_fork_in_child() -> None:
    """Fresh locks and queue, zeroed counters and a running listener in the child.

    Records queued before the fork stay with the parent, which writes them; the child's
    copy of an in-process queue is replaced by an empty one. A multiprocessing queue is
    shared between the processes, so its listener is not restarted in the child.
    """
    _paused.clear()
    for listener in list(_live):
        running = listener._thread is not None
        listener._reset_after_fork()
        owner = listener._owner
        if owner is None:
            continue
        owner._after_fork_in_child()
        listener.queue = owner.queue
        if running and owner._in_process:
            listener.start()
            listener._auto_started = True
