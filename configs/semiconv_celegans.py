# SemiConv Mask R-CNN, R101-FPN, on C. elegans (BBBC010, Table 1): the baseline
# mask-rcnn_r101_fpn_celegans.py plus the branch; stage 2, starts from it via load_from.
_base_ = ['./mask-rcnn_r101_fpn_celegans.py', './_base_/semiconv_r101_fpn_finetune.py']

model = dict(
    roi_head=dict(
        type='SemiConvRoIHead',
        semiconv_branch={{_base_.semiconv_branch}},
        mask_head={{_base_.semiconv_mask_head}}))

load_from = 'work_dirs/mask-rcnn_r101_fpn_celegans/epoch_24.pth'  # stage 1

optim_wrapper = dict(paramwise_cfg={{_base_.semiconv_paramwise_cfg}})
