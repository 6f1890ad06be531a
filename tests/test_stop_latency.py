"""Ending a process costs no more time with our pipeline than with ``logging.FileHandler``.

Each test runs ``apps/ending_app.py`` twice at once: with ours (``flush_interval=5``: the
listener and the file handler may each hold records that long) and with the stdlib
control. Both log COUNT lines and print "logged"; the test then ends them (the main
module returns, SIGTERM, a forked ``multiprocessing`` child returns before that line,
leaving ``with Pool(2)`` terminates its workers with SIGTERM after it) and times each from
that line to its exit. Ours must write every line, once, end with the control's status
and within LATE seconds of it: nothing may wait out ``flush_interval``. (The ``with Pool``
races, a SIGTERM landing in a worker's own ``stop()``, are pinned without chance by the
drain tests of tests/test_lifecycle.py.)
"""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
from process_helpers import Child, python

COUNT = 2_999  # not a multiple of any batch size: a partial batch is held at the end
LATE = 1.0  # seconds ours may take beyond the control (a loaded CI machine)


def _time_ending(child: Child, ending: str) -> tuple[int, float]:
    """End ``child`` once it logged everything: its status and the seconds it took."""
    child.wait_for_line("logged")
    start = time.monotonic()
    if ending == "sigterm":
        child.send(signal.SIGTERM)
    status = child.wait()
    return status, time.monotonic() - start


def _end(tmp_path: Path, ours: str, ending: str) -> dict[str, tuple[list[str], int, float]]:
    """Run the app with ``ours`` and with the control; lines, status, seconds to exit."""
    kinds = (ours, "stdlib")
    with ExitStack() as stack:
        children = {
            kind: stack.enter_context(
                Child(
                    python("ending_app.py", kind, tmp_path / f"{kind}.log", COUNT, ending),
                    cwd=tmp_path,
                    name=kind,
                )
            )
            for kind in kinds
        }
        with ThreadPoolExecutor(len(kinds)) as pool:  # each timed in a thread of its own
            timed = {k: pool.submit(_time_ending, c, ending) for k, c in children.items()}
            ended = {kind: future.result() for kind, future in timed.items()}
    return {
        kind: ((tmp_path / f"{kind}.log").read_text().splitlines(), *ended[kind]) for kind in kinds
    }


ENDINGS = [
    pytest.param("exit", 0, id="exit"),
    pytest.param("sigterm", -signal.SIGTERM, id="sigterm"),
    pytest.param("fork-child", 0, id="fork-child"),
    pytest.param("pool-with", 0, id="pool-with"),
]


class TestEndingLatency:
    @pytest.mark.parametrize("ours", ["pipeline", "file"])
    @pytest.mark.parametrize(("ending", "status"), ENDINGS)
    def test_every_line_without_waiting(
        self, tmp_path: Path, ours: str, ending: str, status: int
    ) -> None:
        """Queued and buffered lines are written at once when the process ends: every one,
        in order (per process); the process ends within LATE s of the control, with its
        status."""
        runs = _end(tmp_path, ours, ending)
        expected = [f"line {i}" for i in range(COUNT)]
        for kind, (lines, returncode, _) in runs.items():
            assert (kind, len(lines), returncode) == (kind, COUNT, status)
            if ending == "pool-with":  # two writers: in order within each
                lines.sort(key=lambda line: int(line.split()[1]))
            assert lines == expected, kind
        assert runs[ours][2] < runs["stdlib"][2] + LATE, {k: v[1:] for k, v in runs.items()}
