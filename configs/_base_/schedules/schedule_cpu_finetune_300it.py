# Stage 2 on a CPU (section 4.3 scaled down): 300 iterations of AdamW at lr 2.5e-4 from a
# trained stage-1 model, lr x0.1 half way.
_base_ = './schedule_cpu_300it.py'

max_iters = 300
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=2.5e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[max_iters // 2], gamma=0.1),
]
