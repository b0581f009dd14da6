# SemiConv Mask R-CNN, R101-FPN, on C. elegans (BBBC010, binary foreground input, 50/50 split
# by well; Table 1). Stage 2: starts from mask-rcnn_r101_fpn_celegans.py via load_from.
# Data: tools/dataset_converters/bbbc010_to_coco.py (docs/data_preparation.md).
_base_ = './semiconv_voc.py'

data_root = 'data/bbbc010_coco/'
metainfo = dict(classes=('worm', ), palette=[(220, 20, 60)])

model = dict(
    roi_head=dict(bbox_head=dict(num_classes=1), mask_head=dict(num_classes=1)),
    # up to ~30 worms per image, crossing: keep more detections than VOC needs
    test_cfg=dict(rcnn=dict(max_per_img=100)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=(1392, 1040), keep_ratio=True),  # BBBC010 696x520, x2
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1392, 1040), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    dataset=dict(data_root=data_root, metainfo=metainfo, ann_file='annotations/train.json',
                 pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(data_root=data_root, metainfo=metainfo, ann_file='annotations/test.json',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True, type='CocoMetric', ann_file=data_root + 'annotations/test.json',
    metric=['bbox', 'segm'])
test_evaluator = val_evaluator

load_from = 'work_dirs/mask-rcnn_r101_fpn_celegans/epoch_24.pth'  # stage 1
