# SemiConv Cascade Mask R-CNN on the synthetic worms, CPU-sized: cascade-mask-rcnn_worms_cpu.py
# plus the semi-convolutional branch on its three mask stages, with the branch and training
# recipe of semiconv_worms_cpu.py (chosen for SemiConv Mask R-CNN on tuning seed 300; not
# re-tuned for the cascade).
_base_ = ['./cascade-mask-rcnn_worms_cpu.py', './_base_/semiconv_worms_cpu_branch.py',
          './_base_/semiconv_worms_cpu_scratch.py']

model = dict(
    roi_head=dict(
        type='SemiConvCascadeRoIHead',
        semiconv_branch={{_base_.semiconv_branch}},
        mask_head={{_base_.semiconv_mask_head}}))

optim_wrapper = dict(paramwise_cfg={{_base_.semiconv_paramwise_cfg}})
custom_hooks = {{_base_.semiconv_hooks}}
