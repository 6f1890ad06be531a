"""A SIGTERM or SIGHUP caught while the main thread sleeps in C still drains, then kills.

CPython runs a Python signal handler only when the main thread checks. A signal caught
just before it blocks in C would wait forever: a ``Pool`` worker terminated by its parent
hung that way (1 to 25 runs in 100 of tests/apps/mp_app.py ``pool-with``).
``apps/caught_app.py`` makes the race certain: the signal is tripped once the kernel
shows the main thread asleep in ``read(2)``. Without the watch (``_signal_watch``), the
process never ends.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from signal import SIGHUP, SIGTERM

import pytest
from process_helpers import Child, python

from lite_logging import _signal_watch

COUNT = 2_999  # not a multiple of the batch size: a partial batch is held

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the kernel's view in /proc"
)


@pytest.mark.parametrize("kind", ["pipeline", "file"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_caught_signal_drains_and_kills(tmp_path: Path, kind: str, sig: signal.Signals) -> None:
    """Every line is written, once, in order, and the process dies of the signal."""
    out = tmp_path / "out.log"
    with Child(python("caught_app.py", kind, out, COUNT, sig.name), cwd=tmp_path) as child:
        child.wait_for_line("logged")
        status = child.wait(20)
    assert (-sig, [f"line {i}" for i in range(COUNT)]) == (status, out.read_text().splitlines())
    assert "read returned" not in child.lines


def test_watch_thread_blocks_outside_signals() -> None:
    """The watcher never takes a process-directed signal from the main thread."""
    was_armed = _signal_watch._pipe is not None
    _signal_watch.arm(frozenset({signal.SIGHUP}), lambda signum: False)
    try:
        (watcher,) = [t for t in threading.enumerate() if t.name == "lite_logging-signal-watch"]
        with open(f"/proc/self/task/{watcher.native_id}/status") as f:
            blocked = int(next(x for x in f if x.startswith("SigBlk:")).split()[1], 16)
        assert (True, True) == tuple(bool(blocked >> (s - 1) & 1) for s in (SIGTERM, SIGHUP))
    finally:
        if not was_armed:
            _signal_watch.disarm()
