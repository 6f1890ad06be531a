"""Tests for lite_logging.filters.transform: TransformFilter."""

from __future__ import annotations

import logging
import logging.config
import sys

import pytest
from conftest import ListHandler
from refusals import assert_refused

import lite_logging as ll
from lite_logging.filters.transform import resolve_callable
from lite_logging.metrics import _registry as _stats

LOGGER = "tests.filters.transform"  # the name of conftest's `logger`


def _record(msg: str = "msg", **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("app", logging.INFO, __file__, 1, msg, (), None)
    record.__dict__.update(extra)
    return record


# Module-level transforms, reachable by dotted path.
def add_a(record: logging.LogRecord) -> logging.LogRecord:
    record.order = [*record.__dict__.get("order", []), "a"]
    return record


def add_b(record: logging.LogRecord) -> logging.LogRecord:
    record.order = [*record.__dict__.get("order", []), "b"]
    return record


def drop_secret(record: logging.LogRecord) -> logging.LogRecord | None:
    return None if "secret" in record.getMessage() else record


def make_tagger(tag: str) -> object:
    def tagger(record: logging.LogRecord) -> logging.LogRecord:
        record.tag = tag
        return record

    return tagger


def replace_record(record: logging.LogRecord) -> logging.LogRecord:
    new = logging.makeLogRecord(record.__dict__)
    new.msg = "replaced: " + record.getMessage()
    new.args = ()
    new.replaced = True
    return new


def half_then_fail(record: logging.LogRecord) -> logging.LogRecord:
    record.half = True
    record.msg = "changed"
    raise RuntimeError("transform broke")


class TestOrder:
    def test_applied_in_order(self) -> None:
        """Transforms run in the order given."""
        record = _record()
        assert ll.TransformFilter([add_b, add_a, add_b]).filter(record)
        assert ["b", "a", "b"] == record.order  # type: ignore[attr-defined]

    def test_dotted_paths(self) -> None:
        """Dotted paths (also with ext:// or a colon) resolve to the callables."""
        record = _record()
        f = ll.TransformFilter(
            [f"{__name__}.add_a", f"ext://{__name__}.add_b", f"{__name__}:add_a"]
        )
        assert f.filter(record)
        assert ["a", "b", "a"] == record.order  # type: ignore[attr-defined]

    def test_factory_dict(self) -> None:
        """{"()": factory, **kwargs} builds a transform, dictConfig's way."""
        record = _record()
        f = ll.TransformFilter([{"()": f"{__name__}.make_tagger", "tag": "t1"}])
        assert f.filter(record)
        assert "t1" == record.tag  # type: ignore[attr-defined]


class TestDrop:
    def test_none_drops(self) -> None:
        """A transform returning None drops the record; later ones do not run."""
        f = ll.TransformFilter([drop_secret, add_a])
        dropped = _record("a secret")
        assert not f.filter(dropped)
        assert "order" not in dropped.__dict__
        assert f.filter(_record("public"))
        assert {"dropped": 1, "errors": 0} == f.stats()

    def test_false_drops_and_true_keeps(self) -> None:
        """A plain predicate (False drops, True keeps) works as a transform."""
        f = ll.TransformFilter([lambda r: r.levelno >= logging.WARNING])
        assert not f.filter(_record())
        warning = _record()
        warning.levelno = logging.WARNING
        assert f.filter(warning)


class TestReplace:
    def test_new_record_reaches_the_handler(self, logger: logging.Logger) -> None:
        """A transform returning a new record: the handler gets the new record's data."""
        handler = ListHandler()
        handler.addFilter(ll.TransformFilter([replace_record]))
        logger.addHandler(handler)
        logger.info("hello %s", "you")
        assert ["replaced: hello you"] == [r.getMessage() for r in handler.records]
        assert handler.records[0].__dict__.get("replaced")

    def test_later_transforms_see_the_new_record(self) -> None:
        """After a replacement, the next transform receives the new record."""
        seen: list[logging.LogRecord] = []

        def spy(record: logging.LogRecord) -> logging.LogRecord:
            seen.append(record)
            return record

        f = ll.TransformFilter([replace_record, spy])
        original = _record()
        f.filter(original)
        assert 1 == len(seen)
        assert seen[0] is not original
        assert seen[0].__dict__.get("replaced")

    @pytest.mark.skipif(sys.version_info < (3, 12), reason="3.12+ filters may return records")
    def test_other_handlers_keep_original_on_312(self, logger: logging.Logger) -> None:
        """On 3.12+ the replacement is local to the handler whose filter made it."""
        transformed, plain = ListHandler(), ListHandler()
        transformed.addFilter(ll.TransformFilter([replace_record]))
        logger.addHandler(transformed)
        logger.addHandler(plain)
        logger.info("hi")
        assert ["replaced: hi"] == [r.getMessage() for r in transformed.records]
        assert ["hi"] == [r.getMessage() for r in plain.records]

    @pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.10/3.11 copy into the original")
    def test_copied_into_original_before_312(self, logger: logging.Logger) -> None:
        """On 3.10/3.11 the new record's attributes are copied into the original object."""
        original = _record("hi")
        assert ll.TransformFilter([replace_record]).filter(original)
        assert "replaced: hi" == original.getMessage()
        assert original.__dict__.get("replaced")


class TestErrors:
    def test_raising_transform_keeps_record_untransformed(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A raising transform: record kept as it entered, error counted, reported once."""
        f = ll.TransformFilter([add_a, half_then_fail, add_b], name="transform-errors")
        records = [_record("m1"), _record("m2")]
        assert [True, True] == [f.filter(r) for r in records]
        for record in records:
            assert "order" not in record.__dict__
            assert "half" not in record.__dict__
            assert record.msg in ("m1", "m2")
        err = capsys.readouterr().err
        assert 1 == err.count("--- Logging error in TransformFilter 'transform-errors'")
        assert "RuntimeError: transform broke" in err
        assert {"dropped": 0, "errors": 2} == f.stats()

    def test_silent_without_raise_exceptions(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With logging.raiseExceptions false the error is counted but not printed."""
        monkeypatch.setattr(logging, "raiseExceptions", False)
        f = ll.TransformFilter([half_then_fail])
        assert f.filter(_record())
        assert "" == capsys.readouterr().err
        assert 1 == f.errors

    def test_recursion_error_propagates(self) -> None:
        """RecursionError is re-raised, as Handler.handleError does."""

        def recurse(record: logging.LogRecord) -> logging.LogRecord:
            raise RecursionError

        with pytest.raises(RecursionError):
            ll.TransformFilter([recurse]).filter(_record())

    def test_caller_never_sees_the_error(
        self, logger: logging.Logger, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """On a logger, a failing transform does not raise into logger.info."""
        handler = ListHandler()
        logger.addHandler(handler)
        logger.addFilter(ll.TransformFilter([half_then_fail]))
        logger.info("still logged")
        assert ["still logged"] == [r.getMessage() for r in handler.records]
        assert "transform broke" in capsys.readouterr().err


class TestInvalid:
    @pytest.mark.parametrize(
        ("transforms", "words"),
        [
            ([42], ["transforms[0]", "42"]),
            (["no_such_module_xyz.fn"], ["transforms[0]", "'no_such_module_xyz.fn'"]),
            ([f"{__name__}.missing"], ["transforms[0]", "missing"]),
            ([add_a, "lite_logging.__doc__"], ["transforms[1]", "lite_logging.__doc__"]),
            ([{"()": f"{__name__}.make_tagger", "bad": 1}], ["transforms[0]", "bad"]),
            (5, ['"transforms"', "5"]),
        ],
    )
    def test_rejected(self, transforms: object, words: list[str]) -> None:
        """Non-callables and paths that do not import raise ValueError naming them."""
        assert_refused(lambda: ll.TransformFilter(transforms), words)  # type: ignore[arg-type]

    def test_resolve_callable(self) -> None:
        """resolve_callable returns a callable as is and imports dotted paths."""
        assert add_a is resolve_callable(add_a, "k")
        assert logging.getLogger is resolve_callable("logging.getLogger", "k")
        assert logging.handlers.QueueHandler is resolve_callable(
            "logging.handlers.QueueHandler", "k"
        )


class TestConfigured:
    @pytest.mark.usefixtures("restore_logging")
    def test_dictconfig(self, logger: logging.Logger) -> None:
        """dictConfig builds it with "()": paths, factory dicts, shipped transforms."""
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "filters": {
                    "tf": {
                        "()": "lite_logging.TransformFilter",
                        "transforms": [
                            f"{__name__}.drop_secret",
                            {
                                "()": "lite_logging.filters.transforms.AddFields",
                                "fields": {"app": "s"},
                            },
                            {
                                "()": "lite_logging.filters.transforms.RenameFields",
                                "mapping": {"u": "uid"},
                            },
                            "lite_logging.filters.transforms.add_hostname",
                        ],
                        "name": "transform-dictconfig",
                    }
                },
                "handlers": {"list": {"()": ListHandler, "filters": ["tf"]}},
                "loggers": {LOGGER: {"handlers": ["list"], "level": "DEBUG", "propagate": False}},
            }
        )
        handler = logger.handlers[0]
        assert isinstance(handler, ListHandler)
        logger.info("the secret")
        logger.info("public", extra={"u": 7})
        assert 1 == len(handler.records)
        record = handler.records[0]
        assert ("s", 7) == (record.app, record.uid)  # type: ignore[attr-defined]
        assert "u" not in record.__dict__
        assert isinstance(record.hostname, str)  # type: ignore[attr-defined]
        expected = {"dropped": 1, "errors": 0}
        assert expected == _stats.collect()["filters"]["transform-dictconfig"]
