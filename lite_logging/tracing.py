"""Trace spans with W3C ids, held in a context variable so they follow threads and tasks.

This module is filled in by the tracing work (issue 6). What the rest of the package relies
on today is :func:`current_trace_ids`, which the record stamping calls in the caller's thread.
"""

from __future__ import annotations

import contextvars

__all__ = ["current_trace_ids"]

# (trace_id, span_id) of the innermost active span of this thread / task, or None.
_current_ids: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "lite_logging_span_ids", default=None
)


def current_trace_ids() -> tuple[str, str] | None:
    """Return ``(trace_id, span_id)`` of the current span, or ``None`` outside any span."""
    return _current_ids.get()
