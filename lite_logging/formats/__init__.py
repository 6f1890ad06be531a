"""From record to line: step 4 of a record's way.

- :mod:`._schema`: ``SchemaFormatter``, the SPEC's record schema as a dict (every format's base).
- :mod:`._encoding`: any Python value to JSON-safe data; RFC 3339 timestamps.
- :mod:`.json`: ``JsonFormatter`` (python-json-logger's subclass), JSON lines.
- :mod:`.edn`: ``EdnFormatter``, EDN lines.
- :mod:`.pretty`: ``PrettyFormatter`` and ``RichHandler``, the development console (rich,
  imported lazily).
"""
