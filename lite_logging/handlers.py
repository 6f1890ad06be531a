"""Deprecated alias of :mod:`lite_logging.sinks.file` (the module moved in 0.2).

Kept so that imports and dictConfig paths written for the flat layout keep working; it
warns when imported.
"""

from __future__ import annotations

import warnings

from .sinks.file import BatchFileHandler

__all__ = ["BatchFileHandler"]

warnings.warn(
    "lite_logging.handlers is deprecated: use lite_logging.sinks.file",
    DeprecationWarning,
    stacklevel=2,
)
