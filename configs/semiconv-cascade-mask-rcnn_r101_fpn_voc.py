# SemiConv Cascade Mask R-CNN, R101-FPN, on PASCAL VOC 2012: the baseline
# cascade-mask-rcnn_r101_fpn_voc.py plus the branch, on every mask stage (one Phi per step,
# each stage its own kernel). Stage 2: starts from the baseline via load_from.
_base_ = ['./cascade-mask-rcnn_r101_fpn_voc.py', './_base_/semiconv_r101_fpn_finetune.py']

model = dict(
    roi_head=dict(
        type='SemiConvCascadeRoIHead',
        semiconv_branch={{_base_.semiconv_branch}},
        mask_head={{_base_.semiconv_mask_head}}))

load_from = 'work_dirs/cascade-mask-rcnn_r101_fpn_voc/epoch_24.pth'  # stage 1

optim_wrapper = dict(paramwise_cfg={{_base_.semiconv_paramwise_cfg}})
