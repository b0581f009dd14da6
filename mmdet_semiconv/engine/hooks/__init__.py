from .non_finite_loss_hook import NonFiniteLossHook
from .semiconv_finetune_hook import PretrainedCheckpointError, SemiConvFinetuneHook

__all__ = ['SemiConvFinetuneHook', 'PretrainedCheckpointError', 'NonFiniteLossHook']
