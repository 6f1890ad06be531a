"""Tests for lite_logging.filters.transforms: the shipped transforms."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from refusals import assert_refused

import lite_logging as ll
from lite_logging.filters.transforms import AddFields, DropFields, RenameFields, add_hostname


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "msg", (), None)
    record.__dict__.update(extra)
    return record


class TestAddFields:
    def test_static_fields(self) -> None:
        """Constant fields are added to the record, which is returned."""
        record = _record()
        assert record is AddFields({"service": "shop", "version": 3})(record)
        assert ("shop", 3) == (record.service, record.version)  # type: ignore[attr-defined]

    def test_existing_field_kept(self) -> None:
        """A field the record already has (from extra=) wins unless overwrite=True."""
        record = _record(service="from-extra")
        AddFields({"service": "static"})(record)
        assert "from-extra" == record.service  # type: ignore[attr-defined]
        AddFields({"service": "static"}, overwrite=True)(record)
        assert "static" == record.service  # type: ignore[attr-defined]

    def test_env_fields(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """env maps fields to environment variables, read when the transform is built."""
        monkeypatch.setenv("LL_TEST_ENV", "staging")
        monkeypatch.setenv("LL_TEST_VERSION", "1.2.3")
        monkeypatch.delenv("LL_TEST_UNSET", raising=False)
        transform = AddFields(
            env={
                "environment": "LL_TEST_ENV",
                "app_version": "LL_TEST_VERSION",
                "x": "LL_TEST_UNSET",
            }
        )
        monkeypatch.setenv("LL_TEST_ENV", "changed later")
        record = transform(_record())
        expected = {"environment": "staging", "app_version": "1.2.3"}
        assert expected == {k: record.__dict__.get(k) for k in expected}
        assert "x" not in record.__dict__

    def test_env_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """env_default fills fields whose variable is unset."""
        monkeypatch.delenv("LL_TEST_UNSET", raising=False)
        record = AddFields(env={"region": "LL_TEST_UNSET"}, env_default="unknown")(_record())
        assert "unknown" == record.region  # type: ignore[attr-defined]

    def test_hostname(self) -> None:
        """hostname=True adds socket.gethostname() as "hostname"; a string renames it."""
        record = AddFields(hostname=True)(_record())
        assert socket.gethostname() == record.hostname  # type: ignore[attr-defined]
        record = AddFields(hostname="host")(_record())
        assert socket.gethostname() == record.host  # type: ignore[attr-defined]
        assert socket.gethostname() == add_hostname(_record()).hostname  # type: ignore[attr-defined]

    @pytest.mark.parametrize(
        ("kwargs", "words"),
        [
            ({"fields": {"msg": "x"}}, ['"fields"', "'msg'"]),
            ({"fields": {"": 1}}, ['"fields"', "''"]),
            ({"fields": ["a"]}, ['"fields"', "['a']"]),
            ({"env": {"a": 5}}, ["env['a']", "5"]),
            ({"env": "APP_ENV"}, ['"env"', "'APP_ENV'"]),
        ],
    )
    def test_rejected(self, kwargs: dict[str, object], words: list[str]) -> None:
        """Bad fields raise ValueError naming the key and the value."""
        assert_refused(lambda: AddFields(**kwargs), words)  # type: ignore[arg-type]

    def test_written_by_the_json_formatter(self) -> None:
        """Added fields appear as top-level keys of the JSON line."""
        record = AddFields({"service": "shop"})(_record())
        line = json.loads(ll.JsonFormatter().format(record))
        assert "shop" == line["service"]


class TestRenameFields:
    def test_rename(self) -> None:
        """An extra field is moved to its new name; absent ones are ignored."""
        record = RenameFields({"uid": "user_id", "absent": "x"})(_record(uid=5))
        assert 5 == record.user_id  # type: ignore[attr-defined]
        assert "uid" not in record.__dict__
        assert "x" not in record.__dict__

    def test_standard_attribute_rejected(self) -> None:
        """Standard record attributes cannot be renamed (formatters need them)."""
        with pytest.raises(ValueError, match="'levelname'"):
            RenameFields({"levelname": "severity"})
        with pytest.raises(ValueError, match="'msg'"):
            RenameFields({"a": "msg"})


class TestDropFields:
    def test_drop(self) -> None:
        """Named extra fields are removed; absent ones are ignored."""
        record = DropFields(["blob", "absent"])(_record(blob=b"x" * 10, keep=1))
        assert "blob" not in record.__dict__
        assert 1 == record.keep  # type: ignore[attr-defined]

    def test_single_name(self) -> None:
        """A single string is one name, not a list of characters."""
        assert ("blob",) == DropFields("blob").names

    def test_standard_attribute_rejected(self) -> None:
        """Standard record attributes cannot be dropped."""
        with pytest.raises(ValueError, match="'args'"):
            DropFields(["args"])


class TestRepr:
    def test_reprs(self) -> None:
        """Each transform has a repr that shows its configuration (used in error reports)."""
        expected = [
            "AddFields({'a': 1}, overwrite=False)",
            "RenameFields({'a': 'b'})",
            "DropFields(['a'])",
        ]
        actual = [repr(AddFields({"a": 1})), repr(RenameFields({"a": "b"})), repr(DropFields("a"))]
        assert expected == actual
