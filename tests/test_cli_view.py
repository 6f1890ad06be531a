"""lite_logging.cli.view: pretty and JSON output, filters, -n after the filters, follow."""

from __future__ import annotations

import contextlib
import io
import json
import queue
import signal
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from cli_support import (
    PYTHON,
    RECORDS,
    messages_in_json_output,
    record,
    run_cli,
    write_jsonl,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from lite_logging import cli
from lite_logging.cli.readers import to_edn_line


@pytest.fixture
def app_log(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "app.jsonl", list(RECORDS))


def view_json(capfd: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """Run ``view --json ARGS`` in-process and return the messages printed."""
    assert 0 == cli.main(["view", "--json", *args])
    return messages_in_json_output(capfd.readouterr().out)


@pytest.mark.once
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

    def test_non_utf8_line_is_named_with_its_number(
        self, tmp_path: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """A line starting with the bytes FF FE is an undecodable line, not a UTF-16 error."""
        path = tmp_path / "bom.jsonl"
        path.write_bytes(json.dumps(RECORDS[0]).encode() + b'\n\xff\xfe{"a": 1}\n')

        assert 0 == cli.main(["view", str(path)])

        out = capfd.readouterr().out
        assert "line 2: malformed (not UTF-8: undecodable byte 0xff at column 1)" in out
        assert "UTF-16" not in out


class TestRecordsWithoutTime:
    def test_no_timestamp_shows_a_placeholder_not_now(
        self, tmp_path: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """A record without a timestamp shows --:--:--.--- and no date line of today."""
        untimed = {"level": "INFO", "logger": "app", "message": "no time"}
        path = write_jsonl(tmp_path / "t.jsonl", [untimed])

        assert 0 == cli.main(["view", str(path)])

        assert "--:--:--.--- INFO     app: no time\n" == capfd.readouterr().out

    def test_unreadable_timestamp_is_shown_as_written(
        self, tmp_path: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """A timestamp that is not a time keeps its text among the fields."""
        path = write_jsonl(tmp_path / "t.jsonl", [record(1, timestamp="yesterday")])

        assert 0 == cli.main(["view", str(path)])

        (line,) = capfd.readouterr().out.splitlines()
        assert line.startswith("--:--:--.--- INFO")
        assert "extra.timestamp=yesterday" in line


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


def _users(count: int) -> list[dict[str, Any] | str]:
    """``count`` records, every fourth by ada, the rest by bob."""
    return [
        record(n % 60, message=f"m{n}", context={"user": "ada" if n % 4 == 0 else "bob"})
        for n in range(count)
    ]


class TestLastLines:
    def test_last_lines(self, app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
        """-n N without filters shows the file's last N records."""
        assert ["failed", "down"] == view_json(capfd, str(app_log), "-n", "2")

    def test_limit_applies_after_the_filters(
        self, tmp_path: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """-n 3 with --where shows the last 3 matching records, however far back they are."""
        path = write_jsonl(tmp_path / "u.jsonl", [*_users(512), *[record(1)] * 50])

        shown = view_json(capfd, str(path), "--where", "context.user=ada", "-n", "3")

        assert ["m500", "m504", "m508"] == shown

    def test_fewer_matches_than_n(self, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
        """When fewer records match than N, all of them show, in file order."""
        path = write_jsonl(tmp_path / "u.jsonl", _users(9))

        assert ["m0", "m4", "m8"] == view_json(
            capfd, str(path), "--where", "context.user=ada", "-n", "10"
        )

    def test_limit_after_filters_on_stdin(self, tmp_path: Path) -> None:
        """From a pipe too, -n counts the records that pass the filters."""
        text = "".join(json.dumps(r) + "\n" for r in _users(40))

        result = run_cli("view", "--json", "--level", "INFO", "--where", "context.user=ada",
                         "-n", "2", stdin=text)  # fmt: skip

        assert ["m32", "m36"] == messages_in_json_output(result.stdout)

    def test_malformed_lines_count_as_shown_lines(
        self, tmp_path: Path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        """A malformed line is printed, so it is one of the last N (as with tail)."""
        path = write_jsonl(tmp_path / "m.jsonl", [record(1), record(2), "junk", record(3)])

        assert 0 == cli.main(["view", str(path), "--json", "-n", "2"])

        out, err = capfd.readouterr()
        assert (["event 3"], 1) == (messages_in_json_output(out), err.count(": malformed ("))


def _default_sigint() -> None:
    """In the child: SIGINT's default action, also when the tests run in a background job
    (a shell without job control starts those with SIGINT ignored, and Python then never
    raises KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class TestFollow:
    def test_follow_survives_rotation(self, tmp_path: Path) -> None:
        """view -f prints lines a writer appends, also after the file is rotated."""
        path = write_jsonl(tmp_path / "live.jsonl", [record(0)])
        proc = subprocess.Popen(
            [PYTHON, "-m", "lite_logging", "view", "-f", "--json", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_default_sigint,
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
            try:
                code = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()  # never leave a follower behind (it would hold the reader thread)
                raise
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
