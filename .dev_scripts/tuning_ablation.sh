#!/usr/bin/env bash
# The tuning ablation of docs/benchmark_synthetic_worms.md on one tuning seed: Mask R-CNN and
# each semi-conv recipe, one option added per row, all fine-tuned from the same stage 1.
# Cached and resumable (.dev_scripts/benchmark_staged.py); one thread per run.
#
#   bash .dev_scripts/tuning_ablation.sh 300                       # every row
#   bash .dev_scripts/tuning_ablation.sh 301 s1_band_rep_offset    # these rows only
#
# The rule that freezes the held-out recipe (stated before the last tuning rows were read):
# the recipe with the highest mean mask AP over tuning seeds 300 and 301; the P2 recipe (the
# paper's read of Psi) if no fine-stride recipe beats it. Nothing of seeds 15-19 but their
# stage 1 (which does not depend on the branch) runs before that recipe is committed.
#
# Frozen (2026-12-01) on the four recipes that had finished: p2 (mean mask AP 0.433 over
# seeds 300/301) over s1 (0.422), s1_band (0.421), s1_band_rep (0.414). The s1_band_rep_offset
# row had failed at its start (SemiConvFinetuneHook counted logk_offset as a stage-1 weight; fixed
# in the freezing commit); it runs after the freeze and took no part in the choice.
set -euo pipefail
seed=$1
shift
only=("$@")
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
branch=model.roi_head.semiconv_branch
s1=("$branch.phi_stride=1")
band=("${s1[@]}" "$branch.loss_embedding.boundary_band=2")
rep=("${band[@]}" "$branch.loss_embedding.repulsion_margin=0.5")
off=("${rep[@]}" model.roi_head.mask_head.logk_offset=0.0
     optim_wrapper.paramwise_cfg.custom_keys.logk_offset.lr_mult=40.0
     optim_wrapper.paramwise_cfg.custom_keys.logk_offset.decay_mult=0.0)
run() {
  local recipe=$1; shift
  if [ "${#only[@]}" -gt 0 ] && [[ ! " ${only[*]} " =~ " $recipe " ]]; then return; fi
  .venv/bin/python .dev_scripts/benchmark_staged.py --seeds "$seed" \
    --recipe "$recipe" --semiconv-options "$@"
}
run p2
run s1 "${s1[@]}"
run s1_band "${band[@]}"
run s1_band_rep "${rep[@]}"
run s1_band_rep_offset "${off[@]}"
