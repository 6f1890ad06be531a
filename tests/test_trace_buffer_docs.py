"""docs/trace-buffer.md: its recipe still prints the records the page shows."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.once  # the docs' recipe: see the marker in pyproject.toml

DOC = Path(__file__).resolve().parent.parent / "docs" / "trace-buffer.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), re.S)


def shape(line: str) -> tuple[object, ...]:
    """What a line must keep across runs: everything but ids, times and durations."""
    record = json.loads(line)
    return (
        record["level"],
        record["logger"],
        record["message"],
        record.get("released_late"),
        "parent_span_id" in record,
        record["source"]["line"],
    )


class TestRecipe:
    def test_recipe_prints_what_the_page_shows(self, tmp_path: Path) -> None:
        """Run the recipe as shop.py: same records, same order, same counters."""
        (tmp_path / "shop.py").write_text(blocks("python")[0])
        run = subprocess.run(
            [sys.executable, "shop.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert "" == run.stderr
        *got, got_stats = run.stdout.splitlines()
        *shown, shown_stats = blocks("json")[0].splitlines()
        assert [shape(line) for line in shown] == [shape(line) for line in got]
        assert ast.literal_eval(shown_stats) == ast.literal_eval(got_stats)
