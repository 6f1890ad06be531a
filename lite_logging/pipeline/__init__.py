"""The queue between the caller and the writers: step 3 of a record's way.

In the order a record meets them:

- :mod:`.handler`: ``AsyncQueueHandler``, in the caller's thread: filters, stamps, renders
  (``prepare``) and enqueues by policy (``enqueue``).
- :mod:`._overflow`: the overflow policies (block, drop_newest, drop_oldest), one object
  each, chosen when the handler's ``policy`` is set.
- :mod:`._queues`: the queue itself: queue specs, depth, flush markers.
- :mod:`.listener`: ``BatchingQueueListener``, the thread that takes records in batches.
- :mod:`._targets`: its target handlers: names resolved, counters, delivery of a batch.
- :mod:`.control`: the registry of live listeners and the process-wide ``flush()``,
  ``drain()`` (signal-safe), ``shutdown()``, ``stats()`` and fork hooks.

This module only re-exports.
"""

from __future__ import annotations

from .control import drain, flush, shutdown, stats
from .handler import AsyncQueueHandler
from .listener import BatchingQueueListener

__all__ = ["AsyncQueueHandler", "BatchingQueueListener", "drain", "flush", "shutdown", "stats"]
