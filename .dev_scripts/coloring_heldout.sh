#!/usr/bin/env bash
# Held-out runs of the colouring benchmark: all arms, each with its frozen recipe, one seed
# at a time (a cut session leaves whole seeds behind). Cached and resumable; one thread.
#
#   bash .dev_scripts/coloring_heldout.sh SET [SEED...]         # issue 37: seeds 25-29
#   FROZEN=24 bash .dev_scripts/coloring_heldout.sh SET [SEED...]  # issue 24: seeds 20-24
#
# Issue 24, frozen on 2026-12-05 (commit 3ab6469) from the tuning table before any held-out
# run existed; the semi-conv recipe for both colouring arms, the baselines as committed:
#   nuclei: stride1_absorb          mean semi-conv mask AP 0.861 over seeds 300/301
#   worms:  stride1_absorb_overlap  mean semi-conv mask AP 0.021 over seeds 300/301
#
# Issue 37, frozen on 2026-12-07 by the rule in coloring_tuning.sh (each arm's best of its two
# recipes, mean mask AP on seeds 300/301; Psi = Phi runs semi-conv's), before any run of seeds
# 25-29 existed. No code that these runs execute may change until every one of them is done.
#   worms: semiconv se          0.398 (se_medoid 0.379)
#          maskrcnn lr2x        0.283 (default 0.233)
#          solov2 lr2x          0.153 (default 0.140)
set -euo pipefail
set_name=$1
shift
seeds=("$@")
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
source .dev_scripts/coloring_recipes.sh
arms=(semiconv conv maskrcnn solov2)
declare -A frozen
if [[ ${FROZEN:-37} == 24 ]]; then
  [[ ${#seeds[@]} -gt 0 ]] || seeds=(20 21 22 23 24)
  for arm in "${arms[@]}"; do
    frozen[nuclei:$arm]=default frozen[worms:$arm]=default
  done
  frozen[nuclei:semiconv]=stride1_absorb frozen[nuclei:conv]=stride1_absorb
  frozen[worms:semiconv]=stride1_absorb_overlap frozen[worms:conv]=stride1_absorb_overlap
else
  [[ ${#seeds[@]} -gt 0 ]] || seeds=(25 26 27 28 29)
  frozen=(
    [worms:semiconv]=se [worms:conv]=se [worms:maskrcnn]=lr2x [worms:solov2]=lr2x
  )
fi
[[ -v frozen[$set_name:semiconv] ]] || { echo "no frozen recipes for $set_name" >&2; exit 2; }
for seed in "${seeds[@]}"; do
  for arm in "${arms[@]}"; do
    ARMS=$arm run_recipe "$set_name" "${frozen[$set_name:$arm]}" "$seed"
  done
done
recipes_of=()
for arm in "${arms[@]}"; do recipes_of+=("$arm=${frozen[$set_name:$arm]}"); done
echo "report: python .dev_scripts/benchmark_coloring.py --sets $set_name --seeds ${seeds[*]}" \
  "--report-only --arm-recipes ${recipes_of[*]}"
