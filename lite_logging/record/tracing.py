"""Trace spans with W3C ids, held in a context variable so they follow threads and tasks.

A span is a named piece of work with a trace id (32 hex), its own span id (16 hex), the id of
its parent span, a status and a duration. ``with span("charge") as s:`` opens one; every
record logged inside carries the span's ``trace_id`` and ``span_id`` (the stamping calls
:func:`current_trace_ids` in the caller's thread), and on exit one *span record* is logged:

- logger ``lite_logging.span`` (or the ``logger=`` given), level INFO when the span ended
  ``"ok"`` and ERROR when it ended ``"error"``; message ``"span NAME ok"`` / ``"span NAME error"``;
- fields ``span_name``, ``trace_id``, ``span_id`` (the span's own), ``parent_span_id`` (absent
  for a root), ``duration_ms`` (float, from ``time.perf_counter_ns``), ``status``,
  ``attributes`` (a copy), ``status_description`` when one was set, and ``exception`` when the
  block raised (the exception still propagates);
- its ``source`` is the line of the ``with`` block, or the decorated function.

The current span lives in :class:`contextvars.ContextVar` objects, so nested spans nest,
every asyncio task inherits the span that was current when it was created, and threads
started through ``propagate_context`` / ``ContextThreadPoolExecutor`` inherit it too.

OpenTelemetry: when no lite_logging span is current but an OpenTelemetry span is, records
carry the OTel span's ids, and a lite_logging span opened there joins the OTel trace as its
child. When both are current, the lite_logging span wins (it is taken as the innermost).
``opentelemetry`` is never imported here: if the application has not imported
``opentelemetry.trace``, no OTel span can be current, and one ``sys.modules`` lookup says so.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any, ParamSpec, TypeVar, cast

from .context import _wrap_calls
from .ids import new_span_id, new_trace_id

__all__ = [
    "SPAN_LOGGER",
    "Span",
    "continue_trace",
    "current_span",
    "current_trace_flags",
    "current_trace_ids",
    "span",
    "traceparent",
]

P = ParamSpec("P")
R = TypeVar("R")

SPAN_LOGGER = "lite_logging.span"
"""Name of the logger span records go to when ``span(..., logger=...)`` is not given."""

_OTEL_TRACE = "opentelemetry.trace"
_SAMPLED = "01"  # trace-flags of a trace we start: sampled (sampling is the filters' business)
_TRACEPARENT_MAX = 512  # longer headers are ignored, as OpenTelemetry's propagator does
# W3C Trace Context, "traceparent Header Field Values": lowercase hex only; a future version
# may append "-..." fields; optional blanks around the value (HTTP's OWS).
_TRACEPARENT_RE = re.compile(
    r"[ \t]*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:(-[^\r\n]*)|[ \t]*)"
)
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16
# The last OpenTelemetry SpanContext seen and its ids in hex (it holds the context alive).
_otel_last: tuple[object, tuple[str, str, str]] | None = None

# (trace_id, span_id) of the innermost span: all the stamping needs, so one get() per record.
_current_ids: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "lite_logging_span_ids", default=None
)
# The innermost Span handle (or a remote parent joined by continue_trace), kept in step.
_current_span: contextvars.ContextVar[Span | None] = contextvars.ContextVar(
    "lite_logging_span", default=None
)

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
_Source = tuple[str, int, str]  # pathname, line number, function name


class Span:
    """The handle of one span: read its ids, add attributes, set its status.

    Made by :class:`span` (not meant to be built directly); returned by ``with span(...) as s``
    and by :func:`current_span`. The ids are fixed when
    the span starts; attributes and status may change until it ends, also from other threads
    the span was propagated to.

    Attributes:
        name: the span's name.
        trace_id: 32 lowercase hex digits, shared by every span of the trace.
        span_id: 16 lowercase hex digits, this span's own id.
        parent_span_id: the parent's span id, or ``None`` for the root of a trace.
        trace_flags: the W3C trace-flags, two hex digits (``"01"`` = sampled).
        attributes: the attributes the span record will carry (read it, change it with
            :meth:`set_attribute`).
        status: ``"ok"`` or ``"error"``.
        status_description: why the status is ``"error"``, when given.
    """

    __slots__ = (
        "_end_ns",
        "_exc_info",
        "_ids",
        "_remote",
        "_start_ns",
        "attributes",
        "name",
        "parent_span_id",
        "span_id",
        "status",
        "status_description",
        "trace_flags",
        "trace_id",
    )

    def __init__(
        self,
        name: str,
        trace_id: str,
        span_id: str,
        parent_span_id: str | None = None,
        trace_flags: str = _SAMPLED,
        attributes: dict[str, Any] | None = None,
        *,
        _remote: bool = False,
    ) -> None:
        self.name = name
        self.trace_id = trace_id
        self.span_id = span_id
        self.parent_span_id = parent_span_id
        self.trace_flags = trace_flags
        self.attributes: dict[str, Any] = {} if attributes is None else attributes
        self.status = "ok"
        self.status_description: str | None = None
        self._ids = (trace_id, span_id)
        self._remote = _remote
        self._exc_info: _ExcInfo | None = None
        self._start_ns = time.perf_counter_ns()
        self._end_ns: int | None = None

    @property
    def traceparent(self) -> str:
        """The W3C ``traceparent`` header naming this span as the parent of a remote call."""
        return f"00-{self.trace_id}-{self.span_id}-{self.trace_flags}"

    @property
    def duration_ms(self) -> float | None:
        """Milliseconds from start to end (nanosecond precision), ``None`` while running."""
        if self._end_ns is None:
            return None
        return (self._end_ns - self._start_ns) / 1_000_000

    def set_attribute(self, key: str, value: Any) -> None:
        """Set one attribute of the span record."""
        self.attributes[key] = value

    def set_attributes(self, **kv: Any) -> None:
        """Set several attributes of the span record."""
        self.attributes.update(kv)

    def set_status(self, status: str, description: str | None = None) -> None:
        """Set the status the span record reports: ``"ok"`` or ``"error"``.

        An exception raised out of the block makes the status ``"error"`` whatever was set.

        Args:
            status: ``"ok"`` or ``"error"``.
            description: why, written as ``status_description`` (kept only for ``"error"``).

        Raises:
            ValueError: for any other status.
        """
        if status not in ("ok", "error"):
            raise ValueError(f'"status" must be "ok" or "error": {status!r}')
        self.status = status
        if status == "ok":
            self._exc_info = None  # "ok" means no failure: drop a recorded exception
        self.status_description = description if status == "error" else None

    def record_exception(self, exc: BaseException) -> None:
        """Mark the span failed with ``exc``, handled by the block: the record carries it.

        Use it when the block catches the exception; one that escapes the block is recorded
        without this call (and wins over a recorded one).
        """
        self._exc_info = (type(exc), exc, exc.__traceback__)
        self.status = "error"

    def __repr__(self) -> str:
        return (
            f"<Span {self.name!r} trace_id={self.trace_id} span_id={self.span_id} "
            f"parent_span_id={self.parent_span_id} status={self.status}>"
        )


_Tokens = tuple[contextvars.Token[tuple[str, str] | None], contextvars.Token[Span | None]]


def current_trace_ids() -> tuple[str, str] | None:
    """Return ``(trace_id, span_id)`` of the current span, or ``None`` outside any span.

    The current span is the innermost lite_logging span; without one, the current
    OpenTelemetry span when opentelemetry has been imported and its span is valid.
    Called for every record: cheap when there is no span.
    """
    ids = _current_ids.get()
    if ids is not None or _OTEL_TRACE not in sys.modules:
        return ids
    parent = _otel_parent()
    return None if parent is None else (parent[0], parent[1])


def current_trace_flags() -> str | None:
    """Return the W3C trace-flags (``"01"`` sampled, ``"00"`` not) of the current span.

    The innermost lite_logging span's (``"01"`` for a trace started here, as received for
    a joined one); without one, the current OpenTelemetry span's, which carries its
    sampler's decision. ``None`` outside any span.
    """
    current = _current_span.get()
    if current is not None:
        return current.trace_flags
    if _current_ids.get() is not None:  # set without a handle: only by code poking at it
        return _SAMPLED
    if _OTEL_TRACE not in sys.modules:
        return None
    parent = _otel_parent()
    return None if parent is None else parent[2]


def current_span() -> Span | None:
    """Return the handle of the innermost lite_logging span, or ``None`` outside one.

    Useful inside a function decorated with :class:`span`, which has no ``as`` clause.
    """
    current = _current_span.get()
    if current is None or current._remote:
        return None
    return current


def traceparent() -> str | None:
    """Return the W3C ``traceparent`` header of the current span, or ``None`` outside a span.

    Send it with an outgoing call (``headers={"traceparent": ll.traceparent()}``); the
    receiver joins the trace with ``span(..., traceparent=header)`` or :func:`continue_trace`.
    """
    parent = _parent_of_new_span()
    if parent is None:
        return None
    return f"00-{parent[0]}-{parent[1]}-{parent[2]}"


@contextmanager
def continue_trace(header: str | None) -> Iterator[None]:
    """Join the trace of an incoming W3C ``traceparent`` header for the block.

    Inside, spans are children of the remote span named by the header, records carry its
    trace id (and the remote span id until a span is opened) and :func:`traceparent` returns
    the header. A missing or malformed header never raises: spans inside start new traces.

    Args:
        header: the ``traceparent`` header value as received, or ``None`` when absent.
    """
    parsed = _parse_traceparent(header)
    remote = None
    if parsed is not None:
        trace_id, span_id, flags = parsed
        remote = Span("(remote)", trace_id, span_id, None, flags, _remote=True)
    tokens = (
        _current_ids.set(None if remote is None else remote._ids),
        _current_span.set(remote),
    )
    try:
        yield
    finally:
        _reset(tokens, None)


class span:  # noqa: N801 - used like a function: `with ll.span(...)`, `@ll.span(...)`
    """Run a block, or every call of a decorated function, as a trace span.

    The span joins the current trace as a child of the current span, or starts a new trace.
    On exit it logs one span record (see the module documentation for its fields): INFO
    when it ended ``"ok"``, ERROR with the exception when it ended ``"error"``. The
    exception propagates. As a decorator of a sync or async function each call is its own
    span. One instance may be re-entered (nested ``with``) in one thread or task; to share
    one between concurrent tasks use it as a decorator.

    Args:
        name: the span's name, written as ``span_name``.
        traceparent: a W3C ``traceparent`` header to join: the span becomes a child of the
            remote span. A malformed header starts a new trace and never raises; ``None``
            (the default) means the current span, if any, is the parent.
        logger: a logger or a logger name for the span records; default ``lite_logging.span``.
        log_start: also log a record ``"span NAME start"`` (INFO) when the span starts.
        **attrs: attributes of the span, written as ``attributes`` on its records.

    Raises:
        TypeError: ``name`` is not a string or ``logger`` neither a name nor a Logger; when
            decorating, the function is a generator (a span cannot follow its iteration).
    """

    __slots__ = ("_attrs", "_entered", "_header", "_log_start", "_logger", "_name")

    def __init__(
        self,
        name: str,
        *,
        traceparent: str | None = None,
        logger: str | logging.Logger | None = None,
        log_start: bool = False,
        **attrs: Any,
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f'"name" must be a string: {name!r}')
        if logger is None:
            resolved = logging.getLogger(SPAN_LOGGER)
        elif isinstance(logger, str):
            resolved = logging.getLogger(logger)
        elif isinstance(logger, logging.Logger):
            resolved = logger
        else:
            raise TypeError(f'"logger" must be a logger name or a logging.Logger: {logger!r}')
        self._name = name
        self._header = traceparent
        self._logger = resolved
        self._log_start = log_start
        self._attrs = attrs
        self._entered: list[tuple[Span, _Tokens]] = []

    def __enter__(self) -> Span:
        opened = self._open(None)
        self._entered.append(opened)
        return opened[0]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _close(self._logger, None, self._entered.pop(), exc)

    async def __aenter__(self) -> Span:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
            raise TypeError(f"span() cannot decorate a generator function: {fn!r}")
        source = _function_source(fn)
        enter = functools.partial(self._open, source)
        return _wrap_calls(fn, enter, functools.partial(_close, self._logger, source))

    def _open(self, source: _Source | None) -> tuple[Span, _Tokens]:
        """Start a span under the current one (or the header's) and make it current."""
        header = self._header
        parent = _parent_of_new_span() if header is None else _parse_traceparent(header)
        if parent is None:
            trace_id, parent_id, flags = new_trace_id(), None, _SAMPLED
        else:
            trace_id, parent_id, flags = parent
        opened = Span(self._name, trace_id, new_span_id(), parent_id, flags, dict(self._attrs))
        tokens = (_current_ids.set(opened._ids), _current_span.set(opened))
        if self._log_start:
            extra = _span_fields(opened)
            _emit(self._logger, logging.INFO, f"span {opened.name} start", extra, None, source)
        opened._start_ns = time.perf_counter_ns()  # after the start record: not the span's work
        return opened, tokens


def _close(
    logger: logging.Logger,
    source: _Source | None,
    opened: tuple[Span, _Tokens],
    exc: BaseException | None,
) -> None:
    """End the span ``_open`` returned: restore the outer span, then log the span record."""
    current, tokens = opened
    current._end_ns = time.perf_counter_ns()
    _reset(tokens, current)
    exc_info = current._exc_info
    if exc is not None and not isinstance(exc, GeneratorExit):
        exc_info = (type(exc), exc, exc.__traceback__)
        current.status = "error"
    status = current.status
    extra = _span_fields(current)
    extra["duration_ms"] = (current._end_ns - current._start_ns) / 1_000_000
    extra["status"] = status
    if current.status_description is not None:
        extra["status_description"] = current.status_description
    level = logging.ERROR if status == "error" else logging.INFO
    _emit(logger, level, f"span {current.name} {status}", extra, exc_info, source)


def _span_fields(current: Span) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "span_name": current.name,
        "trace_id": current.trace_id,
        "span_id": current.span_id,
    }
    if current.parent_span_id is not None:
        fields["parent_span_id"] = current.parent_span_id
    if current.trace_flags != _SAMPLED:  # as stamping does: only a trace not sampled
        fields["trace_flags"] = current.trace_flags
    fields["attributes"] = dict(current.attributes)
    return fields


def _reset(tokens: _Tokens, current: Span | None) -> None:
    """Restore the span state saved in ``tokens``.

    A token made in another context (a span entered in one task and left in another)
    cannot be reset; then the state is set back to the span's parent, by value.
    """
    try:
        _current_span.reset(tokens[1])
        _current_ids.reset(tokens[0])
    except ValueError:
        outer = tokens[1].old_value
        outer_span = None if outer is contextvars.Token.MISSING else cast("Span | None", outer)
        _current_span.set(outer_span)
        _current_ids.set(None if outer_span is None else outer_span._ids)


def _emit(
    logger: logging.Logger,
    level: int,
    msg: str,
    extra: dict[str, Any],
    exc_info: _ExcInfo | None,
    source: _Source | None,
) -> None:
    """Log one span record; never raises into the block (errors go to stderr, as handleError)."""
    try:
        if not logger.isEnabledFor(level):
            return
        pathname, lineno, func = _caller_source() if source is None else source
        # makeRecord + handle, as Logger._log does, so the source is the user's line.
        record = logger.makeRecord(
            logger.name, level, pathname, lineno, msg, (), exc_info, func, extra, None
        )
        logger.handle(record)
    except RecursionError:
        raise
    except Exception:  # noqa: BLE001 - a filter or record factory failed: report, never raise
        _report_error()


def _report_error() -> None:
    """Report a failure to log a span record the way ``logging.Handler.handleError`` does."""
    stream = getattr(sys, "stderr", None)  # None under pythonw, as handleError allows
    if logging.raiseExceptions and stream is not None:
        stream.write("--- Logging error in lite_logging.record.tracing ---\n")
        traceback.print_exc(file=stream)


def _caller_source() -> _Source:
    """``(pathname, lineno, function)`` of the first frame outside this module."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == _SRCFILE:
        frame = frame.f_back
    if frame is None:  # pragma: no cover - a span always has a caller
        return "(unknown file)", 0, "(unknown function)"
    return frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name


_SRCFILE = _caller_source.__code__.co_filename


def _function_source(fn: Callable[..., Any]) -> _Source | None:
    """Where a decorated function is defined, or ``None`` (then the caller's line is used)."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if code is None:
        return None
    return code.co_filename, code.co_firstlineno, code.co_name


def _parse_traceparent(header: object) -> tuple[str, str, str] | None:
    """``(trace_id, parent_span_id, trace_flags)`` of a valid header, else ``None``."""
    if not isinstance(header, str) or len(header) > _TRACEPARENT_MAX:
        return None
    match = _TRACEPARENT_RE.fullmatch(header)
    if match is None:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest is not None):
        return None
    if trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    return trace_id, span_id, flags


def _parent_of_new_span() -> tuple[str, str, str] | None:
    """``(trace_id, span_id, trace_flags)`` of the current span (ours, else OTel's)."""
    current = _current_span.get()
    if current is not None:
        return current.trace_id, current.span_id, current.trace_flags
    ids = _current_ids.get()
    if ids is not None:  # set without a handle: only by code poking at the variable
        return ids[0], ids[1], _SAMPLED
    if _OTEL_TRACE not in sys.modules:
        return None
    return _otel_parent()


def _otel_parent() -> tuple[str, str, str] | None:
    """The current OpenTelemetry span's ids in W3C hex form, if it is valid."""
    global _otel_last
    otel = sys.modules.get(_OTEL_TRACE)
    try:
        context = otel.get_current_span().get_span_context()  # type: ignore[union-attr]
        last = _otel_last
        if last is not None and last[0] is context:
            return last[1]  # same span as the previous record: skip formatting the ids
        if not context.is_valid:
            return None
        ids = (
            f"{context.trace_id:032x}",
            f"{context.span_id:016x}",
            f"{int(context.trace_flags):02x}",
        )
        _otel_last = (context, ids)  # one tuple assignment: safe between threads
        return ids
    except RecursionError:
        raise
    except Exception:  # noqa: BLE001 - a half-imported or unusual opentelemetry: no OTel span
        return None
