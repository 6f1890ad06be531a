"""The registry behind ``lite_logging.stats()``: live pipelines and filters, held weakly.

Each component keeps its own plain counters and has a ``stats() -> dict`` method; it
registers itself here once, under a unique name. ``collect()`` asks each live one.
Nothing here runs on the logging hot path.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Literal, Protocol

__all__ = ["HasStats", "collect", "register", "unregister"]

Kind = Literal["pipelines", "filters"]


class HasStats(Protocol):
    """Anything that can report its counters as a JSON-serializable dict."""

    def stats(self) -> dict[str, Any]: ...


_lock = threading.Lock()
_registry: dict[Kind, dict[str, weakref.ref[HasStats]]] = {"pipelines": {}, "filters": {}}


def register(kind: Kind, name: str | None, obj: HasStats) -> str:
    """Register ``obj`` under ``name`` (or its class name), made unique with ``#2``, ``#3``...

    A name whose previous owner was garbage collected is reused. Returns the name used.
    """
    base = name or type(obj).__name__
    with _lock:
        entries = _registry[kind]
        for ref_name in [n for n, ref in entries.items() if ref() is None]:
            del entries[ref_name]
        unique, n = base, 1
        while unique in entries:
            n += 1
            unique = f"{base}#{n}"
        entries[unique] = weakref.ref(obj)
    return unique


def unregister(kind: Kind, name: str) -> None:
    """Forget the component registered as ``name``; unknown names are ignored."""
    with _lock:
        _registry[kind].pop(name, None)


def collect() -> dict[str, dict[str, dict[str, Any]]]:
    """``{"pipelines": {NAME: {...}}, "filters": {NAME: {...}}}`` for every live component."""
    with _lock:
        snapshot = {kind: list(entries.items()) for kind, entries in _registry.items()}
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, entries in snapshot.items():
        result[kind] = {}
        for name, ref in entries:
            obj = ref()
            if obj is not None:
                result[kind][name] = obj.stats()
    return result
