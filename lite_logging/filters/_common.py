"""Machinery shared by the filters: error reporting, the filter base class, patterns, paths."""

from __future__ import annotations

import logging
import pkgutil
import sys
import threading
import traceback
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .._levels import parse_level
from ..metrics._registry import register
from ._patterns import Pattern, compile_pattern

T = TypeVar("T")

__all__ = [
    "StatsFilter",
    "compile_option",
    "compile_options",
    "most_specific_value",
    "parse_level",
    "resolve_callable",
]


_live: weakref.WeakSet[StatsFilter] = weakref.WeakSet()


def _reinit_locks_after_fork() -> None:
    """In a forked child, give every filter new locks: a parent thread may have held one."""
    for f in list(_live):
        f._reinit_locks()


class StatsFilter(logging.Filter):
    """A ``logging.Filter`` registered in ``ll.stats()`` that reports its first error once.

    Args:
        name: the name under which ``ll.stats()["filters"]`` shows this filter; default the
            class name (made unique with ``#2``, ``#3``...). Unlike ``logging.Filter``'s
            ``name`` it does not restrict logger names: use ``NamespaceFilter`` for that.

    Attributes:
        stats_name: the name actually registered.
    """

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__()
        if name is not None and not isinstance(name, str):
            raise ValueError(f'"name" must be a string: {name!r}')
        self.errors = 0
        self._reported = False
        self._report_lock = threading.Lock()
        self.stats_name = register("filters", name, self)
        _live.add(self)

    def _reinit_locks(self) -> None:
        """Replace this filter's locks (after ``fork``); subclasses add their own."""
        self._report_lock = threading.Lock()

    def stats(self) -> dict[str, Any]:
        """The filter's counters as a JSON-serializable dict."""
        raise NotImplementedError

    def _report_error(self, record: logging.LogRecord, what: str) -> None:
        """Count the exception being handled; print it to stderr the first time only.

        Called from an ``except`` block at log time. Like ``Handler.handleError`` it prints
        only when ``logging.raiseExceptions`` is true, and re-raises ``RecursionError``.
        """
        exc = sys.exc_info()[1]
        if isinstance(exc, RecursionError):
            raise exc
        with self._report_lock:
            self.errors += 1
            first = not self._reported
            self._reported = True
        if not (first and logging.raiseExceptions and sys.stderr):
            return
        try:
            sys.stderr.write(
                f"--- Logging error in {type(self).__name__} {self.stats_name!r} "
                f"(reported once; later errors are only counted) ---\n"
            )
            traceback.print_exc(file=sys.stderr)
            sys.stderr.write(
                f"While: {what}\nLogged from logger {record.name!r}, "
                f"file {record.filename!r}, line {record.lineno}\n"
            )
        except OSError:  # pragma: no cover - stderr closed, as in Handler.handleError
            pass


def most_specific_value(entries: list[tuple[Pattern, T]], logger_name: str, default: T) -> T:
    """The value of the most specific pattern matching ``logger_name`` (first on a tie)."""
    best: tuple[int, int] | None = None
    value = default
    for pattern, candidate in entries:
        if pattern.matches(logger_name) and (best is None or pattern.specificity > best):
            best, value = pattern.specificity, candidate
    return value


def compile_option(key: str, pattern: object) -> Pattern:
    """Compile one logger-name pattern given as option ``key``.

    Raises:
        ValueError: the pattern is invalid; the message names ``key`` and the pattern.
    """
    try:
        return compile_pattern(pattern)  # type: ignore[arg-type]  # checked inside
    except ValueError as exc:
        raise ValueError(f'"{key}": {exc}') from None


def compile_options(key: str, patterns: Iterable[str] | str) -> list[Pattern]:
    """Compile a list of logger-name patterns (a single string counts as a list of one).

    Raises:
        ValueError: not a list, or a pattern is invalid; the message names ``key``.
    """
    if isinstance(patterns, str):
        patterns = [patterns]
    try:
        items = list(patterns)
    except TypeError:
        raise ValueError(f'"{key}" must be a list of patterns: {patterns!r}') from None
    return [compile_option(key, p) for p in items]


def resolve_callable(spec: object, key: str) -> Callable[..., Any]:
    """Return the callable ``spec`` names: itself, or the object at a dotted path.

    A dotted path is ``"package.module.name"`` (``"ext://"`` in front is accepted, as
    dictConfig writes it; ``"package.module:name"`` too).

    Raises:
        ValueError: ``spec`` is not callable, or its path does not import to a callable;
            the message names ``key`` and ``spec``.
    """
    original = spec
    if isinstance(spec, str):
        try:
            spec = pkgutil.resolve_name(spec.removeprefix("ext://"))
        except (ImportError, AttributeError, ValueError) as exc:
            raise ValueError(f'"{key}" names nothing importable ({exc}): {original!r}') from None
    if not callable(spec):
        raise ValueError(f'"{key}" must be a callable or a dotted path to one: {original!r}')
    return spec
