# Plain Mask R-CNN on the embedded synthetic worms, sized for a 2-core CPU: the baseline of the
# benchmark and stage 1 of the staged fine-tuning (section 4.3).
_base_ = [
    './_base_/models/mask-rcnn_r18_fpn_cpu.py', './_base_/datasets/synthetic_worms.py',
    './_base_/schedules/schedule_cpu_300it.py', './_base_/default_runtime.py'
]

default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(by_epoch=False, interval={{_base_.max_iters}}))
log_processor = dict(by_epoch=False)
# one fixed seed: a 300-iteration CPU run otherwise varies by ~0.05 AP between runs
randomness = dict(seed=0)
