#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then install the package.
#   bash tests/setup-env.sh VENV [EXTRAS]
# - Debian packages listed in tests/apt-packages.txt (servers the tests start as ordinary
#   processes: rsyslog, prometheus...), with apt-get when run as root; otherwise it says
#   which are missing, and their tests skip with that reason.
# - the package, editable, with EXTRAS (default "dev") into VENV (with uv, else pip).
# - for the Pyodide tests (tests/test_pyodide.py): the npm packages pinned in
#   tests/pyodide/package-lock.json (Pyodide's runtime files, playwright-core) with `npm ci`,
#   skipped when node_modules already matches the lockfile; and the pure-Python wheels of
#   tests/pyodide/requirements.txt, downloaded into tests/pyodide/wheels/ (kept there). Without
#   npm, or without the registries, those tests skip and say why.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# One run at a time (CI builds the venvs of the other interpreters while the README's command
# runs): apt-get, `npm ci` and the wheels' folder are shared by every venv. The lock is held
# on this script's own file until the run ends.
if command -v flock >/dev/null; then
    exec 9<"$here/setup-env.sh"
    flock 9
fi
venv="${1:?usage: setup-env.sh VENV [EXTRAS]}"
extras="${2:-dev}"

mapfile -t wanted < <(grep -v '^\s*#' "$here/apt-packages.txt" | sed '/^\s*$/d')
missing=()
for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup-env: apt-get install ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "setup-env: not root or no apt-get: missing ${missing[*]} (their tests will skip)"
    fi
fi
# uv installs the ~60 packages of the test extra in seconds where pip takes ~50 s (measured
# on Python 3.12, both from PyPI); pip remains the fallback.
if "$venv/bin/pip" install -q uv 2>/dev/null; then
    "$venv/bin/uv" pip install -q --python "$venv/bin/python" -e "$(dirname "$here")[$extras]"
else
    "$venv/bin/pip" install -q -e "$(dirname "$here")[$extras]"
fi

pyodide_dir="$here/pyodide"
if command -v npm >/dev/null; then
    # Skipped when node_modules holds what this lockfile pins (its copy, left by the last npm ci).
    if ! cmp -s "$pyodide_dir/package-lock.json" "$pyodide_dir/node_modules/.package-lock.json.ci" 2>/dev/null; then
        echo "setup-env: npm ci in tests/pyodide"
        if (cd "$pyodide_dir" && npm ci --no-audit --no-fund --loglevel=error); then
            cp "$pyodide_dir/package-lock.json" "$pyodide_dir/node_modules/.package-lock.json.ci"
        else
            echo "setup-env: npm ci failed (the Pyodide tests will skip)"
        fi
    fi
else
    echo "setup-env: no npm: the Pyodide tests will skip"
fi
# Pure-Python wheels for Pyodide, skipped when the folder holds this requirements file's.
if ! cmp -s "$pyodide_dir/requirements.txt" "$pyodide_dir/wheels/.requirements.txt" 2>/dev/null; then
    echo "setup-env: pure-Python wheels for Pyodide into tests/pyodide/wheels"
    if "$venv/bin/pip" download -q --only-binary=:all: --no-deps --python-version 3.14 \
        --implementation py --abi none --platform any \
        -r "$pyodide_dir/requirements.txt" -d "$pyodide_dir/wheels" 2>/dev/null; then
        cp "$pyodide_dir/requirements.txt" "$pyodide_dir/wheels/.requirements.txt"
    else
        echo "setup-env: the wheels for Pyodide could not be downloaded (its tests will skip)"
    fi
fi
