"""Process lifecycle: fork, exit, signals and multiprocessing children, in one place.

This is the package's only module that hooks into the process (``os.register_at_fork``,
``atexit``, ``threading._register_atexit``, ``signal.signal``), and the one that holds the
process-global lifecycle state. It sits on top of the modules it wires; they import
nothing from it. ``lite_logging/__init__`` imports it, so the hooks are in place whatever
part of the package is used. What each way of stopping a process guarantees is in
docs/stopping.md.

**fork**: the modules below keep per-process state and expose a reset function; this
module calls them in a forked child, in this order (each only uses what comes before it):

1. ``_stats``: the registry's lock.
2. ``ids``: the id clock's lock, a fresh random stream (no two processes share ids).
3. ``filters._common``: every stats-keeping filter's locks.
4. ``filters.sampling``: a fresh random stream for each unseeded ``SamplingFilter``.
5. ``logger``: the cached pid of ``ll.Logger``'s records.
6. ``handlers``: each ``BatchFileHandler``'s lock, buffer and timer.
7. ``pipeline.control``: fresh queues, locks and counters; each in-process pipeline's
   listener restarted, last, as it uses everything above.
8. this module: the signal drain's own state, and the child's own signal watch
   (``_signal_watch``).

Before the fork ``pipeline.control`` pauses dispatch, so no handler is half-way through a
write when the child's copy of memory is taken; afterwards the parent resumes.

**exit**: ``atexit`` runs ``control.shutdown`` (drain, stop) before ``logging.shutdown``
closes the handlers, as atexit runs last-registered first and ``logging`` registered
first. A multiprocessing child never runs atexit (see ``_at_threading_exit``).

**signals**: when a listener starts in the main thread (or a ``BatchFileHandler`` used
alone first holds lines), SIGTERM and SIGHUP still at their default action get
``_on_signal``: drain within a timeout, then die of the same signal. ``_signal_watch``
makes sure a caught signal's handler runs even when the main thread sleeps in C.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from . import _signal_watch, _threads
from ._options import check_bool, check_number
from .filters import _common as filters_common
from .filters import sampling
from .metrics import _registry as _stats
from .pipeline import control
from .record import ids, logger
from .sinks import file as handlers

__all__ = ["drain_on_signals"]

ENV_VAR = "LITE_LOGGING_DRAIN_ON_SIGNALS"
"""Set to ``0``, ``false``, ``no`` or ``off`` to leave SIGTERM and SIGHUP alone."""

SIGNALS = _threads.STOP_SIGNALS
"""The signals that drain the pipelines before the process dies of them (the ones a
``BatchFileHandler``'s write holds back)."""

_FALSE = frozenset({"0", "false", "no", "off"})

# -- process-global state: the only lifecycle state of the package ---------------------

_chosen: bool | None = None  # drain_on_signals(enabled); None: the environment decides
_timeout = control.DEFAULT_DRAIN_TIMEOUT  # seconds a signal drain may take
_replaced: dict[int, Any] = {}  # signal -> the handler ours replaced (always SIG_DFL)
_draining = False  # a signal drain is under way (a second signal dies at once)
_in_handler = False  # _on_signal has started (the signal watch's kicks stop)
_hooked = False  # the process hooks are registered
_forked = False  # this process is a forked child (it may well end in os._exit)


def drain_on_signals(
    enabled: bool = True, *, timeout: float = control.DEFAULT_DRAIN_TIMEOUT
) -> None:
    """Choose whether SIGTERM and SIGHUP write what is queued before the process dies.

    On by default: when a ``BatchingQueueListener`` starts in the main thread (or a
    ``BatchFileHandler`` used without one first holds lines in memory), each of
    these signals that still has its default action (it would kill the process) gets a
    handler that drains every pipeline for at most ``timeout`` seconds, puts the default
    action back and raises the signal again, so the process still dies of it (exit status
    -15 / 143 for SIGTERM). A handler the application installed is never replaced.
    A framework that installs its own later and re-raises the signal at the end of its
    graceful shutdown (uvicorn does) passes through ours.

    ``drain_on_signals(False)``, the environment variable
    ``LITE_LOGGING_DRAIN_ON_SIGNALS=0`` or ``setup(drain_on_signals=False)`` turn it off
    (the call wins over the variable); our handlers in place then give way to the
    default action. An application that handles these signals itself calls
    ``lite_logging.drain()`` in its handler. See docs/stopping.md.

    Args:
        enabled: install the handlers (now, if a listener runs, else when one starts).
        timeout: the most seconds a signal may spend draining.

    Raises:
        ValueError: ``enabled`` is not a bool or ``timeout`` is not a number > 0.
    """
    global _chosen, _timeout
    check_bool("enabled", enabled)
    seconds = check_number("timeout", timeout, finite=False)
    _chosen, _timeout = enabled, seconds
    if not enabled:
        _restore_signal_handlers()
    elif any(listener._thread is not None for listener in list(control._live)) or any(
        handler._timer is not None for handler in list(handlers._live_handlers)
    ):
        _install_signal_handlers()


def _enabled() -> bool:
    if _chosen is not None:
        return _chosen
    return os.environ.get(ENV_VAR, "").strip().lower() not in _FALSE


def _install_signal_handlers() -> None:
    """Give each of ``SIGNALS`` still at its default action our draining handler."""
    if not _enabled() or threading.current_thread() is not threading.main_thread():
        return
    for sig in SIGNALS:
        try:
            if signal.getsignal(sig) == signal.SIG_DFL:
                signal.signal(sig, _on_signal)
                _replaced[sig] = signal.SIG_DFL
        # ValueError/OSError: not the main interpreter, signals are not ours;
        # AttributeError: a platform whose signal module has no handlers (WASI).
        except (ValueError, OSError, AttributeError):
            return
    if _replaced:
        _signal_watch.arm(frozenset(_replaced), _handler_pending)


def _handler_pending(signum: int) -> bool:
    """Whether ``signum`` is ours and ``_on_signal`` has not started (any thread)."""
    return not _in_handler and signal.getsignal(signum) is _on_signal


def _listener_started() -> None:
    """Called by every ``BatchingQueueListener.start()`` and when a ``BatchFileHandler``
    starts its timer; never raises into them."""
    try:
        _install_signal_handlers()
    except Exception:  # noqa: BLE001 - starting a pipeline must not fail over signals
        control._report(control._REPORTER, None)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """Drain every pipeline (bounded), then die of ``signum`` as without us."""
    global _draining, _in_handler
    _in_handler = True
    if not _draining and _enabled():
        _draining = True
        # BaseException: a KeyboardInterrupt here must not keep the process alive.
        with contextlib.suppress(BaseException):
            control.drain(_timeout)
            # Then the lines a BatchFileHandler used alone buffers (a listener's batches
            # are written at once): the stdlib FileHandler would have written them.
            handlers._flush_buffers(control._LOCK_PROBE)
    _replaced.pop(signum, None)
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)  # dies here; if the signal is blocked, when unblocked
    _draining = _in_handler = False


def _restore_signal_handlers() -> None:
    """Put back what our handlers replaced; a handler installed over ours stays."""
    if threading.current_thread() is not threading.main_thread():
        return
    _signal_watch.disarm()
    for sig, previous in list(_replaced.items()):
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(sig) is _on_signal:
                signal.signal(sig, previous)
        del _replaced[sig]


def _put_back_signal_handlers(saved: dict[int, Any]) -> None:
    """Reinstall the handlers ``saved`` maps signals to (``lite_logging.testing``)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig, handler in saved.items():
        if handler is not None and signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


def _reset() -> None:
    """Back to the state of a fresh import (``lite_logging.testing.reset()``)."""
    global _chosen, _timeout, _draining, _in_handler
    _restore_signal_handlers()
    _chosen = None
    _timeout = control.DEFAULT_DRAIN_TIMEOUT
    _draining = _in_handler = False


# -- multiprocessing children ------------------------------------------------------------


def _in_multiprocessing_child() -> bool:
    process = sys.modules.get("multiprocessing.process")
    return process is not None and process.parent_process() is not None


def _at_threading_exit() -> None:
    """In a multiprocessing or forked child, drain and stop every pipeline before it ends.

    A child started by ``multiprocessing`` (``Process``, ``Pool``, ``ProcessPoolExecutor``)
    with fork or forkserver ends in ``os._exit`` once its target returns, so atexit
    never runs there. Its ``BaseProcess._bootstrap`` runs ``util._exit_function()`` and then
    ``threading._shutdown()`` on every start method, which calls the functions given to
    ``threading._register_atexit`` (concurrent.futures uses it), in the main thread, while
    our daemon listener still runs. Stopping (not just flushing) the listeners makes
    records that non-daemon threads log afterwards, until they are joined, write
    synchronously. A forked child of another pool (Celery's billiard) may end the same
    way, so any forked child drains here too. Elsewhere atexit does the work, as before.
    Then the lines each ``BatchFileHandler`` used without a listener still buffers are
    written: ``logging.shutdown`` would have, but it is an atexit function.
    """
    if _forked or _in_multiprocessing_child():
        control.shutdown()
        handlers._flush_buffers(_timeout)  # a BatchFileHandler used alone


def _arm_multiprocessing_finalizer(_: object = None) -> None:
    """Fallback of ``_at_threading_exit``: a finalizer of multiprocessing's exit path."""
    from multiprocessing import util  # imported only where _register_atexit is missing

    # A high priority runs it before multiprocessing's own queue finalizers (10, -5).
    util.Finalize(None, _at_threading_exit, exitpriority=100)


class _Token:
    """Keeps the fallback's after-fork registration alive (it is held by weak reference)."""


_TOKEN = _Token()


def _hook_multiprocessing_exit() -> None:
    # threading._register_atexit (3.9+) is private: check it exists. It is inherited by
    # forked children and runs on every start method. Without it, use multiprocessing's
    # finalizers: each child clears them first thing, so re-arm one after every fork
    # (``_bootstrap`` runs the after-fork hooks on every start method, spawn included).
    register: Callable[[Callable[[], None]], None] | None = getattr(
        threading, "_register_atexit", None
    )
    if register is not None:
        with contextlib.suppress(RuntimeError):  # already shutting down: nothing to hook
            register(_at_threading_exit)
        return
    from multiprocessing import util  # imported only where _register_atexit is missing

    util.register_after_fork(_TOKEN, _arm_multiprocessing_finalizer)


# -- fork -------------------------------------------------------------------------------


def _before_fork() -> None:
    control._before_fork()


def _after_fork_in_parent() -> None:
    control._after_fork_in_parent()


def _after_fork_in_child() -> None:
    """Reset each module's per-process state, in the order of this module's docstring."""
    global _draining, _forked, _in_handler
    _stats._after_fork_in_child()
    ids._after_fork_in_child()
    filters_common._reinit_locks_after_fork()
    sampling._reseed_after_fork()
    logger._after_fork_in_child()
    handlers._after_fork_in_child()
    control._after_fork_in_child()
    _draining = _in_handler = False
    _forked = True
    _signal_watch._after_fork_in_child()


# -- installation ------------------------------------------------------------------------


def _hook_process() -> None:
    """Register the process hooks, once."""
    global _hooked
    if _hooked:
        return
    _hooked = True
    # atexit runs last-registered first: logging registered its shutdown when imported,
    # before this module, so every pipeline is drained before logging closes the handlers.
    atexit.register(control.shutdown)
    if hasattr(os, "register_at_fork"):  # not on Windows
        os.register_at_fork(
            before=_before_fork,
            after_in_parent=_after_fork_in_parent,
            after_in_child=_after_fork_in_child,
        )
    _hook_multiprocessing_exit()
    control._start_hooks.append(_listener_started)
    handlers._timer_hooks.append(_listener_started)


_hook_process()
