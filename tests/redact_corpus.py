"""A corpus of secret shapes and look-alike non-secrets, for RedactFilter end to end.

Each case logs through a handler carrying ``RedactFilter()`` (defaults) and one of the
output formats; a case leaks in a format when one of its secret values (or the base64 of
bytes holding one, as JSON writes bytes) appears in that format's output. The secret
shapes are the issue's probes plus what detect-secrets and gitleaks look for in logs; each
is placed in message text, arguments, extras (nested, in dataclasses, namedtuples, sets,
bytes), context and exception text.

Run ``python tests/redact_corpus.py`` for the leak rate of the installed lite_logging.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import logging
import sys
from collections import namedtuple
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import lite_logging as ll

Emit = Callable[[logging.Logger], None]


class Case(NamedTuple):
    """One probe in one place: what to log, and the secret values that must not show."""

    name: str
    secrets: tuple[str, ...]
    emit: Emit


# Text shapes: (name, text holding the secret, the secret values inside it).
_PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAs3cr3tPemB0dyLine1\n"
    "c2VjcmV0UGVtQm9keUxpbmUy\n-----END RSA PRIVATE KEY-----"
)
TEXT_SHAPES: list[tuple[str, str, tuple[str, ...]]] = [
    ("key=value", "login password=hunter2x1 ok", ("hunter2x1",)),
    ("json quoted", '{"password": "hunter2x2", "user": "bob"}', ("hunter2x2",)),
    ("python dict repr", "{'password': 'hunter2x3', 'user': 'bob'}", ("hunter2x3",)),
    ("object repr", "User(name='bob', password='hunter2x4')", ("hunter2x4",)),
    ("quoted with space", "password='hunter2 x5' next", ("hunter2 x5",)),
    ("url userinfo", "connect postgres://bob:hunter2x6@db.example.com/app", ("hunter2x6",)),
    ("basic auth", "Authorization: Basic Ym9iOmh1bnRlcjJ4Nw==", ("Ym9iOmh1bnRlcjJ4Nw==",)),
    ("bearer header", "Authorization: Bearer tok.en-x8_value", ("tok.en-x8_value",)),
    ("aws access key id", "key id AKIAIOSFODNN7EXAMPLE used", ("AKIAIOSFODNN7EXAMPLE",)),
    (
        "aws secret key",
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",),
    ),
    (
        "jwt",
        "got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9Pl",
        ("eyJzdWIiOiIxMjM0NTY3ODkwIn0", "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9Pl"),
    ),
    ("github token", "push ghp_" + "a1B2" * 9 + " done", ("ghp_" + "a1B2" * 9,)),
    ("slack token", "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", ("AbCdEfGhIjKlMnOp",)),
    ("stripe key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", ("4eC39HqLyjWDarjtT1zdp7dc",)),
    (
        "google api key",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
        ("SyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",),
    ),
    ("pem private key", _PEM, ("MIIEowIBAAKCAQEAs3cr3tPemB0dyLine1", "c2VjcmV0UGVtQm9keUxpbmUy")),
    ("card spaces", "paid with 4111 1111 1111 1111 today", ("4111 1111 1111 1111",)),
    ("card dashes", "card 5500-0000-0000-0004", ("5500-0000-0000-0004",)),
    ("query api_key", "GET https://api.example.com/v1?api_key=k3yx16&page=2", ("k3yx16",)),
    ("query token", "GET /cb?state=1&token=t0kx17", ("t0kx17",)),
    ("access_token", "refresh access_token=acc3ssx18", ("acc3ssx18",)),
    ("pwd", "pwd=hunter2x19", ("hunter2x19",)),
    ("pass", "pass: hunter2x20", ("hunter2x20",)),
    ("credentials", '"credentials": "cr3dx21"', ("cr3dx21",)),
    ("private_key", "private_key=pr1vx22", ("pr1vx22",)),
]

# Key shapes: (key, secret value) given as extras, nested extras and context.
KEY_SHAPES = [
    ("password", "hunter2k1"),
    ("pwd", "hunter2k2"),
    ("pass", "hunter2k3"),
    ("credentials", "hunter2k4"),
    ("private_key", "hunter2k5"),
    ("X-Api-Key", "hunter2k6"),
    ("db_password", "hunter2k7"),
    ("Authorization", "hunter2k8"),
]

NON_SECRETS = [
    "max_tokens=5",
    "4bf92f3577b34da6a3ce929d0e0e4736",
    "00f067aa0ba902b7",
    "019ac0c4-8f0a-7c3e-9b1d-5f2a6e0c1d77",
    "2026-11-26T16:30:00.123456Z",
    "1764180000000000000",
    "1234567890123",
    "/srv/app/token_store/passwd_reader.py",
    "4111 1111 1111 1112",
    "passenger=3",
]
"""Strings that look a little like secrets and must survive redaction."""


@dataclasses.dataclass
class Info:
    """A dataclass extra, as an application would log one."""

    note: str
    password: str = "hunter2dc"


@dataclasses.dataclass(frozen=True)
class Frozen:
    """A frozen dataclass holding a secret under a secret field name."""

    token: str


Pair = namedtuple("Pair", "left right")


class Opaque:
    """An object the formatters write by its repr."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Opaque({self.text})"


def _deep(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = {"level": value}
    return value


def _raise(text: str) -> None:
    raise ValueError(text)


def _exception(log: logging.Logger, text: str) -> None:
    try:
        _raise(text)
    except ValueError:
        log.exception("request failed")


def _in_context(log: logging.Logger, **kv: Any) -> None:
    with ll.context(**kv):
        log.info("in context")


def _text_places(text: str) -> Iterator[tuple[str, Emit]]:
    """Every place a text can travel in a record."""
    yield "message", lambda log: log.info(text)
    yield "argument", lambda log: log.info("got %s", text)
    yield "dict argument", lambda log: log.info("got %(v)s", {"v": text})
    yield "extra", lambda log: log.info("x", extra={"note": text})
    yield "nested extra", lambda log: log.info("x", extra={"req": {"headers": [text]}})
    yield "deep extra", lambda log: log.info("x", extra={"deep": _deep(text, 20)})
    yield "dataclass", lambda log: log.info("x", extra={"info": Info(text)})
    yield "namedtuple", lambda log: log.info("x", extra={"pair": Pair(1, text)})
    yield "set", lambda log: log.info("x", extra={"tags": {text}})
    yield "bytes", lambda log: log.info("x", extra={"raw": text.encode()})
    yield "object", lambda log: log.info("x", extra={"obj": Opaque(text)})
    yield "context", lambda log: _in_context(log, note=text)
    yield "exception", lambda log: _exception(log, text)


def cases() -> list[Case]:
    """The whole corpus: every secret shape in every place."""
    found: list[Case] = []
    for shape, text, secrets in TEXT_SHAPES:
        for place, emit in _text_places(text):
            found.append(Case(f"{shape} in {place}", secrets, emit))
    for key, secret in KEY_SHAPES:
        found += [
            Case(
                f"key {key} in extra",
                (secret,),
                lambda log, k=key, s=secret: log.info("x", extra={k: s}),
            ),
            Case(
                f"key {key} nested",
                (secret,),
                lambda log, k=key, s=secret: log.info("x", extra={"user": [{"name": "bob", k: s}]}),
            ),
            Case(
                f"key {key} 20 deep",
                (secret,),
                lambda log, k=key, s=secret: log.info("x", extra={"deep": _deep({k: s}, 20)}),
            ),
            Case(
                f"key {key} in context",
                (secret,),
                lambda log, k=key, s=secret: _in_context(log, **{k: s}),
            ),
        ]
    found += [
        Case(
            "dataclass field password",
            ("hunter2dc",),
            lambda log: log.info("x", extra={"info": Info("n")}),
        ),
        Case(
            "frozen dataclass field token",
            ("hunter2fz",),
            lambda log: log.info("x", extra={"f": Frozen("hunter2fz")}),
        ),
        Case(
            "namedtuple holding a dict",
            ("hunter2nt",),
            lambda log: log.info("x", extra={"pair": Pair({"password": "hunter2nt"}, 1)}),
        ),
    ]
    return found


FORMATS: dict[str, Callable[[], logging.Formatter]] = {
    "json": lambda: ll.JsonFormatter(use_orjson=False),
    "json-orjson": lambda: ll.JsonFormatter(use_orjson=True),
    "edn": ll.EdnFormatter,
    "pretty": ll.PrettyFormatter,
}


def output(emit: Emit, formatter: logging.Formatter) -> str:
    """What ``emit`` writes through a handler with ``RedactFilter()`` and ``formatter``."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(ll.RedactFilter())
    log = logging.getLogger("tests.redact_corpus")
    saved = log.handlers[:], log.propagate, log.level
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.DEBUG)
    try:
        emit(log)
    finally:
        log.handlers[:], log.propagate = saved[0], saved[1]
        log.setLevel(saved[2])
    return stream.getvalue()


def leaked(case: Case, text: str) -> list[str]:
    """The secrets of ``case`` that show in ``text`` (also base64-encoded, as bytes are)."""
    shown = []
    for secret in case.secrets:
        if secret in text or secret.replace("/", "\\/") in text:
            shown.append(secret)
    for _, full, secrets in TEXT_SHAPES:  # bytes extras are written as base64
        if set(secrets) & set(case.secrets) and base64.b64encode(full.encode()).decode() in text:
            shown.append("base64:" + full)
    return shown


def leak_rate() -> tuple[int, int, list[str]]:
    """(leaking case-format pairs, all pairs, their names)."""
    names = []
    total = 0
    for case in cases():
        for fmt, make in FORMATS.items():
            total += 1
            if leaked(case, output(case.emit, make())):
                names.append(f"{case.name} [{fmt}]")
    return len(names), total, names


if __name__ == "__main__":
    count, total, names = leak_rate()
    probes = {name.split(" in ")[0].split(" [")[0] for name in names}
    print(f"{ll.__file__}: {count} of {total} case-format pairs leak ({count / total:.1%})")
    print(f"shapes leaking somewhere: {len(probes)}: {sorted(probes)}")
    if "-v" in sys.argv:
        print("\n".join(names))
