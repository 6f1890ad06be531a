"""lite_logging against structlog and stdlib logging inside Pyodide (CPython 3.14 in WebAssembly).

Run under Node, from the repository root (after ``bash tests/setup-env.sh .venv``)::

    node --experimental-wasm-stack-switching --no-wasm-memory-protection-keys \\
        --wasm-lazy-compilation tests/pyodide/run.mjs --bench

run.mjs loads this file inside Pyodide, in a fresh interpreter, so the import times are
cold. Figures, each the median of ``REPEAT`` runs interleaved between the libraries:

- ``import_ms``: ``import lite_logging``, ``import structlog``, ``import logging``.
- ``us_per_record``: logging ``RECORDS`` records with a context key and an extra field as
  JSON lines into memory, until they are all written (``flush()`` included: without threads
  the caller's thread does the writing too):
  - ``lite_prod``: ``ll.setup("prod")``'s pipeline (AsyncQueueHandler, batches, JSON);
  - ``lite_direct``: ``ll.JsonFormatter`` on a plain ``StreamHandler`` (no queue);
  - ``stdlib``: ``logging.Formatter`` text lines on a ``StreamHandler``;
  - ``structlog``: ``make_filtering_bound_logger`` + ``contextvars`` + ISO timestamps +
    ``JSONRenderer`` to a ``PrintLogger``, as structlog's docs configure production.

The result is the JSON string ``RESULT`` (run.mjs prints it).
"""

from __future__ import annotations

import io
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

RECORDS = 2000
REPEAT = 5


def _timed_import(name: str) -> float:
    started = time.perf_counter()
    __import__(name)
    return (time.perf_counter() - started) * 1000


IMPORT_MS = {
    "lite_logging": round(_timed_import("lite_logging"), 1),  # imports logging too
    "structlog": round(_timed_import("structlog"), 1),
}

import structlog  # noqa: E402 - imported above, timed

import lite_logging as ll  # noqa: E402 - imported above, timed


def _reset_logging() -> logging.Logger:
    ll.shutdown()
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    return logging.getLogger("bench.api")


def lite_prod(out: io.StringIO) -> Callable[[int], None]:
    """``ll.setup("prod")``'s pipeline, writing into ``out``."""
    _reset_logging()
    saved, sys.stdout = sys.stdout, out
    try:
        ll.setup("prod", logger_class=False)
    finally:
        sys.stdout = saved
    log = logging.getLogger("bench.api")

    def run(n: int) -> None:
        with ll.context(request_id="r-1"):
            for i in range(n):
                log.info("order %d placed", i, extra={"order": i})
        ll.flush()

    return run


def lite_direct(out: io.StringIO) -> Callable[[int], None]:
    """``ll.JsonFormatter`` on a plain ``StreamHandler``, no queue."""
    log = _reset_logging()
    handler = logging.StreamHandler(out)
    handler.setFormatter(ll.JsonFormatter())
    handler.addFilter(ll.ContextFilter())
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)

    def run(n: int) -> None:
        with ll.context(request_id="r-1"):
            for i in range(n):
                log.info("order %d placed", i, extra={"order": i})

    return run


def stdlib(out: io.StringIO) -> Callable[[int], None]:
    """Plain ``logging``: text lines on a ``StreamHandler``."""
    log = _reset_logging()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)

    def run(n: int) -> None:
        for i in range(n):
            log.info("order %d placed", i, extra={"order": i})

    return run


def structlog_json(out: io.StringIO) -> Callable[[int], None]:
    """structlog configured for JSON lines, as its docs do for production."""
    _reset_logging()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=True,
    )
    log = structlog.get_logger("bench.api")

    def run(n: int) -> None:
        structlog.contextvars.bind_contextvars(request_id="r-1")
        for i in range(n):
            log.info("order placed", order=i)
        structlog.contextvars.clear_contextvars()

    return run


CASES: dict[str, Callable[[io.StringIO], Callable[[int], None]]] = {
    "lite_prod": lite_prod,
    "lite_direct": lite_direct,
    "stdlib": stdlib,
    "structlog": structlog_json,
}


def measure() -> dict[str, Any]:
    """Median microseconds per record of each case, runs interleaved; lines checked."""
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(REPEAT):
        for name, make in CASES.items():
            out = io.StringIO()
            run = make(out)
            run(50)  # warm up: caches, first-use configuration
            out.seek(0)
            out.truncate()
            started = time.perf_counter()
            run(RECORDS)
            times[name].append((time.perf_counter() - started) / RECORDS * 1e6)
            lines = out.getvalue().splitlines()
            assert len(lines) == RECORDS, (name, len(lines))
            if name != "stdlib":
                assert all(json.loads(line) for line in lines)
    _reset_logging()
    return {name: round(statistics.median(values), 1) for name, values in times.items()}


per_record = measure()
RESULT = json.dumps(
    {
        "python": sys.version.split()[0],
        "records": RECORDS,
        "repeat": REPEAT,
        "import_ms": IMPORT_MS,
        "us_per_record": per_record,
        "lite_prod_over_structlog": round(per_record["lite_prod"] / per_record["structlog"], 2),
        "lite_direct_over_structlog": round(per_record["lite_direct"] / per_record["structlog"], 2),
    }
)
