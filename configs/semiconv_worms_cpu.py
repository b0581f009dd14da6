# SemiConv Mask R-CNN on the embedded synthetic worms, sized for a 2-core CPU (the main job):
# the baseline mask-rcnn_worms_cpu.py plus the semi-convolutional branch, trained from scratch.
_base_ = ['./mask-rcnn_worms_cpu.py', './_base_/semiconv_worms_cpu_branch.py',
          './_base_/semiconv_worms_cpu_scratch.py']

model = dict(
    roi_head=dict(
        type='SemiConvRoIHead',
        semiconv_branch={{_base_.semiconv_branch}},
        mask_head={{_base_.semiconv_mask_head}}))

optim_wrapper = dict(paramwise_cfg={{_base_.semiconv_paramwise_cfg}})
custom_hooks = {{_base_.semiconv_hooks}}
