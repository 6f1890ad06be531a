"""What reaches the file when a process is stopped: lite_logging against a stdlib control.

Usage (from the repository root)::

    python benchmarks/stopping.py                 # this checkout
    git archive main | (mkdir -p /tmp/old && tar -x -C /tmp/old)
    python benchmarks/stopping.py --checkout /tmp/old

Each row runs a fresh program with the checkout first on ``PYTHONPATH``:

- ``SIGTERM`` / ``SIGHUP``: the program logs ``--records`` records through dictConfig
  (``AsyncQueueHandler`` -> ``BatchFileHandler``, in batches of 64 lines, ``+fsync``: with
  an fsync per batch, a slow sink; or a plain ``logging.FileHandler`` for the ``stdlib``
  rows), prints a line on stdout with the records still queued, and waits; the parent
  reads that line and sends the signal. No sleep: the signal follows the line.
- ``mp-fork`` / ``mp-forkserver`` / ``mp-spawn``: four ``multiprocessing.Process``
  children each log ``--child-records`` lines and return from their target, no flush().

Prints one row per case: lines written / lines logged, and the exit status.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

SIGNAL_PROGRAM = textwrap.dedent(
    """
    import logging, logging.config, sys, threading
    kind, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind.startswith("lite_logging"):
        handler = {"()": "lite_logging.AsyncQueueHandler", "handlers": ["file"],
                   "batch_size": 64}
        file = {"()": "lite_logging.BatchFileHandler", "filename": path,
                "fsync": kind.endswith("fsync")}
    else:
        handler = {"class": "logging.FileHandler", "filename": path}
        file = None
    handlers = {"out": handler}
    if file:
        handlers["file"] = file
    logging.config.dictConfig({
        "version": 1, "handlers": handlers, "root": {"level": "INFO", "handlers": ["out"]},
    })
    log = logging.getLogger("stop")
    for i in range(n):
        log.info("line %d", i)
    depth = 0
    if kind.startswith("lite_logging"):
        import lite_logging
        depth = sum(p["queue_depth"] for p in lite_logging.stats()["pipelines"].values())
    print("logged", depth, flush=True)
    threading.Event().wait()
    """
)

MP_PROGRAM = textwrap.dedent(
    """
    import logging, logging.config, multiprocessing, sys
    kind, path, n, method = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if kind == "lite_logging":
        handler = {"()": "lite_logging.AsyncQueueHandler", "handlers": ["file"]}
        handlers = {"out": handler,
                    "file": {"()": "lite_logging.BatchFileHandler", "filename": path}}
    else:
        handlers = {"out": {"class": "logging.FileHandler", "filename": path}}
    logging.config.dictConfig({  # at import: spawned children configure themselves too
        "version": 1, "handlers": handlers, "root": {"level": "INFO", "handlers": ["out"]},
    })

    def work(child):
        log = logging.getLogger("child")
        for i in range(n):
            log.info("child %d line %d", child, i)

    if __name__ == "__main__":
        ctx = multiprocessing.get_context(method)
        children = [ctx.Process(target=work, args=(c,)) for c in range(4)]
        for p in children:
            p.start()
        for p in children:
            p.join()
        print(*[p.exitcode for p in children])
    """
)


def _run_signal(checkout: Path, kind: str, sig: signal.Signals, n: int, tmp: Path) -> str:
    program = tmp / "signal_program.py"
    program.write_text(SIGNAL_PROGRAM)
    path = tmp / f"{kind}-{sig.name}.log"
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    with subprocess.Popen(
        [sys.executable, str(program), kind, str(path), str(n)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp,
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        assert "logged" == line[0]
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
    written = len(path.read_text().splitlines()) if path.exists() else 0
    queued = line[1]
    return f"{sig.name:<14} {kind:<19} {written:>6} / {n:<6} exit {code}, queued {queued}"


def _run_mp(checkout: Path, kind: str, method: str, n: int, tmp: Path) -> str:
    program = tmp / "mp_program.py"
    program.write_text(MP_PROGRAM)
    path = tmp / f"{kind}-{method}.log"
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, str(program), kind, str(path), str(n), method],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=120,
        check=False,
    )
    written = len(path.read_text().splitlines()) if path.exists() else 0
    codes = done.stdout.strip() or done.stderr.strip()[-200:]
    return (
        f"mp-{method:<11} {kind:<19} {written:>6} / {4 * n:<6} exit {done.returncode},"
        f" children {codes}"
    )


def main() -> None:
    """Run every case and print its row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--child-records", type=int, default=2_000)
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    print(f"checkout {checkout}, Python {sys.version.split()[0]}")
    print(f"{'case':<14} {'handler':<13} {'written / logged':<15}")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            for kind in ("lite_logging", "lite_logging+fsync", "stdlib"):
                print(_run_signal(checkout, kind, sig, args.records, tmp), flush=True)
        for method in ("fork", "forkserver", "spawn"):
            for kind in ("lite_logging", "stdlib"):
                print(_run_mp(checkout, kind, method, args.child_records, tmp), flush=True)


if __name__ == "__main__":
    main()
