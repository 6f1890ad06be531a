"""What the commands say on stderr about their inputs, and the exit code it leads to.

A file that cannot be read, or that holds EDN needing the ``edn`` extra when it is not
installed, is named once on stderr; the command goes on with the other inputs and exits 1
at the end.
"""

from __future__ import annotations

from typing import IO

from .readers import EDN_MISSING, Entry

__all__ = ["PROG", "Reporter"]

PROG = "lite-logging"


class Reporter:
    """Names the inputs that could not be (fully) read on ``err``; remembers that one failed.

    Attributes:
        failed: an input could not be read, or not whole: the exit code is 1.
    """

    def __init__(self, err: IO[str]) -> None:
        self.err = err
        self.failed = False
        self._without_edn: set[str] = set()

    @property
    def exit_code(self) -> int:
        """1 when an input failed, else 0."""
        return 1 if self.failed else 0

    def cannot_read(self, name: str, exc: OSError) -> None:
        """``name`` could not be opened or read."""
        self.say(f"cannot read {name}: {exc.strerror or exc}")

    def check(self, entry: Entry) -> None:
        """Name the file once when one of its lines needs edn_format, which is missing."""
        if entry.error == EDN_MISSING and entry.source not in self._without_edn:
            self._without_edn.add(entry.source)
            self.say(f"{entry.source}:{entry.lineno}: {EDN_MISSING}")

    def say(self, message: str) -> None:
        """Report a failure of an input."""
        self.failed = True
        self.err.write(f"{PROG}: {message}\n")
        self.err.flush()
