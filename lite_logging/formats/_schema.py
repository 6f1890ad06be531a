"""The record schema shared by every formatter: which fields, in which order, from where.

``SchemaFormatter`` is python-json-logger's ``BaseJsonFormatter`` with its ``add_fields``
step replaced by the SPEC's schema. Each output format (JSON, EDN, pretty) then overrides
only ``jsonify_log_record``, so the formats cannot drift apart.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS, BaseJsonFormatter

from ..record._attrs import INIT_ATTRS, RECORD_ATTRS
from ..record._message import MESSAGE_ERROR_KEY, render_message
from ..record.stamping import stamp_record
from ._encoding import format_timestamp, json_default, safe_repr

__all__ = ["EXTRA_CLASH_PREFIX", "SCHEMA_KEYS", "SchemaFormatter", "source_path"]

SCHEMA_KEYS = frozenset(
    {
        "timestamp",
        "level",
        "logger",
        "message",
        "message_error",
        "event_id",
        "context",
        "trace_id",
        "span_id",
        "source",
        "exception",
        "stack",
        "sample_rate",
        "suppressed",
    }
)
"""Keys the schema owns. An ``extra=`` key among these is written as ``extra.KEY``
(``extra.extra.KEY`` when another extra already has that name, and so on)."""

EXTRA_CLASH_PREFIX = "extra."

# Record attributes that are not extras: the stdlib's (on this Python), python-json-logger's
# reserved list, and what stamping and formatting add.
_STANDARD_ATTRS = frozenset(
    RECORD_ATTRS
    | set(RESERVED_ATTRS)
    | {"event_id", "context", "trace_id", "span_id", "trace_flags"}
    | {"sample_rate", "suppressed", MESSAGE_ERROR_KEY}
)

# The attributes LogRecord.__init__ sets, in its order: a record's __dict__ starts with them,
# so the search for extras can skip them with one list comparison.
_INIT_KEYS = list(INIT_ATTRS)
_N_INIT = len(_INIT_KEYS)

_LogRecord = logging.LogRecord
_EXTRAS_CACHE_MAX = 1024  # distinct record layouts remembered per formatter

_source_cache: dict[str, str] = {}
_SOURCE_CACHE_MAX = 4096


def source_path(pathname: str) -> str:
    """``pathname`` relative to the longest ``sys.path`` entry holding it (``shop/api.py``),
    else to its top-level package's folder, else to the working directory when under it.

    Cached per path name: a process has few source files, so this is a dict lookup.
    Never raises: when ``sys.path`` is unusable (``None`` during interpreter teardown, when
    a ``__del__`` logs) or ``pathname`` is no string, the path is written as given.
    """
    shown = _source_cache.get(pathname)
    if shown is not None:
        return shown
    try:
        shown = _relative(pathname, sys.path)
    except Exception:  # noqa: BLE001 - teardown: sys.path is None, os half torn down
        return pathname
    if len(_source_cache) >= _SOURCE_CACHE_MAX:
        _source_cache.clear()
    _source_cache[pathname] = shown
    return shown


def _relative(pathname: str, entries: list[str]) -> str:
    best = ""
    for entry in entries:
        root = os.path.abspath(entry or os.curdir)
        if len(root) > len(best) and pathname.startswith(root + os.sep):
            best = root
    return pathname[len(best) + 1 :] if best else _outside_sys_path(pathname)


def _outside_sys_path(pathname: str) -> str:
    """A path no ``sys.path`` entry holds (an editable install's package, found by an
    import hook): from its top-level package folder (``shop/api.py``), else relative to the
    working directory when under it, else as given."""
    if not os.path.isabs(pathname):
        return pathname
    folder = os.path.dirname(pathname)
    package = ""
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        package = folder
        folder = os.path.dirname(folder)
        if folder == package:  # the root
            break
    top = os.path.dirname(package) if package else os.getcwd()
    if pathname.startswith(top.rstrip(os.sep) + os.sep):
        return pathname[len(top.rstrip(os.sep)) + 1 :]
    return pathname


def _field_name(key: object) -> str:
    """The output name of a record attribute or dict-message key that is not a ``str``:
    its JSON text (``1`` -> ``"1"``, ``None`` -> ``"null"``), else its string form."""
    try:
        if isinstance(key, str):
            return str.__str__(key)
        if key is None or isinstance(key, bool):
            return "null" if key is None else ("true" if key else "false")
        if isinstance(key, int):
            return int.__repr__(int.__int__(key))
        if isinstance(key, float):
            return float.__repr__(float.__float__(key))
        converted = json_default(key)
        return converted if isinstance(converted, str) else safe_repr(key)
    except Exception:  # noqa: BLE001 - an int too long to print
        return safe_repr(key)


def _free_name(name: str, *taken: Any) -> str:
    """``name``, or ``extra.name``, ``extra.extra.name``...: the first not in any of ``taken``."""
    while any(name in names for names in taken):
        name = EXTRA_CLASH_PREFIX + name
    return name


class SchemaFormatter(BaseJsonFormatter):
    """Base of lite_logging's formatters: builds the SPEC's record schema as a dict.

    Field order: timestamp, level, logger, message, event_id, context, the ``fmt``-selected
    record attributes, ``static_fields``, extras, trace_id, span_id, sample_rate,
    suppressed, source, exception, stack. ``rename_fields`` applies to all of them.
    A record not stamped yet (no ``ContextFilter``/``AsyncQueueHandler`` before it) is
    stamped here, which is right for a handler that formats in the caller's thread.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.timestamp not in (False, True, "timestamp"):
            # The schema always writes "timestamp"; another name is rename_fields' job.
            raise ValueError(
                '"timestamp" must be True or False (rename the field with rename_fields): '
                f"{self.timestamp!r}"
            )
        # Extras are what is left of record.__dict__ after the standard attributes.
        self._skip_fields = set(self._skip_fields) | _STANDARD_ATTRS
        self._extras_by_keys: dict[tuple[Any, ...], _Extras] = {}
        # fmt-selected attributes; "message" (logging's default fmt) is written anyway.
        self._fmt_fields = tuple(f for f in self._required_fields if f != "message")
        self._asctime = "asctime" in self._required_fields
        # Specialised once: a step no subclass overrides is not called per record
        # (python-json-logger's process_log_record returns its argument; its
        # serialize_log_record adds the prefix, read per record).
        cls = type(self)
        self._processes = cls.process_log_record is not BaseJsonFormatter.process_log_record
        self._serializes = cls.serialize_log_record is not BaseJsonFormatter.serialize_log_record
        # The serialization step: python-json-logger's serialize_log_record is the prefix
        # and jsonify_log_record; without a prefix, jsonify_log_record alone (JsonFormatter
        # sets its encoder here, when jsonify_log_record is not overridden further).
        self._serialize: Callable[[dict[str, Any]], str] = (
            self.serialize_log_record
            if self._serializes or self.prefix
            else self.jsonify_log_record
        )

    def format(self, record: logging.LogRecord) -> str:
        """python-json-logger's template method: ``add_fields`` -> ``process_log_record``
        -> ``serialize_log_record`` (``jsonify_log_record``); never raises.

        A message that fails to render is written raw with a ``message_error`` field; a
        record whose very fields raise is written degraded (its plain fields and
        ``format_error``), never lost.
        """
        try:
            return self._serialize(self._log_data(record, True))
        except Exception as exc:  # noqa: BLE001 - the record is written degraded, not lost
            return self._format_degraded(record, exc)

    def _log_data(self, record: logging.LogRecord, exceptions: bool) -> dict[str, Any]:
        """The steps of python-json-logger's ``format`` before serialization: the message
        rendered (never raising), the texts of ``exc_info`` and ``stack_info`` (with
        ``exceptions``), ``add_fields``, ``process_log_record``."""
        message_dict: dict[str, Any] = {}
        msg = record.msg
        if msg.__class__ is str and not record.args and record.__class__ is _LogRecord:
            record.message = msg  # what getMessage() returns (a queued record: rendered)
        elif msg.__class__ is not str and isinstance(msg, dict):
            message_dict = msg.copy()  # never the caller's dict
            record.message = ""
        else:
            try:
                record.message = record.getMessage()
            except Exception:  # noqa: BLE001 - the raw msg and message_error instead
                record.message = render_message(record)[0]
        if self._asctime:
            record.asctime = self.formatTime(record, self.datefmt)
        if exceptions and (record.exc_info or record.exc_text or record.stack_info):
            self._exception_fields(record, message_dict)
        log_data: dict[str, Any] = {}
        self.add_fields(log_data, record, message_dict)
        if self._processes:
            return self.process_log_record(log_data)
        return log_data

    def _exception_fields(self, record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        """python-json-logger's texts of ``exc_info``/``exc_text`` and ``stack_info``."""
        if record.exc_info and not message_dict.get("exc_info"):
            message_dict["exc_info"] = self.formatException(record.exc_info)
        if not message_dict.get("exc_info") and record.exc_text:
            message_dict["exc_info"] = record.exc_text
        if record.stack_info and not message_dict.get("stack_info"):
            message_dict["stack_info"] = self.formatStack(record.stack_info)

    def _format_degraded(self, record: logging.LogRecord, exc: Exception) -> str:
        """The record's plain fields and ``format_error``, for a record whose fields raise."""
        d = record.__dict__
        data: dict[str, Any] = {}
        for key, read in _DEGRADED_FIELDS:
            try:
                data[key] = read(d)
            except Exception:  # noqa: BLE001 - each field alone
                data[key] = None
        try:
            data["format_error"] = f"{type(exc).__qualname__}: {exc}"
        except Exception:  # noqa: BLE001 - an exception whose __str__ raises
            data["format_error"] = type(exc).__qualname__
        try:
            return self.jsonify_log_record(data)
        except Exception:  # noqa: BLE001 - a subclass's serializer raising: plain JSON
            return json.dumps({str(k): safe_repr(v) for k, v in data.items()})

    def add_fields(
        self,
        log_data: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
    ) -> None:
        """Fill ``log_data`` with the schema's fields for ``record`` (see the class docstring)."""
        # Runs once per record in the listener: written for few bytecodes (dict displays,
        # __dict__ lookups, each optional field behind one test).
        d = record.__dict__
        if "event_id" not in d:
            stamp_record(record)
        data = {} if log_data else log_data  # a subclass's pre-filled fields stay first
        if self.defaults:
            data.update(self.defaults)
        data["timestamp"] = format_timestamp(d["created"])
        data["level"] = d["levelname"]
        data["logger"] = d["name"]
        data["message"] = d.get("message", "")
        if MESSAGE_ERROR_KEY in d:
            data[MESSAGE_ERROR_KEY] = d[MESSAGE_ERROR_KEY]
        data["event_id"] = d["event_id"]
        ctx = d.get("context")
        try:
            if ctx:
                data["context"] = ctx
        except Exception:  # noqa: BLE001 - a context whose truth test raises: written as is
            data["context"] = ctx
        if self._fmt_fields:
            for field in self._fmt_fields:
                data[field] = d.get(field)
        if self.static_fields:
            data.update(self.static_fields)
        exception = stack = None
        if message_dict:
            exception = message_dict.pop("exc_info", None)
            stack = message_dict.pop("stack_info", None)
        self._add_extras(d, data, message_dict)
        trace_id = d.get("trace_id")
        if trace_id is not None:
            data["trace_id"] = trace_id
            data["span_id"] = d.get("span_id")
        if "sample_rate" in d:
            data["sample_rate"] = d["sample_rate"]
        if "suppressed" in d:
            data["suppressed"] = d["suppressed"]
        pathname = d["pathname"]
        data["source"] = {
            "file": _source_cache.get(pathname) or source_path(pathname),  # one call less
            "line": d["lineno"],
            "function": d["funcName"],
        }
        if exception:
            data["exception"] = exception
        if stack:
            data["stack"] = stack
        if self.rename_fields:
            data = self._renamed(data, log_data)
        if data is not log_data:
            log_data.update(data)

    def _renamed(self, data: dict[str, Any], log_data: dict[str, Any]) -> dict[str, Any]:
        """``data`` with ``rename_fields`` applied (and, with ``rename_fields_keep_missing``,
        the renamed fields this record lacks as ``None``); ``log_data`` left empty."""
        renamed = _renamed(data, self.rename_fields)
        if self.rename_fields_keep_missing:  # python-json-logger: missing fields as None
            for name in self.rename_fields.values():
                renamed.setdefault(name, None)
        if data is log_data:
            log_data.clear()
        return renamed

    def _extras_for(self, keys: tuple[Any, ...]) -> _Extras:
        """The extras among a record's ``keys``, each with the name it is written under.

        An extra keeps its name unless that is a schema key (or the name of another
        extra); then it is written as ``extra.NAME`` (``extra.extra.NAME``... until free).
        """
        skip = self._skip_fields
        start = _N_INIT if list(keys[:_N_INIT]) == _INIT_KEYS else 0  # standard keys first
        found: list[tuple[Any, str]] = []
        for key in keys[start:]:
            if type(key) is str:
                if key not in skip and key[:1] != "_":
                    found.append((key, key))
                continue
            try:  # extra={1: "x"} puts 1 in record.__dict__; a str subclass, a hostile key
                if key in skip or (isinstance(key, str) and str.startswith(key, "_")):
                    continue
            except Exception:  # noqa: BLE001 - a key whose __hash__/__eq__ raises
                pass
            found.append((key, _field_name(key)))
        taken = set(SCHEMA_KEYS)
        names: list[str | None] = []
        for key, name in found:  # a str extra that clashes with nothing keeps its name
            if type(key) is str and name not in taken:
                taken.add(name)
                names.append(name)
            else:
                names.append(None)
        for i, (_key, name) in enumerate(found):
            if names[i] is None:
                names[i] = free = _free_name(name, taken)
                taken.add(free)
        extras = tuple((key, name or "") for (key, _), name in zip(found, names, strict=True))
        result = (extras, frozenset(taken))
        try:
            if len(self._extras_by_keys) >= _EXTRAS_CACHE_MAX:
                self._extras_by_keys.clear()
            self._extras_by_keys[keys] = result
        except Exception:  # noqa: BLE001 - a key whose __hash__ raises: not cached
            pass
        return result

    def _add_extras(
        self, d: dict[str, Any], data: dict[str, Any], message_dict: dict[str, Any]
    ) -> None:
        """Add the record's extras, and the keys of a dict message, each under a free name."""
        # Which keys are extras, and under which name they are written, depends only on the
        # record's keys in order; records of one call site share them: remembered per key
        # tuple (~0.35 us less per record than testing each key).
        keys = tuple(d)
        try:
            cached = self._extras_by_keys.get(keys)
        except Exception:  # noqa: BLE001 - a key whose __hash__ raises
            cached = None
        extras, taken = cached if cached is not None else self._extras_for(keys)
        defaults = self.defaults
        if not (self._fmt_fields or self.static_fields or defaults):
            for key, name in extras:  # only schema keys are written so far: no clash
                data[name] = d[key]
        else:
            # fmt fields, static_fields, defaults are written too: a clash keeps both values
            # (a default may be overridden, python-json-logger's meaning of defaults).
            for key, name in extras:
                if name in data and not (name in defaults and data[name] is defaults[name]):
                    name = _free_name(name, data, taken)
                data[name] = d[key]
        if message_dict:  # logger.info({...}): a dict message
            for key, value in message_dict.items():
                name = key if type(key) is str else _field_name(key)
                if name in SCHEMA_KEYS or name in data:
                    name = _free_name(EXTRA_CLASH_PREFIX + name, data, taken)
                data[name] = value


_Extras = tuple[tuple[tuple[Any, str], ...], frozenset[str]]


def _renamed(data: dict[str, Any], rename: dict[str, str]) -> dict[str, Any]:
    """``data`` with ``rename_fields`` applied; a name already written is made free."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = rename.get(key, key)
        if name in out:
            name = _free_name(EXTRA_CLASH_PREFIX + name, out, data)
        out[name] = value
    return out


_DEGRADED_FIELDS: tuple[tuple[str, Any], ...] = (
    ("timestamp", lambda d: format_timestamp(d["created"])),
    (
        "level",
        lambda d: safe_repr(d["levelname"]) if type(d["levelname"]) is not str else d["levelname"],
    ),
    ("logger", lambda d: d["name"] if type(d["name"]) is str else safe_repr(d["name"])),
    ("message", lambda d: d["msg"] if type(d["msg"]) is str else safe_repr(d["msg"])),
    ("event_id", lambda d: d["event_id"] if type(d.get("event_id")) is str else None),
)
"""The fields of a degraded record, each read alone: plain strings only."""
