"""``python -m lite_logging ...``: the ``lite-logging`` command (see :mod:`lite_logging.cli`)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
