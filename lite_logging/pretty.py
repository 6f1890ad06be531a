"""Deprecated alias of :mod:`lite_logging.formats.pretty` and :mod:`lite_logging.sinks.console`
(the module moved and split in 0.2).

Kept so that imports and dictConfig paths written for the flat layout keep working; it
warns when imported.
"""

from __future__ import annotations

import warnings

from .formats.pretty import PrettyFormatter
from .sinks.console import RichHandler

__all__ = ["PrettyFormatter", "RichHandler"]

warnings.warn(
    "lite_logging.pretty is deprecated: use lite_logging.formats.pretty (PrettyFormatter) "
    "and lite_logging.sinks.console (RichHandler)",
    DeprecationWarning,
    stacklevel=2,
)
