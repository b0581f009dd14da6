# Stage 2 of section 4.3 (and our stage-1 baselines): 24 epochs, lr 0.0025 lowered x0.1 after
# epoch 12, 2 images per GPU. lr 0.0025 is for 1 GPU x 2 images; `--auto-scale-lr` scales it.
_base_ = 'mmdet::_base_/schedules/schedule_1x.py'

max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[12],
         gamma=0.1),
]
optim_wrapper = dict(optimizer=dict(lr=0.0025))
auto_scale_lr = dict(enable=False, base_batch_size=2)
