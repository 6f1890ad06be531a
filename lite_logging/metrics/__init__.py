"""Metrics beside the logs, and what the pipeline did, counted.

- :mod:`.instruments`: ``counter()``, ``gauge()``, ``histogram()``: labels, a cardinality
  cap, timers, multi-process values ([docs/metrics.md]).
- :mod:`.records`: ``RecordMetricsFilter`` (records by level and logger prefix) and
  ``observe_spans()`` (a duration histogram per span name).
- :mod:`.snapshot`: ``start_snapshots()``, periodic metric records through logging.
- :mod:`.prometheus`: exposition through ``prometheus_client`` (extra ``prometheus``):
  ``register()``, ``serve()``, ``publish_health()`` (multi-process), the collectors.
  Imported on first use of ``serve``, ``register`` or ``publish_health`` from here, so
  ``import lite_logging`` never imports ``prometheus_client``.
- :mod:`._registry`: the registry behind ``lite_logging.stats()`` (pipelines and filters).
"""

from __future__ import annotations

from typing import Any

from .instruments import (
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    MetricsRegistry,
    Timer,
    counter,
    gauge,
    histogram,
)
from .records import RecordMetricsFilter, SpanMetricsFilter, observe_spans
from .snapshot import start_snapshots

__all__ = [
    "REGISTRY",
    "Counter",
    "Gauge",
    "Histogram",
    "MetricsRegistry",
    "RecordMetricsFilter",
    "SpanMetricsFilter",
    "Timer",
    "counter",
    "gauge",
    "histogram",
    "observe_spans",
    "publish_health",
    "register",
    "serve",
    "start_snapshots",
]

_LAZY = frozenset({"publish_health", "register", "serve"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import prometheus  # optional dependency, imported on use

        return getattr(prometheus, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
