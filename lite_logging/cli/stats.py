"""``lite-logging stats``: counts by level, logger and message template; error rate; time span."""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import re
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

from ..formats._json_codec import escape_line_breaks
from ._inputs import Inputs
from ._levels import levelno
from ._render import console, escape
from ._report import Reporter
from ._select import Select, add_filter_options
from ._times import canonical_time

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["add_parser", "run", "template"]

# Applied in order, each on what the previous ones left. A number is masked as a whole with
# its neighbours when they form one value: a dotted quad (with its port apart) is one <ip>,
# a run of three or more dotted numbers (1.2.3, v3.11.4) one <version>; only then do the
# remaining numbers, signed or decimal, become <n> (also before a unit: 200ms -> <n>ms). A
# number after a letter or a dot (user42, sha256, python3.11) is part of that word and stays.
_MASKS = [
    (
        re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
        "<uuid>",
    ),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{16,}\b"), "<hex>"),
    (re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)"), "<ip>"),
    (re.compile(r"(?<![\w.])v?\d+(?:\.\d+){2,}(?![\w]|\.\d)"), "<version>"),
    (re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?"), "<n>"),
]
_MAX_KEYS = 10_000  # distinct messages / loggers kept while counting: memory stays bounded
_CANONICAL_TS = "%Y-%m-%dT%H:%M:%S.%fZ"


def template(message: str) -> str:
    """The message with ids and numbers masked, so ``user 42`` and ``user 43`` count as one.

    ``127.0.0.1:8080`` -> ``<ip>:<n>``, ``v3.11.4`` -> ``<version>``, ``-1.5`` -> ``<n>``,
    UUIDs -> ``<uuid>``, hex ids of 16 digits or more -> ``<hex>``.
    """
    for pattern, mask in _MASKS:
        message = pattern.sub(mask, message)
    return message


def add_parser(commands: Any) -> None:
    """Add ``stats`` and its options to the subcommands (argparse's subparsers action)."""
    stats = commands.add_parser("stats", help="count records by level, logger and message")
    stats.add_argument("files", nargs="*", metavar="FILE", help="files to read; - or none: stdin")
    add_filter_options(stats)
    stats.add_argument("--top", type=int, default=10, metavar="N", help="rows per table")
    stats.add_argument(
        "--exact-messages", action="store_true", help="count messages as written, not templated"
    )
    stats.add_argument("--json", action="store_true", help="print the counts as JSON")
    stats.set_defaults(run=run, parser=stats)


class _BoundedCounter(Counter[str]):
    """A Counter that keeps its most common half when it grows past ``_MAX_KEYS`` keys."""

    pruned = False

    def bump(self, key: str) -> None:
        self[key] += 1
        if len(self) > _MAX_KEYS:
            kept = self.most_common(_MAX_KEYS // 2)
            self.clear()
            self.update(dict(kept))
            self.pruned = True


class _Tally:
    """Counts of the records read: levels, loggers, messages, errors, first/last time."""

    def __init__(self, exact_messages: bool) -> None:
        self.records = 0
        self.malformed = 0
        self.errors = 0
        self.levels: Counter[str] = Counter()
        self.loggers = _BoundedCounter()
        self.messages = _BoundedCounter()
        self.first: str | None = None
        self.last: str | None = None
        self._key = str if exact_messages else template

    def add(self, record: dict[str, Any]) -> None:
        self.records += 1
        level = record.get("level")
        self.levels[str(level)] += 1
        if levelno(level) >= logging.ERROR:
            self.errors += 1
        self.loggers.bump(str(record.get("logger")))
        self.messages.bump(self._key(str(record.get("message", ""))))
        stamp = canonical_time(record)
        if stamp is not None:
            self.first = stamp if self.first is None else min(self.first, stamp)
            self.last = stamp if self.last is None else max(self.last, stamp)

    def _span_seconds(self) -> float | None:
        if self.first is None or self.last is None:
            return None
        first = datetime.datetime.strptime(self.first, _CANONICAL_TS)
        last = datetime.datetime.strptime(self.last, _CANONICAL_TS)
        return (last - first).total_seconds()

    def as_dict(self, top: int) -> dict[str, Any]:
        levels = sorted(self.levels.items(), key=lambda kv: (-levelno(kv[0]), kv[0]))
        return {
            "records": self.records,
            "malformed": self.malformed,
            "errors": self.errors,
            "error_rate": self.errors / self.records if self.records else 0.0,
            "levels": dict(levels),
            "loggers": dict(self.loggers.most_common(top)),
            "messages": dict(self.messages.most_common(top)),
            "approximate": self.loggers.pruned or self.messages.pruned,
            "first": self.first,
            "last": self.last,
            "span_seconds": self._span_seconds(),
        }


def run(args: argparse.Namespace) -> int:
    """Run ``stats``; returns the exit code (1 when an input could not be read whole).

    The counts cover every input that could be read, also when another one could not.
    """
    select = Select(args)
    tally = _Tally(args.exact_messages)
    report = Reporter(sys.stderr)
    for entry in Inputs(args.files, report).entries():
        if entry.record is None:
            tally.malformed += 1
        elif select(entry.record):
            tally.add(entry.record)
    summary = tally.as_dict(args.top)
    if args.json:
        line = escape_line_breaks(json.dumps(summary, ensure_ascii=False)) + "\n"
        sys.stdout.buffer.write(line.encode("utf-8", "backslashreplace"))  # lone surrogates too
        sys.stdout.flush()
    else:
        _show(console(sys.stdout), summary)
    return report.exit_code


def _show(out: Console, summary: dict[str, Any]) -> None:
    from rich.text import Text

    head = Text()
    head.append(f"{summary['records']} records", style="bold")
    head.append(f", {summary['malformed']} malformed lines")
    head.append(f", {summary['errors']} errors ({summary['error_rate']:.2%})")
    out.print(head)
    if summary["first"]:
        out.print(f"from {summary['first']} to {summary['last']} ({summary['span_seconds']:.3f} s)")
    for title, key in (("level", "levels"), ("logger", "loggers"), ("message", "messages")):
        if summary[key]:
            out.print()
            out.print(_table(title, summary[key], summary["records"]))
    if summary["approximate"]:
        out.print(Text("(many distinct values: counts beyond the top are approximate)", "dim"))


def _table(title: str, counts: dict[str, int], records: int) -> Any:
    from rich.table import Table

    table = Table(title=None, show_edge=False, pad_edge=False, box=None)
    table.add_column(title, style="cyan", overflow="fold")
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    for name, count in counts.items():
        share = count / records if records else 0.0
        table.add_row(escape(name, " "), str(count), f"{share:.1%}")
    return table
