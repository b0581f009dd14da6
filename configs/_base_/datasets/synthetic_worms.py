# The embedded synthetic worms (tools/dataset_converters/generate_synthetic.py; COCO json with
# RLE masks). Images are generated at the size the network sees (232x174 by default).
_base_ = 'mmdet::_base_/datasets/coco_instance.py'

data_root = 'data/synthetic_worms/'
metainfo = dict(classes=('worm', ), palette=[(220, 20, 60)])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    # no resizing; Resize still records scale_factor
    dict(type='Resize', scale_factor=1.0),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale_factor=1.0),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    sampler=dict(type='InfiniteSampler', shuffle=True),  # iteration-based schedules
    dataset=dict(
        type='CheckedCocoDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/train.json',
        data_prefix=dict(img=''),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=1,
    dataset=dict(
        type='CheckedCocoDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/val.json',
        data_prefix=dict(img=''),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# COCO AP and, beside it, the matching scores of the cell-segmentation field (DSB accuracy,
# F1 and PQ per IoU threshold, avAP: InstanceMatchingMetric). A run pointed at other data sets
# both: --cfg-options val_evaluator.0.ann_file=F val_evaluator.1.ann_file=F (and test_).
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'annotations/val.json',
         metric=['bbox', 'segm']),
    dict(type='InstanceMatchingMetric', ann_file=data_root + 'annotations/val.json'),
]
test_evaluator = val_evaluator
