"""Logs COUNT lines, then sleeps in C after a signal was caught but not yet handled.

    python caught_app.py HANDLER OUT COUNT SIGNAL

HANDLER: "pipeline" (``AsyncQueueHandler`` -> ``BatchFileHandler``) or "file"
(``BatchFileHandler`` alone), both with ``flush_interval=5``. After "logged", the main
thread blocks in ``read(2)`` on a pipe nobody writes to. A thread waits until the kernel
shows it asleep there, then trips SIGNAL with ``_thread.interrupt_main``: CPython's C
handler runs, nothing interrupts the read. This is what a ``Pool`` worker meets when
``terminate()``'s SIGTERM lands just before it blocks in ``sem_wait``
(python/cpython#98140), made certain. The read never returns by itself, so the process
only ends if the pending handler is made to run.
"""

from __future__ import annotations

import _thread
import logging
import logging.config
import os
import platform
import signal
import sys
import threading

from logconfig import plain_config

kind, path, count, signame = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
logging.config.dictConfig(plain_config(kind, path))
log = logging.getLogger("caught")
READ_SYSCALL = {"x86_64": "0", "aarch64": "63"}.get(platform.machine())


def _in_read(tid: int) -> bool:
    """Whether thread ``tid`` sleeps in read(2) on a pipe, as the kernel shows it."""
    task = f"/proc/self/task/{tid}"
    with open(f"{task}/wchan") as f:
        if "pipe_read" in f.read():
            return True
    with open(f"{task}/syscall") as f:
        return READ_SYSCALL is not None and f.read().split(" ", 1)[0] == READ_SYSCALL


def trip(tid: int, signum: int, go: threading.Event) -> None:
    go.wait()
    while not _in_read(tid):
        threading.Event().wait(0.001)  # polls the kernel's view, not a guess of time
    _thread.interrupt_main(signum)


if __name__ == "__main__":
    for i in range(count):
        log.info("line %d", i)
    print("logged", flush=True)
    read, write = os.pipe()
    go = threading.Event()
    threading.Thread(
        target=trip, args=(threading.get_native_id(), signal.Signals[signame], go), daemon=True
    ).start()
    go.set()
    os.read(read, 1)  # nobody writes: only a handler run ends the process
    print("read returned", flush=True)
