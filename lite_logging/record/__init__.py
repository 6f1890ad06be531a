"""What a logging call becomes, in the caller's thread: step 1 of a record's way.

- :mod:`.context`: the ambient context (``context()``, ``bind()``, ``propagate_context()``).
- :mod:`.ids`: UUIDv7 event ids, W3C trace and span ids.
- :mod:`.tracing`: spans (``span()``, ``traceparent()``) and the current trace ids.
- :mod:`.logger`: ``Logger``, a ``logging.Logger`` that samples before the record is built.
- :mod:`.stamping`: ``ContextFilter``/``stamp_record``: event id, context, trace ids, once.
- :mod:`._message`: the message rendered so that it never raises.
"""
