"""Zero-config start: ``setup()`` builds a ``logging.config.dictConfig`` dict and applies it."""

from __future__ import annotations

import logging
import logging.config
from typing import Any

__all__ = ["setup"]

_PROFILES = ("dev", "prod")


def setup(profile: str = "dev", level: str | int = "INFO", **options: Any) -> dict[str, Any]:
    """Configure the root logger for ``profile`` and return the dict given to dictConfig.

    Idempotent: dictConfig replaces the handlers it configured before, so calling it twice
    never doubles output. ``dev`` writes human lines to stderr; ``prod`` JSON lines to stdout.

    Raises:
        ValueError: an unknown profile, level or option, naming it.
    """
    if profile not in _PROFILES:
        raise ValueError(f'"profile" must be one of {_PROFILES}: {profile!r}')
    if isinstance(level, str):
        if not isinstance(logging.getLevelName(level.upper()), int):
            raise ValueError(f'"level" is not a logging level name: {level!r}')
        level = level.upper()
    if options:
        raise ValueError(f"unknown option(s) for setup(): {sorted(options)!r}")
    formatter: dict[str, Any] = (
        {"()": "lite_logging.JsonFormatter"}
        if profile == "prod"
        else {"format": "%(asctime)s %(levelname)-8s %(name)s: %(message)s"}
    )
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "lite_logging.ContextFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout" if profile == "prod" else "ext://sys.stderr",
                "formatter": "default",
                "filters": ["context"],
            }
        },
        "root": {"level": level, "handlers": ["default"]},
    }
    logging.config.dictConfig(config)
    return config
