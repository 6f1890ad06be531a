"""Logger-name wildcards, shared by NamespaceFilter, SamplingFilter ``rates`` and the CLI.

A pattern is split on dots into segments. A segment is either a literal, compared exactly
(case-sensitive, as logger names are), or ``*``, which stands for zero or more whole
segments of the name:

- ``shop.api`` matches ``shop.api`` only (not ``shop``, not ``shop.api.v2``);
- ``shop.*`` matches ``shop``, ``shop.api``, ``shop.api.v2``; never ``shopping``;
- ``*.sql`` matches ``sql``, ``a.sql``, ``a.b.sql``; never ``mysql`` or ``sql.x``;
- ``shop.*.sql`` matches ``shop.sql``, ``shop.db.sql``, ``shop.db.x.sql``;
- ``*`` matches every name.

Rejected with ``ValueError`` (naming the pattern): the empty pattern, empty segments
(``"a..b"``, ``".a"``, ``"a."``) and stars inside a segment (``"sho*p"``, ``"shop*"``): a
star is a whole segment or nothing, so ``shop*`` cannot silently mean ``shopping``.
Adjacent stars (``"a.*.*.b"``) mean the same as one star and are folded into one.

Specificity, used where several patterns match one name ("most specific wins"): more
literal segments first, then the longer (normalised) pattern. ``shop.api.*`` (2 literals)
beats ``shop.*`` (1) beats ``*`` (0); ``shop.*.sql`` (2) beats ``shop.*`` (1). Between two
patterns of equal specificity (``a.*`` and ``*.a``) the caller's order decides:
:func:`most_specific` returns the first one listed.

Compile a pattern once with :func:`compile_pattern` and call :meth:`Pattern.matches`;
:func:`matches` is the one-shot form and caches compiled patterns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

__all__ = ["Pattern", "compile_pattern", "match", "matches", "most_specific"]


class Pattern:
    """A compiled logger-name wildcard: ``Pattern("shop.*").matches("shop.api")``.

    Args:
        pattern: the wildcard text, e.g. ``"shop.*.sql"``.

    Raises:
        ValueError: the pattern is not a string, is empty, has an empty segment or a star
            inside a segment.

    Attributes:
        text: the pattern as given.
        normalized: the pattern with adjacent stars folded (``a.*.*`` -> ``a.*``).
        literals: how many literal (non-star) segments it has.
        specificity: the sort key ``(literals, len(normalized))``; larger is more specific.
        matches: ``matches(name) -> bool``, the fastest test for this pattern's shape.
    """

    __slots__ = ("literals", "matches", "normalized", "specificity", "text")

    def __init__(self, pattern: str) -> None:
        if not isinstance(pattern, str):
            raise ValueError(f"logger-name pattern must be a string: {pattern!r}")
        if not pattern:
            raise ValueError(f"logger-name pattern must not be empty: {pattern!r}")
        segments: list[str] = []
        for segment in pattern.split("."):
            if not segment:
                raise ValueError(f"logger-name pattern has an empty segment: {pattern!r}")
            if "*" in segment and segment != "*":
                raise ValueError(
                    f"logger-name pattern has a star inside a segment "
                    f"(a star must be a whole segment, e.g. 'shop.*'): {pattern!r}"
                )
            if segment == "*" and segments and segments[-1] == "*":
                continue  # '*.*' means the same as '*'
            segments.append(segment)
        self.text = pattern
        self.normalized = ".".join(segments)
        self.literals = sum(1 for s in segments if s != "*")
        self.specificity = (self.literals, len(self.normalized))
        self.matches: Callable[[str], bool] = _matcher(segments, self.normalized)

    def __repr__(self) -> str:
        return f"Pattern({self.text!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Pattern):
            return self.normalized == other.normalized
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.normalized)


def _matcher(segments: list[str], normalized: str) -> Callable[[str], bool]:
    """The cheapest test for this shape: equality, prefix, everything, or a regex."""
    stars = segments.count("*")
    if stars == 0:
        return normalized.__eq__
    if segments == ["*"]:
        return _always
    if stars == 1 and segments[-1] == "*":
        prefix = ".".join(segments[:-1])
        dotted = prefix + "."

        def _prefix(name: str) -> bool:
            return name == prefix or name.startswith(dotted)

        return _prefix
    # The name is matched with a leading dot, so every segment is '.text': a literal is
    # '\.literal' and a star is zero or more '\.segment' groups. [^.]* cannot cross a dot,
    # so a star always covers whole segments.
    parts = [r"(?:\.[^.]*)*" if s == "*" else r"\." + re.escape(s) for s in segments]
    fullmatch = re.compile("".join(parts), re.DOTALL).fullmatch

    def _regex(name: str) -> bool:
        return fullmatch("." + name) is not None

    return _regex


def _always(name: str) -> bool:
    return True


def compile_pattern(pattern: str) -> Pattern:
    """Return the compiled :class:`Pattern` for ``pattern`` (cached; patterns are immutable).

    Raises:
        ValueError: the pattern is invalid (see the module docstring).
    """
    if not isinstance(pattern, str):
        raise ValueError(f"logger-name pattern must be a string: {pattern!r}")
    return _compile_cached(pattern)


@functools.lru_cache(maxsize=1024)
def _compile_cached(pattern: str) -> Pattern:
    return Pattern(pattern)


def matches(pattern: str | Pattern, name: str) -> bool:
    """Return whether logger ``name`` matches the wildcard ``pattern``.

    Raises:
        ValueError: the pattern is invalid.
    """
    compiled = pattern if isinstance(pattern, Pattern) else compile_pattern(pattern)
    return compiled.matches(name)


match = matches
"""Alias of :func:`matches`."""


def most_specific(patterns: Iterable[Pattern], name: str) -> Pattern | None:
    """Return the most specific of ``patterns`` that matches ``name``, or ``None``.

    Most specific: most literal segments, then the longest pattern; on a tie the first
    one in ``patterns`` wins.
    """
    best: Pattern | None = None
    for pattern in patterns:
        if pattern.matches(name) and (best is None or pattern.specificity > best.specificity):
            best = pattern
    return best
