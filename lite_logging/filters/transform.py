"""TransformFilter: middleware over records, given as callables or dotted paths."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from ._common import StatsFilter, resolve_callable

__all__ = ["Transform", "TransformFilter", "resolve_callable"]

Transform = Callable[[logging.LogRecord], Any]
"""A transform: takes a record, returns it (changed or a new one), or ``None`` to drop it."""


def _build(item: object, key: str) -> Transform:
    """A transform from a callable, a dotted path, or ``{"()": factory, **kwargs}``."""
    if isinstance(item, Mapping) and "()" in item:
        factory = resolve_callable(item["()"], key)
        kwargs = {k: v for k, v in item.items() if k != "()"}
        try:
            built = factory(**kwargs)
        except (TypeError, ValueError) as exc:
            raise ValueError(f'"{key}": {item["()"]!r}(**{kwargs!r}) failed: {exc}') from None
        return resolve_callable(built, key)
    return resolve_callable(item, key)


if sys.version_info >= (3, 12):

    def _replace(original: logging.LogRecord, new: logging.LogRecord) -> bool:
        """3.12+: return the new record; logging uses it for the rest of this path."""
        return cast(bool, new)  # Filterer.filter (3.12+) takes a LogRecord as "keep this one"

else:

    def _replace(original: logging.LogRecord, new: logging.LogRecord) -> bool:
        """3.10/3.11: a filter cannot hand back a new record, so copy it into the original."""
        d = original.__dict__
        d.clear()
        d.update(new.__dict__)
        return True


class TransformFilter(StatsFilter):
    """Applies transforms to each record in order: enrich, rewrite, or drop it.

    A transform takes the record and returns it (changed in place or not), a new
    ``LogRecord`` to use instead, or ``None`` (or ``False``) to drop it; any other value
    keeps the current record. A new record replaces the old one for the rest of the way:
    on Python 3.12+ through ``logging.Filter``'s own protocol (the filter returns it, so
    only this logger's or handler's path sees it); on 3.10/3.11 the new record's attributes
    are copied into the original record object, which every later handler then sees.

    A transform that raises does not lose the record and does not raise into the caller:
    the record's attributes are restored to what they were when it entered this filter, the
    remaining transforms are skipped, the record is kept, and the error is counted in
    ``stats()["errors"]`` and printed once to stderr (like ``Handler.handleError``, only
    when ``logging.raiseExceptions`` is true).

    Args:
        transforms: callables, dotted paths to callables (``"myapp.logs.add_user"``), or
            ``{"()": "dotted.factory", **kwargs}`` dicts that build one (for dictConfig:
            ``{"()": "lite_logging.filters.transforms.AddFields", "fields": {"service": "shop"}}``).
        name: the name shown in ``ll.stats()["filters"]``; default ``"TransformFilter"``.

    Raises:
        ValueError: an entry is not callable or does not import (the message names it).

    ``stats()``: ``{"dropped": int, "errors": int}`` (``dropped`` approximate under heavy
    threading: plain ``+=`` without a lock).
    """

    def __init__(
        self,
        transforms: Iterable[Transform | str | Mapping[str, Any]] = (),
        *,
        name: str | None = None,
    ) -> None:
        if isinstance(transforms, (str, Mapping)) or callable(transforms):
            transforms = [transforms]  # one transform given alone
        try:
            items = list(transforms)
        except TypeError:
            raise ValueError(f'"transforms" must be a list: {transforms!r}') from None
        self.transforms: list[Transform] = [
            _build(item, f"transforms[{i}]") for i, item in enumerate(items)
        ]
        self.dropped = 0
        super().__init__(name=name)

    def filter(self, record: logging.LogRecord) -> bool:
        """Run the transforms; ``False`` when one drops the record."""
        current = record
        saved = record.__dict__.copy()  # to undo a failing transform; 5x cheaper than dict()
        for transform in self.transforms:
            try:
                result = transform(current)
            except Exception:  # noqa: BLE001 - a failing transform: keep the record, count, report
                self._report_error(record, f"transform {transform!r}")
                d = record.__dict__
                d.clear()
                d.update(saved)
                return True
            if result is None or result is False:
                self.dropped += 1
                return False
            if isinstance(result, logging.LogRecord):
                current = result
        if current is record:
            return True
        return _replace(record, current)

    def stats(self) -> dict[str, Any]:
        """Records dropped by a transform, and transform errors."""
        return {"dropped": self.dropped, "errors": self.errors}
