"""Logger: a ``logging.Logger`` that builds the same records for less.

Installed with ``logging.setLoggerClass(ll.Logger)`` (or ``ll.setup(logger_class=True)``), it
changes what a call costs, not what it does. Two things differ from ``logging.Logger``, and
each is checked against the running interpreter at import; what fails its check is dropped,
so the class then behaves as ``logging.Logger`` (same records, only slower):

- ``makeRecord`` builds the ``LogRecord`` that ``logging.LogRecord(...)`` would, with the same
  attributes in the same order, without repeating per record what does not change (the
  file-name split of a path, the pid): ~55% less. Checked: a record built both ways.
  The same construction is ``record_factory``, a ``logging.setLogRecordFactory`` factory
  that gives plain ``logging.Logger``s (most of an app's: created at import) most of that
  gain; ``install_record_factory()`` (or ``ll.setup()``) installs it when no one chose
  another factory.
- The level methods (``debug`` ... ``critical``) take their keywords by name, and when the
  logger's first filter is a ``SamplingFilter`` they ask it (``SamplingFilter.sample_call``)
  before the record exists: a dropped call builds no record. They then call
  ``logging.Logger._log`` itself, telling its ``findCaller`` to step over their own frame.
  Checked: every level method, ``log`` and ``exception`` at several stack levels name the
  same caller and stack as on a ``logging.Logger``.

Nothing else of ``logging.Logger`` is copied: ``_log``, ``findCaller`` and ``handle`` are the
stdlib's own.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from logging import CRITICAL, DEBUG, ERROR, INFO, WARNING
from typing import Any

from ._attrs import FORMATTING_ATTRS, INIT_ATTRS

__all__ = ["Logger", "install_record_factory", "record_factory"]

_stdlib_log = logging.Logger._log
_stdlib_make_record = logging.Logger.makeRecord
_LEVEL_METHODS = {"debug": DEBUG, "info": INFO, "warning": WARNING, "error": ERROR}
_LEVEL_METHODS["critical"] = CRITICAL

# -- building a LogRecord as LogRecord.__init__ does, on this Python ---------------------

_record_class: type[logging.LogRecord] = logging.LogRecord  # what makeRecord instantiates
_new = object.__new__
_get_level_name = logging.getLevelName
_get_ident = threading.get_ident
_current_thread = threading.current_thread
# What getLevelName, current_thread().name and current_process().name read, read directly:
# their three Python calls and two property frames are ~0.6 us of a record (timeit). A name
# these would compute another way (an unknown level, a thread threading does not know, a
# class overriding the ``name`` property) takes the call.
_level_names: dict[int, str] = getattr(logging, "_levelToName", None) or {}
_threads: dict[int, threading.Thread] = getattr(threading, "_active", None) or {}
_THREAD_NAME = threading.Thread.name
_modules = sys.modules
# The process start LogRecord measures relativeCreated from: private, so read once with a
# default; _check_records() compares relativeCreated with a real record's.
_START: Any = getattr(logging, "_startTime", None)
_NS_CLOCK = isinstance(_START, int)  # 3.13+: records take their times from time.time_ns()
_TASK_NAME = hasattr(logging, "logAsyncioTasks")  # 3.12+: records carry taskName
_time = time.time_ns if _NS_CLOCK else time.time
_pid = os.getpid()
# extra= keys makeRecord refuses: the record's own attributes, "message" and "asctime".
_RESERVED = frozenset(INIT_ATTRS) | FORMATTING_ATTRS


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


_process_name_property: Any = None  # multiprocessing's BaseProcess.name, once imported


def _process_name() -> str:
    """``multiprocessing.current_process().name``, as ``LogRecord`` reads it (its ``_name``
    read directly when its class keeps ``BaseProcess.name``)."""
    global _process_name_property
    mpp = _modules.get("multiprocessing.process")
    process = getattr(mpp, "_current_process", None)
    if _process_name_property is None:
        _process_name_property = getattr(getattr(mpp, "BaseProcess", None), "name", None)
    if (
        _process_name_property is not None
        and getattr(process.__class__, "name", None) is _process_name_property
    ):
        return process._name  # type: ignore[no-any-return,union-attr]
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


def _level_method(level: int, name: str, own_frames: int) -> Callable[..., None]:
    """``logging.Logger.<name>`` for ``level``, keywords by name, sampling first.

    ``own_frames``: how many frames of ours ``findCaller`` must be told to step over (its
    ``stacklevel``), found by ``_specialise()`` on this Python.
    """

    def log_at_level(
        self: logging.Logger,
        msg: object,
        *args: object,
        exc_info: Any = None,
        extra: Mapping[str, object] | None = None,
        stack_info: bool = False,
        stacklevel: int = 1,
    ) -> None:
        if not self.isEnabledFor(level):
            return
        filters = self.filters
        # A first filter that can decide before the record exists (SamplingFilter): first,
        # so no filter that could change the record runs before it.
        if filters and not self.disabled:  # a disabled logger filters nothing
            first = filters[0]
            sample_call = getattr(type(first), "sample_call", None)  # no bound method
            if sample_call is not None:
                fields = sample_call(first, level, self.name, extra)
                if fields is False:
                    return
                extra = fields
        _stdlib_log(self, level, msg, args, exc_info, extra, stack_info, stacklevel + own_frames)

    log_at_level.__name__, log_at_level.__qualname__ = name, f"Logger.{name}"
    log_at_level.__doc__ = f"``logging.Logger.{name}``: log ``msg % args`` at {name.upper()}."
    return log_at_level


class Logger(logging.Logger):
    """A ``logging.Logger`` that builds its records for less, and samples before building.

    Same records, same behaviour, lower cost (figures in docs/performance.md):

    - ``makeRecord`` builds the record ``logging.LogRecord`` would (checked against it at
      import; a custom ``setLogRecordFactory`` factory, or ``logging.logThreads`` and the
      like set to False, take the stdlib's path).
    - When the first filter has a ``sample_call`` method (``SamplingFilter``; first, so no
      filter that could change the record runs before it), the level methods ask it with
      the call's level, the logger name and ``extra``: a dropped call builds no record.
      ``log()`` and adapters decide on the record.

    What does not pass its check at import against this Python's ``logging.Logger`` is not
    used: the class then is ``logging.Logger``, slower but the same.

    Install it before the loggers are created (``getLogger`` keeps the class a logger
    was made with)::

        logging.setLoggerClass(ll.Logger)    # or ll.setup(..., logger_class=True)
    """


def _make_record(
    self: logging.Logger,
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

    ``record_factory`` (the stock factory's record, for less) with ``extra`` added, as
    ``makeRecord`` adds it; another record factory, or an ``extra`` key makeRecord
    refuses, takes ``logging.Logger.makeRecord``.
    """
    factory = logging.getLogRecordFactory()
    if (factory is not logging.LogRecord and factory is not record_factory) or (
        extra is not None and not _RESERVED.isdisjoint(extra)  # else the stdlib's KeyError
    ):
        return _stdlib_make_record(
            self, name, level, fn, lno, msg, args, exc_info, func, extra, sinfo
        )
    record = record_factory(name, level, fn, lno, msg, args, exc_info, func, sinfo)
    if extra is not None:
        record.__dict__.update(extra)
    return record


# Complexity D: LogRecord.__init__'s steps in one frame (a call less per record), one test
# per stdlib setting that sends it to LogRecord itself (checked against one at import).
def record_factory(
    name: str,
    level: int,
    pathname: str,
    lineno: int,
    msg: object,
    args: Any,
    exc_info: Any,
    func: str | None = None,
    sinfo: str | None = None,
    **kwargs: Any,
) -> logging.LogRecord:
    """The record ``logging.LogRecord(...)`` builds, built for less: a record factory.

    ``LogRecord.__init__``'s steps for this Python, inlined, with the file-name split
    cached per path, the pid per process, the level, thread and process names read where
    ``getLevelName``/``current_thread()``/``current_process()`` read them, no ABC check for
    an int or str argument and no exception for "no running task"; ``LogRecord``'s
    signature. A setting it does not
    cover (``logging.logThreads`` and the like set to False), or a failed check at import,
    takes ``logging.LogRecord``. Installed with :func:`install_record_factory`;
    ``Logger.makeRecord`` calls it directly.
    """
    if not (
        _fast_records
        and logging.logThreads
        and logging.logProcesses
        and logging.logMultiprocessing
        and (not _TASK_NAME or logging.logAsyncioTasks)  # type: ignore[attr-defined]
    ):
        return logging.LogRecord(
            name, level, pathname, lineno, msg, args, exc_info, func, sinfo, **kwargs
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
        filename, module = _split_cache[pathname]
    except (KeyError, TypeError):
        filename, module = _split_path(pathname)
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
    record.levelname = _level_names.get(level) or _get_level_name(level)
    record.levelno = level
    record.pathname = pathname
    record.filename = filename
    record.module = module
    record.exc_info = exc_info
    record.exc_text = None
    record.stack_info = sinfo
    record.lineno = lineno
    record.funcName = func  # type: ignore[assignment]  # None, as LogRecord allows
    record.created = created
    record.msecs = msecs
    record.relativeCreated = relative
    record.thread = ident = _get_ident()
    thread = _threads.get(ident)
    if thread is not None and thread.__class__.name is _THREAD_NAME:
        record.threadName = thread._name  # type: ignore[attr-defined]
    else:
        record.threadName = _current_thread().name
    # the calls only when multiprocessing / asyncio are imported, as LogRecord does
    record.processName = "MainProcess" if "multiprocessing" not in _modules else _process_name()
    record.process = _pid
    if _TASK_NAME:
        record.taskName = None if "asyncio" not in _modules else _task_name()
    return record


def install_record_factory() -> bool:
    """Make ``record_factory`` logging's record factory, unless someone chose another.

    Every logger's ``makeRecord`` (plain ``logging.Logger``s included, whenever they were
    created) then builds the same records for ~45% less (docs/performance.md). Process-wide
    (``logging.setLogRecordFactory``): a factory set by someone else is never replaced, and
    on a Python where the import-time check fails the stock ``LogRecord`` stays. Returns
    whether ``record_factory`` is the factory now.
    """
    current = logging.getLogRecordFactory()
    if current is logging.LogRecord and _fast_records:
        logging.setLogRecordFactory(record_factory)
        return True
    return current is record_factory


def _check_records() -> bool:
    """Whether Logger.makeRecord matches this Python's LogRecord (else it is not used).

    Compared on a throwaway subclass: a LogRecord created here would set the keys all
    LogRecord instances share (CPython's key-sharing dicts), and a process whose records
    then add their extras in another order gets full-size dicts (~1.2 KB and ~1.4 us more
    per queued record, measured).
    """
    if not isinstance(_START, (int, float)):
        return False

    class Probe(logging.LogRecord):
        pass

    call = ("x", logging.INFO, __file__, 1, "m %s", (1,), None, "f", None)
    global _record_class, _fast_records
    # record_factory builds a Probe: same attributes, no shared keys touched
    _record_class, _fast_records = Probe, True
    try:
        ours = record_factory(*call).__dict__
    finally:
        _record_class, _fast_records = logging.LogRecord, False
    theirs = Probe(*call).__dict__
    timed = {"created", "msecs", "relativeCreated"}
    # created - relativeCreated is the start time both measure from (to float rounding).
    start_ours = ours["created"] * 1000 - ours["relativeCreated"]
    start_theirs = theirs["created"] * 1000 - theirs["relativeCreated"]
    return (
        list(ours) == list(theirs)
        and all(ours[key] == theirs[key] for key in theirs if key not in timed)
        and abs(start_ours - start_theirs) < 1.0
    )


class _Seen(Exception):  # noqa: N818 - not an error: the probe's way out of _log
    """Raised by the probes' makeRecord with what ``_log`` found: no record is built."""


def _seen(self: logging.Logger, *args: Any) -> logging.LogRecord:
    raise _Seen(args)


def _always(self: logging.Logger, level: int) -> bool:
    return True  # logging.disable() or a level must not keep the probe from running


def _probe_call(log: logging.Logger, method: str, stacklevel: int) -> tuple[Any, ...]:
    """What ``log.<method>`` hands makeRecord, called from this line for either class."""
    try:
        if method == "log":
            log.log(INFO, "probe %s", 1, stack_info=True, stacklevel=stacklevel)
        else:
            getattr(log, method)("probe %s", 1, stack_info=True, stacklevel=stacklevel)
    except _Seen as seen:
        return tuple(seen.args[0])
    return ()


def _same_callers() -> bool:
    """Whether Logger's level methods name the caller and stack that logging.Logger's do.

    Both are probed from the same lines, through every way in that reaches ``_log`` (the
    level methods, ``log``, ``exception``), at stack levels 1 to 3 and one deeper than any
    stack; makeRecord is replaced by one that raises what ``findCaller`` found.
    """
    ours = type("_ProbeOurs", (Logger,), {"makeRecord": _seen, "isEnabledFor": _always})
    stdlib = type("_ProbeStdlib", (logging.Logger,), {"makeRecord": _seen, "isEnabledFor": _always})
    methods = [*_LEVEL_METHODS, "log", "exception"]
    for stacklevel in (1, 2, 3, 10_000):
        for method in methods:
            seen = [_probe_call(cls("probe"), method, stacklevel) for cls in (ours, stdlib)]
            if not seen[0] or seen[0] != seen[1]:
                return False
    return True


def _specialise() -> tuple[bool, bool]:
    """Give Logger the methods that pass their check on this Python; the others are the
    stdlib's. Returns (fast records, fast level methods)."""
    global _fast_records, _fast_calls
    for name in ("makeRecord", *_LEVEL_METHODS):
        if name in Logger.__dict__:
            delattr(Logger, name)
    Logger.makeRecord = _make_record  # type: ignore[method-assign]
    _fast_records = _check_records()
    if not _fast_records:
        del Logger.makeRecord
    # Our level method is one frame where logging's is one: findCaller steps over it
    # by itself (3.10 counts frames from _log) or must be told to (3.11+ skips logging's).
    _fast_calls = False
    for own_frames in (1, 0):
        for name, level in _LEVEL_METHODS.items():
            setattr(Logger, name, _level_method(level, name, own_frames))
        if _same_callers():
            _fast_calls = True
            break
    else:
        for name in _LEVEL_METHODS:
            delattr(Logger, name)
    return _fast_records, _fast_calls


_fast_records = False
_fast_calls = False
_specialise()
