"""Level names as records write them, to numbers: the stdlib's table plus loguru's two."""

from __future__ import annotations

from typing import Any

from .._levels import level_names

__all__ = ["LEVELS", "levelno"]

LEVELS: dict[str, int] = level_names()  # logging's, and loguru's TRACE and SUCCESS
"""Upper-case level name -> number."""


def levelno(name: Any) -> int:
    """The number of a level as written in a record; unknown names count as 0.

    Accepts numbers, names in any case, and ``"Level 5"`` (``logging.getLevelName(5)``).
    """
    if isinstance(name, int) and not isinstance(name, bool):
        return name
    if not isinstance(name, str):
        return 0
    number = LEVELS.get(name.upper())
    if number is not None:
        return number
    if name.startswith("Level ") and name[6:].isdigit():
        return int(name[6:])
    return 0
