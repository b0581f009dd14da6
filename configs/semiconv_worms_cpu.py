# SemiConv Mask R-CNN on the embedded synthetic worms, sized for a 2-core CPU (the main job):
# the baseline mask-rcnn_worms_cpu.py plus the semi-convolutional branch, trained from scratch.
_base_ = ['./mask-rcnn_worms_cpu.py', './_base_/semiconv_worms_cpu_branch.py']

custom_imports = dict(imports=['mmdet_semiconv'], allow_failed_imports=False)

model = dict(
    roi_head=dict(
        type='SemiConvRoIHead',
        semiconv_branch={{_base_.semiconv_branch}},
        mask_head={{_base_.semiconv_mask_head}}))

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
