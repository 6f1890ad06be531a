"""Deprecated alias of :mod:`lite_logging.formats.edn` (the module moved in 0.2).

Kept so that imports and dictConfig paths written for the flat layout keep working; it
warns when imported.
"""

from __future__ import annotations

import warnings

from .formats.edn import EdnFormatter, dumps

__all__ = ["EdnFormatter", "dumps"]

warnings.warn(
    "lite_logging.edn is deprecated: use lite_logging.formats.edn",
    DeprecationWarning,
    stacklevel=2,
)
