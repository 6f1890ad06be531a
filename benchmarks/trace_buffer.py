"""Cost of TraceBufferHandler: per held record, per released trace, per ended trace.

Usage (from the repository root)::

    python benchmarks/trace_buffer.py            # best of 7 repeats
    python benchmarks/trace_buffer.py --quick    # smoke run: few iterations, noisy
    python benchmarks/trace_buffer.py --json     # one JSON object instead of the table

Listener-side rows time ``handle_batch`` on batches of 512 records as they come out of the
queue (stamped, rendered), in 64 traces, into a target that writes nothing: the work the
listener thread does per record. Caller-side rows time a whole ``logger.debug(...)`` call
inside a span through ``AsyncQueueHandler``, with and without a TraceBufferHandler behind
the queue (the listener runs meanwhile; ``flush()`` is inside the timing), which is what the
buffer costs the thread that logs. Each figure is the best of several repeats.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

import lite_logging as ll

Row = tuple[str, str, float]  # (group, label, ns per unit)
BATCH = 512
TRACES = 64
TEMPLATE = {
    **logging.LogRecord("shop.api", logging.DEBUG, __file__, 1, "", None, None).__dict__,
    "args": None,
    "context": {"request_id": "r-1"},
}


class _NullBatch(logging.Handler):
    """A target that accepts batches and writes nothing."""

    def emit(self, record: logging.LogRecord) -> None:
        pass

    def handle_batch(self, records: list[logging.LogRecord]) -> int:
        return len(records)


def _queued(i: int, trace: int, level: int = logging.DEBUG, **extra: Any) -> logging.LogRecord:
    record = object.__new__(logging.LogRecord)
    message = f"loading cart {i}"
    record.__dict__ = {
        **TEMPLATE,
        "msg": message,
        "message": message,
        "levelno": level,
        "levelname": logging.getLevelName(level),
        "event_id": ll.new_event_id(),
        "trace_id": f"{trace:032x}",
        "span_id": f"{trace:016x}",
        **extra,
    }
    return record


def _best(fn: Callable[[], float], repeat: int) -> float:
    """The best of ``repeat`` runs, with the cyclic GC off while timing (as ``timeit``)."""
    best = math.inf
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            best = min(best, fn())
        finally:
            gc.enable()
    return best


def measure(number: int, repeat: int) -> list[Row]:
    """Run every measurement; ``number`` batches per repeat."""
    rows: list[Row] = []
    per_trace = BATCH // TRACES

    def scale() -> float:
        n = number * BATCH
        start = time.perf_counter()
        for i in range(n):
            logging.LogRecord("shop.api", logging.DEBUG, __file__, 1, "cart %d", (i,), None)
        return (time.perf_counter() - start) / n * 1e9

    rows.append(("scale", "LogRecord(...) (to compare machines)", _best(scale, repeat)))

    def held() -> float:
        batches = [
            [_queued(i, b * TRACES + i % TRACES) for i in range(BATCH)] for b in range(number)
        ]
        buffer = ll.TraceBufferHandler(_NullBatch(), max_traces=1 << 20, max_bytes=1 << 34)
        start = time.perf_counter()
        for batch in batches:
            buffer.handle_batch(batch)
        return (time.perf_counter() - start) / (number * BATCH) * 1e9

    rows.append(("listener", "held record (DEBUG in a trace)", _best(held, repeat)))

    def passed() -> float:
        batches = [
            [_queued(i, b * TRACES + i % TRACES, logging.INFO) for i in range(BATCH)]
            for b in range(number)
        ]
        buffer = ll.TraceBufferHandler(_NullBatch())
        start = time.perf_counter()
        for batch in batches:
            buffer.handle_batch(batch)
        return (time.perf_counter() - start) / (number * BATCH) * 1e9

    rows.append(("listener", "passed record (INFO in a trace)", _best(passed, repeat)))

    def released_or_ended(level: int, end: bool) -> Callable[[], float]:
        def run() -> float:
            buffer = ll.TraceBufferHandler(_NullBatch(), max_traces=1 << 20, max_bytes=1 << 34)
            for b in range(number):
                buffer.handle_batch([_queued(i, b * TRACES + i % TRACES) for i in range(BATCH)])
            span_fields = {"span_name": "GET /x", "duration_ms": 1.0, "status": "ok"}
            closing = [
                [
                    _queued(0, b * TRACES + t, level, **(span_fields if end else {}))
                    for t in range(TRACES)
                ]
                for b in range(number)
            ]
            start = time.perf_counter()
            for batch in closing:
                buffer.handle_batch(batch)
            return (time.perf_counter() - start) / (number * TRACES) * 1e9

        return run

    rows.append(
        (
            "listener",
            f"released trace ({per_trace} held records + the ERROR)",
            _best(released_or_ended(logging.ERROR, False), repeat),
        )
    )
    rows.append(
        (
            "listener",
            f"ended trace ({per_trace} held records dropped at its root span record)",
            _best(released_or_ended(logging.INFO, True), repeat),
        )
    )

    def caller(with_buffer: bool) -> Callable[[], float]:
        def run() -> float:
            target: logging.Handler = _NullBatch()
            if with_buffer:
                target = ll.TraceBufferHandler(target, max_traces=1 << 20, max_bytes=1 << 34)
            queue = ll.AsyncQueueHandler(handlers=[target], maxsize=0)
            log = logging.Logger("bench.trace_buffer")
            log.addHandler(queue)
            log.setLevel(logging.DEBUG)
            n = number * BATCH
            try:
                with ll.span("GET /x", logger=log):
                    start = time.perf_counter()
                    for i in range(n):
                        log.debug("loading cart %d", i)
                    ll.flush()
                    return (time.perf_counter() - start) / n * 1e9
            finally:
                queue.close()

        return run

    rows.append(("caller", "logger.debug in a span, queue -> null", _best(caller(False), repeat)))
    rows.append(
        (
            "caller",
            "logger.debug in a span, queue -> TraceBufferHandler -> null",
            _best(caller(True), repeat),
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few iterations (noisy)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--number", type=int, default=None, help="batches per repeat")
    args = parser.parse_args(argv)
    number = args.number or (4 if args.quick else 40)
    repeat = 2 if args.quick else 7
    rows = measure(number, repeat)
    if args.json:
        payload = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "rows": [{"group": g, "label": label, "ns": round(ns, 1)} for g, label, ns in rows],
        }
        print(json.dumps(payload))
        return 0
    print(f"CPython {platform.python_version()}, {os.cpu_count()} CPUs; best of {repeat}")
    print("| side | case | ns | in LogRecords |\n| --- | --- | ---: | ---: |")
    unit = rows[0][2]
    for group, label, ns in rows:
        print(f"| {group} | {label} | {ns:,.0f} | {ns / unit:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
