"""lite_logging.cli.readers._tail: a file's last lines, and its last N entries that pass."""

from __future__ import annotations

import io
import json
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from lite_logging.cli.readers import (
    Entry,
    Follower,
    _tail,
    last_entries,
    last_entries_of_file,
    read_entries,
)


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def _line(n: int) -> str:
    return json.dumps({"level": "INFO", "message": f"m{n}"}) + "\n"


def _messages(entries: list[Entry]) -> list[str]:
    return [e.record["message"] for e in entries if e.record is not None]


_LINES = st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"x")), max_size=12)


class TestTail:
    @settings(max_examples=150, deadline=None)
    @given(_LINES, st.booleans(), st.integers(min_value=0, max_value=15))
    def test_seek_tail_finds_the_last_lines(
        self, lines: list[bytes], final_newline: bool, count: int
    ) -> None:
        """After seek_tail the stream holds exactly the last N lines, numbered as in the file."""
        data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
        whole = data.split(b"\n")
        if data.endswith(b"\n"):
            whole.pop()
        if not data:
            whole = []
        stream = io.BytesIO(data)

        with mock.patch.object(_tail, "_BLOCK", 5):  # many blocks, also across newlines
            first = _tail.seek_tail(stream, count)
            rest = stream.read().split(b"\n")
        if rest and rest[-1] == b"":
            rest.pop()

        expected = whole[max(0, len(whole) - count) :] if count else []
        if not count and data and not data.endswith(b"\n"):
            expected = whole[-1:]  # a line still being written is kept for later
        assert (expected, len(whole) - len(expected) + 1) == (rest, first)

    def test_last_entries_of_a_pipe(self) -> None:
        """last_entries keeps the last N entries that pass, from a stream read once."""
        entries = read_entries(iter([_line(n).encode() for n in range(10)]), "-")

        kept = last_entries(
            entries, 2, lambda e: e.record is not None and e.record["message"] < "m5"
        )

        assert (["m3", "m4"], [4, 5]) == (_messages(kept), [e.lineno for e in kept])

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.booleans(), max_size=40), st.integers(min_value=0, max_value=12))
    def test_last_entries_of_file_reads_back_far_enough(
        self, passes: list[bool], count: int
    ) -> None:
        """However rare the entries that pass, the last N of them are found, numbered."""
        data = "".join(_line(n) for n in range(len(passes))).encode()
        wanted = {f"m{n}" for n, ok in enumerate(passes) if ok}
        stream = io.BytesIO(data)

        with mock.patch.object(_tail, "_BLOCK", 7):
            kept = last_entries_of_file(
                stream,
                count,
                lambda e: e.record is not None and e.record["message"] in wanted,
                lambda first: read_entries(stream, "t", first),
            )

        expected = [n for n, ok in enumerate(passes) if ok][-count:] if count else []
        assert ([f"m{n}" for n in expected], [n + 1 for n in expected]) == (
            _messages(kept),
            [e.lineno for e in kept],
        )

    def test_follower_starts_at_the_tail(self, tmp_path: Path) -> None:
        """Follower(tail=N) first returns the last N lines, with their line numbers."""
        path = tmp_path / "t.jsonl"
        _append(path, "".join(_line(n) for n in range(5)))
        f = Follower(str(path), tail=2)
        try:
            entries = f.poll()
        finally:
            f.close()

        assert (["m3", "m4"], [4, 5]) == (_messages(entries), [e.lineno for e in entries])
