"""Cost of one metric update: lite_logging.metrics against prometheus_client, in one run.

Usage (from the repository root)::

    python benchmarks/metrics.py            # ~10 s on an idle machine: best of 7 repeats
    python benchmarks/metrics.py --quick    # smoke run: few iterations, numbers are noisy
    python benchmarks/metrics.py --json     # one JSON object instead of the table

Each figure is the best (minimum) of several repeats of a timed loop divided by the loop
count, minus the cost of the empty loop: nanoseconds per call, single-threaded, for the
same operation on both libraries' objects made the same way (a child kept from
``labels(...)``, the hot path an application should use). The ``labels(...)`` rows look a
child up on every call instead. prometheus_client runs in its default (single-process)
mode; its multi-process mode writes to an mmap file per update and is slower still.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

import prometheus_client

from lite_logging.metrics import instruments

Row = tuple[str, str, float]  # (operation, library, ns per call)


def _best_ns(stmt: Callable[[], object], number: int, repeat: int) -> float:
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number * 1e9


def measure(number: int, repeat: int) -> list[Row]:
    """Every row: (operation, library, ns per call)."""
    ours = instruments.MetricsRegistry()
    theirs = prometheus_client.CollectorRegistry()
    our_c = ours.counter("bench_total", "", ("route",))
    their_c = prometheus_client.Counter("bench_total", "", ("route",), registry=theirs)
    our_g = ours.gauge("bench_g", "", ("route",))
    their_g = prometheus_client.Gauge("bench_g", "", ("route",), registry=theirs)
    our_h = ours.histogram("bench_seconds", "", ("route",))
    their_h = prometheus_client.Histogram("bench_seconds", "", ("route",), registry=theirs)
    our_plain = ours.counter("bench_plain_total", "")
    their_plain = prometheus_client.Counter("bench_plain_total", "", registry=theirs)
    oc, tc = our_c.labels("/"), their_c.labels("/")
    og, tg = our_g.labels("/"), their_g.labels("/")
    oh, th = our_h.labels("/"), their_h.labels("/")

    empty = _best_ns(lambda: None, number, repeat)
    cases: list[tuple[str, str, Callable[[], object]]] = [
        ("counter inc()", "lite_logging", oc.inc),
        ("counter inc()", "prometheus_client", tc.inc),
        ("counter inc_one()", "lite_logging", oc.inc_one),
        ("counter without labels inc()", "lite_logging", our_plain.inc),
        ("counter without labels inc()", "prometheus_client", their_plain.inc),
        ("counter inc(2.5)", "lite_logging", lambda: oc.inc(2.5)),
        ("counter inc(2.5)", "prometheus_client", lambda: tc.inc(2.5)),
        ("gauge set(3)", "lite_logging", lambda: og.set(3)),
        ("gauge set(3)", "prometheus_client", lambda: tg.set(3)),
        ("gauge inc()", "lite_logging", og.inc),
        ("gauge inc()", "prometheus_client", tg.inc),
        ("histogram observe(0.3)", "lite_logging", lambda: oh.observe(0.3)),
        ("histogram observe(0.3)", "prometheus_client", lambda: th.observe(0.3)),
        ('labels("/").inc()', "lite_logging", lambda: our_c.labels("/").inc()),
        ('labels("/").inc()', "prometheus_client", lambda: their_c.labels("/").inc()),
    ]
    rows: list[Row] = []
    for op, lib, stmt in cases:
        # A bound method is called directly; a lambda adds one call, as the empty loop does.
        base = empty if stmt.__name__ == "<lambda>" else 0.0
        rows.append((op, lib, max(0.0, _best_ns(stmt, number, repeat) - base)))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a markdown table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few iterations, noisy figures")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--number", type=int, default=None, help="loop count per repeat")
    args = parser.parse_args(argv)
    number = args.number or (2_000 if args.quick else 200_000)
    repeat = 2 if args.quick else 7
    rows = measure(number, repeat)
    env = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "prometheus_client": prometheus_client.__version__
        if hasattr(prometheus_client, "__version__")
        else _version("prometheus_client"),
    }
    if args.json:
        payload = {
            "env": env,
            "rows": [{"operation": o, "library": lib, "ns": round(ns, 1)} for o, lib, ns in rows],
        }
        print(json.dumps(payload))
        return 0
    print(
        f"Python {env['python']} ({env['machine']}), prometheus_client {env['prometheus_client']}"
    )
    print()
    print("| operation | lite_logging (ns) | prometheus_client (ns) |")
    print("| --- | ---: | ---: |")
    table: dict[str, dict[str, float]] = {}
    for op, lib, ns in rows:
        table.setdefault(op, {})[lib] = ns
    for op, libs in table.items():
        ours = libs.get("lite_logging")
        theirs = libs.get("prometheus_client")
        print(f"| `{op}` | {_fmt(ours)} | {_fmt(theirs)} |")
    return 0


def _fmt(ns: float | None) -> str:
    return "-" if ns is None else f"{ns:.0f}"


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    sys.exit(main())
