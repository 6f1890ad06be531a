"""Deprecated alias of :mod:`lite_logging.formats.json` (the module moved in 0.2).

Kept so that imports and dictConfig paths written for the flat layout keep working; it
warns when imported.
"""

from __future__ import annotations

import warnings

from .formats.json import JsonFormatter

__all__ = ["JsonFormatter"]

warnings.warn(
    "lite_logging.formatters is deprecated: use lite_logging.formats.json",
    DeprecationWarning,
    stacklevel=2,
)
