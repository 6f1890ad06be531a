"""Metrics from the records themselves: ``logging.Filter`` s that count and never drop.

- :class:`RecordMetricsFilter`: ``lite_logging_records_total{level, logger}``, records by
  level and logger-name prefix (the first ``depth`` dotted segments). Add it where you
  want to count: on a handler (what reaches that handler), on the ``AsyncQueueHandler``
  (what the pipeline is offered) or on a logger.
- :class:`SpanMetricsFilter` and :func:`observe_spans`: a duration histogram per span name,
  ``lite_logging_span_duration_seconds{span, status}``, fed by the span records
  ``ll.span`` logs (fields ``span_name``, ``duration_ms``, ``status``).

Both return ``True`` always (they observe, they never filter) and never raise into the
caller. Their metrics live in a :class:`~lite_logging.metrics.instruments.MetricsRegistry`
(default the global one), capped in cardinality like any other metric.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any

from .._options import check_int
from .instruments import (
    _REFUSED,
    DEFAULT_BUCKETS,
    Counter,
    Histogram,
    MetricsRegistry,
    counter,
    histogram,
)

__all__ = [
    "RECORDS_METRIC",
    "SPANS_METRIC",
    "RecordMetricsFilter",
    "SpanMetricsFilter",
    "observe_spans",
]

RECORDS_METRIC = "lite_logging_records_total"
SPANS_METRIC = "lite_logging_span_duration_seconds"
_SPAN_LOGGER = "lite_logging.span"  # lite_logging.record.tracing.SPAN_LOGGER
_CACHE_MAX = 4096


class RecordMetricsFilter(logging.Filter):
    """Counts every record it sees in ``lite_logging_records_total{level, logger}``.

    Args:
        name: as ``logging.Filter`` (records of other loggers pass uncounted).
        depth: how many leading segments of the logger name make the ``logger`` label
            (``shop.api.v2`` with ``depth=1`` is ``shop``); ``0`` leaves the label empty.
        max_label_sets: the cardinality cap of the metric (refusals are counted).
        registry: our metrics registry (default the global one).

    Raises:
        ValueError: ``depth`` negative.
    """

    def __init__(
        self,
        name: str = "",
        *,
        depth: int = 1,
        max_label_sets: int = 200,
        registry: MetricsRegistry | None = None,
    ) -> None:
        super().__init__(name)
        check_int("depth", depth, 0)
        self.depth = depth
        self.metric: Counter = counter(
            RECORDS_METRIC,
            "Log records by level and logger-name prefix",
            ("level", "logger"),
            registry=registry,
            max_label_sets=max_label_sets,
        )
        self._cache: dict[tuple[str, str], Any] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """Count ``record``; always keep it."""
        if self.nlen and not super().filter(record):
            return True
        try:
            key = (record.levelname, record.name)
            child = self._cache.get(key)
            if child is None:
                child = self._child(key)
            child.inc()
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - a metric must never cost the caller its record
            _report()
        return True

    def _child(self, key: tuple[str, str]) -> Any:
        level, name = key
        prefix = ".".join(name.split(".")[: self.depth]) if self.depth else ""
        child = self.metric.labels(level, prefix)
        if child is not _REFUSED:  # a refusal is counted on each call, so never cached
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            self._cache[key] = child
        return child


class SpanMetricsFilter(logging.Filter):
    """Observes span records' durations into ``lite_logging_span_duration_seconds{span, status}``.

    Records without ``span_name`` and ``duration_ms`` (other records, "start" records) pass
    unobserved. Add it to the span logger (:func:`observe_spans` does) or to a handler.

    Args:
        buckets: histogram upper bounds in seconds.
        max_label_sets: the cardinality cap (span names x statuses).
        registry: our metrics registry (default the global one).
    """

    def __init__(
        self,
        *,
        buckets: Iterable[float] = DEFAULT_BUCKETS,
        max_label_sets: int = 500,
        registry: MetricsRegistry | None = None,
    ) -> None:
        super().__init__()
        self.metric: Histogram = histogram(
            SPANS_METRIC,
            "Duration of ll.span blocks by span name and status",
            ("span", "status"),
            buckets=buckets,
            max_label_sets=max_label_sets,
            registry=registry,
        )

    def filter(self, record: logging.LogRecord) -> bool:
        """Observe the span's duration, if ``record`` is a span's end record; keep it."""
        duration = getattr(record, "duration_ms", None)
        if duration is None:
            return True
        try:
            name = record.__dict__.get("span_name")
            status = record.__dict__.get("status", "ok")
            if isinstance(name, str):
                self.metric.labels(name, str(status)).observe(float(duration) / 1000.0)
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - a metric must never cost the caller its record
            _report()
        return True


def observe_spans(logger: str | logging.Logger = _SPAN_LOGGER, **options: Any) -> SpanMetricsFilter:
    """Add a :class:`SpanMetricsFilter` to ``logger`` (default ``lite_logging.span``).

    The span records reach a logger's filters only when the logger is enabled for INFO
    (ERROR for failed spans); spans given their own ``logger=`` need their own call.

    Returns:
        the filter (remove it with ``logger.removeFilter``).
    """
    target = logging.getLogger(logger) if isinstance(logger, str) else logger
    for existing in target.filters:
        if isinstance(existing, SpanMetricsFilter):
            return existing
    span_filter = SpanMetricsFilter(**options)
    target.addFilter(span_filter)
    return span_filter


def _report() -> None:
    stream = getattr(sys, "stderr", None)
    if logging.raiseExceptions and stream is not None:
        import traceback  # only on failure

        stream.write("--- Logging error in lite_logging.metrics.records ---\n")
        traceback.print_exc(file=stream)
