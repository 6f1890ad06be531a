"""Tests for lite_logging.filters.namespace: NamespaceFilter."""

from __future__ import annotations

import logging
import logging.config

import pytest
from conftest import ListHandler
from refusals import assert_refused

import lite_logging as ll
from lite_logging.filters import namespace
from lite_logging.metrics import _registry as _stats

LOGGER = "tests.filters.namespace"


def _record(name: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, "msg", (), None)


class TestAllowDeny:
    @pytest.mark.parametrize(
        ("allow", "deny", "name", "expected"),
        [
            (None, None, "anything", True),
            (["shop.*"], None, "shop", True),
            (["shop.*"], None, "shop.api.v2", True),
            (["shop.*"], None, "shopping", False),
            (["shop.*"], ["shop.db.*"], "shop.db.sql", False),
            (["shop.*"], ["shop.db.*"], "shop.api", True),
            (["*"], ["*.sql"], "a.b.sql", False),
            (["*"], ["*.sql"], "a.mysql", True),
            (None, ["shop.*.sql"], "shop.x.sql", False),
            (None, ["shop.*.sql"], "shop.x", True),
            ([], None, "anything", False),
            ("shop.api", None, "shop.api", True),
            ("shop.api", None, "shop.api.v2", False),
        ],
    )
    def test_table(
        self, allow: list[str] | None, deny: list[str] | None, name: str, expected: bool
    ) -> None:
        """A name passes when some allow pattern matches and no deny pattern does."""
        f = ll.NamespaceFilter(allow=allow, deny=deny)
        assert expected == f.filter(_record(name))

    def test_deny_beats_allow(self) -> None:
        """A name both allowed and denied is denied, whatever the order or specificity."""
        f = ll.NamespaceFilter(allow=["shop.api"], deny=["*"])
        assert not f.filter(_record("shop.api", logging.CRITICAL))


class TestLevels:
    LEVELS: dict[str, str | int] = {
        "*": "INFO",
        "shop.*": "WARNING",
        "shop.db.*": "ERROR",
        "shop.db.migrations": 10,
    }

    @pytest.mark.parametrize(
        ("name", "level", "expected"),
        [
            ("other", logging.DEBUG, False),
            ("other", logging.INFO, True),
            ("shop", logging.INFO, False),
            ("shop.api", logging.WARNING, True),
            ("shop.db", logging.WARNING, False),
            ("shop.db.pool", logging.ERROR, True),
            ("shop.db.migrations", logging.DEBUG, True),
            ("shop.db.migrations.x", logging.WARNING, False),
        ],
    )
    def test_most_specific_wins(self, name: str, level: int, expected: bool) -> None:
        """The level of the most specific matching pattern applies (most literal segments)."""
        f = ll.NamespaceFilter(levels=self.LEVELS)
        assert expected == f.filter(_record(name, level))

    def test_literals_before_length(self) -> None:
        """'a.*.c' (2 literals) beats the longer 'abcdefgh.*' (1 literal)."""
        f = ll.NamespaceFilter(levels={"abcdefgh.*": "DEBUG", "abcdefgh.*.c": "ERROR"})
        assert not f.filter(_record("abcdefgh.b.c", logging.WARNING))
        assert f.filter(_record("abcdefgh.b", logging.DEBUG))

    def test_longer_pattern_breaks_a_tie(self) -> None:
        """With equal literal counts the longer pattern wins."""
        f = ll.NamespaceFilter(levels={"a.*": "ERROR", "a.*.*.*": "DEBUG", "abc.*": "DEBUG"})
        assert not f.filter(_record("a.x", logging.WARNING))  # 'a.*.*.*' folds to 'a.*'
        assert f.filter(_record("abc.x", logging.DEBUG))

    def test_unmatched_name_has_no_minimum(self) -> None:
        """A name no levels pattern matches passes at any level."""
        f = ll.NamespaceFilter(levels={"shop.*": "ERROR"})
        assert f.filter(_record("other", 1))

    def test_denied_name_dropped_at_any_level(self) -> None:
        """A denied name is dropped even at CRITICAL."""
        f = ll.NamespaceFilter(deny=["noisy.*"], levels={"*": 0})
        assert not f.filter(_record("noisy.lib", logging.CRITICAL))


class TestCache:
    def test_decision_cached(self) -> None:
        """The verdict for a name is computed once, then read from the cache."""
        f = ll.NamespaceFilter(levels={"a.*": "WARNING"})
        f.filter(_record("a.b"))
        assert {"a.b": logging.WARNING} == f._cache

    def test_cache_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The cache is emptied when it reaches its bound, so it never grows past it."""
        monkeypatch.setattr(namespace, "_CACHE_MAX", 10)
        f = ll.NamespaceFilter(allow=["*"])
        for i in range(95):
            f.filter(_record(f"n{i}"))
        assert len(f._cache) <= 10
        assert 95 == f.passed

    def test_configure_clears_cache(self) -> None:
        """configure() replaces the rules and forgets cached verdicts."""
        f = ll.NamespaceFilter(deny=["a.*"])
        assert not f.filter(_record("a.b"))
        f.configure(allow=["a.*"])
        assert f.filter(_record("a.b"))

    def test_failed_configure_keeps_rules(self) -> None:
        """A configure() with a bad pattern raises and leaves the old rules in force."""
        f = ll.NamespaceFilter(deny=["a.*"])
        with pytest.raises(ValueError, match="deny"):
            f.configure(deny=["a..b"])
        assert not f.filter(_record("a.b"))


class TestInvalid:
    @pytest.mark.parametrize(
        ("kwargs", "words"),
        [
            ({"allow": ["sho*p"]}, ["allow", "'sho*p'"]),
            ({"deny": ["a..b"]}, ["deny", "'a..b'"]),
            ({"levels": {"a.*": "LOUD"}}, ["levels['a.*']", "'LOUD'"]),
            ({"levels": {"a.*": -1}}, ["levels['a.*']", "-1"]),
            ({"levels": {"": "INFO"}}, ["levels", "''"]),
            ({"levels": ["a.*"]}, ["levels", "['a.*']"]),
            ({"allow": 5}, ["allow", "5"]),
            ({"name": 5}, ["name", "5"]),
        ],
    )
    def test_rejected(self, kwargs: dict[str, object], words: list[str]) -> None:
        """A bad pattern or level raises ValueError naming the key and the value."""
        assert_refused(lambda: ll.NamespaceFilter(**kwargs), words)  # type: ignore[arg-type]

    def test_level_spellings(self) -> None:
        """Levels may be names in any case, numeric strings or ints."""
        f = ll.NamespaceFilter(levels={"a": "warning", "b": "15", "c": 25})
        assert [False, True, False, True, False, True] == [
            f.filter(_record("a", 20)),
            f.filter(_record("a", 30)),
            f.filter(_record("b", 14)),
            f.filter(_record("b", 15)),
            f.filter(_record("c", 24)),
            f.filter(_record("c", 25)),
        ]


class TestStats:
    def test_counts(self) -> None:
        """stats() counts passed and denied records, under the registered name."""
        f = ll.NamespaceFilter(deny=["x.*"], name="ns-test-counts")
        for name in ["x", "y", "x.z", "y.z", "y"]:
            f.filter(_record(name))
        assert {"passed": 3, "denied": 2} == f.stats()
        assert {"passed": 3, "denied": 2} == _stats.collect()["filters"]["ns-test-counts"]


class TestOnLoggers:
    def test_on_a_logger(self) -> None:
        """On a logger it drops the records of denied child names before any handler."""
        log = logging.getLogger(LOGGER)
        handler = ListHandler()
        f = ll.NamespaceFilter(levels={LOGGER + ".*": "WARNING"})
        log.addHandler(handler)
        log.addFilter(f)
        log.propagate = False
        try:
            log.info("dropped")
            log.warning("kept")
        finally:
            log.removeHandler(handler)
            log.removeFilter(f)
            log.propagate = True
        assert ["kept"] == [r.getMessage() for r in handler.records]

    @pytest.mark.usefixtures("restore_logging")
    def test_dictconfig(self) -> None:
        """dictConfig builds it with "()" and keyword options, on a handler."""
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "filters": {
                    "ns": {
                        "()": "lite_logging.NamespaceFilter",
                        "deny": [LOGGER + ".db"],
                        "levels": {"*": "INFO", LOGGER + ".api": "ERROR"},
                        "name": "ns-dictconfig",
                    }
                },
                "handlers": {"list": {"()": ListHandler, "filters": ["ns"]}},
                "loggers": {LOGGER: {"handlers": ["list"], "level": "DEBUG", "propagate": False}},
            }
        )
        handler = logging.getLogger(LOGGER).handlers[0]
        assert isinstance(handler, ListHandler)
        logging.getLogger(LOGGER).debug("debug dropped")
        logging.getLogger(LOGGER).info("info kept")
        logging.getLogger(LOGGER + ".db").error("db dropped")
        logging.getLogger(LOGGER + ".api").warning("api dropped")
        logging.getLogger(LOGGER + ".api").error("api kept")
        assert ["info kept", "api kept"] == [r.getMessage() for r in handler.records]
        assert {"passed": 2, "denied": 3} == _stats.collect()["filters"]["ns-dictconfig"]
