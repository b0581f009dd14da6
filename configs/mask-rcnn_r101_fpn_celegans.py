# Mask R-CNN R101-FPN on C. elegans (BBBC010): the baseline of Table 1 and stage 1 for
# semiconv_celegans.py.
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py', './_base_/datasets/bbbc010_instance.py',
    './_base_/schedules/schedule_24e.py', './_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    roi_head=dict(bbox_head=dict(num_classes=1), mask_head=dict(num_classes=1)),
    # up to ~30 worms per image, crossing: keep more detections than VOC needs
    test_cfg=dict(rcnn=dict(max_per_img=100)))
