"""JSON lines: one line read into the JSON data model, one record written back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...formats._encoding import to_jsonable
from ...formats._json_codec import escape_line_breaks, loads

__all__ = ["parse_json", "to_json_line"]


def parse_json(text: str) -> Any:
    """One JSON line (already decoded from UTF-8); orjson when installed, else the stdlib.

    Raises:
        ValueError: not JSON.
    """
    return loads(text)


_COMPACT = (",", ":")


def to_json_line(record: Mapping[str, Any]) -> str:
    """One line of JSON for a record read back (no line ending), as ``JsonFormatter`` would:
    non-ASCII raw but for NEL, U+2028 and U+2029, escaped (``str.splitlines()`` breaks there)."""
    try:
        text = json.dumps(record, ensure_ascii=False, separators=_COMPACT, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        text = json.dumps(to_jsonable(record), ensure_ascii=False, separators=_COMPACT)
    return text if text.isascii() else escape_line_breaks(text)
