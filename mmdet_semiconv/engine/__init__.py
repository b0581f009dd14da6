from .hooks import NonFiniteLossHook, PretrainedCheckpointError, SemiConvFinetuneHook

__all__ = ['SemiConvFinetuneHook', 'PretrainedCheckpointError', 'NonFiniteLossHook']
