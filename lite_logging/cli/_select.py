"""Record selection for ``view`` and ``stats``: the filter options and the test they build.

:class:`Select` is specialised once, from the options given: it holds one small check per
option and a record is selected when every check holds.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ._args import level_arg, logger_arg, time_arg, where_arg
from ._levels import levelno
from ._times import canonical_time, format_utc
from .readers import to_json_line

__all__ = ["Select", "add_filter_options", "json_text", "lookup"]

_Check = Callable[[dict[str, Any]], bool]


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """The options :class:`Select` reads: ``--level --logger --where --since --until``."""
    parser.add_argument("--level", type=level_arg, help="only records at or above this level")
    parser.add_argument(
        "--logger",
        type=logger_arg,
        metavar="PATTERN",
        help="only loggers matching this wildcard (shop.*, *.sql, shop.*.db)",
    )
    parser.add_argument(
        "--where",
        type=where_arg,
        action="append",
        metavar="KEY=VALUE",
        help="only records whose field equals VALUE; dotted paths reach into maps "
        "(context.request_id=r-1); repeat to require several",
    )
    parser.add_argument(
        "--since",
        type=time_arg,
        metavar="TIME",
        help="from this time: ISO 8601 (naive = local) or a span ago: 15m, 2h, 1d",
    )
    parser.add_argument(
        "--until", type=time_arg, metavar="TIME", help="up to this time (same forms)"
    )


def lookup(data: Any, path: str) -> tuple[bool, Any]:
    """``(found, value)`` for a dotted path; a key that itself holds dots is tried first."""
    if not isinstance(data, dict):
        return False, None
    if path in data:
        return True, data[path]
    start = 0
    while (dot := path.find(".", start)) >= 0:
        head = path[:dot]
        if head in data:
            found, value = lookup(data[head], path[dot + 1 :])
            if found:
                return True, value
        start = dot + 1
    return False, None


def json_text(value: Any) -> str:
    """``value`` as ``to_json_line`` writes it inside a record (NaN as "NaN", odd types...)."""
    return to_json_line({"v": value})[5:-1]


def _as_text(value: Any) -> str:
    """How ``--where`` compares a value: strings as they are, the rest as JSON writes them."""
    return value if isinstance(value, str) else json_text(value)


def _level_check(minimum: int) -> _Check:
    return lambda record: levelno(record.get("level")) >= minimum


def _logger_check(matches: Callable[[str], bool]) -> _Check:
    def check(record: dict[str, Any]) -> bool:
        name = record.get("logger")
        return isinstance(name, str) and matches(name)

    return check


def _trace_check(prefix: str) -> _Check:
    def check(record: dict[str, Any]) -> bool:
        trace_id = record.get("trace_id")
        return isinstance(trace_id, str) and trace_id.startswith(prefix)

    return check


def _time_check(since: str | None, until: str | None) -> _Check:
    def check(record: dict[str, Any]) -> bool:
        stamp = canonical_time(record)
        if stamp is None:
            return False
        return (since is None or stamp >= since) and (until is None or stamp <= until)

    return check


def _where_check(path: str, expected: str) -> _Check:
    def check(record: dict[str, Any]) -> bool:
        found, value = lookup(record, path)
        return found and _as_text(value) == expected

    return check


class Select:
    """The record test of the filter options (and ``--trace``); all given ones must hold."""

    def __init__(self, args: argparse.Namespace) -> None:
        checks: list[_Check] = []
        if args.level is not None:
            checks.append(_level_check(args.level))
        if args.logger is not None:
            checks.append(_logger_check(args.logger))
        trace = getattr(args, "trace", None)
        if trace is not None:
            checks.append(_trace_check(trace))
        if args.since or args.until:
            since = format_utc(args.since) if args.since else None
            until = format_utc(args.until) if args.until else None
            checks.append(_time_check(since, until))
        checks += [_where_check(path, value) for path, value in args.where or []]
        self.checks = checks

    @property
    def selects_all(self) -> bool:
        """True when no option was given: every record is selected."""
        return not self.checks

    def __call__(self, record: dict[str, Any]) -> bool:
        return all(check(record) for check in self.checks)
