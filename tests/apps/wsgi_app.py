"""A WSGI app for the gunicorn tests: logs one line per request, answers with its pid."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("app")


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    pid = os.getpid()
    log.info("request %s", environ["PATH_INFO"], extra={"who": f"request-{pid}"})
    body = str(pid).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
