"""Tests for lite_logging.filters._patterns: logger-name wildcards and their specificity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lite_logging.filters._patterns import Pattern, compile_pattern, match, matches, most_specific

# (pattern, name, expected): every example of the SPEC's settled details, and the edges.
MATCH_TABLE = [
    ("shop.api", "shop.api", True),
    ("shop.api", "shop", False),
    ("shop.api", "shop.api.v2", False),
    ("shop.api", "shop.apix", False),
    ("shop.*", "shop", True),
    ("shop.*", "shop.api", True),
    ("shop.*", "shop.api.v2", True),
    ("shop.*", "shopping", False),
    ("shop.*", "shopping.api", False),
    ("shop.*", "x.shop", False),
    ("*.sql", "sql", True),
    ("*.sql", "a.sql", True),
    ("*.sql", "a.b.sql", True),
    ("*.sql", "mysql", False),
    ("*.sql", "a.mysql", False),
    ("*.sql", "sql.x", False),
    ("shop.*.sql", "shop.sql", True),
    ("shop.*.sql", "shop.db.sql", True),
    ("shop.*.sql", "shop.db.x.sql", True),
    ("shop.*.sql", "shop.mysql", False),
    ("shop.*.sql", "shopping.sql", False),
    ("shop.*.sql", "shop.sql.x", False),
    ("*", "root", True),
    ("*", "a.b.c", True),
    ("*", "shop", True),
    ("*.*", "a.b", True),
    ("a.*.*.b", "a.b", True),
    ("a.*.b.*", "a.x.b", True),
    ("a.*.b.*", "a.x.b.y.z", True),
    ("a.*.b.*", "a.x.c", False),
    ("*.db.*", "db", True),
    ("*.db.*", "x.db.y", True),
    ("*.db.*", "xdb.y", False),
    ("a+b.*", "a+b.c", True),
    ("a+b.*", "aab.c", False),
    ("[x].*.y", "[x].q.y", True),
    ("Shop.*", "shop.api", False),
]


class TestMatches:
    @pytest.mark.parametrize(("pattern", "name", "expected"), MATCH_TABLE)
    def test_table(self, pattern: str, name: str, expected: bool) -> None:
        """Each pattern matches exactly the names the SPEC says it does."""
        assert expected == matches(pattern, name)

    @pytest.mark.parametrize(("pattern", "name", "expected"), MATCH_TABLE)
    def test_compiled_agrees(self, pattern: str, name: str, expected: bool) -> None:
        """A compiled Pattern gives the same answer as the one-shot function."""
        assert expected == compile_pattern(pattern).matches(name)
        assert expected == matches(Pattern(pattern), name)

    def test_match_alias(self) -> None:
        """match is the same function as matches."""
        assert matches is match

    def test_compile_is_cached(self) -> None:
        """Compiling the same text twice returns the same object."""
        assert compile_pattern("a.*.b") is compile_pattern("a.*.b")

    @given(st.lists(st.from_regex(r"[a-z0-9_]{1,6}", fullmatch=True), min_size=1, max_size=5))
    @settings(max_examples=100, deadline=None)
    def test_prefix_star_matches_descendants(self, segments: list[str]) -> None:
        """'P.*' matches P and every dotted descendant of P, and no name merely starting with P."""
        prefix = segments[0]
        name = ".".join(segments)
        assert matches(prefix + ".*", name)
        assert not matches(prefix + ".*", prefix + "x" + name[len(prefix) :])

    @given(st.lists(st.from_regex(r"[a-z]{1,4}", fullmatch=True), min_size=1, max_size=5))
    @settings(max_examples=100, deadline=None)
    def test_literal_pattern_is_equality(self, segments: list[str]) -> None:
        """A pattern without a star matches only the identical name."""
        name = ".".join(segments)
        assert matches(name, name)
        assert not matches(name, name + ".x")
        assert not matches(name, "x." + name)


def _reference(pattern: list[str], name: list[str]) -> bool:
    """The SPEC's rule, written as plainly as possible: '*' eats zero or more segments."""
    if not pattern:
        return not name
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        return any(_reference(rest, name[i:]) for i in range(len(name) + 1))
    return bool(name) and name[0] == head and _reference(rest, name[1:])


class TestAgainstReference:
    @given(
        pattern=st.lists(st.sampled_from(["a", "b", "ab", "*"]), min_size=1, max_size=6),
        name=st.lists(st.sampled_from(["a", "b", "ab", "ba"]), min_size=1, max_size=7),
    )
    @settings(max_examples=300, deadline=None)
    def test_matches_reference(self, pattern: list[str], name: list[str]) -> None:
        """Every pattern shape agrees with a direct recursive reading of the rule."""
        expected = _reference(pattern, name)
        assert expected == matches(".".join(pattern), ".".join(name))


class TestInvalid:
    @pytest.mark.parametrize(
        "pattern", ["", ".", "a..b", ".a", "a.", "sho*p", "shop*", "*shop", "a.**.b", "**"]
    )
    def test_rejected(self, pattern: str) -> None:
        """Empty patterns, empty segments and partial-segment stars raise ValueError naming it."""
        with pytest.raises(ValueError, match="pattern") as info:
            compile_pattern(pattern)
        assert repr(pattern) in str(info.value)

    def test_not_a_string(self) -> None:
        """A non-string pattern raises ValueError, not TypeError."""
        with pytest.raises(ValueError, match=r"\[1\]"):
            compile_pattern([1])  # type: ignore[arg-type]


class TestSpecificity:
    def test_order(self) -> None:
        """More literal segments first, then the longer pattern."""
        ordered = ["*", "*.*", "a.*", "abc.*", "a.b", "a.b.*", "a.*.c.d"]
        keys = [compile_pattern(p).specificity for p in ordered]
        assert sorted(keys) == keys
        star = (0, 1)
        assert star == compile_pattern("*.*").specificity  # folded to '*'

    def test_most_specific(self) -> None:
        """most_specific picks the matching pattern with most literals, or None."""
        star, shop, shop_api, sql = (
            compile_pattern(p) for p in ["*", "shop.*", "shop.api.*", "*.sql"]
        )
        patterns = [star, shop, shop_api, sql]
        assert shop_api is most_specific(patterns, "shop.api.v1")
        assert shop is most_specific(patterns, "shop.db")
        assert star is most_specific(patterns, "other")
        assert sql is most_specific(patterns, "x.sql")
        assert most_specific([shop, shop_api], "other") is None

    def test_tie_goes_to_first(self) -> None:
        """Between equally specific patterns the first listed wins."""
        a, b = compile_pattern("a.*"), compile_pattern("*.a")
        assert a is most_specific([a, b], "a.a")
        assert b is most_specific([b, a], "a.a")

    def test_equality(self) -> None:
        """Patterns equal after folding stars compare and hash equal."""
        assert Pattern("a.*.*") == Pattern("a.*")
        assert hash(Pattern("a.*.*")) == hash(Pattern("a.*"))
        expected = "Pattern('a.*')"
        assert expected == repr(Pattern("a.*"))
