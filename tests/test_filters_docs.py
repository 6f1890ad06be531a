"""The Python examples of docs/filters.md run as written."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

import lite_logging as ll

pytestmark = pytest.mark.once  # the docs' examples: see the marker in pyproject.toml

DOC = Path(__file__).resolve().parent.parent / "docs" / "filters.md"


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


class TestExamples:
    def test_there_are_examples(self) -> None:
        """The page has its three examples: filters in code, ll.Logger, the dictConfig dict."""
        expected = 3
        assert expected == len(_examples())

    @pytest.mark.usefixtures("restore_logging")
    def test_examples_run(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The examples run; the configured pipeline drops, redacts and enriches."""
        monkeypatch.setenv("APP_ENV", "test")
        namespace: dict[str, object] = {}
        logger_class = logging.getLoggerClass()
        try:
            for example in _examples():
                exec(compile(example, str(DOC), "exec"), namespace)  # our own docs page
        finally:
            logging.setLoggerClass(logger_class)
        assert isinstance(namespace["log"], ll.Logger)
        log = logging.getLogger("shop.api")
        logging.getLogger("urllib3.connection").error("denied by the namespace filter")
        log.error("login password=%s", "hunter2")
        err = capsys.readouterr().err
        assert "denied" not in err
        assert "login password=***" in err
