"""lite_logging.metrics.instruments: counters, gauges, histograms, labels, caps, timers."""

from __future__ import annotations

import math
import threading

import pytest

import lite_logging as ll
from lite_logging.metrics import instruments
from lite_logging.metrics.instruments import (
    REFUSED_METRIC,
    Counter,
    Gauge,
    Histogram,
    MetricsRegistry,
)


@pytest.fixture
def registry() -> MetricsRegistry:
    """A private registry, so tests do not share metrics."""
    return MetricsRegistry()


class TestCounter:
    def test_inc(self, registry: MetricsRegistry) -> None:
        """inc() adds 1, inc(n) adds n; get() reads the sum."""
        c = registry.counter("hits_total", "Hits")
        c.inc()
        c.inc(2.5)
        c._only().inc_one()
        assert 4.5 == c._only().get()

    def test_negative_refused(self, registry: MetricsRegistry) -> None:
        """A counter only goes up."""
        c = registry.counter("hits_total")
        with pytest.raises(ValueError, match='"amount" must be >= 0'):
            c.inc(-1)

    def test_labels_by_position_and_name(self, registry: MetricsRegistry) -> None:
        """labels() by position or keyword gives the same child; values become strings."""
        c = registry.counter("req_total", "", ("route", "code"))
        assert c.labels("/", 200) is c.labels(route="/", code="200")

    @pytest.mark.parametrize(
        ("args", "kwargs"),
        [(("/",), {}), ((), {"route": "/"}), ((), {"route": "/", "nope": 1}), (("/", 1, 2), {})],
    )
    def test_bad_labels(
        self, registry: MetricsRegistry, args: tuple[object, ...], kwargs: dict[str, object]
    ) -> None:
        """Missing, unknown or extra label values raise, naming the expected labels."""
        c = registry.counter("req_total", "", ("route", "code"))
        with pytest.raises(ValueError, match="must be \\('route', 'code'\\)"):
            c.labels(*args, **kwargs)

    def test_threads(self, registry: MetricsRegistry) -> None:
        """Increments from many threads are all counted."""
        child = registry.counter("t_total", "", ("k",)).labels("x")

        def work() -> None:
            for _ in range(20_000):
                child.inc()
                child.inc(2)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert 8 * 20_000 * 3 == child.get()


class TestCardinalityCap:
    def test_refused_beyond_cap(self, registry: MetricsRegistry) -> None:
        """Label sets beyond max_label_sets count nothing; each refusal is counted."""
        c = registry.counter("u_total", "", ("user",), max_label_sets=2)
        for user in ("a", "b", "c", "d", "c", "a"):
            c.labels(user).inc()
        snapshot = registry.snapshot()
        assert [
            {"labels": {"user": "a"}, "value": 2.0},
            {"labels": {"user": "b"}, "value": 1.0},
        ] == snapshot["u_total"]
        assert [{"labels": {"metric": "u_total"}, "value": 3.0}] == snapshot[REFUSED_METRIC]

    @pytest.mark.parametrize("cap", [0, True, 2.0])
    def test_bad_cap(self, registry: MetricsRegistry, cap: object) -> None:
        """The cap is an int >= 1 (a bool is not a count)."""
        with pytest.raises(ValueError, match="max_label_sets") as info:
            registry.counter("x_total", "", ("a",), max_label_sets=cap)  # type: ignore[arg-type]
        assert f'"max_label_sets" must be an int >= 1: {cap!r}' == str(info.value)


class TestContextLabels:
    def test_only_when_asked(self, registry: MetricsRegistry, empty_context: None) -> None:
        """Context labels come from the ambient context; other context keys are ignored."""
        c = registry.counter("t_total", "", ("route",), context_labels=("tenant",))
        with ll.context(tenant="acme", user="u1"):
            c.labels("/").inc()
        c.labels("/").inc()
        values = {tuple(s["labels"].items()): s["value"] for s in registry.snapshot()["t_total"]}
        assert {
            (("route", "/"), ("tenant", "acme")): 1.0,
            (("route", "/"), ("tenant", "")): 1.0,
        } == values

    def test_plain_metric_ignores_context(
        self, registry: MetricsRegistry, empty_context: None
    ) -> None:
        """A metric without context_labels never reads the context."""
        c = registry.counter("p_total", "", ("route",))
        with ll.context(tenant="acme"):
            c.labels("/").inc()
        assert [{"labels": {"route": "/"}, "value": 1.0}] == registry.snapshot()["p_total"]


class TestGauge:
    def test_set_inc_dec(self, registry: MetricsRegistry) -> None:
        """A gauge goes up and down."""
        g = registry.gauge("q", "")
        g.set(5)
        g.inc(2)
        g.dec()
        assert 6.0 == g._only().get()

    def test_track_inprogress(self, registry: MetricsRegistry) -> None:
        """track_inprogress adds 1 inside the block, also as a decorator."""
        g = registry.gauge("busy", "")
        seen = []

        @g.track_inprogress()
        def work() -> None:
            seen.append(g._only().get())

        with g.track_inprogress():
            seen.append(g._only().get())
            work()
        assert [1.0, 2.0] == seen
        assert 0.0 == g._only().get()


class TestHistogram:
    def test_buckets_le(self, registry: MetricsRegistry) -> None:
        """A value equal to a bound falls in that bound's bucket; buckets are cumulative."""
        h = registry.histogram("lat_seconds", "", buckets=(0.1, 1.0))
        for v in (0.05, 0.1, 0.5, 3.0):
            h.observe(v)
        cumulative, count, total = h._only().get()
        assert [(0.1, 2), (1.0, 3), (math.inf, 4)] == cumulative
        assert 4 == count
        assert 3.65 == pytest.approx(total)

    def test_time_block_and_decorator(self, registry: MetricsRegistry) -> None:
        """time() observes a block and each call of a decorated function, also on error."""
        h = registry.histogram("t_seconds", "", ("op",), buckets=(10.0,))
        timer = h.labels("x").time()
        with timer:
            pass

        @h.labels("x").time()
        def fail() -> None:
            raise KeyError("boom")

        with pytest.raises(KeyError):
            fail()
        _cumulative, count, total = h.labels("x").get()
        assert 2 == count
        assert 0 <= total < 10

    @pytest.mark.parametrize("buckets", [(), (1.0, 0.5), ("a",), (1.0, 1.0)])
    def test_bad_buckets(self, registry: MetricsRegistry, buckets: tuple[object, ...]) -> None:
        """Buckets must be increasing numbers."""
        with pytest.raises(ValueError, match='"buckets" must'):
            registry.histogram("h_seconds", "", buckets=buckets)  # type: ignore[arg-type]


class TestRegistry:
    def test_same_name_same_metric(self, registry: MetricsRegistry) -> None:
        """Asking twice for a metric returns the first one (module imported twice)."""
        assert registry.counter("a_total", "", ("x",)) is registry.counter("a_total", "", ("x",))

    def test_same_name_other_kind(self, registry: MetricsRegistry) -> None:
        """A name registered with another kind or labels is an error naming it."""
        registry.counter("a_total", "", ("x",))
        with pytest.raises(ValueError, match="already registered"):
            registry.gauge("a_total", "", ("x",))
        with pytest.raises(ValueError, match="already registered"):
            registry.counter("a_total", "", ("y",))

    @pytest.mark.parametrize("name", ["1abc", "a-b", "", "a b"])
    def test_bad_name(self, registry: MetricsRegistry, name: str) -> None:
        """Metric names follow Prometheus's rules; the error shows the bad name."""
        with pytest.raises(ValueError, match='"name" must be a Prometheus metric name'):
            registry.counter(name)

    @pytest.mark.parametrize("label", ["le", "__x", "a-b", "quantile"])
    def test_bad_label(self, registry: MetricsRegistry, label: str) -> None:
        """Label names follow Prometheus's rules and avoid the reserved ones."""
        with pytest.raises(ValueError, match='"labels" must'):
            registry.counter("x_total", "", (label,))

    def test_module_functions_use_global_registry(self) -> None:
        """counter()/gauge()/histogram() register in instruments.REGISTRY."""
        c = ll.metrics.counter("tests_global_total", "", ("k",))
        try:
            assert c is instruments.REGISTRY.get("tests_global_total")
            assert isinstance(c, Counter)
            assert isinstance(ll.metrics.gauge("tests_global_g"), Gauge)
            assert isinstance(ll.metrics.histogram("tests_global_h"), Histogram)
        finally:
            for name in ("tests_global_total", "tests_global_g", "tests_global_h"):
                instruments.REGISTRY.unregister(name)

    def test_no_prometheus_import(self) -> None:
        """Using the metrics does not import prometheus_client (only exposition does)."""
        import subprocess
        import sys

        code = (
            "import sys, lite_logging as ll; ll.metrics.counter('x_total').inc();"
            "print('prometheus_client' in sys.modules)"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert "False" == out.stdout.strip(), out.stderr
