# SOLOv2 (mmdet's) on the embedded crowded nuclei, trained as the colouring model: same
# backbone width, 300 CPU iterations from scratch, same schedule and augmentation.
_base_ = [
    './_base_/models/solov2_r18_fpn_cpu.py', './_base_/datasets/synthetic_nuclei.py',
    './_base_/schedules/schedule_cpu_300it.py', './_base_/cpu_runtime.py'
]

# masks only (a box-free model); the base's two metrics on the same file
data_root = 'data/synthetic_nuclei/'
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'annotations/val.json', metric='segm'),
    dict(type='InstanceMatchingMetric', ann_file=data_root + 'annotations/val.json')
]
test_evaluator = val_evaluator
