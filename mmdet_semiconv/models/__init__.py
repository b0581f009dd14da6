from .dense_heads import SemiConvColoringHead
from .detectors import SemiConvColoring
from .layers import SemiConvPhiSubnet, SteeredBilateralKernel
from .losses import LogSpaceBCELoss, SemiConvEmbeddingLoss
from .roi_heads import (SemiConvCascadeRoIHead, SemiConvEmbeddingBranch, SemiConvMaskHead,
                        SemiConvRoIHead)

__all__ = [
    'SemiConvPhiSubnet', 'SemiConvEmbeddingBranch', 'SteeredBilateralKernel',
    'SemiConvEmbeddingLoss', 'LogSpaceBCELoss', 'SemiConvMaskHead', 'SemiConvRoIHead',
    'SemiConvCascadeRoIHead', 'SemiConvColoringHead', 'SemiConvColoring'
]
