"""docs/recipes/django.md run for real: Django's development server, started as a process
with the project in ``tests/apps/django_site`` (its LOGGING and middleware are the blocks the
page shows), answers concurrent requests; every JSON line on its stdout is counted.

The server is started once for the module; SIGTERM stops it, and the pipeline drains first.
"""

from __future__ import annotations

import json
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from process_helpers import APPS, Child, Lines, free_port, wait_for_port

pytestmark = pytest.mark.once  # a real Django server: see the marker in pyproject.toml

pytest.importorskip("django")

REQUESTS = 20
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def _get(port: int, path: str, request_id: str, traceparent: str | None = None) -> tuple[int, str]:
    """The status and the X-Request-ID header of ``GET path`` sent with that request id."""
    headers = {"X-Request-ID": request_id}
    if traceparent:
        headers["traceparent"] = traceparent
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers["X-Request-ID"]
    except urllib.error.HTTPError as error:
        return error.code, error.headers["X-Request-ID"]


def _json_lines(lines: list[str]) -> Lines:
    """The JSON records among the server's stdout lines (runserver prints a banner too)."""
    records: list[dict[str, Any]] = []
    for line in lines:
        if line.startswith("{"):
            records.append(json.loads(line))
    return Lines(records, [])


def _of(lines: Lines, request_id: str) -> list[dict[str, Any]]:
    """The records logged under ``request_id``, in file order."""
    return [r for r in lines.records if r.get("context", {}).get("request_id") == request_id]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lines, dict[str, Any]]]:
    """Run the server, send the requests at once (and a 404, and a traced one), stop it."""
    folder = tmp_path_factory.mktemp("django")
    port = free_port()
    args = [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"]
    env = {"DJANGO_SETTINGS_MODULE": "django_site.settings", "PYTHONPATH": str(APPS)}
    with Child(args, cwd=folder, env=env, name="django") as server:
        wait_for_port(port)
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(lambda n: _get(port, f"/order/{n}", f"req-{n}"), range(REQUESTS))
            )
        missing = _get(port, "/nowhere", "req-404")
        traced = _get(port, "/order/99", "req-traced", f"00-{TRACE_ID}-00f067aa0ba902b7-01")
        # runserver logs a request's access line after it sent the response, so the client
        # may have it before the line is logged; a line not logged yet is no line to drain:
        # wait for all of them (REQUESTS + 2) before stopping.
        seen = [0]

        def _access(line: str) -> bool:
            seen[0] += '"logger":"django.server"' in line
            return seen[0] == REQUESTS + 2

        server.wait_for_line(_access)
        server.send(signal.SIGTERM)
        returncode = server.wait()
        stderr = server.stderr_text()
        yield (
            _json_lines(server.lines),
            {
                "answers": answers,
                "missing": missing,
                "traced": traced,
                "returncode": returncode,
                "stderr": stderr,
            },
        )


class TestDjangoRecipe:
    def test_each_request_logs_under_its_own_id(self, served: tuple[Lines, dict[str, Any]]) -> None:
        """Concurrent requests: each one's two view lines and its span record carry its
        request id (and nothing else does); the id comes back in X-Request-ID."""
        lines, run = served
        assert [(200, f"req-{n}") for n in range(REQUESTS)] == run["answers"]
        for n in range(REQUESTS):
            mine = [
                r for r in lines.records if r.get("context", {}).get("request_id") == f"req-{n}"
            ]
            assert [
                ("shop.views", f"order {n} looked up"),
                ("shop.views", f"order {n} shown"),
                ("lite_logging.span", f"span GET /order/{n} ok"),
            ] == [(r["logger"], r["message"]) for r in mine]
            assert {n} == {r["order"] for r in mine[:2]}
            trace_ids = {r["trace_id"] for r in mine}
            assert 1 == len(trace_ids)
        assert 0 == lines.doubled_ids

    def test_django_server_and_request_lines(self, served: tuple[Lines, dict[str, Any]]) -> None:
        """django.server writes one access line per request; django.request a WARNING for
        the 404, after the middleware has returned (so without the request id: the page
        says so), naming the request."""
        lines, run = served
        assert (404, "req-404") == run["missing"]
        access = lines.messages("django.server")
        assert REQUESTS + 2 == len(access), access
        assert 1 == sum('"GET /nowhere HTTP/1.1" 404' in m for m in access)
        (not_found,) = lines.where(logger="django.request")
        assert ("WARNING", "Not Found: /nowhere") == (not_found["level"], not_found["message"])
        assert "context" not in not_found
        assert "<WSGIRequest: GET '/nowhere'>" == not_found["request"]

    def test_traceparent_joins_the_callers_trace(
        self, served: tuple[Lines, dict[str, Any]]
    ) -> None:
        """A request with a traceparent header logs in the caller's trace."""
        lines, run = served
        assert (200, "req-traced") == run["traced"]
        mine = _of(lines, "req-traced")
        assert 3 == len(mine)
        assert {TRACE_ID} == {r["trace_id"] for r in mine}
        (span,) = [r for r in mine if r["logger"] == "lite_logging.span"]
        assert "00f067aa0ba902b7" == span["parent_span_id"]

    def test_stopped_cleanly(self, served: tuple[Lines, dict[str, Any]]) -> None:
        """SIGTERM ends the server as it would without us, and nothing went to stderr but
        Django's own banner lines (no logging error)."""
        _, run = served
        assert -signal.SIGTERM == run["returncode"]
        assert "Logging error" not in run["stderr"]
        assert "Traceback" not in run["stderr"]
