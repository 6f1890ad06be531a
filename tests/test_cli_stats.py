"""lite_logging.cli.stats: counts, message templates, several files, EDN without the extra."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import RECORDS, record, run_cli, run_without_edn_format, write_jsonl

from lite_logging import cli
from lite_logging.cli.readers import to_edn_line
from lite_logging.cli.stats import template

pytestmark = pytest.mark.once  # the command run as a process: see the marker in pyproject.toml


@pytest.fixture
def app_log(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "app.jsonl", list(RECORDS))


class TestStats:
    def test_counts(self, tmp_path: Path) -> None:
        """Counts by level and logger, error rate, templated top messages and time span."""
        lines: list[dict[str, Any] | str] = [*RECORDS, "junk"]
        lines += [record(10 + n, message=f"user {n} logged in") for n in range(3)]
        path = write_jsonl(tmp_path / "s.jsonl", lines)

        result = run_cli("stats", str(path), "--json")

        assert 0 == result.returncode, result.stderr
        summary = json.loads(result.stdout)
        assert (8, 1, 2) == (summary["records"], summary["malformed"], summary["errors"])
        assert 2 / 8 == summary["error_rate"]
        assert {"CRITICAL": 1, "ERROR": 1, "WARNING": 1, "INFO": 4, "DEBUG": 1} == summary["levels"]
        assert 4 == summary["loggers"]["shop.api"]
        assert ("user <n> logged in", 4) == next(iter(summary["messages"].items()))
        assert ("2026-11-26T16:30:01.000000Z", "2026-11-26T16:30:12.000000Z", 11.0) == (
            summary["first"],
            summary["last"],
            summary["span_seconds"],
        )

    def test_lone_surrogates_do_not_break_json_output(self, tmp_path: Path) -> None:
        """A message holding a lone surrogate (valid JSON) is counted and printed escaped."""
        path = write_jsonl(tmp_path / "s.jsonl", [record(1, message="bad \ud800 char")])

        result = run_cli("stats", str(path), "--json", "--exact-messages")

        assert 0 == result.returncode, result.stderr
        assert {"bad \ud800 char": 1} == json.loads(result.stdout)["messages"]

    def test_line_breaks_in_messages_stay_escaped(self, tmp_path: Path) -> None:
        """--json prints one line whatever the messages hold (NEL, U+2028, U+2029)."""
        message = "ok\x85\u2028\u2029 end"
        path = write_jsonl(tmp_path / "s.jsonl", [record(1, message=message)])

        result = run_cli("stats", str(path), "--json", "--exact-messages")

        assert 0 == result.returncode, result.stderr
        assert [result.stdout.rstrip("\n")] == result.stdout.splitlines()
        assert {message: 1} == json.loads(result.stdout)["messages"]

    def test_pretty_tables(self, app_log: Path) -> None:
        """Without --json the counts print as tables."""
        result = run_cli("stats", str(app_log))

        assert 0 == result.returncode
        assert "5 records" in result.stdout
        assert any(line.split()[:2] == ["shop.api", "1"] for line in result.stdout.splitlines())

    def test_filters_apply(self, app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
        """The view filters also select what stats counts."""
        assert 0 == cli.main(["stats", str(app_log), "--json", "--logger", "shop.*"])

        assert 3 == json.loads(capfd.readouterr().out)["records"]

    def test_unreadable_file_does_not_hide_the_others(
        self, app_log: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """A missing file is named on stderr, the others are counted, exit 1."""
        missing = tmp_path / "nope.jsonl"

        assert 1 == cli.main(["stats", str(missing), str(app_log), "--json"])

        out, err = capfd.readouterr()
        assert (len(RECORDS), f"cannot read {missing}") == (
            json.loads(out)["records"],
            err.split(": ", 1)[1].split(":")[0],
        )


class TestWithoutEdnFormat:
    def test_json_and_our_edn_without_the_extra(self, app_log: Path, tmp_path: Path) -> None:
        """stats of a JSON file and of EDN we wrote needs no edn_format: all counted, exit 0."""
        edn = tmp_path / "app.edn"
        edn.write_text("".join(to_edn_line(r) + "\n" for r in RECORDS), encoding="utf-8")

        result = run_without_edn_format("stats", str(app_log), str(edn), "--json")

        assert (0, "") == (result.returncode, result.stderr)
        assert 2 * len(RECORDS) == json.loads(result.stdout)["records"]

    def test_foreign_edn_is_named_and_the_rest_counted(self, app_log: Path, tmp_path: Path) -> None:
        """EDN beyond our subset names the file and the extra once; the rest is counted; exit 1."""
        edn = tmp_path / "other.edn"
        edn.write_text("{:level :info :tags #{:a}}\n{:level :info :x sym}\n", encoding="utf-8")

        result = run_without_edn_format("stats", str(edn), str(app_log), "--json")

        assert 1 == result.returncode
        assert 1 == result.stderr.count("pip install lite-logging[edn]")
        assert f"{edn}:1:" in result.stderr
        summary = json.loads(result.stdout)
        assert (len(RECORDS), 2) == (summary["records"], summary["malformed"])


class TestTemplate:
    @pytest.mark.parametrize(
        ("message", "expected"),
        [
            ("user 42 logged in", "user <n> logged in"),
            ("took -1.5 s, 200ms", "took <n> s, <n>ms"),
            ("connect 127.0.0.1", "connect <ip>"),
            ("from 10.0.0.12:8080.", "from <ip>:<n>."),
            ("running v3.11.4 and 1.2.3.4.5", "running <version> and <version>"),
            ("user42 sha256 python3.11", "user42 sha256 python3.11"),
            ("id 019ac0c4-8f0a-7c3e-9b1d-5f2a6e0c1d77", "id <uuid>"),
            ("trace 4bf92f3577b34da6a3ce929d0e0e4736", "trace <hex>"),
            ("ratio 0.5", "ratio <n>"),
        ],
    )
    def test_numbers_ips_and_versions_mask_as_a_whole(self, message: str, expected: str) -> None:
        """A dotted quad is one <ip>, three or more dotted numbers one <version>, never <n>.0.1."""
        assert expected == template(message)

    def test_addresses_count_as_one_template(self, tmp_path: Path) -> None:
        """Messages differing only in the address count together."""
        path = write_jsonl(
            tmp_path / "ip.jsonl",
            [record(1, message="hit from 127.0.0.1"), record(2, message="hit from 10.1.2.3")],
        )

        result = run_cli("stats", str(path), "--json")

        assert {"hit from <ip>": 2} == json.loads(result.stdout)["messages"]
