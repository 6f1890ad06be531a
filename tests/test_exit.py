"""Interpreter exit: records still queued when the program ends are all written.

Each test runs a small program in a subprocess. Its target handler is held shut until the
last record is logged, so at exit nearly every record is still in the queue; the program
then ends (normally, by ``sys.exit(3)`` or by an uncaught exception) without calling
``shutdown()``. The queue handler is named so that it is created *before* its target,
which is the order in which ``logging.shutdown`` would close the target first, and the
target writes nothing once closed.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from process_helpers import run_code

N = 3000

PROGRAM = textwrap.dedent(
    """
    import logging, logging.config, sys, threading
    import lite_logging

    released = threading.Event()

    class HeldFileHandler(lite_logging.BatchFileHandler):
        shut = False  # like a socket handler: nothing gets through once closed

        def handle_batch(self, records):
            released.wait()
            if not self.shut:
                super().handle_batch(records)

        def close(self):
            self.shut = True
            super().close()

    queue_handler = {queue_handler}
    logging.config.dictConfig({{
        "version": 1,
        "formatters": {{"plain": {{"format": "%(message)s"}}}},
        "handlers": {{
            "a_queue": queue_handler,
            "z_file": {{
                "class": "__main__.HeldFileHandler",
                "filename": {path!r},
                "formatter": "plain",
            }},
        }},
        "root": {{"level": "INFO", "handlers": ["a_queue"]}},
    }})
    log = logging.getLogger("exit.test")
    for i in range({n}):
        log.info("line %d", i)
    released.set()
    {ending}
    """
)

ENDINGS = {
    "normal": ("pass", 0),
    "sys.exit": ("sys.exit(3)", 3),
    "uncaught": ("raise RuntimeError('the end')", 1),
}

FACTORY = '{"()": "lite_logging.AsyncQueueHandler", "handlers": ["z_file"], "maxsize": 100000}'
NATIVE = (
    '{"class": "lite_logging.AsyncQueueHandler", "handlers": ["z_file"],'
    ' "listener": "lite_logging.BatchingQueueListener"}'
)

FORMS = [
    pytest.param(FACTORY, id="factory"),
    pytest.param(
        NATIVE,
        id="native",
        marks=pytest.mark.skipif(
            sys.version_info < (3, 12), reason='dictConfig knows "listener" from 3.12'
        ),
    ),
]


@pytest.mark.slow
class TestExit:
    @pytest.mark.parametrize("form", FORMS)
    @pytest.mark.parametrize("ending", list(ENDINGS))
    def test_nothing_lost_at_exit(self, tmp_path: Path, form: str, ending: str) -> None:
        """Every record logged before the end is in the file, in order, once."""
        path = tmp_path / "out.log"
        statement, expected_code = ENDINGS[ending]
        program = PROGRAM.format(queue_handler=form, path=str(path), n=N, ending=statement)
        done = run_code(program, timeout=120)
        assert expected_code == done.returncode, done.stderr
        assert [f"line {i}" for i in range(N)] == path.read_text().splitlines()
        assert "Logging error" not in done.stderr
