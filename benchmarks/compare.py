"""Side-by-side comparison of two checkouts: the same harness rows, interleaved, medians.

Usage (from the repository root)::

    git archive c638d88 | (mkdir -p /tmp/old && tar -x -C /tmp/old)
    git archive HEAD | (mkdir -p /tmp/new && tar -x -C /tmp/new)
    python benchmarks/compare.py /tmp/old /tmp/new --rows lite:single,lite:fmt-json --repeat 5

Each run is ``run.py --worker LIB SCENARIO`` of that checkout, in a fresh interpreter with
the checkout first on ``PYTHONPATH`` and as working directory, so each side imports its own
``lite_logging`` and its own workloads. Runs alternate between the two checkouts (the order
flips every repeat), so drift on a noisy machine hits both sides alike. Prints, per row and
figure, the medians with min-max and the ratio new/old; exits 1 when a run fails its check.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any

FIGURES = ("caller_ns", "e2e_s")


def _run(checkout: str, lib: str, scenario: str, records: int) -> dict[str, Any]:
    """One worker run of ``checkout``; its JSON result."""
    env = dict(os.environ, PYTHONPATH=checkout)
    script = os.path.join(checkout, "benchmarks", "run.py")
    argv = [sys.executable, script, "--worker", lib, scenario, "--records", str(records)]
    done = subprocess.run(argv, env=env, cwd=checkout, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if not lines:
        return {"status": "failed", "detail": done.stderr.strip()[-500:]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):.4g} [{min(values):.4g}-{max(values):.4g}]"


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="the baseline checkout (a folder)")
    parser.add_argument("new", help="the checkout to compare with it")
    parser.add_argument("--rows", default="lite:single", help="LIB:SCENARIO,... (run.py names)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per side and row")
    parser.add_argument("--records", type=int, default=50_000, help="records per run")
    parser.add_argument(
        "--figures",
        default=",".join(FIGURES),
        help="run.py figures to compare (also cpu_us_per_record, syscw_per_1k, rss_growth_mb...)",
    )
    args = parser.parse_args(argv)
    failed = False
    for row in args.rows.split(","):
        lib, _, scenario = row.partition(":")
        runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
        for i in range(args.repeat):
            order = ("old", "new") if i % 2 == 0 else ("new", "old")
            for side in order:
                result = _run(getattr(args, side), lib, scenario, args.records)
                if result.get("status") != "passed":
                    failed = True
                    print(f"{row} {side}: {result.get('status')}: {result.get('detail')}")
                    continue
                runs[side].append(result)
        for figure in args.figures.split(","):
            old = [r[figure] for r in runs["old"] if r.get(figure) is not None]
            new = [r[figure] for r in runs["new"] if r.get(figure) is not None]
            if not old or not new:
                continue
            base = statistics.median(old)
            ratio = f"{statistics.median(new) / base:.3f}" if base else "n/a"
            print(f"{row} {figure}: old {_summary(old)}  new {_summary(new)}  new/old {ratio}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
