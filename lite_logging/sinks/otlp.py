"""OTLP export: ``OtlpHandler`` sends batches of records to an OpenTelemetry collector.

Each record becomes an OpenTelemetry LogRecord (see :meth:`OtlpHandler.to_otel` for the
mapping) and each batch goes out through the official exporter,
``opentelemetry-exporter-otlp-proto-http``'s ``OTLPLogExporter`` (or the gRPC one with
``protocol="grpc"``): no protobuf or HTTP is written here.

Behind ``AsyncQueueHandler``/``BatchingQueueListener`` the handler gets whole batches
(``handle_batch``), so the caller pays only the queue's cost. A batch that cannot be sent
(collector down, 429/503 answers the exporter's own retries did not get past) is tried again
with exponential backoff until ``retry_timeout`` seconds have passed since its first attempt;
then it is dropped and counted. While a batch waits, the listener waits with it, so the
queue fills and the pipeline's policy decides: ``block`` makes callers wait (nothing
accepted is lost while the collector is back within ``retry_timeout``), ``drop_newest`` /
``drop_oldest`` drop and count in the pipeline's ``dropped``.

``opentelemetry`` is imported when a handler is constructed, never at ``import lite_logging``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._options import check_choice, check_number
from ..formats._encoding import safe_repr, to_jsonable
from ..record._message import render_message

__all__ = ["OtlpHandler"]

_PROTOCOLS = ("http/protobuf", "grpc")
_DEFAULT_EXCLUDE = ("opentelemetry", "urllib3", "requests", "grpc")

# Record attributes that are not extras: the stdlib's, and what stamping and formatting add.
_NOT_EXTRAS = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "taskName", "event_id", "context", "trace_id", "span_id"}
    | {"trace_flags", "sample_rate", "suppressed", "message_error"}
)

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_SEVERITY_TEXT_FATAL = 50  # CRITICAL and above: OTel's FATAL range


def severity_number(levelno: int) -> int:
    """OpenTelemetry's SeverityNumber for a ``logging`` level, as the SDK maps it.

    DEBUG (10) -> 5, INFO (20) -> 9, WARNING (30) -> 13, ERROR (40) -> 17, CRITICAL (50)
    -> 21; a level between two (say 25) takes a higher number of the lower range (10),
    at most 3 steps up; below 10 is TRACE (1), 0 or less UNSPECIFIED (0).
    """
    if levelno <= 0:
        return 0
    if levelno < 10:
        return 1
    if levelno >= _SEVERITY_TEXT_FATAL:
        return 21 + min(levelno - 50, 3)
    base = {1: 5, 2: 9, 3: 13, 4: 17}[levelno // 10]
    return base + min(levelno % 10, 3)


def _attribute_value(value: Any) -> Any:
    """An OTLP attribute value for ``value``: str, bool, int, float and bytes as they are,
    a list or tuple of one such type as a list, anything else as its JSON text."""
    kind = type(value)
    if kind is str or kind is bool or kind is float or kind is bytes:
        return value
    if kind is int:
        return value if _INT64_MIN <= value <= _INT64_MAX else str(value)
    if (kind is list or kind is tuple) and value and _homogeneous(value):
        return list(value)
    return _json_text(value)


def _homogeneous(values: list[Any] | tuple[Any, ...]) -> bool:
    """Whether ``values`` are all str, all bool, all float or all int64 (an OTLP array)."""
    first = type(values[0])
    if first in (str, bool, float):
        return all(type(v) is first for v in values)
    return first is int and all(type(v) is int and _INT64_MIN <= v <= _INT64_MAX for v in values)


def _json_text(value: Any) -> str:
    import json

    try:
        return json.dumps(
            to_jsonable(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    except Exception:  # noqa: BLE001 - never raise for a value
        return safe_repr(value)


def _extra_attributes(d: dict[str, Any]) -> dict[str, Any]:
    """The record's extras by name, its ``context`` entries as ``context.<key>`` and its
    event id as ``log.record.uid``."""
    attributes: dict[str, Any] = {}
    for key, value in d.items():
        if key not in _NOT_EXTRAS and type(key) is str and key[:1] != "_":
            attributes[key] = _attribute_value(value)
    ctx = d.get("context")
    if ctx and isinstance(ctx, Mapping):
        for key, value in ctx.items():
            attributes[f"context.{key}"] = _attribute_value(value)
    event_id = d.get("event_id")
    if event_id is not None:
        attributes["log.record.uid"] = str(event_id)
    return attributes


def _add_source_attributes(attributes: dict[str, Any], d: dict[str, Any]) -> None:
    """Where the record was made: OTel's ``code.*`` and ``thread.*`` attributes."""
    attributes["code.file.path"] = str(d.get("pathname"))
    attributes["code.line.number"] = _attribute_value(d.get("lineno"))
    attributes["code.function.name"] = str(d.get("funcName"))
    if d.get("thread") is not None:
        attributes["thread.id"] = _attribute_value(d["thread"])
    if d.get("threadName") is not None:
        attributes["thread.name"] = str(d["threadName"])


def _add_pipeline_attributes(attributes: dict[str, Any], d: dict[str, Any]) -> None:
    """What the filters added: the sample rate, the rate limiter's count, a message error."""
    for key in ("sample_rate", "suppressed", "message_error"):
        if key in d:
            attributes[key] = _attribute_value(d[key])


def _trace_ids(d: dict[str, Any]) -> tuple[int, int, int]:
    """``(trace_id, span_id, trace_flags)`` as ints from the stamped hex strings; 0s without."""
    hex_trace = d.get("trace_id")
    if not hex_trace:
        return 0, 0, 0
    return (
        int(hex_trace, 16),
        int(d.get("span_id") or "0", 16),
        int(d.get("trace_flags") or "01", 16),
    )


def _exception_fields(record: logging.LogRecord) -> tuple[str, str, str] | None:
    """``(type, message, stacktrace)`` of the record's exception, or ``None``.

    From ``exc_info`` when the record still has it; behind ``AsyncQueueHandler`` only the
    rendered ``exc_text`` is left, and its last line (``ValueError: boom``) gives the type
    (its last dotted part, as ``type.__name__``) and the message.
    """
    d = record.__dict__
    exc_info = d.get("exc_info")
    if exc_info and isinstance(exc_info, tuple) and exc_info[0] is not None:
        import traceback

        kind, value, tb = exc_info
        text = d.get("exc_text") or "".join(traceback.format_exception(kind, value, tb))
        try:
            message = str(value)
        except Exception:  # noqa: BLE001 - an exception whose __str__ raises
            message = safe_repr(value)
        return kind.__name__, message, text.rstrip("\n")
    text = d.get("exc_text")
    if not text or not isinstance(text, str):
        return None
    last = next((line for line in reversed(text.splitlines()) if line.strip()), "")
    name, sep, message = last.partition(": ")
    if not sep:
        name, message = last.rstrip(":"), ""
    return name.rsplit(".", 1)[-1], message, text.rstrip("\n")


def _protocol(protocol: str | None) -> str:
    """``protocol``, else the one OpenTelemetry's environment variables name, checked."""
    key = "protocol"
    if protocol is None:
        for variable in ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
            value = os.environ.get(variable, "").strip()
            if value:
                key, protocol = variable, value
                break
        else:
            return _PROTOCOLS[0]
    return check_choice(key, protocol, _PROTOCOLS)


class _ExcludeLoggers(logging.Filter):
    """Declines records of the exporter's own loggers (and the HTTP libraries it uses):
    sent to the collector they would describe the export they travel in, and a collector
    that is down would make every failed export log one more record to export."""

    def __init__(self, prefixes: Sequence[str]) -> None:
        super().__init__()
        self.prefixes = tuple(prefixes)
        self._dotted = tuple(p + "." for p in self.prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        return not (name in self.prefixes or name.startswith(self._dotted))


class OtlpHandler(logging.Handler):
    """Exports records to an OpenTelemetry collector over OTLP, a batch per request.

    Put it behind ``AsyncQueueHandler`` (which hands it whole batches); used alone, each
    record is one export request in the caller's thread.

    A record becomes a LogRecord with: ``time_unix_nano`` (``record.created``),
    ``observed_time_unix_nano`` (when the handler converted it), severity number (DEBUG 5,
    INFO 9, WARNING 13, ERROR 17, CRITICAL 21) and text (the level name), ``body`` (the
    rendered message), ``trace_id``/``span_id`` from the record (our span, or the OTel span
    current at the call) with that span's trace flags (``record.trace_flags``, stamped in
    a trace that is not sampled; ``01`` when absent), and attributes: the extras under their
    own names, the ambient context as ``context.KEY``, ``log.record.uid`` (the event id),
    ``code.file.path``, ``code.line.number``, ``code.function.name``, ``thread.id``,
    ``thread.name``, ``exception.type``/``.message``/``.stacktrace``, ``sample_rate`` and
    ``suppressed`` when set. The instrumentation scope is the logger name; the resource has
    ``service.name`` and ``resource_attributes`` (plus ``OTEL_RESOURCE_ATTRIBUTES``).

    Args:
        level: as for ``logging.Handler``.
        endpoint: the collector's URL; for HTTP the full signal path
            (``http://127.0.0.1:4318/v1/logs``). ``None``: the exporter's default and
            ``OTEL_EXPORTER_OTLP_*`` environment variables.
        service_name: the resource's ``service.name``; ``None`` reads ``OTEL_SERVICE_NAME``
            (else OpenTelemetry's ``unknown_service``).
        resource_attributes: more resource attributes (``{"deployment.environment": "prod"}``).
        headers: HTTP headers / gRPC metadata for every request (an API key, say).
        protocol: ``"http/protobuf"`` or ``"grpc"`` (extra ``otel-grpc``:
            ``opentelemetry-exporter-otlp-proto-grpc``). ``None``: OpenTelemetry's
            ``OTEL_EXPORTER_OTLP_LOGS_PROTOCOL``, else ``OTEL_EXPORTER_OTLP_PROTOCOL``, else
            ``"http/protobuf"``. With gRPC the endpoint is ``scheme://host:port``: an
            ``http://`` endpoint gets a plaintext channel, ``https://`` TLS (the exporter's rule).
        timeout: seconds one export call may take, the exporter's own retries of 429/503
            and refused connections included.
        retry_timeout: seconds a batch is tried (with backoff from ``retry_backoff`` doubling
            up to ``retry_backoff_max``) before it is dropped and counted in ``dropped``.
            0 tries once.
        exclude_loggers: logger names (and their children) never exported; by default the
            exporter's own and its HTTP libraries'. A filter on this handler; other handlers
            still get those records.
        exporter: a ready ``LogRecordExporter`` to use instead of building one (tests, a
            vendor's exporter); the other exporter options are then ignored.

    Raises:
        ValueError: an option is out of range, naming it and the bad value.
        ImportError: the exporter for ``protocol`` is not installed (``pip install
            lite-logging[otel-export]``, or ``[otel-grpc]`` for gRPC).
    """

    lock: threading.RLock  # Handler.createLock() always sets it; never None here

    def __init__(
        self,
        level: int | str = logging.NOTSET,
        *,
        endpoint: str | None = None,
        service_name: str | None = None,
        resource_attributes: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        protocol: str | None = None,
        timeout: float = 10.0,
        retry_timeout: float = 30.0,
        retry_backoff: float = 0.5,
        retry_backoff_max: float = 5.0,
        exclude_loggers: Iterable[str] = _DEFAULT_EXCLUDE,
        exporter: Any = None,
    ) -> None:
        protocol = _protocol(protocol)
        for name, value, at_zero in (
            ("timeout", timeout, False),
            ("retry_timeout", retry_timeout, True),
            ("retry_backoff", retry_backoff, False),
            ("retry_backoff_max", retry_backoff_max, False),
        ):
            check_number(name, value, allow_minimum=at_zero, what="a number of seconds")
        if isinstance(exclude_loggers, str):
            raise ValueError(f'"exclude_loggers" must be a list of names: {exclude_loggers!r}')
        super().__init__(level)
        self.endpoint = endpoint
        self.protocol = protocol
        self.timeout = float(timeout)
        self.retry_timeout = float(retry_timeout)
        self.retry_backoff = float(retry_backoff)
        self.retry_backoff_max = float(retry_backoff_max)
        excluded = tuple(exclude_loggers)
        if excluded:
            self.addFilter(_ExcludeLoggers(excluded))
        self._otel = _OtelApi()
        self._resource = self._otel.resource(service_name, resource_attributes)
        self._exporter = (
            exporter
            if exporter is not None
            else self._otel.exporter(protocol, endpoint, headers, self.timeout)
        )
        self._scopes: dict[str, Any] = {}
        self._closing = threading.Event()
        self._written = 0
        self._errors = 0
        self._dropped = 0
        self._retries = 0
        self._batches = 0
        self._failed_exports = 0
        self._reported = False

    # -- the mapping ---------------------------------------------------------------------

    def to_otel(self, record: logging.LogRecord) -> Any:
        """The exporter's item for ``record``: a ``ReadableLogRecord`` (``LogData`` with an
        older SDK) holding the OpenTelemetry LogRecord described in the class docstring."""
        d = record.__dict__
        message = d.get("message")
        if message is None:  # used alone: not rendered yet; a message that fails still goes
            message = render_message(record)[0]
        attributes = _extra_attributes(d)
        _add_source_attributes(attributes, d)
        _add_pipeline_attributes(attributes, d)
        exception = _exception_fields(record)
        if exception is not None:
            (
                attributes["exception.type"],
                attributes["exception.message"],
                attributes["exception.stacktrace"],
            ) = exception
        trace_id, span_id, flags = _trace_ids(d)
        levelno = d.get("levelno", 0)
        return self._otel.item(
            timestamp=int(record.created * 1e9),
            observed_timestamp=time.time_ns(),
            trace_id=trace_id,
            span_id=span_id,
            trace_flags=flags,
            severity_text=str(d.get("levelname")),
            severity_number=severity_number(levelno if type(levelno) is int else 0),
            body=message if type(message) is str else safe_repr(message),
            attributes=attributes,
            resource=self._resource,
            scope=self._scope(record.name),
        )

    def _scope(self, name: str) -> Any:
        scope = self._scopes.get(name)
        if scope is None:
            if len(self._scopes) > 4096:
                self._scopes.clear()
            scope = self._scopes[name] = self._otel.scope(str(name))
        return scope

    # -- the batch protocol and emit ------------------------------------------------------

    def handle_batch(self, records: list[logging.LogRecord]) -> int:
        """Convert ``records`` and export them as one batch (the batch protocol).

        Never raises: a record that fails to convert costs only itself (counted in
        ``errors``, reported once per batch); a batch that cannot be sent within
        ``retry_timeout`` is counted in ``dropped`` (and ``errors``) and reported once per
        streak of failures.

        Returns:
            How many records the collector accepted.
        """
        items: list[Any] = []
        reported = False
        for record in records:
            try:
                items.append(self.to_otel(record))
            except Exception:  # noqa: BLE001 - RecursionError too: costs this record only
                self._errors += 1
                if not reported:
                    reported = True
                    self._handle_error(record)
        if not items:
            return 0
        with self.lock:
            if self._export(items):
                self._written += len(items)
                self._batches += 1
                self._reported = False
                return len(items)
            self._dropped += len(items)
            self._errors += len(items)
            if not self._reported:
                self._reported = True
                self._report_drop(records[0], len(items))
            return 0

    def emit(self, record: logging.LogRecord) -> None:
        """Export ``record`` alone, now (used without a listener); never raises."""
        if "trace_id" not in record.__dict__:  # not stamped: the caller's span is current
            from ..record.stamping import stamp_record

            with contextlib.suppress(Exception):  # export without ids rather than not at all
                stamp_record(record)
        self.handle_batch([record])

    def _export(self, items: list[Any]) -> bool:
        """Export ``items``, again with backoff until ``retry_timeout``; whether it went."""
        deadline = time.monotonic() + self.retry_timeout
        delay = self.retry_backoff
        while True:
            try:
                ok = self._otel.succeeded(self._exporter.export(items))
            except Exception:  # noqa: BLE001 - an exporter that raises is a failed export
                ok = False
            if ok:
                return True
            self._failed_exports += 1
            left = deadline - time.monotonic()
            if left <= 0 or self._closing.is_set():
                return False
            self._retries += 1
            pause = min(delay * random.uniform(0.8, 1.2), left, self.retry_backoff_max)
            if self._closing.wait(pause):
                return False
            delay = min(delay * 2, self.retry_backoff_max)

    def _handle_error(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):  # handleError itself must not raise here
            self.handleError(record)

    def _report_drop(self, record: logging.LogRecord, count: int) -> None:
        stream = getattr(sys, "stderr", None)
        if logging.raiseExceptions and stream is not None:
            with contextlib.suppress(Exception):  # a closed stderr at teardown
                stream.write(
                    f"--- lite_logging OtlpHandler: dropped {count} records: "
                    f"export to {self.endpoint or 'the default endpoint'} failed for "
                    f"{self.retry_timeout:g} s (reported once until an export succeeds) ---\n"
                )

    def flush(self) -> None:
        """Nothing is held between batches: each ``handle_batch`` exports before returning."""

    def close(self) -> None:
        """Stop retrying, shut the exporter down, and close the handler."""
        self._closing.set()
        try:
            with self.lock:
                self._exporter.shutdown()
        except Exception:  # noqa: BLE001 - closing must not raise at exit
            pass
        super().close()

    # -- counters -----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counters: ``written`` (records the collector accepted), ``errors`` (records lost:
        conversion failures and dropped batches), ``dropped`` (records of batches given up
        after ``retry_timeout``, or at close; ``dropped_by`` gives the reason,
        ``export_failed``), ``batches`` (successful exports), ``retries`` (export attempts
        repeated after a failure) and ``failed_exports`` (attempts that failed)."""
        dropped = self._dropped
        return {
            "written": self._written,
            "errors": self._errors,
            "dropped": dropped,
            "dropped_by": {"export_failed": dropped} if dropped else {},
            "batches": self._batches,
            "retries": self._retries,
            "failed_exports": self._failed_exports,
        }

    def __repr__(self) -> str:
        level = logging.getLevelName(self.level)
        return f"<{type(self).__name__} {self.endpoint or '(default endpoint)'} ({level})>"


class _OtelApi:
    """The OpenTelemetry SDK classes the handler needs, imported once, per SDK version.

    SDK 1.35+ exports ``ReadableLogRecord(log_record=<API LogRecord>, resource, scope)``;
    older ones ``LogData(log_record=<SDK LogRecord with resource>, scope)``.
    """

    def __init__(self) -> None:
        from opentelemetry._logs import LogRecord as ApiLogRecord
        from opentelemetry._logs import SeverityNumber
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.util.instrumentation import (
            InstrumentationScope,
        )
        from opentelemetry.trace import TraceFlags

        self._resource_cls = Resource
        self._scope_cls = InstrumentationScope
        self._severity = SeverityNumber
        self._flags = {0: TraceFlags(0), 1: TraceFlags(1)}
        self._trace_flags = TraceFlags
        try:
            from opentelemetry.sdk._logs import ReadableLogRecord
        except ImportError:  # pragma: no cover - SDK < 1.35
            from opentelemetry.sdk import _logs as sdk_logs

            self._readable: Any = None
            self._log_data: Any = getattr(sdk_logs, "LogData")  # noqa: B009 - SDK < 1.35 only
            self._record_cls: Any = getattr(sdk_logs, "LogRecord")  # noqa: B009
        else:
            self._readable = ReadableLogRecord
            self._log_data = None
            self._record_cls = ApiLogRecord
        self._success = _success_value()

    def resource(self, service_name: str | None, extra: Mapping[str, Any] | None) -> Any:
        attributes: dict[str, Any] = {k: _attribute_value(v) for k, v in (extra or {}).items()}
        if service_name is not None:
            attributes["service.name"] = service_name
        elif not os.environ.get("OTEL_SERVICE_NAME"):
            attributes.setdefault("service.name", "unknown_service")
        return self._resource_cls.create(attributes)

    def scope(self, name: str) -> Any:
        return self._scope_cls(name)

    def exporter(
        self, protocol: str, endpoint: str | None, headers: Mapping[str, str] | None, timeout: float
    ) -> Any:
        if protocol == "grpc":
            try:
                from opentelemetry.exporter.otlp.proto.grpc._log_exporter import (
                    OTLPLogExporter as GrpcExporter,
                )
            except ImportError as exc:
                raise ImportError(
                    f'"protocol" {protocol!r} needs opentelemetry-exporter-otlp-proto-grpc'
                    " (pip install lite-logging[otel-grpc])"
                ) from exc
            return GrpcExporter(
                endpoint=endpoint,
                headers=tuple((headers or {}).items()) or None,
                timeout=timeout,
            )
        from opentelemetry.exporter.otlp.proto.http._log_exporter import (
            OTLPLogExporter,
        )

        return OTLPLogExporter(endpoint=endpoint, headers=dict(headers or {}), timeout=timeout)

    def succeeded(self, result: Any) -> bool:
        return bool(result is self._success or getattr(result, "name", None) == "SUCCESS")

    def item(
        self,
        *,
        timestamp: int,
        observed_timestamp: int,
        trace_id: int,
        span_id: int,
        trace_flags: int,
        severity_text: str,
        severity_number: int,
        body: str,
        attributes: dict[str, Any],
        resource: Any,
        scope: Any,
    ) -> Any:
        flags = self._flags.get(trace_flags)
        if flags is None:
            flags = self._trace_flags(trace_flags)
        if self._readable is not None:
            record = self._record_cls(
                timestamp=timestamp,
                observed_timestamp=observed_timestamp,
                severity_text=severity_text,
                severity_number=self._severity(severity_number),
                body=body,
                attributes=attributes,
            )
            record.trace_id, record.span_id, record.trace_flags = trace_id, span_id, flags
            return self._readable(log_record=record, resource=resource, instrumentation_scope=scope)
        record = self._record_cls(  # pragma: no cover - SDK < 1.35
            timestamp=timestamp,
            observed_timestamp=observed_timestamp,
            trace_id=trace_id,
            span_id=span_id,
            trace_flags=flags,
            severity_text=severity_text,
            severity_number=self._severity(severity_number),
            body=body,
            attributes=attributes,
            resource=resource,
        )
        return self._log_data(log_record=record, instrumentation_scope=scope)  # pragma: no cover


def _success_value() -> Any:
    """The exporter's SUCCESS result (``LogRecordExportResult``, or ``LogExportResult``
    before SDK 1.35)."""
    from opentelemetry.sdk._logs import export

    result = getattr(export, "LogRecordExportResult", None) or export.LogExportResult
    return result.SUCCESS
