"""SIGTERM and SIGHUP stop a process that logs: nothing it logged is lost, death stays death.

Each test runs ``apps/signal_app.py`` twice at once: with our pipeline (AsyncQueueHandler
-> BatchFileHandler, configured by dictConfig) and with a plain ``logging.FileHandler``, the
control. Both log through the same formatter; the test waits for "ready" on stdout, sends
the signal and counts the output file against what the app logged. The control loses
nothing (it writes in the caller's thread); ours must lose nothing either, and the process
must still die by the signal (``returncode == -signal``), as it would without us.
"""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
from process_helpers import Child, Progress, Tally, python, read_jsonl

COUNT = 30_000
HANDLERS = ("stdlib", "ours")
SIGNALS = [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGHUP, id="SIGHUP")]


def _signal_when_ready(child: Child, sig: int) -> None:
    child.wait_for_line("ready")
    child.send(sig)


def _run_both(tmp_path: Path, sig: int, *options: str) -> dict[str, Tally]:
    """Start the app with each handler, signal both once ready, tally both."""
    progress = {h: Progress(tmp_path / f"{h}.progress") for h in HANDLERS}
    with ExitStack() as stack:
        children = {
            h: stack.enter_context(
                Child(
                    python(
                        "signal_app.py",
                        h,
                        tmp_path / f"{h}.jsonl",
                        COUNT,
                        progress[h].path,
                        *options,
                    ),
                    cwd=tmp_path,
                    name=h,
                )
            )
            for h in HANDLERS
        }
        # Each is signalled as soon as it is ready (one thread each): the records it logged
        # last are then still on their way to the file, as in a burst before a deploy.
        with ThreadPoolExecutor(len(children)) as pool:
            ready = [pool.submit(_signal_when_ready, child, sig) for child in children.values()]
            for future in ready:
                future.result()
        codes = {h: child.wait() for h, child in children.items()}
    interrupted = "--keep-logging" in options
    return {
        h: Tally.of(
            read_jsonl(tmp_path / f"{h}.jsonl"),
            progress[h].read(),
            returncode=codes[h],
            interrupted=interrupted,
        )
        for h in HANDLERS
    }


@pytest.mark.slow
class TestStopSignals:
    @pytest.mark.parametrize("sig", SIGNALS)
    def test_signal_after_logging(self, tmp_path: Path, sig: int) -> None:
        """30,000 records logged, then the signal: all are written, the process dies by it.

        Our listener batches up to 5,000 records or 1 s (apps/logconfig.py), so the last
        batch is still on its way when the signal comes."""
        expected = Tally.ok(COUNT, returncode=-sig)

        actual = _run_both(tmp_path, sig)

        assert {"stdlib": expected, "ours": expected} == actual

    @pytest.mark.parametrize("sig", SIGNALS)
    def test_signal_while_logging(self, tmp_path: Path, sig: int) -> None:
        """The signal comes while the app logs as fast as it can into a small queue (the
        caller often waits on the block policy): every record logged before it is written,
        no line is cut, the process dies by the signal without hanging."""
        actual = _run_both(tmp_path, sig, "--keep-logging", "--queue", "maxsize=1000")

        expected = {h: Tally.ok(t.logged, returncode=-sig) for h, t in actual.items()}
        assert expected == actual
        assert all(t.logged >= COUNT for t in actual.values())


@pytest.mark.slow
class TestAppSignalHandler:
    @pytest.mark.parametrize("when", ["before", "after"])
    def test_app_handler_is_kept(self, tmp_path: Path, when: str) -> None:
        """An app's own SIGTERM handler, installed before or after logging is configured,
        is the one that runs: it logs, calls sys.exit(3), and the process exits with 3.

        The guarantee then is the one of a normal exit: every record, the handler's own
        line included, is written (the app chose to exit through ``sys.exit``; we neither
        replace its handler nor turn its exit status back into death by SIGTERM).
        """
        actual = _run_both(tmp_path, signal.SIGTERM, "--app-handler", when)

        assert {"stdlib": Tally.ok(COUNT, 3), "ours": Tally.ok(COUNT, 3)} == actual
        for h in HANDLERS:
            ran = read_jsonl(tmp_path / f"{h}.jsonl").where(message="app handler ran")
            assert [signal.SIGTERM] == [r["signum"] for r in ran], h
