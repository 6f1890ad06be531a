"""Level names as records write them, to numbers: the stdlib's table plus loguru's two."""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = ["LEVELS", "levelno"]

if sys.version_info >= (3, 11):
    _STDLIB = logging.getLevelNamesMapping()
else:  # pragma: no cover - 3.10 has no public accessor for the same table
    _STDLIB = dict(logging._nameToLevel)

LEVELS: dict[str, int] = {**_STDLIB, "TRACE": 5, "SUCCESS": 25}  # loguru's TRACE and SUCCESS
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
