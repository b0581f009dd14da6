# Cascade Mask R-CNN on the synthetic worms, sized for a 2-core CPU like mask-rcnn_worms_cpu.py.
_base_ = [
    './_base_/models/cascade-mask-rcnn_r18_fpn_cpu.py', './_base_/datasets/synthetic_worms.py',
    './_base_/schedules/schedule_cpu_300it.py', './_base_/cpu_runtime.py'
]
