# The embedded crowded nuclei (tools/dataset_converters/generate_synthetic.py nuclei): touching,
# near-identical convex objects, binary silhouettes; the worm pipeline at 128x128.
_base_ = './synthetic_worms.py'

data_root = 'data/synthetic_nuclei/'
metainfo = dict(classes=('nucleus', ), palette=[(0, 160, 255)])
train_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'annotations/val.json',
         metric=['bbox', 'segm']),
    dict(type='InstanceMatchingMetric', ann_file=data_root + 'annotations/val.json'),
]
test_evaluator = val_evaluator
