"""Every code block in README.md and docs/ runs, with Sybil; shown output is compared.

- A ```python block runs in the page's namespace, in order, in a fresh temporary directory
  and with ``logging`` isolated (``lite_logging.testing.isolated``). What it prints, and what
  the pipelines it configured write to stdout (after ``ll.flush()``), is kept.
- A block right after ``<!-- output -->`` is compared with what the python block before it
  printed: JSON lines field by field, with values that change per run (timestamps, ids,
  durations, source locations) checked for their shape only; other text as a doctest
  (``...`` matches anything, whitespace is normalised).
- ``<!-- skip: next "reason" -->`` skips the next block (Sybil's skip directive); a
  ``>>>`` session inside a python block is a doctest.
- Blocks in other languages (``sh``, plain diagrams, ``json`` that is not output) are text.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import logging
import os
import re
import sys
import unittest
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sybil import Document, Example, Region
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

import lite_logging as ll
from lite_logging import testing

pytestmark = pytest.mark.once  # the docs' examples: see the marker in pyproject.toml

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "docs" / "recipes").glob("*.md")]
)

_OUTPUT_MARK = "<!-- output -->"
_LAST_OUTPUT = "__docs_last_output__"

# Values that change per run: checked for their shape, not their value.
_VOLATILE: dict[str, re.Pattern[str]] = {
    "timestamp": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"),
    "event_id": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
    "trace_id": re.compile(r"[0-9a-f]{32}"),
    "span_id": re.compile(r"[0-9a-f]{16}"),
    "parent_span_id": re.compile(r"[0-9a-f]{16}"),
}
_ANY_VALUE = frozenset({"source", "duration_ms", "process", "thread"})


class OutputParser:
    """Sybil parser: a fenced block right after ``<!-- output -->`` is expected output."""

    def __init__(self) -> None:
        self.lexer = FencedCodeBlockLexer(
            language=r"[\w-]*", mapping={"language": "language", "source": "source"}
        )

    def __call__(self, document: Document) -> Iterable[Region]:
        for lexed in self.lexer(document):
            if document.text[: lexed.start].rstrip().endswith(_OUTPUT_MARK):
                yield Region(lexed.start, lexed.end, str(lexed.lexemes["source"]), check_output)


def check_output(example: Example) -> str | None:
    """Compare the block with what the python block before it printed."""
    expected = str(example.parsed)
    got = example.namespace.get(_LAST_OUTPUT, "")
    lines = [line for line in expected.splitlines() if line.strip()]
    try:
        want = [json.loads(line) for line in _join_json(lines)]
    except ValueError:
        checker = doctest.OutputChecker()
        flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        if checker.check_output(expected, got, flags):
            return None
        return f"output differs:\n--- expected\n{expected}--- got\n{got}"
    try:
        have = [json.loads(obj) for obj in _join_json(got.splitlines())]
    except ValueError:
        return f"expected JSON, got:\n{got}"
    if len(want) != len(have):
        return f"expected {len(want)} JSON lines, got {len(have)}:\n{got}"
    for w, h in zip(want, have, strict=True):
        problem = _compare(w, h)
        if problem:
            return f"{problem}\n--- expected\n{json.dumps(w)}\n--- got\n{json.dumps(h)}"
    return None


def _join_json(lines: list[str]) -> Iterator[str]:
    """Lines of JSON, where one object may be wrapped over several lines."""
    buf = ""
    for line in lines:
        buf += line
        try:
            json.loads(buf)
        except ValueError:
            continue
        yield buf
        buf = ""
    if buf:
        yield buf


def _compare(want: Any, have: Any, path: str = "") -> str | None:
    if isinstance(want, dict) and isinstance(have, dict):
        if sorted(want) != sorted(have):
            return f"{path or 'record'}: keys {sorted(want)} != {sorted(have)}"
        for key, value in want.items():
            if key in _ANY_VALUE:
                continue
            pattern = _VOLATILE.get(key)
            if pattern is not None and isinstance(have[key], str):
                if not pattern.fullmatch(have[key]):
                    return f"{path}{key}: {have[key]!r} does not look like a {key}"
                continue
            problem = _compare(value, have[key], f"{path}{key}.")
            if problem:
                return problem
        return None
    if want != have:
        return f"{path.rstrip('.')}: expected {want!r}, got {have!r}"
    return None


def parse(page: Path) -> Document:
    """The page as a Sybil document: python blocks, doctests, skips, expected output."""
    parsers = [PythonCodeBlockParser(), SkipParser(), OutputParser()]
    return Document.parse(str(page), *parsers)


@pytest.fixture
def in_tmp_dir(tmp_path: Path) -> Iterator[Path]:
    """Run in an empty directory, with ``logging`` and ``lite_logging`` restored after."""
    old = Path.cwd()
    before = {id(h) for h in _all_handlers()}
    os.chdir(tmp_path)
    try:
        with testing.isolated():
            yield tmp_path
            added = [h for h in _all_handlers() if id(h) not in before]
            for handler in added:  # handlers an example attached and left open
                handler.close()
    finally:
        testing.reset()
        os.chdir(old)


def _all_handlers() -> list[logging.Handler]:
    """Every live handler, also targets behind a queue that no logger holds."""
    # logging keeps weak references to all handlers in _handlerList, for shutdown()
    refs = list(logging._handlerList)  # type: ignore[attr-defined]
    return [h for h in (ref() for ref in refs) if h is not None]


def run_page(page: Path) -> int:
    """Evaluate every example of ``page`` in order; return how many ran."""
    document = parse(page)
    document.namespace["__name__"] = "__main__"  # as a script would (Flask(__name__) needs it)
    stdout = io.StringIO()
    ran = 0
    for example in document:
        start = stdout.tell()
        is_python = example.region.evaluator is not check_output
        with contextlib.redirect_stdout(stdout):
            try:
                example.evaluate()
            except unittest.SkipTest:
                continue
            except Exception as error:
                where = f"{page.relative_to(ROOT)}, line {example.line}"
                raise AssertionError(f"{where}: {error}") from error
            if is_python:
                ll.flush(timeout=5)
        if is_python:
            document.namespace[_LAST_OUTPUT] = stdout.getvalue()[start:]
        ran += 1
    return ran


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
@pytest.mark.usefixtures("in_tmp_dir")
def test_page_examples_run(page: Path) -> None:
    """Every python block of the page runs and every shown output matches."""
    run_page(page)
    assert sys.stdout is not None


def test_pages_have_examples() -> None:
    """The parser finds the python blocks (a broken parser would pass every page)."""
    assert len(list(parse(ROOT / "README.md"))) >= 3
