from .hooks import SemiConvStageHook, Stage1CheckpointError

__all__ = ['SemiConvStageHook', 'Stage1CheckpointError']
