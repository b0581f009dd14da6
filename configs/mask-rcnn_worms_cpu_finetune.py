# The fair baseline of the staged benchmark: the stage-1 Mask R-CNN fine-tuned for the same
# extra schedule as semiconv_worms_cpu_finetune.py, without the semi-conv branch.
_base_ = './mask-rcnn_worms_cpu.py'

load_from = None  # the stage-1 checkpoint: required, set it on the command line
max_iters = 300
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=2.5e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[max_iters // 2], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
