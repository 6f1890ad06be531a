"""lite_logging.cli.demo: the follow-up commands name the running interpreter's command."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from lite_logging.cli import demo
from lite_logging.demo import DemoResult


def _result(files: list[str]) -> DemoResult:
    return DemoResult(files=files, requests=3, stats={}, failed_trace_id="ab" * 16)


class TestCommandPrefix:
    def test_script_beside_the_interpreter(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With a lite-logging script beside sys.executable (a venv's bin/), its path."""
        (tmp_path / "lite-logging").touch()
        monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))

        assert str(tmp_path / "lite-logging") == demo.command_prefix()

    def test_interpreter_dash_m_otherwise(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without the script: the running interpreter with -m lite_logging, quoted."""
        python = tmp_path / "my env" / "python"
        monkeypatch.setattr(sys, "executable", str(python))

        assert f"{shlex.quote(str(python))} -m lite_logging" == demo.command_prefix()

    def test_printed_commands_use_the_prefix(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Every "Try:" line starts with the runnable command, not a bare lite-logging."""
        monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
        files = [str(tmp_path / "demo.jsonl"), str(tmp_path / "demo.edn")]

        demo.show_result(_result(files))

        out = capsys.readouterr().out
        tries = out.split("Try:\n", 1)[1].splitlines()
        prefix = f"  {shlex.quote(str(tmp_path / 'python'))} -m lite_logging "
        assert 4 == len(tries)
        assert all(line.startswith(prefix) for line in tries)
        assert tries[-1].endswith(f"stats {files[0]} {files[1]}")
