# The semi-convolutional branch of the CPU worm configs (the main job and the stage-2 fine-
# tuning), stated once; each config puts `semiconv_branch` and `semiconv_mask_head` on its
# baseline's RoI head. Its weights are the recipe chosen on tuning seed 300
# (docs/benchmark_synthetic_worms.md, configs/semiconv_worms_cpu_finetune.py says why).
semiconv_branch = dict(
    type='SemiConvEmbeddingBranch',
    # Phi: 1x1 conv + ReLU + 3x3 conv to D; FPN gradient x0.1 (section 3.5)
    phi_subnet=dict(
        type='SemiConvPhiSubnet', feat_channels=64, embed_dims=8, fpn_grad_scale=0.1),
    # eq. (5) where the RoIs read Psi: every worm box is below mmdet's 112 px level threshold,
    # so all of them read P2; summed per image as in the paper
    loss_embedding=dict(
        type='SemiConvEmbeddingLoss', levels=[0], normalize='image', loss_weight=4.0),
    coord_scale=64.)  # input pixels per embedding unit
semiconv_mask_head = dict(
    type='SemiConvMaskHead',
    kernel=dict(  # eq. (10), sigma in embedding units
        type='SteeredBilateralKernel', sigma=1.0, form='laplacian', train_seed='soft',
        test_seed='argmax'),
    loss_kernel=dict(type='LogSpaceBCELoss', loss_weight=0.25))

# The from-scratch training recipe (the main job and the cascade): the recipe of
# configs/semiconv_worms_cpu_finetune.py at the same absolute learning rates: Phi at 2.5e-3,
# log_sigma steps of about 1e-2 without weight decay; log K is ramped into the logits over the
# first 100 iterations while eq. (5) and the BCE on K train Phi and sigma.
semiconv_paramwise_cfg = dict(custom_keys={
    'semiconv_branch': dict(lr_mult=2.5),
    'log_sigma': dict(lr_mult=10., decay_mult=0.),
})
semiconv_hooks = [dict(type='SemiConvFinetuneHook', kernel_begin=0, kernel_ramp=100)]
