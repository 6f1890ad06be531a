"""Durations written by people (``"15m"``, ``"1.5 hours"``), for every module that reads one.

A leaf module: it imports nothing from the package. Used by ``RateLimitFilter``'s limits
(``"100/min"``) and the CLI's times (``--since 15m``).
"""

from __future__ import annotations

import re

__all__ = ["UNITS", "parse_duration"]

_S, _M, _H, _D, _W = 1.0, 60.0, 3600.0, 86400.0, 604800.0
UNITS: dict[str, float] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), _S),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), _M),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), _H),
    **dict.fromkeys(("d", "day", "days"), _D),
    **dict.fromkeys(("w", "week", "weeks"), _W),
}
"""Unit name (lower case) -> seconds."""

_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)?\s*([a-zA-Z]+)\s*")


def parse_duration(text: str, *, bare_unit: bool = False) -> float | None:
    """Seconds in ``text``: a number and a unit (``"90s"``, ``"15 min"``, ``"1.5 hours"``).

    Args:
        text: the duration as written.
        bare_unit: whether a unit alone counts as one of it (``"min"`` = 60 s, as the
            window of ``"100/min"``).

    Returns:
        The duration in seconds, or ``None`` when ``text`` is not a duration.
    """
    match = _DURATION.fullmatch(text)
    if match is None or (match.group(1) is None and not bare_unit):
        return None
    unit = UNITS.get(match.group(2).lower())
    if unit is None:
        return None
    return float(match.group(1) or 1) * unit
