"""Deprecated alias of :mod:`lite_logging.filters.transforms` (the module moved in 0.2).

Kept so that imports and dictConfig paths written for the flat layout keep working; it
warns when imported.
"""

from __future__ import annotations

import warnings

from .filters.transforms import AddFields, DropFields, RenameFields, add_hostname

__all__ = ["AddFields", "DropFields", "RenameFields", "add_hostname"]

warnings.warn(
    "lite_logging.transforms is deprecated: use lite_logging.filters.transforms",
    DeprecationWarning,
    stacklevel=2,
)
