"""Several processes append to one file through the pipeline: every line whole, none lost.

Four processes run ``apps/append_app.py`` on the same file, released together; each logs
25,000 records, one in ten with a 4 KB field, and exits normally. Every line must parse,
and each writer's records must all be there, once. The stdlib ``FileHandler`` (one
``write`` per record) is the control; ours writes each batch with one ``O_APPEND`` write.
(25,000, not 50,000: ours and the control together need ~13 s of CPU time, measured, so
~7 s on two cores.)"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from process_helpers import Child, Tally, python, read_jsonl

pytestmark = pytest.mark.once  # processes appending to a file (O_APPEND): see pyproject.toml

WRITERS = 4
COUNT = 25_000
BLOB = "x" * 4096


@pytest.mark.slow
class TestSharedFile:
    @pytest.mark.parametrize("handler", ["stdlib", "ours"])
    def test_four_writers(self, tmp_path: Path, handler: str) -> None:
        """4 x 25,000 records (some 4 KB lines) appended to one file: all whole, all once."""
        out = tmp_path / "out.jsonl"
        with ExitStack() as stack:
            writers = [
                stack.enter_context(
                    Child(
                        python("append_app.py", handler, out, f"w{n}", COUNT),
                        cwd=tmp_path,
                        name=f"w{n}",
                    )
                )
                for n in range(WRITERS)
            ]
            for writer in writers:
                writer.wait_for_line("ready")
            for writer in writers:
                writer.write_line("go")
            codes = [writer.wait(60) for writer in writers]

        lines = read_jsonl(out)
        by_writer = lines.by("who")
        actual = {
            f"w{n}": Tally.of(lines, COUNT, records=by_writer.get(f"w{n}", []), returncode=code)
            for n, code in enumerate(codes)
        }
        assert {f"w{n}": Tally.ok(COUNT, 0) for n in range(WRITERS)} == actual
        blobs = [r["blob"] for r in lines.records if "blob" in r]
        assert [BLOB] * (WRITERS * COUNT // 10) == blobs
