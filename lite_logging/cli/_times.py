"""Times on the command line and in records: ISO 8601, spans ago (``15m``), the schema's form.

The one place that parses durations and timestamps for every command.
"""

from __future__ import annotations

import datetime
from typing import Any

from .._durations import parse_duration

__all__ = ["canonical_time", "format_utc", "parse_iso", "parse_time", "record_time"]


def format_utc(value: datetime.datetime) -> str:
    """``value`` in the schema's timestamp form, ``2026-11-26T16:30:00.123456Z`` (naive = UTC).

    Formatted by hand: ``strftime("%Y")`` does not pad years below 1000 on every platform.
    """
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}Z"
    )


def parse_iso(text: str) -> datetime.datetime:
    """An ISO 8601 time in UTC (``Z`` allowed, also on 3.10; naive means local time,
    as ``view`` shows times).

    Raises:
        ValueError: not ISO 8601, or out of range.
    """
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    value = datetime.datetime.fromisoformat(text)
    try:
        # astimezone() takes a naive datetime as local time
        return value.astimezone(datetime.timezone.utc)
    except (OverflowError, OSError) as exc:  # year 1 or 9999 pushed out of range
        raise ValueError(f"time out of range: {text!r}") from exc


def parse_time(text: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """A point in time from ISO 8601 (naive = local) or a span ago (``90s``, ``15m``, ``2h``).

    Args:
        text: the time as given on the command line.
        now: the time a span counts back from (default: the current time).

    Raises:
        ValueError: neither form.
    """
    text = text.strip()
    seconds = parse_duration(text)
    if seconds is not None:
        now = now or datetime.datetime.now(datetime.timezone.utc)
        return now - datetime.timedelta(seconds=seconds)
    return parse_iso(text)


def record_time(record: dict[str, Any]) -> datetime.datetime | None:
    """The record's ``timestamp`` as an aware datetime, or ``None`` when absent or unreadable."""
    value = record.get("timestamp")
    if not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def canonical_time(record: dict[str, Any]) -> str | None:
    """The record's time in the schema's form (fixed width: strings compare as times)."""
    stamp = record.get("timestamp")
    if isinstance(stamp, str) and len(stamp) == 27 and stamp[-1] == "Z" and stamp[10] == "T":
        return stamp  # our own format already (fast path)
    parsed = record_time(record)
    return format_utc(parsed) if parsed else None
