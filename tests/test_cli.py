"""The lite-logging command: view (filters, traces, follow), convert, stats, exit codes."""

from __future__ import annotations

import contextlib
import io
import json
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import edn_format
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lite_logging import cli
from lite_logging._reader import to_edn_line

PYTHON = sys.executable


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lite_logging ARGS`` and capture its output."""
    return subprocess.run(
        [PYTHON, "-m", "lite_logging", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def record(
    n: int, level: str = "INFO", logger: str = "shop.api", message: str | None = None, **kw: Any
) -> dict[str, Any]:
    """A record in the schema, one second after the previous ``n``."""
    data: dict[str, Any] = {
        "timestamp": f"2026-11-26T16:30:{n:02d}.000000Z",
        "level": level,
        "logger": logger,
        "message": message if message is not None else f"event {n}",
        "event_id": f"019ac0c4-8f0a-7c3e-9b1d-{n:012x}",
    }
    data.update(kw)
    return data


def write_jsonl(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def messages_in_json_output(out: str) -> list[str]:
    return [json.loads(line)["message"] for line in out.splitlines()]


RECORDS = [
    record(1, "DEBUG", "shop.db", "select 1", context={"request_id": "r-1"}),
    record(2, "INFO", "shop.api", "user 42 logged in", user_id=42, context={"request_id": "r-1"}),
    record(3, "WARNING", "shop.api.v2", "slow", context={"request_id": "r-2"}),
    record(4, "ERROR", "shopping", "failed", context={"request_id": "r-2"}),
    record(5, "CRITICAL", "billing", "down"),
]


@pytest.fixture
def app_log(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "app.jsonl", list(RECORDS))


class TestCommand:
    def test_no_command_is_a_usage_error(self) -> None:
        """Without a command the usage is printed and the exit code is 2."""
        result = run_cli()

        assert 2 == result.returncode
        assert "usage: lite-logging" in result.stderr

    def test_importing_the_cli_does_not_import_rich(self) -> None:
        """rich is imported by the commands that print, not by importing the modules."""
        code = "import sys, lite_logging.cli, lite_logging.demo; print('rich' in sys.modules)"

        result = subprocess.run(
            [PYTHON, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )

        assert "False" == result.stdout.strip()


class TestView:
    def test_pretty_lines_and_malformed_lines(self, tmp_path: Path) -> None:
        """Records print one per line; a malformed line shows with its number; exit 0."""
        path = write_jsonl(tmp_path / "a.jsonl", [RECORDS[0], "{oops", RECORDS[1]])

        result = run_cli("view", str(path))

        assert 0 == result.returncode, result.stderr
        lines = result.stdout.splitlines()
        assert any("select 1" in line and "shop.db" in line for line in lines)
        assert any("user 42 logged in" in line and "user_id=42" in line for line in lines)
        assert any(line.startswith("line 2: malformed") and "{oops" in line for line in lines)

    def test_edn_file(self, tmp_path: Path) -> None:
        """EDN lines are detected and shown like JSON lines."""
        path = tmp_path / "a.edn"
        path.write_text("".join(to_edn_line(r) + "\n" for r in RECORDS), encoding="utf-8")

        result = run_cli("view", str(path), "--json")

        assert 0 == result.returncode, result.stderr
        assert RECORDS == [json.loads(line) for line in result.stdout.splitlines()]

    def test_stdin_when_no_file_or_dash(self) -> None:
        """With no file, or "-", the records come from stdin."""
        text = "".join(json.dumps(r) + "\n" for r in RECORDS[:2])

        results = [
            run_cli("view", "--json", stdin=text),
            run_cli("view", "-", "--json", stdin=text),
        ]

        expected = ["select 1", "user 42 logged in"]
        assert [expected, expected] == [messages_in_json_output(r.stdout) for r in results]

    def test_unreadable_file_exits_1_naming_it(self, app_log: Path, tmp_path: Path) -> None:
        """A missing file is named on stderr and gives exit 1; the other files still print."""
        missing = tmp_path / "nope.jsonl"

        result = run_cli("view", str(missing), str(app_log), "--json")

        assert 1 == result.returncode
        assert str(missing) in result.stderr
        assert len(RECORDS) == len(result.stdout.splitlines())

    def test_several_files_get_headers(
        self, app_log: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """With several inputs each one's records follow a "==> FILE <==" line, as tail does."""
        other = write_jsonl(tmp_path / "other.jsonl", [record(9, message="from other")])

        assert 0 == cli.main(["view", str(app_log), str(other)])

        out = capfd.readouterr().out.splitlines()
        first, second = out.index(f"==> {app_log} <=="), out.index(f"==> {other} <==")
        assert first < second
        assert "from other" in out[second + 1]

    def test_bad_usage_exits_2(self, app_log: Path) -> None:
        """An unknown level, a bad wildcard and a --where without '=' are usage errors."""
        codes = [
            run_cli("view", str(app_log), *bad).returncode
            for bad in (["--level", "LOUD"], ["--logger", "a..b"], ["--where", "nokey"])
        ]

        assert [2, 2, 2] == codes

    def test_terminal_escapes_are_not_passed_through(self, tmp_path: Path) -> None:
        """ANSI escapes and newlines in a message are shown escaped, not interpreted."""
        path = write_jsonl(tmp_path / "x.jsonl", [record(1, message="a\x1b[2Jb\nINFO fake")])

        result = run_cli("view", str(path))

        assert "\x1b" not in result.stdout
        assert "a\\x1b[2Jb" in result.stdout
        assert not any(line.startswith("INFO fake") for line in result.stdout.splitlines())


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(
        ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999+14:00", "2026-11-26", "ERROR"]
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_FIELDS = st.sampled_from(
    [
        "timestamp",
        "level",
        "logger",
        "message",
        "context",
        "source",
        "exception",
        "trace_id",
        "span_id",
        "span_name",
        "duration_ms",
        "parent_span_id",
        "msg",
        "args",
        "x",
    ]
)


class TestNeverCrashes:
    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.dictionaries(_FIELDS, _JSON, max_size=8), min_size=1, max_size=4))
    def test_any_json_objects(self, records: list[dict[str, Any]]) -> None:
        """Whatever types the fields hold, view, --trace and stats print and exit 0."""
        with tempfile.TemporaryDirectory() as folder:
            path = str(write_jsonl(Path(folder) / "odd.jsonl", list(records)))
            commands = [["view", path], ["view", path, "--trace", ""], ["stats", path]]
            with contextlib.redirect_stdout(io.StringIO()):
                codes = [cli.main(command) for command in commands]

        assert [0, 0, 0] == codes


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


def view_json(capfd: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """Run ``view --json ARGS`` in-process and return the messages printed."""
    assert 0 == cli.main(["view", "--json", *args])
    return messages_in_json_output(capfd.readouterr().out)


class TestViewFilters:
    def test_level_at_or_above(self, app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
        """--level keeps records at or above the level."""
        assert ["slow", "failed", "down"] == view_json(capfd, str(app_log), "--level", "warning")

    def test_logger_wildcard(self, app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
        """--logger uses NamespaceFilter's wildcards: shop.* never matches shopping."""
        assert ["select 1", "user 42 logged in", "slow"] == view_json(
            capfd, str(app_log), "--logger", "shop.*"
        )

    def test_where_dotted_path(self, app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
        """--where reaches into context with a dotted path."""
        assert ["slow", "failed"] == view_json(
            capfd, str(app_log), "--where", "context.request_id=r-2"
        )

    def test_where_number_and_several(
        self, app_log: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """A number matches as JSON writes it; several --where must all hold."""
        args = ["--where", "user_id=42", "--where", "context.request_id=r-1"]

        assert ["user 42 logged in"] == view_json(capfd, str(app_log), *args)

    def test_since_until(self, app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
        """--since/--until bound the timestamps, inclusive, ISO times with Z or offsets."""
        args = ["--since", "2026-11-26T16:30:02Z", "--until", "2026-11-26T17:30:03+01:00"]

        assert ["user 42 logged in", "slow"] == view_json(capfd, str(app_log), *args)

    def test_last_lines(self, app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
        """-n N starts with the file's last N lines."""
        assert ["failed", "down"] == view_json(capfd, str(app_log), "-n", "2")

    def test_relative_since(self) -> None:
        """A span ago (15m) counts back from now."""
        now = cli._parse_iso("2026-11-26T16:30:00Z")

        assert cli._parse_iso("2026-11-26T16:15:00Z") == cli._parse_time("15m", now)


def span_record(n: int, name: str, span_id: str, parent: str | None, ms: float) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "span_name": name,
        "trace_id": "a" * 32,
        "span_id": span_id,
        "duration_ms": ms,
        "status": "ok",
        "attributes": {},
    }
    if parent:
        fields["parent_span_id"] = parent
    return record(n, logger="lite_logging.span", message=f"span {name} ok", **fields)


def indent(tree_line: str) -> int:
    """How deep a line of a rich tree is: the width of its guide characters."""
    return len(tree_line) - len(tree_line.lstrip(" │├└─"))


class TestTrace:
    def test_spans_as_a_tree_with_durations(self, tmp_path: Path) -> None:
        """--trace prints the trace's spans nested by parent_span_id, with durations."""
        lines = [
            record(3, message="in child", trace_id="a" * 32, span_id="c" * 16),
            span_record(4, "grandchild", "d" * 16, "c" * 16, 0.5),
            span_record(5, "child", "c" * 16, "b" * 16, 2.0),
            span_record(6, "root", "b" * 16, None, 10.0),
            record(7, message="other trace", trace_id="f" * 32, span_id="e" * 16),
        ]
        path = write_jsonl(tmp_path / "t.jsonl", lines)

        result = run_cli("view", str(path), "--trace", "aaaaaaaa")

        assert 0 == result.returncode, result.stderr
        out = result.stdout.splitlines()
        labels = ["root  10.000 ms", "child  2.000 ms", "in child", "grandchild  0.500 ms"]
        rows = [next(i for i, line in enumerate(out) if label in line) for label in labels]
        indents = [indent(out[row]) for row in rows]
        assert sorted(rows) == rows  # children in start order: the log line came first
        assert indents[0] < indents[1] < indents[2] == indents[3]
        assert "other trace" not in result.stdout

    def test_open_span_and_remote_parent(
        self, tmp_path: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """A span without end record still holds its records and child spans; a parent
        missing from the input is named on its child."""
        lines = [
            record(1, message="in open span", trace_id="a" * 32, span_id="c" * 16),
            span_record(2, "inner", "d" * 16, "c" * 16, 0.5),
            span_record(3, "joined", "e" * 16, "f" * 16, 1.0),
        ]
        path = write_jsonl(tmp_path / "t.jsonl", lines)

        assert 0 == cli.main(["view", str(path), "--trace", "a" * 32])

        out = capfd.readouterr().out.splitlines()
        rows = {
            label: next(line for line in out if label in line)
            for label in ("(no end record)", "in open span", "inner  0.500 ms", "joined")
        }
        assert f"span {'c' * 16} (no end record)" in rows["(no end record)"]
        depth = {label: indent(line) for label, line in rows.items()}
        assert depth["(no end record)"] == depth["joined"]
        assert depth["(no end record)"] < depth["in open span"] == depth["inner  0.500 ms"]
        assert f"(parent {'f' * 16} not in the input)" in rows["joined"]

    def test_trace_with_follow_is_refused(self, app_log: Path) -> None:
        """--trace needs the whole file, so it cannot follow."""
        assert 2 == run_cli("view", str(app_log), "--trace", "ab", "-f").returncode


class TestFollow:
    def test_follow_survives_rotation(self, tmp_path: Path) -> None:
        """view -f prints lines a writer appends, also after the file is rotated."""
        path = write_jsonl(tmp_path / "live.jsonl", [record(0)])
        proc = subprocess.Popen(
            [PYTHON, "-m", "lite_logging", "view", "-f", "--json", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None
        stdout = proc.stdout
        reader = threading.Thread(target=lambda: [lines.put(line) for line in stdout])
        reader.start()

        def expect(count: int) -> list[str]:
            return [json.loads(lines.get(timeout=20))["message"] for _ in range(count)]

        def append(numbers: range) -> None:
            with open(path, "a", encoding="utf-8") as f:
                for n in numbers:
                    f.write(json.dumps(record(n)) + "\n")

        try:
            first = expect(1)
            writer = threading.Thread(target=append, args=(range(1, 4),))
            writer.start()
            writer.join()
            appended = expect(3)
            path.rename(tmp_path / "live.jsonl.1")
            append(range(4, 6))
            rotated = expect(2)
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=20)
            reader.join()
            assert proc.stderr is not None
            proc.stderr.close()
            stdout.close()

        assert (["event 0"], ["event 1", "event 2", "event 3"], ["event 4", "event 5"]) == (
            first,
            appended,
            rotated,
        )
        assert 0 == code


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

    def test_edn_without_edn_format_names_the_extra(self, tmp_path: Path) -> None:
        """Without edn_format, reading EDN exits 1 with a message naming the 'edn' extra."""
        path = tmp_path / "a.edn"
        path.write_text(to_edn_line(RECORDS[0]) + "\n", encoding="utf-8")
        code = (
            "import sys; sys.modules['edn_format'] = None\n"
            "from lite_logging.cli import main; raise SystemExit(main(sys.argv[1:]))"
        )

        result = subprocess.run(
            [PYTHON, "-c", code, "convert", str(path), "--to", "json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        assert 1 == result.returncode
        assert "pip install lite-logging[edn]" in result.stderr


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
