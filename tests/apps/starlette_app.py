"""A Starlette app for the uvicorn tests.

Its lifespan prints "ready PID" on stdout once started (the test waits for it) and, at
shutdown, logs 200 lines tagged ``who="shutdown-PID"`` and ``seq``; ``GET /`` answers with
the worker's pid. Run as ``uvicorn --app-dir tests/apps starlette_app:app``.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

SHUTDOWN_LINES = 200

log = logging.getLogger("app")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    pid = os.getpid()
    log.info("app started", extra={"who": f"startup-{pid}", "seq": 0})
    os.write(1, f"ready {pid}\n".encode())  # one write: workers share the pipe
    yield
    for seq in range(SHUTDOWN_LINES):
        log.info("shutdown line %d", seq, extra={"who": f"shutdown-{pid}", "seq": seq})


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(os.getpid()))


app = Starlette(routes=[Route("/", home)], lifespan=lifespan)
