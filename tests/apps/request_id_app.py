"""A Starlette app behind the request-id middleware of docs/recipes/uvicorn.md.

``GET /order/N`` logs a line, yields to the event loop (so concurrent requests interleave),
logs another and answers N. Run as ``uvicorn --app-dir tests/apps request_id_app:app
--log-config tests/apps/uvicorn_logging.yaml``; tests/test_recipes_uvicorn.py does.
"""

import asyncio
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

# --8<-- [start:middleware]
import lite_logging as ll


class LogContextMiddleware:
    """Pure ASGI middleware: a span per HTTP request, and a request id in the context."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        request_id = headers.get(b"x-request-id", b"").decode() or ll.new_event_id()
        traceparent = headers.get(b"traceparent", b"").decode() or None
        with (
            ll.context(request_id=request_id),
            ll.span(f"{scope['method']} {scope['path']}", traceparent=traceparent),
        ):
            await self.app(scope, receive, send)


# --8<-- [end:middleware]

log = logging.getLogger("shop.api")


async def order(request: Request) -> PlainTextResponse:
    n = request.path_params["n"]
    log.info("order %d looked up", n, extra={"order": n})
    await asyncio.sleep(0.01)  # other requests run here
    log.info("order %d shown", n, extra={"order": n})
    return PlainTextResponse(str(n))


app = Starlette(routes=[Route("/order/{n:int}", order)])
app.add_middleware(LogContextMiddleware)
