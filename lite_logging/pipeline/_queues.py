"""What goes through the queue, and the queue itself: queue specs, depth, flush markers.

A leaf module: it imports nothing from the package.
"""

from __future__ import annotations

import pkgutil
import queue as _queue
import threading
from typing import Any

__all__ = ["FlushMarker", "make_queue", "qsize", "resolve_name"]


class FlushMarker:
    """Put in the queue by ``flush()``; the listener calls ``set()`` when it reaches it.

    A lock held from creation and released by the listener, not a ``threading.Event``:
    ``Event.set()`` takes the lock that a waiter holds inside ``Event.wait()``, so a signal
    handler that interrupted that waiter and then waited on the listener would never be
    answered. ``release()`` never blocks.
    """

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = threading.Lock()
        self._pending.acquire()

    def set(self) -> None:
        """Mark the flush done (the listener reached the marker)."""
        self._pending.release()

    def is_set(self) -> bool:
        """Whether the listener reached the marker."""
        return not self._pending.locked()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the listener reached the marker within ``timeout`` seconds."""
        if self._pending.acquire(timeout=-1 if timeout is None else max(0.0, timeout)):
            self._pending.release()  # leave it done for anyone else asking
            return True
        return False


def qsize(q: Any) -> int:
    """``q.qsize()``, or 0 where the queue cannot tell."""
    try:
        return int(q.qsize())
    except (NotImplementedError, AttributeError):  # macOS multiprocessing queues
        return 0


def resolve_name(value: Any, key: str) -> Any:
    """The object a dotted path ``value`` names (``value`` itself when not a string).

    Raises:
        ValueError: nothing importable by that name; the message names ``key``.
    """
    if isinstance(value, str):
        try:
            return pkgutil.resolve_name(value)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ValueError(f'"{key}" names nothing importable: {value!r}') from exc
    return value


def make_queue(spec: Any) -> tuple[Any, bool]:
    """The queue object for ``spec``, and whether we created it (and own it)."""
    if spec is None:
        return _queue.SimpleQueue(), True
    if isinstance(spec, str):
        factory = resolve_name(spec, "queue")
        if not callable(factory):
            raise ValueError(f'"queue" must name a queue factory: {spec!r}')
        return factory(), False
    if isinstance(spec, dict) or (hasattr(spec, "keys") and "()" in spec):
        options = dict(spec)
        factory = resolve_name(options.pop("()", None), "queue")
        if not callable(factory):
            raise ValueError(f'"queue" needs a "()" factory: {spec!r}')
        return factory(**options), False
    for method in ("put_nowait", "get", "qsize"):
        if not callable(getattr(spec, method, None)):
            raise ValueError(f'"queue" is not a queue (no {method}()): {spec!r}')
    return spec, False
