# SemiConv Mask R-CNN, R101-FPN, on PASCAL VOC 2012 instance segmentation: stage 2 of the
# paper's training (section 4.3, Tables 2-3). The baseline mask-rcnn_r101_fpn_voc.py plus the
# branch; it starts from the stage-1 Mask R-CNN via load_from and fine-tunes everything for
# 24 epochs, lr 0.0025 lowered x0.1 after epoch 12, 2 images per GPU.
_base_ = ['./mask-rcnn_r101_fpn_voc.py', './_base_/semiconv_r101_fpn_finetune.py']

model = dict(
    roi_head=dict(
        type='SemiConvRoIHead',
        semiconv_branch={{_base_.semiconv_branch}},
        mask_head={{_base_.semiconv_mask_head}}))

load_from = 'work_dirs/mask-rcnn_r101_fpn_voc/epoch_24.pth'  # stage 1

optim_wrapper = dict(paramwise_cfg={{_base_.semiconv_paramwise_cfg}})
