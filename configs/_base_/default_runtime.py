# mmdet's default runtime, with this package imported (its modules, metrics and the checkpoint
# loader with the allow-list) and training stopped at the first non-finite loss, naming it,
# before a NaN checkpoint is saved (NonFiniteLossHook), and no training over another one's
# checkpoints (WorkDirGuardHook: one live training per work dir, and a fresh run over an earlier
# run's last_checkpoint refused unless resumed or default_hooks.work_dir_guard.overwrite=True),
# and dataloader workers that end with a killed training (WorkerGuardHook).
_base_ = 'mmdet::_base_/default_runtime.py'

custom_imports = dict(imports=['mmdet_semiconv'], allow_failed_imports=False)
default_hooks = dict(non_finite_loss=dict(type='NonFiniteLossHook'),
                     work_dir_guard=dict(type='WorkDirGuardHook'),
                     worker_guard=dict(type='WorkerGuardHook'))
