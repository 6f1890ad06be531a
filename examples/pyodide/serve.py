"""Serve the Pyodide demo page from this checkout, nothing from a CDN.

    python examples/pyodide/serve.py [--port 8000]

Builds lite_logging's wheel from the working tree into examples/pyodide/build/, writes
build/manifest.json (where the page finds Pyodide's runtime files, from the npm ``pyodide``
package in tests/pyodide/node_modules, and the wheels to install: ours and the pure-Python
ones tests/setup-env.sh downloaded into tests/pyodide/wheels), then serves the checkout on
127.0.0.1 and prints the page's address. ``--port 0`` picks a free port.
"""

from __future__ import annotations

import argparse
import base64
import configparser
import functools
import hashlib
import http.server
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(__file__).resolve().parent / "build"
PYODIDE = ROOT / "tests" / "pyodide" / "node_modules" / "pyodide"
WHEELS = ROOT / "tests" / "pyodide" / "wheels"
NEEDED = ("python_json_logger", "rich", "markdown_it_py", "mdurl", "pygments")


def build_wheel(out: Path) -> Path:
    """lite_logging's pure-Python wheel, built from the working tree (no build backend
    needed: a wheel is a zip of the package and its ``.dist-info``)."""
    meta = configparser.ConfigParser()
    meta.read(ROOT / "setup.cfg")
    version = meta["metadata"]["version"]
    dist = f"lite_logging-{version}.dist-info"
    files: dict[str, bytes] = {}
    for path in sorted((ROOT / "lite_logging").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    requires = [r.strip() for r in meta["options"]["install_requires"].splitlines() if r.strip()]
    files[f"{dist}/METADATA"] = "\n".join(
        [
            "Metadata-Version: 2.1",
            "Name: lite-logging",
            f"Version: {version}",
            *(f"Requires-Dist: {r}" for r in requires),
            "",
        ]
    ).encode()
    files[f"{dist}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: examples/pyodide/serve.py\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    out.mkdir(parents=True, exist_ok=True)
    wheel = out / f"lite_logging-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return wheel


def write_manifest(out: Path) -> Path:
    """build/manifest.json: the runtime's folder and the wheels, as paths on the server."""
    if not (PYODIDE / "pyodide.js").is_file():
        sys.exit("no Pyodide runtime: run `npm ci` in tests/pyodide (tests/setup-env.sh does)")
    deps = [w for w in sorted(WHEELS.glob("*.whl")) if w.name.lower().startswith(NEEDED)]
    if len(deps) < len(NEEDED):
        sys.exit("missing wheels in tests/pyodide/wheels: run tests/setup-env.sh")
    ours = build_wheel(out)
    url = lambda p: "/" + p.relative_to(ROOT).as_posix()  # noqa: E731 - one line
    manifest = {"pyodide": url(PYODIDE) + "/", "wheels": [url(w) for w in [*deps, ours]]}
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, indent=1))
    return path


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types a browser insists on for modules and WebAssembly."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".whl": "application/zip",
    }

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the page's requests are not worth a line each."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="0: a free port")
    args = parser.parse_args()
    write_manifest(BUILD)
    handler = functools.partial(_Handler, directory=str(ROOT))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        port = server.server_address[1]
        print(f"serving http://127.0.0.1:{port}/examples/pyodide/index.html", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
