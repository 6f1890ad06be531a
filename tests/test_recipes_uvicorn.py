"""docs/recipes/uvicorn.md run for real: uvicorn started as a process with the YAML
``--log-config`` of ``tests/apps/uvicorn_logging.yaml`` serves ``tests/apps/request_id_app.py``
behind the page's ASGI middleware; concurrent requests, each with its own request id, and
every line of ``out.jsonl`` counted.

The server is started once for the module; SIGTERM stops it (uvicorn re-raises it after a
graceful shutdown; the pipeline drains first).
"""

from __future__ import annotations

import signal
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from process_helpers import APPS, Child, Lines, free_port, read_jsonl, wait_for_port

pytest.importorskip("uvicorn")
pytest.importorskip("starlette")
pytest.importorskip("yaml")  # uvicorn reads a .yaml --log-config with PyYAML

REQUESTS = 20
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


def _get(port: int, path: str, headers: dict[str, str]) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=20) as response:
        body: bytes = response.read()
        return body.decode()


def _of(lines: Lines, request_id: str) -> list[dict[str, Any]]:
    """The records logged under ``request_id``, in file order."""
    return [r for r in lines.records if r.get("context", {}).get("request_id") == request_id]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Run uvicorn, send the requests at once (and a traced one), stop it, read the file."""
    folder = tmp_path_factory.mktemp("uvicorn")
    port = free_port()
    args = [
        sys.executable, "-m", "uvicorn", "request_id_app:app",
        "--app-dir", str(APPS),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--log-config", str(APPS / "uvicorn_logging.yaml"),
    ]  # fmt: skip
    with Child(args, cwd=folder, name="uvicorn") as server:
        wait_for_port(port)
        with ThreadPoolExecutor(REQUESTS) as pool:
            answers = list(
                pool.map(
                    lambda n: _get(port, f"/order/{n}", {"X-Request-ID": f"req-{n}"}),
                    range(REQUESTS),
                )
            )
        traceparent = f"00-{TRACE_ID}-{PARENT}-01"
        traced = _get(port, "/order/99", {"X-Request-ID": "traced", "traceparent": traceparent})
        server.send(signal.SIGTERM)
        returncode = server.wait()
        yield {
            "lines": read_jsonl(folder / "out.jsonl"),
            "answers": answers,
            "traced": traced,
            "returncode": returncode,
            "stderr": server.stderr_text(),
        }


class TestUvicornRecipe:
    def test_each_request_logs_under_its_own_id(self, served: dict[str, Any]) -> None:
        """Concurrent, interleaved requests: each one's two app lines, uvicorn's access line
        and the span record carry its own request id and one trace id of its own."""
        lines: Lines = served["lines"]
        assert [str(n) for n in range(REQUESTS)] == served["answers"]
        traces = set()
        for n in range(REQUESTS):
            mine = _of(lines, f"req-{n}")
            assert [
                ("shop.api", f"order {n} looked up"),
                ("shop.api", f"order {n} shown"),
                ("uvicorn.access", f'127.0.0.1:... - "GET /order/{n} HTTP/1.1" 200'),
                ("lite_logging.span", f"span GET /order/{n} ok"),
            ] == [(r["logger"], _port_free(r["message"])) for r in mine]
            (trace_id,) = {r["trace_id"] for r in mine}
            traces.add(trace_id)
        assert REQUESTS == len(traces)
        assert 0 == lines.doubled_ids
        assert [] == lines.broken

    def test_traceparent_joins_the_callers_trace(self, served: dict[str, Any]) -> None:
        """A request with a traceparent header logs in the caller's trace, its span a child
        of the caller's span."""
        lines: Lines = served["lines"]
        assert "99" == served["traced"]
        mine = _of(lines, "traced")
        assert 4 == len(mine)
        assert {TRACE_ID} == {r["trace_id"] for r in mine}
        (span,) = [r for r in mine if r["logger"] == "lite_logging.span"]
        assert PARENT == span["parent_span_id"]

    def test_yaml_config_drops_color_message(self, served: dict[str, Any]) -> None:
        """The YAML config was applied (JSON lines in out.jsonl through the queue handler)
        and its transform dropped uvicorn's color_message from every line."""
        lines: Lines = served["lines"]
        started = [m for m in lines.messages("uvicorn.error") if m.startswith("Started server")]
        assert 1 == len(started)
        assert [] == [r for r in lines.records if "color_message" in r]
        assert 1 == lines.messages("uvicorn.error").count("Application shutdown complete.")

    def test_stopped_by_sigterm(self, served: dict[str, Any]) -> None:
        """uvicorn dies by the SIGTERM it re-raised; no logging error on stderr."""
        assert -signal.SIGTERM == served["returncode"]
        assert "Logging error" not in served["stderr"]


def _port_free(message: str) -> str:
    """An access line with the client's port replaced by ``...``."""
    if message.startswith("127.0.0.1:"):
        rest = message.split(" ", 1)[1]
        return f"127.0.0.1:... {rest}"
    return message
