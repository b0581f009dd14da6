from .log_space_bce_loss import LogSpaceBCELoss, log_space_bce
from .semiconv_embedding_loss import (SemiConvEmbeddingLoss, embedding_loss_pairs,
                                      embedding_loss_single)

__all__ = [
    'SemiConvEmbeddingLoss', 'embedding_loss_pairs', 'embedding_loss_single', 'LogSpaceBCELoss',
    'log_space_bce'
]
