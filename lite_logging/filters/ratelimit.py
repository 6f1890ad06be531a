"""RateLimitFilter: token buckets per key, several windows at once, bounded key memory."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from .._durations import parse_duration
from .._options import check_int
from ._common import StatsFilter, resolve_callable

__all__ = ["RateLimitFilter", "parse_limit"]

_ONE = 1 - 1e-9  # a token, allowing for float rounding in the refill arithmetic
_LIMIT_RE = re.compile(r"\s*(\d+)\s*/(.*)", re.DOTALL)


def parse_limit(limit: object, key: str = "limits") -> tuple[int, float]:
    """Parse one limit into ``(count, window_seconds)``.

    Accepted: ``"10/s"``, ``"100/min"``, ``"5/10s"``, ``"1000 / 1.5 hours"`` (units s, sec,
    second, m, min, minute, h, hr, hour, d, day, w, week, and plurals) or a pair ``(10, 1.0)``.

    Raises:
        ValueError: the limit does not parse, the count is below 1 or the window not above 0;
            the message names ``key`` and the bad value.
    """
    if isinstance(limit, str):
        count, window = _text_limit(limit, key)
    elif isinstance(limit, (tuple, list)) and len(limit) == 2:
        count, window = _pair_limit(limit, key)
    else:
        raise ValueError(
            f'"{key}" must be a string like "10/s" or a (count, seconds) pair: {limit!r}'
        )
    if count < 1 or not window > 0 or window == float("inf"):
        raise ValueError(f'"{key}" needs a count >= 1 and a finite window > 0: {limit!r}')
    return count, window


def _text_limit(limit: str, key: str) -> tuple[int, float]:
    """``"10/s"``, ``"5/10s"``... as ``(count, seconds)``, not yet checked for range."""
    m = _LIMIT_RE.fullmatch(limit)
    window = parse_duration(m.group(2), bare_unit=True) if m else None
    if m is None or window is None:
        raise ValueError(
            f'"{key}" must look like "10/s", "100/min" or "5/10s" (units s, min, h, day): {limit!r}'
        )
    return int(m.group(1)), window


def _pair_limit(limit: tuple[Any, ...] | list[Any], key: str) -> tuple[int, float]:
    """A ``(count, seconds)`` pair with an int count and a number of seconds."""
    count, window = limit
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValueError(f'"{key}" count must be an int: {limit!r}')
    if isinstance(window, bool) or not isinstance(window, (int, float)):
        raise ValueError(f'"{key}" window must be a number of seconds: {limit!r}')
    return count, float(window)


def _limit_items(limits: object) -> list[Any]:
    """``limits`` as a non-empty list of limits (one limit given alone is a list of one)."""
    if isinstance(limits, str) or (
        isinstance(limits, tuple) and len(limits) == 2 and isinstance(limits[0], int)
    ):
        return [limits]
    try:
        items: list[Any] = list(limits)  # type: ignore[call-overload]
    except TypeError:
        raise ValueError(f'"limits" must be a list of limits: {limits!r}') from None
    if not items:
        raise ValueError(f'"limits" must name at least one limit: {limits!r}')
    return items


def _key_function(key: object) -> Callable[[logging.LogRecord], Hashable]:
    """The function giving a record's key: ``"template"``, ``"logger"``, ``key`` itself when
    it is callable, or the callable a dotted path names (dictConfig)."""
    if key == "template":
        return _template_key
    if key == "logger":
        return _logger_key
    if callable(key):
        return key
    if isinstance(key, str) and "." in key:
        return resolve_callable(key, "key")
    raise ValueError(
        f'"key" must be "template", "logger", a callable or a dotted path to one: {key!r}'
    )


class RateLimitFilter(StatsFilter):
    """Admits at most N records per window for each key; drops and counts the rest.

    Each limit is a token bucket per key with capacity N, refilled continuously at N per
    window; a record is admitted only when every bucket of its key holds a token, and then
    takes one from each. So ``["10/s", "100/min"]`` allows bursts of 10, at most 10 a second
    and 100 a minute. The first record admitted after some were dropped carries
    ``record.suppressed`` = how many records of its key were dropped since the last admitted.

    Keys: ``"template"`` (default) is the logger name and the unformatted message, so
    ``log.info("user %s logged in", uid)`` is one key whatever ``uid`` is; ``"logger"`` is
    the logger name; or a callable ``key(record) -> hashable`` (or its dotted path). A key
    function that raises admits the record (it is not lost), counts an error and reports it
    once to stderr.

    Memory: at most ``max_keys`` keys are remembered, least recently used evicted first. An
    evicted key starts again with full buckets, and its pending ``suppressed`` count is lost
    (``stats()["rate_limited"]`` still counts those records). Thread-safe: one lock around
    the bucket arithmetic, so counts and ``suppressed`` are exact. A record logged by a
    signal handler that interrupted this filter in its own thread is admitted (and counted)
    without a bucket: it never waits for the frame it interrupted.

    Args:
        limits: a limit or a list of them: strings ``"10/s"``, ``"100/min"``, ``"5/10s"`` or
            ``(count, seconds)`` pairs.
        key: ``"template"``, ``"logger"``, or a callable taking the record (or the dotted
            path of one, e.g. ``"myapp.logs.by_user"``).
        max_keys: how many keys to remember (default 10,000).
        clock: monotonic time in seconds (default ``time.monotonic``); tests pass a fake.
        name: the name shown in ``ll.stats()["filters"]``; default ``"RateLimitFilter"``.

    Raises:
        ValueError: a limit, key or max_keys is invalid (the message names it).

    ``stats()``: ``{"admitted": int, "rate_limited": int, "keys": int, "errors": int}``.
    """

    def __init__(
        self,
        limits: str | tuple[int, float] | Iterable[str | tuple[int, float]] = ("10/s",),
        key: str | Callable[[logging.LogRecord], Hashable] = "template",
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        name: str | None = None,
    ) -> None:
        parsed = [parse_limit(item) for item in _limit_items(limits)]
        self.limits = parsed
        self._capacities = [float(count) for count, _ in parsed]
        # (capacity, tokens per second) for each bucket of a key
        self._buckets_spec = [(float(count), count / window) for count, window in parsed]
        self._single = len(parsed) == 1
        self._key = _key_function(key)
        check_int("max_keys", max_keys, 1)
        if not callable(clock):
            raise ValueError(f'"clock" must be a callable returning seconds: {clock!r}')
        self.max_keys = max_keys
        self._clock = clock
        # An RLock for its owner check (a signal handler interrupting filter(), see there).
        self._lock = threading.RLock()
        # key -> [last_time, suppressed, tokens_0, tokens_1, ...]: one small list per key.
        self._buckets: OrderedDict[Hashable, list[float]] = OrderedDict()
        self.admitted = 0
        self.rate_limited = 0
        super().__init__(name=name)

    def filter(self, record: logging.LogRecord) -> bool:
        """Admit ``record`` if every bucket of its key has a token; else drop and count it."""
        try:
            key = self._key(record)
            hash(key)
        except Exception:  # noqa: BLE001 - a user key function failed: admit, count, report
            self._report_error(record, "computing the rate-limit key")
            with self._lock:
                self.admitted += 1
            return True
        if self._lock._is_owned():  # type: ignore[attr-defined]  # C RLock method, 3.2+
            # A signal handler logging from the frame it interrupted in here: waiting would
            # wait on this thread itself, and the buckets are half-way through an update.
            self.admitted += 1
            return True
        buckets = self._buckets
        with self._lock:
            now = self._clock()
            state = buckets.get(key)
            if state is None:
                state = [now, 0, *self._capacities]
                buckets[key] = state
                if len(buckets) > self.max_keys:
                    buckets.popitem(last=False)
            else:
                buckets.move_to_end(key)
                elapsed = now - state[0]
                if elapsed > 0:
                    state[0] = now
                    i = 2
                    for capacity, per_second in self._buckets_spec:
                        tokens = state[i] + elapsed * per_second
                        state[i] = tokens if tokens < capacity else capacity
                        i += 1
            if self._single:  # one limit, the common case: no loops
                if state[2] < _ONE:
                    state[1] += 1
                    self.rate_limited += 1
                    return False
                state[2] -= 1
            else:
                for i in range(2, len(state)):
                    if state[i] < _ONE:
                        state[1] += 1
                        self.rate_limited += 1
                        return False
                for i in range(2, len(state)):
                    state[i] -= 1
            suppressed = state[1]
            state[1] = 0
            self.admitted += 1
        if suppressed:
            record.suppressed = int(suppressed)
        return True

    def _reinit_locks(self) -> None:
        super()._reinit_locks()
        self._lock = threading.RLock()

    def stats(self) -> dict[str, Any]:
        """Records admitted and dropped, keys remembered, key-function errors."""
        with self._lock:
            return {
                "admitted": self.admitted,
                "rate_limited": self.rate_limited,
                "keys": len(self._buckets),
                "errors": self.errors,
            }


def _template_key(record: logging.LogRecord) -> Hashable:
    msg = record.msg
    if type(msg) is not str:  # a dict or object message: key on its text
        msg = str(msg)
    return (record.name, msg)


def _logger_key(record: logging.LogRecord) -> Hashable:
    return record.name
