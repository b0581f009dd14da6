from .hooks import SemiConvFinetuneHook, PretrainedCheckpointError

__all__ = ['SemiConvFinetuneHook', 'PretrainedCheckpointError']
