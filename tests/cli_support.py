"""Helpers for the tests of the ``lite-logging`` command (``tests/test_cli_*.py``).

Imported as ``from cli_support import ...`` (pytest's default import mode puts this
directory on ``sys.path``, as for ``conftest``).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from lite_logging.cli.readers import Entry, read_entries

PYTHON = sys.executable

# The schema's example record, and the same record as EdnFormatter writes it.
RECORD: dict[str, Any] = {
    "timestamp": "2026-11-26T16:30:00.123456Z",
    "level": "INFO",
    "logger": "shop.api",
    "message": "user 42 logged in",
    "event_id": "019ac0c4-8f0a-7c3e-9b1d-5f2a6e0c1d77",
    "context": {"request_id": "r-1"},
    "user_id": 42,
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "span_id": "00f067aa0ba902b7",
    "source": {"file": "shop/api.py", "line": 17, "function": "login"},
}
EDN_LINE = (
    '{:timestamp #inst "2026-11-26T16:30:00.123456Z" :level :info :logger "shop.api" '
    ':message "user 42 logged in" :event_id #uuid "019ac0c4-8f0a-7c3e-9b1d-5f2a6e0c1d77" '
    ':context {:request_id "r-1"} :user_id 42 :trace_id "4bf92f3577b34da6a3ce929d0e0e4736" '
    ':span_id "00f067aa0ba902b7" :source {:file "shop/api.py" :line 17 :function "login"}}'
)


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lite_logging ARGS`` and capture its output."""
    return subprocess.run(
        [PYTHON, "-m", "lite_logging", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_without_edn_format(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the command in a fresh interpreter where ``import edn_format`` fails."""
    code = (
        "import sys; sys.modules['edn_format'] = None\n"
        "from lite_logging.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    return subprocess.run(
        [PYTHON, "-c", code, *args], capture_output=True, text=True, timeout=60, check=False
    )


def record(
    n: int, level: str = "INFO", logger: str = "shop.api", message: str | None = None, **kw: Any
) -> dict[str, Any]:
    """A record in the schema, one second after the previous ``n``."""
    data: dict[str, Any] = {
        "timestamp": f"2026-11-26T16:30:{n:02d}.000000Z",
        "level": level,
        "logger": logger,
        "message": message if message is not None else f"event {n}",
        "event_id": f"019ac0c4-8f0a-7c3e-9b1d-{n:012x}",
    }
    data.update(kw)
    return data


def write_jsonl(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    """Write records (as JSON) and raw strings, one a line."""
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def messages_in_json_output(out: str) -> list[str]:
    """The messages of the JSON lines in ``out``."""
    return [json.loads(line)["message"] for line in out.splitlines()]


def read_bytes(data: bytes) -> list[Entry]:
    """The entries of ``data`` read as a file named ``t``."""
    return list(read_entries(io.BytesIO(data), "t"))


RECORDS = [
    record(1, "DEBUG", "shop.db", "select 1", context={"request_id": "r-1"}),
    record(2, "INFO", "shop.api", "user 42 logged in", user_id=42, context={"request_id": "r-1"}),
    record(3, "WARNING", "shop.api.v2", "slow", context={"request_id": "r-2"}),
    record(4, "ERROR", "shopping", "failed", context={"request_id": "r-2"}),
    record(5, "CRITICAL", "billing", "down"),
]
