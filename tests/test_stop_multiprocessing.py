"""multiprocessing children that return from their target lose nothing they logged.

``apps/mp_app.py`` starts children (``Process``, ``Pool`` left by close/join or by its
``with`` block, which SIGTERMs the workers, ``ProcessPoolExecutor``) with each start
method; every child or task logs 2,000 records and returns, the parent logs before and
after. The same app runs with our pipeline and with a stdlib ``FileHandler`` (the
control) at once; both files must hold every record exactly once.
"""

from __future__ import annotations

import multiprocessing
from contextlib import ExitStack
from pathlib import Path

import pytest
from process_helpers import Child, Tally, python, read_jsonl

COUNT = 2000
HANDLERS = ("stdlib", "ours")
METHODS = [
    m for m in ("fork", "forkserver", "spawn") if m in multiprocessing.get_all_start_methods()
]
KINDS = {"process": ["child-0", "child-1"]} | {
    kind: [f"task-{n}" for n in range(4)] for kind in ("pool-join", "pool-with", "executor")
}


def _tally(handler: str, path: Path, who: list[str], returncode: int) -> dict[str, Tally]:
    """``{"HANDLER WHO": Tally}``: flat, so that a failure lists each differing one."""
    lines = read_jsonl(path)
    return {
        f"{handler} {w}": Tally.of(
            lines,
            1 if w == "parent-done" else COUNT,
            records=lines.where(who=w),
            returncode=returncode,
        )
        for w in who
    }


@pytest.mark.slow
class TestMultiprocessing:
    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("kind", list(KINDS))
    def test_children_lose_nothing(self, tmp_path: Path, kind: str, method: str) -> None:
        """Every child's 2,000 records and the parent's are written once, whole."""
        with ExitStack() as stack:
            children = {
                h: stack.enter_context(
                    Child(
                        python("mp_app.py", kind, method),
                        cwd=tmp_path,
                        env={"LL_HANDLER": h, "LL_OUT": str(tmp_path / f"{h}.jsonl")},
                        name=h,
                    )
                )
                for h in HANDLERS
            }
            codes = {h: child.wait() for h, child in children.items()}
            for h, child in children.items():
                assert "done" in child.lines, f"{h}: {child.stderr_text()[-3000:]}"

        who = ["parent", *KINDS[kind], "parent-done"]
        actual: dict[str, Tally] = {}
        expected: dict[str, Tally] = {}
        for h in HANDLERS:
            actual |= _tally(h, tmp_path / f"{h}.jsonl", who, codes[h])
            expected |= {f"{h} {w}": Tally.ok(1 if w == "parent-done" else COUNT, 0) for w in who}
        assert expected == actual
