"""docs/recipes/celery.md run for real: a Celery worker (prefork pool, two processes) started
as a process with the app in ``tests/apps/celery_app.py`` (the part the page shows), on
kombu's filesystem broker in a temporary folder; this process sends the tasks, some inside a
span. Every JSON line on the worker's stdout is counted.

The worker is started once for the module; SIGTERM stops it (a warm shutdown: each pool
process drains its pipeline in ``worker_process_shutdown``). Marked slow: Celery's warm
shutdown itself takes 4-7 s, as long with a stdlib-only app as with ours (median 6.7 s
both, 5 runs each, SIGTERM right after the last task): the consumer's loop polls the
filesystem broker for 2 s (``drain_events(timeout=2.0)``) and runs one more such cycle
after it saw the shutdown flag (``try: maybe_shutdown() finally: _loop_cycle()``), then
each billiard pool process sleeps 1 s in ``_do_exit``. The earlier "4.3 s without us"
was the same shutdown with the signal later in the 2 s poll: sent 1.8 s after the last
task, both take ~5 s.
"""

from __future__ import annotations

import json
import re
import signal
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from process_helpers import APPS, Child, Lines

pytestmark = pytest.mark.once  # a real Celery worker: see the marker in pyproject.toml

pytest.importorskip("celery")

TASKS = 12  # sent outside any span
TRACED = 4  # sent inside one span of this process
SUCCEEDED = re.compile(r"Task celery_app\.charge\[([0-9a-f-]+)\] succeeded")


def _records(lines: list[str]) -> Lines:
    """The JSON records among the worker's stdout lines (its banner is plain text)."""
    return Lines([json.loads(line) for line in lines if line.startswith("{")], [])


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Send the tasks, start the worker, wait for each to succeed, stop the worker."""
    folder = tmp_path_factory.mktemp("celery")
    broker = folder / "broker"
    (broker / "control").mkdir(parents=True)
    sys.path.insert(0, str(APPS))
    try:
        import celery_app
    finally:
        sys.path.remove(str(APPS))
    celery_app.app.conf.broker_transport_options = {
        "data_folder_in": str(broker),
        "data_folder_out": str(broker),
        "control_folder": str(broker / "control"),
        "store_processed": False,
        "polling_interval": 0.05,
    }
    import lite_logging as ll

    args = [
        sys.executable, "-m", "celery", "-A", "celery_app", "worker",
        "--pool=prefork", "--concurrency=2", "--loglevel=INFO",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]  # fmt: skip
    env = {"PYTHONPATH": str(APPS), "LL_BROKER_DIR": str(broker)}
    # Sent before the worker starts: kombu's filesystem transport has no atomic write, and
    # a worker polling meanwhile can read a message file still empty (JSONDecodeError, once
    # in CI). The broker holds them until the worker takes them, as a real one does.
    sent = {celery_app.charge.delay(n).id: n for n in range(TASKS)}
    with ll.span("checkout") as span:
        traced = {celery_app.charge.delay(100 + n).id: 100 + n for n in range(TRACED)}
    with Child(args, cwd=folder, env=env, name="celery") as worker:
        worker.wait_for_line(lambda line: line.startswith("{") and " ready." in line)
        done: set[str] = set()
        while len(done) < TASKS + TRACED:
            line = worker.wait_for_line(lambda line: bool(SUCCEEDED.search(line)))
            match = SUCCEEDED.search(line)
            assert match is not None
            done.add(match[1])
        worker.send(signal.SIGTERM)
        returncode = worker.wait()
        yield {
            "records": _records(worker.lines),
            "sent": sent,
            "traced": traced,
            "trace_id": span.trace_id,
            "span_id": span.span_id,
            "done": done,
            "returncode": returncode,
            "stderr": worker.stderr_text(),
        }


@pytest.mark.slow
class TestCeleryRecipe:
    def test_task_records_carry_task_id(self, worked: dict[str, Any]) -> None:
        """Each task's two lines and its span record carry its task id and name in the
        context, in one trace of their own."""
        lines: Lines = worked["records"]
        tasks = {**worked["sent"], **worked["traced"]}
        assert set(tasks) == worked["done"]
        for task_id, order in tasks.items():
            mine = [r for r in lines.records if r.get("context", {}).get("task_id") == task_id]
            assert [
                ("shop.tasks", f"charging order {order}"),
                ("shop.tasks", f"order {order} charged"),
                ("lite_logging.span", "span celery_app.charge ok"),
            ] == [(r["logger"], r["message"]) for r in mine]
            assert {"celery_app.charge"} == {r["context"]["task"] for r in mine}
            assert 1 == len({r["trace_id"] for r in mine})
        assert 0 == lines.doubled_ids

    def test_traceparent_travels_with_the_task(self, worked: dict[str, Any]) -> None:
        """Tasks sent inside a span run in the sender's trace, as children of its span;
        the others each start a trace of their own."""
        lines: Lines = worked["records"]
        spans = {r["context"]["task_id"]: r for r in lines.where(logger="lite_logging.span")}
        for task_id in worked["traced"]:
            assert worked["trace_id"] == spans[task_id]["trace_id"]
            assert worked["span_id"] == spans[task_id]["parent_span_id"]
        own = {spans[task_id]["trace_id"] for task_id in worked["sent"]}
        assert TASKS == len(own)
        assert worked["trace_id"] not in own
        assert all("parent_span_id" not in spans[t] for t in worked["sent"])

    def test_pool_processes_and_worker_logs(self, worked: dict[str, Any]) -> None:
        """Celery's own lines (received in the main process, succeeded in the pool) went
        through the pipeline too; the warm shutdown exits 0 with nothing on stderr."""
        lines: Lines = worked["records"]
        task_lines = lines.where(logger="shop.tasks")
        assert 2 * (TASKS + TRACED) == len(task_lines)
        received = [m for m in lines.messages("celery.worker.strategy") if "received" in m]
        assert TASKS + TRACED == len(received)
        succeeded = [m for m in lines.messages("celery.app.trace") if SUCCEEDED.search(m)]
        assert TASKS + TRACED == len(succeeded)
        assert 0 == worked["returncode"]
        assert "Logging error" not in worked["stderr"]
        assert "Traceback" not in worked["stderr"]
