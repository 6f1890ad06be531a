"""How long a process takes to end with our pipeline, against a stdlib control.

Usage (from the repository root)::

    python benchmarks/exit_latency.py                       # this checkout only
    git archive main lite_logging | (mkdir -p /tmp/base && tar -x -C /tmp/base)
    python benchmarks/exit_latency.py --base /tmp/base      # adds KIND@base columns

A fresh program per run logs ``--records`` lines to a file, prints "go" and ends the
way the case says; the time is from reading "go" to the process's exit (for ``sigterm``
the signal is sent on reading it). Kinds:

- ``stdlib``: ``logging.FileHandler``; ``stdlib-imp``: the same, with ``lite_logging``
  imported (its interpreter teardown costs the same as ours);
- ``ll``: ``AsyncQueueHandler`` -> ``BatchFileHandler``, defaults; ``ll-fi5``: both with
  ``flush_interval=5``; ``bfh-fi5``: ``BatchFileHandler`` alone, ``flush_interval=5``.

Cases: ``exit-queued`` (the main module ends), ``exit-idle`` (after ``ll.flush()``),
``sys-exit``, ``sigterm``, ``mp-fork``/``mp-forkserver``/``mp-spawn`` (two children log
half the lines each, rounded down, and return; "go" before they start), ``pool`` (a fork
``Pool(2)``, ``map``, ``close``, ``join``), ``pool-terminate`` (the same left by its
``with`` block: ``terminate()`` sends each worker SIGTERM). Runs are interleaved across
kinds, so the machine's load hits each alike. Prints per case and kind: median [min-max]
seconds, lines written / logged, exit statuses.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

PROGRAM = textwrap.dedent(
    """
    import logging, logging.config, multiprocessing, sys, threading
    kind, path, n, case = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    slow = {"flush_interval": 5}
    if kind.startswith("stdlib"):
        if kind == "stdlib-imp":
            import lite_logging
        handlers = {"out": {"class": "logging.FileHandler", "filename": path}}
    elif kind == "bfh-fi5":
        handlers = {"out": {"()": "lite_logging.BatchFileHandler", "filename": path, **slow}}
    else:
        fi = slow if kind == "ll-fi5" else {}
        handlers = {"out": {"()": "lite_logging.AsyncQueueHandler", "handlers": ["file"], **fi},
                    "file": {"()": "lite_logging.BatchFileHandler", "filename": path, **fi}}
    logging.config.dictConfig({"version": 1, "handlers": handlers,
                               "root": {"level": "INFO", "handlers": ["out"]}})
    log = logging.getLogger("x")

    def work(child):
        for i in range(n // 2):
            log.info("child %d line %d", child, i)

    def go():
        print("go", flush=True)

    if __name__ == "__main__":
        if case.startswith("mp-"):
            go()
            ctx = multiprocessing.get_context(case[3:])
            children = [ctx.Process(target=work, args=(c,)) for c in range(2)]
            for c in children:
                c.start()
            for c in children:
                c.join()
        elif case == "pool":
            go()
            pool = multiprocessing.get_context("fork").Pool(2)
            pool.map(work, range(2))
            pool.close()
            pool.join()
        elif case == "pool-terminate":
            go()
            with multiprocessing.get_context("fork").Pool(2) as pool:  # terminate(): SIGTERM
                pool.map(work, range(2))
        else:
            for i in range(n):
                log.info("line %d", i)
            if case == "exit-idle" and not kind.startswith("stdlib"):
                import lite_logging
                lite_logging.flush()
            go()
            if case == "sys-exit":
                sys.exit(3)
            if case == "sigterm":
                threading.Event().wait()
    """
)

CASES = "exit-queued,exit-idle,sys-exit,sigterm,mp-fork,mp-forkserver,mp-spawn,pool,pool-terminate"
KINDS = "stdlib,stdlib-imp,ll,ll-fi5,bfh-fi5"


def _run(
    program: Path, kind: str, case: str, n: int, out: Path, env: dict[str, str]
) -> tuple[float, int, int]:
    """Seconds from "go" to exit, lines written, exit status."""
    proc = subprocess.Popen(
        [sys.executable, str(program), kind, str(out), str(n), case],
        stdout=subprocess.PIPE,
        env=env,
        cwd=out.parent,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    start = time.monotonic()
    if case == "sigterm":
        proc.send_signal(signal.SIGTERM)
    # wait() without a timeout blocks in waitpid; with one, it polls every 50 ms.
    watchdog = threading.Timer(60, proc.kill)  # a hung run is killed, not waited for
    watchdog.start()
    status = proc.wait()
    seconds = time.monotonic() - start
    watchdog.cancel()
    proc.stdout.close()
    lines = sum(1 for _ in out.open("rb")) if out.exists() else 0
    return seconds, lines, status


def main() -> None:
    """Run every case for every kind, interleaved, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--base", type=Path, help="another checkout: adds KIND@base kinds")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=2_999)
    parser.add_argument("--cases", default=CASES)
    parser.add_argument("--kinds", default=KINDS)
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    if args.base:
        kinds += [f"{k}@base" for k in kinds if not k.startswith("stdlib")]
    tmp = Path(tempfile.mkdtemp())
    program = tmp / "program.py"
    program.write_text(PROGRAM)
    envs = {
        "": dict(os.environ, PYTHONPATH=str(args.checkout)),
        "base": dict(os.environ, PYTHONPATH=str(args.base)),
    }
    print(f"records={args.records} runs={args.runs}: seconds from 'go' to exit")
    for case in args.cases.split(","):
        seconds: dict[str, list[float]] = {k: [] for k in kinds}
        seen: dict[str, set[tuple[int, int]]] = {k: set() for k in kinds}
        for run in range(args.runs):
            for kind in kinds:
                name, _, where = kind.partition("@")
                out = tmp / f"{case}-{kind}-{run}.log"
                took, lines, status = _run(program, name, case, args.records, out, envs[where])
                seconds[kind].append(took)
                seen[kind].add((lines, status))
                out.unlink(missing_ok=True)
        for kind, times in seconds.items():
            logged = (
                args.records - args.records % 2 if "mp-" in case or "pool" in case else args.records
            )
            ends = " ".join(f"{lines}/{logged} status {s}" for lines, s in sorted(seen[kind]))
            print(
                f"{case:14} {kind:14} {statistics.median(times):6.3f} s"
                f" [{min(times):.3f}-{max(times):.3f}]  {ends}",
                flush=True,
            )


if __name__ == "__main__":
    main()
