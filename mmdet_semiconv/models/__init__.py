from .dense_heads import SemiConvColoringHead
from .detectors import SemiConvColoring
from .kernels import SteeredBilateralKernel
from .losses import LogSpaceBCELoss, SemiConvEmbeddingLoss
from .necks import SemiConvEmbeddingNeck
from .roi_heads import SemiConvCascadeRoIHead, SemiConvMaskHead, SemiConvRoIHead
from .semiconv_embedding_branch import SemiConvEmbeddingBranch

__all__ = [
    'SemiConvEmbeddingNeck', 'SemiConvEmbeddingBranch', 'SteeredBilateralKernel',
    'SemiConvEmbeddingLoss', 'LogSpaceBCELoss', 'SemiConvMaskHead', 'SemiConvRoIHead',
    'SemiConvCascadeRoIHead', 'SemiConvColoringHead', 'SemiConvColoring'
]
