"""``import lite_logging``: what it loads, and what still works when it loaded less.

Every program that logs pays for the import once, and the test suite starts ~225 Python
processes per interpreter: asyncio (~25 ms), ssl (~9 ms) and logging.config (~5 ms) are
looked up in ``sys.modules`` where they are needed instead of imported up front (rich,
opentelemetry and prometheus_client are covered by their own modules' tests).
"""

from __future__ import annotations

import textwrap

import pytest
from process_helpers import run_code

# Run in a fresh interpreter: pytest has imported all of these already.
_PROGRAM = textwrap.dedent(
    """
    import sys
    import lite_logging as ll

    print(sorted(m for m in ("asyncio", "ssl", "logging.config") if m in sys.modules))

    # ssl not imported: anything given as ssl_context is refused at construction
    try:
        ll.BatchSyslogHandler(protocol="tcp", ssl_context=object())
    except ValueError as exc:
        print("refused", "ssl_context" in str(exc))

    # asyncio imported after lite_logging: the running loop is still found
    import asyncio
    from lite_logging import _threads

    async def main():
        return _threads.running_loop() is asyncio.get_running_loop()

    print("loop", asyncio.run(main()), _threads.running_loop())

    # logging.config imported after lite_logging: a handler named before it is defined
    import logging, logging.config, tempfile, os, json
    path = os.path.join(tempfile.mkdtemp(), "out.jsonl")
    logging.config.dictConfig({
        "version": 1,
        "handlers": {
            "queue": {"()": "lite_logging.AsyncQueueHandler", "handlers": ["file"]},
            "file": {"()": "lite_logging.BatchFileHandler", "filename": path},
        },
        "root": {"level": "INFO", "handlers": ["queue"]},
    })
    logging.getLogger("app").info("through dictConfig")
    ll.shutdown()
    with open(path) as f:
        print("file", [json.loads(line)["message"] for line in f])
    """
)


@pytest.mark.native("a subprocess")
class TestImport:
    def test_loads_neither_asyncio_nor_ssl_nor_logging_config(self) -> None:
        """A fresh ``import lite_logging`` leaves asyncio, ssl and logging.config unloaded;
        a bad ``ssl_context`` is still refused, the loop still found once asyncio runs, and
        dictConfig still resolves handler names once logging.config is imported."""
        result = run_code(_PROGRAM, timeout=60)

        assert (0, "") == (result.returncode, result.stderr)
        assert [
            "[]",
            "refused True",
            "loop True None",
            "file ['through dictConfig']",
        ] == result.stdout.splitlines()
