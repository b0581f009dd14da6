# Stage 2 of the staged training (section 4.3) on the synthetic worms, CPU-sized: start from a
# trained plain Mask R-CNN (mask-rcnn_worms_cpu.py) and fine-tune everything with the
# semi-convolutional branch attached. The new branch starts from its init; SemiConvStageHook
# refuses a checkpoint that leaves anything else uninitialised and warms the new losses up.
#
#   python tools/train.py configs/semiconv_worms_cpu_finetune.py \
#       --cfg-options load_from=work_dirs/mask-rcnn_worms_cpu/iter_450.pth
_base_ = './semiconv_worms_cpu.py'

load_from = None  # the stage-1 checkpoint: required, set it on the command line
max_iters = 300
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=2.5e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[max_iters // 2], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
custom_hooks = [dict(type='SemiConvStageHook', kernel_start_iter=0, warmup_iters=50)]
