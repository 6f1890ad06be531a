"""Sinks benchmark: records per second into a local rsyslogd, and the caller's cost per call.

    python benchmarks/sinks.py                 # 20,000 records per row, best of 3
    python benchmarks/sinks.py --records 50000 --repeat 5

Starts ``rsyslogd -n`` on free ports of 127.0.0.1 (tests/syslog_support.py; needs the Debian
package ``rsyslog``), then per row logs the benchmark workload (``logger.info("user %s
logged in", i, extra={...})``, JSON messages) and measures:

- **caller µs/call**: the logging loop's time divided by the records, on the logging thread;
- **records/s**: records divided by the time from the loop's start until rsyslog has written
  the last of them to its file (so the relay's own cost is in it, for every row alike);
- **received**: lines rsyslog wrote (UDP may drop; the stdlib's TCP default glues messages).

Rows: ``BatchSyslogHandler`` behind ``AsyncQueueHandler`` (unbounded queue; TCP and UDP),
and alone (TCP, synchronous), beside the stdlib ``SysLogHandler`` (TCP with LF-terminated
JSON, its best case with rsyslog; and UDP), each with the same ``JsonFormatter``. Run it on
an idle machine: rsyslogd, the listener and the caller share the cores.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from syslog_support import RSYSLOGD, Rsyslog

import lite_logging as ll


class _LfJson(ll.JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return super().format(record) + "\n"


def _stdlib(port: int, kind: socket.SocketKind) -> logging.Handler:
    handler = logging.handlers.SysLogHandler(("127.0.0.1", port), socktype=kind)
    handler.append_nul = False
    handler.setFormatter(_LfJson() if kind == socket.SOCK_STREAM else ll.JsonFormatter())
    return handler


Row = tuple[str, Callable[[Rsyslog], tuple[logging.Handler, logging.Handler | None]]]
ROWS: list[Row] = [
    (
        "lite: AsyncQueueHandler -> BatchSyslogHandler tcp",
        lambda r: _queued(ll.BatchSyslogHandler(("127.0.0.1", r.tcp_port))),
    ),
    (
        "lite: AsyncQueueHandler -> BatchSyslogHandler udp",
        lambda r: _queued(ll.BatchSyslogHandler(("127.0.0.1", r.udp_port), protocol="udp")),
    ),
    (
        "lite: BatchSyslogHandler tcp, synchronous",
        lambda r: (ll.BatchSyslogHandler(("127.0.0.1", r.tcp_port)), None),
    ),
    (
        "stdlib: SysLogHandler tcp (LF-terminated)",
        lambda r: (_stdlib(r.tcp_port, socket.SOCK_STREAM), None),
    ),
    ("stdlib: SysLogHandler udp", lambda r: (_stdlib(r.udp_port, socket.SOCK_DGRAM), None)),
]


def _queued(target: logging.Handler) -> tuple[logging.Handler, logging.Handler]:
    # Unbounded, so that the caller's figure is its own cost (render and enqueue), not the
    # wait for a full queue; records/s still runs until the last record reached rsyslog.
    return ll.AsyncQueueHandler(handlers=[target], maxsize=0), target


def run_row(
    server: Rsyslog,
    make: Callable[..., tuple[logging.Handler, logging.Handler | None]],
    records: int,
) -> tuple[float, float, int]:
    handler, target = make(server)
    log = logging.getLogger("bench.sinks")
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    ll.bind(request_id="req-1", tenant="acme")
    before = len(server.lines())
    wall = time.time()
    start = time.perf_counter()
    for i in range(records):
        log.info("user %s logged in", i, extra={"user_id": i, "path": "/api/items"})
    loop = time.perf_counter() - start
    ll.flush()
    handler.flush()
    lines = server.wait_for(before + records, timeout=120, quiet=1.0)
    received = len(lines) - before
    # The end: the file's last change, not the (quiet-period) moment we noticed it.
    total = server.out.stat().st_mtime - wall
    log.handlers[:] = []
    handler.close()
    if target is not None:
        target.close()
    ll.clear_context()
    return loop / records * 1e6, records / max(total, 1e-9), received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if RSYSLOGD is None:
        sys.exit("rsyslogd is not installed (Debian package rsyslog)")
    with tempfile.TemporaryDirectory() as tmp:
        server = Rsyslog(Path(tmp))
        try:
            best: dict[str, tuple[float, float, int]] = {}
            for _ in range(args.repeat):
                for name, make in ROWS:
                    caller, rate, received = run_row(server, make, args.records)
                    old = best.get(name)
                    if old is None or caller < old[0]:
                        best[name] = (caller, max(rate, old[1] if old else 0), received)
        finally:
            server.stop()
    print(f"| sink ({args.records:,} records, best of {args.repeat}) | caller µs/call"
          " | records/s into rsyslog | received |")  # fmt: skip
    print("| --- | ---: | ---: | ---: |")
    for name, (caller, rate, received) in best.items():
        print(f"| {name} | {caller:.1f} | {rate:,.0f} | {received:,} |")


if __name__ == "__main__":
    main()
