"""The process-wide side of the pipeline: the registry of live listeners and what acts on
all of them at once: ``flush()``, ``drain()`` (signal-safe), ``shutdown()``, ``stats()``,
and the fork hooks that ``lite_logging._lifecycle`` registers.

Process-global state lives here and nowhere else in the package: ``_live`` (every
listener, held weakly) and ``_start_hooks``. Listeners add themselves; nothing here
imports the listener or handler modules, which sit above it.
"""

from __future__ import annotations

import functools
import queue as _queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..metrics import _registry as _stats
from . import _targets
from ._queues import FlushMarker

if TYPE_CHECKING:
    from .listener import BatchingQueueListener

__all__ = ["DEFAULT_DRAIN_TIMEOUT", "drain", "flush", "shutdown", "stats"]

DEFAULT_DRAIN_TIMEOUT = 5.0
"""Seconds ``drain()`` waits by default (and a SIGTERM/SIGHUP drain, see ``_lifecycle``)."""

_get_ident = threading.get_ident
_monotonic = time.monotonic
_FORK_PAUSE_TIMEOUT = 5.0  # the longest a fork waits for a listener to finish its batch (s)
_DRAIN_POLL = 0.001  # drain() checks its markers this often (s): no lock in a signal handler
_LOCK_PROBE = 0.5  # the longest drain() waits for a lock that a thread holds for an instant (s)
_FULL_RETRY = 0.005  # drain() retries a full bounded queue this often (s)

_REPORTER = _targets.REPORTER  # reports failures that have no handler (also _lifecycle's)
_report = _targets.report

_live: weakref.WeakSet[BatchingQueueListener] = weakref.WeakSet()
# Called after a listener thread starts (lite_logging._lifecycle: signal handlers).
_start_hooks: list[Callable[[], None]] = []


def flush(timeout: float | None = None) -> bool:
    """Wait until every record logged before the call is written, in every live pipeline.

    Returns:
        True when all are done, False when ``timeout`` (seconds, overall) ran out.
    """
    deadline = None if timeout is None else _monotonic() + timeout
    done = True
    for listener in list(_live):
        if listener._thread is None:
            continue
        remaining = None if deadline is None else max(0.0, deadline - _monotonic())
        done = listener.flush(remaining) and done
    return done


def shutdown() -> None:
    """Drain and stop every running listener (it runs by itself at interpreter exit).

    Records logged afterwards through an ``AsyncQueueHandler`` are written synchronously.
    """
    for listener in list(_live):
        try:
            listener.stop()
        except Exception:  # noqa: BLE001 - one broken pipeline must not stop the others
            _report(_REPORTER, None)


def drain(timeout: float = DEFAULT_DRAIN_TIMEOUT) -> bool:
    """Write what every running pipeline holds, waiting at most ``timeout`` seconds overall.

    Meant for the last moments of a process: a signal handler, a framework's shutdown
    hook, right before ``os._exit``. Unlike ``flush()`` it is safe inside a signal handler:
    it never takes a lock without a timeout, so a main thread interrupted while logging
    (holding a lock, or blocked by the ``block`` policy on a full queue) cannot deadlock
    it; at worst it gives up when ``timeout`` runs out. Listeners keep running.

    Returns:
        True when every pipeline was drained in time, False otherwise.
    """
    deadline = _monotonic() + timeout
    me = _get_ident()
    markers: list[tuple[BatchingQueueListener, FlushMarker]] = []
    stopping: list[tuple[BatchingQueueListener, threading.Thread]] = []
    done = True
    for listener in list(_live):
        thread = listener._thread
        if thread is None or not thread.is_alive() or listener._thread_ident == me:
            continue
        if listener._inline:  # no thread to wait for: this one delivers (Pyodide)
            done = listener.flush() and done
            continue
        if listener._stopping.is_set():
            # stop() queued its sentinel: a marker behind it would never be answered.
            stopping.append((listener, thread))
            continue
        marker = _put_marker(listener, deadline)
        if marker is None:
            done = False
        else:
            markers.append((listener, marker))
    # All markers first: the pipelines drain in parallel. Then poll, taking no lock: an
    # Event.wait or a join takes a lock that a frame this signal handler interrupted (or
    # an outer drain() it interrupted) may hold, and it would never be released.
    for listener, marker in markers:
        done = _poll(functools.partial(_answered, marker, listener), deadline) and done
    for listener, thread in stopping:  # the listener writes what is queued, then ends
        done = _poll(functools.partial(_ended, listener, thread), deadline) and done
    return done


def _answered(marker: FlushMarker, listener: BatchingQueueListener) -> bool:
    """Whether the listener reached ``marker``, or ended before it: a ``stop()`` that a
    signal interrupted right after it queued the sentinel, before the marker."""
    return marker.is_set() or listener._finished


def _ended(listener: BatchingQueueListener, thread: threading.Thread) -> bool:
    """Whether a stopping listener's thread wrote its last batch (or died).

    Not ``is_alive()`` alone: a signal that lands in ``stop()``'s ``join()`` right after
    it acquired the thread's end-of-life lock, before it released it (a multiprocessing
    child ending while ``Pool.terminate()`` sends SIGTERM), runs this handler with that
    lock held, and ``is_alive()`` then says True until the drain times out.
    """
    return listener._finished or not thread.is_alive()


def _poll(ready: Callable[[], bool], deadline: float) -> bool:
    """Whether ``ready()`` became true before ``deadline``, checked every millisecond."""
    while not ready():
        if _monotonic() >= deadline:
            return False
        time.sleep(_DRAIN_POLL)
    return True


def _acquire_briefly(lock: Any, deadline: float) -> bool:
    """Take ``lock`` unless that takes longer than a probe (or the deadline)."""
    return bool(lock.acquire(timeout=max(0.0, min(_LOCK_PROBE, deadline - _monotonic()))))


def _put_marker(listener: BatchingQueueListener, deadline: float) -> FlushMarker | None:
    """Queue a flush marker for ``listener`` without a lock that could deadlock a signal
    handler; None when that was not possible before ``deadline``."""
    # The frame a signal interrupted may hold this lock (it is in flush()): it would never
    # be released while we wait, so only a bounded wait. Other threads hold it an instant.
    marker = FlushMarker()
    if _put_before(listener.queue, marker, deadline):
        next(listener._markers_queued)  # counted late: the depth may read one low meanwhile
        return marker
    return None


def _put_before(q: Any, item: Any, deadline: float) -> bool:
    """``put_nowait(item)`` on ``q`` (retried while it is full) until ``deadline``.

    ``SimpleQueue.put`` is reentrant (documented for signal handlers). ``queue.Queue``
    and multiprocessing queues take a lock inside ``put``: probe it with a timeout first,
    so a lock held by the interrupted frame is seen as such, never waited on for good.
    """
    inner = getattr(q, "mutex", None) or getattr(q, "_notempty", None)
    while True:
        if inner is not None:
            if not _acquire_briefly(inner, deadline):
                return False
            inner.release()
        try:
            q.put_nowait(item)
            return True
        except _queue.Full:
            if _monotonic() >= deadline:
                return False
            time.sleep(_FULL_RETRY)


def stats() -> dict[str, dict[str, dict[str, Any]]]:
    """Counters of every live pipeline and filter: see the SPEC's stats() layout."""
    return _stats.collect()


_paused: list[BatchingQueueListener] = []


def _before_fork() -> None:
    """Pause dispatch, so no handler is half-way through a write when the process forks."""
    me = _get_ident()
    for listener in list(_live):
        if listener._thread is None or listener._thread_ident == me:
            continue
        # Bounded: a handler stuck for good must not hang every fork of the process.
        if listener._dispatch_lock.acquire(timeout=_FORK_PAUSE_TIMEOUT):
            _paused.append(listener)


def _after_fork_in_parent() -> None:
    while _paused:
        _paused.pop()._dispatch_lock.release()


def _after_fork_in_child() -> None:
    """Fresh locks and queue, zeroed counters and a running listener in the child.

    Records queued before the fork stay with the parent, which writes them; the child's
    copy of an in-process queue is replaced by an empty one. A multiprocessing queue is
    shared between the processes, so its listener is not restarted in the child.
    """
    _paused.clear()
    for listener in list(_live):
        running = listener._thread is not None
        listener._reset_after_fork()
        owner = listener._owner
        if owner is None:
            continue
        owner._after_fork_in_child()
        listener.queue = owner.queue
        if running and owner._in_process:
            listener.start()
            listener._auto_started = True
