# SOLOv2 (mmdet's) on the embedded synthetic worms, trained as the colouring model.
_base_ = [
    './_base_/models/solov2_r18_fpn_cpu.py', './_base_/datasets/synthetic_worms.py',
    './_base_/schedules/schedule_cpu_300it.py', './_base_/cpu_runtime.py'
]

val_evaluator = dict(metric='segm')
test_evaluator = val_evaluator
