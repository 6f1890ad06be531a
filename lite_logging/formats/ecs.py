"""Elastic Common Schema lines: ``EcsFormatter``, for Filebeat / Elastic Agent into Elasticsearch.

One step on top of the JSON formatter: the schema's fields (``SchemaFormatter.add_fields``)
are rearranged into ECS field sets, following the field spec of Elastic's ``ecs-logging``
libraries; the JSON encoding (and its never-raise guarantees) is ``JsonFormatter``'s.
See docs/shipping-otlp-ecs.md for the layout and its deliberate differences from
``ecs_logging.StdlibFormatter``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._schema import EXTRA_CLASH_PREFIX, SCHEMA_KEYS
from .json import JsonFormatter

__all__ = ["ECS_VERSION", "EcsFormatter", "sanitize_label_key"]

ECS_VERSION = "1.6.0"
"""The ``ecs.version`` written: the one Elastic's ``ecs-logging`` libraries write."""

_LABEL_KEY_BAD = re.compile(r'[.*"\\\s]')

# elastic-apm's log correlation fields (as ecs_logging reads them) -> ECS names.
_ELASTICAPM = {
    "elasticapm_trace_id": "trace.id",
    "elasticapm_transaction_id": "transaction.id",
    "elasticapm_span_id": "span.id",
    "elasticapm_service_name": "service.name",
    "elasticapm_service_environment": "service.environment",
}


def sanitize_label_key(key: object) -> str:
    """An ECS ``labels`` key: ``.``, ``*``, ``"``, ``\\`` and blanks become ``_``."""
    return _LABEL_KEY_BAD.sub("_", key if isinstance(key, str) else str(key))


def _put(target: dict[str, Any], dotted: str, value: Any) -> bool:
    """Set ``value`` at the de-dotted path ``dotted`` in ``target``; ``False`` (and nothing
    set) when a field already holds that path or a non-object on the way."""
    parts = dotted.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            return False
        node = child
    if parts[-1] in node:
        return False
    node[parts[-1]] = value
    return True


class EcsFormatter(JsonFormatter):
    """Formats a record as one ECS JSON object (Elastic Common Schema, ecs-logging's spec).

    Fields: ``@timestamp``, ``log.level``, ``message``, ``ecs.version`` first and in that
    order; then ``log.logger``, ``log.original``, ``log.origin.file.name``/``.line``,
    ``log.origin.function``, ``process.pid``/``.name``, ``process.thread.id``/``.name``,
    ``event.id`` (our event id), ``event.dataset``, ``service.name`` (and ``.version``,
    ``.environment``), ``trace.id``, ``span.id``, ``transaction.id`` (from elastic-apm's
    record fields when present), ``error.type``/``.message``/``.stack_trace``, ``labels``
    (keys sanitized), ``context`` (the ambient context) and ``extra`` (the ``extra=`` fields;
    a dotted key such as ``"user.id"`` is an ECS field and is written de-dotted at the top).

    Args:
        fmt: as for ``logging.Formatter``.
        datefmt: as for ``logging.Formatter``.
        style: as for ``logging.Formatter``.
        validate: as for ``logging.Formatter``.
        service_name: ``service.name``; also gives ``event.dataset`` its default
            ``"SERVICE.log"``.
        service_version: ``service.version``.
        service_environment: ``service.environment``.
        event_dataset: ``event.dataset``.
        labels: static ``labels`` for every line (keys sanitized, values as given).
        **kwargs: ``JsonFormatter``'s options (``use_orjson``, ``json_default``...).

    Raises:
        ValueError: ``labels`` is not a mapping; and ``JsonFormatter``'s errors.
    """

    def __init__(
        self,
        fmt: str | Sequence[str] | None = None,
        datefmt: str | None = None,
        style: str = "%",
        validate: bool = True,
        *,
        service_name: str | None = None,
        service_version: str | None = None,
        service_environment: str | None = None,
        event_dataset: str | None = None,
        labels: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if labels is not None and not isinstance(labels, Mapping):
            raise ValueError(f'"labels" must be a mapping of label names to values: {labels!r}')
        super().__init__(fmt, datefmt, style, validate, **kwargs)
        self.service_name = service_name
        self.service_version = service_version
        self.service_environment = service_environment
        if event_dataset is None and service_name is not None:
            event_dataset = f"{service_name}.log"
        self.event_dataset = event_dataset
        self.labels = {sanitize_label_key(k): v for k, v in (labels or {}).items()}

    def add_fields(
        self,
        log_data: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
    ) -> None:
        """Fill ``log_data`` with the ECS fields for ``record``, in ECS order."""
        schema: dict[str, Any] = {}
        super().add_fields(schema, record, message_dict)
        d = record.__dict__
        level = schema.get("level", d.get("levelname"))
        message = schema.get("message", "")
        out = log_data
        out["@timestamp"] = schema.get("timestamp")
        out["log.level"] = level.lower() if isinstance(level, str) else level
        out["message"] = message
        out["ecs.version"] = ECS_VERSION
        out["log"] = {
            "logger": schema.get("logger"),
            "origin": {
                "file": {"line": d.get("lineno"), "name": d.get("filename")},
                "function": d.get("funcName"),
            },
            "original": message,
        }
        process: dict[str, Any] = {"name": d.get("processName"), "pid": d.get("process")}
        process["thread"] = {"id": d.get("thread"), "name": d.get("threadName")}
        out["process"] = process
        event: dict[str, Any] = {}
        if schema.get("event_id") is not None:
            event["id"] = schema["event_id"]
        if self.event_dataset is not None:
            event["dataset"] = self.event_dataset
        if event:
            out["event"] = event
        service = self._service()
        if service:
            out["service"] = service
        if schema.get("trace_id") is not None:
            out["trace"] = {"id": schema["trace_id"]}
            if schema.get("span_id") is not None:
                out["span"] = {"id": schema["span_id"]}
        error = self._error(record, schema)
        if error:
            out["error"] = error
        if self.labels:
            out["labels"] = dict(self.labels)
        context = schema.get("context")
        if context:
            out["context"] = context
        extra = _extra(out, schema)
        if extra:
            out["extra"] = extra

    def _service(self) -> dict[str, Any]:
        """``service.*`` from the options that are set (read per record: they may change)."""
        return {
            key: value
            for key, value in (
                ("name", self.service_name),
                ("version", self.service_version),
                ("environment", self.service_environment),
            )
            if value is not None
        }

    @staticmethod
    def _error(record: logging.LogRecord, schema: dict[str, Any]) -> dict[str, Any]:
        """``error.type``/``.message``/``.stack_trace`` from ``exc_info``, or, behind the
        queue, from the rendered traceback's last line (``ValueError: boom``)."""
        error: dict[str, Any] = {}
        exc_info = record.__dict__.get("exc_info")
        stack = schema.get("exception")
        if isinstance(exc_info, tuple) and exc_info[0] is not None:
            error["type"] = exc_info[0].__name__
            try:
                error["message"] = str(exc_info[1])
            except Exception:  # noqa: BLE001 - an exception whose __str__ raises
                error["message"] = f"<unprintable {exc_info[0].__name__}>"
        elif isinstance(stack, str) and stack:
            last = next((ln for ln in reversed(stack.splitlines()) if ln.strip()), "")
            name, sep, text = last.partition(": ")
            error["type"] = (name if sep else last.rstrip(":")).rsplit(".", 1)[-1]
            error["message"] = text
        if stack:
            error["stack_trace"] = stack if isinstance(stack, str) else "\n".join(stack)
        elif schema.get("stack"):
            error["stack_trace"] = schema["stack"]
        return error


def _extra(out: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The extras for ``extra``: those named as ECS fields (``extra={"user.id": 7}``, or
    elastic-apm's names) are set in ``out`` instead."""
    extra: dict[str, Any] = {}
    for key, value in schema.items():
        if key in SCHEMA_KEYS:
            continue
        name = key[len(EXTRA_CLASH_PREFIX) :] if key.startswith(EXTRA_CLASH_PREFIX) else key
        ecs_name = _ELASTICAPM.get(name)
        if ecs_name is not None:
            if value is not None:
                _set_field(out, ecs_name, value)
            continue
        if "." in name and name == key and _put(out, name, value):
            continue  # an ECS field given as extra={"user.id": 7}
        extra[name] = value
    for key in ("sample_rate", "suppressed", "message_error"):
        if key in schema:
            extra[key] = schema[key]
    return extra


def _set_field(out: dict[str, Any], dotted: str, value: Any) -> None:
    """Set an ECS field, replacing what is there (elastic-apm's ids win over ours)."""
    parts = dotted.split(".")
    node = out
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value
