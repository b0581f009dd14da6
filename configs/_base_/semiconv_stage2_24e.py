# Stage 2 of the semi-conv R101 configs (24 epochs): the training recipe found on the synthetic
# worms (docs/benchmark_synthetic_worms.md), carried over without a GPU to measure it. Phi and
# sigma learn from the first iteration while log K is ramped into the logits over the first 12
# epochs (by epoch, so the ramp keeps its place under --auto-scale-lr). SGD's step is
# lr x gradient (not Adam's ~lr), so the worms' lr multipliers are not copied: the branch, which
# starts from its init, gets x4 (0.01, half of mmdet's from-scratch 0.02) and log_sigma x4
# without weight decay. Used as `optim_wrapper = dict(paramwise_cfg=...)` by the configs.
semiconv_paramwise_cfg = dict(custom_keys={
    'semiconv_branch': dict(lr_mult=4.),
    'log_sigma': dict(lr_mult=4., decay_mult=0.),
})
custom_hooks = [
    dict(type='SemiConvStageHook', kernel_start_iter=0, kernel_ramp_iters=12, by_epoch=True,
         require_stage1=True)
]
