"""The ``lite-logging`` command: ``demo``, ``view``, ``convert`` and ``stats``.

Also run as ``python -m lite_logging``. One module per command (:mod:`.view`,
:mod:`.stats`, :mod:`.convert`, :mod:`.demo`), each adding its own options to the parser
(:mod:`._parser`); files are read through :mod:`.readers` (JSON lines or EDN lines, detected
per file, streamed line by line), so a file of any size is read in constant memory. Human
output uses rich, imported only when a command prints.

Built on argparse: it is in the standard library, so the command adds no dependency, and
our four subcommands with plain options need nothing click would add.

Exit codes: 0 on success (malformed lines are reported, not errors); 1 when an input
cannot be read (the others are still processed); 2 for bad command-line usage.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ._parser import build_parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lite-logging`` command with ``argv`` (default ``sys.argv[1:]``).

    Returns:
        The exit code: 0 on success, 1 when an input cannot be read (or holds EDN that
        needs the missing ``edn`` extra), 2 for bad usage (argparse exits with it).
    """
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        return 130 if not getattr(args, "follow", False) else 0
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python's exit flush quiet too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return code
