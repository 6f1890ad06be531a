"""Identifiers: UUIDv7 event ids, W3C trace ids (32 hex) and span ids (16 hex).

UUIDv7 (RFC 9562, section 5.7) puts a 48-bit Unix millisecond timestamp first, so ids sort by
creation time. Within one millisecond the 12-bit ``rand_a`` field is a counter (RFC 9562
"method 1"), so ids made by one process are strictly increasing; the remaining 62 bits are
random, so ids made by different processes (also after ``fork``) do not collide.
When the counter overflows it carries into the millisecond field; that field never runs more
than one second ahead of the wall clock (after a large backwards clock step the clock wins).
"""

from __future__ import annotations

import os
import random
import threading
import time

__all__ = ["new_event_id", "new_span_id", "new_trace_id"]

_MAX_LEAD = 1000 << 12  # how far (1 s, in ms<<12 units) the id clock may run ahead of time

_lock = threading.Lock()
_last = 0  # (unix_ms << 12) | counter of the last id made by this process
_rng = random.Random()
# getrandbits() on a private generator: ~15x cheaper than os.urandom/secrets per id.
_randbits = _rng.getrandbits


def _after_fork_in_child() -> None:
    """Give the child its own random stream and a lock no dead thread can hold."""
    global _lock
    _lock = threading.Lock()
    _rng.seed(int.from_bytes(os.urandom(16), "big"))


os.register_at_fork(after_in_child=_after_fork_in_child)
_rng.seed(int.from_bytes(os.urandom(16), "big"))


# (unix_ms, "xxxxxxxx-xxxx-7"): the id's text up to the counter changes once a millisecond,
# so it is formatted once per ms. One tuple, so threads never see half an update.
_prefix: tuple[int, str] = (-1, "")
# Hex formatting is the bulk of an id's cost: 12-bit groups come from a table (~200 KB).
_HEX3_DASH = [f"{i:03x}-" for i in range(4096)]
_VARIANT_BIT = 1 << 63  # bits 63-62 of the low 64 bits = 0b10: the RFC variant


def new_event_id() -> str:
    """Return a new UUIDv7 as a canonical 36-character string: unique and time-ordered."""
    global _last, _prefix
    # acquire/release rather than `with` (nothing between can raise): once per record.
    stamp = time.time_ns() // 1_000_000 << 12
    _lock.acquire()
    if _last >= stamp and _last - stamp < _MAX_LEAD:
        stamp = _last + 1
    _last = stamp
    _lock.release()
    # 48-bit ms | version 7 | 12-bit counter | variant 0b10 | 62 random bits
    ms = stamp >> 12
    cached = _prefix
    if cached[0] != ms:
        h = f"{ms:012x}"
        cached = _prefix = (ms, f"{h[:8]}-{h[8:]}-7")
    # variant 0b10 on top of 62 random bits: always 16 hex digits, the first one 8, 9, a or b.
    # hex() and slices: ~190 ns against ~280 ns for format specs such as {:012x} (timeit).
    tail = hex(_randbits(62) | _VARIANT_BIT)
    return f"{cached[1]}{_HEX3_DASH[stamp & 0xFFF]}{tail[2:6]}-{tail[6:]}"


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
