# The semi-convolutional branch and its stage-2 recipe (24 epochs) for the R101-FPN configs,
# stated once; each semi-conv config puts `semiconv_branch` and `semiconv_mask_head` on its
# baseline's RoI head and `semiconv_paramwise_cfg` on its optimiser. The modules' defaults are
# the paper's settings (subnet 1x1 conv 256 -> ReLU -> 3x3 conv to D = 8, FPN gradient x0.1,
# coord_scale 64, eq. (5) on P2-P5, the Laplacian kernel of eq. (10), BCE on K of weight 1).
#
# The recipe is the one found on the synthetic worms (docs/benchmark_synthetic_worms.md),
# carried over without a GPU to measure it. Phi and sigma learn from the first iteration while
# log K is ramped into the logits over the first 12 epochs (by epoch, so the ramp keeps its
# place under --auto-scale-lr). SGD's step is lr x gradient (not Adam's ~lr), so the worms' lr
# multipliers are not copied: the branch, which starts from its init, gets x4 (0.01, half of
# mmdet's from-scratch 0.02) and log_sigma x4 without weight decay.
semiconv_branch = dict(
    type='SemiConvEmbeddingBranch',
    phi_subnet=dict(type='SemiConvPhiSubnet'),
    # eq. (5), summed per image as in the paper, on every level a RoI may read (the default)
    loss_embedding=dict(type='SemiConvEmbeddingLoss', normalize='image'))
semiconv_mask_head = dict(
    type='SemiConvMaskHead',
    kernel=dict(type='SteeredBilateralKernel'),
    loss_kernel=dict(type='LogSpaceBCELoss'))
semiconv_paramwise_cfg = dict(custom_keys={
    'semiconv_branch': dict(lr_mult=4.),
    'log_sigma': dict(lr_mult=4., decay_mult=0.),
})
custom_hooks = [
    dict(type='SemiConvFinetuneHook', kernel_begin=0, kernel_ramp=12, by_epoch=True,
         require_pretrained=True)
]
