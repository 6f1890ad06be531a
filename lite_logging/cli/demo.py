"""``lite-logging demo``: runs :mod:`lite_logging.demo` and prints what to try next."""

from __future__ import annotations

import argparse
import math
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._render import console
from ._report import PROG

if TYPE_CHECKING:
    from ..demo import DemoResult

__all__ = ["add_parser", "command_prefix", "run"]


def add_parser(commands: Any) -> None:
    """Add ``demo`` and its options to the subcommands (argparse's subparsers action)."""
    demo = commands.add_parser("demo", help="run a small app logging through the pipeline")
    demo.add_argument("--seconds", type=float, default=3.0, help="how long to run (default 3)")
    demo.add_argument(
        "--out", default="lite-logging-demo", metavar="DIR", help="where to write the files"
    )
    demo.set_defaults(run=run, parser=demo)


def command_prefix() -> str:
    """How to run this very command from a shell, also when its venv is not activated.

    The ``lite-logging`` script beside the running interpreter (a venv's ``bin/``), else
    the interpreter itself with ``-m lite_logging``.
    """
    folder = Path(sys.executable).parent
    for name in (PROG, PROG + ".exe"):
        script = folder / name
        if script.is_file():
            return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m lite_logging"


def _writable(folder: str) -> None:
    """Create ``folder`` and check that a file can be written there.

    Raises:
        OSError: it cannot.
    """
    os.makedirs(folder, exist_ok=True)
    probe = os.path.join(folder, ".lite-logging-write-test")
    with open(probe, "w", encoding="utf-8"):
        pass
    os.remove(probe)


def run(args: argparse.Namespace) -> int:
    """Run ``demo``; returns 1 when ``--out`` cannot be written (before any logging)."""
    from ..demo import run as run_demo

    if args.seconds < 0 or not math.isfinite(args.seconds):
        args.parser.error(f"--seconds must be a finite number >= 0: {args.seconds!r}")
    try:
        _writable(args.out)
    except OSError as exc:
        sys.stderr.write(f"{PROG}: cannot write to {args.out}: {exc.strerror or exc}\n")
        return 1
    run_demo(seconds=args.seconds, out_dir=args.out, report=show_result)
    return 0


def show_result(result: DemoResult) -> None:
    """Print the demo's files, ``lite_logging.stats()`` and what to try next (stdout)."""
    from rich.text import Text

    out = console(sys.stdout)
    out.print()
    out.print(Text(f"{result.requests} requests served. Log files:", style="bold"))
    for path in result.files:
        out.print(f"  {path}")
    if result.stats:
        out.print(Text("lite_logging.stats():", style="bold"))
        out.print_json(data=result.stats)
    out.print(Text("Try:", style="bold"))
    command = command_prefix()
    first = shlex.quote(str(result.files[0]))
    out.print(f"  {command} view {first} --level WARNING")
    out.print(f"  {command} view {first} --where context.user=ada")
    if result.failed_trace_id:
        out.print(f"  {command} view {first} --trace {result.failed_trace_id}")
    out.print(f"  {command} stats {' '.join(shlex.quote(str(f)) for f in result.files)}")
