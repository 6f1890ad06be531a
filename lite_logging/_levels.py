"""Level names and numbers, for every module that reads a level from a user or a record.

A leaf module: it imports nothing from the package. Names are looked up in ``logging``'s
own table when asked (so levels added with ``logging.addLevelName`` count); loguru's
``TRACE`` and ``SUCCESS`` are known only to readers of records (the CLI).
"""

from __future__ import annotations

import logging

__all__ = ["LOGURU_LEVELS", "level_names", "parse_level"]

LOGURU_LEVELS = {"TRACE": 5, "SUCCESS": 25}
"""Levels loguru writes that ``logging`` does not name."""


def level_names() -> dict[str, int]:
    """Upper-case level name -> number: ``logging``'s table as it is now, and loguru's two."""
    mapping = getattr(logging, "getLevelNamesMapping", None)  # 3.11+
    stdlib = mapping() if mapping is not None else dict(logging._nameToLevel)
    return {**stdlib, **LOGURU_LEVELS}


def parse_level(key: str, value: object) -> int:
    """Return the numeric level for ``value`` (a level name such as ``"info"``, or an int).

    Args:
        key: the option name, for the error message (``"keep_level"``, ``"levels['shop.*']"``).
        value: a level name ``logging`` knows (any case), a numeric string or a
            non-negative int.

    Raises:
        ValueError: ``value`` is not a known level name or a non-negative int.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        text = value.strip().upper()
        if text.isdigit():
            return int(text)
        level = logging.getLevelName(text)  # a number for a known name, else a string
        if isinstance(level, int):
            return level
    raise ValueError(f'"{key}" must be a level name or a non-negative int: {value!r}')
