"""Make a caught SIGTERM or SIGHUP run our Python handler even if the main thread sleeps.

CPython catches a signal in C and runs the Python handler later, in the main thread, at
its next check. A signal caught just before the main thread blocks in C is then never
handled while it stays blocked (python/cpython#98140). A ``Pool`` worker meets this on
every ``terminate()``: it blocks in ``sem_wait`` on a lock its parent keeps, while the
parent sends SIGTERM. When the signal lands in that window, the worker never dies and
the parent waits in ``join()`` forever. This was measured at 1 to 25 hangs in 100
``with Pool`` runs, depending on timing.

The watch: Python's wakeup fd, which the C handler writes each caught signal's number
to, is a pipe that a thread of ours reads. When the number is one of ``signals`` and the
handler has not started ``_KICK_DELAY`` s later, the thread sends the main thread
``KICK`` (SIGURG, whose no-op handler is ours). That interrupts whatever call the main
thread is blocked in. CPython then checks for pending signals and runs every Python
handler, the pending one included. A harmless signal does the waking, so a byte that
does not come from this process costs nothing: after a fork, the child writes to the
parent's pipe until it has one of its own. The watch needs a wakeup fd nobody else
set. An event loop that later sets its own (asyncio's ``add_signal_handler``) replaces
ours, and then only the main thread's own checks are left, as without the watch.

``_lifecycle`` arms it with its handlers and owns the calls; this module knows nothing
of draining.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from . import _threads

__all__ = ["arm", "disarm"]

KICK = getattr(signal, "SIGURG", None)
"""The signal that wakes the main thread: ignored by default, so nobody relies on it."""

_KICK_DELAY = 0.02  # seconds a caught signal's handler may take to start before a kick
_KICKS = 250  # kicks per caught signal at most (5 s), for a main thread stuck in C code
_POSSIBLE = (
    KICK is not None
    and hasattr(signal, "pthread_kill")
    and hasattr(signal, "set_wakeup_fd")
    and hasattr(os, "pipe")
)

_pipe: tuple[int, int] | None = None  # (read, write): ours while the wakeup fd is write
_watched: frozenset[int] = frozenset()
_pending: Callable[[int], bool] = bool  # whether a caught signal's handler has not started


def _nothing(signum: int, frame: FrameType | None) -> None:
    """The kick's handler: the point is the interrupted call, not the handler."""


def arm(signals: frozenset[int], pending: Callable[[int], bool]) -> None:
    """Watch ``signals`` (main thread only). ``pending(signum)`` says whether a caught
    signal still waits for its Python handler. Does nothing where impossible: no
    ``pthread_kill``, a wakeup fd or a KICK handler already set by someone else."""
    global _pipe, _watched, _pending
    if not _POSSIBLE or not signals or threading.current_thread() is not threading.main_thread():
        return
    if not _threads.threads_work():
        return
    _watched, _pending = signals, pending
    if _pipe is not None:
        return
    try:
        kick_handler = signal.getsignal(KICK)  # type: ignore[arg-type]
        if kick_handler is not _nothing and kick_handler != signal.SIG_DFL:
            return
        if not _take_wakeup_fd(-1):  # someone else's (an event loop's): theirs stays
            return
        read, write = os.pipe()
        os.set_blocking(write, False)  # required of a wakeup fd
        signal.signal(KICK, _nothing)  # type: ignore[arg-type]
        signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    except (ValueError, OSError, RuntimeError):  # not the main interpreter; no pipes (WASI)
        return
    _pipe = (read, write)
    watcher = threading.Thread(
        target=_watch, args=(read,), name="lite_logging-signal-watch", daemon=True
    )
    try:
        _threads.start_without_signals(watcher)
    except RuntimeError:  # no threads here after all: no watch
        disarm()
        os.close(read)


def disarm() -> None:
    """Stop watching: the wakeup fd is unset (if still ours) and the thread ends."""
    global _pipe
    pipe = _pipe
    if pipe is None or threading.current_thread() is not threading.main_thread():
        return
    try:
        _take_wakeup_fd(pipe[1])  # someone else's since: put back
    except (ValueError, OSError):  # the C handler may still write to it: keep it open
        return
    _pipe = None
    with contextlib.suppress(ValueError, OSError):
        if signal.getsignal(KICK) is _nothing:  # type: ignore[arg-type]
            signal.signal(KICK, signal.SIG_DFL)  # type: ignore[arg-type]
    os.close(pipe[1])  # the watcher reads end of file and ends; it closes its end


def _after_fork_in_child() -> None:
    """The child's own pipe and watcher; the parent's copies are closed here."""
    global _pipe
    pipe = _pipe
    if pipe is None:
        return
    _pipe = None
    try:
        _take_wakeup_fd(pipe[1])
    except (ValueError, OSError):  # left pointing at the parent's pipe: a byte written there
        return  # costs the parent a harmless kick; closing it could reuse the fd number
    for fd in pipe:
        with contextlib.suppress(OSError):
            os.close(fd)
    arm(_watched, _pending)


def _take_wakeup_fd(ours: int) -> bool:
    """Unset the wakeup fd when it is ``ours`` (-1: none set); any other is put back.

    Returns:
        Whether it was ``ours``.

    Raises:
        ValueError, OSError: the wakeup fd is not this thread's to change.
    """
    previous = signal.set_wakeup_fd(-1)
    if previous != ours:
        signal.set_wakeup_fd(previous)
        return False
    return True


def _watch(read: int) -> None:
    """The watcher thread: reads caught signals' numbers; kicks when one is not handled."""
    while True:
        try:
            data = os.read(read, 512)
        except InterruptedError:
            continue
        except OSError:
            break
        if not data:
            break
        for signum in set(data) & _watched:
            _kick_until_handled(signum)
    with contextlib.suppress(OSError):
        os.close(read)


def _kick_until_handled(signum: int) -> None:
    """Kick the main thread until ``signum``'s handler started (or ``_KICKS`` ran out)."""
    main = threading.main_thread().ident
    for _ in range(_KICKS):
        time.sleep(_KICK_DELAY)
        if main is None or not _pending(signum) or _pipe is None:
            return
        try:
            signal.pthread_kill(main, KICK)  # type: ignore[arg-type]
        except (OSError, ValueError):  # the main thread is gone
            return
