"""Deprecated alias of :mod:`lite_logging.record.stamping` (the module moved in 0.2).

Kept so that imports and dictConfig paths written for the flat layout keep working; it
warns when imported.
"""

from __future__ import annotations

import warnings

from .record.stamping import ContextFilter, stamp_record

__all__ = ["ContextFilter", "stamp_record"]

warnings.warn(
    "lite_logging.stamping is deprecated: use lite_logging.record.stamping",
    DeprecationWarning,
    stacklevel=2,
)
