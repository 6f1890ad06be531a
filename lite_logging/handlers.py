"""File output: ``BatchFileHandler`` writes whole batches of formatted records with one write.

A record reaches the file in one of two ways:

- ``handle_batch(records)``, called by ``BatchingQueueListener``: the batch is formatted,
  joined and written with one ``write()`` (and one ``fsync`` when asked).
- ``handle(record)`` / ``emit(record)``, when the handler is used alone: the formatted line
  is buffered until ``batch_size`` lines are waiting or the oldest has waited
  ``flush_interval`` seconds, whichever comes first. A daemon timer thread, started on
  the first buffered record, enforces the interval.

The file is opened unbuffered and in binary mode: the handler encodes each batch itself,
so one batch is exactly one ``write`` system call, and with ``O_APPEND`` a batch is never
interleaved with another process's writes. Size-based rotation (``max_bytes``,
``backup_count``) names backups as ``RotatingFileHandler`` does and cuts only between
lines. ``reopen()`` serves external log rotation. See docs/files.md.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import math
import os
import stat
import threading
import weakref
from collections.abc import Callable
from time import monotonic as _monotonic
from typing import IO, Any

from .formatters import JsonFormatter

__all__ = ["BatchFileHandler"]

_MODES = ("a", "w", "x")

# Live handlers, so that a forked child can give each one a fresh lock, buffer and timer.
_live_handlers: weakref.WeakSet[BatchFileHandler] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for handler in list(_live_handlers):
        handler._after_fork_in_child()


class BatchFileHandler(logging.Handler):
    """A file handler that writes each batch of records with one ``write()`` call.

    Lines are formatted by the handler's formatter (``JsonFormatter`` unless another is
    set; any ``logging.Formatter`` works) and each is terminated by ``"\\n"``.
    Nothing raises into the caller: a record whose formatting fails is skipped, counted
    and reported through ``handleError``; a failed write (full disk, vanished device)
    is counted, reported once per streak of failures, and the next batch is tried again.

    Args:
        filename: the log file; parent folders are created.
        mode: ``"a"`` (default) appends, ``"w"`` truncates, ``"x"`` requires a new file.
            Rotation always appends, as ``RotatingFileHandler`` does.
        encoding: text encoding of the file; ``None`` means UTF-8.
        delay: open the file at the first write instead of now.
        errors: the codec error handler; ``None`` means ``"backslashreplace"``, so a lone
            surrogate can never make a write fail.
        batch_size: when used without a listener, write once this many lines wait.
        flush_interval: when used without a listener, the longest a line waits (seconds).
        max_bytes: rotate before a file would grow beyond this size; 0 never rotates.
        backup_count: how many rotated files (``file.1`` ... ``file.N``) to keep; with 0
            the file never rotates (as with ``RotatingFileHandler``).
        fsync: call ``os.fsync`` after every batch, so a batch survives a power loss.
        watch: before each batch, check (one ``stat``) whether the file was moved or
            deleted, and reopen the path if so, as ``WatchedFileHandler`` does per record.
            Off by default: call ``reopen()`` from logrotate's ``postrotate`` instead.

    Raises:
        ValueError: an option is out of range, naming it and the bad value.
        OSError: the file cannot be opened (``delay=False``); the message names the path.
    """

    #: Optional ``namer(default_name) -> name`` for rotated files, as in ``BaseRotatingHandler``.
    namer: Callable[[str], str] | None = None
    #: Optional ``rotator(source, dest)`` doing the rotation, as in ``BaseRotatingHandler``.
    rotator: Callable[[str, str], None] | None = None

    stream: IO[bytes] | None
    lock: threading.RLock  # Handler.createLock() always sets it; never None here

    def __init__(
        self,
        filename: str | os.PathLike[str],
        mode: str = "a",
        encoding: str | None = "utf-8",
        delay: bool = False,
        errors: str | None = None,
        *,
        batch_size: int = 1000,
        flush_interval: float = 1.0,
        max_bytes: int = 0,
        backup_count: int = 0,
        fsync: bool = False,
        watch: bool = False,
    ) -> None:
        filename = os.fspath(filename)
        mode = mode.replace("b", "").replace("t", "")
        if mode not in _MODES:
            raise ValueError(f'"mode" must be one of {_MODES}: {mode!r}')
        encoding = "utf-8" if encoding is None else encoding
        errors = "backslashreplace" if errors is None else errors
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f'"encoding" is not a known codec: {encoding!r}') from None
        try:
            codecs.lookup_error(errors)
        except LookupError:
            raise ValueError(f'"errors" is not a known error handler: {errors!r}') from None
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f'"batch_size" must be an int >= 1: {batch_size!r}')
        if (
            isinstance(flush_interval, bool)
            or not isinstance(flush_interval, (int, float))
            or not math.isfinite(flush_interval)
            or flush_interval <= 0
        ):
            raise ValueError(
                f'"flush_interval" must be a number of seconds > 0: {flush_interval!r}'
            )
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
            raise ValueError(f'"max_bytes" must be an int >= 0: {max_bytes!r}')
        if isinstance(backup_count, bool) or not isinstance(backup_count, int) or backup_count < 0:
            raise ValueError(f'"backup_count" must be an int >= 0: {backup_count!r}')

        super().__init__()
        self.baseFilename = os.path.abspath(filename)
        if max_bytes > 0 and backup_count > 0:
            mode = "a"  # as RotatingFileHandler: truncating would lose the rotated-to file
        self.mode = mode
        self.encoding = encoding
        self.errors = errors
        self.delay = delay
        self.batch_size = batch_size
        self.flush_interval = float(flush_interval)
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        self.fsync = fsync
        self.watch = watch
        self.formatter = JsonFormatter()
        self.stream = None
        self._rotating = False  # max_bytes and backup_count set, and the file is a regular one
        self._watched: tuple[int, int] | None = None  # (st_dev, st_ino) of the open file
        self._written = 0
        self._errors = 0
        self._batches = 0
        self._bytes = 0
        self._failing = False
        self._reset_buffer()
        if not delay:
            try:
                self.stream = self._open()
            except OSError as exc:
                raise type(exc)(
                    exc.errno, f'"filename" cannot be opened for writing: {exc.strerror}', filename
                ) from exc
        _live_handlers.add(self)

    def _reset_buffer(self) -> None:
        """Fresh buffer, condition and timer state (at construction and in a forked child)."""
        self._buffer: list[str] = []
        self._first_record: logging.LogRecord | None = None
        self._first_at = 0.0
        self._cond = threading.Condition(self.lock)
        self._timer: threading.Thread | None = None

    # -- opening, rotation, reopening -------------------------------------------------

    def _open(self) -> IO[bytes]:
        """Create parent folders and open the file unbuffered in binary mode."""
        folder = os.path.dirname(self.baseFilename)
        if folder:
            os.makedirs(folder, exist_ok=True)
        mode = self.mode if not self._closed else "a"  # after close(), never truncate
        stream: IO[bytes] = open(self.baseFilename, mode + "b", buffering=0)  # noqa: SIM115 - kept open
        if self.mode != "a":
            self.mode = "a"  # a reopen (rotation, logrotate) must not truncate or fail
        st = os.fstat(stream.fileno())
        self._watched = (st.st_dev, st.st_ino)
        self._rotating = self.max_bytes > 0 and self.backup_count > 0 and stat.S_ISREG(st.st_mode)
        return stream

    def _close_stream(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.close()

    def reopen(self) -> None:
        """Write what is buffered, then close the file and open ``filename`` again.

        Call it after an external tool (logrotate without ``copytruncate``) moved the file
        away, e.g. from a SIGHUP handler: later lines go to a new file at the path.
        An error opening the file is reported through ``handleError`` and retried with the
        next batch; it never raises.
        """
        with self.lock:
            self._flush_buffer()
            try:
                self._close_stream()
                if not self._closed:  # after close(), the next write opens the file
                    self.stream = self._open()
            except RecursionError:
                raise
            except Exception:  # noqa: BLE001 - never raise into the caller: count, handleError
                self._report_failure(self._first_record)

    def rotation_filename(self, default_name: str) -> str:
        """The name of a rotated file: ``namer(default_name)`` when a namer is set."""
        return default_name if self.namer is None else self.namer(default_name)

    def rotate(self, source: str, dest: str) -> None:
        """Move ``source`` to ``dest``, or call ``rotator(source, dest)`` when one is set."""
        if self.rotator is None:
            if os.path.exists(source):
                os.replace(source, dest)
        else:
            self.rotator(source, dest)

    def doRollover(self) -> None:  # noqa: N802 - RotatingFileHandler's name, for familiarity
        """Rotate now: ``file.N-1`` -> ``file.N`` ... ``file`` -> ``file.1``; open a new file.

        Raises:
            OSError: a rename or the new open failed (the write path reports it instead).
        """
        with self.lock:
            self._close_stream()
            if self.backup_count > 0:
                base = self.baseFilename
                for i in range(self.backup_count - 1, 0, -1):
                    source = self.rotation_filename(f"{base}.{i}")
                    if os.path.exists(source):
                        os.replace(source, self.rotation_filename(f"{base}.{i + 1}"))
                self.rotate(base, self.rotation_filename(f"{base}.1"))
            self.stream = self._open()

    # -- writing ------------------------------------------------------------------------

    def _write_locked(self, data: bytes, count: int, record: logging.LogRecord | None) -> None:
        """Write ``data`` (``count`` whole lines) under the lock; count, never raise."""
        try:
            if self.watch and self.stream is not None:
                self._reopen_if_moved()
            stream = self.stream
            if stream is None:
                stream = self.stream = self._open()
            if self._rotating:
                self._write_rotating(data)
            else:
                written = stream.write(data)
                if written != len(data):
                    self._write_rest(stream, data, written)
            if self.fsync:
                os.fsync(self.stream.fileno())  # type: ignore[union-attr]  # opened above
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - never raise into the caller: count, handleError
            self._errors += count
            self._report_failure(record)
            return
        finally:
            if self._closed:  # a late record after close(): leave no file open behind
                with contextlib.suppress(OSError):
                    self._close_stream()
        self._failing = False
        self._written += count
        self._batches += 1
        self._bytes += len(data)

    def _reopen_if_moved(self) -> None:
        """Reopen the path when the open file is no longer the one at the path."""
        try:
            st = os.stat(self.baseFilename)
            moved = (st.st_dev, st.st_ino) != self._watched
        except FileNotFoundError:
            moved = True
        if moved:
            self._close_stream()  # the next lines open a new file at the path

    @staticmethod
    def _write_rest(stream: IO[bytes], data: bytes | memoryview, done: int | None) -> None:
        """Finish a short write (rare: a signal, a huge batch) until all bytes are out."""
        view = memoryview(data)
        done = done or 0
        while done < len(view):
            done += stream.write(view[done:]) or 0

    def _write_rotating(self, data: bytes) -> None:
        """Write ``data``, rotating first whenever the file would exceed ``max_bytes``.

        Cuts only after a newline, so every file holds whole lines and stays within
        ``max_bytes``; a single line longer than ``max_bytes`` gets a file of its own.
        """
        assert self.stream is not None
        limit = self.max_bytes
        # The size on disk, not a counter: right also after copytruncate or a fork.
        size = os.fstat(self.stream.fileno()).st_size
        view = memoryview(data)
        pos, end = 0, len(data)
        while size + end - pos > limit:
            room = limit - size
            cut = data.rfind(b"\n", pos, pos + room) + 1 if room > 0 else 0
            if cut <= pos and size == 0:  # one line longer than max_bytes: a file of its own
                cut = data.find(b"\n", pos) + 1 or end
            if cut > pos:
                self._write_rest(self.stream, view[pos:cut], 0)
                pos = cut
                if pos == end:
                    return
            self.doRollover()
            size = 0
        self._write_rest(self.stream, view[pos:], 0)

    def _report_failure(self, record: logging.LogRecord | None) -> None:
        """Report the current exception through ``handleError``, once per failure streak."""
        if self._failing:
            return
        self._failing = True
        if record is None:
            record = logging.LogRecord(
                "lite_logging", logging.ERROR, self.baseFilename, 0, "write failed", None, None
            )
        self.handleError(record)

    def _format_all(self, records: list[logging.LogRecord]) -> list[str]:
        """Format every record; a failing one is skipped, counted and reported once."""
        # One bound method for the whole loop instead of Handler.format's lookup per record.
        fmt = (self.formatter or logging._defaultFormatter).format  # type: ignore[attr-defined]
        try:
            return [fmt(r) for r in records]
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - some record failed: redo one by one to find which
            pass
        lines: list[str] = []
        reported = False
        for r in records:
            try:
                lines.append(fmt(r))
            except RecursionError:
                raise
            except Exception:  # noqa: BLE001 - never raise into the caller: count, handleError
                self._errors += 1
                if not reported:
                    reported = True
                    self.handleError(r)
        return lines

    def handle_batch(self, records: list[logging.LogRecord]) -> None:
        """Format ``records`` and write them with one ``write()`` (the batch protocol).

        The caller (``BatchingQueueListener``) already applied this handler's level and
        filters. Lines buffered by ``emit`` are written first, in the same write.
        Never raises (except ``RecursionError``, as the stdlib does).
        """
        if not records:
            return
        lines = self._format_all(records)
        with self.lock:
            if self._buffer:
                lines[:0] = self._buffer
                self._buffer = []
                self._first_record = None
            count = len(lines)
            if not count:
                return
            lines.append("")  # so the join ends with a newline without a second copy
            data = "\n".join(lines).encode(self.encoding, self.errors)
            self._write_locked(data, count, records[0])

    def emit(self, record: logging.LogRecord) -> None:
        """Format ``record`` now and buffer the line; write when the batch is full.

        Called by ``handle`` with the lock held. The timer thread writes a line that has
        waited ``flush_interval`` seconds. After ``close()`` lines are written at once.
        """
        try:
            line = self.format(record)
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - never raise into the caller: count, handleError
            self._errors += 1
            self.handleError(record)
            return
        with self.lock:  # already held when called by handle(); reentrant
            buffer = self._buffer
            buffer.append(line)
            if len(buffer) >= self.batch_size or self._closed:
                self._flush_buffer()
            elif len(buffer) == 1:
                self._first_record = record
                self._first_at = _monotonic()
                timer = self._timer
                if timer is None or not timer.is_alive():
                    self._start_timer()
                else:
                    self._cond.notify()

    def _flush_buffer(self) -> None:
        """Write the buffered lines (lock held)."""
        lines = self._buffer
        if not lines:
            return
        self._buffer = []
        record, self._first_record = self._first_record, None
        count = len(lines)
        lines.append("")
        self._write_locked("\n".join(lines).encode(self.encoding, self.errors), count, record)

    def flush(self) -> None:
        """Write the buffered lines now (and ``fsync`` them when ``fsync=True``)."""
        with self.lock:
            self._flush_buffer()

    def close(self) -> None:
        """Write the buffered lines, close the file and stop the timer thread.

        A record that still arrives afterwards (say, while ``logging.shutdown`` runs) is
        written at once, as ``FileHandler`` does: the file is opened in append mode for
        that write and closed again.
        """
        with self.lock:
            try:
                self._flush_buffer()
                self._close_stream()
            finally:
                self._closed = True
                self._timer = None  # the timer thread sees this and ends
                self._cond.notify_all()
                super().close()
        # No join: logging.shutdown() calls close() holding our lock, which the timer
        # needs to wake up; it is a daemon thread that ends as soon as it gets the lock.

    # -- the timer --------------------------------------------------------------------

    def _start_timer(self) -> None:
        timer = threading.Thread(
            target=self._run_timer, name=f"BatchFileHandler-timer {self.baseFilename}", daemon=True
        )
        self._timer = timer
        timer.start()

    def _run_timer(self) -> None:
        """Write buffered lines once the oldest has waited ``flush_interval`` seconds."""
        cond = self._cond
        me = threading.current_thread()
        with cond:
            while not self._closed and self._timer is me:
                if not self._buffer:
                    cond.wait()
                    continue
                left = self._first_at + self.flush_interval - _monotonic()
                if left > 0:
                    cond.wait(left)
                    continue
                self.flush()

    def _after_fork_in_child(self) -> None:
        """In a forked child: a fresh lock, an empty buffer (the parent writes its own
        buffered lines) and no timer yet (started again by the next buffered line)."""
        self.lock = threading.RLock()
        self._reset_buffer()
        self._failing = False

    # -- counters -----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counters: ``written`` (records on disk), ``errors`` (records lost to formatting
        or write errors), ``batches`` (writes) and ``bytes`` written."""
        return {
            "written": self._written,
            "errors": self._errors,
            "batches": self._batches,
            "bytes": self._bytes,
        }

    def __repr__(self) -> str:
        level = logging.getLevelName(self.level)
        return f"<{type(self).__name__} {self.baseFilename} ({level})>"
