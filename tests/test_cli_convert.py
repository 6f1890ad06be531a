"""lite_logging.cli.convert: JSON lines <-> EDN lines, malformed lines, EDN without the extra."""

from __future__ import annotations

import json
from pathlib import Path

import edn_format
import pytest
from cli_support import RECORDS, run_cli, run_without_edn_format, write_jsonl

from lite_logging.cli.readers import to_edn_line

pytestmark = pytest.mark.once  # the command run as a process: see the marker in pyproject.toml


@pytest.fixture
def app_log(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "app.jsonl", list(RECORDS))


class TestConvert:
    def test_json_to_edn_to_json_is_lossless(self, app_log: Path, tmp_path: Path) -> None:
        """Converting to EDN and back gives equal data; the EDN parses with edn_format."""
        edn_path, back = tmp_path / "a.edn", tmp_path / "back.jsonl"

        to_edn = run_cli("convert", str(app_log), "--to", "edn", "-o", str(edn_path))
        to_json = run_cli("convert", str(edn_path), "--to", "json", "-o", str(back))

        assert (0, 0) == (to_edn.returncode, to_json.returncode)
        edn_lines = edn_path.read_text(encoding="utf-8").splitlines()
        assert len(RECORDS) == len([edn_format.loads(line) for line in edn_lines])
        assert RECORDS == [json.loads(line) for line in back.read_text().splitlines()]

    def test_line_breaks_in_strings_stay_escaped(self, tmp_path: Path) -> None:
        """A message holding NEL/U+2028/U+2029 converts both ways to one line per record."""
        records = [dict(RECORDS[0], message=f"ok{sep}{{}}") for sep in "\x85\u2028\u2029"]
        source = write_jsonl(tmp_path / "a.jsonl", records)
        edn_path, back = tmp_path / "a.edn", tmp_path / "back.jsonl"

        run_cli("convert", str(source), "--to", "edn", "-o", str(edn_path))
        run_cli("convert", str(edn_path), "--to", "json", "-o", str(back))

        edn_lines = edn_path.read_text(encoding="utf-8").splitlines()
        assert 3 == len([edn_format.loads(line) for line in edn_lines])
        assert records == [json.loads(line) for line in back.read_text().splitlines()]

    def test_to_stdout_skipping_malformed_lines(self, tmp_path: Path) -> None:
        """Without -o the output goes to stdout; malformed lines are skipped and named."""
        path = write_jsonl(tmp_path / "a.jsonl", [RECORDS[0], "junk", RECORDS[1]])

        result = run_cli("convert", str(path), "--to", "edn")

        assert 0 == result.returncode
        assert 2 == len(result.stdout.splitlines())
        assert f"{path}:2: skipped malformed line" in result.stderr

    def test_refuses_to_overwrite_its_input(self, app_log: Path) -> None:
        """-o naming the input file is a usage error, and the file is left alone."""
        before = app_log.read_bytes()

        result = run_cli("convert", str(app_log), "--to", "edn", "-o", str(app_log))

        assert (2, before) == (result.returncode, app_log.read_bytes())

    def test_unwritable_output_exits_1(self, app_log: Path, tmp_path: Path) -> None:
        """An -o that cannot be opened is named on stderr, exit 1."""
        result = run_cli("convert", str(app_log), "--to", "edn", "-o", str(tmp_path / "no/x"))

        assert 1 == result.returncode
        assert "cannot write" in result.stderr


class TestWithoutEdnFormat:
    def test_our_own_edn_needs_no_extra(self, tmp_path: Path) -> None:
        """EDN written by lite_logging converts without edn_format installed."""
        path = tmp_path / "a.edn"
        path.write_text("".join(to_edn_line(r) + "\n" for r in RECORDS), encoding="utf-8")

        result = run_without_edn_format("convert", str(path), "--to", "json")

        assert (0, "") == (result.returncode, result.stderr)
        assert RECORDS == [json.loads(line) for line in result.stdout.splitlines()]

    def test_other_edn_names_the_extra(self, tmp_path: Path) -> None:
        """A line beyond our subset (a set) is skipped, the extra named, exit 1; the rest
        still converts."""
        path = tmp_path / "a.edn"
        path.write_text(to_edn_line(RECORDS[0]) + "\n{:tags #{:a :b}}\n", encoding="utf-8")

        result = run_without_edn_format("convert", str(path), "--to", "json")

        assert 1 == result.returncode
        assert "pip install lite-logging[edn]" in result.stderr
        assert f"{path}:2:" in result.stderr
        assert [RECORDS[0]] == [json.loads(line) for line in result.stdout.splitlines()]
