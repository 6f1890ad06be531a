"""The overflow policies of ``AsyncQueueHandler``: what a caller does when the queue is full.

One small object per policy, chosen when the handler's ``policy`` is set (so no call asks
which policy it is under). The handler turns to its policy only on its slow path: a full
queue, or a queue of another class than ``queue.SimpleQueue``.

Nothing here takes a lock: a signal handler runs between two bytecodes of the main thread,
so a lock held here would be held by the thread the handler interrupted, and a handler that
logs would wait on itself. The counters are list items bumped with ``+=`` (no call, so no
thread switch and no signal handler between read and write), placed right before the C
call that puts or drops: a ``KeyboardInterrupt`` lands either before both or after both,
and ``enqueued == delivered + dropped`` stays exact.
"""

from __future__ import annotations

import contextlib
import logging
import queue as _queue
import threading
import time
from typing import Any, ClassVar, Protocol

from ._queues import FlushMarker, qsize

__all__ = ["BY_NAME", "DROPPED", "OFFERED", "RENDER_ERRORS", "Owner", "Policy"]

OFFERED, DROPPED, RENDER_ERRORS = 0, 1, 2  # indexes of the handler's ``_counts``

_SimpleQueue = _queue.SimpleQueue
_monotonic = time.monotonic
_WAIT_SLICE = 0.1  # a blocked producer re-checks the listener's liveness this often (s)


class Owner(Protocol):
    """What a policy reads and counts on the handler it serves."""

    queue: Any
    _maxsize: float  # math.inf for no bound
    _block_timeout: float | None
    _counts: list[int]  # OFFERED, DROPPED, RENDER_ERRORS
    _waiting: list[threading.Lock]  # blocked producers; the listener wakes them
    _sync: bool  # the listener stopped: records are written in the caller's thread
    _own_listener: Any


class Policy:
    """Puts a record on a full queue, or drops it; every record is counted once."""

    name: ClassVar[str]

    def put(self, owner: Owner, record: logging.LogRecord) -> bool:
        """Queue or drop ``record`` (counted either way).

        Returns:
            False when the listener stopped meanwhile: the caller writes the record itself.
        """
        raise NotImplementedError


class DropNewest(Policy):
    """A full queue drops the incoming record."""

    name = "drop_newest"

    def put(self, owner: Owner, record: logging.LogRecord) -> bool:
        """Put ``record`` if there is room, else drop it."""
        if not _put_if_room(owner, record):
            counts = owner._counts
            counts[OFFERED] += 1
            counts[DROPPED] += 1
        return True


class DropOldest(Policy):
    """A full queue evicts its oldest record (never a flush marker or the sentinel)."""

    name = "drop_oldest"

    def put(self, owner: Owner, record: logging.LogRecord) -> bool:
        """Put ``record``, evicting the oldest queued records to make room."""
        q: Any = owner.queue
        counts = owner._counts
        for _ in range(qsize(q) + 2):
            if _put_if_room(owner, record):
                return True
            counts[DROPPED] += 1  # counted first: an interruption after the get keeps it exact
            try:
                old = q.get_nowait()
            except _queue.Empty:
                counts[DROPPED] -= 1
                continue
            if old is None or old.__class__ is FlushMarker:
                counts[DROPPED] -= 1
                q.put_nowait(old)  # a flush marker or sentinel is never evicted
        counts[OFFERED] += 1  # only control items left to evict: drop the new record
        counts[DROPPED] += 1
        return True


class Block(Policy):
    """A full queue makes the caller wait for room (up to ``block_timeout``, then drop)."""

    name = "block"

    def put(self, owner: Owner, record: logging.LogRecord) -> bool:
        """Wait for room; the listener wakes us through ``wake`` (never blocking).

        An exception while waiting (``KeyboardInterrupt``) propagates with the record
        counted as dropped, so the counters stay exact. Counting, putting and ``offered``
        stay in this one frame (hence its length): a KeyboardInterrupt landing between a
        helper's count and ``offered = True`` here would count the record twice.
        """
        q: Any = owner.queue
        counts = owner._counts
        timeout = owner._block_timeout
        deadline = None if timeout is None else _monotonic() + timeout
        simple = q.__class__ is _SimpleQueue
        waiter = threading.Lock()
        waiter.acquire()
        waiting = owner._waiting
        offered = False
        try:
            while True:
                if q.qsize() < owner._maxsize:
                    if simple:
                        offered = True  # these three steps run with no signal check between
                        counts[OFFERED] += 1
                        q.put_nowait(record)
                        return True
                    if _put_if_room(owner, record):
                        offered = True
                        return True
                if owner._sync or not _listener_alive(owner):
                    break  # stopped, or its thread died: write here rather than wait forever
                wait = _WAIT_SLICE
                if deadline is not None:
                    remaining = deadline - _monotonic()
                    if remaining <= 0:
                        offered = True
                        counts[OFFERED] += 1
                        counts[DROPPED] += 1
                        return True
                    wait = min(wait, remaining)
                waiting.append(waiter)
                if q.qsize() < owner._maxsize:
                    continue  # room came before the listener could see us waiting
                waiter.acquire(timeout=wait)
        except BaseException:
            if not offered:  # interrupted while waiting: the record is lost, and said so
                offered = True
                counts[OFFERED] += 1
                counts[DROPPED] += 1
            raise
        finally:
            with contextlib.suppress(ValueError):
                while True:
                    waiting.remove(waiter)
        return False  # the listener stopped while we waited


BY_NAME: dict[str, Policy] = {p.name: p for p in (Block(), DropNewest(), DropOldest())}
"""Each policy by its name, in the order the docs give them."""


def wake(waiting: list[threading.Lock]) -> None:
    """Wake the producers waiting for room (called by the listener; never blocks)."""
    while waiting:
        try:
            waiter = waiting.pop()
        except IndexError:
            return
        with contextlib.suppress(RuntimeError):  # released already: it woke by itself
            waiter.release()


def _listener_alive(owner: Owner) -> bool:
    own = owner._own_listener
    thread = None if own is None else own._thread
    return thread is None or bool(thread.is_alive())


def _put_if_room(owner: Owner, record: logging.LogRecord) -> bool:
    """Put ``record`` if the queue has room; True when it was put (and counted)."""
    q = owner.queue
    if q.qsize() >= owner._maxsize:
        return False
    counts = owner._counts
    if q.__class__ is _SimpleQueue:
        counts[OFFERED] += 1
        q.put_nowait(record)
        return True
    try:
        q.put_nowait(record)  # another queue class: Python code, maybe its own bound
    except _queue.Full:
        return False
    counts[OFFERED] += 1
    return True
