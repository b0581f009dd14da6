# Box-free semi-conv colouring R101-FPN on PASCAL VOC 2012 (20 per-class foreground and seed
# maps). NOT TRAINED: it needs a GPU and the data set (docs/data_preparation.md).
_base_ = [
    './_base_/models/semiconv-coloring_r50_fpn.py', './_base_/datasets/voc12_instance.py',
    './_base_/schedules/schedule_24e.py', './_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    mask_head=dict(num_classes=20))
optim_wrapper = dict(paramwise_cfg=dict(
    custom_keys={'log_sigma': dict(lr_mult=10., decay_mult=0.)}))
