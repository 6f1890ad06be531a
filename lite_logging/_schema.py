"""The record schema shared by every formatter: which fields, in which order, from where.

``SchemaFormatter`` is python-json-logger's ``BaseJsonFormatter`` with its ``add_fields``
step replaced by the SPEC's schema. Each output format (JSON, EDN, pretty) then overrides
only ``jsonify_log_record``, so the formats cannot drift apart.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS, BaseJsonFormatter

from ._encoding import format_timestamp
from .stamping import stamp_record

__all__ = ["EXTRA_CLASH_PREFIX", "SCHEMA_KEYS", "SchemaFormatter", "source_path"]

SCHEMA_KEYS = frozenset(
    {
        "timestamp",
        "level",
        "logger",
        "message",
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
"""Keys the schema owns. An ``extra=`` key among these is written as ``extra.KEY``."""

EXTRA_CLASH_PREFIX = "extra."

# Record attributes that are not extras: the stdlib's (on this Python), python-json-logger's
# reserved list, and what stamping and formatting add.
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | set(RESERVED_ATTRS)
    | {"message", "asctime", "taskName", "event_id", "context", "trace_id", "span_id"}
    | {"sample_rate", "suppressed"}
)

# The attributes LogRecord.__init__ sets, in its order: a record's __dict__ starts with them,
# so the search for extras can skip them with one list comparison.
_INIT_KEYS = list(logging.LogRecord("", 0, "", 0, "", (), None).__dict__)
_N_INIT = len(_INIT_KEYS)

_EXTRAS_CACHE_MAX = 1024  # distinct record layouts remembered per formatter

_source_cache: dict[str, str] = {}
_SOURCE_CACHE_MAX = 4096


def source_path(pathname: str) -> str:
    """``pathname`` relative to the longest ``sys.path`` entry holding it (``shop/api.py``).

    Cached per path name: a process has few source files, so this is a dict lookup.
    """
    shown = _source_cache.get(pathname)
    if shown is not None:
        return shown
    shown = pathname
    best = ""
    for entry in sys.path:
        root = os.path.abspath(entry or os.curdir)
        if len(root) > len(best) and pathname.startswith(root + os.sep):
            best = root
    if best:
        shown = pathname[len(best) + 1 :]
    if len(_source_cache) >= _SOURCE_CACHE_MAX:
        _source_cache.clear()
    _source_cache[pathname] = shown
    return shown


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
        # Extras are what is left of record.__dict__ after the standard attributes.
        self._skip_fields = set(self._skip_fields) | _STANDARD_ATTRS
        self._extras_by_keys: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
        # fmt-selected attributes; "message" (logging's default fmt) is written anyway.
        self._fmt_fields = tuple(f for f in self._required_fields if f != "message")
        cls = type(self)
        # The one-pass format() is taken only when the template steps it replaces are ours.
        self._lean = (
            not self._fmt_fields
            and "asctime" not in self._required_fields
            and cls.add_fields is SchemaFormatter.add_fields
            and cls.process_log_record is BaseJsonFormatter.process_log_record
            and cls.serialize_log_record is BaseJsonFormatter.serialize_log_record
        )

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` as python-json-logger's ``format`` does.

        The common record (a ``str`` message, no exception or stack, no ``rename_fields``,
        ``static_fields``, ``defaults``, ``prefix`` or ``fmt`` fields, template steps not
        overridden) is built in one pass with the same result; any other takes
        python-json-logger's template method (``add_fields`` -> ``process_log_record`` ->
        ``serialize_log_record``).
        """
        d = record.__dict__
        msg = d.get("msg")
        if (
            not self._lean
            or msg.__class__ is not str
            or d.get("exc_info")
            or d.get("exc_text")
            or d.get("stack_info")
            or self.rename_fields
            or self.static_fields
            or self.defaults
            or self.prefix
        ):
            return self._format_general(record)
        # One pass: add_fields' steps for this case with a dict display, no method calls
        # but the encoder's (~0.5 us less per record, see docs/performance.md).
        # Keep in step with add_fields: tests/test_schema.py compares the two paths.
        args = d.get("args")
        if args:
            message = msg % args if record.__class__ is logging.LogRecord else record.getMessage()
        else:
            message = msg if record.__class__ is logging.LogRecord else record.getMessage()
        d["message"] = message
        if "event_id" not in d:
            stamp_record(record)
        data = {
            "timestamp": format_timestamp(d["created"]),
            "level": d["levelname"],
            "logger": d["name"],
            "message": message,
            "event_id": d["event_id"],
        }
        ctx = d.get("context")
        if ctx:
            data["context"] = ctx
        self._add_extras_ids_source(d, data, None)
        return self.jsonify_log_record(data)

    def _format_general(self, record: logging.LogRecord) -> str:
        """python-json-logger's ``format``, with a shorter path for records without dict
        message, exception, stack or ``asctime``."""
        d = record.__dict__
        if (
            d.get("exc_info")
            or d.get("exc_text")
            or d.get("stack_info")
            or isinstance(d.get("msg"), dict)
            or "asctime" in self._required_fields
        ):
            return super().format(record)
        # The same steps as BaseJsonFormatter.format, minus the branches ruled out above.
        record.message = record.getMessage()
        log_data: dict[str, Any] = {}
        self.add_fields(log_data, record, {})
        return self.serialize_log_record(self.process_log_record(log_data))

    def add_fields(
        self,
        log_data: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
    ) -> None:
        """Fill ``log_data`` with the schema's fields for ``record``."""
        # Runs once per record in the listener: written for few bytecodes (dict displays,
        # __dict__ lookups, rare fields behind one test each).
        d = record.__dict__
        if "event_id" not in d:
            stamp_record(record)
        rename = self.rename_fields
        data: dict[str, Any] = {} if rename or log_data else log_data
        if self.defaults:
            data.update(self.defaults)
        data["timestamp"] = format_timestamp(d["created"])
        data["level"] = d["levelname"]
        data["logger"] = d["name"]
        data["message"] = d.get("message", "")
        data["event_id"] = d["event_id"]
        ctx = d.get("context")
        if ctx:
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
        self._add_extras_ids_source(d, data, message_dict)
        if exception:
            data["exception"] = exception
        if stack:
            data["stack"] = stack
        if rename:
            data = {rename.get(key, key): value for key, value in data.items()}
        if data is not log_data:
            log_data.update(data)

    def _extras_for(self, keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        """The extras among a record's ``keys``, each with the name it is written under."""
        skip = self._skip_fields
        start = _N_INIT if list(keys[:_N_INIT]) == _INIT_KEYS else 0  # standard keys first
        extras = tuple(
            (key, EXTRA_CLASH_PREFIX + key if key in SCHEMA_KEYS else key)
            for key in keys[start:]
            if key not in skip and key[:1] != "_"
        )
        if len(self._extras_by_keys) >= _EXTRAS_CACHE_MAX:
            self._extras_by_keys.clear()
        self._extras_by_keys[keys] = extras
        return extras

    def _add_extras_ids_source(
        self, d: dict[str, Any], data: dict[str, Any], message_dict: dict[str, Any] | None
    ) -> None:
        """Add the extras (and a dict message's keys), trace ids, filter fields and source:
        the part of the schema both ``format``'s one pass and ``add_fields`` write alike."""
        # Which keys are extras, and under which name they are written, depends only on the
        # record's keys in order; records of one call site share them: remembered per key
        # tuple (~0.35 us less per record than testing each key).
        keys = tuple(d)
        extras = self._extras_by_keys.get(keys)
        if extras is None:
            extras = self._extras_for(keys)
        for key, name in extras:
            data[name] = d[key]
        if message_dict:
            for key, value in message_dict.items():  # logger.info({...}): a dict message
                data[EXTRA_CLASH_PREFIX + key if key in SCHEMA_KEYS else key] = value
        trace_id = d.get("trace_id")
        if trace_id is not None:
            data["trace_id"] = trace_id
            data["span_id"] = d.get("span_id")
        if "sample_rate" in d:
            data["sample_rate"] = d["sample_rate"]
        if "suppressed" in d:
            data["suppressed"] = d["suppressed"]
        data["source"] = {
            "file": source_path(d["pathname"]),
            "line": d["lineno"],
            "function": d["funcName"],
        }
