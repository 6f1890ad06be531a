"""Stamping: fix a record's event id, ambient context and trace ids in the caller's thread.

A record is stamped once: the first stamp wins, so ``ContextFilter`` on a logger, on a
handler and inside ``AsyncQueueHandler`` never disagree about a record's ``event_id``.
"""

from __future__ import annotations

import logging
import sys

from .context import _context_var
from .ids import new_event_id
from .tracing import _OTEL_TRACE, _current_ids, current_trace_flags, current_trace_ids

__all__ = ["ContextFilter", "stamp_record"]

# The context variables read with their own (C) get(): what current_context() and
# current_trace_ids() do, without their Python frames (~2,000 instructions a record, callgrind).
_get_context = _context_var.get
_get_trace_ids = _current_ids.get
_modules = sys.modules


def stamp_record(record: logging.LogRecord) -> None:
    """Set ``event_id``, ``context``, ``trace_id`` and ``span_id`` unless already set.

    ``context`` is the current context mapping itself (it is never mutated, only replaced),
    so stamping costs no copy. Values given through ``extra=`` win over the ambient ones.
    In a trace that is not sampled (a joined ``traceparent`` with flags ``00``, an
    OpenTelemetry span its sampler dropped) ``trace_flags`` is set too, to its W3C flags;
    absent, they are ``"01"``. No output line shows it; OTLP exports it as the flags.
    """
    d = record.__dict__
    if "event_id" in d:
        return
    d["event_id"] = new_event_id()
    if "context" not in d:
        d["context"] = _get_context()
    if "trace_id" not in d:
        ids = _get_trace_ids()
        if ids is None and _OTEL_TRACE in _modules:  # an OpenTelemetry span may be current
            ids = current_trace_ids()
        if ids is not None:
            d["trace_id"], d["span_id"] = ids
            flags = current_trace_flags()
            if flags != "01" and flags is not None:
                d["trace_flags"] = flags


class ContextFilter(logging.Filter):
    """A filter that stamps records (see :func:`stamp_record`) and never drops one.

    Put it where the record is still in the caller's thread: on a logger, or on a
    synchronous handler. ``AsyncQueueHandler`` stamps by itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp the record; always keep it."""
        stamp_record(record)
        return True
