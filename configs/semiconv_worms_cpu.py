# SemiConv Mask R-CNN on the embedded synthetic worms, sized for a 2-core CPU (the main job):
# the baseline mask-rcnn_worms_cpu.py plus the semi-convolutional branch, trained from scratch.
_base_ = './mask-rcnn_worms_cpu.py'

custom_imports = dict(imports=['mmdet_semiconv'], allow_failed_imports=False)

model = dict(
    roi_head=dict(
        type='SemiConvRoIHead',
        semiconv_branch=dict(
            type='SemiConvEmbeddingBranch',
            # Phi: 1x1 conv + ReLU + 3x3 conv to D; FPN gradient x0.1 (section 3.5)
            embedding_neck=dict(
                type='SemiConvEmbeddingNeck', feat_channels=64, embed_dims=8,
                fpn_grad_scale=0.1),
            # eq. (5) where the RoIs read Psi: every worm box is below mmdet's 112 px level
            # threshold, so all of them read P2; summed per image as in the paper
            loss_embedding=dict(
                type='SemiConvEmbeddingLoss', levels=[0], normalize='image', loss_weight=4.0),
            coord_scale=64.),  # input pixels per embedding unit
        mask_head=dict(
            type='SemiConvMaskHead',
            kernel=dict(  # eq. (10), sigma in embedding units
                type='SteeredBilateralKernel', sigma=1.0, kernel='laplacian',
                train_seed='soft', test_seed='argmax'),
            loss_kernel=dict(type='LogSpaceBCELoss', loss_weight=0.25))))

# The recipe of configs/semiconv_worms_cpu_finetune.py at the same absolute learning rates,
# from scratch: Phi at 2.5e-3, log_sigma steps of about 1e-2 without weight decay; log K is
# ramped into the logits over the first 100 iterations while eq. (5) and the BCE on K train
# Phi and sigma.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={
        'semiconv_branch': dict(lr_mult=2.5),
        'log_sigma': dict(lr_mult=10., decay_mult=0.),
    }))
custom_hooks = [dict(type='SemiConvStageHook', kernel_start_iter=0, kernel_ramp_iters=100)]
