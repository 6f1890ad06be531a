"""The demo behind ``lite-logging demo``: a small shop backend logging through the pipeline.

A few asyncio tasks serve fake HTTP requests and a few threads run background jobs. Each
request binds ``request_id`` and ``user`` to the ambient context and runs in a trace span
with child spans; a cache logs chatty DEBUG lines (sampled to 10 %), a connection pool
warns far too often (rate limited), one payment fails with a handled exception, payments
log secrets that are masked (redacted), and every fifth request joins an upstream trace
through a W3C ``traceparent`` header.

Logging is configured the way an application would: one ``logging.config.dictConfig``
call. Records go through ``AsyncQueueHandler`` (captured and queued in the caller's thread)
to a ``BatchingQueueListener`` that hands whole batches to three handlers: the pretty
console (``RichHandler``), JSON lines (``DIR/demo.jsonl``) and EDN lines (``DIR/demo.edn``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import logging.config
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from .pipeline.control import flush, shutdown, stats
from .record.context import ContextThreadPoolExecutor, bind, context
from .record.tracing import span

__all__ = ["DemoResult", "build_config", "run"]

JSONL_NAME = "demo.jsonl"
EDN_NAME = "demo.edn"

_USERS = ("ada", "grace", "linus", "barbara", "ken", "margaret")
_ROUTES = ("GET /items", "GET /items/{id}", "POST /cart", "POST /checkout")


@dataclasses.dataclass
class DemoResult:
    """What a demo run produced.

    Attributes:
        files: the log files written (JSON lines first, then EDN lines when available).
        requests: how many fake requests were served.
        stats: ``lite_logging.stats()`` after the final flush.
        failed_trace_id: the trace id of the request whose payment failed.
    """

    files: list[str]
    requests: int
    stats: dict[str, Any]
    failed_trace_id: str | None


def build_config(out_dir: str, console: str = "ext://sys.stderr") -> dict[str, Any]:
    """The demo's ``dictConfig`` dict: what an application would write.

    Args:
        out_dir: the folder of ``demo.jsonl`` and ``demo.edn``.
        console: the pretty console's stream, as a dictConfig ``ext://`` reference.

    Returns:
        A dict for ``logging.config.dictConfig``.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            # keep 10 % of the cache's chatter; everything else at full rate
            "sampling": {"()": "lite_logging.SamplingFilter", "rates": {"shop.cache.*": 0.1}},
            # card numbers, bearer tokens, password=... and secret-looking keys are masked
            "redact": {"()": "lite_logging.RedactFilter"},
            "pool_limit": {"()": "lite_logging.RateLimitFilter", "limits": ["2/s"]},
        },
        "formatters": {
            "json": {"()": "lite_logging.JsonFormatter"},
            "edn": {"()": "lite_logging.EdnFormatter"},
        },
        "handlers": {
            # the console shows the story at INFO; the files keep DEBUG
            "console": {"class": "lite_logging.RichHandler", "stream": console, "level": "INFO"},
            "jsonl": {
                "()": "lite_logging.BatchFileHandler",
                "filename": os.path.join(out_dir, JSONL_NAME),
                "mode": "w",
                "formatter": "json",
            },
            "edn": {
                "()": "lite_logging.BatchFileHandler",
                "filename": os.path.join(out_dir, EDN_NAME),
                "mode": "w",
                "formatter": "edn",
            },
            "queue": {
                "()": "lite_logging.AsyncQueueHandler",
                "handlers": ["console", "jsonl", "edn"],
                "filters": ["sampling", "redact"],
            },
        },
        "loggers": {
            "shop.db.pool": {"filters": ["pool_limit"]},
            "asyncio": {"level": "WARNING"},  # not its "Using selector" debug line
        },
        "root": {"level": "DEBUG", "handlers": ["queue"]},
    }


class _Shop:
    """The fake application: request handlers, a cache, a pool, a payment service."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.api = logging.getLogger("shop.api")
        self.cache = logging.getLogger("shop.cache.items")
        self.pool = logging.getLogger("shop.db.pool")
        self.db = logging.getLogger("shop.db")
        self.payments = logging.getLogger("shop.payments")
        self.jobs = logging.getLogger("shop.jobs")
        self.served = 0
        self.failed_trace_id: str | None = None
        self._fail_next_checkout = True
        self._lock = threading.Lock()
        self.executor = ContextThreadPoolExecutor(max_workers=2, thread_name_prefix="job")

    def _cache_lookup(self, key: str) -> bool:
        hit = self.random.random() < 0.7
        self.cache.debug("cache %s for %s", "hit" if hit else "miss", key, extra={"key": key})
        return hit

    async def _query(self, sql: str) -> int:
        with span("db.query", statement=sql.split()[0]):
            in_use = self.random.randint(6, 10)
            if in_use >= 8:
                self.pool.warning("connection pool nearly exhausted (%d/10 in use)", in_use)
            await asyncio.sleep(self.random.uniform(0.001, 0.01))
            rows = self.random.randint(0, 40)
            self.db.debug("query returned %d rows", rows, extra={"sql": sql})
            return rows

    def _charge(self, amount: float) -> str:
        """Runs in a job thread: the context and span come along through the executor."""
        with span("payments.charge", amount=amount):
            with self._lock:
                fail, self._fail_next_checkout = self._fail_next_checkout, False
            if fail:
                raise ConnectionError("payment gateway timed out after 2.0 s")
            card = "4111 1111 1111 1111"  # a test card number: RedactFilter masks it
            self.payments.info(
                "charged %.2f EUR to card %s",
                amount,
                card,
                extra={"amount": amount, "api_key": "sk_test_4eC39HqLyjWDarjtT1zdp7dc"},
            )
            return "ch_" + format(self.random.getrandbits(32), "08x")

    async def handle(self, number: int, route: str) -> None:
        user = self.random.choice(_USERS)
        # Every fifth request comes from an upstream service that sent a W3C traceparent
        # header: its span joins the caller's trace as a child of the caller's span.
        header = None
        if number % 5 == 0:
            header = f"00-{self.random.getrandbits(128):032x}-{self.random.getrandbits(64):016x}-01"
        with (
            context(request_id=f"r-{number}", user=user),
            span(route, traceparent=header, route=route) as current,
        ):
            self.api.info("%s started", route)
            for key in ("item:1", "item:2", "price:eur"):
                self._cache_lookup(key)
            rows = await self._query("SELECT * FROM items WHERE owner = ?")
            if route == "POST /checkout":
                amount = round(self.random.uniform(5, 120), 2)
                loop = asyncio.get_running_loop()
                try:
                    charge = await loop.run_in_executor(self.executor, self._charge, amount)
                except ConnectionError:
                    # the one handled exception: logged with its traceback, then a 502
                    self.api.exception("checkout failed for %s", user)
                    self.failed_trace_id = current.trace_id
                    status = 502
                else:
                    self.api.info("checkout ok", extra={"charge_id": charge})
                    status = 200
            else:
                status = 200
            self.api.info("%s -> %d", route, status, extra={"status": status, "rows": rows})
        self.served += 1

    def nightly_job(self, stop: threading.Event, name: str) -> None:
        """A plain thread: binds its own context, as thread code must."""
        bind(job=name)
        runs = 0
        while not stop.is_set():
            runs += 1
            with span(f"job.{name}", run=runs):
                self.jobs.info("%s run %d", name, runs)
                self.jobs.debug("%s: nothing else to do", name)
            stop.wait(0.25)

    async def serve(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        number = 0
        tasks: set[asyncio.Task[None]] = set()
        while True:
            number += 1
            # The first request is a checkout, so the handled exception happens in any run.
            route = "POST /checkout" if number == 1 else self.random.choice(_ROUTES)
            task = asyncio.ensure_future(self.handle(number, route))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if time.monotonic() >= deadline and number >= 8:
                break
            await asyncio.sleep(self.random.uniform(0.005, 0.04))
        await asyncio.gather(*tasks)


def run(
    seconds: float = 3.0,
    out_dir: str = "lite-logging-demo",
    *,
    console: str = "ext://sys.stderr",
    seed: int = 7,
    report: Callable[[DemoResult], None] | None = None,
) -> DemoResult:
    """Run the demo app for about ``seconds`` and return what it produced.

    Configures logging with :func:`build_config` (replacing the root logger's handlers),
    serves fake requests, then flushes every record to the files.

    Args:
        seconds: how long to keep serving requests (at least 8 requests are served).
        out_dir: where ``demo.jsonl`` and ``demo.edn`` are written (created if needed).
        console: the pretty console's stream, as a dictConfig ``ext://`` reference.
        seed: seed of the fake traffic.
        report: called with the result after the flush, before the pipeline stops.

    Returns:
        A :class:`DemoResult`.
    """
    os.makedirs(out_dir, exist_ok=True)
    logging.config.dictConfig(build_config(out_dir, console))
    shop = _Shop(seed)
    shop.api.info("demo starting: %.1f s of traffic", seconds, extra={"out_dir": out_dir})
    stop = threading.Event()
    workers = [
        threading.Thread(target=shop.nightly_job, args=(stop, name), name=f"job-{name}")
        for name in ("reindex", "send-emails")
    ]
    for worker in workers:
        worker.start()
    try:
        asyncio.run(shop.serve(seconds))
    finally:
        stop.set()
        for worker in workers:
            worker.join()
        shop.executor.shutdown(wait=True)
    shop.api.info("demo done: %d requests served", shop.served, extra={"requests": shop.served})
    flush(timeout=10.0)
    result = DemoResult(
        files=[os.path.join(out_dir, JSONL_NAME), os.path.join(out_dir, EDN_NAME)],
        requests=shop.served,
        stats=stats(),
        failed_trace_id=shop.failed_trace_id,
    )
    if report is not None:
        report(result)
    shutdown()
    return result
