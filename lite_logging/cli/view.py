"""``lite-logging view``: records for humans (or as JSON lines), filtered, traced, followed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from typing import IO, Any

from ._args import count_arg
from ._inputs import Inputs
from ._render import Pretty, console, malformed
from ._report import Reporter
from ._select import Select, add_filter_options
from ._trace import show_traces
from .readers import Entry, Follower, follow, to_json_line

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Add ``view`` and its options to the subcommands (argparse's subparsers action)."""
    view = commands.add_parser("view", help="print log files for humans, filtered")
    view.add_argument("files", nargs="*", metavar="FILE", help="files to read; - or none: stdin")
    view.add_argument("-f", "--follow", action="store_true", help="keep reading as files grow")
    view.add_argument(
        "-n",
        "--lines",
        type=count_arg,
        metavar="N",
        help="show only the last N records of each file that pass the filters (malformed "
        "lines count too), as ... | tail -n N; with -f, then follow",
    )
    add_filter_options(view)
    view.add_argument("--trace", metavar="ID", type=str.lower, help="show a trace as a tree")
    view.add_argument("--json", action="store_true", help="print JSON lines instead")
    view.set_defaults(run=run, parser=view)


def _check_usage(args: argparse.Namespace) -> None:
    if args.trace is not None and args.follow:
        args.parser.error("--trace cannot be combined with --follow")
    if args.follow and (not args.files or "-" in args.files) and len(args.files) > 1:
        args.parser.error("--follow reads stdin only when it is the only input")


def _write_json(out: IO[bytes], record: dict[str, Any]) -> None:
    out.write((to_json_line(record) + "\n").encode("utf-8", "backslashreplace"))


class _Printer:
    """Prints the entries ``view`` shows: selected records and malformed lines."""

    def __init__(self, args: argparse.Namespace, select: Select) -> None:
        self.select = select
        self.with_source = len(args.files) > 1
        self.pretty = None if args.json else Pretty(console(sys.stdout))
        self.flush = args.follow
        self._source = ""

    def shows(self, entry: Entry) -> bool:
        """Whether ``entry`` is printed: a malformed line, or a record the filters select."""
        return entry.record is None or self.select(entry.record)

    def emit(self, entry: Entry) -> None:
        """Print ``entry`` if it is shown."""
        if self.pretty is None:
            self._emit_json(entry)
            return
        if self.with_source and entry.source != self._source:
            self._source = entry.source
            self.pretty.header(entry.source)
        if entry.record is None:
            self.pretty.malformed(entry, self.with_source)
        elif self.select(entry.record):
            self.pretty.show(entry.record)

    def _emit_json(self, entry: Entry) -> None:
        if entry.record is None:
            sys.stderr.write(f"{entry.source}:{entry.lineno}: {malformed(entry)}\n")
        elif self.select(entry.record):
            _write_json(sys.stdout.buffer, entry.record)
            if self.flush:
                sys.stdout.buffer.flush()


def run(args: argparse.Namespace) -> int:
    """Run ``view``; returns the exit code (1 when an input could not be read)."""
    _check_usage(args)
    select = Select(args)
    report = Reporter(sys.stderr)
    printer = _Printer(args, select)
    if args.follow and args.files and args.files != ["-"]:
        return _follow(args.files, printer, report, args.lines)
    inputs = Inputs(args.files, report, args.lines, printer.shows)
    if args.trace is not None:
        _trace(args, select, inputs.entries())
        return report.exit_code
    for entry in inputs.entries():
        printer.emit(entry)
    return report.exit_code


def _trace(args: argparse.Namespace, select: Select, entries: Iterable[Entry]) -> None:
    """``--trace``: the records selected (the trace's) as a tree, or as JSON lines."""
    records = [e.record for e in entries if e.record is not None and select(e.record)]
    if not args.json:
        show_traces(console(sys.stdout), records, args.trace)
        return
    for record in records:
        _write_json(sys.stdout.buffer, record)


def _follow(names: Sequence[str], printer: _Printer, report: Reporter, tail: int | None) -> int:
    """Print the files, then what is appended to them, until Ctrl-C (handled in main)."""
    with ExitStack() as stack:
        followers: list[Follower] = []
        for name in names:
            try:
                follower = Follower(name, tail, printer.shows)
            except OSError as exc:
                report.cannot_read(name, exc)
                continue
            stack.callback(follower.close)
            followers.append(follower)
        if not followers:
            return 1
        for entry in follow(followers):
            report.check(entry)
            printer.emit(entry)
    return report.exit_code  # pragma: no cover - follow ends by Ctrl-C (handled in main)
