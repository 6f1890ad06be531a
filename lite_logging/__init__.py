"""lite_logging: the standard ``logging`` module as a structured telemetry pipeline.

This module only re-exports; each name lives in the module that holds its concept.
"""

from __future__ import annotations

from ._lifecycle import drain_on_signals
from .config import setup
from .filters import (
    NamespaceFilter,
    RateLimitFilter,
    RedactFilter,
    SamplingFilter,
    TransformFilter,
)
from .formats.ecs import EcsFormatter
from .formats.edn import EdnFormatter
from .formats.json import JsonFormatter
from .formats.pretty import PrettyFormatter
from .pipeline import (
    AsyncQueueHandler,
    BatchingQueueListener,
    drain,
    flush,
    shutdown,
    stats,
)
from .record.context import (
    ContextThreadPoolExecutor,
    bind,
    clear_context,
    context,
    get_context,
    propagate_context,
    unbind,
)
from .record.ids import new_event_id
from .record.logger import Logger, install_record_factory
from .record.stamping import ContextFilter
from .record.tracing import Span, continue_trace, current_span, span, traceparent
from .sinks.browser import BrowserConsoleHandler
from .sinks.console import RichHandler
from .sinks.file import BatchFileHandler
from .sinks.otlp import OtlpHandler
from .sinks.syslog import BatchSyslogHandler
from .sinks.trace_buffer import TraceBufferHandler, TraceEndFilter

__all__ = [
    "AsyncQueueHandler",
    "BatchFileHandler",
    "BatchSyslogHandler",
    "BatchingQueueListener",
    "BrowserConsoleHandler",
    "ContextFilter",
    "ContextThreadPoolExecutor",
    "EcsFormatter",
    "EdnFormatter",
    "JsonFormatter",
    "Logger",
    "NamespaceFilter",
    "OtlpHandler",
    "PrettyFormatter",
    "RateLimitFilter",
    "RedactFilter",
    "RichHandler",
    "SamplingFilter",
    "Span",
    "TraceBufferHandler",
    "TraceEndFilter",
    "TransformFilter",
    "bind",
    "clear_context",
    "context",
    "continue_trace",
    "current_span",
    "drain",
    "drain_on_signals",
    "flush",
    "get_context",
    "install_record_factory",
    "new_event_id",
    "propagate_context",
    "setup",
    "shutdown",
    "span",
    "stats",
    "traceparent",
    "unbind",
]
