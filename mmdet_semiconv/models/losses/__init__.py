from .log_space_bce_loss import LogSpaceBCELoss, log_space_bce
from .lovasz_kernel_loss import LovaszKernelLoss
from .semiconv_embedding_loss import SemiConvEmbeddingLoss, embedding_loss_single, instance_spreads

__all__ = [
    'SemiConvEmbeddingLoss', 'embedding_loss_single', 'instance_spreads', 'LogSpaceBCELoss',
    'log_space_bce', 'LovaszKernelLoss'
]
