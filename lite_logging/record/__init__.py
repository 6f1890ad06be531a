"""What a logging call becomes, in the caller's thread: step 1 of a record's way.

- :mod:`.context`: the ambient context (``context()``, ``bind()``, ``propagate_context()``).
- :mod:`.ids`: UUIDv7 event ids, W3C trace and span ids.
- :mod:`.tracing`: spans (``span()``, ``traceparent()``) and the current trace ids.
- :mod:`.logger`: ``Logger``, a ``logging.Logger`` that builds its records for less and
  samples before building; each change checked against this Python at import.
- :mod:`.stamping`: ``ContextFilter``/``stamp_record``: event id, context, trace ids, once.
- :mod:`._message`: the message rendered so that it never raises.
- :mod:`._attrs`: the attributes a ``LogRecord`` has on this Python (one table for all).
"""
