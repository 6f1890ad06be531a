"""Cost per call of lite_logging's filters in steady state, and of a sampled-out log call.

Usage (from the repository root)::

    python benchmarks/filters.py            # ~30 s: best of 7 repeats
    python benchmarks/filters.py --quick    # smoke run: few iterations, numbers are noisy
    python benchmarks/filters.py --json     # one JSON object instead of the table

Each figure is the best (minimum) of several repeats of a timed loop, divided by the loop
count: the steady-state cost on an idle machine, in nanoseconds per call. Rows measured on
a fresh record per call (filters that change the record) have the cost of making that
record subtracted (``*``; ``**``: making and stamping it, since RedactFilter stamps first
and that cost is paid once per record anyway); the subtracted costs are their own rows.

The "calls" rows time a whole ``logger.info("user %s in", 42)`` call: ``plain`` reaches
one handler that does nothing; ``sampled out`` is dropped by a SamplingFilter on the logger
(a rate so small that every call draws and drops); ``dropped by a trivial filter`` is the
floor under any filter that drops (``Logger._log``, ``findCaller``, ``makeRecord``,
``Filterer.filter``); ``makeRecord`` alone is the record's own cost. The ``ll.Logger``
rows are the same calls on a ``lite_logging.Logger``, whose SamplingFilter decides before
the record is built.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

import lite_logging as ll
from lite_logging.filters.transforms import AddFields
from lite_logging.record.stamping import stamp_record

Row = tuple[str, str, float]  # (group, label, ns per call)


class _NoOpHandler(logging.Handler):
    """A handler that accepts every record and writes nothing: the cost of reaching it."""

    def emit(self, record: logging.LogRecord) -> None:
        pass


class _DropAll(logging.Filter):
    """The cheapest filter that drops: the floor under any dropping filter's call."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def _record(**extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("shop.api", logging.INFO, __file__, 1, "user %s in", (42,), None)
    record.__dict__.update(extra)
    return record


def _best_ns(fn: Callable[[], object], number: int, repeat: int) -> float:
    timer = timeit.Timer(fn)
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e9


def _logger(name: str, *filters: logging.Filter, cls: type = logging.Logger) -> logging.Logger:
    log = cls(name)  # not registered: a private logger of the class asked for
    log.handlers[:] = [_NoOpHandler()]
    for f in filters:
        log.addFilter(f)  # addFilter: ll.Logger chooses its path there
    log.propagate = False
    log.setLevel(logging.DEBUG)
    return log


def measure(number: int, repeat: int) -> list[Row]:
    """Run every measurement; return ``(group, label, ns per call)`` rows."""
    rows: list[Row] = []

    def add(group: str, label: str, fn: Callable[[], object], base: float = 0.0) -> float:
        ns = _best_ns(fn, number, repeat) - base
        rows.append((group, label, ns))
        return ns

    # Baselines.
    make = add("baseline", "LogRecord(...) (subtracted below where marked *)", _record)
    make_stamped = add(
        "baseline",
        "LogRecord(...) + stamp_record (subtracted where marked **)",
        lambda: stamp_record(_record()),
    )
    add("baseline", "logging.Filter('shop').filter(record)", _bound(logging.Filter("shop")))

    # NamespaceFilter: cached verdicts.
    ns_filter = ll.NamespaceFilter(
        allow=["shop.*"], deny=["shop.db.*"], levels={"*": "INFO", "shop.api.*": "DEBUG"}
    )
    add("NamespaceFilter", "passed (cached)", _bound(ns_filter))
    denied = _record()
    denied.name = "shop.db.sql"
    add("NamespaceFilter", "denied (cached)", lambda: ns_filter.filter(denied))

    # SamplingFilter.
    s_keep_level = ll.SamplingFilter(rate=0.0)
    error = _record()
    error.levelno = logging.ERROR
    add("SamplingFilter", "at keep_level", lambda: s_keep_level.filter(error))
    add("SamplingFilter", "rate 0 (sampled out)", _bound(ll.SamplingFilter(rate=0.0)))
    # A rate so small no record is kept in the run: every call makes a real draw and drops.
    tiny = ll.SamplingFilter(rate=1e-12, seed=1)
    add("SamplingFilter", "rate 1e-12, no trace (a draw, sampled out)", _bound(tiny))
    s_half = ll.SamplingFilter(rate=0.5, seed=1)
    add("SamplingFilter", "rate 0.5, no trace *", lambda: s_half.filter(_record()), make)
    traced = _record(trace_id="4bf92f3577b34da6a3ce929d0e0e4736")
    add(
        "SamplingFilter",
        "rate 0.01, record in a trace",
        _bound(ll.SamplingFilter(rate=0.01), traced),
    )
    with ll.continue_trace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"):
        add("SamplingFilter", "rate 0.01, current span", _bound(ll.SamplingFilter(rate=0.01)))

    # RateLimitFilter.
    admit = ll.RateLimitFilter(["1000000000/s"])
    add("RateLimitFilter", "admitted, 1 limit", _bound(admit))
    admit2 = ll.RateLimitFilter(["1000000000/s", "1000000000/min"])
    add("RateLimitFilter", "admitted, 2 limits", _bound(admit2))
    drop = ll.RateLimitFilter(["1/day"])
    add("RateLimitFilter", "rate limited, 1 limit", _bound(drop))

    # TransformFilter.
    add_fields = AddFields({"service": "shop", "env": "prod"})
    add(
        "TransformFilter",
        "1 transform (AddFields) *",
        _fresh(ll.TransformFilter([add_fields])),
        make,
    )
    add(
        "TransformFilter",
        "3 transforms *",
        _fresh(ll.TransformFilter([add_fields, add_fields, add_fields])),
        make,
    )

    # RedactFilter.
    redact = ll.RedactFilter()
    add(
        "RedactFilter",
        "nothing to mask, 2 extras **",
        _fresh_stamped(redact, user="ann", n=3),
        make_stamped,
    )
    add(
        "RedactFilter",
        "a secret key in a nested extra **",
        _fresh_stamped(redact, user={"name": "ann", "password": "x"}),
        make_stamped,
    )
    card = "4111 1111 1111 1111"
    add(
        "RedactFilter",
        "card number in an argument **",
        lambda: redact.filter(_stamped("card %s", card)),
        make_stamped,
    )
    no_patterns = ll.RedactFilter(patterns=[])
    add(
        "RedactFilter",
        "keys only, 2 extras **",
        _fresh_stamped(no_patterns, user="ann", n=3),
        make_stamped,
    )

    # Whole logger calls.
    plain = _logger("bench.filters.plain")
    add("calls", "logger.info, plain (one no-op handler)", lambda: plain.info("user %s in", 42))
    sampled = _logger("bench.filters.sampled", ll.SamplingFilter(rate=1e-12, seed=1))
    add("calls", "logger.info, sampled out on the logger", lambda: sampled.info("user %s in", 42))
    early = _logger("bench.filters.early", ll.SamplingFilter(rate=1e-12, seed=1), cls=ll.Logger)
    add("calls", "ll.Logger.info, sampled out on the logger", lambda: early.info("user %s in", 42))
    plain_ll = _logger("bench.filters.plain-ll", cls=ll.Logger)
    add(
        "calls",
        "ll.Logger.info, plain (one no-op handler)",
        lambda: plain_ll.info("user %s in", 42),
    )
    kept = _logger("bench.filters.kept", ll.SamplingFilter(rate=1.0), cls=ll.Logger)
    add("calls", "ll.Logger.info, kept by a sampler at rate 1", lambda: kept.info("user %s in", 42))
    floor = _logger("bench.filters.floor", _DropAll())
    add("calls", "logger.info, dropped by a trivial filter", lambda: floor.info("user %s in", 42))
    limited = _logger("bench.filters.limited", ll.RateLimitFilter(["1/day"]))
    limited.info("user %s in", 42)
    add("calls", "logger.info, rate limited on the logger", lambda: limited.info("user %s in", 42))
    maker = plain.makeRecord
    add(
        "calls",
        "logger.makeRecord(...) alone",
        lambda: maker("bench", 20, __file__, 1, "user %s in", (42,), None),
    )
    disabled = _logger("bench.filters.disabled")
    disabled.setLevel(logging.WARNING)
    add("calls", "logger.info, disabled by level", lambda: disabled.info("user %s in", 42))
    return rows


def _bound(f: logging.Filter, record: logging.LogRecord | None = None) -> Callable[[], object]:
    """``f.filter(record)`` on one reused record: filters that do not change it."""
    rec = _record() if record is None else record
    fn = f.filter
    return lambda: fn(rec)


def _stamped(msg: str = "user %s in", *args: object, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("shop.api", logging.INFO, __file__, 1, msg, args or (42,), None)
    record.__dict__.update(extra)
    stamp_record(record)
    return record


def _fresh_stamped(f: logging.Filter, **extra: Any) -> Callable[[], object]:
    """``f.filter(new stamped record)``: RedactFilter stamps, so stamping is not its cost (**)."""
    fn = f.filter
    return lambda: fn(_stamped(**extra))


def _fresh(f: logging.Filter, **extra: Any) -> Callable[[], object]:
    """``f.filter(new record)``: for filters that change the record (cost of making it *)."""
    fn = f.filter
    return lambda: fn(_record(**extra))


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            names = [
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            ]
        if names:
            cpu = f"{names[0]} x{len(names)}"
    except OSError:
        pass
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus_available": str(
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        ),
    }


def render(rows: list[Row], info: dict[str, str], number: int, repeat: int) -> str:
    """A markdown table of the rows, with the machine and the method."""
    lines = [
        f"Machine: {info['cpu']} ({info['cpus_available']} available), {info['platform']}, "
        f"{info['python']}",
        f"Method: best of {repeat} x {number} calls; ns per call; * = LogRecord cost subtracted, "
        "** = LogRecord + stamp_record cost subtracted",
        "",
        "| group | case | ns/call |",
        "| --- | --- | ---: |",
    ]
    lines += [f"| {group} | {label} | {ns:,.0f} |" for group, label, ns in rows]
    by_label = {label: ns for _, label, ns in rows}
    out = by_label["logger.info, sampled out on the logger"]
    early = by_label["ll.Logger.info, sampled out on the logger"]
    make = by_label["logger.makeRecord(...) alone"]
    plain = by_label["logger.info, plain (one no-op handler)"]
    lines += [
        "",
        f"Sampled-out call (target: makeRecord + 1,000 ns = {make + 1000:,.0f} ns): "
        f"{out:,.0f} ns on a logging.Logger, {early:,.0f} ns on an ll.Logger; "
        f"plain call {plain:,.0f} ns.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, measure, print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few iterations (smoke run)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--number", type=int, default=None, help="calls per timed loop")
    parser.add_argument("--repeat", type=int, default=None, help="timed loops per case")
    args = parser.parse_args(argv)
    number = args.number or (200 if args.quick else 50_000)
    repeat = args.repeat or (1 if args.quick else 7)
    rows = measure(number, repeat)
    info = machine()
    if args.json:
        payload = {
            "machine": info,
            "number": number,
            "repeat": repeat,
            "rows": [{"group": g, "case": c, "ns_per_call": round(ns, 1)} for g, c, ns in rows],
        }
        print(json.dumps(payload, indent=2))
    else:
        print(render(rows, info, number, repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
