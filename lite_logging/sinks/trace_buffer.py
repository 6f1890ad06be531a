"""TraceBufferHandler: hold the DEBUG lines of each trace, write them only if it fails.

A handler that wraps a target handler, like ``logging.handlers.MemoryHandler``, but keeps
one bounded buffer per trace (or per context key, such as ``request_id``) instead of one
for the whole process. It lives behind ``AsyncQueueHandler``, in the listener thread: the
records it sees are stamped (``trace_id``, ``context``) and rendered in the caller's thread
already, so nothing here reads ambient state, takes a lock in the caller's thread or costs
the caller anything beyond the usual enqueue. See docs/trace-buffer.md.

:class:`TraceEndFilter` is the optional caller-side half: it marks the span record that
closes a trace's local root when that root has a remote parent (``traceparent``), which
the listener side cannot tell from the record alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Mapping
from sys import getsizeof as _getsizeof
from typing import Any

from .._options import check_choice, check_int, check_number
from ..filters._common import parse_level, resolve_callable
from ..metrics._registry import register
from ..pipeline._targets import configurator_handlers
from ..record.stamping import stamp_record
from ..record.tracing import current_span

__all__ = ["RELEASED_FIELD", "TraceBufferHandler", "TraceEndFilter"]

RELEASED_FIELD = "released_late"
"""The field a released record carries (``True``): it was held and written after its trigger."""

_END_MARK = "_ll_trace_end"  # private (never written): this span record closes its trace
# The bytes a held record is counted for: this, plus sys.getsizeof of its __dict__, plus its
# message's length. Measured with tracemalloc (tests/test_trace_buffer.py, TestMemory): a
# queued DEBUG record costs ~1,960 bytes in all on CPython 3.11; counted as ~2,300.
_RECORD_OVERHEAD = 1_600
_TRACE_OVERHEAD = 800  # bytes a held trace costs: its entry, deque, _Trace (measured ~600)
_OUTSIDE = ("pass", "ring")
_KeyFn = Callable[[logging.LogRecord], Hashable | None]


class _Trace:
    """The records held for one trace, and when it was last active."""

    __slots__ = ("nbytes", "records", "seen")

    def __init__(self, seen: float) -> None:
        self.records: deque[tuple[logging.LogRecord, int]] = deque()
        self.nbytes = _TRACE_OVERHEAD
        self.seen = seen


def _is_span_record(d: Mapping[str, Any]) -> bool:
    return "span_name" in d and "duration_ms" in d and "status" in d


class TraceEndFilter(logging.Filter):
    """Marks the span record of a trace's local root, in the caller's thread.

    A root span whose parent is remote (``span(..., traceparent=header)`` or
    ``continue_trace``) has a ``parent_span_id``, like any child span, so behind the queue
    its record does not say that the trace ends here. Put this filter on the
    ``AsyncQueueHandler`` (it runs in the caller's thread, where the span record is logged
    after the span was left) and ``TraceBufferHandler`` ends the trace at that record
    instead of letting it age out. Roots without a parent need no filter. It never drops.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mark ``record`` when it is the span record of a span with no local parent."""
        d = record.__dict__
        if "parent_span_id" in d and _is_span_record(d):
            outer = current_span()  # the span record is logged after the span was left
            if outer is None or outer.trace_id != d.get("trace_id"):
                d[_END_MARK] = True
        return True


class TraceBufferHandler(logging.Handler):
    """Holds records below ``hold_below`` per trace; writes them when the trace fails.

    For each record with a key (its ``trace_id``, or the context key named by ``key``):

    - below ``hold_below``: held in that trace's buffer;
    - at or above ``trigger``: the held records go to ``target`` first, in order, each with
      ``released_late=True``, then the trigger itself; later records of that trace go
      straight through (the failing request keeps all its lines);
    - otherwise: passed to ``target`` at once.

    A trace ends at the span record of its local root (a span record without
    ``parent_span_id``, or one :class:`TraceEndFilter` marked), or when it was idle for
    ``max_age`` seconds; its held records are then dropped and counted. Memory is bounded
    by ``max_traces``, ``max_records`` per trace and ``max_bytes`` in all: the least
    recently active trace is evicted first, and every eviction is counted.

    Records without a key follow ``outside``: ``"pass"`` writes them, ``"ring"`` holds the
    last ``ring_size`` of those below ``hold_below`` in one shared ring, released by the next
    trigger that has no key either.

    Put it behind ``AsyncQueueHandler`` (as one of its ``handlers``): it then runs in the
    listener thread. Used directly on a logger it stamps and renders what it holds itself.

    Args:
        target: the handler that writes (a handler, or its dictConfig name).
        hold_below: records below this level are held; default ``"INFO"`` (DEBUG is held).
            (Not ``level``: dictConfig takes that key for the handler's own level, which
            would drop DEBUG before it reaches the buffer.)
        trigger: records at or above this level release their trace; default ``"ERROR"``.
        key: ``"trace_id"``, the name of a context key (``"request_id"``), or a callable
            ``key(record) -> hashable or None`` (or its dotted path).
        max_traces: most traces held at once.
        max_records: most records held per trace; beyond, the oldest are dropped.
        max_bytes: most bytes held in all (an estimate per record, kept conservative).
        max_age: seconds a trace may stay idle before it is dropped; ``None``: no limit.
        outside: ``"pass"`` or ``"ring"`` for records without a key.
        ring_size: size of the shared ring (``outside="ring"``).
        clock: the monotonic clock ``max_age`` is measured with (tests).
        name: the name shown in ``ll.stats()["filters"]``; default the class name.

    Raises:
        ValueError: a bad option, naming it and its value.
    """

    def __init__(
        self,
        target: logging.Handler | str,
        *,
        hold_below: int | str = "INFO",
        trigger: int | str = "ERROR",
        key: str | _KeyFn = "trace_id",
        max_traces: int = 10_000,
        max_records: int = 1_000,
        max_bytes: int = 64 * 1024 * 1024,
        max_age: float | None = 300.0,
        outside: str = "pass",
        ring_size: int = 100,
        clock: Callable[[], float] = time.monotonic,
        name: str | None = None,
    ) -> None:
        if not isinstance(target, logging.Handler | str):
            raise ValueError(f'"target" must be a handler or a handler name: {target!r}')
        self._target: logging.Handler | None = (
            target if isinstance(target, logging.Handler) else None
        )
        self._target_name = target if isinstance(target, str) else None
        self._config_handlers = configurator_handlers() if self._target_name else None
        self.hold_below = parse_level("hold_below", hold_below)
        self.trigger = parse_level("trigger", trigger)
        for option, value in (
            ("max_traces", max_traces),
            ("max_records", max_records),
            ("max_bytes", max_bytes),
            ("ring_size", ring_size),
        ):
            check_int(option, value, 1)
        if max_age is not None:
            check_number("max_age", max_age, finite=False, what="None or a number")
        check_choice("outside", outside, _OUTSIDE)
        self._key_fn = self._make_key(key)
        # Only now: Handler.__init__ registers the handler, and logging.shutdown() would
        # later close one whose options were refused.
        super().__init__()
        self.max_traces = max_traces
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.outside = outside
        self._clock = clock
        self._traces: OrderedDict[Hashable, _Trace] = OrderedDict()  # least recent first
        self._fired: OrderedDict[Hashable, None] = OrderedDict()  # triggered, still open
        self._ring: deque[tuple[logging.LogRecord, int]] = deque(maxlen=ring_size)
        self._nbytes = 0
        self._owner: int | None = None  # the thread inside emit (re-entry passes through)
        self._counts = dict.fromkeys(
            (
                "held",  # records put in a buffer
                "passed",  # records written at once
                "released",  # held records written after their trigger
                "triggers",  # traces released (and the ring, when released)
                "ended_traces",
                "ended_records",  # held records dropped because their trace ended
                "expired_traces",
                "expired_records",  # ... because it was idle for max_age
                "evicted_traces",
                "evicted_records",  # ... to keep max_traces / max_bytes
                "trimmed_records",  # oldest records dropped to keep max_records per trace
                "ring_dropped",  # oldest records pushed out of the shared ring
                "closed_records",  # held when the handler was closed
                "errors",
            ),
            0,
        )
        self.stats_name = register("filters", name, self)

    # -- options ------------------------------------------------------------------------

    @staticmethod
    def _make_key(key: object) -> _KeyFn:
        if key == "trace_id":
            return lambda record: record.__dict__.get("trace_id")
        if isinstance(key, str) and key.isidentifier():

            def from_context(record: logging.LogRecord) -> Hashable | None:
                d = record.__dict__
                ctx = d.get("context")
                value = ctx.get(key) if isinstance(ctx, Mapping) else None
                return value if value is not None else d.get(key)

            return from_context
        if isinstance(key, str) or callable(key):
            return resolve_callable(key, "key")
        raise ValueError(f'"key" must be "trace_id", a context key or a callable: {key!r}')

    @property
    def target(self) -> logging.Handler | None:
        """The handler records are written to (a dictConfig name is resolved on first use)."""
        if self._target is None and self._target_name is not None:
            found: Any = None
            if self._config_handlers is not None:
                found = self._config_handlers.get(self._target_name)
            if not isinstance(found, logging.Handler):
                found = logging._handlers.get(self._target_name)  # type: ignore[attr-defined]
            if isinstance(found, logging.Handler):
                self._target = found
                self._config_handlers = None
        return self._target

    # -- the record's way -----------------------------------------------------------------

    def handle(self, record: logging.LogRecord) -> Any:
        """Filter, then sort ``record`` (held, passed, or releasing its trace)."""
        rv: Any = self.filter(record)
        if isinstance(rv, logging.LogRecord):
            record = rv
        if rv:
            self.handle_batch([record])
        return rv

    def emit(self, record: logging.LogRecord) -> None:
        """Sort one record (``handle`` does it for a batch of one)."""
        self.handle_batch([record])

    def handle_batch(self, records: list[logging.LogRecord]) -> int:
        """Sort a batch (the listener's batch protocol); the target gets what goes out at once.

        Never raises: a target that fails is reported through ``handleError`` and counted.
        Returns how many records went out to the target.
        """
        me = threading.get_ident()
        if self._owner == me:  # a target (or a signal handler) logging back into us
            self._write(records)
            return len(records)
        out: list[logging.LogRecord] = []
        with self.lock:  # type: ignore[union-attr]  # createLock() made it
            self._owner = me
            try:
                now = self._clock()
                if self.max_age is not None:
                    self._expire(now - self.max_age)
                for record in records:
                    try:
                        self._sort(record, now, out)
                    except RecursionError:
                        raise
                    except Exception:  # noqa: BLE001 - costs that record only
                        self._counts["errors"] += 1
                        self.handleError(record)
            finally:
                self._owner = None
        if out:
            self._write(out)
        return len(out)

    def _sort(self, record: logging.LogRecord, now: float, out: list[logging.LogRecord]) -> None:
        """Hold ``record``, or append it to ``out`` (after its trace's held records when it
        triggers); end its trace when it is the trace's root span record."""
        d = record.__dict__
        if "event_id" not in d:  # used directly, not behind the queue: stamp it here
            stamp_record(record)
        key = self._key_of(record)
        if key is None:
            self._sort_outside(record, out)
            return
        counts = self._counts
        levelno = record.levelno
        fired = self._fired
        if key in fired:
            fired.move_to_end(key)
            counts["passed"] += 1
            out.append(record)
        elif levelno >= self.trigger:
            trace = self._traces.pop(key, None)
            if trace is not None:
                self._nbytes -= trace.nbytes
                counts["triggers"] += 1
                self._release(trace.records, out)
            fired[key] = None
            if len(fired) > self.max_traces:
                fired.popitem(last=False)
            counts["passed"] += 1
            out.append(record)
        elif levelno < self.hold_below:
            self._hold(key, record, now)
        else:
            trace = self._traces.get(key)
            if trace is not None:
                trace.seen = now
                self._traces.move_to_end(key)
            counts["passed"] += 1
            out.append(record)
        if _is_span_record(d) and (_END_MARK in d or "parent_span_id" not in d):
            self._end(key)

    def _key_of(self, record: logging.LogRecord) -> Hashable | None:
        """The record's trace key; None outside a trace, or when the key function raises or
        gives an unhashable key (counted in ``errors``)."""
        try:
            key = self._key_fn(record)
            if key is not None and key.__class__ is not str:
                hash(key)
        except Exception:  # noqa: BLE001 - a key that raises or is unhashable: no trace
            self._counts["errors"] += 1
            return None
        return key

    def _sort_outside(self, record: logging.LogRecord, out: list[logging.LogRecord]) -> None:
        """A record outside any trace: passed, or with ``outside="ring"`` held in the shared
        ring, which a trigger outside any trace releases."""
        counts = self._counts
        if self.outside == "ring":
            levelno = record.levelno
            if levelno >= self.trigger and self._ring:
                counts["triggers"] += 1
                self._release(self._ring, out)
                self._ring.clear()
            if levelno < self.hold_below:
                if len(self._ring) == self._ring.maxlen:
                    counts["ring_dropped"] += 1
                self._ring.append((self._held(record), 0))
                counts["held"] += 1
                return
        counts["passed"] += 1
        out.append(record)

    def _hold(self, key: Hashable, record: logging.LogRecord, now: float) -> None:
        counts = self._counts
        traces = self._traces
        trace = traces.get(key)
        if trace is None:
            trace = traces[key] = _Trace(now)
            self._nbytes += trace.nbytes
        else:
            trace.seen = now
            traces.move_to_end(key)
        held = self._held(record)
        hd = held.__dict__
        size = _RECORD_OVERHEAD + _getsizeof(hd) + len(hd.get("message") or "")
        trace.records.append((held, size))
        trace.nbytes += size
        self._nbytes += size
        counts["held"] += 1
        if len(trace.records) > self.max_records:
            _, gone = trace.records.popleft()
            trace.nbytes -= gone
            self._nbytes -= gone
            counts["trimmed_records"] += 1
        while len(traces) > self.max_traces or (self._nbytes > self.max_bytes and traces):
            _, evicted = traces.popitem(last=False)
            self._nbytes -= evicted.nbytes
            counts["evicted_traces"] += 1
            counts["evicted_records"] += len(evicted.records)

    def _held(self, record: logging.LogRecord) -> logging.LogRecord:
        """``record`` as it may wait: behind the queue already a rendered copy; used
        directly, a copy with the message and exception rendered now (values may change)."""
        d = record.__dict__
        if d.get("args") is None and "message" in d and not d.get("exc_info"):
            return record
        new = object.__new__(record.__class__)
        nd = new.__dict__ = d.copy()
        try:
            nd["message"] = nd["msg"] = record.getMessage()
        except Exception:  # noqa: BLE001 - keep the raw message rather than lose the line
            nd["message"] = str(nd.get("msg"))
        nd["args"] = None
        if d.get("exc_info"):
            nd["exc_text"] = d.get("exc_text") or logging.Formatter().formatException(d["exc_info"])
            nd["exc_info"] = None
        return new

    def _release(
        self, held: deque[tuple[logging.LogRecord, int]], out: list[logging.LogRecord]
    ) -> None:
        for record, _ in held:
            late = object.__new__(record.__class__)
            late.__dict__ = {**record.__dict__, RELEASED_FIELD: True}
            out.append(late)
        self._counts["released"] += len(held)

    def _end(self, key: Hashable) -> None:
        self._fired.pop(key, None)
        trace = self._traces.pop(key, None)
        if trace is not None:
            self._nbytes -= trace.nbytes
            self._counts["ended_traces"] += 1
            self._counts["ended_records"] += len(trace.records)

    def _expire(self, before: float) -> None:
        traces = self._traces
        counts = self._counts
        while traces:
            key, trace = next(iter(traces.items()))
            if trace.seen > before:
                break
            del traces[key]
            self._nbytes -= trace.nbytes
            counts["expired_traces"] += 1
            counts["expired_records"] += len(trace.records)

    def _write(self, records: list[logging.LogRecord]) -> None:
        """Hand ``records`` to the target: its level and filters, then its batch method."""
        target = self.target
        if target is None:
            self._counts["errors"] += len(records)
            return
        ready = self._admitted(target, records)
        batch = getattr(target, "handle_batch", None)
        if batch is not None:
            try:
                batch(ready)
                return
            except Exception:  # noqa: BLE001 - all or nothing: retry one at a time
                self._each(ready, lambda record: batch([record]))
            return
        self._each(ready, target.handle)

    def _admitted(
        self, target: logging.Handler, records: list[logging.LogRecord]
    ) -> list[logging.LogRecord]:
        """The records at or above the target's level that its filters keep (or replace)."""
        level = target.level
        ready: list[logging.LogRecord] = []
        for record in records:
            try:
                if record.levelno < level:
                    continue
                rv: Any = target.filter(record)
                if isinstance(rv, logging.LogRecord):
                    ready.append(rv)
                elif rv:
                    ready.append(record)
            except RecursionError:
                raise
            except Exception:  # noqa: BLE001 - a target filter failed: that record only
                self._counts["errors"] += 1
                self.handleError(record)
        return ready

    def _each(
        self, records: list[logging.LogRecord], write: Callable[[logging.LogRecord], object]
    ) -> None:
        """``write`` each record; one that fails is counted and reported, the rest go on."""
        for record in records:
            try:
                write(record)
            except Exception:  # noqa: BLE001 - that record only
                self._counts["errors"] += 1
                self.handleError(record)

    # -- flush, close, stats ------------------------------------------------------------

    def flush(self) -> None:
        """Flush the target (held records stay held: they wait for their trigger)."""
        target = self.target
        if target is not None:
            target.flush()

    def close(self) -> None:
        """Drop what is held (counted in ``closed_records``); the target is not closed."""
        with self.lock:  # type: ignore[union-attr]
            self._counts["closed_records"] += sum(len(t.records) for t in self._traces.values())
            self._counts["closed_records"] += len(self._ring)
            self._traces.clear()
            self._fired.clear()
            self._ring.clear()
            self._nbytes = 0
        super().close()

    def stats(self) -> dict[str, Any]:
        """Counters (exact: changed under the handler's lock) and what is held now.

        Takes no lock, so it may be called from a signal handler: each copy below is one
        C call under the GIL.
        """
        traces = list(self._traces.values())
        counts = dict(self._counts)
        dropped_by = {reason: counts[key] for key, reason in _DROP_REASONS if counts[key]}
        return {
            **counts,
            "dropped": sum(dropped_by.values()),
            "dropped_by": dropped_by,
            "traces": len(traces),
            "held_now": sum(len(t.records) for t in traces) + len(self._ring),
            "bytes": self._nbytes,
        }


# stats()["dropped_by"]: the counter of held records dropped, and its reason.
_DROP_REASONS = (
    ("ended_records", "trace_ended"),
    ("expired_records", "trace_expired"),
    ("evicted_records", "trace_evicted"),
    ("trimmed_records", "trace_trimmed"),
    ("ring_dropped", "ring_full"),
    ("closed_records", "closed"),
)
