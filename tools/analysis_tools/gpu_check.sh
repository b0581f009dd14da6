#!/usr/bin/env bash
# The GPU check (tools/analysis_tools/gpu_check.py): set up the venv if needed, then run it.
# On a machine without CUDA it prints that it is skipped and exits 0.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/tools/setup_env.sh"
cd "$root"
exec "$root/.venv/bin/python" tools/analysis_tools/gpu_check.py "$@"
