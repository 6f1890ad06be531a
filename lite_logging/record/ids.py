"""Identifiers: UUIDv7 event ids, W3C trace ids (32 hex) and span ids (16 hex).

UUIDv7 (RFC 9562, section 5.7) puts a 48-bit Unix millisecond timestamp first, so ids sort by
creation time. Within one millisecond the 12-bit ``rand_a`` field is a counter (RFC 9562
"method 1"), so ids made by one process are strictly increasing; the remaining 62 bits are
random, so ids made by different processes (also after ``fork``) do not collide.
When the counter overflows it carries into the millisecond field; that field never runs more
than one second ahead of the wall clock (after a large backwards clock step the clock wins).
A signal handler that logs while its own thread is starting a millisecond never waits for
it: it takes a number of the current millisecond (a random one if they ran out), unique.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
import threading
import time
from collections.abc import Iterator

__all__ = ["new_event_id", "new_span_id", "new_trace_id"]

_MAX_LEAD_MS = 1000  # how far (1 s) the id clock may run ahead of the wall clock
_COUNTER_END = 4096  # the 12-bit counter's values: 0..4095

# Taken once a millisecond, to start the next one. An RLock for its owner check: a signal
# handler that logs may interrupt its own thread in there (see _next_millisecond).
_lock = threading.RLock()
_rng = random.Random()
# getrandbits() on a private generator: ~15x cheaper than os.urandom/secrets per id.
_randbits = _rng.getrandbits


def _after_fork_in_child() -> None:
    """Give the child its own random stream and a lock no dead thread can hold."""
    global _lock
    _lock = threading.RLock()
    _rng.seed(int.from_bytes(os.urandom(16), "big"))


_rng.seed(int.from_bytes(os.urandom(16), "big"))


# The current millisecond of the id clock: (unix_ms, its counter, "xxxxxxxx-xxxx-7" text).
# One tuple, replaced (never changed) under _lock, so threads never see half an update.
# next() on an itertools.count is one C call, atomic under the GIL: most ids take no lock.
# A thread that read the tuple just before it was replaced takes a number from the old
# millisecond: its id is still unique (one counter per millisecond value) and still greater
# than that thread's previous ids.
# Free-threaded builds (3.13t without the GIL) take the lock for every id instead.
_GIL = bool(getattr(sys, "_is_gil_enabled", lambda: True)())
_State = tuple[int, Iterator[int], str]
_state: _State = (-1, itertools.count(_COUNTER_END), "")
# Hex formatting is the bulk of an id's cost: 12-bit groups come from a table (~250 KB).
_HEX3_DASH = [f"{i:03x}-" for i in range(4096)]
_VARIANT_BIT = 1 << 63  # bits 63-62 of the low 64 bits = 0b10: the RFC variant


def _next_millisecond(now: int) -> tuple[_State, int]:
    """Start a new millisecond of the id clock (the clock moved, or the counter ran out)."""
    global _state
    if _lock._is_owned():  # type: ignore[attr-defined]  # C RLock method, 3.2+
        # A signal handler logging from the frame it interrupted right here: waiting for
        # the lock would wait on this thread itself, for ever (and held, it keeps other
        # threads out, so what follows needs no lock).
        return _nested_millisecond(now)
    with _lock:
        state = _state
        ms = state[0]
        if 0 <= ms - now < _MAX_LEAD_MS:
            counter = next(state[1])  # another thread may have started it meanwhile
            if counter < _COUNTER_END:
                return state, counter
            ms += 1  # carry into the millisecond field, at most 1 s ahead of the clock
            if ms - now >= _MAX_LEAD_MS:
                ms = now
        else:
            ms = now  # the clock moved on (or stepped back by more than a second)
        h = f"{ms:012x}"
        _state = state = (ms, itertools.count(1), f"{h[:8]}-{h[8:]}-7")
        return state, 0


def _nested_millisecond(now: int) -> tuple[_State, int]:
    """A number of the current millisecond, leaving ``_state`` to the interrupted frame.

    Unique: one counter per millisecond, its numbers taken once. When it ran out (or there
    is no millisecond yet) a random number of ``now``: unique by the 62 random bits that
    follow it, as ids of different processes are.
    """
    state = _state
    if state[0] >= 0:
        counter = next(state[1])
        if counter < _COUNTER_END:
            return state, counter
    h = f"{now:012x}"
    return (now, state[1], f"{h[:8]}-{h[8:]}-7"), _randbits(12)


def new_event_id() -> str:
    """Return a new UUIDv7 as a canonical 36-character string: unique and time-ordered."""
    now = time.time_ns() // 1_000_000
    state = _state
    in_state = _GIL and 0 <= state[0] - now < _MAX_LEAD_MS
    if not in_state or (counter := next(state[1])) >= _COUNTER_END:
        state, counter = _next_millisecond(now)
    # 48-bit ms | version 7 | 12-bit counter | variant 0b10 | 62 random bits
    # variant 0b10 on top of 62 random bits: 8 bytes, written "vxxx-xxxxxxxxxxxx" by hex()'s
    # separator every 6 bytes from the right (~1,000 instructions less than hex() and two
    # slices, callgrind; ~3x less than format specs such as {:012x}).
    tail = (_randbits(62) | _VARIANT_BIT).to_bytes(8, "big").hex("-", 6)
    return f"{state[2]}{_HEX3_DASH[counter]}{tail}"


def new_trace_id() -> str:
    """Return a random W3C trace id: 32 lowercase hex digits, never all zeros."""
    value = _randbits(128)
    while not value:  # pragma: no cover - probability 2**-128
        value = _randbits(128)
    return f"{value:032x}"


def new_span_id() -> str:
    """Return a random W3C span (parent) id: 16 lowercase hex digits, never all zeros."""
    value = _randbits(64)
    while not value:  # pragma: no cover - probability 2**-64
        value = _randbits(64)
    return f"{value:016x}"
