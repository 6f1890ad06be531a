"""Hostile input through every formatter: values that raise, clashing keys, teardown.

Each behaviour runs through JSON (stdlib json and orjson), EDN and, where it applies, the
pretty console, so the formats cannot drift: the record is always written, only the bad
value degrades, and JSON's bytes do not depend on whether orjson is installed.
"""

from __future__ import annotations

import collections
import collections.abc
import datetime
import enum
import io
import json
import logging
import math
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import edn_format
import pytest
from conftest import NO_THREADS, needs_orjson
from edn_format import Keyword
from format_support import LINE_BREAKS, assert_one_line_each, breaking_text
from hypothesis import given, settings
from hypothesis import strategies as st

import lite_logging as ll
from lite_logging.formats import _schema
from lite_logging.formats._json_codec import HAS_ORJSON
from lite_logging.record.stamping import stamp_record

pytestmark = pytest.mark.usefixtures("empty_context")


def _parse_json(line: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def _name(key: Any) -> Any:
    return key.name if isinstance(key, Keyword) else key


def _parse_edn(line: str) -> dict[str, Any]:
    return {_name(k): v for k, v in edn_format.loads(line).items()}


Parse = Callable[[str], dict[str, Any]]
ALL_FORMATTERS: list[tuple[str, Callable[..., logging.Formatter], Parse]] = [
    ("json", lambda **kw: ll.JsonFormatter(use_orjson=False, **kw), _parse_json),
    ("orjson", lambda **kw: ll.JsonFormatter(use_orjson=True, **kw), _parse_json),
    ("edn", ll.EdnFormatter, _parse_edn),
]
# Each formatter as a parametrization: orjson's cases skip, saying so, without orjson.
FORMATTERS = [
    pytest.param(*f, id=f[0], marks=[needs_orjson] if f[0] == "orjson" else [])
    for f in ALL_FORMATTERS
]
# The formatters a test loops over: orjson's when it is installed.
AVAILABLE_FORMATTERS = [f for f in ALL_FORMATTERS if f[0] != "orjson" or HAS_ORJSON]


def _record(msg: Any = "user %s", args: Any = (42,), **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("shop.api", logging.INFO, __file__, 17, msg, args, None, "login")
    record.__dict__.update(extra)
    return record


# --- hostile values --------------------------------------------------------------------


class RaisingRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr")

    def __str__(self) -> str:
        raise RuntimeError("str")


class RaisingMapping(collections.abc.Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("getitem")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("iter")

    def __len__(self) -> int:
        return 1


class RaisingLt:
    def __lt__(self, other: object) -> bool:
        raise RuntimeError("lt")

    def __hash__(self) -> int:
        return id(self)


class RaisingBool:
    def __bool__(self) -> bool:
        raise RuntimeError("bool")


class RaisingTz(datetime.tzinfo):
    def utcoffset(self, dt: datetime.datetime | None) -> datetime.timedelta:
        raise RuntimeError("utcoffset")

    def dst(self, dt: datetime.datetime | None) -> datetime.timedelta:
        raise RuntimeError("dst")

    def tzname(self, dt: datetime.datetime | None) -> str:
        raise RuntimeError("tzname")


class RaisingIterList(list[int]):
    def __iter__(self) -> Iterator[int]:
        raise RuntimeError("iter")


class RaisingItemsDict(dict[str, int]):
    def items(self) -> Any:
        raise RuntimeError("items")


class RaisingStrError(Exception):
    def __str__(self) -> str:
        raise RuntimeError("str")


class RaisingClass:
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        raise RuntimeError("__class__")


def _deep(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


HOSTILE: dict[str, Callable[[], Any]] = {
    "raising repr and str": RaisingRepr,
    "mapping whose iteration raises": RaisingMapping,
    "set whose __lt__ raises": lambda: {RaisingLt(), RaisingLt()},
    "truth test raises": RaisingBool,
    "datetime whose utcoffset raises": lambda: datetime.datetime(2026, 1, 1, tzinfo=RaisingTz()),
    "list whose __iter__ raises": lambda: RaisingIterList([1, 2]),
    "dict whose items() raises": lambda: RaisingItemsDict(a=1),
    "exception whose __str__ raises": RaisingStrError,
    "__class__ raises": RaisingClass,
    "depth 10,000": lambda: _deep(10_000),
}
# The value cut at the depth limit is written as its repr, which recurses through the
# 10,000 levels in C: in Pyodide that overflows the JavaScript stack before Python can raise
# RecursionError, and the interpreter dies (a Pyodide limit; docs/pyodide.md).
DEEP = {"depth 10,000"}
HOSTILE_PARAMS = [
    pytest.param(
        name, id=name, marks=[pytest.mark.native("deep recursion")] if name in DEEP else []
    )
    for name in HOSTILE
]


class TestHostileValues:
    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTERS)
    @pytest.mark.parametrize("hostile", HOSTILE_PARAMS)
    def test_bad_value_degrades_alone(
        self, name: str, factory: Callable[..., logging.Formatter], parse: Parse, hostile: str
    ) -> None:
        """A value that raises is written degraded; the record and its other fields stay."""
        record = _record(bad=HOSTILE[hostile](), user_id=7)

        data = parse(factory().format(record))

        assert ("user 42", 7) == (data["message"], data["user_id"])
        assert "bad" in data

    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTERS)
    def test_context_whose_truth_test_raises(
        self, name: str, factory: Callable[..., logging.Formatter], parse: Parse
    ) -> None:
        """extra={"context": obj} whose __bool__ raises still writes the record."""
        data = parse(factory().format(_record(context=RaisingBool())))

        assert "user 42" == data["message"]
        assert data["context"].startswith("<")

    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTERS)
    def test_non_string_extra_key(
        self, name: str, factory: Callable[..., logging.Formatter], parse: Parse
    ) -> None:
        """extra={1: "x"} (a non-str key in record.__dict__) is written under "1"."""
        logger = logging.getLogger("tests.hostile.intkey")
        extra: dict[Any, object] = {1: "x"}  # not the str keys makeRecord is typed for
        record = logger.makeRecord("x", logging.INFO, __file__, 1, "m", (), None, extra=extra)

        assert "x" == parse(factory().format(record))["1"]

    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTERS)
    def test_record_fields_that_raise(
        self, name: str, factory: Callable[..., logging.Formatter], parse: Parse
    ) -> None:
        """A record whose own fields are broken is written degraded with format_error."""
        record = _record()
        record.created = "not a time"  # type: ignore[assignment]

        data = parse(factory().format(record))

        assert ("user %s", "INFO") == (data["message"], str(_name(data["level"])).upper())
        assert data["format_error"].startswith("ValueError: invalid literal")


class TestMessageError:
    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTERS)
    @pytest.mark.parametrize("options", [{}, {"static_fields": {"service": "shop"}}])
    def test_bad_format_string_is_written(
        self,
        name: str,
        factory: Callable[..., logging.Formatter],
        parse: Parse,
        options: dict[str, Any],
    ) -> None:
        """log.info("%d", "x") without a queue writes the raw msg and message_error."""
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(factory(**options))
        logger = logging.Logger("tests.hostile")  # outside the tree: no capture handlers
        logger.addHandler(handler)

        logger.info("%d items", "x")

        data = parse(stream.getvalue().strip())
        assert "%d items" == data["message"]
        error = {_name(k): v for k, v in data["message_error"].items()}
        assert error["error"].startswith("TypeError")
        assert ["'x'"] == list(error["args"])

    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTERS)
    def test_message_error_is_not_an_extra_clash(
        self, name: str, factory: Callable[..., logging.Formatter], parse: Parse
    ) -> None:
        """message_error set by the queue handler is written under its own name."""
        record = _record("raw %d", None, message_error={"error": "TypeError: x", "args": []})

        data = parse(factory().format(record))

        assert "extra.message_error" not in data
        assert "raw %d" == data["message"]
        assert ["message", "message_error"] == list(data)[3:5]


# (an object whose __class__ raises breaks hypothesis itself: only in the test above; the
# deep value only where the interpreter survives it, not in Pyodide)
_hostile = st.sampled_from(
    sorted(set(HOSTILE) - {"__class__ raises"} - (DEEP if NO_THREADS else set()))
).map(lambda name: HOSTILE[name]())
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.binary(max_size=5)
    | st.datetimes(timezones=st.sampled_from([None, datetime.timezone.utc]))
)
_values = st.recursive(
    _scalars | _hostile,
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=4) | st.integers(), children, max_size=3)
        | st.frozensets(st.integers() | st.text(max_size=3), max_size=3)
    ),
    max_leaves=8,
)


class TestAnyValueParses:
    @settings(max_examples=60, deadline=None)
    @given(extra=st.dictionaries(st.sampled_from(["a", "b", "level", "ctx"]), _values))
    def test_every_line_parses(self, extra: dict[str, Any]) -> None:
        """Any extra value, hostile ones included, gives a line json.loads / edn_format read."""
        record = _record(**extra)

        for name, factory, parse in AVAILABLE_FORMATTERS:
            data = parse(factory().format(record))
            assert "user 42" == data["message"], name


class TestLineBreaksStayInside:
    @settings(max_examples=100, deadline=None)
    @given(text=breaking_text)
    def test_any_string_is_one_line_read_back_equal(self, text: str) -> None:
        """A string in the message, an extra's key and value, the context and the exception
        text gives a line ``str.splitlines()`` keeps whole, read back to the same string."""
        key = "k" + text
        with ll.context(ctx=text):
            record = _record("%s", (text,), **{key: text})
            stamp_record(record)
        record.exc_text = text

        for name, factory, parse in AVAILABLE_FORMATTERS:
            line = factory().format(record)
            assert_one_line_each(line, 1)
            data = parse(line)
            context = {_name(k): v for k, v in data["context"].items()}
            assert (text, text, {"ctx": text}) == (data["message"], data[key], context), name
            assert text == data.get("exception", ""), name

    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTERS)
    def test_forged_record_stays_inside_its_string(
        self, name: str, factory: Callable[..., logging.Formatter], parse: Parse
    ) -> None:
        """A message hiding a JSON record behind U+2028 is one line and one message."""
        message = 'ok\u2028{"level":"CRITICAL","message":"login ok user=admin"}\x85\u2029'

        line = factory().format(_record("%s", (message,)))

        assert [line] == line.splitlines()
        assert message == parse(line)["message"]


# --- the same bytes with and without orjson ------------------------------------------


class Colour(enum.Enum):
    RED = "red"


class Number(enum.IntEnum):
    ONE = 1


class Float(float):
    def __repr__(self) -> str:
        return "Float!"


class Text(str):
    def __str__(self) -> str:
        return "Text!"


class Int(int):
    def __repr__(self) -> str:
        return "Int!"


Pair = collections.namedtuple("Pair", "x y")


SAME_BYTES: dict[str, Any] = {
    "float subclass": Float(1.5),
    "float subclass NaN": Float("nan"),
    "NaN and infinities": [math.nan, math.inf, -math.inf],
    "non-ASCII": "héllo ✓ \U0001f600",
    "lone surrogate": "a\udcffb",
    "int subclass": Int(3),
    "str subclass": Text("t"),
    "enums": [Colour.RED, Number.ONE],
    "namedtuple": Pair(1, 2),
    "non-str keys": {1: "a", "1": "b", None: "c", 1.5: "d", False: "e", (1, 2): "f"},
    "big ints": [2**64, -(2**63) - 1, 10**700],
    "small floats": [1e-05, 2.5e-07, 9.99e-05, 1e-10, 0.0001, 1e22],
    "depth 100": _deep(100),
    "depth 300": _deep(300),
    "controls": "\x00\x1b[2J\x7f\u2028\n",
    "line breaks": "".join(LINE_BREAKS),
}


def _both(record: logging.LogRecord, **options: Any) -> tuple[str, str]:
    stamp_record(record)
    return (
        ll.JsonFormatter(use_orjson=False, **options).format(record),
        ll.JsonFormatter(use_orjson=True, **options).format(record),
    )


_any = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.builds(Float, st.floats())
    | st.builds(Int, st.integers(min_value=-(2**70), max_value=2**70))
    | st.builds(Text, st.text(max_size=5))
    | st.sampled_from([Colour.RED, Number.ONE]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.builds(Pair, children, children)
        | st.dictionaries(
            st.text(max_size=5) | st.integers() | st.none() | st.booleans(), children, max_size=4
        )
    ),
    max_leaves=20,
)


@needs_orjson
class TestSameBytesWithoutOrjson:
    @pytest.mark.parametrize("case", list(SAME_BYTES), ids=list(SAME_BYTES))
    def test_known_differences(self, case: str) -> None:
        """Values orjson and json write differently out of the box give one line here."""
        stdlib, orjson = _both(_record(value=SAME_BYTES[case]))

        assert stdlib == orjson
        json.loads(stdlib)

    @pytest.mark.parametrize("hostile", HOSTILE_PARAMS)
    def test_hostile_values(self, hostile: str) -> None:
        """A value that raises degrades to the same text with either backend."""
        stdlib, orjson = _both(_record(bad=HOSTILE[hostile]()))

        assert stdlib == orjson

    def test_non_ascii_is_utf8_text(self) -> None:
        """Non-ASCII text is written as is (UTF-8), not as \\u escapes, by both backends."""
        stdlib, orjson = _both(_record(text="héllo"))

        assert '"text":"héllo"' in stdlib
        assert stdlib == orjson

    @settings(max_examples=200, deadline=None)
    @given(extra=st.dictionaries(st.sampled_from(["a", "b", "level", "c"]), _any, max_size=4))
    def test_any_record_same_bytes(self, extra: dict[str, Any]) -> None:
        """Any record is written byte for byte alike by orjson and stdlib json."""
        stdlib, orjson = _both(_record(**extra))

        assert stdlib == orjson

    @pytest.mark.native("a subprocess")
    def test_without_orjson_installed(self, tmp_path: Any) -> None:
        """A process where orjson cannot be imported writes the very same bytes."""
        script = tmp_path / "line.py"
        script.write_text(
            textwrap.dedent(
                """
                import logging, sys
                if sys.argv[1] == "blocked":
                    sys.modules["orjson"] = None
                import lite_logging as ll
                r = logging.LogRecord("a", 20, "/x.py", 1, "m %s", ("é",), None, "f")
                r.created = 1700000000.25
                r.__dict__.update(event_id="e", small=2.5e-07, text="h\\u00e9llo")
                f = ll.JsonFormatter()
                sys.stdout.buffer.write(f"{f.use_orjson}\\t{f.format(r)}".encode())
                """
            )
        )

        def run(mode: str) -> str:
            return subprocess.run(
                [sys.executable, str(script), mode], capture_output=True, check=True
            ).stdout.decode()

        with_orjson, without = run("normal"), run("blocked")

        assert with_orjson.startswith("True\t")
        assert without.startswith("False\t")
        assert with_orjson.split("\t", 1)[1] == without.split("\t", 1)[1]


# --- clashing keys ---------------------------------------------------------------------


class TestClashesKeepEveryValue:
    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTERS)
    def test_extra_named_like_a_renamed_clash(
        self, name: str, factory: Callable[..., logging.Formatter], parse: Parse
    ) -> None:
        """level="A" and extra.level="B" are both kept: extra.extra.level and extra.level."""
        data = parse(factory().format(_record(level="A", **{"extra.level": "B"})))

        assert ("INFO", "A", "B") == (
            str(_name(data["level"])).upper(),
            data["extra.extra.level"],
            data["extra.level"],
        )

    @pytest.mark.parametrize(("name", "factory", "parse"), FORMATTERS)
    def test_static_field_and_rename_clashes(
        self, name: str, factory: Callable[..., logging.Formatter], parse: Parse
    ) -> None:
        """An extra named like a static field, or like a renamed field, is kept beside it."""
        record = _record(service="mine", severity="high")

        data = parse(
            factory(static_fields={"service": "shop"}, rename_fields={"level": "severity"}).format(
                record
            )
        )

        assert ("shop", "mine") == (data["service"], data["extra.service"])
        assert ("INFO", "high") == (str(_name(data["severity"])).upper(), data["extra.severity"])

    @settings(max_examples=100, deadline=None)
    @given(
        keys=st.sets(
            st.sampled_from(
                ["level", "message_x", "source", "a", "timestamp", "exception"]
            ).flatmap(lambda k: st.sampled_from([k, "extra." + k, "extra.extra." + k])),
            max_size=8,
        ),
        static=st.booleans(),
    )
    def test_every_extra_value_is_written(self, keys: set[str], static: bool) -> None:
        """Whatever extra keys clash, every extra value is in the line, under extra.* names."""
        values = {key: f"value-{i}" for i, key in enumerate(sorted(keys))}
        options = {"static_fields": {"a": "static", "level": "static"}} if static else {}
        record = _record(**values)

        for name, factory, parse in AVAILABLE_FORMATTERS:
            data = parse(factory(**options).format(record))
            written = {v: k for k, v in data.items() if isinstance(v, str)}
            assert set(values.values()) <= set(written), name
            for key, value in values.items():
                assert written[value].endswith(key), name
                assert set(written[value][: -len(key)].split(".")) <= {"extra", ""}, name


# --- interpreter teardown ------------------------------------------------------------


class TestTeardown:
    def test_source_path_without_sys_path(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With sys.path None (interpreter teardown) the path is written as given."""
        monkeypatch.setattr(_schema, "_source_cache", {})
        monkeypatch.setattr(sys, "path", None)

        assert "/srv/app/x.py" == _schema.source_path("/srv/app/x.py")

    @pytest.mark.native("a subprocess")
    def test_del_logging_at_teardown_is_written(self, tmp_path: Any) -> None:
        """A __del__ that logs while the interpreter tears modules down writes its record."""
        script = tmp_path / "teardown.py"
        script.write_text(
            textwrap.dedent(
                """
                import logging, sys
                import lite_logging as ll
                handler = logging.StreamHandler(sys.stdout)
                handler.setFormatter(ll.JsonFormatter())
                log = logging.getLogger("teardown")
                log.addHandler(handler)
                log.propagate = False

                class Resource:
                    def __del__(self):
                        log.warning("closing %s", "resource")

                resource = Resource()
                """
            )
        )
        result = subprocess.run(
            [sys.executable, str(script)], capture_output=True, check=True, cwd=tmp_path
        )

        assert b"" == result.stderr
        data = json.loads(result.stdout)
        assert "closing resource" == data["message"]
        assert data["source"]["file"].endswith("teardown.py")
