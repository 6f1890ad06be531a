#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then install the package.
#   bash tests/setup-env.sh VENV [EXTRAS]
# - Debian packages listed in tests/apt-packages.txt (servers the tests start as ordinary
#   processes: rsyslog, prometheus...), with apt-get when run as root; otherwise it says
#   which are missing, and their tests skip with that reason.
# - the package, editable, with EXTRAS (default "dev") into VENV.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
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
"$venv/bin/pip" install -q -e "$(dirname "$here")[$extras]"
