from .non_finite_loss_hook import NonFiniteLossHook
from .semiconv_finetune_hook import PretrainedCheckpointError, SemiConvFinetuneHook
from .work_dir_guard_hook import WorkDirGuardHook
from .worker_guard_hook import WorkerGuardHook

__all__ = ['SemiConvFinetuneHook', 'PretrainedCheckpointError', 'NonFiniteLossHook',
           'WorkDirGuardHook', 'WorkerGuardHook']
