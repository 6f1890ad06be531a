"""Helpers for tests: leave ``logging`` and ``lite_logging`` as they were found.

``reset()`` brings ``lite_logging``'s process-wide state back to that of a fresh import.
``isolated()`` (a context manager) and the ``isolated_logging`` pytest fixture run a
block or a test and then undo what it did to logging: handlers added to any logger are
removed and closed (a pipeline drains first), levels, filters and flags put back, the
logger class and record factory restored, the listeners started meanwhile stopped, the
signal handlers restored. Use the fixture from a ``conftest.py``::

    from lite_logging.testing import isolated_logging  # noqa: F401 - a pytest fixture

    @pytest.fixture(autouse=True)
    def _isolated(isolated_logging: None) -> None: ...

Importing this module does not import pytest unless pytest is installed.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import weakref
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from . import _lifecycle, _signal_watch
from .metrics import _registry as _stats
from .metrics import instruments as _instruments
from .pipeline import control

__all__ = ["isolated", "isolated_logging", "reset"]

# The signals whose handlers are saved and put back: ours and the one tests often touch.
_SIGNALS = (*_lifecycle.SIGNALS, signal.SIGINT, *filter(None, [_signal_watch.KICK]))


def reset() -> None:
    """Stop every listener, put back the signal handlers lite_logging installed, and
    clear ``lite_logging.stats()``, the metrics registry (``ll.metrics.counter()``... made
    so far) and the ``drain_on_signals`` choice.

    Records logged later through an ``AsyncQueueHandler`` are written synchronously (as
    after ``shutdown()``); the handlers stay where they are.
    """
    control.shutdown()
    _lifecycle._reset()
    _stats.clear()
    _instruments.REGISTRY.clear()


class _LoggerState(NamedTuple):
    level: int
    propagate: bool
    disabled: bool
    handlers: list[logging.Handler]
    filters: list[Any]


_DEFAULT = _LoggerState(logging.NOTSET, True, False, [], [])


def _loggers() -> list[logging.Logger]:
    """The root logger and every logger created so far (not the placeholders)."""
    named = list(logging.Logger.manager.loggerDict.values())
    return [logging.getLogger(), *(log for log in named if isinstance(log, logging.Logger))]


def _logger_state(log: logging.Logger) -> _LoggerState:
    return _LoggerState(log.level, log.propagate, log.disabled, log.handlers[:], log.filters[:])


class _Snapshot:
    """What ``isolated()`` puts back."""

    def __init__(self) -> None:
        self.loggers = {log: _logger_state(log) for log in _loggers()}
        self.logger_class = logging.getLoggerClass()
        self.record_factory = logging.getLogRecordFactory()
        self.disable = logging.root.manager.disable
        self.listeners = {id(x) for x in list(control._live) if x._thread is not None}
        self.handlers = weakref.WeakSet(_live_handlers())
        self.signals = _signal_handlers()
        self.lifecycle = (_lifecycle._chosen, _lifecycle._timeout, dict(_lifecycle._replaced))
        with _stats._lock:
            self.stats = {kind: dict(entries) for kind, entries in _stats._registry.items()}
        metrics = _instruments.REGISTRY
        with metrics._lock:
            self.metrics = dict(metrics._metrics)

    def restore(self) -> None:
        for log in _loggers():
            state = self.loggers.get(log, _DEFAULT)
            for handler in log.handlers[:]:
                if handler not in state.handlers:
                    log.removeHandler(handler)
                    with contextlib.suppress(Exception):  # a broken close() stays the test's
                        handler.close()
            log.handlers[:] = state.handlers
            log.filters[:] = state.filters
            log.setLevel(state.level)
            log.propagate = state.propagate
            log.disabled = state.disabled
        logging.setLoggerClass(self.logger_class)
        logging.setLogRecordFactory(self.record_factory)
        logging.disable(self.disable)
        for listener in list(control._live):  # a listener the test left running
            if listener._thread is not None and id(listener) not in self.listeners:
                listener.stop()
        for handler in _live_handlers():  # built in the block and on no logger: a queue's
            if handler not in self.handlers:  # targets, say, which dictConfig made
                with contextlib.suppress(Exception):
                    handler.close()
        _lifecycle._chosen, _lifecycle._timeout, replaced = self.lifecycle
        _lifecycle._replaced.clear()
        _lifecycle._replaced.update(replaced)
        _lifecycle._draining = False
        _lifecycle._put_back_signal_handlers(self.signals)
        with _stats._lock:
            for kind, entries in self.stats.items():
                _stats._registry[kind].clear()
                _stats._registry[kind].update(entries)
        metrics = _instruments.REGISTRY
        with metrics._lock:
            metrics._metrics.clear()
            metrics._metrics.update(self.metrics)


def _live_handlers() -> list[logging.Handler]:
    """Every handler alive (logging keeps weak references to them for ``shutdown()``)."""
    refs = list(logging._handlerList)  # type: ignore[attr-defined]
    return [h for h in (ref() for ref in refs) if h is not None]


def _signal_handlers() -> dict[int, Any]:
    return {sig: signal.getsignal(sig) for sig in _SIGNALS}


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """Run the block, then put logging and lite_logging back as they were before it.

    Handlers added meanwhile to any logger are removed and closed, and so is every other
    handler built in the block (a queue's targets, say, which dictConfig made); levels, filters,
    ``propagate``, ``disabled``, the logger class, the record factory and
    ``logging.disable`` are restored; listeners started in the block and still running
    are stopped (after writing what they hold); SIGTERM, SIGHUP and SIGINT get their
    handlers back; ``stats()`` and the metrics registry forget what the block registered
    (a metric the block made is gone after it; one made before keeps its values).
    """
    snapshot = _Snapshot()
    try:
        yield
    finally:
        snapshot.restore()


def _make_fixture() -> Callable[..., Any] | None:
    try:
        import pytest
    except ImportError:  # the fixture needs pytest; reset() and isolated() do not
        return None

    @pytest.fixture
    def isolated_logging() -> Iterator[None]:
        """The test runs inside ``lite_logging.testing.isolated()``."""
        with isolated():
            yield

    return isolated_logging


isolated_logging = _make_fixture()
"""A pytest fixture running the test inside ``isolated()`` (``None`` without pytest)."""
