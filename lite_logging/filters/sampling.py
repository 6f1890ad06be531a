"""SamplingFilter: keep a fraction of records, whole traces at a time, never the errors."""

from __future__ import annotations

import logging
import os
import random
import weakref
from collections.abc import Mapping
from typing import Any, Literal

from ..record.tracing import current_trace_ids
from ._common import StatsFilter, compile_option, most_specific_value, parse_level
from ._patterns import Pattern

__all__ = ["SamplingFilter"]

_CACHE_MAX = 10_000  # logger names whose rate is remembered
_TWO_64 = float(1 << 64)
_DECIDED = "_ll_sampled"  # record attribute: a SamplingFilter already kept this record
_KEEP = 1.0  # _verdict: keep unchanged, no draw made (keep_level, rate 1)
_PASS = 2.0  # _verdict: another SamplingFilter kept the record already
_NO_EXTRA: Mapping[str, Any] = {}

# Unseeded filters get a fresh random stream in a forked child, so pre-fork workers do not
# all make the same decisions in the same order.
_unseeded: weakref.WeakSet[SamplingFilter] = weakref.WeakSet()


def _reseed_after_fork() -> None:
    for sampler in list(_unseeded):
        sampler._rng.seed(int.from_bytes(os.urandom(16), "big"))


class SamplingFilter(StatsFilter):
    """Keeps each record with probability ``rate``; a trace is kept or dropped as a whole.

    The rate of a record is, from the first that applies: a per-call
    ``extra={"sample_rate": r}`` (a number in [0, 1]; anything else is ignored), the most
    specific ``rates`` pattern matching the logger name (most literal segments, then the
    longest pattern), then ``rate``. Records at or above ``keep_level`` are always kept.

    Inside a span the decision is a function of the trace id alone, the one
    OpenTelemetry's ``TraceIdRatioBased`` sampler uses: keep when the trace id's lower 64
    bits are below ``round(rate * 2**64)``. So every record of a trace is kept or dropped
    together, in every thread, process and filter instance with the same rate, and agrees
    with an OpenTelemetry SDK sampling that trace at that rate. The trace id is the record's
    ``trace_id``; a record not stamped yet uses the current span's (a stamped record, e.g.
    behind a queue, is never matched against the listener thread's context). Outside a
    span a private ``random.Random(seed)`` decides (without a seed, reseeded in a forked child).

    A kept record whose rate is below 1 carries ``record.sample_rate = rate``, so counts can
    be re-weighted (a missing ``sample_rate`` means 1). Records at or above ``keep_level``
    and records kept at rate 1 get no ``sample_rate``. The record is not stamped here: a
    sampled-out call costs a few attribute reads, a random draw and a comparison.

    Several SamplingFilters on one record's way (a logger's and a handler's): the first to
    keep it decides, later ones let it through unchanged.

    Args:
        rate: probability of keeping a record, 0 to 1.
        rates: logger-name pattern -> rate, overriding ``rate`` for those loggers.
        keep_level: records at this level or above are always kept (name or int); ``None``
            samples every level.
        seed: seed of the random generator used outside traces (for reproducible tests).
        name: the name shown in ``ll.stats()["filters"]``; default ``"SamplingFilter"``.

    Raises:
        ValueError: a rate outside [0, 1], a bad pattern or level (the message names it).

    ``stats()``: ``{"kept": int, "sampled_out": int}``, approximate under heavy threading
    (plain ``+=`` without a lock, to stay cheap).
    """

    def __init__(
        self,
        rate: float = 1.0,
        rates: Mapping[str, float] | None = None,
        keep_level: str | int | None = "ERROR",
        seed: int | str | bytes | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self.rate = _check_rate("rate", rate)
        self._rates: list[tuple[Pattern, float]] = []
        if rates is not None:
            if not isinstance(rates, Mapping):
                raise ValueError(f'"rates" must be a mapping of pattern to rate: {rates!r}')
            for pattern, value in rates.items():
                self._rates.append(
                    (compile_option("rates", pattern), _check_rate(f"rates[{pattern!r}]", value))
                )
        self.keep_level = None if keep_level is None else parse_level("keep_level", keep_level)
        self._keep_levelno = (1 << 62) if self.keep_level is None else self.keep_level
        self._rng = random.Random(seed)
        self._random = self._rng.random  # reseeding _rng in place keeps this bound method
        if seed is None:
            _unseeded.add(self)
        self._cache: dict[str, float] = {}
        self.kept = 0
        self.sampled_out = 0
        super().__init__(name=name)

    def filter(self, record: logging.LogRecord) -> bool:
        """Return whether to keep ``record``; a kept one gets ``sample_rate`` when below 1."""
        d = record.__dict__
        verdict = self._verdict(record.levelno, record.name, d)
        if verdict == _KEEP:
            self.kept += 1
        elif verdict < 0:
            return False
        elif verdict < 1:
            d["sample_rate"] = verdict
            d[_DECIDED] = True
        return True

    def sample_call(
        self, levelno: int, logger_name: str, extra: Mapping[str, object] | None
    ) -> Mapping[str, object] | Literal[False] | None:
        """Decide about a logging call before its record is built, as ``filter`` would on it.

        For a logger that asks its first filter before building the record (``ll.Logger``):
        the same inputs (level, logger name, ``extra``), the same draw, the same counts, so a
        dropped call builds no record.

        Args:
            levelno: the call's level.
            logger_name: the logger's name.
            extra: the call's ``extra=`` (``None`` when none was given).

        Returns:
            ``False`` to drop the call (counted as sampled out). Otherwise the ``extra`` to
            build the record with: ``extra`` itself when ``filter`` is to decide on the
            record (kept without a draw: ``keep_level`` or rate 1), or a copy carrying
            ``sample_rate`` and a mark by which ``filter`` lets the record pass without a
            second draw (kept by a draw, counted here). A subclass that overrides
            ``filter`` gets ``extra`` back: it decides on the record.
        """
        if type(self).filter is not SamplingFilter.filter:
            return extra  # a subclass that overrides filter() decides on the record
        verdict = self._verdict(levelno, logger_name, extra or _NO_EXTRA)
        if verdict < 0:
            return False
        if verdict < 1:
            return {**(extra or _NO_EXTRA), "sample_rate": verdict, _DECIDED: True}
        return extra

    def _verdict(self, levelno: int, logger_name: str, fields: Mapping[str, Any]) -> float:
        """Decide about a record that has (or will have) ``fields``.

        Returns -1.0 to drop it; a rate below 1 to keep it and stamp that ``sample_rate``
        (both counted here); ``_KEEP`` to keep it unchanged without drawing (at
        ``keep_level``, or rate 1; counted by the caller); ``_PASS`` when another
        SamplingFilter decided already. ``filter`` applies it to a record, ``sample_call``
        to a call before its record exists (leaving the ``_KEEP`` cases to ``filter``).
        """
        if levelno >= self._keep_levelno:
            return _KEEP
        if _DECIDED in fields:
            return _PASS
        rate = fields.get("sample_rate")
        if rate is None or type(rate) not in (float, int) or not 0 <= rate <= 1:
            rate = self._cache.get(logger_name)
            if rate is None:
                rate = self._rate_for(logger_name)
        if rate >= 1:
            return _KEEP
        if rate <= 0:  # dropped in every trace too: skip the trace-id lookup
            self.sampled_out += 1
            return -1.0
        trace_id = fields.get("trace_id")
        if trace_id is None and "event_id" not in fields:  # a stamped record's ids are final
            ids = current_trace_ids()
            if ids is not None:
                trace_id = ids[0]
        if trace_id is None:
            keep = self._random() < rate
        else:
            keep = _trace_keeps(trace_id, rate, self._random)
        if keep:
            self.kept += 1
            return float(rate)
        self.sampled_out += 1
        return -1.0

    def _rate_for(self, logger_name: str) -> float:
        rate = most_specific_value(self._rates, logger_name, self.rate)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[logger_name] = rate
        return rate

    def stats(self) -> dict[str, Any]:
        """``{"kept": ..., "sampled_out": ...}``: records kept and dropped by this filter."""
        return {"kept": self.kept, "sampled_out": self.sampled_out}


def _trace_keeps(trace_id: object, rate: float, fallback: Any) -> bool:
    """OpenTelemetry's TraceIdRatioBased decision: lower 64 bits < round(rate * 2**64)."""
    if isinstance(trace_id, int):  # OpenTelemetry's own form
        low = trace_id & 0xFFFF_FFFF_FFFF_FFFF
    else:
        try:
            low = int(trace_id[-16:], 16)  # type: ignore[index]
        except (TypeError, ValueError):  # not a hex string: decide at random, never raise
            return bool(fallback() < rate)
    return low < round(rate * _TWO_64)


def _check_rate(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f'"{key}" must be a number between 0 and 1: {value!r}')
    return float(value)
