# mmdet's default runtime, with this package imported (its modules, metrics and the checkpoint
# loader with the allow-list) and training stopped at the first non-finite loss, naming it,
# before a NaN checkpoint is saved (NonFiniteLossHook).
_base_ = 'mmdet::_base_/default_runtime.py'

custom_imports = dict(imports=['mmdet_semiconv'], allow_failed_imports=False)
default_hooks = dict(non_finite_loss=dict(type='NonFiniteLossHook'))
