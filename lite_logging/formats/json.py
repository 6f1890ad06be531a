"""JSON lines: ``JsonFormatter``, python-json-logger's formatter writing the SPEC's schema.

One JSON object per record, on one line. Every value serializes: the C encoder runs first
with a ``default`` hook for common types; a value it still rejects (cycles, odd keys, NaN,
a value that raises) is cleaned by one walk and encoded again, so a record never makes the
formatter raise. With ``orjson`` installed it is used for speed; a line's bytes are the same
either way (UTF-8, non-ASCII written raw).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from pythonjsonlogger import json as pjl_json

from ._encoding import JSON_MAX_DEPTH, json_default, to_jsonable
from ._schema import SchemaFormatter

__all__ = ["JsonFormatter"]

_orjson: ModuleType | None
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

_COMPACT = (",", ":")  # the separators orjson writes: both backends give the same bytes
_ORJSON_OPTIONS = 0
_orjson_dumps: Any = None
if _orjson is not None:
    _orjson_dumps = _orjson.dumps
    # Our json_default decides datetimes, dataclasses and subclasses of str/int/float/list/
    # dict for both backends (the stdlib encoder's way): the same bytes.
    _ORJSON_OPTIONS = (
        _orjson.OPT_PASSTHROUGH_DATETIME
        | _orjson.OPT_PASSTHROUGH_DATACLASS
        | _orjson.OPT_PASSTHROUGH_SUBCLASS
    )

# orjson and Python write floats of magnitude 1e-10..1e-4 differently: orjson "0.00001" and
# "2.5e-7" where Python's repr gives "1e-05" and "2.5e-07". Lines are written orjson's way
# (that is the common, fast backend): a stdlib line holding "e-0" has its numbers (never
# the insides of strings) rewritten, which only costs on records with such a number.
_PY_SMALL_FLOAT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?)([0-9])(?:\.([0-9]+))?e-0([5-9])')


def _small_float(match: re.Match[str]) -> str:
    sign, first, rest, exponent = match.groups()
    if first is None:  # a string: left as it is
        return match.group()
    if exponent == "5":
        return f"{sign}0.0000{first}{rest or ''}"
    return f"{sign}{first}{'.' + rest if rest else ''}e-{exponent}"


_DEPTH_CHARS = 2 * JSON_MAX_DEPTH  # a line nested that deep is at least this long
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


class JsonFormatter(SchemaFormatter, pjl_json.JsonFormatter):
    """Formats a record as one JSON object in lite_logging's schema (see docs/schema.md).

    The bytes of a line do not depend on the encoder: orjson and the stdlib encoder write
    the same text (UTF-8, non-ASCII unescaped, compact separators), and any record they
    would write differently (or fail on) takes one exact path through
    :func:`~lite_logging.formats._encoding.to_jsonable` and the stdlib encoder.

    Args:
        fmt, datefmt, style, validate: as for ``logging.Formatter``; ``fmt`` selects extra
            record attributes to add (``"%(process)d %(threadName)s"``), python-json-logger's way.
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
        if use_orjson and _orjson is None:
            raise ValueError('"use_orjson" is True but orjson is not installed: True')
        self.use_orjson = (_orjson is not None) if use_orjson is None else use_orjson
        if self.json_indent is not None or self.json_ensure_ascii or self.json_encoder:
            self.use_orjson = False  # options only the stdlib encoder understands

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        """Encode ``log_data`` as one line of JSON; never raises for any value."""
        if self.use_orjson:
            # the orjson path inlined (it is the common one): one call less per record
            try:
                out: bytes = _orjson_dumps(
                    log_data, default=self.json_default, option=_ORJSON_OPTIONS
                )
            except Exception:  # noqa: BLE001 - cycles, big ints, odd keys, hostile values
                return self._exact(log_data)
            # orjson writes NaN/Infinity as null; our contract is the strings "NaN"/"Infinity".
            # A null is usually a None (an extra=None, a record without funcName): a cheap
            # walk tells, instead of re-encoding every such record the slow way.
            text = out.decode()
            # str search: ~150 ns against ~250 ns for the same search in bytes (timeit)
            if "null" in text and _may_hold_non_finite(log_data):
                return self._exact(log_data)
            return text
        try:
            text = json.dumps(
                log_data,
                default=self.json_default,
                ensure_ascii=self.json_ensure_ascii,
                indent=self.json_indent,
                separators=_COMPACT if self.json_indent is None else None,
                allow_nan=False,
            )
        except Exception:  # noqa: BLE001 - cycles, NaN, odd keys, hostile values
            return self._exact(log_data)
        # Deeper than JSON_MAX_DEPTH needs as many brackets: the exact path cuts it, as it
        # would for orjson (which refuses 255 levels).
        if len(text) > _DEPTH_CHARS and text.count("[") + text.count("{") > JSON_MAX_DEPTH:
            return self._exact(log_data)
        if "e-0" in text:
            text = _PY_SMALL_FLOAT.sub(_small_float, text)
        if not text.isascii():
            try:
                text.encode()
            except UnicodeEncodeError:  # a lone surrogate: written as \udXXX, as orjson's path
                return _SURROGATE.sub(_escape_surrogate, text)
        return text

    def _exact(self, log_data: dict[str, Any]) -> str:
        """The line for a record the fast path refused: cleaned by one walk, then encoded.

        Both backends end here for the same records, so they write the same bytes.
        """
        default = self.json_default or json_default
        data = to_jsonable(log_data, max_depth=JSON_MAX_DEPTH, default=default)
        separators = _COMPACT if self.json_indent is None else None
        try:
            text = json.dumps(
                data,
                ensure_ascii=self.json_ensure_ascii,
                indent=self.json_indent,
                separators=separators,
                allow_nan=False,
            )
        except Exception:  # noqa: BLE001 - a stack too deep for the data left: field by field
            text = "{" + ",".join(_field(key, value) for key, value in data.items()) + "}"
        if "e-0" in text:
            text = _PY_SMALL_FLOAT.sub(_small_float, text)
        if not text.isascii():
            text = _SURROGATE.sub(_escape_surrogate, text)
        return text


def _field(key: Any, value: Any) -> str:
    """``"key":value`` of one top-level field, the value as a placeholder if it fails."""
    try:
        return json.dumps({key: value}, separators=_COMPACT, allow_nan=False)[1:-1]
    except Exception:  # noqa: BLE001 - the last resort keeps the record's other fields
        placeholder = f"<unrepresentable {type(value).__qualname__}>"
        return json.dumps({key: placeholder}, separators=_COMPACT)[1:-1]


def _may_hold_non_finite(obj: Any) -> bool:
    """True when ``obj`` holds a non-finite float, or a value orjson handed to ``default``
    (whose result this walk cannot see): then orjson may have written NaN/Infinity as null."""
    kind = type(obj)
    if kind is float:
        return not math.isfinite(obj)
    if kind is str or kind is int or kind is bool or obj is None:
        return False
    if kind is dict:
        return any(_may_hold_non_finite(value) for value in obj.values())
    if kind is list or kind is tuple:
        return any(_may_hold_non_finite(value) for value in obj)
    return True  # datetimes, dataclasses, subclasses...: let the exact path decide
