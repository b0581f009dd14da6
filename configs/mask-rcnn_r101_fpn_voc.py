# Mask R-CNN R101-FPN on PASCAL VOC 2012: the baseline of Tables 2-3 and stage 1 of the staged
# training (its checkpoint is semiconv_voc.py's load_from), trained from the ImageNet R101.
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py', './_base_/datasets/voc12_instance.py',
    './_base_/schedules/schedule_24e.py', './_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    roi_head=dict(bbox_head=dict(num_classes=20), mask_head=dict(num_classes=20)))
