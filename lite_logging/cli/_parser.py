"""The ``lite-logging`` argument parser: the subcommands come from their own modules."""

from __future__ import annotations

import argparse
from importlib import metadata

from . import convert, demo, stats, view
from ._report import PROG

__all__ = ["build_parser"]


def _version() -> str:
    try:
        return metadata.version("lite-logging")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The parser of the whole command; each subcommand's ``run`` is in ``args.run``."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Run the demo and read lite_logging's JSON lines and EDN lines."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (demo, view, convert, stats):
        command.add_parser(commands)
    return parser
