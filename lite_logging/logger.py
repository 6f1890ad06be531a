"""Logger: a ``logging.Logger`` whose SamplingFilters decide before the record is built.

A ``SamplingFilter`` on a plain logger runs after ``findCaller`` and ``makeRecord``: a
sampled-out call still pays for a whole ``LogRecord`` (~2 us) to throw it away. Installed
with ``logging.setLoggerClass(ll.Logger)``, this class asks a logger's first filter, when
it is a SamplingFilter, before the record exists, with the call's level, logger name and
``extra``: the same inputs, the same random draw, the same counts, the same records reach
the handlers. Only a dropped call gets cheaper. Everything else is ``logging.Logger``'s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .filters.sampling import _DECIDED, SamplingFilter

__all__ = ["Logger"]

_sampling_filter = SamplingFilter.filter
_logger_log = logging.Logger._log
_NO_EXTRA: Mapping[str, Any] = {}


class Logger(logging.Logger):
    """A ``logging.Logger`` that drops sampled-out calls before building their record.

    When this logger's first filter is a SamplingFilter (first, so no filter that could
    change the record runs before it), it decides from the call's level, the logger name
    and ``extra``, exactly as it would on the record: a dropped call builds no record; a
    call kept by a random draw carries ``sample_rate`` and passes the filter without a
    second draw; a call kept without a draw (``keep_level``, rate 1) is decided again on
    the record, the same way. Other filters, and SamplingFilter subclasses that override
    ``filter``, run on the record as usual.

    Install it before the loggers are created (``getLogger`` keeps the class a logger
    was made with)::

        logging.setLoggerClass(ll.Logger)

    Only a logger whose first filter is a SamplingFilter (checked by ``addFilter`` and
    ``removeFilter``, as dictConfig adds them) takes the sampling path; on it a kept call
    costs one more Python frame and a second look (docs/filters.md). Other loggers log
    exactly as ``logging.Logger``, at its cost.
    """

    def addFilter(self, filter: Any) -> None:  # noqa: N802 - logging.Filterer's name
        """Add ``filter`` as ``logging.Logger`` does; choose the logging path anew."""
        super().addFilter(filter)
        self._choose_log()

    def removeFilter(self, filter: Any) -> None:  # noqa: N802 - logging.Filterer's name
        """Remove ``filter`` as ``logging.Logger`` does; choose the logging path anew."""
        super().removeFilter(filter)
        self._choose_log()

    def _choose_log(self) -> None:
        """Shadow ``_log`` with the sampling path while the first filter is a SamplingFilter.

        Only a speed choice: the sampling path re-reads ``filters`` on every call, so a
        list changed behind ``addFilter``'s back still logs correctly.
        """
        first = self.filters[0] if self.filters else None
        if getattr(type(first), "filter", None) is _sampling_filter:
            self.__dict__["_log"] = self._sampling_log  # an instance attribute wins lookup
        else:
            self.__dict__.pop("_log", None)

    def _sampling_log(
        self,
        level: int,
        msg: object,
        args: Any,
        exc_info: Any = None,
        extra: Mapping[str, object] | None = None,
        stack_info: bool = False,
        stacklevel: int = 1,
    ) -> None:
        """Ask the first filter, a SamplingFilter; log what it keeps as ``Logger._log`` does."""
        filters = self.filters
        if filters and not self.disabled:  # a disabled logger filters nothing
            first = filters[0]
            # Exactly SamplingFilter.filter: a subclass overriding it decides on the record.
            if getattr(type(first), "filter", None) is _sampling_filter:
                sampler: SamplingFilter = first  # type: ignore[assignment]  # checked above
                verdict = sampler._verdict(level, self.name, extra or _NO_EXTRA)
                if verdict < 0:
                    return
                if verdict < 1:  # kept by a draw: the record says so, filter() lets it pass
                    extra = {**(extra or _NO_EXTRA), "sample_rate": verdict, _DECIDED: True}
                # kept without a draw: filter() decides the same on the record, and counts it
        # This frame is one more non-logging frame above findCaller on every version.
        _logger_log(self, level, msg, args, exc_info, extra, stack_info, stacklevel + 1)
