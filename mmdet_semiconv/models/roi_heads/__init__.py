from .mask_heads import SemiConvMaskHead
from .semiconv_cascade_roi_head import SemiConvCascadeRoIHead
from .semiconv_embedding_branch import SemiConvEmbeddingBranch
from .semiconv_roi_head import SemiConvRoIHead
from .semiconv_roi_head_mixin import SemiConvRoIHeadMixin

__all__ = ['SemiConvMaskHead', 'SemiConvRoIHead', 'SemiConvCascadeRoIHead', 'SemiConvRoIHeadMixin',
           'SemiConvEmbeddingBranch']
