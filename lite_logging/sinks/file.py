"""File output: ``BatchFileHandler`` writes whole batches of formatted records with one write.

A record reaches the file in one of two ways:

- ``handle_batch(records)``, called by ``BatchingQueueListener``: every record is formatted
  (each on its own: one that fails is written in a degraded form), the lines are joined and
  written with one ``os.write`` (and one ``fsync`` when asked).
- ``handle(record)`` / ``emit(record)``, when the handler is used alone: the formatted line
  is buffered until ``batch_size`` lines are waiting or the oldest has waited
  ``flush_interval`` seconds, whichever comes first. A daemon timer thread, started on
  the first buffered record, enforces the interval; where no thread can start (Pyodide)
  the running asyncio loop does (``call_later``), and without one each line is written
  at once.

The file is a raw ``O_APPEND`` descriptor: no user-space buffer, so nothing can hold half a
line when the process exits, and one batch is one ``write`` system call (a batch above
``MAX_WRITE`` bytes is cut between lines into several). A file left ending mid-line by a
writer that died is noticed at open, and the next batch starts on a new line. Size-based
rotation (``max_bytes``, ``backup_count``) names backups as ``RotatingFileHandler`` does
and cuts only between lines. ``reopen()`` serves external log rotation. See docs/files.md.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import json
import logging
import os
import stat
import sys
import threading
import weakref
from collections.abc import Callable
from time import monotonic as _monotonic
from typing import Any

from .. import _threads
from .._options import check_choice, check_int, check_number
from ..formats._encoding import format_timestamp, safe_repr
from ..formats.edn import EdnFormatter
from ..formats.edn import dumps as edn_dumps
from ..formats.json import JsonFormatter
from ._each import render_each

__all__ = ["BatchFileHandler"]

_MODES = ("a", "w", "x")

MAX_WRITE = 1 << 20
"""The most bytes one ``write`` system call gets: a larger batch is cut between lines."""

_FINALIZING_LOCK_TIMEOUT = 0.25
"""At interpreter teardown, how long to wait for the handler's lock before writing without
it: the only other holder then is a daemon thread that the interpreter froze for good."""

# Live handlers, so that a forked child can give each one a fresh lock, buffer and timer,
# and a process that ends without logging.shutdown() can still write their buffers.
_live_handlers: weakref.WeakSet[BatchFileHandler] = weakref.WeakSet()
# Called when a handler used alone starts its timer, i.e. holds lines in memory for the
# first time (lite_logging._lifecycle: the signal handlers that write them before dying).
_timer_hooks: list[Callable[[], None]] = []


def _after_fork_in_child() -> None:
    for handler in list(_live_handlers):
        handler._after_fork_in_child()


def _flush_buffers(timeout: float) -> bool:
    """Write the lines every live handler holds, for a process about to end without
    ``logging.shutdown()`` (a signal's default action, ``os._exit`` in a multiprocessing
    child). Safe in a signal handler: each lock is waited for ``timeout`` seconds at most.

    Returns:
        False when a handler's lock stayed held (its lines are left), else True.
    """
    done = True
    for handler in list(_live_handlers):
        if not handler._buffer:
            continue
        if not handler.lock.acquire(timeout=timeout):
            done = False
            continue
        try:
            handler._flush_buffer()
        finally:
            handler.lock.release()
    return done


def _codec_options(encoding: str | None, errors: str | None) -> tuple[str, str]:
    """``encoding`` and ``errors`` with their defaults, checked to be known to ``codecs``."""
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
    return encoding, errors


class BatchFileHandler(logging.Handler):
    """A file handler that writes each batch of records with one ``write()`` call.

    Lines are formatted by the handler's formatter (``JsonFormatter`` unless another is
    set; any ``logging.Formatter`` works) and each is terminated by ``"\\n"``.
    Nothing raises into the caller: a record whose formatting fails is written as a
    degraded line (level, logger, the raw message's ``repr`` and the error), counted in
    ``errors`` and reported once per batch through ``handleError``; a failed write (full
    disk, vanished device) is counted, reported once per streak of failures, and the next
    batch is tried again.

    Args:
        filename: the log file; parent folders are created.
        mode: ``"a"`` (default) appends, ``"w"`` truncates, ``"x"`` requires a new file.
            Writes always append (``O_APPEND``); rotation never truncates.
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

    # Held here, as FileHandler holds ``_builtin_open``: a record logged from ``__del__`` at
    # interpreter teardown may come after module globals and builtins were cleared.
    _os_open = staticmethod(os.open)
    _os_stat = staticmethod(os.stat)
    _os_write = staticmethod(os.write)
    _os_close = staticmethod(os.close)
    _os_fstat = staticmethod(os.fstat)
    _os_pread = staticmethod(os.pread)
    _os_fsync = staticmethod(os.fsync)
    _file_io = io.FileIO
    _is_reg = staticmethod(stat.S_ISREG)
    _is_finalizing = staticmethod(sys.is_finalizing)
    _max_write = MAX_WRITE
    _finalizing_lock_timeout = _FINALIZING_LOCK_TIMEOUT
    _O_APPEND = os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    _O_RDWR, _O_WRONLY, _O_TRUNC, _O_EXCL = os.O_RDWR, os.O_WRONLY, os.O_TRUNC, os.O_EXCL

    stream: io.FileIO | None
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
        check_choice("mode", mode, _MODES)
        encoding, errors = _codec_options(encoding, errors)
        check_int("batch_size", batch_size, 1)
        check_int("max_bytes", max_bytes, 0)
        check_int("backup_count", backup_count, 0)
        flush_interval = check_number("flush_interval", flush_interval, what="a number of seconds")

        super().__init__()
        self.baseFilename = os.path.abspath(filename)
        if max_bytes > 0 and backup_count > 0:
            mode = "a"  # as RotatingFileHandler: truncating would lose the rotated-to file
        self.mode = mode
        self.encoding = encoding
        self.errors = errors
        self.delay = delay
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        self.fsync = fsync
        self.watch = watch
        self.formatter = JsonFormatter()
        self.stream = None
        self._rotating = False  # max_bytes and backup_count set, and the file is a regular one
        self._watched: tuple[int, int] | None = None  # (st_dev, st_ino) of the open file
        self._readable = False  # the descriptor can pread the file's last byte
        # The file may end mid-line: None (no), False (it did at open: look again before
        # the next write), True (our own failed write left a partial line).
        self._partial: bool | None = None
        self._lock_lost = False  # at teardown, a frozen daemon thread kept our lock
        self._written = 0
        self._errors = 0
        self._degraded = 0
        self._batches = 0
        self._bytes = 0
        self._failing = False
        self._no_threads = not _threads.threads_work()  # no timer thread (Pyodide)
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
        """Fresh buffer and timer state (at construction and in a forked child)."""
        self._buffer: list[str] = []
        self._first_record: logging.LogRecord | None = None
        self._first_at = 0.0
        # The timer waits on a lock of its own, never on the handler's lock: a daemon thread
        # frozen by interpreter teardown must not keep the lock a late record needs.
        self._wake = threading.Condition(threading.Lock())
        self._timer: threading.Thread | None = None

    # -- opening, rotation, reopening -------------------------------------------------

    def _open(self) -> io.FileIO:
        """Open the file for raw ``O_APPEND`` writes, creating parent folders if needed.

        A regular file is opened read-write, so that its last byte can be read: a file a
        dead writer left ending mid-line gets a newline before our first batch.
        """
        fd, readable = self._open_readable(self.baseFilename, self._open_flags())
        try:
            st = self._os_fstat(fd)
            stream = self._file_io(fd, "w", closefd=True)
        except BaseException:
            self._os_close(fd)
            raise
        if self.mode != "a":
            self.mode = "a"  # a reopen (rotation, logrotate) must not truncate or fail
        self._watched = (st.st_dev, st.st_ino)
        regular = self._is_reg(st.st_mode)
        self._readable = readable and regular
        self._rotating = self.max_bytes > 0 and self.backup_count > 0 and regular
        self._partial = None
        if self._readable and st.st_size > 0 and self._ends_mid_line(fd, st.st_size):
            self._partial = False  # look again before writing: a writer may be mid-write
        return stream

    def _open_flags(self) -> int:
        """``os.open`` flags for ``mode``, before the read/write ones."""
        mode = self.mode if not self._closed else "a"  # after close(), never truncate
        if mode == "w":
            return self._O_APPEND | self._O_TRUNC
        if mode == "x":
            return self._O_APPEND | self._O_EXCL
        return self._O_APPEND

    def _open_readable(self, path: str, flags: int) -> tuple[int, bool]:
        """The descriptor, read-write when the file is (or will be) a regular one and the
        permissions allow it, else write-only; and whether it can be read."""
        try:
            readable = self._is_reg(self._os_stat(path).st_mode)
        except OSError:
            readable = True  # created now: a regular file
        try:
            return self._open_fd(
                path, flags | (self._O_RDWR if readable else self._O_WRONLY)
            ), readable
        except PermissionError:
            if not readable:
                raise
            # write-only permission: no look at the last byte
            return self._open_fd(path, flags | self._O_WRONLY), False

    def _open_fd(self, path: str, flags: int) -> int:
        """``os.open``; on a missing folder, create the parent folders and try again."""
        try:
            return self._os_open(path, flags, 0o666)
        except FileNotFoundError:
            folder = os.path.dirname(path)
            if not folder:
                raise
            os.makedirs(folder, exist_ok=True)
            return self._os_open(path, flags, 0o666)

    def _ends_mid_line(self, fd: int, size: int) -> bool:
        """Whether the file's last byte (at ``size - 1``) is not a newline."""
        try:
            return self._os_pread(fd, 1, size - 1) != b"\n"
        except OSError:
            return False

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

    def _write_lines(self, lines: list[str], record: logging.LogRecord | None) -> int:
        """Write ``lines`` (each without its newline) under the lock; count, never raise.

        Returns how many of them reached the file whole. A failed write is never retried
        for the lines the kernel already took (no duplicates); what it did not take is
        counted in ``errors``, and a partial last line is ended by the next batch's newline.
        """
        count = len(lines)
        lines.append("")  # so the join ends with a newline without a second copy
        data = "\n".join(lines).encode(self.encoding, self.errors)
        del lines[-1]
        self._taken = 0
        try:
            if self.watch and self.stream is not None:
                self._reopen_if_moved()
            stream = self.stream
            if stream is None:
                stream = self.stream = self._open()
            fd = stream.fileno()
            if self._partial is not None:
                self._start_new_line(fd)
            if self._rotating:
                self._write_rotating(data)
            else:
                self._write_all(fd, data, 0, len(data))
            if self.fsync:
                self._os_fsync(self.stream.fileno())  # type: ignore[union-attr]  # opened above
        except Exception:  # noqa: BLE001 - RecursionError too: never raise into the caller
            whole = self._count_whole(lines, data, self._taken)
            self._written += whole
            self._errors += count - whole
            self._bytes += self._taken
            self._report_failure(record)
            return whole
        finally:
            if self._closed:  # a late record after close(): leave no file open behind
                try:  # noqa: SIM105 - no contextlib: module globals may be gone at teardown
                    self._close_stream()
                except OSError:
                    pass
        self._failing = False
        self._written += count
        self._batches += 1
        self._bytes += len(data)
        return count

    def _count_whole(self, lines: list[str], data: bytes, taken: int) -> int:
        """After a failed write: how many lines of ``data`` the first ``taken`` bytes hold
        whole; remembers a partial last line so that the next batch starts a new one."""
        if taken <= 0:
            return 0
        if data[taken - 1 : taken] != b"\n":
            self._partial = True
        whole, end = 0, 0
        for line in lines:
            end += len(line.encode(self.encoding, self.errors)) + 1
            if end > taken:
                break
            whole += 1
        return whole

    def _start_new_line(self, fd: int) -> None:
        """The file may end mid-line (a writer died mid-write, or our write failed half-way):
        write a newline first, so that the torn line costs only itself."""
        known = self._partial
        mid_line = bool(known)
        if self._readable:
            size = self._os_fstat(fd).st_size
            mid_line = size > 0 and self._ends_mid_line(fd, size)
        if mid_line:
            self._write_all(fd, b"\n", 0, 1)
        self._partial = None
        self._taken = 0

    def _write_all(self, fd: int, data: bytes, pos: int, end: int) -> None:
        """Write ``data[pos:end]`` with raw ``os.write`` calls, retrying short writes.

        One call when it fits in ``MAX_WRITE`` bytes; otherwise cut after the last newline
        within each ``MAX_WRITE`` (a line longer than that goes out in one call of its own).
        ``self._taken`` follows the bytes the kernel took, also when a call raises.
        """
        write, limit = self._os_write, self._max_write
        view = memoryview(data)
        while pos < end:
            stop = end
            if end - pos > limit:
                cut = data.rfind(b"\n", pos, pos + limit) + 1
                stop = cut if cut > pos else (data.find(b"\n", pos + limit) + 1 or end)
            while pos < stop:
                n = write(fd, view[pos:stop])
                if n <= 0:  # never for a regular file; do not spin on a broken device
                    raise OSError(errno.EIO, "write() took no bytes", self.baseFilename)
                pos += n
                self._taken = pos

    def _reopen_if_moved(self) -> None:
        """Reopen the path when the open file is no longer the one at the path."""
        try:
            st = os.stat(self.baseFilename)
            moved = (st.st_dev, st.st_ino) != self._watched
        except FileNotFoundError:
            moved = True
        if moved:
            self._close_stream()  # the next lines open a new file at the path

    def _write_rotating(self, data: bytes) -> None:
        """Write ``data``, rotating first whenever the file would exceed ``max_bytes``.

        Cuts only after a newline, so every file holds whole lines and stays within
        ``max_bytes``; a single line longer than ``max_bytes`` gets a file of its own.
        """
        assert self.stream is not None
        limit = self.max_bytes
        # The size on disk, not a counter: right also after copytruncate or a fork.
        size = self._os_fstat(self.stream.fileno()).st_size
        pos, end = 0, len(data)
        while size + end - pos > limit:
            room = limit - size
            cut = data.rfind(b"\n", pos, pos + room) + 1 if room > 0 else 0
            if cut <= pos and size == 0:  # one line longer than max_bytes: a file of its own
                cut = data.find(b"\n", pos) + 1 or end
            if cut > pos:
                self._write_all(self.stream.fileno(), data, pos, cut)
                pos = cut
                if pos == end:
                    return
            self.doRollover()
            size = 0
        self._write_all(self.stream.fileno(), data, pos, end)

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

    # -- formatting -----------------------------------------------------------------------

    def _format_all(self, records: list[logging.LogRecord]) -> list[str]:
        """Format every record, each on its own: one whose formatting raises (anything,
        ``RecursionError`` too) becomes a degraded line, is counted in ``errors`` and
        reported once per batch; it never costs the rest of the batch."""
        # One bound method for the whole loop instead of Handler.format's lookup per record.
        fmt = (self.formatter or logging._defaultFormatter).format  # type: ignore[attr-defined]
        lines, failed = render_each(records, fmt, self._degraded_line, self._handle_error)
        if failed:
            self._errors += failed
            self._degraded += failed
        return lines

    def _handle_error(self, record: logging.LogRecord) -> None:
        """``handleError`` for the exception being handled; whatever it raises stays here."""
        with contextlib.suppress(Exception):
            self.handleError(record)

    def _degraded_line(self, record: logging.LogRecord, exc: BaseException) -> str:
        """A line in the formatter's format (EDN for an ``EdnFormatter``, JSON otherwise)
        saying that formatting failed, with what can still be read of the record."""
        fields: dict[str, Any] = {}
        with contextlib.suppress(Exception):  # a record with a broken "created"
            fields["timestamp"] = format_timestamp(float(record.created))
        for key, get in (("level", "levelname"), ("logger", "name")):
            value = getattr(record, get, None)
            fields[key] = value if type(value) is str else safe_repr(value)
        fields["message"] = "formatting failed"
        fields["raw_message"] = safe_repr(getattr(record, "msg", None))
        try:
            error = f"{type(exc).__name__}: {exc}"
        except Exception:  # noqa: BLE001 - an exception whose str() raises
            error = type(exc).__name__
        fields["format_error"] = error
        event_id = getattr(record, "event_id", None)
        if type(event_id) is str:
            fields["event_id"] = event_id
        if isinstance(self.formatter, EdnFormatter):
            return edn_dumps(fields)
        return json.dumps(fields, ensure_ascii=True)

    # -- the batch protocol and emit ------------------------------------------------------

    def handle_batch(self, records: list[logging.LogRecord]) -> int:
        """Format ``records`` and write them with one ``write()`` (the batch protocol).

        The caller (``BatchingQueueListener``) already applied this handler's level and
        filters. Lines buffered by ``emit`` are written first, in the same write.
        All or nothing about retrying: a failed write is counted and reported, never
        retried for lines the kernel already took.

        Returns:
            How many lines (buffered ones included) reached the file whole.
        """
        if not records:
            return 0
        lines = self._format_all(records)
        with self.lock:
            if not self._buffer:
                return self._write_lines(lines, records[0])
            held = _threads.hold_stop_signals()  # as in _flush_buffer
            try:
                lines[:0] = self._buffer  # empty if a handler ran in the call: wrote them
                self._buffer = []
                self._first_record = None
                return self._write_lines(lines, records[0])
            finally:
                _threads.release_signals(held)

    def handle(self, record: logging.LogRecord) -> Any:
        """``Handler.handle``; at interpreter teardown it never waits long for the lock.

        A daemon thread that held the lock when the interpreter froze it holds it for good;
        then the line is written without the lock instead of hanging the exit.
        """
        if not self._is_finalizing():
            return super().handle(record)
        rv: Any = self.filter(record)
        if isinstance(rv, logging.LogRecord):  # Python 3.12+: a filter may return a record
            record = rv
        if rv:
            self._emit_finalizing(record)
        return rv

    def _emit_finalizing(self, record: logging.LogRecord) -> None:
        """Emit at interpreter teardown: with the lock when it is free within a moment."""
        timeout = 0.0 if self._lock_lost else self._finalizing_lock_timeout
        if self.lock.acquire(timeout=timeout):
            try:
                self.emit(record)
            finally:
                self.lock.release()
            return
        self._lock_lost = True
        lines = self._format_all([record])
        lines[:0], self._buffer = self._buffer, []
        self._write_lines(lines, record)

    def emit(self, record: logging.LogRecord) -> None:
        """Format ``record`` now and buffer the line; write when the batch is full.

        Called by ``handle`` with the lock held. The timer thread writes a line that has
        waited ``flush_interval`` seconds. After ``close()``, and at interpreter teardown,
        lines are written at once.
        """
        line = self._format_all([record])[0]
        with self.lock:  # already held when called by handle(); reentrant
            buffer = self._buffer
            buffer.append(line)
            if len(buffer) >= self.batch_size or self._closed or self._is_finalizing():
                self._flush_buffer()
            elif len(buffer) == 1:
                self._first_record = record
                self._first_at = _monotonic()
                timer = self._timer
                if timer is None or not timer.is_alive():
                    self._start_timer()
                else:
                    with self._wake:
                        self._wake.notify()

    def _flush_buffer(self) -> None:
        """Write the buffered lines (lock held).

        SIGTERM/SIGHUP wait for the write: their handler's flush, run in the middle, would
        find the taken lines gone and the process would die without them.
        """
        if not self._buffer:
            return
        # Held before the lines are taken: a handler that runs inside the call (a signal
        # that came just before) finds them still there, and writes them itself.
        held = _threads.hold_stop_signals()
        try:
            lines = self._buffer
            if not lines:
                return
            self._buffer = []
            record, self._first_record = self._first_record, None
            self._write_lines(lines, record)
        finally:
            _threads.release_signals(held)

    def flush(self) -> None:
        """Write the buffered lines now (and ``fsync`` them when ``fsync=True``).

        Safe at any time, also at interpreter exit: afterwards no line is held in memory,
        and the file never holds part of a line that is still to come.
        """
        with self.lock:
            self._flush_buffer()

    def close(self) -> None:
        """Write the buffered lines, close the file and stop the timer thread.

        A record that still arrives afterwards (say, while ``logging.shutdown`` runs, or
        from ``__del__`` at interpreter teardown) is written at once, as ``FileHandler``
        does: the file is opened in append mode for that write and closed again.
        """
        with self.lock:
            try:
                self._flush_buffer()
                self._close_stream()
            finally:
                self._closed = True
                self._timer = None  # the timer thread sees this and ends
                if not self._is_finalizing():
                    with self._wake:
                        self._wake.notify_all()
                super().close()
        # No join: the timer is a daemon thread that ends as soon as it wakes up.

    # -- the timer --------------------------------------------------------------------

    def _start_timer(self) -> None:
        if self._no_threads:  # Pyodide: the running event loop is the timer, else write now
            if _threads.defer(self.flush_interval, self.flush) is None:
                self._flush_buffer()
            return
        timer = threading.Thread(
            target=self._run_timer, name=f"BatchFileHandler-timer {self.baseFilename}", daemon=True
        )
        self._timer = timer
        _threads.start_without_signals(timer)
        for hook in _timer_hooks:
            hook()

    def _run_timer(self) -> None:
        """Write buffered lines once the oldest has waited ``flush_interval`` seconds.

        It waits on its own lock and takes the handler's lock only to write.
        """
        wake = self._wake
        me = threading.current_thread()
        while True:
            with wake:
                if self._closed or self._timer is not me:
                    return
                if not self._buffer:
                    wake.wait()
                    continue
                left = self._first_at + self.flush_interval - _monotonic()
                if left > 0:
                    wake.wait(left)
                    continue
            self.flush()

    def _after_fork_in_child(self) -> None:
        """In a forked child: a fresh lock, an empty buffer (the parent writes its own
        buffered lines) and no timer yet (started again by the next buffered line)."""
        self.lock = threading.RLock()
        self._reset_buffer()
        self._failing = False
        self._lock_lost = False

    # -- counters -----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counters: ``written`` (lines on disk, degraded ones included), ``errors``
        (records that failed formatting or were lost to write errors), ``degraded`` (lines
        written in the degraded form), ``batches`` (writes) and ``bytes`` written."""
        return {
            "written": self._written,
            "errors": self._errors,
            "degraded": self._degraded,
            "batches": self._batches,
            "bytes": self._bytes,
        }

    def __repr__(self) -> str:
        level = logging.getLevelName(self.level)
        return f"<{type(self).__name__} {self.baseFilename} ({level})>"
