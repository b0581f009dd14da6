from .kernels import SteeredBilateralKernel
from .losses import LogSpaceBCELoss, SemiConvEmbeddingLoss
from .necks import SemiConvEmbeddingNeck
from .roi_heads import SemiConvMaskHead, SemiConvRoIHead

__all__ = [
    'SemiConvEmbeddingNeck', 'SteeredBilateralKernel', 'SemiConvEmbeddingLoss',
    'LogSpaceBCELoss', 'SemiConvMaskHead', 'SemiConvRoIHead'
]
