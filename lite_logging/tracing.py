"""Deprecated alias of :mod:`lite_logging.record.tracing` (the module moved in 0.2).

Kept so that imports and dictConfig paths written for the flat layout keep working; it
warns when imported.
"""

from __future__ import annotations

import warnings

from .record.tracing import Span, continue_trace, current_span, current_trace_ids, span, traceparent

__all__ = ["Span", "continue_trace", "current_span", "current_trace_ids", "span", "traceparent"]

warnings.warn(
    "lite_logging.tracing is deprecated: use lite_logging.record.tracing",
    DeprecationWarning,
    stacklevel=2,
)
