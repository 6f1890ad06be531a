"""Logger: a ``logging.Logger`` that builds the same records for less.

Installed with ``logging.setLoggerClass(ll.Logger)``, it changes what a call costs, not what
it does. ``makeRecord`` builds the ``LogRecord`` that ``logging.LogRecord(...)`` would, with
the same attributes in the same order, without repeating per record what does not change
(the file-name split of a path, the pid): ~55% less. And when a logger's first filter is a
``SamplingFilter``, ``_log`` asks it before the record exists, with the call's level, logger
name and ``extra``: the same inputs, the same random draw, the same counts; a dropped call
builds no record at all.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from logging import CRITICAL, DEBUG, ERROR, INFO, WARNING
from typing import Any

from ..filters.sampling import _DECIDED, SamplingFilter
from ..formats._schema import _INIT_KEYS

__all__ = ["Logger"]

_sampling_filter = SamplingFilter.filter
_NO_EXTRA: Mapping[str, Any] = {}
# The caller of a log call: Logger's level methods and _log below stand where logging's
# stood, frame for frame. Python 3.10's findCaller steps back a fixed number of frames, so
# the count is the same; 3.11+'s skips "internal" frames, and our findCaller counts this
# file's frames as internal as logging's own.
# Whether a frame is internal depends on its code's file name alone: remembered per file
# (stdlib's _is_internal_frame costs a call and os.path.normcase per frame, ~0.1 us each).
_is_internal_frame: Any = getattr(logging, "_is_internal_frame", None)
_OWN_FILE = (lambda: None).__code__.co_filename
_internal_files: dict[str, bool] = {}
_INTERNAL_FILES_MAX = 4096

# -- building a LogRecord as LogRecord.__init__ does, on this Python ---------------------

_record_class: type[logging.LogRecord] = logging.LogRecord  # what makeRecord instantiates
_new = object.__new__
_get_level_name = logging.getLevelName
_get_ident = threading.get_ident
_current_thread = threading.current_thread
_modules = sys.modules
_START = logging._startTime  # type: ignore[attr-defined]  # private, read once
_NS_CLOCK = isinstance(_START, int)  # 3.13+: records take their times from time.time_ns()
_TASK_NAME = hasattr(logging, "logAsyncioTasks")  # 3.12+: records carry taskName
_time = time.time_ns if _NS_CLOCK else time.time
_pid = os.getpid()


def _after_fork_in_child() -> None:
    global _pid
    _pid = os.getpid()


# pathname -> (filename, module): a process logs from few files, os.path costs ~0.5 us.
_split_cache: dict[str, tuple[str, str]] = {}
_SPLIT_CACHE_MAX = 4096


def _split_path(pathname: str) -> tuple[str, str]:
    try:
        filename = os.path.basename(pathname)
        module = os.path.splitext(filename)[0]
    except (TypeError, ValueError, AttributeError):
        return pathname, "Unknown module"
    if len(_split_cache) >= _SPLIT_CACHE_MAX:
        _split_cache.clear()
    _split_cache[pathname] = (filename, module)
    return filename, module


def _process_name() -> str:
    mp = _modules.get("multiprocessing")
    if mp is not None:
        try:
            return mp.current_process().name  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001 - as LogRecord: multiprocessing half imported
            pass
    return "MainProcess"


def _task_name() -> str | None:
    asyncio = _modules.get("asyncio")
    if asyncio is None or asyncio._get_running_loop() is None:
        return None  # what current_task() raising RuntimeError gives, without the raise
    try:
        return asyncio.current_task().get_name()  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - as LogRecord: no task
        return None


_logger_log = logging.Logger._log
_logger_make_record = logging.Logger.makeRecord
# extra= keys makeRecord refuses: the record's own attributes, "message" and "asctime".
_RESERVED = frozenset(_INIT_KEYS) | {"message", "asctime"}
_fast_records = True  # until _check_records() at the end of this module says otherwise


def _level_method(level: int, name: str) -> Any:
    """``logging.Logger.<name>`` for ``level``, with its keywords taken by name."""

    def log_at_level(
        self: Logger,
        msg: object,
        *args: object,
        exc_info: Any = None,
        extra: Mapping[str, object] | None = None,
        stack_info: bool = False,
        stacklevel: int = 1,
    ) -> None:
        if self.isEnabledFor(level):
            self._log(level, msg, args, exc_info, extra, stack_info, stacklevel)

    log_at_level.__name__, log_at_level.__qualname__ = name, f"Logger.{name}"
    log_at_level.__doc__ = f"``logging.Logger.{name}``: log ``msg % args`` at {name.upper()}."
    return log_at_level


class Logger(logging.Logger):
    """A ``logging.Logger`` that builds its records for less, and samples before building.

    Same records, same behaviour, lower cost (figures in docs/performance.md):

    - ``makeRecord`` builds the record ``logging.LogRecord`` would (checked against it at
      import; a custom ``setLogRecordFactory`` factory, or ``logging.logThreads`` and the
      like set to False, take the stdlib's path).
    - When the first filter is a ``SamplingFilter`` (first, so no filter that could change
      the record runs before it), it decides from the call's level, the logger name and
      ``extra``, as it would on the record: a dropped call builds no record; a call kept by
      a random draw carries ``sample_rate`` and passes the filter without a second draw; a
      call kept without a draw (``keep_level``, rate 1) is decided again on the record, the
      same way. SamplingFilter subclasses that override ``filter`` decide on the record.

    Install it before the loggers are created (``getLogger`` keeps the class a logger
    was made with)::

        logging.setLoggerClass(ll.Logger)
    """

    # The level methods take their keywords by name: no **kwargs dict per call (~0.15 us).
    debug = _level_method(DEBUG, "debug")
    info = _level_method(INFO, "info")
    warning = _level_method(WARNING, "warning")
    error = _level_method(ERROR, "error")  # exception() calls it with exc_info=True
    critical = _level_method(CRITICAL, "critical")

    def _log(
        self,
        level: int,
        msg: object,
        args: Any,
        exc_info: Any = None,
        extra: Mapping[str, object] | None = None,
        stack_info: bool = False,
        stacklevel: int = 1,
    ) -> None:
        """``logging.Logger._log``, after asking a leading SamplingFilter."""
        filters = self.filters
        if filters and not self.disabled:  # a disabled logger filters nothing
            first = filters[0]
            # Exactly SamplingFilter.filter: a subclass overriding it decides on the record.
            if getattr(type(first), "filter", None) is _sampling_filter:
                sampler: SamplingFilter = first  # type: ignore[assignment]  # checked above
                verdict = sampler._verdict(level, self.name, extra or _NO_EXTRA)
                if verdict < 0:
                    return
                if verdict < 1:  # kept by a draw: the record says so, filter() lets it pass
                    extra = {**(extra or _NO_EXTRA), "sample_rate": verdict, _DECIDED: True}
                # kept without a draw: filter() decides the same on the record, and counts it
        if not logging._srcfile:  # findCaller switched off (logging._srcfile = None)
            _logger_log(self, level, msg, args, exc_info, extra, stack_info, stacklevel)
            return
        # The body of logging.Logger._log.
        try:
            fn, lno, func, sinfo = self.findCaller(stack_info, stacklevel)
        except ValueError:  # pragma: no cover - as logging: IronPython without frames
            fn, lno, func, sinfo = "(unknown file)", 0, "(unknown function)", None
        if exc_info:
            if isinstance(exc_info, BaseException):
                exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
            elif not isinstance(exc_info, tuple):
                exc_info = sys.exc_info()
        self.handle(
            self.makeRecord(self.name, level, fn, lno, msg, args, exc_info, func, extra, sinfo)
        )

    def handle(self, record: logging.LogRecord) -> None:
        """``logging.Logger.handle``, without the filter call when there are no filters."""
        if self.disabled:
            return
        if self.filters:
            kept: Any = self.filter(record)
            if not kept:
                return
            if isinstance(kept, logging.LogRecord):  # 3.12+: a filter may return a record
                record = kept
        self.callHandlers(record)

    if _is_internal_frame is not None:  # 3.11+; 3.10's findCaller walks differently

        def findCaller(  # noqa: N802 - logging.Logger's name
            self, stack_info: bool = False, stacklevel: int = 1
        ) -> tuple[str, int, str, str | None]:
            """``logging.Logger.findCaller`` (3.11+): this file's frames count as logging's
            own, and which files are internal is remembered."""
            f = sys._getframe(0)  # what logging's currentframe() gives findCaller: its own
            internal = _internal_files
            while stacklevel > 0:
                next_f = f.f_back
                if next_f is None:
                    break
                f = next_f
                is_internal = internal.get(f.f_code.co_filename)
                if is_internal is None:
                    if len(internal) >= _INTERNAL_FILES_MAX:
                        internal.clear()
                    is_internal = internal[f.f_code.co_filename] = (
                        f.f_code.co_filename == _OWN_FILE or bool(_is_internal_frame(f))
                    )
                if not is_internal:
                    stacklevel -= 1
            co = f.f_code
            sinfo = None
            if stack_info:
                with io.StringIO() as sio:
                    sio.write("Stack (most recent call last):\n")
                    traceback.print_stack(f, file=sio)
                    sinfo = sio.getvalue()
                    if sinfo[-1] == "\n":
                        sinfo = sinfo[:-1]
            return co.co_filename, f.f_lineno, co.co_name, sinfo

    def makeRecord(  # noqa: N802 - logging.Logger's name
        self,
        name: str,
        level: int,
        fn: str,
        lno: int,
        msg: object,
        args: Any,
        exc_info: Any,
        func: str | None = None,
        extra: Mapping[str, object] | None = None,
        sinfo: str | None = None,
    ) -> logging.LogRecord:
        """The record ``logging.Logger.makeRecord`` makes, built for less when it can be.

        ``LogRecord.__init__``'s steps for this Python, inlined (one call less), with the
        file-name split cached per path, the pid per process, no ABC check for an int or
        str argument and no exception for "no running task"; a record factory or a
        setting it does not cover takes ``logging.Logger.makeRecord``.
        """
        if not (
            _fast_records
            and logging.getLogRecordFactory() is logging.LogRecord
            and logging.logThreads
            and logging.logProcesses
            and logging.logMultiprocessing
            and (not _TASK_NAME or logging.logAsyncioTasks)  # type: ignore[attr-defined]
            and (extra is None or _RESERVED.isdisjoint(extra))  # else the stdlib's KeyError
        ):
            return _logger_make_record(
                self, name, level, fn, lno, msg, args, exc_info, func, extra, sinfo
            )
        ct = _time()
        if args and len(args) == 1:
            first = args[0]
            # ints and strs are never mappings: skip the ABC check (~100 ns) for them
            if (
                first.__class__ is not int
                and first.__class__ is not str
                and isinstance(first, Mapping)
                and first
            ):
                args = first
        try:
            filename, module = _split_cache[fn]
        except (KeyError, TypeError):
            filename, module = _split_path(fn)
        if _NS_CLOCK:
            created = ct / 1e9
            msecs = (ct % 1_000_000_000) // 1_000_000 + 0.0
            if msecs == 999.0 and int(created) != ct // 1_000_000_000:
                msecs = 0.0
            relative = (ct - _START) / 1e6
        else:
            created = ct
            msecs = int((ct - int(ct)) * 1000) + 0.0
            relative = (ct - _START) * 1000
        record = _new(_record_class)
        # Attribute stores in LogRecord.__init__'s order: the record shares its dict's keys
        # with all LogRecords, as one built by LogRecord does (a dict display would cost
        # a full-size dict per record: ~0.5 us more per queued record, measured).
        record.name = name
        record.msg = msg
        record.args = args
        record.levelname = _get_level_name(level)
        record.levelno = level
        record.pathname = fn
        record.filename = filename
        record.module = module
        record.exc_info = exc_info
        record.exc_text = None
        record.stack_info = sinfo
        record.lineno = lno
        record.funcName = func  # type: ignore[assignment]  # None, as LogRecord allows
        record.created = created
        record.msecs = msecs
        record.relativeCreated = relative
        record.thread = _get_ident()
        record.threadName = _current_thread().name
        # the calls only when multiprocessing / asyncio are imported, as LogRecord does
        record.processName = "MainProcess" if "multiprocessing" not in _modules else _process_name()
        record.process = _pid
        if _TASK_NAME:
            record.taskName = None if "asyncio" not in _modules else _task_name()
        if extra is not None:
            record.__dict__.update(extra)
        return record


def _check_records() -> bool:
    """Whether Logger.makeRecord matches this Python's LogRecord (else it is not used).

    Compared on a throwaway subclass: creating a LogRecord here would add to the keys all
    LogRecord instances share (CPython's key-sharing dicts), and a process whose records
    then add their extras in another order gets full-size dicts (~1.2 KB and ~1.4 us more
    per queued record, measured).
    """

    class Probe(logging.LogRecord):
        pass

    call = ("x", logging.INFO, __file__, 1, "m %s", (1,), None, "f", None)
    theirs = Probe(*call).__dict__
    global _record_class
    _record_class = Probe  # our makeRecord builds a Probe: same attributes, no shared keys touched
    try:
        ours = Logger("x").makeRecord(*call[:8], None, None).__dict__
    finally:
        _record_class = logging.LogRecord
    timed = {"created", "msecs", "relativeCreated"}
    return list(ours) == list(theirs) and all(
        ours[key] == theirs[key] for key in theirs if key not in timed
    )


_fast_records = _check_records()
