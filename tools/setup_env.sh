#!/usr/bin/env bash
# Create (or reuse) the project venv with the pinned OpenMMLab stack and this package.
#
# Idempotent: a stamp in the venv records the hash of every file that decides what is
# installed; when it matches, nothing is reinstalled, so a second run takes seconds.
# mmcv is the slow step (9-21 min on fresh 2-core machines: 9 min 33 s, 13 min, 20 min 50 s): it is only built when `mmcv._ext` is missing.
#
#   VENV=/path/to/venv tools/setup_env.sh   # default: .venv beside this repository
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$root/.venv}"
py="${PYTHON:-python3}"

stamp="$venv/.semiconv-setup-stamp"
want="$(cat "$root"/requirements/*.txt "$root"/setup.cfg "$root"/setup.py \
  "$root"/model-index.yml "$0" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

[[ -x "$venv/bin/python" ]] || "$py" -m venv "$venv"
vpy="$venv/bin/python"
pip=("$vpy" -m pip install --disable-pip-version-check)

echo "[setup] build requirements (torch, setuptools<81, wheel, ninja)"
"${pip[@]}" -r "$root/requirements/build.txt"

if ! "$vpy" -c 'import mmcv, mmcv._ext; assert mmcv.__version__ == "2.1.0"' 2>/dev/null; then
  echo "[setup] building mmcv 2.1.0 with its ops from source (9-21 minutes on 2 cores)"
  # FORCE_CUDA=0 builds the CPU ops; on a CUDA machine with nvcc use FORCE_CUDA=1.
  MMCV_WITH_OPS=1 FORCE_CUDA="${FORCE_CUDA:-0}" MAX_JOBS="${MAX_JOBS:-2}" \
    "${pip[@]}" --no-build-isolation -r "$root/requirements/mmcv.txt"
  "$vpy" -c 'import mmcv._ext' || { echo "[setup] mmcv built without mmcv._ext" >&2; exit 1; }
fi

echo "[setup] runtime and test requirements"
"${pip[@]}" -r "$root/requirements/runtime.txt" -r "$root/requirements/tests.txt"
echo "[setup] mmdet_semiconv (editable)"
"${pip[@]}" --no-build-isolation --no-deps -e "$root"

echo "$want" > "$stamp"
