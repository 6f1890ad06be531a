"""The demo page's app: a small shop serving requests in asyncio tasks, in the browser.

Run by index.html in Pyodide. One dictConfig, unchanged from what a server would use but
for its sinks: the records go through an ``AsyncQueueHandler`` (no thread here: batches go
out from the event loop) to three page columns (JSON lines, EDN lines, pretty lines) and to
the developer console (``BrowserConsoleHandler``). Context, spans and sampling as on a server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import logging.config
from typing import Any

import js  # type: ignore[import-not-found]  # Pyodide's bridge to the page

import lite_logging as ll

REQUESTS = 12


class PageHandler(logging.Handler):
    """Appends each formatted record to the page element ``element_id``, one div each."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element = js.document.getElementById(element_id)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            div = js.document.createElement("div")
            div.className = "rec"
            div.textContent = self.format(record)
            self.element.appendChild(div)
        except Exception:  # noqa: BLE001 - logging never raises into the caller
            self.handleError(record)


CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # a quarter of the shop.db traces kept (a trace is kept or dropped whole)
        "sampled": {"()": "lite_logging.SamplingFilter", "rates": {"shop.db.*": 0.25}},
    },
    "formatters": {
        "json": {"()": "lite_logging.JsonFormatter"},
        "edn": {"()": "lite_logging.EdnFormatter"},
        "pretty": {"()": "lite_logging.PrettyFormatter", "width": 100},
    },
    "handlers": {
        "json": {"()": "demo_app.PageHandler", "element_id": "json", "formatter": "json"},
        "edn": {"()": "demo_app.PageHandler", "element_id": "edn", "formatter": "edn"},
        "pretty": {"()": "demo_app.PageHandler", "element_id": "pretty", "formatter": "pretty"},
        "devtools": {"()": "lite_logging.BrowserConsoleHandler"},
        "queue": {
            "()": "lite_logging.AsyncQueueHandler",
            "handlers": ["json", "edn", "pretty", "devtools"],
            "filters": ["sampled"],
        },
    },
    "loggers": {"shop": {"level": "DEBUG"}},
    "root": {"level": "INFO", "handlers": ["queue"]},
}

log = logging.getLogger("shop.api")
db = logging.getLogger("shop.db.orders")


async def serve(n: int) -> None:
    """One request: context, a span, a sampled database line, sometimes a failure."""
    with ll.context(request_id=f"r-{n}", user=f"u-{n % 3}"), ll.span("checkout", order=n):
        log.info("request %d started", n)
        db.debug("select * from orders where id = %d", n)
        await asyncio.sleep(0)
        if n % 5 == 3:
            try:
                _ = 1 / 0
            except ZeroDivisionError:
                log.exception("request %d failed", n)
        else:
            if n % 4 == 0:
                log.warning("request %d slow", n, extra={"ms": 200 + n})
            log.info("request %d done", n, extra={"items": n % 4})


async def main() -> None:
    """Serve the requests, flush, and show the pipeline's counters on the page."""
    logging.config.dictConfig(CONFIG)
    await asyncio.gather(*(serve(n) for n in range(REQUESTS)))
    ll.flush()
    stats = ll.stats()
    js.document.getElementById("stats").textContent = json.dumps(stats, indent=1)
    js.document.getElementById("status").textContent = "done"
