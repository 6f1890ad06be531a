"""Counters, gauges and histograms beside the logs: the metrics API.

``counter()``, ``gauge()`` and ``histogram()`` create (or return) a metric in a
:class:`MetricsRegistry` (by default the process-wide ``REGISTRY``). A metric with labels
hands out one *child* per label set through ``labels(...)``; keep the child when the labels
are fixed, and the hot path is one call::

    requests = counter("app_requests_total", "Requests served", labels=("route",))
    home = requests.labels(route="/")
    home.inc()                       # ~ one C call, no lock for an increment by 1

    latency = histogram("app_request_seconds", "Request latency", labels=("route",))
    with latency.labels(route="/").time():
        ...

Cardinality is capped: each metric keeps at most ``max_label_sets`` label sets (default
:data:`DEFAULT_MAX_LABEL_SETS`); ``labels()`` with a new set beyond the cap returns a child
that counts nothing, and ``lite_logging_metric_label_sets_refused_total{metric=NAME}``
counts each refusal. Labels are taken from the ambient context (``ll.context``/``ll.bind``)
only for the names given in ``context_labels=``, never by surprise.

Exposition is in :mod:`lite_logging.metrics.prometheus` (extra ``prometheus``). When
``PROMETHEUS_MULTIPROC_DIR`` is set at the time a metric is created, its children are
``prometheus_client``'s own multi-process values (one mmap file per process), so
``prometheus_client``'s ``MultiProcessCollector`` sums them across gunicorn or uvicorn
workers; otherwise values live in this process and nothing imports ``prometheus_client``.

Thread safety: an increment by 1 is ``next()`` on an ``itertools.count`` (atomic under the
GIL); other updates take the child's lock. Reads (at scrape time) never block writers for
long.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import os
import re
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, Literal, TypeVar, cast

from .._options import check_int
from ..record.context import get_context

__all__ = [
    "DEFAULT_BUCKETS",
    "DEFAULT_MAX_LABEL_SETS",
    "REFUSED_METRIC",
    "REGISTRY",
    "Counter",
    "Gauge",
    "Histogram",
    "Metric",
    "MetricsRegistry",
    "Timer",
    "counter",
    "gauge",
    "histogram",
    "multiprocess_dir",
]

F = TypeVar("F", bound=Callable[..., Any])
Kind = Literal["counter", "gauge", "histogram"]

DEFAULT_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip
"""Histogram bucket upper bounds in seconds (``prometheus_client``'s defaults); ``+Inf``
is always added."""

DEFAULT_MAX_LABEL_SETS = 1000
"""How many label sets one metric keeps at most, unless ``max_label_sets=`` says otherwise."""

REFUSED_METRIC = "lite_logging_metric_label_sets_refused_total"
"""The counter of label sets refused by the cardinality cap, labelled ``metric``."""

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
_RESERVED_LABELS = frozenset({"le", "quantile"})

# The deprecated lower-case name, which prometheus_client still reads.
_LEGACY_DIR_ENV = "prometheus_multiproc_dir"


def multiprocess_dir() -> str | None:
    """``PROMETHEUS_MULTIPROC_DIR`` (or the older ``prometheus_multiproc_dir``), if set."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get(_LEGACY_DIR_ENV)


# -- children: the values -------------------------------------------------------------


class Timer:
    """Time a block (``with``) or each call of a function (decorator) into ``observe``.

    Uses ``time.perf_counter``; the duration is observed also when the block raises.
    """

    __slots__ = ("_observe", "_start")

    def __init__(self, observe: Callable[[float], None]) -> None:
        self._observe = observe
        self._start = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._observe(time.perf_counter() - self._start)

    def __call__(self, fn: F) -> F:
        observe = self._observe

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                observe(time.perf_counter() - start)

        return cast("F", timed)


class CounterChild:
    """One label set of a :class:`Counter`: a value that only goes up."""

    __slots__ = ("_extra", "_lock", "_ones", "inc_one")

    def __init__(self) -> None:
        self._ones = itertools.count()
        self._extra = 0.0
        self._lock = threading.Lock()
        # Bound once: the fastest increment there is, for code that wants every nanosecond.
        self.inc_one: Callable[[], int] = self._ones.__next__

    def inc(self, amount: float = 1) -> None:
        """Add ``amount`` (>= 0; default 1).

        Raises:
            ValueError: ``amount`` is negative.
        """
        if amount == 1:
            next(self._ones)
            return
        if not amount >= 0:
            raise ValueError(f'"amount" must be >= 0 for a counter: {amount!r}')
        with self._lock:
            self._extra += amount

    def get(self) -> float:
        """The current value."""
        # repr is "count(N)": the next value N is how many times next() ran, read atomically.
        ones = int(repr(self._ones)[6:-1])
        return ones + self._extra


class GaugeChild:
    """One label set of a :class:`Gauge`: a value that goes up and down."""

    __slots__ = ("_lock", "_value")

    def __init__(self) -> None:
        self._value = 0.0
        self._lock = threading.Lock()

    def set(self, value: float) -> None:
        """Set the value."""
        self._value = float(value)

    def inc(self, amount: float = 1) -> None:
        """Add ``amount`` (default 1)."""
        with self._lock:
            self._value += amount

    def dec(self, amount: float = 1) -> None:
        """Subtract ``amount`` (default 1)."""
        with self._lock:
            self._value -= amount

    def set_to_current_time(self) -> None:
        """Set the value to the current Unix time in seconds."""
        self._value = time.time()

    def track_inprogress(self) -> _InProgress:
        """A context manager (and decorator) that adds 1 while the block runs."""
        return _InProgress(self)

    def time(self) -> Timer:
        """Set the gauge to the duration of the block (or call), in seconds."""
        return Timer(self.set)

    def get(self) -> float:
        """The current value."""
        return self._value


class _InProgress:
    __slots__ = ("_gauge",)

    def __init__(self, gauge: GaugeChild) -> None:
        self._gauge = gauge

    def __enter__(self) -> None:
        self._gauge.inc()

    def __exit__(self, *exc_info: object) -> None:
        self._gauge.dec()

    def __call__(self, fn: F) -> F:
        gauge = self._gauge

        @functools.wraps(fn)
        def tracked(*args: Any, **kwargs: Any) -> Any:
            gauge.inc()
            try:
                return fn(*args, **kwargs)
            finally:
                gauge.dec()

        return cast("F", tracked)


class HistogramChild:
    """One label set of a :class:`Histogram`: observations counted into buckets."""

    __slots__ = ("_bounds", "_counts", "_lock", "_sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds  # finite upper bounds, sorted; +Inf is the last count
        self._counts = [0] * (len(bounds) + 1)
        self._sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        """Count ``value`` (seconds, for a latency) into its bucket and the sum."""
        i = bisect_left(self._bounds, value)  # le semantics: value == bound goes in bound
        with self._lock:
            self._counts[i] += 1
            self._sum += value

    def time(self) -> Timer:
        """Observe the duration of the block (or of each call), in seconds."""
        return Timer(self.observe)

    def get(self) -> tuple[list[tuple[float, int]], int, float]:
        """``([(upper_bound, cumulative_count), ...], count, sum)``; the last bound is inf."""
        with self._lock:
            counts, total = self._counts[:], self._sum
        cumulative, running = [], 0
        for bound, n in zip((*self._bounds, math.inf), counts, strict=True):
            running += n
            cumulative.append((bound, running))
        return cumulative, running, total


class _RefusedChild:
    """What ``labels()`` returns beyond the cardinality cap: accepts every call, keeps nothing."""

    __slots__ = ()

    def inc(self, amount: float = 1) -> None:
        """Do nothing."""

    def inc_one(self) -> int:
        """Do nothing."""
        return 0

    def dec(self, amount: float = 1) -> None:
        """Do nothing."""

    def set(self, value: float) -> None:
        """Do nothing."""

    def set_to_current_time(self) -> None:
        """Do nothing."""

    def observe(self, value: float) -> None:
        """Do nothing."""

    def time(self) -> Timer:
        """A timer whose observation goes nowhere."""
        return Timer(self.observe)

    def track_inprogress(self) -> Timer:
        """A context manager that does nothing."""
        return Timer(self.observe)


_REFUSED = _RefusedChild()


# -- metrics: label handling ---------------------------------------------------------


def _label_names(labels: Sequence[str], context_labels: Sequence[str]) -> tuple[str, ...]:
    """All label names, checked: Prometheus names, none reserved, none twice."""
    if isinstance(labels, str) or isinstance(context_labels, str):
        raise ValueError(f'"labels" must be a sequence of names, not a string: {labels!r}')
    names = (*labels, *context_labels)
    for label in names:
        if not isinstance(label, str) or not _LABEL.match(label) or label.startswith("__"):
            raise ValueError(f'"labels" must be Prometheus label names: {label!r}')
        if label in _RESERVED_LABELS:
            raise ValueError(f'"labels" must not use the reserved label name: {label!r}')
    if len(set(names)) != len(names):
        raise ValueError(f'"labels" must not repeat a name: {names!r}')
    return names


class Metric:
    """A named metric with a fixed tuple of label names; base of Counter, Gauge, Histogram.

    Args:
        name: the Prometheus metric name (``[a-zA-Z_:][a-zA-Z0-9_:]*``).
        documentation: the help text.
        labels: the label names given to ``labels()``.
        context_labels: label names whose values ``labels()`` reads from the ambient
            context (``ll.get_context()``) of the caller; a missing key gives ``""``.
        max_label_sets: the cardinality cap: label sets beyond it are refused and counted.
        registry: where the metric is kept; ``None`` keeps it nowhere (not exported).

    Raises:
        ValueError: a bad name, label name, duplicate label or cap.
    """

    kind: Kind = "counter"

    def __init__(
        self,
        name: str,
        documentation: str = "",
        labels: Sequence[str] = (),
        *,
        context_labels: Sequence[str] = (),
        max_label_sets: int = DEFAULT_MAX_LABEL_SETS,
        registry: MetricsRegistry | None = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f'"name" must be a Prometheus metric name: {name!r}')
        names = _label_names(labels, context_labels)
        check_int("max_label_sets", max_label_sets, 1)
        self.name = name
        self.documentation = documentation
        self.label_names: tuple[str, ...] = tuple(labels)
        self.context_labels: tuple[str, ...] = tuple(context_labels)
        self.max_label_sets = max_label_sets
        self.registry = registry
        self._children: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()
        self._mp: Any = _prometheus_twin(self) if multiprocess_dir() else None
        self._unlabelled: Any = None
        if not names:
            self._bind_unlabelled()

    # Methods that a metric without labels takes straight from its only child, once, so
    # ``requests.inc()`` costs what ``child.inc()`` does (structlog's "specialise once").
    _direct: tuple[str, ...] = ()

    def _bind_unlabelled(self) -> None:
        child = self._unlabelled = self._child(())
        for method in self._direct:
            setattr(self, method, getattr(child, method))

    # The spec of the metric, compared when the same name is registered twice.
    def _signature(self) -> tuple[Any, ...]:
        return (self.kind, self.label_names, self.context_labels)

    def labels(self, *values: object, **kwargs: object) -> Any:
        """The child for these label values (positional in ``labels`` order, or by name).

        Values are turned into strings. Context labels come from the ambient context and
        are not passed here. A new label set beyond ``max_label_sets`` returns a child
        that does nothing, and is counted as refused.

        Raises:
            ValueError: missing, unknown or too many label values; a metric without labels.
        """
        names = self.label_names
        if not names and not self.context_labels:
            raise ValueError(f"metric {self.name!r} has no labels: call its methods directly")
        if kwargs:
            if values or len(kwargs) != len(names):
                raise ValueError(f'"labels" of {self.name!r} must be {names!r}: {kwargs!r}')
            try:
                given = tuple(str(kwargs[n]) for n in names)
            except KeyError:
                raise ValueError(
                    f'"labels" of {self.name!r} must be {names!r}: {kwargs!r}'
                ) from None
        else:
            if len(values) != len(names):
                raise ValueError(f'"labels" of {self.name!r} must be {names!r}: {values!r}')
            given = tuple(map(str, values))
        if self.context_labels:
            ambient = get_context()
            given += tuple(str(ambient.get(n, "")) for n in self.context_labels)
        child = self._children.get(given)
        if child is None:
            child = self._child(given)
        return child

    def _child(self, values: tuple[str, ...]) -> Any:
        with self._lock:
            child = self._children.get(values)
            if child is not None:
                return child
            if len(self._children) >= self.max_label_sets:
                _count_refusal(self)
                return _REFUSED
            if self._mp is not None:
                child = self._mp.labels(*values) if values else self._mp
            else:
                child = self._new_child()
            self._children[values] = child
            return child

    def _new_child(self) -> Any:
        raise NotImplementedError

    def remove(self, *values: object) -> None:
        """Forget one label set (positional values, context labels last)."""
        key = tuple(map(str, values))
        with self._lock:
            self._children.pop(key, None)
        if self._mp is not None and key:
            with contextlib.suppress(KeyError):
                self._mp.remove(*key)

    def clear(self) -> None:
        """Forget every label set (a metric without labels starts again from zero)."""
        with self._lock:
            self._children.clear()
        if self._mp is not None and (self.label_names or self.context_labels):
            self._mp.clear()
        if self._unlabelled is not None:
            self._bind_unlabelled()

    def children(self) -> list[tuple[dict[str, str], Any]]:
        """``[(labels, child), ...]`` for every label set kept, for exposition."""
        names = self.label_names + self.context_labels
        with self._lock:
            items = list(self._children.items())
        return [(dict(zip(names, values, strict=True)), child) for values, child in items]

    def _only(self) -> Any:
        child = self._unlabelled
        if child is None:
            raise ValueError(f"metric {self.name!r} has labels: call .labels(...) first")
        return child

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.name} labels={self.label_names + self.context_labels}>"
        )


class Counter(Metric):
    """A value that only goes up (requests served, errors). Exposed as ``NAME_total``."""

    kind: Kind = "counter"
    _direct = ("inc",)

    def _new_child(self) -> CounterChild:
        return CounterChild()

    def inc(self, amount: float = 1) -> None:
        """Add ``amount`` to the counter without labels."""
        self._only().inc(amount)


class Gauge(Metric):
    """A value that goes up and down (queue length, in-flight requests).

    Args:
        multiprocess_mode: how ``prometheus_client`` combines the processes' values in
            multi-process mode: ``"all"`` (default, one series per pid), ``"liveall"``,
            ``"livesum"``, ``"max"``, ``"min"``, ``"sum"``, ``"mostrecent"``...
    """

    kind: Kind = "gauge"
    _direct = ("set", "inc", "dec")

    def __init__(
        self,
        name: str,
        documentation: str = "",
        labels: Sequence[str] = (),
        *,
        multiprocess_mode: str = "all",
        **options: Any,
    ) -> None:
        self.multiprocess_mode = multiprocess_mode
        super().__init__(name, documentation, labels, **options)

    def _new_child(self) -> GaugeChild:
        return GaugeChild()

    def set(self, value: float) -> None:
        """Set the gauge without labels."""
        self._only().set(value)

    def inc(self, amount: float = 1) -> None:
        """Add ``amount`` to the gauge without labels."""
        self._only().inc(amount)

    def dec(self, amount: float = 1) -> None:
        """Subtract ``amount`` from the gauge without labels."""
        self._only().dec(amount)

    def track_inprogress(self) -> Any:
        """Add 1 while a block runs (gauge without labels)."""
        return self._only().track_inprogress()

    def time(self) -> Timer:
        """Set the gauge (without labels) to the block's duration in seconds."""
        return cast("Timer", self._only().time())


class Histogram(Metric):
    """Observations counted into buckets (latencies, sizes): ``_bucket``, ``_count``, ``_sum``.

    Args:
        buckets: finite upper bounds, increasing (``+Inf`` is added); default
            :data:`DEFAULT_BUCKETS`, in seconds.

    Raises:
        ValueError: buckets empty, not increasing, or not numbers.
    """

    kind: Kind = "histogram"
    _direct = ("observe",)

    def __init__(
        self,
        name: str,
        documentation: str = "",
        labels: Sequence[str] = (),
        *,
        buckets: Iterable[float] = DEFAULT_BUCKETS,
        **options: Any,
    ) -> None:
        try:
            bounds = tuple(float(b) for b in buckets)
        except (TypeError, ValueError):
            raise ValueError(f'"buckets" must be numbers: {buckets!r}') from None
        if bounds and bounds[-1] == math.inf:
            bounds = bounds[:-1]
        if not bounds or any(a >= b for a, b in itertools.pairwise(bounds)):
            raise ValueError(f'"buckets" must be increasing upper bounds: {buckets!r}')
        if any(math.isnan(b) for b in bounds):
            raise ValueError(f'"buckets" must not contain NaN: {buckets!r}')
        self.buckets = bounds
        super().__init__(name, documentation, labels, **options)

    def _signature(self) -> tuple[Any, ...]:
        return (*super()._signature(), self.buckets)

    def _new_child(self) -> HistogramChild:
        return HistogramChild(self.buckets)

    def observe(self, value: float) -> None:
        """Observe ``value`` on the histogram without labels."""
        self._only().observe(value)

    def time(self) -> Timer:
        """Observe the duration of a block or call (histogram without labels), in seconds."""
        return cast("Timer", self._only().time())


# -- the registry ------------------------------------------------------------------------


class MetricsRegistry:
    """The metrics of one application, by name; exported by one collector.

    ``counter()``/``gauge()``/``histogram()`` return the metric already registered under
    the name when its kind and labels match (so a module may be imported twice), and raise
    otherwise.
    """

    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}
        self._lock = threading.Lock()

    def _get_or_add(self, cls: type[Metric], name: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            existing = self._metrics.get(name)
            metric = cls(name, *args, registry=None, **kwargs)
            if existing is not None:
                if existing._signature() != metric._signature():
                    raise ValueError(f'"name" is already registered as {existing!r}: {name!r}')
                return existing
            metric.registry = self
            self._metrics[name] = metric
            return metric

    def counter(self, name: str, documentation: str = "", labels: Sequence[str] = (),
                **options: Any) -> Counter:  # fmt: skip
        """The :class:`Counter` ``name`` (created on first use)."""
        return cast("Counter", self._get_or_add(Counter, name, documentation, labels, **options))

    def gauge(self, name: str, documentation: str = "", labels: Sequence[str] = (),
              **options: Any) -> Gauge:  # fmt: skip
        """The :class:`Gauge` ``name`` (created on first use)."""
        return cast("Gauge", self._get_or_add(Gauge, name, documentation, labels, **options))

    def histogram(self, name: str, documentation: str = "", labels: Sequence[str] = (),
                  **options: Any) -> Histogram:  # fmt: skip
        """The :class:`Histogram` ``name`` (created on first use)."""
        return cast(
            "Histogram", self._get_or_add(Histogram, name, documentation, labels, **options)
        )

    def get(self, name: str) -> Metric | None:
        """The metric registered as ``name``, if any."""
        return self._metrics.get(name)

    def unregister(self, name: str) -> None:
        """Forget the metric ``name``; unknown names are ignored."""
        with self._lock:
            self._metrics.pop(name, None)

    def clear(self) -> None:
        """Forget every metric."""
        with self._lock:
            self._metrics.clear()

    def __iter__(self) -> Iterator[Metric]:
        with self._lock:
            return iter(list(self._metrics.values()))

    def snapshot(self) -> dict[str, Any]:
        """Every metric's values as a JSON-serializable dict (for snapshot records, tests).

        ``{NAME: [{"labels": {...}, "value": v}, ...]}``; a histogram's entry has
        ``"buckets": {"0.1": cumulative, ..., "+Inf": n}``, ``"count"`` and ``"sum"``.
        In multi-process mode only this process's metrics are read locally when possible.
        """
        result: dict[str, Any] = {}
        for metric in self:
            series: list[dict[str, Any]] = []
            for labels, child in metric.children():
                series.append({"labels": labels, **_read(child)})
            result[metric.name] = series
        return result


def _read(child: Any) -> dict[str, Any]:
    if isinstance(child, HistogramChild):
        cumulative, count, total = child.get()
        buckets = {("+Inf" if b == math.inf else repr(b)): n for b, n in cumulative}
        return {"buckets": buckets, "count": count, "sum": total}
    if isinstance(child, CounterChild | GaugeChild):
        return {"value": child.get()}
    return {"value": None}  # a prometheus_client child (multi-process): read the files


REGISTRY = MetricsRegistry()
"""The process-wide registry that ``counter()``, ``gauge()`` and ``histogram()`` use."""


def _count_refusal(metric: Metric) -> None:
    registry = metric.registry
    if registry is None or metric.name == REFUSED_METRIC:
        return
    refused = registry.counter(
        REFUSED_METRIC,
        "Label sets refused by a metric's cardinality cap (max_label_sets)",
        ("metric",),
    )
    refused.labels(metric.name).inc()


def counter(
    name: str,
    documentation: str = "",
    labels: Sequence[str] = (),
    *,
    registry: MetricsRegistry | None = None,
    **options: Any,
) -> Counter:
    """The :class:`Counter` ``name`` in ``registry`` (default :data:`REGISTRY`), created once.

    Args:
        name: e.g. ``"app_requests_total"`` (``_total`` is added at exposition if absent).
        documentation: the help text.
        labels: label names for ``labels(...)``.
        **options: ``context_labels``, ``max_label_sets`` (see :class:`Metric`).

    Raises:
        ValueError: a bad name or labels, or ``name`` already registered otherwise.
    """
    return (registry or REGISTRY).counter(name, documentation, labels, **options)


def gauge(
    name: str,
    documentation: str = "",
    labels: Sequence[str] = (),
    *,
    registry: MetricsRegistry | None = None,
    **options: Any,
) -> Gauge:
    """The :class:`Gauge` ``name`` in ``registry`` (default :data:`REGISTRY`), created once.

    Options as :func:`counter`, plus ``multiprocess_mode``.
    """
    return (registry or REGISTRY).gauge(name, documentation, labels, **options)


def histogram(
    name: str,
    documentation: str = "",
    labels: Sequence[str] = (),
    *,
    registry: MetricsRegistry | None = None,
    **options: Any,
) -> Histogram:
    """The :class:`Histogram` ``name`` in ``registry`` (default :data:`REGISTRY`), created once.

    Options as :func:`counter`, plus ``buckets`` (upper bounds in seconds by default).
    """
    return (registry or REGISTRY).histogram(name, documentation, labels, **options)


# -- multi-process mode: prometheus_client's own values ---------------------------------


def _prometheus_twin(metric: Metric) -> Any:
    """A ``prometheus_client`` metric, in no registry, whose values go to the mmap files."""
    try:
        import prometheus_client  # optional, only in multi-process mode
    except ImportError as exc:
        raise RuntimeError(
            "PROMETHEUS_MULTIPROC_DIR is set but prometheus_client is not installed: "
            "pip install 'lite-logging[prometheus]'"
        ) from exc
    names = metric.label_names + metric.context_labels
    if isinstance(metric, Histogram):
        return prometheus_client.Histogram(
            metric.name, metric.documentation, names, registry=None, buckets=metric.buckets
        )
    if isinstance(metric, Gauge):
        return prometheus_client.Gauge(
            metric.name,
            metric.documentation,
            names,
            registry=None,
            multiprocess_mode=metric.multiprocess_mode,  # type: ignore[arg-type]
        )
    return prometheus_client.Counter(metric.name, metric.documentation, names, registry=None)
