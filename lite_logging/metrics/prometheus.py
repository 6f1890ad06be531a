"""Exposition through ``prometheus_client`` (extra ``prometheus``): collectors and ``serve()``.

Two collectors, both plain ``prometheus_client`` custom collectors read at scrape time:

- :class:`MetricsCollector`: the metrics made with ``counter()``, ``gauge()`` and
  ``histogram()`` (a :class:`~lite_logging.metrics.instruments.MetricsRegistry`).
- :class:`PipelineCollector`: the pipeline's own health, read from ``ll.stats()`` when
  Prometheus scrapes (records accepted, dropped, delivered, queue depth and its high-water
  mark, handler errors and latency, the filters' counters). Nothing is added to the
  logging hot path.

:func:`register` puts both into a ``prometheus_client`` registry (default its global
``REGISTRY``, so ``generate_latest()``, ``make_wsgi_app()`` and ``make_asgi_app()`` see
them); :func:`serve` starts ``prometheus_client``'s HTTP server with them in one call.

Multi-process mode (gunicorn, ``uvicorn --workers``): with ``PROMETHEUS_MULTIPROC_DIR`` set
before the metrics are created, their values are ``prometheus_client``'s per-process mmap
files; :func:`multiprocess_registry` (used by :func:`serve` in that mode) is a registry
with ``prometheus_client``'s ``MultiProcessCollector``, which sums them over every worker,
and the :class:`PipelineCollector` of the process that answers the scrape (labelled with
its ``pid``: the pipeline's health is per process).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import REGISTRY as PROMETHEUS_REGISTRY
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client import utils as _prometheus_utils
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from .. import _threads
from .._options import check_number
from . import _registry
from .instruments import (
    REGISTRY,
    CounterChild,
    GaugeChild,
    HistogramChild,
    MetricsRegistry,
    multiprocess_dir,
)

__all__ = [
    "HealthPublisher",
    "MetricsCollector",
    "PipelineCollector",
    "multiprocess_registry",
    "publish_health",
    "register",
    "serve",
]

_PREFIX = "lite_logging"

# The filters' counters (``ll.stats()["filters"][NAME]``): key -> (metric, type, help).
# A key not listed here is exported as ``lite_logging_filter_<key>_total``.
FILTER_METRICS: dict[str, tuple[str, str, str]] = {
    "sampled_out": ("filter_sampled_out_total", "counter", "Records dropped by sampling"),
    "kept": ("filter_kept_total", "counter", "Records kept by sampling"),
    "rate_limited": ("filter_rate_limited_total", "counter", "Records dropped by rate limits"),
    "admitted": ("filter_admitted_total", "counter", "Records admitted by rate limits"),
    "keys": ("filter_rate_limit_keys", "gauge", "Rate-limit keys remembered"),
    "passed": ("filter_passed_total", "counter", "Records passed by a namespace filter"),
    "denied": ("filter_denied_total", "counter", "Records denied by a namespace filter"),
    "redacted": ("filter_redacted_total", "counter", "Records in which a secret was masked"),
    "dropped": ("filter_dropped_total", "counter", "Records dropped by a transform"),
    "errors": ("filter_errors_total", "counter", "Errors inside a filter"),
}


def _go_float(value: float) -> str:
    """A bucket bound as Prometheus writes it (``0.1``, ``1.0``, ``+Inf``)."""
    return str(_prometheus_utils.floatToGoString(value))  # type: ignore[no-untyped-call]


_PIPELINE_KEYS = frozenset(
    {"enqueued", "dropped", "delivered", "queue_depth", "max_queue_depth", "batches", "errors"}
)


class MetricsCollector(Collector):
    """Exposes the metrics of a :class:`MetricsRegistry` (default ``instruments.REGISTRY``).

    In multi-process mode the values are in ``prometheus_client``'s files, not here: this
    collector then yields nothing, and ``MultiProcessCollector`` reads them.
    """

    def __init__(self, registry: MetricsRegistry | None = None) -> None:
        self.registry = registry or REGISTRY

    def collect(self) -> Iterator[Metric]:
        """One metric family per metric, one sample (or bucket set) per label set."""
        for metric in self.registry:
            if metric._mp is not None:  # its values are in the multi-process files
                continue
            names = [*metric.label_names, *metric.context_labels]
            family: Any
            if metric.kind == "counter":
                family = CounterMetricFamily(metric.name, metric.documentation, labels=names)
            elif metric.kind == "gauge":
                family = GaugeMetricFamily(metric.name, metric.documentation, labels=names)
            else:
                family = HistogramMetricFamily(metric.name, metric.documentation, labels=names)
            for labels, child in metric.children():
                values = [labels[n] for n in names]
                if isinstance(child, HistogramChild):
                    cumulative, _count, total = child.get()
                    buckets = [(_go_float(b), n) for b, n in cumulative]
                    family.add_metric(values, buckets=buckets, sum_value=total)
                elif isinstance(child, CounterChild | GaugeChild):
                    family.add_metric(values, child.get())
            yield family

    def describe(self) -> Iterable[Metric]:
        """Nothing: the metrics are dynamic, so ``prometheus_client`` does not check names."""
        return ()


class PipelineCollector(Collector):
    """The pipeline's health, from ``ll.stats()`` at scrape time (see docs/metrics.md).

    Args:
        const_labels: labels added to every sample, e.g. ``{"pid": "123"}``.
    """

    def __init__(self, const_labels: dict[str, str] | None = None) -> None:
        self.const_labels = dict(const_labels or {})

    def collect(self) -> Iterator[Metric]:
        """Counters and gauges per pipeline, handler and filter."""
        stats = _registry.collect()
        families = self._pipeline_families()
        others: dict[str, Any] = {}  # counters a pipeline added since this module was written
        for name, p in stats.get("pipelines", {}).items():
            self._add_pipeline(families, others, name, p)
            for hname, h in p.get("handlers", {}).items():
                self._add_handler(families, name, hname, h)
        yield from families.values()
        yield from others.values()
        yield from self._filter_families(stats.get("filters", {}))

    def _family(self, name: str, kind: str, doc: str, labels: list[str]) -> Any:
        """A counter or gauge family named ``lite_logging_<name>``, the constant labels last."""
        cls = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
        return cls(f"{_PREFIX}_{name}", doc, labels=[*labels, *self.const_labels])

    def _pipeline_families(self) -> dict[str, Any]:
        """The families of every pipeline and handler, empty, in the order they are shown."""
        p, h = ["pipeline"], ["pipeline", "handler"]
        fam = self._family
        return {
            "enqueued": fam(
                "records_enqueued_total", "counter", "Records accepted by the queue handler", p
            ),
            "dropped": fam(
                "records_dropped_total",
                "counter",
                "Records the queue dropped, by reason (block_timeout, queue_full, drop_oldest)",
                [*p, "reason"],
            ),
            "delivered": fam(
                "records_delivered_total", "counter", "Records handed to the handlers", p
            ),
            "queue_depth": fam("queue_depth", "gauge", "Records waiting in the queue", p),
            "max_queue_depth": fam(
                "queue_depth_max", "gauge", "High-water mark of the queue depth", p
            ),
            "batches": fam("batches_total", "counter", "Batches taken off the queue", p),
            "errors": fam("listener_errors_total", "counter", "Errors in the listener itself", p),
            "h_written": fam(
                "handler_records_written_total", "counter", "Records a handler wrote", h
            ),
            "h_errors": fam("handler_errors_total", "counter", "Records a handler failed on", h),
            "h_dropped": fam(
                "handler_records_dropped_total",
                "counter",
                "Records a handler will never write, by reason (handler_error, export_failed...)",
                [*h, "reason"],
            ),
            "h_resent": fam(
                "handler_records_resent_total",
                "counter",
                "Records a sink sent again after a reconnect",
                h,
            ),
            "h_retries": fam(
                "handler_retries_total", "counter", "Send attempts a sink repeated", h
            ),
            "h_latency": HistogramMetricFamily(
                f"{_PREFIX}_handler_latency_seconds",
                "Time a handler took per record (each record of a batch at the batch's mean)",
                labels=[*h, *self.const_labels],
            ),
            "h_latency_max": fam(
                "handler_latency_max_seconds", "gauge", "Longest time a handler took", h
            ),
        }

    def _add_pipeline(
        self, families: dict[str, Any], others: dict[str, Any], name: str, p: dict[str, Any]
    ) -> None:
        """One pipeline's samples; a counter this module does not know gets a family in
        ``others`` (``lite_logging_pipeline_<key>_total``)."""
        labels = [name, *self.const_labels.values()]
        for key, value in p.items():
            if key in _PIPELINE_KEYS or not isinstance(value, int) or isinstance(value, bool):
                continue
            fam = others.get(key)
            if fam is None:
                fam = others[key] = self._family(
                    f"pipeline_{key}_total", "counter", f"Pipeline counter {key!r}", ["pipeline"]
                )
            fam.add_metric(labels, value)
        by_reason = p.get("dropped_by") or {"queue_full": p.get("dropped", 0)}
        for reason, count in by_reason.items():
            families["dropped"].add_metric([name, reason, *self.const_labels.values()], count)
        for key in ("enqueued", "delivered", "queue_depth", "max_queue_depth", "batches", "errors"):
            families[key].add_metric(labels, p.get(key, 0))

    def _add_handler(
        self, families: dict[str, Any], name: str, hname: str, h: dict[str, Any]
    ) -> None:
        """One handler's samples: counts, drops by reason, latency histogram and maximum."""
        labels = [name, hname, *self.const_labels.values()]
        families["h_written"].add_metric(labels, h.get("written", 0))
        families["h_errors"].add_metric(labels, h.get("errors", 0))
        for reason, count in h.get("dropped_by", {}).items():
            families["h_dropped"].add_metric(
                [name, hname, reason, *self.const_labels.values()], count
            )
        for key in ("resent", "retries"):
            if key in h:
                families[f"h_{key}"].add_metric(labels, h[key])
        seconds = h.get("handle_seconds")
        if seconds:
            buckets = [
                ("+Inf" if bound is None else _go_float(bound), n)
                for bound, n in seconds["buckets"]
            ]
            families["h_latency"].add_metric(labels, buckets, sum_value=seconds["sum"])
        families["h_latency_max"].add_metric(labels, h.get("handle_us", {}).get("max", 0.0) / 1e6)

    def _filter_families(self, filters: dict[str, dict[str, Any]]) -> Iterable[Any]:
        """One family per filter counter (``FILTER_METRICS`` names the known ones)."""
        families: dict[str, Any] = {}
        for fname, counters in filters.items():
            for key, value in counters.items():
                if not isinstance(value, int | float) or isinstance(value, bool):
                    continue
                metric, kind, doc = FILTER_METRICS.get(
                    key, (f"filter_{key}_total", "counter", f"Filter counter {key!r}")
                )
                fam = families.get(metric)
                if fam is None:
                    fam = families[metric] = self._family(metric, kind, doc, ["filter"])
                fam.add_metric([fname, *self.const_labels.values()], value)
        return families.values()

    def describe(self) -> Iterable[Metric]:
        """Nothing: the names depend on the filters configured."""
        return ()


_registered: dict[int, tuple[MetricsCollector, PipelineCollector]] = {}
_lock = threading.Lock()


def register(
    registry: CollectorRegistry | None = None,
    *,
    metrics: MetricsRegistry | None = None,
    pipeline: bool = True,
) -> CollectorRegistry:
    """Register our collectors in ``registry`` (default ``prometheus_client.REGISTRY``) once.

    Args:
        registry: the ``prometheus_client`` registry.
        metrics: our metrics registry to expose (default ``instruments.REGISTRY``).
        pipeline: also expose the pipeline's health (:class:`PipelineCollector`).

    Returns:
        ``registry``. A second call for the same registry does nothing.
    """
    target = PROMETHEUS_REGISTRY if registry is None else registry
    with _lock:
        if id(target) in _registered:
            return target
        ours = MetricsCollector(metrics)
        health = PipelineCollector()
        target.register(ours)
        if pipeline:
            target.register(health)
        _registered[id(target)] = (ours, health)
    return target


def multiprocess_registry(path: str | None = None) -> CollectorRegistry:
    """A fresh registry for multi-process mode: every worker's metrics summed from the files
    in ``path`` (default ``PROMETHEUS_MULTIPROC_DIR``). The pipeline's health: summed over
    the workers when they run :func:`publish_health`; otherwise this process's own,
    labelled ``pid``.

    Raises:
        ValueError: no directory given and ``PROMETHEUS_MULTIPROC_DIR`` unset.
    """
    path = path or multiprocess_dir()
    if not path:
        raise ValueError(f'"path" or PROMETHEUS_MULTIPROC_DIR must name a directory: {path!r}')
    registry = CollectorRegistry()
    registry.register(_MultiProcessHealth(path))
    return registry


class _MultiProcessHealth(Collector):
    """``MultiProcessCollector`` over ``path``, after this process's publisher (if any) wrote
    its latest counters; when no worker published the pipeline's health, this process's own
    (``PipelineCollector`` labelled ``pid``). Never both: one name, one family."""

    def __init__(self, path: str) -> None:
        self._files = MultiProcessCollector(None, path=path)  # type: ignore[no-untyped-call]
        self._own = PipelineCollector({"pid": str(os.getpid())})

    def collect(self) -> Iterator[Metric]:
        publisher = _publisher
        if publisher is not None and publisher._pid == os.getpid():
            publisher.publish()
        published = False
        for family in self._files.collect():  # type: ignore[no-untyped-call]
            published = published or family.name == _PUBLISHED_MARK
            yield family
        if not published:
            yield from self._own.collect()

    def describe(self) -> Iterable[Metric]:
        return ()


_PUBLISHED_MARK = f"{_PREFIX}_records_enqueued"  # a family name as prometheus_client reads it

# Published pipeline counters: ll.stats() key -> (metric, help).
_P_COUNTERS = (
    ("enqueued", "records_enqueued_total", "Records accepted by the queue handler"),
    ("delivered", "records_delivered_total", "Records handed to the handlers"),
    ("batches", "batches_total", "Batches taken off the queue"),
    ("errors", "listener_errors_total", "Errors in the listener itself"),
)
_H_COUNTERS = (
    ("written", "handler_records_written_total", "Records a handler wrote"),
    ("errors", "handler_errors_total", "Records a handler failed on"),
    ("resent", "handler_records_resent_total", "Records a sink sent again after a reconnect"),
    ("retries", "handler_retries_total", "Send attempts a sink repeated"),
)


class HealthPublisher:
    """Writes this process's pipeline health into ``prometheus_client``'s multi-process
    files, so the worker that answers a scrape serves every worker's, summed.

    Start it with :func:`publish_health` in each worker. Every ``interval`` seconds (and
    right before this process answers a scrape, and at :meth:`stop`) it reads ``ll.stats()``
    and adds what each counter grew by since the last time to a ``prometheus_client``
    counter of the same name as :class:`PipelineCollector`'s: the pipelines', the handlers'
    and the filters' (``FILTER_METRICS``); the handler latency histogram likewise, bucket by
    bucket, and its sum. Queue depth, its high-water mark, the longest handler latency and
    the rate-limit keys are gauges combined over live workers (``livesum``, ``livemax``).
    Only this thread and scrapes of this process write; the logging path is not touched.

    Args:
        interval: seconds between two publications (> 0).
    """

    def __init__(self, interval: float = 5.0) -> None:
        interval = check_number("interval", interval, finite=False, what="a number of seconds")
        if not multiprocess_dir():
            raise ValueError("publish_health() needs PROMETHEUS_MULTIPROC_DIR: it is unset")
        self.interval = float(interval)
        self._pid = os.getpid()
        self._metrics = MetricsRegistry()  # its values are prometheus_client's mmap files
        self._last: dict[tuple[str, tuple[str, ...]], int] = {}
        # (pipeline, handler) -> the latency histogram's per-bucket counts and sum, last time
        self._last_latency: dict[tuple[str, str], tuple[list[int], float]] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lite_logging-health", daemon=True)
        _threads.start_without_signals(self._thread)  # SIGTERM goes to the app's threads

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            self.publish()

    def stop(self) -> None:
        """Publish one last time and stop the thread."""
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        self.publish()

    def publish(self) -> None:
        """Write the counters now; a failure is reported on stderr, never raised."""
        try:
            with self._lock:
                self._publish(_registry.collect())
        except Exception:  # noqa: BLE001 - a scrape or the thread must not die of it
            import traceback

            traceback.print_exc()

    def _publish(self, stats: dict[str, dict[str, dict[str, Any]]]) -> None:
        pl = ("pipeline",)
        hl = ("pipeline", "handler")
        for name, p in stats.get("pipelines", {}).items():
            for key, metric, doc in _P_COUNTERS:
                self._count(metric, doc, pl, (name,), p.get(key, 0))
            by_reason = p.get("dropped_by") or {"queue_full": p.get("dropped", 0)}
            for reason, n in by_reason.items():
                self._count(
                    "records_dropped_total",
                    "Records the queue dropped, by reason",
                    ("pipeline", "reason"),
                    (name, reason),
                    n,
                )
            depth, high = p.get("queue_depth", 0), p.get("max_queue_depth", 0)
            self._gauge(
                "queue_depth", "Records waiting in the queue", "livesum", pl, (name,), depth
            )
            self._gauge(
                "queue_depth_max", "High-water mark of the depth", "livemax", pl, (name,), high
            )
            for hname, h in p.get("handlers", {}).items():
                for key, metric, doc in _H_COUNTERS:
                    if key in h:
                        self._count(metric, doc, hl, (name, hname), h[key])
                for reason, n in h.get("dropped_by", {}).items():
                    self._count(
                        "handler_records_dropped_total",
                        "Records a handler will never write",
                        ("pipeline", "handler", "reason"),
                        (name, hname, reason),
                        n,
                    )
                if h.get("handle_seconds"):
                    self._latency(name, hname, h["handle_seconds"])
                longest = h.get("handle_us", {}).get("max", 0.0) / 1e6
                self._gauge(
                    "handler_latency_max_seconds",
                    "Longest time a handler took",
                    "livemax",
                    hl,
                    (name, hname),
                    longest,
                )
        for fname, counters in stats.get("filters", {}).items():
            for key, value in counters.items():
                if not isinstance(value, int | float) or isinstance(value, bool):
                    continue
                metric, kind, doc = FILTER_METRICS.get(
                    key, (f"filter_{key}_total", "counter", f"Filter counter {key!r}")
                )
                if kind == "counter":
                    self._count(metric, doc, ("filter",), (fname,), value)
                else:
                    self._gauge(metric, doc, "livesum", ("filter",), (fname,), value)

    def _count(
        self, metric: str, doc: str, labels: tuple[str, ...], values: tuple[str, ...], total: Any
    ) -> None:
        """Add what ``total`` grew by since the last publication (all of it after a reset)."""
        key = (metric, values)
        total = int(total)
        last = self._last.get(key, 0)
        if total < last:  # the pipeline's counters restarted (a forked child): count afresh
            last = 0
        counter = self._metrics.counter(f"{_PREFIX}_{metric}", doc, labels)
        counter.labels(*values).inc(total - last)
        self._last[key] = total

    def _gauge(
        self,
        metric: str,
        doc: str,
        mode: str,
        labels: tuple[str, ...],
        values: tuple[str, ...],
        value: Any,
    ) -> None:
        gauge = self._metrics.gauge(f"{_PREFIX}_{metric}", doc, labels, multiprocess_mode=mode)
        gauge.labels(*values).set(value)

    def _latency(self, pipeline: str, handler: str, seconds: dict[str, Any]) -> None:
        """Add what each latency bucket and the sum grew by since the last publication.

        ``ll.stats()`` holds cumulative buckets ending at ``+Inf`` (``None``);
        ``prometheus_client`` keeps one value per bucket in its files and sums them over
        the workers at scrape time, so each bucket's own growth is added to it.
        """
        cumulative = [int(n) for _bound, n in seconds["buckets"]]
        counts = [cumulative[0], *(b - a for a, b in itertools.pairwise(cumulative))]
        total = float(seconds["sum"])
        key = (pipeline, handler)
        last_counts, last_total = self._last_latency.get(key, ([0] * len(counts), 0.0))
        if len(last_counts) != len(counts) or any(
            now < before for now, before in zip(counts, last_counts, strict=True)
        ):  # the pipeline's counters restarted (a forked child): count afresh
            last_counts, last_total = [0] * len(counts), 0.0
        bounds = tuple(bound for bound, _n in seconds["buckets"] if bound is not None)
        histogram = self._metrics.histogram(
            f"{_PREFIX}_handler_latency_seconds",
            "Time a handler took per record (each record of a batch at the batch's mean)",
            ("pipeline", "handler"),
            buckets=bounds,
        )
        child = histogram._mp.labels(pipeline, handler)  # prometheus_client's, in the files
        for value, now, before in zip(child._buckets, counts, last_counts, strict=True):
            if now > before:
                value.inc(now - before)
        if total > last_total:
            child._sum.inc(total - last_total)
        self._last_latency[key] = (counts, total)


_publisher: HealthPublisher | None = None
_publisher_lock = threading.Lock()


def publish_health(interval: float = 5.0) -> HealthPublisher:
    """Start (once per process) the :class:`HealthPublisher` of this worker.

    Call it in each worker (gunicorn's ``post_fork``, the app's start-up), after
    ``PROMETHEUS_MULTIPROC_DIR`` is set. A second call in the same process returns the
    running one; in a forked child it starts the child's own.

    Raises:
        ValueError: ``interval`` is not > 0, or ``PROMETHEUS_MULTIPROC_DIR`` is unset.
    """
    global _publisher
    with _publisher_lock:
        running = _publisher
        if running is not None and running._pid == os.getpid() and not running._stopped.is_set():
            return running
        _publisher = HealthPublisher(interval)
        return _publisher


def serve(
    port: int,
    addr: str = "0.0.0.0",  # prometheus_client's default: Prometheus scrapes from afar
    *,
    registry: CollectorRegistry | None = None,
) -> tuple[Any, threading.Thread]:
    """Start ``prometheus_client``'s HTTP server for our metrics, in a daemon thread.

    Without ``registry``: in multi-process mode :func:`multiprocess_registry`, else
    ``prometheus_client.REGISTRY`` with :func:`register` applied (so the process's own
    ``prometheus_client`` metrics are served too).

    Args:
        port: TCP port (0 picks a free one: read it from ``server.server_port``).
        addr: address to bind.
        registry: serve this registry instead.

    Returns:
        ``(server, thread)`` as ``prometheus_client.start_http_server``; ``server.shutdown()``
        stops it.
    """
    if registry is None:
        registry = multiprocess_registry() if multiprocess_dir() else register()
    server, thread = start_http_server(port, addr, registry=registry)
    return server, thread
