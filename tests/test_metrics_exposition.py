"""lite_logging.metrics.prometheus, .records and .snapshot, read through prometheus_client."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ListHandler

import lite_logging as ll
from lite_logging.metrics import MetricsRegistry
from lite_logging.metrics.records import RecordMetricsFilter, SpanMetricsFilter, observe_spans
from lite_logging.metrics.snapshot import start_snapshots

prometheus_client = pytest.importorskip(
    "prometheus_client", reason="the 'prometheus' extra is not installed"
)
from lite_logging.metrics import prometheus as exposition  # noqa: E402 - after the skip

LOGGER = "tests.metrics"


@pytest.fixture
def registry() -> MetricsRegistry:
    """A private metrics registry."""
    return MetricsRegistry()


def scrape(*collectors: object) -> dict[str, float]:
    """``{sample name{labels}: value}`` for what ``collectors`` expose right now."""
    target = prometheus_client.CollectorRegistry()
    for collector in collectors:
        target.register(collector)
    samples = {}
    for family in target.collect():
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            samples[f"{s.name}{{{labels}}}"] = s.value
    return samples


class TestMetricsCollector:
    def test_families(self, registry: MetricsRegistry) -> None:
        """Counters, gauges and histograms come out as prometheus_client families."""
        registry.counter("app_hits_total", "Hits", ("route",)).labels("/").inc(3)
        registry.gauge("app_busy", "Busy").set(2)
        h = registry.histogram("app_lat_seconds", "Lat", buckets=(0.5,))
        h.observe(0.2)
        h.observe(0.9)
        got = scrape(exposition.MetricsCollector(registry))
        assert 3.0 == got["app_hits_total{route=/}"]
        assert 2.0 == got["app_busy{}"]
        assert 1.0 == got["app_lat_seconds_bucket{le=0.5}"]
        assert 2.0 == got["app_lat_seconds_bucket{le=+Inf}"]
        assert 2.0 == got["app_lat_seconds_count{}"]
        assert 1.1 == pytest.approx(got["app_lat_seconds_sum{}"])

    def test_text_format(self, registry: MetricsRegistry) -> None:
        """generate_latest() writes the text format (prometheus_client's, not ours)."""
        registry.counter("app_hits_total", "Hits").inc()
        target = prometheus_client.CollectorRegistry()
        exposition.register(target, metrics=registry, pipeline=False)
        text = prometheus_client.generate_latest(target).decode()
        assert "# TYPE app_hits_total counter\napp_hits_total 1.0\n" in text

    def test_register_once(self, registry: MetricsRegistry) -> None:
        """register() twice on one registry does not raise and registers once."""
        target = prometheus_client.CollectorRegistry()
        exposition.register(target, metrics=registry)
        assert target is exposition.register(target, metrics=registry)


class TestPipelineCollector:
    def test_from_stats(self, logger: logging.Logger) -> None:
        """The pipeline's counters and the filters' come from ll.stats() at scrape time."""
        handler = ll.AsyncQueueHandler(handlers=[ListHandler()])
        handler.set_name("metrics-test")
        sampler = ll.SamplingFilter(rate=0.0, keep_level="ERROR", name="sampler")
        handler.addFilter(sampler)
        logger.addHandler(handler)
        for i in range(10):
            logger.info("drop %d", i)
        logger.error("keep")
        ll.flush()
        got = scrape(exposition.PipelineCollector())
        assert 1.0 == got["lite_logging_records_enqueued_total{pipeline=metrics-test}"]
        assert 1.0 == got["lite_logging_records_delivered_total{pipeline=metrics-test}"]
        assert (
            0.0
            == got["lite_logging_records_dropped_total{pipeline=metrics-test,reason=block_timeout}"]
        )
        assert 10.0 == got["lite_logging_filter_sampled_out_total{filter=sampler}"]
        assert 1.0 == got["lite_logging_filter_kept_total{filter=sampler}"]
        assert (
            1.0
            == got[
                "lite_logging_handler_records_written_total{handler=ListHandler,pipeline=metrics-test}"
            ]
        )
        assert 0.0 == got["lite_logging_queue_depth{pipeline=metrics-test}"]

    @pytest.mark.parametrize(
        ("policy", "reason"), [("drop_newest", "queue_full"), ("drop_oldest", "drop_oldest")]
    )
    def test_queue_drops_by_reason(self, logger: logging.Logger, policy: str, reason: str) -> None:
        """A full queue's drops are counted under the reason its policy gives."""
        import queue

        q: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        handler = ll.AsyncQueueHandler(q, maxsize=2, policy=policy)  # nobody reads the queue
        handler.set_name(f"full-{policy}")
        logger.addHandler(handler)
        for i in range(5):
            logger.info("record %d", i)
        got = scrape(exposition.PipelineCollector())
        key = f"lite_logging_records_dropped_total{{pipeline=full-{policy},reason={reason}}}"
        assert (3.0, 2) == (got[key], q.qsize())
        assert {reason: 3} == ll.stats()["pipelines"][f"full-{policy}"]["dropped_by"]
        logger.removeHandler(handler)
        handler.close()

    def test_handler_drops_by_reason(
        self, logger: logging.Logger, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Records a handler raised on, and those a sink says it dropped (SinkStats), are
        counted per handler and reason; a sink's resent and retries are exported too."""

        class Failing(ListHandler):
            def emit(self, record: logging.LogRecord) -> None:
                if record.getMessage().startswith("bad"):
                    raise ValueError("cannot write this one")
                super().emit(record)

        class Sink(ListHandler):
            def stats(self) -> dict[str, object]:
                n = len(self.records)
                return {
                    "written": n - 1,
                    "errors": 1,
                    "dropped": 1,
                    "dropped_by": {"export_failed": 1},
                    "resent": 4,
                    "retries": 2,
                }

        failing, sink = Failing(), Sink()
        failing.set_name("failing")
        sink.set_name("sink")
        handler = ll.AsyncQueueHandler(handlers=[failing, sink])
        handler.set_name("reasons")
        logger.addHandler(handler)
        for message in ("ok", "bad 1", "ok", "bad 2"):
            logger.info(message)
        assert ll.flush(timeout=10)
        stats = ll.stats()["pipelines"]["reasons"]["handlers"]
        got = scrape(exposition.PipelineCollector())

        def sample(name: str, handler: str, **labels: str) -> float:
            extra = "".join(f",{k}={v}" for k, v in labels.items())
            return got[f"lite_logging_{name}{{handler={handler},pipeline=reasons{extra}}}"]

        assert ({"handler_error": 2}, 2, 2) == (
            stats["failing"]["dropped_by"],
            stats["failing"]["dropped"],
            stats["failing"]["written"],
        )
        assert ({"export_failed": 1}, 3, 4, 2) == (
            stats["sink"]["dropped_by"],
            stats["sink"]["written"],
            stats["sink"]["resent"],
            stats["sink"]["retries"],
        )
        assert 2.0 == sample("handler_records_dropped_total", "failing", reason="handler_error")
        assert 1.0 == sample("handler_records_dropped_total", "sink", reason="export_failed")
        assert 4.0 == sample("handler_records_resent_total", "sink")
        assert 2.0 == sample("handler_retries_total", "sink")
        assert "cannot write this one" in capsys.readouterr().err  # reported once a batch

    def test_latency_histogram(self, logger: logging.Logger) -> None:
        """Handler latency is a Prometheus histogram counting every record handled."""
        target = ListHandler()
        target.set_name("timed")
        handler = ll.AsyncQueueHandler(handlers=[target])
        handler.set_name("latency")
        logger.addHandler(handler)
        for i in range(25):
            logger.info("record %d", i)
            if i % 10 == 0:
                assert ll.flush(timeout=10)  # several batches
        assert ll.flush(timeout=10)
        got = scrape(exposition.PipelineCollector())
        prefix = "lite_logging_handler_latency_seconds"
        labels = "handler=timed,pipeline=latency"
        buckets = sorted(
            (float(k.split("le=")[1].split(",")[0]), v)
            for k, v in got.items()
            if k.startswith(f"{prefix}_bucket{{handler=timed,le=") and "pipeline=latency" in k
        )
        counts = [n for _, n in buckets]
        assert 25.0 == got[f"{prefix}_count{{{labels}}}"] == counts[-1]
        assert (float("inf"), 23) == (buckets[-1][0], len(buckets))
        assert counts == sorted(counts)  # cumulative
        assert 0 < got[f"{prefix}_sum{{{labels}}}"] < 25 * buckets[-2][0]

    def test_const_labels(self, logger: logging.Logger) -> None:
        """const_labels (the pid, in multi-process mode) label every sample."""
        handler = ll.AsyncQueueHandler(handlers=[ListHandler()])
        handler.set_name("p")
        logger.addHandler(handler)
        logger.info("x")
        ll.flush()
        got = scrape(exposition.PipelineCollector({"pid": "7"}))
        assert 1.0 == got["lite_logging_records_enqueued_total{pid=7,pipeline=p}"]


class TestServe:
    def test_serve_one_call(self, registry: MetricsRegistry) -> None:
        """serve() starts prometheus_client's HTTP server; /metrics has our metrics."""
        import urllib.request

        ll.metrics.counter("tests_serve_total", "Served").inc(5)
        server, thread = ll.metrics.serve(0, "127.0.0.1")
        try:
            url = f"http://127.0.0.1:{server.server_port}/metrics"
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read().decode()
            assert "tests_serve_total 5.0" in body
            assert "# TYPE lite_logging_records_enqueued_total counter" in body
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)
            ll.metrics.REGISTRY.unregister("tests_serve_total")

    @pytest.mark.parametrize(
        ("interval", "env", "match"),
        [(0, "x", '"interval".*0'), (True, "x", '"interval".*True'), (5, None, "MULTIPROC")],
    )
    def test_publish_health_checks_its_options(
        self, monkeypatch: pytest.MonkeyPatch, interval: Any, env: str | None, match: str
    ) -> None:
        """publish_health() needs an interval > 0 and multi-process mode, and says which."""
        monkeypatch.delenv("prometheus_multiproc_dir", raising=False)
        if env is None:
            monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
        else:
            monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", env)
        with pytest.raises(ValueError, match=match):
            exposition.publish_health(interval)

    def test_multiprocess_registry_needs_dir(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without a directory, multi-process mode is an error naming it."""
        monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
        monkeypatch.delenv("prometheus_multiproc_dir", raising=False)
        with pytest.raises(ValueError, match="PROMETHEUS_MULTIPROC_DIR"):
            exposition.multiprocess_registry()


class TestRecordMetricsFilter:
    def test_by_level_and_prefix(self, registry: MetricsRegistry) -> None:
        """Records are counted per level and logger prefix; none is dropped."""
        sink = ListHandler()
        sink.addFilter(RecordMetricsFilter(depth=2, registry=registry))
        for name, level in [
            ("shop.api.v1", logging.INFO),
            ("shop.api.v2", logging.INFO),
            ("shop.db", logging.INFO),
            ("x", logging.ERROR),
        ]:
            sink.handle(logging.LogRecord(name, level, "f", 1, "m", (), None))
        values = {
            (s["labels"]["level"], s["labels"]["logger"]): s["value"]
            for s in registry.snapshot()["lite_logging_records_total"]
        }
        assert {("INFO", "shop.api"): 2.0, ("INFO", "shop.db"): 1.0, ("ERROR", "x"): 1.0} == values
        assert 4 == len(sink.records)

    def test_refusals_counted_each_time(self, registry: MetricsRegistry) -> None:
        """Beyond the cap every record of a new prefix is a counted refusal, and still kept."""
        sink = ListHandler()
        sink.addFilter(RecordMetricsFilter(max_label_sets=1, registry=registry))
        for name in ("a", "b", "b"):
            sink.handle(logging.LogRecord(name, logging.INFO, "f", 1, "m", (), None))
        refused = registry.snapshot()["lite_logging_metric_label_sets_refused_total"]
        assert [{"labels": {"metric": "lite_logging_records_total"}, "value": 2.0}] == refused
        assert 3 == len(sink.records)

    @pytest.mark.parametrize("depth", [-1, True, 1.0])
    def test_bad_depth(self, depth: object) -> None:
        """depth must be an int >= 0 (a bool is not a depth)."""
        with pytest.raises(ValueError, match=f'"depth" must be an int >= 0: {depth!r}'):
            RecordMetricsFilter(depth=depth, registry=MetricsRegistry())  # type: ignore[arg-type]


class TestSpans:
    @pytest.fixture
    def span_filter(self, registry: MetricsRegistry) -> Iterator[SpanMetricsFilter]:
        span_logger = logging.getLogger("lite_logging.span")
        level = span_logger.level
        span_logger.setLevel(logging.INFO)
        f = observe_spans(registry=registry, buckets=(1.0,))
        yield f
        span_logger.removeFilter(f)
        span_logger.setLevel(level)

    def test_duration_per_name_and_status(
        self, span_filter: SpanMetricsFilter, registry: MetricsRegistry
    ) -> None:
        """Each span's end record is observed under its name and status."""
        with ll.span("load"):
            pass
        with pytest.raises(KeyError), ll.span("load"):
            raise KeyError("x")
        series = registry.snapshot()["lite_logging_span_duration_seconds"]
        counts = {(s["labels"]["span"], s["labels"]["status"]): s["count"] for s in series}
        assert {("load", "ok"): 1, ("load", "error"): 1} == counts

    def test_observe_spans_once(self, span_filter: SpanMetricsFilter) -> None:
        """A second observe_spans() returns the filter already there."""
        assert span_filter is observe_spans()


class TestSnapshots:
    def test_snapshot_record(self, logger: logging.Logger, registry: MetricsRegistry) -> None:
        """stop() logs a final snapshot record with the metrics and ll.stats()."""
        sink = ListHandler()
        logger.addHandler(sink)
        registry.counter("snap_total").inc(4)
        snaps = start_snapshots(3600, logger=logger, registry=registry)
        snaps.stop()
        [record] = sink.records
        assert "metrics snapshot" == record.getMessage()
        assert [{"labels": {}, "value": 4.0}] == record.metrics["snap_total"]  # type: ignore[attr-defined]
        assert {"pipelines", "filters"} <= set(record.pipeline)  # type: ignore[attr-defined]

    def test_periodic(self, logger: logging.Logger, registry: MetricsRegistry) -> None:
        """Records come every interval until stop()."""
        sink = ListHandler()
        logger.addHandler(sink)
        snaps = start_snapshots(0.01, logger=logger, registry=registry, pipeline=False)
        import time

        deadline = time.monotonic() + 10
        while len(sink.records) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        snaps.stop(final=False)
        assert len(sink.records) >= 2
        assert not hasattr(sink.records[0], "pipeline")

    @pytest.mark.parametrize("interval", [0, True, float("nan")])
    def test_bad_interval(self, interval: float) -> None:
        """The interval is a number > 0 (a bool is not a number of seconds)."""
        with pytest.raises(ValueError, match=f'"interval" must be a number > 0: {interval!r}'):
            start_snapshots(interval)
