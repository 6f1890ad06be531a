"""The demo: it completes, its JSON and EDN files parse and show every feature it uses."""

from __future__ import annotations

import json
import logging
import logging.config
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import edn_format
import pytest

import lite_logging as ll
from lite_logging import cli, demo


class _Run:
    def __init__(self, result: subprocess.CompletedProcess[str], out: Path) -> None:
        self.result = result
        self.out = out
        self.jsonl = out / demo.JSONL_NAME
        self.edn = out / demo.EDN_NAME
        lines = self.jsonl.read_text(encoding="utf-8").splitlines()
        self.records: list[dict[str, Any]] = [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> _Run:
    """One demo run of one second, shared by the tests of this module."""
    out = tmp_path_factory.mktemp("demo") / "out"
    result = subprocess.run(
        [sys.executable, "-m", "lite_logging", "demo", "--seconds", "1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert 0 == result.returncode, result.stderr
    return _Run(result, out)


@pytest.mark.once
class TestDemoRun:
    def test_prints_the_files(self, run: _Run) -> None:
        """The summary on stdout names the JSON lines file and the EDN lines file."""
        assert str(run.jsonl) in run.result.stdout
        assert str(run.edn) in run.result.stdout

    def test_json_lines_parse(self, run: _Run) -> None:
        """Every line of demo.jsonl is a JSON object in the schema; there are many."""
        assert len(run.records) > 50
        assert all({"timestamp", "level", "logger", "message"} <= r.keys() for r in run.records)

    def test_edn_lines_parse(self, run: _Run) -> None:
        """Every line of demo.edn parses with edn_format, one per JSON line."""
        lines = run.edn.read_text(encoding="utf-8").splitlines()
        parsed = [edn_format.loads(line) for line in lines]

        assert len(run.records) == len(parsed)
        assert all(isinstance(item, edn_format.ImmutableDict) for item in parsed)

    def test_console_shows_info_files_keep_debug(self, run: _Run) -> None:
        """The console handler's INFO level holds behind the queue; the files get DEBUG."""
        assert any("DEBUG" == r["level"] for r in run.records)
        assert " DEBUG " not in run.result.stderr
        assert " INFO " in run.result.stderr

    def test_requests_carry_context(self, run: _Run) -> None:
        """Request records carry request_id and user from the ambient context."""
        api = [r for r in run.records if r["logger"] == "shop.api" and "context" in r]

        assert api
        assert all(re.fullmatch(r"r-\d+", r["context"]["request_id"]) for r in api)

    def test_one_handled_exception(self, run: _Run) -> None:
        """The failing checkout is logged once by the app, with its traceback."""
        failed = [r for r in run.records if r["message"].startswith("checkout failed")]

        assert 1 == len(failed)
        assert "ConnectionError: payment gateway timed out" in failed[0]["exception"]

    def test_span_records_nest(self, run: _Run) -> None:
        """Span records are present; db.query spans are children of request spans."""
        spans = {r["span_id"]: r for r in run.records if "duration_ms" in r}
        queries = [r for r in spans.values() if r["span_name"] == "db.query"]

        assert queries
        assert all(
            spans[q["parent_span_id"]]["span_name"].split()[0] in {"GET", "POST"}
            for q in queries
            if q.get("parent_span_id") in spans
        )

    def test_chatty_cache_is_sampled(self, run: _Run) -> None:
        """Cache debug lines carry sample_rate 0.1 and are far fewer than 3 per request."""
        cache = [r for r in run.records if r["logger"] == "shop.cache.items"]
        requests = [r for r in run.records if re.search(r" -> \d+$", r["message"])]

        assert all(0.1 == r["sample_rate"] for r in cache)
        assert len(cache) < 3 * len(requests)

    def test_pool_warning_is_rate_limited(self, run: _Run) -> None:
        """Pool warnings are limited: some carry a count of suppressed ones."""
        pool = [r for r in run.records if r["logger"] == "shop.db.pool"]

        assert any(r.get("suppressed", 0) > 0 for r in pool)

    def test_secrets_are_masked(self, run: _Run) -> None:
        """The card number and the API key never reach the files."""
        charged = [r for r in run.records if r["message"].startswith("charged")]
        files = [f for f in (run.jsonl, run.edn) if f.exists()]
        raw = "".join(f.read_text(encoding="utf-8") for f in files)

        assert charged
        assert all("***" == r["api_key"] for r in charged)
        assert "4111 1111" not in raw
        assert "sk_test_" not in raw

    def test_incoming_traceparent_joins_a_remote_parent(self, run: _Run) -> None:
        """Requests with a traceparent header have a parent span that is not in the file."""
        spans = {r["span_id"]: r for r in run.records if "duration_ms" in r}
        remote = [s for s in spans.values() if s.get("parent_span_id", "") not in {"", *spans}]

        assert remote
        assert all(s["span_name"].split()[0] in {"GET", "POST"} for s in remote)

    def test_failed_trace_can_be_viewed(self, run: _Run) -> None:
        """The trace id printed for the failed checkout shows its spans with the error."""
        trace_id = re.search(r"--trace ([0-9a-f]{32})", run.result.stdout)
        assert trace_id is not None

        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "lite_logging",
                "view",
                str(run.jsonl),
                "--trace",
                trace_id.group(1),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        assert 0 == result.returncode
        assert re.search(r"payments\.charge  [\d.]+ ms  error", result.stdout)


class TestBuildConfig:
    def test_dictconfig_writes_both_files(self, tmp_path: Path, restore_logging: None) -> None:
        """The demo's dict, given to dictConfig, writes a record to JSON and EDN files."""
        logging.config.dictConfig(demo.build_config(str(tmp_path), console="ext://sys.stdout"))
        files = [logging._handlers[name] for name in ("jsonl", "edn")]  # type: ignore[attr-defined]
        logging.getLogger("shop.api").warning("hello")
        ll.flush(timeout=10)
        for handler in files:  # behind the queue: not closed by restore_logging
            handler.close()

        line = (tmp_path / demo.JSONL_NAME).read_text(encoding="utf-8").splitlines()[-1]
        edn = edn_format.loads((tmp_path / demo.EDN_NAME).read_text(encoding="utf-8"))
        assert ("hello", "WARNING") == (json.loads(line)["message"], json.loads(line)["level"])
        assert "hello" == edn[edn_format.Keyword("message")]


class TestDemoCommand:
    def test_unwritable_out_dir_exits_1(
        self, tmp_path: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """An --out that cannot be created is named on stderr, exit 1, before any logging."""
        blocker = tmp_path / "file"
        blocker.touch()

        code = cli.main(["demo", "--out", str(blocker / "x")])

        assert 1 == code
        assert f"cannot write to {blocker / 'x'}" in capfd.readouterr().err

    def test_negative_seconds_is_a_usage_error(self) -> None:
        """--seconds below 0 exits 2."""
        with pytest.raises(SystemExit) as exc:
            cli.main(["demo", "--seconds", "-1"])

        assert 2 == exc.value.code
