"""BatchFileHandler: one write per batch, buffering with a timer, rotation, reopen, errors."""

from __future__ import annotations

import json
import logging
import logging.config
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from process_helpers import run_code

import lite_logging as ll
from lite_logging.sinks.file import BatchFileHandler

HAS_DEV_FULL = os.path.exists("/dev/full")
HAS_PROC_IO = os.path.exists("/proc/self/io")


class _Recording(BatchFileHandler):
    """Records handleError calls instead of printing, and signals every flush()."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.failures: list[BaseException | None] = []
        self.flushed = threading.Event()
        self.flushed_by: list[str] = []
        super().__init__(*args, **kwargs)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - stdlib name
        self.failures.append(sys.exc_info()[1])

    def flush(self) -> None:
        super().flush()
        self.flushed_by.append(threading.current_thread().name)
        self.flushed.set()


class _Counter:
    """Counts the handler's raw os.write() calls (one call = one write system call)."""

    def __init__(self) -> None:
        self.writes: list[int] = []

    def __call__(self, fd: int, data: bytes | memoryview) -> int:
        self.writes.append(len(data))
        return os.write(fd, data)


class _Counting(_Recording):
    """A handler whose os.write() calls are counted in ``counter.writes``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.counter = _Counter()
        self._os_write = self.counter  # type: ignore[method-assign, assignment]
        super().__init__(*args, **kwargs)


class _Failing(logging.Formatter):
    """Formats like ``%(message)s`` but raises for a record whose message is "boom"."""

    def format(self, record: logging.LogRecord) -> str:
        if record.getMessage() == "boom":
            raise ValueError("boom")
        return record.getMessage()


@pytest.fixture
def make() -> Iterator[Callable[..., Any]]:
    """Build handlers (``_Recording`` by default) and close them all after the test."""
    made: list[logging.Handler] = []

    def factory(*args: Any, cls: type[BatchFileHandler] = _Recording, **kwargs: Any) -> Any:
        handler = cls(*args, **kwargs)
        made.append(handler)
        return handler

    yield factory
    for handler in made:
        handler.close()


def _records(count: int, msg: str = "record %d", start: int = 0) -> list[logging.LogRecord]:
    return [
        logging.LogRecord("shop", logging.INFO, __file__, 1, msg, (i,), None)
        for i in range(start, start + count)
    ]


def _plain(handler: BatchFileHandler) -> BatchFileHandler:
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


def _lines(path: Path) -> list[str]:
    data = path.read_bytes().decode()
    assert data == "" or data.endswith("\n")
    return data.splitlines()


def _syscw() -> int:
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("syscw:"):
                return int(line.split()[1])
    raise AssertionError("no syscw in /proc/self/io")


class TestConstruction:
    @pytest.mark.parametrize(
        ("key", "value"),
        [
            ("batch_size", 0),
            ("batch_size", 2.5),
            ("flush_interval", 0),
            ("flush_interval", float("nan")),
            ("max_bytes", -1),
            ("backup_count", -2),
        ],
    )
    def test_bad_option_names_key_and_value(self, tmp_path: Path, key: str, value: Any) -> None:
        """An out-of-range option fails at construction, naming the key and the value."""
        with pytest.raises(ValueError, match=f'"{key}".*{value!r}'):
            BatchFileHandler(tmp_path / "x.log", delay=True, **{key: value})

    @pytest.mark.parametrize(
        ("key", "value"), [("mode", "r"), ("encoding", "no-such-codec"), ("errors", "nope")]
    )
    def test_bad_stdlib_parameter(self, tmp_path: Path, key: str, value: str) -> None:
        """A bad mode, encoding or errors handler fails at construction, naming it."""
        with pytest.raises(ValueError, match=f'"{key}".*{value!r}'):
            BatchFileHandler(tmp_path / "x.log", delay=True, **{key: value})

    def test_unopenable_path_names_the_path(self, tmp_path: Path) -> None:
        """A path that cannot be opened fails at construction with an error naming it."""
        (tmp_path / "file").write_text("")
        bad = tmp_path / "file" / "sub" / "x.log"

        with pytest.raises(OSError, match="filename") as info:
            BatchFileHandler(bad)

        assert str(bad) in str(info.value)

    def test_unopenable_path_with_delay_reported_at_write(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """With delay=True an unopenable path is reported through handleError, counted."""
        (tmp_path / "file").write_text("")
        handler = make(tmp_path / "file" / "x.log", delay=True)

        handler.handle_batch(_records(3))

        assert (1, 3, 0) == (
            len(handler.failures),
            handler.stats()["errors"],
            handler.stats()["written"],
        )
        assert isinstance(handler.failures[0], OSError)

    def test_creates_parent_folders(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """Missing parent folders of the log file are created."""
        path = tmp_path / "a" / "b" / "app.jsonl"
        make(path)

        assert path.is_file()

    def test_default_formatter_writes_json(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """Without a formatter set, each line is a JSON object in the record schema."""
        path = tmp_path / "x.jsonl"
        handler = make(path)

        handler.handle_batch(_records(2))

        assert ["record 0", "record 1"] == [json.loads(line)["message"] for line in _lines(path)]

    def test_exported_from_package(self) -> None:
        """``lite_logging.BatchFileHandler`` is the handler class."""
        assert BatchFileHandler is ll.BatchFileHandler

    def test_mode_w_truncates(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """mode="w" starts an empty file, as FileHandler does."""
        path = tmp_path / "x.log"
        path.write_text("old\n")
        handler = _plain(make(path, "w"))

        handler.handle_batch(_records(1))

        assert ["record 0"] == _lines(path)


class TestHandleBatch:
    def test_one_write_per_batch(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """A batch of 500 records is written by exactly one write() call."""
        handler = make(tmp_path / "x.log", cls=_Counting)

        handler.handle_batch(_records(500))
        handler.handle_batch(_records(500, start=500))

        assert 2 == len(handler.counter.writes)
        assert 1000 == len(_lines(tmp_path / "x.log"))

    @pytest.mark.skipif(not HAS_PROC_IO, reason="needs /proc/self/io")
    def test_write_syscalls_per_thousand_records(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """1,000 records in batches of 250 cost at most 10 write system calls."""
        handler = make(tmp_path / "x.log")
        batches = [_records(250, start=i) for i in range(0, 1000, 250)]

        before = _syscw()
        for batch in batches:
            handler.handle_batch(batch)
        calls = _syscw() - before

        assert calls <= 10
        assert 1000 == handler.stats()["written"]

    def test_every_line_newline_terminated(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """Each record is one line ending in a newline, in the batch's order."""
        path = tmp_path / "x.log"
        handler = _plain(make(path))

        handler.handle_batch(_records(3))

        assert b"record 0\nrecord 1\nrecord 2\n" == path.read_bytes()

    def test_failing_record_skipped_and_reported_once(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """Records whose formatting raises become degraded lines; handleError once per batch."""
        path = tmp_path / "x.log"
        handler = make(path)
        handler.setFormatter(_Failing())
        records = _records(4) + _records(3, msg="boom") + _records(3, start=4)

        handler.handle_batch(records)

        lines = _lines(path)
        degraded = [json.loads(line) for line in lines[4:7]]
        assert [f"record {i}" for i in range(7)] == lines[:4] + lines[7:]
        assert [("formatting failed", "'boom'")] * 3 == [
            (d["message"], d["raw_message"]) for d in degraded
        ]
        assert {"written": 10, "errors": 3, "degraded": 3} == {
            k: v for k, v in handler.stats().items() if k in ("written", "errors", "degraded")
        }
        assert 1 == len(handler.failures)

    def test_lone_surrogate_does_not_fail(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """A lone surrogate is written backslash-escaped instead of failing the batch."""
        path = tmp_path / "x.log"
        handler = _plain(make(path))

        handler.handle_batch(_records(1, msg="a\udc80b %d"))

        assert b"a\\udc80b 0\n" == path.read_bytes()
        assert [] == handler.failures

    @pytest.mark.parametrize(
        "formatter",
        [
            "json",
            "plain",
            pytest.param(
                "edn",
                marks=pytest.mark.skipif(
                    not hasattr(ll, "EdnFormatter"), reason="EdnFormatter not there yet"
                ),
            ),
        ],
    )
    def test_any_formatter(self, tmp_path: Path, make: Callable[..., Any], formatter: str) -> None:
        """Any formatter works: one line per record, each holding its message."""
        path = tmp_path / "x.log"
        handler = make(path)
        if formatter == "plain":
            handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        elif formatter == "edn":
            handler.setFormatter(ll.EdnFormatter())  # type: ignore[attr-defined]

        handler.handle_batch(_records(5))

        lines = _lines(path)
        assert 5 == len(lines)
        assert all(f"record {i}" in line for i, line in enumerate(lines))

    def test_fsync_once_per_batch(
        self, tmp_path: Path, make: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """fsync=True calls os.fsync once per batch, on the log file."""
        calls: list[int] = []
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            calls.append(fd)
            real_fsync(fd)

        handler = make(tmp_path / "x.log", fsync=True)
        monkeypatch.setattr(handler, "_os_fsync", fsync)

        handler.handle_batch(_records(10))
        handler.handle_batch(_records(10))

        assert [handler.stream.fileno()] * 2 == calls

    def test_buffered_lines_go_first(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """Lines buffered by emit() are written before the batch, in the same write."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, cls=_Counting))
        for record in _records(2, msg="emitted %d"):
            handler.handle(record)

        handler.handle_batch(_records(2))

        assert ["emitted 0", "emitted 1", "record 0", "record 1"] == _lines(path)
        assert 1 == len(handler.counter.writes)

    def test_stats_counts(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """stats() counts records written, batches and bytes, as a JSON-serializable dict."""
        path = tmp_path / "x.log"
        handler = _plain(make(path))

        handler.handle_batch(_records(3))
        handler.handle_batch(_records(2))

        stats = json.loads(json.dumps(handler.stats()))
        expected = {"written": 5, "errors": 0, "degraded": 0, "batches": 2}
        assert {**expected, "bytes": path.stat().st_size} == stats


class TestEmit:
    def test_buffers_until_batch_size(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """Alone, the handler writes once batch_size lines wait, with one write()."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, cls=_Counting, batch_size=10, flush_interval=3600))

        for record in _records(9):
            handler.handle(record)
        before = len(_lines(path))
        handler.handle(_records(1, start=9)[0])

        assert (0, 10, 1) == (before, len(_lines(path)), len(handler.counter.writes))

    def test_timer_writes_after_flush_interval(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """Without a listener and without more records, the timer thread writes the line."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, batch_size=1000, flush_interval=0.02))

        handler.handle(_records(1)[0])

        assert handler.flushed.wait(10)
        assert ["record 0"] == _lines(path)
        assert threading.current_thread().name != handler.flushed_by[0]

    def test_flush_writes_now(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """flush() writes the buffered lines at once."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, flush_interval=3600))
        for record in _records(3):
            handler.handle(record)

        handler.flush()

        assert ["record 0", "record 1", "record 2"] == _lines(path)

    def test_close_writes_buffer(self, tmp_path: Path) -> None:
        """close() writes what is buffered and closes the file."""
        path = tmp_path / "x.log"
        handler = _plain(BatchFileHandler(path, flush_interval=3600))
        for record in _records(2):
            handler.handle(record)

        handler.close()

        assert (["record 0", "record 1"], None) == (_lines(path), handler.stream)

    def test_record_after_close_still_written(self, tmp_path: Path) -> None:
        """A record arriving after close() is appended at once, not lost."""
        path = tmp_path / "x.log"
        handler = _plain(BatchFileHandler(path, "w"))
        handler.handle(_records(1)[0])
        handler.close()

        handler.handle(_records(1, start=1)[0])
        handler.handle_batch(_records(1, start=2))

        assert (["record 0", "record 1", "record 2"], None) == (_lines(path), handler.stream)

    @pytest.mark.parametrize("ending", ["pass", "sys.exit(3)", "raise SystemExit('bye')"])
    def test_interpreter_exit_writes_buffer(self, tmp_path: Path, ending: str) -> None:
        """A process that exits with lines still buffered writes them (logging.shutdown)."""
        path = tmp_path / "x.log"
        script = (
            "import logging, sys\n"
            "from lite_logging.sinks.file import BatchFileHandler\n"
            f"h = BatchFileHandler({str(path)!r}, flush_interval=3600)\n"
            "h.setFormatter(logging.Formatter('%(message)s'))\n"
            "log = logging.getLogger('exit'); log.addHandler(h); log.setLevel('INFO')\n"
            "for i in range(100): log.info('line %d', i)\n"
            f"{ending}\n"
        )

        subprocess.run([sys.executable, "-c", script], check=False, timeout=60, capture_output=True)

        assert [f"line {i}" for i in range(100)] == _lines(path)

    def test_through_a_logger(
        self, tmp_path: Path, make: Callable[..., Any], logger: logging.Logger
    ) -> None:
        """Records logged through a logger end up as JSON lines with their extras."""
        path = tmp_path / "x.jsonl"
        handler = make(path)
        logger.addHandler(handler)

        logger.info("user %s logged in", 42, extra={"user_id": 42})
        handler.flush()

        line = json.loads(_lines(path)[0])
        assert ("user 42 logged in", 42) == (line["message"], line["user_id"])

    def test_failing_format_reported(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """A record whose formatting raises is written degraded, reported and counted."""
        path = tmp_path / "x.log"
        handler = make(path)
        handler.setFormatter(_Failing())

        for record in _records(1, msg="boom") + _records(2):
            handler.handle(record)
        handler.flush()

        first, *rest = _lines(path)
        assert ("'boom'", ["record 0", "record 1"], 1, 1) == (
            json.loads(first)["raw_message"],
            rest,
            len(handler.failures),
            handler.stats()["errors"],
        )


@pytest.mark.skipif(not HAS_DEV_FULL, reason="needs /dev/full")
class TestWriteErrors:
    def test_reported_once_per_streak_and_recovers(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """Failed writes are counted per record, reported once per streak, retried later."""
        handler = make("/dev/full")
        for _ in range(3):
            handler.handle_batch(_records(4))
        first_streak = (len(handler.failures), handler.stats()["errors"])

        handler.baseFilename = str(tmp_path / "ok.log")
        handler.reopen()
        handler.handle_batch(_records(5))
        recovered = handler.stats()["written"]

        handler.baseFilename = "/dev/full"
        handler.reopen()
        handler.handle_batch(_records(1))

        assert ((1, 12), 5, 2) == (first_streak, recovered, len(handler.failures))
        assert all(isinstance(exc, OSError) for exc in handler.failures)

    def test_never_raises_into_the_caller(
        self, make: Callable[..., Any], logger: logging.Logger
    ) -> None:
        """Logging through a handler on a full disk returns normally; errors are counted."""
        handler = make("/dev/full", batch_size=1)
        logger.addHandler(handler)

        for i in range(5):
            logger.info("n %d", i)

        assert (5, 0, 1) == (
            handler.stats()["errors"],
            handler.stats()["written"],
            len(handler.failures),
        )


def _rotated_files(path: Path) -> list[Path]:
    """The log files oldest first: path.N ... path.1, path; asserts names are contiguous."""
    backups = sorted((int(p.name.rsplit(".", 1)[1]), p) for p in path.parent.glob(path.name + ".*"))
    assert list(range(1, len(backups) + 1)) == [n for n, _ in backups]
    return [p for _, p in reversed(backups)] + [path]


class TestRotation:
    def test_names_and_sizes(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """Files are named like RotatingFileHandler's and none exceeds max_bytes."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, max_bytes=100, backup_count=20))

        for start in range(0, 60, 10):
            handler.handle_batch(_records(10, msg="line %03d......", start=start))

        files = _rotated_files(path)
        assert all(f.stat().st_size <= 100 for f in files)
        assert [f"line {i:03d}......" for i in range(60)] == [
            line for f in files for line in _lines(f)
        ]

    def test_batch_larger_than_max_bytes_cut_between_lines(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """A batch bigger than max_bytes is spread over files, each line whole."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, max_bytes=50, backup_count=10))

        handler.handle_batch(_records(10, msg="0123456789 %d"))  # 13 bytes a line

        files = _rotated_files(path)
        assert [3, 3, 3, 1] == [len(_lines(f)) for f in files]

    def test_line_longer_than_max_bytes_gets_own_file(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """A single line longer than max_bytes is written whole, alone in its file."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, max_bytes=20, backup_count=10))

        handler.handle_batch(_records(1, msg="short %d"))
        handler.handle_batch(_records(1, msg="x" * 50 + "%d"))
        handler.handle_batch(_records(1, msg="short %d", start=1))

        assert [["short 0"], ["x" * 50 + "0"], ["short 1"]] == [
            _lines(f) for f in _rotated_files(path)
        ]

    def test_backup_count_keeps_newest(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """Only backup_count rotated files are kept: the oldest lines go away."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, max_bytes=10, backup_count=2))

        for i in range(5):
            handler.handle_batch(_records(1, msg="line %d", start=i))

        assert [["line 2"], ["line 3"], ["line 4"]] == [_lines(f) for f in _rotated_files(path)]

    def test_no_rotation_without_backup_count(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """As with RotatingFileHandler, backup_count=0 never rotates."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, max_bytes=10))

        handler.handle_batch(_records(5))

        assert ([path], 5) == (_rotated_files(path), len(_lines(path)))

    def test_namer(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """A namer renames rotated files, as with the stdlib's rotating handlers."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, max_bytes=10, backup_count=3))
        handler.namer = lambda name: name + ".old"

        handler.handle_batch(_records(1))
        handler.handle_batch(_records(1, start=1))

        assert ["record 0"] == _lines(tmp_path / "x.log.1.old")

    def test_under_load_from_threads(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """4 threads (emit and handle_batch): nothing lost, duplicated or split, order kept."""
        path = tmp_path / "x.jsonl"
        handler = make(path, batch_size=37, max_bytes=20_000, backup_count=200)
        per_thread = 1500
        start = threading.Barrier(4)

        def by_emit(t: int) -> None:
            start.wait()
            for i in range(per_thread):
                handler.handle(_records(1, msg=f"{t}:%d", start=i)[0])

        def by_batch(t: int) -> None:
            start.wait()
            for i in range(0, per_thread, 50):
                handler.handle_batch(_records(50, msg=f"{t}:%d", start=i))

        threads = [threading.Thread(target=by_emit, args=(t,)) for t in (0, 1)]
        threads += [threading.Thread(target=by_batch, args=(t,)) for t in (2, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        handler.flush()

        files = _rotated_files(path)
        assert all(f.stat().st_size <= 20_000 for f in files)
        seen: dict[int, list[int]] = {0: [], 1: [], 2: [], 3: []}
        for f in files:
            for line in _lines(f):
                t, i = json.loads(line)["message"].split(":")
                seen[int(t)].append(int(i))
        assert {t: list(range(per_thread)) for t in range(4)} == seen
        assert len(files) > 10


@settings(max_examples=40, deadline=None)
@given(
    batches=st.lists(st.lists(st.integers(0, 40), max_size=8), max_size=8),
    max_bytes=st.integers(1, 120),
)
def test_rotation_property(batches: list[list[int]], max_bytes: int) -> None:
    """Any batches, any max_bytes: all lines kept in order, whole, files within the limit."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.log"
        handler = _plain(BatchFileHandler(path, max_bytes=max_bytes, backup_count=1000))
        expected: list[str] = []
        try:
            for n, sizes in enumerate(batches):
                records = [
                    logging.LogRecord("p", logging.INFO, "", 0, f"{n}.{i}." + "x" * size, (), None)
                    for i, size in enumerate(sizes)
                ]
                expected += [r.msg for r in records]
                handler.handle_batch(records)
        finally:
            handler.close()
        files = _rotated_files(path)
        contents = [_lines(f) for f in files]

        assert expected == [line for lines in contents for line in lines]
        for f, lines in zip(files, contents, strict=True):
            assert f.stat().st_size <= max_bytes or len(lines) == 1


class TestReopen:
    def test_reopen_after_rename(self, tmp_path: Path, make: Callable[..., Any]) -> None:
        """After logrotate moves the file, reopen() starts a new file at the path."""
        path = tmp_path / "x.log"
        moved = tmp_path / "x.log.moved"
        handler = _plain(make(path))
        handler.handle_batch(_records(1))
        path.rename(moved)
        handler.handle_batch(_records(1, start=1))

        handler.reopen()
        handler.handle_batch(_records(1, start=2))

        assert (["record 0", "record 1"], ["record 2"]) == (_lines(moved), _lines(path))

    def test_reopen_writes_buffer_to_old_file(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """Lines buffered before reopen() go to the file they were meant for."""
        path = tmp_path / "x.log"
        moved = tmp_path / "x.log.moved"
        handler = _plain(make(path, flush_interval=3600))
        handler.handle(_records(1)[0])
        path.rename(moved)

        handler.reopen()

        assert (["record 0"], []) == (_lines(moved), _lines(path))

    @pytest.mark.parametrize("how", ["rename", "delete"])
    def test_watch_reopens_by_itself(
        self, tmp_path: Path, make: Callable[..., Any], how: str
    ) -> None:
        """With watch=True, a moved or deleted file is noticed and the path reopened."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, watch=True))
        handler.handle_batch(_records(1))
        if how == "rename":
            path.rename(tmp_path / "x.log.1")
        else:
            path.unlink()

        handler.handle_batch(_records(1, start=1))

        assert ["record 1"] == _lines(path)

    def test_without_watch_keeps_writing_to_moved_file(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """Without watch, the handler keeps its open file until reopen() is called."""
        path = tmp_path / "x.log"
        handler = _plain(make(path))
        handler.handle_batch(_records(1))
        path.rename(tmp_path / "x.log.1")

        handler.handle_batch(_records(1, start=1))

        assert (["record 0", "record 1"], False) == (
            _lines(tmp_path / "x.log.1"),
            path.exists(),
        )

    def test_reopen_after_close_opens_nothing(self, tmp_path: Path) -> None:
        """reopen() on a closed handler leaves no file open."""
        handler = BatchFileHandler(tmp_path / "x.log")
        handler.close()

        handler.reopen()

        assert handler.stream is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
class TestFork:
    @pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
    def test_child_and_parent_write_whole_outputs(
        self, tmp_path: Path, make: Callable[..., Any]
    ) -> None:
        """A forked child gets an empty buffer and its own timer; no line lost or doubled."""
        path = tmp_path / "x.log"
        handler = _plain(make(path, batch_size=1000, flush_interval=3600))
        for record in _records(50, msg="parent %d"):
            handler.handle(record)  # buffered in the parent at fork time

        pid = os.fork()
        if pid == 0:  # child: never return into pytest
            code = 1
            try:
                handler.flushed = threading.Event()
                handler.flush_interval = 0.02
                for record in _records(30, msg="child %d"):
                    handler.handle(record)
                code = 0 if handler.flushed.wait(10) else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        for record in _records(20, msg="parent %d", start=50):
            handler.handle(record)
        handler.flush()

        lines = _lines(path)
        assert 0 == os.waitstatus_to_exitcode(status)
        assert [f"child {i}" for i in range(30)] == [x for x in lines if x.startswith("child")]
        assert [f"parent {i}" for i in range(70)] == [x for x in lines if x.startswith("parent")]
        assert 100 == len(lines)


_SIGNAL_MID_WRITE = """
import logging, os, signal, sys
import lite_logging as ll

handler = ll.BatchFileHandler(sys.argv[1], batch_size=10, flush_interval=5)
handler.setFormatter(logging.Formatter("%(message)s"))
write = handler._write_lines

def write_after_a_signal(lines, record):
    handler._write_lines = write
    os.kill(os.getpid(), signal.Signals[sys.argv[2]])  # lands here, in the batch's write
    return write(lines, record)

handler._write_lines = write_after_a_signal
log = logging.getLogger("mid")
log.addHandler(handler)
log.setLevel(logging.INFO)
for i in range(25):
    log.info("line %d", i)
print("survived")
"""


@pytest.mark.skipif(not hasattr(os, "kill") or sys.platform == "win32", reason="POSIX signals")
class TestSignalDuringWrite:
    @pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
    def test_batch_being_written_reaches_the_file(self, tmp_path: Path, sig: str) -> None:
        """A signal that lands while the main thread writes a full batch waits for the
        write; the draining handler then dies of it. The batch (10 lines, taken out of the
        buffer) was lost: the handler, run in the middle, found the buffer empty."""
        path = tmp_path / "x.log"
        run = run_code(_SIGNAL_MID_WRITE, path, sig, timeout=60)
        assert (-getattr(signal, sig), "") == (run.returncode, run.stdout)
        assert [f"line {i}" for i in range(10)] == _lines(path)


class TestDictConfig:
    @pytest.mark.parametrize("key", ["()", "class"])
    @pytest.mark.usefixtures("restore_logging")
    def test_configured_by_dictconfig(self, tmp_path: Path, key: str) -> None:
        """dictConfig builds it with "()" or "class" and our keyword options."""
        path = tmp_path / "logs" / "app.jsonl"
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "handlers": {
                    "file": {
                        key: "lite_logging.BatchFileHandler",
                        "filename": str(path),
                        "batch_size": 3,
                        "max_bytes": 1_000_000,
                        "backup_count": 2,
                        "level": "INFO",
                    }
                },
                "loggers": {
                    "tests.test_handlers.config": {
                        "handlers": ["file"],
                        "level": "DEBUG",
                        "propagate": False,
                    }
                },
            }
        )
        log = logging.getLogger("tests.test_handlers.config")
        handler = log.handlers[0]

        for i in range(3):
            log.info("configured %d", i)
        log.debug("below the handler's level")

        assert isinstance(handler, BatchFileHandler)
        assert (3, 1_000_000) == (handler.batch_size, handler.max_bytes)
        assert [f"configured {i}" for i in range(3)] == [
            json.loads(line)["message"] for line in _lines(path)
        ]
