"""mkdocs hook: a public object of ``lite_logging`` without a docstring fails the build.

mkdocstrings renders what is there and stays silent about what is missing; under
``mkdocs build --strict`` a warning logged here is an error.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

log = logging.getLogger("mkdocs.hooks.docstrings")


def on_config(config: Any) -> Any:
    """Warn once per public name (``lite_logging.__all__``) that has no docstring."""
    import lite_logging

    for name in lite_logging.__all__:
        obj = getattr(lite_logging, name)
        if not (inspect.getdoc(obj) or "").strip():
            log.warning("lite_logging.%s has no docstring", name)
    return config
