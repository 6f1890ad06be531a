"""``lite-logging convert``: JSON lines to EDN lines and back, streamed."""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, Any

from ._inputs import Inputs
from ._report import PROG, Reporter
from .readers import to_edn_line, to_json_line

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Add ``convert`` and its options to the subcommands (argparse's subparsers action)."""
    convert = commands.add_parser("convert", help="convert between JSON lines and EDN lines")
    convert.add_argument("file", metavar="FILE", help="the file to read; - for stdin")
    convert.add_argument("--to", required=True, choices=("json", "edn"), help="output format")
    convert.add_argument("-o", "--output", metavar="OUT", help="write here (default stdout)")
    convert.set_defaults(run=run, parser=convert)


def _is_input(args: argparse.Namespace) -> bool:
    """Whether ``-o`` names the input file itself."""
    if not args.output or args.file == "-" or not os.path.exists(args.output):
        return False
    try:
        return os.path.samefile(args.file, args.output)
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    """Run ``convert``; returns the exit code (malformed lines are skipped, not failures)."""
    if _is_input(args):
        args.parser.error(f"-o/--output must not be the input file: {args.output!r}")
    if not args.output:
        return _convert(args, sys.stdout.buffer)
    try:
        out = open(args.output, "wb")  # noqa: SIM115 - closed below
    except OSError as exc:
        sys.stderr.write(f"{PROG}: cannot write {args.output}: {exc.strerror or exc}\n")
        return 1
    with out:
        return _convert(args, out)


def _convert(args: argparse.Namespace, out: IO[bytes]) -> int:
    write_line = to_json_line if args.to == "json" else to_edn_line
    report = Reporter(sys.stderr)
    skipped = 0
    for entry in Inputs([args.file], report).entries():
        if entry.record is None:
            skipped += 1
            sys.stderr.write(
                f"{entry.source}:{entry.lineno}: skipped malformed line ({entry.error})\n"
            )
            continue
        out.write((write_line(entry.record) + "\n").encode("utf-8", "backslashreplace"))
    out.flush()
    if skipped:
        sys.stderr.write(f"{PROG}: {skipped} malformed line(s) skipped\n")
    return report.exit_code
