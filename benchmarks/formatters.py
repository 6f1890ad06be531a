"""Cost per record of each output format: JSON (stdlib, orjson), EDN and the pretty console.

Usage (from the repository root)::

    python benchmarks/formatters.py            # ~20 s: best of 7 repeats
    python benchmarks/formatters.py --quick    # smoke run: few iterations, numbers are noisy
    python benchmarks/formatters.py --json     # one JSON object instead of the table

Every row formats the same record, the benchmark workload's: ``"user %s logged in"`` with
``extra={"user_id": 42, "path": "/api/items"}``, context ``{"request_id": "req-1",
"tenant": "acme"}``, stamped once beforehand (so stamping is not counted, only formatting:
message, schema fields, serialization). Each figure is the best (minimum) of several repeats
of a timed loop divided by the loop count, in microseconds per record.
The two ``encode only`` rows time the serialization step alone on the record's field dict:
our EDN encoder against ``edn_format.dumps`` (which is why we hand-wrote ours).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import lite_logging as ll
from lite_logging.formats.edn import dumps as edn_dumps
from lite_logging.record.stamping import stamp_record


def _record() -> logging.LogRecord:
    record = logging.LogRecord(
        "bench.app", logging.INFO, "/srv/bench/app.py", 17, "user %s logged in", (42,), None
    )
    record.funcName = "handle"
    record.user_id = 42
    record.path = "/api/items"
    with ll.context(request_id="req-1", tenant="acme"):
        stamp_record(record)
    return record


def _rows() -> list[tuple[str, Callable[[], Any]]]:
    record = _record()
    json_stdlib = ll.JsonFormatter(use_orjson=False)
    json_orjson = ll.JsonFormatter(use_orjson=True)
    edn = ll.EdnFormatter()
    pretty = ll.PrettyFormatter()
    pretty80 = ll.PrettyFormatter(width=80)
    handler = ll.RichHandler(stream=io.StringIO(), width=80)
    fields: dict[str, Any] = {}
    record.message = record.getMessage()
    edn.add_fields(fields, record, {})

    rows: list[tuple[str, Callable[[], Any]]] = [
        ("JsonFormatter (stdlib json)", lambda: json_stdlib.format(record)),
        ("JsonFormatter (orjson)", lambda: json_orjson.format(record)),
        ("EdnFormatter", lambda: edn.format(record)),
        ("PrettyFormatter.format, one line", lambda: pretty.format(record)),
        ("PrettyFormatter.format, width=80", lambda: pretty80.format(record)),
        ("RichHandler.emit, 80 columns, no colour", lambda: handler.emit(record)),
        ("encode only: lite_logging.formats.edn.dumps", lambda: edn_dumps(fields)),
    ]
    try:
        import edn_format
    except ImportError:  # pragma: no cover - edn_format is a test dependency
        return rows

    def reference() -> str:
        text: str = edn_format.dumps(fields, keyword_keys=True)
        return text

    rows.append(("encode only: edn_format.dumps", reference))
    return rows


def _best_us(call: Callable[[], Any], loops: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(loops):
            call()
        best = min(best, (time.perf_counter_ns() - start) / loops)
    return best / 1000


def main(argv: list[str] | None = None) -> int:
    """Run every row and print a markdown table (or JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="few iterations (smoke run)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    loops, repeats = (200, 2) if args.quick else (5000, 7)
    os.environ.pop("FORCE_COLOR", None)  # the RichHandler row measures plain output

    results = {name: round(_best_us(call, loops, repeats), 2) for name, call in _rows()}
    machine = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
    }
    if args.json:
        print(json.dumps({"machine": machine, "us_per_record": results}))
        return 0
    print(f"Python {machine['python']} on {machine['platform']}, {machine['cpus']} CPUs")
    print(f"best of {repeats} x {loops} records\n")
    print("| format | us per record |")
    print("| --- | ---: |")
    for name, us in results.items():
        print(f"| {name} | {us:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
