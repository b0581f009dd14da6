from .hooks import (NonFiniteLossHook, PretrainedCheckpointError, SemiConvFinetuneHook,
                    WorkDirGuardHook)

__all__ = ['SemiConvFinetuneHook', 'PretrainedCheckpointError', 'NonFiniteLossHook',
           'WorkDirGuardHook']
