"""Helpers for the tests that start real processes and stop them the way production does.

``Child`` starts a process in its own session, reads its stdout lines in a thread (so a
test can wait for "ready" with a deadline instead of sleeping) and kills whatever is left
of its process group at the end. ``read_jsonl`` and ``Tally`` count what a process left in
its output file against what it logged. ``free_port``, ``wait_for_port`` and ``http_get``
serve the server tests. Imported by the test modules as ``from process_helpers import ...``
(pytest puts this directory on ``sys.path``).

Every wait has a deadline: a process that hangs fails its test instead of stalling the run.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:  # in the test extra; reading 200,000 lines takes a third of the time json needs
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - json does the same, slower
    from json import loads as _loads

APPS = Path(__file__).resolve().parent / "apps"
"""The small programs and configurations the process tests start."""

WAIT = 60.0
"""The longest a test waits for one step of a child (a line, a port, an exit), in seconds:
a hang still fails, a child slowed by a loaded CI machine (seen: 20 s) does not."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = WAIT) -> None:
    """Return once something accepts TCP connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"nothing listens on 127.0.0.1:{port} after {timeout} s"
                ) from exc
            time.sleep(0.02)


def http_get(port: int, path: str = "/", timeout: float = WAIT) -> str:
    """The body of ``GET http://127.0.0.1:port/path`` (a new connection each time)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
        body: bytes = response.read()
        return body.decode()


class Child:
    """A subprocess with its stdout read line by line in a thread; use it as a context manager.

    The process starts a new session, so its whole process group (a server's workers
    too) can be killed at the end however the test went. stdin is a pipe held open until
    ``close_stdin()``: an app that waits on stdin ends by itself if the test dies.
    stderr goes to a file (``stderr_text()``), so a chatty child never blocks on a pipe.
    """

    def __init__(
        self,
        args: Sequence[str | os.PathLike[str]],
        *,
        cwd: Path,
        env: dict[str, str] | None = None,
        name: str = "child",
    ) -> None:
        self.name = name
        self.stderr_path = cwd / f"{name}.stderr"
        self._stderr = self.stderr_path.open("wb")
        full_env = dict(os.environ)
        full_env["PYTHONUNBUFFERED"] = "1"
        full_env.pop("PYTHONWARNINGS", None)
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(
            [os.fspath(a) for a in args],
            cwd=cwd,
            env=full_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
        )
        self.pid = self.proc.pid
        self.lines: list[str] = []  # every stdout line so far
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name=f"{name}-stdout", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        for raw in stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            self._queue.put(line)
        self._queue.put(None)

    def wait_for_line(self, match: str | Callable[[str], bool], timeout: float = WAIT) -> str:
        """The next stdout line equal to ``match`` (or for which ``match(line)`` is true)."""
        test = match if callable(match) else match.__eq__
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(remaining, 0.0))
            except queue.Empty:
                raise AssertionError(
                    f"{self.name}: no line {match!r} on stdout within {timeout} s\n"
                    f"stdout: {self.lines[-20:]}\nstderr: {self.stderr_text()[-3000:]}"
                ) from None
            if line is None:
                raise AssertionError(
                    f"{self.name}: stdout closed before a line {match!r} "
                    f"(exit {self.proc.poll()})\nstdout: {self.lines[-20:]}\n"
                    f"stderr: {self.stderr_text()[-3000:]}"
                )
            if test(line):
                return line

    def send(self, sig: int) -> None:
        """Send ``sig`` to the process (not its group: as ``kill PID`` does)."""
        self.proc.send_signal(sig)

    def write_line(self, line: str) -> None:
        """Write ``line`` and a newline to the child's stdin."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{line}\n".encode())
        self.proc.stdin.flush()

    def close_stdin(self) -> None:
        """Close the child's stdin: an app waiting on it reads end-of-file."""
        with contextlib.suppress(OSError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()

    def wait(self, timeout: float = WAIT) -> int:
        """The exit status (``-N`` for death by signal N); fails if it takes too long.

        Then ``lines`` holds all of stdout (unless a process the child left behind still
        holds the pipe open: then what came within 5 s more).
        """
        try:
            returncode = self.proc.wait(timeout)
            self._reader.join(5)
            return returncode
        except subprocess.TimeoutExpired:
            # An app that registered faulthandler for SIGUSR1 (tests/apps/mp_app.py) prints
            # every thread's stack, its forked workers' too, into stderr before it is killed.
            # The dump is quoted whole, apart from what the group writes once killed (a
            # resource tracker's complaints filled the 3,000 characters quoted before).
            before = len(self.stderr_text())
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGUSR1)
                time.sleep(1.0)  # diagnostics only: the dump is written inside the handler
            text = self.stderr_text()
            self.kill_group()
            raise AssertionError(
                f"{self.name} (pid {self.pid}) still running after {timeout} s: killed\n"
                f"stdout: {self.lines[-20:]}\nstderr: {text[:before][-3000:]}\n"
                f"stacks on SIGUSR1 (every process of the group):\n{text[before:][:30000]}"
            ) from None

    def stderr_text(self) -> str:
        """What the child wrote to stderr so far."""
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def kill_group(self) -> None:
        """SIGKILL every process left in the child's process group."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill_group()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        self.close_stdin()
        self._reader.join(5)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self._stderr.close()


def run_code(
    code: str, *args: object, timeout: float = WAIT, **options: Any
) -> subprocess.CompletedProcess[str]:
    """``python -c CODE ARGS...`` with this interpreter, run to its end within ``timeout``
    s; its output captured as text. ``options`` go to ``subprocess.run`` (``input``...)."""
    return subprocess.run(
        [sys.executable, "-c", code, *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        **options,
    )


def python(script: str, *args: object) -> list[str]:
    """The command running ``tests/apps/SCRIPT`` with this interpreter."""
    return [sys.executable, str(APPS / script), *(str(a) for a in args)]


@dataclass(frozen=True)
class Lines:
    """An output file read as JSON lines."""

    records: list[dict[str, Any]]
    broken: list[bytes]  # lines that are not a JSON object, a partial last line included

    def where(self, **fields: Any) -> list[dict[str, Any]]:
        """The records whose fields have these values."""
        return [r for r in self.records if all(r.get(k) == v for k, v in fields.items())]

    def by(self, field: str) -> dict[Any, list[dict[str, Any]]]:
        """The records grouped by the value of ``field`` (records without it left out)."""
        groups: dict[Any, list[dict[str, Any]]] = {}
        for r in self.records:
            if field in r:
                groups.setdefault(r[field], []).append(r)
        return groups

    def messages(self, logger: str | None = None) -> list[str]:
        """The messages of the records (of one logger), in file order."""
        return [r["message"] for r in self.records if logger in (None, r.get("logger"))]

    @property
    def doubled_ids(self) -> int:
        """How many records repeat an ``event_id`` seen before (0 when each is once)."""
        counts = Counter(r.get("event_id") for r in self.records)
        return sum(n - 1 for n in counts.values())


def read_jsonl(path: Path) -> Lines:
    """Read ``path`` (missing: empty); every line should be one JSON object."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Lines([], [])
    records: list[dict[str, Any]] = []
    broken: list[bytes] = []
    chunks = raw.split(b"\n")
    if chunks[-1]:
        broken.append(chunks[-1])  # no newline at the end: a partial line
    for line in chunks[:-1]:
        try:
            value = _loads(line)
        except ValueError:  # orjson.JSONDecodeError is a ValueError too
            broken.append(line[:200])
            continue
        if isinstance(value, dict):
            records.append(value)
        else:
            broken.append(line[:200])
    return Lines(records, broken)


@dataclass(frozen=True)
class Tally:
    """What a process left in its file against what it logged, compared as a whole.

    Tests assert ``expected == Tally.of(...)``, so a failure shows every count at once.
    """

    returncode: int | None  # the exit status; -N: killed by signal N
    logged: int  # records the process logged (the pipeline accepted them)
    written: int  # of those, how many are in the file
    missing: int  # logged - written
    doubled: int  # lines repeating an event_id written before
    unexpected: int  # keyed lines that were never logged
    broken: int  # lines that are not a JSON object (a partial last line too)

    @classmethod
    def of(
        cls,
        lines: Lines,
        logged: int | Iterable[Any],
        *,
        returncode: int | None = None,
        key: str = "seq",
        records: list[dict[str, Any]] | None = None,
        interrupted: bool = False,
    ) -> Tally:
        """Count ``records`` (default: every record of ``lines``) by their ``key`` field.

        ``logged`` is a count (the keys ``0 .. logged-1``) or the keys themselves. With
        ``interrupted``, the record numbered ``logged`` may be in the file too: its call was
        under way when the signal came, so whether the pipeline took it is not known.
        """
        expected = set(range(logged)) if isinstance(logged, int) else set(logged)
        chosen = lines.records if records is None else records
        keys = {r[key] for r in chosen if key in r}
        written = len(keys & expected)
        unexpected = keys - expected
        if interrupted and isinstance(logged, int):
            unexpected.discard(logged)
        ids = Counter(r.get("event_id") for r in chosen)
        return cls(
            returncode=returncode,
            logged=len(expected),
            written=written,
            missing=len(expected) - written,
            doubled=sum(n - 1 for n in ids.values()),
            unexpected=len(unexpected),
            broken=len(lines.broken),
        )

    def __repr__(self) -> str:
        return (
            f"Tally(exit {self.returncode}: {self.written}/{self.logged} written,"
            f" {self.missing} missing, {self.doubled} doubled, {self.unexpected} unexpected,"
            f" {self.broken} broken)"
        )

    @classmethod
    def ok(cls, logged: int, returncode: int | None = None) -> Tally:
        """The tally of a process that lost nothing."""
        return cls(returncode, logged, logged, missing=0, doubled=0, unexpected=0, broken=0)


class Progress:
    """A counter a child writes after each record it logs, readable after the child dies.

    The child maps an 8-byte file and stores the number of records it has logged so far
    after every call; the page cache keeps the value when the process is killed, so the
    test knows exactly how many records were accepted before the signal.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.write_bytes(bytes(8))

    def read(self) -> int:
        """The last count the child stored."""
        with self.path.open("rb") as f, mmap.mmap(f.fileno(), 8, access=mmap.ACCESS_READ) as m:
            return int.from_bytes(m[:8], "little")
