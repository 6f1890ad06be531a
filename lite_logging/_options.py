"""Checks for constructor options, shared by the sinks, the filters and the pipeline.

Each returns the checked value or raises ``ValueError`` naming the key and showing the bad
value (``"batch_size" must be an int >= 1: 0``), as bad configuration must at construction.
A leaf module: it imports nothing from the package.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import NoReturn, TypeVar

__all__ = ["check_bool", "check_choice", "check_int", "check_number", "check_text", "refuse"]

_T = TypeVar("_T")


def refuse(key: str, wanted: str, value: object) -> NoReturn:
    """Raise ``ValueError('"key" must be <wanted>: <repr(value)>')``."""
    raise ValueError(f'"{key}" must be {wanted}: {value!r}')


def check_int(key: str, value: object, minimum: int) -> int:
    """``value``, an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        refuse(key, f"an int >= {minimum}", value)
    return value


def check_number(
    key: str,
    value: object,
    *,
    minimum: float = 0,
    allow_minimum: bool = False,
    maximum: float = math.inf,
    finite: bool = True,
    what: str = "a number",
) -> float:
    """``value`` as a float: an int or float (not a bool) above ``minimum`` (or equal to it
    with ``allow_minimum``) and at most ``maximum``, finite unless ``finite=False``. NaN is
    always refused."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (finite and not math.isfinite(value))
        or not (value >= minimum if allow_minimum else value > minimum)
        or value > maximum
    ):
        wanted = f"{what} {'>=' if allow_minimum else '>'} {minimum}"
        refuse(key, wanted if maximum == math.inf else f"{wanted} and <= {maximum}", value)
    return float(value)


def check_choice(key: str, value: _T, choices: Collection[object]) -> _T:
    """``value``, one of ``choices`` (shown in the message as given)."""
    if value not in choices:
        refuse(key, f"one of {choices}", value)
    return value


def check_bool(key: str, value: object) -> bool:
    """``value``, a bool (``"no"`` or ``0`` would read as the opposite of what was meant)."""
    if not isinstance(value, bool):
        refuse(key, "a bool", value)
    return value


def check_text(key: str, value: object) -> str | None:
    """``value``, a non-empty string or ``None``."""
    if value is not None and (not isinstance(value, str) or not value):
        refuse(key, "a non-empty string or None", value)
    return value
