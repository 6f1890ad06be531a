"""The fast EDN reader: the subset of EDN that ``EdnFormatter`` writes, one regex per token.

edn_format (a PLY lexer/parser) reads about 2,500 record lines a second. EdnFormatter writes
a small, regular subset of EDN: maps, vectors, strings with a few escapes, keywords, ints,
floats, nil/true/false, ##NaN/##Inf, #inst and #uuid. That subset is read here about 20x
faster (measured: 18 us against 420 us for the schema's example line, docs/cli.md), and
needs no extra package. It also reads the rest of what EdnFormatter writes for common
values: sets of strings or of numbers, decimals (``1.5M``), dates (``#inst "2026-11-26"``).
Anything outside it (other sets, chars, symbols, comments, other tags, odd numbers or
escapes, non-string map keys) raises :class:`UnsupportedError`, and the line goes
to edn_format (:mod:`._edn`), which stays the reference: property tests check that both agree.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Callable
from typing import Any

__all__ = ["UnsupportedError", "parse_fast_edn"]


class UnsupportedError(Exception):
    """The line uses EDN beyond the fast subset: edn_format reads it."""


_END = r"(?=[ \t\n,\]})]|\Z)"  # a token ends at whitespace, a comma, a closer or the end
_TOKEN = re.compile(
    r"""[ \t\n,]*(?:
      (?P<str>"[^"\\]*(?:\\.[^"\\]*)*")
    | :(?P<kw>[A-Za-z_*!?$%&=<>][A-Za-z0-9_*!?$%&=<>.+\-]*)"""
    + _END
    + r"""
    | (?P<open>[\[{(]|\#\{)
    | (?P<close>[\]})])
    | (?P<num>-?(?:0|[1-9][0-9]*)(?P<frac>(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?))"""
    + _END
    + r"""
    | (?P<dec>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE](?P<exp>[-+]?[0-9]+))?)M"""
    + _END
    + r"""
    | \#inst[ \t\n,]*"(?P<inst>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}
                           (?:\.[0-9]{1,6})?)Z"
    | \#inst[ \t\n,]*"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    | \#uuid[ \t\n,]*"(?P<uuid>[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})"
    | \#\#(?P<special>NaN|-Inf|Inf)"""
    + _END
    + r"""
    | (?P<word>nil|true|false)"""
    + _END
    + r"""
    )""",
    re.VERBOSE,
)
_TRAILER = re.compile(r"[ \t\n,]*\Z")
_STRING_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_SPECIALS = {"NaN": "NaN", "Inf": "Infinity", "-Inf": "-Infinity"}
_WORDS = {"nil": None, "true": True, "false": False}


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) == 5:
        return chr(int(code[1:], 16))
    simple = _SIMPLE_ESCAPES.get(code)
    if simple is None:
        raise UnsupportedError(code)
    return simple


def _string(match: re.Match[str]) -> str:
    body = match.group("str")[1:-1]
    return _STRING_ESCAPE.sub(_unescape, body) if "\\" in body else body


def _number(match: re.Match[str]) -> int | float | str:
    number = match.group("num")
    if not match.group("frac"):
        return int(number)
    value = float(number)
    if value - value == 0.0:  # finite
        return value
    return "Infinity" if value > 0 else "-Infinity"  # 1e400 overflows


def _inst(match: re.Match[str]) -> str:
    stamp = match.group("inst")
    stamp = stamp.ljust(26, "0") if "." in stamp else stamp + ".000000"  # .5 -> .500000
    try:  # the fields must name a real instant, as edn_format's parse demands
        datetime.datetime(
            int(stamp[:4]), int(stamp[5:7]), int(stamp[8:10]),
            int(stamp[11:13]), int(stamp[14:16]), int(stamp[17:19]),
        )  # fmt: skip
    except ValueError:
        raise UnsupportedError(stamp) from None
    return stamp + "Z"


def _date(match: re.Match[str]) -> str:
    day = match.group("date")
    try:  # a real date, as edn_format's strptime demands
        datetime.date(int(day[:4]), int(day[5:7]), int(day[8:10]))
    except ValueError:
        raise UnsupportedError(day) from None
    return day


def _decimal(match: re.Match[str]) -> str:
    """``1.5M`` as edn_format reads it (times 1 in the current context), then as a string."""
    context = decimal.getcontext()
    exponent = int(match.group("exp") or 0)
    return str(decimal.Decimal(match.group("dec")) * context.power(1, exponent))


_SCALARS: dict[str, Callable[[re.Match[str]], Any]] = {
    "str": _string,
    "num": _number,
    "dec": _decimal,
    "inst": _inst,
    "date": _date,
    "uuid": lambda match: match.group("uuid").lower(),
    "special": lambda match: _SPECIALS[match.group("special")],
    "word": lambda match: _WORDS[match.group("word")],
}


def _value(text: str, pos: int, level_key: bool = False) -> tuple[Any, int]:
    match = _TOKEN.match(text, pos)
    if match is None:
        raise UnsupportedError(pos)
    kind = match.lastgroup
    if kind == "kw":
        name = match.group("kw")
        return (name.upper() if level_key else name), match.end()
    if kind == "open":
        opener = match.group("open")
        if opener == "{":
            return _map(text, match.end())
        if opener == "#{":
            return _set(text, match.end())
        return _vector(text, match.end(), opener)
    scalar = _SCALARS.get(kind or "")
    if scalar is None:
        raise UnsupportedError(kind)  # a closer where a value belongs
    return scalar(match), match.end()


def _closes(text: str, pos: int, closer: str) -> int | None:
    """The position after ``closer`` when it comes next; None when a value comes next."""
    match = _TOKEN.match(text, pos)
    if match is None or match.lastgroup != "close":
        return None
    if match.group("close") != closer:
        raise UnsupportedError(pos)
    return match.end()


def _vector(text: str, pos: int, opener: str) -> tuple[list[Any], int]:
    closer = "]" if opener == "[" else ")"
    items: list[Any] = []
    while (end := _closes(text, pos, closer)) is None:
        item, pos = _value(text, pos)
        items.append(item)
    return items, end


def _set(text: str, pos: int) -> tuple[list[Any], int]:
    """A set of strings only, or of finite numbers only: as edn_format's frozenset reads
    back (equal items once, the first kept), sorted. Other sets are edn_format's to read."""
    items: list[Any] = []
    kinds: set[str | None] = set()
    while (end := _closes(text, pos, "}")) is None:
        match = _TOKEN.match(text, pos)
        kind = match.lastgroup if match else None
        if match is None or kind not in ("str", "num"):
            raise UnsupportedError(pos)  # keywords, #inst... read back as strings: not equal
        kinds.add(kind)
        items.append(_SCALARS[str(kind)](match))
        pos = match.end()
    if len(kinds) > 1 or (kinds == {"num"} and any(isinstance(i, str) for i in items)):
        raise UnsupportedError(pos)  # mixed kinds, or an overflowing float
    return sorted(dict.fromkeys(items)), end


def _map(text: str, pos: int, top: bool = False) -> tuple[dict[str, Any], int]:
    data: dict[str, Any] = {}
    while (end := _closes(text, pos, "}")) is None:
        token = _TOKEN.match(text, pos)
        if token is None or token.lastgroup not in ("kw", "str"):
            # other keys (numbers, nil, vectors...) are rare, and edn_format merges equal
            # ones (true and 1): let it decide
            raise UnsupportedError(pos)
        key, pos = _value(text, pos)
        value, pos = _value(text, pos, top and key == "level")
        data[key] = value
    return data, end


def parse_fast_edn(text: str) -> dict[str, Any]:
    """The record of one EDN line in the fast subset, in the JSON data model.

    Raises:
        UnsupportedError: the line is not a map in the subset (edn_format decides).
    """
    start = _TOKEN.match(text, 0)
    if start is None or start.group("open") != "{":
        raise UnsupportedError(0)
    record, pos = _map(text, start.end(), top=True)
    if _TRAILER.match(text, pos) is None:
        raise UnsupportedError(pos)
    return record
