"""Turning any Python value into JSON-safe data, and RFC 3339 timestamps.

The JSON formatter first tries the C encoder with :func:`json_default`; only when that
fails (a cycle, a non-string key, a non-finite float, nesting too deep, a value that raises)
does it fall back to :func:`to_jsonable`, which walks the value once and fixes each of
those. So an ordinary record pays for nothing but the C encoder. Neither function raises:
a value that cannot be converted is written as its :func:`safe_repr`, alone.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import math
import pathlib
import time
import traceback
import uuid
from base64 import b64encode
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "CYCLE",
    "JSON_MAX_DEPTH",
    "MAX_DEPTH",
    "format_timestamp",
    "json_default",
    "safe_repr",
    "to_jsonable",
]

CYCLE = "<cycle>"
"""Written in place of a container that contains itself."""

MAX_DEPTH = 64
"""Containers nested deeper than this are written as their ``repr``, cut to 200 characters."""

JSON_MAX_DEPTH = 255
"""The JSON formatter's depth limit: above orjson's own (254 containers), so that whatever
orjson encodes, the stdlib path writes alike (the same bytes with or without orjson)."""

_SAFE_INT = 10**600  # below the lowest sys.set_int_max_str_digits() limit (640 digits)
_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def safe_repr(obj: object) -> str:
    """``repr(obj)``, or ``"<unrepresentable TYPE>"`` when ``__repr__`` itself raises."""
    try:
        text = repr(obj)
        return text if type(text) is str else str.__str__(text)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not break logging
        try:
            name = type(obj).__qualname__
        except Exception:  # noqa: BLE001 - a metaclass whose __qualname__ raises
            name = "object"
        return f"<unrepresentable {name}>"


def json_default(obj: Any) -> Any:
    """Map a value the JSON encoder does not know to one it does (the ``default=`` hook).

    Never raises: a value whose conversion raises (a datetime whose ``tzinfo`` raises, a
    Mapping whose iteration raises...) is written as :func:`safe_repr` of it. Subclasses of
    ``str``, ``int``, ``float``, ``list``, ``tuple`` and ``dict`` (which orjson hands here)
    are written as the stdlib encoder writes them, so both backends give the same bytes.
    """
    try:
        return _convert(obj)
    except Exception:  # noqa: BLE001 - only the bad value degrades, never the record
        return safe_repr(obj)


def _sorted(items: set[Any] | frozenset[Any]) -> list[Any]:
    try:
        return sorted(items)
    except Exception:  # noqa: BLE001 - unorderable elements, or an __lt__ that raises
        return list(items)


_Conversions = tuple[tuple[type | tuple[type, ...], Callable[[Any], Any]], ...]

_CONVERSIONS: _Conversions = (
    (enum.Enum, lambda obj: obj.value),
    # What the stdlib encoder does with subclasses of the types it knows (raw contents,
    # no overridden method called): orjson passes them here (OPT_PASSTHROUGH_SUBCLASS).
    (str, str.__str__),
    (int, int.__int__),
    (float, float.__float__),
    (list, list.copy),
    (tuple, lambda obj: list(tuple.__iter__(obj))),
    (dict, lambda obj: dict(obj.items())),
    ((datetime.datetime, datetime.date, datetime.time), lambda obj: obj.isoformat()),
    ((uuid.UUID, decimal.Decimal, pathlib.PurePath), str),
    ((set, frozenset), _sorted),
    ((bytes, bytearray, memoryview), lambda obj: b64encode(obj).decode("ascii")),
)
"""Each type (first match wins: an IntEnum is an Enum) and its JSON-able form."""

_LATE_CONVERSIONS: _Conversions = (
    (BaseException, lambda obj: f"{type(obj).__name__}: {obj}"),
    (Mapping, lambda obj: dict(obj.items())),
    (datetime.timedelta, lambda obj: obj.total_seconds()),
    (type, lambda obj: obj.__qualname__),
    (traceback.StackSummary, lambda obj: obj.format()),
)
"""Tried after dataclasses (a dataclass may also be an exception or a mapping)."""


def _convert(obj: Any) -> Any:
    for kinds, convert in _CONVERSIONS:
        if isinstance(obj, kinds):
            return convert(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        # Shallow on purpose: the encoder recurses into the fields, and cuts cycles there.
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    for kinds, convert in _LATE_CONVERSIONS:
        if isinstance(obj, kinds):
            return convert(obj)
    return safe_repr(obj)


def _int(value: int) -> int | str:
    """``value`` as an exact int, or as hex when it is too long for ``str()``.

    Python refuses ``str()`` of ints over ``sys.get_int_max_str_digits()`` digits
    (CVE-2020-10735): exactly those are written as ``"0x..."``, as the stdlib encoder fails.
    """
    value = int.__int__(value)
    if -_SAFE_INT < value < _SAFE_INT:
        return value
    try:
        int.__repr__(value)
    except ValueError:
        return f"{'-' if value < 0 else ''}0x{abs(value):x}"
    return value


def _float(value: float) -> Any:
    value = float.__float__(value)  # a subclass's own __eq__/__repr__ are never called
    if math.isfinite(value):
        return value
    return "NaN" if value != value else _NON_FINITE[value]


def _key(key: object) -> Any:
    """A dict key the stdlib encoder writes as the JSON text of ``key``.

    str, int, float, bool and None stay as they are (the encoder writes ``"1"``, ``"1.5"``,
    ``"true"``, ``"null"``), so the slow path writes what the fast path would have.
    """
    if isinstance(key, str) or key is None or isinstance(key, bool):
        return key
    if isinstance(key, int):
        return _int(key)
    if isinstance(key, float):
        return _float(key)
    converted = json_default(key)
    return converted if isinstance(converted, str) else safe_repr(key)


def _unique(key: Any, taken: dict[Any, Any]) -> Any:
    """``key``, numbered (``"key#2"``) when a converted key already holds that name."""
    if key not in taken:
        return key
    n = 2
    while f"{key}#{n}" in taken:
        n += 1
    return f"{key}#{n}"


def to_jsonable(
    obj: Any,
    _path: frozenset[int] = frozenset(),
    _depth: int = 0,
    *,
    max_depth: int = MAX_DEPTH,
    default: Callable[[Any], Any] = json_default,
) -> Any:
    """Return JSON-safe data for ``obj``: cycles cut, keys made strings, NaN/Inf as strings.

    A container already on the path from the root is written as ``"<cycle>"``; the same
    object met twice on different branches is written twice, as JSON would. Containers
    nested deeper than ``max_depth`` are written as their ``repr`` cut to 200 characters.
    Never raises: a value whose conversion or iteration raises is written as its
    :func:`safe_repr` (``"<unrepresentable TYPE>"`` when that raises too); only that value
    degrades. ``default`` converts the values JSON has no type for (a formatter's
    ``json_default``).
    """
    try:
        return _walk(obj, _path, _depth, max_depth, default)
    except Exception:  # noqa: BLE001 - RecursionError included: the value degrades
        return safe_repr(obj)


def _walk(
    obj: Any, path: frozenset[int], depth: int, max_depth: int, default: Callable[[Any], Any]
) -> Any:
    if obj is None or isinstance(obj, str | bool):
        return obj  # a str subclass is written by its raw contents, as the encoder does
    if isinstance(obj, int):
        return _int(obj)
    if isinstance(obj, float):
        return _float(obj)
    if isinstance(obj, dict | list | tuple):
        if id(obj) in path:
            return CYCLE
        if depth >= max_depth:
            return safe_repr(obj)[:200]
        if isinstance(obj, dict):
            return _walk_dict(obj, path | {id(obj)}, depth + 1, max_depth, default)
        # list and tuple subclasses by their raw items, as the stdlib encoder does
        raw = list.__iter__(obj) if isinstance(obj, list) else tuple.__iter__(obj)
        path, depth = path | {id(obj)}, depth + 1
        return [to_jsonable(v, path, depth, max_depth=max_depth, default=default) for v in raw]
    converted = default(obj)
    if isinstance(converted, str):
        return converted
    # A dataclass became a dict, a set a list...: walk it, still guarding against cycles.
    if id(obj) in path:
        return CYCLE
    return _walk(converted, path | {id(obj)}, depth, max_depth, default)


def _walk_dict(
    obj: dict[Any, Any],
    path: frozenset[int],
    depth: int,
    max_depth: int,
    default: Callable[[Any], Any],
) -> dict[Any, Any]:
    """A dict's items walked, keys made ones the encoder writes (a key that then collides
    with another is numbered)."""
    # As the stdlib encoder: a dict subclass through its items() method.
    items = obj.items() if type(obj) is dict else list(obj.items())
    out: dict[Any, Any] = {}
    for k, v in items:
        key = k if type(k) is str else _key(k)
        if key is not k:
            key = _unique(key, out)
        out[key] = to_jsonable(v, path, depth, max_depth=max_depth, default=default)
    return out


# The current second: (its start, its end, "YYYY-MM-DDTHH:MM:SS." text). One tuple, replaced
# (never changed), so threads never see half an update.
_second: tuple[float, float, str] = (0.0, 0.0, "")
# "000".."999": micros as two table lookups; int() and str() calls cost ~2,000 instructions
# per timestamp more (callgrind).
_DIGITS3 = [f"{i:03d}" for i in range(1000)]


def format_timestamp(created: float) -> str:
    """RFC 3339 UTC with microseconds and ``Z``: ``2026-11-26T16:30:00.123456Z``."""
    second = _second
    try:
        if second[0] <= created < second[1]:
            micros = round((created - second[0]) * 1_000_000)
            if micros < 1_000_000:
                return f"{second[2]}{_DIGITS3[micros // 1000]}{_DIGITS3[micros % 1000]}Z"
    except TypeError:  # no number: int() below says what it is
        pass
    return _format_timestamp_new_second(created)


def _format_timestamp_new_second(created: float) -> str:
    """``format_timestamp`` outside the current second: strftime once a second."""
    global _second
    whole = int(created)
    if whole > created:  # floor, not truncation: before 1970 too
        whole -= 1
    micros = round((created - whole) * 1_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(whole))
    if micros >= 1_000_000:  # rounding carried into the next second (not remembered)
        micros -= 1_000_000
        text = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(whole + 1))
    else:
        _second = (float(whole), float(whole + 1), text)
    return f"{text}{_DIGITS3[micros // 1000]}{_DIGITS3[micros % 1000]}Z"
