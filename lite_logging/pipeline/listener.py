"""``BatchingQueueListener``: the listener thread behind the queue, step 3 of a record's way.

It takes records from the queue in batches and hands each target handler a batch
(``handle_batch``) or, for a handler without one, record by record; see
:mod:`._targets` for the delivery to one handler.
"""

from __future__ import annotations

import functools
import itertools
import logging
import logging.handlers
import queue as _queue
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, cast

from .. import _threads
from .._options import check_int, check_number
from ..metrics import _registry as _stats
from . import control
from ._queues import FlushMarker, qsize
from ._targets import REPORTER, HandlerState, configurator_handlers, report

if TYPE_CHECKING:
    from .handler import AsyncQueueHandler

__all__ = ["DEFAULT_BATCH_SIZE", "MAX_FLUSH_INTERVAL", "BatchingQueueListener", "check_batching"]

DEFAULT_BATCH_SIZE = 512
MAX_FLUSH_INTERVAL = 86_400.0
"""The longest ``flush_interval`` (s): a day. Infinity is refused: a multiprocessing queue
cannot wait 25 days or more (the listener thread would die on its ``OverflowError``), nor
any queue forever; ``flush()`` and ``stop()`` hand over a partial batch at any time."""

_get_ident = threading.get_ident
_monotonic = time.monotonic
_WAIT_SLICE = 0.1  # flush() re-checks the listener's liveness this often (s)
_NO_CONTROL = object()  # "the batch ended without a sentinel or flush marker"
_POLL_INTERVAL = 0.1  # without threads, an unfed listener looks at its queue this often (s)


def check_batching(batch_size: object, flush_interval: object) -> tuple[int, float]:
    """``batch_size`` (an int >= 1) and ``flush_interval`` (seconds, 0 to a day, not a bool).

    Raises:
        ValueError: naming the option and its value.
    """
    return check_int("batch_size", batch_size, 1), check_number(
        "flush_interval",
        flush_interval,
        allow_minimum=True,
        maximum=MAX_FLUSH_INTERVAL,
        what="a number of seconds",
    )


class _InlineRunner(threading.Thread):
    """Stands where the listener thread would, where no thread can start (Pyodide).

    It is never started: records are delivered by the thread that logs (see
    ``BatchingQueueListener._kick``). Alive from the listener's ``start()`` to its ``stop()``.
    """

    def __init__(self) -> None:
        super().__init__(name="lite_logging-listener (inline)", daemon=True)
        self.alive = True

    def is_alive(self) -> bool:
        """Whether the listener it stands for runs."""
        return self.alive

    def join(self, timeout: float | None = None) -> None:
        """Return at once: there is no thread to wait for."""


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

    Where no thread can start (Pyodide: CPython in WebAssembly), decided once when the
    listener is built, there is no listener thread: the thread that logs delivers. Its
    ``AsyncQueueHandler`` hands the queued records over as one batch from the running
    asyncio event loop (``call_soon``, or ``call_later(flush_interval)``), at once when the
    queue holds ``batch_size`` records (or the handler's ``maxsize``), and record by record
    when no loop runs. ``flush()`` and ``stop()`` deliver what is queued before returning;
    stats, filters and formatters are the same. See docs/pyodide.md.

    Args:
        queue: the queue to read (``queue.SimpleQueue``, ``queue.Queue``, a
            multiprocessing queue...).
        *handlers: target handlers, or their dictConfig names.
        respect_handler_level: give a handler only records at or above its level.
        batch_size: most records taken from the queue at once.
        flush_interval: seconds the listener may wait for more records to fill a batch
            once it has one (0: hand over at once whatever is queued; at most a day,
            ``MAX_FLUSH_INTERVAL``).

    Raises:
        ValueError: a bad option, naming it and its value (see :func:`check_batching`).
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
        batch_size, flush_interval = check_batching(batch_size, flush_interval)
        targets = cast(tuple[logging.Handler, ...], handlers)  # names are resolved later
        super().__init__(queue, *targets, respect_handler_level=respect_handler_level)
        self.queue: Any
        self.handlers: tuple[Any, ...]
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._thread: threading.Thread | None = None
        self._thread_ident: int | None = None
        self._auto_started = False
        self._owner: AsyncQueueHandler | None = None
        self._stats_name: str | None = None
        self._states: tuple[HandlerState, ...] = ()
        self._states_for: tuple[Any, ...] | None = None
        self._reported_names: set[str] = set()
        # logging keeps handlers only weakly: a target named here, that no logger holds,
        # would be collected once dictConfig returns. Hold dictConfig's own table of
        # configured handlers until the names are resolved.
        self._config_handlers: Any = (
            configurator_handlers() if any(isinstance(h, str) for h in handlers) else None
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
        # The thread handed over its last batch and returns: drain() reads it without a
        # lock (Thread.is_alive() can stay True in a signal handler, see control.drain).
        self._finished = False
        self.max_queue_depth = 0
        # Flush markers in the queue, not counted in its depth: queued minus taken, without
        # a lock (flush() may run in a signal handler that interrupted another flush()).
        self._markers_queued = itertools.count()  # next() is one C call: atomic
        self._markers_taken = 0  # only the listener thread (or the drain after it) adds
        # No thread can start here (Pyodide): the logging thread delivers, see _kick.
        self._inline = not _threads.threads_work()
        self._scheduled_on: Any = None  # the event loop a delivery is scheduled on
        control._live.add(self)

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
        self._finished = False
        if self._inline:
            self._thread = _InlineRunner()
            self._scheduled_on = None
            if self._owner is None:  # no handler tells it of new records: look now and then
                self._poll()
        else:
            self._thread = t = threading.Thread(
                target=self._monitor, name="lite_logging-listener", daemon=True
            )
            _threads.start_without_signals(t)
        for hook in control._start_hooks:
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
        if isinstance(t, _InlineRunner):
            self._stopping.set()
            try:
                self._run_inline()
            finally:
                t.alive = False
                self._thread = None
            return
        # The sentinel first: a signal drain that sees _stopping waits for the thread to
        # end, which it only does once the sentinel is in the queue (see control.drain).
        self.enqueue_sentinel()
        self._stopping.set()
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
        if isinstance(t, _InlineRunner):
            self._run_inline()
            self._flush_handlers()
            return True
        marker = FlushMarker()
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
            if item is not self._sentinel and item.__class__ is not FlushMarker:
                batch.append(item)
                control = self._fill(batch, get_nowait, linger)
            self._deliver(batch, has_task_done)
            if control is not _NO_CONTROL and self._answer(control, has_task_done):
                break
        self._thread_ident = None
        self._finished = True

    def _deliver(self, batch: list[logging.LogRecord], has_task_done: bool) -> None:
        """Hand a batch taken from the queue to the handlers; wake blocked producers."""
        owner = self._owner
        if owner is not None and owner._waiting:
            owner._notify_space()
        if batch:
            try:
                self._process(batch)
            except Exception:  # noqa: BLE001 - a bug here must not end the thread
                report(REPORTER, batch[0])
            if has_task_done:
                for _ in batch:
                    self.queue.task_done()

    # -- without a thread (Pyodide): the thread that logs delivers ---------------------

    def _kick(self) -> None:
        """After a record was queued: deliver now, or schedule it on the running loop.

        Now when no event loop runs in this thread, or when the queue holds a batch (or
        as many records as the handler's bound): a full queue must never wait for a
        thread that does not exist. Otherwise one delivery per loop iteration (or per
        ``flush_interval``) carries every record queued until then, as one batch.
        """
        if self._thread is None or self._thread_ident == _get_ident():
            return  # stopped (written already), or a handler logging from inside delivery
        loop = _threads.running_loop()
        if loop is None or qsize(self.queue) >= self._inline_limit():
            self._run_inline()
        elif loop is not self._scheduled_on:
            self._scheduled_on = _threads.defer(self.flush_interval, self._on_loop)
            if self._scheduled_on is None:  # the loop is closing
                self._run_inline()

    def _inline_limit(self) -> float:
        """The queue depth at which the logging thread delivers at once."""
        limit: float = self.batch_size
        owner = self._owner
        if owner is not None and owner._maxsize < limit:
            limit = owner._maxsize
        bound = getattr(self.queue, "maxsize", 0)  # a queue.Queue given by the user
        if isinstance(bound, int) and 0 < bound < limit:
            limit = bound
        return limit

    def _on_loop(self) -> None:
        """The delivery scheduled on the event loop."""
        self._scheduled_on = None
        if self._thread is not None:
            self._run_inline()

    def _poll(self) -> None:
        """Deliver and look again later, while running and fed by no ``AsyncQueueHandler``
        (a plain ``QueueHandler`` does not call ``_kick``); without a loop, ``flush()`` and
        ``stop()`` deliver."""
        if self._thread is None or self._owner is not None:
            return
        self._run_inline()
        _threads.defer(max(self.flush_interval, _POLL_INTERVAL), self._poll)

    def _run_inline(self) -> None:
        """Deliver everything queued now, in batches of up to ``batch_size``, in this thread."""
        q = self.queue
        has_task_done = hasattr(q, "task_done")
        plain = type(self).dequeue is _QL_DEQUEUE
        get_nowait = q.get_nowait if plain else functools.partial(self.dequeue, False)
        with self._dispatch_lock:
            outer = self._thread_ident
            self._thread_ident = _get_ident()  # what handlers log meanwhile is kept nested
            try:
                while True:
                    batch: list[logging.LogRecord] = []
                    control = self._fill(batch, get_nowait, 0.0)
                    self._deliver(batch, has_task_done)
                    if control is not _NO_CONTROL:
                        if control is not self._sentinel:  # a flush marker
                            self._flush_handlers()
                            self._markers_taken += 1
                            control.set()
                        if has_task_done:
                            q.task_done()
                    elif not batch:
                        break
            finally:
                self._thread_ident = outer

    def _fill(self, batch: list[logging.LogRecord], get_nowait: Any, linger: float) -> Any:
        """Take more records into ``batch``, up to ``batch_size``, without waiting (or for
        ``linger`` seconds in all); return the sentinel or flush marker that ended the
        batch, or ``_NO_CONTROL``. One call per batch: the listener's only one here."""
        # Depth only grows between two takes, so it peaks right before this one.
        depth = qsize(self.queue) + len(batch) - self._markers
        if depth > self.max_queue_depth:
            self.max_queue_depth = depth
        sentinel = self._sentinel
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
                item = self._get_until(deadline)
                if item is _NO_CONTROL:
                    break
            except Exception:  # noqa: BLE001 - a dequeue hook: keep what we hold
                self._take_failed()
                break
            if item is sentinel or item.__class__ is FlushMarker:
                return item
            batch.append(item)
        return _NO_CONTROL

    def _get_until(self, deadline: float) -> Any:
        """The next item, waiting until ``deadline`` at most; ``_NO_CONTROL`` when none."""
        remaining = deadline - _monotonic()
        if remaining <= 0:
            return _NO_CONTROL
        try:
            return self.queue.get(True, remaining)
        except _queue.Empty:
            return _NO_CONTROL

    def _answer(self, control: Any, has_task_done: bool) -> bool:
        """Act on a sentinel (True: the thread ends) or a flush marker (False)."""
        stop = control is self._sentinel
        if stop:
            if self._owner is not None:
                self._drain_after_stop()
            # No handler flush here: QueueListener.stop() does none (a BufferingHandler
            # keeps its records for close()); flush() and the signal drain do flush.
        else:
            self._flush_handlers()
            self._markers_taken += 1
            control.set()
        if has_task_done:
            self.queue.task_done()
        return stop

    def _take_failed(self) -> bool:
        """Count a take from the queue that raised; report the first of a streak.

        Returns True when the take before it failed too. Call it inside the ``except``.
        """
        self.errors += 1
        if self._take_failing:
            return True
        self._take_failing = True
        report(REPORTER, None)
        return False

    def _drain_after_stop(self) -> None:
        """Write what raced past the sentinel (the owner now writes synchronously)."""
        q = self.queue
        for _ in range(qsize(q)):
            try:
                item = q.get_nowait()
            except _queue.Empty:
                break
            if item.__class__ is FlushMarker:
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
                    report(REPORTER, record)

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
                    report(REPORTER, record)
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
                state.deliver(batch, respect)
            except Exception:  # noqa: BLE001 - a handler object broken beyond its methods
                state.busy_since = 0.0
                state.failed(batch[0], len(batch))

    def _resolve_handlers(self) -> None:
        """Turn handler names into handlers; keep counters of handlers seen before."""
        current = self.handlers
        resolved: list[logging.Handler] = []
        for h in current:
            found = self._lookup(h) if isinstance(h, str) else h
            if found is not None:
                resolved.append(found)
        old = {id(s.handler): s for s in self._states}
        self._states = tuple(old.get(id(h)) or HandlerState(h) for h in resolved)
        if len(resolved) < len(current):  # a name not found yet: look again next batch
            self._states_for = current
        else:
            self.handlers = self._states_for = tuple(resolved)
            self._config_handlers = None  # the handlers are held now: let the config go
        owner = self._owner
        if owner is not None and any(isinstance(h, str) for h in current):
            owner._close_before(resolved)

    def _lookup(self, name: str) -> logging.Handler | None:
        """The handler configured under ``name``; None (said once on stderr) when none is."""
        candidate = None
        if self._config_handlers is not None:
            candidate = self._config_handlers.get(name)
        if not isinstance(candidate, logging.Handler):
            candidate = logging._handlers.get(name)  # type: ignore[attr-defined]
        if candidate is None and name not in self._reported_names:
            self._reported_names.add(name)
            sys.stderr.write(
                f'lite_logging: "handlers" names {name!r}, which is not a configured'
                " handler; its records are skipped\n"
            )
        return cast("logging.Handler | None", candidate)

    def _flush_handlers(self) -> None:
        with self._dispatch_lock:
            if self.handlers is not self._states_for:
                self._resolve_handlers()
            for state in self._states:
                state.flush()
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
        depth = max(0, qsize(self.queue) - self._markers)
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
        self._scheduled_on = None
        self._states = tuple(HandlerState(s.handler) for s in self._states)


# The hooks as defined here: a subclass (or a test's mock) replacing one is noticed.
_OWN_HANDLE = BatchingQueueListener.handle
_QL_DEQUEUE = logging.handlers.QueueListener.dequeue
_QL_PREPARE = logging.handlers.QueueListener.prepare
