"""Metric records in the log stream, for users without Prometheus (off by default).

:func:`start_snapshots` starts a daemon thread that logs one record every ``interval``
seconds through ordinary ``logging`` (so through the pipeline, its filters and formats):
message ``"metrics snapshot"``, field ``metrics`` (every metric of the registry, see
``MetricsRegistry.snapshot()``) and, unless ``pipeline=False``, field ``pipeline``
(``ll.stats()``). ``stop()`` on the returned object ends it and logs a last snapshot.
A forked child does not inherit the thread: call ``start_snapshots`` there again.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from .. import _threads
from .._options import check_number
from . import _registry
from .instruments import REGISTRY, MetricsRegistry

__all__ = ["SNAPSHOT_LOGGER", "Snapshots", "start_snapshots"]

SNAPSHOT_LOGGER = "lite_logging.metrics"


class Snapshots:
    """The running snapshot thread that :func:`start_snapshots` returns."""

    def __init__(
        self,
        interval: float,
        logger: logging.Logger,
        level: int,
        registry: MetricsRegistry,
        pipeline: bool,
    ) -> None:
        self.interval = interval
        self.logger = logger
        self.level = level
        self.registry = registry
        self.pipeline = pipeline
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="lite_logging-metrics-snapshots", daemon=True
        )

    def log_once(self) -> None:
        """Log one snapshot record now."""
        extra: dict[str, object] = {"metrics": self.registry.snapshot()}
        if self.pipeline:
            extra["pipeline"] = _registry.collect()
        self.logger.log(self.level, "metrics snapshot", extra=extra)

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            # Keep the thread alive whatever a snapshot raised; logging reports its own errors.
            with contextlib.suppress(Exception):
                self.log_once()

    def stop(self, *, final: bool = True) -> None:
        """End the thread; with ``final`` (default) log one last snapshot."""
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        if final:
            self.log_once()


def start_snapshots(
    interval: float = 60.0,
    *,
    logger: str | logging.Logger = SNAPSHOT_LOGGER,
    level: int = logging.INFO,
    registry: MetricsRegistry | None = None,
    pipeline: bool = True,
) -> Snapshots:
    """Log a ``"metrics snapshot"`` record every ``interval`` seconds until ``stop()``.

    Args:
        interval: seconds between records (> 0).
        logger: the logger (or its name) the records go to; default ``lite_logging.metrics``.
        level: their level.
        registry: the metrics to include (default the global registry).
        pipeline: also include ``ll.stats()`` as ``pipeline``.

    Raises:
        ValueError: ``interval`` not > 0.
    """
    check_number("interval", interval, finite=False)
    target = logging.getLogger(logger) if isinstance(logger, str) else logger
    snapshots = Snapshots(float(interval), target, level, registry or REGISTRY, pipeline)
    _threads.start_without_signals(snapshots._thread)  # SIGTERM goes to the app's threads
    return snapshots
