# The semi-convolutional branch of the CPU worm configs (the main job, the cascade and the
# stage-2 fine-tuning), stated once; each config puts `semiconv_branch` and `semiconv_mask_head`
# on its baseline's RoI head. Only what differs from the modules' defaults (the paper's
# settings: D = 8, FPN gradient x0.1, coord_scale 64, the Laplacian kernel of eq. (10)) is set.
# Its weights are the recipe chosen on tuning seed 300 (docs/benchmark_synthetic_worms.md;
# configs/semiconv_worms_cpu_finetune.py says why).
semiconv_branch = dict(
    type='SemiConvEmbeddingBranch',
    phi_subnet=dict(type='SemiConvPhiSubnet', feat_channels=64),  # the CPU model's FPN width
    # eq. (5) summed per image as in the paper, where the RoIs read Psi: every worm box is below
    # mmdet's 112 px level threshold, so all of them read P2
    loss_embedding=dict(type='SemiConvEmbeddingLoss', normalize='image', loss_weight=4.0),
    loss_levels=[0])
semiconv_mask_head = dict(
    type='SemiConvMaskHead',
    kernel=dict(type='SteeredBilateralKernel'),
    loss_kernel=dict(type='LogSpaceBCELoss', loss_weight=0.25))
