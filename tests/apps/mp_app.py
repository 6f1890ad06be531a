"""Children of ``multiprocessing`` log through the pipeline, then return from their target.

    LL_HANDLER=ours|stdlib LL_OUT=FILE python mp_app.py KIND START_METHOD

Logging is configured when this module is imported, so a child started by "spawn" or
"forkserver" (which imports it again as ``__mp_main__``) logs to the same file; a "fork"
child inherits the parent's configuration. KIND:

- ``process``: two ``Process`` children, started, then joined;
- ``pool-join``: ``Pool(2)`` running 4 tasks, then ``close()`` and ``join()``;
- ``pool-with``: the same inside ``with Pool(2)``, whose exit calls ``terminate()``
  (SIGTERM to the workers);
- ``executor``: ``ProcessPoolExecutor(2)`` running 4 tasks, left by its ``with`` block.

Every child or task logs ``COUNT`` records tagged ``who`` (``child-N``, ``task-N``) and
``seq``; the parent logs ``COUNT`` records as ``parent`` before starting them and one
"parent done" after. Prints the pids of the processes that logged and "done" at the end.
"""

from __future__ import annotations

import concurrent.futures
import faulthandler
import logging
import logging.config
import multiprocessing
import os
import signal
import sys

from logconfig import dict_config

faulthandler.register(signal.SIGUSR1, all_threads=True)  # a hung run's stacks, for the test

COUNT = 2000
TASKS = 4
KINDS = ("process", "pool-join", "pool-with", "executor")

logging.config.dictConfig(dict_config(os.environ["LL_HANDLER"], os.environ["LL_OUT"]))
log = logging.getLogger("mp")


def log_many(who: str) -> int:
    """Log ``COUNT`` records as ``who``; return this process's pid."""
    pid = os.getpid()
    for seq in range(COUNT):
        log.info("%s record %d", who, seq, extra={"who": who, "seq": seq, "pid": pid})
    return pid


def task(n: int) -> int:
    return log_many(f"task-{n}")


def run(kind: str, ctx: multiprocessing.context.BaseContext) -> list[int]:
    if kind == "process":
        children = [ctx.Process(target=log_many, args=(f"child-{n}",)) for n in range(2)]  # type: ignore[attr-defined]
        for child in children:
            child.start()
        for child in children:
            child.join()
        return [child.pid for child in children]
    if kind == "pool-join":
        pool = ctx.Pool(2)
        pids = pool.map(task, range(TASKS), chunksize=1)
        pool.close()
        pool.join()
        return pids
    if kind == "pool-with":
        with ctx.Pool(2) as pool:
            return pool.map(task, range(TASKS), chunksize=1)
    if kind == "executor":
        with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as executor:
            return list(executor.map(task, range(TASKS)))
    raise ValueError(f'"kind" must be one of {KINDS}: {kind!r}')


def main() -> None:
    kind, method = sys.argv[1], sys.argv[2]
    ctx = multiprocessing.get_context(method)
    log_many("parent")
    pids = run(kind, ctx)
    log.info("parent done", extra={"who": "parent-done", "seq": 0})
    print("pids", *sorted(set(pids)), flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main()
