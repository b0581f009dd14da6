from .non_finite_loss_hook import NonFiniteLossHook
from .semiconv_finetune_hook import PretrainedCheckpointError, SemiConvFinetuneHook
from .work_dir_guard_hook import WorkDirGuardHook

__all__ = ['SemiConvFinetuneHook', 'PretrainedCheckpointError', 'NonFiniteLossHook',
           'WorkDirGuardHook']
