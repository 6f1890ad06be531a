"""Logs COUNT records, prints "ready", then waits for the signal the test sends.

    python signal_app.py HANDLER OUT COUNT PROGRESS [--keep-logging]
                         [--queue OPTION=VALUE ...] [--app-handler before|after]

HANDLER is "ours" or "stdlib" (see logconfig.py). Each record carries ``seq`` (0, 1, ...);
after each call the number logged so far is stored in the 8-byte file PROGRESS (mapped
into memory), so the test knows how many records were accepted even when the process is
killed. --queue options (numbers) go to our AsyncQueueHandler. With --keep-logging the
app goes on logging after "ready" until the signal comes; otherwise it waits on stdin.
With --app-handler the app installs its own SIGTERM handler (before or after configuring
logging) that logs one line and calls ``sys.exit(3)``.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import logging.config
import mmap
import signal
import sys
from types import FrameType

from logconfig import HANDLERS, dict_config

APP_HANDLER_EXIT = 3

faulthandler.register(signal.SIGUSR1, all_threads=True)  # a hung run's stacks, for the test


def _app_handler(signum: int, frame: FrameType | None) -> None:
    logging.getLogger("app").warning("app handler ran", extra={"signum": signum})
    sys.exit(APP_HANDLER_EXIT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("handler", choices=HANDLERS)
    parser.add_argument("out")
    parser.add_argument("count", type=int)
    parser.add_argument("progress")
    parser.add_argument("--keep-logging", action="store_true")
    parser.add_argument("--queue", nargs="*", default=[], metavar="OPTION=VALUE")
    parser.add_argument("--app-handler", choices=("before", "after"))
    args = parser.parse_args()

    for sig in (signal.SIGTERM, signal.SIGHUP):  # started under nohup: die as from a shell
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)

    if args.app_handler == "before":
        signal.signal(signal.SIGTERM, _app_handler)
    options = {k: float(v) if "." in v else int(v) for k, v in (o.split("=") for o in args.queue)}
    logging.config.dictConfig(dict_config(args.handler, args.out, **options))
    if args.app_handler == "after":
        signal.signal(signal.SIGTERM, _app_handler)

    with open(args.progress, "r+b") as f:
        progress = mmap.mmap(f.fileno(), 8)
    log = logging.getLogger("app")
    seq = 0
    while seq < args.count:
        log.info("record %d", seq, extra={"seq": seq})
        seq += 1
        progress[:8] = seq.to_bytes(8, "little")
    print("ready", flush=True)
    if args.keep_logging:
        while True:
            log.info("record %d", seq, extra={"seq": seq})
            seq += 1
            progress[:8] = seq.to_bytes(8, "little")
    sys.stdin.read()  # the test holds stdin open; end-of-file (the test gone) ends the app


if __name__ == "__main__":
    main()
