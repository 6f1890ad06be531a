"""Ambient context: key/value pairs that follow the code through threads and asyncio tasks.

The context lives in one :class:`contextvars.ContextVar` holding an immutable-by-convention
dict. Every change builds a new dict, so a snapshot taken when a record is logged is the
dict object itself (no copy on the hot path) and later ``bind`` calls never change it.
Values are stored as given: a mutable value (a list, a dict) is referenced, not copied, so
a change made to it after the log call may still show when the record is formatted in the
listener thread. Pass immutable values, or copies, when that matters.

asyncio tasks copy the context when they are created, so each task sees its own keys.
A plain :class:`threading.Thread` starts with an empty context, as contextvars do; use
:func:`propagate_context` or :class:`ContextThreadPoolExecutor` to carry it over.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, cast

__all__ = [
    "ContextThreadPoolExecutor",
    "bind",
    "clear_context",
    "context",
    "get_context",
    "propagate_context",
    "unbind",
]

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")

_EMPTY: Mapping[str, Any] = {}

_context_var: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "lite_logging_context", default=_EMPTY
)


def current_context() -> Mapping[str, Any]:
    """The current context mapping itself, for stamping records: read it, never mutate it."""
    return _context_var.get()


def get_context() -> dict[str, Any]:
    """Return a copy of the ambient context of the current thread or asyncio task."""
    return dict(_context_var.get())


def bind(**kv: Any) -> None:
    """Add keys to the ambient context until they are unbound or the task/block ends."""
    _context_var.set({**_context_var.get(), **kv})


def unbind(*keys: str) -> None:
    """Remove keys from the ambient context; keys that are absent are ignored."""
    current = _context_var.get()
    if any(key in current for key in keys):
        _context_var.set({k: v for k, v in current.items() if k not in keys})


def clear_context() -> None:
    """Remove every key from the ambient context."""
    _context_var.set(_EMPTY)


class context:  # noqa: N801 - used like a function: `with ll.context(...)`, `@ll.context(...)`
    """Add keys to the ambient context for a block, or for every call of a decorated function.

    Nests: the outer context is restored exactly on exit, also when the block raises.
    Works as a decorator of both sync and async functions; each call gets its own scope.
    One instance may be re-entered in the same thread or task (nested ``with``); to share one
    instance between concurrent tasks use it as a decorator, which scopes every call.
    """

    __slots__ = ("_kv", "_tokens")

    def __init__(self, **kv: Any) -> None:
        self._kv = kv
        self._tokens: list[contextvars.Token[Mapping[str, Any]]] = []

    def __enter__(self) -> dict[str, Any]:
        self._tokens.append(_push(self._kv))
        return dict(_context_var.get())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _context_var.reset(self._tokens.pop())

    async def __aenter__(self) -> dict[str, Any]:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        return _wrap_calls(fn, functools.partial(_push, self._kv), _pop)


def _push(kv: Mapping[str, Any]) -> contextvars.Token[Mapping[str, Any]]:
    return _context_var.set({**_context_var.get(), **kv})


def _pop(token: contextvars.Token[Mapping[str, Any]], exc: BaseException | None) -> None:
    _context_var.reset(token)


def _wrap_calls(
    fn: Callable[P, R],
    enter: Callable[[], S],
    leave: Callable[[S, BaseException | None], None],
) -> Callable[P, R]:
    """Wrap a sync or async function so each call runs between ``enter()`` and ``leave()``.

    ``leave(state, exc)`` gets what ``enter`` returned and the exception the call raised
    (``None`` when it returned); the exception then propagates. A coroutine function gets an
    async wrapper, so the scope spans the awaited call, not the creation of the coroutine.
    Shared by ``context`` and ``tracing.span`` used as decorators.
    """
    if inspect.iscoroutinefunction(fn):
        async_fn = cast(Callable[P, Awaitable[Any]], fn)

        @functools.wraps(fn)
        async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
            state = enter()
            try:
                result = await async_fn(*args, **kwargs)
            except BaseException as exc:
                leave(state, exc)
                raise
            leave(state, None)
            return result

        return cast(Callable[P, R], async_wrapper)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        state = enter()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            leave(state, exc)
            raise
        leave(state, None)
        return result

    return wrapper


def propagate_context(fn: Callable[P, R]) -> Callable[P, R]:
    """Wrap ``fn`` so it runs in a copy of the caller's context (keys and current span).

    Call it where the work is handed over, in the caller's thread:
    ``threading.Thread(target=propagate_context(work)).start()``. Each call of the
    returned function runs in a fresh copy of that snapshot, so concurrent calls in several
    threads never share changes.
    """
    snapshot = contextvars.copy_context()

    @functools.wraps(fn)
    def run_in_context(*args: P.args, **kwargs: P.kwargs) -> R:
        return snapshot.copy().run(fn, *args, **kwargs)

    return run_in_context


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor whose tasks run with a copy of the submitting caller's context."""

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        """Schedule ``fn(*args, **kwargs)`` to run in a copy of the caller's context."""
        snapshot = contextvars.copy_context()
        # Context.run's ParamSpec is typeshed's own; the call is exactly submit(fn, *a, **kw).
        return super().submit(snapshot.run, fn, *args, **kwargs)  # type: ignore[arg-type]
