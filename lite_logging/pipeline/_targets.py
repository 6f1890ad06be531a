"""The listener's target handlers: names checked and resolved, per-handler counters, and
the delivery of a batch to one handler, where a failure costs only its own record."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any, cast

from ..metrics import _registry as _stats

__all__ = ["REPORTER", "HandlerState", "check_targets", "configurator_handlers", "report"]

_perf_counter = time.perf_counter

REPORTER = logging.NullHandler()
"""Its ``handleError`` reports the failures that belong to no handler."""


def report(handler: logging.Handler, record: logging.LogRecord | None) -> None:
    """Hand the exception being handled to ``handler.handleError``; never raise."""
    # the listener must survive a broken handleError
    with contextlib.suppress(Exception):
        handler.handleError(cast(logging.LogRecord, record))


class HandlerState:
    """Per target handler: its batch method, counters, handling-time samples, and when the
    batch it is on now started (``busy_since``, a ``perf_counter()`` value; 0.0 when idle)."""

    __slots__ = (
        "batch_fn",
        "busy_since",
        "errors",
        "handler",
        "latency",
        "reported",
        "stats_fn",
        "written",
    )

    def __init__(self, handler: logging.Handler) -> None:
        self.handler = handler
        batch_fn = getattr(handler, "handle_batch", None)
        self.batch_fn: Callable[[list[logging.LogRecord]], None] | None = (
            batch_fn if callable(batch_fn) else None
        )
        stats_fn = getattr(handler, "stats", None)
        self.stats_fn: Callable[[], dict[str, Any]] | None = (
            stats_fn if callable(stats_fn) else None
        )
        self.written = 0
        self.errors = 0  # records on which the handler (its level, filters, handling) raised
        self.reported = False  # a failure of the current batch went to handleError already
        self.busy_since = 0.0
        self.latency = _stats.LatencyRecorder()

    def failed(self, record: Any, count: int = 1) -> None:
        """Count ``count`` failed records; report the exception being handled, once a batch.

        Call it inside the ``except`` block: ``handleError`` reads ``sys.exc_info()``.
        """
        self.errors += count
        if not self.reported:
            self.reported = True
            report(self.handler, record)

    def stats(self) -> dict[str, Any]:
        """The handler's counters in ``ll.stats()``: the listener's, merged with the sink's
        own (:class:`~lite_logging.metrics._registry.SinkStats`)."""
        failed = self.errors  # records the handler raised on: lost to it
        own: dict[str, Any] = {"written": self.written, "errors": failed}
        dropped_by: dict[str, int] = {"handler_error": failed} if failed else {}
        if self.stats_fn is not None:
            # a broken stats() must not break ll.stats()
            with contextlib.suppress(Exception):
                _stats.merge_sink_stats(own, dropped_by, self.stats_fn())
        since = self.busy_since
        return {  # the SPEC's keys first, then the extensions, then the sink's counters
            "written": own.pop("written"),
            "errors": own.pop("errors"),
            "handle_us": self.latency.summary(),
            "busy_s": round(_perf_counter() - since, 3) if since else 0.0,
            "dropped": sum(dropped_by.values()),
            "dropped_by": dropped_by,
            "handle_seconds": self.latency.histogram(),
            **own,
        }

    def deliver(self, batch: list[logging.LogRecord], respect: bool) -> None:
        """Give ``batch`` to the handler; a record that raises costs only itself.

        The normal path is one ``handle_batch`` call; only after it raised are the records
        handed over again one at a time (the batch protocol is all-or-nothing).
        """
        handler = self.handler
        self.reported = False
        self.busy_since = started = _perf_counter()
        records = batch
        if respect and handler.level:
            level = handler.level
            try:
                records = [r for r in records if r.levelno >= level]
            except Exception:  # noqa: BLE001 - some record has no comparable levelno
                records = _at_level(self, batch, level)
        batch_fn = self.batch_fn
        if batch_fn is not None:
            self._deliver_batch(batch_fn, records)
        else:
            self._deliver_each(records)
        self.busy_since = 0.0
        if records:
            # One sample per batch: the mean time per record (two clock reads per batch).
            n = len(records)
            self.latency.add((_perf_counter() - started) * 1e6 / n, n)

    def _deliver_batch(
        self, batch_fn: Callable[[list[logging.LogRecord]], None], records: list[logging.LogRecord]
    ) -> None:
        if self.handler.filters:
            records = _filtered(self, records)
        if not records:
            return
        try:
            batch_fn(records)
            self.written += len(records)
        except Exception:  # noqa: BLE001 - RecursionError too: the listener survives
            for record in records:
                try:
                    batch_fn([record])
                    self.written += 1
                except Exception:  # noqa: BLE001 - counted and reported, never raised
                    self.failed(record)

    def _deliver_each(self, records: list[logging.LogRecord]) -> None:
        handle = self.handler.handle
        for record in records:
            try:
                if handle(record):
                    self.written += 1
            except Exception:  # noqa: BLE001 - counted and reported, never raised
                self.failed(record)

    def flush(self) -> None:
        """Flush the handler; a failure is counted and reported, never raised."""
        self.busy_since = _perf_counter()
        try:
            self.handler.flush()
        except Exception:  # noqa: BLE001 - counted and reported, never raised
            self.errors += 1
            report(self.handler, None)
        self.busy_since = 0.0


def _filtered(state: HandlerState, records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    """Apply the handler's filters per record; on 3.12+ a filter may return a replacement.

    A record whose filter raises is counted as failed and left out; each filter runs once
    per record (a rate limit or a sampler keeps its state right).
    """
    handler = state.handler
    kept = []
    for record in records:
        try:
            rv = handler.filter(record)
        except Exception:  # noqa: BLE001 - RecursionError too: costs only its record
            state.failed(record)
            continue
        if rv:
            kept.append(rv if isinstance(rv, logging.LogRecord) else record)
    return kept


def _at_level(
    state: HandlerState, records: list[logging.LogRecord], level: int
) -> list[logging.LogRecord]:
    """The records at or above ``level``, one by one: one whose check raises is failed."""
    kept = []
    for record in records:
        try:
            if record.levelno >= level:
                kept.append(record)
        except Exception:  # noqa: BLE001 - a record without a comparable levelno
            state.failed(record)
    return kept


def configurator_handlers() -> Any:
    """The ``handlers`` table of the dictConfig run that is constructing us, if any."""
    config = sys.modules.get("logging.config")  # not imported: no dictConfig runs (~5 ms saved)
    if config is None:
        return None
    frame: FrameType | None = sys._getframe(1)
    depth = 0
    while frame is not None and depth < 30:
        configurator = frame.f_locals.get("self")
        if isinstance(configurator, config.DictConfigurator):
            return configurator.config.get("handlers")
        frame = frame.f_back
        depth += 1
    return None


def check_targets(handlers: Any) -> list[logging.Handler | str]:
    """``handlers`` as a list, checked now: a string (not a list of names), or a name that
    neither the running dictConfig defines nor the logging registry holds, is an error at
    configuration time. Names that dictConfig defines are still resolved lazily."""
    if handlers is None:
        return []
    if isinstance(handlers, str | bytes) or not isinstance(handlers, Iterable):
        raise ValueError(f'"handlers" must be a list of handlers or handler names: {handlers!r}')
    targets = list(handlers)
    for h in targets:
        if not isinstance(h, logging.Handler | str):
            raise ValueError(f'"handlers" must hold handlers or handler names: {h!r}')
    names = [h for h in targets if isinstance(h, str)]
    if names:
        _check_names(names)
    return targets


def _check_names(names: list[str]) -> None:
    """Raise ``ValueError`` for the first name that the running dictConfig does not define
    (or, outside dictConfig, that the logging registry does not hold)."""
    table = configurator_handlers()
    if table is not None:
        where, known = "the configuration does not define", table
    else:
        where, known = "is not a registered handler", logging._handlers  # type: ignore[attr-defined]
    for name in names:
        if name not in known:
            raise ValueError(f'"handlers" names {name!r}, which {where}')
