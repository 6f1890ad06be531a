"""lite_logging.cli.readers._follow: following a growing file across rotation."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lite_logging.cli.readers import Entry, Follower, follow


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def _line(n: int) -> str:
    return json.dumps({"level": "INFO", "message": f"m{n}"}) + "\n"


def _messages(entries: list[Entry]) -> list[str]:
    return [e.record["message"] for e in entries if e.record is not None]


@pytest.fixture
def follower(tmp_path: Path) -> Iterator[Follower]:
    path = tmp_path / "app.jsonl"
    _append(path, _line(0))
    f = Follower(str(path))
    yield f
    f.close()


class TestFollower:
    def test_existing_then_appended_lines(self, follower: Follower) -> None:
        """The first poll returns what is there; later polls only what was appended."""
        first = follower.poll()
        _append(Path(follower.path), _line(1) + _line(2))

        assert (["m0"], ["m1", "m2"], []) == (
            _messages(first),
            _messages(follower.poll()),
            _messages(follower.poll()),
        )

    def test_partial_line_waits_for_its_newline(self, follower: Follower) -> None:
        """Half a line is held back until the rest arrives."""
        follower.poll()
        whole = _line(1)
        _append(Path(follower.path), whole[:10])
        held = follower.poll()
        _append(Path(follower.path), whole[10:])

        assert ([], ["m1"]) == (_messages(held), _messages(follower.poll()))

    def test_rotation_by_rename(self, follower: Follower) -> None:
        """After a rename and a new file: the old file's rest, then the new file from line 1."""
        path = Path(follower.path)
        follower.poll()
        _append(path, _line(1))
        path.rename(path.with_suffix(".1"))
        _append(path, _line(2))

        entries = follower.poll()

        assert (["m1", "m2"], [2, 1]) == (_messages(entries), [e.lineno for e in entries])

    def test_rename_without_new_file_keeps_reading_the_old(self, follower: Follower) -> None:
        """Moved away and not yet recreated: lines still written to the old file arrive."""
        path = Path(follower.path)
        follower.poll()
        moved = path.with_suffix(".1")
        path.rename(moved)
        _append(moved, _line(1))

        assert ["m1"] == _messages(follower.poll())

    def test_truncation_restarts_at_the_beginning(self, follower: Follower) -> None:
        """A file truncated in place (copytruncate) is read again from its start."""
        path = Path(follower.path)
        _append(path, _line(1))
        follower.poll()
        with open(path, "w", encoding="utf-8") as f:
            f.write(_line(2))

        entries = follower.poll()

        assert (["m2"], [1]) == (_messages(entries), [e.lineno for e in entries])

    def test_follow_with_a_writer_thread(self, tmp_path: Path) -> None:
        """follow() yields every line a concurrent writer appends, across a rotation."""
        path = tmp_path / "w.jsonl"
        path.touch()
        f = Follower(str(path))
        stop = threading.Event()
        watchdog = threading.Timer(15.0, stop.set)  # a broken follow fails, never hangs
        watchdog.start()

        def writer() -> None:
            for n in range(50):
                _append(path, _line(n))
            path.rename(tmp_path / "w.jsonl.1")
            for n in range(50, 100):
                _append(path, _line(n))

        thread = threading.Thread(target=writer)
        thread.start()
        seen: list[str] = []
        try:
            for entry in follow([f], interval=0.01, should_stop=stop.is_set):
                assert entry.record is not None
                seen.append(entry.record["message"])
                if len(seen) == 100:
                    break
        finally:
            watchdog.cancel()
            thread.join()
            f.close()

        assert [f"m{n}" for n in range(100)] == seen

    def test_tail_counts_entries_that_pass(self, tmp_path: Path) -> None:
        """Follower(tail=N, keep=...) starts with the last N entries that keep accepts."""
        path = tmp_path / "k.jsonl"
        _append(path, "".join(_line(n) for n in range(300)))
        f = Follower(str(path), tail=2, keep=lambda e: e.record is not None and
                     e.record["message"] in ("m3", "m7", "m8"))  # fmt: skip
        try:
            first = f.poll()
            _append(path, _line(300))
            later = f.poll()
        finally:
            f.close()

        assert (["m7", "m8"], ["m300"]) == (_messages(first), _messages(later))
