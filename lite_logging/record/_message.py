"""Rendering a record's message so that it never raises, whatever the caller passed.

``logging`` renders ``msg % args`` in ``LogRecord.getMessage``; a wrong format string, an
argument whose ``__str__`` raises or recurses without end, or an int too long to print
makes it raise, and the stdlib then loses the record (reported on stderr only). We keep it:
the message is the raw ``msg`` and the record carries ``message_error``, a dict with the
error and the ``repr`` of each argument, so the line still says what was logged.
"""

from __future__ import annotations

import logging
from typing import Any

from ..formats._encoding import safe_repr

__all__ = ["MESSAGE_ERROR_KEY", "render_message"]

MESSAGE_ERROR_KEY = "message_error"
"""The record attribute (and output field) set when the message could not be rendered."""

_MAX_ARG_REPR = 1000  # characters of one argument's repr kept in ``message_error``


def _short_repr(obj: object) -> str:
    text = safe_repr(obj)
    if len(text) > _MAX_ARG_REPR:
        return f"{text[:_MAX_ARG_REPR]}...<{len(text) - _MAX_ARG_REPR} more characters>"
    return text


def _describe(exc: BaseException) -> str:
    name = type(exc).__qualname__
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ raises
        return name
    return f"{name}: {text}" if text else name


def render_message(record: logging.LogRecord) -> tuple[str, bool]:
    """``record.getMessage()``, or the raw ``msg`` when rendering fails.

    On failure ``record.message_error`` is set to ``{"error": "TypeError: ...", "args":
    [repr, ...]}`` (the reprs safe and cut to 1,000 characters each).

    Returns:
        The message text, and whether it rendered (False: the caller counts a failure).
    """
    try:
        return record.getMessage(), True
    except Exception as exc:  # noqa: BLE001 - RecursionError too: the value recursed, not us
        error = _describe(exc)
    args: Any = record.args
    if isinstance(args, tuple):
        shown = [_short_repr(a) for a in args]
    elif args is None:
        shown = []
    else:  # a single mapping argument, as logging allows
        shown = [_short_repr(args)]
    msg = record.msg
    text = msg if isinstance(msg, str) else _short_repr(msg)
    record.__dict__[MESSAGE_ERROR_KEY] = {"error": error, "args": shown}
    return text, False
