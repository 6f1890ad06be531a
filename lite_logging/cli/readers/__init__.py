"""Reading log files back: JSON lines and EDN lines, streamed, with line numbers.

The commands read files through this package: :func:`read_entries` turns a binary stream
into :class:`Entry` items (format detected per file), :func:`seek_tail` and
:func:`last_entries_of_file` find a file's end, :class:`Follower` follows a growing file.
:func:`to_json_line` and :func:`to_edn_line` write a record back, so that
JSON -> EDN -> JSON gives equal data (see docs/cli.md for what EDN -> JSON -> EDN keeps).
"""

from __future__ import annotations

from ._edn import EDN_MISSING, EdnUnavailableError, to_edn_line
from ._follow import Follower, follow
from ._json import to_json_line
from ._lines import Entry, LineParser, read_entries
from ._tail import last_entries, last_entries_of_file, seek_tail

__all__ = [
    "EDN_MISSING",
    "EdnUnavailableError",
    "Entry",
    "Follower",
    "LineParser",
    "follow",
    "last_entries",
    "last_entries_of_file",
    "read_entries",
    "seek_tail",
    "to_edn_line",
    "to_json_line",
]
