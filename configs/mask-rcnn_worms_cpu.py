# Plain Mask R-CNN on the embedded synthetic worms, sized for a 2-core CPU: the baseline of the
# benchmark and stage 1 of the staged fine-tuning (section 4.3).
_base_ = [
    './_base_/models/mask-rcnn_r18_fpn_cpu.py', './_base_/datasets/synthetic_worms.py',
    './_base_/schedules/schedule_cpu_300it.py', './_base_/cpu_runtime.py'
]
