"""Tests for lite_logging.filters.redact: RedactFilter."""

from __future__ import annotations

import copy
import json
import logging
import logging.config
import re
from collections import namedtuple
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from conftest import ListHandler
from hypothesis import example, given, settings
from hypothesis import strategies as st
from refusals import assert_refused

import lite_logging as ll
from lite_logging.filters.redact import DEFAULT_KEYS
from lite_logging.metrics import _registry as _stats

LOGGER = "tests.filters.redact"
CARD = "4111 1111 1111 1111"  # passes the Luhn check
NOT_CARD = "4111 1111 1111 1112"  # fails it

pytestmark = pytest.mark.usefixtures("empty_context")


def _record(msg: object = "msg", *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("app", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


class TestKeys:
    @pytest.mark.parametrize(
        "key",
        [
            "password",
            "PASSWORD",
            "db_password",
            "X-Api-Key",
            "api_key",
            "Authorization",
            "set-cookie",
            "refresh_token",
            "client_secret",
            "passwd",
            "pwd",
            "pass",
            "db_pass",
            "userPass",
            "credentials",
            "private_key",
            "aws_access_key_id",
            "apikey",
        ],
    )
    def test_secret_keys_masked(self, key: str) -> None:
        """Default keys match case-insensitively, as substrings, '-' read as '_'."""
        record = _record(**{key: "hunter2"})
        assert ll.RedactFilter().filter(record)
        assert "***" == record.__dict__[key]

    @pytest.mark.parametrize(
        "key",
        ["user", "tok", "apikeys_count", "passenger", "bypass", "max_tokens", "prompt_tokens"],
    )
    def test_other_keys_kept(self, key: str) -> None:
        """Keys without a default fragment or word, and count keys (max_tokens), are kept."""
        record = _record(**{key: "value"})
        ll.RedactFilter().filter(record)
        assert "value" == record.__dict__[key]

    def test_exact_mode(self) -> None:
        """substring=False masks only keys equal to a configured one."""
        f = ll.RedactFilter(keys=["token"], substring=False)
        record = _record(token="a", Token="b", csrf_token="c")
        f.filter(record)
        expected = {"token": "***", "Token": "***", "csrf_token": "c"}
        assert expected == {k: record.__dict__[k] for k in expected}

    def test_whole_value_masked(self) -> None:
        """A secret key's value is masked whatever its type."""
        record = _record(secret={"nested": [1, 2]}, token=12345)
        ll.RedactFilter().filter(record)
        assert ("***", "***") == (record.secret, record.token)  # type: ignore[attr-defined]

    def test_nested_structures_copied(self) -> None:
        """Nested dicts, lists and tuples are masked on copies; the caller's stay intact."""
        user = {
            "name": "ann",
            "Password": "p1",
            "sessions": [{"cookie": "c1", "ip": "1.2.3.4"}, ("token", {"api-key": "k"})],
            "prefs": {"theme": "dark"},
        }
        before = copy.deepcopy(user)
        record = _record(user=user)
        ll.RedactFilter().filter(record)
        assert before == user
        expected = {
            "name": "ann",
            "Password": "***",
            "sessions": [{"cookie": "***", "ip": "1.2.3.4"}, ("token", {"api-key": "***"})],
            "prefs": {"theme": "dark"},
        }
        assert expected == record.user  # type: ignore[attr-defined]
        assert user["prefs"] is record.user["prefs"]  # type: ignore[attr-defined]  # shared

    def test_namedtuple_keeps_type(self) -> None:
        """A namedtuple that changes is rebuilt as the same namedtuple type."""
        pair = namedtuple("pair", "left right")
        record = _record(creds=pair({"password": "x"}, 1))
        ll.RedactFilter().filter(record)
        assert pair({"password": "***"}, 1) == record.creds  # type: ignore[attr-defined]
        assert pair is type(record.creds)  # type: ignore[attr-defined]

    def test_cycle_terminates(self) -> None:
        """A self-referencing structure is walked to a bounded depth, never forever."""
        loop: dict[str, Any] = {"password": "x"}
        loop["self"] = loop
        record = _record(loop=loop)
        assert ll.RedactFilter().filter(record)
        assert "***" == record.loop["password"]  # type: ignore[attr-defined]
        assert "x" == loop["password"]


class TestContext:
    def test_context_masked_on_a_copy(self) -> None:
        """Context values under secret keys are masked on the record; the context is intact."""
        ll.bind(request_id="r1", auth_token="t0k3n")
        shared = ll.get_context()
        record = _record()
        ll.RedactFilter().filter(record)
        assert {"request_id": "r1", "auth_token": "***"} == record.context  # type: ignore[attr-defined]
        assert shared == ll.get_context()
        assert "event_id" in record.__dict__  # stamped first

    def test_stamped_ids_untouched(self) -> None:
        """Event, trace and span ids are never scanned (hex ids can look like card numbers)."""
        with ll.continue_trace("00-41111111111111114111111111111111-4111111111111111-01"):
            record = _record()
            ll.RedactFilter().filter(record)
        assert "41111111111111114111111111111111" == record.trace_id  # type: ignore[attr-defined]
        assert "4111111111111111" == record.span_id  # type: ignore[attr-defined]


class TestPatterns:
    def test_card_in_rendered_message(self) -> None:
        """A card number produced by formatting (%d of an int) is masked in the message."""
        record = _record("paid with %d by %s", 4111111111111111, "ann")
        ll.RedactFilter().filter(record)
        assert "paid with *** by ann" == record.getMessage()

    def test_card_in_string_args(self) -> None:
        """A card in a string argument is masked; the template is kept when nothing else hits."""
        record = _record("card %s", CARD)
        ll.RedactFilter().filter(record)
        assert "card ***" == record.getMessage()

    def test_luhn_failure_kept(self) -> None:
        """Digit runs failing the Luhn check (ids, timestamps) are not masked."""
        record = _record("order %s at %d", NOT_CARD, 1764180000000000000)
        f = ll.RedactFilter()
        f.filter(record)
        assert f"order {NOT_CARD} at 1764180000000000000" == record.getMessage()
        assert {"redacted": 0, "errors": 0} == f.stats()

    @pytest.mark.parametrize(
        "digits", ["4111111111111111", "84111111111111111", "9" * 20 + "4111111111111111"]
    )
    def test_longer_digit_runs_kept(self, digits: str) -> None:
        """Digits inside a run longer than 19 are not a card, even where a suffix is one."""
        text = f"id {digits}0000 ok" if len(digits) < 20 else f"id {digits} ok"
        record = _record(text)
        ll.RedactFilter().filter(record)
        assert text == record.getMessage()

    @pytest.mark.parametrize(
        "text",
        ["a4111111111111111", "4111111111111111f", "_4111111111111111", "x-4111111111111111"],
    )
    def test_digits_inside_a_word_kept(self, text: str) -> None:
        """A card-like digit run inside a hex id or word (parent_span_id...) is not masked."""
        record = _record("id %s", text, parent_span_id=text)
        ll.RedactFilter().filter(record)
        assert (f"id {text}", text) == (record.getMessage(), record.parent_span_id)  # type: ignore[attr-defined]

    def test_case_insensitive_defaults(self) -> None:
        """The default text patterns ignore case."""
        record = _record("BEARER abc TOKEN: xyz Api-Key=k")
        ll.RedactFilter().filter(record)
        assert "BEARER *** TOKEN: *** Api-Key=***" == record.getMessage()

    def test_card_with_dashes(self) -> None:
        """Cards written with dashes are recognised too."""
        record = _record("card 5500-0000-0000-0004 ok")
        ll.RedactFilter().filter(record)
        assert "card *** ok" == record.getMessage()

    def test_bearer_token(self) -> None:
        """Only the credential after "Bearer" is masked."""
        record = _record("header Authorization: Bearer eyJhbGciOi.J9.x-y_z= sent")
        ll.RedactFilter().filter(record)
        assert "header Authorization: Bearer *** sent" == record.getMessage()

    def test_key_value_in_text(self) -> None:
        """password=..., api_key: ... written in text are masked after the separator."""
        record = _record("login password=hunter2 api_key: abc123&x=1")
        ll.RedactFilter().filter(record)
        assert "login password=*** api_key: ***&x=1" == record.getMessage()

    def test_custom_patterns_and_mask(self) -> None:
        """Custom regexes replace the defaults; a 'secret' group limits the mask."""
        f = ll.RedactFilter(patterns=[r"ssn=(?P<secret>\d+)", re.compile("XYZ")], mask="[x]")
        record = _record("ssn=123456 code XYZ card %s", CARD)
        f.filter(record)
        assert f"ssn=[x] code [x] card {CARD}" == record.getMessage()

    def test_dict_argument_keys(self) -> None:
        """A dict argument is key-masked and the message renders from the copy."""
        args = {"user": "ann", "password": "p"}
        record = logging.LogRecord("app", 20, __file__, 1, "%(user)s/%(password)s", (args,), None)
        ll.RedactFilter().filter(record)
        assert "ann/***" == record.getMessage()
        assert "p" == args["password"]

    def test_dict_message(self) -> None:
        """A dict message is key-masked on a copy."""
        message = {"event": "login", "password": "p"}
        record = _record(message)
        ll.RedactFilter().filter(record)
        assert {"event": "login", "password": "***"} == record.msg
        assert "p" == message["password"]

    def test_strings_in_extras_scanned(self) -> None:
        """Strings inside extras are scanned by the patterns too."""
        record = _record(payment={"note": f"card {CARD}"})
        ll.RedactFilter().filter(record)
        assert {"note": "card ***"} == record.payment  # type: ignore[attr-defined]

    def test_already_rendered_message(self) -> None:
        """A record whose message was rendered upstream has its message redacted too."""
        record = _record(f"card {CARD}")
        record.message = record.getMessage()
        ll.RedactFilter().filter(record)
        assert "card ***" == record.message

    def test_bad_format_left_to_the_handler(self) -> None:
        """A message that does not format does not make the filter fail or drop the record."""
        record = _record("%d items", "many")
        assert ll.RedactFilter().filter(record)
        assert "%d items" == record.msg


class TestFailure:
    def test_failing_redaction_drops_and_reports(self, capsys: pytest.CaptureFixture[str]) -> None:
        """If a value cannot be walked the record is dropped (not written unredacted)."""

        class Broken(Mapping[str, Any]):
            def __getitem__(self, key: str) -> Any:
                raise KeyError(key)

            def __iter__(self) -> Iterator[str]:
                raise RuntimeError("cannot iterate")

            def __len__(self) -> int:
                return 1

        f = ll.RedactFilter(name="redact-failure")
        assert not f.filter(_record(data=Broken()))
        assert not f.filter(_record(data=Broken()))
        err = capsys.readouterr().err
        assert 1 == err.count("--- Logging error in RedactFilter 'redact-failure'")
        assert {"redacted": 0, "errors": 2} == f.stats()


class TestInvalid:
    @pytest.mark.parametrize(
        ("kwargs", "words"),
        [
            ({"keys": [""]}, ['"keys"', "''"]),
            ({"keys": [5]}, ['"keys"', "5"]),
            ({"patterns": ["(unclosed"]}, ['"patterns"', "'(unclosed'"]),
            ({"patterns": [5]}, ['"patterns"', "5"]),
            ({"mask": None}, ['"mask"', "None"]),
            ({"words": [""]}, ['"words"', "''"]),
        ],
    )
    def test_rejected(self, kwargs: dict[str, object], words: list[str]) -> None:
        """Bad options raise ValueError naming the key and the value."""
        assert_refused(lambda: ll.RedactFilter(**kwargs), words)  # type: ignore[arg-type]


class TestStats:
    def test_counts_records_changed(self) -> None:
        """redacted counts records in which something was masked."""
        f = ll.RedactFilter(name="redact-count")
        for record in [_record(password="x"), _record(), _record("c %s", CARD), _record(a=1)]:
            f.filter(record)
        assert {"redacted": 2, "errors": 0} == _stats.collect()["filters"]["redact-count"]


_json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
_key = st.one_of(
    st.sampled_from([*DEFAULT_KEYS, "Api-Key", "user", "note", "id"]), st.text(max_size=8)
)
_json = st.recursive(
    _json_leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_key, children, max_size=4),
    max_leaves=20,
)


def _secret_values(value: Any, f: ll.RedactFilter) -> list[Any]:
    """Values under secret keys anywhere in value (what must never reach the output)."""
    found: list[Any] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if f.is_secret_key(k):
                found.append(v)
            else:
                found.extend(_secret_values(v, f))
    elif isinstance(value, list):
        for item in value:
            found.extend(_secret_values(item, f))
    return found


class TestProperties:
    @given(extras=st.dictionaries(st.sampled_from(["data", "payload", "token", "x"]), _json))
    @settings(max_examples=150, deadline=None)
    def test_any_extras(self, extras: dict[str, Any]) -> None:
        """Any extras: caller data unchanged, output parses, secret keys show only the mask."""
        before = copy.deepcopy(extras)
        f = ll.RedactFilter()
        record = _record(**extras)
        assert f.filter(record)
        assert before == extras
        line = json.loads(ll.JsonFormatter().format(record))
        for key in extras:
            assert key in line
            if f.is_secret_key(key):
                assert "***" == line[key]
            else:
                assert all(v == "***" for v in _secret_values(line[key], f))


class TestPlacement:
    @pytest.mark.usefixtures("restore_logging")
    def test_on_a_logger_misses_children_and_warns_once(self) -> None:
        """On a logger: child loggers' records pass unredacted, and it warns at first use."""
        handler = ListHandler()
        parent = logging.getLogger(LOGGER + ".parent")
        parent.addHandler(handler)
        parent.setLevel(logging.INFO)
        parent.addFilter(ll.RedactFilter())

        with pytest.warns(RuntimeWarning, match="child loggers or span records"):
            parent.info("password=p1")
        parent.info("password=p2")  # no second warning: warnings are errors in this suite
        logging.getLogger(LOGGER + ".parent.child").info("password=p3")

        assert ["password=***", "password=***", "password=p3"] == handler.messages

    @pytest.mark.usefixtures("restore_logging")
    def test_on_the_handler_sees_everything_silently(self) -> None:
        """On the handler: child loggers' records are redacted too, and nothing warns."""
        handler = ListHandler()
        handler.addFilter(ll.RedactFilter())
        parent = logging.getLogger(LOGGER + ".handler")
        parent.addHandler(handler)
        parent.setLevel(logging.INFO)

        parent.info("password=p1")
        logging.getLogger(LOGGER + ".handler.child").info("password=p3")

        assert ["password=***", "password=***"] == handler.messages


_SHAPES = [
    "password={}",
    'password="{}"',
    "{{'password': '{}'}}",
    '{{"api_key": "{}"}}',
    "User(pwd='{}')",
    "postgres://bob:{}@db/app",
    "Authorization: Basic {}",
    "GET /x?token={}&page=2",
]


class TestSecretProperties:
    @given(
        secret=st.text(st.characters(categories=["L", "N"]), min_size=6, max_size=20),
        shape=st.sampled_from(_SHAPES),
        words=st.lists(st.sampled_from(["ok", "id=7", "a:b", "x"]), max_size=3),
    )
    @example(secret="passwo", shape="password={}", words=[])  # a secret inside the key
    @settings(max_examples=200, deadline=None)
    def test_any_secret_in_any_shape_is_masked(
        self, secret: str, shape: str, words: list[str]
    ) -> None:
        """Any word-character secret in a known shape, in any text, never reaches the output."""
        text = " ".join([*words, shape.format(secret), *words])
        record = _record("%s", text)
        redact = ll.RedactFilter()
        assert redact.filter(record)
        line = ll.JsonFormatter(use_orjson=False).format(record)
        # the secret may also be part of the shape's own words ("passwo" in "password=")
        masked = " ".join([*words, shape.format(redact.mask), *words])
        assert masked.count(secret) == json.loads(line)["message"].count(secret)


class TestConfigured:
    @pytest.mark.usefixtures("restore_logging")
    def test_dictconfig(self) -> None:
        """dictConfig builds it with "()" and keyword options, on a logger."""
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "filters": {
                    "redact": {
                        "()": "lite_logging.RedactFilter",
                        "keys": ["pin"],
                        "patterns": [r"\bSSN-\d+"],
                        "mask": "<hidden>",
                        "name": "redact-dictconfig",
                    }
                },
                "handlers": {"list": {"()": ListHandler}},
                "loggers": {
                    LOGGER: {
                        "handlers": ["list"],
                        "filters": ["redact"],
                        "level": "DEBUG",
                        "propagate": False,
                    }
                },
            }
        )
        log = logging.getLogger(LOGGER)
        handler = log.handlers[0]
        assert isinstance(handler, ListHandler)
        caller = {"pin": 1234, "password": "kept: not a configured key"}
        with pytest.warns(RuntimeWarning, match="is on logger 'tests.filters.redact'"):
            log.info("user %s has SSN-123", "ann", extra={"card": caller})
        record = handler.records[0]
        assert "user ann has <hidden>" == record.getMessage()
        expected = {"pin": "<hidden>", "password": "kept: not a configured key"}
        assert expected == record.card  # type: ignore[attr-defined]
        assert 1234 == caller["pin"]
        assert {"redacted": 1, "errors": 0} == _stats.collect()["filters"]["redact-dictconfig"]
