"""Deprecated alias of :mod:`lite_logging.record.ids` (the module moved in 0.2).

Kept so that imports and dictConfig paths written for the flat layout keep working; it
warns when imported.
"""

from __future__ import annotations

import warnings

from .record.ids import new_event_id, new_span_id, new_trace_id

__all__ = ["new_event_id", "new_span_id", "new_trace_id"]

warnings.warn(
    "lite_logging.ids is deprecated: use lite_logging.record.ids",
    DeprecationWarning,
    stacklevel=2,
)
