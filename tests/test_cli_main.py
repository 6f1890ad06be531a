"""lite_logging.cli: main, the parser, --version, exit codes, python -m, a reader going away."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

import pytest
from cli_support import PYTHON, record, run_cli, write_jsonl

from lite_logging import cli


@pytest.mark.once
class TestCommand:
    def test_no_command_is_a_usage_error(self) -> None:
        """Without a command the usage is printed and the exit code is 2."""
        result = run_cli()

        assert 2 == result.returncode
        assert "usage: lite-logging" in result.stderr

    def test_importing_the_cli_does_not_import_rich(self) -> None:
        """rich is imported by the commands that print, not by importing the modules."""
        code = (
            "import sys, lite_logging.cli, lite_logging.cli.view, lite_logging.cli.stats, "
            "lite_logging.cli.demo, lite_logging.demo; print('rich' in sys.modules)"
        )

        result = subprocess.run(
            [PYTHON, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )

        assert "False" == result.stdout.strip()

    def test_entry_point_is_main(self) -> None:
        """setup.cfg's lite_logging.cli:main is the function main()."""
        assert "main" == cli.main.__name__
        assert ["main"] == cli.__all__


@pytest.mark.once
class TestVersion:
    def test_version_prints_the_installed_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--version prints the distribution's version and exits 0."""
        with pytest.raises(SystemExit) as exc:
            cli.main(["--version"])

        assert 0 == exc.value.code
        assert f"lite-logging {metadata.version('lite-logging')}\n" == capsys.readouterr().out

    def test_python_dash_m(self) -> None:
        """python -m lite_logging --version works as the script does."""
        result = run_cli("--version")

        assert (0, f"lite-logging {metadata.version('lite-logging')}") == (
            result.returncode,
            result.stdout.strip(),
        )


class TestBrokenPipe:
    @pytest.mark.parametrize("mode", [[], ["--json"]])
    def test_reader_going_away_ends_quietly(self, tmp_path: Path, mode: list[str]) -> None:
        """When stdout's reader closes early (| head) the command exits 0 with no traceback."""
        path = write_jsonl(tmp_path / "many.jsonl", [record(n % 60) for n in range(5000)])
        proc = subprocess.Popen(
            [PYTHON, "-m", "lite_logging", "view", str(path), *mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()

        code = proc.wait(timeout=60)
        errors = proc.stderr.read()
        proc.stderr.close()

        assert (0, b"") == (code, errors)
