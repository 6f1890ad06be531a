"""The registry behind ``lite_logging.stats()``: live pipelines and filters, held weakly.

Each component keeps its own plain counters and has a ``stats() -> dict`` method; it
registers itself here once, under a unique name. ``collect()`` asks each live one.
Nothing here runs on the logging hot path.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Literal, Protocol

__all__ = ["HasStats", "LatencyRecorder", "clear", "collect", "register", "unregister"]

Kind = Literal["pipelines", "filters"]


class HasStats(Protocol):
    """Anything that can report its counters as a JSON-serializable dict."""

    def stats(self) -> dict[str, Any]: ...


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


class LatencyRecorder:
    """Recent handling times in a fixed ring of samples, for p50/p90/p99/max.

    One thread writes (the listener), any thread reads. ``add`` is one list store and
    one comparison, so it can stay on in production; percentiles are computed only when
    :meth:`summary` is called, over the last ``size`` samples. ``max`` covers all samples.

    Args:
        size: how many recent samples the percentiles look at.
    """

    __slots__ = ("_i", "_max", "_ring", "_size")

    def __init__(self, size: int = 1024) -> None:
        self._ring: list[float] = []
        self._size = size
        self._i = 0
        self._max = 0.0

    def add(self, micros: float) -> None:
        """Record one sample, in microseconds."""
        ring = self._ring
        if len(ring) < self._size:
            ring.append(micros)
        else:
            ring[self._i] = micros
            self._i = (self._i + 1) % self._size
        if micros > self._max:
            self._max = micros

    def summary(self) -> dict[str, float]:
        """``{"p50", "p90", "p99", "max"}`` in microseconds (all 0.0 before any sample)."""
        samples = sorted(self._ring[:])  # the slice is one atomic copy under the GIL
        if not samples:
            return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0}
        last = len(samples) - 1

        def pick(q: float) -> float:
            return round(samples[min(last, int(q * len(samples)))], 3)

        return {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": round(self._max, 3)}
