# The colouring recipe frozen on tuning seeds 300/301 for the crowded nuclei
# (.dev_scripts/coloring_heldout.sh), with its two departures from the paper named:
# Psi and the maps at stride 1 (pixel shuffle), and fragments below min_area absorbed by the
# most affine kept seed instead of dropped (docs/method.md, "Box-free colouring").
_base_ = './semiconv-coloring_nuclei_cpu.py'

model = dict(
    mask_head=dict(phi_stride=1),
    test_cfg=dict(absorb_fragments=True, min_area=32))
