"""Fixtures and helpers shared by the test modules.

Every test runs inside ``lite_logging.testing.isolated()`` (autouse): handlers, levels and
filters of every logger, the logger class, signal handlers and running listeners are put
back afterwards, so no test leaks into another. Fixtures: ``logger`` (a private logger),
``pipeline`` (an AsyncQueueHandler factory on that logger), ``restore_logging`` (undo
dictConfig; kept for the tests that name it) and ``empty_context``. Helpers that are
plain objects, ``ListHandler`` (also a dictConfig ``"()"`` factory or a base class),
``import_script`` and the orjson helpers (``needs_orjson``, ``JSON_BACKENDS``), are imported
where needed with ``from conftest import ListHandler`` (pytest's default import mode puts
this directory on ``sys.path``).

Where no thread can start (Pyodide: tests/pyodide/ runs part of this suite on CPython 3.14 in
WebAssembly), tests marked ``native("what")`` skip, saying what they need, and hypothesis
runs at most ``PYODIDE_EXAMPLES`` examples per test, with no deadline (the interpreter is
several times slower there).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import pytest

import lite_logging as ll
from lite_logging import _threads
from lite_logging.formats._json_codec import HAS_ORJSON
from lite_logging.testing import isolated

# edn_format builds a ply lexer on every loads() and, unless python -O, logs its tables at
# INFO to this logger: records a test's pipeline would write to a console stream pytest has
# closed by then ("ValueError: I/O operation on closed file" in CI logs). dictConfig keeps a
# level it does not configure, as isolated() does.
logging.getLogger("edn_format.edn_lex").setLevel(logging.WARNING)

NO_THREADS = not _threads.threads_work()  # Pyodide

# orjson is optional (and no wheel of it is loaded in Pyodide): its cases skip, saying so.
needs_orjson = pytest.mark.skipif(not HAS_ORJSON, reason="orjson is not installed")
# JsonFormatter's encoders as a ``use_orjson`` parametrization: stdlib json, then orjson.
JSON_BACKENDS = [False, pytest.param(True, marks=needs_orjson)]
# The encoders a loop or a hypothesis strategy can use here.
AVAILABLE_BACKENDS = [False, True] if HAS_ORJSON else [False]


# Hypothesis examples per test, at most: 10 where no thread can start (Pyodide is several
# times slower than CPython); LITE_LOGGING_MAX_EXAMPLES when set (CI sets it on the
# interpreters after the first, which runs every property in full); else no cap.
PYODIDE_EXAMPLES = 10
_ASKED = int(os.environ.get("LITE_LOGGING_MAX_EXAMPLES", 0))
MAX_EXAMPLES = PYODIDE_EXAMPLES if NO_THREADS else _ASKED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without threads, skip the tests marked ``native``, naming what they need; cap the
    hypothesis examples of every test at ``MAX_EXAMPLES``, its own ``@settings`` too; run
    the ``heavy`` tests first."""
    for item in items:
        if NO_THREADS:
            mark = item.get_closest_marker("native")
            if mark is not None:
                reason = f"needs {mark.args[0]}, which Pyodide (WebAssembly) does not have"
                item.add_marker(pytest.mark.skip(reason=reason))
        if MAX_EXAMPLES:
            _cap_examples(item, MAX_EXAMPLES)
    # The load tests first (a stable sort: the rest keep their order): under pytest-xdist the
    # longest ones (the Pyodide run, minutes) then overlap the others instead of ending alone.
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown where xdist is not installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``-n`` distributes by work stealing, not xdist's default ``load``. ``load`` hands
    each of the 2 workers a fixed first eighth of the suite (~215 tests): the worker given
    the load tests, which come first, ran the Pyodide runs (minutes) and then ~200 more
    tests, while the other one could run out of work. Here a worker out of tests takes
    half of another's queue. ``--dist`` set to anything else is left alone."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)


def _cap_examples(item: pytest.Item, cap: int) -> None:
    """At most ``cap`` examples for a hypothesis test. An explicit ``@settings`` wins over
    the loaded profile, so its settings object (which ``@given``'s wrapper reads when the
    test runs; hypothesis has no public hook for this) is replaced by a capped child."""
    function = getattr(item, "function", None)
    current = getattr(function, "_hypothesis_internal_use_settings", None)
    if current is not None and current.max_examples > cap:
        from hypothesis import settings

        capped = settings(current, max_examples=cap)
        function._hypothesis_internal_use_settings = capped  # type: ignore[union-attr]


if NO_THREADS:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "pyodide",
        max_examples=PYODIDE_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
    )
    settings.load_profile("pyodide")


class ListHandler(logging.Handler):
    """Keeps every record it handles, and the names of the threads that handled them."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []
        self.threads: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.threads.add(threading.current_thread().name)

    @property
    def messages(self) -> list[str]:
        """The messages of the records kept, in order."""
        return [r.getMessage() for r in self.records]


def import_script(path: Path, name: str) -> ModuleType:
    """The script at ``path`` (a benchmark, not part of the package) imported as ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _isolated() -> Iterator[None]:
    """Every test leaves logging and lite_logging as it found them."""
    with isolated():
        yield


@pytest.fixture
def empty_context() -> Iterator[None]:
    """The test starts and ends with an empty ambient context."""
    ll.clear_context()
    yield
    ll.clear_context()


@pytest.fixture
def logger(request: pytest.FixtureRequest, empty_context: None) -> Iterator[logging.Logger]:
    """A private DEBUG logger that does not propagate, put back as it was afterwards.

    Named by the test module's ``LOGGER`` constant, else ``tests.<module>``. Handlers added
    by the test are removed and closed (a queue handler's listener drains), filters dropped.
    """
    name = getattr(request.module, "LOGGER", "tests." + request.module.__name__)
    log = logging.getLogger(name)
    saved = _state(log)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log
    _restore(log, saved)


@pytest.fixture
def pipeline(request: pytest.FixtureRequest, logger: logging.Logger) -> Any:
    """``pipeline(*targets, **options)``: an AsyncQueueHandler on ``logger``, of the test
    module's ``PIPELINE_CLASS`` when it names one (a subclass), else ``AsyncQueueHandler``."""
    cls = getattr(request.module, "PIPELINE_CLASS", ll.AsyncQueueHandler)

    def make(*targets: logging.Handler, **options: Any) -> ll.AsyncQueueHandler:
        handler = cls(handlers=list(targets), **options)
        logger.addHandler(handler)
        return handler

    return make


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Undo what ``logging.config.dictConfig`` (or a test) did to the logger tree.

    Every logger that existed before gets back its level, propagate flag, disabled flag,
    handlers and filters; a logger created during the test is reset to the defaults. A
    handler the test added is removed and closed. The logger class is put back.
    """
    before = {log: _state(log) for log in _loggers()}
    logger_class = logging.getLoggerClass()  # ll.setup() may set it
    yield
    logging.setLoggerClass(logger_class)
    for log in _loggers():
        _restore(log, before.get(log, _DEFAULT))


class _State(NamedTuple):
    level: int
    propagate: bool
    disabled: bool
    handlers: list[logging.Handler]
    filters: list[Any]


_DEFAULT = _State(logging.NOTSET, True, False, [], [])


def _state(log: logging.Logger) -> _State:
    return _State(log.level, log.propagate, log.disabled, log.handlers[:], log.filters[:])


def _loggers() -> list[logging.Logger]:
    """The root logger and every logger created so far (not the placeholders)."""
    named = logging.Logger.manager.loggerDict.values()
    return [logging.getLogger(), *(log for log in named if isinstance(log, logging.Logger))]


def _restore(log: logging.Logger, state: _State) -> None:
    """Put ``log`` back in ``state``, closing the handlers added since."""
    for handler in log.handlers[:]:
        if handler not in state.handlers:
            log.removeHandler(handler)
            handler.close()
    log.handlers[:] = state.handlers
    log.filters[:] = state.filters
    log.setLevel(state.level)
    log.propagate = state.propagate
    log.disabled = state.disabled
