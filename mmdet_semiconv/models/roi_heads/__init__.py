from .mask_heads import SemiConvMaskHead
from .semiconv_roi_head import SemiConvRoIHead

__all__ = ['SemiConvMaskHead', 'SemiConvRoIHead']
