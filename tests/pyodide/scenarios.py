"""What a new user does first, run inside Pyodide by run.mjs: the README's code, unchanged.

Each scenario counts what it logged and what arrived; ``main()`` returns the counts as JSON
for tests/test_pyodide.py to assert on. The README's blocks are read from the file and run
as they are, so the README cannot drift from what works in Pyodide.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

import lite_logging as ll
from lite_logging.testing import isolated

README = Path(__file__).resolve().parents[2] / "README.md"
RECORDS = 500


def _readme_block(marker: str) -> str:
    """The first ```python block of the README that contains ``marker``."""
    blocks: list[str] = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    return next(block for block in blocks if marker in block)


def _threads() -> str:
    """What starting a thread does here (Pyodide: it raises)."""
    try:
        threading.Thread(target=lambda: None).start()
    except RuntimeError as exc:
        return f"RuntimeError: {exc}"
    return "started"


def _parsed(lines: list[str]) -> int:
    """How many of ``lines`` are JSON objects."""
    n = 0
    for line in lines:
        with contextlib.suppress(ValueError):
            n += isinstance(json.loads(line), dict)
    return n


def _pipeline() -> dict[str, Any]:
    """The counters of the root logger's queue handler (the one configured last)."""
    (handler,) = logging.getLogger().handlers
    return dict(handler.stats())  # type: ignore[attr-defined]


def readme_dict_config() -> dict[str, Any]:
    """The README's dictConfig block: JSON lines to logs/app.jsonl, sampled shop.db.*."""
    exec(_readme_block("dictConfig"), {"__name__": "readme"})
    api, db = logging.getLogger("shop.api"), logging.getLogger("shop.db.orders")
    for i in range(RECORDS):
        api.info("order %d placed", i, extra={"order": i})
        db.info("select %d", i)
    flushed = ll.flush(10.0)
    lines = Path("logs/app.jsonl").read_text().splitlines()
    stats = _pipeline()
    orders = [json.loads(line).get("order") for line in lines]
    return {
        "flushed": flushed,
        "logged_api": RECORDS,
        "api_lines_in_order": [o for o in orders if o is not None] == list(range(RECORDS)),
        "lines": len(lines),
        "parsed": _parsed(lines),
        "enqueued": stats["enqueued"],
        "delivered": stats["delivered"],
        "dropped": stats["dropped"],
        "written": stats["handlers"]["file"]["written"],
        "filters": ll.stats()["filters"],
    }


def setup_prod() -> dict[str, Any]:
    """The README's "Use it" block (``ll.setup("prod")``), then more records."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(_readme_block('ll.setup("prod")'), {"__name__": "readme"})
        log = logging.getLogger("shop.api")
        for i in range(RECORDS):
            log.info("request %d", i)
        flushed = ll.flush(10.0)
    lines = out.getvalue().splitlines()
    return {
        "flushed": flushed,
        "logged": RECORDS + 1,
        "lines": len(lines),
        "parsed": _parsed(lines),
        "first": json.loads(lines[0]) if lines else None,
        "pipeline": _pipeline(),
    }


def setup_dev() -> dict[str, Any]:
    """``ll.setup("dev")``: the pretty console, on stderr (Node's console is a terminal's)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        ll.setup("dev")
        log = logging.getLogger("shop.api")
        for i in range(50):
            log.warning("slow request %d", i)
        flushed = ll.flush(10.0)
        listener = logging.getLogger().handlers[0].listener  # type: ignore[attr-defined]
        handlers = [type(h).__name__ for h in listener.handlers]
    text = err.getvalue()
    return {
        "flushed": flushed,
        "logged": 50,
        "lines_with_message": sum(f"slow request {i}" in text for i in range(50)),
        "console_handlers": handlers,
    }


async def in_event_loop() -> dict[str, Any]:
    """Records logged by asyncio tasks go out as batches from the event loop."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ll.setup("prod")
        log = logging.getLogger("shop.worker")

        async def worker(n: int) -> None:
            with ll.context(worker=n):
                for i in range(100):
                    log.info("step %d", i)
                    if i % 25 == 0:
                        await asyncio.sleep(0)

        await asyncio.gather(*(worker(n) for n in range(4)))
        waiting = _pipeline()["queue_depth"]
        await asyncio.sleep(0)
        stats = _pipeline()
    lines = out.getvalue().splitlines()
    return {
        "logged": 400,
        "queued_before_yield": waiting,
        "delivered": stats["delivered"],
        "batches": stats["batches"],
        "lines": len(lines),
        "workers": sorted({json.loads(x)["context"]["worker"] for x in lines}),
    }


async def main() -> str:
    """Every scenario, in a fresh folder each; the counts as JSON. Logging is left as it
    was found (the test suite runs next in the same interpreter)."""
    with isolated():
        return await _run_all()


async def _run_all() -> str:
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "thread_start": _threads(),
        "can_fork": hasattr(os, "fork"),
    }
    for name, scenario in [
        ("readme_dict_config", readme_dict_config),
        ("setup_prod", setup_prod),
        ("setup_dev", setup_dev),
    ]:
        folder = Path("/work") / name
        folder.mkdir(parents=True, exist_ok=True)
        os.chdir(folder)
        results[name] = scenario()
        ll.shutdown()
    results["in_event_loop"] = await in_event_loop()
    ll.shutdown()
    return json.dumps(results, default=repr)
