# Cascade Mask R-CNN R101-FPN on PASCAL VOC 2012: the baseline (and stage 1) of
# semiconv-cascade-mask-rcnn_r101_fpn_voc.py. Same data, schedule and evaluation as
# mask-rcnn_r101_fpn_voc.py.
_base_ = [
    'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py', './_base_/datasets/voc12_instance.py',
    './_base_/schedules/schedule_24e.py', './_base_/default_runtime.py'
]

num_classes = 20
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    roi_head=dict(
        # mmdet's three cascade stages, with VOC's classes
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=256,
                fc_out_channels=1024,
                roi_feat_size=7,
                num_classes=num_classes,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.],
                    target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
            for stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                         [0.033, 0.033, 0.067, 0.067])
        ],
        mask_head=dict(num_classes=num_classes)))
