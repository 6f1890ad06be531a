"""RedactFilter: mask secret values by key and by pattern, on copies, never the caller's."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import decimal
import enum
import logging
import pathlib
import re
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..formats._encoding import MAX_DEPTH, json_default
from ..record._attrs import RECORD_ATTRS
from ..record.stamping import stamp_record
from ._common import StatsFilter

__all__ = ["DEFAULT_KEYS", "DEFAULT_PATTERNS", "DEFAULT_WORDS", "RedactFilter"]

DEFAULT_KEYS = (
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "credential",
    "authorization",
    "cookie",
)
"""Key fragments masked by default (matched case-insensitively as substrings)."""

DEFAULT_WORDS = ("pass", "pw")
"""Key words masked by default: matched only as a whole word of the key (``db_pass``,
``userPass``, ``pass``; not ``passenger`` or ``bypass``)."""

# Key names written in text before "=" or ":" (password=..., "api_key": "...").
_TEXT_KEYS = (
    r"(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|credentials?|(?<![a-z0-9])(?:pwd|pass|pw))"
)
DEFAULT_PATTERNS = (
    # 13 to 19 digits, optionally grouped by spaces or dashes, passing the Luhn check. (No
    # lookbehind for "not after a digit": it makes the scan ~40% slower; the replacer checks.)
    r"(?P<card>\d(?:[ -]?\d){12,18})(?![\w-])",
    # The credential after "Bearer" (RFC 6750 token68 characters).
    r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9\-._~+/]+=*)",
    # "password=hunter2", "api_key: abc", "'password': 'x'", "password=\"a b\"" in text: the
    # value after the key, quoted (with escapes) or bare.
    r"(?i)" + _TEXT_KEYS + r"[\"']?\s*[=:]\s*(?:b?\"(?P<secret>(?:[^\"\\]|\\.)*)\""
    r"|b?'(?P<secret_q>(?:[^'\\]|\\.)*)'|(?P<secret_b>[^\s,;&'\"()\[\]{}<>]+))",
    # "Authorization: Basic dXNlcjpwYXNz" (any scheme): the credentials.
    r"(?i)\bauthorization[\"']?\s*[=:]\s*[\"']?(?:[a-z][\w-]*\s+)?(?P<secret>[^\s,;\"']+)",
    # URL userinfo: postgres://bob:secret@host
    r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/:@]*:(?P<secret>[^\s/@]+)@",
    # Private keys in PEM: the whole block (to its END line, or the end of the text).
    r"-----BEGIN[A-Z ]* PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]* PRIVATE KEY-----|\Z)",
    # JSON Web Tokens: header.payload.signature, base64url, header and payload JSON ("eyJ").
    r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
    # Vendor tokens with a fixed prefix: AWS access key ids, GitHub, Slack, Stripe, Google.
    r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"
    r"|\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}|\bgithub_pat_[A-Za-z0-9_]{22,}"
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}|\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"
    r"|\bAIza[A-Za-z0-9_-]{35}",
)
"""Regexes masked by default: card numbers (Luhn), bearer and ``Authorization`` credentials,
``password=...`` in text (quoted or bare), URL passwords, PEM private keys, JWTs and tokens
with a vendor prefix (AWS, GitHub, Slack, Stripe, Google)."""

# Default key names that hold counts, not secrets (LLM APIs): kept when only a default
# fragment ("token") makes them look secret.
_COUNT_KEY = re.compile(
    r"(?:^|_)(?:max|min|num|n|total|prompt|completion|input|output|cached|reasoning)_tokens?$"
    r"|(?:^|_)tokens?_(?:count|used|limit|remaining)$|_(?:count|len|length)$"
)
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")

# Record attributes that are not caller data: the stdlib's, and what stamping adds. Their
# values are left alone (msg and args are handled on their own).
_NOT_DATA = RECORD_ATTRS | {
    "event_id",
    "trace_id",
    "span_id",
    "sample_rate",
    "suppressed",
}
_MAX_DEPTH = MAX_DEPTH  # as deep as the formatters write; deeper containers are masked whole
_KEY_CACHE_MAX = 4096
_SCALARS = frozenset({int, float, bool, type(None), complex})
# Values the formatters write without any user text in them.
_SAFE_TYPES = (
    int,
    float,
    complex,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
    decimal.Decimal,
    pathlib.PurePath,
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _strings(key: str, value: Iterable[str] | None, default: Iterable[str]) -> list[str]:
    """``value`` (one string alone, or ``default`` for ``None``) as a list of non-empty strings."""
    items = list(default if value is None else ([value] if isinstance(value, str) else value))
    for item in items:
        if not isinstance(item, str) or not item:
            raise ValueError(f'"{key}" must be non-empty strings: {item!r}')
    return items


def _compile(patterns: Iterable[str | re.Pattern[str]] | None) -> list[re.Pattern[str]]:
    """``patterns`` (one alone, or ``DEFAULT_PATTERNS`` for ``None``) compiled."""
    if patterns is None:
        patterns = DEFAULT_PATTERNS
    elif isinstance(patterns, (str, re.Pattern)):
        patterns = [patterns]
    compiled: list[re.Pattern[str]] = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except (re.error, TypeError) as exc:
            raise ValueError(f'"patterns" has a bad regex ({exc}): {pattern!r}') from None
    return compiled


class RedactFilter(StatsFilter):
    """Masks secrets in a record: values of secret-looking keys, and regex matches in text.

    Put it on the handler (or ``AsyncQueueHandler``), not on a logger: a logger's filters
    never see records of its child loggers nor span records. At its first record it warns
    (``RuntimeWarning``, once) if it finds itself on a logger.

    Keys: a key matches when, lowercased and with ``-`` read as ``_``, it contains one of
    ``keys`` (substring match, so ``db_password``, ``X-Api-Key`` and ``set_cookie`` are
    masked; pass ``substring=False`` for exact matches), or one of its words (split at
    non-alphanumerics and camelCase) is one of ``words`` (``db_pass``, ``userPass``). With
    the default keys, count keys (``max_tokens``, ``prompt_tokens``, ``*_count``) are kept.
    The key's whole value is replaced by ``mask``, whatever its type. Keys are looked up in
    extras (``extra={...}``), the ambient context, dict arguments
    (``log.info("%(password)s", {...})``) and dict messages, at any depth of dicts, lists,
    tuples, sets and dataclass fields, as deep as the formatters write (64 levels; a deeper
    container is masked whole).

    Patterns: regexes applied to the rendered message, to string arguments, to the strings
    and bytes inside extras and context, to the text the formatters write for any other
    object (its ``repr``), and to tracebacks and stacks. The whole match is masked, or only
    the first matching group named ``secret`` or ``secret_*`` when there are some; a group
    named ``card`` is masked only when its digits pass the Luhn check and it stands alone,
    not inside a longer word or digit run (so hex ids, UUIDs and timestamps are kept). When
    the rendered message changes, ``record.msg`` becomes the redacted text and
    ``record.args`` empty; put a ``RateLimitFilter`` keyed on the template before this
    filter. When a traceback holds a secret, it becomes redacted text (``exc_text``, with
    ``exc_info=None``, as ``QueueHandler.prepare`` does).

    Never mutates the caller's objects: every container that changes is copied (a changed
    ``Mapping`` becomes a ``dict``, a tuple, namedtuple or set keeps its type, a dataclass is
    copied and its fields set on the copy), unchanged ones are shared, and the record's
    attributes are replaced by the copies. The record is stamped first (``stamp_record``:
    idempotent) so the context snapshot it carries can be masked; the shared context mapping
    itself is never touched.

    If redaction itself fails (an object whose ``items()`` raises...), the record is dropped
    rather than written unredacted; the error is counted and printed once to stderr.

    Args:
        keys: key fragments to mask; default :data:`DEFAULT_KEYS`.
        patterns: regexes (strings or compiled) to mask; default :data:`DEFAULT_PATTERNS`.
        mask: the replacement text.
        substring: match keys as substrings (default) or exactly.
        words: key words to mask as whole words; default :data:`DEFAULT_WORDS` with the
            default ``keys``, none with your own.
        name: the name shown in ``ll.stats()["filters"]``; default ``"RedactFilter"``.

    Raises:
        ValueError: a key or word is not a non-empty string, a pattern does not compile, or
            ``mask`` is not a string (the message names it).

    ``stats()``: ``{"redacted": int, "errors": int}``; ``redacted`` counts records in which
    something was masked (approximate under heavy threading: plain ``+=``).
    """

    def __init__(
        self,
        keys: Iterable[str] | None = None,
        patterns: Iterable[str | re.Pattern[str]] | None = None,
        mask: str = "***",
        *,
        substring: bool = True,
        words: Iterable[str] | None = None,
        name: str | None = None,
    ) -> None:
        self.keys = tuple(_normalize(k) for k in _strings("keys", keys, DEFAULT_KEYS))
        default_words = DEFAULT_WORDS if keys is None else ()
        self.words = frozenset(word.lower() for word in _strings("words", words, default_words))
        self._counts_kept = keys is None  # max_tokens and the like: counts, not secrets
        self.patterns = _compile(patterns)
        if not isinstance(mask, str):
            raise ValueError(f'"mask" must be a string: {mask!r}')
        self.mask = mask
        self.substring = bool(substring)
        self._key_cache: dict[str, bool] = {}
        self._scans = [(p, self._replacer(p), _GATES.get(p.pattern)) for p in self.patterns]
        self.redacted = 0
        self._placement_checked = False
        super().__init__(name=name)

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record's secrets; keep it (drop it only if redaction itself fails)."""
        if not self._placement_checked:
            self._placement_checked = True
            self._warn_if_on_a_logger()
        try:
            stamp_record(record)
            changed = self._redact(record)
        except Exception:  # noqa: BLE001 - never raise into the caller: drop, count, report
            self._report_error(record, "redacting the record (the record was dropped)")
            return False
        if changed:
            self.redacted += 1
        return True

    def _warn_if_on_a_logger(self) -> None:
        """Warn (once, at the first record) when this filter sits on a logger: a logger's
        filters never see records of its child loggers, nor span records."""
        try:
            manager = logging.Logger.manager
            loggers = [logging.getLogger(), *list(manager.loggerDict.values())]
            on = [
                lg.name for lg in loggers if isinstance(lg, logging.Logger) and self in lg.filters
            ]
        except Exception:  # noqa: BLE001 - a check of the configuration must not cost the record
            return
        if on:
            warnings.warn(
                f"RedactFilter {self.stats_name!r} is on logger {on[0]!r}: a logger's filters do"
                " not see records from its child loggers or span records, which are written"
                " unredacted; add it to the handler (or AsyncQueueHandler) instead",
                RuntimeWarning,
                stacklevel=2,
            )

    def stats(self) -> dict[str, Any]:
        """Records in which something was masked, and redaction errors."""
        return {"redacted": self.redacted, "errors": self.errors}

    def is_secret_key(self, key: str) -> bool:
        """Return whether values under ``key`` are masked (cached per key)."""
        hit = self._key_cache.get(key)
        if hit is None:
            norm = _normalize(key)
            hit = any(k in norm for k in self.keys) if self.substring else norm in self.keys
            if hit and self._counts_kept and _COUNT_KEY.search(norm) is not None:
                hit = False
            if not hit and self.words:
                split = _WORD_SPLIT.split(_CAMEL.sub(r"\1_\2", key).lower())
                hit = not self.words.isdisjoint(split)
            if len(self._key_cache) >= _KEY_CACHE_MAX:
                self._key_cache.clear()
            self._key_cache[key] = hit
        return hit

    def redact_text(self, text: str) -> str:
        """Return ``text`` with every pattern match masked (the same object if none)."""
        lower = None
        for pattern, replace, gate in self._scans:
            if gate is not None:  # a default pattern: a substring test rules most texts out
                if lower is None:
                    lower = text.lower()
                if not gate(text, lower):
                    continue
            if pattern.search(text) is not None:
                new = pattern.sub(replace, text)
                if new != text:  # a card-like number failing the Luhn check is kept
                    text = new
        return text

    def redact_value(self, value: Any, depth: int = 0) -> Any:
        """Return ``value`` with secrets masked: a copy if anything changed, else itself."""
        kind = type(value)
        if kind is str:
            return self.redact_text(value) if self.patterns else value
        if kind in _SCALARS:  # exact types first: a set lookup
            return value
        if depth >= _MAX_DEPTH:  # deeper than any formatter walks: fail closed
            return value if isinstance(value, _SAFE_TYPES) else self.mask
        if kind is dict or (kind is not tuple and kind is not list and isinstance(value, Mapping)):
            return self._redact_mapping(value, depth)
        if isinstance(value, (list, tuple)):
            return self._redact_sequence(value, depth)
        if isinstance(value, str):  # a str subclass
            return self.redact_text(value) if self.patterns else value
        return self._redact_other(value, depth)

    def _redact_mapping(self, value: Mapping[Any, Any], depth: int) -> Any:
        """A mapping: secret keys masked, values walked; copied (as a dict) on change."""
        out: dict[Any, Any] | None = None
        for key, item in value.items():
            if type(key) is str and self.is_secret_key(key):
                new = self.mask
            else:
                new = self.redact_value(item, depth + 1)
            if new is not item:
                if out is None:
                    out = value.copy() if type(value) is dict else dict(value)
                out[key] = new
        return value if out is None else out

    def _redact_sequence(self, value: list[Any] | tuple[Any, ...], depth: int) -> Any:
        """A list or tuple, walked; on change a list, the same namedtuple type, or a tuple."""
        items = None
        for i, item in enumerate(value):
            new = self.redact_value(item, depth + 1)
            if new is not item:
                if items is None:
                    items = list(value)
                items[i] = new
        if items is None:
            return value
        if isinstance(value, list):
            return items
        if hasattr(value, "_make"):  # a namedtuple keeps its type
            return value._make(items)
        return tuple(items)

    def _redact_other(self, value: Any, depth: int) -> Any:
        """Sets, bytes, dataclasses and any other object, as the formatters will show them."""
        if value is None or isinstance(value, _SAFE_TYPES):
            return value
        if isinstance(value, (set, frozenset)):
            return self._redact_set(value, depth)
        if isinstance(value, (bytes, bytearray)):
            if not self.patterns:
                return value
            text = bytes(value).decode("utf-8", "surrogateescape")
            new_text = self.redact_text(text)
            return value if new_text is text else new_text.encode("utf-8", "surrogateescape")
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self._redact_dataclass(value, depth)
        if isinstance(value, (enum.Enum, type)) or not self.patterns:
            return value
        # Anything else is written as the formatters convert it (its repr, mostly): that text
        # is what must not hold a secret.
        shown = json_default(value)
        if isinstance(shown, str):
            redacted = self.redact_text(shown)
            return value if redacted is shown else redacted
        redacted_shown = self.redact_value(shown, depth + 1)
        return value if redacted_shown is shown else redacted_shown

    def _redact_set(self, value: set[Any] | frozenset[Any], depth: int) -> Any:
        """A set, walked; rebuilt as its own type on change (or a plain set if it can't be)."""
        items = [self.redact_value(item, depth + 1) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        try:
            return type(value)(items)
        except Exception:  # noqa: BLE001 - a set subclass with another constructor
            return set(items) if isinstance(value, set) else frozenset(items)

    def _redact_dataclass(self, value: Any, depth: int) -> Any:
        """A dataclass instance: secret field names masked, the rest walked; on change a
        shallow copy, so that the caller's object stays as it is."""
        changed: dict[str, Any] = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            new = (
                self.mask if self.is_secret_key(field.name) else self.redact_value(item, depth + 1)
            )
            if new is not item:
                changed[field.name] = new
        if not changed:
            return value
        duplicate = copy.copy(value)
        for name, new in changed.items():
            object.__setattr__(duplicate, name, new)  # frozen dataclasses too
        return duplicate

    def _redact(self, record: logging.LogRecord) -> bool:
        """Mask secrets in every field of ``record`` that can carry one; True if any changed."""
        changed = self._redact_extras(record.__dict__)
        changed = self._redact_message(record) or changed
        if self.patterns:
            d = record.__dict__
            if type(d.get("message")) is str:  # already rendered upstream
                message = self.redact_text(d["message"])
                if message is not d["message"]:
                    d["message"] = message
                    changed = True
            if record.exc_info or record.exc_text or record.stack_info:
                changed = self._redact_exception(record) or changed
        return changed

    def _redact_extras(self, d: dict[str, Any]) -> bool:
        """The extras (and context) of a record's ``__dict__``; True if any changed."""
        changed = False
        for key in d.keys() - _NOT_DATA:  # a set difference in C
            value = d[key]
            new = self.mask if self.is_secret_key(key) else self.redact_value(value)
            if new is not value:
                d[key] = new
                changed = True
        return changed

    def _redact_message(self, record: logging.LogRecord) -> bool:
        """``msg`` and ``args``: a structured msg walked; a text one rendered with its args
        and masked as a whole (a secret may span them); True if either changed."""
        msg, args = record.msg, record.args
        new_args = self.redact_value(args) if args else args
        changed = False
        if type(msg) is not str and isinstance(msg, (Mapping, list, tuple)):  # structured
            new_msg = self.redact_value(msg)
            if new_msg is not msg:
                record.msg = new_msg
                changed = True
        elif self.patterns:
            text = msg if isinstance(msg, str) else str(msg)
            try:
                rendered = text % new_args if new_args else text
            except Exception:  # noqa: BLE001 - a bad format: the handler reports it, as logging does
                rendered = text
            redacted = self.redact_text(rendered)
            if redacted is not rendered:
                record.msg, record.args, new_args = redacted, (), ()
                changed = True
        if new_args is not args:
            record.args = new_args
            changed = True
        return changed

    def _redact_exception(self, record: logging.LogRecord) -> bool:
        """Mask secrets in the traceback and stack texts. When the traceback holds one, it
        becomes text (``exc_text``, ``exc_info=None``, as ``QueueHandler.prepare`` does), so
        no formatter renders the exception object again."""
        changed = False
        exc_info = record.exc_info
        if exc_info and exc_info[1] is not None:
            text = "".join(traceback.format_exception(exc_info[0], exc_info[1], exc_info[2]))
            text = text.rstrip("\n")
            redacted = self.redact_text(text)
            if redacted is not text:
                record.exc_info, record.exc_text = None, redacted
                changed = True
        elif record.exc_text:
            redacted = self.redact_text(record.exc_text)
            if redacted is not record.exc_text:
                record.exc_text = redacted
                changed = True
        if record.stack_info:
            redacted = self.redact_text(record.stack_info)
            if redacted is not record.stack_info:
                record.stack_info = redacted
                changed = True
        return changed

    def _replacer(self, pattern: re.Pattern[str]) -> Any:
        mask = self.mask
        groups = [name for name in pattern.groupindex if name.startswith("secret")]
        card = "card" in pattern.groupindex

        def replace(m: re.Match[str]) -> str:
            if card:
                start, end = m.span("card")
                if (start and _continues_word(m.string[start - 1])) or not _luhn(
                    m.group("card").replace(" ", "").replace("-", "")
                ):
                    return m.group(0)  # inside a longer word (a hex id...), or no card number
            elif groups:
                for group in groups:
                    start, end = m.span(group)
                    if start >= 0:
                        break
                else:
                    return mask
            else:
                return mask
            base = m.start()
            whole = m.group(0)
            return whole[: start - base] + mask + whole[end - base :]

        return replace


def _gate_bearer(text: str, lower: str) -> bool:
    return "bearer" in lower


def _gate_key_value(text: str, lower: str) -> bool:
    return ("=" in text or ":" in text) and (
        "pass" in lower
        or "secret" in lower
        or "token" in lower
        or "key" in lower
        or "pw" in lower
        or "credential" in lower
    )


def _gate_authorization(text: str, lower: str) -> bool:
    return "authorization" in lower


def _gate_url(text: str, lower: str) -> bool:
    return "://" in text and "@" in text


def _gate_pem(text: str, lower: str) -> bool:
    return "PRIVATE KEY-----" in text


def _gate_jwt(text: str, lower: str) -> bool:
    return "eyJ" in text


def _gate_vendor(text: str, lower: str) -> bool:
    return (
        "_" in text
        or "-" in text
        or "AKIA" in text
        or "ASIA" in text
        or "ABIA" in text
        or "ACCA" in text
        or "AIza" in text
    )


# Cheap pre-checks for the default patterns (the regexes scan at ~5 ns a character; these
# substring tests run in C at a fraction of that). Each is true whenever its regex can match
# ASCII text; keyed by pattern text, so a user's own pattern never gets one.
_GATES: dict[str, Callable[[str, str], bool]] = {
    DEFAULT_PATTERNS[1]: _gate_bearer,
    DEFAULT_PATTERNS[2]: _gate_key_value,
    DEFAULT_PATTERNS[3]: _gate_authorization,
    DEFAULT_PATTERNS[4]: _gate_url,
    DEFAULT_PATTERNS[5]: _gate_pem,
    DEFAULT_PATTERNS[6]: _gate_jwt,
    DEFAULT_PATTERNS[7]: _gate_vendor,
}


def _continues_word(char: str) -> bool:
    """A card number stands alone: not right after a letter, digit, ``_`` or ``-``."""
    return char.isalnum() or char in "_-"


def _normalize(key: str) -> str:
    return key.lower().replace("-", "_")
