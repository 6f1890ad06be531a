"""What the pretty-formatter and console-handler tests share: a plain environment, a stream
that keeps each write, and a record as ``shop.api`` logs it."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import pytest

ANSI = re.compile(r"\x1b\[")


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch, empty_context: None) -> None:
    """No colour forcing, no terminal size from the environment; an empty context."""
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


class Recorder(io.StringIO):
    """A stream that keeps the text of each ``write()`` call."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)


def shop_record(
    msg: str = "user %s logged in",
    args: tuple[Any, ...] = (42,),
    level: int = logging.INFO,
    exc_info: Any = None,
    **extra: Any,
) -> logging.LogRecord:
    """A record from ``shop.api`` (``/srv/shop/api.py:17 in login``) with ``extra`` set."""
    logger = logging.getLogger("shop.api")
    record = logger.makeRecord(
        "shop.api", level, "/srv/shop/api.py", 17, msg, args, exc_info, "login"
    )
    record.__dict__.update(extra)
    return record
