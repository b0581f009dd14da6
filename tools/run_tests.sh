#!/usr/bin/env bash
# The test command of README.md: set up the venv if needed, then run the whole suite
# (slow end-to-end tests included). Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/setup_env.sh"
cd "$root"
exec "$root/.venv/bin/python" -m pytest "$@"
