"""Every formatter writes the same record: JSON (stdlib and orjson) and EDN cannot drift apart.

Each line is parsed back and normalised to plain JSON-like data (EDN keywords to names,
``#inst`` to the JSON text of the instant, sets to sorted lists...), then compared.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import logging
import math
import sys
import uuid
from collections.abc import Callable
from typing import Any

import edn_format
import pytest
from conftest import AVAILABLE_BACKENDS, JSON_BACKENDS, needs_orjson
from edn_format import Keyword
from hypothesis import given, settings
from hypothesis import strategies as st

import lite_logging as ll
from lite_logging.formats._json_codec import HAS_ORJSON

Parse = Callable[[str], dict[str, Any]]


def _parse_json(line: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def _edn_key(key: Any) -> str:
    if isinstance(key, Keyword):
        return str(key.name)
    if isinstance(key, str):
        return key
    return json.dumps(key)  # what the JSON formatter does with 1, None, True


def _edn_value(value: Any) -> Any:
    """An EDN value as the JSON formatter writes the same Python value."""
    if isinstance(value, Keyword):
        return value.name
    if isinstance(value, dict | edn_format.ImmutableDict):
        return {_edn_key(k): _edn_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | edn_format.ImmutableList):
        return [_edn_value(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(_edn_value(v) for v in value)
    if isinstance(value, datetime.date | uuid.UUID | decimal.Decimal):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _parse_edn(line: str) -> dict[str, Any]:
    parsed = edn_format.loads(line)
    data: dict[str, Any] = {}
    for key, value in parsed.items():
        name = _edn_key(key)
        if name == "timestamp":
            data[name] = value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif isinstance(value, Keyword):  # the level, under whatever name it was renamed to
            data[name] = value.name.upper()
        else:
            data[name] = _edn_value(value)
    return data


_ALL_FORMATTERS: list[tuple[str, Callable[..., logging.Formatter], Parse]] = [
    ("json", lambda **kw: ll.JsonFormatter(use_orjson=False, **kw), _parse_json),
    ("orjson", lambda **kw: ll.JsonFormatter(use_orjson=True, **kw), _parse_json),
    ("edn", ll.EdnFormatter, _parse_edn),
]
# The formatters compared with each other: orjson's when it is installed.
FORMATTERS = [f for f in _ALL_FORMATTERS if f[0] != "orjson" or HAS_ORJSON]
# Each formatter's own cases: orjson's skip, saying why, where it is not installed.
FORMATTER_PARAMS = [
    pytest.param(*f, id=f[0], marks=[needs_orjson] if f[0] == "orjson" else [])
    for f in _ALL_FORMATTERS
]


pytestmark = pytest.mark.usefixtures("empty_context")


def _record(
    msg: Any = "user %s logged in",
    args: tuple[Any, ...] = (42,),
    exc_info: Any = None,
    **extra: Any,
) -> logging.LogRecord:
    logger = logging.getLogger("shop.api")
    record = logger.makeRecord("shop.api", logging.INFO, __file__, 17, msg, args, exc_info, "login")
    record.__dict__.update(extra)
    return record


def _lines(record: logging.LogRecord, **options: Any) -> dict[str, dict[str, Any]]:
    """The record through every formatter, parsed: ``{"json": {...}, "edn": {...}, ...}``."""
    result = {}
    for name, factory, parse in FORMATTERS:
        line = factory(**options).format(record)
        assert "\n" not in line
        result[name] = parse(line)
    return result


def _assert_same(lines: dict[str, dict[str, Any]]) -> dict[str, Any]:
    reference = lines["json"]
    for name, data in lines.items():
        assert list(reference) == list(data), name
        assert reference == data, name
    return reference


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: float


class TestSameRecord:
    def test_schema_and_awkward_values(self) -> None:
        """Context, extras of every supported type, ids: same keys, same values everywhere."""
        ll.bind(request_id="r-1")
        loop: list[Any] = [1]
        loop.append(loop)
        record = _record(
            user_id=42,
            ratio=0.25,
            nothing=None,
            flag=True,
            when=datetime.datetime(2026, 11, 26, 16, 30, tzinfo=datetime.timezone.utc),
            day=datetime.date(2026, 11, 26),
            ident=uuid.UUID("019ac0c4-8f0a-7c3e-9b1d-5f2a6e0c1d77"),
            amount=decimal.Decimal("1.50"),
            blob=b"\x00\xff",
            tags={"b", "a"},
            pair=(1, "two"),
            color=Color.RED,
            point=Point(1, 2.5),
            error=ValueError("bad"),
            nan=math.nan,
            inf=-math.inf,
            nested={"a": {"b": [1, {"c": None}]}, 7: "int key", "not a keyword": 1},
            loop=loop,
            text='quote " backslash \\ newline \n esc \x1b astral 😀 é',
            trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
            span_id="00f067aa0ba902b7",
        )

        data = _assert_same(_lines(record))

        assert "INFO" == data["level"]
        assert {"request_id": "r-1"} == data["context"]
        assert ["a", "b"] == data["tags"]
        assert "NaN" == data["nan"]
        assert [1, "<cycle>"] == data["loop"]
        assert "00f067aa0ba902b7" == data["span_id"]

    def test_exception_clash_and_dict_message(self) -> None:
        """Exception text, a clashing extra and a dict message come out alike."""
        try:
            raise KeyError("missing")
        except KeyError:
            record = _record({"action": "sync", "level": "mine"}, (), sys.exc_info())
        record.__dict__["message_id"] = 3

        data = _assert_same(_lines(record))

        assert "KeyError: 'missing'" in data["exception"]
        assert ("sync", "mine") == (data["action"], data["extra.level"])

    def test_options(self) -> None:
        """fmt, rename_fields, static_fields and defaults apply the same to every format."""
        options = {
            "fmt": "%(process)d %(threadName)s",
            "rename_fields": {"level": "severity", "message": "msg"},
            "static_fields": {"service": "shop"},
        }

        data = _assert_same(_lines(_record(), **options))

        assert ("INFO", "shop") == (data["severity"], data["service"])
        assert "msg" in data
        assert "message" not in data

    def test_empty_context_and_no_span(self) -> None:
        """context, trace_id and span_id are omitted in every format when there are none."""
        data = _assert_same(_lines(_record()))
        assert set() == {"context", "trace_id", "span_id"} & set(data)


_JSONABLE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec=None, categories=None), max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=15,
)


def _edn_json(value: Any) -> Any:
    """EDN data back as JSON data (keyword keys as names)."""
    if isinstance(value, dict | edn_format.ImmutableDict):
        return {_edn_key(k): _edn_json(v) for k, v in value.items()}
    if isinstance(value, list | edn_format.ImmutableList):
        return [_edn_json(v) for v in value]
    return value


class TestRoundTrip:
    @settings(max_examples=60, deadline=None)
    @given(_JSONABLE)
    def test_any_jsonable_extra(self, value: Any) -> None:
        """Any JSON-able extra reads back equal: json.loads for JSON, edn_format for EDN."""
        record = _record(payload=value)

        for use_orjson in AVAILABLE_BACKENDS:
            line = ll.JsonFormatter(use_orjson=use_orjson).format(record)
            assert value == json.loads(line)["payload"]
        edn = edn_format.loads(ll.EdnFormatter().format(record))
        assert value == _edn_json(edn[Keyword("payload")])


class TestPythonJsonLoggerOptions:
    """Every option of python-json-logger 4.x's formatters works, or is refused by name."""

    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTER_PARAMS)
    def test_prefix_rename_keep_missing_reserved(
        self, name: str, factory: Callable[..., logging.Formatter], parse: Parse
    ) -> None:
        """prefix, rename_fields_keep_missing and reserved_attrs act as in python-json-logger."""
        formatter = factory(
            prefix="@",
            rename_fields={"exception": "error", "level": "severity"},
            rename_fields_keep_missing=True,
            reserved_attrs=["secret"],
        )

        line = formatter.format(_record(secret="s3cret", shown=1))

        assert line.startswith("@")
        data = parse(line[1:])
        assert (None, 1) == (data["error"], data["shown"])
        assert "secret" not in data
        assert "s3cret" not in line

    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTER_PARAMS)
    def test_exc_and_stack_info_as_array(
        self, name: str, factory: Callable[..., logging.Formatter], parse: Parse
    ) -> None:
        """exc_info_as_array and stack_info_as_array write lists of lines."""
        try:
            raise KeyError("missing")
        except KeyError:
            record = _record("failed", (), sys.exc_info())
        record.stack_info = "Stack (most recent call last):\n  line"

        data = parse(factory(exc_info_as_array=True, stack_info_as_array=True).format(record))

        assert "KeyError: 'missing'" == data["exception"][-1]
        assert ["Stack (most recent call last):", "  line"] == data["stack"]

    @pytest.mark.parametrize("use_orjson", JSON_BACKENDS)
    def test_json_default_indent_ensure_ascii(self, use_orjson: bool) -> None:
        """json_default serves both backends; json_indent and json_ensure_ascii apply."""

        class Money:
            pass

        def default(value: Any) -> Any:
            return "money" if isinstance(value, Money) else repr(value)

        compact = ll.JsonFormatter(use_orjson=use_orjson, json_default=default)
        indented = ll.JsonFormatter(use_orjson=use_orjson, json_indent=2, json_ensure_ascii=True)
        record = _record(price=Money(), text="é", bad=math.nan)

        assert "money" == json.loads(compact.format(record))["price"]
        line = indented.format(record)
        assert '\n  "text": "\\u00e9"' in line
        assert "NaN" == json.loads(line)["bad"]

    @pytest.mark.parametrize(
        ("option", "value"),
        [("json_encoder", json.JSONEncoder), ("json_serializer", repr), ("timestamp", "ts")],
    )
    def test_unsupported_option_is_refused(self, option: str, value: Any) -> None:
        """An option whose meaning the formatter cannot keep fails at construction, named."""
        with pytest.raises(ValueError, match=f'"{option}"') as error:
            ll.JsonFormatter(**{option: value})
        assert repr(value) in str(error.value)

    @pytest.mark.parametrize("timestamp", [True, False, "timestamp"])
    def test_timestamp_flag_is_accepted(self, timestamp: Any) -> None:
        """timestamp=True/False is accepted: the schema always writes the timestamp."""
        for formatter in (
            ll.JsonFormatter(timestamp=timestamp),
            ll.EdnFormatter(timestamp=timestamp),
        ):
            assert "2" in formatter.format(_record())
