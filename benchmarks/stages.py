"""Where a record's CPU goes, stage by stage, on the plain-``logging.Logger`` path (issue 20).

The path is ``benchmarks/run.py``'s ``lite-plain`` row: a plain ``logging.Logger`` ->
``AsyncQueueHandler`` -> ``BatchingQueueListener`` -> ``BatchFileHandler`` with
``JsonFormatter``, context bound, one extra per call. Each stage runs alone, in-process,
on records made in advance, and the stages that cannot be run alone are differences::

    python benchmarks/stages.py                     # thread CPU ns per record, median of 7
    python benchmarks/stages.py --callgrind         # instructions per record (valgrind)

``--callgrind`` runs the stages under ``valgrind --tool=callgrind`` and reports instructions
per record: noise-free, unlike times on a shared machine (but blind to system calls, cache
misses and the second thread, so ``live`` is left out).
``live`` is the whole pipeline with its listener thread (process CPU of both threads, so it
includes the hand-offs between them); ``live - (info-queued + drain)`` is what running the
two sides at once adds: listener wake-ups, GIL hand-offs, smaller batches.
"""

from __future__ import annotations

import argparse
import functools
import gc
import logging
import os
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from typing import Any

import lite_logging as ll
from lite_logging.formats._encoding import format_timestamp
from lite_logging.pipeline.listener import BatchingQueueListener
from lite_logging.record import ids as ids_module
from lite_logging.record.ids import new_event_id
from lite_logging.record.stamping import stamp_record

MESSAGE = "user %s logged in"
PATH = "/api/items"
Stage = Callable[[int], Callable[[], Any]]  # setup(n) -> run() doing n operations
STAGES: dict[str, Stage] = {}
WORKDIR = ""  # a temporary folder for the files written, set (and removed) by main()


def stage(fn: Stage) -> Stage:
    """Register a stage under its function name (``_`` read as ``-``)."""
    STAGES[fn.__name__.replace("_", "-")] = fn
    return fn


def _logger(handler: logging.Handler | None) -> logging.Logger:
    logger = logging.getLogger("bench.app")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.INFO)
    if handler is not None:
        logger.addHandler(handler)
    ll.bind(request_id="req-1", tenant="acme")
    return logger


def _records(n: int, *, stamped: bool = False, prepared: bool = False) -> list[logging.LogRecord]:
    """``n`` records as the workload's call makes them (optionally stamped or prepared)."""
    logger = _logger(None)
    handler = ll.AsyncQueueHandler(queue.SimpleQueue(), maxsize=0)
    out = []
    for i in range(n):
        record = logger.makeRecord(
            logger.name, logging.INFO, __file__, 1, MESSAGE, (i,), None, "f",
            {"user_id": i, "path": PATH},
        )  # fmt: skip
        if stamped or prepared:
            stamp_record(record)
        out.append(handler.prepare(record) if prepared else record)
    return out


class _Null(logging.Handler):
    def handle(self, record: logging.LogRecord) -> bool:
        return True

    def emit(self, record: logging.LogRecord) -> None:
        """Nothing."""


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


def _calls(f: Callable[..., Any], n: int) -> Callable[[], None]:
    """A run of ``n`` calls of ``f`` as the workload calls ``logger.info``."""

    def run() -> None:
        for i in range(n):
            f(MESSAGE, i, extra={"user_id": i, "path": PATH})

    return run


def _each(f: Callable[[Any], Any], items: list[Any]) -> Callable[[], None]:
    """A run of ``f(item)`` for every item."""

    def run() -> None:
        for item in items:
            f(item)

    return run


def _makes(logger: logging.Logger, n: int) -> Callable[[], None]:
    """A run of ``n`` ``logger.makeRecord`` calls with the workload's arguments."""

    def run() -> None:
        make = logger.makeRecord
        for i in range(n):
            make(logger.name, 20, __file__, 1, MESSAGE, (i,), None, "f",
                 {"user_id": i, "path": PATH})  # fmt: skip

    return run


@stage
def call(n: int) -> Callable[[], Any]:
    """The loop and an empty function called with the workload's arguments."""
    return _calls(_noop, n)


@stage
def findcaller(n: int) -> Callable[[], Any]:
    """``Logger.findCaller`` (the stack walk), as ``_log`` calls it."""
    find = _logger(None).findCaller

    def run() -> None:
        for _ in range(n):
            find(False, 1)

    return run


@stage
def makerecord(n: int) -> Callable[[], Any]:
    """``Logger.makeRecord``: the ``LogRecord``."""
    return _makes(_logger(None), n)


@stage
def info_null(n: int) -> Callable[[], Any]:
    """``logger.info`` to a handler whose ``handle`` does nothing: logging's own path."""
    return _calls(_logger(_Null()).info, n)


@stage
def event_id(n: int) -> Callable[[], Any]:
    """``new_event_id()``: the UUIDv7 text."""

    def run() -> None:
        f = new_event_id
        for _ in range(n):
            f()

    return run


@stage
def stamp(n: int) -> Callable[[], Any]:
    """``stamp_record``: event id, context, trace ids."""
    return _each(stamp_record, _records(n))


@stage
def copy(n: int) -> Callable[[], Any]:
    """The copy ``prepare`` makes: ``object.__new__`` and the record's dict copied."""
    records = _records(n, stamped=True)

    def run() -> None:
        new = object.__new__
        for r in records:
            c = new(r.__class__)
            c.__dict__ = r.__dict__.copy()

    return run


@stage
def render(n: int) -> Callable[[], Any]:
    """``msg % args``: the message rendered."""
    records = _records(n)

    def run() -> None:
        for r in records:
            r.msg % r.args

    return run


@stage
def put(n: int) -> Callable[[], Any]:
    """``SimpleQueue.put_nowait``: the enqueue itself."""
    return _each(queue.SimpleQueue().put_nowait, _records(n))


@stage
def handle(n: int) -> Callable[[], Any]:
    """``AsyncQueueHandler.handle`` on a fresh record: all of ours in the caller."""
    handler = ll.AsyncQueueHandler(queue.SimpleQueue(), maxsize=0)
    return _each(handler.handle, _records(n))


@stage
def info_queued(n: int) -> Callable[[], Any]:
    """``logger.info`` -> ``AsyncQueueHandler``, no listener running: the whole caller."""
    return _calls(_logger(ll.AsyncQueueHandler(queue.SimpleQueue(), maxsize=0)).info, n)


@stage
def makerecord_ll(n: int) -> Callable[[], Any]:
    """``ll.Logger.makeRecord``, for comparison: the record ``LogRecord`` builds, for less."""
    return _makes(ll.Logger("bench.ll"), n)


@stage
def info_queued_ll(n: int) -> Callable[[], Any]:
    """As ``info-queued`` on an ``ll.Logger``, for comparison (the ``lite`` rows' logger)."""
    logger = ll.Logger("bench.ll", logging.INFO)
    logger.propagate = False
    logger.addHandler(ll.AsyncQueueHandler(queue.SimpleQueue(), maxsize=0))
    ll.bind(request_id="req-1", tenant="acme")
    return _calls(logger.info, n)


def _with_factory(make: Stage) -> Stage:
    """``make``'s stage with ``ll.install_record_factory()``'s factory set while it runs."""

    def setup(n: int) -> Callable[[], Any]:
        run = make(n)

        def with_factory() -> None:
            previous = logging.getLogRecordFactory()
            ll.install_record_factory()
            try:
                run()
            finally:
                logging.setLogRecordFactory(previous)

        return with_factory

    return setup


@stage
def makerecord_factory(n: int) -> Callable[[], Any]:
    """``Logger.makeRecord`` with ``ll.install_record_factory()``: the plain logger's record."""
    return _with_factory(makerecord)(n)


@stage
def info_queued_factory(n: int) -> Callable[[], Any]:
    """As ``info-queued`` with ``ll.install_record_factory()`` (the plain logger's whole caller)."""
    return _with_factory(info_queued)(n)


@stage
def format(n: int) -> Callable[[], Any]:
    """``JsonFormatter.format`` on prepared records (one line each)."""
    return _each(ll.JsonFormatter().format, _records(n, prepared=True))


@stage
def fmt_fields(n: int) -> Callable[[], Any]:
    """``format`` without the encoding: the record's fields as a dict (``_log_data``)."""
    formatter = ll.JsonFormatter()
    return _each(lambda r: formatter._log_data(r, True), _records(n, prepared=True))


@stage
def fmt_encode(n: int) -> Callable[[], Any]:
    """``format``'s encoding alone (orjson, ``.decode()``, the NaN-as-null check)."""
    formatter = ll.JsonFormatter()
    return _each(formatter._encode, [formatter._log_data(r, True) for r in _records(n)])


@stage
def fmt_timestamp(n: int) -> Callable[[], Any]:
    """``format_timestamp``: the RFC 3339 text of ``created``."""
    return _each(format_timestamp, [r.created for r in _records(n)])


@stage
def fmt_layout(n: int) -> Callable[[], Any]:
    """The extras cache's key: ``tuple(record.__dict__)`` and its lookup."""
    formatter = ll.JsonFormatter()
    records = _records(n, prepared=True)
    formatter.format(records[0])
    cache = formatter._extras_by_keys
    return _each(lambda r: cache.get(tuple(r.__dict__)), records)


@stage
def write(n: int) -> Callable[[], Any]:
    """``BatchFileHandler`` writing formatted lines, 512 a ``write()`` as the listener does."""
    line = ll.JsonFormatter().format(_records(1, prepared=True)[0])
    target = ll.BatchFileHandler(os.path.join(WORKDIR, "write.jsonl"))
    chunks = [[line] * min(512, n - start) for start in range(0, n, 512)]
    return _each(lambda lines: target._write_lines(lines, None), chunks)


@stage
def drain(n: int) -> Callable[[], Any]:
    """The listener's loop over ``n`` queued prepared records: take, dispatch, format, write."""
    records = _records(n, prepared=True)
    q: queue.SimpleQueue[Any] = queue.SimpleQueue()
    target = ll.BatchFileHandler(os.path.join(WORKDIR, "drain.jsonl"))
    listener = BatchingQueueListener(q, target, respect_handler_level=True)

    def run() -> None:
        for r in records:
            q.put_nowait(r)
        q.put_nowait(None)
        listener._monitor()  # in this thread: CPU per record without a second thread

    return run


@stage
def live(n: int) -> Callable[[], Any]:
    """The ``lite-plain`` row: caller and listener thread at once, until flushed."""
    target = ll.BatchFileHandler(os.path.join(WORKDIR, "live.jsonl"))
    handler = ll.AsyncQueueHandler(handlers=[target], maxsize=10_000)
    calls = _calls(_logger(handler).info, n)

    def run() -> None:
        calls()
        handler.flush()

    return run


# Stages measured as differences: name -> (minuend, subtrahends).
DERIVED = {
    "logging's _log/handle/callHandlers": ("info-null", ("call", "findcaller", "makerecord")),
    "stamping without the event id (context, trace ids)": ("stamp", ("event-id",)),
    "handle: filter prelude, prepare/enqueue calls, counters": (
        "handle",
        ("stamp", "copy", "render", "put"),
    ),
    "listener: take, dispatch, level check, latency": ("drain", ("format", "write")),
    "running at once: wake-ups, GIL hand-offs, smaller batches": (
        "live",
        ("info-queued", "drain"),
    ),
}


def _time_stage(name: str, n: int, rounds: int) -> float:
    """Median CPU ns per record (``process_time`` for ``live``: both threads)."""
    clock = time.process_time_ns if name == "live" else time.thread_time_ns
    samples = []
    for _ in range(rounds):
        run = STAGES[name](n)
        STAGES[name](min(n, 500))()  # warm-up
        t0 = clock()
        run()
        samples.append((clock() - t0) / n)
    return statistics.median(samples)


def _callgrind(names: list[str], n: int) -> dict[str, float]:
    """Instructions per record of each stage, from one run under ``valgrind --tool=callgrind``.

    The inner run calls each stage inside ``functools.reduce``, a C function that callgrind
    is told to collect in and to dump after (``--toggle-collect``, ``--dump-after``): one
    dump per stage, setup, imports and warm-up left out. Only the calling thread is counted,
    so ``live`` (two threads) is left to the time mode.
    """
    out = os.path.join(WORKDIR, "cg.out")
    argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    argv += ["--toggle-collect=functools_reduce", "--dump-after=functools_reduce"]
    argv += [sys.executable, __file__, "--inside", ",".join(names), "--records", str(n)]
    env = dict(os.environ, PYTHONHASHSEED="0")  # the same dict probes in every run
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"valgrind failed: {done.stderr[-800:]}")
    values = {}
    for k, name in enumerate(names, 1):
        with open(f"{out}.{k}") as f:
            found = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.MULTILINE)
        values[name] = int(found.group(1)) / n if found else float("nan")
    return values


def _inside(names: list[str], n: int) -> None:
    """The run under callgrind: each stage once, inside ``functools.reduce``.

    The id clock reads a frozen ``time_ns``: under valgrind a millisecond holds a few ids
    only, so the per-millisecond step of ``new_event_id`` would count for far more than at
    full speed (and vary from run to run); frozen, it runs once per 4,096 ids.
    """
    frozen = time.time_ns()
    ids_module.time = types.SimpleNamespace(time_ns=lambda: frozen)  # type: ignore[assignment]
    for name in names:
        STAGES[name](min(n, 500))()  # warm-up, not collected
        run = STAGES[name](n)
        gc.collect()  # what earlier stages left does not weigh on this one's collections
        functools.reduce(lambda _a, _b: run(), [0], 0)


def main() -> int:
    """Measure in a temporary folder that is removed afterwards."""
    global WORKDIR
    with tempfile.TemporaryDirectory(prefix="ll-stages-") as WORKDIR:
        try:
            return _main()
        finally:
            ll.shutdown()  # close the files before the folder goes


def _main() -> int:
    """Measure every stage (or those named) and print the split."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--callgrind", action="store_true", help="instructions, not time")
    parser.add_argument("--stages", help="comma-separated stage names (default: all)")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        _inside(args.inside.split(","), args.records)
        return 0
    names = args.stages.split(",") if args.stages else list(STAGES)
    unit = "instructions" if args.callgrind else "CPU ns"
    values: dict[str, float] = {}
    if args.callgrind:
        names = [name for name in names if name != "live"]
        values = _callgrind(names, args.records)
    for name in names:
        if not args.callgrind:
            values[name] = _time_stage(name, args.records, args.rounds)
        doc = (STAGES[name].__doc__ or "").strip().splitlines()[0]
        print(f"{name:<12} {values[name]:>9.0f} {unit} per record  {doc}", flush=True)
    for label, (whole, parts) in DERIVED.items():
        if whole in values and all(p in values for p in parts):
            rest = values[whole] - sum(values[p] for p in parts)
            print(f"{'':<12} {rest:>9.0f} {unit} per record  = {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
