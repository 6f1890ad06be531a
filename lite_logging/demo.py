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

The demo adapts to the build it runs in: a piece that is not available is skipped (or
replaced by its stdlib counterpart) and named in :attr:`DemoResult.missing`.
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
from contextlib import AbstractContextManager, nullcontext
from typing import Any

__all__ = ["DemoResult", "build_config", "run"]

JSONL_NAME = "demo.jsonl"
EDN_NAME = "demo.edn"

_USERS = ("ada", "grace", "linus", "barbara", "ken", "margaret")
_ROUTES = ("GET /items", "GET /items/{id}", "POST /cart", "POST /checkout")
_FEATURES = (
    "AsyncQueueHandler",
    "BatchFileHandler",
    "EdnFormatter",
    "RateLimitFilter",
    "RedactFilter",
    "RichHandler",
    "SamplingFilter",
    "flush",
    "shutdown",
    "span",
    "stats",
)


@dataclasses.dataclass
class DemoResult:
    """What a demo run produced.

    Attributes:
        files: the log files written (JSON lines first, then EDN lines when available).
        requests: how many fake requests were served.
        stats: ``lite_logging.stats()`` after the final flush (``{}`` when unavailable).
        failed_trace_id: the trace id of the request whose payment failed, if traced.
        missing: the lite_logging features this build lacks, which the demo skipped.
    """

    files: list[str]
    requests: int
    stats: dict[str, Any]
    failed_trace_id: str | None
    missing: list[str]


def _lite_logging() -> Any:
    import lite_logging  # the demo sits on top of the package, as an application does

    return lite_logging


def _available() -> tuple[set[str], list[str]]:
    ll = _lite_logging()
    have = {name for name in _FEATURES if hasattr(ll, name)}
    return have, sorted(set(_FEATURES) - have)


def build_config(out_dir: str, have: set[str], console: str = "ext://sys.stderr") -> dict[str, Any]:
    """The ``dictConfig`` dict of the demo, using the lite_logging names in ``have``.

    Args:
        out_dir: the folder of ``demo.jsonl`` and ``demo.edn``.
        have: the public names of lite_logging that exist (see :data:`_FEATURES`).
        console: the stream of the pretty console, as a dictConfig ``ext://`` reference.

    Returns:
        A dict for ``logging.config.dictConfig``.
    """
    file_class = "lite_logging.BatchFileHandler" if "BatchFileHandler" in have else None
    formatters: dict[str, Any] = {
        "json": {"()": "lite_logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)-8s %(name)s: %(message)s"},
    }
    handlers: dict[str, Any] = {}
    if "RichHandler" in have:
        handlers["console"] = {"class": "lite_logging.RichHandler", "stream": console}
    else:
        handlers["console"] = {
            "class": "logging.StreamHandler",
            "stream": console,
            "formatter": "plain",
        }
    handlers["console"]["level"] = "INFO"  # the console shows the story; files keep DEBUG
    outputs = [("jsonl", JSONL_NAME, "json")]
    if "EdnFormatter" in have:
        formatters["edn"] = {"()": "lite_logging.EdnFormatter"}
        outputs.append(("edn", EDN_NAME, "edn"))
    for name, filename, formatter in outputs:
        path = os.path.join(out_dir, filename)
        if file_class is not None:
            handlers[name] = {"()": file_class, "filename": path, "mode": "w"}
        else:
            handlers[name] = {"class": "logging.FileHandler", "filename": path, "mode": "w"}
        handlers[name]["formatter"] = formatter
    filters: dict[str, Any] = {}
    queue_filters: list[str] = []
    if "SamplingFilter" in have:
        # keep 10 % of the cache's chatter; everything else at full rate
        filters["sampling"] = {"()": "lite_logging.SamplingFilter", "rates": {"shop.cache.*": 0.1}}
        queue_filters.append("sampling")
    if "RedactFilter" in have:
        # card numbers, bearer tokens, password=... and secret-looking keys are masked
        filters["redact"] = {"()": "lite_logging.RedactFilter"}
        queue_filters.append("redact")
    pool_filters: list[str] = []
    if "RateLimitFilter" in have:
        filters["pool_limit"] = {"()": "lite_logging.RateLimitFilter", "limits": ["2/s"]}
        pool_filters.append("pool_limit")
    targets = list(handlers)
    if "AsyncQueueHandler" in have:
        handlers["queue"] = {
            "()": "lite_logging.AsyncQueueHandler",
            "handlers": targets,
            "respect_handler_level": True,  # the console's INFO applies behind the queue
            "filters": queue_filters,
        }
        root_handlers = ["queue"]
    else:
        filters["context"] = {"()": "lite_logging.ContextFilter"}
        for name in targets:
            handlers[name]["filters"] = ["context", *queue_filters]
        root_handlers = targets
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": filters,
        "formatters": formatters,
        "handlers": handlers,
        "loggers": {
            "shop.db.pool": {"filters": pool_filters},
            "asyncio": {"level": "WARNING"},  # not its "Using selector" debug line
        },
        "root": {"level": "DEBUG", "handlers": root_handlers},
    }


class _Shop:
    """The fake application: request handlers, a cache, a pool, a payment service."""

    def __init__(self, ll: Any, have: set[str], seed: int) -> None:
        self.ll = ll
        self.have = have
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
        self.executor = ll.ContextThreadPoolExecutor(max_workers=2, thread_name_prefix="job")

    def span(
        self, name: str, traceparent: str | None = None, **attrs: Any
    ) -> AbstractContextManager[Any]:
        if "span" in self.have:
            manager: AbstractContextManager[Any] = self.ll.span(
                name, traceparent=traceparent, **attrs
            )
            return manager
        return nullcontext()

    def _cache_lookup(self, key: str) -> bool:
        hit = self.random.random() < 0.7
        self.cache.debug("cache %s for %s", "hit" if hit else "miss", key, extra={"key": key})
        return hit

    async def _query(self, sql: str) -> int:
        with self.span("db.query", statement=sql.split()[0]):
            in_use = self.random.randint(6, 10)
            if in_use >= 8:
                self.pool.warning("connection pool nearly exhausted (%d/10 in use)", in_use)
            await asyncio.sleep(self.random.uniform(0.001, 0.01))
            rows = self.random.randint(0, 40)
            self.db.debug("query returned %d rows", rows, extra={"sql": sql})
            return rows

    def _charge(self, amount: float) -> str:
        """Runs in a job thread: the context and span come along through the executor."""
        with self.span("payments.charge", amount=amount):
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
            self.ll.context(request_id=f"r-{number}", user=user),
            self.span(route, traceparent=header, route=route) as current,
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
                    if current is not None:
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
        self.ll.bind(job=name)
        runs = 0
        while not stop.is_set():
            runs += 1
            with self.span(f"job.{name}", run=runs):
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


def _flush(ll: Any, have: set[str]) -> None:
    if "flush" in have:
        ll.flush(timeout=10.0)
        return
    for handler in logging.getLogger().handlers:
        handler.flush()


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
    ll = _lite_logging()
    have, missing = _available()
    os.makedirs(out_dir, exist_ok=True)
    logging.config.dictConfig(build_config(out_dir, have, console))
    shop = _Shop(ll, have, seed)
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
    _flush(ll, have)
    files = [os.path.join(out_dir, JSONL_NAME)]
    if "EdnFormatter" in have:
        files.append(os.path.join(out_dir, EDN_NAME))
    result = DemoResult(
        files=files,
        requests=shop.served,
        stats=ll.stats() if "stats" in have else {},
        failed_trace_id=shop.failed_trace_id,
        missing=missing,
    )
    if report is not None:
        report(result)
    if "shutdown" in have:
        ll.shutdown()
    return result
