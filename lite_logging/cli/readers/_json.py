"""JSON lines: one line read into the JSON data model, one record written back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...formats._encoding import to_jsonable
from ...formats._json_codec import loads

__all__ = ["parse_json", "to_json_line"]


def parse_json(text: str) -> Any:
    """One JSON line (already decoded from UTF-8); orjson when installed, else the stdlib.

    Raises:
        ValueError: not JSON.
    """
    return loads(text)


_COMPACT = (",", ":")


def to_json_line(record: Mapping[str, Any]) -> str:
    """One line of JSON for a record read back (no line ending), as ``JsonFormatter`` would."""
    try:
        return json.dumps(record, ensure_ascii=False, separators=_COMPACT, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return json.dumps(to_jsonable(record), ensure_ascii=False, separators=_COMPACT)
