"""Process lifecycle: signals, multiprocessing children, drain(), and where hooks live.

Subprocess tests count lines in a file: every record logged before the process was stopped
is there once, every line parses, and the process ends as it would without lite_logging
(checked against a plain ``logging.FileHandler`` control). Synchronisation is by pipes
and process exit, never by sleeping: a held target handler waits on ``select`` for a byte
that ``signal.set_wakeup_fd`` writes when the signal reaches the process, so records are
still queued when the signal arrives.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from process_helpers import run_code

import lite_logging as ll
from lite_logging import _lifecycle

PACKAGE = Path(ll.__file__).parent

needs_posix_signals = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")

# -- programs run in a subprocess ------------------------------------------------------

SIGNAL_PROGRAM = textwrap.dedent(
    """
    import logging, logging.config, os, select, signal, sys, threading
    for sig in (signal.SIGTERM, signal.SIGHUP):  # started under nohup: die as from a shell
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)
    import lite_logging

    kind, path, n, app = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)  # a byte is written there when a handled signal arrives

    class HeldFileHandler(lite_logging.BatchFileHandler):
        def handle_batch(self, records):
            select.select([wake_r], [], [])  # hold every record until the signal arrives
            super().handle_batch(records)

    if kind == "pipeline":
        handlers = {
            "out": {"()": "lite_logging.AsyncQueueHandler", "handlers": ["file"],
                    "maxsize": 100_000},
            "file": {"()": "__main__.HeldFileHandler", "filename": path},
        }
    else:
        handlers = {"out": {"class": "logging.FileHandler", "filename": path}}
    if app == "own-handler":
        def own(signum, frame):
            print("own handler", flush=True)
            sys.exit(7)
        signal.signal(signal.SIGTERM, own)
        signal.signal(signal.SIGHUP, own)
    logging.config.dictConfig({
        "version": 1,
        "handlers": handlers,
        "root": {"level": "INFO", "handlers": ["out"]},
    })
    log = logging.getLogger("stop")
    for i in range(n):
        log.info('{"i": %d}', i)
    if app == "uvicorn":
        # what uvicorn's Server.capture_signals does: install its handlers (remembering
        # ours), shut down gracefully on the signal, restore ours, raise it again
        caught = []
        got = threading.Event()
        def handle_exit(signum, frame):
            caught.append(signum)
            got.set()
        original = {s: signal.signal(s, handle_exit) for s in (signal.SIGINT, signal.SIGTERM)}
        print("ready", flush=True)
        got.wait()
        log.info('{"i": %d}', n)  # logged during the graceful shutdown
        for s, h in original.items():
            signal.signal(s, h)
        for s in reversed(caught):
            signal.raise_signal(s)
        print("survived", flush=True)
    else:
        print("ready", flush=True)
        threading.Event().wait()
    """
)

MP_PROGRAM = textwrap.dedent(
    """
    import logging, logging.config, multiprocessing, sys, threading, time
    import concurrent.futures.thread  # registers with threading._register_atexit itself

    kind, path, n, method = sys.argv[1:5]
    n = int(n)
    if kind == "no-register-atexit":  # the fallback: multiprocessing's own finalizers
        del threading._register_atexit  # before lite_logging is imported
    import lite_logging

    class SlowFileHandler(lite_logging.BatchFileHandler):
        # a slow sink: records are still queued when a task returns
        def handle_batch(self, records):
            time.sleep(0.002)
            super().handle_batch(records)

    handlers = {
        "out": {"()": "lite_logging.AsyncQueueHandler", "handlers": ["file"],
                "batch_size": 50},
        "file": {"()": SlowFileHandler, "filename": path},
    }
    # At import: a spawned or forkserver child configures itself when it imports this.
    logging.config.dictConfig({
        "version": 1,
        "handlers": handlers,
        "root": {"level": "INFO", "handlers": ["out"]},
    })

    TASKS = 3

    def work(task):
        log = logging.getLogger("child")
        for i in range(n):
            log.info('{"task": %d, "i": %d}', task, i)
        return task

    if __name__ == "__main__":
        ctx = multiprocessing.get_context(method)
        children = [ctx.Process(target=work, args=(t,)) for t in range(TASKS)]
        for p in children:
            p.start()
        for p in children:
            p.join()
        print(*[p.exitcode for p in children])
    """
)

MP_TASKS = 3


def _run_signal_program(
    tmp_path: Path,
    sig: signal.Signals,
    kind: str = "pipeline",
    app: str = "plain",
    n: int = 3000,
    env: dict[str, str] | None = None,
) -> tuple[int, list[int], str]:
    """Run SIGNAL_PROGRAM, signal it once it is ready: (exit status, the i of each line,
    what it printed)."""
    program = tmp_path / "program.py"
    program.write_text(SIGNAL_PROGRAM)
    path = tmp_path / "out.log"
    with subprocess.Popen(
        [sys.executable, str(program), kind, str(path), str(n), app],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    ) as proc:
        assert proc.stdout is not None
        assert "ready\n" == proc.stdout.readline()
        proc.send_signal(sig)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()  # else Popen's exit waits for it without a bound
            raise
    assert "Traceback" not in err, err
    lines = path.read_text().splitlines() if path.exists() else []
    messages = [json.loads(line)["message"] if kind == "pipeline" else line for line in lines]
    numbers = [json.loads(message)["i"] for message in messages]
    return proc.returncode, numbers, out


def _run_mp_program(tmp_path: Path, kind: str, method: str, n: int = 2000) -> None:
    """Run MP_PROGRAM; assert each task's n lines are in the file once, all parsing."""
    program = tmp_path / "program.py"
    program.write_text(MP_PROGRAM)
    path = tmp_path / "out.log"
    done = subprocess.run(
        [sys.executable, str(program), kind, str(path), str(n), method],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
    )
    assert 0 == done.returncode, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "Logging error" not in done.stderr, done.stderr
    rows = [json.loads(json.loads(line)["message"]) for line in path.read_text().splitlines()]
    counts = Counter((row["task"], row["i"]) for row in rows)
    assert MP_TASKS * n == len(rows)
    assert {(t, i): 1 for t in range(MP_TASKS) for i in range(n)} == dict(counts)
    assert ["0"] * MP_TASKS == done.stdout.split()


# -- signals -----------------------------------------------------------------------------


@pytest.mark.slow
@needs_posix_signals
class TestSignalDrain:
    @pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
    def test_queued_records_written_then_dies_of_signal(
        self, tmp_path: Path, sig: signal.Signals
    ) -> None:
        """Records held in the queue when the signal arrives are all written, once, in
        order, and the process still dies of that signal."""
        code, numbers, _ = _run_signal_program(tmp_path, sig)
        assert (-sig, list(range(3000))) == (code, numbers)

    @pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
    def test_same_end_as_stdlib_file_handler(self, tmp_path: Path, sig: signal.Signals) -> None:
        """A plain logging.FileHandler control: the same lines and the same exit status."""
        (tmp_path / "control").mkdir()
        control_code, control_numbers, _ = _run_signal_program(
            tmp_path / "control", sig, kind="stdlib"
        )
        code, numbers, _ = _run_signal_program(tmp_path, sig)
        assert (control_code, control_numbers) == (code, numbers)

    def test_opted_out_by_environment(self, tmp_path: Path) -> None:
        """LITE_LOGGING_DRAIN_ON_SIGNALS=0: SIGTERM kills at once and the queue is lost."""
        code, numbers, _ = _run_signal_program(
            tmp_path, signal.SIGTERM, env={_lifecycle.ENV_VAR: "0"}
        )
        assert (-signal.SIGTERM, []) == (code, numbers)

    def test_application_handler_kept(self, tmp_path: Path) -> None:
        """A handler the application installed first is never replaced."""
        code, numbers, out = _run_signal_program(tmp_path, signal.SIGTERM, app="own-handler")
        assert (7, "own handler\n") == (code, out)
        assert list(range(3000)) == numbers  # its sys.exit ran atexit, which drained

    def test_framework_reraising_passes_through_ours(self, tmp_path: Path) -> None:
        """A framework that takes SIGTERM over, restores ours and re-raises (uvicorn):
        everything is written, also what it logged while shutting down, and the process
        dies of SIGTERM."""
        code, numbers, out = _run_signal_program(tmp_path, signal.SIGTERM, app="uvicorn")
        assert (-signal.SIGTERM, list(range(3001))) == (code, numbers)
        assert "survived" not in out


@needs_posix_signals
class TestSignalHandlerInstall:
    def test_installed_when_a_listener_starts(self, logger: logging.Logger) -> None:
        """A listener starting in the main thread takes SIGTERM and SIGHUP at SIG_DFL."""
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        logger.addHandler(ll.AsyncQueueHandler(handlers=[logging.NullHandler()]))
        assert [_lifecycle._on_signal] * 2 == [
            signal.getsignal(signal.SIGTERM),
            signal.getsignal(signal.SIGHUP),
        ]

    def test_application_handler_not_replaced(self, logger: logging.Logger) -> None:
        """A handler already installed (or SIG_IGN) stays."""

        def own(signum: int, frame: Any) -> None:
            """The application's."""

        signal.signal(signal.SIGTERM, own)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        logger.addHandler(ll.AsyncQueueHandler(handlers=[logging.NullHandler()]))
        assert [own, signal.SIG_IGN] == [
            signal.getsignal(signal.SIGTERM),
            signal.getsignal(signal.SIGHUP),
        ]

    def test_not_installed_from_another_thread(self) -> None:
        """A listener started outside the main thread leaves signals alone."""
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        handlers: list[ll.AsyncQueueHandler] = []
        thread = threading.Thread(
            target=lambda: handlers.append(ll.AsyncQueueHandler(handlers=[logging.NullHandler()]))
        )
        thread.start()
        thread.join()
        handlers[0].close()
        assert signal.SIG_DFL == signal.getsignal(signal.SIGTERM)

    def test_opt_out_restores_default(self, logger: logging.Logger) -> None:
        """drain_on_signals(False) gives SIG_DFL back; True installs again."""
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        logger.addHandler(ll.AsyncQueueHandler(handlers=[logging.NullHandler()]))
        ll.drain_on_signals(False)
        off = signal.getsignal(signal.SIGTERM)
        ll.drain_on_signals(True, timeout=2)
        assert (signal.SIG_DFL, _lifecycle._on_signal) == (off, signal.getsignal(signal.SIGTERM))

    def test_opt_out_before_configuring(self, logger: logging.Logger) -> None:
        """drain_on_signals(False) before a listener starts: nothing is installed."""
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        ll.drain_on_signals(False)
        logger.addHandler(ll.AsyncQueueHandler(handlers=[logging.NullHandler()]))
        assert signal.SIG_DFL == signal.getsignal(signal.SIGTERM)

    def test_environment_opt_out(
        self, logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """LITE_LOGGING_DRAIN_ON_SIGNALS=off leaves SIGTERM alone."""
        monkeypatch.setenv(_lifecycle.ENV_VAR, "off")
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        logger.addHandler(ll.AsyncQueueHandler(handlers=[logging.NullHandler()]))
        assert signal.SIG_DFL == signal.getsignal(signal.SIGTERM)

    def test_setup_option(self, capsys: pytest.CaptureFixture[str]) -> None:
        """setup(drain_on_signals=False) configures without taking SIGTERM."""
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        ll.setup("prod", drain_on_signals=False)
        assert signal.SIG_DFL == signal.getsignal(signal.SIGTERM)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"enabled": "no"}, "\"enabled\" must be a bool: 'no'"),
            ({"timeout": 0}, '"timeout" must be a number > 0: 0'),
            ({"timeout": True}, '"timeout" must be a number > 0: True'),
        ],
    )
    def test_bad_options(self, kwargs: dict[str, Any], message: str) -> None:
        """A bad option names itself and its value."""
        with pytest.raises(ValueError, match=re.escape(message)):
            ll.drain_on_signals(**kwargs)

    def test_setup_bad_option(self) -> None:
        """setup(drain_on_signals=...) takes a bool only."""
        with pytest.raises(ValueError, match=re.escape('"drain_on_signals" must be a bool: 1')):
            ll.setup("prod", drain_on_signals=1)


# -- drain() -----------------------------------------------------------------------------

DRAIN_LIMIT = 1.0  # seconds: a drain with nothing stuck takes milliseconds


class _Gated(logging.Handler):
    """Holds each record until ``gate`` is set; keeps the messages."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.entered.set()
        self.gate.wait(30)
        self.messages.append(record.getMessage())


class TestDrain:
    def test_writes_what_is_queued(self, logger: logging.Logger) -> None:
        """drain() returns True once every queued record is written; listeners keep running."""
        target = _Gated()
        target.gate.set()
        handler = ll.AsyncQueueHandler(handlers=[target])
        logger.addHandler(handler)
        for i in range(100):
            logger.info("r%d", i)
        assert ll.drain(timeout=10)
        assert [f"r{i}" for i in range(100)] == target.messages
        logger.info("after")
        assert ll.drain(timeout=10)
        assert "after" == target.messages[-1]
        stats = handler.stats()
        assert (101, 101, 0) == (stats["enqueued"], stats["delivered"], stats["dropped"])

    def test_gives_up_at_timeout(self, logger: logging.Logger) -> None:
        """A stuck handler makes drain() return False at its timeout, not hang."""
        target = _Gated()
        logger.addHandler(ll.AsyncQueueHandler(handlers=[target]))
        logger.info("held")
        assert target.entered.wait(10)
        assert ll.drain(timeout=0.05) is False
        target.gate.set()
        assert ll.drain(timeout=10) is True
        assert ["held"] == target.messages

    def test_drain_in_a_signal_handler_that_interrupted_flush(self) -> None:
        """A timer signal whose handler drains, landing anywhere inside flush() (which
        counts its marker without a lock), never deadlocks: 2,000 flushes finish."""
        code = textwrap.dedent(
            """
            import logging, signal
            import lite_logging as ll
            handler = ll.AsyncQueueHandler(handlers=[logging.NullHandler()])
            log = logging.getLogger("t")
            log.addHandler(handler)
            drained = []
            def on_alarm(*_):
                drained.append(ll.drain(timeout=5))
                signal.setitimer(signal.ITIMER_REAL, 0.0003)  # lands anywhere after
            signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, 0.0003)
            for i in range(2000):
                log.warning("x %d", i)
                handler.flush()
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            assert all(drained), drained
            stats = handler.stats()
            assert 0 == stats["queue_depth"], stats
            print(len(drained) > 0, stats["delivered"])
            """
        )
        done = run_code(code, timeout=120)
        assert ("True 2000", "") == (done.stdout.strip(), done.stderr.strip())

    def test_queue_lock_held_by_interrupted_frame(self, logger: logging.Logger) -> None:
        """A queue.Queue whose mutex the interrupted thread holds: False, no deadlock."""
        q: queue.Queue[Any] = queue.Queue()
        handler = ll.AsyncQueueHandler(q, handlers=[logging.NullHandler()])
        logger.addHandler(handler)
        with q.mutex:  # as if a signal interrupted put() right here
            assert ll.drain(timeout=0.05) is False
        logger.info("x")
        assert ll.drain(timeout=10) is True
        stats = handler.stats()
        assert (1, 1) == (stats["enqueued"], stats["delivered"])

    def test_full_bounded_queue(self, logger: logging.Logger) -> None:
        """A full queue.Queue: drain() waits for room within its timeout."""
        target = _Gated()
        q: queue.Queue[Any] = queue.Queue(maxsize=2)
        handler = ll.AsyncQueueHandler(q, handlers=[target], maxsize=2)
        logger.addHandler(handler)
        logger.info("a")
        assert target.entered.wait(10)
        logger.info("b")
        logger.info("c")
        assert ll.drain(timeout=0.05) is False
        target.gate.set()
        assert ll.drain(timeout=10) is True
        assert ["a", "b", "c"] == target.messages

    @pytest.mark.parametrize("where", ["before", "after"])
    def test_signal_inside_stop(self, where: str) -> None:
        """A signal landing in stop() (a multiprocessing child ending while Pool.terminate()
        sends SIGTERM), just before or just after it queues its sentinel: the drain writes
        what is queued and returns at once, instead of waiting out its timeout."""
        target = _Gated()
        target.gate.set()
        drained: list[tuple[bool, float, list[str]]] = []

        def drain() -> None:
            start = time.monotonic()
            done = ll.drain(timeout=DRAIN_LIMIT * 4)
            drained.append((done, time.monotonic() - start, list(target.messages)))

        class Listener(ll.BatchingQueueListener):
            def enqueue_sentinel(self) -> None:
                if where == "before":
                    drain()
                super().enqueue_sentinel()
                if where == "after":
                    drain()

        listener = Listener(queue.SimpleQueue(), target)
        listener.start()
        listener.queue.put(logging.makeLogRecord({"msg": "queued"}))
        listener.stop()
        [(done, seconds, written)] = drained
        assert (done, written) == (True, ["queued"])
        assert seconds < DRAIN_LIMIT

    def test_thread_seen_alive_after_its_end(self) -> None:
        """A signal landing in stop()'s join() right after it took the ended thread's
        lock: is_alive() says True until that frame resumes. The drain still returns as
        soon as the thread handed over its last record."""
        target = _Gated()
        target.gate.set()
        listener = ll.BatchingQueueListener(queue.SimpleQueue(), target)
        listener.start()
        thread = listener._thread
        assert thread is not None
        drained: list[tuple[bool, float]] = []

        def join(timeout: float | None = None) -> None:
            threading.Thread.join(thread)  # the thread has really ended
            start = time.monotonic()
            drained.append((ll.drain(timeout=DRAIN_LIMIT * 4), time.monotonic() - start))

        thread.is_alive = lambda: True  # type: ignore[method-assign]
        thread.join = join  # type: ignore[method-assign]
        listener.queue.put(logging.makeLogRecord({"msg": "queued"}))
        listener.stop()
        [(done, seconds)] = drained
        assert (done, target.messages) == (True, ["queued"])
        assert seconds < DRAIN_LIMIT


def _blocked_signals(thread: threading.Thread) -> set[int]:
    """The signals ``thread`` blocks, from Linux's /proc (SigBlk, a hex bit mask)."""
    status = Path(f"/proc/self/task/{thread.native_id}/status").read_text()
    mask = int(next(line.split()[1] for line in status.splitlines() if line[:7] == "SigBlk:"), 16)
    return {sig for sig in range(1, 65) if mask >> (sig - 1) & 1}


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads Linux's /proc")
class TestSignalsReachTheApplication:
    def test_our_threads_take_no_signal_from_outside(self, tmp_path: Path) -> None:
        """The listener and the file handler's timer block the signals sent to the
        process, so the kernel hands them to the application's threads. Delivered to
        ours, a SIGTERM would not wake a main thread blocked in C (a Pool worker left
        waiting for its parent's lock by terminate()): the Python handler never ran and
        the pool's exit hung. The starting thread's own mask is left as it was."""
        before = _blocked_signals(threading.main_thread())
        listener = ll.BatchingQueueListener(queue.SimpleQueue(), logging.NullHandler())
        listener.start()
        handler = ll.BatchFileHandler(tmp_path / "out.log", flush_interval=5)
        handler.handle(logging.makeLogRecord({"msg": "buffered"}))  # starts the timer
        try:
            outside = {signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGUSR1}
            for thread in (listener._thread, handler._timer):
                assert thread is not None
                assert outside <= _blocked_signals(thread), thread.name
            assert before == _blocked_signals(threading.main_thread())
        finally:
            listener.stop()
            handler.close()

    def test_metrics_threads_take_no_signal_from_outside(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The same for the threads of ll.metrics: periodic snapshots and the multi-process
        health publisher (a gunicorn worker's SIGTERM must reach the worker's handler)."""
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
        before = _blocked_signals(threading.main_thread())
        snapshots = ll.metrics.start_snapshots(interval=60)
        health = ll.metrics.publish_health(interval=60)
        try:
            outside = {signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGUSR1}
            for thread in (snapshots._thread, health._thread):
                assert outside <= _blocked_signals(thread), thread.name
            assert before == _blocked_signals(threading.main_thread())
        finally:
            snapshots.stop(final=False)
            health.stop()


# -- multiprocessing children --------------------------------------------------------------

METHODS = [
    pytest.param(
        m,
        marks=pytest.mark.skipif(
            m not in multiprocessing.get_all_start_methods(), reason=f"no {m}"
        ),
    )
    for m in ("fork", "forkserver", "spawn")
]


@pytest.mark.slow
class TestMultiprocessing:
    # Pools, executors and the stdlib control, each start method: tests/test_stop_multiprocessing.py
    @pytest.mark.parametrize("method", METHODS)
    def test_children_return_with_records_queued(self, tmp_path: Path, method: str) -> None:
        """Children whose records are still queued behind a slow sink when they return (no
        flush) have every line written."""
        _run_mp_program(tmp_path, "pipeline", method)

    @pytest.mark.parametrize("method", METHODS)
    def test_without_threading_register_atexit(self, tmp_path: Path, method: str) -> None:
        """Where threading._register_atexit is missing, the fallback drains children."""
        _run_mp_program(tmp_path, "no-register-atexit", method)


# -- one home for process hooks ----------------------------------------------------------------


class TestOneHome:
    def test_only_lifecycle_registers_process_hooks(self) -> None:
        """No module but _lifecycle (and its signal watch, which only it arms) registers
        fork, exit or signal hooks or sets the wakeup fd."""
        hook = re.compile(
            r"os\.register_at_fork\(|atexit\.register\(|signal\.signal\(|_register_atexit"
            r"|set_wakeup_fd\("
        )
        found = sorted(
            str(path.relative_to(PACKAGE))
            for path in PACKAGE.rglob("*.py")
            if hook.search(path.read_text())
        )
        arming = sorted(
            str(path.relative_to(PACKAGE))
            for path in PACKAGE.rglob("*.py")
            if re.search(r"_signal_watch\.(arm|disarm|_after_fork)", path.read_text())
        )
        assert (["_lifecycle.py", "_signal_watch.py"], ["_lifecycle.py"]) == (found, arming)

    def test_fork_resets_in_documented_order(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The child-side reset functions run in the order _lifecycle's docstring gives."""
        calls: list[str] = []
        names = [
            ("_stats", _lifecycle._stats, "_after_fork_in_child"),
            ("ids", _lifecycle.ids, "_after_fork_in_child"),
            ("filters._common", _lifecycle.filters_common, "_reinit_locks_after_fork"),
            ("filters.sampling", _lifecycle.sampling, "_reseed_after_fork"),
            ("logger", _lifecycle.logger, "_after_fork_in_child"),
            ("handlers", _lifecycle.handlers, "_after_fork_in_child"),
            ("pipeline.control", _lifecycle.control, "_after_fork_in_child"),
            ("_signal_watch", _lifecycle._signal_watch, "_after_fork_in_child"),
        ]
        for label, module, attr in names:
            monkeypatch.setattr(module, attr, lambda label=label: calls.append(label))
        _lifecycle._after_fork_in_child()
        assert [label for label, _, _ in names] == calls
        doc = _lifecycle.__doc__ or ""
        positions = [doc.index(f"``{label}``") for label, _, _ in names]
        assert sorted(positions) == positions
