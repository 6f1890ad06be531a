"""Tests for lite_logging.record.logger: Logger, sampling before the record is built."""

from __future__ import annotations

import asyncio
import json
import logging
import logging.config
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import ListHandler

import lite_logging as ll

LEVELS = [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR]


@pytest.fixture
def built() -> Iterator[list[logging.LogRecord]]:
    """Every LogRecord built during the test (the record factory is put back after)."""
    records: list[logging.LogRecord] = []
    original = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(*args, **kwargs)
        records.append(record)
        return record

    logging.setLogRecordFactory(factory)
    yield records
    logging.setLogRecordFactory(original)


def _pair(name: str, *filters: Callable[[], Any]) -> tuple[logging.Logger, logging.Logger]:
    """An ll.Logger and a logging.Logger, each with its own ListHandler and fresh filters."""
    pair = []
    for cls in (ll.Logger, logging.Logger):
        log = cls(f"{name}.{cls.__module__}")
        log.setLevel(logging.DEBUG)
        log.addHandler(ListHandler())
        for make in filters:
            log.addFilter(make())
        pair.append(log)
    return pair[0], pair[1]


def _kept(log: logging.Logger) -> list[tuple[str, int, Any]]:
    handler = log.handlers[0]
    assert isinstance(handler, ListHandler)
    return [(r.getMessage(), r.levelno, r.__dict__.get("sample_rate")) for r in handler.records]


def _log_mixed(log: logging.Logger, n: int) -> None:
    for i in range(n):
        level = LEVELS[i % len(LEVELS)]
        if i % 7 == 0:
            log.log(level, "call %d", i, extra={"sample_rate": 0.9, "i": i})
        else:
            log.log(level, "call %d", i, extra={"i": i})


def _sampler_stats(log: logging.Logger) -> list[dict[str, Any]]:
    return [f.stats() for f in log.filters if isinstance(f, ll.SamplingFilter)]


class TestSameRecords:
    """ll.Logger keeps exactly the records a logging.Logger keeps."""

    def test_same_records_and_counts(self, empty_context: None) -> None:
        """Seeded alike, both keep the same calls with the same sample_rate and counts."""
        fast, plain = _pair("tests.logger.same", lambda: ll.SamplingFilter(rate=0.2, seed=7))
        _log_mixed(fast, 2000)
        _log_mixed(plain, 2000)
        assert _kept(plain) == _kept(fast)
        assert _sampler_stats(plain) == _sampler_stats(fast)
        assert 0 < len(_kept(fast)) < 2000

    def test_same_inside_a_span(self, empty_context: None) -> None:
        """Inside spans the decision follows the trace id, as on the record."""
        fast, plain = _pair("tests.logger.span", lambda: ll.SamplingFilter(rate=0.5))
        for i in range(200):
            with ll.span(f"op{i}"):
                fast.info("in span %d", i)
                plain.info("in span %d", i)
        assert _kept(plain) == _kept(fast)
        assert 0 < len(_kept(fast)) < 200

    def test_several_samplers(self, empty_context: None) -> None:
        """Two leading SamplingFilters: the first to keep decides, as on the record."""
        fast, plain = _pair(
            "tests.logger.two",
            lambda: ll.SamplingFilter(rate=1.0, rates={"tests.*": 0.5}, seed=1),
            lambda: ll.SamplingFilter(rate=0.3, seed=2),
        )
        _log_mixed(fast, 1000)
        _log_mixed(plain, 1000)
        assert _kept(plain) == _kept(fast)
        assert _sampler_stats(plain) == _sampler_stats(fast)

    def test_filter_before_sampler_runs_first(self, empty_context: None) -> None:
        """A filter ahead of the sampler still sees (and may change) the record first."""

        def to_error(record: logging.LogRecord) -> bool:
            record.levelno, record.levelname = logging.ERROR, "ERROR"
            return True

        fast, plain = _pair(
            "tests.logger.order", lambda: ll.TransformFilter(to_error), ll.SamplingFilter
        )
        fast.filters[1].rate = plain.filters[1].rate = 0.0
        for i in range(50):
            fast.info("raised %d", i)
            plain.info("raised %d", i)
        assert 50 == len(_kept(plain))  # ERROR is always kept (keep_level)
        assert _kept(plain) == _kept(fast)

    def test_subclass_overriding_filter_decides_on_the_record(self) -> None:
        """A SamplingFilter subclass with its own filter() sees every record."""
        seen: list[str] = []

        class Watching(ll.SamplingFilter):
            def filter(self, record: logging.LogRecord) -> bool:
                seen.append(record.getMessage())
                return super().filter(record)

        log = ll.Logger("tests.logger.subclass")
        log.addHandler(ListHandler())
        log.addFilter(Watching(rate=0.0))
        log.warning("one")
        log.warning("two")
        assert ["one", "two"] == seen
        assert [] == _kept(log)

    def test_disabled_logger_counts_nothing(self) -> None:
        """A disabled logger filters nothing, so its sampler counts nothing."""
        log = ll.Logger("tests.logger.disabled")
        sampler = ll.SamplingFilter(rate=0.5)
        log.addFilter(sampler)
        log.disabled = True
        for i in range(20):
            log.warning("dropped %d", i)
        assert {"kept": 0, "sampled_out": 0} == sampler.stats()


class TestNoRecordBuilt:
    """A call the sampler drops costs no LogRecord."""

    def test_dropped_call_builds_no_record(self, built: list[logging.LogRecord]) -> None:
        """Rate 0: the plain logger builds a record per call, ll.Logger none."""
        fast, plain = _pair("tests.logger.drop", lambda: ll.SamplingFilter(rate=0.0))
        for i in range(10):
            plain.info("plain %d", i)
        assert 10 == len(built)
        for i in range(10):
            fast.info("fast %d", i)
        assert 10 == len(built)
        assert [] == _kept(fast) == _kept(plain)

    def test_removing_the_sampler_logs_everything(self, built: list[logging.LogRecord]) -> None:
        """After removeFilter every call is logged again."""
        log = ll.Logger("tests.logger.remove")
        log.addHandler(ListHandler())
        sampler = ll.SamplingFilter(rate=0.0)
        log.addFilter(sampler)
        log.info("dropped")
        log.removeFilter(sampler)
        log.info("kept")
        assert ["kept"] == [m for m, _, _ in _kept(log)]
        assert 1 == len(built)

    def test_filters_list_changed_directly(self) -> None:
        """A filters list changed in place, not through addFilter, is applied exactly."""
        log = ll.Logger("tests.logger.direct")
        log.addHandler(ListHandler())
        log.addFilter(ll.SamplingFilter(rate=0.0))
        log.filters[:] = [ll.SamplingFilter(rate=1.0)]
        log.info("kept")
        log.filters.clear()
        log.info("also kept")
        assert ["kept", "also kept"] == [m for m, _, _ in _kept(log)]

    def test_dict_config(self, restore_logging: None, built: list[logging.LogRecord]) -> None:
        """With setLoggerClass, a SamplingFilter added by dictConfig drops before the record."""
        handler = ListHandler()
        previous = logging.getLoggerClass()
        logging.setLoggerClass(ll.Logger)
        try:
            logging.config.dictConfig(
                {
                    "version": 1,
                    "disable_existing_loggers": False,
                    "filters": {"sample": {"()": "lite_logging.SamplingFilter", "rate": 0.0}},
                    "handlers": {"list": {"()": lambda: handler}},
                    "loggers": {
                        "tests.logger.dictconfig": {
                            "level": "DEBUG",
                            "filters": ["sample"],
                            "handlers": ["list"],
                            "propagate": False,
                        }
                    },
                }
            )
        finally:
            logging.setLoggerClass(previous)
        log = logging.getLogger("tests.logger.dictconfig")
        assert isinstance(log, ll.Logger)
        log.info("dropped")
        log.error("kept: ERROR is always kept")
        assert ["kept: ERROR is always kept"] == handler.messages
        assert 1 == len(built)


class TestRecordContents:
    """A kept record is the one logging.Logger would have built."""

    def _caller_line(self, log: logging.Logger) -> tuple[int, logging.LogRecord]:
        line = sys._getframe().f_lineno + 1
        log.warning("here", stack_info=True)
        handler = log.handlers[0]
        assert isinstance(handler, ListHandler)
        return line, handler.records[-1]

    def test_source_is_the_caller(self) -> None:
        """pathname, lineno, funcName and stack_info name the caller, not ll.Logger."""
        log = ll.Logger("tests.logger.source")
        log.addHandler(ListHandler())
        log.addFilter(ll.SamplingFilter(rate=1.0))
        line, record = self._caller_line(log)
        assert (__file__, line, "_caller_line") == (
            record.pathname,
            record.lineno,
            record.funcName,
        )
        assert record.stack_info is not None
        assert "lite_logging" not in record.stack_info.splitlines()[-1]

    def test_stacklevel(self) -> None:
        """stacklevel=2 names the helper's caller, as on logging.Logger."""
        fast, plain = _pair("tests.logger.stacklevel", lambda: ll.SamplingFilter(rate=1.0))

        def helper(log: logging.Logger) -> None:
            log.info("from helper", stacklevel=2)

        for log in (fast, plain):
            helper(log)
        [f], [p] = (log.handlers[0].records for log in (fast, plain))  # type: ignore[attr-defined]
        assert (p.pathname, p.lineno, p.funcName) == (f.pathname, f.lineno, f.funcName)
        assert "test_stacklevel" == f.funcName

    def test_extra_and_output(self) -> None:
        """The caller's extra is kept and unchanged; the JSON line shows no private keys."""
        log = ll.Logger("tests.logger.output")
        handler = ListHandler()
        log.addHandler(handler)
        log.addFilter(ll.SamplingFilter(rate=0.999999, seed=3))
        extra = {"user_id": 42}
        log.info("user %s", 42, extra=extra)
        assert {"user_id": 42} == extra
        line = json.loads(ll.JsonFormatter().format(handler.records[0]))
        assert (42, 0.999999) == (line["user_id"], line["sample_rate"])
        assert [] == [key for key in line if key.startswith("_")]

    def test_kept_record_not_counted_twice(self) -> None:
        """A record kept before it was built is not decided again by the same filter."""
        log = ll.Logger("tests.logger.once")
        sampler = ll.SamplingFilter(rate=1.0)
        log.addFilter(sampler)
        log.addHandler(ListHandler())
        for i in range(5):
            log.info("n %d", i)
        log.error("an error")
        assert {"kept": 6, "sampled_out": 0} == sampler.stats()


TIMED = ("created", "msecs", "relativeCreated")


def _untimed(record: logging.LogRecord) -> list[tuple[str, Any]]:
    """The record's attributes in order, times left out (they differ between two calls)."""
    return [(k, v) for k, v in record.__dict__.items() if k not in TIMED]


def _both(**kwargs: Any) -> tuple[logging.LogRecord, logging.LogRecord]:
    """The record ll.Logger.makeRecord builds and the one logging.Logger.makeRecord builds."""
    call: dict[str, Any] = {
        "name": "tests.logger.make",
        "level": logging.WARNING,
        "fn": __file__,
        "lno": 12,
        "msg": "user %s",
        "args": (1,),
        "exc_info": None,
        "func": "handler",
        "extra": None,
        "sinfo": None,
    }
    call.update(kwargs)
    fast = ll.Logger("tests.logger.make").makeRecord(**call)
    plain = logging.Logger("tests.logger.make").makeRecord(**call)
    return fast, plain


def _logged(log: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
    """Log through ``log`` from this one line, so both classes see the same caller."""
    handler = ListHandler()
    log.addHandler(handler)
    log.info(*args, **kwargs)
    log.removeHandler(handler)
    return handler.records[-1]


class TestMakeRecord:
    """ll.Logger.makeRecord builds the record logging.Logger.makeRecord builds."""

    @pytest.mark.parametrize(
        "args",
        [(), (1,), ("s",), (1, "two"), ({"a": 1},), ({},), ([1],), (None,)],
        ids=["none", "int", "str", "two", "mapping", "empty-mapping", "list", "None"],
    )
    def test_same_attributes_in_the_same_order(self, args: tuple[Any, ...]) -> None:
        """Every attribute but the times is equal, and the order of attributes is too."""
        fast, plain = _both(args=args)
        assert _untimed(plain) == _untimed(fast)
        assert logging.LogRecord is type(fast)

    def test_extra_exception_stack_and_odd_paths(self) -> None:
        """extra, exc_info, stack text and paths without a directory or suffix match too."""
        try:
            raise ValueError("boom")
        except ValueError:
            exc = sys.exc_info()
        for fn in (__file__, "plain", "", "/a/b.c/d"):
            fast, plain = _both(fn=fn, exc_info=exc, extra={"user": 7}, sinfo="Stack...")
            assert _untimed(plain) == _untimed(fast)

    def test_times_follow_the_stdlib_formulas(self) -> None:
        """created, msecs and relativeCreated agree with each other as LogRecord's do."""
        fast, plain = _both()
        assert abs(plain.created - fast.created) < 1.0
        assert float(int((fast.created - int(fast.created)) * 1000)) == pytest.approx(
            fast.msecs, abs=1.0
        )
        assert fast.msecs == float(int(fast.msecs))
        start = logging._startTime  # type: ignore[attr-defined]
        start_s = start / 1e9 if isinstance(start, int) else start
        assert (fast.created - start_s) * 1000 == pytest.approx(fast.relativeCreated, abs=1.0)

    def test_extra_clash_raises_as_stdlib(self) -> None:
        """An extra key naming a record attribute raises logging's KeyError."""
        for key in ("message", "asctime", "lineno"):
            with pytest.raises(KeyError) as fast:
                _both(extra={"ok": 1, key: 2})
            with pytest.raises(KeyError) as plain:
                logging.Logger("x").makeRecord("x", 20, "f", 1, "m", (), None, None, {key: 2})
            assert str(plain.value) == str(fast.value)

    def test_custom_record_factory_is_used(self) -> None:
        """A factory set with setLogRecordFactory builds ll.Logger's records too."""

        class Mine(logging.LogRecord):
            pass

        original = logging.getLogRecordFactory()
        logging.setLogRecordFactory(Mine)
        try:
            fast, plain = _both(extra={"k": 1})
        finally:
            logging.setLogRecordFactory(original)
        assert (Mine, Mine) == (type(plain), type(fast))
        assert _untimed(plain) == _untimed(fast)

    def test_switched_off_fields(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """logging.logThreads / logProcesses / logMultiprocessing = False are honoured."""
        for flag in ("logThreads", "logProcesses", "logMultiprocessing"):
            monkeypatch.setattr(logging, flag, False)
        fast, plain = _both()
        assert _untimed(plain) == _untimed(fast)
        assert (None, None) == (fast.threadName, fast.process)

    @pytest.mark.native("threads")
    def test_thread_name(self) -> None:
        """A record made in another thread names that thread."""
        out: list[logging.LogRecord] = []
        worker = threading.Thread(target=lambda: out.extend(_both()), name="worker-7")
        worker.start()
        worker.join()
        assert ["worker-7", "worker-7"] == [r.threadName for r in out]
        assert _untimed(out[1]) == _untimed(out[0])

    @pytest.mark.skipif(sys.version_info < (3, 12), reason="taskName is 3.12+")
    def test_task_name(self) -> None:
        """Inside an asyncio task the record carries the task's name, outside None
        (or the outer task's: Pyodide runs pytest itself in one)."""

        async def main() -> tuple[logging.LogRecord, logging.LogRecord]:
            return _both()

        async def outer() -> tuple[logging.LogRecord, logging.LogRecord]:
            return await asyncio.create_task(main(), name="job-3")

        fast, plain = asyncio.run(outer())
        assert ("job-3", "job-3") == (fast.taskName, plain.taskName)  # type: ignore[attr-defined]
        try:  # in Pyodide, pytest itself runs in a task of the page's event loop
            here = asyncio.current_task()
        except RuntimeError:  # no event loop runs in this thread
            here = None
        name = None if here is None else here.get_name()
        fast, plain = _both()
        assert (name, name) == (fast.taskName, plain.taskName)  # type: ignore[attr-defined]

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
    @pytest.mark.native("os.fork")
    def test_process_after_fork(self) -> None:
        """A record made in a forked child carries the child's pid."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                fast, plain = _both()
                ok = fast.process == os.getpid() == plain.process
                os.write(write, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.close(write)
        answer = os.read(read, 1)
        os.close(read)
        os.waitpid(pid, 0)
        assert b"1" == answer


def _plain_both(*args: Any, **kwargs: Any) -> tuple[logging.LogRecord, logging.LogRecord]:
    """The record a plain logging.Logger's call builds with record_factory installed, and
    the one it builds with logging.LogRecord; both from the line in ``_logged``."""
    log = logging.Logger("tests.logger.factory")
    assert ll.install_record_factory()
    out = []
    for _ in range(2):  # one line for both: stack_info names it
        out.append(_logged(log, *args, **kwargs))
        logging.setLogRecordFactory(logging.LogRecord)
    return out[0], out[1]


def _raised() -> Any:
    try:
        raise ValueError("boom")
    except ValueError:
        return sys.exc_info()


class TestRecordFactory:
    """install_record_factory(): plain loggers build through record_factory, same records."""

    @pytest.mark.parametrize(
        ("args", "kwargs"),
        [
            (("plain",), {}),
            (("user %s of %s", 1, "two"), {}),
            (("%(a)s", {"a": 1}), {}),
            (("x %s", {}), {}),
            (("x %s", 0), {}),
            (("x %s", "s"), {}),
            (("with extra",), {"extra": {"user_id": 7, "path": "/a", "_private": 1}}),
            (("failed",), {"exc_info": True}),
            (("failed",), {"exc_info": _raised()}),
            (("stack",), {"stack_info": True}),
            (("deeper",), {"stacklevel": 2, "stack_info": True}),
            ((12345,), {}),
            ((None,), {}),
        ],
        ids=[
            "plain", "args", "args-dict", "empty-dict", "int", "str", "extra", "exc-info-true",
            "exc-info-tuple", "stack-info", "stacklevel", "int-msg", "None-msg",
        ],
    )  # fmt: skip
    def test_same_records(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Every attribute but the times equal, in the same order, of the same class."""
        fast, plain = _plain_both(*args, **kwargs)
        assert _untimed(plain) == _untimed(fast)
        assert (logging.LogRecord, logging.LogRecord) == (type(plain), type(fast))

    @pytest.mark.native("threads")
    def test_same_records_in_a_thread_and_a_task(self) -> None:
        """threadName and (3.12+) taskName name the thread and the task the call ran in."""
        out: list[logging.LogRecord] = []

        async def job() -> None:
            out.extend(_plain_both("in a task"))

        async def outer() -> None:
            await asyncio.create_task(job(), name="job-3")

        worker = threading.Thread(target=lambda: asyncio.run(outer()), name="worker-7")
        worker.start()
        worker.join()
        assert _untimed(out[1]) == _untimed(out[0])
        assert ["worker-7", "worker-7"] == [r.threadName for r in out]
        if sys.version_info >= (3, 12):
            assert ["job-3", "job-3"] == [r.taskName for r in out]  # type: ignore[attr-defined]

    @pytest.mark.native("threads")
    def test_names_read_as_logging_reads_them(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """threadName, processName and levelname as LogRecord finds them: a renamed thread
        and process, a Thread subclass whose ``name`` is its own property, a thread that
        threading did not start, a level named by addLevelName and one never named."""
        import _thread
        import multiprocessing

        from lite_logging.record.logger import record_factory

        class Named(threading.Thread):
            @property  # type: ignore[override]
            def name(self) -> str:
                return "from-the-property"

        monkeypatch.setattr(multiprocessing.current_process(), "name", "renamed-process")
        monkeypatch.setitem(logging._levelToName, 25, "NOTICE")  # what addLevelName sets
        out: list[tuple[logging.LogRecord, logging.LogRecord]] = []

        def log_all() -> None:
            for level in (25, 33, 20):
                call = ("n", level, __file__, 3, "m %s", (1,), None, "f", None)
                out.append((record_factory(*call), logging.LogRecord(*call)))

        def renamed() -> None:
            threading.current_thread().name = "renamed-thread"
            log_all()

        for thread in (threading.Thread(target=renamed), Named(target=log_all)):
            thread.start()
            thread.join()
        done = threading.Event()
        _thread.start_new_thread(lambda: (log_all(), done.set()), ())
        assert done.wait(10)
        for fast, plain in out:
            assert _untimed(plain) == _untimed(fast)
        names = [(r.threadName, r.processName, r.levelname) for r, _ in out]
        assert names[:4] == [
            ("renamed-thread", "renamed-process", "NOTICE"),
            ("renamed-thread", "renamed-process", "Level 33"),
            ("renamed-thread", "renamed-process", "INFO"),
            ("from-the-property", "renamed-process", "NOTICE"),
        ]
        assert names[6][0].startswith("Dummy-")

    def test_called_as_log_record(self) -> None:
        """Called directly, with LogRecord's keyword names, it builds LogRecord's record."""
        from lite_logging.record.logger import record_factory

        call = {"name": "n", "level": 20, "pathname": __file__, "lineno": 3, "msg": "m %s"}
        call.update(args=(1,), exc_info=None, func="f", sinfo=None, unknown="ignored")
        fast, plain = record_factory(**call), logging.LogRecord(**call)
        assert _untimed(plain) == _untimed(fast)

    def test_switched_off_fields(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """logging.logThreads / logProcesses / logMultiprocessing = False are honoured."""
        for flag in ("logThreads", "logProcesses", "logMultiprocessing"):
            monkeypatch.setattr(logging, flag, False)
        fast, plain = _plain_both("off")
        assert _untimed(plain) == _untimed(fast)
        assert (None, None) == (fast.threadName, fast.process)

    def test_extra_clash_raises_as_stdlib(self) -> None:
        """makeRecord's KeyError for an extra naming a record attribute, as without it."""
        log = logging.Logger("tests.logger.factory.clash")
        raised = []
        for install in (True, False):
            if install:
                ll.install_record_factory()
            with pytest.raises(KeyError) as caught:
                log.makeRecord("x", 20, "f", 1, "m", (), None, None, {"lineno": 2})
            logging.setLogRecordFactory(logging.LogRecord)
            raised.append(str(caught.value))
        assert raised[0] == raised[1]

    def test_ll_logger_builds_the_same_records_with_it(self) -> None:
        """With record_factory installed, ll.Logger's records are still LogRecord's."""
        assert ll.install_record_factory()
        fast, plain = _both(extra={"k": 1}, args=({"a": 1},))
        assert _untimed(plain) == _untimed(fast)

    def test_another_factory_is_kept(self) -> None:
        """A factory someone else set is never replaced: not by install_record_factory(),
        not by setup(); setup(record_factory=True) says so, naming it."""

        class Mine(logging.LogRecord):
            pass

        logging.setLogRecordFactory(Mine)
        assert not ll.install_record_factory()
        ll.setup("prod")
        assert Mine is logging.getLogRecordFactory()
        with pytest.raises(ValueError, match="another record factory is set") as caught:
            ll.setup("prod", record_factory=True)
        assert repr(Mine) in str(caught.value)
        assert Mine is logging.getLogRecordFactory()
        assert type(_logged(logging.Logger("tests.logger.mine"), "m")) is Mine

    def test_setup_installs_refuses_and_undoes(self) -> None:
        """setup() installs it when the factory is stock; record_factory=False leaves the
        stock factory and undoes an earlier setup()'s choice; True keeps it."""
        from lite_logging.record.logger import record_factory

        ll.setup("prod", record_factory=False)
        assert logging.LogRecord is logging.getLogRecordFactory()
        ll.setup("prod")
        assert record_factory is logging.getLogRecordFactory()
        ll.setup("prod", record_factory=True)
        assert record_factory is logging.getLogRecordFactory()
        ll.setup("prod", record_factory=False)
        assert logging.LogRecord is logging.getLogRecordFactory()
        with pytest.raises(ValueError, match='"record_factory" must be a bool: 1'):
            ll.setup("prod", record_factory=1)

    def test_isolated_restores_the_factory(self) -> None:
        """testing.isolated() puts back the factory installed in its block."""
        from lite_logging.testing import isolated

        before = logging.getLogRecordFactory()
        with isolated():
            assert ll.install_record_factory()
            assert before is not logging.getLogRecordFactory()
        assert before is logging.getLogRecordFactory()

    def test_failed_record_check_keeps_the_stock_factory(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A record check that fails: install_record_factory() leaves logging.LogRecord,
        and a record_factory installed before builds through logging.LogRecord itself."""
        from lite_logging.record import logger as module

        class Seen(logging.LogRecord):
            pass

        assert ll.install_record_factory()
        monkeypatch.setattr(module, "_check_records", lambda: False)
        try:
            assert (False, True) == module._specialise()
            with monkeypatch.context() as patched:
                patched.setattr(logging, "LogRecord", Seen)  # what the fallback calls
                assert type(_logged(logging.Logger("tests.logger.fallback"), "m")) is Seen
            logging.setLogRecordFactory(logging.LogRecord)
            assert not ll.install_record_factory()
            assert logging.LogRecord is logging.getLogRecordFactory()
        finally:
            monkeypatch.undo()
            module._specialise()
        assert ll.install_record_factory()

    @pytest.mark.native("a subprocess")
    def test_future_log_record(self) -> None:
        """A LogRecord with one attribute more: the check fails, the stock factory stays."""
        _run(
            f"""
            import logging
            exec({_FUTURE_RECORD!r}, namespace := {{}})
            logging.LogRecord.__init__ = namespace["__init__"]
            import lite_logging as ll
            assert not ll.install_record_factory()
            assert logging.getLogRecordFactory() is logging.LogRecord
            ll.setup("prod")
            assert logging.getLogRecordFactory() is logging.LogRecord
            seen = []
            log = logging.getLogger("x")
            log.addFilter(lambda record: seen.append(record.future) and False)
            log.warning("m")
            assert [1] == seen, seen
            ll.shutdown()
            """
        )


_FUTURE_FIND_CALLER = """
import logging

_find_caller = logging.Logger.findCaller


def findCaller(self, stack_info=False, stacklevel=1):  # a findCaller that ignores stacklevel
    return _find_caller(self, stack_info, 1)
"""

_FUTURE_RECORD = """
import logging

_init = logging.LogRecord.__init__


def __init__(self, *args, **kwargs):  # a LogRecord with one attribute more
    _init(self, *args, **kwargs)
    self.future = 1
"""


def _run(script: str) -> None:
    """Run ``script`` in a fresh interpreter (import caches are per process)."""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (0, "") == (result.returncode, result.stderr)


class TestSelfCheck:
    """What ll.Logger copies checks itself against this Python and falls back when it fails."""

    @pytest.fixture
    def respecialise(self) -> Iterator[Any]:
        """The logger module; its import-time choice is made again after the test."""
        from lite_logging.record import logger as module

        yield module
        module._specialise()

    def test_used_on_supported_pythons(self) -> None:
        """On CPython 3.10-3.13 both import-time checks pass."""
        from lite_logging.record import logger as module

        cpython = sys.implementation.name == "cpython"
        assert (cpython, cpython) == (module._fast_records, module._fast_calls)
        assert {"makeRecord", "debug", "info"} <= set(ll.Logger.__dict__)

    def test_failed_caller_check_gives_the_stdlib_methods(
        self, respecialise: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A caller check that fails leaves logging.Logger's level methods, same records."""
        monkeypatch.setattr(respecialise, "_same_callers", lambda: False)
        assert (True, False) == respecialise._specialise()
        assert logging.Logger.info is ll.Logger.info
        assert not {"debug", "info", "warning", "error", "critical"} & set(ll.Logger.__dict__)
        fast, plain = (
            _logged(cls("a"), "x %s", 1, stack_info=True) for cls in (ll.Logger, logging.Logger)
        )  # one line for both: the stack text names it
        assert _untimed(plain) == _untimed(fast)

    def test_failed_record_check_gives_the_stdlib_make_record(
        self, respecialise: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A record check that fails leaves logging.Logger.makeRecord, same records."""
        monkeypatch.setattr(respecialise, "_check_records", lambda: False)
        assert (False, True) == respecialise._specialise()
        assert logging.Logger.makeRecord is ll.Logger.makeRecord
        assert _untimed(_logged(logging.Logger("a"), "x")) == _untimed(_logged(ll.Logger("a"), "x"))

    def test_checks_are_made_again(self, respecialise: Any) -> None:
        """After a fallback, the next check puts the fast methods back."""
        assert (True, True) == respecialise._specialise()
        assert ll.Logger.info is not logging.Logger.info

    @pytest.mark.native("a subprocess")
    def test_future_find_caller(self) -> None:
        """A findCaller that works differently: ll.Logger names the caller logging.Logger names."""
        _run(
            f"""
            import logging
            exec(compile({_FUTURE_FIND_CALLER!r}, logging.__file__, "exec"), namespace := {{}})
            logging.Logger.findCaller = namespace["findCaller"]
            import lite_logging as ll
            from lite_logging.record import logger as module
            assert (True, False) == (module._fast_records, module._fast_calls)
            seen = []
            for cls in (ll.Logger, logging.Logger):
                log = cls("x")
                log.addFilter(lambda record: seen.append(record.lineno) and False)
                log.info("m")
            assert seen[0] == seen[1] == 12, seen  # the line of log.info
            """
        )

    @pytest.mark.native("a subprocess")
    def test_future_log_record(self) -> None:
        """A LogRecord with one attribute more: ll.Logger's records have it too."""
        _run(
            f"""
            import logging
            exec({_FUTURE_RECORD!r}, namespace := {{}})
            logging.LogRecord.__init__ = namespace["__init__"]
            import lite_logging as ll
            from lite_logging.record import logger as module
            assert (False, True) == (module._fast_records, module._fast_calls)
            seen = []
            log = ll.Logger("x")
            log.addFilter(lambda record: seen.append(record.future) and False)
            log.info("m")
            assert [1] == seen, seen
            """
        )


class TestSampleCall:
    """SamplingFilter.sample_call: the decision on a call before its record exists."""

    def test_drop(self) -> None:
        """Rate 0: False, counted as sampled out."""
        sampler = ll.SamplingFilter(rate=0.0)
        assert sampler.sample_call(logging.INFO, "a", None) is False
        assert {"kept": 0, "sampled_out": 1} == sampler.stats()

    def test_kept_without_a_draw_leaves_extra(self) -> None:
        """keep_level or rate 1: extra itself, for filter() to decide on the record."""
        extra = {"k": 1}
        assert ll.SamplingFilter(rate=0.0).sample_call(logging.ERROR, "a", extra) is extra
        assert ll.SamplingFilter(rate=1.0).sample_call(logging.INFO, "a", None) is None

    def test_subclass_overriding_filter_decides_on_the_record(self) -> None:
        """A subclass with its own filter(): extra back, nothing counted."""

        class Own(ll.SamplingFilter):
            def filter(self, record: logging.LogRecord) -> bool:
                return super().filter(record)

        sampler = Own(rate=0.0)
        assert sampler.sample_call(logging.INFO, "a", None) is None
        assert {"kept": 0, "sampled_out": 0} == sampler.stats()

    def test_kept_by_a_draw_marks_a_copy(self) -> None:
        """Kept by a draw: a copy with sample_rate that filter() lets pass without drawing."""
        sampler = ll.SamplingFilter(rate=0.5, seed=1)
        extra = {"k": 1}
        fields = None
        while not fields:
            fields = sampler.sample_call(logging.INFO, "a", extra)
        assert {"k": 1} == extra
        assert (1, 0.5) == (fields["k"], fields["sample_rate"])
        record = logging.makeLogRecord({**fields, "name": "a", "levelno": logging.INFO})
        kept = sampler.stats()["kept"]
        assert sampler.filter(record)
        assert kept == sampler.stats()["kept"]


class TestWholeCall:
    """logger.info on an ll.Logger hands the handlers the record logging.Logger would."""

    def test_same_record_through_info(self) -> None:
        """Same attributes, same caller, same extra, through the whole call."""
        fast = _logged(ll.Logger("tests.logger.call"), "n=%d", 5, extra={"k": [1]})
        plain = _logged(logging.Logger("tests.logger.call"), "n=%d", 5, extra={"k": [1]})
        assert _untimed(plain) == _untimed(fast)
        assert "_logged" == fast.funcName

    def test_exception_and_stack_info(self) -> None:
        """exc_info=True and an exception instance become the same exc_info tuple."""
        try:
            raise KeyError("k")
        except KeyError as error:
            for exc_info in (True, error):
                # one line for both: the stack text names it
                fast, plain = (
                    _logged(cls("a"), "x", exc_info=exc_info, stack_info=True)
                    for cls in (ll.Logger, logging.Logger)
                )
                assert _untimed(plain) == _untimed(fast)
                assert "test_exception_and_stack_info" in str(fast.stack_info)

    @pytest.mark.parametrize(
        "call",
        [
            lambda log, **kw: log.debug("m", **kw),
            lambda log, **kw: log.info("m", **kw),
            lambda log, **kw: log.warning("m", **kw),
            lambda log, **kw: log.error("m", **kw),
            lambda log, **kw: log.critical("m", **kw),
            lambda log, **kw: log.fatal("m", **kw),
            lambda log, **kw: log.exception("m", **kw),
            lambda log, **kw: log.log(logging.INFO, "m", **kw),
            lambda log, **kw: logging.LoggerAdapter(log, {}).info("m", **kw),
        ],
        ids=[
            "debug",
            "info",
            "warning",
            "error",
            "critical",
            "fatal",
            "exception",
            "log",
            "adapter",
        ],
    )
    @pytest.mark.parametrize("stacklevel", [1, 2, 3])
    def test_every_way_in_names_the_same_caller(
        self, call: Callable[..., None], stacklevel: int
    ) -> None:
        """Each level method, log(), exception() and an adapter: the same source and stack."""

        def helper(log: logging.Logger) -> None:
            call(log, stacklevel=stacklevel, stack_info=True)

        records = []
        for cls in (ll.Logger, logging.Logger):
            log = cls("tests.logger.ways")
            handler = ListHandler()
            log.addHandler(handler)
            helper(log)  # one line for both
            records.append(handler.records[-1])
        fast, plain = records
        assert (plain.pathname, plain.lineno, plain.funcName) == (
            fast.pathname,
            fast.lineno,
            fast.funcName,
        )
        assert plain.stack_info == fast.stack_info
        assert "logger.py" not in str(fast.stack_info).splitlines()[-1]

    def test_warn_names_the_caller(self) -> None:
        """The deprecated warn() still names its caller."""
        records = []
        for cls in (ll.Logger, logging.Logger):
            log = cls("tests.logger.warn")
            handler = ListHandler()
            log.addHandler(handler)
            with pytest.warns(DeprecationWarning, match="warn"):
                log.warn("m")  # one line for both
            records.append(handler.records[-1])
        assert (records[1].lineno, records[1].funcName) == (records[0].lineno, records[0].funcName)

    def test_srcfile_off(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With logging._srcfile = None no caller is looked up, as on logging.Logger."""
        monkeypatch.setattr(logging, "_srcfile", None)
        fast = _logged(ll.Logger("a"), "x")
        plain = _logged(logging.Logger("a"), "x")
        assert _untimed(plain) == _untimed(fast)
        assert "(unknown function)" == fast.funcName


class TestThroughThePipeline:
    """ll.Logger records through AsyncQueueHandler to a file, from many threads and tasks."""

    @pytest.mark.native("threads")
    def test_threads_every_record_once_with_its_thread(self, tmp_path: Any) -> None:
        """8 threads x 500 calls: every line parses, none lost or doubled, right thread."""
        path = tmp_path / "out.jsonl"
        target = ll.BatchFileHandler(str(path))
        handler = ll.AsyncQueueHandler(handlers=[target], maxsize=100)
        log = ll.Logger("tests.logger.threads")
        log.addHandler(handler)
        log.addFilter(ll.SamplingFilter(rate=0.5, seed=1))  # the early-sampling path too
        start = threading.Barrier(8)

        def work(n: int) -> None:
            start.wait()
            for i in range(500):
                log.warning("t%d n%d", n, i, extra={"i": i})
                log.error("t%d e%d", n, i)  # ERROR: always kept

        threads = [threading.Thread(target=work, args=(n,), name=f"w{n}") for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        handler.close()
        target.close()
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        kept_warnings = [x for x in lines if x["level"] == "WARNING"]
        errors = [x for x in lines if x["level"] == "ERROR"]
        assert 8 * 500 == len(errors)
        assert 1500 < len(kept_warnings) < 2500  # rate 0.5 of 4000 (> 30 sigma either way)
        assert len(lines) == len({x["event_id"] for x in lines})
        assert len(lines) == len({x["message"] for x in lines})
        assert all(0.5 == x["sample_rate"] for x in kept_warnings)

    @pytest.mark.native("threads")
    def test_thread_name_on_the_record(self) -> None:
        """threadName is the logging thread's, for records queued from many threads."""
        handler = ListHandler()
        log = ll.Logger("tests.logger.names")
        log.addHandler(handler)
        threads = [
            threading.Thread(target=log.info, args=("from %s", f"n{n}"), name=f"n{n}")
            for n in range(16)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(f"from {r.threadName}" for r in handler.records) == sorted(
            r.getMessage() for r in handler.records
        )
        assert 16 == len(handler.records)
