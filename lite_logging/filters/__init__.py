"""Filters that decide which records travel on, and how they look: all ``logging.Filter``\\s.

Each works on a logger, on a handler, or on ``AsyncQueueHandler`` (in the caller's thread,
before the queue: the cheap place to drop), and takes keyword options, so dictConfig can
build it with ``"()"``. Each appears in ``ll.stats()["filters"]`` under its ``name``.

- :class:`NamespaceFilter`: logger-name wildcards, deny/allow, per-namespace levels.
- :class:`SamplingFilter`: keep a fraction, trace-consistent, errors always kept.
- :class:`RateLimitFilter`: token buckets per key, ``suppressed`` counts.
- :class:`TransformFilter`: middleware callables that enrich, rewrite or drop.
- :class:`RedactFilter`: mask secrets by key and by regex, on copies.
"""

from __future__ import annotations

from .namespace import NamespaceFilter
from .ratelimit import RateLimitFilter
from .redact import RedactFilter
from .sampling import SamplingFilter
from .transform import TransformFilter

__all__ = [
    "NamespaceFilter",
    "RateLimitFilter",
    "RedactFilter",
    "SamplingFilter",
    "TransformFilter",
]
