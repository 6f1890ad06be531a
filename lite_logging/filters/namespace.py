"""NamespaceFilter: keep or drop records by logger-name wildcards, with per-namespace levels."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from ._common import StatsFilter, compile_option, compile_options, most_specific_value, parse_level
from ._patterns import Pattern

__all__ = ["NamespaceFilter"]

_DROP = 1 << 62  # a threshold no level reaches: the logger name is denied
_CACHE_MAX = 10_000  # logger names remembered; a process has few, so this is rarely reached


class NamespaceFilter(StatsFilter):
    """Keeps records whose logger name is allowed and whose level reaches its namespace's level.

    Patterns are logger-name wildcards (``shop.api``, ``shop.*``, ``*.sql``, ``shop.*.sql``,
    ``*``; see ``lite_logging.filters._patterns``). A name passes when it matches some ``allow``
    pattern and no ``deny`` pattern (deny beats allow); then its record passes when its level
    is at least the level of the most specific ``levels`` pattern matching the name (most
    literal segments, then the longest pattern; on a tie the first listed). A name no
    ``levels`` pattern matches has no minimum level here.

    The verdict for a logger name (its minimum level, or "denied") is computed once and
    cached, so the steady-state cost is a dict lookup and an int comparison. The cache holds
    up to 10,000 names and is emptied when full and on :meth:`configure`.

    Args:
        allow: patterns of logger names to keep; ``None`` (default) keeps every name, an
            empty list keeps none.
        deny: patterns of logger names to drop, whatever ``allow`` says.
        levels: pattern -> minimum level (a name such as ``"WARNING"`` or an int), e.g.
            ``{"*": "INFO", "shop.db.*": "WARNING", "shop.db.migrations": "DEBUG"}``.
        name: the name shown in ``ll.stats()["filters"]``; default ``"NamespaceFilter"``.

    Raises:
        ValueError: a pattern or a level is invalid (the message names it).

    ``stats()``: ``{"passed": int, "denied": int}``; approximate under heavy threading
    (plain ``+=`` without a lock, to stay cheap).
    """

    def __init__(
        self,
        allow: Iterable[str] | None = None,
        deny: Iterable[str] | None = None,
        levels: Mapping[str, str | int] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, int] = {}
        self._allow: list[Pattern] | None = None
        self._deny: list[Pattern] = []
        self._levels: list[tuple[Pattern, int]] = []
        self.configure(allow, deny, levels)
        self.passed = 0
        self.denied = 0
        super().__init__(name=name)

    def configure(
        self,
        allow: Iterable[str] | None = None,
        deny: Iterable[str] | None = None,
        levels: Mapping[str, str | int] | None = None,
    ) -> None:
        """Replace the rules (same arguments as the constructor) and empty the cache.

        Raises:
            ValueError: a pattern or a level is invalid; the old rules stay in force.
        """
        new_allow = None if allow is None else compile_options("allow", allow)
        new_deny = [] if deny is None else compile_options("deny", deny)
        new_levels: list[tuple[Pattern, int]] = []
        if levels is not None:
            if not isinstance(levels, Mapping):
                raise ValueError(f'"levels" must be a mapping of pattern to level: {levels!r}')
            for pattern, level in levels.items():
                new_levels.append(
                    (compile_option("levels", pattern), parse_level(f"levels[{pattern!r}]", level))
                )
        with self._lock:
            self._allow, self._deny, self._levels = new_allow, new_deny, new_levels
            self._cache = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """Return whether ``record`` passes (see the class docstring)."""
        threshold = self._cache.get(record.name)
        if threshold is None:
            threshold = self._threshold(record.name)
        if record.levelno >= threshold:
            self.passed += 1
            return True
        self.denied += 1
        return False

    def _threshold(self, logger_name: str) -> int:
        """Compute and cache the minimum level for ``logger_name`` (``_DROP`` if denied)."""
        with self._lock:
            allow, deny, levels, cache = self._allow, self._deny, self._levels, self._cache
        if any(p.matches(logger_name) for p in deny) or (
            allow is not None and not any(p.matches(logger_name) for p in allow)
        ):
            threshold = _DROP
        else:
            threshold = most_specific_value(levels, logger_name, 0)
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[logger_name] = threshold
        return threshold

    def _reinit_locks(self) -> None:
        super()._reinit_locks()
        self._lock = threading.Lock()

    def stats(self) -> dict[str, Any]:
        """``{"passed": ..., "denied": ...}``: records kept and dropped by this filter."""
        return {"passed": self.passed, "denied": self.denied}
