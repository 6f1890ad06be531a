"""Instructions per record of whole workloads, every thread counted: a busy machine's ratios.

``run.py`` measures time, which a machine shared with other work disturbs (its figures
then swing 2-5x between identical runs). This script runs the same workloads
(``_workloads.BUILDERS``: the same call, context, file output) under
``valgrind --tool=callgrind``, which counts the instructions every thread executes, and
reports instructions per record: the difference between a run of ``BASE + N`` records and
one of ``BASE`` records, divided by ``N``, so start-up, imports and set-up cancel out.
Repeatable to ~1% whatever else the machine runs::

    python benchmarks/instructions.py                               # the issue-20 rows
    python benchmarks/instructions.py --libs lite-plain,structlog --records 4000

Blind to what the kernel does (a ``write`` per record costs microseconds of system time
that no instruction here shows: the ``syscw`` column says how many there were), to cache
misses and to waiting for the GIL; so it ranks user-space work, and ``run.py`` on a quiet
machine remains the measure of time. (``syscw`` comes from a run at full speed: under
valgrind the process makes writes of its own.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import _workloads  # next to this file: the script's folder is on sys.path

DEFAULT_LIBS = "stdlib,stdlib-queue,structlog,lite-plain,lite-plain-stock,lite"
WARM_UP = 200  # records logged before the counted ones, in both runs
# Under valgrind a program runs ~50x slower, but the GIL's switch interval is wall time: the
# listener thread would take its turn 50x as often per record, in batches of 1-2 records
# (seen in syscw: ~500 writes per 1,000 records). Scaled by the slowdown, threads take turns
# about as often per record as at full speed.
VALGRIND_SLOWDOWN = 50


def _syscw() -> int:
    """Write system calls made by this process so far (all threads)."""
    with open("/proc/self/io") as f:
        return int(re.search(r"^syscw: (\d+)", f.read(), re.MULTILINE).group(1))  # type: ignore[union-attr]


def _inside(lib: str, records: int) -> None:
    """The run under valgrind: set up, warm up, log ``records`` and finish; print syscw."""
    sys.setswitchinterval(sys.getswitchinterval() * VALGRIND_SLOWDOWN)
    with tempfile.TemporaryDirectory(prefix="ll-instr-") as folder:
        setup = _workloads.BUILDERS[lib](os.path.join(folder, "out.jsonl"), {})
        setup.loop(0, WARM_UP)
        before = _syscw()
        setup.loop(WARM_UP, WARM_UP + records)
        setup.finish()
        print(json.dumps({"syscw": _syscw() - before}))


def _count(lib: str, records: int, folder: str) -> int:
    """Instructions of the whole process for one run of ``records`` records."""
    out = os.path.join(folder, f"cg.{lib}.{records}")
    argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    argv += [sys.executable, __file__, "--inside", lib, "--records", str(records)]
    env = dict(os.environ, PYTHONHASHSEED="0")  # the same dict probes in every run
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{lib}: valgrind failed: {done.stderr[-800:]}")
    with open(out) as f:
        total = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.MULTILINE)
    if total is None:
        raise SystemExit(f"{lib}: no total in {out}")
    return int(total.group(1))


def _writes(lib: str, records: int) -> int:
    """Write syscalls of the logging in one run at full speed (valgrind makes its own)."""
    argv = [sys.executable, __file__, "--inside", lib, "--records", str(records)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return int(json.loads(done.stdout.strip().splitlines()[-1])["syscw"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--libs", default=DEFAULT_LIBS, help="comma-separated rows")
    parser.add_argument("--records", type=int, default=4000, help="records counted (N)")
    parser.add_argument("--base", type=int, default=1000, help="records of the base run")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        _inside(args.inside, args.records)
        return 0
    libs = args.libs.split(",")
    unknown = [lib for lib in libs if lib not in _workloads.BUILDERS]
    if unknown:
        known = ", ".join(_workloads.BUILDERS)
        parser.error(f"--libs: unknown {', '.join(unknown)} (known: {known})")
    per_record: dict[str, float] = {}
    print(f"{'row':<20} {'instructions/record':>20} {'syscw/1k records':>17}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ll-instr-") as folder:
        for lib in libs:
            small = _count(lib, args.base, folder)
            big = _count(lib, args.base + args.records, folder)
            per_record[lib] = (big - small) / args.records
            writes = _writes(lib, args.records) * 1000 / args.records
            print(f"{lib:<20} {per_record[lib]:>20,.0f} {writes:>17.1f}", flush=True)
    if "lite-plain" in per_record:
        print("\nratios to lite-plain (other / lite-plain; > 1: lite-plain executes less)")
        for lib, value in per_record.items():
            print(f"  {lib:<20} {value / per_record['lite-plain']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
