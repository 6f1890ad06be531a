"""Deprecated alias of :mod:`lite_logging.pipeline` (the module moved in 0.2).

Kept so that imports and dictConfig paths written for the flat layout keep working; it
warns when imported.
"""

from __future__ import annotations

import warnings

from .pipeline import (
    AsyncQueueHandler,
    BatchingQueueListener,
    drain,
    flush,
    shutdown,
    stats,
)

__all__ = ["AsyncQueueHandler", "BatchingQueueListener", "drain", "flush", "shutdown", "stats"]

warnings.warn(
    "lite_logging.queueing is deprecated: use lite_logging.pipeline",
    DeprecationWarning,
    stacklevel=2,
)
