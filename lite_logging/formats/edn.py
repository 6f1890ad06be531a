"""EDN lines: ``dumps`` (any Python value as EDN text) and ``EdnFormatter``.

EDN (https://github.com/edn-format/edn) is Clojure's data notation: maps with keyword keys,
vectors, sets, ``#inst`` instants and ``#uuid`` ids. ``EdnFormatter`` writes the same schema
as ``JsonFormatter`` (it only replaces python-json-logger's serialization step), one map per
line, so a Clojure or ``edn_format`` reader gets typed data back.

The encoder is hand-written: ``edn_format.dumps`` is about ten times slower on a log record
(``python benchmarks/formatters.py``), builds the text by recursion over ``str.format`` and
raises on types it does not know. This one walks the value once, appends to one list, and
never raises: unknown types go through the JSON formatter's ``json_default`` conversions,
cycles are cut and broken ``__repr__`` methods are survived.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._encoding import CYCLE, MAX_DEPTH, json_default, safe_repr, to_jsonable
from ._schema import SchemaFormatter

__all__ = ["EdnFormatter", "dumps"]

# Characters written as escapes inside strings: the quote and backslash (EDN syntax), C0/C1
# controls and DEL (terminal escapes, line breaks), line/paragraph separators, bidi
# overrides (text that displays differently from what it says) and lone surrogates (not
# encodable as UTF-8). Everything else, non-ASCII included, is written raw: EDN is UTF-8.
_UNSAFE = re.compile(r'["\\\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]')
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}

# A string key becomes a keyword when it is a plain EDN symbol: the conservative subset that
# every EDN reader accepts (no namespace slash, no leading digit, sign or dot, no ':' or '#').
_KEYWORD = re.compile(r"[A-Za-z_*!?$%&=<>][A-Za-z0-9_*!?$%&=<>.+\-]*")
_KEY_CACHE_MAX = 4096
_key_cache: dict[str, str] = {}

_INST = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_UTC = datetime.timezone.utc


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    escaped = _ESCAPES.get(char)
    return escaped if escaped is not None else f"\\u{ord(char):04x}"


_search = _UNSAFE.search


def _string(text: str) -> str:
    # One regex scan; almost every log string has nothing to escape.
    if _search(text) is None:
        return '"' + text + '"'
    return '"' + _UNSAFE.sub(_escape_char, text) + '"'


def _key(key: str) -> str:
    """``:key`` when ``key`` is a valid keyword name, else the key as an EDN string."""
    encoded = _key_cache.get(key)
    if encoded is None:
        encoded = ":" + key if _KEYWORD.fullmatch(key) else _string(key)
        if len(_key_cache) >= _KEY_CACHE_MAX:
            _key_cache.clear()
        _key_cache[key] = encoded
    return encoded


def _int(value: int) -> str:
    try:
        return int.__repr__(value)  # not str(): an IntEnum on 3.10 prints its name
    except ValueError:  # more digits than sys.get_int_max_str_digits() allows
        return _string(f"<int of {value.bit_length()} bits>")


def _float(value: float) -> str:
    if value - value == 0.0:  # finite (inf - inf and nan - nan are nan)
        return float.__repr__(value)
    if value != value:
        return "##NaN"
    return "##Inf" if value > 0 else "##-Inf"


def _decimal(value: decimal.Decimal) -> str:
    if value.is_finite():
        return str(value) + "M"
    if value.is_nan():
        return "##NaN"
    return "##Inf" if value > 0 else "##-Inf"


def _datetime(value: datetime.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive datetime names no instant: written as its ISO string, not as #inst.
        return _string(value.isoformat())
    try:
        utc = value.astimezone(_UTC).replace(tzinfo=None)
    except OverflowError:  # year 1 or 9999 pushed out of range by the offset
        return _string(value.isoformat())
    return '#inst "' + utc.isoformat(timespec="microseconds") + 'Z"'


def _date(value: datetime.date) -> str:
    return '#inst "' + value.isoformat() + '"'


def _uuid(value: uuid.UUID) -> str:
    return '#uuid "' + str(value) + '"'


_SCALARS: dict[type, Callable[[Any], str]] = {
    str: _string,
    int: _int,
    float: _float,
    bool: lambda value: "true" if value else "false",
    type(None): lambda _: "nil",
    datetime.datetime: _datetime,
    datetime.date: _date,
    uuid.UUID: _uuid,
    decimal.Decimal: _decimal,
}
"""Exact types written by one function; subclasses are found by ``_encode``'s isinstance chain."""


_SUBCLASSES: tuple[tuple[type, Callable[[Any], str]], ...] = (
    (str, _string),
    (int, _int),  # IntEnum, IntFlag: written as the integer (bool is an exact-type hit)
    (float, _float),
    (datetime.datetime, _datetime),  # before date: a datetime is a date
    (datetime.date, _date),
    (uuid.UUID, _uuid),
    (decimal.Decimal, _decimal),
)


def _scalar_for(value: object) -> Callable[[Any], str] | None:
    """The scalar writer for a subclass of a scalar type (a str-valued Enum...), or None."""
    for kind, write in _SUBCLASSES:
        if isinstance(value, kind):
            return write
    return None


def _encode(value: object, out: list[str], active: set[int], depth: int) -> None:
    """Append the EDN text of ``value`` to ``out``; ``active`` holds the containers on the path.

    No try/finally around ``active``: any exception abandons the whole encoding (``dumps``
    starts again on cleaned data), so the set never outlives a failure.
    """
    if type(value) is str:  # the most common value: inline _string's fast path
        out.append('"' + value + '"' if _search(value) is None else _string(value))
        return
    kind = type(value)
    write = _SCALARS.get(kind)
    if write is not None:
        out.append(write(value))
        return
    if kind is dict or kind is list or isinstance(value, dict | list | tuple | set | frozenset):
        ident = id(value)
        if ident in active:
            out.append('"' + CYCLE + '"')
            return
        if depth >= MAX_DEPTH:
            out.append(_string(safe_repr(value)[:200]))
            return
        active.add(ident)
        if isinstance(value, dict):
            _map(value, out, active, depth + 1)
        elif isinstance(value, set | frozenset):
            _set(value, out, active, depth + 1)
        else:
            _vector(value, out, active, depth + 1)  # type: ignore[arg-type]
        active.discard(ident)
        return
    write = _scalar_for(value)
    if write is not None:
        out.append(write(value))
        return
    # Everything else as the JSON formatter sees it: enums by value, dataclasses and mappings
    # as maps, bytes as base64, exceptions/paths/objects as strings.
    try:
        converted = json_default(value)
    except Exception:  # noqa: BLE001 - a property raising inside a dataclass, a bad Mapping
        converted = safe_repr(value)
    if isinstance(converted, str):
        out.append(_string(converted))
        return
    ident = id(value)
    if ident in active:
        out.append('"' + CYCLE + '"')
        return
    active.add(ident)
    _encode(converted, out, active, depth + 1)
    active.discard(ident)


def _vector(items: Sequence[object], out: list[str], active: set[int], depth: int) -> None:
    out.append("[")
    first = True
    for item in items:
        if not first:
            out.append(" ")
        first = False
        _encode(item, out, active, depth)
    out.append("]")


def _set(
    items: set[object] | frozenset[object], out: list[str], active: set[int], depth: int
) -> None:
    # Two elements may encode alike (objects with equal reprs): a reader rejects duplicates.
    seen: set[str] = set()
    parts: list[str] = []
    for item in items:
        sub: list[str] = []
        _encode(item, sub, active, depth)
        text = "".join(sub)
        if text not in seen:
            seen.add(text)
            parts.append(text)
    out.append("#{" + " ".join(parts) + "}")


def _map(mapping: Mapping[Any, object], out: list[str], active: set[int], depth: int) -> None:
    out.append("{")
    first = True
    seen: set[str] | None = None  # key texts so far, tracked once a non-string key shows up
    for key, item in mapping.items():
        if first:
            first = False
        else:
            out.append(", ")
        if seen is None and type(key) is str:
            text = _key_cache.get(key)  # inline _key's cache hit
            out.append(text if text is not None else _key(key))
        elif seen is None and isinstance(key, str):
            out.append(_key(key))
        else:
            if seen is None:
                seen = set()
                for earlier in mapping:
                    if earlier is key:
                        break
                    seen.add(_key(earlier))  # all earlier keys were strings
            out.append(_unique_key(key, seen, active, depth))
        out.append(" ")
        if type(item) is str:  # inline the common case
            out.append('"' + item + '"' if _search(item) is None else _string(item))
        else:
            _encode(item, out, active, depth)
    out.append("}")


def _unique_key(key: object, seen: set[str], active: set[int], depth: int) -> str:
    """The EDN text of ``key``, numbered when it collides with an earlier key's text.

    Keys that are not strings keep their EDN type (``1``, ``nil``, ``[1 2]``); but two
    objects converted to the same string would make a duplicate key, which readers reject.
    """
    if isinstance(key, str):
        text = _key(key)
    else:
        sub: list[str] = []
        _encode(key, sub, active, depth)
        text = "".join(sub)
    if text in seen:
        n = 2
        while _string(f"{text}#{n}") in seen:
            n += 1
        text = _string(f"{text}#{n}")
    seen.add(text)
    return text


def _dumps(value: object) -> str:
    out: list[str] = []
    _encode(value, out, set(), 0)
    return "".join(out)


def dumps(value: object) -> str:
    """Return ``value`` as one line of EDN text; never raises.

    Strings, ints, floats (``##NaN``, ``##Inf``), ``nil``/``true``/``false``, dicts as maps
    (string keys as ``:keywords`` where valid), lists and tuples as vectors, sets as ``#{}``,
    aware datetimes and dates as ``#inst``, UUIDs as ``#uuid``, Decimals as ``1.5M``; other
    types as the JSON formatter converts them (enums by value, dataclasses as maps, bytes
    as base64, exceptions, paths and other objects as strings). A container inside itself
    is written as ``"<cycle>"``.
    """
    try:
        return _dumps(value)
    except Exception:  # noqa: BLE001 - a dict resized by another thread, a hostile __eq__...
        try:
            return _dumps(to_jsonable(value))
        except Exception:  # noqa: BLE001 - last resort: still one readable value
            return _string(safe_repr(value))


class EdnFormatter(SchemaFormatter):
    """Formats a record as one EDN map per line, in lite_logging's schema (see docs/formats.md).

    The same fields and options as ``JsonFormatter`` (``fmt``, ``rename_fields``,
    ``static_fields``, ``defaults``, ``prefix``...); only the serialization differs. Keys are
    keywords (``:event_id``), the level is a keyword (``:info``), the timestamp an ``#inst``
    and the event id a ``#uuid``, so an EDN reader gets typed values back::

        {:timestamp #inst "2026-11-26T16:30:00.123456Z", :level :info, :logger "shop.api",
         :message "user 42 logged in", :event_id #uuid "019ac0c4-...", :user_id 42, ...}

    Args:
        fmt: as for ``logging.Formatter``; selects extra record attributes to add,
            python-json-logger's way.
        datefmt: as for ``logging.Formatter``.
        style: as for ``logging.Formatter``.
        validate: as for ``logging.Formatter``.
        **kwargs: python-json-logger options: ``rename_fields``, ``static_fields``,
            ``defaults``, ``prefix``, ``exc_info_as_array``...
    """

    def __init__(
        self,
        fmt: str | Sequence[str] | None = None,
        datefmt: str | None = None,
        style: str = "%",
        validate: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(fmt, datefmt, style, validate, **kwargs)
        rename = self.rename_fields
        # Top-level string fields written as typed EDN, by their (possibly renamed) key.
        self._tags: dict[str, Callable[[str], str]] = {
            rename.get("level", "level"): _level,
            rename.get("timestamp", "timestamp"): _inst,
            rename.get("event_id", "event_id"): _uuid_text,
        }

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        """Encode ``log_data`` as one EDN map on one line; never raises for any value."""
        try:
            return _typed_map(log_data, self._tags)
        except Exception:  # noqa: BLE001 - the formatter must not raise: plain dumps instead
            return dumps(log_data)


def _typed_map(
    log_data: Mapping[Any, Any], tags: Mapping[str, Callable[[str], str]], depth: int = 1
) -> str:
    """``log_data`` as one EDN map, a top-level string value written by ``tags[key]`` if any.

    ``EdnFormatter`` and the command line's JSON -> EDN conversion (``_reader.to_edn_line``,
    with ``_ROUND_TRIP_TAGS``) write records through here. ``depth`` is the nesting level
    the values start at: containers deeper than ``MAX_DEPTH`` are written as strings, so a
    caller that must keep deeper data starts below 1.
    """
    out: list[str] = ["{"]
    append = out.append
    active = {id(log_data)}
    first = True
    for key, value in log_data.items():
        if first:
            first = False
        else:
            append(", ")
        if type(key) is str:
            text = _key_cache.get(key)
            append(text if text is not None else _key(key))
        else:
            append(_dumps(key))
        append(" ")
        if type(value) is str:
            tag = tags.get(key)
            if tag is not None:
                append(tag(value))
            else:
                append('"' + value + '"' if _search(value) is None else _string(value))
        else:
            mark = len(out)
            try:
                _encode(value, out, active, depth)
            except Exception:  # noqa: BLE001 - one bad value must not cost the record
                del out[mark:]
                active = {id(log_data)}
                append(dumps(value))
    append("}")
    return "".join(out)


_LEVELS: dict[str, str] = {}


def _level(name: str) -> str:
    """``:info`` for ``"INFO"``; a level name that is no keyword (``"Level 5"``) as a string."""
    text = _LEVELS.get(name)
    if text is None:
        lower = name.lower()
        text = ":" + lower if _KEYWORD.fullmatch(lower) else _string(name)
        if len(_LEVELS) < 256:  # level names are few; a flood of odd ones is not cached
            _LEVELS[name] = text
    return text


_inst_second = "\x00"  # the last validated "YYYY-MM-DDTHH:MM:SS." prefix


def _inst(value: str) -> str:
    """``#inst "..."`` for an RFC 3339 string; any other string stays a string."""
    global _inst_second
    # format_timestamp's shape within an already validated second skips the validation.
    if len(value) == 27 and value[26] == "Z" and value[20:26].isdigit():
        if value.startswith(_inst_second):
            return '#inst "' + value + '"'
        if _valid_instant(value):
            _inst_second = value[:20]
            return '#inst "' + value + '"'
    if _valid_instant(value):
        return '#inst "' + value + '"'
    return _string(value)


def _valid_instant(value: str) -> bool:
    """RFC 3339 in shape and a real date and time (a reader rejects month 13 or Feb 30)."""
    if not _INST.fullmatch(value):
        return False
    try:
        datetime.datetime(
            int(value[:4]), int(value[5:7]), int(value[8:10]),
            int(value[11:13]), int(value[14:16]), int(value[17:19]),
        )  # fmt: skip
    except ValueError:
        return False
    return True


def _uuid_text(value: str) -> str:
    if _UUID.fullmatch(value):
        return '#uuid "' + value.lower() + '"'
    return _string(value)


# Tags that read back as the very same string (JSON -> EDN -> JSON keeps equal data): the
# level only in capitals (``:info`` reads back as "INFO"), the timestamp only in the schema's
# exact form (an #inst reads back in that form, UTC), the event id only as lowercase UUID.
_EXACT_INST = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_LOWER_UUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}")


def _exact_level(name: str) -> str:
    # isascii: "\u212a".lower() is "k", which would read back as "K"
    return _level(name) if name.isupper() and name.isascii() else _string(name)


def _exact_inst(value: str) -> str:
    return _inst(value) if _EXACT_INST.fullmatch(value) else _string(value)


def _exact_uuid(value: str) -> str:
    return _uuid_text(value) if _LOWER_UUID.fullmatch(value) else _string(value)


_ROUND_TRIP_TAGS: dict[str, Callable[[str], str]] = {
    "level": _exact_level,
    "timestamp": _exact_inst,
    "event_id": _exact_uuid,
}
"""Top-level tags for records read back from a file: typed only where reading gives them back."""
