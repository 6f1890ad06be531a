"""The record schema as JsonFormatter writes it, and the encoding of awkward values."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import logging
import logging.config
import math
import os
import pathlib
import re
import sys
import uuid
from typing import Any

import pytest
from conftest import AVAILABLE_BACKENDS, JSON_BACKENDS
from format_support import assert_one_line_each, breaking_text
from hypothesis import given, settings
from hypothesis import strategies as st

import lite_logging as ll
from lite_logging.formats import _schema
from lite_logging.formats._encoding import format_timestamp, to_jsonable
from lite_logging.formats._json_codec import HAS_ORJSON

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
_BACKENDS = JSON_BACKENDS  # use_orjson: stdlib json, orjson (skipped when not installed)


pytestmark = pytest.mark.usefixtures("empty_context")


def _record(msg: str = "user %s logged in", args: tuple[Any, ...] = (42,), **extra: Any) -> Any:
    logger = logging.getLogger("shop.api")
    record = logger.makeRecord("shop.api", logging.INFO, __file__, 17, msg, args, None, "login")
    record.__dict__.update(extra)
    return record


def _line(record: logging.LogRecord, **options: Any) -> dict[str, Any]:
    line = ll.JsonFormatter(**options).format(record)
    assert_one_line_each(line, 1)
    parsed: dict[str, Any] = json.loads(line)
    return parsed


class TestSchema:
    @pytest.mark.parametrize("use_orjson", _BACKENDS)
    def test_fields_and_order(self, use_orjson: bool) -> None:
        """A record with context and an extra yields the SPEC's keys, in the SPEC's order."""
        ll.bind(request_id="r-1")
        record = _record(user_id=42)

        data = _line(record, use_orjson=use_orjson)

        expected_keys = ["timestamp", "level", "logger", "message", "event_id", "context"]
        expected_keys += ["user_id", "source"]
        assert expected_keys == list(data)
        assert ("INFO", "shop.api", "user 42 logged in") == (
            data["level"],
            data["logger"],
            data["message"],
        )
        assert {"request_id": "r-1"} == data["context"]
        assert 42 == data["user_id"]
        source = data.pop("source")
        assert (17, "login") == (source["line"], source["function"])
        assert __file__ in {os.path.join(os.path.abspath(p), source["file"]) for p in sys.path}

    def test_timestamp_is_rfc3339_utc_micros(self) -> None:
        """timestamp is RFC 3339, UTC, microseconds, Z, and equals record.created."""
        record = _record()
        data = _line(record)

        assert _TIMESTAMP.match(data["timestamp"])
        parsed = datetime.datetime.fromisoformat(data["timestamp"].replace("Z", "+00:00"))
        assert abs(parsed.timestamp() - record.created) < 1e-6

    def test_empty_context_is_omitted(self) -> None:
        """No context key when the ambient context is empty."""
        assert "context" not in _line(_record())

    def test_event_id_is_uuid7(self) -> None:
        """event_id is a UUIDv7 string, stamped by the formatter when nobody did before."""
        assert 7 == uuid.UUID(_line(_record())["event_id"]).version

    def test_trace_ids_only_when_present(self) -> None:
        """trace_id and span_id appear when the record has them, and not otherwise."""
        with_ids = _line(_record(trace_id="a" * 32, span_id="b" * 16))

        assert ("a" * 32, "b" * 16) == (with_ids["trace_id"], with_ids["span_id"])
        assert "trace_id" not in _line(_record())

    def test_exception_is_the_formatted_traceback(self) -> None:
        """A record with exc_info carries the traceback text under exception."""
        try:
            raise ValueError("bad input")
        except ValueError:
            record = logging.getLogger("x").makeRecord(
                "x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
            )
        data = _line(record)

        assert data["exception"].startswith("Traceback (most recent call last):")
        assert data["exception"].endswith("ValueError: bad input")

    @pytest.mark.parametrize("key", ["level", "timestamp", "source", "logger", "exception"])
    def test_extra_clashing_with_schema_key_is_kept(self, key: str) -> None:
        """An extra named like a schema key is written as extra.KEY, the schema key intact."""
        extra: dict[str, Any] = {key: "mine"}
        data = _line(_record(**extra))

        assert "mine" == data[f"extra.{key}"]
        assert "mine" != data.get(key)

    def test_extra_event_id_is_used(self) -> None:
        """An event_id given through extra= is the record's id (replaying stored events)."""
        assert "given" == _line(_record(event_id="given"))["event_id"]

    def test_sample_rate_and_suppressed(self) -> None:
        """sample_rate and suppressed set by filters are written."""
        data = _line(_record(sample_rate=0.25, suppressed=3))

        assert (0.25, 3) == (data["sample_rate"], data["suppressed"])

    def test_dict_message_merges_fields(self) -> None:
        """logger.info({...}) merges the dict's keys, python-json-logger's convention."""
        data = _line(_record(msg={"action": "buy", "level": "x"}, args=()))  # type: ignore[arg-type]

        assert ("buy", "x", "INFO") == (data["action"], data["extra.level"], data["level"])

    def test_rename_and_static_fields(self) -> None:
        """rename_fields and static_fields work as in python-json-logger."""
        data = _line(
            _record(), rename_fields={"level": "severity"}, static_fields={"service": "shop"}
        )

        assert ("INFO", "shop") == (data["severity"], data["service"])
        assert "level" not in data

    def test_fmt_selects_record_attributes(self) -> None:
        """fmt adds the named record attributes, python-json-logger's field selection."""
        data = _line(_record(), fmt="%(process)d %(threadName)s")

        assert (data["process"], data["threadName"]) == (
            logging.LogRecord("", 0, "", 0, "", (), None).process,
            "MainThread",
        )

    def test_does_not_mutate_callers_extra(self) -> None:
        """Formatting leaves the caller's extra values untouched."""
        payload = {"nested": {"n": math.nan}, "items": [1, 2]}
        snapshot = repr(payload)
        _line(_record(payload=payload))

        assert snapshot == repr(payload)


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class TestEncoding:
    @pytest.mark.parametrize("use_orjson", _BACKENDS)
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (datetime.datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05"),
            (datetime.date(2026, 1, 2), "2026-01-02"),
            (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
            (decimal.Decimal("1.10"), "1.10"),
            (b"\x00\xff", "AP8="),
            ({3, 1, 2}, [1, 2, 3]),
            (Colour.RED, "red"),
            (Point(1, 2), {"x": 1, "y": 2}),
            (ValueError("bad"), "ValueError: bad"),
            (pathlib.PurePosixPath("/tmp/x"), "/tmp/x"),
            (math.nan, "NaN"),
            (math.inf, "Infinity"),
            (-math.inf, "-Infinity"),
            ({1: "a", None: "b"}, {"1": "a", "null": "b"}),
            ({(1, 2): "t"}, {"(1, 2)": "t"}),
        ],
    )
    def test_value_serializes(self, value: Any, expected: Any, use_orjson: bool) -> None:
        """Each awkward type is written as documented, by both backends alike."""
        assert expected == _line(_record(value=value), use_orjson=use_orjson)["value"]

    @pytest.mark.parametrize("use_orjson", _BACKENDS)
    def test_arbitrary_object_uses_repr(self, use_orjson: bool) -> None:
        """An unknown object is written as its repr; a broken repr as a placeholder."""
        data = _line(_record(obj=object(), bad=Unprintable()), use_orjson=use_orjson)

        assert data["obj"].startswith("<object object at")
        assert "<unrepresentable Unprintable>" == data["bad"]

    @pytest.mark.parametrize("use_orjson", _BACKENDS)
    def test_cycles_are_cut(self, use_orjson: bool) -> None:
        """A self-containing list or dict is written with "<cycle>" where it recurs."""
        items: list[Any] = [1]
        items.append(items)
        mapping: dict[str, Any] = {"a": 1}
        mapping["self"] = mapping

        data = _line(_record(items=items, mapping=mapping), use_orjson=use_orjson)

        assert ([1, "<cycle>"], {"a": 1, "self": "<cycle>"}) == (data["items"], data["mapping"])

    def test_shared_reference_is_not_a_cycle(self) -> None:
        """The same list referenced twice (no cycle) is written twice in full."""
        shared = [1, 2]

        assert {"a": [1, 2], "b": [1, 2]} == to_jsonable({"a": shared, "b": shared})

    # The part below the cut is written as its repr, which recurses through the remaining
    # levels in C: in Pyodide that overflows the JavaScript stack first (docs/pyodide.md).
    @pytest.mark.native("deep recursion")
    def test_deep_nesting_is_cut(self) -> None:
        """Nesting deeper than the limit is written as a repr, not a RecursionError."""
        deep: list[Any] = []
        for _ in range(5000):
            deep = [deep]

        data = _line(_record(deep=deep))

        assert isinstance(data["deep"], list)

    @pytest.mark.parametrize("use_orjson", _BACKENDS)
    def test_huge_int_is_written_as_hex(self, use_orjson: bool) -> None:
        """An int too long for str() (over 4300 digits) is written as a hex string."""
        data = _line(_record(big=10**5000, small=-(2**70)), use_orjson=use_orjson)

        assert (int(data["big"], 16), -(2**70)) == (10**5000, data["small"])

    def test_non_ascii_and_surrogates(self) -> None:
        """Non-ASCII text round-trips; a lone surrogate never breaks the line."""
        for use_orjson in AVAILABLE_BACKENDS:
            data = _line(_record(text="héllo ✓ \U0001f600", bad="\udcff"), use_orjson=use_orjson)
            assert ("héllo ✓ \U0001f600", "\udcff") == (data["text"], data["bad"])


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | breaking_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(breaking_text, children, max_size=4)
    ),
    max_leaves=20,
)
_extra_keys = breaking_text.filter(
    lambda k: (
        k[:1] not in {"", "_"}
        and k not in logging.LogRecord("", 0, "", 0, "", (), None).__dict__
        and k not in {"message", "asctime", "taskName", "context", "event_id", "trace_id"}
        and k not in {"span_id", "sample_rate", "suppressed"}
    )
)


class TestRoundTrip:
    @settings(max_examples=150, deadline=None)
    @given(
        extra=st.dictionaries(_extra_keys, _json_values, max_size=5),
        use_orjson=st.sampled_from(AVAILABLE_BACKENDS),
    )
    def test_any_json_able_extra_round_trips(self, extra: dict[str, Any], use_orjson: bool) -> None:
        """Any JSON-able extra comes back from json.loads equal to what was logged, from a
        line that ``str.splitlines()`` keeps whole (strings with any line break)."""
        data = _line(_record(**extra), use_orjson=use_orjson)

        expected = {
            (f"extra.{k}" if k in {"level", "logger", "source"} else k): v for k, v in extra.items()
        }
        expected = {
            k: v for k, v in expected.items() if k not in {"timestamp", "exception", "stack"}
        }
        actual = {k: data[k] for k in expected}
        assert expected == actual

    @settings(max_examples=100, deadline=None)
    @given(created=st.floats(min_value=-2_208_988_800, max_value=4_102_444_800))
    def test_timestamp_matches_datetime(self, created: float) -> None:
        """format_timestamp agrees with datetime to the microsecond, before 1970 too."""
        stamp = format_timestamp(created)
        expected = datetime.datetime.fromtimestamp(created, datetime.timezone.utc)
        parsed = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))

        assert _TIMESTAMP.match(stamp)
        assert abs((parsed - expected).total_seconds()) <= 1e-6

    @settings(max_examples=100, deadline=None)
    @given(
        start=st.floats(min_value=-1e9, max_value=4e9),
        steps=st.lists(st.floats(min_value=-2.0, max_value=2.0), max_size=20),
    )
    def test_timestamp_exact_in_any_order(self, start: float, steps: list[float]) -> None:
        """Whatever second was formatted before (the cache of the current second), the
        text is the second's floor and the microseconds rounded half to even, carried."""
        for created in [start, *(start + step for step in steps), start + 0.9999996]:
            whole = math.floor(created)
            micros = round((created - whole) * 1_000_000)
            expected = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
            expected += datetime.timedelta(seconds=whole, microseconds=micros)
            assert expected.strftime("%Y-%m-%dT%H:%M:%S.%fZ") == format_timestamp(created)


class TestDictConfig:
    def test_formatter_and_filter_by_factory(self, capsys: pytest.CaptureFixture[str]) -> None:
        """dictConfig builds JsonFormatter and ContextFilter from "()" factories."""
        logger = logging.getLogger("test_schema.dictconfig")
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "filters": {"ctx": {"()": "lite_logging.ContextFilter"}},
                "formatters": {
                    "json": {
                        "()": "lite_logging.JsonFormatter",
                        "static_fields": {"service": "shop"},
                    }
                },
                "handlers": {
                    "out": {
                        "class": "logging.StreamHandler",
                        "stream": "ext://sys.stdout",
                        "formatter": "json",
                        "filters": ["ctx"],
                    }
                },
                "loggers": {
                    "test_schema.dictconfig": {
                        "level": "INFO",
                        "handlers": ["out"],
                        "propagate": False,
                    }
                },
            }
        )
        try:
            with ll.context(request_id="r-9"):
                logger.info("paid %d", 10, extra={"amount": 10})
        finally:
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
                handler.close()

        data = json.loads(capsys.readouterr().out)
        assert ("paid 10", {"request_id": "r-9"}, 10, "shop") == (
            data["message"],
            data["context"],
            data["amount"],
            data["service"],
        )


_EXTRA_KEYS = st.sampled_from(["user_id", "path", "level", "source", "context", "_private", "x"])
_EXTRA_VALUES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)


class TestTemplateMethod:
    @settings(max_examples=60, deadline=None)
    @given(
        extra=st.dictionaries(_EXTRA_KEYS, _EXTRA_VALUES, max_size=5),
        context=st.dictionaries(st.sampled_from(["request_id", "tenant"]), st.text(max_size=3)),
        args=st.sampled_from([(), (42,)]),
        traced=st.booleans(),
        rated=st.booleans(),
        kind=st.sampled_from(["json", "edn", *(["orjson"] if HAS_ORJSON else [])]),
    )
    def test_format_is_the_template_method(
        self,
        extra: dict[str, Any],
        context: dict[str, Any],
        args: tuple[Any, ...],
        traced: bool,
        rated: bool,
        kind: str,
    ) -> None:
        """format() writes what python-json-logger's template steps, called one by one, write."""
        formatter: Any = (
            ll.EdnFormatter() if kind == "edn" else ll.JsonFormatter(use_orjson=kind == "orjson")
        )
        record = _record("user %s" if args else "plain", args, **extra)
        record.context = context
        if traced:
            record.trace_id, record.span_id = "1" * 32, "2" * 16
        if rated:
            record.sample_rate, record.suppressed = 0.5, 3
        ll.ContextFilter().filter(record)

        record.message = record.getMessage()
        log_data: dict[str, Any] = {}
        formatter.add_fields(log_data, record, {})
        expected = formatter.serialize_log_record(formatter.process_log_record(log_data))

        assert expected == formatter.format(record)

    def test_options_take_the_template_method(self) -> None:
        """rename_fields set after construction still applies (options are read per record)."""
        formatter = ll.JsonFormatter()
        formatter.rename_fields = {"level": "severity"}

        data = json.loads(formatter.format(_record()))

        assert "INFO" == data["severity"]


class TestExtrasByLayout:
    """Extras are found per record, whatever records the formatter saw before."""

    def _line(self, formatter: ll.JsonFormatter, record: logging.LogRecord) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(formatter.format(record))
        return out

    def test_same_keys_new_values(self) -> None:
        """Two records with the same extra keys each show their own values."""
        formatter = ll.JsonFormatter()
        lines = [
            self._line(formatter, logging.makeLogRecord({"msg": "m", "user": n, "path": f"/{n}"}))
            for n in range(3)
        ]
        assert [(0, "/0"), (1, "/1"), (2, "/2")] == [(x["user"], x["path"]) for x in lines]

    def test_order_and_clashes_follow_each_record(self) -> None:
        """Extras keep each record's order; a schema key is renamed in every layout."""
        formatter = ll.JsonFormatter()
        first = self._line(formatter, logging.makeLogRecord({"msg": "m", "a": 1, "b": 2}))
        second = self._line(formatter, logging.makeLogRecord({"msg": "m", "b": 2, "a": 1}))
        third = self._line(formatter, logging.makeLogRecord({"msg": "m", "level": "x", "a": 1}))
        assert ["a", "b"] == [k for k in first if k in ("a", "b")]
        assert ["b", "a"] == [k for k in second if k in ("a", "b")]
        assert "x" == third["extra.level"]
        assert "x" != third["level"]

    def test_record_with_attributes_before_the_standard_ones(self) -> None:
        """A LogRecord subclass that sets attributes before LogRecord's own still shows them."""

        class Early(logging.LogRecord):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self.tenant_id = "t-1"
                super().__init__(*args, **kwargs)

        record = Early("app", logging.INFO, __file__, 1, "m", (), None)
        assert "t-1" == self._line(ll.JsonFormatter(), record)["tenant_id"]


class TestSourcePath:
    """``source.file``: short, so a line fits a console wherever the program runs from."""

    @pytest.fixture(autouse=True)
    def _fresh_cache(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(_schema, "_source_cache", {})

    def test_package_outside_sys_path(self, tmp_path: pathlib.Path) -> None:
        """A package no sys.path entry holds (an editable install): from its top folder."""
        module = tmp_path / "src" / "shop" / "api" / "views.py"
        module.parent.mkdir(parents=True)
        for folder in (module.parent, module.parent.parent):
            (folder / "__init__.py").write_text("")
        module.write_text("")
        assert "shop/api/views.py" == _schema.source_path(str(module))

    def test_loose_file_under_the_working_directory(
        self, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A file in no package and on no sys.path entry: relative to the working directory."""
        monkeypatch.chdir(tmp_path)
        script = tmp_path / "tools" / "job.py"
        assert "tools/job.py" == _schema.source_path(str(script))

    def test_elsewhere_stays_absolute(
        self, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Outside sys.path, packages and the working directory, the path is kept whole."""
        (tmp_path / "here").mkdir()
        monkeypatch.chdir(tmp_path / "here")
        elsewhere = str(tmp_path / "there" / "job.py")
        assert elsewhere == _schema.source_path(elsewhere)

    def test_sys_path_entry_wins(self, tmp_path: pathlib.Path) -> None:
        """On sys.path, the longest entry holding the file decides (as before)."""
        module = tmp_path / "shop" / "api.py"
        module.parent.mkdir()
        (module.parent / "__init__.py").write_text("")
        assert "shop/api.py" == _schema._relative(str(module), [str(tmp_path)])
        assert "api.py" == _schema._relative(str(module), [str(tmp_path), str(module.parent)])
