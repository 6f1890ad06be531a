"""Stamping: fix a record's event id, ambient context and trace ids in the caller's thread.

A record is stamped once: the first stamp wins, so ``ContextFilter`` on a logger, on a
handler and inside ``AsyncQueueHandler`` never disagree about a record's ``event_id``.
"""

from __future__ import annotations

import logging

from .context import current_context
from .ids import new_event_id
from .tracing import current_trace_flags, current_trace_ids

__all__ = ["ContextFilter", "stamp_record"]


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
        d["context"] = current_context()
    if "trace_id" not in d:
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
