#!/usr/bin/env bash
# Held-out runs of the colouring benchmark (issue 24): seeds 20-24, all four arms, with the
# recipe frozen by the rule in coloring_tuning.sh. Cached and resumable; one thread.
#
#   bash .dev_scripts/coloring_heldout.sh SET [SEED...]
#
# Frozen on 2026-12-05 from the tuning table (docs/benchmark_coloring.md, "Tuning"), before
# any held-out run existed:
#   nuclei: stride1_absorb          mean semi-conv mask AP 0.861 over seeds 300/301
#   worms:  stride1_absorb_overlap  mean semi-conv mask AP 0.021 over seeds 300/301
set -euo pipefail
set_name=$1
shift
seeds=("$@")
[[ ${#seeds[@]} -gt 0 ]] || seeds=(20 21 22 23 24)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
source .dev_scripts/coloring_recipes.sh
declare -A frozen=([nuclei]=stride1_absorb [worms]=stride1_absorb_overlap)
[[ -v frozen[$set_name] ]] || { echo "no frozen recipe for $set_name: ${!frozen[*]}" >&2; exit 2; }
for seed in "${seeds[@]}"; do
  # one seed at a time, all arms, so that a cut session leaves whole seeds behind
  ARMS="semiconv conv maskrcnn solov2" run_recipe "$set_name" "${frozen[$set_name]}" "$seed"
done
