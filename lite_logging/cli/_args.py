"""argparse types for the options: each turns the text into a value or a usage error (exit 2)."""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Callable

from ..filters._patterns import compile_pattern
from ._levels import LEVELS
from ._times import parse_time

__all__ = ["count_arg", "level_arg", "logger_arg", "time_arg", "where_arg"]


def level_arg(text: str) -> int:
    """``--level``: a level name (any case, loguru's TRACE/SUCCESS too) or a number."""
    if text.isdigit():
        return int(text)
    number = LEVELS.get(text.upper())
    if number is None:
        raise argparse.ArgumentTypeError(
            f"unknown level {text!r} (use DEBUG, INFO, WARNING, ERROR, CRITICAL or a number)"
        )
    return number


def logger_arg(text: str) -> Callable[[str], bool]:
    """``--logger``: a wildcard with NamespaceFilter's semantics (``filters._patterns``)."""
    try:
        return compile_pattern(text).matches
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def count_arg(text: str) -> int:
    """``-n``: a number >= 0."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of lines >= 0: {text!r}")
    return int(text)


def where_arg(text: str) -> tuple[str, str]:
    """``--where``: ``KEY=VALUE``, split at the first ``=``."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE: {text!r}")
    return key, value


def time_arg(text: str) -> datetime.datetime:
    """``--since``/``--until``: ISO 8601 or a span ago (see :func:`._times.parse_time`)."""
    try:
        return parse_time(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 time (2026-11-26T16:30:00Z) or a span ago (15m, 2h, 1d): "
            f"{text!r}"
        ) from None
