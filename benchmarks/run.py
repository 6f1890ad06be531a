"""Benchmark lite_logging against stdlib + python-json-logger, structlog and loguru.

Usage (from the repository root)::

    python benchmarks/run.py                 # full run: 5 interleaved repeats, ~5 minutes
    python benchmarks/run.py --quick         # smoke run: 1 repeat, few records
    python benchmarks/run.py --libs lite,structlog --scenarios single,threads4 --repeat 7

Each (library, scenario) runs in a fresh interpreter (``run.py --worker LIB SCENARIO``), the
runs are interleaved across libraries and repeated; the table reports medians with min/max.
A run whose correctness check fails is reported as failed and never timed.
Results go to ``benchmarks/results/`` as JSON and markdown (the markdown is also printed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from time import perf_counter_ns
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

SCENARIOS: dict[str, tuple[str, ...]] = {
    "single": (
        "floor-call",
        "floor-makerecord",
        "floor-null-handler",
        "stdlib",
        "stdlib-queue",
        "stdlib-queue-orjson",
        "structlog",
        "loguru",
        "loguru-enqueue",
        "lite",
        "lite-plain",
        "lite-plain-stock",
        "lite-sync",
    ),
    "threads4": (
        "stdlib",
        "stdlib-queue",
        "stdlib-queue-orjson",
        "structlog",
        "loguru",
        "loguru-enqueue",
        "lite",
    ),
    "caller-only": (
        "stdlib-queue",
        "stdlib-queue-orjson",
        "lite",
        "lite-plain",
        "lite-plain-stock",
    ),
    "disabled": ("floor-call", "stdlib", "structlog", "loguru", "lite"),
    "sampled": ("lite", "lite-sync"),
    "sampled-logger": ("lite-plain", "lite"),
    "flood": ("stdlib-queue", "lite"),
    "fmt-json": ("stdlib", "stdlib-queue-orjson", "lite"),
    "fmt-edn": ("lite",),
    "fmt-pretty": ("structlog", "lite"),
}
"""Scenario -> the libraries measured in it, in table order."""

SCENARIO_NOTES = {
    "single": "one thread logs N records to a JSON-lines file",
    "threads4": "4 threads log N/4 records each to one file (caller ns includes GIL waits)",
    "caller-only": "as single, but the listener starts only after the loop: caller CPU alone, "
    "then the drain (end-to-end = caller + listener work, no GIL sharing)",
    "disabled": "logger.debug(...) on an INFO logger: nothing is written",
    "sampled": "SamplingFilter(rate=0.01) on the handler: ~99% of calls are sampled out",
    "sampled-logger": "the same SamplingFilter on the logger: a dropped record reaches no "
    "handler; on an ll.Logger (lite) none is built, on a logging.Logger (lite-plain) it is",
    "flood": "N_flood records as fast as possible: memory growth of the queue",
    "fmt-json": "formatter.format(record) alone, JSON",
    "fmt-edn": "formatter.format(record) alone, EDN",
    "fmt-pretty": "formatter.format(record) alone, pretty console line (no colour)",
}

THREADS = 4
SAMPLE_RATE = 0.01
WARMUP = 500


# ---------------------------------------------------------------------------------------------
# worker: one (library, scenario) in this process
# ---------------------------------------------------------------------------------------------


def _syscw() -> int:
    """Write syscalls made so far by this process (all threads)."""
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("syscw:"):
                return int(line.split()[1])
    return 0  # pragma: no cover - every Linux has the field


def _cpu_s() -> float:
    """CPU seconds this process used so far, all threads, user and system: unlike wall
    time, barely moved by other jobs on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0  # pragma: no cover


def _flatten(obj: Any, out: dict[str, Any]) -> dict[str, Any]:
    """Every key of a nested JSON object, first occurrence wins (loguru nests, others don't)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            out.setdefault(key, value)
            _flatten(value, out)
    return out


def check_jsonl(path: str | None, expected: int, sample_rate: float | None) -> tuple[bool, str]:
    """Line count, every line parses, context and user_id present, no record lost or doubled."""
    if path is None:
        return True, "no output (floor)"
    if not os.path.exists(path):
        return (expected == 0), f"no file; expected {expected} lines"
    with open(path, "rb") as f:
        lines = f.read().splitlines()
    if sample_rate is not None:
        # ~1% kept: far fewer lines than calls, and at least one for N large enough
        mean = expected * sample_rate
        if len(lines) > mean * 3 + 20 or (mean >= 50 and len(lines) < mean / 3):
            return False, f"{len(lines)} lines kept of {expected} at rate {sample_rate}"
    elif len(lines) != expected:
        return False, f"{len(lines)} lines, expected {expected}"
    seen: set[int] = set()
    for number, line in enumerate(lines, 1):
        try:
            flat = _flatten(json.loads(line), {})
        except ValueError as exc:
            return False, f"line {number} does not parse: {exc}"
        for key, value in (("request_id", "req-1"), ("tenant", "acme")):
            if flat.get(key) != value:
                return False, f"line {number}: context {key!r} missing or wrong"
        user_id = flat.get("user_id")
        if not isinstance(user_id, int) or user_id in seen:
            return False, f"line {number}: user_id missing or duplicated: {user_id!r}"
        seen.add(user_id)
        if sample_rate is not None and flat.get("sample_rate") != sample_rate:
            return False, f"line {number}: sample_rate missing: {flat.get('sample_rate')!r}"
    return True, f"{len(lines)} lines"


def _check_formatted(kind: str, outputs: list[Any]) -> tuple[bool, str]:
    for out in outputs:
        text = out.decode() if isinstance(out, bytes) else str(out)
        if kind == "json":
            flat = _flatten(json.loads(text), {})
            if flat.get("request_id") != "req-1" or flat.get("user_id") != 7:
                return False, f"context or extra missing: {text[:200]}"
        elif kind == "edn":
            import edn_format

            parsed = edn_format.loads(text)
            keys = {str(k) for k in parsed}
            if ":message" not in keys or ":context" not in keys:
                return False, f"EDN map lacks :message or :context: {text[:200]}"
        elif "user 7 logged in" not in text or "req-1" not in text:
            return False, f"pretty line lacks message or context: {text[:200]}"
    return True, f"{len(outputs)} outputs checked"


def _run_format(lib: str, kind: str, records: int) -> dict[str, Any]:
    from _workloads import build_formatter

    fmt, record = build_formatter(lib, kind)
    for _ in range(WARMUP):
        fmt(record)
    step = max(1, records // 20)
    outputs: list[Any] = []
    t0 = perf_counter_ns()
    for _ in range(records // step):
        for _ in range(step - 1):
            fmt(record)
        outputs.append(fmt(record))
    elapsed = perf_counter_ns() - t0
    done = (records // step) * step
    ok, detail = _check_formatted(kind, outputs)
    return {"ok": ok, "detail": detail, "caller_ns": elapsed / done, "e2e_s": elapsed / 1e9}


def worker(lib: str, scenario: str, records: int, workdir: str) -> dict[str, Any]:
    """Run one (library, scenario) and return its figures, or why it failed."""
    from _workloads import BUILDERS

    result: dict[str, Any] = {"lib": lib, "scenario": scenario, "records": records}
    if scenario.startswith("fmt-"):
        rss0 = _rss_kb()
        outcome = _run_format(lib, scenario[4:], records)
        result.update(
            caller_ns=outcome["caller_ns"],
            e2e_s=outcome["e2e_s"],
            status="passed" if outcome["ok"] else "failed",
            detail=outcome["detail"],
            peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            rss_growth_mb=(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024,
        )
        return result

    path = os.path.join(workdir, f"{lib}-{scenario}.jsonl")
    opts: dict[str, Any] = {}
    if scenario == "caller-only":
        opts["defer_listener"] = True
    if scenario.startswith("sampled"):
        opts["sample_rate"] = SAMPLE_RATE
        opts["filter_on_logger"] = scenario == "sampled-logger"
    setup = BUILDERS[lib](path, opts)
    disabled = scenario == "disabled"
    loop = setup.loop_debug if disabled else setup.loop
    warmup = min(WARMUP, records // 10)
    loop(-warmup, 0)

    rss0 = _rss_kb()
    writes0 = _syscw()
    cpu0 = _cpu_s()
    t0 = perf_counter_ns()
    if scenario == "threads4":
        per = records // THREADS
        records = per * THREADS
        result["records"] = records
        spent = [0] * THREADS
        barrier = threading.Barrier(THREADS)

        def run(k: int) -> None:
            barrier.wait()
            spent[k] = loop(k * per, (k + 1) * per)

        threads = [threading.Thread(target=run, args=(k,)) for k in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        caller_ns = statistics.fmean(spent) / per
    else:
        caller_ns = loop(0, records) / records
    setup.finish()
    e2e_ns = perf_counter_ns() - t0
    cpu_s = _cpu_s() - cpu0
    writes = _syscw() - writes0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    expected = 0 if disabled else records + warmup
    sample_rate = setup.extra_checks.get("sample_rate")
    ok, detail = check_jsonl(setup.path, expected, sample_rate)
    result.update(
        status="passed" if ok else "failed",
        detail=detail,
        caller_ns=caller_ns,
        e2e_s=e2e_ns / 1e9,
        syscw_per_1k=writes * 1000 / records,
        peak_rss_mb=peak_kb / 1024,
        rss_growth_mb=max(0, peak_kb - rss0) / 1024,
        cpu_us_per_record=cpu_s * 1e6 / records,
    )
    return result


def _worker_main(lib: str, scenario: str, records: int) -> int:
    sys.path.insert(0, str(HERE))
    try:
        with tempfile.TemporaryDirectory(prefix="ll-bench-") as workdir:
            result = worker(lib, scenario, records, workdir)
    except ImportError as exc:
        result = {"lib": lib, "scenario": scenario, "status": "unavailable", "detail": str(exc)}
    except Exception as exc:  # noqa: BLE001 - any failure of a workload is a result to report
        result = {"lib": lib, "scenario": scenario, "status": "failed", "detail": repr(exc)}
    print(json.dumps(result), flush=True)
    return 0


# ---------------------------------------------------------------------------------------------
# harness: plan, run interleaved, aggregate, report
# ---------------------------------------------------------------------------------------------


def _run_one(lib: str, scenario: str, records: int, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", lib, scenario]
    cmd += ["--records", str(records)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"lib": lib, "scenario": scenario, "status": "failed", "detail": "timeout"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()[-3:]
        detail = f"worker exit {proc.returncode}: {' | '.join(tail)}"
        return {"lib": lib, "scenario": scenario, "status": "failed", "detail": detail}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def plan(libs: set[str] | None, scenarios: Iterable[str]) -> list[tuple[str, str]]:
    """Every (scenario, library) to run, in table order."""
    return [
        (scenario, lib)
        for scenario in scenarios
        for lib in SCENARIOS[scenario]
        if libs is None or lib in libs
    ]


def run_all(
    runs: list[tuple[str, str]],
    repeat: int,
    records_for: Callable[[str], int],
    timeout: float,
    progress: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Run each (scenario, lib) ``repeat`` times, interleaved: all libraries of a scenario,
    then the next scenario, repeat after repeat; the order of libraries rotates each repeat."""
    results = []
    by_scenario: dict[str, list[str]] = {}
    for scenario, lib in runs:
        by_scenario.setdefault(scenario, []).append(lib)
    for rep in range(repeat):
        for scenario, libs in by_scenario.items():
            shift = rep % len(libs)
            for lib in libs[shift:] + libs[:shift]:
                result = _run_one(lib, scenario, records_for(scenario), timeout)
                result["repeat"] = rep
                results.append(result)
                progress(
                    f"[{rep + 1}/{repeat}] {scenario:<10} {lib:<20} {result['status']:<11} "
                    + (f"{result['caller_ns']:9.0f} ns/call" if "caller_ns" in result else "")
                    + (f"  {result['detail']}" if result["status"] != "passed" else "")
                )
    return results


FIGURES = (
    "caller_ns",
    "e2e_s",
    "cpu_us_per_record",
    "syscw_per_1k",
    "peak_rss_mb",
    "rss_growth_mb",
)


def summarize(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``"scenario/lib" -> {status, runs, FIGURE: {median, min, max}}``; failed runs not timed."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        grouped.setdefault(f"{result['scenario']}/{result['lib']}", []).append(result)
    summary: dict[str, dict[str, Any]] = {}
    for key, group in grouped.items():
        passed = [r for r in group if r["status"] == "passed"]
        bad = [r for r in group if r["status"] != "passed"]
        entry: dict[str, Any] = {"runs": len(group), "passed": len(passed)}
        if bad:
            entry["status"] = bad[0]["status"]
            entry["detail"] = bad[0].get("detail", "")
        else:
            entry["status"] = "passed"
            entry["records"] = passed[0].get("records")
            for figure in FIGURES:
                values = [r[figure] for r in passed if r.get(figure) is not None]
                if values:
                    entry[figure] = {
                        "median": statistics.median(values),
                        "min": min(values),
                        "max": max(values),
                    }
        summary[key] = entry
    return summary


def _median(summary: dict[str, dict[str, Any]], key: str, figure: str) -> float | None:
    entry = summary.get(key)
    if not entry or entry["status"] != "passed" or figure not in entry:
        return None
    value: float = entry[figure]["median"]
    return value


def _rate(summary: dict[str, dict[str, Any]], key: str) -> float | None:
    """Records per second end to end (median of the runs' e2e)."""
    e2e = _median(summary, key, "e2e_s")
    entry = summary.get(key) or {}
    return None if not e2e else entry.get("records", 0) / e2e


def targets(summary: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Issue 8's targets evaluated on this run's medians: met, missed or not measured."""

    def med(key: str, figure: str = "caller_ns") -> float | None:
        return _median(summary, key, figure)

    def target(
        name: str, value: float | None, limit: float | None, unit: str, at_least: bool = False
    ) -> dict[str, Any]:
        if value is None or limit is None:
            return {"target": name, "measured": "n/a", "status": "not measured"}
        met = value >= limit if at_least else value <= limit
        spec = ".3f" if unit == "s" else ".1f" if unit in ("MB", "") else ",.0f"
        measured = f"{value:{spec}} {unit} (limit {limit:{spec}} {unit})".replace(" (", "  (")
        return {"target": name, "measured": measured, "status": "met" if met else "missed"}

    mk = med("single/floor-makerecord")
    lite, qjson = med("single/lite"), med("single/stdlib-queue")
    c_lite, c_qjson = med("caller-only/lite"), med("caller-only/stdlib-queue")
    r_lite, r_std = _rate(summary, "single/lite"), _rate(summary, "single/stdlib")
    r_struct = _rate(summary, "single/structlog")
    g_flood, g_single = med("flood/lite", "rss_growth_mb"), med("single/lite", "rss_growth_mb")
    d_lite, d_std = med("disabled/lite"), med("disabled/stdlib")
    s_lite, s_logger = med("sampled/lite"), med("sampled-logger/lite-plain")
    s_early = med("sampled-logger/lite")
    t_lite, t_struct = med("threads4/lite", "e2e_s"), med("threads4/structlog", "e2e_s")
    return [
        target("caller <= 0.5x stdlib QueueHandler + pjl", lite, qjson and qjson * 0.5, "ns"),
        target(
            "caller <= 0.5x stdlib QueueHandler + pjl, listener idle (caller-only)",
            c_lite,
            c_qjson and c_qjson * 0.5,
            "ns",
        ),
        target("caller <= 2x Logger.makeRecord", lite, mk and mk * 2, "ns"),
        target(
            "caller <= 2x Logger.makeRecord, listener idle (caller-only)",
            c_lite,
            mk and mk * 2,
            "ns",
        ),
        target(
            "records/s >= 2x stdlib FileHandler + pjl",
            r_lite,
            r_std and 2 * r_std,
            "rec/s",
            at_least=True,
        ),
        target("records/s >= structlog + orjson", r_lite, r_struct, "rec/s", at_least=True),
        target(
            "<= 10 write syscalls per 1,000 records", med("single/lite", "syscw_per_1k"), 10.0, ""
        ),
        target(
            "flood: RSS growth independent of N (<= single-run growth + 10 MB)",
            g_flood,
            None if g_single is None else g_single + 10.0,
            "MB",
        ),
        target("disabled call <= stdlib's (+10% for noise)", d_lite, d_std and d_std * 1.1, "ns"),
        target(
            "sampled-out call <= makeRecord + 1 us (filter on the handler)",
            s_lite,
            mk and mk + 1000,
            "ns",
        ),
        target(
            "sampled-out call <= makeRecord + 1 us (filter on a logging.Logger)",
            s_logger,
            mk and mk + 1000,
            "ns",
        ),
        target(
            "sampled-out call <= makeRecord + 1 us (filter on an ll.Logger)",
            s_early,
            mk and mk + 1000,
            "ns",
        ),
        target("4 threads end-to-end <= structlog", t_lite, t_struct, "s"),
    ]


def _fmt_range(entry: dict[str, Any], figure: str, spec: str) -> str:
    if figure not in entry:
        return ""
    f = entry[figure]
    return f"{f['median']:{spec}} ({f['min']:{spec}}-{f['max']:{spec}})"


def _ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}x" if value is not None and base else ""


def markdown(summary: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    """The results as a markdown document: machine, command, table, targets."""
    mk = _median(summary, "single/floor-makerecord", "caller_ns")
    call = _median(summary, "single/floor-call", "caller_ns")
    lines = [
        f"Command: `{meta['command']}`  ",
        f"Python {meta['python']} on {meta['machine']}; {meta['repeat']} interleaved repeats, "
        f"N = {meta['records']:,} records (flood: {meta['flood_records']:,}); "
        "figures are medians (min-max).",
        "",
        "| scenario | library | check | caller ns/call | x makeRecord | x empty call "
        "| end-to-end s | records/s | x stdlib | write syscalls /1k | peak RSS MB "
        "| RSS growth MB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario, libs in SCENARIOS.items():
        std_rate = _rate(summary, f"{scenario}/stdlib")
        for lib in libs:
            key = f"{scenario}/{lib}"
            entry = summary.get(key)
            if entry is None:
                continue
            if entry["status"] != "passed":
                detail = str(entry.get("detail", "")).replace("|", "/")[:80]
                lines.append(f"| {scenario} | {lib} | **{entry['status']}**: {detail} |" + " |" * 9)
                continue
            caller = entry["caller_ns"]["median"]
            rate = _rate(summary, key)
            timed_output = scenario not in ("disabled",) and not (
                scenario.startswith("fmt-") or lib.startswith("floor")
            )
            lines.append(
                "| "
                + " | ".join(
                    [
                        scenario,
                        lib,
                        f"passed ({entry['passed']}/{entry['runs']})",
                        _fmt_range(entry, "caller_ns", ".0f"),
                        _ratio(caller, mk),
                        _ratio(caller, call),
                        _fmt_range(entry, "e2e_s", ".3f") if timed_output else "",
                        f"{rate:,.0f}" if rate and timed_output else "",
                        _ratio(rate, std_rate) if timed_output else "",
                        _fmt_range(entry, "syscw_per_1k", ".1f") if timed_output else "",
                        f"{entry['peak_rss_mb']['median']:.0f}" if "peak_rss_mb" in entry else "",
                        _fmt_range(entry, "rss_growth_mb", ".1f"),
                    ]
                )
                + " |"
            )
    lines += ["", "| target (issue 8) | measured | status |", "|---|---|---|"]
    for item in targets(summary):
        lines.append(f"| {item['target']} | {item['measured']} | **{item['status']}** |")
    lines += ["", "Scenarios:"]
    lines += [f"- `{name}`: {note}" for name, note in SCENARIO_NOTES.items()]
    return "\n".join(lines) + "\n"


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments; run as worker or as harness."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", nargs=2, metavar=("LIB", "SCENARIO"), help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=5, help="repeats per run (default 5)")
    parser.add_argument("--records", type=int, default=50_000, help="records per run")
    parser.add_argument("--flood-records", type=int, default=200_000, help="records in 'flood'")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 repeat, 2,000 records")
    parser.add_argument("--libs", help="comma-separated libraries (default: all)")
    parser.add_argument("--scenarios", help="comma-separated scenarios (default: all)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    args = parser.parse_args(argv)

    if args.worker:
        return _worker_main(args.worker[0], args.worker[1], args.records)

    if args.quick:
        args.repeat, args.records, args.flood_records = 1, 2_000, 5_000
    scenarios = args.scenarios.split(",") if args.scenarios else list(SCENARIOS)
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {unknown}; choose from {list(SCENARIOS)}")
    libs = set(args.libs.split(",")) if args.libs else None
    runs = plan(libs, scenarios)
    if not runs:
        parser.error("no (scenario, library) pair selected")

    def records_for(scenario: str) -> int:
        return int(args.flood_records if scenario == "flood" else args.records)

    started = time.monotonic()
    results = run_all(
        runs, args.repeat, records_for, args.timeout, lambda s: print(s, file=sys.stderr)
    )
    summary = summarize(results)
    meta = {
        "command": "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "python": platform.python_version(),
        "machine": _machine(),
        "repeat": args.repeat,
        "records": args.records,
        "flood_records": args.flood_records,
        "seconds": round(time.monotonic() - started, 1),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    text = markdown(summary, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    payload = {"meta": meta, "summary": summary, "targets": targets(summary), "runs": results}
    (args.out / f"results-{stamp}.json").write_text(json.dumps(payload, indent=2))
    (args.out / f"results-{stamp}.md").write_text(text)
    (args.out / "latest.md").write_text(text)
    (args.out / "latest.json").write_text(json.dumps(payload, indent=2))
    print(text)
    failed = sum(1 for r in results if r["status"] == "failed")
    print(f"{len(results)} runs in {meta['seconds']} s; correctness failures: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
