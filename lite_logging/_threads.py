"""Whether this interpreter can start threads, and where work goes when it cannot.

Pyodide (CPython in WebAssembly, in a browser or under Node) has no threads:
``threading.Thread.start()`` raises ``RuntimeError: can't start new thread``. The pipeline
and ``BatchFileHandler`` ask :func:`threads_work` once, when they are built, and without
threads hand their deferred work to the running asyncio event loop (:func:`defer`), or do
it at once when none runs. The capability is probed, not guessed from ``sys.platform``.

A leaf module: it imports nothing from the package.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # asyncio is not imported for this module: ~25 ms of every start-up
    import asyncio
    from collections.abc import Callable, Collection

__all__ = [
    "defer",
    "hold_stop_signals",
    "release_signals",
    "running_loop",
    "start_without_signals",
    "threads_work",
]

_probed: bool | None = None  # the answer of the one probe of this process
_modules = sys.modules


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio loop running in this thread, or None.

    No loop can run before something imported asyncio, so this module does not import it
    (that would cost every ``import lite_logging`` ~25 ms): it asks the one in ``sys.modules``.
    """
    aio = _modules.get("asyncio")
    return None if aio is None else aio._get_running_loop()


# Signals a process receives from outside (kill, a terminal, a timer): the kernel hands
# each to any thread that does not block it. The faults a thread causes itself (SIGSEGV,
# SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) and SIGPIPE stay with that thread.
_OUTSIDE_NAMES = [
    "SIGTERM",
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGUSR1",
    "SIGUSR2",
    "SIGALRM",
    "SIGVTALRM",
    "SIGPROF",
    "SIGCHLD",
    "SIGWINCH",
    "SIGCONT",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGIO",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGPWR",
]
_OUTSIDE_SIGNALS: frozenset[int] = frozenset(
    getattr(signal, name) for name in _OUTSIDE_NAMES if hasattr(signal, name)
)
_sigmask = getattr(signal, "pthread_sigmask", None)  # not on Windows


def start_without_signals(thread: threading.Thread) -> None:
    """Start ``thread`` with the signals that come from outside blocked in it.

    Python runs signal handlers in the main thread only, but the kernel may deliver a
    signal to any thread: one delivered to ours while the main thread is blocked in C
    (a ``Pool`` worker waiting for a lock its parent keeps, when ``terminate()`` sends
    SIGTERM) would never interrupt it, and the handler would never run. Blocked here, they
    go to the application's threads, as without us. The mask is set in the calling
    thread around ``start()`` (the new thread inherits it) and put back at once.
    """
    if _sigmask is None or not _OUTSIDE_SIGNALS:
        thread.start()
        return
    previous = _block(_sigmask, _OUTSIDE_SIGNALS)
    try:
        thread.start()
    finally:
        _sigmask(signal.SIG_SETMASK, previous)


# SIGINT is not one: it raises KeyboardInterrupt, and atexit drains.
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""The signals whose handler writes what is buffered before the process dies: ours
(``_lifecycle`` installs it on these), or an application's that calls ``drain()``."""
_main_thread = threading.main_thread


def hold_stop_signals() -> Any:
    """Block SIGTERM and SIGHUP in the main thread until ``release_signals``.

    For a section that takes lines out of a buffer and writes them: a signal handler that
    ran in the middle (it interrupts its own thread) would find them gone, write nothing,
    and the process would die with them. Held, the signal is handled the moment the
    section ends (``pthread_sigmask`` runs pending handlers on return). Call it before
    taking anything: a signal that came just before runs its handler inside this call,
    with the signal already blocked. Other threads are left alone: Python runs handlers
    in the main thread only, and ours block these.

    Returns:
        What ``release_signals`` needs: the previous mask, or None when nothing was held.
    """
    if _sigmask is None or _main_thread().ident != threading.get_ident():
        return None
    return _block(_sigmask, STOP_SIGNALS)


def _block(mask: Any, signals: Collection[int]) -> Any:
    """``mask(SIG_BLOCK, signals)``, undone when a handler run inside the call raises
    (``pthread_sigmask`` runs pending handlers after the change): a signal left blocked
    in the main thread for good would never reach Python's handlers again."""
    try:
        return mask(signal.SIG_BLOCK, signals)
    except BaseException:
        mask(signal.SIG_UNBLOCK, signals)
        raise


def release_signals(previous: Any) -> None:
    """Undo ``hold_stop_signals``; a signal that came meanwhile is handled now."""
    if previous is not None and _sigmask is not None:
        _sigmask(signal.SIG_SETMASK, previous)


def _nothing() -> None:
    """The probe thread's target."""


def threads_work() -> bool:
    """Whether ``threading.Thread.start()`` works here: tried once, the answer kept.

    Only a ``RuntimeError`` from ``start()`` (what Pyodide and a thread-less build raise)
    means no; the probe thread ends at once and is joined.
    """
    global _probed
    if _probed is None:
        probe = threading.Thread(target=_nothing, name="lite_logging-probe", daemon=True)
        try:
            probe.start()
        except RuntimeError:
            _probed = False
        else:
            probe.join()
            _probed = True
    return _probed


def _forget() -> None:
    """Probe again next time (tests that take threads away, ``testing.reset()``)."""
    global _probed
    _probed = None


def defer(delay: float, callback: Callable[[], Any]) -> asyncio.AbstractEventLoop | None:
    """Run ``callback`` on this thread's running event loop: soon, or after ``delay`` s.

    Returns:
        the loop it was scheduled on; None when no loop runs (nothing scheduled).
    """
    loop = running_loop()
    if loop is None or loop.is_closed():
        return None
    if delay > 0:
        loop.call_later(delay, callback)
    else:
        loop.call_soon(callback)
    return loop
