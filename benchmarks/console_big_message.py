"""The cost of a huge message on the dev console: ``setup("dev")``, one message and one extra
value of N characters each, then ``ll.shutdown()``; prints the time and the max RSS.

    COLUMNS=160 python benchmarks/console_big_message.py 10000000 2>/tmp/err.txt

stderr is the console (redirect it: a file is not a terminal, so lines wrap at ``COLUMNS``,
or not at all without it). docs/formats.md ("Long values") quotes the figures.
"""

from __future__ import annotations

import logging
import resource
import sys
import time

import lite_logging as ll


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    ll.setup("dev")
    start = time.perf_counter()
    logging.getLogger("big").info("x" * n)
    logging.getLogger("big").info("done", extra={"blob": "y" * n})
    ll.shutdown()
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n / 1e6:g} MB: {elapsed:.2f} s, max RSS {rss:.0f} MB", file=sys.__stdout__)


if __name__ == "__main__":
    main()
