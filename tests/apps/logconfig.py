"""The dictConfig configurations the apps in this folder log through.

``"ours"``: ``AsyncQueueHandler`` -> ``BatchFileHandler``, ``JsonFormatter``, the block
policy. ``"stdlib"``, the control: a plain ``logging.FileHandler`` with the same formatter
and a ``ContextFilter`` (so its lines carry an ``event_id`` too). Only the handler differs.

Our listener batches up to 5,000 records or 1 s (``BATCHING``, a batching sink's usual
setting): the last records a process logs before it stops are then still on their way,
every time, so a test finds out whether stopping waits for them.
"""

from __future__ import annotations

from typing import Any

HANDLERS = ("stdlib", "ours")
BATCHING = {"batch_size": 5000, "flush_interval": 1.0}


def dict_config(
    handler: str, filename: str, *, level: str = "INFO", **queue_options: Any
) -> dict[str, Any]:
    """The configuration sending every logger's records at ``level`` to ``filename``.

    ``queue_options`` (``maxsize``, ``batch_size``, ``flush_interval``...) are passed to
    ``AsyncQueueHandler`` over ``BATCHING``; the control has no queue and ignores them.
    """
    handlers: dict[str, Any]
    if handler == "ours":
        queue = {
            "()": "lite_logging.AsyncQueueHandler",
            "handlers": ["file"],
            **BATCHING,
            **queue_options,
        }
        handlers = {
            "out": queue,
            "file": {
                "()": "lite_logging.BatchFileHandler",
                "filename": filename,
                "formatter": "json",
            },
        }
    elif handler == "stdlib":
        handlers = {
            "out": {
                "class": "logging.FileHandler",
                "filename": filename,
                "formatter": "json",
                "filters": ["stamp"],
            }
        }
    else:
        raise ValueError(f'"handler" must be one of {HANDLERS}: {handler!r}')
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "lite_logging.JsonFormatter"}},
        "filters": {"stamp": {"()": "lite_logging.ContextFilter"}},
        "handlers": handlers,
        "root": {"level": level, "handlers": ["out"]},
    }


SLOW = {"flush_interval": 5}  # longer than any test waits: nothing is written by the timer


def plain_config(kind: str, filename: str) -> dict[str, Any]:
    """Messages only, at INFO, to ``filename``: ``"stdlib"`` (``logging.FileHandler``, the
    control), ``"pipeline"`` (``AsyncQueueHandler`` -> ``BatchFileHandler``) or ``"file"``
    (``BatchFileHandler`` alone), ours holding lines ``SLOW["flush_interval"]`` seconds."""
    handlers: dict[str, Any] = {
        "stdlib": {"out": {"class": "logging.FileHandler", "filename": filename}},
        "pipeline": {
            "out": {"()": "lite_logging.AsyncQueueHandler", "handlers": ["file"], **SLOW},
            "file": {"()": "lite_logging.BatchFileHandler", "filename": filename, **SLOW},
        },
        "file": {"out": {"()": "lite_logging.BatchFileHandler", "filename": filename, **SLOW}},
    }[kind]
    return {
        "version": 1,
        "formatters": {"plain": {"format": "%(message)s"}},
        "handlers": {name: {**h, "formatter": "plain"} for name, h in handlers.items()},
        "root": {"level": "INFO", "handlers": ["out"]},
    }
