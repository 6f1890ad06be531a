"""The overflow policies (block, drop_newest, drop_oldest): what a full queue does, exact
counts, a signal handler logging on a full queue, a caller interrupted while it waits."""

from __future__ import annotations

import json
import logging
import logging.config
import logging.handlers
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pipeline_support import Gated, Reporting, exact, pipeline_stats

from lite_logging.pipeline import AsyncQueueHandler

LOGGER = "tests.pipeline_overflow"  # the name of conftest's `logger`
PIPELINE_CLASS = Reporting  # what conftest's `pipeline` makes
POLICIES = ["block", "drop_newest", "drop_oldest"]


class TestPolicies:
    def _fill(
        self, logger: logging.Logger, pipeline: Any, policy: str, n: int
    ) -> tuple[Gated, AsyncQueueHandler]:
        target = Gated()
        handler = pipeline(target, maxsize=10, policy=policy)
        logger.info("0")
        assert target.entered.wait(10)  # the listener holds record 0 and waits
        for i in range(1, n + 1):
            logger.info("%d", i)
        return target, handler

    def test_drop_newest_keeps_the_first(self, logger: logging.Logger, pipeline: Any) -> None:
        """drop_newest: the queue stays at maxsize, later records are dropped and counted."""
        target, handler = self._fill(logger, pipeline, "drop_newest", 100)
        target.gate.set()
        assert handler.flush(timeout=10)
        stats = pipeline_stats(handler)
        assert [str(i) for i in range(11)] == target.messages
        assert (101, 90, 11) == (stats["enqueued"], stats["dropped"], stats["delivered"])
        assert 10 == stats["max_queue_depth"]

    def test_drop_oldest_keeps_the_last(self, logger: logging.Logger, pipeline: Any) -> None:
        """drop_oldest: the oldest queued records are evicted, the newest 10 kept."""
        target, handler = self._fill(logger, pipeline, "drop_oldest", 100)
        target.gate.set()
        assert handler.flush(timeout=10)
        stats = pipeline_stats(handler)
        assert ["0"] + [str(i) for i in range(91, 101)] == target.messages
        assert stats["enqueued"] == stats["delivered"] + stats["dropped"]
        assert 90 == stats["dropped"]

    def test_block_timeout_drops_after_waiting(self, logger: logging.Logger, pipeline: Any) -> None:
        """block with block_timeout: a record that found no room in time is counted dropped."""
        target = Gated()
        handler = pipeline(target, maxsize=1, block_timeout=0.01)
        logger.info("0")
        assert target.entered.wait(10)
        logger.info("1")  # queued
        logger.info("2")  # waits 10 ms, then dropped
        target.gate.set()
        assert handler.flush(timeout=10)
        assert (["0", "1"], 1) == (target.messages, handler.dropped)

    def test_block_waits_for_room(self, logger: logging.Logger, pipeline: Any) -> None:
        """block: a caller waits while the queue is full and loses nothing."""
        target = Gated()
        handler = pipeline(target, maxsize=2)
        logger.info("0")
        assert target.entered.wait(10)
        caller = threading.Thread(target=lambda: [logger.info("%d", i) for i in range(1, 6)])
        caller.start()
        target.gate.set()
        caller.join()
        assert handler.flush(timeout=10)
        assert [str(i) for i in range(6)] == target.messages
        assert 0 == handler.dropped

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        policy=st.sampled_from(["drop_newest", "drop_oldest"]),
        maxsize=st.integers(1, 20),
        n=st.integers(0, 60),
    )
    def test_counts_add_up(self, policy: str, maxsize: int, n: int) -> None:
        """Property: with a stalled listener, delivered + dropped == enqueued after flush."""
        target = Gated()
        handler = AsyncQueueHandler(handlers=[target], maxsize=maxsize, policy=policy)
        handler.handle(logging.makeLogRecord({"msg": "first"}))
        assert target.entered.wait(10)
        for i in range(n):
            handler.handle(logging.makeLogRecord({"msg": str(i)}))
        target.gate.set()
        assert handler.flush(timeout=10)
        stats = handler.stats()
        handler.close()
        assert n + 1 == stats["enqueued"]
        assert stats["enqueued"] == stats["delivered"] + stats["dropped"]
        assert max(0, n - maxsize) == stats["dropped"]
        assert stats["max_queue_depth"] <= maxsize


_SIGNAL_SCRIPT = textwrap.dedent(
    """
    import faulthandler, json, logging, os, signal, sys, threading
    from lite_logging.pipeline import AsyncQueueHandler

    # Two flushes of 30 s at most: a run past 90 s hangs; print every thread's stack, end.
    faulthandler.dump_traceback_later(90, exit=True)
    policy = sys.argv[1]
    entered, gate = threading.Event(), threading.Event()
    written = []

    class Gated(logging.Handler):
        def emit(self, record):
            pass
        def handle_batch(self, records):
            entered.set()
            gate.wait()
            written.extend(r.getMessage() for r in records)

    log = logging.getLogger("sig")
    log.propagate = False
    handler = AsyncQueueHandler(handlers=[Gated()], maxsize=2, policy=policy)
    log.addHandler(handler)
    state = {"armed": False, "inside": False, "calls": 0, "flushed": None}

    def on_signal(signum, frame):
        if not state["armed"] or state["inside"]:
            return  # a signal arriving while this handler runs: no unbounded nesting
        state["inside"] = True
        state["calls"] += 1
        log.warning("from signal %d", state["calls"])
        if state["calls"] == 20:
            state["armed"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            gate.set()
            state["flushed"] = handler.flush(timeout=30)  # as a SIGTERM drain does
        state["inside"] = False

    signal.signal(signal.SIGALRM, on_signal)
    log.warning("first")
    entered.wait()
    state["armed"] = True
    signal.setitimer(signal.ITIMER_REAL, 0.002, 0.001)
    i = 0
    while state["armed"]:  # the queue is full: every call takes the slow path
        log.warning("main %d", i)
        i += 1
    assert handler.flush(timeout=30)
    stats = handler.stats()
    print(json.dumps({"stats": stats, "written": written, "flushed": state["flushed"]}))
    """
)


class TestSignalReentry:
    @pytest.mark.parametrize("policy", POLICIES)
    def test_signal_handler_logging_on_a_full_queue_never_deadlocks(
        self, policy: str, tmp_path: Path
    ) -> None:
        """A signal handler logging (and flushing) while the main thread is on a full queue:
        nothing hangs, and every record is delivered or counted dropped."""
        script = tmp_path / "sig.py"
        script.write_text(_SIGNAL_SCRIPT)
        try:
            proc = subprocess.run(
                [sys.executable, str(script), policy],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"{policy}: logging from a signal handler deadlocked\n{exc.stderr}")
        assert 0 == proc.returncode, proc.stderr  # a hang: faulthandler's stacks
        result = json.loads(proc.stdout)
        stats = result["stats"]
        signal_lines = [m for m in result["written"] if m.startswith("from signal")]
        assert True is result["flushed"]
        assert stats["enqueued"] == stats["delivered"] + stats["dropped"]
        assert stats["delivered"] == len(result["written"])
        if policy == "block":
            assert (0, 20) == (stats["dropped"], len(signal_lines))


def _log_many(logger: logging.Logger) -> None:
    for i in range(1, 1000):
        logger.info("%d", i)


class TestInterruption:
    @pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs signal.setitimer")
    def test_keyboard_interrupt_while_blocked_keeps_counts_exact(
        self, logger: logging.Logger, pipeline: Any
    ) -> None:
        """Ctrl-C while blocked on a full queue propagates; the record is counted dropped."""
        target = Gated()
        handler = pipeline(target, maxsize=2)

        def interrupt(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGALRM, interrupt)
        try:
            logger.info("0")
            assert target.entered.wait(10)
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            with pytest.raises(KeyboardInterrupt):
                _log_many(logger)  # 1 and 2 are queued, 3 blocks until interrupted
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        target.gate.set()
        assert handler.flush(timeout=10)
        enqueued, delivered, dropped = exact(handler)
        assert enqueued == delivered + dropped
        assert (delivered, 1) == (len(target.records), dropped)
