"""Rendering a batch record by record, so that one record that cannot be rendered costs only
itself: shared by the sinks that write a batch at once (file, syslog)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

__all__ = ["render_each"]

T = TypeVar("T")


def render_each(
    records: list[logging.LogRecord],
    render: Callable[[logging.LogRecord], T],
    degrade: Callable[[logging.LogRecord, BaseException], T],
    report: Callable[[logging.LogRecord], None],
) -> tuple[list[T], int]:
    """``render(record)`` for every record; where it raises (anything, ``RecursionError``
    too), ``degrade(record, exc)`` takes its place.

    ``report(record)`` is called once, for the first failure, inside its ``except`` block
    (so ``handleError`` sees the exception). Returns the results and how many degraded.
    """
    out: list[T] = []
    append = out.append
    remaining = iter(records)  # shared: after a failure, the loop goes on after it
    failed = 0
    while True:
        try:
            for record in remaining:
                append(render(record))
            return out, failed
        except Exception as exc:  # noqa: BLE001 - RecursionError too: costs one record
            bad = records[len(out)]
            append(degrade(bad, exc))
            failed += 1
            if failed == 1:
                report(bad)
