"""The registry behind ``lite_logging.stats()``: live pipelines and filters, held weakly.

Each component keeps its own plain counters and has a ``stats() -> dict`` method; it
registers itself here once, under a unique name. ``collect()`` asks each live one.
Nothing here runs on the logging hot path.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Mapping
from typing import Any, Literal, Protocol

__all__ = [
    "LATENCY_BUCKETS",
    "HasStats",
    "LatencyRecorder",
    "SinkStats",
    "clear",
    "collect",
    "merge_sink_stats",
    "register",
    "unregister",
]

Kind = Literal["pipelines", "filters"]


class HasStats(Protocol):
    """Anything that can report its counters as a JSON-serializable dict."""

    def stats(self) -> dict[str, Any]: ...


class SinkStats(Protocol):
    """A handler that counts what it does itself (``BatchFileHandler``, the sinks).

    ``stats()`` returns flat counters; the listener shows them in ``ll.stats()`` under the
    handler's name, merged with its own (see :func:`merge_sink_stats`). The names it knows:

    - ``written``: records written (sent, accepted); replaces the listener's count.
    - ``errors``: records degraded or lost; added to those the listener saw it raise on.
    - ``dropped``: records it will never write: lost to a failure (then in ``errors`` too)
      or dropped by design (``TraceBufferHandler``); and ``dropped_by``, ``{reason: count}``
      summing to it, when the sink knows why (``export_failed``, ``buffer_full``,
      ``trace_evicted``...).
    - ``resent`` (records sent again after a reconnect), ``retries`` (attempts repeated),
      and any other int counter: shown as they are.
    """

    def stats(self) -> Mapping[str, Any]: ...


# Keys of a handler's entry in ll.stats() that the listener computes; a sink's are ignored.
_LISTENER_KEYS = frozenset({"dropped", "dropped_by", "handle_us", "handle_seconds", "busy_s"})


def merge_sink_stats(
    result: dict[str, Any], dropped_by: dict[str, int], own: Mapping[str, Any]
) -> None:
    """Merge a sink's ``stats()`` (``own``) into the listener's counters of it.

    ``result`` holds the listener's ``written`` and ``errors``; ``dropped_by`` its drops by
    reason. The sink's ``written`` wins, its ``errors`` add, its ``dropped_by`` (or, without
    one, its ``dropped`` as reason ``"sink"``) join the reasons, its other numbers are copied.
    """
    result["written"] = int(own.get("written", result["written"]))
    # What the handler raised on, it did not count itself: add the two.
    result["errors"] += int(own.get("errors", 0))
    by = own.get("dropped_by")
    reasons: dict[str, int] = {}
    if isinstance(by, Mapping):
        reasons = {str(k): int(v) for k, v in by.items() if v}
    rest = int(own.get("dropped", 0)) - sum(reasons.values())
    if rest > 0:
        reasons["sink"] = reasons.get("sink", 0) + rest
    for reason, count in reasons.items():
        dropped_by[reason] = dropped_by.get(reason, 0) + count
    for key, value in own.items():
        if key in result or key in _LISTENER_KEYS or type(key) is not str:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            result[key] = value


_lock = threading.Lock()
_registry: dict[Kind, dict[str, weakref.ref[HasStats]]] = {"pipelines": {}, "filters": {}}


def register(kind: Kind, name: str | None, obj: HasStats) -> str:
    """Register ``obj`` under ``name`` (or its class name), made unique with ``#2``, ``#3``...

    A name whose previous owner was garbage collected is reused. Returns the name used.
    """
    base = name or type(obj).__name__
    with _lock:
        entries = _registry[kind]
        for ref_name in [n for n, ref in entries.items() if ref() is None]:
            del entries[ref_name]
        unique, n = base, 1
        while unique in entries:
            n += 1
            unique = f"{base}#{n}"
        entries[unique] = weakref.ref(obj)
    return unique


def unregister(kind: Kind, name: str) -> None:
    """Forget the component registered as ``name``; unknown names are ignored."""
    with _lock:
        _registry[kind].pop(name, None)


def collect() -> dict[str, dict[str, dict[str, Any]]]:
    """``{"pipelines": {NAME: {...}}, "filters": {NAME: {...}}}`` for every live component."""
    with _lock:
        snapshot = {kind: list(entries.items()) for kind, entries in _registry.items()}
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, entries in snapshot.items():
        result[kind] = {}
        for name, ref in entries:
            obj = ref()
            if obj is not None:
                result[kind][name] = obj.stats()
    return result


def clear() -> None:
    """Forget every registered component (``lite_logging.testing.reset()``)."""
    with _lock:
        for entries in _registry.values():
            entries.clear()


def _after_fork_in_child() -> None:
    """Give the child a registry lock that no thread of the parent can hold (called by
    ``_lifecycle``)."""
    global _lock
    _lock = threading.Lock()


# Microseconds, exact: 1 µs to 10 s, 1-2.5-5 a decade.
_BOUNDS_US = (*(m * 10**e for e in range(7) for m in (1, 2.5, 5)), 10**7)

LATENCY_BUCKETS: tuple[float, ...] = tuple(b / 1e6 for b in _BOUNDS_US)
"""Upper bounds (seconds) of the handler latency histogram: 1 µs to 10 s, 1-2.5-5 a decade
(a record costs microseconds to a file, milliseconds to a collector)."""


class LatencyRecorder:
    """Handling times: a fixed ring of recent samples (p50/p90/p99/max) and a histogram.

    One thread writes (the listener), any thread reads. ``add`` is one list store, one
    comparison and a ``bisect`` into :data:`LATENCY_BUCKETS`, so it can stay on in
    production; percentiles are computed only when :meth:`summary` is called, over the
    last ``size`` samples. ``max`` and the histogram cover all samples.

    Args:
        size: how many recent samples the percentiles look at.
    """

    __slots__ = ("_buckets", "_i", "_max", "_ring", "_size", "_sum")

    def __init__(self, size: int = 1024) -> None:
        self._ring: list[float] = []
        self._size = size
        self._i = 0
        self._max = 0.0
        self._buckets = [0] * (len(_BOUNDS_US) + 1)  # the last one: +Inf
        self._sum = 0.0  # microseconds, over every record counted in the buckets

    def add(self, micros: float, count: int = 1) -> None:
        """Record one sample, in microseconds: the time per record of ``count`` records
        (a batch), so the histogram counts records, each at the batch's mean."""
        ring = self._ring
        if len(ring) < self._size:
            ring.append(micros)
        else:
            ring[self._i] = micros
            self._i = (self._i + 1) % self._size
        if micros > self._max:
            self._max = micros
        self._buckets[bisect.bisect_left(_BOUNDS_US, micros)] += count  # le: value <= bound
        self._sum += micros * count

    def histogram(self) -> dict[str, Any]:
        """``{"count", "sum", "buckets"}``: records counted, their total seconds, and the
        cumulative count per upper bound (``[[seconds, count], ...]``, the last ``+Inf``
        as ``None``), as a Prometheus histogram has them."""
        counts = self._buckets[:]  # one atomic copy under the GIL
        total = self._sum
        cumulative: list[list[Any]] = []
        running = 0
        for bound, n in zip((*LATENCY_BUCKETS, None), counts, strict=True):
            running += n
            cumulative.append([bound, running])
        return {"count": running, "sum": round(total / 1e6, 9), "buckets": cumulative}

    def summary(self) -> dict[str, float]:
        """``{"p50", "p90", "p99", "max"}`` in microseconds (all 0.0 before any sample)."""
        samples = sorted(self._ring[:])  # the slice is one atomic copy under the GIL
        if not samples:
            return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0}
        last = len(samples) - 1

        def pick(q: float) -> float:
            return round(samples[min(last, int(q * len(samples)))], 3)

        return {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": round(self._max, 3)}
