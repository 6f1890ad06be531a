"""EDN lines: read by the fast in-house reader, or by edn_format beyond its subset.

The lines ``EdnFormatter`` and ``convert --to edn`` write are in the fast reader's subset
(:mod:`._fast_edn`), so reading our own files needs no extra package. Other EDN (sets,
symbols, chars, other tags...) is read by the ``edn_format`` package, the ``edn`` extra;
without it such a line raises :class:`EdnUnavailableError` naming the extra.
"""

from __future__ import annotations

import datetime
import json
import math
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from ...formats.edn import _ROUND_TRIP_TAGS, _typed_map
from .._times import format_utc
from ._fast_edn import UnsupportedError, parse_fast_edn

__all__ = ["EDN_MISSING", "EdnUnavailableError", "parse_edn", "to_edn_line"]

EDN_MISSING = (
    "EDN beyond what lite_logging writes needs the edn_format package: "
    "pip install lite-logging[edn] (or pip install edn_format)"
)
"""The reason given for an EDN line that needs ``edn_format`` when it is not installed."""


class EdnUnavailableError(RuntimeError):
    """An EDN line outside the fast reader's subset was met and ``edn_format`` is missing."""


def _edn_module() -> ModuleType:
    """edn_format, imported on first need (None in ``sys.modules`` counts as missing)."""
    try:
        import edn_format
    except ImportError:
        raise EdnUnavailableError(EDN_MISSING) from None
    module: ModuleType = edn_format
    return module


def parse_edn(text: str) -> Any:
    """One EDN line in the JSON data model ``JsonFormatter`` writes.

    Raises:
        EdnUnavailableError: the line needs edn_format, which is not installed.
        Exception: whatever edn_format raises for a line that is not EDN.
    """
    try:
        return parse_fast_edn(text)
    except (UnsupportedError, RecursionError):
        return _slow_edn(text, _edn_module())


def _slow_edn(text: str, edn: ModuleType) -> Any:
    """One EDN line read by edn_format, turned into the JSON data model."""
    data = edn.loads(text)
    if not isinstance(data, Mapping):
        return data
    record = _from_edn(data, edn)
    level = data.get(edn.Keyword("level"))
    if isinstance(level, edn.Keyword):
        record["level"] = level.name.upper()
    return record


def _from_edn(value: Any, edn: ModuleType) -> Any:
    """EDN data (as edn_format reads it) to the JSON data model ``JsonFormatter`` writes."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return _json_float(value)
    if isinstance(value, Mapping):
        return {_edn_key(k, edn): _from_edn(v, edn) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return _sorted_if_possible([_from_edn(v, edn) for v in value])
    if isinstance(value, list | tuple | edn.ImmutableList):
        return [_from_edn(v, edn) for v in value]
    if isinstance(value, edn.Keyword):
        return value.name
    if isinstance(value, datetime.datetime):
        return format_utc(value)
    return str(value)  # UUIDs, decimals, dates, symbols, chars


def _json_float(value: float) -> float | str:
    """A finite float as it is; NaN and the infinities as ``JsonFormatter`` writes them."""
    if math.isfinite(value):
        return value
    return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")


def _sorted_if_possible(items: list[Any]) -> list[Any]:
    """A set's items in a stable order when they compare, else as they came."""
    try:
        return sorted(items)
    except TypeError:
        return items


def _edn_key(key: Any, edn: ModuleType) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, edn.Keyword):
        return str(key.name)
    converted = _from_edn(key, edn)
    return converted if isinstance(converted, str) else json.dumps(converted)


# A record read back is plain data however deep, not an object graph: no MAX_DEPTH cut
# (a value too deep for the recursion limit falls back to edn.dumps, which cuts it).
_UNCAPPED = -sys.getrecursionlimit()


def to_edn_line(record: Mapping[str, Any]) -> str:
    """One line of EDN for a record read back (no line ending), in ``EdnFormatter``'s shape.

    Keys become keywords when they are valid EDN keywords; a top-level ``level`` in capitals
    becomes a keyword (``:info``), a canonical ``timestamp`` an ``#inst``, a canonical
    ``event_id`` a ``#uuid``. Anything else is written as the JSON data it is, so reading
    the line back gives the same dict. Written by ``EdnFormatter``'s encoder (``edn.py``).
    """
    return _typed_map(record, _ROUND_TRIP_TAGS, _UNCAPPED)
