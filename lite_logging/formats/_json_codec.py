"""JSON text both ways, with orjson when installed: the one module that imports it.

:func:`json_encoder` builds, once per formatter, the function that turns a record's fields
into one line; orjson and the stdlib encoder give the same bytes (UTF-8, non-ASCII raw,
compact separators, ``"NaN"``/``"Infinity"`` as strings, U+0085/U+2028/U+2029 escaped), and
any record they would write differently (or fail on) takes one exact path:
:func:`~._encoding.to_jsonable`, then the stdlib encoder. :func:`loads` reads a line back
(the command line's readers).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ._encoding import JSON_MAX_DEPTH, to_jsonable

__all__ = ["HAS_ORJSON", "JsonEncoder", "escape_line_breaks", "json_encoder", "loads"]

_orjson: ModuleType | None
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

HAS_ORJSON = _orjson is not None
"""Whether orjson is installed: only speed depends on it, never a line's bytes."""

JsonEncoder = Callable[[dict[str, Any]], str]

_COMPACT = (",", ":")  # the separators orjson writes: both backends give the same bytes

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


# The line breaks of str.splitlines() (and of JavaScript, for U+2028/U+2029) that JSON
# leaves raw inside strings: NEL and the line/paragraph separators. The others (\n, \r,
# \v, \f, \x1c-\x1e) are control characters, which every JSON encoder escapes. Left raw,
# "ok\u2028{...}" in a message reads as two records to a reader splitting that way.
_LINE_BREAKS = (("\x85", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def escape_line_breaks(text: str) -> str:
    """``text`` (JSON) with NEL, U+2028 and U+2029 written as ``\\uXXXX`` escapes.

    The same string to any JSON reader, but one line to ``str.splitlines()``. Callers test
    ``text.isascii()`` first (constant time): an ASCII line holds none of them.
    """
    for char, escape in _LINE_BREAKS:
        if char in text:  # a string narrower than the character is skipped at once
            text = text.replace(char, escape)
    return text


def loads(text: str) -> Any:
    """One JSON text (already decoded from UTF-8); orjson when installed, else the stdlib.

    Raises:
        ValueError: not JSON.
    """
    if _orjson is not None:
        try:
            return _orjson.loads(text)
        except _orjson.JSONDecodeError:
            pass  # NaN literals, huge ints, lone surrogates: the stdlib reader accepts them
    return json.loads(text)


def json_encoder(
    default: Callable[[Any], Any],
    *,
    use_orjson: bool,
    indent: int | str | None = None,
    ensure_ascii: bool = False,
) -> JsonEncoder:
    """The function that writes a record's fields as one JSON text; it never raises.

    Args:
        default: converts the values JSON has no type for (a formatter's ``json_default``).
        use_orjson: encode with orjson (it must be installed); ignored with ``indent`` or
            ``ensure_ascii``, which only the stdlib encoder understands.
        indent, ensure_ascii: as for ``json.dumps``.
    """

    def exact(log_data: dict[str, Any]) -> str:
        return _exact(log_data, default, indent, ensure_ascii)

    if use_orjson and _orjson is not None and indent is None and not ensure_ascii:
        return _orjson_encoder(_orjson, default, exact)
    separators = _COMPACT if indent is None else None

    def encode(log_data: dict[str, Any]) -> str:
        try:
            text = json.dumps(
                log_data,
                default=default,
                ensure_ascii=ensure_ascii,
                indent=indent,
                separators=separators,
                allow_nan=False,
            )
        except Exception:  # noqa: BLE001 - cycles, NaN, odd keys, hostile values
            return exact(log_data)
        # Deeper than JSON_MAX_DEPTH needs as many brackets: the exact path cuts it, as it
        # would for orjson (which refuses 255 levels).
        if len(text) > _DEPTH_CHARS and text.count("[") + text.count("{") > JSON_MAX_DEPTH:
            return exact(log_data)
        return _as_orjson_writes(text)

    return encode


def _orjson_encoder(orjson: Any, default: Callable[[Any], Any], exact: JsonEncoder) -> JsonEncoder:
    dumps = orjson.dumps
    # Our json_default decides datetimes, dataclasses and subclasses of str/int/float/list/
    # dict for both backends (the stdlib encoder's way): the same bytes.
    option = (
        orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
        | orjson.OPT_PASSTHROUGH_SUBCLASS
    )

    def encode(log_data: dict[str, Any]) -> str:
        try:
            text: str = dumps(log_data, default=default, option=option).decode()
        except Exception:  # noqa: BLE001 - cycles, big ints, odd keys, hostile values
            return exact(log_data)
        # orjson writes NaN/Infinity as null; our contract is the strings "NaN"/"Infinity".
        # A null is usually a None (an extra=None, a record without funcName): a cheap
        # walk tells, instead of re-encoding every such record the slow way.
        if "null" in text and _may_hold_non_finite(log_data):
            return exact(log_data)
        if text.isascii() or ("\x85" not in text and "\u2028" not in text and "\u2029" not in text):
            return text  # isascii() takes constant time; each `in` one fast scan
        return escape_line_breaks(text)

    return encode


def _as_orjson_writes(text: str) -> str:
    """A stdlib line with small floats and lone surrogates written as orjson writes them,
    and its line breaks escaped as on orjson's path."""
    if "e-0" in text:
        text = _PY_SMALL_FLOAT.sub(_small_float, text)
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:  # a lone surrogate: written as \udXXX, as orjson's path
            text = _SURROGATE.sub(_escape_surrogate, text)
        if "\x85" in text or "\u2028" in text or "\u2029" in text:
            return escape_line_breaks(text)
    return text


def _exact(
    log_data: dict[str, Any],
    default: Callable[[Any], Any],
    indent: int | str | None,
    ensure_ascii: bool,
) -> str:
    """The line for a record the fast path refused: cleaned by one walk, then encoded.

    Both backends end here for the same records, so they write the same bytes.
    """
    data = to_jsonable(log_data, max_depth=JSON_MAX_DEPTH, default=default)
    try:
        text = json.dumps(
            data,
            ensure_ascii=ensure_ascii,
            indent=indent,
            separators=_COMPACT if indent is None else None,
            allow_nan=False,
        )
    except Exception:  # noqa: BLE001 - a stack too deep for the data left: field by field
        text = "{" + ",".join(_field(key, value) for key, value in data.items()) + "}"
    return _as_orjson_writes(text)


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
