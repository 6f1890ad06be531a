"""A test app for tests/test_metrics_prometheus.py: counts known amounts, then serves them.

    metrics_app.py single PORT OUT      one process: app metrics + pipeline health + records
    metrics_app.py worker N              multi-process worker (PROMETHEUS_MULTIPROC_DIR set):
                                         counts N-dependent amounts, logs 10 * N records,
                                         rate-limits 20 more (5 admitted) and publishes its
                                         pipeline and filter health, prints "done"
    metrics_app.py serve PORT            multi-process exporter: serves every worker's sum

Each prints one JSON line with what it counted ("expected ..."), then "ready" (or "done"),
and waits for stdin to close.
"""

from __future__ import annotations

import json
import logging
import sys

import lite_logging as ll
from lite_logging import metrics


def single(port: int, out: str) -> None:
    handler = ll.AsyncQueueHandler(handlers=[ll.BatchFileHandler(out)], policy="block")
    handler.set_name("app")
    limiter = ll.RateLimitFilter(limits=["5/min"], name="limiter")
    logging.getLogger("noisy").addFilter(limiter)
    handler.addFilter(metrics.RecordMetricsFilter(depth=1))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    metrics.observe_spans()

    for i in range(30):
        logging.getLogger("shop.api").info("request %d", i)
    for i in range(4):
        logging.getLogger("shop.db.pool").warning("slow query %d", i)
    for _ in range(20):
        logging.getLogger("noisy").info("same message")  # 5 admitted, 15 rate limited
    for _ in range(3):
        with ll.span("checkout"):
            pass
    try:
        with ll.span("checkout"):
            raise ValueError("declined")
    except ValueError:
        pass

    orders = metrics.counter("app_orders_total", "Orders", ("kind",))
    orders.labels("book").inc(7)
    orders.labels(kind="pen").inc()
    orders.labels(kind="pen").inc()
    work = metrics.histogram("app_work_seconds", "Work", buckets=(0.1, 0.5, 1.0))
    for value in (0.05, 0.1, 0.3, 0.7, 2.0, 3.0):
        work.observe(value)
    inflight = metrics.gauge("app_inflight", "In flight")
    inflight.set(3)
    capped = metrics.counter("app_capped_total", "Capped", ("user",), max_label_sets=2)
    for user in ("a", "b", "c", "d", "a"):
        capped.labels(user).inc()
    ll.flush()

    server, _thread = metrics.serve(port, "127.0.0.1")
    expected = {
        "orders": {"book": 7, "pen": 2},
        "work_buckets": {"0.1": 2, "0.5": 3, "1.0": 4, "+Inf": 6},
        "work_sum": 6.15,
        "records": {
            "INFO/shop": 30,
            "WARNING/shop": 4,
            "INFO/noisy": 5,  # the rate limiter sits before the counting filter
            "INFO/lite_logging": 3,  # span records
            "ERROR/lite_logging": 1,
        },
        "rate_limited": 15,
        "capped_refused": 2,
        "stats": ll.stats(),
    }
    print(json.dumps(expected), flush=True)
    print("ready", flush=True)
    sys.stdin.read()
    server.shutdown()
    ll.shutdown()


def worker(n: int) -> None:
    jobs = metrics.counter("app_jobs_total", "Jobs", ("queue",))
    jobs.labels("fast").inc(n)
    jobs.labels("slow").inc()
    work = metrics.histogram("app_job_seconds", "Job time", buckets=(0.1, 1.0))
    for _ in range(n):
        work.observe(0.05)
    work.observe(5.0)
    # The pipeline's health, published into the multi-process files (10 * n records).
    handler = ll.AsyncQueueHandler(handlers=[ll.BatchFileHandler(f"worker-{n}.jsonl")])
    handler.set_name("app")
    log = logging.getLogger("worker")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    for i in range(10 * n):
        log.info("job %d", i)
    limiter = ll.RateLimitFilter(limits=["5/min"], name="limiter")
    noisy = logging.getLogger("noisy")  # no handler: only the filter's counters matter
    noisy.addFilter(limiter)
    noisy.setLevel(logging.INFO)
    for _ in range(20):
        noisy.info("same message")  # 5 admitted, 15 rate limited
    ll.flush()
    publisher = metrics.publish_health(interval=60)  # published below, not by the clock
    publisher.publish()
    publisher.publish()  # adds only what grew since the first: nothing
    stats = ll.stats()  # what was published: nothing is logged after it
    expected = {
        "fast": n,
        "slow": 1,
        "observations": n + 1,
        "latency": stats["pipelines"]["app"]["handlers"]["BatchFileHandler"],
        "filters": stats["filters"],
    }
    print(json.dumps(expected), flush=True)
    print("done", flush=True)
    sys.stdin.read()
    publisher.stop()
    ll.shutdown()


def serve(port: int) -> None:
    server, _thread = metrics.serve(port, "127.0.0.1")
    print("ready", flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "single":
        single(int(sys.argv[2]), sys.argv[3])
    elif mode == "worker":
        worker(int(sys.argv[2]))
    else:
        serve(int(sys.argv[2]))
