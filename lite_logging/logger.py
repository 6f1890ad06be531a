"""Deprecated alias of :mod:`lite_logging.record.logger` (the module moved in 0.2).

Kept so that imports and dictConfig paths written for the flat layout keep working; it
warns when imported.
"""

from __future__ import annotations

import warnings

from .record.logger import Logger

__all__ = ["Logger"]

warnings.warn(
    "lite_logging.logger is deprecated: use lite_logging.record.logger",
    DeprecationWarning,
    stacklevel=2,
)
