# PASCAL VOC 2012 instance segmentation, converted to COCO json by
# tools/dataset_converters/voc2012_to_coco.py (docs/data_preparation.md).
_base_ = 'mmdet::_base_/datasets/coco_instance.py'

data_root = 'data/VOCdevkit/VOC2012/'
metainfo = dict(
    classes=('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
             'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant',
             'sheep', 'sofa', 'train', 'tvmonitor'))
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        type='CheckedCocoDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/voc12_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        type='CheckedCocoDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/voc12_val.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'annotations/voc12_val.json',
         metric=['bbox', 'segm']),
    # Table 2: mean APr at mask IoU 0.5 and 0.7, computed as its SDS/MNC/FCIS rows were
    # (best-IoU-then-taken matching, VOC07 11-point AP) so that our rows compare with theirs
    dict(type='VOCAPrMetric', ann_file=data_root + 'annotations/voc12_val.json',
         iou_thrs=[0.5, 0.7], protocol='sds'),
]
test_evaluator = val_evaluator
