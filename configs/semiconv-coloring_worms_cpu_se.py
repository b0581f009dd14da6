# Box-free semi-conv colouring on the embedded worms with the successors' training signal
# (issue 37; each option a named departure, docs/method.md "The successors' training
# signal"): the recipe `se` of .dev_scripts/coloring_recipes.sh, frozen on tuning seeds
# 300/301 for the held-out worm runs (.dev_scripts/coloring_heldout.sh). The paper-faithful
# model stays configs/semiconv-coloring_worms_cpu.py.
_base_ = './semiconv-coloring_worms_cpu.py'

model = dict(
    mask_head=dict(
        phi_stride=1,  # Psi and the maps at the input's resolution (worms are 4-7 px wide)
        # SpatialEmbeddings: the Lovász hinge per instance on 2K - 1, the Gaussian kernel
        loss_kernel=dict(type='LovaszKernelLoss'),
        kernel=dict(form='gaussian'),
        # EmbedSeg: a bandwidth per instance and embedding dimension, sigma exp(10 s)
        pixel_sigma=True,
        anisotropic_sigma=True,
        sigma_gain=10.,
        seed_fg_weight=10.),  # foreground_weight of both
    test_cfg=dict(
        refine_centre=True,  # cut again from the mean Psi of the seed's first mask
        min_unclaimed=0.5,  # EmbedSeg: keep a proposal only if over half is unclaimed
        overlap=True))  # crossings may go to two masks
