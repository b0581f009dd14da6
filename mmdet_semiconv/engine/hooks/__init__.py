from .semiconv_finetune_hook import SemiConvFinetuneHook, PretrainedCheckpointError

__all__ = ['SemiConvFinetuneHook', 'PretrainedCheckpointError']
