# SOLOv2 (mmdet's) on the embedded synthetic worms, trained as the colouring model.
_base_ = [
    './_base_/models/solov2_r18_fpn_cpu.py', './_base_/datasets/synthetic_worms.py',
    './_base_/schedules/schedule_cpu_300it.py', './_base_/cpu_runtime.py'
]

# masks only (a box-free model); the base's two metrics on the same file
data_root = 'data/synthetic_worms/'
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'annotations/val.json', metric='segm'),
    dict(type='InstanceMatchingMetric', ann_file=data_root + 'annotations/val.json')
]
test_evaluator = val_evaluator
