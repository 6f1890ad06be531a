"""Logs COUNT lines, prints "logged", then ends the way the test asks.

    python ending_app.py HANDLER OUT COUNT ENDING

HANDLER: "stdlib" (``logging.FileHandler``, the control), "pipeline"
(``AsyncQueueHandler`` -> ``BatchFileHandler``, both with ``flush_interval=5``) or "file"
(``BatchFileHandler`` alone, ``flush_interval=5``). ENDING: "exit" (the main module ends),
"sigterm" (waits on stdin for the test's SIGTERM), "fork-child" (a ``multiprocessing``
child started with fork logs the lines and returns; the parent joins it and ends) or
"pool-with" (two fork ``Pool`` workers log half each; leaving the ``with`` block, after
"logged", terminates them with SIGTERM). Lines are "line N" for N in 0..COUNT-1;
"logged" comes after the last logging call returned.
"""

from __future__ import annotations

import logging
import logging.config
import multiprocessing
import sys

from logconfig import plain_config

kind, path, count, ending = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
logging.config.dictConfig(plain_config(kind, path))
log = logging.getLogger("ending")


def work(start: int = 0, stop: int = count) -> None:
    for i in range(start, stop):
        log.info("line %d", i)


def work_part(part: tuple[int, int]) -> None:
    work(*part)


if __name__ == "__main__":
    if ending == "fork-child":
        child = multiprocessing.get_context("fork").Process(target=work)
        child.start()
        child.join()
    elif ending == "pool-with":
        with multiprocessing.get_context("fork").Pool(2) as pool:
            pool.map(work_part, [(0, count // 2), (count // 2, count)])
            print("logged", flush=True)
        sys.exit()
    else:
        work()
    print("logged", flush=True)
    if ending == "sigterm":
        sys.stdin.read()  # the test's SIGTERM ends the process; end of input ends it too
