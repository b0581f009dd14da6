#!/usr/bin/env bash
# The main job of README.md: set up the venv if needed, then generate the synthetic worms
# (if missing), train SemiConv Mask R-CNN on CPU, evaluate it and draw its pictures.
# Extra arguments go to tools/main_job.py (see --help).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/setup_env.sh"
cd "$root"
exec "$root/.venv/bin/python" tools/main_job.py "$@"
