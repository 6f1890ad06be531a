"""Servers stopped by SIGTERM keep every line: uvicorn (alone and with --workers 2), gunicorn.

Each test starts the real server twice at once, on free ports of 127.0.0.1: logging to
``out.jsonl`` through our pipeline, and through a plain ``logging.FileHandler`` (the
control), with the same formatter. It waits for the app's "ready PID" lines on stdout and
the port, sends 100 requests, sends SIGTERM to the server's (master) process and counts
the lines: the app's shutdown lines, the server's own shutdown lines and the access lines.
uvicorn catches SIGTERM, shuts down, then re-raises it, so a single uvicorn process dies
by SIGTERM (-15) after its lifespan shutdown has logged.
"""

from __future__ import annotations

import inspect
import re
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from process_helpers import APPS, Child, Lines, free_port, http_get, read_jsonl, wait_for_port

uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("starlette")
pytest.importorskip("gunicorn")

HANDLERS = ("stdlib", "ours")
REQUESTS = 100
SHUTDOWN_LINES = 200  # logged by each worker as it stops (apps/starlette_app.py, gunicorn_conf)
UVICORN_CONFIG = {"ours": "uvicorn_logging.json", "stdlib": "uvicorn_logging_stdlib.json"}
READY = re.compile(r"ready (\d+)")

Counts = dict[str, int]


def _run_both(tmp_path: Path, scenario: Callable[[Path, str], Counts]) -> Counts:
    """Run ``scenario(folder, handler)`` for both handlers at once; one flat dict of counts."""
    folders = {h: tmp_path / h for h in HANDLERS}
    for folder in folders.values():
        folder.mkdir()
    with ThreadPoolExecutor(len(HANDLERS)) as pool:
        futures = {h: pool.submit(scenario, folders[h], h) for h in HANDLERS}
        results = {h: f.result() for h, f in futures.items()}
    return {f"{h} {name}": n for h, counts in results.items() for name, n in counts.items()}


def _both(counts: Counts) -> Counts:
    """The same expected counts for both handlers, keyed as ``_run_both`` keys them."""
    return {f"{h} {name}": n for h in HANDLERS for name, n in counts.items()}


def _ready_pids(child: Child, workers: int) -> list[int]:
    """Wait until ``workers`` distinct processes printed "ready PID"; their pids."""
    pids: list[int] = []
    while len(pids) < workers:
        match = READY.fullmatch(child.wait_for_line(lambda line: bool(READY.fullmatch(line))))
        assert match is not None
        if int(match[1]) not in pids:
            pids.append(int(match[1]))
    return pids


def _seqs(lines: Lines, who: str, count: int) -> int:
    """How many of ``who``'s records numbered 0 .. count-1 are in the file."""
    return len({r.get("seq") for r in lines.where(who=who)} & set(range(count)))


def _file_counts(lines: Lines) -> Counts:
    return {"doubled": lines.doubled_ids, "broken": len(lines.broken)}


def _uvicorn(folder: Path, handler: str, workers: int) -> Counts:
    port = free_port()
    args = [
        sys.executable, "-m", "uvicorn", "starlette_app:app",
        "--app-dir", str(APPS),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--log-config", str(APPS / UVICORN_CONFIG[handler]),
    ]  # fmt: skip
    if workers > 1:
        args += ["--workers", str(workers)]
        if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
            args += ["--timeout-worker-healthcheck", "30"]  # slow spawns on a busy machine
    with Child(args, cwd=folder, name=f"uvicorn-{handler}") as server:
        pids = _ready_pids(server, workers)
        wait_for_port(port)
        for _ in range(REQUESTS):
            http_get(port, "/")
        server.send(signal.SIGTERM)
        returncode = server.wait()
    lines = read_jsonl(folder / "out.jsonl")
    messages = lines.messages()
    counts: Counts = {
        "returncode": returncode,
        "access lines": len(lines.messages("uvicorn.access")),
    }
    counts["Application shutdown complete."] = messages.count("Application shutdown complete.")
    for n, pid in enumerate(pids, 1):
        counts[f"worker {n} shutdown lines"] = _seqs(lines, f"shutdown-{pid}", SHUTDOWN_LINES)
        counts[f"worker {n} Finished server process"] = messages.count(
            f"Finished server process [{pid}]"
        )
    if workers > 1:
        counts["Stopping parent process"] = messages.count(
            f"Stopping parent process [{server.pid}]"
        )
    return counts | _file_counts(lines)


def _gunicorn(folder: Path, handler: str) -> Counts:
    port = free_port()
    args = [
        sys.executable, "-m", "gunicorn", "wsgi_app:app",
        "--config", str(APPS / "gunicorn_conf.py"),
        "--pythonpath", str(APPS),
    ]  # fmt: skip
    env = {"LL_HANDLER": handler, "LL_BIND": f"127.0.0.1:{port}"}
    with Child(args, cwd=folder, env=env, name=f"gunicorn-{handler}") as master:
        pids = _ready_pids(master, 2)
        wait_for_port(port)
        served = {int(http_get(port, f"/{n}")) for n in range(REQUESTS)}
        master.send(signal.SIGTERM)
        returncode = master.wait()
    assert served <= set(pids), f"{handler}: answered by {served}, workers {pids}"
    lines = read_jsonl(folder / "out.jsonl")
    messages = lines.messages()
    requests = [r for r in lines.records if str(r.get("who", "")).startswith("request-")]
    counts: Counts = {
        "returncode": returncode,
        "request lines": len(requests),
        "access lines": len(lines.messages("gunicorn.access")),
        "Handling signal: term": messages.count("Handling signal: term"),
        "Shutting down: Master": messages.count("Shutting down: Master"),
    }
    for n, pid in enumerate(pids, 1):
        counts[f"worker {n} Booting worker"] = messages.count(f"Booting worker with pid: {pid}")
        counts[f"worker {n} exit lines"] = _seqs(lines, f"exit-{pid}", SHUTDOWN_LINES)
        counts[f"worker {n} Worker exiting"] = messages.count(f"Worker exiting (pid: {pid})")
    return counts | _file_counts(lines)


@pytest.mark.slow
class TestUvicorn:
    def test_sigterm(self, tmp_path: Path) -> None:
        """One uvicorn process: the lifespan's 200 shutdown lines, uvicorn's own shutdown
        lines and the 100 access lines are written; it dies by the SIGTERM it re-raised."""
        actual = _run_both(tmp_path, lambda folder, h: _uvicorn(folder, h, workers=1))

        expected = _both(
            {
                "returncode": -signal.SIGTERM,
                "access lines": REQUESTS,
                "Application shutdown complete.": 1,
                "worker 1 shutdown lines": SHUTDOWN_LINES,
                "worker 1 Finished server process": 1,
                "doubled": 0,
                "broken": 0,
            }
        )
        assert expected == actual

    def test_sigterm_two_workers(self, tmp_path: Path) -> None:
        """uvicorn --workers 2: SIGTERM to the parent stops both workers (each re-raises
        it); both workers' shutdown lines, the access lines and the parent's are written."""
        actual = _run_both(tmp_path, lambda folder, h: _uvicorn(folder, h, workers=2))

        expected = _both(
            {
                "returncode": 0,
                "access lines": REQUESTS,
                "Application shutdown complete.": 2,
                "worker 1 shutdown lines": SHUTDOWN_LINES,
                "worker 1 Finished server process": 1,
                "worker 2 shutdown lines": SHUTDOWN_LINES,
                "worker 2 Finished server process": 1,
                "Stopping parent process": 1,
                "doubled": 0,
                "broken": 0,
            }
        )
        assert expected == actual


@pytest.mark.slow
class TestGunicorn:
    def test_sigterm_to_master(self, tmp_path: Path) -> None:
        """gunicorn with 2 sync workers and ``logconfig_dict``: after SIGTERM to the master,
        every worker's lines (boot, requests, 200 exit lines, "Worker exiting"), the access
        lines and the master's shutdown lines are written."""
        actual = _run_both(tmp_path, _gunicorn)

        expected = _both(
            {
                "returncode": 0,
                "request lines": REQUESTS,
                "access lines": REQUESTS,
                "Handling signal: term": 1,
                "Shutting down: Master": 1,
                "worker 1 Booting worker": 1,
                "worker 1 exit lines": SHUTDOWN_LINES,
                "worker 1 Worker exiting": 1,
                "worker 2 Booting worker": 1,
                "worker 2 exit lines": SHUTDOWN_LINES,
                "worker 2 Worker exiting": 1,
                "doubled": 0,
                "broken": 0,
            }
        )
        assert expected == actual
