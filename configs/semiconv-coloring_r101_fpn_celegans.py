# Box-free semi-conv colouring R101-FPN on C. elegans (BBBC010). NOT TRAINED: it needs a GPU
# and the data set (docs/data_preparation.md). Crossing worms share pixels: the decoding keeps
# claimed pixels available to later worms (overlap=True).
_base_ = [
    './_base_/models/semiconv-coloring_r50_fpn.py', './_base_/datasets/bbbc010_instance.py',
    './_base_/schedules/schedule_24e.py', './_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    mask_head=dict(num_classes=1),
    test_cfg=dict(overlap=True))
optim_wrapper = dict(paramwise_cfg=dict(
    custom_keys={'log_sigma': dict(lr_mult=10., decay_mult=0.)}))
# COCO mask AP and the matching scores that BBBC010 results outside the paper use (EmbedSeg,
# PatchPerPix)
data_root = 'data/bbbc010_coco/'
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'annotations/test.json', metric='segm'),
    dict(type='InstanceMatchingMetric', ann_file=data_root + 'annotations/test.json')
]
test_evaluator = val_evaluator
