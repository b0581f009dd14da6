from .checkpoint import (CHECKPOINT_GLOBALS, CheckpointHashError, UntrustedCheckpointError,
                         safe_load, trust_checkpoint_globals, verify_checkpoint_hash)

__all__ = [
    'CHECKPOINT_GLOBALS', 'CheckpointHashError', 'UntrustedCheckpointError', 'safe_load',
    'trust_checkpoint_globals', 'verify_checkpoint_hash'
]
