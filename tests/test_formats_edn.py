"""EDN encoding (``formats.edn.dumps``) and ``EdnFormatter``, read back with edn_format."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import io
import logging
import logging.config
import math
import pathlib
import uuid
from typing import Any

import edn_format
import pytest
from edn_format import Keyword
from hypothesis import given, settings
from hypothesis import strategies as st

import lite_logging as ll
from lite_logging.formats.edn import dumps

pytestmark = pytest.mark.usefixtures("empty_context")


def _plain(value: Any) -> Any:
    """edn_format's result as plain Python: keywords as their names, immutable types opened."""
    if isinstance(value, Keyword):
        return value.name
    if isinstance(value, dict | edn_format.ImmutableDict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | edn_format.ImmutableList):
        return [_plain(v) for v in value]
    if isinstance(value, frozenset):
        return frozenset(_plain(v) for v in value)
    return value


def _expected(value: Any) -> Any:
    """What an EDN round trip of ``value`` must give: tuples as lists, sets as frozensets."""
    if isinstance(value, dict):
        return {_expected(k): _expected(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_expected(v) for v in value]
    if isinstance(value, set | frozenset):
        return frozenset(_expected(v) for v in value)
    return value


def _read(text: str) -> Any:
    assert "\n" not in text
    return _plain(edn_format.loads(text))


def _record(msg: str = "user %s logged in", args: tuple[Any, ...] = (42,), **extra: Any) -> Any:
    logger = logging.getLogger("shop.api")
    record = logger.makeRecord("shop.api", logging.INFO, __file__, 17, msg, args, None, "login")
    record.__dict__.update(extra)
    return record


def _raw(line: str) -> Any:
    """The formatter's line as edn_format reads it, keywords kept."""
    assert "\n" not in line
    return edn_format.loads(line)


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@dataclasses.dataclass
class Point:
    x: int
    y: list[int]


class Broken:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


@dataclasses.dataclass
class Hostile:
    x: int

    def __getattribute__(self, name: str) -> Any:
        if name == "x":
            raise RuntimeError("no x")
        return super().__getattribute__(name)


class TestStrings:
    @pytest.mark.parametrize(
        ("text", "expected_edn"),
        [
            ("plain", '"plain"'),
            ('say "hi"', '"say \\"hi\\""'),
            ("back\\slash", '"back\\\\slash"'),
            ("a\nb\tc\rd", '"a\\nb\\tc\\rd"'),
            ("\x1b[2J", '"\\u001b[2J"'),
            ("\x00\x7f\x85", '"\\u0000\\u007f\\u0085"'),
            ("line\u2028sep", '"line\\u2028sep"'),
            ("bidi\u202eevil", '"bidi\\u202eevil"'),
            ("lone \ud800", '"lone \\ud800"'),
            ("é 😀 中", '"é 😀 中"'),
        ],
    )
    def test_escaping(self, text: str, expected_edn: str) -> None:
        """Quotes, backslashes and control/format characters are escaped; other text is raw."""
        assert expected_edn == dumps(text)
        assert text == _read(dumps(text))

    @settings(max_examples=150, deadline=None)
    @given(st.text(alphabet=st.characters(codec=None, categories=None)))
    def test_any_string_round_trips(self, text: str) -> None:
        """Any string, lone surrogates and astral characters included, reads back the same."""
        assert text == _read(dumps(text))


class TestValues:
    @pytest.mark.parametrize(
        ("value", "expected_edn"),
        [
            (None, "nil"),
            (True, "true"),
            (False, "false"),
            (42, "42"),
            (-7, "-7"),
            (1.5, "1.5"),
            (1e-05, "1e-05"),
            (math.inf, "##Inf"),
            (-math.inf, "##-Inf"),
            (math.nan, "##NaN"),
            ([1, (2, 3)], "[1 [2 3]]"),
            ({"ok": 1, "not ok": 2}, '{:ok 1, "not ok" 2}'),
            ({1: "a", None: "b", (1, 2): "c"}, '{1 "a", nil "b", [1 2] "c"}'),
            (decimal.Decimal("1.50"), "1.50M"),
            (decimal.Decimal("NaN"), "##NaN"),
            (Level.HIGH, "3"),
            (Color.RED, '"red"'),
            (Point(1, [2]), "{:x 1, :y [2]}"),
            (b"\x00\xff", '"AP8="'),
            (ValueError("bad"), '"ValueError: bad"'),
            (pathlib.PurePosixPath("/var/log"), '"/var/log"'),
        ],
    )
    def test_encoding(self, value: Any, expected_edn: str) -> None:
        """Each type is written as documented in docs/formats.md."""
        assert expected_edn == dumps(value)

    def test_uuid_and_instants(self) -> None:
        """UUIDs, aware datetimes and dates are tagged and read back as the same values."""
        ident = uuid.uuid4()
        when = datetime.datetime(2026, 11, 26, 17, 30, 1, 5, tzinfo=datetime.timezone.utc)
        offset = datetime.timezone(datetime.timedelta(hours=2))
        day = datetime.date(2026, 11, 26)
        value = [ident, when, when.astimezone(offset), day]

        text = dumps(value)

        assert text.startswith(f'[#uuid "{ident}" #inst "2026-11-26T17:30:01.000005Z"')
        assert [ident, when, when, day] == _read(text)

    def test_naive_datetime_is_a_string(self) -> None:
        """A naive datetime names no instant: it is written as its ISO string, not as #inst."""
        naive = datetime.datetime(2026, 11, 26, 17, 30)
        assert '"2026-11-26T17:30:00"' == dumps(naive)

    def test_sets(self) -> None:
        """Sets are #{...}; elements that encode alike are written once, as a reader demands."""
        assert frozenset({1, "a"}) == _read(dumps({1, "a"}))
        twins = {Broken(), Broken()}
        assert 1 == dumps(twins).count("unrepresentable")

    def test_colliding_keys_are_numbered(self) -> None:
        """Two keys that convert to the same text stay two keys: the later one is numbered."""
        value = {Broken(): 1, "<unrepresentable Broken>": 2, Broken(): 3}
        read = _read(dumps(value))
        assert [1, 2, 3] == sorted(read.values())

    def test_cycles_are_cut(self) -> None:
        """A container inside itself is written as "<cycle>"; siblings sharing one are not."""
        loop: list[Any] = [1]
        loop.append(loop)
        shared = {"k": 1}
        assert [1, "<cycle>"] == _read(dumps(loop))
        assert [{"k": 1}, {"k": 1}] == _read(dumps([shared, shared]))

    def test_deep_nesting_is_cut(self) -> None:
        """Nesting deeper than MAX_DEPTH ends in a string instead of overflowing the stack."""
        deep: list[Any] = []
        for _ in range(500):
            deep = [deep]
        read = _read(dumps(deep))
        for _ in range(64):
            read = read[0]
        assert isinstance(read, str)

    def test_hostile_values_never_raise(self) -> None:
        """Broken __repr__, raising attributes and huge ints still give readable EDN."""
        value = {"broken": Broken(), "hostile": Hostile(1), "huge": 10**5000}
        read = _read(dumps(value))
        assert "<unrepresentable Broken>" == read["broken"]
        assert "<int of 16610 bits>" == read["huge"]
        assert isinstance(read["hostile"], str)

    def test_dict_failing_while_written(self) -> None:
        """A dict whose iteration raises (changed by another thread) still gives one value."""

        class Exploding(dict[str, int]):
            def items(self) -> Any:
                raise RuntimeError("dictionary changed size during iteration")

        record = _record(payload=Exploding(a=1))
        data = _read(ll.EdnFormatter().format(record))
        assert "user 42 logged in" == data["message"]
        assert isinstance(data["payload"], str)

    @settings(max_examples=100, deadline=None)
    @given(
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats(allow_nan=False)
            | st.text()
            # edn_format's reader rounds decimals to 28 digits (its decimal context): stay below
            | st.decimals(min_value=-(10**15), max_value=10**15, places=6),
            lambda children: (
                st.lists(children, max_size=4)
                | st.tuples(children, children)
                | st.dictionaries(st.text(max_size=8), children, max_size=4)
                | st.frozensets(st.integers() | st.text(max_size=8), max_size=4)
            ),
            max_leaves=20,
        )
    )
    def test_nested_values_round_trip(self, value: Any) -> None:
        """Arbitrary nested data reads back equal through a real EDN reader."""
        assert _expected(value) == _read(dumps(value))


class TestEdnFormatter:
    def test_schema_fields_are_typed(self) -> None:
        """Keys are keywords, level a keyword, timestamp an #inst, event_id a #uuid."""
        ll.bind(request_id="r-1")
        record = _record(user_id=42)

        data = _raw(ll.EdnFormatter().format(record))

        keys = [k.name for k in data]
        expected_keys = ["timestamp", "level", "logger", "message", "event_id", "context"]
        assert [*expected_keys, "user_id", "source"] == keys
        assert Keyword("info") == data[Keyword("level")]
        assert abs(record.created - data[Keyword("timestamp")].timestamp()) < 1e-6
        assert uuid.UUID(record.event_id) == data[Keyword("event_id")]
        assert "user 42 logged in" == data[Keyword("message")]
        assert {"request_id": "r-1"} == _plain(data[Keyword("context")])
        assert 42 == data[Keyword("user_id")]

    def test_custom_level_name(self) -> None:
        """A level name that is no valid keyword ("Level 5") is written as a string."""
        record = _record()
        record.levelname = "Level 5"
        assert "Level 5" == _read(ll.EdnFormatter().format(record))["level"]

    def test_rename_static_and_fmt(self) -> None:
        """rename_fields, static_fields and fmt work as for JSON; renamed keys keep their tags."""
        fmt = ll.EdnFormatter(
            "%(process)d",
            rename_fields={"level": "severity", "timestamp": "@t", "event_id": "id"},
            static_fields={"service": "shop"},
        )
        data = _raw(fmt.format(_record()))
        assert Keyword("info") == data[Keyword("severity")]
        assert isinstance(data["@t"], datetime.datetime)
        assert isinstance(data[Keyword("id")], uuid.UUID)
        assert "shop" == data[Keyword("service")]
        assert isinstance(data[Keyword("process")], int)

    def test_exception_and_clashing_extra(self) -> None:
        """The traceback is one escaped string; an extra named like a schema key is kept."""
        try:
            raise ValueError("bad\nthing")
        except ValueError:
            record = logging.getLogger("shop").makeRecord(
                "shop", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info()
            )
        record.__dict__["level"] = "mine"

        data = _read(ll.EdnFormatter().format(record))

        assert "ValueError: bad\nthing" in data["exception"]
        assert "mine" == data["extra.level"]

    def test_awkward_extras_never_raise(self) -> None:
        """Any extra value yields one parseable line."""
        record = _record(blob=b"\x01", when=datetime.date(2026, 1, 1), obj=Broken(), nan=math.nan)
        data = _read(ll.EdnFormatter().format(record))
        assert datetime.date(2026, 1, 1) == data["when"]
        assert math.isnan(data["nan"])
        assert "<unrepresentable Broken>" == data["obj"]

    def test_batch_file_handler_lines(self, tmp_path: pathlib.Path) -> None:
        """BatchFileHandler writes EDN lines that each read back, awkward strings included."""
        path = tmp_path / "app.edn"
        handler = ll.BatchFileHandler(path)
        handler.setFormatter(ll.EdnFormatter())
        messages = ["plain", 'quote " and \\', "new\nline", "esc \x1b[2J", "astral 😀"]
        try:
            handler.handle_batch([_record("%s", (m,)) for m in messages[:3]])
            for message in messages[3:]:
                handler.handle(_record("%s", (message,)))
        finally:
            handler.close()

        lines = path.read_text(encoding="utf-8").splitlines()
        assert messages == [_read(line)["message"] for line in lines]

    def test_dict_config_factory(self) -> None:
        """dictConfig builds it from "()" with keyword options; a StreamHandler writes lines."""
        stream = io.StringIO()
        logger = logging.getLogger("test_edn.dictconfig")
        try:
            logging.config.dictConfig(
                {
                    "version": 1,
                    "disable_existing_loggers": False,
                    "formatters": {
                        "edn": {
                            "()": "lite_logging.EdnFormatter",
                            "static_fields": {"app": "shop"},
                        }
                    },
                    "handlers": {
                        "out": {
                            "class": "logging.StreamHandler",
                            "stream": stream,
                            "formatter": "edn",
                        }
                    },
                    "loggers": {
                        "test_edn.dictconfig": {
                            "handlers": ["out"],
                            "level": "INFO",
                            "propagate": False,
                        }
                    },
                }
            )
            logger.info("one")
            logger.warning("two")
        finally:
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
                handler.close()
            logger.setLevel(logging.NOTSET)
            logger.propagate = True

        lines = stream.getvalue().splitlines()
        assert [("one", "INFO"), ("two", "WARNING")] == [
            (_read(line)["message"], _read(line)["level"].upper()) for line in lines
        ]
        assert {"shop"} == {_read(line)["app"] for line in lines}

    @pytest.mark.parametrize(
        ("timestamp", "tagged"),
        [
            ("2026-11-26T16:30:00.123456Z", True),
            ("2026-11-26T16:30:00+02:00", True),
            ("yesterday", False),
            ("2026-13-01T00:00:00.000000Z", False),
            ("2026-02-30T00:00:00.000000Z", False),
            ("2026-11-26T16:30:60.000000Z", False),
        ],
    )
    def test_overridden_timestamp(self, timestamp: str, tagged: bool) -> None:
        """A timestamp replaced in process_log_record is an #inst only when it is a real one."""

        class Override(ll.EdnFormatter):
            def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
                log_data["timestamp"] = timestamp
                return log_data

        line = Override().format(_record())
        value = _raw(line)[Keyword("timestamp")]
        assert tagged == isinstance(value, datetime.datetime)
        assert ('#inst "' in line) == tagged
