"""From record to line: step 4 of a record's way.

- :mod:`._schema`: ``SchemaFormatter``, the SPEC's record schema as a dict (every format's base).
- :mod:`._encoding`: any Python value to JSON-safe data; RFC 3339 timestamps.
- :mod:`._json_codec`: JSON text both ways, orjson when installed (the one module importing it).
- :mod:`.json`: ``JsonFormatter`` (python-json-logger's subclass), JSON lines.
- :mod:`.edn`: ``EdnFormatter``, EDN lines.
- :mod:`.pretty`: ``PrettyFormatter``, the development console's lines (rich, imported
  lazily, here only); :mod:`._wrap`: its word wrapper.
"""
