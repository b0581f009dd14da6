# SemiConv Mask R-CNN, R101-FPN, on PASCAL VOC 2012 instance segmentation: stage 2 of the
# paper's training (section 4.3, Tables 2-3). It starts from the stage-1 Mask R-CNN
# (mask-rcnn_r101_fpn_voc.py) via load_from and fine-tunes everything for 24 epochs, lr 0.0025
# lowered x0.1 after epoch 12, 2 images per GPU. Data: docs/data_preparation.md.
_base_ = './_base_/models/semiconv-mask-rcnn_r101_fpn.py'

data_root = 'data/VOCdevkit/VOC2012/'
metainfo = dict(
    classes=('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
             'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant',
             'sheep', 'sofa', 'train', 'tvmonitor'))

model = dict(roi_head=dict(bbox_head=dict(num_classes=20), mask_head=dict(num_classes=20)))

train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/voc12_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/voc12_val.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'annotations/voc12_val.json',
         metric=['bbox', 'segm']),
    # Table 2: mean APr at mask IoU 0.5 and 0.7
    dict(type='VOCAPrMetric', ann_file=data_root + 'annotations/voc12_val.json',
         iou_thrs=[0.5, 0.7]),
]
test_evaluator = val_evaluator

max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[12],
         gamma=0.1),
]
optim_wrapper = dict(optimizer=dict(lr=0.0025))
# lr 0.0025 is for 1 GPU x 2 images; `--auto-scale-lr` scales it to the real batch size
auto_scale_lr = dict(enable=False, base_batch_size=2)

load_from = 'work_dirs/mask-rcnn_r101_fpn_voc/epoch_24.pth'  # stage 1
custom_hooks = [dict(type='SemiConvStageHook', kernel_start_iter=0, warmup_iters=500)]
