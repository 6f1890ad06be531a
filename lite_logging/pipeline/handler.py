"""``AsyncQueueHandler``: the caller's side of the queue, step 3 of a record's way.

In the caller's thread it runs its filters, stamps the record (``stamp_record``), makes a
copy safe to hand to another thread (``prepare``: message and exception rendered) and
puts it in the queue (``enqueue``); a full queue is left to the overflow policy
(:mod:`._overflow`). The default queue is a ``queue.SimpleQueue`` (a C queue: ``put``
costs ~30 ns against ~0.5 us for ``queue.Queue``, measured) bounded by ``maxsize``
through ``qsize()``. With several producers the bound may be passed by at most one record
per producer thread. The caller side takes no lock, not even on a full queue, so a signal
handler that logs cannot wait on its own thread.
"""

from __future__ import annotations

import logging
import logging.handlers
import math
import queue as _queue
import threading
import time
from collections.abc import Iterable
from typing import Any, cast

from .._options import check_bool, check_choice, check_int, check_number
from ..metrics import _registry as _stats
from ..record._message import render_message
from ..record.stamping import stamp_record
from ._overflow import BY_NAME, DROPPED, OFFERED, RENDER_ERRORS, Policy, wake
from ._queues import make_queue, qsize, resolve_name
from ._targets import check_targets, report
from .listener import DEFAULT_BATCH_SIZE, BatchingQueueListener, check_batching

__all__ = ["DEFAULT_MAXSIZE", "POLICIES", "AsyncQueueHandler"]

POLICIES = tuple(BY_NAME)
"""The overflow policies of :class:`AsyncQueueHandler`."""

DEFAULT_MAXSIZE = 10_000

_get_ident = threading.get_ident
_monotonic = time.monotonic
_exception_formatter = logging.Formatter()
_STOP_WAIT = 5.0  # the longest a producer that raced a stop waits for the listener to end (s)
_WAIT_SLICE = 0.1  # it re-checks whether the listener stopped this often (s)
# stats()["dropped_by"]: the reason of the queue's drops, by policy (a record cut as a
# handler's recursion, or interrupted while it waited, is counted with them: rare).
_DROP_REASONS = {
    "block": "block_timeout",
    "drop_newest": "queue_full",
    "drop_oldest": "drop_oldest",
}
_SimpleQueue = _queue.SimpleQueue
_LogRecord = logging.LogRecord
_new = object.__new__  # a global, not object's attribute looked up per record
_sync_guard = threading.local()  # on: this thread is writing synchronously already


class AsyncQueueHandler(logging.handlers.QueueHandler):
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
        block_timeout: seconds the ``block`` policy waits; ``None`` (or infinity) waits as
            long as the listener runs.
        batch_size: passed to the listener it creates.
        flush_interval: passed to the listener it creates.
        respect_handler_level: passed to the listener it creates. True by default here
            (a target handler's level applies, as the SPEC's record path says), unlike the
            stdlib QueueListener's False, which ``BatchingQueueListener`` itself keeps.
        listener: the listener class (or dotted path) to create instead of
            ``BatchingQueueListener``.
        keep_exc_info: keep ``exc_info`` (the exception and its traceback) on the queued
            copy, besides its text, for an in-process target that renders it: the
            ``RichHandler`` of ``setup("dev")`` draws a rich traceback from it. Off by
            default: the frames (and their locals) then stay alive until the record is
            written, and the copy cannot be pickled.

    Raises:
        ValueError: a bad option, naming it and its value.
    """

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
        keep_exc_info: bool = False,
    ) -> None:
        self.keep_exc_info = check_bool("keep_exc_info", keep_exc_info)
        # Checked also when no listener is made here: a bad value is refused either way.
        batch_size, flush_interval = check_batching(batch_size, flush_interval)
        q, owned = make_queue(queue)
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
            factory = resolve_name(listener, "listener") or BatchingQueueListener
            if not callable(factory):
                raise ValueError(f'"listener" must be a QueueListener class: {listener!r}')
            targets = check_targets(handlers)
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
        self._maxsize_option = value = check_int("maxsize", value, 0)
        self._maxsize: float = value or math.inf

    @property
    def policy(self) -> str:
        """The overflow policy: one of ``POLICIES``."""
        return self._policy

    @policy.setter
    def policy(self, value: str) -> None:
        self._policy = check_choice("policy", value, POLICIES)
        self._overflow: Policy = BY_NAME[value]

    @property
    def block_timeout(self) -> float | None:
        """Seconds the ``block`` policy waits before dropping; ``None``: no limit."""
        return self._block_timeout

    @block_timeout.setter
    def block_timeout(self, value: float | None) -> None:
        # Infinity waits as None does (the wait is taken in slices): accepted, not refused.
        self._block_timeout = (
            None
            if value is None
            else check_number("block_timeout", value, finite=False, what="None or a number")
        )

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
        self.__dict__.pop("enqueue", None)
        if value is None:
            return
        if isinstance(value, BatchingQueueListener):
            self._own_listener = value
            value._owner = self
            if value._stats_name is not None:
                _stats.unregister("pipelines", value._stats_name)
                value._stats_name = None
            if value._inline:  # no listener thread (Pyodide): each put tells the listener
                self.enqueue = self._enqueue_inline  # type: ignore[method-assign]
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

    def handle(self, record: logging.LogRecord) -> Any:
        """Filter, then ``emit``: ``Handler.handle`` without its lock.

        The queue is thread-safe, so no lock is taken: a handler that logs during
        ``logging.shutdown``, or a signal handler that logs, cannot deadlock. One path for
        every class: a subclass that overrides ``emit``, ``prepare`` or ``enqueue`` has it
        called.
        """
        rv: Any = True
        if self.filters:
            rv = self.filter(record)
            if not rv:
                return rv
            if isinstance(rv, logging.LogRecord):
                record = rv
        self.emit(record)
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
        the exception rendered to ``exc_text`` (``exc_info=None`` unless ``keep_exc_info``);
        ``stack_info`` is text already. A message that cannot be rendered (a wrong format
        string, an argument whose ``str()`` raises or recurses) never raises: the copy
        keeps the raw ``msg`` and gets ``message_error``; the failure is counted in
        ``render_errors`` and reported once through ``handleError``. With a formatter set
        on this handler, ``msg`` is the fully formatted line and the exception and stack
        fields are cleared, exactly as ``QueueHandler.prepare`` does; a formatter that
        raises is counted and reported the same way, and the record goes on unformatted.
        """
        d = record.__dict__
        if "event_id" not in d:
            stamp_record(record)  # on the original: every handler sees the same event_id
        if self.formatter is not None:
            formatted = self._prepare_formatted(record)
            if formatted is not None:
                return formatted
        # object.__new__ + dict copy: ~250 ns against ~1.5 us for copy.copy (measured).
        new = _new(record.__class__)
        nd = new.__dict__ = d.copy()
        msg = d["msg"]
        if msg.__class__ is str and record.__class__ is _LogRecord:
            args = d["args"]
            if args:
                try:
                    msg = msg % args  # what getMessage() does for a str (~60 ns less)
                except Exception:  # noqa: BLE001 - RecursionError too: the value recursed
                    msg = self._render_failed(record, new)
                nd["msg"] = msg
        else:
            msg = self._render_other(record, new)
        nd["message"] = msg
        nd["args"] = None
        exc_info = d["exc_info"]
        if exc_info:
            nd["exc_text"] = d["exc_text"] or _exception_formatter.formatException(exc_info)
            if not self.keep_exc_info:
                nd["exc_info"] = None
        return new

    def _prepare_formatted(self, record: logging.LogRecord) -> logging.LogRecord | None:
        """The copy ``QueueHandler.prepare`` makes with a formatter; None when it raised."""
        try:
            msg = self.format(record)
        except Exception:  # noqa: BLE001 - RecursionError too: the record goes on
            self._counts[RENDER_ERRORS] += 1
            report(self, record)
            return None
        new = _new(record.__class__)
        new.__dict__ = record.__dict__.copy()
        new.message = msg
        new.msg = msg
        new.args = None
        new.exc_info = None
        new.exc_text = None
        new.stack_info = None
        return new

    def _render_other(self, record: logging.LogRecord, new: logging.LogRecord) -> Any:
        """The message of a record whose ``msg`` is no str, or whose class has its own
        ``getMessage``; sets ``new.msg`` to it unless ``msg`` is a dict (python-json-logger's
        way: a dict stays a dict)."""
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - RecursionError too: the value recursed
            text = self._render_failed(record, new)
        if not isinstance(record.msg, dict):
            new.msg = text
        return text

    def _render_failed(self, record: logging.LogRecord, new: logging.LogRecord) -> str:
        """Called while the rendering error is handled: the raw message, with
        ``message_error`` set on ``new``; the failure counted and reported once."""
        text, _ = render_message(new)
        self._counts[RENDER_ERRORS] += 1
        report(self, record)  # handleError may itself fail on the same arguments
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
            counts[OFFERED] += 1
            q.put_nowait(record)  # C: counted and put with no bytecode boundary between
            if self._sync:  # set by stop() meanwhile: see that the record is written
                self._after_stop()  # type: ignore[unreachable]  # another thread sets it
            return
        self._enqueue_slow(record)

    def _enqueue_inline(self, record: logging.LogRecord) -> None:
        """``enqueue`` where no thread can start: queue, then let the listener deliver
        (now, or from the running event loop; see ``BatchingQueueListener._kick``)."""
        type(self).enqueue(self, record)
        listener = self._own_listener
        if listener is not None:
            listener._kick()

    def _enqueue_special(self, record: logging.LogRecord) -> None:
        """Stopped listener: write synchronously; our own listener thread: keep it nested."""
        if self._sync:
            self._handle_sync(record)
            return
        # logged by a handler in our own listener thread: never wait on ourselves
        listener = cast(BatchingQueueListener, self._own_listener)
        counts = self._counts
        counts[OFFERED] += 1
        if not listener._take_nested(record):
            counts[DROPPED] += 1

    def _enqueue_slow(self, record: logging.LogRecord) -> None:
        """A full queue, or a queue of another class: the policy decides, no lock held.

        A call nested in this thread's own slow path (a signal handler that logs) never
        waits: it puts past the bound into a ``SimpleQueue``, else drops and counts (a
        ``queue.Queue`` may be half-way through a ``put`` under its own lock).
        """
        ident = _get_ident()
        busy = self._busy
        if ident in busy:
            q = self.queue
            counts = self._counts
            if q.__class__ is not _SimpleQueue:
                counts[OFFERED] += 1
                counts[DROPPED] += 1
                return
            counts[OFFERED] += 1
            q.put_nowait(record)
        else:
            try:
                busy.add(ident)
                if not self._overflow.put(self, record):
                    self._handle_sync(record)
            finally:
                busy.discard(ident)
        if self._sync:
            self._after_stop()

    def _notify_space(self) -> None:
        """Wake the producers waiting for room (called by the listener; never blocks)."""
        wake(self._waiting)

    def _handle_sync(self, record: logging.LogRecord) -> None:
        listener = self._own_listener
        counts = self._counts
        if listener is None or getattr(_sync_guard, "on", False):
            counts[OFFERED] += 1  # nowhere to write, or a handler logging from inside it
            counts[DROPPED] += 1
            return
        counts[OFFERED] += 1
        _sync_guard.on = True
        try:
            listener._handle_now(record)
        except BaseException:
            counts[DROPPED] += 1  # interrupted (KeyboardInterrupt) before it was delivered
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
        return self._counts[OFFERED]

    @property
    def dropped(self) -> int:
        """Records dropped: by policy, by ``block_timeout``, cut recursion, or interrupted."""
        return self._counts[DROPPED]

    @property
    def render_errors(self) -> int:
        """Records whose message or formatter raised in the caller's thread (delivered
        with the raw ``msg`` and ``message_error``, or unformatted)."""
        return self._counts[RENDER_ERRORS]

    def stats(self) -> dict[str, Any]:
        """This pipeline's counters, in ``lite_logging.stats()``'s layout."""
        listener = self._listener
        if isinstance(listener, BatchingQueueListener) and listener._owner is self:
            result = listener.stats()
        else:
            depth = qsize(self.queue)
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
        dropped = result["dropped"]
        result["dropped_by"] = {_DROP_REASONS[self._overflow.name]: dropped}
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
