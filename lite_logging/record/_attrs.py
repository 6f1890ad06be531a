"""The attributes of a ``LogRecord`` on this Python: one table for every module that needs it.

Read from a record built by ``logging.LogRecord.__init__`` itself, on a throwaway subclass:
a ``LogRecord`` created at import would set the keys all records of the class share
(CPython's key-sharing dicts) before the application's first record does.
"""

from __future__ import annotations

import logging

__all__ = ["FORMATTING_ATTRS", "INIT_ATTRS", "RECORD_ATTRS"]


class _Probe(logging.LogRecord):
    """A LogRecord of its own class: its dict's keys are not shared with real records."""


INIT_ATTRS: tuple[str, ...] = tuple(_Probe("", 0, "", 0, "", (), None).__dict__)
"""The attributes ``LogRecord.__init__`` sets, in its order (a record's ``__dict__`` starts
with them)."""

FORMATTING_ATTRS = frozenset({"message", "asctime"})
"""What ``Formatter.format`` adds to a record."""

RECORD_ATTRS = frozenset(INIT_ATTRS) | FORMATTING_ATTRS | {"taskName"}
"""Every attribute the stdlib gives a record (``taskName`` also on 3.10/3.11, where a newer
process may have written it): what ``extra=`` may not use and what is not caller data."""
