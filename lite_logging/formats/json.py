"""JSON lines: ``JsonFormatter``, python-json-logger's formatter writing the SPEC's schema.

One JSON object per record, on one line. Every value serializes: the C encoder runs first
with a ``default`` hook for common types; a value it still rejects (cycles, odd keys, NaN,
a value that raises) is cleaned by one walk and encoded again, so a record never makes the
formatter raise. With ``orjson`` installed it is used for speed; a line's bytes are the same
either way (UTF-8, non-ASCII written raw).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pythonjsonlogger import json as pjl_json

from ._encoding import json_default
from ._json_codec import HAS_ORJSON, json_encoder
from ._schema import SchemaFormatter

__all__ = ["JsonFormatter"]


class JsonFormatter(SchemaFormatter, pjl_json.JsonFormatter):
    """Formats a record as one JSON object in lite_logging's schema (see docs/schema.md).

    The bytes of a line do not depend on the encoder: orjson and the stdlib encoder write
    the same text (UTF-8, non-ASCII unescaped, compact separators), and any record they
    would write differently (or fail on) takes one exact path through
    :func:`~lite_logging.formats._encoding.to_jsonable` and the stdlib encoder.

    Args:
        fmt: as for ``logging.Formatter``; selects extra record attributes to add
            (``"%(process)d %(threadName)s"``), python-json-logger's way.
        datefmt: as for ``logging.Formatter``.
        style: as for ``logging.Formatter``.
        validate: as for ``logging.Formatter``.
        use_orjson: encode with orjson; ``None`` (default) uses it when installed. Only
            speed depends on it, never the output.
        **kwargs: python-json-logger options: ``prefix``, ``rename_fields``,
            ``rename_fields_keep_missing``, ``static_fields``, ``reserved_attrs``,
            ``defaults``, ``exc_info_as_array``, ``stack_info_as_array``, ``json_default``
            (used by both backends), ``json_indent``, ``json_ensure_ascii`` (default
            ``False`` here: UTF-8 text). ``timestamp`` is True or False: the schema always
            writes it.

    Raises:
        ValueError: ``use_orjson=True`` without orjson; ``json_encoder`` or
            ``json_serializer`` (the encoding is ours, so that both backends agree); a
            ``timestamp`` name (use ``rename_fields``).
    """

    def __init__(
        self,
        fmt: str | Sequence[str] | None = None,
        datefmt: str | None = None,
        style: str = "%",
        validate: bool = True,
        *,
        use_orjson: bool | None = None,
        **kwargs: Any,
    ) -> None:
        for option, supported in (("json_encoder", None), ("json_serializer", json.dumps)):
            if kwargs.get(option, supported) is not supported:  # encoding is ours, per backend
                raise ValueError(
                    f'"{option}" is not supported (use json_default): {kwargs[option]!r}'
                )
        if kwargs.get("json_default") is None:
            kwargs["json_default"] = json_default
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(fmt, datefmt, style, validate, **kwargs)
        if use_orjson and not HAS_ORJSON:
            raise ValueError('"use_orjson" is True but orjson is not installed: True')
        self.use_orjson = HAS_ORJSON if use_orjson is None else use_orjson
        if self.json_indent is not None or self.json_ensure_ascii:
            self.use_orjson = False  # options only the stdlib encoder understands
        # The encoding, chosen once: orjson or the stdlib encoder, the same bytes.
        self._encode = json_encoder(
            self.json_default or json_default,
            use_orjson=self.use_orjson,
            indent=self.json_indent,
            ensure_ascii=self.json_ensure_ascii,
        )
        if self._serialize == self.jsonify_log_record and (
            type(self).jsonify_log_record is JsonFormatter.jsonify_log_record
        ):
            self._serialize = self._encode  # format() calls the encoder itself: one call less

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        """Encode ``log_data`` as one line of JSON; never raises for any value."""
        return self._encode(log_data)
