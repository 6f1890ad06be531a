"""Handlers and helpers shared by the tests of ``lite_logging.pipeline``."""

from __future__ import annotations

import json
import logging
import sys
import threading
from typing import Any

from conftest import ListHandler

import lite_logging as ll
from lite_logging.pipeline import AsyncQueueHandler

LISTENER_STATS_KEYS = [
    "enqueued",
    "dropped",
    "delivered",
    "queue_depth",
    "max_queue_depth",
    "batches",
    "handlers",
    "errors",
]
"""A listener's ``stats()`` keys, in order: the SPEC's, then ``errors``."""
HANDLER_STATS_KEYS = [
    "written",
    "errors",
    "handle_us",
    "busy_s",
    "dropped",
    "dropped_by",
    "handle_seconds",
]
"""A target handler's keys in ``stats()``, in order: the SPEC's, then ours."""


class Collect(ListHandler):
    """A ``ListHandler`` that counts flushes, and each batch's size when given batches."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.batch_sizes: list[int] = []
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


class BatchCollect(Collect):
    """A ``Collect`` with the batch protocol."""

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
        self.batch_sizes.append(len(records))
        self.records.extend(records)


class Gated(BatchCollect):
    """Blocks in ``handle_batch`` until ``gate`` is set; ``entered`` says it is waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.gate = threading.Event()

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
        self.entered.set()
        self.gate.wait()
        super().handle_batch(records)


class JsonLines(logging.Handler):
    """Writes each batch as one chunk of JSON lines (a light stand-in for a file)."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - batches only
        self.handle_batch([record])

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
        d = json.dumps
        self.chunks.append(
            "".join(
                d({"t": r.t, "i": r.i, "event_id": r.event_id}) + "\n"  # type: ignore[attr-defined]
                for r in records
            )
        )


class Failing(logging.Handler):
    """Raises from ``handle_batch`` (or ``handle``); records what ``handleError`` saw."""

    def __init__(self, batch: bool = True) -> None:
        super().__init__()
        self.reported: list[logging.LogRecord | None] = []
        if batch:
            self.handle_batch = self._raise_batch  # type: ignore[attr-defined]

    def _raise_batch(self, records: list[logging.LogRecord]) -> None:
        raise OSError("disk on fire")

    def handle(self, record: logging.LogRecord) -> bool:
        raise OSError("disk on fire")

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - never reached
        raise AssertionError

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - stdlib name
        self.reported.append(record)


class Reporting(AsyncQueueHandler):
    """An AsyncQueueHandler that keeps what reached ``handleError`` instead of printing."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - stdlib name
        self.reported.append((record, sys.exc_info()[0]))

    @property
    def reported(self) -> list[tuple[logging.LogRecord, Any]]:
        """(record, exception type) per report."""
        return self.__dict__.setdefault("_reported", [])


def pipeline_stats(handler: AsyncQueueHandler) -> dict[str, Any]:
    """The pipeline's entry in ``ll.stats()``."""
    name = handler._stats_name
    assert name is not None
    result: dict[str, Any] = ll.stats()["pipelines"][name]
    return result


def exact(handler: AsyncQueueHandler) -> tuple[int, int, int]:
    """``(enqueued, delivered, dropped)`` of ``handler``."""
    stats = handler.stats()
    return stats["enqueued"], stats["delivered"], stats["dropped"]
