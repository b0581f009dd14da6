from .checkpoint import (CHECKPOINT_GLOBALS, UntrustedCheckpointError, safe_load,
                         trust_checkpoint_globals)

__all__ = [
    'CHECKPOINT_GLOBALS', 'UntrustedCheckpointError', 'safe_load', 'trust_checkpoint_globals'
]
