"""One of several processes appending to the same file at once.

    python append_app.py HANDLER OUT WRITER COUNT

Configures logging (logconfig.py), prints "ready", waits for a line on stdin (the test
starts all writers at once that way), logs COUNT records tagged ``who=WRITER`` and
``seq``, every tenth one with a 4 KB ``blob``, prints "done" and exits normally.
"""

from __future__ import annotations

import logging
import logging.config
import sys

from logconfig import dict_config

BLOB = "x" * 4096
BLOB_EVERY = 10


def main() -> None:
    handler, out, writer, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    logging.config.dictConfig(dict_config(handler, out))
    log = logging.getLogger("append")
    print("ready", flush=True)
    sys.stdin.readline()
    for seq in range(count):
        if seq % BLOB_EVERY:
            log.info("%s record %d", writer, seq, extra={"who": writer, "seq": seq})
        else:
            extra = {"who": writer, "seq": seq, "blob": BLOB}
            log.info("%s record %d", writer, seq, extra=extra)
    print("done", flush=True)


if __name__ == "__main__":
    main()
