# C. elegans (BBBC010, binary foreground input, 50/50 split by well; Table 1), converted to
# COCO json by tools/dataset_converters/bbbc010_to_coco.py (docs/data_preparation.md).
_base_ = 'mmdet::_base_/datasets/coco_instance.py'

data_root = 'data/bbbc010_coco/'
metainfo = dict(classes=('worm', ), palette=[(220, 20, 60)])
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
    batch_size=2,
    dataset=dict(type='CheckedCocoDataset', data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/train.json',
                 data_prefix=dict(img=''), pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(type='CheckedCocoDataset', data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/test.json',
                 data_prefix=dict(img=''), pipeline=test_pipeline))
test_dataloader = val_dataloader
# COCO AP and the matching scores that BBBC010 results outside the paper use (EmbedSeg,
# PatchPerPix: DSB accuracy at IoU 0.5, avAP)
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'annotations/test.json',
         metric=['bbox', 'segm']),
    dict(type='InstanceMatchingMetric', ann_file=data_root + 'annotations/test.json'),
]
test_evaluator = val_evaluator
