"""Turning any Python value into JSON-safe data, and RFC 3339 timestamps.

The JSON formatter first tries the C encoder with :func:`json_default`; only when that
fails (a cycle, a non-string key, a non-finite float, nesting too deep) does it fall back to
:func:`to_jsonable`, which walks the value once and fixes each of those. So an ordinary
record pays for nothing but the C encoder.
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
from collections.abc import Mapping
from typing import Any

__all__ = ["CYCLE", "MAX_DEPTH", "format_timestamp", "json_default", "safe_repr", "to_jsonable"]

CYCLE = "<cycle>"
"""Written in place of a container that contains itself."""

MAX_DEPTH = 64
"""Containers nested deeper than this are written as their ``repr``, cut to 200 characters."""

_HUGE = 10**4000  # ints beyond this may exceed sys.get_int_max_str_digits() when encoded
_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def safe_repr(obj: object) -> str:
    """``repr(obj)``, or a placeholder naming the type when ``__repr__`` itself raises."""
    try:
        return repr(obj)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not break logging
        return f"<unrepresentable {type(obj).__qualname__}>"


def json_default(obj: Any) -> Any:
    """Map a value the JSON encoder does not know to one it does (the ``default=`` hook)."""
    if isinstance(obj, datetime.datetime | datetime.date | datetime.time):
        return obj.isoformat()
    if isinstance(obj, uuid.UUID | decimal.Decimal | pathlib.PurePath):
        return str(obj)
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, set | frozenset):
        try:
            return sorted(obj)
        except TypeError:
            return list(obj)
    if isinstance(obj, bytes | bytearray | memoryview):
        return b64encode(obj).decode("ascii")
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        # Shallow on purpose: the encoder recurses into the fields, and cuts cycles there.
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, BaseException):
        return f"{type(obj).__name__}: {obj}"
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, datetime.timedelta):
        return obj.total_seconds()
    if isinstance(obj, type):
        return obj.__qualname__
    if isinstance(obj, traceback.StackSummary):
        return obj.format()
    return safe_repr(obj)


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool):
        return "null" if key is None else ("true" if key else "false")
    if isinstance(key, int | float):
        return _float(key) if isinstance(key, float) else str(key)
    converted = json_default(key)
    return converted if isinstance(converted, str) else safe_repr(key)


def _float(value: float) -> Any:
    if math.isfinite(value):
        return value
    return "NaN" if value != value else _NON_FINITE[value]


def to_jsonable(obj: Any, _path: frozenset[int] = frozenset(), _depth: int = 0) -> Any:
    """Return JSON-safe data for ``obj``: cycles cut, keys made strings, NaN/Inf as strings.

    A container already on the path from the root is written as ``"<cycle>"``; the same
    object met twice on different branches is written twice, as JSON would.
    """
    if obj is None or isinstance(obj, str | bool):
        return obj
    if isinstance(obj, int):
        # Python refuses str() of ints over 4300 digits (CVE-2020-10735); write those as hex.
        return obj if -_HUGE < obj < _HUGE else f"{'-' if obj < 0 else ''}0x{abs(obj):x}"
    if isinstance(obj, float):
        return _float(obj)
    if isinstance(obj, dict | list | tuple):
        if id(obj) in _path:
            return CYCLE
        if _depth >= MAX_DEPTH:
            return safe_repr(obj)[:200]
        path = _path | {id(obj)}
        depth = _depth + 1
        if isinstance(obj, dict):
            return {_key(k): to_jsonable(v, path, depth) for k, v in obj.items()}
        return [to_jsonable(v, path, depth) for v in obj]
    converted = json_default(obj)
    if isinstance(converted, str):
        return converted
    # A dataclass became a dict, a set a list...: walk it, still guarding against cycles.
    if id(obj) in _path:
        return CYCLE
    return to_jsonable(converted, _path | {id(obj)}, _depth + 1)


_cached_second: tuple[int, str] = (-1, "")  # one tuple, so threads never see half an update


def format_timestamp(created: float) -> str:
    """RFC 3339 UTC with microseconds and ``Z``: ``2026-11-26T16:30:00.123456Z``."""
    global _cached_second
    second = int(created)
    # 1_000_000 + micros: str()[1:] pads to 6 digits (~40 ns less than a {:06d} spec)
    micros = round((created - second) * 1_000_000) + 1_000_000
    if micros >= 2_000_000:  # rounding carried into the next second
        second += 1
        micros -= 1_000_000
    cached = _cached_second
    if cached[0] != second:  # strftime once a second; the rest is string slicing
        cached = _cached_second = (
            second,
            time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second)),
        )
    return f"{cached[1]}{str(micros)[1:]}Z"
