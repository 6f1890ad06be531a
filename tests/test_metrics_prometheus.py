"""A real Prometheus server scrapes a test app; its HTTP API returns what the app counted.

Prometheus (Debian's ``prometheus`` package, listed in ``tests/apt-packages.txt``) runs as an
ordinary process on 127.0.0.1 and a free port, with ``tests/apps/prometheus.yml.in``
templated with the app's address, a 1 s scrape interval and its storage in ``tmp_path``.
The tests poll ``/api/v1/targets`` and ``/api/v1/query`` with a deadline, never a fixed
sleep. ``tests/apps/metrics_app.py`` is the app: one process, or two workers in
``prometheus_client``'s multi-process mode and one exporter.
"""

from __future__ import annotations

import json
import os
import shutil
import string
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from process_helpers import APPS, Child, free_port, http_get, python, wait_for_port

pytest.importorskip("prometheus_client", reason="the 'prometheus' extra is not installed")

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.once,  # a real Prometheus server: see the marker in pyproject.toml
    pytest.mark.skipif(
        not os.access(PROMETHEUS, os.X_OK),
        reason="Prometheus server not installed (Debian package 'prometheus', "
        "tests/apt-packages.txt; tests/setup-env.sh installs it as root)",
    ),
]

DEADLINE = 60.0  # Prometheus's first scrape and an instant query; a slow CI box included


class Prometheus:
    """A Prometheus server scraping ``target``; query it with :meth:`query`."""

    def __init__(self, tmp_path: Path, target: str) -> None:
        self.port = free_port()
        template = string.Template((APPS / "prometheus.yml.in").read_text())
        config = tmp_path / "prometheus.yml"
        config.write_text(template.substitute(interval="1s", targets=f"'{target}'"))
        self.child = Child(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            cwd=tmp_path,
            name="prometheus",
        )

    def api(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        body = json.loads(http_get(self.port, f"/api/v1/{path}?{query}"))
        assert "success" == body["status"], body
        return body["data"]

    def wait_target_up(self) -> None:
        """Return once Prometheus has scraped the app successfully."""
        wait_for_port(self.port, DEADLINE)
        deadline = time.monotonic() + DEADLINE
        while True:  # 503 while the TSDB opens: wait for /-/ready
            try:
                http_get(self.port, "/-/ready", timeout=5.0)
                break
            except urllib.error.HTTPError as exc:
                if time.monotonic() > deadline:
                    raise AssertionError(f"Prometheus not ready after {DEADLINE} s") from exc
                time.sleep(0.1)
        while True:
            targets = self.api("targets")["activeTargets"]
            if targets and all(t["health"] == "up" for t in targets):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"target not up after {DEADLINE} s: {targets}")
            time.sleep(0.2)

    def query(self, promql: str) -> dict[str, float]:
        """``{labels-as-text: value}`` of an instant query, polled until it has results."""
        deadline = time.monotonic() + DEADLINE
        while True:
            result = self.api("query", query=promql)["result"]
            if result:
                return {_key(r["metric"]): float(r["value"][1]) for r in result}
            if time.monotonic() > deadline:
                raise AssertionError(f"no result for {promql!r} after {DEADLINE} s")
            time.sleep(0.2)

    def close(self) -> None:
        self.child.__exit__(None, None, None)


def _key(metric: dict[str, str]) -> str:
    """The labels that matter to the tests, as ``a=1,b=2`` (job and instance left out)."""
    keep = {k: v for k, v in metric.items() if k not in {"job", "instance", "__name__"}}
    return ",".join(f"{k}={v}" for k, v in sorted(keep.items()))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, dict[str, Any]]]:
    """The single-process app, serving on a free port: ``(port, what it counted)``."""
    tmp_path = tmp_path_factory.mktemp("app")
    port = free_port()
    with Child(
        python("metrics_app.py", "single", port, tmp_path / "out.jsonl"), cwd=tmp_path, name="app"
    ) as child:
        expected = json.loads(child.wait_for_line(lambda line: line.startswith("{")))
        child.wait_for_line("ready")
        yield port, expected
        child.close_stdin()
        assert 0 == child.wait()


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Any]:
    """A factory: ``prometheus(port)`` starts a server scraping 127.0.0.1:port."""
    servers: list[Prometheus] = []

    def start(port: int) -> Prometheus:
        server = Prometheus(tmp_path, f"127.0.0.1:{port}")
        servers.append(server)
        server.wait_target_up()
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="module")
def scraped(
    app: tuple[int, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Prometheus, dict[str, Any]]]:
    """One Prometheus server scraping the single-process app, for the whole class."""
    port, expected = app
    server = Prometheus(tmp_path_factory.mktemp("prometheus"), f"127.0.0.1:{port}")
    try:
        server.wait_target_up()
        yield server, expected
    finally:
        server.close()


class TestSingleProcess:
    """One app process: its metrics and its pipeline's health, as Prometheus stored them."""

    def test_counters_and_histogram(self, scraped: tuple[Prometheus, dict[str, Any]]) -> None:
        """Counter values and histogram buckets equal what the app counted."""
        server, expected = scraped
        orders = server.query("app_orders_total")
        assert {f"kind={k}": float(v) for k, v in expected["orders"].items()} == orders
        buckets = server.query("app_work_seconds_bucket")
        assert {f"le={k}": float(v) for k, v in expected["work_buckets"].items()} == buckets
        assert {"": 6.0} == server.query("app_work_seconds_count")
        assert expected["work_sum"] == pytest.approx(server.query("app_work_seconds_sum")[""])
        assert {"": 3.0} == server.query("app_inflight")
        refused = server.query("lite_logging_metric_label_sets_refused_total")
        assert {"metric=app_capped_total": float(expected["capped_refused"])} == refused

    def test_records_by_level_and_logger(self, scraped: tuple[Prometheus, dict[str, Any]]) -> None:
        """``lite_logging_records_total`` counts the records the app logged, per label."""
        server, expected = scraped
        got = server.query("lite_logging_records_total")
        want = {}
        for key, n in expected["records"].items():
            level, logger = key.split("/")
            want[f"level={level},logger={logger}"] = float(n)
        assert want == got

    def test_pipeline_health(self, scraped: tuple[Prometheus, dict[str, Any]]) -> None:
        """The pipeline's counters from ``ll.stats()`` reach Prometheus under their names."""
        server, expected = scraped
        pipeline = expected["stats"]["pipelines"]["app"]
        assert 43 == pipeline["enqueued"]
        assert {"pipeline=app": 43.0} == server.query("lite_logging_records_enqueued_total")
        assert {"pipeline=app": 43.0} == server.query("lite_logging_records_delivered_total")
        assert {"pipeline=app,reason=block_timeout": 0.0} == server.query(
            "lite_logging_records_dropped_total"
        )
        assert {"pipeline=app": 0.0} == server.query("lite_logging_queue_depth")
        high = server.query("lite_logging_queue_depth_max")["pipeline=app"]
        assert 1.0 <= high <= 43.0
        written = server.query("lite_logging_handler_records_written_total")
        assert {"handler=BatchFileHandler,pipeline=app": 43.0} == written
        errors = server.query("lite_logging_handler_errors_total")
        assert {"handler=BatchFileHandler,pipeline=app": 0.0} == errors
        from prometheus_client.utils import floatToGoString

        histogram = pipeline["handlers"]["BatchFileHandler"]["handle_seconds"]
        assert {"handler=BatchFileHandler,pipeline=app": 43.0} == server.query(
            "lite_logging_handler_latency_seconds_count"
        )
        buckets = server.query("lite_logging_handler_latency_seconds_bucket")
        want = {
            "handler=BatchFileHandler,le={},pipeline=app".format(
                "+Inf" if le is None else floatToGoString(le)
            ): float(n)
            for le, n in histogram["buckets"]
        }
        assert want == buckets
        assert 43.0 == buckets["handler=BatchFileHandler,le=+Inf,pipeline=app"]
        limited = server.query("lite_logging_filter_rate_limited_total")
        assert {"filter=limiter": float(expected["rate_limited"])} == limited

    def test_span_duration_histogram(self, scraped: tuple[Prometheus, dict[str, Any]]) -> None:
        """Span durations per span name and status, as a histogram."""
        server, _expected = scraped
        got = server.query("lite_logging_span_duration_seconds_count")
        assert {"span=checkout,status=ok": 3.0, "span=checkout,status=error": 1.0} == got


def _assert_latency_and_filters_summed(server: Prometheus, counted: list[dict[str, Any]]) -> None:
    """The handler latency histogram (bucket by bucket), its longest time and the filters'
    counters are the workers' own ``ll.stats()`` figures, summed (the maximum for the
    longest time), under the names a single process exposes them."""
    from prometheus_client.utils import floatToGoString

    labels = "handler=BatchFileHandler,le={},pipeline=app"
    summed: dict[str, float] = {}
    for worker in counted:
        for le, n in worker["latency"]["handle_seconds"]["buckets"]:
            key = labels.format("+Inf" if le is None else floatToGoString(le))
            summed[key] = summed.get(key, 0.0) + n
    assert summed == server.query("lite_logging_handler_latency_seconds_bucket")
    assert 70.0 == summed[labels.format("+Inf")]
    handler = "handler=BatchFileHandler,pipeline=app"
    assert {handler: 70.0} == server.query("lite_logging_handler_latency_seconds_count")
    total = sum(worker["latency"]["handle_seconds"]["sum"] for worker in counted)
    got_sum = server.query("lite_logging_handler_latency_seconds_sum")[handler]
    assert total == pytest.approx(got_sum)
    longest = max(worker["latency"]["handle_us"]["max"] for worker in counted) / 1e6
    got_max = server.query("lite_logging_handler_latency_max_seconds")[handler]
    assert longest == pytest.approx(got_max)
    limiter = [worker["filters"]["limiter"] for worker in counted]
    assert [(5, 15, 1)] * 2 == [(f["admitted"], f["rate_limited"], f["keys"]) for f in limiter]
    assert {"filter=limiter": 30.0} == server.query("lite_logging_filter_rate_limited_total")
    assert {"filter=limiter": 10.0} == server.query("lite_logging_filter_admitted_total")
    assert {"filter=limiter": 2.0} == server.query("lite_logging_filter_rate_limit_keys")
    assert {"filter=limiter": 0.0} == server.query("lite_logging_filter_errors_total")


class TestMultiProcess:
    """Two workers in ``prometheus_client``'s multi-process mode, one exporter."""

    def test_workers_summed(self, tmp_path: Path, prometheus: Any) -> None:
        """Prometheus sees the sum of both workers' counters and histogram buckets, and of
        their pipelines' and filters' health (``publish_health()`` in each worker)."""
        mp_dir = tmp_path / "prom-mp"
        mp_dir.mkdir()
        env = {"PROMETHEUS_MULTIPROC_DIR": str(mp_dir)}
        port = free_port()
        with (
            Child(python("metrics_app.py", "worker", 3), cwd=tmp_path, env=env, name="w1") as w1,
            Child(python("metrics_app.py", "worker", 4), cwd=tmp_path, env=env, name="w2") as w2,
        ):
            counted = [json.loads(w.wait_for_line(lambda line: line[:1] == "{")) for w in (w1, w2)]
            for worker in (w1, w2):
                worker.wait_for_line("done")
            with Child(
                python("metrics_app.py", "serve", port), cwd=tmp_path, env=env, name="exporter"
            ) as exporter:
                exporter.wait_for_line("ready")
                server = prometheus(port)
                jobs = server.query("app_jobs_total")
                assert {"queue=fast": 7.0, "queue=slow": 2.0} == jobs
                buckets = server.query("app_job_seconds_bucket")
                assert {"le=0.1": 7.0, "le=1.0": 7.0, "le=+Inf": 9.0} == buckets
                assert {"": 9.0} == server.query("app_job_seconds_count")
                # the pipeline's health, published by each worker: summed, no pid label
                assert {"pipeline=app": 70.0} == server.query("lite_logging_records_enqueued_total")
                assert {"handler=BatchFileHandler,pipeline=app": 70.0} == server.query(
                    "lite_logging_handler_records_written_total"
                )
                assert {"pipeline=app,reason=block_timeout": 0.0} == server.query(
                    "lite_logging_records_dropped_total"
                )
                assert {"pipeline=app": 0.0} == server.query("lite_logging_queue_depth")
                _assert_latency_and_filters_summed(server, counted)
                exporter.close_stdin()
                assert 0 == exporter.wait()
            for worker in (w1, w2):
                worker.close_stdin()
                assert 0 == worker.wait()
