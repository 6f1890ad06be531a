"""lite_logging in Pyodide (CPython 3.14 in WebAssembly, no threads): under Node, and on the
demo page in real headless Chromium. Everything is local: Pyodide's runtime files from the
npm package pinned in tests/pyodide/package-lock.json, pure-Python wheels downloaded by
tests/setup-env.sh, our package from the working tree.

The Node run (tests/pyodide/run.mjs) is started once per session: the README's code and
``ll.setup()`` with their records counted, then pytest inside Pyodide over the files of
tests/pyodide/test-files.txt. Results and the page's screenshot are kept in
tests/pyodide/artifacts/ (not committed).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "tests" / "pyodide"
ARTIFACTS = HERE / "artifacts"
# JSPI (asyncio.run inside Pyodide); no memory-protection keys and lazy compilation: loading
# the 10 MB WebAssembly module is several times faster where mprotect is slow (sandboxes).
NODE_FLAGS = [
    "--experimental-wasm-stack-switching",
    "--no-wasm-memory-protection-keys",
    "--wasm-lazy-compilation",
]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Minutes on a loaded machine (Node run: Pyodide load 20 s, scenarios 11 s, 766 tests 89 s;
# Chromium 65 s, at load 6-7 on 2 cores) whatever the host's Python: CI runs it once, with
# the load tests, on the README's Python ("heavy"), not again on every interpreter.
pytestmark = pytest.mark.heavy


def _missing() -> str | None:
    """Why the Pyodide run cannot happen here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (HERE / "node_modules" / "pyodide" / "pyodide.mjs").is_file():
        return "no Pyodide runtime: `npm ci` in tests/pyodide failed (tests/setup-env.sh)"
    if not any((HERE / "wheels").glob("pytest-*.whl")):
        return "no wheels in tests/pyodide/wheels (tests/setup-env.sh downloads them)"
    return None


@pytest.fixture(scope="session")
def node_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The results of one run of tests/pyodide/run.mjs (scenarios, then the inner pytest).

    One run per pytest session: under pytest-xdist a worker given some of these tests after
    another worker started the run waits for its results (a lock in the session's temporary
    folder, shared by the workers) instead of starting a second one.
    """
    reason = _missing()
    if reason:
        pytest.skip(reason)
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return _run_node()
    shared = tmp_path_factory.getbasetemp().parent  # the session's, above each worker's
    with (shared / "pyodide-node-run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        done = shared / "pyodide-node-run.json"
        if not done.is_file():
            done.write_text(json.dumps(_run_node()))
        return dict(json.loads(done.read_text()))


def _run_node() -> dict[str, Any]:
    """Run tests/pyodide/run.mjs once under Node; its results (kept in ARTIFACTS too)."""
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / "node-run.json"
    out.unlink(missing_ok=True)
    command = ["node", *NODE_FLAGS, str(HERE / "run.mjs"), "--scenarios", "--pytest"]
    proc = subprocess.run(
        [*command, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    (ARTIFACTS / "node-run.log").write_text(proc.stdout + proc.stderr)
    assert out.is_file(), f"run.mjs wrote no results (exit {proc.returncode}):\n{proc.stderr}"
    return dict(json.loads(out.read_text()))


class TestUnderNode:
    def test_it_is_cpython_314_without_threads(self, node_run: dict[str, Any]) -> None:
        """The interpreter is Pyodide's CPython 3.14, where a thread cannot start."""
        scenarios = node_run["scenarios"]
        assert scenarios["python"].startswith("3.14.")
        assert "emscripten" == scenarios["platform"]
        assert "RuntimeError: can't start new thread" == scenarios["thread_start"]

    def test_readme_dict_config_delivers_every_record(self, node_run: dict[str, Any]) -> None:
        """The README's dictConfig, unchanged: every kept record is one parsed line."""
        run = node_run["scenarios"]["readme_dict_config"]
        assert run["flushed"]
        assert run["api_lines_in_order"]  # all 500 shop.api records, in order
        assert 0 == run["dropped"]
        assert run["enqueued"] == run["delivered"] == run["written"] == run["lines"]
        assert run["lines"] == run["parsed"]
        sampling = run["filters"]["SamplingFilter"]
        assert 1000 == sampling["kept"] + sampling["sampled_out"]
        assert run["lines"] == sampling["kept"]

    def test_setup_prod_prints_every_record(self, node_run: dict[str, Any]) -> None:
        """``ll.setup("prod")`` (the README's block): each record one JSON line on stdout."""
        run = node_run["scenarios"]["setup_prod"]
        assert run["flushed"]
        assert run["logged"] == run["lines"] == run["parsed"] == run["pipeline"]["delivered"]
        assert "user 42 logged in" == run["first"]["message"]
        assert {"request_id": "r-1"} == run["first"]["context"]

    def test_setup_dev_prints_every_record(self, node_run: dict[str, Any]) -> None:
        """``ll.setup("dev")``: each record on the pretty console, rich text on stderr under
        Node (a terminal's console, though ``js.console`` exists; docs/pyodide.md)."""
        run = node_run["scenarios"]["setup_dev"]
        assert run["flushed"]
        assert run["logged"] == run["lines_with_message"]
        assert ["RichHandler"] == run["console_handlers"]

    def test_event_loop_batches(self, node_run: dict[str, Any]) -> None:
        """asyncio tasks' records go out in batches from the event loop, none lost."""
        run = node_run["scenarios"]["in_event_loop"]
        assert run["logged"] == run["lines"] == run["delivered"]
        assert run["batches"] < run["logged"] // 10
        assert [0, 1, 2, 3] == run["workers"]

    def test_suite_passes_inside_pyodide(self, node_run: dict[str, Any]) -> None:
        """pytest inside Pyodide: tests ran, none failed; skips say what Pyodide lacks."""
        run = node_run["pytest"]
        assert run["python"].startswith("3.14.")
        assert [] == run["failures"]
        assert (0, 0) == (run["failed"], run["errors"])
        assert run["passed"] > 200
        assert 0 == run["exit_code"]


@pytest.fixture(scope="module")
def demo_server() -> Iterator[str]:
    """examples/pyodide/serve.py on 127.0.0.1 and a free port; the page's address."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    if not Path(CHROMIUM).is_file():
        pytest.skip("chromium is not installed (tests/apt-packages.txt)")
    with subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "pyodide" / "serve.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()  # "serving http://127.0.0.1:PORT/..."
            assert line.startswith("serving http://127.0.0.1:"), line
            yield line.split()[1]
        finally:
            proc.terminate()
            proc.wait(10)


class TestDemoPageInChromium:
    def test_page_shows_every_record_in_three_formats(self, demo_server: str) -> None:
        """Headless Chromium runs the demo: the same records as JSON, EDN and pretty lines,
        every JSON line parses, the developer console got them by level; screenshot kept.
        Then ``ll.setup("dev")`` in the page writes to the developer console."""
        ARTIFACTS.mkdir(exist_ok=True)
        screenshot = ARTIFACTS / "demo-page.png"
        screenshot.unlink(missing_ok=True)
        proc = subprocess.run(
            ["node", str(HERE / "browser.mjs"), demo_server, str(screenshot), CHROMIUM],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert 0 == proc.returncode, proc.stderr
        page = json.loads(proc.stdout.splitlines()[-1])
        (ARTIFACTS / "demo-page.json").write_text(json.dumps(page, indent=1))
        assert "done" == page["status"], page["page_errors"]
        assert [] == page["page_errors"]
        pipeline = page["stats"]["pipelines"]["queue"]
        delivered = pipeline["delivered"]
        assert delivered == pipeline["enqueued"] > 0
        assert delivered == page["json"] == page["json_parsed"] == page["edn"] == page["pretty"]
        assert page["first_edn"].startswith("{:timestamp #inst ")
        assert " INFO " in page["first_pretty"]
        # span records, context and sampling made it through
        first = json.loads(page["first_json"])
        assert {"request_id": "r-0", "user": "u-0"} == first["context"]
        assert 32 == len(first["trace_id"])
        console = page["console"]  # by console method: log, debug, warning, error
        assert delivered == sum(console.values())
        assert console["warning"] > 0
        assert console["error"] > 0
        assert screenshot.stat().st_size > 10_000
        # then ll.setup("dev") in the page: its records go to the developer console, by level
        assert ["BrowserConsoleHandler"] == page["dev_handlers"]
        assert {"log": 1, "warning": 1, "error": 1} == page["dev_console"]
        assert "dev info 1" in page["dev_texts"][0]
