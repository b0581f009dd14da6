from .semiconv_stage_hook import SemiConvStageHook, Stage1CheckpointError

__all__ = ['SemiConvStageHook', 'Stage1CheckpointError']
