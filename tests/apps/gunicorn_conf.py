"""gunicorn configuration for the tests: 2 sync workers, logging set by ``logconfig_dict``.

Environment: ``LL_BIND`` (``127.0.0.1:PORT``) and ``LL_HANDLER`` (``ours``: our
AsyncQueueHandler -> BatchFileHandler; ``stdlib``: a plain FileHandler, the control).
Records go to ``out.jsonl`` in the working directory. Each worker prints "ready PID" on
stdout once it serves, and logs 200 lines tagged ``who="exit-PID"`` when it exits.
"""

from __future__ import annotations

import logging
import os
from typing import Any

bind = os.environ["LL_BIND"]
workers = 2
worker_class = "sync"
graceful_timeout = 10
timeout = 30
control_socket_disable = True  # gunicorn 25+: no control socket in ~/.gunicorn (older: ignored)

EXIT_LINES = 200

_formatters = {"json": {"()": "lite_logging.JsonFormatter"}}
_ours = {
    "queue": {
        "()": "lite_logging.AsyncQueueHandler",
        "handlers": ["file"],
        "batch_size": 5000,
        "flush_interval": 1.0,
    },
    "file": {"()": "lite_logging.BatchFileHandler", "filename": "out.jsonl", "formatter": "json"},
}
_stdlib = {
    "queue": {
        "class": "logging.FileHandler",
        "filename": "out.jsonl",
        "formatter": "json",
        "filters": ["stamp"],
    },
}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": _formatters,
    "filters": {"stamp": {"()": "lite_logging.ContextFilter"}},
    "handlers": _ours if os.environ["LL_HANDLER"] == "ours" else _stdlib,
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
    },
    "root": {"level": "INFO", "handlers": ["queue"]},
}


def post_worker_init(worker: Any) -> None:
    os.write(1, f"ready {worker.pid}\n".encode())  # one write: workers share the pipe


def worker_exit(server: Any, worker: Any) -> None:
    log = logging.getLogger("app")
    for seq in range(EXIT_LINES):
        log.info("exit line %d", seq, extra={"who": f"exit-{worker.pid}", "seq": seq})
